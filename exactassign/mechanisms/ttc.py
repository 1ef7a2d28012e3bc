"""Gale's top trading cycles (TTC) for housing markets (Shapley and Scarf 1974).

A *housing market* is the FEE economy (``shared/spec/btm.md`` §1) in which every agent owns one
whole object and every object is owned by exactly one agent (the endowment matrix is a
permutation matrix).  TTC: every remaining agent points to the owner of her favourite remaining
object; every cycle of the pointing graph trades (each agent gets the object she points to) and
leaves; repeat until nobody is left.  With strict preferences the outcome is the unique core
allocation (Roth and Postlewaite 1977); every BTM reduces to it (Yu and Zhang, arXiv
2005.06878; btm.md §2).

Preferences must be strict over all objects.  An object the agent does not list is
unacceptable and sits below every listed one, so at most one object may be left unlisted
(two unlisted objects would be a tie).  Economies outside the domain are refused with a
:class:`~exactassign.errors.DomainError` that names the reason.  O(n²) time.

>>> from exactassign.economy import Economy
>>> e = Economy.create(["1", "2", "3"], ["a", "b", "c"],
...     preferences={"1": ["b", "a", "c"], "2": ["a", "b", "c"], "3": ["a", "c", "b"]},
...     endowments={"1": {"a": 1}, "2": {"b": 1}, "3": {"c": 1}})
>>> r = top_trading_cycles(e)
>>> {a: r.allocation.row_map(a) for a in e.agents}
{'1': {'b': 1}, '2': {'a': 1}, '3': {'c': 1}}
>>> [c.cycles for c in r.trace]
[(('1', '2'),), (('3',),)]
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..allocation import Allocation
from ..errors import DomainError
from ..numbers import ONE
from .base import Mechanism, MechanismResult, register

__all__ = ["TTCRound", "top_trading_cycles", "housing_market_owners"]


@dataclass(frozen=True)
class TTCRound:
    """One round: ``points[a]`` is the object agent ``a`` points to (its owner is the target),
    ``cycles`` the trading cycles (agents in pointing order), ``assigned[a]`` what ``a`` gets."""

    round: int
    points: Mapping[str, str]
    cycles: tuple[tuple[str, ...], ...]
    assigned: Mapping[str, str]

    def to_json(self) -> dict:
        return {"round": self.round, "points": dict(self.points),
                "cycles": [list(c) for c in self.cycles], "assigned": dict(self.assigned)}


def housing_market_owners(economy: Any, mechanism: str = "ttc") -> list[int]:
    """``owner_of[k]``: the agent index owning object k, checking the housing-market domain
    (and strict preferences); :class:`DomainError` names the reason otherwise."""
    if economy.endowments is None:
        raise DomainError(f"{mechanism}: not a housing market: the economy has no endowments "
                          f"(give each agent one whole object)")
    if economy.n != economy.m:
        raise DomainError(f"{mechanism}: not a housing market: {economy.n} agents but "
                          f"{economy.m} objects (each agent must own one distinct object)")
    owner_of: list[int | None] = [None] * economy.m
    for i, (a, row) in enumerate(zip(economy.agents, economy.endowments)):
        owned = [k for k, x in enumerate(row) if x]
        if len(owned) != 1 or row[owned[0]] != ONE:
            desc = ", ".join(f"{economy.objects[k]}: {row[k]}" for k in owned) or "nothing"
            raise DomainError(f"{mechanism}: not a housing market: agent {a!r} owns {desc} "
                              f"(each agent must own exactly one whole object)")
        k = owned[0]
        if owner_of[k] is not None:
            raise DomainError(f"{mechanism}: not a housing market: object "
                              f"{economy.objects[k]!r} is owned by agents "
                              f"{economy.agents[owner_of[k]]!r} and {a!r}")
        owner_of[k] = i
    for a, order in zip(economy.agents, economy.preferences):
        for tier in order:
            if len(tier) > 1:
                tied = ", ".join(sorted(tier, key=economy.object_index.__getitem__))
                raise DomainError(f"{mechanism}: agent {a!r} is indifferent between {tied}; "
                                  f"TTC needs strict preferences (use btm, which handles ties)")
        listed = sum(map(len, order))
        if listed < economy.m - 1:
            missing = [o for o in economy.objects if not any(o in t for t in order)]
            raise DomainError(f"{mechanism}: agent {a!r} does not rank objects "
                              f"{', '.join(map(repr, missing))}; unranked objects tie at the "
                              f"bottom and TTC needs strict preferences (rank all but at most "
                              f"one object, or use btm)")
    return owner_of  # type: ignore[return-value]


def top_trading_cycles(economy: Any) -> MechanismResult:
    """Gale's top trading cycles on a housing market (Shapley and Scarf 1974, §6)."""
    owner_of = housing_market_owners(economy)
    n = economy.n
    idx = economy.object_index
    lists = []
    for order in economy.preferences:
        lst = [idx[next(iter(t))] for t in order]
        listed = set(lst)
        lst += [k for k in range(economy.m) if k not in listed]
        lists.append(lst)
    remaining = set(range(n))
    ptr = [0] * n
    assigned: dict[int, int] = {}
    rounds = []
    r = 0
    while remaining:
        r += 1
        target: dict[int, int] = {}
        for i in sorted(remaining):
            while owner_of[lists[i][ptr[i]]] not in remaining:
                ptr[i] += 1
            target[i] = lists[i][ptr[i]]
        # find the cycles of the functional graph i -> owner of target[i]
        color: dict[int, int] = {}
        cycles = []
        for start in sorted(remaining):
            path = []
            v = start
            while v not in color:
                color[v] = start
                path.append(v)
                v = owner_of[target[v]]
            if color[v] == start:        # closed a new cycle on this walk
                cyc = path[path.index(v):]
                cycles.append(cyc)
        got = {}
        for cyc in cycles:
            for i in cyc:
                assigned[i] = target[i]
                got[economy.agents[i]] = economy.objects[target[i]]
                remaining.discard(i)
        rounds.append(TTCRound(r, {economy.agents[i]: economy.objects[k]
                                   for i, k in sorted(target.items())},
                               tuple(tuple(economy.agents[i] for i in c) for c in cycles),
                               got))
    allocation = Allocation.from_sparse(economy.agents, economy.objects,
                                        {i: {k: ONE} for i, k in assigned.items()})
    return MechanismResult(mechanism="ttc", params={}, allocation=allocation,
                           trace=tuple(rounds), info={"rounds": len(rounds)})


def _params(economy: Any, raw: Mapping[str, str]) -> dict[str, Any]:
    return {}


register(Mechanism(
    name="ttc", title="Gale's top trading cycles (housing markets)",
    citation="Shapley and Scarf (1974), On cores and indivisibility, J. Math. Econ. 1:23-37",
    function=top_trading_cycles, parse_params=_params, param_help={}))
