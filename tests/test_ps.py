"""Probabilistic serial / simultaneous eating (Bogomolnaia and Moulin 2001).

Paper and hand-computed values; an independent brute-force time-stepping implementation over
``fractions.Fraction`` compared on hundreds of random economies; invariants of the allocation
and of the trace; sd-envy-freeness with equal speeds; ties and tie-breaking."""
from __future__ import annotations

import dataclasses
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _economies import positive_fractions, weak_order_json
from exactassign import REGISTRY, Economy, run
from exactassign.errors import DomainError, ParameterError
from exactassign.mechanisms.ps import probabilistic_serial
from exactassign.numbers import Q, to_fraction
from exactassign.reproduce import check_claim, iter_outcomes, load_proofs

# =========================================================================== helpers
OBJECTS = "abcdefgh"


@st.composite
def ps_instances(draw, max_agents: int = 5, max_objects: int = 5, with_speeds: bool = True):
    """Raw data of a strict-preference economy: (agents, objects, lists, supply, speeds).

    Lists may omit objects (unacceptable); supplies are random positive rationals (fewer or
    more units than agents); speeds are random positive rationals (or None: equal speeds)."""
    n = draw(st.integers(1, max_agents))
    m = draw(st.integers(1, max_objects))
    agents = [str(i) for i in range(1, n + 1)]
    objects = list(OBJECTS[:m])
    lists = {a: draw(weak_order_json(objects, ties=False)) for a in agents}
    supply = {o: draw(positive_fractions(8, 4)) for o in objects}
    speeds = {a: draw(positive_fractions(6, 4)) for a in agents} if with_speeds else None
    return agents, objects, lists, supply, speeds


def build(agents, objects, lists, supply, speeds=None) -> Economy:
    return Economy.create(agents, objects, preferences=lists,
                          supply={o: str(s) for o, s in supply.items()})


def brute_force_eating(agents, objects, lists, supply, speeds=None):
    """Naive simultaneous eating, independent of exactassign: at every step recompute each
    agent's current object (her best acceptable object with some supply left, if she is not
    full) and every object's eating rate, then advance to the first exhaustion or satiation.

    Returns ({(agent, object): amount}, [(start, end, {agent: object}), ...])."""
    speed = {a: Fraction(speeds[a]) if speeds else Fraction(1) for a in agents}
    left = {o: Fraction(supply[o]) for o in objects}
    eaten = {a: Fraction(0) for a in agents}
    got: dict[tuple[str, str], Fraction] = {}
    steps = []
    t = Fraction(0)
    while True:
        current = {}
        for a in agents:
            if eaten[a] < 1:
                for o in lists[a]:
                    if left[o] > 0:
                        current[a] = o
                        break
        if not current:
            return got, steps
        rate: dict[str, Fraction] = {}
        for a, o in current.items():
            rate[o] = rate.get(o, Fraction(0)) + speed[a]
        dt = min([left[o] / r for o, r in rate.items()]
                 + [(1 - eaten[a]) / speed[a] for a in current])
        assert dt > 0
        for a, o in current.items():
            x = speed[a] * dt
            got[(a, o)] = got.get((a, o), Fraction(0)) + x
            eaten[a] += x
            left[o] -= x
            assert left[o] >= 0 and eaten[a] <= 1
        steps.append((t, t + dt, current))
        t += dt


def alloc_fractions(result) -> dict[tuple[str, str], Fraction]:
    p = result.allocation
    return {(a, o): to_fraction(x) for a, r in zip(p.agents, p.rows)
            for o, x in zip(p.objects, r) if x}


def strict_list(e: Economy, agent: str) -> list[str]:
    return [next(iter(t)) for t in e.preference_of(agent)]


def sd_envies(e: Economy, p, i: str, j: str) -> frozenset | None:
    """An upper contour set U of i's acceptable objects on which j gets more than i, else None."""
    upper: set[str] = set()
    for o in strict_list(e, i):
        upper.add(o)
        mine = sum((p.amount(i, x) for x in upper), Q(0))
        theirs = sum((p.amount(j, x) for x in upper), Q(0))
        if theirs > mine:
            return frozenset(upper)
    return None


# =========================================================================== paper values
BM = Economy.create(["1", "2", "3", "4"], ["a", "b", "c", "d"], preferences={
    "1": ["a", "b", "c", "d"], "2": ["a", "b", "c", "d"],
    "3": ["b", "a", "d", "c"], "4": ["b", "a", "d", "c"]}, name="BM 2001")


