"""Serial dictatorship with ties (sd) and random serial dictatorship (rsd).

The Bogomolnaia-Moulin (2001) four-agent RSD matrix; rsd = the average over all n! orders of
sd's canonical per-order realisation, recomputed independently (Fractions, Hall's condition over
sets of promises, no flows; networkx max-flow values for the tier amounts), with ties,
unacceptable objects and multi-unit supplies; sd is that realisation, integral with unit
supplies, sd-efficient, and never lets a choice among ties hurt a later agent; rsd and sd are
strategy-proof with ties (the search engine's counterexample to the old rsd is gone; exhaustive
misreports on random small economies and on every 4-agent dichotomous profile); the stated size
limit (exit code 3); the labelled Monte-Carlo estimate with its recorded seed."""
from __future__ import annotations

import itertools
import json
from fractions import Fraction

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _economies import economies
from exactassign import REGISTRY, Economy, run
from exactassign.cli import main
from exactassign.errors import LimitExceeded, ParameterError
from exactassign.mechanisms.serial import (RSD_EXACT_MAX_GROUPS, random_serial_dictatorship,
                                           serial_dictatorship)
from exactassign.numbers import ZERO, to_fraction
from exactassign.properties.efficiency import find_sd_improvement
from exactassign.properties.fairness import find_ete_violation
from exactassign.properties.strategy import find_manipulation, order_space

BM = dict(agents=["1", "2", "3", "4"], objects=["a", "b", "c", "d"],
          preferences={"1": ["a", "b", "c", "d"], "2": ["a", "b", "c", "d"],
                       "3": ["b", "a", "d", "c"], "4": ["b", "a", "d", "c"]})


def mk(d: dict) -> Economy:
    d = dict(d)
    return Economy.create(d.pop("agents"), d.pop("objects"), **d)


def tier_masses(e: Economy, alloc) -> list[tuple[Fraction, ...]]:
    return [tuple(to_fraction(sum((alloc.rows[i][e.object_index[o]] for o in t), ZERO))
                  for t in order) for i, order in enumerate(e.preferences)]


# =========================================================================== paper values
def test_bm2001_rsd_matrix():
    r = run("rsd", mk(BM))
    q = {a: {o: str(x) for o, x in r.allocation.row_map(a).items()} for a in "1234"}
    assert q["1"] == q["2"] == {"a": "5/12", "b": "1/12", "c": "5/12", "d": "1/12"}
    assert q["3"] == q["4"] == {"a": "1/12", "b": "5/12", "c": "1/12", "d": "5/12"}
    assert r.exact and r.info["method"] == "exact" and r.info["types"] == "2"
    # RSD is not sd-efficient here (Bogomolnaia-Moulin's point): PS dominates it
    assert find_sd_improvement(mk(BM), r.allocation) is not None


def test_sd_strict_and_order_param():
    e = mk(BM)
    assert run("sd", e).allocation.to_mapping() == {"1": {"a": "1"}, "2": {"b": "1"},
                                                    "3": {"d": "1"}, "4": {"c": "1"}}
    r = REGISTRY["sd"].run(e, {"order": "3,1,4,2"})
    assert r.allocation.to_mapping() == {"1": {"a": "1"}, "2": {"c": "1"}, "3": {"b": "1"},
                                         "4": {"d": "1"}}
    assert r.params == {"order": "3,1,4,2"}
    assert [s.agent for s in r.trace] == ["3", "1", "4", "2"]


def test_sd_order_errors():
    e = mk(BM)
    with pytest.raises(ParameterError, match="unknown agent '9'"):
        REGISTRY["sd"].run(e, {"order": "1,2,3,9"})
    with pytest.raises(ParameterError, match="listed twice"):
        REGISTRY["sd"].run(e, {"order": "1,1,2,3"})
    with pytest.raises(ParameterError, match="agent '4' is missing"):
        REGISTRY["sd"].run(e, {"order": "1,2,3"})


