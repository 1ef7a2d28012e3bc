"""Exact Hylland–Zeckhauser equilibria (``hz``) and sequential pseudomarkets (``sp``).

Model (``shared/spec/pseudomarkets.md`` §5; Hylland and Zeckhauser 1979): agents x with
valuations v_x, supply ω (Σ_j ω_j >= n), budgets b_x > 0 (default 1 each).  At prices P >= 0 the
demand of x is the set of *cheapest* maximisers of v_x·q over {q ∈ Δ : P·q <= b_x}.  An
equilibrium is (P, Q) with q_x in the demand of x, Σ_x q_x <= ω and P_j > 0 ⇒ Σ_x q_xj = ω_j.

**Demand, re-derived.**  The LP max{v·q : Σq = 1, P·q <= b, q >= 0} has the dual
min{μ + λb : μ + λP_j >= v_j, λ >= 0}.  If x is *satiated* (supp q_x ⊆ M_x = argmax v_x) then q_x
is a maximiser, and it is a cheapest one iff supp q_x ⊆ argmin_{j ∈ M_x} P_j =: cost c_x, and
affordable iff c_x <= b_x.  Otherwise every optimal dual has λ > 0 (λ = 0 would force
μ >= max v, i.e. utility max v), so by complementary slackness the budget binds (P·q_x = b_x,
for every optimal q: all maximisers cost b_x, the cheapest-bundle rule is void) and, with
α = 1/λ > 0, β = −μ/λ:  P_j = α v_xj + β on supp q_x,  P_j >= α v_xj + β elsewhere.  Conversely
these conditions give a dual solution of equal value, so q_x is optimal.

**Configurations.**  A configuration fixes each agent's support S_x (x is satiated iff
S_x ⊆ M_x) and the set Z of objects priced 0 that may keep slack supply.  Then the equalities are
polynomial over Q in the unknowns P_j (j ∉ Z) and q_xj (j ∈ S_x): Σ_j q_xj = 1; Σ_x q_xj = ω_j for
j ∉ Z; for a non-satiated x, collinearity of the points (v_xj, P_j), j ∈ S_x (linear in P) and
the budget Σ_j P_j q_xj = b_x (bilinear); for a satiated x, P constant on S_x.  The inequalities
(q >= 0, P >= 0, Σ_x q_xj <= ω_j on Z, α_x > 0 and P_j >= α v_xj + β off the support, c_x <= b_x
and P_j >= c_x on M_x) are checked afterwards, exactly.

**Solving a configuration exactly.**  Equilibria need not be isolated (e.g. two satiated agents
can split their top object in many ways); when the Gröbner basis (sympy, over QQ) is not
zero-dimensional, unknowns are fixed one at a time to rational approximations of the numeric hint
(keeping the system consistent) until it is.  Then a separating linear form t = Σ c_i u_i is
adjoined and a lex Gröbner basis in *shape position* (u_i = g_i(t), f(t) = 0) is computed (by
FGLM from the grevlex basis: direct lex Buchberger took minutes on some 4×4 instances); for
each irreducible factor of f (rational roots first) and each real root α (sympy's isolating
intervals) the point lies in Q(α) (:mod:`exactassign.algebraic`), where every inequality is
decided exactly.  The first point that passes is the equilibrium; the field is then presented
by the simplest irrational value (smallest minimal polynomial) as its generator.

**Choosing configurations.**  Numeric-then-exact: an entropy-smoothed tâtonnement (numpy, floats
only as a hint; demand q_xj ∝ exp((v_xj − λ_x P_j)/ε) with the budget multiplier λ_x found by
bisection, prices moved by excess demand, ε annealed) gives approximate (P, Q); its
configurations (read with several thresholds) are tried first.  The fallback enumerates all
configurations, nearest to the hint first.  Everything is guarded by a wall-clock limit.

**Limits.**  n·m <= 20 with m <= 4 (so 6×3, 4×4 and 5×4), and ``time_limit`` seconds (default 120);
beyond either the answer is :class:`~exactassign.errors.LimitExceeded` (exit code 3).
Irrational prices and amounts are :class:`~exactassign.algebraic.RealAlgebraic` values in the
result (an :class:`~exactassign.allocation.Allocation` may hold them; computing with them is
refused with an :class:`~exactassign.errors.IrrationalError`); each equilibrium also keeps its
field Q(α), every number as an element of it and the supporting (α_x, β_x), from which the
``hz.outcome``/``sp.outcome`` certificates are written.  A sequential pseudomarket whose turn
leaves an irrational remaining supply for a later turn is refused (IrrationalError): the solver
works over Q.
"""
from __future__ import annotations

import contextlib
import itertools
import random
import signal
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flint import fmpq, fmpq_poly

from .. import preferences as prefs
from ..algebraic import NumberField, number_json
from ..allocation import Allocation
from ..errors import DomainError, IrrationalError, LimitExceeded, ParameterError
from ..numbers import ONE, ZERO, canonical, from_float_hint, parse, to_float
from .base import Mechanism, MechanismResult, register
from .params import agent_values, first_repeat

