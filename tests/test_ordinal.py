"""Ordinal fairness (exactassign/properties/ordinal.py; claims of certificates/check_fair.py).

Facts: Hashimoto et al. (2014) -- PS is ordinally fair, RSD and serial dictatorship are not;
Yu and Zhang, Proposition 3 -- Equal-BTM is ordinally fair on simple FEE economies (here
exhaustively on a small domain and on random ones, with ties); the proportional rule is not;
ordinal fairness implies the seed's generalized EENE; the standard-library checker agrees with
the property on every allocation and rejects every mutated number of a witness.
"""
from __future__ import annotations

import itertools
import json
from flint import fmpq

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _certs import numeric_mutations
from _economies import economies, weak_order_json
from exactassign import run
from exactassign.allocation import Allocation
from exactassign.certificates import check
from exactassign.certificates.build import certify_property
from exactassign.economy import Economy
from exactassign.properties import PROPERTIES, evaluate
from exactassign.properties.extended import extended_tiers, row_with_outside, ucs_masses
from exactassign.properties.ordinal import (co_owner_groups, find_generalized_eene_violation,
                                            find_ordinal_fairness_violation,
                                            ordinal_fairness_reason)
from exactassign.properties.strategy import order_space

F = fmpq
SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SHARES = [F(1, 4), F(1, 3), F(1, 2), F(2, 3), F(1)]


@st.composite
def simple_economies(draw, max_agents=5, max_objects=3, ties=True, incomplete=True):
    """A simple FEE economy: every agent owns a share of at most one object, every object has
    an owner."""
    m = draw(st.integers(1, max_objects))
    n = draw(st.integers(m, max(m, max_agents)))
    agents = [str(i) for i in range(1, n + 1)]
    objects = list("abcdefgh"[:m])
    owned = list(range(m)) + [draw(st.integers(0, m)) for _ in range(n - m)]
    owned = draw(st.permutations(owned))
    endow = {a: ({objects[k]: draw(st.sampled_from(SHARES))} if k < m else {})
             for a, k in zip(agents, owned)}
    prefs = {a: draw(weak_order_json(objects, ties=ties, incomplete=incomplete))
             for a in agents}
    return Economy.create(agents, objects, preferences=prefs, endowments=endow)


def as_doc(cert: dict) -> dict:
    return json.loads(json.dumps(cert))


def checker_says_fair(e: Economy, p: Allocation) -> bool:
    """The standard-library checker's verdict on the positive claim."""
    from exactassign.certificates.build import certificate
    doc = as_doc(certificate("ordinal-fair", e, p, {}, prop="ordinal-fair"))
    return check.check_certificate(doc).verdict == "valid"


# ----------------------------------------------------------------------------- definition
PAPER3 = Economy.create(["1", "2", "3"], ["a", "b"], preferences={
    "1": ["b", "a"], "2": ["b", "a"], "3": ["a", "b"]},
    endowments={"1": {"a": "1/3"}, "2": {"a": "2/3"}, "3": {"b": "1/3"}})


def test_equal_and_proportional_btm_on_a_simple_economy():
    """Co-owners 1 (1/3 of a) and 2 (2/3 of a) both want b.  Equal-BTM: they trade a for b at
    the same rate until b is gone (1/6 each); proportional: 2 trades twice as fast."""
    eq = run("btm", PAPER3).allocation
    assert eq.to_mapping() == {"1": {"a": "1/6", "b": "1/6"}, "2": {"a": "1/2", "b": "1/6"},
                               "3": {"a": "1/3"}}
    assert find_ordinal_fairness_violation(PAPER3, eq) is None
    prop = run("btm", PAPER3, rule="proportional").allocation
    w = find_ordinal_fairness_violation(PAPER3, prop)
    assert (w.holder, w.other, w.object) == ("2", "1", "b")
    assert (w.holder_amount, w.holder_mass, w.other_mass, w.other_total) == (
        F(2, 9), F(2, 9), F(1, 9), F(1, 3))
    assert co_owner_groups(PAPER3) == [[0, 1], [2]]


