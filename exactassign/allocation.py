"""Random assignments: an exact agent × object matrix with feasibility and sd-comparisons.

``p[i][o]`` is the probability (or fraction) of object ``o`` that agent ``i`` receives
(Bogomolnaia and Moulin 2001, "random assignment").  Stochastic dominance for a weak order
(Katta and Sethuraman 2006, §2): ``p_i`` weakly sd-dominates ``q_i`` iff it puts at least as
much mass on every upper contour set of the agent's order.

>>> from exactassign.economy import Economy
>>> e = Economy.create(["1", "2"], ["a", "b"], preferences={"1": ["a", "b"], "2": ["a", "b"]})
>>> p = Allocation.from_mapping(e, {"1": {"a": "1/2", "b": "1/2"}, "2": {"a": "1/2", "b": "1/2"}})
>>> p.amount("1", "a"), p.is_feasible(e)
(1/2, True)
>>> sd_compare(e.preference_of("1"), p.row_map("1"), {"a": Q(1)})
'dominated'
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flint import fmpq

from .errors import AllocationError, IrrationalError, NumberError
from .numbers import ONE, ZERO, Q, parse_real, real_json
from .preferences import WeakOrder, upper_contour_sets

__all__ = ["Allocation", "sd_compare", "sd_weakly_dominates", "Q"]


@dataclass(frozen=True, eq=False)
class Allocation:
    """An exact allocation matrix ``rows[i][k]`` for ``agents[i]`` and ``objects[k]``.

    Entries are ``fmpq``; a pseudomarket equilibrium (``hz``, ``sp``) may also hold irrational
    :class:`~exactassign.algebraic.RealAlgebraic` entries.  Such an allocation can be printed,
    written and read back (formats.md's algebraic JSON form), but everything that computes with
    its amounts (sums, feasibility, properties) refuses it with an
    :class:`~exactassign.errors.IrrationalError` (see :meth:`require_rational`).
    """

    agents: tuple[str, ...]
    objects: tuple[str, ...]
    rows: tuple[tuple[fmpq, ...], ...]
    agent_index: Mapping[str, int] = field(init=False, repr=False, compare=False)
    object_index: Mapping[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "agent_index", {a: i for i, a in enumerate(self.agents)})
        object.__setattr__(self, "object_index", {o: k for k, o in enumerate(self.objects)})
        if len(self.rows) != len(self.agents) or any(len(r) != len(self.objects)
                                                      for r in self.rows):
            raise AllocationError("allocation matrix does not match its agents and objects")

    # -- construction ---------------------------------------------------------------------------
    @classmethod
    def zeros(cls, agents: Sequence[str], objects: Sequence[str]) -> Allocation:
        """The empty allocation."""
        row = (ZERO,) * len(objects)
        return cls(tuple(agents), tuple(objects), tuple(row for _ in agents))

    @classmethod
    def from_sparse(cls, agents: Sequence[str], objects: Sequence[str],
                    entries: Mapping[int, Mapping[int, fmpq]]) -> Allocation:
        """From ``{agent index: {object index: amount}}`` (missing entries are 0)."""
        m = len(objects)
        rows = []
        for i in range(len(agents)):
            got = entries.get(i)
            if not got:
                rows.append((ZERO,) * m)
                continue
            r = [ZERO] * m
            for k, x in got.items():
                r[k] = x
            rows.append(tuple(r))
        return cls(tuple(agents), tuple(objects), tuple(rows))

    @classmethod
    def from_mapping(cls, economy: Any, data: Any, where: str = "allocation") -> Allocation:
        """Parse ``agent -> object -> exact amount`` against an economy (labels must exist).

        Missing entries are 0; negative amounts are errors; unknown labels are errors.
        """
        if not isinstance(data, Mapping):
            raise AllocationError(f"{where} must map agents to objects to amounts")
        a_idx, o_idx = economy.agent_index, economy.object_index
        entries: dict[int, dict[int, fmpq]] = {}
        for a, row in data.items():
            if a not in a_idx:
                raise AllocationError(f"{where} names unknown agent {a!r}")
            if not isinstance(row, Mapping):
                raise AllocationError(f"{where}: entry of agent {a!r} must map objects to "
                                      f"amounts")
            for o, x in row.items():
                if o not in o_idx:
                    raise AllocationError(f"{where}: agent {a!r} gets unknown object {o!r}")
                try:
                    v = parse_real(x, f"{where}: amount of object {o!r} for agent {a!r}")
                except NumberError as exc:
                    raise AllocationError(str(exc)) from None
                if v < 0:
                    raise AllocationError(f"{where}: amount of object {o!r} for agent {a!r} "
                                          f"is negative ({v})")
                entries.setdefault(a_idx[a], {})[o_idx[o]] = v
        return cls.from_sparse(economy.agents, economy.objects, entries)

    # -- queries ----------------------------------------------------------------------------
    @property
    def is_rational(self) -> bool:
        """True when every entry is rational (always, except for some hz/sp outcomes)."""
        return all(isinstance(x, fmpq) for r in self.rows for x in r)

    def require_rational(self, what: str = "this operation") -> None:
        """Raise :class:`~exactassign.errors.IrrationalError` naming the first irrational
        entry unless the allocation is rational."""
        for a, r in zip(self.agents, self.rows):
            for o, x in zip(self.objects, r):
                if not isinstance(x, fmpq):
                    raise IrrationalError(f"{what} needs rational amounts; agent {a!r} gets an "
                                          f"irrational amount of object {o!r} ({x})")

    def amount(self, agent: str, obj: str) -> fmpq:
        """Amount of ``obj`` that ``agent`` receives."""
        return self.rows[self.agent_index[agent]][self.object_index[obj]]

    def row_map(self, agent: str) -> dict[str, fmpq]:
        """The agent's row as ``{object: amount}`` (zeros omitted)."""
        r = self.rows[self.agent_index[agent]]
        return {o: x for o, x in zip(self.objects, r) if x}

    def row_sum(self, i: int) -> fmpq:
        """Total amount the i-th agent receives."""
        self.require_rational("summing a row")
        return sum(self.rows[i], ZERO)

    def column_sum(self, k: int) -> fmpq:
        """Total amount of the k-th object assigned."""
        self.require_rational("summing a column")
        return sum((r[k] for r in self.rows), ZERO)

    def to_mapping(self) -> dict[str, dict[str, str]]:
        """Canonical JSON form: agents and objects in their order, zeros omitted."""
        return {a: {o: real_json(x) for o, x in zip(self.objects, r) if x}
                for a, r in zip(self.agents, self.rows)}

    def feasibility_violations(self, economy: Any) -> list[str]:
        """Every way the allocation breaks feasibility in ``economy`` (empty list: feasible).

        Feasible (formats.md): labels match, entries >= 0, each agent gets at most one unit,
        no object beyond its supply; in an FEE economy (btm.md §1) each agent gets exactly her
        endowment's total and every object is fully assigned.
        """
        if self.agents != economy.agents or self.objects != economy.objects:
            return ["the allocation's agents/objects differ from the economy's"]
        self.require_rational("checking feasibility")
        out = []
        for a, r in zip(self.agents, self.rows):
            for o, x in zip(self.objects, r):
                if x < 0:
                    out.append(f"agent {a!r} gets a negative amount {x} of object {o!r}")
        endow = economy.endowments
        for i, a in enumerate(self.agents):
            s = self.row_sum(i)
            if s > ONE:
                out.append(f"agent {a!r} receives {s} > 1 unit in total")
            if endow is not None:
                e = sum(endow[i], ZERO)
                if s != e:
                    out.append(f"agent {a!r} receives {s} but is endowed with {e} in total")
        for k, o in enumerate(self.objects):
            c, s = self.column_sum(k), economy.supply[k]
            if c > s:
                out.append(f"object {o!r} is assigned {c} > supply {s}")
            elif endow is not None and c != s:
                out.append(f"object {o!r} is assigned {c}, not its whole supply {s}")
        return out

    def is_feasible(self, economy: Any) -> bool:
        """True when :meth:`feasibility_violations` is empty."""
        return not self.feasibility_violations(economy)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Allocation):
            return NotImplemented
        return (self.agents, self.objects, self.rows) == (other.agents, other.objects,
                                                          other.rows)

    def __hash__(self) -> int:
        return hash((self.agents, self.objects, self.rows))