def test_sd_tie_choice_does_not_hurt_later_agents():
    """1 is indifferent between a and b; 2 wants a only.  1 is promised 'one unit of {a, b}',
    and the final flow gives her b so that 2 gets a."""
    e = Economy.create(["1", "2"], ["a", "b"], preferences={"1": [["a", "b"]], "2": ["a"]})
    r = run("sd", e)
    assert r.allocation.to_mapping() == {"1": {"b": "1"}, "2": {"a": "1"}}
    assert r.trace_json()[0]["promised"] == [{"tier": ["a", "b"], "amount": "1"}]
    # a chain: each agent's tie is resolved by later agents' needs, integrally
    e = Economy.create(["1", "2", "3"], ["a", "b", "c"],
                       preferences={"1": [["a", "b", "c"]], "2": [["a", "b"]], "3": ["a"]})
    assert run("sd", e).allocation.to_mapping() == {"1": {"c": "1"}, "2": {"b": "1"},
                                                    "3": {"a": "1"}}


def test_sd_fractional_supply():
    e = Economy.create(["1", "2"], ["a", "b"], supply={"a": "1/3", "b": "2"},
                       preferences={"1": ["a", "b"], "2": ["a", "b"]})
    assert run("sd", e).allocation.to_mapping() == {"1": {"a": "1/3", "b": "2/3"},
                                                    "2": {"b": "1"}}


# =========================================================================== brute force
def naive_sd_strict(e: Economy, order) -> dict:
    remaining = {o: to_fraction(s) for o, s in zip(e.objects, e.supply)}
    out = {}
    for a in order:
        need, row = Fraction(1), {}
        for tier in e.preference_of(a):
            (o,) = tier
            take = min(need, remaining[o])
            if take:
                row[o] = take
                remaining[o] -= take
                need -= take
            if not need:
                break
        out[a] = row
    return out


def nx_sd_tier_masses(e: Economy, order) -> dict[str, list[Fraction]]:
    """The promise rule with networkx max-flow values: agent by agent, tier by tier, the most
    she can get given all earlier promises (max flow minus the promised total)."""
    supply = {o: to_fraction(s) for o, s in zip(e.objects, e.supply)}
    promises: list[tuple[frozenset, Fraction]] = []
    out = {}
    for a in order:
        need, masses = Fraction(1), []
        for tier in e.preference_of(a):
            g = nx.DiGraph()
            for k, (objs, amt) in enumerate(promises):
                g.add_edge("s", ("p", k), capacity=amt)
                for o in objs:
                    g.add_edge(("p", k), ("o", o))
            g.add_edge("s", "new", capacity=need)
            for o in tier:
                g.add_edge("new", ("o", o))
            for o, c in supply.items():
                g.add_edge(("o", o), "t", capacity=c)
            got = nx.maximum_flow_value(g, "s", "t") - sum((x for _, x in promises),
                                                             Fraction(0))
            masses.append(got)
            if got:
                promises.append((tier, got))
                need -= got
        out[a] = masses
    return out


def small_economies(ties: bool):
    return economies(max_agents=5, max_objects=4, ties=ties, min_agents=1)


@given(small_economies(ties=False))
@settings(max_examples=120, deadline=None)
def test_rsd_is_the_average_of_sd_over_all_orders_strict(e):
    orders = list(itertools.permutations(e.agents))
    total: dict = {}
    for order in orders:
        for a, row in naive_sd_strict(e, order).items():
            for o, x in row.items():
                total[(a, o)] = total.get((a, o), Fraction(0)) + x
    expected = {a: {o: total[(a, o)] / len(orders) for o in e.objects if total.get((a, o))}
                for a in e.agents}
    got = {a: {o: Fraction(x) for o, x in row.items()}
           for a, row in run("rsd", e).allocation.to_mapping().items()}
    assert got == expected
    for order in orders[:6]:
        assert {a: {o: Fraction(x) for o, x in r.items()}
                for a, r in serial_dictatorship(e, order).allocation.to_mapping().items()} == \
            naive_sd_strict(e, order)


