"""Sequential pseudomarkets with equal budgets: ``decompose(..., budgets="equal")``, the
``sp-outcome-equal-budgets`` property and ``"budgets": "equal"`` in check_sp's claims.

Facts tested: the seed's two-agent example is an equal-budget SP outcome for [x][y] only (HZ's
cheapest-bundle rule binds the satiated x); Theorem 1's Q keeps its partition
[x1, x2, y1, y2][z] with the seed's prices (2, 1, 0, 0) scaled to budget 1; random serial
dictatorship's outcome on the stored counterexample is ex-ante PO (so in the weak core) but an
equal-budget SP outcome for no ordered partition (against brute force over all 13 of them).
Cross-checks on random economies: the memoised search agrees with brute force over every
ordered partition; equal-budget SP outcomes are free-income ones (= weak core) with at most as
many turns; one group <=> the ``hz-equilibrium`` property (equal budgets).  (That every outcome
of the ``sp`` mechanism decomposes with its own partition in both modes is tested in
test_decompose.py.)  Certificates are verified by the standard-library checker and their
numbers mutated.
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
from exactassign.decompose import (Turn, certificate_document, decompose, decomposition_for,
                                   hz_violations, turn_market)
from exactassign.economy import Economy
from exactassign.errors import LimitExceeded, ParameterError
from exactassign.numbers import Q
from exactassign.properties import evaluate
from exactassign.properties.cardinal import cardinal_data, welfare_maximiser

from _certs import assert_valid, numeric_mutations
from _economies import assignments, cardinal_economies

ROOT = Path(__file__).resolve().parent.parent
T1 = ROOT / "proofs" / "theorem1"
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def certified(e, q, d) -> dict:
    return assert_valid(certificate_document(e, q, d))


def ordered_partitions(agents):
    for k in range(1, len(agents) + 1):
        for labels in itertools.product(range(k), repeat=len(agents)):
            if set(labels) == set(range(k)):
                yield [[a for a, t in zip(agents, labels) if t == g] for g in range(k)]


def supported_partitions(e, q, budgets="equal"):
    """Independent of decompose's search: every ordered partition, turn by turn."""
    return [p for p in ordered_partitions(e.agents)
            if isinstance(decomposition_for(e, q, p, budgets=budgets)[0], Turn)]


def seed_two_agents():
    e = Economy.create(["x", "y"], ["i", "j"], valuations={"x": {"i": 1, "j": 1},
                                                           "y": {"i": 1, "j": 0}})
    return e, Allocation.from_mapping(e, {"x": {"i": 1}, "y": {"j": 1}})


def counterexample():
    """The stored counterexample (catalogue entry weak-core-not-sp-outcome-equal-budgets)."""
    e = Economy.create(["1", "2", "3"], ["a", "b", "c"],
                       valuations={"1": {"a": 2, "b": 1, "c": 0}, "2": {"a": 1, "b": 0, "c": 0},
                                   "3": {"a": 0, "b": 1, "c": 0}})
    return e


# ----------------------------------------------------------------------------- paper data
def test_seed_two_agent_example_needs_two_turns_with_equal_budgets():
    e, q = seed_two_agents()
    d = decompose(e, q, budgets="equal")
    assert d.partition == (("x",), ("y",)) and d.budgets == "equal"
    assert [p for p in supported_partitions(e, q)] == [[["x"], ["y"]]]
    assert [p for p in supported_partitions(e, q, "free")] == [[["x", "y"]], [["x"], ["y"]]]
    doc = certified(e, q, d)
    assert doc["witness"]["budgets"] == "equal"
    assert doc["producer"]["property"] == "sp-outcome-equal-budgets"
    assert evaluate("sp-outcome-equal-budgets", e, q).holds is True
    assert evaluate("hz-equilibrium", e, q).holds is False


def test_theorem1_q_is_an_sp_mechanism_outcome_for_the_seeds_partition():
    from exactassign.io import load_allocation, load_economy
    e = load_economy(T1 / "economy.json")
    q = load_allocation(T1 / "Q.json", e)
    d = decompose(e, q, budgets="equal")
    assert d.partition == (("x1", "x2", "y1", "y2"), ("z",)) and d.coarsest
    t1, t2 = d.turns
    assert [str(p) for p in t1.prices] == ["8/3", "4/3", "0", "0"]   # (2, 1, 0, 0) * 4/3
    assert t1.budget == 1 and t2.alpha == {}
    certified(e, q, d)


