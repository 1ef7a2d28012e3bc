"""Extended probabilistic serial (Katta and Sethuraman 2006): eps.

Regression vectors of ``shared/spec/btm.md`` §6; eps = ps on strict preferences; an independent
brute force (bottleneck sets by enumerating all agent subsets, ``fractions.Fraction``) compared
on the amount every agent gets on every tier; sd-efficiency, sd-envy-freeness and ETE on random
weak-preference economies; a standard-library replay of the trace (what a certificate checker
for ``eps.outcome`` has to verify); the flow kernel against networkx; eps vs ps-ext."""
from __future__ import annotations

import json
from fractions import Fraction
from itertools import combinations

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _economies import economies, positive_fractions, weak_order_json
from exactassign import REGISTRY, Economy, run
from exactassign.cli import main
from exactassign.errors import DomainError
from exactassign.flows import FlowNet, max_level
from exactassign.numbers import ZERO, Q, to_fraction
from exactassign.properties.efficiency import find_sd_improvement
from exactassign.properties.fairness import find_envy, find_ete_violation

SEC6_DICHOTOMOUS = dict(
    agents=["1", "2", "3", "4", "5"], objects=["a", "b", "c"], supply={"a": 1, "b": 1, "c": 3},
    preferences={"1": [["a", "b"], "c"], "2": ["a", ["b", "c"]], "3": ["b", ["a", "c"]],
                 "4": ["b", ["a", "c"]], "5": ["b", ["a", "c"]]})
SEC6_LABELING = dict(
    agents=["1", "2", "3", "4"], objects=["a", "b", "c"],
    supply={"a": "5/2", "b": 1, "c": "1/2"},
    preferences={"1": ["a", ["b", "c"]], "2": [["a", "c"], "b"], "3": ["c", "a", "b"],
                 "4": [["a", "b"], "c"]})


def mk(d: dict) -> Economy:
    d = dict(d)
    return Economy.create(d.pop("agents"), d.pop("objects"), **d)


def fr(mapping: dict) -> dict:
    return {a: {o: Fraction(x) for o, x in r.items()} for a, r in mapping.items()}


def tier_masses(e: Economy, alloc) -> list[tuple[Fraction, ...]]:
    """Each agent's exact mass on each of her tiers (what every eps run must agree on)."""
    out = []
    for i, order in enumerate(e.preferences):
        row = alloc.rows[i]
        out.append(tuple(to_fraction(sum((row[e.object_index[o]] for o in t), ZERO))
                         for t in order))
    return out


# =========================================================================== paper vectors
def test_sec6_dichotomous_vector():
    r = run("eps", mk(SEC6_DICHOTOMOUS))
    assert fr(r.allocation.to_mapping()) == {
        "1": {"a": Fraction(1, 2), "c": Fraction(1, 2)},
        "2": {"a": Fraction(1, 2), "c": Fraction(1, 2)},
        **{i: {"b": Fraction(1, 3), "c": Fraction(2, 3)} for i in "345"}}
    levels = [(str(p.level), p.bottleneck_agents, p.bottleneck_objects, p.capped)
              for p in r.trace]
    assert levels == [("1/3", ("3", "4", "5"), ("b",), False),
                      ("1/2", ("1", "2"), ("a",), False),
                      ("1", ("1", "2", "3", "4", "5"), ("c",), True)]
    assert [str(p.ratio) for p in r.trace[:2]] == ["1/3", "1/2"]


def test_sec6_labeling_vector():
    """btm.md §6, third vector: 1, 2 get a; 3 gets 1/2 a + 1/2 c; 4 gets b."""
    r = run("eps", mk(SEC6_LABELING))
    assert fr(r.allocation.to_mapping()) == {
        "1": {"a": 1}, "2": {"a": 1}, "3": {"a": Fraction(1, 2), "c": Fraction(1, 2)},
        "4": {"b": 1}}


def test_bm2001_strict_example_equals_ps():
    e = Economy.create(["1", "2", "3", "4"], ["a", "b", "c", "d"], preferences={
        "1": ["a", "b", "c", "d"], "2": ["a", "b", "c", "d"],
        "3": ["b", "a", "d", "c"], "4": ["b", "a", "d", "c"]})
    r = run("eps", e)
    assert r.allocation == run("ps", e).allocation
    assert [str(p.level) for p in r.trace] == ["1/2", "1"]