__all__ = ["HZEquilibrium", "hz_equilibrium", "hylland_zeckhauser", "sequential_pseudomarket",
           "SPTurn", "MAX_CELLS", "MAX_OBJECTS"]

MAX_CELLS = 20      # n·m
MAX_OBJECTS = 4
DEFAULT_TIME_LIMIT = 120.0

Number = Any  # fmpq | RealAlgebraic


@dataclass(frozen=True)
class HZEquilibrium:
    """An exact HZ equilibrium on a sub-market: ``prices[j]``, ``amounts[i][j]`` (``fmpq`` or
    :class:`RealAlgebraic`), the configuration used and how it was found."""

    agents: tuple[str, ...]
    objects: tuple[str, ...]
    budgets: tuple[fmpq, ...]
    prices: tuple[Number, ...]
    amounts: tuple[tuple[Number, ...], ...]
    supports: tuple[tuple[str, ...], ...]
    rational: bool
    method: str           # "hint" or "enumeration"
    configurations_tried: int
    # the exact data behind the values: Q(α) and every number as an element of it (fmpq_poly)
    numfield: Any = field(default=None, compare=False, repr=False)  # NumberField
    support: tuple = field(default=(), compare=False, repr=False)  # per agent None | (α, β)
    elements: tuple = field(default=((), ()), compare=False, repr=False)  # (P, Q) in the field

    def field_json(self) -> dict | None:
        """Q(α) as ``{"poly": [integer coefficients], "interval": [lo, hi]}`` (None when every
        number is rational)."""
        K = self.numfield
        if self.rational or K is None or K.degree < 2:
            return None
        den = K.f.denom()
        return {"poly": [canonical(fmpq(c * den)) for c in K.f.coeffs()],
                "interval": [canonical(K.lo), canonical(K.hi)]}

    def element_json(self, a: fmpq_poly) -> Any:
        """An element h(α) of the field: its rational value, or ``{"field_element": [c0, c1,
        ...]}`` (rational coefficients of h, lowest degree first)."""
        K = self.numfield
        a = K.reduce(a)
        if a.degree() <= 0:
            return canonical(K.rational(a))
        return {"field_element": [canonical(c) for c in a.coeffs()]}

    def to_json(self) -> dict:
        return {"agents": list(self.agents), "budgets": [canonical(b) for b in self.budgets],
                "prices": {o: number_json(p) for o, p in zip(self.objects, self.prices)},
                "allocation": {a: {o: number_json(x) for o, x in zip(self.objects, row)
                                   if not (isinstance(x, fmpq) and x == 0)}
                               for a, row in zip(self.agents, self.amounts)},
                "rational": self.rational}


# ================================================================ numeric hint (floats only)
def _numeric_hint(v: list[list[float]], w: list[float], b: list[float], deadline: float,
                  rng: random.Random):
    """Approximate equilibria (P, Q), floats only: smoothed demand (q_xj ∝ exp((v_xj −
    λ_x P_j)/ε), the budget multiplier λ_x >= 0 by bisection) and a projected Gauss–Newton
    solve of the excess-demand equations (least squares: with Σω = n they have rank m − 1),
    continued along a decreasing ε.  Yields one hint per starting point."""
    import numpy as np
    V = np.array(v, dtype=float)
    W = np.array(w, dtype=float)
    B = np.array(b, dtype=float)
    n, m = V.shape
    V = V / max(float(V.max() - V.min()), 1e-9)
    slack = W.sum() > n + 1e-9

    def demand(P, eps):
        def dem(lam):
            # the δ term makes ties at the top go to the cheapest object (HZ's rule)
            z = (V - (lam[:, None] + min(20 * eps, 0.01)) * P[None, :]) / eps
            z -= z.max(axis=1, keepdims=True)
            e = np.exp(z)
            return e / e.sum(axis=1, keepdims=True)
        lo = np.zeros(n)
        need = (dem(lo) @ P) > B
        if not need.any():
            return dem(lo)
        hi = np.ones(n)
        for _ in range(60):
            grow = need & ((dem(hi) @ P) > B)
            if not grow.any():
                break
            hi = np.where(grow, hi * 4, hi)
        for _ in range(50):
            mid = (lo + hi) / 2
            over = (dem(mid) @ P) > B
            lo = np.where(need & over, mid, lo)
            hi = np.where(need & ~over, mid, hi)
        return dem(np.where(need, hi, 0.0))

    def resid(P, eps):
        z = demand(P, eps).sum(axis=0) - W
        if slack:
            z = np.where(P > 1e-12, z, np.maximum(z, 0.0))
        return z

    # start where budgets bind (at P <= b everyone is satiated and demand ignores prices):
    # prices proportional to popularity per unit of supply, then random perturbations
    e = np.exp((V - V.max(axis=1, keepdims=True)) / 0.1)
    pop = (e / e.sum(axis=1, keepdims=True)).sum(axis=0) / W
    base = 2.0 * float(B.mean()) * pop / float(pop.mean())
    starts = [base]
    for _ in range(5):
        starts.append(base * np.array([0.3 + 1.4 * rng.random() for _ in range(m)]))
    for P in starts:
        P = P.copy()
        for eps in (0.3, 0.1, 0.03, 0.01, 0.003, 0.001, 3e-4, 1e-4):
            for _ in range(40):
                if time.monotonic() > deadline:
                    break
                r = resid(P, eps)
                nr = float(np.abs(r).max())
                if nr < 1e-10:
                    break
                h = 1e-7 * max(1.0, float(P.max()))
                J = np.empty((m, m))
                for k in range(m):
                    Pk = P.copy()
                    Pk[k] += h
                    J[:, k] = (resid(Pk, eps) - r) / h
                d = np.linalg.lstsq(J, -r, rcond=1e-10)[0]
                s = 1.0
                while s > 1e-4:
                    Pn = np.maximum(P + s * d, 0.0)
                    if float(np.abs(resid(Pn, eps)).max()) < nr:
                        P = Pn
                        break
                    s /= 2
                else:
                    break
        Q = demand(P, 1e-4)
        yield ([float(x) for x in P], [[float(x) for x in row] for row in Q])


