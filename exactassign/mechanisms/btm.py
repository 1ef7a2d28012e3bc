"""Balanced trading mechanisms (BTM) on the full preference domain, and ps-ext.

The mechanism of Yu and Zhang, "Efficient and fair trading mechanisms on the full preference
domain" (arXiv 2005.09340v2, the seed ``shared/seeds/004_d70d5e946bffb6e8.txt``), which extends
the balanced trading mechanisms of Yu and Zhang (arXiv 2005.06878) for fractional endowment
exchange (FEE) from strict to weak preferences.  The working specification is
``shared/spec/btm.md``; its section numbers are cited below as "btm.md §k".

State at the start of step t: remaining endowments ω^t, the allocation received so far p^t and
the objects still in endowments O^t.  A step has three stages (seed §3.2, btm.md §3):

1. **Labeling**, in rounds.  F_0 = O^t.  In round k every agent not yet labeling who holds
   p_io > 0 of an object o ∉ O^t and is indifferent between o and some object of F_{k-1}
   labels her whole received amount of every such o as available.  F_k is the set of objects
   labeled in round k; the stage stops when a round labels nothing.
2. **Pointing**, in rounds.  Participants are the agents with remaining endowment and the
   labelers.  A^t = O^t ∪ {labeled objects}.  Round 1: a participant whose favourite objects
   in A^t meet O^t demands D_i = her favourites in O^t (supplied from endowments).  Round r:
   a participant not yet pointing whose favourites meet the objects labeled by agents who
   pointed in earlier rounds demands D_i = her favourites among those (supplied by those
   labelers).
3. **Trading**: with parameters λ (how i splits her demand over D_i) and θ (each supplier's
   share of a source), solve system (4): every participant receives as much as she supplies,
   under constraints (5): no supplier gives more than her remaining endowment or labeled stock.
   Take the maximum solution and update ω, p.

The step ends when the step's maximum trade is made; the mechanism stops when O^{t+1} = ∅.

**How the maximum solution is computed.**  Call a *source* either the endowment of an object
o ∈ O^t (suppliers: its remaining owners) or the labeled stock of an object o (suppliers: its
eligible labelers).  With x_s the amount drawn from source s and y_i the amount agent i
receives, (4) reads x_s = Σ_i λ_is y_i and y_j = Σ_s θ_js x_s, hence x = K x with
K_{s's} = Σ_j θ_js λ_js', a column-stochastic matrix (demand flows from a source to the sources
its suppliers demand).  Nonnegative solutions of x = Kx are the combinations Σ_C α_C π^C of the
stationary vectors of the *closed classes* C (sink strongly connected components) of the source
graph; transient sources get 0.  Constraints (5) become x_s ≤ cap_s := min_j cap_js / θ_js and
separate by class, so the componentwise-largest solution scales each class independently up to
α*_C = min_{s ∈ C} cap_s / π^C_s (the ratio test).  The agents supplying the sources of a closed
source class form a closed class of the agent graph i → j (j supplies what i demands), and
y = Θx is the maximum solution in the agents' variables: btm.md §2 states the construction on
the agent graph; working on sources is the same chain seen from the other side of the bipartite
demand/supply graph and has at most 2|O| states instead of |I|.  Stationary vectors are solved
exactly with python-flint ``fmpq_mat``.

**Rules** (the parameters λ, θ).  A :class:`BTMRule` bundles three functions of the step state
(:class:`StepState`): ``demand_split`` (λ), ``endowment_shares`` (θ for an endowment source) and
``labeled_shares`` (θ for a labeled source).  Built in:

- ``equal`` (default, the extension of Equal-BTM, seed eq. (3) and Example 1): λ equal over D_i,
  θ equal over the remaining owners of o, θ equal over the eligible labelers of o.
  Stepwise ETE, stepwise EEET and bounded advantage hold, so the outcome is ETE, EENE and BE
  (seed Prop. 2).
- ``proportional``: λ equal over D_i, owners supply in proportion to their remaining holdings
  of o, labelers in proportion to their labeled stocks.  Stepwise ETE and EEET hold (ETE, EENE);
  bounded advantage does not (btm.md §2 gives an instance where it differs from Equal-BTM).

**Reconstructed choices** (btm.md marks them [rec]; each is made in one named place):

- [rec] The balance equation (1)/(4): what an agent receives equals what she supplies,
  y_j = Σ_s θ_js x_s (btm.md §2, "(1) balance"); the seed's formulas did not survive extraction.
- [rec] The maximum solution is computed by closed classes and a ratio test (btm.md §2); the
  seed only says it exists (its Lemma 1 cites Yu and Zhang 2025).  Stage 3 of :func:`_step`.
- [text+rec] Labeling uses the seed's formal round rule with indifference read reflexively: an
  agent holding an exhausted object o that another agent labeled in the previous round labels
  her own o too (btm.md §3 "possibly the same object type labeled by another agent";
  :meth:`_Kernel.labeling`).  It is the reading under which the seed's footnote 4 holds (an
  agent labels in a single round every held exhausted object of her indifference class: all
  of them are indifferent to the o just labeled), which matters once she labels another
  object o'' ~ o in that round.  When her only reason is her own object type, her stock is
  never used: her favourites are then {o}, she points in the same round as o's other
  demanders, after the labelers they draw on.  In Example 1 agent 3 labels her b at step 2 and
  agent 4 her a at step 3, both unused.
- [text+rec] Eligible labelers of a labeled object o for a demander pointing in round r are the
  labelers of o who pointed in rounds < r (never the demander herself): seed pointing round r
  ("objects labeled by agents who pointed in earlier rounds").  All demanders of labeled o point
  in the same round (the round after o's first labeler points), so each labeled object is one
  source (checked at run time).  :meth:`_Kernel.pointing`.
- [decision] An object an agent does not list is unacceptable; in the FEE model (no outside
  option: rows are fixed) the unacceptable objects form one bottom tie of her order, as in the
  property checkers (:mod:`exactassign.properties.extended`).
- [decision] A house-allocation economy (no endowments) is run as the FEE economy with
  ω_io = q_o / n (btm.md §1, seed §2).  This needs Σ_o q_o ≤ |I| (each agent demands one unit)
  and every agent accepting every object (the FEE model has no outside option and no free
  disposal; an agent out of acceptable objects would have to take unacceptable ones, which PS
  would leave unassigned); both are refused with a :class:`DomainError` that names the reason.
- [decision] ``proportional`` keeps λ equal; it changes θ only.

**Trace.**  One frozen :class:`BTMStep` per step (``to_json()`` gives canonical strings): the
labeling rounds (who labels which amounts, indifferent to which objects of F_{k-1}), the
pointing rounds (favourites, D_i, sources), the demand splits λ, the sources with their
suppliers' shares θ and capacities, system (4) as text (:meth:`BTMStep.equations`), the closed
classes (sources, agents, stationary vector, α, binding constraints, BFS in- and out-trees
proving strong connectivity), a path to a closed class for every transient source, x, y, the
amounts received and supplied (from endowments and from labeled stock) and what was exhausted.
This is enough for a checker to replay every step from the economy alone (``tests/test_btm.py``
has such a replay).  ps-ext reports :class:`EatingStep` records.

Internal invariants (every participant points, constraints (5) hold, every closed class has a
binding constraint, ...) raise ``RuntimeError``: they are theorems of the seed, not input
conditions.  The favourites pointers assume Lemma 1 (A^{t+1} ⊆ A^t) and fall back to a full
rescan (counted in ``info["lemma1_violations"]``) if it ever failed.

Complexity: at most |{(j, o): ω_jo > 0}| endowment-exhausting steps plus the steps that exhaust
a labeled stock; a step costs O(|O| + Σ_i |D_i| + labeled stock) exact operations with the
built-in rules (O(nnz(ω)) with custom rules) plus one exact solve per closed class (size ≤
2|O|).  The amounts are exact rationals whose size grows with the number of steps (thousands
of digits on random 200-agent economies), which dominates the running time.  A step limit
(``max_steps``) guards termination and raises :class:`~exactassign.errors.LimitExceeded`.

Example 1 of the seed (btm.md §5): four agents own 1/4 of each of a, b, c.

>>> from exactassign.economy import Economy
>>> e = Economy.create(["1", "2", "3", "4"], ["a", "b", "c"],
...     preferences={"1": [["a", "b"], "c"], "2": [["b", "c"], "a"],
...                  "3": ["b", "a", "c"], "4": ["a", "b", "c"]},
...     endowments={i: {"a": "1/4", "b": "1/4", "c": "1/4"} for i in "1234"})
>>> r = balanced_trading(e)
>>> [r.allocation.row_map(i) for i in "1234"]  # doctest: +NORMALIZE_WHITESPACE
[{'a': 1/3, 'b': 1/3, 'c': 1/12}, {'c': 3/4}, {'b': 2/3, 'c': 1/12}, {'a': 2/3, 'c': 1/12}]
>>> s = r.trace[1]
>>> [(ev.agent, ev.objects) for rnd in s.labeling for ev in rnd.events]
[('1', ('b',)), ('2', ('b',)), ('3', ('b',))]
>>> {a: str(y) for a, y in s.y.items()}
{'1': '3/20', '2': '3/20', '3': '1/10', '4': '1/10'}
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flint import fmpq, fmpq_mat

from ..allocation import Allocation
from ..errors import DomainError, LimitExceeded, NumberError, ParameterError
from ..numbers import ONE, ZERO, canonical, parse
from .base import Mechanism, MechanismResult, register

__all__ = [
    "BTMRule", "StepState", "EQUAL", "PROPORTIONAL", "RULES", "get_rule",
    "LabelEvent", "LabelingRound", "PointEvent", "PointingRound", "Source", "ClosedClass",
    "BTMStep", "EatingStep", "balanced_trading", "extended_ps", "fee_endowments",
    "extended_tiers_of",
]


# =============================================================================================
# Rules
# =============================================================================================

class StepState:
    """Read-only view of the current BTM step, handed to the functions of a :class:`BTMRule`.

    The view is valid only during the call (it reads the running state; labeling and pointing
    of the step are complete when rules are asked).  Labels are strings; amounts are exact.
    """

    __slots__ = ("step", "economy", "_k", "_ctx")

    def __init__(self, step: int, economy: Any, kernel: _Kernel, ctx: dict) -> None:
        self.step = step
        self.economy = economy
        self._k = kernel
        self._ctx = ctx

    @property
    def endowment_objects(self) -> tuple[str, ...]:
        """O^t: objects still in some agent's remaining endowment."""
        obj = self._k.objects
        return tuple(obj[o] for o in sorted(self._ctx["live"]))

    def remaining(self, agent: str) -> dict[str, fmpq]:
        """ω^t_i: the agent's remaining endowment (zeros omitted)."""
        i, k = self._k.agent_index[agent], self._k
        return {k.objects[o]: k.endowment_amount(o, i) for o in sorted(k.owned[i])}

    def holding(self, agent: str) -> dict[str, fmpq]:
        """p^t_i: what the agent has received so far (zeros omitted)."""
        i, k = self._k.agent_index[agent], self._k
        return {k.objects[o]: x for o, x in sorted(k.hold[i].items())}

    def labels(self, agent: str) -> tuple[str, ...]:
        """Objects the agent labels as available at this step (empty if none)."""
        i = self._k.agent_index[agent]
        return tuple(self._k.objects[o] for o in self._ctx["labels"].get(i, ()))

    def pointing_round(self, agent: str) -> int | None:
        """The pointing round in which the agent points (None: not a participant)."""
        return self._ctx["pround"].get(self._k.agent_index[agent])

    def demanded(self, agent: str) -> tuple[str, ...]:
        """D_i: the objects the agent demands at this step (empty: not a participant)."""
        i = self._k.agent_index[agent]
        return tuple(self._k.objects[o] for o in self._ctx["D"].get(i, ()))

    def preference(self, agent: str) -> Any:
        """The agent's weak order as in the economy."""
        return self.economy.preference_of(agent)