def test_bogomolnaia_moulin_four_agents():
    r = run("ps", BM)
    half = Q(1, 2)
    for a in ("1", "2"):
        assert r.allocation.row_map(a) == {"a": half, "c": half}
    for a in ("3", "4"):
        assert r.allocation.row_map(a) == {"b": half, "d": half}
    assert [(ph.start, ph.end, ph.exhausted, ph.satiated) for ph in r.trace] == [
        (Q(0), half, ("a", "b"), ()), (half, Q(1), ("c", "d"), ("1", "2", "3", "4"))]
    assert r.trace[0].eaters() == {"1": "a", "2": "a", "3": "b", "4": "b"}
    assert r.trace[1].eaters() == {"1": "c", "2": "c", "3": "d", "4": "d"}
    # the random-priority lottery gives 1 5/12 of a and 1/12 of b: PS is different
    assert r.allocation.amount("1", "b") == 0


def test_three_agents_hand_computed():
    # 1, 2: a > b > c; 3: b > a > c.  a is gone at 1/2; b (1/2 left, rate 3) at 2/3; c at 1.
    e = Economy.create(["1", "2", "3"], ["a", "b", "c"], preferences={
        "1": ["a", "b", "c"], "2": ["a", "b", "c"], "3": ["b", "a", "c"]})
    r = probabilistic_serial(e)
    assert r.allocation.row_map("1") == {"a": Q(1, 2), "b": Q(1, 6), "c": Q(1, 3)}
    assert r.allocation.row_map("3") == {"b": Q(2, 3), "c": Q(1, 3)}
    assert [ph.end for ph in r.trace] == [Q(1, 2), Q(2, 3), Q(1)]


def test_short_supply_and_unacceptable_objects_hand_computed():
    e = Economy.create(["1", "2", "3", "4"], ["a", "b", "c"],
                       supply={"a": "1/2", "b": 1, "c": 2},
                       preferences={"1": ["a"], "2": ["a", "b"], "3": ["b"], "4": []})
    r = run("ps", e)
    assert r.allocation.to_mapping() == {"1": {"a": "1/4"}, "2": {"a": "1/4", "b": "3/8"},
                                         "3": {"b": "5/8"}, "4": {}}
    assert [(ph.end, ph.exhausted, ph.stopped) for ph in r.trace] == [
        (Q(1, 4), ("a",), ("1",)), (Q(5, 8), ("b",), ("2", "3"))]


def test_more_supply_than_agents():
    e = Economy.create(["1", "2"], ["a", "b"], supply={"a": 3, "b": "1/2"},
                       preferences={"1": ["b", "a"], "2": ["b"]})
    r = run("ps", e)
    # b (1/2) is gone at 1/4; agent 1 then eats a until full; agent 2 stops with 1/4
    assert r.allocation.to_mapping() == {"1": {"a": "3/4", "b": "1/4"}, "2": {"b": "1/4"}}


def test_unequal_speeds_hand_computed():
    e = Economy.create(["1", "2", "3"], ["a", "b", "c"], preferences={
        "1": ["a", "b", "c"], "2": ["a", "c", "b"], "3": ["b", "a", "c"]})
    r = run("ps", e, speeds={"1": 2, "2": 1, "3": 1})
    assert r.allocation.to_mapping() == {"1": {"a": "2/3", "b": "1/3"},
                                         "2": {"a": "1/3", "c": "2/3"},
                                         "3": {"b": "2/3", "c": "1/3"}}
    assert [ph.end for ph in r.trace] == [Q(1, 3), Q(1, 2), Q(2, 3), Q(1)]
    assert r.trace[1].satiated == ("1",)
    assert r.params == {"speeds": "2,1,1"}


def test_proof_files_reproduce():
    proofs = load_proofs()
    names = {p.name for p in proofs}
    assert {"bm2001-ps", "ps-short-supply", "eating-unequal-speeds"} <= names
    outcomes = [check_claim(p, c) for p in proofs for c in p.claims
                if c.get("mechanism") == "ps"]
    assert len(outcomes) >= 3
    for out in outcomes:
        assert out.ok, (out.proof.name, out.differences)
        assert not out.differences


