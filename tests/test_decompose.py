"""Theorem 2 and the sequential-pseudomarket decomposition (exactassign/decompose.py,
certificates/check_sp.py).

Facts tested: the seed's Theorem 1 data (Q is an SP outcome for exactly the coarsest partition
[x1, x2, y1, y2][z] with prices (2, 1, 0, 0), Q' is PO and one group); ex-ante PO assignments
are one group (Theorem 2 via the second welfare theorem); "weak core = SP outcomes" checked
against an independent brute force over every ordered partition and the weak-core LP; every
``sp`` outcome decomposes with its own partition; certificates verified by the stdlib checker
and their numbers mutated.
"""
from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exactassign.allocation import Allocation
from exactassign.certificates import check
from exactassign.certificates.build import certify_property
from exactassign.decompose import (Turn, certificate_document, core_decomposition, decompose,
                                   decomposition_for)
from exactassign.economy import Economy
from exactassign.errors import AllocationError, DomainError, LimitExceeded, ParameterError
from exactassign.numbers import Q
from exactassign.properties import evaluate
from exactassign.properties.cardinal import welfare_maximiser

from _certs import assert_valid, numeric_mutations, verdict
from _economies import assignments, cardinal_economies

ROOT = Path(__file__).resolve().parent.parent
T1 = ROOT / "proofs" / "theorem1"
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def theorem1():
    from exactassign.io import load_allocation, load_economy
    e = load_economy(T1 / "economy.json")
    return e, load_allocation(T1 / "Q.json", e), load_allocation(T1 / "Q_prime.json", e)


def assert_certified(e, q, d) -> dict:
    return assert_valid(certificate_document(e, q, d))


def two_agents_not_sp():
    """x: v = (2, 1, 0) holds a and b; y: v = (1, 1, 0) holds a and c; supply (1, 1/2, 1/2).
    Together: x needs P_a > P_b, y needs P_b >= P_a.  Alone: neither is satiated and each
    holds an object left slack by herself (price 0)."""
    e = Economy.create(["x", "y"], ["a", "b", "c"],
                       valuations={"x": {"a": 2, "b": 1, "c": 0}, "y": {"a": 1, "b": 1, "c": 0}},
                       supply={"a": 1, "b": "1/2", "c": "1/2"})
    return e, Allocation.from_mapping(e, {"x": {"a": "1/2", "b": "1/2"},
                                          "y": {"a": "1/2", "c": "1/2"}})


# ----------------------------------------------------------------------------- paper data
def test_theorem1_q_is_sp_for_exactly_the_seeds_partition():
    e, q, q2 = theorem1()
    d = decompose(e, q)
    assert not d.ex_ante_po and d.dominating is not None
    assert d.dominating.rows == q2.rows      # the three-way trade of pseudomarkets.md §1
    assert d.partition == (("x1", "x2", "y1", "y2"), ("z",)) and d.coarsest
    t1, t2 = d.turns
    assert [str(p) for p in t1.prices] == ["2", "1", "0", "0"]     # seed: (2, 1, 0, 0)
    assert t2.objects == ("4",) and t2.supply == (Q(1),) and t2.alpha == {}   # z is satiated
    assert_certified(e, q, d)
    # the weak-core construction gives the same two turns
    assert tuple(t.group for t in core_decomposition(e, q)) == d.partition
    # and running sp with this partition reproduces Q (pseudomarkets.md §1)
    from exactassign.mechanisms.pseudomarket import sequential_pseudomarket
    assert sequential_pseudomarket(e, partition=d.partition).allocation == q


def test_theorem1_q_prime_is_one_group_with_the_weight_prices():
    e, _, q2 = theorem1()
    d = decompose(e, q2)
    assert d.ex_ante_po and d.partition == (e.agents,) and d.lps == 0
    (t,) = d.turns
    assert [str(p) for p in t.prices] == ["3", "2", "1", "0"]     # pseudomarkets.md §1
    assert_certified(e, q2, d)


def test_seed_two_agent_example_is_one_group_under_the_seed_definition():
    """x indifferent, y prefers i; x gets i, y gets j (not PO).  The seed reads it as SP with
    [x][y]; under the seed's own equilibrium definition x is satiated, so [x, y] already works
    (the first welfare theorem needs HZ's cheapest-bundle rule)."""
    e = Economy.create(["x", "y"], ["i", "j"], valuations={"x": {"i": 1, "j": 1},
                                                           "y": {"i": 1, "j": 0}})
    q = Allocation.from_mapping(e, {"x": {"i": 1}, "y": {"j": 1}})
    d = decompose(e, q)
    assert not d.ex_ante_po and d.partition == (("x", "y"),)
    assert isinstance(decomposition_for(e, q, [["x"], ["y"]]), tuple)
    assert isinstance(decomposition_for(e, q, [["y"], ["x"]])[1], dict)   # y alone wants i
    assert_certified(e, q, d)


