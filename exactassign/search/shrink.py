"""Shrinking counterexamples: greedy delta debugging inside the search domain.

From a counterexample economy, try simpler economies of the same domain and keep the first one
that is still a counterexample, until no candidate works (a local minimum, as in delta
debugging and hypothesis's shrinker; every accepted step strictly decreases :func:`measure`, so
it terminates).  Candidates, biggest cuts first:

1. drop an agent (FEE: with her endowment, dropping objects nobody owns any more; housing: with
   her house);
2. drop an object (from every list, supply, endowment and valuation);
3. coarser preferences: give an agent the preferences of an earlier agent; merge two adjacent
   tiers (weak domains); drop an agent's last listed object (incomplete domains; dichotomous:
   any acceptable object);
4. smaller numbers: supply 1 (random supplies), equal or single-owner endowment columns (FEE),
   smaller valuations (to 0, minus one, divided by the common divisor).

Every candidate must be a valid economy of the domain (:meth:`Domain.admits`); mechanisms that
refuse it count as "not a counterexample".  Finally agents and objects are relabelled
``1..n`` / ``a..`` if that keeps the counterexample (it may not for mechanisms that depend on
labels, e.g. a serial dictatorship's default order).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

from flint import fmpq

from .. import preferences as prefs
from ..economy import Economy
from ..errors import ExactAssignError
from ..numbers import ONE, ZERO
from .domains import Domain, agent_labels, object_labels

__all__ = ["shrink", "measure", "relabel"]


def _numbers(e: Economy) -> int:
    total = 0
    for s in e.supply:
        total += int(s.p) + int(s.q)
    if e.endowments is not None:
        for row in e.endowments:
            total += sum(int(x.q) for x in row if x)
    if e.valuations is not None:
        for row in e.valuations:
            if row is not None:
                total += sum(int(x.p) + int(x.q) for x in row)
    return total


def measure(e: Economy) -> tuple[int, ...]:
    """Size of an economy, lexicographic: agents, objects, distinct preferences, tiers, listed
    objects, numbers (numerators and denominators)."""
    return (e.n, e.m, len(set(e.preferences)), sum(map(len, e.preferences)),
            sum(sum(map(len, o)) for o in e.preferences), _numbers(e))


def _rebuild(e: Economy, agents: list[int], objects: list[int], orders: list | None = None,
             supply: list | None = None, endowments: list | None = None,
             valuations: list | None = None) -> Economy:
    """The economy restricted to agent / object indices, with optional replaced fields
    (given on the restricted index sets)."""
    keep = {e.objects[k] for k in objects}
    if orders is None:
        orders = [prefs.restrict(e.preferences[i], keep) for i in agents]
    if supply is None:
        supply = [e.supply[k] for k in objects]
    if endowments is None and e.endowments is not None:
        endowments = [[e.endowments[i][k] for k in objects] for i in agents]
    if valuations is None and e.valuations is not None:
        valuations = [None if e.valuations[i] is None else [e.valuations[i][k] for k in objects]
                      for i in agents]
    endow = tuple(tuple(r) for r in endowments) if endowments is not None else None
    if endow is not None:
        supply = [sum((r[k] for r in endow), ZERO) for k in range(len(objects))]
    vals = None
    if valuations is not None:
        vals = tuple(None if v is None else tuple(v) for v in valuations)
        objs = [e.objects[k] for k in objects]
        orders = [prefs.from_valuations(dict(zip(objs, v))) if v is not None else o
                  for o, v in zip(orders, vals)]
    return Economy(agents=tuple(e.agents[i] for i in agents),
                   objects=tuple(e.objects[k] for k in objects), supply=tuple(supply),
                   preferences=tuple(orders), endowments=endow, valuations=vals)


def _house_fee(e: Economy, n: int, supply: list) -> list:
    return [[s / n for s in supply] for _ in range(n)]


def _candidates(e: Economy, d: Domain) -> Iterator[Callable[[], Economy]]:
    n, m = e.n, e.m
    A, O = list(range(n)), list(range(m))

    # 1. drop an agent
    for i in range(n):
        def drop_agent(i: int = i) -> Economy:
            agents = [a for a in A if a != i]
            objects = O
            if d.model == "housing":
                owned = next(k for k in O if e.endowments[i][k] == ONE)
                objects = [k for k in O if k != owned]
            elif d.model in ("fee", "simple-fee"):
                objects = [k for k in O if any(e.endowments[a][k] for a in agents)]
            if d.model == "house-fee":
                sup = [e.supply[k] for k in objects]
                return _rebuild(e, agents, objects, endowments=_house_fee(e, len(agents), sup))
            return _rebuild(e, agents, objects)
        yield drop_agent
    # 2. drop an object
    for k in range(m):
        def drop_object(k: int = k) -> Economy:
            objects = [x for x in O if x != k]
            agents = A
            if d.model == "housing":
                owner = next(a for a in A if e.endowments[a][k] == ONE)
                agents = [a for a in A if a != owner]
            if d.model == "house-fee":
                sup = [e.supply[x] for x in objects]
                return _rebuild(e, agents, objects, endowments=_house_fee(e, n, sup))
            return _rebuild(e, agents, objects)
        yield drop_object
    # 3. coarser preferences (ordinal domains)
    if d.preferences != "valuations":
        for i in range(1, n):
            for j in range(i):
                if e.preferences[i] != e.preferences[j]:
                    def copy(i: int = i, j: int = j) -> Economy:
                        orders = list(e.preferences)
                        orders[i] = e.preferences[j]
                        return _rebuild(e, A, O, orders=orders)
                    yield copy
        for i in range(n):
            order = e.preferences[i]
            if d.preferences in ("weak", "dichotomous"):
                for t in range(len(order) - 1):
                    def merge(i: int = i, t: int = t) -> Economy:
                        orders = list(e.preferences)
                        o = orders[i]
                        orders[i] = o[:t] + (o[t] | o[t + 1],) + o[t + 2:]
                        return _rebuild(e, A, O, orders=orders)
                    yield merge
            if not d.complete and order:
                drops = sorted(order[-1]) if d.preferences != "dichotomous" else \
                    sorted(order[0])
                for obj in drops:
                    def truncate(i: int = i, obj: str = obj) -> Economy:
                        orders = list(e.preferences)
                        orders[i] = tuple(t for t in (t - {obj} for t in orders[i]) if t)
                        return _rebuild(e, A, O, orders=orders)
                    yield truncate
    # 4. smaller numbers
    if d.supply == "random":
        for k in range(m):
            if e.supply[k] != ONE:
                def unit(k: int = k) -> Economy:
                    sup = list(e.supply)
                    sup[k] = ONE
                    return _rebuild(e, A, O, supply=sup)
                yield unit
                if e.supply[k].q != 1:
                    def whole(k: int = k) -> Economy:
                        sup = list(e.supply)
                        sup[k] = max(ONE, fmpq(int(e.supply[k].p) // int(e.supply[k].q)))
                        return _rebuild(e, A, O, supply=sup)
                    yield whole
    if d.model in ("fee", "simple-fee"):
        for k in range(m):
            owners = [a for a in A if e.endowments[a][k]]
            col = sum((e.endowments[a][k] for a in owners), ZERO)
            for a in owners:
                if len(owners) > 1:
                    def single(k: int = k, a: int = a, owners: list = owners,
                               col: Any = col) -> Economy:
                        rows = [list(r) for r in e.endowments]
                        for b in owners:
                            rows[b][k] = ZERO
                        rows[a][k] = col
                        return _rebuild(e, A, O, endowments=rows)
                    yield single
            if len(owners) > 1 and len({e.endowments[a][k] for a in owners}) > 1:
                def equal(k: int = k, owners: list = owners, col: Any = col) -> Economy:
                    rows = [list(r) for r in e.endowments]
                    for b in owners:
                        rows[b][k] = col / len(owners)
                    return _rebuild(e, A, O, endowments=rows)
                yield equal
    if d.preferences == "valuations" and e.valuations is not None:
        g = 0
        for row in e.valuations:
            for v in row or ():
                g = math.gcd(g, int(v.p))
        if g > 1:
            def divide(g: int = g) -> Economy:
                vals = [[x / g for x in row] for row in e.valuations]
                return _rebuild(e, A, O, valuations=vals)
            yield divide
        for i in range(n):
            for k in range(m):
                v = e.valuations[i][k]
                for new in ({ZERO, v - 1} if v >= 1 else set()):
                    if new < v and new >= 0:
                        def lower(i: int = i, k: int = k, new: Any = new) -> Economy:
                            vals = [list(row) for row in e.valuations]
                            vals[i][k] = new
                            return _rebuild(e, A, O, valuations=vals)
                        yield lower


def relabel(e: Economy, by_first_agent: bool = False) -> Economy:
    """The economy with agents ``1..n`` and objects ``a, b, ...``: in the same order, or
    (``by_first_agent``) with the objects reordered as the first agent ranks them (ties and
    unlisted objects in their current order), so that her list reads a, b, c, ..."""
    perm = list(range(e.m))
    if by_first_agent and e.preferences:
        idx = e.object_index
        ranked = [idx[o] for t in e.preferences[0] for o in sorted(t, key=idx.__getitem__)]
        perm = ranked + [k for k in range(e.m) if k not in set(ranked)]
    agents, objects = agent_labels(e.n), object_labels(e.m)
    if agents == e.agents and objects == tuple(e.objects[k] for k in perm):
        return e
    ren = {e.objects[k]: objects[pos] for pos, k in enumerate(perm)}

    def cols(row: Any) -> Any:
        return None if row is None else tuple(row[k] for k in perm)
    orders = tuple(tuple(frozenset(ren[o] for o in t) for t in order) for order in e.preferences)
    return Economy(agents=agents, objects=objects, supply=cols(e.supply), preferences=orders,
                   endowments=None if e.endowments is None else
                   tuple(cols(r) for r in e.endowments),
                   valuations=None if e.valuations is None else
                   tuple(cols(r) for r in e.valuations))


def shrink(economy: Economy, is_counterexample: Callable[[Economy], bool], domain: Domain,
           max_steps: int = 1000) -> tuple[Economy, int]:
    """A locally minimal counterexample below ``economy`` and the number of accepted steps."""
    e, steps = economy, 0
    size = measure(e)
    improved = True
    while improved and steps < max_steps:
        improved = False
        for make in _candidates(e, domain):
            try:
                cand = make()
            except (ExactAssignError, ZeroDivisionError, StopIteration):
                continue
            if cand.n < 1 or cand.m < 1 or not domain.admits(cand):
                continue
            new_size = measure(cand)
            if new_size >= size:
                continue
            try:
                ok = is_counterexample(cand)
            except ExactAssignError:
                ok = False
            if ok:
                e, size, steps, improved = cand, new_size, steps + 1, True
                break
    for by_first in (True, False):   # canonical labels, if the counterexample survives them
        final = relabel(e, by_first)
        if final is e:
            break
        try:
            if domain.admits(final) and is_counterexample(final):
                e = final
                break
        except ExactAssignError:
            pass
    return e, steps
