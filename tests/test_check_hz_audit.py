"""Adversarial audit of the stdlib plugin check_hz.py (hz.outcome / sp.outcome): certificates
that crashed or hung the checker, the limits that now refuse them cleanly, edge cases of the
field arithmetic that were found sound (and stay so), the ``equal_budgets`` claim, and random
perturbations of the valid irrational certificate."""
from __future__ import annotations

import copy
import json
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exactassign.certificates import check
from test_check_hz import DATA, IRR_CERT, F, _set, hz, poly


def irr() -> dict:
    return json.loads(IRR_CERT.read_text(encoding="utf-8"))


def sp_doc() -> dict:
    return json.loads((DATA / "valid" / "sp.outcome_two_turns.json").read_text(encoding="utf-8"))


def report(doc: dict):
    return check.check_certificate(json.loads(json.dumps(doc)))


def codes(doc: dict) -> set:
    return {v.code for v in report(doc).violations}


def timed(doc: dict):
    t = time.perf_counter()
    r = report(doc)
    return r, time.perf_counter() - t


# ----------------------------------------------------------------------------- holes (crashes)
def test_turn_without_supply_and_a_satiated_agent_is_a_violation_not_a_crash():
    """Hole: a turn whose supply is empty (everything sold earlier) with a satiated member made
    ``max()`` of nothing raise ValueError (a traceback instead of a verdict)."""
    doc = sp_doc()
    doc["witness"]["turns"][1] = {"group": ["3", "4"], "supply": {}, "budgets": {"3": "1",
                                  "4": "1"}, "prices": {}, "amounts": {}, "alpha": {"4": "1"},
                                  "beta": {"4": "0"}, "satiated": ["3"]}
    r = report(doc)
    assert r.verdict == "invalid"
    got = {(v.code, v.path) for v in r.violations}
    assert ("hz.row-sum", "witness.turns[1].amounts.3") in got
    assert ("hz.row-sum", "witness.turns[1].amounts.4") in got


# ----------------------------------------------------------------------------- holes (time)
def _with_field_poly(doc: dict, f: list) -> dict:
    doc = copy.deepcopy(doc)
    doc["witness"]["turns"][0]["field"]["poly"] = [str(c) for c in f]
    return doc


def test_field_of_huge_degree_is_refused_quickly():
    """Hole: (8x² − 1)(x^60 + 3) is square-free with the same single root √2/4 in [1/4, 1/2], so
    the certificate is true, but Sturm sequences of degree 62 over Fraction (and one per
    bisection step) took minutes; degree 200 hangs.  Now: malformed ``hz.limit``."""
    f = [F(0)] * 63
    for k, c in ((0, -3), (2, 24), (60, -1), (62, 8)):
        f[k] = F(c)
    r, dt = timed(_with_field_poly(irr(), f))
    assert r.verdict == "malformed" and r.violations[0].code == "hz.limit", r.violations
    assert "degree" in r.violations[0].message and dt < 20


def test_field_with_huge_coefficients_is_refused_quickly():
    big = 10 ** 400
    r, dt = timed(_with_field_poly(irr(), [-big, 0, 8 * big]))    # same α, 400-digit numbers
    assert r.verdict == "malformed" and r.violations[0].code == "hz.limit" and dt < 20


def test_long_field_element_is_refused_quickly():
    """Hole: {"field_element": [0, ..., 0, 1]} = α^N was reduced modulo f with Fractions whose
    size grows with N: quadratic time in the length of the list."""
    doc = irr()
    doc["witness"]["turns"][0]["prices"]["a"] = {"field_element": ["0"] * 100000 + ["1"]}
    r, dt = timed(doc)
    assert r.verdict == "malformed" and r.violations[0].code == "hz.limit" and dt < 20
    assert r.violations[0].path == "witness.turns[0].prices.a.field_element"


def test_outcome_polynomial_of_huge_degree_is_refused_quickly():
    doc = irr()
    g = [0] * 201
    g[0], g[2], g[200] = -1, 8, 1                   # one root near √2/4 in [0, 1]: true-ish
    doc["outcome"]["allocation"]["1"]["b"]["algebraic"]["poly"] = [str(c) for c in g]
    r, dt = timed(doc)
    assert r.verdict == "malformed" and r.violations[0].code == "hz.limit" and dt < 20
    assert r.violations[0].path.startswith("outcome.allocation.1.b")


