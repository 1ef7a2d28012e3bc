"""Cardinal properties: ex-ante Pareto optimality, the ex-ante weak core, pseudomarket prices.

The model is the seed paper's (``shared/spec/pseudomarkets.md``; seed 000): agents N with
von Neumann–Morgenstern valuations v_x ∈ Q^S_+, supply ω, a random assignment Q* whose rows are
lotteries (q*_x ∈ Δ^S, **each row sums to 1**) with Σ_x q*_x <= ω; u_x(q) = v_x·q,
M_x = argmax_j v_xj, x *satiated* iff supp(q*_x) ⊆ M_x, object j *exhausted* iff
Σ_x q*_xj = ω_j.  Preferences and endowments of the economy are not used; an allocation whose
rows do not sum to 1 is outside the model ("not applicable").  Every answer is exact and carries a
certificate that ``certificates/check_cardinal.py`` (standard library only) re-verifies; the
witness formats are documented there.

Mathematics (re-derived here; pseudomarkets.md §1–3, with the corrections noted):

**Affine price support (§1).**  Let x be non-satiated and P >= 0.  The seed's equilibrium
condition E_x — u_x(q) > u*_x ⇒ P·q > P·q*_x for every lottery q — holds iff there are α > 0, β
with P_j >= α v_xj + β for all j and equality on supp(q*_x).
*Sufficiency*: P·q >= α v_x·q + β > α u*_x + β = P·q*_x.  *Necessity*: E_x says exactly that q*_x
solves  max{v_x·q : q ∈ Δ, P·q <= P·q*_x}.  Its LP dual is min{γ + λ P·q*_x : λ >= 0,
γ + λ P_j >= v_xj ∀j}; an optimal (γ, λ) is tight on supp(q*_x) and has value u*_x.  If λ = 0 then
γ >= max_j v_xj and γ = u*_x, i.e. x is satiated; so λ > 0 and α = 1/λ, β = −γ/λ work.  (This
replaces the spec's "strictness forces an optimal dual with α > 0" by a one-line argument.)
The quasi-equilibrium condition (P·q >= P·q*_x) is the same with α >= 0: q*_x must minimise P·q
over {q ∈ Δ : v_x·q >= u*_x} (a cheaper q with equal utility can be pushed towards a best object
and stay cheaper), whose LP dual gives (α >= 0, β).  Satiated agents impose nothing.
The conditions are linear and homogeneous in (P, α, β), so α_x > 0 may be normalised to
α_x >= 1: "Q* is a pseudomarket-equilibrium outcome" is the feasibility of one LP, and "no" has a
Farkas certificate.  With market clearing, P_j = 0 for slack objects.

**First welfare theorem — needs the cheapest-bundle condition.**  If P supports Q* and Q
Pareto-dominates Q*, summing P·q_x >= P·q*_x (strict for the improved agent) gives
Σ_j P_j Σ_x q_xj > Σ_j P_j ω_j, contradicting feasibility — *provided every agent with
u_x(q_x) = u*_x has P·q_x >= P·q*_x*.  Non-satiated agents do (affine support); a satiated agent
with ties at the top does not, under the seed's definition: with v_1 = (1, 1), v_2 = (1, 0),
agent 1 holding object a, agent 2 object b, P = (1, 0) is a seed-equilibrium (agent 2: α = 1,
β = 0; agent 1 satiated) but swapping makes agent 2 better off.  So PM ⊆ PO holds for HZ's
definition (satiated agents buy cheapest top bundles), not for the seed's literal one.

**Second welfare theorem (the general fact behind Theorem 1).**  Q* is ex-ante Pareto optimal
iff the LP  max Σ_x v_x·q_x  s.t.  Σ_j q_xj = 1 [μ_x],  Σ_x q_xj <= ω_j [π_j >= 0],
v_x·q_x >= u*_x [λ_x >= 0],  q >= 0  has optimum Σ_x u*_x (a dominating Q has a larger sum;
conversely an optimum above Σ u* dominates).  Its dual constraint for q_xj reads
μ_x + π_j >= (1 + λ_x) v_xj, so with w_x = 1 + λ_x >= 1 complementary slackness gives
w_x v_xj <= μ_x + π_j, equality on supp(q*_x), π_j = 0 where supply is slack: the ``ex-ante.po``
certificate.  Then P = π, α_x = w_x, β_x = −μ_x satisfy every affine-support condition, and for
a satiated x the support's prices are the cheapest among M_x (π_j >= w_x max v_x − μ_x = π_k for
j ∈ M_x, k ∈ supp): **every ex-ante PO assignment is a pseudomarket-equilibrium outcome with free
incomes b_x = P·q*_x, even in HZ's sense** (:func:`equilibrium_from_welfare_weights`).  This
refutes the seed's Theorem 1 (its example Q is in fact not PO: see ``proofs/theorem1``).

**Weak core (§3).**  Rounds on a shrinking coalition C (initially N), agents outside C frozen at
q*.  In a round, solve  max Σ_{x∈R} d_x  over Q_C feasible on the residual supply with
u_y(q_y) >= u*_y (y ∈ C) and u_x(q_x) − d_x >= u*_x, d_x >= 0 (x ∈ R), starting with R = C: while
the optimum is positive, the agents with d_x > 0 are *improvable*; remove them from R and
re-solve.  When the optimum is 0, its dual (λ_x >= 1 on R, a ``core.weak`` round) proves that no
agent of R can gain while the rest of C keeps its utility.  If R is empty, averaging the stored
solutions makes everyone in C strictly better: C blocks.  Otherwise C ← C \\ R.  Soundness: a
blocking coalition B ⊆ C, extended by q* on C \\ B, is feasible for the round with its members
gaining, so B ∩ R = ∅.  At most n rounds; at most |C| + 1 LPs per round (usually 1–2).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flint import fmpq

from ..allocation import Allocation
from ..lp import INFEASIBLE, OPTIMAL, LPBuilder, LPResult, solve
from ..numbers import ONE, ZERO, as_exact, canonical

__all__ = ["CardinalData", "cardinal_data", "cardinal_reason", "WelfareWeights",
           "ParetoImprovement", "analyse_ex_ante_po", "find_pareto_improvement",
           "is_ex_ante_po", "CoreRound", "CoreCertificate", "BlockingCoalition",
           "analyse_weak_core", "PriceSupport", "FarkasCertificate", "pm_equilibrium",
           "pm_quasi_equilibrium", "hz_equilibrium", "equilibrium_from_welfare_weights",
           "welfare_maximiser", "witness_json"]


# ============================================================================ the model
@dataclass(frozen=True)
class CardinalData:
    """The economy and allocation in the seed's model, indexed (agents i, objects j)."""

    agents: tuple[str, ...]
    objects: tuple[str, ...]
    v: tuple[tuple[fmpq, ...], ...]
    q: tuple[tuple[fmpq, ...], ...]
    supply: tuple[fmpq, ...]
    u: tuple[fmpq, ...]
    support: tuple[tuple[int, ...], ...]
    top: tuple[frozenset[int], ...]
    satiated: tuple[bool, ...]
    exhausted: tuple[bool, ...]

    @property
    def n(self) -> int:
        return len(self.agents)

    @property
    def m(self) -> int:
        return len(self.objects)