# ================================================================ exact configuration solving
class _Deadline(Exception):
    pass


@contextlib.contextmanager
def _hard_deadline(deadline: float):
    """Interrupt the solver at ``deadline`` (time.monotonic()) even inside one long sympy call
    (a Groebner basis cannot check the soft deadline itself): a SIGALRM timer raising
    :class:`_Deadline`, where signals are available (POSIX, main thread); elsewhere only the
    soft checks between calls apply.  The previous handler and timer are restored."""
    usable = (hasattr(signal, "setitimer") and
              threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def fire(signum, frame):
        raise _Deadline()
    old_handler = signal.signal(signal.SIGALRM, fire)
    old_timer = signal.setitimer(signal.ITIMER_REAL, max(deadline - time.monotonic(), 1e-3))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_handler)
        if old_timer[0] > 0:     # an outer timer keeps running (less the time spent here)
            signal.setitimer(signal.ITIMER_REAL, *old_timer)


def _sym(x: fmpq):
    import sympy
    return sympy.Rational(int(x.p), int(x.q))


def _solve_configuration(v, w, b, M, supports, Z, hint, deadline):
    """Exact equilibrium for one configuration, or None."""
    import sympy
    n, m = len(v), len(w)
    Pv = {j: sympy.Symbol(f"P{j}") for j in range(m) if j not in Z}
    qv = {(i, j): sympy.Symbol(f"q{i}_{j}") for i in range(n) for j in supports[i]}
    unknowns = list(qv.values()) + list(Pv.values())
    Pex = {j: Pv.get(j, sympy.Integer(0)) for j in range(m)}
    eqs = []
    aux = []
    for i in range(n):
        eqs.append(sum(qv[i, j] for j in supports[i]) - 1)
    for j in range(m):
        if j not in Z:
            eqs.append(sum(qv[i, j] for i in range(n) if (i, j) in qv) - _sym(w[j]))
    for i in range(n):
        S = sorted(supports[i])
        s = S[0]
        if set(S) <= M[i]:
            eqs.extend(Pex[j] - Pex[s] for j in S[1:])
            continue
        r = next((j for j in S if v[i][j] != v[i][s]), None)
        for j in S:
            if j == s or j == r:
                continue
            if r is None:
                eqs.append(Pex[j] - Pex[s])
            else:  # (P_j − P_s)(v_r − v_s) = (P_r − P_s)(v_j − v_s)
                eqs.append((Pex[j] - Pex[s]) * _sym(v[i][r] - v[i][s])
                           - (Pex[r] - Pex[s]) * _sym(v[i][j] - v[i][s]))
        eqs.append(sum(Pex[j] * qv[i, j] for j in S) - _sym(b[i]))
        if r is not None:  # α_x ≠ 0 (Rabinowitsch): drops the components where P is flat
            zx = sympy.Symbol(f"z{i}")
            aux.append(zx)
            eqs.append(zx * (Pex[r] - Pex[s]) - 1)
    eqs = [sympy.expand(e) for e in eqs]
    eqs = [e for e in eqs if e != 0]
    if any(e.is_Number for e in eqs):
        return None
    if not unknowns:
        return None
    free_order = list(Pv.values()) + list(qv.values())   # what may be fixed from the hint
    unknowns = unknowns + aux
    hint_val = {}
    for (i, j), s in qv.items():
        hint_val[s] = hint[1][i][j] if hint else 1 / len(supports[i])
    for j, s in Pv.items():
        hint_val[s] = hint[0][j] if hint else 1.0

    def gb(system, order="grevlex"):
        if time.monotonic() > deadline:
            raise _Deadline
        return sympy.groebner(system, *unknowns, order=order, domain="QQ")

    G = gb(eqs)
    if list(G.exprs) == [1]:
        return None

    def with_fixings(pscale):
        fixed = []
        if not G.is_zero_dimensional:
            for s in free_order:
                h = max(hint_val[s] * (pscale if s in pset else 1.0), 0.0)
                fx = sympy.Rational(str(from_float_hint(h, 64)))
                trial = gb(eqs + fixed + [s - fx])
                if list(trial.exprs) == [1]:
                    continue
                fixed.append(s - fx)
                nonlocal_G[0] = trial
                if nonlocal_G[0].is_zero_dimensional:
                    break
            if not nonlocal_G[0].is_zero_dimensional:
                return None
        system = eqs + fixed
        t = sympy.Symbol("t_sep")
        rng = random.Random(len(unknowns))
        for attempt in range(4):
            coefs = [1 + rng.randrange(7) if attempt else k + 1 for k in range(len(unknowns))]
            if time.monotonic() > deadline:
                raise _Deadline
            # lex basis by FGLM from grevlex (unique reduced basis; direct lex Buchberger can
            # take minutes where this takes a second)
            L = sympy.groebner(system + [t - sum(c * u for c, u in zip(coefs, unknowns))],
                               *unknowns, t, order="grevlex", domain="QQ")
            L = L.fglm("lex") if L.is_zero_dimensional else sympy.groebner(
                L.exprs, *unknowns, t, order="lex", domain="QQ")
            exprs = list(L.exprs)
            if exprs == [1]:
                return None
            last = [e for e in exprs if e.free_symbols <= {t}]
            if len(last) != 1 or len(exprs) != len(unknowns) + 1:
                continue
            sub = {}
            ok = True
            for e in exprs:
                if e in last:
                    continue
                lead = [u for u in unknowns if u in e.free_symbols]
                if len(lead) != 1 or not e.free_symbols <= {lead[0], t}:
                    ok = False
                    break
                pe = sympy.Poly(e, lead[0])
                if pe.degree() != 1:
                    ok = False
                    break
                c1, c0 = pe.all_coeffs()
                sub[lead[0]] = sympy.Poly(sympy.expand(-c0 / c1), t)
            if not ok:
                continue
            return _real_points(v, w, b, M, supports, Z, qv, Pv, sub, sympy.Poly(last[0], t),
                                deadline)
        return None
    pset = set(Pv.values())
    zero_dim = G.is_zero_dimensional
    for pscale in ((1.0,) if zero_dim else (1.0, 0.5, 0.0)):
        nonlocal_G = [G]
        r = with_fixings(pscale)
        if r is not None:
            return r
    return None