def test_sign_next_to_the_root_is_decided_exactly_and_fast():
    """α − p/q for a convergent p/q of √2 with 150-digit q: |α − p/q| ≈ q⁻², about 1000
    bisections, each a Horner evaluation (no Sturm sequence per step)."""
    p, q = 1, 1
    while q < 10 ** 150:
        p, q = p + 2 * q, p + q                      # convergents of √2, alternating sides
    K = hz["Field"](poly(-2, 0, 1), F(1), F(2))
    t = time.perf_counter()
    s = K.sign([F(-p, q), F(1)])
    assert time.perf_counter() - t < 20
    assert s == (1 if p * p < 2 * q * q else -1)
    assert K.sign([F(-p * p, q * q), F(0), F(1)]) == (1 if p * p < 2 * q * q else -1)


def test_too_many_bisections_is_a_clean_limit():
    K = hz["Field"](poly(-2, 0, 1), F(1), F(2))
    old = hz["MAX_BISECTIONS"]
    hz["MAX_BISECTIONS"] = 20
    try:
        try:
            K.sign([F(-141421356237, 10 ** 11), F(1)])   # |√2 − x| ≈ 3e-12: > 20 halvings
        except hz["Limit"] as exc:
            assert "bisection" in str(exc)
        else:
            raise AssertionError("no limit")
    finally:
        hz["MAX_BISECTIONS"] = old


# ----------------------------------------------------------------------------- found sound
def test_field_edge_cases_decide_signs_correctly():
    Field = hz["Field"]
    # negative leading coefficient: −(x² − 2)
    K = Field(poly(2, 0, -1), F(1), F(2))
    assert K.defect() is None and K.sign(poly(-F(7, 5), 1)) == 1 and K.sign(poly(-2, 0, 1)) == 0
    # degree 1: α = 1/3 is rational (never hit by a dyadic bisection point)
    K = Field(poly(-1, 3), F(0), F(1))
    assert K.defect() is None and K.sign(poly(-F(1, 3), 1)) == 0
    assert K.sign(poly(-F(333333, 10 ** 6), 1)) == 1 and K.sign(poly(-F(1, 2), 1)) == -1
    # degree 0, empty or point intervals, roots at the ends: defects
    assert Field(poly(5), F(0), F(1)).defect() and Field([], F(0), F(1)).defect()
    assert Field(poly(-2, 0, 1), F(1), F(1)).defect() and Field(poly(-2, 0, 1), F(2),
                                                               F(1)).defect()
    assert Field(poly(-1, 1), F(1), F(2)).defect()
    # reducible f: an element zero at α but not in the ideal (f) counts as zero
    K = Field(hz["_mul"](poly(-2, 0, 1), poly(-3, 0, 1)), F(1), F(3, 2))   # α = √2, not √3
    assert K.defect() is None
    assert K.sign(poly(-2, 0, 1)) == 0 and K.sign(poly(-3, 0, 1)) == -1
    assert K.sign(poly(-F(3, 2), 1)) == -1


def test_outcome_in_another_polynomial_is_compared_soundly():
    """The outcome may describe √2/4 with any polynomial and isolating interval: reducible,
    non-monic, negative leading coefficient all fine; a root of the same polynomial in another
    interval, or an interval holding two roots, is rejected."""
    def with_b(gpoly, iv):
        doc = irr()
        doc["outcome"]["allocation"]["1"]["b"]["algebraic"] = {"poly": gpoly, "interval": iv}
        return doc
    # (8x² − 1)(x − 1) and −(8x² − 1)
    assert report(with_b(["1", "-1", "-8", "8"], ["0", "1/2"])).verdict == "valid"
    assert report(with_b(["1", "0", "-8"], ["1/4", "1/2"])).verdict == "valid"
    # (8x² − 1)(2x² − 1) = 16x⁴ − 10x² + 1 has √2/4 and √2/2 in [0, 1]: two roots
    assert "hz.outcome.not-isolating" in codes(with_b(["1", "0", "-10", "0", "16"],
                                                      ["0", "1"]))
    # its other root √2/2 isolated by [1/2, 1]: a different number
    assert "hz.outcome.mismatch" in codes(with_b(["1", "0", "-10", "0", "16"], ["1/2", "1"]))
    # a rational outcome entry for an irrational amount
    doc = irr()
    doc["outcome"]["allocation"]["1"]["b"] = "3535533906/10000000000"
    assert "hz.outcome.mismatch" in codes(doc)


def test_a_different_field_polynomial_with_the_same_root_is_accepted():
    """(8x² − 1)(x − 1) defines the same α: the certificate stays true and valid."""
    assert report(_with_field_poly(irr(), [1, -1, -8, 8])).verdict == "valid"