def cardinal_reason(economy: Any, allocation: Allocation | None = None) -> str | None:
    """Why the cardinal model does not apply (None if it does)."""
    if economy.valuations is None or any(v is None for v in economy.valuations):
        missing = economy.agents[0] if economy.valuations is None else next(
            a for a, v in zip(economy.agents, economy.valuations) if v is None)
        return f"needs valuations for every agent (agent {missing!r} has none)"
    if allocation is not None:
        for i, a in enumerate(allocation.agents):
            s = allocation.row_sum(i)
            if s != ONE:
                return (f"the row of agent {a!r} sums to {canonical(s)}, not 1 (the cardinal "
                        f"model assigns every agent a lottery over the objects)")
    return None


def cardinal_data(economy: Any, allocation: Allocation) -> CardinalData:
    """Index the economy and the allocation (call :func:`cardinal_reason` first)."""
    reason = cardinal_reason(economy, allocation)
    if reason is not None:
        from ..errors import DomainError
        raise DomainError(reason)
    v = tuple(tuple(r) for r in economy.valuations)
    q = allocation.rows
    m = economy.m
    u = tuple(sum((a * b for a, b in zip(vr, qr) if b), ZERO) for vr, qr in zip(v, q))
    support = tuple(tuple(j for j in range(m) if qr[j] > 0) for qr in q)
    top = tuple(frozenset(j for j in range(m) if vr[j] == max(vr)) for vr in v)
    satiated = tuple(set(s) <= t for s, t in zip(support, top))
    cols = [allocation.column_sum(j) for j in range(m)]
    exhausted = tuple(c == s for c, s in zip(cols, economy.supply))
    return CardinalData(economy.agents, economy.objects, v, q, tuple(economy.supply), u,
                        support, top, satiated, exhausted)