def test_hand_made_non_sp_input_tree_and_blocking_forms():
    e, q = two_agents_not_sp()
    d = decompose(e, q)
    assert not d.is_sp_outcome and d.not_outcome is not None
    assert d.dominating.row_map("x") == {"a": Q(1)}
    (node,) = d.not_outcome.nodes.values()          # every first group is infeasible
    assert set(node) == {("x",), ("y",), ("x", "y")} and all(node.values())
    assert_certified(e, q, d)
    assert evaluate("weak-core", e, q).holds is False
    big = decompose(e, q, max_agents=0)              # the polynomial route: blocking
    assert big.blocking is not None and big.not_outcome is None
    doc = assert_certified(e, q, big)
    assert set(doc["witness"]) == {"blocking"}


def test_not_outcome_tree_with_continue_entries():
    """Three agents where some first groups are supported but lead nowhere: the tree needs
    inner nodes.  Found by scanning random allocations outside the weak core."""
    e = Economy.create(["1", "2", "3"], ["a", "b", "c"],
                       valuations={"1": {"a": 2, "b": 1, "c": 0}, "2": {"a": 1, "b": 1, "c": 0},
                                   "3": {"a": 0, "b": 0, "c": 1}},
                       supply={"a": 1, "b": "1/2", "c": "3/2"})
    q = Allocation.from_mapping(e, {"1": {"a": "1/2", "b": "1/2"},
                                    "2": {"a": "1/2", "c": "1/2"}, "3": {"c": 1}})
    d = decompose(e, q)
    assert not d.is_sp_outcome
    assert any(v is None for node in d.not_outcome.nodes.values() for v in node.values())
    assert len(d.not_outcome.nodes) > 1
    assert_certified(e, q, d)


def test_satiated_bystanders_multiply_the_tree_and_the_polynomial_route_agrees():
    """The two-agent conflict plus k agents who hold their top object: each subset of the
    bystanders may go first, so the tree has 2^k nodes; the weak-core route finds the
    blocking pair instead."""
    k = 3
    ws = [f"w{i}" for i in range(1, k + 1)]
    vals = {"x": {"a": 2, "b": 1, "c": 0, "d": 0}, "y": {"a": 1, "b": 1, "c": 0, "d": 0},
            **{w: {"a": 0, "b": 0, "c": 0, "d": 1} for w in ws}}
    e = Economy.create(["x", "y", *ws], list("abcd"), valuations=vals,
                       supply={"a": 1, "b": "1/2", "c": "1/2", "d": k})
    q = Allocation.from_mapping(e, {"x": {"a": "1/2", "b": "1/2"},
                                    "y": {"a": "1/2", "c": "1/2"}, **{w: {"d": 1} for w in ws}})
    d = decompose(e, q)
    assert len(d.not_outcome.nodes) == 2 ** k
    assert_certified(e, q, d)
    big = decompose(e, q, max_agents=2)
    assert set(big.blocking.coalition) == {"x", "y"}
    assert_certified(e, q, big)
    with pytest.raises(ParameterError, match="max-agents"):
        decompose(e, q, max_agents=9)


def test_beyond_the_search_limit_the_weak_core_route_decomposes():
    e, q, _ = theorem1()
    d = decompose(e, q, max_agents=3)
    assert d.partition == (("x1", "x2", "y1", "y2"), ("z",)) and not d.coarsest
    assert_certified(e, q, d)


# ----------------------------------------------------------------------------- properties
def brute_force_sp(e, q):
    """Independent: every ordered partition, every turn by the turn LP (decomposition_for)."""
    best = None
    for k in range(1, e.n + 1):
        for labels in itertools.product(range(k), repeat=e.n):
            if set(labels) != set(range(k)):
                continue
            part = [[a for a, t in zip(e.agents, labels) if t == g] for g in range(k)]
            if isinstance(decomposition_for(e, q, part)[0], Turn):
                best = part if best is None else best
        if best is not None:
            return k
    return None


@SETTINGS
@given(st.data())
def test_po_assignments_are_one_group(data):
    """Theorem 2 in the strong form of pseudomarkets.md §1: PO input gives [N]."""
    e = data.draw(cardinal_economies(max_agents=5, max_objects=4))
    w = [data.draw(st.integers(1, 4)) for _ in range(e.n)]
    tie = [[data.draw(st.integers(0, 3)) for _ in range(e.m)] for _ in range(e.n)]
    q = welfare_maximiser(e, w, tie)
    d = decompose(e, q)
    assert d.ex_ante_po and d.partition == (e.agents,)
    assert_certified(e, q, d)