def _to_fmpq_poly(p) -> fmpq_poly:
    import sympy
    return fmpq_poly([fmpq(int(sympy.Rational(c).p), int(sympy.Rational(c).q))
                      for c in reversed(p.all_coeffs())])


def _real_points(v, w, b, M, supports, Z, qv, Pv, sub, fpoly, deadline):
    import sympy
    _, factors = sympy.factor_list(fpoly)
    factors = sorted((f for f, _ in factors), key=lambda f: f.degree())
    for fac in factors:
        if fac.degree() < 1:
            continue
        fz = sympy.Poly(fac.as_expr() * sympy.lcm([sympy.Rational(c).q for c in fac.all_coeffs()]),
                        fac.gens[0])
        for (lo, hi), _mult in fz.intervals():
            if time.monotonic() > deadline:
                raise _Deadline
            lo, hi = fmpq(int(lo.p), int(lo.q)), fmpq(int(hi.p), int(hi.q))
            f = _to_fmpq_poly(fac)
            if lo == hi:
                K = NumberField(f, lo, lo)
            else:
                if f(lo) == 0 or f(hi) == 0:
                    continue
                K = NumberField(f, lo, hi)
            vals = {s: K.reduce(_to_fmpq_poly(p)) for s, p in sub.items()}
            res = _verify(K, v, w, b, M, supports, Z, qv, Pv, vals)
            if res is not None:
                return res
    return None