DemandSplit = Callable[[StepState, str, tuple[str, ...]], Mapping[str, Any]]
SupplyShares = Callable[[StepState, str, Mapping[str, fmpq]], Mapping[str, Any]]


def equal_demand_split(state: StepState, agent: str, objects: tuple[str, ...]
                       ) -> dict[str, fmpq]:
    """λ equal over the demanded objects (seed Example 1: "equally divide their demands")."""
    share = fmpq(1, len(objects))
    return {o: share for o in objects}


def equal_shares(state: StepState, obj: str, holdings: Mapping[str, fmpq]) -> dict[str, fmpq]:
    """θ equal over the suppliers (Equal-BTM, seed eq. (3); equal labelers, seed Example 1)."""
    share = fmpq(1, len(holdings))
    return {a: share for a in holdings}


def proportional_shares(state: StepState, obj: str, holdings: Mapping[str, fmpq]
                        ) -> dict[str, fmpq]:
    """θ in proportion to the suppliers' remaining holdings of the object."""
    total = sum(holdings.values(), ZERO)
    return {a: x / total for a, x in holdings.items()}


@dataclass(frozen=True)
class BTMRule:
    """The parameters of a BTM as functions of the step state.

    - ``demand_split(state, agent, objects) -> {object: λ}``: how the agent splits her demand
      over D_i (``objects``, in economy order); λ ≥ 0 summing to 1.
    - ``endowment_shares(state, object, owners) -> {agent: θ}``: shares of the remaining owners
      (``owners`` maps each to her remaining amount, all > 0); θ ≥ 0 summing to 1.
    - ``labeled_shares(state, object, labelers) -> {agent: θ}``: shares of the eligible labelers
      (mapped to their labeled stock); θ ≥ 0 summing to 1.

    Values may be ``int``, ``Fraction``, ``fmpq`` or exact strings; anything else, negative
    shares, shares of agents who cannot supply or sums other than 1 raise
    :class:`~exactassign.errors.ParameterError` naming the rule, step and object.

    >>> first = BTMRule("first-choice",
    ...                 demand_split=lambda s, a, objs: {objs[0]: 1})
    >>> first.name, first.endowment_shares is equal_shares
    ('first-choice', True)
    """

    name: str
    demand_split: DemandSplit = equal_demand_split
    endowment_shares: SupplyShares = equal_shares
    labeled_shares: SupplyShares = equal_shares
    description: str = ""
    # internal fast path of the built-in rules: "equal" / "proportional" / None
    kernel: str | None = field(default=None, repr=False, compare=False)


EQUAL = BTMRule("equal", description="equal split of demand; equal supply by the remaining "
                "owners and by the eligible labelers (extension of Equal-BTM)",
                kernel="equal")