def _utility(d: CardinalData, i: int, row: Sequence[fmpq]) -> fmpq:
    return sum((a * b for a, b in zip(d.v[i], row) if b), ZERO)


def _allocation(d: CardinalData, rows: Sequence[Sequence[fmpq]]) -> Allocation:
    return Allocation(d.agents, d.objects, tuple(tuple(r) for r in rows))


# ============================================================================ ex-ante PO
@dataclass(frozen=True)
class WelfareWeights:
    """"Yes": Q* maximises Σ_x w_x u_x (w > 0) — weights, prices π >= 0 and levels μ with
    w_x v_xj <= μ_x + π_j, equality on the support, π = 0 on slack objects."""

    weights: tuple[fmpq, ...]
    prices: tuple[fmpq, ...]
    mu: tuple[fmpq, ...]


@dataclass(frozen=True)
class ParetoImprovement:
    """"No": a feasible assignment that makes nobody worse off and somebody better off (it
    maximises total utility among those, so it is itself ex-ante Pareto optimal)."""

    dominating: Allocation


def _assignment_lp(d: CardinalData, members: Sequence[int], residual: Sequence[fmpq],
                   gain: Sequence[int] | None) -> tuple[LPBuilder, dict, dict, dict, dict, dict]:
    """Variables q[i][j] (i in members); rows: lottery, residual supply, utility floors.
    With ``gain`` (agents with a gain variable d_i, objective Σ d_i); else objective Σ u_i."""
    b = LPBuilder()
    qv: dict[tuple[int, int], int] = {}
    for i in members:
        for j in range(d.m):
            qv[i, j] = b.variable(f"q[{d.agents[i]}][{d.objects[j]}]")
    gv = {i: b.variable(f"d[{d.agents[i]}]") for i in (gain or ())}
    row_r, row_s, row_u = {}, {}, {}
    for i in members:
        row_r[i] = b.constraint({qv[i, j]: 1 for j in range(d.m)}, "=", 1,
                                f"lottery[{d.agents[i]}]")
    for j in range(d.m):
        row_s[j] = b.constraint({qv[i, j]: 1 for i in members}, "<=", residual[j],
                                f"supply[{d.objects[j]}]")
    for i in members:
        terms = [(qv[i, j], d.v[i][j]) for j in range(d.m) if d.v[i][j]]
        if i in gv:
            terms.append((gv[i], -1))
        row_u[i] = b.constraint(terms, ">=", d.u[i], f"utility[{d.agents[i]}]")
    if gain is None:
        b.maximize({qv[i, j]: d.v[i][j] for i in members for j in range(d.m) if d.v[i][j]})
    else:
        b.maximize({g: 1 for g in gv.values()})
    return b, qv, gv, row_r, row_s, row_u