def _verify(K, v, w, b, M, supports, Z, qv, Pv, vals):
    """Every equilibrium condition, exactly in K; returns (K, P, Q) or None."""
    n, m = len(v), len(w)
    zero = fmpq_poly([0])
    P = [vals[Pv[j]] if j in Pv else zero for j in range(m)]
    Q = [[vals[qv[i, j]] if (i, j) in qv else zero for j in range(m)] for i in range(n)]
    if any(K.sign(p) < 0 for p in P):
        return None
    for i in range(n):
        if any(K.sign(x) < 0 for x in Q[i]) or K.sign(sum(Q[i], zero) - 1) != 0:
            return None
    for j in range(m):
        col = sum((Q[i][j] for i in range(n)), zero) - w[j]
        sg = K.sign(col)
        if sg > 0 or (sg < 0 and K.sign(P[j]) != 0):
            return None
    for i in range(n):
        S = sorted(supports[i])
        s = S[0]
        spend = sum((K.mul(P[j], Q[i][j]) for j in range(m)), zero)
        if set(S) <= M[i]:
            c = P[s]
            if any(K.sign(P[j] - c) != 0 for j in S) or K.sign(spend - b[i]) > 0:
                return None
            if any(K.sign(P[j] - c) < 0 for j in M[i]):
                return None
            continue
        if K.sign(spend - b[i]) != 0:
            return None
        vi = v[i]
        r = next((j for j in S if vi[j] != vi[s]), None)
        if r is not None:
            alpha = (P[r] - P[s]) * (1 / (vi[r] - vi[s]))
            if K.sign(alpha) <= 0:
                return None
            for j in range(m):
                g = K.sign(P[j] - P[s] - alpha * (vi[j] - vi[s]))
                if g < 0 or (j in S and g != 0):
                    return None
            continue
        # α free: P_j − P_s >= α (v_j − v_s) for all j must hold for some α > 0
        if any(K.sign(P[j] - P[s]) != 0 for j in S):
            return None
        ups = [(P[j] - P[s]) * (1 / (vi[j] - vi[s])) for j in range(m) if vi[j] > vi[s]]
        lows = [(P[s] - P[j]) * (1 / (vi[s] - vi[j])) for j in range(m) if vi[j] < vi[s]]
        if any(K.sign(P[j] - P[s]) < 0 for j in range(m) if vi[j] == vi[s]):
            return None
        if any(K.sign(u) <= 0 for u in ups):
            return None
        if any(K.sign(u - lo) < 0 for u in ups for lo in lows):
            return None
    return K, P, Q


# ================================================================ the driver
def _configurations_from(hint, v, M, n, m, total_slack, thresholds=(0.02, 0.005, 0.1, 0.2)):
    P, Q = hint
    seen = []
    for th in thresholds:
        sup = []
        for i in range(n):
            mx = max(Q[i])
            S = frozenset(j for j in range(m) if Q[i][j] > th * max(mx, 1e-12))
            sup.append(S)
        alt = []  # satiated-looking agents: the cheapest of their top objects
        for i in range(n):
            if sup[i] <= M[i]:
                cmin = min(P[j] for j in M[i])
                alt.append(frozenset(j for j in M[i] if P[j] <= cmin + th * max(cmin, 1e-3)))
            else:
                alt.append(sup[i])
        Zs = [frozenset()]
        if total_slack:
            pm = max(P) if max(P) > 0 else 1.0
            Zs = [frozenset(j for j in range(m) if P[j] < th * pm)] + [frozenset([j]) for j in
                                                                     sorted(range(m),
                                                                            key=P.__getitem__)]
        for Z in Zs:
            if total_slack and not Z:
                continue
            for cand in (tuple(sup), tuple(alt)):
                c = (cand, Z)
                if c not in seen:
                    seen.append(c)
    return seen


def hz_equilibrium(valuations: Sequence[Sequence[fmpq]], supply: Sequence[fmpq],
                   budgets: Sequence[fmpq], agents: Sequence[str] | None = None,
                   objects: Sequence[str] | None = None,
                   time_limit: float = DEFAULT_TIME_LIMIT) -> HZEquilibrium:
    """An exact HZ equilibrium of the market (valuations n×m, supply, budgets > 0)."""
    n, m = len(valuations), len(supply)
    agents = tuple(agents) if agents is not None else tuple(str(i + 1) for i in range(n))
    objects = tuple(objects) if objects is not None else tuple(str(j + 1) for j in range(m))
    if n * m > MAX_CELLS or m > MAX_OBJECTS:
        raise LimitExceeded(f"hz: {n} agents x {m} objects exceeds the exact solver's limit "
                            f"(n*m <= {MAX_CELLS}, m <= {MAX_OBJECTS})")
    v = [[fmpq(x) for x in row] for row in valuations]
    w = [fmpq(x) for x in supply]
    b = [fmpq(x) for x in budgets]
    if any(x <= 0 for x in b):
        raise ParameterError("hz: budgets must be positive")
    if sum(w, ZERO) < n:
        raise DomainError(f"hz: total supply {sum(w, ZERO)} is less than the {n} agents "
                          f"(each agent demands one unit)")
    total_slack = sum(w, ZERO) > n
    M = [frozenset(j for j in range(m) if v[i][j] == max(v[i])) for i in range(n)]
    start = time.monotonic()
    deadline = start + time_limit
    rng = random.Random(20260523)
    tried = set()
    count = 0

    def attempt(sup, Z, hint, method):
        nonlocal count
        key = (sup, Z, id(hint))
        if key in tried:
            return None
        tried.add(key)
        count += 1
        r = _solve_configuration(v, w, b, M, sup, Z, hint, deadline)
        if r is None:
            return None
        return _package(r, agents, objects, b, sup, method, count, v, M)

    try:
        with _hard_deadline(deadline + 1.0):
            return _search(v, w, b, M, n, m, total_slack, start, time_limit, rng, attempt)
    except _Deadline:
        pass
    if time.monotonic() > deadline:
        raise LimitExceeded(f"hz: no exact equilibrium found within the time limit "
                            f"({time_limit:g} s; {count} configurations tried)")
    raise LimitExceeded(f"hz: no configuration gave an exact equilibrium "
                        f"({count} configurations tried); the instance is outside what this "
                        f"solver handles")


