"""Adversarial audit of the ``sd.outcome`` / ``rsd.outcome`` checker (check_serial.py).

* Independent cross-check: on random small economies with ties, unacceptable objects and
  fractional / multi-unit supplies, the outcome of every certificate the checker accepts equals
  a brute-force reference written from the docstring of exactassign/mechanisms/serial.py
  (tests/_sd_reference.py: Hall's condition over object sets, the maximal tight set as the
  union of all tight sets, rule G from the Hall inequalities, rsd as the plain average over all
  n! orders with Fractions; it does not call the mechanism).
  Two generators: the shared ``economies`` strategy and one with scarce supplies (1/2 .. 2)
  and shared preference orders, where tight blocks, cuts and blocking sets are frequent.
* Forgeries: a blocking reference that is not [agent, tier index] is malformed (it crashed the
  checker with a TypeError before); a coherent forgery of the rsd type values (every state
  with agents left shifted by the same amount, so every state but the last layer stays locally
  consistent) is caught above the terminal layer; a changed terminal realisation, a move to
  the state itself or to the wrong layer, a duplicated state with another value, a missing
  move or state, a blocking set naming a later promise and a dropped tight block covered by a
  slack hint are all rejected.
"""
from __future__ import annotations

import copy
import json
import random
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _economies import economies
from _sd_reference import (from_economy, random_tied_economy, rsd_reference,
                           sd_reference, sd_witness_features)
from exactassign import REGISTRY, Economy, run
from exactassign.certificates import check
from exactassign.certificates.build import certify_result

CHECK = Path(__file__).resolve().parent.parent / "exactassign" / "certificates" / "check.py"


def as_json(cert: dict) -> dict:
    return json.loads(json.dumps(cert))


def report(doc: dict):
    return check.check_certificate(json.loads(json.dumps(doc)))


def codes(doc: dict) -> set[str]:
    return {v.code for v in report(doc).violations}


def outcome(doc: dict) -> dict:
    return {a: {o: Fraction(x) for o, x in row.items() if Fraction(x)}
            for a, row in doc["outcome"]["allocation"].items()}


def full(e: Economy, alloc: dict) -> dict:
    return {a: alloc.get(a, {}) for a in e.agents}


# ----------------------------------------------------------------------- independent cross-check
def test_reference_reproduces_known_numbers():
    """The reference on the module doctest (strict, rsd 5/12) and the tie counterexample."""
    e = Economy.create(["1", "2", "3", "4"], ["a", "b", "c", "d"], preferences={
        "1": ["a", "b", "c", "d"], "2": ["a", "b", "c", "d"],
        "3": ["b", "a", "d", "c"], "4": ["b", "a", "d", "c"]})
    ref = rsd_reference(*from_economy(e))
    assert ref["1"] == {"a": Fraction(5, 12), "b": Fraction(1, 12), "c": Fraction(5, 12),
                        "d": Fraction(1, 12)}
    t = Economy.create(["1", "2"], ["a", "b"], preferences={"1": [["a", "b"]], "2": ["a"]})
    assert sd_reference(*from_economy(t), ["1", "2"]) == {"1": {"b": 1}, "2": {"a": 1}}
    e = Economy.create(["1", "2", "3", "4"], ["a", "b", "c"], preferences={
        "1": ["a"], "2": ["a"], "3": [["a", "c"]], "4": [["a", "c"]]})
    ref = rsd_reference(*from_economy(e))
    assert ref["1"] == {"a": Fraction(5, 12)} and ref["3"] == {"a": Fraction(1, 12),
                                                                "c": Fraction(1, 2)}


@st.composite
def _tied_order(draw, objects: list) -> list:
    """A weak order over a random non-empty subset, with large indifference classes."""
    listed = draw(st.permutations(objects))[:draw(st.integers(1, len(objects)))]
    tiers, cur = [], []
    for o in listed:
        cur.append(o)
        if draw(st.integers(0, 2)) == 0:
            tiers.append(cur)
            cur = []
    return tiers + ([cur] if cur else [])


@st.composite
def scarce_economies(draw) -> Economy:
    """n <= 4 agents, m <= 4 objects, supplies in {1/2, 1, 3/2}, weak orders with large
    indifference classes over random subsets, often repeated (agents of one type)."""
    n, m = draw(st.integers(2, 4)), draw(st.integers(2, 4))
    objects = list("abcd"[:m])
    prefs: dict = {}
    for i in range(1, n + 1):
        if i > 1 and draw(st.integers(0, 3)) == 0:
            prefs[str(i)] = prefs[str(draw(st.integers(1, i - 1)))]
        else:
            prefs[str(i)] = draw(_tied_order(objects))
    supply = {o: draw(st.sampled_from(["1/2", "1", "1", "3/2"])) for o in objects}
    return Economy.create([str(i) for i in range(1, n + 1)], objects, preferences=prefs,
                          supply=supply)


