"""Theorem 2 made concrete: decompose an assignment into sequential-pseudomarket turns.

Model (seed ``000_1a756ca400af219c``, §4; ``shared/spec/pseudomarkets.md`` §1, §4): the cardinal
model of :mod:`exactassign.properties.cardinal` (valuations for every agent, rows of Q summing to
1, columns at most the supply).  For an ordered partition N_1, ..., N_τ of the agents, the
*market of turn t* has the agents N_t, the remaining supply ω_t = ω − Σ_{x ∈ N_1 ∪ ... ∪ N_{t−1}}
q_x, and the objects with ω_tj > 0 (the seed's continuation economy S^c; the ``sp`` mechanism
does the same).  Q is an **SP outcome for the partition** iff every turn's rows are a
pseudomarket equilibrium of the turn's market with free incomes: prices P >= 0 on the market's
objects, P_j = 0 unless N_t exhausts ω_tj (market clearing on the *remaining* supply) and for
every member x not satiated in the market (supp q_x ⊄ argmax of v_x over the market's objects)
α_x > 0, β_x with P_j >= α_x v_xj + β_x, equality on supp q_x (the affine-support LP of §1,
normalised to α_x >= 1; infeasibility has a Farkas certificate).  Note that ω_t depends only on
the set R of agents still to be served, not on the order of the earlier turns: turn feasibility
is a property of a pair (G, R) with G ⊆ R.

**Coarsest.**  Among all ordered partitions for which Q is an SP outcome, :func:`decompose`
returns the one with (1) the fewest turns τ; then (2) the lexicographically largest sequence of
group sizes (|N_1|, |N_2|, ...): earlier turns as large as possible; then (3) the
lexicographically smallest sequence of groups, each group read as the increasing tuple of its
agents' positions in the economy.  This key is lexicographic in the turn sequence with τ first,
so a shortest-path recursion over the remaining set R (memoised; at most 3^n pairs (G, R))
finds it.

**Ex-ante PO input gives the single group [N] (Theorem 2, in the strong form of §1).**  If Q is
ex-ante Pareto optimal, the ``ex-ante.po`` certificate (weights w_x >= 1, prices π >= 0, zero on
slack objects, levels μ_x with w_x v_xj <= μ_x + π_j, equality on supp q_x) gives P = π,
α_x = w_x, β_x = −μ_x: every turn-1 condition holds (all supplies are positive, so the first
market has every object).  One turn is the fewest possible, and [N] is the only one-turn
partition, so it is the coarsest.  The construction is re-verified exactly here (a failure would
refute the theorem and raises), and the certificate's checker verifies it again.  The converse
fails: a non-PO Q can still be an SP outcome (the seed's two-agent example; the seed's Theorem 1
assignment, with [x1, x2, y1, y2][z]), and even a one-turn one (the seed's equilibrium definition
lacks HZ's cheapest-bundle rule; ``proofs/theorem1/first_welfare.json``).

**Weak core = SP outcomes with free incomes (found here: for the seed's definition issue 7's
"economy where the weak core strictly contains the SP outcomes" does not exist; for the ``sp``
mechanism's equal budgets it does, see the end of this paragraph).**  *SP ⊆ weak core* is the
seed's Theorem 3 (re-proved for this definition in ``certificates/check_sp.py``).  *Weak core ⊆
SP*: let Q be in the weak core and R the agents still to be served (initially N); Q restricted
to R is in the weak core of the residual economy (R, ω_R), because a coalition C ⊆ R has the
same resources ω − Σ_{x∉C} q_x in both.  Run the weak-core round LP of
``properties/cardinal.py`` (§3) for the coalition R: since R does not block, it ends with value
0 and a dual (λ >= 0 on R, λ_x >= 1 on the agents that cannot gain, π >= 0, μ) with λ_y v_yj <=
μ_y + π_j for all y ∈ R and objects j, and Σ μ + Σ π_j ω_Rj <= Σ λ_y u_y(q_y).  Lower π by c =
its minimum over the market's objects (μ_y += c): the bound survives because Σ_j ω_Rj >= |R|.
Chaining Σ λ u <= Σ_y Σ_j q_yj (μ_y + π_j) <= Σ μ + Σ π ω_R forces equality everywhere: λ_y v_yj
= μ_y + π_j on supp q_y, and π_j > 0 only on objects that R exhausts.  An agent with λ_y = 0
holds only objects of price −μ_y <= min π = 0, so the objects with π_j > 0 are exhausted by G =
{y : λ_y > 0} alone: P = π, α = λ, β = −μ support G as a turn on the market (G, ω_R) (non-empty:
it contains the agents that cannot gain).  Recurse on R \\ G.  :func:`core_decomposition` runs
this construction (polynomial; each turn re-verified exactly), and :func:`decompose` uses it
beyond :data:`MAX_AGENTS`.  So "is Q an SP outcome for some partition?" is the weak-core
question. This is about SP outcomes in the seed's sense (free incomes).  **With equal budgets
the weak core is strictly larger**: the stored counterexample
``counterexamples/sp-outcome-equal-budgets/rsd__*.json`` (found from scratch by the catalogue
entry ``weak-core-not-sp-outcome-equal-budgets``) is random serial dictatorship's outcome for
v_1 = (2, 1, 0), v_2 = (1, 0, 0), v_3 = (0, 1, 0) on objects a, b, c: q_1 = (1/2, 1/6, 1/3), q_2
= (1/2, 0, 1/2), q_3 = (0, 5/6, 1/6).  It is ex-ante PO (weights (1, 2, 1), prices (2, 1, 0)),
hence in the weak core, but no first group has equal-budget HZ prices: for N the affine supports
force P = P_c + α(2, 1, 0) (α > 0), under which agent 1 spends P_c + 7α/6 and agent 3 only P_c +
5α/6; every smaller group leaves slack (so priced 0) two objects of different value held by one
of its non-satiated members.

**Equal budgets (``budgets="equal"``; the ``sp`` mechanism).**  A turn (G, R) is supported iff
G's rows are a Hylland–Zeckhauser equilibrium of the turn's market with one common budget
b > 0: the conditions above, plus P·q_x = b for every non-satiated member and, for a satiated
one, P·q_x <= b and P·q_x <= P_l for every top object l of the market (HZ's cheapest-bundle
rule).  The conditions are homogeneous in (P, α, β, b), so b = 1 (prices in units of the
budget); the turn LP is the ``hz`` system of ``properties/cardinal.py`` with budgets 1 (scale
s >= 1 divided out), its infeasibility an ``hz.no-equilibrium`` Farkas certificate (the ``pm``
system is solved first: when even it is infeasible, its Farkas vector, without budget rows,
serves).  Turn
feasibility still depends on (G, R) only, so the same search finds the coarsest partition;
neither shortcut applies (PO input need not be one equal-budget turn, and the weak-core
construction gives free incomes), so beyond ``max_agents`` only [N] or a blocking coalition
answers.  An ``sp`` outcome for P decomposes with P in this mode (each turn is the HZ
equilibrium the mechanism computed, with budget 1), and every equal-budget SP outcome is a
free-income one (an HZ turn satisfies the free-income conditions), so it is in the weak core.

**Non-PO input.**  The dominating assignment of ``ex-ante-po``'s "no" witness is reported.  If
[N] does not support Q: for n <= :data:`MAX_AGENTS` (default 6; at most 3^n − 2^n turn LPs) the
recursion gives the coarsest partition, or a tree of Farkas certificates that Q is an SP outcome
for no partition (:class:`NotOutcome`, claim ``sp.not-outcome``): for every remaining set R in
the tree (the root is N) and every non-empty G ⊆ R, either the turn LP (G, R) is infeasible or
R \\ G is again a node of the tree (non-empty); by induction on |R| no node can be completed.
For larger n the weak-core construction answers instead: a decomposition (``coarsest`` False:
fewest turns not guaranteed) or a blocking coalition (``sp.not-outcome`` with a ``blocking``
witness, valid by Theorem 3).

>>> from exactassign.economy import Economy
>>> from exactassign.allocation import Allocation
>>> e = Economy.create(["x", "y"], ["i", "j"], preferences={"x": [["i", "j"]], "y": ["i", "j"]},
...                    valuations={"x": {"i": 1, "j": 1}, "y": {"i": 1, "j": 0}})
>>> q = Allocation.from_mapping(e, {"x": {"i": 1}, "y": {"j": 1}})   # the seed's example
>>> d = decompose(e, q)
>>> d.ex_ante_po, d.partition
(False, (('x', 'y'),))
>>> decompose(e, q, budgets="equal").partition   # HZ: x must buy a cheapest top object
(('x',), ('y',))
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from flint import fmpq

from .allocation import Allocation
from .errors import AllocationError, DomainError, LimitExceeded, ParameterError
from .lp import OPTIMAL, solve
from .numbers import ONE, ZERO, canonical
from .properties.cardinal import (BlockingCoalition, CardinalData, ParetoImprovement,
                                  WelfareWeights, _assignment_lp, _farkas, _nest, _price_lp,
                                  analyse_ex_ante_po, analyse_weak_core, cardinal_reason)

__all__ = ["MAX_AGENTS", "BUDGETS", "Turn", "NotOutcome", "Decomposition", "decompose",
           "turn_market", "turn_violations", "hz_violations", "core_decomposition",
           "decomposition_for", "certificate_document"]

MAX_AGENTS = 6        # default size limit of the coarsest-partition search
MAX_SEARCH = 8        # its largest allowed value (= check_sp.MAX_AGENTS, the tree's limit)
BUDGETS = ("free", "equal")   # free incomes (the seed's SP) or equal budgets per turn (``sp``)


@dataclass(frozen=True)
class Turn:
    """One turn: its group, its market (objects with remaining supply) and supporting prices;
    ``alpha``/``beta`` for the members that are not satiated in the market."""

    group: tuple[str, ...]
    objects: tuple[str, ...]
    supply: tuple[fmpq, ...]
    prices: tuple[fmpq, ...]
    alpha: dict[str, fmpq]
    beta: dict[str, fmpq]
    budget: fmpq | None = None      # the members' common budget (equal-budget mode), else None

    def to_json(self) -> dict:
        out: dict[str, Any] = {"group": list(self.group),
                               "supply": {o: canonical(s)
                                          for o, s in zip(self.objects, self.supply)}}
        if self.budget is not None:
            out["budget"] = canonical(self.budget)
        out["prices"] = {o: canonical(p) for o, p in zip(self.objects, self.prices)}
        out["agents"] = {a: {"alpha": canonical(self.alpha[a]), "beta": canonical(self.beta[a])}
                         for a in self.group if a in self.alpha}
        return out


@dataclass(frozen=True)
class NotOutcome:
    """The ``sp.not-outcome`` tree: ``nodes[R][G]`` is the Farkas multiplier map of the turn LP
    (G, R) (keys as in ``check_cardinal``), or None when R \\ G is itself a node."""

    nodes: dict[tuple[str, ...], dict[tuple[str, ...], dict | None]]


@dataclass(frozen=True)
class Decomposition:
    """The answer of :func:`decompose`.

    ``ex_ante_po`` with ``po_witness`` (:class:`WelfareWeights` or :class:`ParetoImprovement`);
    ``turns``: a decomposition (the coarsest when ``coarsest``), or None when the assignment is
    an SP outcome for no partition; then ``not_outcome`` (the tree, n <= ``max_agents``) or
    ``blocking`` (a blocking coalition: not in the weak core, so no SP outcome by Theorem 3)
    proves it.  ``budgets``: "free" (free incomes) or "equal" (equal budgets per turn).
    ``lps`` counts the LPs solved after the ex-ante PO one.
    """

    agents: tuple[str, ...]
    objects: tuple[str, ...]
    ex_ante_po: bool
    po_witness: Any
    turns: tuple[Turn, ...] | None
    coarsest: bool
    not_outcome: NotOutcome | None
    blocking: BlockingCoalition | None
    max_agents: int
    lps: int
    budgets: str = "free"

    @property
    def partition(self) -> tuple[tuple[str, ...], ...] | None:
        return None if self.turns is None else tuple(t.group for t in self.turns)

    @property
    def is_sp_outcome(self) -> bool:
        return self.turns is not None

    @property
    def dominating(self) -> Allocation | None:
        w = self.po_witness
        return w.dominating if isinstance(w, ParetoImprovement) else None

    def claim(self) -> tuple[str, dict]:
        """(claim, witness) of the certificate (``certificates/check_sp.py``); in equal-budget
        mode the witness has ``"budgets": "equal"`` and the prices are in units of the budget
        (every member's budget is 1)."""
        mode = {"budgets": "equal"} if self.budgets == "equal" else {}
        if self.turns is not None:
            return "sp.decomposition", {
                **mode, "partition": [list(t.group) for t in self.turns],
                "turns": [{k: v for k, v in t.to_json().items() if k in ("prices", "agents")}
                          for t in self.turns]}
        if self.not_outcome is None:
            assert self.blocking is not None
            return "sp.not-outcome", {**mode, "blocking": {
                "coalition": list(self.blocking.coalition),
                "reallocation": {a: {o: canonical(x) for o, x in zip(self.objects, row) if x}
                                 for a, row in self.blocking.reallocation.items()}}}
        nodes = []
        for rest, groups in self.not_outcome.nodes.items():
            entries = []
            for g, mult in groups.items():
                entries.append({"group": list(g), "continue": True} if mult is None else
                               {"group": list(g), "multipliers": _nest(mult)})
            nodes.append({"remaining": list(rest), "groups": entries})
        return "sp.not-outcome", {**mode, "nodes": nodes}

    def to_json(self) -> dict:
        out: dict[str, Any] = {"budgets": self.budgets, "ex_ante_po": self.ex_ante_po}
        if self.dominating is not None:
            out["dominating"] = self.dominating.to_mapping()
        out["sp_outcome"] = self.is_sp_outcome
        if self.turns is not None:
            out["coarsest"] = self.coarsest
            out["partition"] = [list(g) for g in self.partition or ()]
            out["turns"] = [t.to_json() for t in self.turns]
        elif self.blocking is not None:
            out["blocking_coalition"] = list(self.blocking.coalition)
        out["lps"] = self.lps
        return out


# ============================================================================ markets
def turn_market(d: CardinalData, group: Sequence[int], remaining: frozenset[int]
                ) -> CardinalData:
    """The market of a turn: agents ``group`` (indices), the objects with positive supply
    left after the agents outside ``remaining`` took their rows, that supply."""
    left = [d.supply[j] - sum((d.q[i][j] for i in range(d.n) if i not in remaining), ZERO)
            for j in range(d.m)]
    live = [j for j in range(d.m) if left[j] > 0]
    g = sorted(group)
    v = tuple(tuple(d.v[i][j] for j in live) for i in g)
    q = tuple(tuple(d.q[i][j] for j in live) for i in g)
    support = tuple(tuple(k for k in range(len(live)) if row[k] > 0) for row in q)
    top = tuple(frozenset(k for k in range(len(live)) if vr[k] == max(vr)) for vr in v)
    cols = [sum((q[t][k] for t in range(len(g))), ZERO) for k in range(len(live))]
    sup = tuple(left[j] for j in live)
    return CardinalData(
        agents=tuple(d.agents[i] for i in g), objects=tuple(d.objects[j] for j in live),
        v=v, q=q, supply=sup,
        u=tuple(sum((a * b for a, b in zip(vr, qr) if b), ZERO) for vr, qr in zip(v, q)),
        support=support, top=top, satiated=tuple(set(s) <= t for s, t in zip(support, top)),
        exhausted=tuple(c == s for c, s in zip(cols, sup)))


def turn_violations(mk: CardinalData, prices: Sequence[fmpq], alpha: dict[str, fmpq],
                    beta: dict[str, fmpq]) -> list[str]:
    """Every violated condition of the turn-support definition (module docstring)."""
    bad = []
    for j, (o, p) in enumerate(zip(mk.objects, prices)):
        if p < 0 or (p > 0 and not mk.exhausted[j]):
            bad.append(f"price of {o!r} is {canonical(p)} (negative, or positive on a slack "
                       f"object)")
    for i, a in enumerate(mk.agents):
        if mk.satiated[i]:
            continue
        if a not in alpha or not alpha[a] > 0:
            bad.append(f"agent {a!r} needs alpha > 0")
            continue
        for j, o in enumerate(mk.objects):
            aff = alpha[a] * mk.v[i][j] + beta[a]
            if prices[j] < aff or (mk.q[i][j] > 0 and prices[j] != aff):
                bad.append(f"agent {a!r}, object {o!r}: price {canonical(prices[j])} against "
                           f"alpha*v + beta = {canonical(aff)}")
    return bad


def hz_violations(mk: CardinalData, prices: Sequence[fmpq], alpha: dict[str, fmpq],
                  beta: dict[str, fmpq], budget: fmpq) -> list[str]:
    """Every violated condition of an HZ equilibrium with the common ``budget`` (module
    docstring, "Equal budgets"): the turn-support conditions, non-satiated members spend the
    budget, satiated ones at most the budget on a cheapest bundle of top objects."""
    bad = turn_violations(mk, prices, alpha, beta)
    for i, a in enumerate(mk.agents):
        cost = sum((p * x for p, x in zip(prices, mk.q[i]) if x), ZERO)
        if not mk.satiated[i]:
            if cost != budget:
                bad.append(f"agent {a!r} is not satiated but spends {canonical(cost)}")
            continue
        if cost > budget or any(prices[j] < cost for j in mk.top[i]):
            bad.append(f"satiated agent {a!r} pays {canonical(cost)}: over the budget or not "
                       f"a cheapest top bundle")
    return bad


def _solve_turn(mk: CardinalData, budgets: str = "free") -> Turn | dict:
    """Supporting prices of a market (a :class:`Turn`) or the Farkas multipliers: the
    ``pm`` system (free incomes) or the ``hz`` system with every budget 1 (equal budgets;
    the LP's scale s is divided out, so the prices are in units of the budget).  With equal
    budgets the ``pm`` system is tried first: its rows are among the ``hz`` system's, so its
    Farkas vector (no budget rows) refutes HZ prices too, and reads "not even free incomes"."""
    lp, keys, var = _price_lp(mk, "pm")
    r = solve(lp)
    if r.status != OPTIMAL:
        return _farkas(r, keys)
    if budgets == "equal":
        lp, keys, var = _price_lp(mk, "hz", budgets=tuple(ONE for _ in mk.agents))
        r = solve(lp)
        if r.status != OPTIMAL:
            return _farkas(r, keys)
    x = r.x
    assert x is not None
    scale = x[var["s"]] if var["s"] is not None else ONE
    prices = tuple(x[var["P"][j]] / scale if j in var["P"] else ZERO for j in range(mk.m))
    alpha = {mk.agents[i]: x[a] / scale for i, a in var["alpha"].items()}
    beta = {mk.agents[i]: x[b] / scale for i, b in var["beta"].items()}
    if budgets != "equal":
        return Turn(mk.agents, mk.objects, mk.supply, prices, alpha, beta)
    bad = hz_violations(mk, prices, alpha, beta, ONE)
    assert not bad, bad      # the LP's solution is exact: a failure is a bug here
    return Turn(mk.agents, mk.objects, mk.supply, prices, alpha, beta, ONE)


def _turn_from_weights(d: CardinalData, mk: CardinalData, w: WelfareWeights) -> Turn:
    """Theorem 2's construction from an ``ex-ante.po`` witness (module docstring)."""
    full = dict(zip(d.objects, w.prices))
    index = {a: i for i, a in enumerate(d.agents)}
    prices = tuple(full[o] for o in mk.objects)
    nonsat = [a for i, a in enumerate(mk.agents) if not mk.satiated[i]]
    alpha = {a: w.weights[index[a]] for a in nonsat}
    beta = {a: -w.mu[index[a]] for a in nonsat}
    return Turn(mk.agents, mk.objects, mk.supply, prices, alpha, beta)


# ============================================================================ decompose
def _core_turn(d: CardinalData, rest: frozenset[int]) -> tuple[Turn, frozenset[int]] | None:
    """One step of "weak core ⇒ SP outcome" (module docstring): for the agents ``rest`` on
    the supply they leave, the weak-core round LPs (``properties.cardinal``, §3); None if
    ``rest`` blocks.  Otherwise the final round LP's dual (λ, π, μ), π shifted down by its
    minimum over the market's objects, supports G = {x : λ_x > 0} (which contains the agents
    that cannot gain) as a turn: returns (turn, G)."""
    members = sorted(rest)
    residual = [d.supply[j] - sum((d.q[i][j] for i in range(d.n) if i not in rest), ZERO)
                for j in range(d.m)]
    improvable: set[int] = set()
    while True:
        gain = [i for i in members if i not in improvable]
        if not gain:
            return None
        b, qv, gv, row_r, row_s, row_u = _assignment_lp(d, members, residual, gain)
        r = solve(b.build())
        assert r.status == OPTIMAL and r.value is not None and r.x is not None
        if r.value > 0:
            improvable |= {i for i in gain if r.x[gv[i]] > 0}
            continue
        y = r.y
        assert y is not None
        break
    lam = {i: -y[row_u[i]] for i in members}
    live = [j for j in range(d.m) if residual[j] > 0]
    shift = min(y[row_s[j]] for j in live)
    group = frozenset(i for i in members if lam[i] > 0)
    mk = turn_market(d, sorted(group), rest)
    prices = tuple(y[row_s[j]] - shift for j in live)
    alpha = {d.agents[i]: lam[i] for i in group}
    beta = {d.agents[i]: -(y[row_r[i]] + shift) for i in group}
    sat = {a for a, s in zip(mk.agents, mk.satiated) if s}
    turn = Turn(mk.agents, mk.objects, mk.supply, prices,
                {a: x for a, x in alpha.items() if a not in sat},
                {a: x for a, x in beta.items() if a not in sat})
    bad = turn_violations(mk, turn.prices, turn.alpha, turn.beta)
    if bad:      # pragma: no cover - would refute "weak core => SP outcome"
        raise AssertionError("weak core => SP construction failed: " + "; ".join(bad))
    return turn, group


def core_decomposition(economy: Any, allocation: Allocation) -> tuple[Turn, ...] | None:
    """A decomposition (not necessarily the coarsest) of an assignment in the weak core, by
    repeated :func:`_core_turn` (polynomial: at most n turns of at most n + 1 LPs each); None
    if some remaining set blocks, i.e. the assignment is not in the weak core.  Every weak-core
    assignment is an SP outcome (module docstring), so None means "no SP outcome" too."""
    d = _validated(economy, allocation)
    rest = frozenset(range(d.n))
    turns = []
    while rest:
        step = _core_turn(d, rest)
        if step is None:
            return None
        turns.append(step[0])
        rest = rest - step[1]
    return tuple(turns)


def _validated(economy: Any, allocation: Allocation) -> CardinalData:
    from .properties.cardinal import cardinal_data
    reason = cardinal_reason(economy, allocation)
    if reason is not None:
        raise DomainError(f"decompose: {reason}")
    bad = allocation.feasibility_violations(economy)
    if bad:
        raise AllocationError(f"decompose: the allocation is infeasible ({bad[0]})")
    return cardinal_data(economy, allocation)


def _budgets_mode(budgets: str) -> str:
    if budgets not in BUDGETS:
        raise ParameterError(f"--budgets must be one of {', '.join(BUDGETS)} (free incomes, or "
                             f"equal budgets in every turn as in the sp mechanism), got "
                             f"{budgets!r}")
    return budgets


def decompose(economy: Any, allocation: Allocation, *, max_agents: int = MAX_AGENTS,
              budgets: str = "free") -> Decomposition:
    """Decompose ``allocation`` into sequential-pseudomarket turns (module docstring).

    Order of work: ex-ante PO (one LP; PO input gets [N] from its welfare weights); the one-turn
    LP; then, for n <= ``max_agents``, the coarsest partition by the memoised recursion over
    remaining sets (at most 3^n − 2^n turn LPs), with the ``sp.not-outcome`` tree when there is
    none; for larger n the weak-core construction (polynomial; a decomposition that need not
    be the coarsest, or a blocking coalition).  Raises :class:`DomainError` outside the cardinal
    model and :class:`AllocationError` for an infeasible allocation.

    ``budgets="equal"``: every turn must be an HZ equilibrium with equal budgets (module
    docstring, "Equal budgets").  PO input is not enough for one turn then, and the weak-core
    construction does not apply: for n > ``max_agents`` only [N] or a blocking coalition
    answers, otherwise :class:`LimitExceeded`.
    """
    mode = _budgets_mode(budgets)
    if not 0 <= max_agents <= MAX_SEARCH:
        raise ParameterError(f"--max-agents must be between 0 and {MAX_SEARCH} (the search "
                             f"solves up to 3^n LPs; the checker enumerates the tree's subsets "
                             f"up to {MAX_SEARCH} agents), got {max_agents}")
    d = _validated(economy, allocation)
    po = analyse_ex_ante_po(economy, allocation)
    everyone = frozenset(range(d.n))
    lps = 0

    def done(turns: tuple[Turn, ...] | None, coarsest: bool = True,
             tree: NotOutcome | None = None, blocking: BlockingCoalition | None = None
             ) -> Decomposition:
        return Decomposition(d.agents, d.objects, isinstance(po, WelfareWeights), po, turns,
                             coarsest, tree, blocking, max_agents, lps, mode)

    if isinstance(po, WelfareWeights) and mode == "free":
        mk = turn_market(d, range(d.n), everyone)
        turn = _turn_from_weights(d, mk, po)
        bad = turn_violations(mk, turn.prices, turn.alpha, turn.beta)
        if bad:      # pragma: no cover - would refute the second welfare theorem (§1)
            raise AssertionError("Theorem 2 construction failed: " + "; ".join(bad))
        return done((turn,))

    cache: dict[tuple[frozenset[int], frozenset[int]], Turn | dict] = {}

    def turn_of(g: frozenset[int], rest: frozenset[int]) -> Turn | dict:
        nonlocal lps
        key = (g, rest)
        if key not in cache:
            cache[key] = _solve_turn(turn_market(d, sorted(g), rest), mode)
            lps += 1
        return cache[key]

    one = turn_of(everyone, everyone)
    if isinstance(one, Turn):
        return done((one,))
    if d.n > max_agents and mode == "equal":
        core = analyse_weak_core(economy, allocation)
        lps += core.lps
        if isinstance(core, BlockingCoalition):
            return done(None, blocking=core)
        raise LimitExceeded(f"decompose --budgets equal: {d.n} agents > --max-agents "
                            f"{max_agents}, the assignment is in the weak core and [N] is no "
                            f"HZ equilibrium with equal budgets; deciding it needs the search "
                            f"over ordered partitions (up to 3^n LPs)")
    if d.n > max_agents:
        turns, rest = [], everyone
        while rest:
            step = _core_turn(d, rest)
            lps += 1
            if step is None:
                core = analyse_weak_core(economy, allocation)
                assert isinstance(core, BlockingCoalition)
                return done(None, blocking=core)
            turns.append(step[0])
            rest = rest - step[1]
        return done(tuple(turns), coarsest=False)

    best: dict[frozenset[int], tuple | None] = {frozenset(): (0, ())}

    def solve_rest(rest: frozenset[int]) -> tuple | None:
        if rest in best:
            return best[rest]
        members = sorted(rest)
        found = None
        for size in range(len(members), 0, -1):
            for g in combinations(members, size):
                gs = frozenset(g)
                if not isinstance(turn_of(gs, rest), Turn):
                    continue
                sub = solve_rest(rest - gs)
                if sub is None:
                    continue
                cand = (1 + sub[0], ((-size, g),) + sub[1])
                if found is None or cand < found:
                    found = cand
            if found is not None and found[0] == 1:
                break
        best[rest] = found
        return found

    path = solve_rest(everyone)
    if path is not None:
        turns, rest = [], everyone
        for _, g in path[1]:
            t = turn_of(frozenset(g), rest)
            assert isinstance(t, Turn)
            turns.append(t)
            rest = rest - frozenset(g)
        return done(tuple(turns))
    nodes: dict[tuple[str, ...], dict[tuple[str, ...], dict | None]] = {}
    todo = [everyone]
    while todo:
        rest = todo.pop()
        key = tuple(d.agents[i] for i in sorted(rest))
        if key in nodes:
            continue
        groups: dict[tuple[str, ...], dict | None] = {}
        members = sorted(rest)
        for size in range(1, len(members) + 1):
            for g in combinations(members, size):
                gs = frozenset(g)
                t = turn_of(gs, rest)
                if isinstance(t, Turn):
                    assert rest - gs and best.get(rest - gs, 1) is None
                    groups[tuple(d.agents[i] for i in g)] = None
                    todo.append(rest - gs)
                else:
                    groups[tuple(d.agents[i] for i in g)] = t
        nodes[key] = groups
    return done(None, tree=NotOutcome(nodes))


def decomposition_for(economy: Any, allocation: Allocation,
                      partition: Sequence[Sequence[str]], budgets: str = "free"
                      ) -> tuple[Turn, ...] | tuple[int, dict]:
    """Check one given ordered partition: its turns with supporting prices, or (t, Farkas
    multipliers) for the first turn t (0-based) whose group has none (``budgets`` as in
    :func:`decompose`)."""
    mode = _budgets_mode(budgets)
    d = _validated(economy, allocation)
    index = {a: i for i, a in enumerate(d.agents)}
    flat = [a for g in partition for a in g]
    if sorted(flat) != sorted(d.agents) or any(not g for g in partition):
        raise ParameterError("the partition must list every agent exactly once, in non-empty "
                             "groups")
    rest = frozenset(range(d.n))
    turns = []
    for t, g in enumerate(partition):
        gs = frozenset(index[a] for a in g)
        r = _solve_turn(turn_market(d, sorted(gs), rest), mode)
        if not isinstance(r, Turn):
            return t, r
        turns.append(r)
        rest = rest - gs
    return tuple(turns)


def certificate_document(economy: Any, allocation: Allocation, result: Decomposition) -> dict:
    """The certificate (``sp.decomposition`` or ``sp.not-outcome``) of a result; further claims
    about the same allocation join it with ``certificates.build.conjunction``."""
    from .certificates.build import certificate
    claim, witness = result.claim()
    prop = "sp-outcome-equal-budgets" if result.budgets == "equal" else "sp-outcome"
    return certificate(claim, economy, allocation, witness, prop=prop)