@SETTINGS
@given(st.data())
def test_weak_core_equals_sp_outcomes_and_coarsest_is_shortest(data):
    """Three independent answers agree: the memoised search (decompose), the weak-core
    construction (core_decomposition), brute force over every ordered partition -- and the
    weak-core property (Theorem 3 one way, the construction the other)."""
    e = data.draw(cardinal_economies(max_agents=3))
    q = data.draw(assignments(e))
    d = decompose(e, q)
    assert_certified(e, q, d)
    core = core_decomposition(e, q)
    assert d.is_sp_outcome == (core is not None) == bool(evaluate("weak-core", e, q).holds)
    shortest = brute_force_sp(e, q)
    assert (shortest is None) == (not d.is_sp_outcome)
    if d.is_sp_outcome:
        assert len(d.turns) == shortest <= len(core)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_every_sp_outcome_decomposes_with_its_partition_or_coarser(data):
    """Free incomes and equal budgets (the mechanism's own): what holds exactly is that the sp
    outcome for P is supported turn by turn along P with equal budgets, so the coarsest
    equal-budget partition has at most |P| turns (it need not coarsen P), and the free-income
    one at most as many again."""
    from exactassign.mechanisms.pseudomarket import sequential_pseudomarket
    e = data.draw(cardinal_economies(max_agents=3, max_objects=3))
    labels = [data.draw(st.integers(0, e.n - 1)) for _ in e.agents]
    part = [[a for a, t in zip(e.agents, labels) if t == g] for g in sorted(set(labels))]
    try:
        r = sequential_pseudomarket(e, partition=part, time_limit=30)
    except (DomainError, LimitExceeded):       # irrational turn, or too slow: nothing to test
        return
    q = r.allocation
    own = decomposition_for(e, q, part)
    assert isinstance(own[0], Turn), own         # HZ equilibrium per turn => supported turn
    own = decomposition_for(e, q, part, budgets="equal")
    assert isinstance(own[0], Turn), own
    d = decompose(e, q)
    eq = decompose(e, q, budgets="equal")
    assert eq.is_sp_outcome and len(d.turns) <= len(eq.turns) <= len(part)
    assert_certified(e, q, d)
    assert_certified(e, q, eq)
    if len(part) == 1:                          # hz outcome: PO, sp with [N] reproduces it
        assert d.partition == eq.partition == (e.agents,)
        assert sequential_pseudomarket(e, partition=d.partition).allocation == q


# ----------------------------------------------------------------------------- certificates
def test_mutations_of_decomposition_and_tree_are_rejected():
    e, q, q2 = theorem1()
    docs = [certificate_document(e, q2, decompose(e, q2))]
    e4, q4 = two_agents_not_sp()
    docs.append(certificate_document(e4, q4, decompose(e4, q4)))
    docs.append(certificate_document(e4, q4, decompose(e4, q4, max_agents=0)))
    total = 0
    for doc in docs:
        for path, mutated in numeric_mutations(json.loads(json.dumps(doc))):
            total += 1
            assert verdict(mutated).verdict != "valid", path
    assert total > 40


def test_free_price_of_a_satiated_turn_is_a_hint():
    """Q's second turn has only the satiated z: the price of object 4 there is free (any
    P >= 0 supports), so raising it keeps the certificate valid; a negative one does not."""
    e, q, _ = theorem1()
    doc = json.loads(json.dumps(certificate_document(e, q, decompose(e, q))))
    doc["witness"]["turns"][1]["prices"]["4"] = "5"
    assert verdict(doc).verdict == "valid"
    doc["witness"]["turns"][1]["prices"]["4"] = "-1"
    assert "pm-equilibrium.price.negative" in {v.code for v in verdict(doc).violations}


def test_conjunction_with_the_weak_core_is_checked():
    """Theorem 1's Q: an SP outcome and in the weak core, in one ``all`` document."""
    from exactassign.certificates.build import conjunction
    e, q, _ = theorem1()
    doc = conjunction(certificate_document(e, q, decompose(e, q)),
                      certify_property(e, q, "weak-core"))
    assert verdict(doc).verdict == "valid"
    doc = json.loads(json.dumps(doc))
    doc["witness"]["claims"][1]["witness"]["rounds"].pop()
    rep = verdict(doc)
    assert rep.verdict == "invalid"
    assert {v.path for v in rep.violations} == {"witness.claims[1].witness.rounds"}