def _mass(row: Mapping[str, fmpq], objs: frozenset[str]) -> fmpq:
    return sum((row.get(o, ZERO) for o in objs), ZERO)


def sd_weakly_dominates(order: WeakOrder, p: Mapping[str, fmpq], q: Mapping[str, fmpq]) -> bool:
    """True iff ``p`` puts at least as much as ``q`` on every upper contour set of ``order``."""
    return all(_mass(p, u) >= _mass(q, u) for u in upper_contour_sets(order))


def sd_compare(order: WeakOrder, p: Mapping[str, fmpq], q: Mapping[str, fmpq]) -> str:
    """Compare two rows (``{object: amount}``) by stochastic dominance for ``order``.

    Returns ``'equal'`` (same mass on every upper contour set), ``'dominates'``,
    ``'dominated'`` or ``'incomparable'``.  Mass on unacceptable objects is ignored.

    >>> o = (frozenset("a"), frozenset("b"))
    >>> sd_compare(o, {"a": Q(1)}, {"b": Q(1)}), sd_compare(o, {"a": Q(1, 2)}, {"b": Q(1)})
    ('dominates', 'incomparable')
    """
    ge = le = True
    for u in upper_contour_sets(order):
        x, y = _mass(p, u), _mass(q, u)
        ge &= x >= y
        le &= x <= y
    if ge and le:
        return "equal"
    if ge:
        return "dominates"
    if le:
        return "dominated"
    return "incomparable"