def _hint_floats(rows: Sequence[Sequence[Any]], fixed: str | None = None) -> list[list[float]]:
    """Floats for the numeric hint.  Beyond the float range (a valuation of 10^400), values
    whose common scale does not matter (valuations, budgets: HZ equilibria are invariant under
    it) are divided by their largest; ``fixed`` ones (supplies) are refused (exit 3).

    >>> _hint_floats([[fmpq(10) ** 400, ONE]])
    [[1.0, 0.0]]
    """
    try:
        return [[to_float(x) for x in row] for row in rows]
    except OverflowError:
        if fixed:
            raise LimitExceeded(f"hz: {fixed} beyond the float range (about 1.8e308) of the "
                                f"numeric hint") from None
    top = max(abs(x) for row in rows for x in row)
    return [[to_float(x / top) for x in row] for row in rows]


def _search(v, w, b, M, n, m, total_slack, start, time_limit, rng, attempt) -> HZEquilibrium:
    """The numeric-hint route, then every configuration nearest to the first hint first
    (raises _Deadline when time is up or nothing was found, LimitExceeded when the space is too
    large to enumerate)."""
    hints = _numeric_hint(_hint_floats(v), _hint_floats([w], "supplies")[0],
                          _hint_floats([b])[0], start + time_limit / 4, rng)
    seen_hints = []
    for hint in hints:
        seen_hints.append(hint)
        for sup, Z in _configurations_from(hint, v, M, n, m, total_slack):
            r = attempt(sup, Z, hint, "hint")
            if r is not None:
                return r
    # fallback: every configuration, nearest to the first hint first
    hint = seen_hints[0]
    subsets = [frozenset(c) for k in range(1, m + 1)
               for c in itertools.combinations(range(m), k)]

    def cost(i, S):
        return sum(abs((1.0 if j in S else 0.0) - min(1.0, 4 * hint[1][i][j]))
                   for j in range(m))
    per_agent = [sorted(subsets, key=lambda S, i=i: cost(i, S)) for i in range(n)]
    Zs = ([frozenset(c) for k in range(1, m) for c in itertools.combinations(range(m), k)]
          if total_slack else [frozenset()])
    Zs.sort(key=lambda Z: sum(hint[0][j] for j in Z))
    combos = sorted(itertools.product(*[range(len(s)) for s in per_agent]), key=sum) \
        if len(subsets) ** n <= 200_000 else None
    if combos is None:
        raise LimitExceeded("hz: the numeric hint did not lead to an equilibrium and the "
                            "configuration space is too large to enumerate")
    for Z in Zs:
        for combo in combos:
            sup = tuple(per_agent[i][k] for i, k in enumerate(combo))
            r = attempt(sup, Z, hint, "enumeration")
            if r is not None:
                return r
    raise _Deadline()       # nothing found: the caller tells time-out from exhaustion


def _package(r, agents, objects, b, sup, method, count, v, M) -> HZEquilibrium:
    K, P, Q = r
    prices = tuple(K.value(p) for p in P)
    amounts = tuple(tuple(K.value(x) for x in row) for row in Q)
    rational = all(isinstance(x, fmpq) for x in prices) and all(
        isinstance(x, fmpq) for row in amounts for x in row)
    if not rational:   # present the field by its simplest number (smallest minimal polynomial)
        pairs = list(zip(P, prices)) + [(x, y) for r, vr in zip(Q, amounts)
                                        for x, y in zip(r, vr)]
        full = [(max(abs(c) for c in y.poly), k, x) for k, (x, y) in enumerate(pairs)
                if not isinstance(y, fmpq) and len(y.poly) - 1 == K.degree]
        if full:
            K, to = K.rebased(min(full, key=lambda t: t[:2])[2])
            P = [to(p) for p in P]
            Q = [[to(x) for x in row] for row in Q]
    return HZEquilibrium(tuple(agents), tuple(objects), tuple(b), prices, amounts,
                         tuple(tuple(objects[j] for j in sorted(S)) for S in sup), rational,
                         method, count, K, _supporting(K, P, Q, v, M),
                         (tuple(P), tuple(tuple(row) for row in Q)))


