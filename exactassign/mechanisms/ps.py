"""Probabilistic serial: the simultaneous eating algorithm (Bogomolnaia and Moulin 2001).

Every agent eats, at her own constant speed, her best acceptable object that is not yet
exhausted, until she has eaten one unit or nothing acceptable is left.  With equal speeds this
is the probabilistic serial mechanism (Bogomolnaia and Moulin 2001, §3, "PS"); with speeds
``s_i`` it is the simultaneous eating algorithm with constant eating-speed functions (ibid.,
Def. of the eating algorithm), agent ``i`` being full at time ``1/s_i``.  Supplies may be any
positive exact amounts (fewer or more units than agents); unacceptable objects are never eaten.

The implementation is event-driven over python-flint rationals: each object keeps its remaining
amount at the time of its last change and its current eating rate, the next exhaustion times sit
in a heap, and an exhaustion touches only the agents who were eating the exhausted object.
Satiation times are known in advance (``1/s_i``).  Cost: O(n·m) pointer steps plus
O(moves · log m) exact operations.

The trace is a tuple of :class:`EatingPhase` records: between two consecutive events every
active agent eats one object at her speed; a phase ends exactly when some object is exhausted or
some agent is full.  Replaying the phases gives the allocation back.

>>> from exactassign.economy import Economy
>>> e = Economy.create(["1", "2", "3", "4"], ["a", "b", "c", "d"], preferences={
...     "1": ["a", "b", "c", "d"], "2": ["a", "b", "c", "d"],
...     "3": ["b", "a", "d", "c"], "4": ["b", "a", "d", "c"]})
>>> r = probabilistic_serial(e)
>>> r.allocation.row_map("1")
{'a': 1/2, 'c': 1/2}
>>> [(str(ph.start), str(ph.end), ph.exhausted) for ph in r.trace]
[('0', '1/2', ('a', 'b')), ('1/2', '1', ('c', 'd'))]
"""
from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flint import fmpq

from .. import preferences as prefs
from ..allocation import Allocation
from ..errors import DomainError, ParameterError
from ..numbers import ONE, ZERO, canonical, parse
from .base import Mechanism, MechanismResult, register
from .params import agent_values, object_list

__all__ = ["EatingPhase", "probabilistic_serial", "strict_orders"]


@dataclass(frozen=True)
class EatingPhase:
    """One phase ``[start, end]`` of a simultaneous eating run.

    ``eating[i]`` is the object agent ``agents[i]`` eats during the phase (``None``: she is
    full or has nothing acceptable left); she eats it at her speed.  ``exhausted`` are the
    objects whose supply runs out exactly at ``end``, ``satiated`` the agents who reach one unit
    at ``end``, ``stopped`` those left with no acceptable object after ``end``.
    """

    start: fmpq
    end: fmpq
    agents: tuple[str, ...]
    eating: tuple[str | None, ...]
    exhausted: tuple[str, ...]
    satiated: tuple[str, ...]
    stopped: tuple[str, ...]

    def eaters(self) -> dict[str, str]:
        """``{agent: object}`` for the agents eating in this phase."""
        return {a: o for a, o in zip(self.agents, self.eating) if o is not None}

    def to_json(self) -> dict:
        """JSON form with canonical exact numbers."""
        return {"start": canonical(self.start), "end": canonical(self.end),
                "eating": self.eaters(), "exhausted": list(self.exhausted),
                "satiated": list(self.satiated), "stopped": list(self.stopped)}