def analyse_ex_ante_po(economy: Any, allocation: Allocation
                       ) -> WelfareWeights | ParetoImprovement:
    """Decide ex-ante Pareto optimality with one exact LP (see the module docstring).

    Complexity: one LP with n·m variables and 2n + m rows (HiGHS for the basis, one exact
    solve of a basis block of size <= n + m to verify it).
    """
    d = cardinal_data(economy, allocation)
    members = range(d.n)
    b, qv, _, row_r, row_s, row_u = _assignment_lp(d, members, d.supply, None)
    lp = b.build()
    r = solve(lp)
    assert r.status == OPTIMAL, r.status      # Q* is feasible and the LP is bounded
    if r.value == sum(d.u, ZERO):
        y = r.y
        assert y is not None
        return WelfareWeights(weights=tuple(ONE - y[row_u[i]] for i in members),
                              prices=tuple(y[row_s[j]] for j in range(d.m)),
                              mu=tuple(y[row_r[i]] for i in members))
    x = r.x
    assert x is not None
    rows = [[x[qv[i, j]] for j in range(d.m)] for i in members]
    return ParetoImprovement(_allocation(d, rows))


def find_pareto_improvement(economy: Any, allocation: Allocation) -> Allocation | None:
    """A dominating feasible assignment, or None if ``allocation`` is ex-ante PO."""
    r = analyse_ex_ante_po(economy, allocation)
    return r.dominating if isinstance(r, ParetoImprovement) else None


def is_ex_ante_po(economy: Any, allocation: Allocation) -> bool:
    """True iff no feasible assignment Pareto-dominates ``allocation`` (expected utility)."""
    return find_pareto_improvement(economy, allocation) is None


def welfare_maximiser(economy: Any, weights: Sequence[Any],
                      objective: Sequence[Sequence[Any]] | None = None,
                      optimum_only: bool = False) -> Allocation:
    """An assignment maximising Σ_x w_x u_x (w > 0: it is ex-ante PO).  With ``objective``
    (an n × m matrix), among those maximisers one maximising Σ objective_xj q_xj — a way to
    reach other optimal vertices, whose averages are non-vertex PO assignments."""
    n, m = economy.n, economy.m
    v = economy.valuations
    w = [as_exact(x) for x in weights]
    b = LPBuilder()
    qv = {(i, j): b.variable() for i in range(n) for j in range(m)}
    for i in range(n):
        b.constraint({qv[i, j]: 1 for j in range(m)}, "=", 1)
    for j in range(m):
        b.constraint({qv[i, j]: 1 for i in range(n)}, "<=", economy.supply[j])
    welfare = {qv[i, j]: w[i] * v[i][j] for i in range(n) for j in range(m) if v[i][j]}
    b.maximize(welfare)
    r = solve(b.build())
    assert r.status == OPTIMAL and r.value is not None
    if objective is not None and not optimum_only:
        b.constraint(welfare, "=", r.value)
        b.maximize({qv[i, j]: as_exact(objective[i][j]) for i in range(n) for j in range(m)})
        r = solve(b.build())
        assert r.status == OPTIMAL
    assert r.x is not None
    return Allocation(economy.agents, economy.objects,
                      tuple(tuple(r.x[qv[i, j]] for j in range(m)) for i in range(n)))


# ============================================================================ weak core
@dataclass(frozen=True)
class CoreRound:
    """One round of the weak-core certificate (indices into the agents)."""

    coalition: tuple[int, ...]
    removed: tuple[int, ...]
    weights: dict[int, fmpq]
    prices: tuple[fmpq, ...]
    mu: dict[int, fmpq]


@dataclass(frozen=True)
class CoreCertificate:
    """"Yes": the rounds, each proving that its removed agents cannot gain."""

    rounds: tuple[CoreRound, ...]
    lps: int


@dataclass(frozen=True)
class BlockingCoalition:
    """"No": a coalition and a reallocation of what the others leave that makes each member
    strictly better off."""

    coalition: tuple[str, ...]
    reallocation: dict[str, tuple[fmpq, ...]]
    lps: int