def _cross_check(e: Economy, rnd) -> None:
    agents, objects, tiers, supply = from_economy(e)
    order = list(agents)
    rnd.shuffle(order)
    doc = as_json(certify_result(e, REGISTRY["sd"].run(e, {"order": ",".join(order)})))
    assert report(doc).verdict == "valid"
    assert full(e, outcome(doc)) == sd_reference(agents, objects, tiers, supply, order)
    doc = as_json(certify_result(e, run("rsd", e)))
    assert report(doc).verdict == "valid"
    assert full(e, outcome(doc)) == rsd_reference(agents, objects, tiers, supply)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(economies(max_agents=4, max_objects=4, ties=True), st.randoms(use_true_random=False))
def test_certified_sd_and_rsd_equal_the_brute_force_reference(e, rnd):
    _cross_check(e, rnd)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scarce_economies(), st.randoms(use_true_random=False))
def test_certified_sd_and_rsd_equal_the_reference_with_scarce_supply(e, rnd):
    _cross_check(e, rnd)


def test_reference_cross_check_covers_blocks_and_cuts():
    """Seeded random economies (n <= 4) where the witnesses use tight blocks with cuts, final
    cuts and blocking sets (sd) and tight blocks inside the rsd table: the certified outcomes
    equal the reference there too."""
    rng = random.Random(14)
    seen: set = set()
    for _ in range(160):
        e = random_tied_economy(rng, 4)
        _cross_check(e, random.Random(rng.random()))
        seen |= sd_witness_features(as_json(certify_result(e, REGISTRY["sd"].run(e, {})))
                                    ["witness"])
        table = as_json(certify_result(e, run("rsd", e)))["witness"]["states"]
        seen |= {"rsd-block"} if any(mv["blocks"] for s in table
                                     for mv in s.get("moves", [])) else set()
    assert seen == {"block", "block-cut", "final-cut", "blocking", "rsd-block"}


# ----------------------------------------------------------------------- sd forgeries
def _blocking_doc() -> dict:
    e = Economy.create(["1", "2"], ["a", "b", "c"], supply={"a": 1, "b": "1/2", "c": "1/4"},
                       preferences={"1": ["a"], "2": [["a", "b"], "c"]})
    return as_json(certify_result(e, REGISTRY["sd"].run(e, {"order": "1,2"})))


@pytest.mark.parametrize("ref", [["1", [0]], ["1", {}], [["1"], 0], ["1"], ["1", 0, 0],
                                 ["1", True], [1, 0]])
def test_malformed_blocking_reference_is_malformed_not_a_crash(ref):
    doc = _blocking_doc()
    assert report(doc).verdict == "valid"
    doc["witness"]["steps"][1]["promised"][0]["blocking"] = [ref]
    assert report(doc).verdict == "malformed"