def test_reproduce_detects_a_wrong_claim(tmp_path):
    (tmp_path / "wrong.json").write_text(
        '{"format": "exactassign.proof", "version": 1, "name": "wrong", '
        '"economy": {"agents": ["1", "2"], "objects": ["a", "b"], '
        '"preferences": {"1": ["a", "b"], "2": ["a", "b"]}}, '
        '"claims": [{"kind": "outcome", "mechanism": "ps", '
        '"allocation": {"1": {"a": 1}, "2": {"b": 1}}}]}', encoding="utf-8")
    [out] = list(iter_outcomes(load_proofs(tmp_path)))
    assert not out.ok
    assert any("agent 1, object a: expected 1, got 1/2" == d for d in out.differences)


def test_nobody_eats():
    e = Economy.create(["1", "2"], ["a"], preferences={"1": [], "2": []})
    r = run("ps", e)
    assert r.trace == () and r.allocation.to_mapping() == {"1": {}, "2": {}}


# =========================================================================== brute force
@given(ps_instances())
@settings(max_examples=300, deadline=None)
def test_equals_brute_force_with_speeds(inst):
    agents, objects, lists, supply, speeds = inst
    e = build(*inst)
    r = run("ps", e, speeds=speeds)
    got, steps = brute_force_eating(*inst)
    assert alloc_fractions(r) == {k: v for k, v in got.items() if v}
    assert [(to_fraction(ph.start), to_fraction(ph.end), ph.eaters()) for ph in r.trace] == \
        steps


@given(ps_instances(max_agents=6, max_objects=6, with_speeds=False))
@settings(max_examples=300, deadline=None)
def test_equals_brute_force_equal_speeds(inst):
    e = build(*inst)
    r = run("ps", e)
    got, steps = brute_force_eating(*inst)
    assert alloc_fractions(r) == {k: v for k, v in got.items() if v}
    assert [to_fraction(ph.end) for ph in r.trace] == [s[1] for s in steps]


def test_brute_force_reference_itself():
    """The reference implementation reproduces the paper example (so it can be trusted)."""
    lists = {"1": list("abcd"), "2": list("abcd"), "3": list("badc"), "4": list("badc")}
    got, steps = brute_force_eating(list("1234"), list("abcd"), lists,
                                    {o: 1 for o in "abcd"})
    assert got == {("1", "a"): Fraction(1, 2), ("2", "a"): Fraction(1, 2),
                   ("3", "b"): Fraction(1, 2), ("4", "b"): Fraction(1, 2),
                   ("1", "c"): Fraction(1, 2), ("2", "c"): Fraction(1, 2),
                   ("3", "d"): Fraction(1, 2), ("4", "d"): Fraction(1, 2)}
    assert [s[1] for s in steps] == [Fraction(1, 2), Fraction(1)]


# =========================================================================== invariants
def check_invariants(e: Economy, r, speeds=None) -> None:
    p = r.allocation
    speed = {a: Q(1) for a in e.agents} if speeds is None else \
        {a: Q(Fraction(s).numerator, Fraction(s).denominator) for a, s in speeds.items()}
    assert p.agents == e.agents and p.objects == e.objects
    assert p.is_feasible(e), p.feasibility_violations(e)
    for i, a in enumerate(e.agents):
        listed = strict_list(e, a)
        total = p.row_sum(i)
        assert total <= 1
        for o in e.objects:
            assert p.amount(a, o) >= 0
            if o not in listed:
                assert p.amount(a, o) == 0, f"agent {a} got unacceptable {o}"
        if total < 1:  # non-wasteful: everything she accepts is gone
            for o in listed:
                k = e.object_index[o]
                assert p.column_sum(k) == e.supply[k], (a, o)
    for k in range(e.m):
        assert p.column_sum(k) <= e.supply[k]

    # the trace: contiguous, strictly increasing phases from 0
    phases = r.trace
    if phases:
        assert phases[0].start == 0
    for prev, ph in zip(phases, phases[1:]):
        assert ph.start == prev.end
    for ph in phases:
        assert ph.start < ph.end
        assert ph.exhausted or ph.satiated  # every phase ends with an event
        assert ph.agents == e.agents

    # replay: integrate speed x length per (agent, object); check each event as it happens
    amount = {(a, o): Q(0) for a in e.agents for o in e.objects}
    gone: set[str] = set()
    done: set[str] = set()
    for ph in phases:
        eaters = ph.eaters()
        for a, o in eaters.items():
            assert a not in done
            # she eats her best acceptable object still available
            assert o == next(x for x in strict_list(e, a) if x not in gone)
            amount[(a, o)] += speed[a] * (ph.end - ph.start)
        for a in e.agents:  # idle: full, stopped, or never had anything acceptable
            if a not in eaters and a not in done:
                assert all(o in gone for o in strict_list(e, a)), f"agent {a} idle"
        for o in ph.exhausted:
            assert sum((amount[(a, o)] for a in e.agents), Q(0)) == e.supply_of(o)
            gone.add(o)
        for o in e.objects:
            if o not in gone:
                assert sum((amount[(a, o)] for a in e.agents), Q(0)) < e.supply_of(o)
        for a in ph.satiated:
            assert sum((amount[(a, o)] for o in e.objects), Q(0)) == 1
            assert ph.end == 1 / speed[a]
            done.add(a)
        for a in ph.stopped:
            assert all(o in gone for o in strict_list(e, a))
            done.add(a)
    # after the last phase nobody can eat
    for a in e.agents:
        if a not in done:
            assert all(o in gone for o in strict_list(e, a))
    assert {k: v for k, v in amount.items() if v} == \
        {(a, o): x for a, r_ in zip(p.agents, p.rows) for o, x in zip(p.objects, r_) if x}