def _supporting(K, P, Q, v, M) -> tuple:
    """Per agent (None if satiated, else (α_x, β_x)) as elements of K: P_j = α v_xj + β on the
    support, >= off it (pseudomarkets.md §1).  When the support's values are all equal, α is
    the largest value allowed: min over v_xj > v_xs of (P_j − P_s)/(v_xj − v_xs)."""
    out = []
    for i, row in enumerate(Q):
        S = [j for j in range(len(row)) if K.sign(row[j]) > 0]
        if set(S) <= M[i]:
            out.append(None)
            continue
        s, vi = S[0], v[i]
        r = next((j for j in S if vi[j] != vi[s]), None)
        if r is not None:
            alpha = (P[r] - P[s]) * (1 / (vi[r] - vi[s]))
        else:
            alpha = None
            for j in range(len(row)):
                if vi[j] > vi[s]:
                    u = (P[j] - P[s]) * (1 / (vi[j] - vi[s]))
                    if alpha is None or K.sign(u - alpha) < 0:
                        alpha = u
        out.append((K.reduce(alpha), K.reduce(P[s] - alpha * vi[s])))
    return tuple(out)


# ================================================================ mechanisms
@dataclass(frozen=True)
class SPTurn:
    """One turn of a (sequential) pseudomarket: the group, the supply it faced, the prices and
    what each member bought."""

    turn: int
    group: tuple[str, ...]
    supply: dict[str, fmpq]
    equilibrium: HZEquilibrium

    def to_json(self) -> dict:
        d = self.equilibrium.to_json()
        return {"turn": self.turn, "group": list(self.group),
                "supply": {o: canonical(x) for o, x in self.supply.items()},
                "budgets": d["budgets"], "prices": d["prices"], "allocation": d["allocation"],
                "rational": d["rational"]}


def _valuation_matrix(economy: Any) -> list[tuple[fmpq, ...]]:
    if economy.valuations is None or any(r is None for r in economy.valuations):
        missing = next((a for a, r in zip(economy.agents, economy.valuations or [None] *
                                           economy.n) if r is None), economy.agents[0])
        raise DomainError(f"agent {missing!r} has no valuations; hz/sp need von "
                          f"Neumann-Morgenstern valuations for every agent")
    for a, order in zip(economy.agents, economy.preferences):
        if len(prefs.acceptable(order)) != economy.m:
            raise DomainError(f"agent {a!r} finds some objects unacceptable; hz/sp assume "
                              f"every object is acceptable (each agent buys one full unit)")
    if economy.has_endowments():
        raise DomainError("hz/sp do not use endowments (budgets are given); remove them or use "
                          "btm for the exchange model")
    return list(economy.valuations)


def _run_turns(economy: Any, groups: Sequence[Sequence[str]], budgets: Mapping[str, fmpq],
               time_limit: float) -> tuple[list[SPTurn], dict[int, dict[int, fmpq]]]:
    vals = _valuation_matrix(economy)
    remaining = list(economy.supply)
    turns: list[SPTurn] = []
    entries: dict[int, dict[int, fmpq]] = {}
    start = time.monotonic()
    for t, group in enumerate(groups, start=1):
        live = [k for k in range(economy.m) if remaining[k] > 0]
        idx = [economy.agent_index[a] for a in group]
        left = time_limit - (time.monotonic() - start)
        if left <= 0:
            raise LimitExceeded(f"sp: time limit ({time_limit:g} s) reached before turn {t}")
        eq = hz_equilibrium([[vals[i][k] for k in live] for i in idx],
                            [remaining[k] for k in live], [budgets[a] for a in group],
                            agents=group, objects=[economy.objects[k] for k in live],
                            time_limit=left)
        turns.append(SPTurn(t, tuple(group), {economy.objects[k]: remaining[k] for k in live},
                            eq))
        K, (_, Qf) = eq.numfield, eq.elements
        for gi, i in enumerate(idx):
            for lk, k in enumerate(live):
                if eq.amounts[gi][lk]:
                    entries.setdefault(i, {})[k] = eq.amounts[gi][lk]
        for lk, k in enumerate(live):
            rest = K.reduce(remaining[k] - sum((Qf[gi][lk] for gi in range(len(idx))),
                                               fmpq_poly([0])))
            if not K.is_rational(rest):
                if t < len(groups):
                    raise IrrationalError(
                        f"sp: turn {t} leaves an irrational remaining supply of object "
                        f"{economy.objects[k]!r}; the next turn's exact solver needs rational "
                        f"supplies")
                rest = fmpq_poly([0])   # not used: no later turn
            remaining[k] = K.rational(rest)
    return turns, entries


