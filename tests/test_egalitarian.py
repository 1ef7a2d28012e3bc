"""The Bogomolnaia-Moulin (2004) egalitarian solution for dichotomous preferences.

The §6 regression vector of ``shared/spec/btm.md``; an independent brute force of the bottleneck
sequence (all agent subsets, ``fractions.Fraction``); the Gallai-Edmonds decomposition against
networkx maximum matchings; the egalitarian property and a standard-library check of its
witness (with mutations that must be rejected); efficiency and (BM) envy-freeness on random
dichotomous economies; Proposition 4 of the seed (equal BTM = ps-ext yields the egalitarian
solution)."""
from __future__ import annotations

import json
from fractions import Fraction
from itertools import combinations

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _economies import positive_fractions
from exactassign import REGISTRY, Allocation, Economy, run
from exactassign.cli import main
from exactassign.errors import DomainError
from exactassign.mechanisms.egalitarian import bottleneck_sequence, gallai_edmonds
from exactassign.numbers import to_fraction
from exactassign.properties import evaluate
from exactassign.properties.efficiency import find_sd_improvement
from exactassign.properties.egalitarian import (find_egalitarian_violation, first_tier_masses,
                                                is_egalitarian)
from exactassign.properties.fairness import find_envy, find_ete_violation

SEC6 = dict(agents=["1", "2", "3", "4", "5"], objects=["a", "b", "c"],
            supply={"a": 1, "b": 1, "c": 3},
            preferences={"1": [["a", "b"], "c"], "2": ["a", ["b", "c"]], "3": ["b", ["a", "c"]],
                         "4": ["b", ["a", "c"]], "5": ["b", ["a", "c"]]})
SEC6_ANSWER = {"1": {"a": "1/2", "c": "1/2"}, "2": {"a": "1/2", "c": "1/2"},
               **{i: {"b": "1/3", "c": "2/3"} for i in "345"}}


def mk(d: dict) -> Economy:
    d = dict(d)
    return Economy.create(d.pop("agents"), d.pop("objects"), **d)


def instance_json(e: Economy) -> dict:
    from exactassign.io.json_io import economy_to_json
    return json.loads(json.dumps(economy_to_json(e)))


# =========================================================================== the §6 vector
def test_sec6_dichotomous_vector():
    e = mk(SEC6)
    r = run("egalitarian", e)
    assert r.allocation.to_mapping() == SEC6_ANSWER
    seq, profile = bottleneck_sequence(e)
    assert [(b.agents, b.objects, str(b.ratio), b.capped) for b in seq] == [
        (("3", "4", "5"), ("b",), "1/3", False), (("1", "2"), ("a",), "1/2", False)]
    assert {a: str(x) for a, x in profile.items()} == {"1": "1/2", "2": "1/2", "3": "1/3",
                                                        "4": "1/3", "5": "1/3"}
    d = gallai_edmonds(e)
    assert d.over_demanded_agents == ("1", "2", "3", "4", "5")
    assert d.over_demanded_objects == ("a", "b")
    assert d.under_demanded_objects == ("c",) and d.under_demanded_agents == ()
    assert str(d.max_flow) == "2"
    steps = r.trace_json()
    assert [s["step"] for s in steps] == ["decomposition", "bottleneck", "bottleneck", "fill"]
    assert steps[-1]["level"] == "1" and steps[-1]["capped"]
    assert is_egalitarian(e, r.allocation)


def test_naive_tie_splitting_is_not_egalitarian():
    """btm.md §6: eating tied objects at equal rates (1 eats a and b at rate 1/2 each) lets 1
    take b that 3, 4, 5 need: they end below their egalitarian 1/3, which the check reports."""
    e = mk(SEC6)
    naive = Allocation.from_mapping(e, {"1": {"a": "1/3", "b": "1/6", "c": "1/2"},
                                        "2": {"a": "2/3", "c": "1/3"},
                                        **{i: {"b": "5/18", "c": "13/18"} for i in "345"}})
    assert naive.is_feasible(e)
    w = find_egalitarian_violation(e, naive)
    assert w is not None and w.agent == "3"
    assert to_fraction(w.mass) == Fraction(5, 18) and str(w.egalitarian) == "1/3"