# --- the canonical per-order realisation, independently: Fractions and Hall's condition over
# every set of promises (no flows), every promise tracked on its own
def _subsets(items):
    return itertools.chain.from_iterable(itertools.combinations(items, r)
                                         for r in range(1, len(items) + 1))


def hall_max(supply, fixed, tier, need):
    """The most a new promise on ``tier`` can get with every promise in ``fixed`` kept:
    min over sets S of earlier promises of s(N(S) | tier) - amount(S) (S empty: s(tier))."""
    best = min(need, sum((supply[o] for o in tier), Fraction(0)))
    for S in _subsets(fixed):
        objs = set(tier).union(*(p[0] for p in S))
        best = min(best, sum(supply[o] for o in objs) - sum(p[1] for p in S))
    return best


def brute_greedy(supply, nodes):
    """Rule G: (node, object) pairs in order, each the largest amount keeping the rest
    realisable -- the pair's Hall bound over sets of the other nodes' remaining edges."""
    sup, dem = dict(supply), [amt for _, amt in nodes]
    edges = [sorted(objs) for objs, _ in nodes]
    out = [dict() for _ in nodes]
    for j in range(len(nodes)):
        while edges[j]:
            o = edges[j].pop(0)
            x = min(dem[j], sup[o])
            others = [k for k in range(len(nodes)) if k != j and dem[k]]
            for S in _subsets(others):
                objs = set().union(*(edges[k] for k in S))
                if o in objs:
                    x = min(x, sum(sup[p] for p in objs) - sum(dem[k] for k in S))
            if x:
                out[j][o] = x
                dem[j] -= x
                sup[o] -= x
    return out


def brute_sd(e: Economy, order) -> dict:
    """sd in ``order`` with the canonical realisation of serial.py, written from its
    definition: promises by Hall's condition; after each agent, open promises are grouped by
    live objects, forced groups (one object, or exactly all of their objects) are realised
    first (the group with the smallest object mask first), then the union of all tight sets of
    groups by rule G; at the end the rest by rule G; a group's amounts go to its promises in
    (preference type, amount, position in the order) order, each object in index order."""
    oi = e.object_index
    supply = {oi[o]: to_fraction(s) for o, s in zip(e.objects, e.supply)}
    types: dict = {}
    for p in e.preferences:
        types.setdefault(p, len(types))
    made, open_, rows = [], [], {a: {} for a in e.agents}

    def mask(objs):
        return sum(1 << o for o in objs)

    def realise(group, vec):
        left = dict(vec)
        for p in sorted(group, key=lambda p: (p["type"], p["amt"], p["pos"])):
            amt = p["amt"]
            for o in sorted(left):
                x = min(amt, left[o])
                if x:
                    rows[p["agent"]][e.objects[o]] = rows[p["agent"]].get(e.objects[o], 0) + x
                    left[o] -= x
                    amt -= x
            assert not amt
            open_.remove(p)
        for o, x in vec.items():
            supply[o] -= x

    def groups():
        g: dict = {}
        for p in open_:
            live = frozenset(o for o in p["objs"] if supply[o])
            g.setdefault(live, []).append(p)
        return sorted(g.items(), key=lambda kv: mask(kv[0]))

    def settle(final):
        while True:
            gs = groups()
            forced = [(objs, ps) for objs, ps in gs if len(objs) == 1 or sum(
                p["amt"] for p in ps) == sum(supply[o] for o in objs)]
            if forced:
                objs, ps = forced[0]
                amt = sum(p["amt"] for p in ps)
                realise(ps, {o: (supply[o] if len(objs) > 1 else amt) for o in objs})
                continue
            tight = set()
            for S in _subsets(range(len(gs))):
                objs = set().union(*(gs[k][0] for k in S))
                if sum(p["amt"] for k in S for p in gs[k][1]) == sum(supply[o] for o in objs):
                    tight |= set(S)
            block = [gs[k] for k in sorted(tight)] if tight else (gs if final else [])
            if not block:
                return
            vecs = brute_greedy(supply, [(objs, sum(p["amt"] for p in ps))
                                         for objs, ps in block])
            for (_, ps), vec in zip(block, vecs):
                realise(ps, vec)

    for pos, a in enumerate(order, 1):
        need = Fraction(1)
        for tier in e.preference_of(a):
            objs = [oi[o] for o in tier]
            got = hall_max({oi[o]: to_fraction(s) for o, s in zip(e.objects, e.supply)},
                           made, objs, need)
            if got:
                made.append((objs, got))
                open_.append({"agent": a, "objs": objs, "amt": got, "pos": pos,
                              "type": types[e.preference_of(a)]})
                need -= got
            if not need:
                break
        settle(final=False)
    settle(final=True)
    assert not open_
    return {a: {o: x for o, x in r.items() if x} for a, r in rows.items()}