# ----------------------------------------------------------------------------- equal budgets
def test_equal_budgets_are_part_of_the_claim_when_stated():
    """Without ``equal_budgets`` the claim is an equilibrium for the witness's budgets (any,
    > 0); with ``"equal_budgets": true`` every budget of every turn must be the same number."""
    doc = sp_doc()
    doc["witness"]["equal_budgets"] = True
    assert report(doc).verdict == "valid"
    bad = copy.deepcopy(doc)
    bad["witness"]["turns"][1]["budgets"]["3"] = "2"
    assert "hz.budget.not-equal" in codes(bad)
    del bad["witness"]["equal_budgets"]
    assert "hz.budget.not-equal" not in codes(bad)
    odd = copy.deepcopy(doc)
    odd["witness"]["equal_budgets"] = "yes"
    r = report(odd)
    assert r.verdict == "malformed" and r.violations[0].path == "witness.equal_budgets"


def test_unequal_budget_equilibrium_is_rejected_under_equal_budgets():
    """A genuine HZ equilibrium with budgets (1, 3) that is not one with equal budgets: valid
    for the witness budgets, rejected once the witness claims equal budgets."""
    doc = {
        "format": "exactassign.certificate", "version": 1, "claim": "hz.outcome",
        "instance": {"format": "exactassign.economy", "version": 1, "agents": ["1", "2"],
                     "objects": ["a", "b"], "supply": {"a": "1", "b": "1"},
                     "preferences": {"1": ["a", "b"], "2": ["a", "b"]},
                     "valuations": {"1": {"a": "2", "b": "0"}, "2": {"a": "2", "b": "0"}}},
        "outcome": {"allocation": {"1": {"a": "1/4", "b": "3/4"},
                                   "2": {"a": "3/4", "b": "1/4"}}},
        "witness": {"turns": [{"group": ["1", "2"], "supply": {"a": "1", "b": "1"},
                               "budgets": {"1": "1", "2": "3"},
                               "prices": {"a": "4", "b": "0"},
                               "amounts": {"1": {"a": "1/4", "b": "3/4"},
                                           "2": {"a": "3/4", "b": "1/4"}},
                               "alpha": {"1": "2", "2": "2"}, "beta": {"1": "0", "2": "0"},
                               "satiated": []}]}}
    assert report(doc).verdict == "valid"
    doc["witness"]["equal_budgets"] = True
    assert "hz.budget.not-equal" in codes(doc)


# ----------------------------------------------------------------------------- perturbations
def _numbers(node, path=()):
    """Paths of the exact-number strings under ``node``."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _numbers(v, path + (k,))
    elif isinstance(node, list):
        for k, v in enumerate(node):
            yield from _numbers(v, path + (k,))
    elif isinstance(node, str) and node and all(c in "0123456789/-" for c in node):
        yield path


BASE = irr()
PATHS = sorted(set(_numbers(BASE["witness"], ("witness",)))
               | set(_numbers(BASE["outcome"], ("outcome",))), key=str)


def _below_root(x: F) -> bool:
    """x < √2/4, exactly (8x² < 1 for x >= 0)."""
    return x < 0 or 8 * x * x < 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PATHS),
       st.fractions(min_value=-3, max_value=3, max_denominator=1000).filter(lambda d: d != 0))
def test_random_perturbations_of_the_irrational_certificate_are_rejected(path, delta):
    """Changing any number of hz_irrational_4x4 by any nonzero rational is rejected, except the
    numbers that are free by FORMAT.md: an isolating interval may move while it still isolates
    the same root (then the verdict is valid exactly when it does)."""
    doc = _set(BASE, path, str(F(_path_get(BASE, path)) + delta))
    r = report(doc)
    if path[:5] == ("witness", "turns", 0, "field", "interval"):
        lo, hi = (F(x) for x in _path_get(doc, path[:-1]))
        # 8x² − 1 has the roots ±√2/4; valid iff the interval holds √2/4 only
        ok = _below_root(lo) and not _below_root(hi) and _below_root(-lo)
        assert (r.verdict == "valid") == ok, (path, delta, r.violations)
    elif "interval" in path:                         # an outcome entry's own interval
        assert r.verdict in ("valid", "invalid")
    elif "approx" not in path:
        assert r.verdict != "valid", (path, delta)


def _path_get(doc, path):
    node = doc
    for k in path:
        node = node[k]
    return node


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from([p for p in PATHS if "interval" not in p
                                           and "approx" not in p]),
                          st.fractions(min_value=-1, max_value=1, max_denominator=50)
                          .filter(lambda d: d != 0)), min_size=2, max_size=4,
                unique_by=lambda t: t[0]))
def test_several_simultaneous_perturbations_are_rejected(changes):
    doc = BASE
    for path, delta in changes:
        doc = _set(doc, path, str(F(_path_get(doc, path)) + delta))
    assert report(doc).verdict != "valid", changes