def test_gallai_edmonds_docstring_case():
    e = Economy.create(["1", "2", "3"], ["a", "b"],
                       preferences={"1": ["a"], "2": ["a"], "3": [["a", "b"]]})
    d = gallai_edmonds(e)
    assert d.over_demanded_agents == ("1", "2") and d.over_demanded_objects == ("a",)
    assert d.under_demanded_agents == () and d.under_demanded_objects == ()
    assert d.matched_agents == ("3",) and d.matched_objects == ("b",)


def test_fill_up_reroutes_first_tier_objects():
    """1 is indifferent between a and b (first tier), 2 wants c and then b: 2 can fill up
    with b only if 1 takes a -- the fill-up reroutes the first-tier flow."""
    e = Economy.create(["1", "2"], ["a", "b", "c"], supply={"c": "1/2"},
                       preferences={"1": [["a", "b"]], "2": ["c", "b"]})
    p = run("egalitarian", e).allocation
    assert p.to_mapping() == {"1": {"a": "1"}, "2": {"b": "1/2", "c": "1/2"}}
    assert find_sd_improvement(e, p) is None


def test_egalitarian_differs_from_eps_under_shortage():
    """With short supply and fill-up tiers, eps lets agents compete for a fill-up object with
    an agent for whom it is acceptable; the egalitarian solution (utility = first-tier mass)
    gives it to the latter.  Both are sd-efficient."""
    e = Economy.create(["1", "2", "3"], ["a", "c"],
                       preferences={"1": ["a", "c"], "2": ["a", "c"], "3": ["c"]})
    p = run("egalitarian", e).allocation
    q = run("eps", e).allocation
    assert p.to_mapping() == {"1": {"a": "1/2"}, "2": {"a": "1/2"}, "3": {"c": "1"}}
    assert q.to_mapping() == {"1": {"a": "1/2", "c": "1/6"}, "2": {"a": "1/2", "c": "1/6"},
                              "3": {"c": "2/3"}}
    assert find_sd_improvement(e, p) is None and find_sd_improvement(e, q) is None
    assert not is_egalitarian(e, q)


def test_non_dichotomous_is_refused_naming_the_agent():
    e = Economy.create(["x", "y"], ["a", "b", "c"],
                       preferences={"x": [["a", "b"]], "y": ["a", "b", "c"]})
    with pytest.raises(DomainError, match="agent 'y' has 3 indifference classes"):
        run("egalitarian", e)
    r = evaluate("egalitarian", e, run("eps", e).allocation)
    assert r.holds is None and "not dichotomous" in r.reason


def test_endowments_are_refused():
    e = Economy.create(["1", "2"], ["a", "b"], preferences={"1": ["a"], "2": ["b"]},
                       endowments={"1": {"a": 1}, "2": {"b": 1}})
    with pytest.raises(DomainError):
        run("egalitarian", e)
    assert evaluate("egalitarian", e, run("ttc", e).allocation if "ttc" in REGISTRY else
                    Allocation.from_mapping(e, {"1": {"a": 1}, "2": {"b": 1}})).holds is None


def test_agents_without_acceptable_objects():
    e = Economy.create(["1", "2", "3"], ["a"], preferences={"1": ["a"], "2": ["a"], "3": []})
    r = run("egalitarian", e)
    seq, profile = bottleneck_sequence(e)
    assert seq[0].agents == ("3",) and seq[0].ratio == 0
    assert r.allocation.to_mapping() == {"1": {"a": "1/2"}, "2": {"a": "1/2"}, "3": {}}


def test_property_registry_and_cli(tmp_path, capsys):
    e = mk(SEC6)
    r = evaluate("egalitarian", e, run("egalitarian", e).allocation)
    assert r.holds is True and r.claim == "egalitarian"
    assert [b["ratio"] for b in r.witness["bottlenecks"]] == ["1/3", "1/2"]
    eco = tmp_path / "e.json"
    eco.write_text(json.dumps({"format": "exactassign.economy", "version": 1, **SEC6}))
    alloc = tmp_path / "p.json"
    alloc.write_text(json.dumps({"format": "exactassign.allocation", "version": 1,
                                 "allocation": {"1": {"a": 1}, "3": {"b": 1}}}))
    assert main(["check", str(eco), str(alloc), "--property", "egalitarian", "--format",
                 "json"]) == 0
    out = json.loads(capsys.readouterr().out)["properties"]["egalitarian"]
    assert out["holds"] is False and out["claim"] == "not-egalitarian"
    assert out["witness"]["agent"] == "3" and out["witness"]["egalitarian"] == "1/3"
    assert main(["run", "egalitarian", str(eco), "--trace"]) == 0
    assert "decomposition" in capsys.readouterr().out