def strict_orders(economy: Any, tiebreak: Sequence[str] | None = None,
                  mechanism: str = "ps") -> list[list[int]]:
    """Each agent's acceptable objects as object indices, best first.

    Ties are refused with a :class:`DomainError` naming the agent, unless ``tiebreak`` (a
    sequence of object labels covering every tied object) says how to break them.
    """
    idx = economy.object_index
    out = []
    for a, order in zip(economy.agents, economy.preferences):
        if not prefs.is_strict(order):
            if tiebreak is None:
                tier = next(t for t in order if len(t) > 1)
                tied = ", ".join(repr(o) for o in sorted(tier, key=idx.__getitem__))
                raise DomainError(
                    f"agent {a!r} is indifferent between {tied}; {mechanism} needs strict "
                    f"preferences. Use a mechanism for ties (eps: Katta-Sethuraman extended "
                    f"PS; btm / ps-ext: balanced trading) or break ties explicitly with "
                    f"--param tiebreak=OBJ,OBJ,... (a fixed object order)")
            pos = set(tiebreak)
            for tier in order:
                if len(tier) > 1:
                    missing = sorted(tier - pos, key=idx.__getitem__)
                    if missing:
                        raise ParameterError(f"--param tiebreak does not order object "
                                             f"{missing[0]!r}, tied for agent {a!r}")
            order = prefs.break_ties(order, tiebreak)
        out.append([idx[o] for t in order for o in t])
    return out


