"""Exact HZ equilibria (``hz``), sequential pseudomarkets (``sp``) and real algebraic numbers.

Every rational equilibrium is re-verified independently with the ``hz-equilibrium`` property
(``properties/cardinal.py``: an exact LP for supporting prices given the allocation)."""
from __future__ import annotations

import json

import pytest
from flint import fmpq

from exactassign.algebraic import NumberField, RealAlgebraic, number_json
from exactassign.cli import main
from exactassign.economy import Economy
from exactassign.errors import LimitExceeded, ParameterError
from exactassign.mechanisms import REGISTRY
from exactassign.mechanisms.pseudomarket import (hylland_zeckhauser, hz_equilibrium,
                                                 sequential_pseudomarket)
from exactassign.properties.cardinal import PriceSupport
from exactassign.properties.cardinal import hz_equilibrium as hz_property


def economy(vals, supply=None):
    agents = [f"x{i + 1}" for i in range(len(vals))]
    objects = "abcd"[:len(vals[0])]
    return Economy.create(agents, list(objects),
                          valuations={a: dict(zip(objects, row)) for a, row in zip(agents, vals)},
                          supply=dict(zip(objects, supply)) if supply else None)


def assert_hz(e, alloc, budgets=None):
    for i in range(e.n):
        assert sum(alloc.rows[i], fmpq(0)) == 1
    assert alloc.is_feasible(e)
    r = hz_property(e, alloc, budgets)
    assert isinstance(r, PriceSupport), r


# --------------------------------------------------------------------------- algebraic numbers
def test_number_field_sqrt2():
    K = NumberField.from_poly([-2, 0, 1], 1, 2)
    a = K.gen()
    assert K.sign(K.mul(a, a) - 2) == 0
    assert K.sign(a - fmpq(141421, 100000)) == 1
    assert K.sign(a - fmpq(141422, 100000)) == -1
    inv = K.inv(a)                       # 1/√2 = √2/2
    assert K.sign(inv - a * fmpq(1, 2)) == 0
    x = K.value(inv)
    assert isinstance(x, RealAlgebraic)
    assert x.poly == (-1, 0, 2) and x.sign() == 1
    assert x.compare(fmpq(7, 10)) == 1 and x.compare(fmpq(71, 100)) == -1
    j = number_json(x)
    assert j["algebraic"]["poly"] == ["-1", "0", "2"]
    lo, hi = (fmpq(*map(int, s.split("/"))) if "/" in s else fmpq(int(s))
              for s in j["algebraic"]["interval"])
    assert 0 <= lo < hi and lo * lo < fmpq(1, 2) < hi * hi and j["approx"].startswith("0.7071067811")
    assert K.value(K.mul(a, a)) == 2     # rational elements come back as fmpq
    assert number_json(fmpq(-2, 3)) == "-2/3"


def test_number_field_cubic():
    # α = real root of t^3 - t - 1 (plastic number, ~1.3247)
    K = NumberField.from_poly([-1, -1, 0, 1], 1, 2)
    a = K.gen()
    a2 = K.mul(a, a)
    assert K.sign(K.mul(a2, a) - a - 1) == 0
    assert K.sign(a2 - fmpq(17548, 10000)) == 1 and K.sign(a2 - fmpq(17549, 10000)) == -1
    v = K.value(a2)
    assert len(v.poly) == 4 and v.compare(fmpq(7, 4)) == 1


# --------------------------------------------------------------------------- hz
@pytest.mark.parametrize("vals,supply", [
    ([[3, 2, 1], [3, 1, 2], [1, 3, 2]], None),
    ([[1, 0], [1, 0]], None),
    ([[2, 9, 1], [4, 1, 7], [7, 7, 10]], None),
    ([[7, 4, 3], [9, 1, 5], [0, 0, 0]], None),
    ([[3, 7, 7], [8, 3, 5], [3, 10, 3]], None),
    ([[3, 1], [1, 3], [2, 2]], [2, 1]),            # slack supply
])
def test_hz_equal_budgets_verified(vals, supply):
    e = economy(vals, supply)
    r = REGISTRY["hz"].run(e)
    assert_hz(e, r.allocation)
    t = r.trace_json()
    assert len(t) == 1 and set(t[0]["prices"]) == set(e.objects)
    json.dumps(r.trace_json())


def test_hz_given_budgets_verified():
    e = economy([[3, 2, 1], [3, 1, 2], [1, 3, 2]])
    budgets = {"x1": fmpq(2), "x2": fmpq(1), "x3": fmpq(1)}
    r = hylland_zeckhauser(e, budgets=budgets)
    assert_hz(e, r.allocation, budgets)
    assert r.params["budgets"] == "2,1,1"
    r2 = REGISTRY["hz"].run(e, {"budgets": "2,1,1"})
    assert r2.allocation == r.allocation