def test_the_stored_counterexample_weak_core_but_no_equal_budget_sp_outcome():
    from exactassign import run
    e = counterexample()
    q = run("rsd", e).allocation
    assert q.to_mapping() == {"1": {"a": "1/2", "b": "1/6", "c": "1/3"},
                              "2": {"a": "1/2", "c": "1/2"}, "3": {"b": "5/6", "c": "1/6"}}
    assert evaluate("ex-ante-po", e, q).holds and evaluate("weak-core", e, q).holds
    free = decompose(e, q)
    assert free.partition == (e.agents,)               # PO: one free-income turn
    d = decompose(e, q, budgets="equal")
    assert not d.is_sp_outcome and d.not_outcome is not None
    assert supported_partitions(e, q) == []            # brute force over 13 partitions
    (node,) = d.not_outcome.nodes.values()             # every first group is refuted
    assert all(node.values()) and len(node) == 7
    # only N is pm-supported; its refutation needs the budget rows (unequal spending)
    assert [g for g, m in node.items() if any(k[0] == "budget" for k in m)] == [e.agents]
    doc = certified(e, q, d)
    mutated = list(numeric_mutations(json.loads(json.dumps(doc))))
    assert len(mutated) > 40
    for path, m in mutated:
        assert check.check_certificate(m).verdict != "valid", path
    prop = evaluate("sp-outcome-equal-budgets", e, q)
    assert prop.holds is False and prop.claim == "sp.not-outcome"


def test_stored_counterexample_file_is_the_conjunction():
    (path,) = sorted((ROOT / "counterexamples" / "sp-outcome-equal-budgets").glob("rsd__*.json"))
    doc = check.loads(path.read_text(encoding="utf-8"))
    assert [p["claim"] for p in doc["witness"]["claims"]] == ["sp.not-outcome", "core.weak",
                                                              "ex-ante.po"]
    assert doc["witness"]["claims"][0]["witness"]["budgets"] == "equal"
    assert check.check_certificate(doc).verdict == "valid"
    e = counterexample()
    assert doc["instance"]["valuations"] == {a: {o: str(v) for o, v in zip(e.objects, row)}
                                             for a, row in zip(e.agents, e.valuations)}


# ----------------------------------------------------------------------------- cross-checks
@SETTINGS
@given(st.data())
def test_equal_budget_search_agrees_with_brute_force_and_free_incomes(data):
    """decompose(budgets="equal") against every ordered partition; equal-budget SP outcomes
    are free-income ones (so in the weak core) with at most as many turns; one turn <=> the
    hz-equilibrium property (equal budgets)."""
    e = data.draw(cardinal_economies(max_agents=3))
    if data.draw(st.booleans()):
        q = data.draw(assignments(e))
    else:       # ex-ante PO (in the weak core): the interesting case
        w = [data.draw(st.integers(1, 4)) for _ in range(e.n)]
        tie = [[data.draw(st.integers(0, 3)) for _ in range(e.m)] for _ in range(e.n)]
        q = welfare_maximiser(e, w, tie)
    d = decompose(e, q, budgets="equal")
    certified(e, q, d)
    brute = supported_partitions(e, q)
    assert d.is_sp_outcome == bool(brute)
    free = decompose(e, q)
    if d.is_sp_outcome:
        assert len(d.turns) == min(len(p) for p in brute)
        assert free.is_sp_outcome and len(free.turns) <= len(d.turns)
        assert evaluate("weak-core", e, q).holds is True
        rest = frozenset(range(e.n))
        for t in d.turns:                                # each turn is an HZ equilibrium
            g = [e.agents.index(a) for a in t.group]
            mk = turn_market(cardinal_data(e, q), g, rest)
            assert hz_violations(mk, t.prices, t.alpha, t.beta, Q(1)) == []
            rest -= frozenset(g)
    hz = evaluate("hz-equilibrium", e, q).holds
    assert hz == (d.partition == (e.agents,))


# ----------------------------------------------------------------------------- limits, CLI
def test_beyond_max_agents_blocking_or_limit():
    e, q = seed_two_agents()
    with pytest.raises(LimitExceeded, match="--max-agents"):   # weak core, [N] fails
        decompose(e, q, budgets="equal", max_agents=1)
    assert evaluate("sp-outcome", e, q).holds is True
    with pytest.raises(ParameterError, match="--budgets"):
        decompose(e, q, budgets="unequal")
    # outside the weak core the blocking coalition answers for any n
    e2 = Economy.create(["x", "y"], ["a", "b", "c"],
                        valuations={"x": {"a": 2, "b": 1, "c": 0},
                                    "y": {"a": 1, "b": 1, "c": 0}},
                        supply={"a": 1, "b": "1/2", "c": "1/2"})
    q2 = Allocation.from_mapping(e2, {"x": {"a": "1/2", "b": "1/2"},
                                      "y": {"a": "1/2", "c": "1/2"}})
    d2 = decompose(e2, q2, budgets="equal", max_agents=0)
    assert d2.blocking is not None
    doc = certified(e2, q2, d2)
    assert set(doc["witness"]) == {"budgets", "blocking"}


def cli(*args):
    p = subprocess.run([sys.executable, "-m", "exactassign", *map(str, args)],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    return p.returncode, p.stdout, p.stderr


def test_cli_decompose_budgets_equal(tmp_path):
    code, out, err = cli("decompose", T1 / "economy.json", T1 / "Q.json", "--budgets", "equal",
                         "-o", tmp_path / "c.json")
    assert code == 0, err
    assert "budgets: equal" in out and "prices 1:8/3 2:4/3 3:0 4:0" in out
    assert check.check_file(str(tmp_path / "c.json")).verdict == "valid"
    code, out, err = cli("decompose", T1 / "economy.json", T1 / "Q.json", "--budgets", "nope")
    assert code == 2 and "Traceback" not in err