# =========================================================================== witness checker
def check_witness(instance: dict, allocation: dict, claim: str, witness: dict) -> None:
    """The standard-library check of an egalitarian / not-egalitarian witness (no search);
    raises AssertionError when the witness does not prove the claim."""
    agents, objects = instance["agents"], instance["objects"]
    supply = {o: Fraction(str(instance.get("supply", {}).get(o, 1))) for o in objects}
    first = {}
    for a in agents:
        order = instance["preferences"][a]
        assert len(order) <= 2
        first[a] = set([order[0]] if order and isinstance(order[0], str) else
                       (order[0] if order else []))
    sets = witness["bottlenecks"]
    seen = [a for b in sets for a in b["agents"]]
    assert sorted(seen) == sorted(agents) and len(seen) == len(set(seen))
    used: set[str] = set()
    profile, prev = {}, Fraction(-1)
    for b in sets:
        new = set().union(*(first[a] for a in b["agents"])) - used
        assert set(b["objects"]) == new
        c = sum((supply[o] for o in new), Fraction(0))
        assert Fraction(b["supply"]) == c
        ratio = c / len(b["agents"])
        assert Fraction(b["ratio"]) == ratio
        level = min(Fraction(1), ratio)
        assert Fraction(b["level"]) == level and level >= prev
        prev = level
        used |= new
        for a in b["agents"]:
            profile[a] = level

    def realises(alloc: dict) -> None:
        cols = {o: Fraction(0) for o in objects}
        for a in agents:
            row = {o: Fraction(v) for o, v in alloc.get(a, {}).items()}
            assert all(v >= 0 for v in row.values()) and sum(row.values()) <= 1
            for o, v in row.items():
                cols[o] += v
            assert sum((v for o, v in row.items() if o in first[a]), Fraction(0)) == profile[a]
        assert all(cols[o] <= supply[o] for o in objects)

    if claim == "egalitarian":
        realises(allocation)
    else:
        assert claim == "not-egalitarian"
        realises(witness["realisation"])
        a = witness["agent"]
        mass = sum((Fraction(v) for o, v in allocation.get(a, {}).items() if o in first[a]),
                   Fraction(0))
        assert Fraction(witness["mass"]) == mass != profile[a]
        assert Fraction(witness["egalitarian"]) == profile[a]


def test_witness_checker_accepts_and_rejects_mutations():
    e = mk(SEC6)
    inst = instance_json(e)
    good = evaluate("egalitarian", e, run("egalitarian", e).allocation)
    check_witness(inst, SEC6_ANSWER, good.claim, good.witness)
    mutations = []
    w = json.loads(json.dumps(good.witness))
    w["bottlenecks"][0]["ratio"] = "1/4"
    mutations.append(w)
    w = json.loads(json.dumps(good.witness))
    w["bottlenecks"].reverse()                                  # levels must not decrease
    mutations.append(w)
    w = json.loads(json.dumps(good.witness))
    w["bottlenecks"][0]["agents"] = ["3", "4"]                  # not a partition
    mutations.append(w)
    w = json.loads(json.dumps(good.witness))
    w["bottlenecks"] = [{"agents": ["1", "2", "3", "4", "5"], "objects": ["a", "b"],
                         "supply": "2", "ratio": "2/5", "level": "2/5", "capped": False}]
    mutations.append(w)                                         # profile not realised
    for bad in mutations:
        with pytest.raises(AssertionError):
            check_witness(inst, SEC6_ANSWER, "egalitarian", bad)
    # a "no" verdict: its realisation and agent check out; a wrong realisation does not
    p = {"1": {"a": "1"}, "3": {"b": "1"}}
    no = evaluate("egalitarian", e, Allocation.from_mapping(e, p))
    check_witness(inst, p, no.claim, no.witness)
    w = json.loads(json.dumps(no.witness))
    w["realisation"] = p
    with pytest.raises(AssertionError):
        check_witness(inst, p, no.claim, w)