def brute_rsd(e: Economy) -> dict:
    orders = list(itertools.permutations(e.agents))
    total: dict = {}
    for order in orders:
        for a, row in brute_sd(e, order).items():
            for o, x in row.items():
                total[(a, o)] = total.get((a, o), Fraction(0)) + x
    return {a: {o: total[(a, o)] / len(orders) for o in e.objects if total.get((a, o))}
            for a in e.agents}


def as_fractions(alloc) -> dict:
    return {a: {o: Fraction(x) for o, x in row.items()} for a, row in alloc.to_mapping().items()}


@given(small_economies(ties=True))
@settings(max_examples=150, deadline=None)
def test_rsd_is_the_average_of_sd_over_all_orders_with_ties(e):
    """The whole matrix (not only the tier amounts) is the average over all n! orders of the
    canonical per-order realisation, computed independently; sd itself is that realisation."""
    orders = list(itertools.permutations(e.agents))
    total = {a: [Fraction(0)] * len(e.preference_of(a)) for a in e.agents}
    for order in orders:
        for a, masses in nx_sd_tier_masses(e, order).items():
            total[a] = [x + y for x, y in zip(total[a], masses)]
    expected = [tuple(x / len(orders) for x in total[a]) for a in e.agents]
    r = run("rsd", e)
    assert tier_masses(e, r.allocation) == expected
    assert as_fractions(r.allocation) == brute_rsd(e)
    assert r.allocation.is_feasible(e)
    assert find_ete_violation(e, r.allocation) is None
    for order in orders[:4] + orders[-2:]:
        assert as_fractions(serial_dictatorship(e, order).allocation) == brute_sd(e, order)


@given(economies(max_agents=5, max_objects=4, ties=True, unit_supply=True))
@settings(max_examples=60, deadline=None)
def test_rsd_with_ties_unit_supplies_is_the_average_of_integral_sd(e):
    assert as_fractions(run("rsd", e).allocation) == brute_rsd(e)
    for order in list(itertools.permutations(e.agents))[:6]:
        assert all(x in (0, 1) for r in serial_dictatorship(e, order).allocation.rows
                   for x in r)


COUNTEREXAMPLE = dict(agents=["1", "2", "3", "4"], objects=["a", "b", "c"],
                      preferences={"1": ["a"], "2": ["a"], "3": [["a", "c"]],
                                   "4": [["a", "c"]]})


def test_old_rsd_tie_manipulation_is_gone():
    """The search engine's counterexample to the old rsd (one flow after averaging): agent 1
    (only a acceptable) reporting {a, c} > b got 1/2 of a instead of 5/12."""
    e = mk(COUNTEREXAMPLE)
    truthful = run("rsd", e).allocation.row_map("1")
    assert {o: str(x) for o, x in truthful.items() if x} == {"a": "5/12"}
    lie = Economy.create(e.agents, e.objects, preferences={
        **COUNTEREXAMPLE["preferences"], "1": [["a", "c"], "b"]})
    assert Fraction(str(run("rsd", lie).allocation.row_map("1")["a"])) < Fraction(5, 12)
    assert find_manipulation("rsd", e) is None