def hylland_zeckhauser(economy: Any, budgets: Mapping[str, Any] | None = None,
                       time_limit: float = DEFAULT_TIME_LIMIT) -> MechanismResult:
    """Exact Hylland–Zeckhauser equilibrium (budgets default 1 each)."""
    bud = {a: ONE for a in economy.agents} if budgets is None else \
        {a: parse(budgets[a], f"budget of agent {a!r}") for a in economy.agents}
    turns, entries = _run_turns(economy, [economy.agents], bud, time_limit)
    eq = turns[0].equilibrium
    params = {} if budgets is None else {"budgets": ",".join(canonical(bud[a])
                                                             for a in economy.agents)}
    return MechanismResult(mechanism="hz", params=params,
                           allocation=Allocation.from_sparse(economy.agents, economy.objects,
                                                             entries),
                           trace=tuple(turns),
                           info={"prices": eq.to_json()["prices"],
                                 "budgets": {a: canonical(bud[a]) for a in economy.agents},
                                 "method": eq.method,
                                 "configurations_tried": eq.configurations_tried})


def sequential_pseudomarket(economy: Any, partition: Sequence[Sequence[str]] | None = None,
                            budgets: Mapping[str, Any] | None = None,
                            time_limit: float = DEFAULT_TIME_LIMIT) -> MechanismResult:
    """Sequential pseudomarket: group 1 trades in an HZ market on the full supply, group 2 on
    what is left, and so on (budgets default 1 each)."""
    groups = [tuple(g) for g in partition] if partition is not None else [economy.agents]
    flat = [a for g in groups for a in g]
    if sorted(flat) != sorted(economy.agents) or len(set(flat)) != len(flat):
        raise ParameterError("sp: the partition must list every agent exactly once")
    bud = {a: ONE for a in economy.agents} if budgets is None else \
        {a: parse(budgets[a], f"budget of agent {a!r}") for a in economy.agents}
    turns, entries = _run_turns(economy, groups, bud, time_limit)
    params = {"partition": ";".join(",".join(g) for g in groups)}
    if budgets is not None:
        params["budgets"] = ",".join(canonical(bud[a]) for a in economy.agents)
    return MechanismResult(mechanism="sp", params=params,
                           allocation=Allocation.from_sparse(economy.agents, economy.objects,
                                                             entries),
                           trace=tuple(turns),
                           info={"prices": [t.equilibrium.to_json()["prices"] for t in turns]})


def _parse_partition(economy: Any, text: str) -> list[tuple[str, ...]]:
    groups = []
    for part in text.split(";"):
        items = tuple(t.strip() for t in part.split(",") if t.strip())
        if not items:
            raise ParameterError("--param partition: empty group")
        for a in items:
            if a not in economy.agent_index:
                raise ParameterError(f"--param partition: unknown agent {a!r}")
        groups.append(items)
    flat = [a for g in groups for a in g]
    twice = first_repeat(flat)
    if twice is not None:
        raise ParameterError(f"--param partition: agent {twice!r} is listed twice")
    missing = [a for a in economy.agents if a not in flat]
    if missing:
        raise ParameterError(f"--param partition: agent {missing[0]!r} is in no group")
    return groups


def _parse_common(economy: Any, raw: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "budgets" in raw:
        out["budgets"] = agent_values(economy, raw["budgets"], "budgets", default=None)
        for a, x in out["budgets"].items():
            if x <= 0:
                raise ParameterError(f"--param budgets: budget of agent {a!r} must be positive")
    if "time_limit" in raw:
        try:
            out["time_limit"] = float(raw["time_limit"])
        except ValueError:
            raise ParameterError("--param time_limit: expected seconds") from None
        if not out["time_limit"] > 0:
            raise ParameterError("--param time_limit: must be positive")
    return out


def _parse_sp(economy: Any, raw: Mapping[str, str]) -> dict[str, Any]:
    out = _parse_common(economy, raw)
    if "partition" in raw:
        out["partition"] = _parse_partition(economy, raw["partition"])
    return out


_HELP = {"budgets": "budgets 'b1,b2,...' in agent order or 'agent:b,...' (default 1 each)",
         "time_limit": f"seconds before refusing with exit code 3 (default "
                       f"{DEFAULT_TIME_LIMIT:g}); size limit n*m <= {MAX_CELLS}, "
                       f"m <= {MAX_OBJECTS} objects"}

register(Mechanism(
    name="hz", title="Hylland-Zeckhauser pseudomarket equilibrium (exact)",
    citation="Hylland and Zeckhauser (1979), The efficient allocation of individuals to "
             "positions, J. Polit. Econ. 87:293-314",
    function=hylland_zeckhauser, parse_params=_parse_common, param_help=dict(_HELP)))

register(Mechanism(
    name="sp", title="Sequential pseudomarket (exact HZ equilibrium per turn)",
    citation="Sequential pseudomarkets (seed 000_1a756ca400af219c); Hylland and Zeckhauser (1979)",
    function=sequential_pseudomarket, parse_params=_parse_sp,
    param_help={"partition": "ordered groups 'x1,x2;y1;z' (';' separates turns; default one "
                             "group = hz)", **_HELP}))