def test_tie_between_two_objects_is_shared_by_flow():
    # 1 is indifferent between a and b, 2 wants a only: 2 gets all of a, 1 all of b
    e = Economy.create(["1", "2"], ["a", "b"], preferences={"1": [["a", "b"]], "2": ["a"]})
    r = run("eps", e)
    assert r.allocation.to_mapping() == {"1": {"b": "1"}, "2": {"a": "1"}}
    # naive equal splitting would give 1 half of a: sd-inefficient
    assert find_sd_improvement(e, r.allocation) is None


def test_unacceptable_short_supply_and_stops():
    e = Economy.create(["1", "2", "3"], ["a", "b"], supply={"a": "1/2", "b": "1/3"},
                       preferences={"1": [["a", "b"]], "2": ["a"], "3": []})
    r = run("eps", e)
    # {1,2} share a and b: (1/2 + 1/3)/2 = 5/12 each; 2 only takes a
    assert fr(r.allocation.to_mapping()) == {"1": {"a": Fraction(1, 12), "b": Fraction(1, 3)},
                                             "2": {"a": Fraction(5, 12)}, "3": {}}
    assert r.info["accept_nothing"] == ["3"]
    assert r.trace[-1].stopped == ("1", "2")


def test_equal_agents_get_equal_rows():
    e = Economy.create(["1", "2", "3"], ["a", "b", "c"],
                       preferences={"1": [["a", "b", "c"]], "2": [["a", "b", "c"]], "3": ["a"]})
    p = run("eps", e).allocation
    assert p.row_map("1") == p.row_map("2")
    assert find_ete_violation(e, p) is None


def test_endowments_are_refused():
    e = Economy.create(["1", "2"], ["a", "b"], preferences={"1": ["a", "b"], "2": ["a", "b"]},
                       endowments={"1": {"a": 1}, "2": {"b": 1}})
    with pytest.raises(DomainError, match="house-allocation"):
        run("eps", e)


def test_registered_with_trace_columns():
    from exactassign.io.render import TRACE_COLUMNS
    assert "eps" in REGISTRY and "eps" in TRACE_COLUMNS
    assert REGISTRY["eps"].param_help == {}