def test_unless_clause_small_co_owner_served_entirely():
    """j's endowment runs out first: everything she gets is at a's level, so i's larger mass
    there is no violation."""
    e = Economy.create(["1", "2", "3"], ["a", "b"], preferences={
        "1": ["b", "a"], "2": ["b", "a"], "3": ["a", "b"]},
        endowments={"1": {"a": "1/4"}, "2": {"a": "3/4"}, "3": {"b": "1"}})
    p = run("btm", e).allocation
    assert p.to_mapping() == {"1": {"b": "1/4"}, "2": {"b": "3/4"}, "3": {"a": "1"}}
    assert find_ordinal_fairness_violation(e, p) is None
    # without the clause it would fail: 2 holds b with S_2(b) = 3/4 > S_1(b) = 1/4 = w_1
    assert p.amount("2", "b") > p.amount("1", "b") == F(1, 4)


def test_house_allocation_is_hhkku_and_the_reverse_inequality_fails_for_ps():
    """Equal endowments: all agents are co-owners and the 'unless' never matters.  PS is
    ordinally fair (HHKKU 2014); the opposite inequality (S_j <= S_i) fails for PS."""
    e = Economy.create(["1", "2", "3"], ["a", "b", "c"], preferences={
        "1": ["a", "b", "c"], "2": ["a", "b", "c"], "3": ["b", "a", "c"]})
    p = run("ps", e).allocation
    assert find_ordinal_fairness_violation(e, p) is None
    # 1 gets a: S_1(a) = 1/2; 3 eats b until 2/3, after a is gone: S_3(a) = 2/3 > 1/2
    tiers = extended_tiers(e, 2)
    assert ucs_masses(tiers, row_with_outside(e, p.rows[2]))[1] == F(2, 3)
    assert p.amount("1", "a") == F(1, 2) == p.row_sum(0) - p.amount("1", "c") - F(1, 6)


def test_bm2001_rsd_and_serial_dictatorship_are_not_ordinally_fair():
    e = Economy.create(["1", "2", "3", "4"], list("abcd"), preferences={
        "1": list("abcd"), "2": list("abcd"), "3": list("badc"), "4": list("badc")})
    assert find_ordinal_fairness_violation(e, run("ps", e).allocation) is None
    w = find_ordinal_fairness_violation(e, run("rsd", e).allocation)
    # 1 gets 1/12 of b (S_1(b) = 5/12 + 1/12), 3 only 5/12 of her top b
    assert (w.holder, w.other, w.object, w.holder_mass, w.other_mass) == (
        "1", "3", "b", F(1, 2), F(5, 12))
    assert find_ordinal_fairness_violation(e, run("sd", e).allocation) is not None


def test_outside_option_is_an_object_of_the_house_model():
    """Agent 2 gets ∅ while agent 1 gets an object she finds unacceptable (below ∅)."""
    e = Economy.create(["1", "2"], ["a", "b"], preferences={"1": ["a"], "2": ["a"]})
    p = Allocation.from_mapping(e, {"1": {"a": "1/2", "b": "1/2"}, "2": {"a": "1/2"}})
    w = find_ordinal_fairness_violation(e, p)
    assert (w.holder, w.other, w.object, w.holder_mass, w.other_mass) == (
        "2", "1", None, 1, F(1, 2))
    cert = as_doc(certify_property(e, p, "ordinal-fair"))
    assert cert["witness"]["object"] is None
    assert check.check_certificate(cert).verdict == "valid"


def test_not_applicable_outside_simple_economies():
    e = Economy.create(["1", "2"], ["a", "b"], preferences={"1": ["a", "b"], "2": ["b", "a"]},
                       endowments={"1": {"a": "1/2", "b": "1/2"}, "2": {"a": "1/2"}})
    reason = ordinal_fairness_reason(e)
    assert reason is not None and "agent '1'" in reason and "simple" in reason
    r = evaluate("ordinal-fair", e, run("btm", e).allocation)
    assert r.holds is None and r.reason.startswith("not applicable")
    assert "ordinal-fair" not in [n for n, p in PROPERTIES.items() if p.applies(e) is None]
    same = e.replace(endowments=(e.endowments[0], e.endowments[0]), supply=(F(1), F(1)))
    assert ordinal_fairness_reason(same) is None      # equal endowments: house allocation
    assert co_owner_groups(same) == [[0, 1]]