def analyse_weak_core(economy: Any, allocation: Allocation
                      ) -> CoreCertificate | BlockingCoalition:
    """Decide membership of the ex-ante weak core (module docstring, "Weak core")."""
    d = cardinal_data(economy, allocation)
    coalition = list(range(d.n))
    rounds: list[CoreRound] = []
    lps = 0
    while coalition:
        cset = set(coalition)
        residual = [d.supply[j] - sum((d.q[i][j] for i in range(d.n) if i not in cset), ZERO)
                    for j in range(d.m)]
        improvable: set[int] = set()
        solutions: list[list[list[fmpq]]] = []
        while True:
            rest = [i for i in coalition if i not in improvable]
            if not rest:       # everyone can gain: average the solutions
                k = len(solutions)
                avg = {d.agents[i]: tuple(sum((s[t][j] for s in solutions), ZERO) / k
                                          for j in range(d.m))
                       for t, i in enumerate(coalition)}
                return BlockingCoalition(tuple(d.agents[i] for i in coalition), avg, lps)
            b, qv, gv, row_r, row_s, row_u = _assignment_lp(d, coalition, residual, rest)
            r = solve(b.build())
            lps += 1
            assert r.status == OPTIMAL and r.value is not None and r.x is not None
            if r.value > 0:
                x = r.x
                gained = {i for i in rest if x[gv[i]] > 0}
                assert gained
                improvable |= gained
                solutions.append([[x[qv[i, j]] for j in range(d.m)] for i in coalition])
                continue
            y = r.y
            assert y is not None
            rounds.append(CoreRound(
                coalition=tuple(coalition), removed=tuple(rest),
                weights={i: -y[row_u[i]] for i in coalition},
                prices=tuple(y[row_s[j]] for j in range(d.m)),
                mu={i: y[row_r[i]] for i in coalition}))
            coalition = [i for i in coalition if i in improvable]
            break
    return CoreCertificate(tuple(rounds), lps)


# ============================================================================ price systems
@dataclass(frozen=True)
class PriceSupport:
    """"Yes": prices P (all objects) and (α_x, β_x) for every non-satiated agent index x;
    ``budgets`` for HZ (None otherwise)."""

    prices: tuple[fmpq, ...]
    alpha: dict[int, fmpq]
    beta: dict[int, fmpq]
    budgets: tuple[fmpq, ...] | None = None


@dataclass(frozen=True)
class FarkasCertificate:
    """"No": multipliers of the named rows (keys as in ``check_cardinal``: ("price", x, j),
    ("alpha", x), ...; labels, not indices), one system per entry of ``systems`` (the key is
    None, or the cheapest object k for quasi-equilibria)."""

    systems: dict[str | None, dict[tuple, fmpq]]
    budgets: tuple[fmpq, ...] | None = None