# =========================================================================== random economies
@st.composite
def dichotomous_economies(draw, max_agents=6, max_objects=5, complete=False,
                          supply_sum_n=False):
    n = draw(st.integers(1, max_agents))
    m = draw(st.integers(1, min(max_objects, n) if supply_sum_n else max_objects))
    objects = list("abcdefgh"[:m])
    prefs = {}
    for i in range(1, n + 1):
        perm = draw(st.permutations(objects))
        k = draw(st.integers(1 if complete else 0, m))
        first, rest = list(perm[:k]), list(perm[k:])
        if complete:
            second = rest
        else:
            second = rest[:draw(st.integers(0, len(rest)))] if k else []
        prefs[str(i)] = ([first] if first else []) + ([second] if second else [])
    supply = None
    if supply_sum_n:
        if m < n or draw(st.booleans()):
            raw = [draw(st.integers(1, 4)) for _ in objects]
            supply = {o: str(Fraction(r * n, sum(raw))) for o, r in zip(objects, raw)}
    elif draw(st.booleans()):
        supply = {o: str(draw(positive_fractions(6, 3))) for o in objects}
    return Economy.create([str(i) for i in range(1, n + 1)], objects, preferences=prefs,
                          supply=supply)


def brute_force_profile(e: Economy) -> dict[str, Fraction]:
    """The bottleneck sequence by definition: repeatedly the union of all agent subsets
    minimising c(A(S) \\ used) / |S|; levels min(1, ratio)."""
    first = {a: (set(o[0]) if o else set()) for a, o in zip(e.agents, e.preferences)}
    supply = {o: to_fraction(s) for o, s in zip(e.objects, e.supply)}
    left, used, out = list(e.agents), set(), {}
    while left:
        best, mins = None, []
        for k in range(1, len(left) + 1):
            for s in combinations(left, k):
                objs = set().union(*(first[a] for a in s)) - used
                r = sum((supply[o] for o in objs), Fraction(0)) / len(s)
                if best is None or r < best:
                    best, mins = r, [s]
                elif r == best:
                    mins.append(s)
        if best >= 1:
            out.update({a: Fraction(1) for a in left})
            break
        bset = set().union(*map(set, mins))
        for a in bset:
            out[a] = best
        used |= set().union(*(first[a] for a in bset))
        left = [a for a in left if a not in bset]
    return out


@given(dichotomous_economies())
@settings(max_examples=250, deadline=None)
def test_egalitarian_profile_matches_brute_force(e):
    p = run("egalitarian", e).allocation
    masses = {a: to_fraction(x) for a, x in first_tier_masses(e, p).items()}
    assert masses == brute_force_profile(e)


@given(dichotomous_economies(max_agents=7, max_objects=6))
@settings(max_examples=300, deadline=None)
def test_egalitarian_properties(e):
    r = run("egalitarian", e)
    p = r.allocation
    assert p.is_feasible(e)
    assert find_sd_improvement(e, p) is None
    assert find_ete_violation(e, p) is None
    res = evaluate("egalitarian", e, p)
    assert res.holds is True
    check_witness(instance_json(e), p.to_mapping(), res.claim, res.witness)
    # envy-free in Bogomolnaia-Moulin's sense: nobody's first tier holds more of j's row
    u = first_tier_masses(e, p)
    for i, (a, order) in enumerate(zip(e.agents, e.preferences)):
        first = order[0] if order else frozenset()
        for j in range(e.n):
            other = sum((p.rows[j][e.object_index[o]] for o in first), 0)
            assert other <= u[a]
    if all(len(o) <= 1 for o in e.preferences):     # no fill-up tiers: sd-envy-free
        assert find_envy(e, p) is None
    # the over-demanded agents (Gallai-Edmonds) are exactly those who get less than 1
    d = gallai_edmonds(e)
    assert set(d.over_demanded_agents) == {a for a, x in u.items() if x < 1}
    # the trace's sets and flows are consistent with the allocation
    fills = [s for s in r.trace_json() if s["step"] == "fill"]
    total: dict = {}
    for s in fills:
        for part in ("first_tier_flow", "second_tier_flow"):
            for a, row in s[part].items():
                for o, v in row.items():
                    total.setdefault(a, {})[o] = total.get(a, {}).get(o, 0) + Fraction(v)
    assert {a: r for a, r in total.items() if r} == \
        {a: {o: Fraction(v) for o, v in r.items()} for a, r in p.to_mapping().items() if r}