# ----------------------------------------------------------------------------- Proposition 3
def test_equal_btm_is_ordinally_fair_exhaustively_on_a_small_domain():
    """Every simple economy with 3 agents and objects a, b, shares in {1/2, 1}, every weak
    order (1 944 economies): Equal-BTM is ordinally fair."""
    objs = ("a", "b")
    space = order_space(objs, "weak", True)
    opts = [None] + [(o, F(x, 2)) for o in objs for x in (1, 2)]
    count = 0
    for own in itertools.product(opts, repeat=3):
        if {o[0] for o in own if o} != set(objs):
            continue
        endow = {str(i + 1): ({o[0]: o[1]} if o else {}) for i, o in enumerate(own)}
        for orders in itertools.product(space, repeat=3):
            prefs = {str(i + 1): [sorted(t) for t in order] for i, order in enumerate(orders)}
            e = Economy.create(["1", "2", "3"], list(objs), preferences=prefs, endowments=endow)
            p = run("btm", e).allocation
            assert find_ordinal_fairness_violation(e, p) is None, (prefs, endow)
            count += 1
    assert count == 1944


@SETTINGS
@given(simple_economies())
def test_equal_btm_is_ordinally_fair_on_random_simple_economies(e):
    p = run("btm", e).allocation
    assert find_ordinal_fairness_violation(e, p) is None
    assert find_generalized_eene_violation(e, p) is None


@SETTINGS
@given(economies(max_agents=5, max_objects=4, ties=True, incomplete=True))
def test_extended_ps_mechanisms_are_ordinally_fair_in_house_allocation(e):
    """PS (strict orders: HHKKU) and the two extensions of PS to ties (observed here)."""
    names = ["eps"] + (["ps"] if e.is_strict() else [])
    for name in names:
        assert find_ordinal_fairness_violation(e, run(name, e).allocation) is None, name


# ----------------------------------------------------------------------------- consequences
def _generalized_eene_by_sd(e: Economy, p: Allocation) -> bool:
    """Co-owners i, j with w_i >= w_j: p_i weakly sd-dominates p_j for i (extended order)."""
    total = [F(1) if e.endowments is None else sum(e.endowments[i], F(0)) for i in range(e.n)]
    rows = [row_with_outside(e, r) for r in p.rows]
    for group in co_owner_groups(e):
        for i, j in itertools.permutations(group, 2):
            if total[i] >= total[j]:
                t = extended_tiers(e, i)
                if any(y > x for x, y in zip(ucs_masses(t, rows[i]), ucs_masses(t, rows[j]))):
                    return False
    return True


@SETTINGS
@given(simple_economies(), st.integers(0, 4), st.integers(1, 3))
def test_ordinal_fairness_implies_generalized_eene(e, k, mix):
    """On allocations of several mechanisms and mixtures of them (fair or not)."""
    eq = run("btm", e).allocation
    pr = run("btm", e, rule="proportional").allocation
    lam = F(k, 4)
    mixed = Allocation(eq.agents, eq.objects, tuple(
        tuple(lam * x + (1 - lam) * y for x, y in zip(r1, r2))
        for r1, r2 in zip(eq.rows, pr.rows)))
    for p in (eq, pr, mixed):
        if find_ordinal_fairness_violation(e, p) is None:
            assert find_generalized_eene_violation(e, p) is None
            assert _generalized_eene_by_sd(e, p)


# ----------------------------------------------------------------------------- certificates
@SETTINGS
@given(simple_economies(max_agents=4), st.integers(0, 4))
def test_checker_agrees_with_the_property_and_rejects_mutations(e, k):
    eq = run("btm", e).allocation
    pr = run("btm", e, rule="proportional").allocation
    lam = F(k, 4)
    p = Allocation(eq.agents, eq.objects, tuple(
        tuple(lam * x + (1 - lam) * y for x, y in zip(r1, r2))
        for r1, r2 in zip(eq.rows, pr.rows)))
    fair = find_ordinal_fairness_violation(e, p) is None
    assert checker_says_fair(e, p) == fair
    doc = as_doc(certify_property(e, p, "ordinal-fair"))
    assert doc["claim"] == ("ordinal-fair" if fair else "not-ordinal-fair")
    assert check.check_certificate(doc).verdict == "valid"
    for path, mutated in numeric_mutations(doc):
        assert check.check_certificate(mutated).verdict != "valid", path


@SETTINGS
@given(economies(max_agents=4, max_objects=3, ties=False, incomplete=True),
       st.sampled_from(["ps", "rsd", "sd", "eps"]))
def test_house_certificates_verify(e, name):
    p = run(name, e).allocation
    doc = as_doc(certify_property(e, p, "ordinal-fair"))
    assert check.check_certificate(doc).verdict == "valid"
    assert checker_says_fair(e, p) == (doc["claim"] == "ordinal-fair")