PROPORTIONAL = BTMRule("proportional", endowment_shares=proportional_shares,
                       labeled_shares=proportional_shares,
                       description="equal split of demand; owners and labelers supply in "
                       "proportion to their holdings", kernel="proportional")
RULES: dict[str, BTMRule] = {"equal": EQUAL, "proportional": PROPORTIONAL}


def get_rule(rule: str | BTMRule) -> BTMRule:
    """A rule by name (``equal``, ``proportional``) or a :class:`BTMRule` as is."""
    if isinstance(rule, BTMRule):
        return rule
    if isinstance(rule, str) and rule in RULES:
        return RULES[rule]
    raise ParameterError(f"unknown BTM rule {rule!r} (known: {', '.join(RULES)}; or pass a "
                         f"BTMRule from Python)")


def _validate_shares(out: Any, allowed: Sequence[str], what: str) -> dict[str, fmpq]:
    if not isinstance(out, Mapping):
        raise ParameterError(f"{what} must return a mapping, got {type(out).__name__}")
    allowed_set = set(allowed)
    shares: dict[str, fmpq] = {}
    for key, v in out.items():
        if key not in allowed_set:
            raise ParameterError(f"{what} gives a share to {key!r}, which is not one of "
                                 f"{', '.join(map(repr, allowed))}")
        try:
            x = parse(v, f"{what}: share of {key!r}")
        except NumberError as exc:
            raise ParameterError(str(exc)) from None
        if x < 0:
            raise ParameterError(f"{what}: share of {key!r} is negative ({x})")
        shares[key] = x
    total = sum(shares.values(), ZERO)
    if total != ONE:
        raise ParameterError(f"{what}: shares sum to {total}, not 1")
    return shares


# =============================================================================================
# Trace records
# =============================================================================================

def _amounts(d: Mapping[str, Mapping[str, fmpq]]) -> dict:
    return {a: {o: canonical(x) for o, x in row.items()} for a, row in d.items()}


@dataclass(frozen=True)
class LabelEvent:
    """``agent`` labels her received ``amounts`` of ``objects`` (exhausted from endowments),
    being indifferent between them and ``indifferent_to`` (objects of F_{k-1})."""

    agent: str
    objects: tuple[str, ...]
    amounts: tuple[fmpq, ...]
    indifferent_to: tuple[str, ...]

    def to_json(self) -> dict:
        return {"agent": self.agent,
                "objects": {o: canonical(x) for o, x in zip(self.objects, self.amounts)},
                "indifferent_to": list(self.indifferent_to)}


@dataclass(frozen=True)
class LabelingRound:
    """Round ``round`` of the labeling stage (F_{k-1} is ``trigger_set``)."""

    round: int
    trigger_set: tuple[str, ...]
    events: tuple[LabelEvent, ...]

    def to_json(self) -> dict:
        return {"round": self.round, "available": list(self.trigger_set),
                "labels": [e.to_json() for e in self.events]}


@dataclass(frozen=True)
class PointEvent:
    """``agent`` points to ``objects`` (D_i) from ``sources`` (source ids)."""

    agent: str
    favourites: tuple[str, ...]
    objects: tuple[str, ...]
    sources: tuple[str, ...]

    def to_json(self) -> dict:
        return {"agent": self.agent, "favourites": list(self.favourites),
                "objects": list(self.objects), "sources": list(self.sources)}


@dataclass(frozen=True)
class PointingRound:
    """Round ``round`` of the pointing stage."""

    round: int
    events: tuple[PointEvent, ...]

    def to_json(self) -> dict:
        return {"round": self.round, "points": [e.to_json() for e in self.events]}


@dataclass(frozen=True)
class Source:
    """A source of supply: the remaining endowment of ``object`` (``kind`` "endowment") or its
    labeled stock (``kind`` "labeled").  ``suppliers[k]`` supplies the share ``shares[k]`` of
    the amount x drawn from the source (constraint (5): shares[k]·x ≤ her remaining endowment,
    resp. labeled stock, of the object).  ``capacity`` = min_k holding_k / shares[k], the
    largest x the source allows."""

    id: str
    kind: str
    object: str
    suppliers: tuple[str, ...]
    shares: tuple[fmpq, ...]
    capacity: fmpq

    def to_json(self) -> dict:
        return {"id": self.id, "kind": self.kind, "object": self.object,
                "shares": {a: canonical(t) for a, t in zip(self.suppliers, self.shares)},
                "capacity": canonical(self.capacity)}


@dataclass(frozen=True)
class ClosedClass:
    """A closed (sink) strongly connected class of the source graph and its agents.

    ``stationary`` is π^C over ``sources`` (summing to 1), ``agent_stationary`` the agents'
    receipts per unit of α (Θπ), ``alpha`` the scale α*_C of the ratio test and ``binding``
    the (agent, source) constraints (5) that hold with equality.  ``in_tree`` (source -> next
    source towards ``root``) and ``out_tree`` (source -> previous source on a path from
    ``root``) are edges of the source graph proving strong connectivity.
    """

    sources: tuple[str, ...]
    agents: tuple[str, ...]
    stationary: tuple[fmpq, ...]
    agent_stationary: tuple[fmpq, ...]
    alpha: fmpq
    binding: tuple[tuple[str, str], ...]
    root: str
    in_tree: tuple[tuple[str, str], ...]
    out_tree: tuple[tuple[str, str], ...]

    def to_json(self) -> dict:
        return {"sources": list(self.sources), "agents": list(self.agents),
                "stationary": {s: canonical(p) for s, p in zip(self.sources, self.stationary)},
                "agent_stationary": {a: canonical(p) for a, p in
                                     zip(self.agents, self.agent_stationary)},
                "alpha": canonical(self.alpha),
                "binding": [{"agent": a, "source": s} for a, s in self.binding],
                "root": self.root, "in_tree": dict(self.in_tree),
                "out_tree": dict(self.out_tree)}