def test_search_target_with_given_certifies_the_given_claims():
    """A counterexample found with --given certifies the given properties too (claim ``all``):
    three agents with the same ordinal ranking but different intensities; RSD splits
    everything equally, which agent 1 (who cares most about a) and the others can improve on:
    no SP outcome, yet equal treatment of equals holds."""
    from exactassign.search.targets import Target
    e = Economy.create(["1", "2", "3"], ["a", "b", "c"],
                       valuations={"1": {"a": 3, "b": 1, "c": 0}, "2": {"a": 2, "b": 1, "c": 0},
                                   "3": {"a": 2, "b": 1, "c": 0}})
    doc, note = Target("sp-outcome", "rsd", given=("ete",)).certify(e)
    assert note == "sp.not-outcome" and doc["outcome"]["allocation"]["1"]["a"] == "1/3"
    assert doc["claim"] == "all"
    assert [a["claim"] for a in doc["witness"]["claims"]] == ["sp.not-outcome", "ete"]
    assert verdict(doc).verdict == "valid"
    doc["witness"]["claims"][1]["claim"] = "envy"        # a claim that does not hold
    doc["witness"]["claims"][1]["witness"] = {"envious": "1", "envied": "2",
                                              "upper_contour_set": ["a"],
                                              "envious_mass": "1/3", "envied_mass": "1/3"}
    assert verdict(doc).verdict == "invalid"


# ----------------------------------------------------------------------------- errors, CLI
def test_typed_errors_outside_the_model():
    e = Economy.create(["1", "2"], ["a", "b"], preferences={"1": ["a", "b"], "2": ["a"]})
    q = Allocation.from_mapping(e, {"1": {"a": 1}})
    with pytest.raises(DomainError, match="valuations"):
        decompose(e, q)
    e = Economy.create(["1", "2"], ["a"], supply={"a": 1},
                       valuations={"1": {"a": 1}, "2": {"a": 2}})
    with pytest.raises(DomainError, match="sums to 1/2"):
        decompose(e, Allocation.from_mapping(e, {"1": {"a": "1/2"}, "2": {"a": "1/2"}}))
    e = Economy.create(["1", "2"], ["a", "b"], valuations={"1": {"a": 1, "b": 0},
                                                           "2": {"a": 2, "b": 0}})
    with pytest.raises(AllocationError, match="infeasible"):
        decompose(e, Allocation.from_mapping(e, {"1": {"a": 1}, "2": {"a": 1}}))
    with pytest.raises(ParameterError):
        decomposition_for(e, Allocation.from_mapping(e, {"1": {"a": 1}, "2": {"b": 1}}),
                          [["1"]])


def cli(*args, cwd=None):
    p = subprocess.run([sys.executable, "-m", "exactassign", *map(str, args)],
                       capture_output=True, text=True, cwd=cwd, timeout=120)
    return p.returncode, p.stdout, p.stderr


def test_cli_decompose_text_json_and_certificate(tmp_path):
    code, out, err = cli("decompose", T1 / "economy.json", T1 / "Q.json", "-o",
                         tmp_path / "c.json", cwd=ROOT)
    assert code == 0, err
    assert "coarsest ordered partition (2 turns): [x1, x2, y1, y2] [z]" in out
    assert "dominating assignment" in out
    assert check.check_file(str(tmp_path / "c.json")).verdict == "valid"
    code, out, err = cli("decompose", T1 / "economy.json", T1 / "Q_prime.json", "--format",
                         "json", cwd=ROOT)
    assert code == 0, err
    data = json.loads(out)
    assert data["ex_ante_po"] is True and data["partition"] == [["x1", "x2", "y1", "y2", "z"]]
    assert data["claim"] == "sp.decomposition"


def test_cli_decompose_bad_input_exit_2_without_traceback(tmp_path):
    econ = tmp_path / "e.json"
    econ.write_text(json.dumps({"format": "exactassign.economy", "version": 1,
                                "agents": ["1", "2"], "objects": ["a", "b"],
                                "preferences": {"1": ["a", "b"], "2": ["a", "b"]}}))
    alloc = tmp_path / "q.json"
    alloc.write_text(json.dumps({"format": "exactassign.allocation", "version": 1,
                                 "allocation": {"1": {"a": 1}, "2": {"b": 1}}}))
    code, out, err = cli("decompose", econ, alloc)
    assert code == 2 and "valuations" in err and "Traceback" not in err
    code, out, err = cli("decompose", T1 / "economy.json", T1 / "Q.json", "--max-agents", "9")
    assert code == 2 and "--max-agents" in err and "Traceback" not in err
    code, out, err = cli("decompose", T1 / "economy.json", tmp_path / "missing.json")
    assert code == 2 and "Traceback" not in err
