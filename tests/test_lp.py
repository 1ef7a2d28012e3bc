"""The exact LP engine: degenerate, infeasible, unbounded and badly scaled LPs, certificates
re-verified exactly (and by the standard-library checker), cross-checked against sympy's exact
simplex on small random LPs."""
from __future__ import annotations

import json
import signal
from contextlib import contextmanager
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exactassign.certificates.check_cardinal import check_cardinal
from exactassign.errors import InputError
from exactassign.lp import (INFEASIBLE, OPTIMAL, UNBOUNDED, LinearProgram, LPBuilder, LPResult,
                            lp_to_json, result_to_json, solve, verify)
from exactassign.numbers import Q, from_sympy, to_sympy

BOTH = pytest.mark.parametrize("use_float", [True, False], ids=["float-basis", "exact-only"])


def lp_of(c, rows, senses, rhs, free=(), maximize=False):
    return LinearProgram.create(c, rows, senses, rhs, free=free, maximize=maximize)


def certificate(lp, r):
    outcome, witness = result_to_json(lp, r)
    return {"format": "exactassign.certificate", "version": 1, "claim": f"lp.{r.status}",
            "instance": lp_to_json(lp), "outcome": outcome, "witness": witness,
            "producer": {"package": "exactassign"}}


def solved(lp, use_float=True):
    r = solve(lp, use_float=use_float)
    assert verify(lp, r) == [], r
    assert check_cardinal(json.loads(json.dumps(certificate(lp, r)))) == []
    return r


# ----------------------------------------------------------------------------- basics
@BOTH
def test_small_optimum_with_duals(use_float):
    lp = lp_of([1, 1], [[1, 2], [3, 1]], ["<=", "<="], [4, 6], maximize=True)
    r = solved(lp, use_float)
    assert (r.status, r.value, r.x, r.y) == (OPTIMAL, Q(14, 5), (Q(8, 5), Q(6, 5)),
                                             (Q(2, 5), Q(1, 5)))


@BOTH
def test_beale_cycling_example(use_float):
    """Beale (1955): Dantzig's rule cycles forever from the slack basis without anti-cycling."""
    c = [0, 0, 0, "-3/4", 20, "-1/2", 6]
    rows = [[1, 0, 0, "1/4", -8, -1, 9], [0, 1, 0, "1/2", -12, "-1/2", 3],
            [0, 0, 1, 0, 0, 1, 0]]
    lp = lp_of(c, rows, ["=", "=", "="], [0, 0, 1])
    r = solved(lp, use_float)
    assert r.status == OPTIMAL and r.value == Q(-5, 4)


@BOTH
def test_degenerate_assignment_lp(use_float):
    """An n × n assignment LP with all-equal costs: every vertex is optimal and degenerate."""
    n = 6
    b = LPBuilder()
    x = {(i, j): b.variable() for i in range(n) for j in range(n)}
    for i in range(n):
        b.constraint({x[i, j]: 1 for j in range(n)}, "=", 1)
        b.constraint({x[j, i]: 1 for j in range(n)}, "=", 1)
    b.maximize({v: 1 for v in x.values()})
    r = solved(b.build(), use_float)
    assert r.value == n


@BOTH
def test_infeasible(use_float):
    lp = lp_of([1, 1], [[1, 1], [1, -1], [1, 0]], [">=", "=", "<="], [3, 0, 1])
    r = solved(lp, use_float)
    assert r.status == INFEASIBLE and r.x is None


@BOTH
def test_infeasible_equalities_with_free_variables(use_float):
    # 3x0 + x1 + 3x2 = 3, -2x0 = -1, x0 - x1 - 2x2 = 0, 2x1 = 0 (x0, x1 free): forces x2 = 1/4
    # and then 9/4 = 3.  sympy 1.14's simplex answers "optimal" here (sympy issue #28089).
    lp = lp_of([-2, -3, 0], [[3, 1, 3], [-2, 0, 0], [1, -1, -2], [0, 2, 0]], ["="] * 4,
               [3, -1, 0, 0], free=[0, 1], maximize=True)
    assert solved(lp, use_float).status == INFEASIBLE


@BOTH
def test_trivially_infeasible_zero_row(use_float):
    lp = lp_of([1, 0], [[0, 0], [2, 0]], ["=", ">="], [-1, -2])
    assert solved(lp, use_float).status == INFEASIBLE