@dataclass(frozen=True)
class BTMStep:
    """One step of a BTM run: labeling, pointing, the system (4)-(5), its maximum solution and
    the update.  Enough to replay the step (see :meth:`to_json` and :func:`equations`).

    - ``endowment_objects``: O^t; ``available``: A^t (O^t and the labeled objects).
    - ``labeling`` / ``pointing``: the rounds.
    - ``demand``: agent -> ((source id, λ), ...): x_s = Σ_i λ_is y_i.
    - ``sources``: the demanded sources with suppliers, shares θ and capacities.
      (A replay tracks ω and p itself, so per-supplier holdings are not repeated here.)
    - ``classes``: the closed classes; ``transient``: source -> (next source, distance) on a
      path to a closed class (transient sources carry x = 0).
    - ``x`` (per source), ``y`` (per participant): the maximum solution.
    - ``received`` / ``supplied_endowment`` / ``supplied_labeled``: agent -> object -> amount.
    - ``exhausted``: objects gone from endowments after the step; ``exhausted_labeled``:
      (agent, object) labeled stocks used up.
    """

    step: int
    endowment_objects: tuple[str, ...]
    available: tuple[str, ...]
    labeling: tuple[LabelingRound, ...]
    pointing: tuple[PointingRound, ...]
    demand: Mapping[str, tuple[tuple[str, fmpq], ...]]
    sources: tuple[Source, ...]
    classes: tuple[ClosedClass, ...]
    transient: Mapping[str, tuple[str, int]]
    x: Mapping[str, fmpq]
    y: Mapping[str, fmpq]
    received: Mapping[str, Mapping[str, fmpq]]
    supplied_endowment: Mapping[str, Mapping[str, fmpq]]
    supplied_labeled: Mapping[str, Mapping[str, fmpq]]
    exhausted: tuple[str, ...]
    exhausted_labeled: tuple[tuple[str, str], ...]

    def labels(self) -> dict[str, tuple[str, ...]]:
        """agent -> objects she labels at this step."""
        return {e.agent: e.objects for r in self.labeling for e in r.events}

    def points(self) -> dict[str, PointEvent]:
        """agent -> her pointing event."""
        return {e.agent: e for r in self.pointing for e in r.events}

    def equations(self) -> list[str]:
        """System (4) as text: one line per source (demand) and per participant (balance)."""
        out = []
        by_src: dict[str, list[str]] = {s.id: [] for s in self.sources}
        for a, terms in self.demand.items():
            for sid, lam in terms:
                by_src[sid].append(_term(lam, f"y[{a}]"))
        for s in self.sources:
            out.append(f"x[{s.id}] = " + (" + ".join(by_src[s.id]) or "0"))
        bal: dict[str, list[str]] = {a: [] for a in self.demand}
        for s in self.sources:
            for a, t in zip(s.suppliers, s.shares):
                if t:
                    bal.setdefault(a, []).append(_term(t, f"x[{s.id}]"))
        for a, terms in bal.items():
            out.append(f"y[{a}] = " + (" + ".join(terms) or "0"))
        return out

    def to_json(self) -> dict:
        return {
            "step": self.step,
            "endowment_objects": list(self.endowment_objects),
            "available": list(self.available),
            "labeling": [r.to_json() for r in self.labeling],
            "pointing": [r.to_json() for r in self.pointing],
            "demand": {a: {s: canonical(l) for s, l in terms}
                       for a, terms in self.demand.items()},
            "sources": [s.to_json() for s in self.sources],
            "equations": self.equations(),
            "classes": [c.to_json() for c in self.classes],
            "transient": {s: {"next": nxt, "distance": d}
                          for s, (nxt, d) in self.transient.items()},
            "x": {s: canonical(v) for s, v in self.x.items()},
            "y": {a: canonical(v) for a, v in self.y.items()},
            "received": _amounts(self.received),
            "supplied_endowment": _amounts(self.supplied_endowment),
            "supplied_labeled": _amounts(self.supplied_labeled),
            "exhausted": list(self.exhausted),
            "exhausted_labeled": [{"agent": a, "object": o}
                                  for a, o in self.exhausted_labeled],
        }


def _term(coef: fmpq, var: str) -> str:
    return var if coef == ONE else f"{canonical(coef)} {var}"


@dataclass(frozen=True)
class EatingStep:
    """ps-ext: one BTM step of the equal rule on a house-allocation economy, read as a phase
    ``[start, end]`` of a simultaneous eating process (seed §5).

    ``eating[a]`` maps the objects agent ``a`` eats to her eating rates; ``rate[a]`` is her
    total rate, 1 + ``eaten_labels[a]`` (the rate at which others eat her labeled
    consumption: "you request my house - I get your rate").  ``btm`` is the underlying step.
    """

    start: fmpq
    end: fmpq
    eating: Mapping[str, Mapping[str, fmpq]]
    rate: Mapping[str, fmpq]
    eaten_labels: Mapping[str, Mapping[str, fmpq]]
    btm: BTMStep

    def to_json(self) -> dict:
        return {"start": canonical(self.start), "end": canonical(self.end),
                "eating": _amounts(self.eating),
                "rate": {a: canonical(r) for a, r in self.rate.items()},
                "eaten_labels": _amounts(self.eaten_labels),
                "labels": {a: list(o) for a, o in self.btm.labels().items()},
                "exhausted": list(self.btm.exhausted),
                "exhausted_labeled": [{"agent": a, "object": o}
                                      for a, o in self.btm.exhausted_labeled],
                "btm": self.btm.to_json()}


# =============================================================================================
# The model: endowments and extended orders
# =============================================================================================

def fee_endowments(economy: Any, mechanism: str = "btm") -> tuple[tuple[fmpq, ...], ...]:
    """The endowment matrix BTM trades: the economy's, or ω_io = q_o / n for a house-allocation
    economy (btm.md §1; seed §2 "agents own equal divisions of all objects").

    The house-allocation embedding needs Σ_o q_o ≤ n (each agent demands one unit) and every
    agent accepting every object (no outside option in the FEE model); otherwise
    :class:`DomainError` names the reason.
    """
    if economy.endowments is not None:
        return economy.endowments
    n = economy.n
    total = sum(economy.supply, ZERO)
    if total > n:
        raise DomainError(f"{mechanism}: house-allocation economy with total supply {total} > "
                          f"{n} agents: as an FEE economy each agent would own {total / n} > 1 "
                          f"(ω_io = q_o/n needs Σ_o q_o ≤ |I|); give endowments explicitly")
    for a, order in zip(economy.agents, economy.preferences):
        listed = frozenset().union(*order) if order else frozenset()
        missing = [o for o in economy.objects if o not in listed]
        if missing:
            raise DomainError(f"{mechanism}: agent {a!r} does not list object {missing[0]!r}: "
                              f"on a house-allocation economy (run as the FEE economy "
                              f"ω_io = q_o/n) every agent must rank every object (the FEE "
                              f"model has no outside option); list it, e.g. in a bottom tie")
    row = tuple(q / n for q in economy.supply)
    return tuple(row for _ in range(n))


def extended_tiers_of(economy: Any, i: int) -> list[frozenset[int]]:
    """Agent i's order as tiers of object indices, unlisted objects forming one bottom tie
    (the FEE model's reading of unacceptable objects)."""
    idx = economy.object_index
    tiers = [frozenset(idx[o] for o in t) for t in economy.preferences[i]]
    listed = frozenset().union(*tiers) if tiers else frozenset()
    rest = frozenset(range(economy.m)) - listed
    if rest:
        tiers.append(rest)
    return tiers


# =============================================================================================
# The kernel
# =============================================================================================