@given(economies(max_agents=4, max_objects=3, ties=True))
@settings(max_examples=40, deadline=None)
def test_rsd_and_sd_with_ties_are_strategy_proof_exhaustively(e):
    """Every misreport (all weak orders over every subset of the objects) of every agent is
    sd-dominated by the truth, for rsd and for sd in a fixed order."""
    space = order_space(tuple(e.objects), "weak", complete=False)
    assert find_manipulation("rsd", e, orders=space) is None
    order = ",".join(reversed(e.agents))
    assert find_manipulation("sd", e, {"order": order}, orders=space) is None


@given(economies(max_agents=7, max_objects=6, ties=True), st.randoms(use_true_random=False))
@settings(max_examples=200, deadline=None)
def test_sd_is_sd_efficient_and_follows_the_promise_rule(e, rnd):
    order = list(e.agents)
    rnd.shuffle(order)
    r = serial_dictatorship(e, order)
    assert r.allocation.is_feasible(e)
    assert find_sd_improvement(e, r.allocation) is None
    masses = dict(zip(e.agents, tier_masses(e, r.allocation)))
    assert {a: list(m) for a, m in masses.items()} == \
        {a: m + [Fraction(0)] * (len(e.preference_of(a)) - len(m))
         for a, m in nx_sd_tier_masses(e, order).items()}


def test_sd_integral_with_unit_supplies_and_ties():
    e = Economy.create([str(i) for i in range(6)], list("abcdef"), preferences={
        "0": [["a", "b", "c"]], "1": [["a", "b"], "c"], "2": ["a", ["d", "e"]],
        "3": [["d", "e", "f"]], "4": ["d", "a"], "5": [["e", "f"], "a"]})
    for order in itertools.permutations(e.agents):
        p = serial_dictatorship(e, order).allocation
        assert all(x in (0, 1) for r in p.rows for x in r)


# =========================================================================== limits
def _distinct_agents(n: int) -> Economy:
    objs = [f"o{k}" for k in range(n)]
    prefs = {str(i): objs[i:] + objs[:i] for i in range(n)}
    return Economy.create([str(i) for i in range(n)], objs, preferences=prefs)


def test_rsd_limit_is_refused_with_exit_code_3(tmp_path, capsys):
    e = _distinct_agents(13)
    with pytest.raises(LimitExceeded, match="samples=K"):
        random_serial_dictatorship(e)
    path = tmp_path / "e.json"
    path.write_text(json.dumps({"format": "exactassign.economy", "version": 1,
                                "agents": list(e.agents), "objects": list(e.objects),
                                "preferences": {a: list(e.objects[int(a):] + e.objects[:int(a)])
                                                for a in e.agents}}))
    assert main(["run", "rsd", str(path)]) == 3
    err = capsys.readouterr().err
    assert "limited" in err and "Monte-Carlo" in err and "Traceback" not in err
    assert RSD_EXACT_MAX_GROUPS == 4096


def test_rsd_many_identical_agents_within_the_limit():
    # 30 agents of 3 types: prod (10 + 1)^3 = 1331 <= 4096
    prefs = {str(i): [["a", "b"], "c"] if i % 3 == 0 else (["a", "c"] if i % 3 == 1 else ["c"])
             for i in range(30)}
    e = Economy.create([str(i) for i in range(30)], ["a", "b", "c"],
                       supply={"a": 5, "b": 5, "c": 10}, preferences=prefs)
    r = run("rsd", e)
    assert r.info["types"] == "3" and r.allocation.is_feasible(e)
    assert find_ete_violation(e, r.allocation) is None


def test_rsd_at_twelve_distinct_agents_is_exact():
    r = run("rsd", _distinct_agents(12))    # cyclic preferences: everybody's top is free
    assert r.allocation.to_mapping()["0"] == {"o0": "1"}