def _price_lp(d: CardinalData, kind: str, k: int | None = None,
              budgets: Sequence[fmpq] | None = None) -> tuple[Any, list[tuple], dict]:
    """The linear system of check_cardinal (``pm``, ``quasi`` or ``hz``) as an LP."""
    b = LPBuilder()
    keys: list[tuple] = []
    A, O = d.agents, d.objects
    P = {j: b.variable(f"P[{O[j]}]") for j in range(d.m) if d.exhausted[j]}
    nonsat = [i for i in range(d.n) if not d.satiated[i]]
    alpha = {i: b.variable(f"alpha[{A[i]}]") for i in nonsat}
    beta = {i: b.variable(f"beta[{A[i]}]", free=True) for i in nonsat}
    s = b.variable("s") if kind == "hz" else None

    def row(key: tuple, terms: dict, sense: str, rhs: Any) -> None:
        b.constraint(terms, sense, rhs, repr(key))
        keys.append(key)

    for i in nonsat:
        for j in range(d.m):
            terms = {alpha[i]: -d.v[i][j], beta[i]: -1}
            if j in P:
                terms[P[j]] = 1
            row(("price", A[i], O[j]), terms, "=" if d.q[i][j] > 0 else ">=", 0)
    if kind in ("pm", "hz"):
        for i in nonsat:
            row(("alpha", A[i]), {alpha[i]: 1}, ">=", 1)
    if kind == "quasi":
        assert k is not None
        for j in range(d.m):
            if j != k:
                terms = {}
                if j in P:
                    terms[P[j]] = ONE
                if k in P:
                    terms[P[k]] = terms.get(P[k], ZERO) - 1
                row(("above", O[j]), terms, ">=", 0)
        terms = {P[j]: ONE for j in P}
        if k in P:
            terms[P[k]] = terms[P[k]] - d.m
        row(("spread",), terms, ">=", 1)
    if kind == "hz":
        assert budgets is not None and s is not None
        for i in range(d.n):
            spend = {P[j]: d.q[i][j] for j in P if d.q[i][j]}
            if not d.satiated[i]:
                row(("budget", A[i]), {**spend, s: -budgets[i]}, "=", 0)
                continue
            row(("budget", A[i]), {**{vv: -c for vv, c in spend.items()}, s: budgets[i]},
                ">=", 0)
            for j in sorted(d.top[i]):
                terms = {vv: -c for vv, c in spend.items()}
                if j in P:
                    terms[P[j]] = terms.get(P[j], ZERO) + 1
                row(("cheapest", A[i], O[j]), terms, ">=", 0)
        row(("scale",), {s: 1}, ">=", 1)
    obj = {v: 1 for v in P.values()}
    if kind != "quasi":
        obj.update({v: 1 for v in alpha.values()})
    if s is not None:
        obj = {s: 1}
    b.minimize(obj)
    return b.build(), keys, {"P": P, "alpha": alpha, "beta": beta, "s": s}


def _read_support(d: CardinalData, r: LPResult, var: dict,
                  budgets: Sequence[fmpq] | None = None) -> PriceSupport:
    x = r.x
    assert x is not None
    scale = x[var["s"]] if var["s"] is not None else ONE
    prices = tuple(x[var["P"][j]] / scale if j in var["P"] else ZERO for j in range(d.m))
    return PriceSupport(prices, {i: x[a] / scale for i, a in var["alpha"].items()},
                        {i: x[bb] / scale for i, bb in var["beta"].items()},
                        tuple(budgets) if budgets is not None else None)


def _farkas(r: LPResult, keys: list[tuple]) -> dict[tuple, fmpq]:
    y = r.y
    assert y is not None
    return {key: v for key, v in zip(keys, y) if v}


def pm_equilibrium(economy: Any, allocation: Allocation) -> PriceSupport | FarkasCertificate:
    """Pseudomarket-equilibrium prices with free incomes (the seed's definition, market
    clearing), or a Farkas certificate that none exist."""
    d = cardinal_data(economy, allocation)
    lp, keys, var = _price_lp(d, "pm")
    r = solve(lp)
    if r.status == OPTIMAL:
        return _read_support(d, r, var)
    assert r.status == INFEASIBLE
    return FarkasCertificate({None: _farkas(r, keys)})


def pm_quasi_equilibrium(economy: Any, allocation: Allocation
                         ) -> PriceSupport | FarkasCertificate:
    """A non-constant quasi-equilibrium price vector, or one Farkas certificate per object k
    showing that no non-constant one has k among its cheapest objects."""
    d = cardinal_data(economy, allocation)
    systems: dict[str | None, dict[tuple, fmpq]] = {}
    for k in range(d.m):
        lp, keys, var = _price_lp(d, "quasi", k=k)
        r = solve(lp)
        if r.status == OPTIMAL:
            return _read_support(d, r, var)
        assert r.status == INFEASIBLE
        systems[d.objects[k]] = _farkas(r, keys)
    return FarkasCertificate(systems)


def hz_equilibrium(economy: Any, allocation: Allocation,
                   budgets: Mapping[str, Any] | None = None
                   ) -> PriceSupport | FarkasCertificate:
    """Hylland–Zeckhauser equilibrium prices for the given budgets (default: equal budgets,
    written as 1 each), or a Farkas certificate."""
    d = cardinal_data(economy, allocation)
    if budgets is None:
        bud = tuple(ONE for _ in d.agents)
    else:
        bud = tuple(as_exact(budgets[a]) for a in d.agents)
    lp, keys, var = _price_lp(d, "hz", budgets=bud)
    r = solve(lp)
    if r.status == OPTIMAL:
        return _read_support(d, r, var, bud)
    assert r.status == INFEASIBLE
    return FarkasCertificate({None: _farkas(r, keys)}, bud)