@given(ps_instances(max_agents=7, max_objects=6, with_speeds=False))
@settings(max_examples=300, deadline=None)
def test_invariants_equal_speeds(inst):
    e = build(*inst)
    check_invariants(e, run("ps", e))


@given(ps_instances(max_agents=7, max_objects=6))
@settings(max_examples=300, deadline=None)
def test_invariants_with_speeds(inst):
    e = build(*inst)
    speeds = inst[4]
    r = run("ps", e, speeds=speeds)
    check_invariants(e, r, speeds)
    assert r.info["speeds"] == {a: str(Fraction(s)) for a, s in speeds.items()}


@given(ps_instances(max_agents=7, max_objects=6, with_speeds=False))
@settings(max_examples=300, deadline=None)
def test_equal_speeds_is_sd_envy_free(inst):
    e = build(*inst)
    p = run("ps", e).allocation
    for i in e.agents:
        for j in e.agents:
            assert sd_envies(e, p, i, j) is None, (i, j, sd_envies(e, p, i, j))


def test_sd_envy_check_can_fail():
    """The envy check in this file finds the envy that unequal speeds create."""
    e = Economy.create(["1", "2"], ["a", "b"], preferences={"1": ["a", "b"], "2": ["a", "b"]})
    p = run("ps", e, speeds={"1": 1, "2": 3}).allocation
    assert p.row_map("2") == {"a": Q(3, 4), "b": Q(1, 4)}
    assert sd_envies(e, p, "1", "2") == frozenset("a")
    assert sd_envies(e, p, "2", "1") is None


@given(ps_instances(max_agents=5, max_objects=5, with_speeds=False), st.data())
@settings(max_examples=100, deadline=None)
def test_scaling_speeds_changes_nothing(inst, data):
    """Equal speeds c, c, ... give PS for every c > 0: time is only rescaled by 1/c."""
    e = build(*inst)
    c = data.draw(positive_fractions(5, 5))
    r = run("ps", e, speeds={a: c for a in e.agents})
    ps = run("ps", e)
    assert r.allocation == ps.allocation
    assert [ph.end * Q(c.numerator, c.denominator) for ph in r.trace] == \
        [ph.end for ph in ps.trace]


# =========================================================================== ties
TIED = Economy.create(["1", "2", "3"], ["a", "b", "c"], preferences={
    "1": ["a", "b", "c"], "2": [["b", "c"], "a"], "3": ["c", ["a", "b"]]})


def test_ties_refused_naming_the_agent():
    with pytest.raises(DomainError) as exc:
        run("ps", TIED)
    msg = str(exc.value)
    assert "agent '2'" in msg and "'b', 'c'" in msg
    assert "eps" in msg and "btm" in msg and "tiebreak" in msg
    assert "\n" not in msg


def test_tiebreak_equals_ps_on_the_tie_broken_economy():
    r = run("ps", TIED, tiebreak=("c", "a", "b"))
    broken = Economy.create(["1", "2", "3"], ["a", "b", "c"], preferences={
        "1": ["a", "b", "c"], "2": ["c", "b", "a"], "3": ["c", "a", "b"]})
    assert r.allocation == run("ps", broken).allocation
    assert r.params == {"tiebreak": "c,a,b"}