def test_a_long_digit_string_is_malformed_at_once(tmp_path):
    """An amount of 40,000 digits followed by a letter: the decimal pattern of check.py
    backtracked over every split of the digits (about cubic: minutes for this string, a hang
    for longer ones); the script checker must answer 'malformed' within seconds."""
    doc = _blocking_doc()
    doc["witness"]["steps"][1]["promised"][0]["amount"] = "1" * 40000 + "x"
    path = tmp_path / "long.json"
    path.write_text(json.dumps(doc))
    r = subprocess.run([sys.executable, "-I", str(CHECK), str(path)], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 2 and "malformed" in r.stdout


def test_blocking_set_naming_a_later_promise_is_rejected():
    """Agent 1 (first) gets a ~ b; agent 2 then a: claiming 1 got only 1/2 of her tier with a
    'blocking set' made of agent 2's later promise is rejected."""
    e = Economy.create(["1", "2"], ["a", "b"], supply={"a": 1, "b": "1/2"},
                       preferences={"1": [["a", "b"]], "2": ["a"]})
    doc = as_json(certify_result(e, REGISTRY["sd"].run(e, {"order": "1,2"})))
    assert report(doc).verdict == "valid"
    doc["witness"]["steps"][0]["promised"][0].update(amount="1/2", blocking=[["2", 0]])
    assert "sd.promise.blocking" in codes(doc)


def test_dropping_a_tight_block_cannot_be_covered_by_a_slack_hint():
    """A step with a tight block: without it the open groups contain a tight set, so every
    'slack' flow offered (here: each group's amount plus a share of the spare supply) fails."""
    e = Economy.create(["1", "2", "3"], ["a", "b", "c"],
                       preferences={"1": [["a", "b"]], "2": [["b", "c"]], "3": [["a", "c"]]})
    doc = as_json(certify_result(e, REGISTRY["sd"].run(e, {"order": "1,2,3"})))
    assert report(doc).verdict == "valid"
    step = next(s for s in doc["witness"]["steps"] if s["blocks"])
    forged = copy.deepcopy(doc)
    fs = next(s for s in forged["witness"]["steps"] if s["blocks"])
    nodes = fs["blocks"][0]["nodes"]
    fs["blocks"] = []
    fs["slack"] = [{o: "1" for o in live} for live in nodes] + fs["slack"]
    assert report(forged).verdict != "valid"
    assert step["blocks"]


# ----------------------------------------------------------------------- rsd forgeries
def _rsd_doc() -> dict:
    e = Economy.create(["1", "2", "3", "4"], ["a", "b", "c"], preferences={
        "1": ["a"], "2": ["a"], "3": [["a", "c"]], "4": [["a", "c"]]})
    return as_json(certify_result(e, run("rsd", e)))


def test_rsd_move_to_itself_or_to_a_wrong_layer_is_rejected():
    doc = _rsd_doc()
    assert report(doc).verdict == "valid"
    loop = copy.deepcopy(doc)
    loop["witness"]["states"][0]["moves"][0]["next"] = 0
    assert "rsd.next.mismatch" in codes(loop)
    states = doc["witness"]["states"]
    term = next(i for i, s in enumerate(states) if not sum(s["counts"]))
    skip = copy.deepcopy(doc)
    skip["witness"]["states"][0]["moves"][0]["next"] = term
    assert "rsd.next.mismatch" in codes(skip)


def test_rsd_missing_move_or_state_is_rejected():
    doc = _rsd_doc()
    gone = copy.deepcopy(doc)
    del gone["witness"]["states"][0]["moves"][1]
    assert "rsd.moves" in codes(gone)
    short = copy.deepcopy(doc)
    del short["witness"]["states"][-1]
    assert report(short).verdict != "valid"


def test_rsd_duplicated_state_with_another_value_is_rejected():
    """A copy of a state appended with a different value, and a move redirected to it."""
    doc = _rsd_doc()
    states = doc["witness"]["states"]
    j = states[0]["moves"][0]["next"]
    dup = copy.deepcopy(states[j])
    t = dup["value"]["types"][0]
    o = next(iter(t)) if t else "a"
    t[o] = str(Fraction(t.get(o, "0")) + Fraction(1, 3))
    states.append(dup)
    states[0]["moves"][0]["next"] = len(states) - 1
    assert "rsd.value.mismatch" in codes(doc)


def test_rsd_coherent_forgery_is_caught_above_the_terminal_layer():
    """Add 1/5 of b to type 0's value in every state with agents left: every state with two
    or more agents left stays locally consistent (the move weights sum to 1), so only the
    states whose successors are terminal (type values pinned to nothing) can catch it."""
    doc = _rsd_doc()
    forged = copy.deepcopy(doc)
    states = forged["witness"]["states"]
    for s in states:
        if sum(s["counts"]):
            t = s["value"]["types"][0]
            t["b"] = str(Fraction(t.get("b", "0")) + Fraction(1, 5))
    for a in ("1", "2"):                     # type 0: agents 1 and 2 share the 1/5
        forged["outcome"]["allocation"][a]["b"] = "1/10"
    r = report(forged)
    assert r.verdict == "invalid"
    assert {v.code for v in r.violations} == {"rsd.value.mismatch"}
    bad = {int(v.path.split("[")[1].split("]")[0]) for v in r.violations}
    assert bad and all(sum(states[i]["counts"]) == 1 for i in bad)


def test_rsd_terminal_realisation_is_pinned():
    """1: a ~ b, 2: a ~ c: both orders end in the terminal state with the open nodes {a, b}
    and {a, c}; rule G gives the first a.  Giving it b instead (and a to the other, the same
    totals) is rejected at the terminal state."""
    e = Economy.create(["1", "2"], ["a", "b", "c"],
                       preferences={"1": [["a", "b"]], "2": [["a", "c"]]})
    doc = as_json(certify_result(e, run("rsd", e)))
    assert report(doc).verdict == "valid"
    states = doc["witness"]["states"]
    (i,) = [i for i, s in enumerate(states) if not sum(s["counts"])]
    assert states[i]["value"]["members"] == [[{"a": "1"}], [{"c": "1"}]]
    states[i]["value"]["members"] = [[{"b": "1"}], [{"a": "1"}]]
    assert "rsd.value.mismatch" in codes(doc)