def probabilistic_serial(economy: Any, speeds: Mapping[str, Any] | None = None,
                         tiebreak: Sequence[str] | None = None) -> MechanismResult:
    """Run the simultaneous eating algorithm exactly (equal speeds: probabilistic serial).

    ``speeds`` maps every agent to a positive exact eating speed (default 1 each);
    ``tiebreak`` is an optional object order used to break indifferences (without it weak
    preferences are refused).  Bogomolnaia and Moulin (2001), J. Econ. Theory 100, §3.
    """
    n, m = economy.n, economy.m
    agents, objects = economy.agents, economy.objects
    if speeds is None:
        speed = [ONE] * n
    else:
        missing = [a for a in agents if a not in speeds]
        if missing:
            raise ParameterError(f"speeds: no speed for agent {missing[0]!r}")
        unknown = [a for a in speeds if a not in economy.agent_index]
        if unknown:
            raise ParameterError(f"speeds: unknown agent {unknown[0]!r}")
        speed = [parse(speeds[a], f"speed of agent {a!r}") for a in agents]
        for a, s in zip(agents, speed):
            if s <= 0:
                raise ParameterError(f"speeds: speed of agent {a!r} must be positive, got {s}")
    lists = strict_orders(economy, tiebreak)

    remaining = list(economy.supply)      # remaining amount at time settled[k]
    settled = [ZERO] * m
    rate = [ZERO] * m
    eaters: list[set[int]] = [set() for _ in range(m)]
    exhausted = [False] * m
    version = [0] * m
    ptr = [0] * n
    cur = [-1] * n                         # object index being eaten, -1 if none
    since = [ZERO] * n                     # time the agent started her current object
    amounts: dict[int, dict[int, fmpq]] = {}
    heap: list[tuple[fmpq, int, int]] = []

    def settle(k: int, t: fmpq) -> None:
        if rate[k]:
            remaining[k] -= rate[k] * (t - settled[k])
        settled[k] = t

    def push(k: int) -> None:
        version[k] += 1
        if rate[k]:
            heapq.heappush(heap, (settled[k] + remaining[k] / rate[k], version[k], k))

    def start_eating(i: int, t: fmpq) -> None:
        lst, p = lists[i], ptr[i]
        while p < len(lst) and exhausted[lst[p]]:
            p += 1
        ptr[i] = p
        if p == len(lst):
            cur[i] = -1
            return
        k = lst[p]
        settle(k, t)
        rate[k] += speed[i]
        eaters[k].add(i)
        cur[i] = k
        since[i] = t
        push(k)

    def stop_eating(i: int, t: fmpq) -> None:
        k = cur[i]
        got = speed[i] * (t - since[i])
        if got:
            row = amounts.setdefault(i, {})
            row[k] = row.get(k, ZERO) + got
        cur[i] = -1

    # satiation events: agent i is full at 1/s_i (if still eating then)
    # full_at[g]: the distinct satiation times, increasing; full_groups[g]: their agents
    full_time = [ONE / s for s in speed]
    full_at: list[fmpq] = []
    full_groups: list[list[int]] = []
    group = [0] * n
    for i in sorted(range(n), key=full_time.__getitem__):
        if not full_at or full_time[i] != full_at[-1]:
            full_at.append(full_time[i])
            full_groups.append([])
        full_groups[-1].append(i)
        group[i] = len(full_at) - 1
    full_pos = 0
    t = ZERO
    for i in range(n):
        start_eating(i, t)
    phases: list[EatingPhase] = []
    active = sum(1 for c in cur if c >= 0)
    # agents still eating per satiation time: a time at which nobody eating becomes full is
    # no event (else an agent without acceptable objects would split a phase in two)
    live = [0] * len(full_at)
    for i in range(n):
        if cur[i] >= 0:
            live[group[i]] += 1

    while active:
        while heap and (heap[0][1] != version[heap[0][2]] or exhausted[heap[0][2]]):
            heapq.heappop(heap)
        t_exh = heap[0][0] if heap else None
        while full_pos < len(full_at) and (full_at[full_pos] <= t or not live[full_pos]):
            full_pos += 1
        t_full = full_at[full_pos] if full_pos < len(full_at) else None
        nxt = min(x for x in (t_exh, t_full) if x is not None)
        snapshot = tuple(objects[c] if c >= 0 else None for c in cur)

        gone: list[int] = []
        while heap and heap[0][0] == nxt:
            _, ver, k = heapq.heappop(heap)
            if ver == version[k] and not exhausted[k]:
                settle(k, nxt)
                assert remaining[k] == 0, "exhaustion time computed inexactly"
                exhausted[k] = True
                gone.append(k)
        full: list[int] = []
        if t_full is not None and t_full == nxt:
            full = [i for i in full_groups[full_pos] if cur[i] >= 0]
        touched: set[int] = set()
        active -= len(full)
        for i in full:
            k = cur[i]
            settle(k, nxt)
            stop_eating(i, nxt)
            rate[k] -= speed[i]
            eaters[k].discard(i)
            touched.add(k)
        movers = sorted(i for k in gone for i in eaters[k])
        for k in gone:
            eaters[k].clear()
            rate[k] = ZERO
        stopped = []
        for i in movers:
            stop_eating(i, nxt)
            start_eating(i, nxt)
            if cur[i] < 0:
                stopped.append(agents[i])
                active -= 1
                live[group[i]] -= 1
        for k in touched:
            if not exhausted[k]:
                push(k)
        phases.append(EatingPhase(start=t, end=nxt, agents=agents, eating=snapshot,
                                  exhausted=tuple(objects[k] for k in sorted(gone)),
                                  satiated=tuple(agents[i] for i in sorted(full)),
                                  stopped=tuple(stopped)))
        t = nxt

    allocation = Allocation.from_sparse(agents, objects, amounts)
    params: dict[str, str] = {}
    if speeds is not None:
        params["speeds"] = ",".join(canonical(s) for s in speed)
    if tiebreak is not None:
        params["tiebreak"] = ",".join(tiebreak)
    return MechanismResult(mechanism="ps", params=params, allocation=allocation,
                           trace=tuple(phases),
                           info={"speeds": {a: canonical(s) for a, s in zip(agents, speed)}})


def _parse_params(economy: Any, raw: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "speeds" in raw:
        out["speeds"] = agent_values(economy, raw["speeds"], "speeds", default=None)
    if "tiebreak" in raw:
        out["tiebreak"] = object_list(economy, raw["tiebreak"], "tiebreak")
    return out


register(Mechanism(
    name="ps", title="Probabilistic serial (simultaneous eating)",
    citation="Bogomolnaia and Moulin (2001), A new solution to the random assignment problem, "
             "J. Econ. Theory 100:295-328",
    function=probabilistic_serial, parse_params=_parse_params,
    param_help={"speeds": "eating speeds: 'v1,v2,...' in agent order or 'agent:v,...' "
                          "(default 1 each)",
                "tiebreak": "object order 'a,b,...' used to break indifferences (default: "
                            "ties refused)"}))
