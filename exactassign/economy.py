"""The economy: agents, objects, supplies, weak preferences, endowments, valuations.

This is the model of ``shared/spec/formats.md`` ("Economy file"): the house-allocation model of
Bogomolnaia and Moulin (2001) with weak orders and unacceptable objects, multi-unit supply
(any positive exact amount, fewer or more units than agents), the fractional endowment exchange
(FEE) model of Yu and Zhang (``shared/spec/btm.md`` §1) and von Neumann–Morgenstern valuations
(Hylland and Zeckhauser 1979).  Each agent demands one unit in total.

An :class:`Economy` is immutable and validated on construction; each error names the agent,
object or field that is wrong.  Labels are strings; index maps for the kernels are built once.

>>> e = Economy.create(agents=["1", "2"], objects=["a", "b"],
...                    preferences={"1": ["a", "b"], "2": [["a", "b"]]})
>>> e.n, e.m, e.supply_of("a"), e.is_strict()
(2, 2, 1, False)
>>> Economy.create(agents=["1"], objects=["a"], preferences={"1": ["z"]})
Traceback (most recent call last):
...
exactassign.errors.EconomyError: agent '1': preferences name unknown object 'z'
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flint import fmpq

from . import preferences as prefs
from .errors import EconomyError, NumberError
from .numbers import ONE, ZERO, ExactDecimal, parse
from .preferences import WeakOrder

__all__ = ["Economy"]


def _labels(values: Any, kind: str) -> tuple[str, ...]:
    # a str is a Sequence too: "12" must not become the labels "1", "2"
    if not isinstance(values, Sequence) or isinstance(values, (str, bytes)) or not values:
        raise EconomyError(f"'{kind}' must be a non-empty list of labels")
    seen: set[str] = set()
    for v in values:
        if not isinstance(v, str) or isinstance(v, ExactDecimal) or not v:
            raise EconomyError(f"'{kind}': every label must be a non-empty string, got {v!r}")
        if v in seen:
            raise EconomyError(f"'{kind}': label {v!r} appears twice")
        seen.add(v)
    return tuple(values)


def _mapping(value: Any, where: str) -> Mapping:
    if not isinstance(value, Mapping):
        raise EconomyError(f"{where} must be an object (mapping), got {type(value).__name__}")
    return value


def _known(keys: Any, index: Mapping[str, int], kind: str, where: str) -> None:
    for k in keys:
        if k not in index:
            raise EconomyError(f"{where} names unknown {kind} {k!r}")


def _num(value: Any, where: str) -> fmpq:
    try:
        return parse(value, where)
    except NumberError as exc:
        raise EconomyError(str(exc)) from None


@dataclass(frozen=True, eq=False)
class Economy:
    """An assignment economy (use :meth:`create` to build one from labelled data).

    Fields are aligned with ``agents`` and ``objects``: ``supply[k]`` is the supply of
    ``objects[k]``, ``preferences[i]`` the weak order of ``agents[i]``, ``endowments[i][k]``
    (or ``None`` when the economy has no endowments) and ``valuations[i]`` (a tuple, or ``None``
    for an agent without valuations; the field is ``None`` when no agent has any).
    """

    agents: tuple[str, ...]
    objects: tuple[str, ...]
    supply: tuple[fmpq, ...]
    preferences: tuple[WeakOrder, ...]
    endowments: tuple[tuple[fmpq, ...], ...] | None = None
    valuations: tuple[tuple[fmpq, ...] | None, ...] | None = None
    name: str | None = None
    source: str | None = None
    agent_index: Mapping[str, int] = field(init=False, repr=False, compare=False)
    object_index: Mapping[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "agent_index", {a: i for i, a in enumerate(self.agents)})
        object.__setattr__(self, "object_index", {o: k for k, o in enumerate(self.objects)})
        if len(self.agent_index) != len(self.agents) or not self.agents:
            raise EconomyError("agent labels must be non-empty and unique")
        if len(self.object_index) != len(self.objects) or not self.objects:
            raise EconomyError("object labels must be non-empty and unique")
        if len(self.supply) != self.m or len(self.preferences) != self.n:
            raise EconomyError("supply/preferences do not match the agents and objects")
        for o, s in zip(self.objects, self.supply):
            if not isinstance(s, fmpq):
                raise EconomyError(f"supply of object {o!r} is not exact")
        if self.endowments is not None:  # first: it explains a supply of 0 (owned by nobody)
            self._check_endowments()
        for o, s in zip(self.objects, self.supply):
            if s <= 0:
                raise EconomyError(f"supply of object {o!r} must be positive, got {s}")
        known = frozenset(self.objects)
        for a, order in zip(self.agents, self.preferences):
            listed = frozenset().union(*order)
            if sum(map(len, order)) != len(listed) or not listed <= known or not all(order):
                raise EconomyError(f"agent {a!r}: malformed weak order (tiers must be "
                                   f"non-empty, disjoint sets of known objects)")
        if self.valuations is not None:
            self._check_valuations()

    # -- validation -------------------------------------------------------------------------
    def _check_endowments(self) -> None:
        assert self.endowments is not None
        if len(self.endowments) != self.n:
            raise EconomyError("endowments do not match the agents")
        cols = [ZERO] * self.m
        for a, row in zip(self.agents, self.endowments):
            if len(row) != self.m:
                raise EconomyError(f"endowment of agent {a!r} does not match the objects")
            total = ZERO
            for k, x in enumerate(row):
                if x < 0:
                    raise EconomyError(f"endowment of agent {a!r} in object "
                                       f"{self.objects[k]!r} is negative ({x})")
                total += x
                cols[k] += x
            if total > ONE:
                raise EconomyError(f"endowment of agent {a!r} sums to {total} > 1 "
                                   f"(each agent demands one unit)")
        for o, s, c in zip(self.objects, self.supply, cols):
            if c == 0:
                raise EconomyError(f"object {o!r} is owned by nobody (endowments give it "
                                   f"supply 0)")
            if c != s:
                raise EconomyError(f"supply of object {o!r} is {s} but the endowments sum "
                                   f"to {c}")

    def _check_valuations(self) -> None:
        assert self.valuations is not None
        if len(self.valuations) != self.n:
            raise EconomyError("valuations do not match the agents")
        for a, vals, order in zip(self.agents, self.valuations, self.preferences):
            if vals is None:
                continue
            if len(vals) != self.m:
                raise EconomyError(f"valuations of agent {a!r} do not match the objects")
            for o, v in zip(self.objects, vals):
                if v < 0:
                    raise EconomyError(f"valuation of agent {a!r} for object {o!r} is "
                                       f"negative ({v})")
            vmap = dict(zip(self.objects, vals))
            listed = prefs.acceptable(order)
            derived = prefs.restrict(prefs.from_valuations(vmap), set(listed))
            if derived != order:
                raise EconomyError(f"agent {a!r}: valuations contradict the preferences "
                                   f"(valuations rank the listed objects as "
                                   f"{prefs.to_json(derived, self.object_index)})")
            if listed:
                worst = min(vmap[o] for o in listed)
                for o in self.objects:
                    if o not in listed and vmap[o] > worst:
                        raise EconomyError(
                            f"agent {a!r}: object {o!r} is unacceptable in the preferences "
                            f"but valued {vmap[o]}, above the listed object(s) valued {worst}")

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def create(cls, agents: Sequence[str], objects: Sequence[str], *,
               preferences: Mapping[str, Any] | None = None,
               supply: Mapping[str, Any] | None = None,
               endowments: Mapping[str, Mapping[str, Any]] | None = None,
               valuations: Mapping[str, Mapping[str, Any]] | None = None,
               name: str | None = None, source: str | None = None) -> Economy:
        """Build and validate an economy from label-keyed data (the JSON model).

        ``preferences[i]`` is a weak order in JSON form (labels and lists of tied labels);
        numbers may be ints, ``"p/q"`` strings, decimal text, ``Fraction`` or ``fmpq``.
        Missing supply means 1 per object; with endowments, the supply is their column sums.
        Missing endowment entries are 0.  An agent with valuations but no preferences gets the
        weak order of her valuations (all objects acceptable).
        """
        agents = _labels(agents, "agents")
        objects = _labels(objects, "objects")
        a_idx = {a: i for i, a in enumerate(agents)}
        o_idx = {o: k for k, o in enumerate(objects)}
        o_set = set(objects)
        preferences = _mapping(preferences if preferences is not None else {}, "'preferences'")
        _known(preferences, a_idx, "agent", "'preferences'")

        vals: list[tuple[fmpq, ...] | None] | None = None
        if valuations is not None:
            valuations = _mapping(valuations, "'valuations'")
            _known(valuations, a_idx, "agent", "'valuations'")
            vals = [None] * len(agents)
            for a, row in valuations.items():
                row = _mapping(row, f"valuations of agent {a!r}")
                _known(row, o_idx, "object", f"valuations of agent {a!r}")
                missing = [o for o in objects if o not in row]
                if missing:
                    raise EconomyError(f"valuations of agent {a!r} miss object {missing[0]!r} "
                                       f"(give a value for every object)")
                vals[a_idx[a]] = tuple(_num(row[o], f"valuation of agent {a!r} for object "
                                                    f"{o!r}") for o in objects)

        orders: list[WeakOrder] = []
        singletons = {o: frozenset((o,)) for o in objects}
        for i, a in enumerate(agents):
            if a in preferences:
                orders.append(prefs.parse_weak_order(preferences[a], o_set, f"agent {a!r}",
                                                     singletons))
            elif vals is not None and vals[i] is not None:
                orders.append(prefs.from_valuations(dict(zip(objects, vals[i]))))
            else:
                raise EconomyError(f"agent {a!r} has neither preferences nor valuations")

        endow = None
        if endowments is not None:
            endowments = _mapping(endowments, "'endowments'")
            _known(endowments, a_idx, "agent", "'endowments'")
            rows = []
            for a in agents:
                row = _mapping(endowments.get(a, {}), f"endowment of agent {a!r}")
                _known(row, o_idx, "object", f"endowment of agent {a!r}")
                rows.append(tuple(_num(row[o], f"endowment of agent {a!r} in object {o!r}")
                                  if o in row else ZERO for o in objects))
            endow = tuple(rows)

        if supply is not None:
            supply = _mapping(supply, "'supply'")
            _known(supply, o_idx, "object", "'supply'")
            if endow is not None:
                sup = tuple(_num(supply[o], f"supply of object {o!r}") if o in supply
                            else sum((r[k] for r in endow), ZERO)
                            for k, o in enumerate(objects))
            else:
                sup = tuple(_num(supply[o], f"supply of object {o!r}") if o in supply else ONE
                            for o in objects)
        elif endow is not None:
            sup = tuple(sum((r[k] for r in endow), ZERO) for k in range(len(objects)))
        else:
            sup = (ONE,) * len(objects)

        return cls(agents=agents, objects=objects, supply=sup, preferences=tuple(orders),
                   endowments=endow, valuations=tuple(vals) if vals is not None else None,
                   name=name, source=source)

    # -- queries ------------------------------------------------------------------------------
    @property
    def n(self) -> int:
        """Number of agents."""
        return len(self.agents)

    @property
    def m(self) -> int:
        """Number of objects."""
        return len(self.objects)

    def supply_of(self, obj: str) -> fmpq:
        """Supply of the object labelled ``obj``."""
        return self.supply[self.object_index[obj]]

    def preference_of(self, agent: str) -> WeakOrder:
        """Weak order of the agent labelled ``agent``."""
        return self.preferences[self.agent_index[agent]]

    def is_strict(self) -> bool:
        """True when no agent is indifferent between two acceptable objects."""
        return all(prefs.is_strict(o) for o in self.preferences)

    def first_tied_agent(self) -> tuple[str, frozenset[str]] | None:
        """The first agent with a tie and her first tied tier, or ``None``."""
        for a, order in zip(self.agents, self.preferences):
            for tier in order:
                if len(tier) > 1:
                    return a, tier
        return None

    def has_endowments(self) -> bool:
        """True for a fractional endowment exchange economy."""
        return self.endowments is not None

    def replace(self, **changes: Any) -> Economy:
        """A copy with some fields replaced (validated again)."""
        kw = {f: getattr(self, f) for f in ("agents", "objects", "supply", "preferences",
                                            "endowments", "valuations", "name", "source")}
        kw.update(changes)
        return Economy(**kw)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Economy):
            return NotImplemented
        return (self.agents, self.objects, self.supply, self.preferences, self.endowments,
                self.valuations) == (other.agents, other.objects, other.supply,
                                     other.preferences, other.endowments, other.valuations)

    def __hash__(self) -> int:
        return hash((self.agents, self.objects, self.supply, self.preferences))