class _Kernel:
    """Running state of a BTM (indices inside; labels only at the boundary).

    Remaining endowments are stored per object in one of three modes, so that the built-in
    rules touch each object once per step instead of each owner (the amounts grow to thousands
    of digits on large instances):

    - ``explicit`` (custom rules): ``amt[o][j]`` = ω_jo;
    - ``equal``: every remaining owner of o has supplied the same amount ``dec[o]`` since step
      1, so ω_jo = base_jo − dec[o]; owners leave in increasing order of base_jo;
    - ``proportional``: owners supply in proportion to holdings, so ω_jo = base_jo · fac[o] and
      all owners of o run out together.
    """

    def __init__(self, economy: Any, endow: Sequence[Sequence[fmpq]], rule: BTMRule) -> None:
        self.economy = economy
        self.agents = economy.agents
        self.objects = economy.objects
        self.agent_index = economy.agent_index
        self.n, self.m = economy.n, economy.m
        self.rule = rule
        self.tiers = [extended_tiers_of(economy, i) for i in range(self.n)]
        self.tier_of: list[dict[int, int]] = [
            {o: t for t, tier in enumerate(tiers) for o in tier} for tiers in self.tiers]
        self.base: list[dict[int, fmpq]] = [{} for _ in range(self.m)]
        self.owned: list[set[int]] = [set() for _ in range(self.n)]
        for i, row in enumerate(endow):
            for o, x in enumerate(row):
                if x > 0:
                    self.base[o][i] = x
                    self.owned[i].add(o)
        self.mode = rule.kernel or "explicit"
        if self.mode == "explicit":
            self.amt = [dict(b) for b in self.base]
        elif self.mode == "equal":
            self.dec = [ZERO] * self.m
            self.order = [sorted(b, key=lambda j, b=b: (b[j], j)) for b in self.base]
            self.first = [0] * self.m
        else:
            self.fac = [ONE] * self.m
            self.cur = [sorted(b) for b in self.base]
            self.sumbase = [sum(b.values(), ZERO) for b in self.base]
        self.hold: list[dict[int, fmpq]] = [{} for _ in range(self.n)]
        self.ptr = [0] * self.n
        self.prev_available: set[int] | None = None
        self.lemma1_violations = 0

    # -- remaining endowments -----------------------------------------------------------------
    def live_objects(self) -> set[int]:
        """O^t."""
        if self.mode == "explicit":
            return {o for o in range(self.m) if self.amt[o]}
        if self.mode == "equal":
            return {o for o in range(self.m) if self.first[o] < len(self.order[o])}
        return {o for o in range(self.m) if self.cur[o]}

    def endowment_amount(self, o: int, j: int) -> fmpq:
        """ω_jo (0 if j no longer owns o)."""
        if o not in self.owned[j]:
            return ZERO
        if self.mode == "explicit":
            return self.amt[o][j]
        if self.mode == "equal":
            return self.base[o][j] - self.dec[o]
        return self.base[o][j] * self.fac[o]

    def endowment_holders(self, o: int) -> list[tuple[int, fmpq]]:
        """(owner, ω_jo) for the remaining owners of o, by agent index."""
        if self.mode == "explicit":
            return sorted(self.amt[o].items())
        if self.mode == "equal":
            d, b = self.dec[o], self.base[o]
            return sorted((j, b[j] - d) for j in self.order[o][self.first[o]:])
        f, b = self.fac[o], self.base[o]
        return [(j, b[j] * f) for j in self.cur[o]]

    def endowment_source(self, state: StepState | None, o: int
                         ) -> tuple[list[int], list[fmpq], fmpq]:
        """Suppliers with positive shares θ, the shares and the capacity of o's endowment."""
        if self.mode == "equal":
            order, f = self.order[o], self.first[o]
            owners = sorted(order[f:])
            k = len(owners)
            return owners, [fmpq(1, k)] * k, k * (self.base[o][order[f]] - self.dec[o])
        if self.mode == "proportional":
            b, tot = self.base[o], self.sumbase[o]
            owners = self.cur[o]
            return list(owners), [b[j] / tot for j in owners], self.fac[o] * tot
        holders = self.endowment_holders(o)
        th = self._rule_shares(state, False, o, holders)
        keep = [(j, t, x) for (j, x), t in zip(holders, th) if t > 0]
        return ([j for j, _, _ in keep], [t for _, t, _ in keep],
                min(x / t for _, t, x in keep))

    def endowment_supply(self, o: int, x: fmpq, suppliers: list[int], shares: list[fmpq]
                         ) -> tuple[list[fmpq], list[int]]:
        """Draw x from o's endowment: per-supplier amounts and the owners who run out."""
        gone: list[int] = []
        if self.mode == "equal":
            a = x * shares[0]
            self.dec[o] += a
            d, b, order = self.dec[o], self.base[o], self.order[o]
            f = self.first[o]
            while f < len(order):
                v = b[order[f]]
                if v == d:
                    gone.append(order[f])
                    f += 1
                elif v < d:
                    raise RuntimeError("BTM invariant violated: constraint (5) broken")
                else:
                    break
            self.first[o] = f
            amounts = [a] * len(suppliers)
        elif self.mode == "proportional":
            amounts = [t * x for t in shares]
            self.fac[o] -= x / self.sumbase[o]
            if self.fac[o] < 0:
                raise RuntimeError("BTM invariant violated: constraint (5) broken")
            if not self.fac[o]:
                gone = list(self.cur[o])
                self.cur[o] = []
        else:
            amounts = []
            row = self.amt[o]
            for j, t in zip(suppliers, shares):
                a = t * x
                amounts.append(a)
                left = row[j] - a
                if left < 0:
                    raise RuntimeError("BTM invariant violated: constraint (5) broken")
                if left:
                    row[j] = left
                else:
                    del row[j]
                    gone.append(j)
        for j in gone:
            self.owned[j].discard(o)
        return amounts, gone

    def labeled_source(self, state: StepState | None, o: int, holders: list[tuple[int, fmpq]]
                       ) -> tuple[list[int], list[fmpq], fmpq]:
        """Suppliers, shares and capacity of o's labeled stock held by ``holders``."""
        if self.rule.kernel == "equal":
            k = len(holders)
            return ([j for j, _ in holders], [fmpq(1, k)] * k,
                    k * min(x for _, x in holders))
        th = self._rule_shares(state, True, o, holders)
        keep = [(j, t, x) for (j, x), t in zip(holders, th) if t > 0]
        return ([j for j, _, _ in keep], [t for _, t, _ in keep],
                min(x / t for _, t, x in keep))

    def labeled_supply(self, o: int, x: fmpq, suppliers: list[int], shares: list[fmpq]
                       ) -> tuple[list[fmpq], list[int]]:
        amounts, gone = [], []
        last_t, a = None, ZERO
        for j, t in zip(suppliers, shares):
            if t != last_t:           # equal shares: one multiplication per source
                last_t, a = t, t * x
            amounts.append(a)
            left = self.hold[j][o] - a
            if left < 0:
                raise RuntimeError("BTM invariant violated: constraint (5) broken")
            if left:
                self.hold[j][o] = left
            else:
                del self.hold[j][o]
                gone.append(j)
        return amounts, gone

    # -- stage 1 ------------------------------------------------------------------------------
    def labeling(self, live: set[int]) -> tuple[dict[int, tuple[int, ...]], list]:
        """Labeling rounds (seed §3.2 stage 1): returns agent -> labeled objects and the
        rounds as (k, F_{k-1}, [(agent, objects, amounts, triggers)])."""
        exh: dict[int, list[int]] = {}
        for i in range(self.n):
            h = self.hold[i]
            if h:
                xs = [o for o in h if o not in live]
                if xs:
                    exh[i] = xs
        labels: dict[int, tuple[int, ...]] = {}
        rounds = []
        trigger = live
        k = 0
        while exh and trigger:
            k += 1
            events = []
            for i in sorted(exh):
                tiers, tier_of = self.tiers[i], self.tier_of[i]
                got, trig = [], set()
                for o in exh[i]:
                    inter = [x for x in tiers[tier_of[o]] if x in trigger]
                    if inter:
                        got.append(o)
                        trig.update(inter)
                if got:
                    got.sort()
                    events.append((i, tuple(got), tuple(self.hold[i][o] for o in got),
                                   tuple(sorted(trig))))
            if not events:
                break
            rounds.append((k, tuple(sorted(trigger)), events))
            new_trigger: set[int] = set()
            for i, got, _, _ in events:
                labels[i] = got
                new_trigger.update(got)
                del exh[i]
            trigger = new_trigger
        return labels, rounds

    # -- stage 2 ------------------------------------------------------------------------------
    def favourites(self, i: int, available: set[int]) -> tuple[int, ...]:
        tiers = self.tiers[i]
        t = self.ptr[i]
        while tiers[t].isdisjoint(available):
            t += 1
        self.ptr[i] = t
        return tuple(sorted(o for o in tiers[t] if o in available))

    def pointing(self, participants: list[int], live: set[int],
                 labels: Mapping[int, tuple[int, ...]]):
        """Pointing rounds (seed §3.2 stage 2): A^t, favourites, rounds and D_i."""
        labeled_types: set[int] = set()
        for objs in labels.values():
            labeled_types.update(objs)
        available = live | labeled_types
        if self.prev_available is not None and not available <= self.prev_available:
            # Lemma 1 of the seed says A^{t+1} ⊆ A^t; the favourites pointers rely on it.
            self.lemma1_violations += 1
            self.ptr = [0] * self.n
        self.prev_available = available
        fav = {i: self.favourites(i, available) for i in participants}
        pround: dict[int, int] = {}
        D: dict[int, tuple[int, ...]] = {}
        frontier = []
        for i in participants:
            d = tuple(o for o in fav[i] if o in live)
            if d:
                D[i], pround[i] = d, 1
                frontier.append(i)
        waiting: dict[int, list[int]] = {}
        for i in participants:
            if i not in pround:
                for o in fav[i]:
                    if o in labeled_types:
                        waiting.setdefault(o, []).append(i)
        offered: set[int] = set()
        r = 1
        while frontier:
            newly = set()
            for j in frontier:
                for o in labels.get(j, ()):
                    if o not in offered:
                        offered.add(o)
                        newly.add(o)
            cand = sorted({i for o in newly for i in waiting.get(o, ()) if i not in pround})
            if not cand:
                break
            r += 1
            for i in cand:
                D[i] = tuple(o for o in fav[i] if o in offered)
                pround[i] = r
            frontier = cand
        missing = [i for i in participants if i not in pround]
        if missing:
            raise RuntimeError(f"BTM invariant violated: participant {self.agents[missing[0]]!r} "
                               f"never points (favourites "
                               f"{[self.objects[o] for o in fav[missing[0]]]}); please report "
                               f"this economy")
        return available, fav, pround, D

    # -- rule evaluation ----------------------------------------------------------------------
    def split(self, state: StepState | None, i: int, objs: tuple[int, ...]) -> list[fmpq]:
        if self.rule.kernel is not None:
            share = fmpq(1, len(objs))
            return [share] * len(objs)
        names = tuple(self.objects[o] for o in objs)
        assert state is not None
        out = _validate_shares(self.rule.demand_split(state, self.agents[i], names), names,
                               f"rule {self.rule.name!r}, step {state.step}: demand split of "
                               f"agent {self.agents[i]!r}")
        return [out.get(o, ZERO) for o in names]

    def _rule_shares(self, state: StepState | None, labeled: bool, o: int,
                     holders: list[tuple[int, fmpq]]) -> list[fmpq]:
        if self.rule.kernel == "proportional":
            total = sum((x for _, x in holders), ZERO)
            return [x / total for _, x in holders]
        if self.rule.kernel == "equal":
            return [fmpq(1, len(holders))] * len(holders)
        assert state is not None
        names = {self.agents[j]: x for j, x in holders}
        fn = self.rule.labeled_shares if labeled else self.rule.endowment_shares
        what = "labeled-stock shares" if labeled else "endowment shares"
        out = _validate_shares(fn(state, self.objects[o], names), list(names),
                               f"rule {self.rule.name!r}, step {state.step}: {what} of "
                               f"object {self.objects[o]!r}")
        return [out.get(self.agents[j], ZERO) for j, _ in holders]