def equilibrium_from_welfare_weights(economy: Any, allocation: Allocation,
                                     cert: WelfareWeights) -> PriceSupport:
    """The second welfare theorem made concrete: from an ``ex-ante.po`` certificate
    (w, π, μ), the prices P = π with α_x = w_x, β_x = −μ_x for non-satiated x support Q* as a
    pseudomarket equilibrium; with budgets b_x = P·q*_x it is even an HZ equilibrium."""
    d = cardinal_data(economy, allocation)
    nonsat = [i for i in range(d.n) if not d.satiated[i]]
    budgets = tuple(sum((p * q for p, q in zip(cert.prices, d.q[i]) if q), ZERO)
                    for i in range(d.n))
    return PriceSupport(tuple(cert.prices), {i: cert.weights[i] for i in nonsat},
                        {i: -cert.mu[i] for i in nonsat}, budgets)


# ============================================================================ JSON witnesses
def _nest(mult: Mapping[tuple, fmpq]) -> dict:
    out: dict = {}
    for key, v in mult.items():
        if len(key) == 1:
            out[key[0]] = canonical(v)
            continue
        node = out.setdefault(key[0], {})
        for part in key[1:-1]:
            node = node.setdefault(part, {})
        node[key[-1]] = canonical(v)
    return out


def witness_json(d_or_economy: Any, result: Any, allocation: Allocation | None = None) -> dict:
    """The check_cardinal witness of a result of this module (labels, canonical numbers)."""
    if isinstance(d_or_economy, CardinalData):
        d = d_or_economy
    else:
        assert allocation is not None
        d = cardinal_data(d_or_economy, allocation)
    A, O = d.agents, d.objects
    if isinstance(result, WelfareWeights):
        return {"weights": {a: canonical(w) for a, w in zip(A, result.weights)},
                "prices": {o: canonical(p) for o, p in zip(O, result.prices)},
                "mu": {a: canonical(x) for a, x in zip(A, result.mu)}}
    if isinstance(result, ParetoImprovement):
        return {"dominating": result.dominating.to_mapping()}
    if isinstance(result, CoreCertificate):
        return {"rounds": [{"coalition": [A[i] for i in rd.coalition],
                            "removed": [A[i] for i in rd.removed],
                            "weights": {A[i]: canonical(w) for i, w in rd.weights.items()},
                            "prices": {o: canonical(p) for o, p in zip(O, rd.prices)},
                            "mu": {A[i]: canonical(x) for i, x in rd.mu.items()}}
                           for rd in result.rounds]}
    if isinstance(result, BlockingCoalition):
        return {"coalition": list(result.coalition),
                "reallocation": {a: {o: canonical(x) for o, x in zip(O, row) if x}
                                 for a, row in result.reallocation.items()}}
    if isinstance(result, PriceSupport):
        w: dict[str, Any] = {}
        if result.budgets is not None:
            w["budgets"] = {a: canonical(b) for a, b in zip(A, result.budgets)}
        w["prices"] = {o: canonical(p) for o, p in zip(O, result.prices)}
        w["agents"] = {A[i]: {"alpha": canonical(result.alpha[i]),
                              "beta": canonical(result.beta[i])} for i in sorted(result.alpha)}
        return w
    if isinstance(result, FarkasCertificate):
        w = {}
        if result.budgets is not None:
            w["budgets"] = {a: canonical(b) for a, b in zip(A, result.budgets)}
        if list(result.systems) == [None]:
            w["multipliers"] = _nest(result.systems[None])
        else:
            w["per_object"] = {k: {"multipliers": _nest(mult)}
                               for k, mult in result.systems.items()}
        return w
    raise TypeError(f"no witness for {type(result).__name__}")