@given(dichotomous_economies(max_agents=6, max_objects=5))
@settings(max_examples=200, deadline=None)
def test_perturbed_allocation_is_caught(e):
    p = run("egalitarian", e).allocation
    # move first-tier mass of the first agent with some to nobody (drop it)
    for i, order in enumerate(e.preferences):
        if order and any(p.rows[i][e.object_index[o]] for o in order[0]):
            k = next(e.object_index[o] for o in sorted(order[0])
                     if p.rows[i][e.object_index[o]])
            rows = [list(r) for r in p.rows]
            rows[i][k] = rows[i][k] / 2
            q = Allocation(p.agents, p.objects, tuple(tuple(r) for r in rows))
            res = evaluate("egalitarian", e, q)
            assert res.holds is False
            check_witness(instance_json(e), q.to_mapping(), res.claim, res.witness)
            break


@st.composite
def unit_dichotomous(draw):
    n = draw(st.integers(1, 6))
    m = draw(st.integers(1, 6))
    objects = list("abcdef"[:m])
    prefs = {str(i): [list(s)] if (s := draw(st.sets(st.sampled_from(objects)))) else []
             for i in range(1, n + 1)}
    prefs = {a: ([sorted(t[0])] if t else []) for a, t in prefs.items()}
    return Economy.create([str(i) for i in range(1, n + 1)], objects, preferences=prefs)


@given(unit_dichotomous())
@settings(max_examples=200, deadline=None)
def test_gallai_edmonds_against_networkx_matchings(e):
    """Unit supplies: a vertex is in D (missed by some maximum matching) iff removing it keeps
    the maximum matching size; A = neighbours of D outside D; C = the rest."""
    g = nx.Graph()
    left = [("i", a) for a in e.agents]
    g.add_nodes_from(left)
    g.add_nodes_from(("o", o) for o in e.objects)
    for a, order in zip(e.agents, e.preferences):
        for o in (order[0] if order else ()):
            g.add_edge(("i", a), ("o", o))

    def nu(graph):
        return len(nx.max_weight_matching(graph, maxcardinality=True))

    size = nu(g)
    d = {v for v in g if nu(g.subgraph(set(g) - {v})) == size}
    a_set = {w for v in d for w in g[v]} - d
    dec = gallai_edmonds(e)
    assert set(dec.over_demanded_agents) == {a for k, a in d if k == "i"}
    assert set(dec.under_demanded_objects) == {o for k, o in d if k == "o"}
    assert set(dec.over_demanded_objects) == {o for k, o in a_set if k == "o"}
    assert set(dec.under_demanded_agents) == {a for k, a in a_set if k == "i"}
    assert dec.max_flow == size


# =========================================================================== Proposition 4
needs_ps_ext = pytest.mark.skipif("ps-ext" not in REGISTRY, reason="ps-ext not available")


@needs_ps_ext
@given(dichotomous_economies(max_agents=6, max_objects=5, complete=True, supply_sum_n=True))
@settings(max_examples=250, deadline=None)
def test_proposition_4_ps_ext_is_egalitarian(e):
    """Seed Proposition 4 (btm.md §3): on dichotomous house-allocation economies the equal BTM
    (ps-ext) yields the egalitarian solution.  ps-ext runs house allocation as the FEE economy
    ω_io = q_o/n (every agent ranks every object); with Σ q_o = n every agent receives one unit
    in both models."""
    p = run("ps-ext", e).allocation
    assert is_egalitarian(e, p)
    q = run("egalitarian", e).allocation
    assert first_tier_masses(e, p) == first_tier_masses(e, q)
    assert all(p.row_sum(i) == 1 for i in range(e.n))


@needs_ps_ext
def test_proposition_4_sec6_vector():
    e = mk(SEC6)
    assert run("ps-ext", e).allocation.to_mapping() == SEC6_ANSWER