@given(st.data())
@settings(max_examples=150, deadline=None)
def test_tiebreak_random(data):
    n = data.draw(st.integers(1, 5))
    m = data.draw(st.integers(1, 5))
    agents, objects = [str(i) for i in range(1, n + 1)], list(OBJECTS[:m])
    prefs = {a: data.draw(weak_order_json(objects, ties=True)) for a in agents}
    supply = {o: data.draw(positive_fractions()) for o in objects}
    tiebreak = data.draw(st.permutations(objects))
    e = Economy.create(agents, objects, preferences=prefs, supply=supply)
    pos = {o: k for k, o in enumerate(tiebreak)}
    broken_prefs = {a: [o for entry in prefs[a]
                        for o in (sorted(entry, key=pos.__getitem__)
                                  if isinstance(entry, list) else [entry])]
                    for a in agents}
    broken = Economy.create(agents, objects, preferences=broken_prefs, supply=supply)
    if not e.is_strict():
        with pytest.raises(DomainError, match=repr(e.first_tied_agent()[0])):
            run("ps", e)
    assert run("ps", e, tiebreak=tiebreak).allocation == run("ps", broken).allocation
    got, _ = brute_force_eating(agents, objects, broken_prefs, supply)
    assert alloc_fractions(run("ps", e, tiebreak=tiebreak)) == {k: v for k, v in got.items()
                                                                if v}


def test_tiebreak_must_order_the_tied_objects():
    with pytest.raises(ParameterError, match="'c'.*agent '2'"):
        run("ps", TIED, tiebreak=("a", "b"))


# =========================================================================== parameters
def test_speed_errors():
    e = BM
    with pytest.raises(ParameterError, match="agent '4'"):
        run("ps", e, speeds={"1": 1, "2": 1, "3": 1})
    with pytest.raises(ParameterError, match="agent '2'.*positive"):
        run("ps", e, speeds={"1": 1, "2": 0, "3": 1, "4": 1})
    with pytest.raises(ParameterError, match="agent '1'.*positive"):
        run("ps", e, speeds={"1": "-1/2", "2": 1, "3": 1, "4": 1})
    with pytest.raises(ParameterError, match="unknown agent '9'"):
        run("ps", e, speeds={"1": 1, "2": 1, "3": 1, "4": 1, "9": 1})


def test_registry_params_from_strings():
    mech = REGISTRY["ps"]
    e = Economy.create(["1", "2", "3"], ["a", "b", "c"], preferences={
        "1": ["a", "b", "c"], "2": ["a", "c", "b"], "3": ["b", "a", "c"]})
    r1 = mech.run(e, {"speeds": "2,1,1"})
    r2 = mech.run(e, {"speeds": "1:2, 2:1, 3:1"})
    r3 = mech.run(e, {"speeds": "4/2,1.0,1e0"})
    assert r1.allocation == r2.allocation == r3.allocation
    assert r1.allocation.amount("1", "a") == Q(2, 3)
    for bad, needle in [({"speeds": "1,1"}, "2 values for 3 agents"),
                        ({"speeds": "1,x,1"}, "agent '2'"),
                        ({"speeds": "1:2,2:1"}, "agent '3'"),
                        ({"speeds": "9:1,1:1,2:1"}, "'9:1'"),
                        ({"speeds": "1:1,1:2,2:1,3:1"}, "agent '1' given twice"),
                        ({"speed": "1,1,1"}, "'speed'"),
                        ({"tiebreak": "a,z"}, "unknown object 'z'"),
                        ({"tiebreak": "a,a"}, "listed twice")]:
        with pytest.raises(ParameterError) as exc:
            mech.run(e, bad)
        assert needle in str(exc.value)


def test_result_is_frozen_and_trace_json():
    r = run("ps", BM)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.allocation = None
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.trace[0].end = Q(3)
    assert r.trace_json() == [
        {"start": "0", "end": "1/2", "eating": {"1": "a", "2": "a", "3": "b", "4": "b"},
         "exhausted": ["a", "b"], "satiated": [], "stopped": []},
        {"start": "1/2", "end": "1", "eating": {"1": "c", "2": "c", "3": "d", "4": "d"},
         "exhausted": ["c", "d"], "satiated": ["1", "2", "3", "4"], "stopped": []}]
    assert r.mechanism == "ps" and r.exact


def test_does_not_mutate_economy():
    before = (BM.supply, BM.preferences)
    run("ps", BM, speeds={"1": 3, "2": 1, "3": 1, "4": 1})
    assert (BM.supply, BM.preferences) == before