# =========================================================================== Monte-Carlo
def test_monte_carlo_is_labelled_reproducible_and_exact_frequencies():
    e = mk(BM)
    r = REGISTRY["rsd"].run(e, {"samples": "60", "seed": "7"})
    assert not r.exact
    assert r.params == {"samples": "60", "seed": "7"}
    assert r.info["method"] == "monte-carlo" and "estimate" in r.info["estimate"]
    assert r.info["seed"] == "7" and r.info["samples"] == "60"
    assert sum(s.count for s in r.trace) == 60
    for row in r.allocation.rows:
        for x in row:
            assert (x * 60).q == 1                # sample frequencies: multiples of 1/60
    again = REGISTRY["rsd"].run(e, {"samples": "60", "seed": "7"})
    assert again.allocation == r.allocation
    # the estimate is the exact average of sd over the sampled orders
    avg: dict = {}
    for s in r.trace:
        for a, row in serial_dictatorship(e, s.order).allocation.to_mapping().items():
            for o, x in row.items():
                avg[(a, o)] = avg.get((a, o), Fraction(0)) + Fraction(x) * s.count
    assert {k: v / 60 for k, v in avg.items()} == \
        {(a, o): Fraction(x) for a, row in r.allocation.to_mapping().items()
         for o, x in row.items()}


def test_monte_carlo_without_seed_records_a_seed():
    e = mk(BM)
    r = random_serial_dictatorship(e, samples=5)
    seed = int(r.params["seed"])
    assert random_serial_dictatorship(e, samples=5, seed=seed).allocation == r.allocation


def test_monte_carlo_beyond_the_exact_limit(tmp_path, capsys):
    e = _distinct_agents(20)
    r = random_serial_dictatorship(e, samples=20, seed=1)
    assert r.allocation.is_feasible(e) and not r.exact


def test_rsd_param_errors():
    e = mk(BM)
    with pytest.raises(ParameterError):
        REGISTRY["rsd"].run(e, {"samples": "0"})
    with pytest.raises(ParameterError):
        REGISTRY["rsd"].run(e, {"samples": "x"})
    with pytest.raises(ParameterError, match="seed only applies"):
        REGISTRY["rsd"].run(e, {"seed": "3"})
    with pytest.raises(ParameterError, match="no parameter"):
        REGISTRY["rsd"].run(e, {"order": "1,2,3,4"})


def test_cli_rsd_json(tmp_path, capsys):
    path = tmp_path / "bm.json"
    path.write_text(json.dumps({"format": "exactassign.economy", "version": 1, **BM}))
    assert main(["run", "rsd", str(path), "--format", "json", "--trace"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["allocation"]["3"] == {"a": "1/12", "b": "5/12", "c": "1/12", "d": "5/12"}
    assert out["info"]["method"] == "exact" and len(out["trace"]) == 4
    assert main(["run", "rsd", str(path), "--param", "samples=10", "--param", "seed=3",
                 "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["params"] == {"samples": "10", "seed": "3"}
    assert out["info"]["method"] == "monte-carlo"


def test_rsd_transition_guard(monkeypatch):
    import exactassign.mechanisms.serial as serial
    monkeypatch.setattr(serial, "RSD_EXACT_MAX_TRANSITIONS", 10)
    with pytest.raises(LimitExceeded, match="exceeded 10 state transitions"):
        random_serial_dictatorship(_distinct_agents(6))


def test_rsd_strategy_proof_on_every_small_dichotomous_profile():
    """Exhaustive over a family that contains the old bug: four agents, three objects, every
    profile of true orders with one acceptable set (rsd is anonymous, so multisets of orders
    cover all profiles: 330), every misreport (all 26 weak orders over subsets) of every agent.
    The old rsd (one flow after averaging) was manipulable on 6 of these profiles."""
    space = order_space(("a", "b", "c"), "weak", complete=False)
    truth = [[sorted(t) for t in o]
             for o in order_space(("a", "b", "c"), "dichotomous", complete=False)]
    checked = 0
    for profile in itertools.combinations_with_replacement(truth, 4):
        e = Economy.create(["1", "2", "3", "4"], ["a", "b", "c"],
                           preferences=dict(zip(["1", "2", "3", "4"], profile)))
        assert find_manipulation("rsd", e, orders=space) is None, profile
        checked += 1
    assert checked == 330