def _cert(p_map: dict, e: Economy = PAPER3) -> dict:
    return as_doc(certify_property(e, Allocation.from_mapping(e, p_map), "ordinal-fair"))


PROPORTIONAL = {"1": {"a": "2/9", "b": "1/9"}, "2": {"a": "4/9", "b": "2/9"}, "3": {"a": "1/3"}}
EQUAL = {"1": {"a": "1/6", "b": "1/6"}, "2": {"a": "1/2", "b": "1/6"}, "3": {"a": "1/3"}}


@pytest.mark.parametrize("change, code", [
    (lambda w: w.update(other="3"), "not-ordinal-fair.not-co-owners"),
    (lambda w: w.update(other="2"), "not-ordinal-fair.same-agent"),
    (lambda w: w.update(object=None), "not-ordinal-fair.outside-in-fee"),
    (lambda w: w.update(other_mass="1/6"), "not-ordinal-fair.mismatch"),
    (lambda w: w.update(other_total="1"), "not-ordinal-fair.mismatch"),
    (lambda w: w.update(holder="1", other="2", holder_amount="1/9", holder_mass="1/9",
                        other_mass="2/9", other_total="2/3"), "not-ordinal-fair.fair"),
])
def test_not_ordinal_fair_clauses(change, code):
    doc = _cert(PROPORTIONAL)
    assert doc["claim"] == "not-ordinal-fair"
    change(doc["witness"])
    report = check.check_certificate(doc)
    assert report.verdict == "invalid" and code in {v.code for v in report.violations}, \
        report.violations


def test_claims_swapped_and_not_simple_are_invalid():
    yes, no = _cert(EQUAL), _cert(PROPORTIONAL)
    assert yes["claim"] == "ordinal-fair" and no["claim"] == "not-ordinal-fair"
    report = check.check_certificate(dict(no, claim="ordinal-fair", witness={}))
    assert {v.code for v in report.violations} == {"ordinal-fair.violated"}
    assert report.violations[0].path == "outcome.allocation.2.b"
    bad = dict(yes)
    bad["instance"] = dict(yes["instance"], endowments={"1": {"a": "1/3", "b": "1/3"},
                                                        "2": {"a": "2/3"}, "3": {}})
    bad["outcome"] = {"allocation": {"1": {"a": "1/3", "b": "1/3"}, "2": {"a": "2/3"}, "3": {}}}
    report = check.check_certificate(bad)
    assert {v.code for v in report.violations} == {"ordinal-fair.not-simple"}
    report = check.check_certificate(dict(bad, claim="not-ordinal-fair", witness=no["witness"]))
    assert "not-ordinal-fair.not-simple" in {v.code for v in report.violations}


def test_cli_check_and_certify(tmp_path):
    import subprocess
    import sys
    from exactassign.io.json_io import economy_to_json
    econ = tmp_path / "e.json"
    econ.write_text(json.dumps(economy_to_json(PAPER3)))
    alloc = tmp_path / "p.json"
    alloc.write_text(json.dumps({"format": "exactassign.allocation", "version": 1,
                                 "allocation": PROPORTIONAL}))
    cmd = [sys.executable, "-m", "exactassign"]
    r = subprocess.run(cmd + ["check", str(econ), str(alloc), "--property", "ordinal-fair",
                              "--format", "json"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)["properties"]["ordinal-fair"]
    assert out["holds"] is False and out["witness"]["other_mass"] == "1/9"
    nonsimple = dict(economy_to_json(PAPER3))
    nonsimple["endowments"] = {"1": {"a": "1/3", "b": "1/3"}, "2": {"a": "2/3"}, "3": {}}
    econ.write_text(json.dumps(nonsimple))
    alloc.write_text(json.dumps({"format": "exactassign.allocation", "version": 1,
                                 "allocation": nonsimple["endowments"]}))
    r = subprocess.run(cmd + ["check", str(econ), str(alloc), "--property", "ordinal-fair"],
                       capture_output=True, text=True)
    assert r.returncode == 0 and "not applicable" in r.stdout and "simple" in r.stdout
    r = subprocess.run(cmd + ["certify", "--property", "ordinal-fair", str(econ), str(alloc),
                              "-o", str(tmp_path / "c.json")], capture_output=True, text=True)
    assert r.returncode == 2 and "not simple" in r.stderr and "Traceback" not in r.stderr