@BOTH
def test_unbounded(use_float):
    lp = lp_of([1, 3, 2, -2, -1], [[1, 2, -1, 3, 2], [-1, 2, 3, 0, -1], [0, -2, 3, -1, -1]],
               ["=", "<=", ">="], [2, -2, 4], free=[1, 2])
    r = solved(lp, use_float)
    assert r.status == UNBOUNDED and r.ray is not None


@BOTH
def test_unbounded_maximum_without_rows(use_float):
    lp = lp_of([1, 0], [], [], [], maximize=True)
    r = solved(lp, use_float)
    assert r.status == UNBOUNDED and r.ray == (Q(1), Q(0))


def test_no_rows_and_no_variables():
    assert solved(lp_of([2, 1], [], [], [])).value == 0
    assert solved(lp_of([], [[], []], ["<=", ">="], [1, -1])).status == OPTIMAL
    assert solved(lp_of([], [[]], [">="], [1])).status == INFEASIBLE


# ----------------------------------------------------------------------------- scaling
def test_infeasible_below_float_tolerance():
    """x >= 1 and x <= 1 - 10^-12: HiGHS's tolerances call it feasible; exactly it is not."""
    lp = lp_of([1], [[1], [1]], [">=", "<="], [1, 1 - Fraction(1, 10 ** 12)])
    r = solved(lp)
    assert r.status == INFEASIBLE


def test_optimum_differs_from_float_optimum_by_1e_minus_20():
    eps = Fraction(1, 10 ** 20)
    lp = lp_of([1, 1], [[1 + eps, 0], [0, 1], [1, 1]], ["<=", "<=", "<="], [1, 1, 2 - eps],
               maximize=True)
    r = solved(lp)
    assert r.value == Q(2) - Q(1, 10 ** 20)


def test_badly_scaled_coefficients():
    big, tiny = 10 ** 30, Fraction(1, 10 ** 30)
    lp = lp_of([big, tiny, 1], [[big, 0, 1], [0, tiny, 1], [1, 1, 1]], ["<=", "<=", ">="],
               [big, tiny, 1], maximize=True)
    r = solved(lp)
    assert r.status == OPTIMAL


def test_numbers_beyond_the_float_range_skip_the_hint():
    huge = 10 ** 400
    lp = lp_of([1, 1], [[huge, 1], [1, huge]], ["<=", "<="], [huge, huge], maximize=True)
    r = solved(lp)
    assert r.method == "exact-simplex" and r.value == Q(2 * huge, huge + 1)


# ----------------------------------------------------------------------------- proofs
def test_verify_rejects_wrong_proofs():
    lp = lp_of([1, 1], [[1, 2], [3, 1]], ["<=", "<="], [4, 6], maximize=True)
    r = solve(lp)
    assert verify(lp, LPResult(OPTIMAL, r.value, r.x, (Q(1, 2), Q(1, 5)), None, "", 0, ""))
    assert verify(lp, LPResult(OPTIMAL, r.value + 1, r.x, r.y, None, "", 0, ""))
    assert verify(lp, LPResult(OPTIMAL, r.value, (Q(2), Q(2)), r.y, None, "", 0, ""))
    inf = lp_of([1], [[1], [1]], [">=", "<="], [2, 1])
    assert verify(inf, LPResult(INFEASIBLE, None, None, (Q(1), Q(1)), None, "", 0, ""))
    assert verify(inf, LPResult(INFEASIBLE, None, None, (Q(1), Q(-2)), None, "", 0, ""))
    assert verify(inf, LPResult(INFEASIBLE, None, None, (Q(1), Q(-1)), None, "", 0, "")) == []


def test_checker_rejects_mutated_lp_certificates():
    lp = lp_of([1, 1], [[1, 2], [3, 1]], ["<=", "<="], [4, 6], maximize=True)
    cert = json.loads(json.dumps(certificate(lp, solve(lp))))
    cert["witness"]["duals"]["r1"] = "1/3"
    assert check_cardinal(cert)
    inf = lp_of([1], [[1], [1]], [">=", "<="], [2, 1])
    cert = json.loads(json.dumps(certificate(inf, solve(inf))))
    cert["witness"]["multipliers"] = {"r1": "1", "r2": "-1/2"}
    assert {c for c, _, _ in check_cardinal(cert)} == {"lp.farkas.column"}
    cert["witness"]["multipliers"] = {"r1": "0"}
    assert {c for c, _, _ in check_cardinal(cert)} == {"lp.farkas.rhs"}
    cert["witness"]["multipliers"] = {"nope": "1"}
    assert check_cardinal(cert)[0][0] == "malformed.label"