def test_hz_prices_are_exact_and_budgets_hold():
    eq = hz_equilibrium([[2, 1], [1, 2]], [1, 1], [1, 1])
    assert eq.rational
    for row in eq.amounts:
        assert sum((p * x for p, x in zip(eq.prices, row)), fmpq(0)) <= 1


def test_hz_limit_refused():
    with pytest.raises(LimitExceeded):
        hz_equilibrium([[1] * 4] * 6, [1] * 4, [1] * 6)
    with pytest.raises(LimitExceeded):
        hz_equilibrium([[1] * 5] * 2, [1] * 5, [1] * 2)


def test_hz_cli_exit_3(tmp_path, capsys):
    e = {"format": "exactassign.economy", "version": 1,
         "agents": [str(i) for i in range(6)], "objects": list("abcd"),
         "supply": {"d": 3},
         "valuations": {str(i): {"a": 3, "b": 2, "c": i % 3, "d": 1} for i in range(6)}}
    p = tmp_path / "big.json"
    p.write_text(json.dumps(e))
    assert main(["run", "hz", str(p)]) == 3
    assert "limit" in capsys.readouterr().err


def test_hz_cli_json(tmp_path, capsys):
    e = {"format": "exactassign.economy", "version": 1, "agents": ["1", "2"],
         "objects": ["a", "b"], "valuations": {"1": {"a": 2, "b": 1}, "2": {"a": 1, "b": 2}}}
    p = tmp_path / "e.json"
    p.write_text(json.dumps(e))
    assert main(["run", "hz", str(p), "--format", "json", "--trace"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["allocation"] == {"1": {"a": "1"}, "2": {"b": "1"}}
    assert "prices" in out["trace"][0]


# --------------------------------------------------------------------------- sp
def test_sp_one_group_is_hz():
    e = economy([[3, 2, 1], [3, 1, 2], [1, 3, 2]])
    a = REGISTRY["sp"].run(e, {"partition": "x1,x2,x3"})
    b = REGISTRY["hz"].run(e)
    assert a.allocation == b.allocation
    assert_hz(e, a.allocation)


def test_sp_singletons_is_serial_dictatorship():
    vals = [[3, 2, 1], [3, 1, 2], [1, 3, 2]]
    e = economy(vals)
    r = REGISTRY["sp"].run(e, {"partition": "x2;x3;x1"})
    # x2 takes a, x3 then takes b, x1 gets c
    assert r.allocation.to_mapping() == {"x1": {"c": "1"}, "x2": {"a": "1"}, "x3": {"b": "1"}}
    sd = REGISTRY["sd"].run(e, {"order": "x2,x3,x1"})
    assert sd.allocation == r.allocation
    t = r.trace_json()
    assert [s["group"] for s in t] == [["x2"], ["x3"], ["x1"]]
    assert set(t[1]["supply"]) == {"b", "c"}


def test_sp_two_groups_trace():
    e = economy([[3, 2, 1, 0], [3, 2, 1, 0], [0, 1, 3, 2]], [1, 1, 1, 1])
    r = sequential_pseudomarket(e, partition=[("x1", "x2"), ("x3",)])
    rows = r.allocation.to_mapping()
    # the first turn's HZ market splits a and b between x1 and x2; x3 then takes c
    assert rows["x3"] == {"c": "1"}
    sub = economy([[3, 2, 1, 0], [3, 2, 1, 0]])
    from exactassign.allocation import Allocation
    first = Allocation.from_mapping(sub, {"x1": rows["x1"], "x2": rows["x2"]})
    assert_hz(sub, first)
    assert len(r.trace) == 2 and r.params["partition"] == "x1,x2;x3"


def test_sp_partition_errors():
    e = economy([[1, 0], [0, 1]])
    with pytest.raises(ParameterError):
        REGISTRY["sp"].run(e, {"partition": "x1"})
    with pytest.raises(ParameterError):
        REGISTRY["sp"].run(e, {"partition": "x1;x1,x2"})
    with pytest.raises(ParameterError):
        REGISTRY["sp"].run(e, {"partition": "x1;zz"})


# --------------------------------------------------------------------------- an irrational HZ
IRRATIONAL = [[3, 6, 0, 8], [3, 7, 7, 8], [3, 5, 3, 10], [3, 7, 4, 0]]   # random 4×4, equal budgets


def _radical(x):
    """An exact sympy radical for an fmpq or a quadratic RealAlgebraic (independent check)."""
    import sympy
    if isinstance(x, fmpq):
        return sympy.Rational(int(x.p), int(x.q))
    y = sympy.Symbol("y")
    lo, hi = (sympy.Rational(int(z.p), int(z.q)) for z in (x.lo, x.hi))
    roots = [r for r in sympy.solve(sum(c * y ** k for k, c in enumerate(x.poly)), y)
             if r.is_real and lo <= r <= hi]
    assert len(roots) == 1
    return roots[0]


def test_hz_irrational_equilibrium_checked_with_radicals():
    import sympy
    eq = hz_equilibrium(IRRATIONAL, [1] * 4, [1] * 4)
    assert not eq.rational
    assert any(isinstance(x, RealAlgebraic) for row in eq.amounts for x in row)
    P = [_radical(p) for p in eq.prices]
    Q = [[_radical(x) for x in row] for row in eq.amounts]
    assert all(p >= 0 for p in P)
    for j in range(4):                                  # market clearing, all objects exhausted
        assert sympy.simplify(sum(Q[i][j] for i in range(4)) - 1) == 0
    for i, v in enumerate(IRRATIONAL):
        assert sympy.simplify(sum(Q[i]) - 1) == 0
        assert sympy.simplify(sum(p * q for p, q in zip(P, Q[i])) - 1) == 0   # budget binds
        S = [j for j in range(4) if Q[i][j] != 0]
        r, s = next((r, s) for r in S for s in S if v[r] > v[s])
        alpha = sympy.simplify((P[r] - P[s]) / (v[r] - v[s]))
        assert alpha > 0
        for j in range(4):                              # affine support: P >= α v + β
            d = sympy.simplify(P[j] - P[s] - alpha * (v[j] - v[s]))
            assert d == 0 if j in S else d >= 0
    # the mechanism returns the same irrational allocation; computing with it is refused
    from exactassign.errors import IrrationalError
    result = REGISTRY["hz"].run(economy(IRRATIONAL))
    assert not result.allocation.is_rational
    assert [[_radical(x) for x in row] for row in result.allocation.rows] == Q
    with pytest.raises(IrrationalError):
        result.allocation.row_sum(0)


# --------------------------------------------------------------------------- the seed's Theorem 1
THEOREM1 = {"x1": [3, 2, 1, 0], "x2": [3, 2, 1, 0], "y1": [3, 2, 0, 1], "y2": [3, 2, 0, 1],
            "z": [0, 0, 2, 1]}


def theorem1_economy():
    return Economy.create(list(THEOREM1), list("abcd"), supply={"d": 2},
                          valuations={a: dict(zip("abcd", v)) for a, v in THEOREM1.items()})


def test_sp_theorem1_partition_gives_the_seed_assignment():
    e = theorem1_economy()
    r = REGISTRY["sp"].run(e, {"partition": "x1,x2,y1,y2;z"})
    q = r.allocation.to_mapping()
    assert q["x1"] == q["x2"] == {"a": "1/4", "b": "1/4", "c": "1/2"}
    assert q["y1"] == q["y2"] == {"a": "1/4", "b": "1/4", "d": "1/2"}
    assert q["z"] == {"d": "1"}
    assert [t["group"] for t in r.trace_json()] == [["x1", "x2", "y1", "y2"], ["z"]]


def test_hz_theorem1_economy_5x4_verified():
    e = theorem1_economy()
    r = REGISTRY["hz"].run(e)
    assert_hz(e, r.allocation)


def test_time_guard_and_domain():
    with pytest.raises(LimitExceeded):
        hz_equilibrium([[3, 2, 1], [3, 1, 2], [1, 3, 2]], [1, 1, 1], [1, 1, 1], time_limit=1e-6)
    from exactassign.errors import DomainError
    e = Economy.create(["1", "2"], ["a", "b"], preferences={"1": ["a"], "2": ["a", "b"]},
                       valuations={"1": {"a": 1, "b": 0}, "2": {"a": 2, "b": 1}})
    with pytest.raises(DomainError):
        REGISTRY["hz"].run(e)
    with pytest.raises(DomainError):                   # short supply: not the HZ model
        hz_equilibrium([[1, 0], [1, 0], [0, 1]], [1, 1], [1, 1, 1])


def test_time_limit_interrupts_one_long_groebner_call(monkeypatch):
    """A single sympy call cannot check the soft deadline: the SIGALRM guard stops it."""
    import time
    import sympy

    def endless(*args, **kwargs):
        while True:
            time.sleep(0.01)
    monkeypatch.setattr(sympy, "groebner", endless)
    v = [[fmpq(x) for x in row] for row in ([3, 6, 0, 8], [3, 7, 7, 8], [3, 5, 3, 10],
                                              [3, 7, 4, 0])]
    start = time.monotonic()
    with pytest.raises(LimitExceeded, match="time limit"):
        hz_equilibrium(v, [fmpq(1)] * 4, [fmpq(1)] * 4, time_limit=0.5)
    assert time.monotonic() - start < 5
    import signal
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)     # no timer left behind