def _sccs(nodes: int, succ: list[list[int]]) -> list[list[int]]:
    """Strongly connected components (iterative Tarjan), in reverse topological order."""
    index = [-1] * nodes
    low = [0] * nodes
    on = [False] * nodes
    stack: list[int] = []
    out: list[list[int]] = []
    counter = 0
    for root in range(nodes):
        if index[root] >= 0:
            continue
        work = [(root, 0)]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on[root] = True
        while work:
            v, k = work[-1]
            if k < len(succ[v]):
                work[-1] = (v, k + 1)
                w = succ[v][k]
                if index[w] < 0:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on[w] = True
                    work.append((w, 0))
                elif on[w]:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    u = work[-1][0]
                    low[u] = min(low[u], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on[w] = False
                        comp.append(w)
                        if w == v:
                            break
                    out.append(sorted(comp))
    return out


def _stationary(members: list[int], K: dict[tuple[int, int], fmpq]) -> list[fmpq]:
    """π with π = K_C π on the closed class ``members`` and Σ π = 1 (exact solve)."""
    k = len(members)
    if k == 1:
        return [ONE]
    pos = {s: r for r, s in enumerate(members)}
    entries = [ZERO] * (k * k)
    for (s2, s1), v in K.items():
        r, c = pos.get(s2), pos.get(s1)
        if r is not None and c is not None:
            entries[r * k + c] += v
    for r in range(k):
        entries[r * k + r] -= ONE
    for c in range(k):            # replace the last (dependent) equation by Σ π = 1
        entries[(k - 1) * k + c] = ONE
    rhs = [ZERO] * (k - 1) + [ONE]
    sol = fmpq_mat(k, k, entries).solve(fmpq_mat(k, 1, rhs))
    return [sol[r, 0] for r in range(k)]


def _bfs_tree(root: int, members: set[int], adj: list[list[int]]) -> dict[int, int]:
    """parent pointers of a BFS tree from ``root`` inside ``members`` along ``adj``."""
    parent = {root: root}
    queue = [root]
    for v in queue:
        for w in adj[v]:
            if w in members and w not in parent:
                parent[w] = v
                queue.append(w)
    if len(parent) != len(members):
        raise RuntimeError("BTM invariant violated: a closed class is not strongly connected")
    del parent[root]
    return parent


def _run(economy: Any, rule: BTMRule, max_steps: int | None, mechanism: str
         ) -> tuple[Allocation, list[BTMStep], _Kernel]:
    endow = fee_endowments(economy, mechanism)
    k = _Kernel(economy, endow, rule)
    nnz = sum(len(b) for b in k.base)
    limit = max_steps if max_steps is not None else 50 * (nnz + k.n * k.m) + 100
    steps: list[BTMStep] = []
    t = 0
    while True:
        live = k.live_objects()
        if not live:
            break
        t += 1
        if t > limit:
            raise LimitExceeded(f"{mechanism}: more than {limit} steps (max_steps); the "
                                f"economy has {k.n} agents and {k.m} objects")
        steps.append(_step(k, t, live))
    rows = {i: dict(h) for i, h in enumerate(k.hold) if h}
    return Allocation.from_sparse(k.agents, k.objects, rows), steps, k


def _step(k: _Kernel, t: int, live: set[int]) -> BTMStep:
    agents, objects = k.agents, k.objects
    # 1. labeling -----------------------------------------------------------------------------
    labels, lab_rounds = k.labeling(live)
    # 2. pointing -----------------------------------------------------------------------------
    participants = sorted({j for j in range(k.n) if k.owned[j]} | set(labels))
    available, fav, pround, D = k.pointing(participants, live, labels)
    state = None
    if k.rule.kernel is None:
        state = StepState(t, k.economy, k, {"live": live, "labels": labels, "pround": pround,
                                            "D": D})

    # sources: (labeled?, object); endowment sources first, in object order
    src_round: dict[int, int] = {}
    keys: set[tuple[bool, int]] = set()
    for i in participants:
        labeled = pround[i] > 1
        for o in D[i]:
            keys.add((labeled, o))
            if labeled and src_round.setdefault(o, pround[i]) != pround[i]:
                raise RuntimeError(f"BTM invariant violated: labeled object {objects[o]!r} "
                                   f"demanded in two pointing rounds")
    src_key = sorted(keys)
    src_of = {key: s for s, key in enumerate(src_key)}
    S = len(src_key)
    sid = [("L:" if lab else "E:") + objects[o] for lab, o in src_key]

    # suppliers with positive shares θ, and capacities (constraints (5))
    sup: list[list[int]] = []
    theta: list[list[fmpq]] = []
    cap: list[fmpq] = []
    labelers = sorted(labels)
    for lab, o in src_key:
        if lab:
            r = src_round[o]
            holders = [(j, k.hold[j][o]) for j in labelers if o in labels[j] and pround[j] < r]
            js, th, c = k.labeled_source(state, o, holders)
        else:
            js, th, c = k.endowment_source(state, o)
        sup.append(js)
        theta.append(th)
        cap.append(c)
    # demand split λ
    dem: dict[int, list[tuple[int, fmpq]]] = {}
    for i in participants:
        lab = pround[i] > 1
        lam = k.split(state, i, D[i])
        dem[i] = [(src_of[(lab, o)], v) for o, v in zip(D[i], lam) if v > 0]

    # 3. source graph, closed classes, stationary vectors, ratio test -------------------------
    succ_sets: list[set[int]] = [set() for _ in range(S)]
    for s in range(S):
        ss = succ_sets[s]
        for j in sup[s]:
            for s2, _ in dem[j]:
                ss.add(s2)
    succ = [sorted(v) for v in succ_sets]
    comps = _sccs(S, succ)
    comp_of = [0] * S
    for c, members in enumerate(comps):
        for s in members:
            comp_of[s] = c
    closed = [members for c, members in enumerate(comps)
              if all(comp_of[s2] == c for s in members for s2 in succ[s])]
    closed_src = {s for members in closed for s in members}
    pred: list[list[int]] = [[] for _ in range(S)]
    for s in range(S):
        for s2 in succ[s]:
            pred[s2].append(s)
    transient: dict[int, tuple[int, int]] = {}    # path to a closed class (BFS backwards)
    dist = {s: 0 for s in closed_src}
    queue = sorted(closed_src)
    for v in queue:
        for w in pred[v]:
            if w not in dist:
                dist[w] = dist[v] + 1
                transient[w] = (v, dist[w])
                queue.append(w)
    if len(dist) != S:
        raise RuntimeError("BTM invariant violated: a source reaches no closed class")

    x = [ZERO] * S
    y: dict[int, fmpq] = {i: ZERO for i in participants}
    class_data = []
    for members in closed:
        K: dict[tuple[int, int], fmpq] = {}
        for s in members:
            for j, th in zip(sup[s], theta[s]):
                for s2, lam in dem[j]:
                    K[(s2, s)] = K.get((s2, s), ZERO) + th * lam
        pi = _stationary(members, K)
        if any(p <= 0 for p in pi):
            raise RuntimeError("BTM invariant violated: stationary vector not positive")
        alpha = min(cap[s] / p for s, p in zip(members, pi))
        per_unit: dict[int, fmpq] = {}
        for s, p in zip(members, pi):
            x[s] = alpha * p
            for j, th in zip(sup[s], theta[s]):
                per_unit[j] = per_unit.get(j, ZERO) + th * p
        for j, u in per_unit.items():
            y[j] = alpha * u
        class_data.append((members, pi, alpha, per_unit))

    # 4. the update ---------------------------------------------------------------------------
    sup_e: dict[int, dict[int, fmpq]] = {}
    sup_l: dict[int, dict[int, fmpq]] = {}
    gone_by_src: dict[int, list[int]] = {}
    for s in sorted(closed_src):
        lab, o = src_key[s]
        if lab:
            amounts, gone = k.labeled_supply(o, x[s], sup[s], theta[s])
            book = sup_l
        else:
            amounts, gone = k.endowment_supply(o, x[s], sup[s], theta[s])
            book = sup_e
        for j, a in zip(sup[s], amounts):
            row = book.setdefault(j, {})
            row[o] = row[o] + a if o in row else a
        gone_by_src[s] = gone
    got: dict[int, dict[int, fmpq]] = {}
    for i in participants:
        yi = y[i]
        if not yi:
            continue
        row = got.setdefault(i, {})
        h = k.hold[i]
        for s, lam in dem[i]:
            a = yi if lam == ONE else lam * yi
            o = src_key[s][1]
            row[o] = row[o] + a if o in row else a
            h[o] = h[o] + a if o in h else a
    exhausted = tuple(objects[o] for o in sorted(live) if not _still_live(k, o))

    # trace record ----------------------------------------------------------------------------
    def named(d: dict[int, dict[int, fmpq]]) -> dict[str, dict[str, fmpq]]:
        return {agents[i]: {objects[o]: v for o, v in sorted(r.items())}
                for i, r in sorted(d.items())}

    classes = []
    for members, pi, alpha, per_unit in class_data:
        mset = set(members)
        root = members[0]
        in_tree = _bfs_tree(root, mset, pred)     # parent = next source towards the root
        out_tree = _bfs_tree(root, mset, succ)    # parent = previous source from the root
        cls_agents = sorted(per_unit)
        binding = tuple((agents[j], sid[s]) for s in members for j in gone_by_src[s])
        if not binding:
            raise RuntimeError("BTM invariant violated: a closed class has no binding "
                               "constraint")
        classes.append(ClosedClass(
            sources=tuple(sid[s] for s in members),
            agents=tuple(agents[j] for j in cls_agents),
            stationary=tuple(pi), agent_stationary=tuple(per_unit[j] for j in cls_agents),
            alpha=alpha, binding=binding, root=sid[root],
            in_tree=tuple((sid[a], sid[b]) for a, b in sorted(in_tree.items())),
            out_tree=tuple((sid[a], sid[b]) for a, b in sorted(out_tree.items()))))
    lab_records = tuple(
        LabelingRound(kk, tuple(objects[o] for o in trig),
                      tuple(LabelEvent(agents[i], tuple(objects[o] for o in objs), amts,
                                       tuple(objects[o] for o in trg))
                            for i, objs, amts, trg in events))
        for kk, trig, events in lab_rounds)
    rounds: dict[int, list[PointEvent]] = {}
    for i in participants:
        lab = pround[i] > 1
        rounds.setdefault(pround[i], []).append(PointEvent(
            agents[i], tuple(objects[o] for o in fav[i]), tuple(objects[o] for o in D[i]),
            tuple(sid[src_of[(lab, o)]] for o in D[i])))
    return BTMStep(
        step=t,
        endowment_objects=tuple(objects[o] for o in sorted(live)),
        available=tuple(objects[o] for o in sorted(available)),
        labeling=lab_records,
        pointing=tuple(PointingRound(r, tuple(ev)) for r, ev in sorted(rounds.items())),
        demand={agents[i]: tuple((sid[s], v) for s, v in dem[i]) for i in participants},
        sources=tuple(Source(sid[s], "labeled" if src_key[s][0] else "endowment",
                             objects[src_key[s][1]], tuple(agents[j] for j in sup[s]),
                             tuple(theta[s]), cap[s]) for s in range(S)),
        classes=tuple(classes),
        transient={sid[s]: (sid[nxt], d) for s, (nxt, d) in sorted(transient.items())},
        x={sid[s]: x[s] for s in range(S)},
        y={agents[i]: y[i] for i in participants},
        received=named(got), supplied_endowment=named(sup_e), supplied_labeled=named(sup_l),
        exhausted=exhausted,
        exhausted_labeled=tuple(sorted((agents[j], objects[src_key[s][1]])
                                       for s, gone in gone_by_src.items() if src_key[s][0]
                                       for j in gone)))


def _still_live(k: _Kernel, o: int) -> bool:
    if k.mode == "explicit":
        return bool(k.amt[o])
    if k.mode == "equal":
        return k.first[o] < len(k.order[o])
    return bool(k.cur[o])


# =============================================================================================
# Public entry points
# =============================================================================================

def balanced_trading(economy: Any, rule: str | BTMRule = "equal",
                     max_steps: int | None = None) -> MechanismResult:
    """Run the balanced trading mechanism on the full preference domain exactly.

    ``economy`` is an FEE economy (endowments set) or a house-allocation economy, which is run
    as the FEE economy ω_io = q_o/n (see :func:`fee_endowments`).  ``rule`` is ``"equal"``
    (default), ``"proportional"`` or a :class:`BTMRule`.  ``max_steps`` bounds the number of
    steps (default 50·(nnz(ω) + n·m) + 100; :class:`LimitExceeded` beyond).

    Yu and Zhang, "Efficient and fair trading mechanisms on the full preference domain",
    arXiv 2005.09340v2, §3.2; the strict case is their arXiv 2005.06878.  Prop. 1: the outcome
    is IR and sd-efficient; Prop. 2: stepwise ETE / EEET / bounded advantage give ETE / EENE /
    BE.  The trace is a tuple of :class:`BTMStep`.
    """
    r = get_rule(rule)
    if max_steps is not None and (not isinstance(max_steps, int) or max_steps < 1):
        raise ParameterError(f"max_steps must be a positive integer, got {max_steps!r}")
    allocation, steps, k = _run(economy, r, max_steps, "btm")
    info: dict[str, Any] = {"steps": len(steps), "rule": r.name,
                            "model": "FEE" if economy.endowments is not None else
                            "house allocation as FEE (ω_io = q_o/n)"}
    if k.lemma1_violations:
        info["lemma1_violations"] = k.lemma1_violations
    params = {"rule": r.name}
    if max_steps is not None:
        params["max_steps"] = str(max_steps)
    return MechanismResult(mechanism="btm", params=params, allocation=allocation,
                           trace=tuple(steps), info=info)


def extended_ps(economy: Any, max_steps: int | None = None) -> MechanismResult:
    """ps-ext: the equal BTM on a house-allocation economy, reported as a simultaneous eating
    process (seed §5: "you request my house - I get your rate").

    The economy must be a house-allocation economy: no endowments, or endowments equal for all
    agents.  In the equal BTM every agent supplies the same amount e of endowment per step
    (all agents own equal shares of every remaining object), so a step is an eating phase of
    length e: agent i eats her demanded objects at total rate y_i / e = 1 + ℓ_i / e, where ℓ_i
    is what others take from her labeled consumption in the step [rec: the time scale].
    With strict preferences this is probabilistic serial (Bogomolnaia and Moulin 2001).
    """
    if economy.endowments is not None:
        first = economy.endowments[0]
        for a, row in zip(economy.agents, economy.endowments):
            if row != first:
                raise DomainError(f"ps-ext: agent {a!r} has a different endowment from agent "
                                  f"{economy.agents[0]!r}; ps-ext is the house-allocation "
                                  f"mechanism (equal endowments); use btm for FEE economies")
    if max_steps is not None and (not isinstance(max_steps, int) or max_steps < 1):
        raise ParameterError(f"max_steps must be a positive integer, got {max_steps!r}")
    allocation, steps, _ = _run(economy, EQUAL, max_steps, "ps-ext")
    phases = []
    start = ZERO
    for s in steps:
        per_agent = {a: sum(row.values(), ZERO) for a, row in s.supplied_endowment.items()}
        values = set(per_agent.values())
        if len(values) != 1 or len(per_agent) != economy.n:
            raise RuntimeError("ps-ext invariant violated: agents supply unequal endowments")
        e = values.pop()
        end = start + e
        eating = {a: {o: v / e for o, v in row.items()} for a, row in s.received.items()}
        eaten = {a: {o: v / e for o, v in row.items()}
                 for a, row in s.supplied_labeled.items()}
        rate = {a: sum(row.values(), ZERO) for a, row in eating.items()}
        phases.append(EatingStep(start, end, eating, rate, eaten, s))
        start = end
    params = {} if max_steps is None else {"max_steps": str(max_steps)}
    return MechanismResult(mechanism="ps-ext", params=params, allocation=allocation,
                           trace=tuple(phases),
                           info={"steps": len(steps), "end": canonical(start)})


# =============================================================================================
# Registration
# =============================================================================================

def _max_steps(raw: Mapping[str, str], name: str) -> int | None:
    if "max_steps" not in raw:
        return None
    text = raw["max_steps"].strip()
    if not text.isdigit() or int(text) < 1:
        raise ParameterError(f"--param max_steps: expected a positive integer, got {text!r}")
    return int(text)


def _btm_params(economy: Any, raw: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "rule" in raw:
        name = raw["rule"].strip()
        if name not in RULES:
            raise ParameterError(f"--param rule: unknown rule {name!r} (known: "
                                 f"{', '.join(RULES)})")
        out["rule"] = name
    ms = _max_steps(raw, "btm")
    if ms is not None:
        out["max_steps"] = ms
    return out


def _psext_params(economy: Any, raw: Mapping[str, str]) -> dict[str, Any]:
    ms = _max_steps(raw, "ps-ext")
    return {} if ms is None else {"max_steps": ms}


_CITATION = ("Yu and Zhang, Efficient and fair trading mechanisms on the full preference "
             "domain, arXiv 2005.09340v2; Yu and Zhang, Efficient and fair trading mechanisms "
             "for resource exchange in market design, arXiv 2005.06878")

register(Mechanism(
    name="btm", title="Balanced trading mechanism on the full preference domain",
    citation=_CITATION, function=balanced_trading, parse_params=_btm_params,
    param_help={"rule": "parameter rule: equal (default; extension of Equal-BTM) or "
                        "proportional (owners and labelers supply in proportion to holdings)",
                "max_steps": "step limit (default 50*(nnz(endowments)+n*m)+100)"}))

register(Mechanism(
    name="ps-ext", title="Extended probabilistic serial via trading (you request my house - "
                         "I get your rate)",
    citation=_CITATION + " (§5)", function=extended_ps, parse_params=_psext_params,
    param_help={"max_steps": "step limit (default 50*(nnz(endowments)+n*m)+100)"}))