def test_malformed_lp_input():
    with pytest.raises(InputError):
        lp_of([1], [[1]], ["<"], [1])
    with pytest.raises(InputError):
        lp_of([1], [[0.5]], ["<="], [1])          # binary floats are refused


# ----------------------------------------------------------------------------- vs sympy
class _Timeout(Exception):
    pass


@contextmanager
def time_limit(seconds: int):
    def handler(signum, frame):
        raise _Timeout
    old = signal.signal(signal.SIGALRM, handler)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def sympy_answer(c, rows, senses, rhs, free, maximize):
    """sympy's exact simplex on the same LP (equalities as two inequalities, free variables
    split), or None when sympy does not finish in time (sympy issue #28089: it may loop)."""
    import sympy
    from sympy.solvers.simplex import InfeasibleLPError, UnboundedLPError, linprog
    n = len(c)
    A, b = [], []
    for row, s, r in zip(rows, senses, rhs):
        if s in ("<=", "="):
            A.append(list(row))
            b.append(r)
        if s in (">=", "="):
            A.append([-a for a in row])
            b.append(-r)
    if not A:
        A, b = [[0] * n], [1]
    A = [row + [-row[j] for j in free] for row in A]
    cc = [-x for x in c] if maximize else list(c)
    cc += [-cc[j] for j in free]
    try:
        with time_limit(5):
            opt, x = linprog(sympy.Matrix([cc]), sympy.Matrix(A), sympy.Matrix(b))
    except InfeasibleLPError:
        return "infeasible", None, None
    except UnboundedLPError:
        return "unbounded", None, None
    except _Timeout:
        return None
    xs = [from_sympy(v) for v in x]
    xu = [xs[j] - (xs[n + free.index(j)] if j in free else 0) for j in range(n)]
    return "optimal", from_sympy(-opt if maximize else opt), (xs, xu)


@st.composite
def small_lps(draw):
    n = draw(st.integers(1, 4))
    m = draw(st.integers(0, 4))
    coef = st.sampled_from([0, 0, 1, -1, 2, -2, 3, Fraction(1, 2), Fraction(-3, 2)])
    c = [draw(st.integers(-3, 3)) for _ in range(n)]
    rows = [[draw(coef) for _ in range(n)] for _ in range(m)]
    senses = [draw(st.sampled_from(["<=", ">=", "="])) for _ in range(m)]
    rhs = [draw(st.integers(-3, 4)) for _ in range(m)]
    free = sorted(draw(st.sets(st.integers(0, n - 1), max_size=n)))
    return c, rows, senses, rhs, free, draw(st.booleans())


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_lps())
def test_cross_check_against_sympy_simplex(data):
    c, rows, senses, rhs, free, maximize = data
    lp = lp_of(c, rows, senses, rhs, free, maximize)
    mine = [solved(lp, use_float=u) for u in (True, False)]
    assert mine[0].status == mine[1].status and mine[0].value == mine[1].value
    r = mine[0]
    theirs = sympy_answer(c, rows, senses, rhs, free, maximize)
    if theirs is None:
        return
    status, value, point = theirs
    if status == OPTIMAL:
        xs, xu = point
        feasible = all(v >= 0 for v in xs) and all(
            (act <= b if s == "<=" else act >= b if s == ">=" else act == b)
            for row, s, b in zip(rows, senses, rhs)
            for act in [sum((Q(a.numerator, a.denominator) if isinstance(a, Fraction) else Q(a))
                            * v for a, v in zip(row, xu))])
        if not feasible:
            # sympy 1.14 sometimes returns an infeasible point as "optimal" (issue #28089);
            # then our answer must not be "optimal" with a better... nothing to compare
            return
        # sympy's point is feasible: we cannot be infeasible, and our optimum is at least as good
        assert r.status != INFEASIBLE, "sympy found a feasible point of an LP we proved infeasible"
        theirs_value = lp.objective_value(xu)
        if r.status == OPTIMAL:
            assert (r.value >= theirs_value) if maximize else (r.value <= theirs_value)
            assert value == theirs_value
            assert value == r.value, "sympy's feasible optimum differs from our proven optimum"
        return
    if status == UNBOUNDED and r.status == INFEASIBLE:
        return     # sympy 1.14 reports some infeasible LPs as unbounded (our Farkas vector holds)
    if status == INFEASIBLE and r.status != INFEASIBLE:
        return     # ... and some feasible ones as infeasible (our verified x is a feasible point)
    assert status == r.status


def test_sympy_conversion_helpers():
    assert from_sympy(to_sympy(Q(-7, 3))) == Q(-7, 3)