def test_cli_run_json_trace(tmp_path, capsys):
    path = tmp_path / "e.json"
    path.write_text(json.dumps({"format": "exactassign.economy", "version": 1,
                                **SEC6_DICHOTOMOUS}))
    assert main(["run", "eps", str(path), "--format", "json", "--trace"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["mechanism"] == "eps"
    assert out["allocation"]["3"] == {"b": "1/3", "c": "2/3"}
    assert out["trace"][0]["bottleneck_agents"] == ["3", "4", "5"]
    assert out["trace"][0]["flow"]["3"] == {"b": "1/3"}
    assert main(["run", "eps", str(path), "--trace"]) == 0
    assert "bottleneck agents" in capsys.readouterr().out


# =========================================================================== random economies
@given(economies(max_agents=6, max_objects=6, ties=False))
@settings(max_examples=300, deadline=None)
def test_eps_equals_ps_on_strict_preferences(e):
    r = run("eps", e)
    assert r.allocation == run("ps", e).allocation


def brute_force_eps(e: Economy) -> list[tuple[Fraction, ...]]:
    """Katta-Sethuraman by definition, independent of exactassign's flows: at each phase the
    level is min(1, min over all subsets S of the active agents of (c(H(S)) + x(S)) / |S|), the
    bottleneck set is the union of all minimisers; returns each agent's mass per tier."""
    n = e.n
    tiers = [[set(t) for t in order] for order in e.preferences]
    remaining = {o: to_fraction(s) for o, s in zip(e.objects, e.supply)}
    present = set(e.objects)
    x = [Fraction(0)] * n
    pos = [0] * n
    masses = [[Fraction(0)] * len(t) for t in tiers]

    def top(i):
        while pos[i] < len(tiers[i]):
            h = tiers[i][pos[i]] & present
            if h:
                return h
            pos[i] += 1
        return None

    active = [i for i in range(n) if top(i) is not None]
    while active:
        h = {i: top(i) for i in active}
        best, minimisers = None, []
        for k in range(1, len(active) + 1):
            for s in combinations(active, k):
                objs = set().union(*(h[i] for i in s))
                r = (sum(remaining[o] for o in objs) + sum(x[i] for i in s)) / len(s)
                if best is None or r < best:
                    best, minimisers = r, [s]
                elif r == best:
                    minimisers.append(s)
        if best >= 1:
            for i in active:
                masses[i][pos[i]] += 1 - x[i]
            break
        bset = sorted(set().union(*map(set, minimisers)))
        gone = set().union(*(h[i] for i in bset))
        for i in bset:
            masses[i][pos[i]] += best - x[i]
            x[i] = best
        present -= gone
        active = [i for i in active if i not in bset or top(i) is not None]
    return [tuple(m) for m in masses]


@given(economies(max_agents=5, max_objects=5, ties=True))
@settings(max_examples=250, deadline=None)
def test_eps_matches_brute_force_on_every_tier(e):
    r = run("eps", e)
    assert tier_masses(e, r.allocation) == brute_force_eps(e)


@given(economies(max_agents=7, max_objects=6, ties=True))
@settings(max_examples=300, deadline=None)
def test_eps_is_feasible_sd_efficient_envy_free_and_ete(e):
    p = run("eps", e).allocation
    assert p.is_feasible(e)
    assert find_sd_improvement(e, p) is None
    assert find_envy(e, p) is None
    assert find_ete_violation(e, p) is None


# =========================================================================== trace replay
def replay_eps(instance: dict, trace: list[dict], allocation: dict) -> None:
    """What a standard-library checker of an ``eps.outcome`` certificate verifies, phase by
    phase, with ``Fraction`` arithmetic and no search (raises AssertionError on any breach)."""
    agents, objects = instance["agents"], instance["objects"]
    supply = {o: Fraction(str(instance.get("supply", {}).get(o, 1))) for o in objects}
    prefs = {a: [set([t] if isinstance(t, str) else t) for t in instance["preferences"][a]]
             for a in agents}
    remaining, present = dict(supply), set(objects)
    x = {a: Fraction(0) for a in agents}
    done: set[str] = set()
    got = {a: {} for a in agents}
    level = Fraction(0)

    def top(a):
        for t in prefs[a]:
            if t & present:
                return t & present
        return None

    for ph in trace:
        active = {a for a in agents if a not in done and x[a] < 1 and top(a)}
        assert Fraction(ph["start"]) == level
        lam = Fraction(ph["level"])
        assert level < lam <= 1
        assert set(ph["top"]) == active
        for a in active:
            assert set(ph["top"][a]) == top(a)                       # her best present tier
            assert Fraction(ph["committed"][a]) == x[a]
        assert {o: Fraction(v) for o, v in ph["remaining"].items()} == \
            {o: remaining[o] for o in present}
        used = {o: Fraction(0) for o in present}
        for a in active:                                             # a flow at level lam
            row = {o: Fraction(v) for o, v in ph["flow"][a].items()}
            assert set(row) <= top(a) and all(v > 0 for v in row.values())
            assert sum(row.values()) == lam - x[a]
            for o, v in row.items():
                used[o] += v
        assert all(used[o] <= remaining[o] for o in present)         # => no ratio below lam
        b = set(ph["bottleneck_agents"])
        assert b and b <= active
        objs = set().union(*(top(a) for a in b))
        assert set(ph["bottleneck_objects"]) == objs
        for a in active - b:            # B is closed: nobody else loses her whole top set
            assert not top(a) <= objs
        if ph["capped"]:
            assert lam == 1 and b == active
        else:                                                        # => lam is attained
            assert sum(remaining[o] for o in objs) == sum(lam - x[a] for a in b)
            assert set(ph["exhausted"]) == objs
        assert Fraction(ph["ratio"]) == (sum(remaining[o] for o in objs)
                                         + sum(x[a] for a in b)) / len(b)
        for a in b:                                                  # commit B's flow
            for o, v in ph["flow"][a].items():
                got[a][o] = got[a].get(o, 0) + Fraction(v)
            x[a] = lam
        for o in ph["exhausted"]:
            present.discard(o)
        if not ph["capped"]:
            for o in objs:
                remaining[o] = Fraction(0)
        assert set(ph["satiated"]) == {a for a in b if lam == 1}
        assert set(ph["stopped"]) == {a for a in b if lam < 1 and top(a) is None}
        done |= set(ph["satiated"]) | set(ph["stopped"])
        level = lam
    assert not {a for a in agents if a not in done and x[a] < 1 and top(a)}
    assert {a: {o: v for o, v in r.items() if v} for a, r in got.items()} == \
        {a: {o: Fraction(v) for o, v in allocation.get(a, {}).items()} for a in agents}


def _instance(e: Economy) -> dict:
    from exactassign.io.json_io import economy_to_json
    return json.loads(json.dumps(economy_to_json(e)))


@given(economies(max_agents=7, max_objects=6, ties=True))
@settings(max_examples=200, deadline=None)
def test_trace_replays_exactly(e):
    r = run("eps", e)
    data = json.loads(json.dumps(r.trace_json()))
    replay_eps(_instance(e), data, r.allocation.to_mapping())


def test_replay_rejects_a_corrupted_trace():
    e = mk(SEC6_DICHOTOMOUS)
    r = run("eps", e)
    good = r.trace_json()
    replay_eps(_instance(e), good, r.allocation.to_mapping())
    bad_level = json.loads(json.dumps(good))
    bad_level[0]["level"] = "1/4"
    bad_flow = json.loads(json.dumps(good))
    bad_flow[1]["flow"]["1"] = {"a": "1/4", "b": "1/4"}
    bad_set = json.loads(json.dumps(good))
    bad_set[0]["bottleneck_agents"] = ["3", "4"]
    for bad in (bad_level, bad_flow, bad_set):
        with pytest.raises(AssertionError):
            replay_eps(_instance(e), bad, r.allocation.to_mapping())


# =========================================================================== flow kernel
@st.composite
def flow_instances(draw):
    m = draw(st.integers(1, 5))
    nodes = draw(st.lists(st.lists(st.integers(0, m - 1), min_size=1, max_size=m, unique=True),
                          min_size=1, max_size=6))
    caps = [draw(positive_fractions(6, 4)) for _ in range(m)]
    bases = [draw(st.sampled_from([Fraction(0), Fraction(1, 4), Fraction(1, 3)]))
             for _ in nodes]
    return m, nodes, caps, bases


@given(flow_instances())
@settings(max_examples=200, deadline=None)
def test_max_level_against_networkx(inst):
    """λ* from the parametric kernel: networkx's max flow (on Fractions) is saturated at λ*
    and not at λ* + 1/1000 (unless capped), and the tight set is tight."""
    m, nodes, caps, bases = inst
    net = FlowNet({o: Q(c.numerator, c.denominator) for o, c in enumerate(caps)})
    for j, objs in enumerate(nodes):
        net.add_node(j, objs, ZERO)
    lvl = max_level(net, {j: Q(b.numerator, b.denominator) for j, b in enumerate(bases)}, {},
                    Q(1))
    lam = to_fraction(lvl.level)

    def saturated(at):
        g = nx.DiGraph()
        want = Fraction(0)
        for j, objs in enumerate(nodes):
            d = max(Fraction(0), at - bases[j])
            want += d
            g.add_edge("s", ("n", j), capacity=d)
            for o in objs:
                g.add_edge(("n", j), ("o", o))
        for o, c in enumerate(caps):
            g.add_edge(("o", o), "t", capacity=c)
        return nx.maximum_flow_value(g, "s", "t") == want

    assert saturated(lam)
    if lvl.capped:
        assert lam == 1
    else:
        assert not saturated(lam + Fraction(1, 1000))
        tight = lvl.tight_nodes
        objs = set().union(*(set(nodes[j]) for j in tight))
        assert sum(caps[o] for o in objs) == sum(max(Fraction(0), lam - bases[j])
                                                 for j in tight)
        assert set(lvl.tight_objects) == objs


# =========================================================================== eps vs ps-ext
needs_ps_ext = pytest.mark.skipif("ps-ext" not in REGISTRY, reason="ps-ext not available")


@st.composite
def complete_weak_economies(draw, max_agents=6, max_objects=5):
    """Every agent ranks every object (ps-ext runs house allocation as FEE: no outside
    option); total supply <= number of agents."""
    n = draw(st.integers(1, max_agents))
    m = draw(st.integers(1, min(n, max_objects)))
    objects = list("abcdefgh"[:m])
    prefs = {str(i): draw(weak_order_json(objects, ties=True, incomplete=False))
             for i in range(1, n + 1)}
    supply = None
    if draw(st.booleans()):
        raw = [draw(st.integers(1, 4)) for _ in objects]
        scale = Fraction(draw(st.integers(1, 4)) * n, 4 * sum(raw))
        supply = {o: str(Fraction(r) * scale) for o, r in zip(objects, raw)}
    return Economy.create([str(i) for i in range(1, n + 1)], objects, preferences=prefs,
                          supply=supply)


@needs_ps_ext
@given(complete_weak_economies())
@settings(max_examples=250, deadline=None)
def test_eps_and_ps_ext_agree_on_every_tier(e):
    """Both extend PS to ties and are sd-efficient and envy-free; on every random instance so
    far they give every agent the same amount on every tier (the split among tied objects may
    differ).  A difference would go to counterexamples/."""
    p, q = run("eps", e).allocation, run("ps-ext", e).allocation
    assert tier_masses(e, p) == tier_masses(e, q)


@needs_ps_ext
def test_sec6_labeling_vector_ps_ext_agrees():
    e = mk(SEC6_LABELING)
    assert run("ps-ext", e).allocation == run("eps", e).allocation
