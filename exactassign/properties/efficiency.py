"""sd-efficiency with ties, unacceptable objects, multi-unit supply and endowments.

Definition (Bogomolnaia and Moulin 2001, §2; Katta and Sethuraman 2006 for weak orders;
``shared/spec/btm.md`` §1): an allocation is sd-efficient when no feasible allocation weakly
sd-dominates it for every agent and strictly for one.  Test: the digraph on objects with an edge
``b → a`` whenever some agent holds ``b`` and weakly prefers ``a`` (strict edge if strictly) has
no strict edge inside a strongly connected component.  The outside option ∅ and the unassigned
supply are modelled as in ``certificates/FORMAT.md`` (a null holder indifferent between all).

Complexity: the object graph has up to m² edges, so it is never built edge by edge.  Each agent
contributes, for every object she holds in tier t, the bitset of her upper contour set of t
(Python integers as bitsets): O(n·m) bitset operations of m bits.  Strongly connected
components by Kosaraju's algorithm on bitset adjacency (each step takes the lowest unvisited
neighbour with one AND), O(m²/w).

Both answers carry a witness: "yes" = integer potentials on objects (the rank of each object's
component in a topological order), which a checker verifies edge by edge without any search;
"no" = an improving trading cycle with the largest feasible ε and the dominating allocation.

>>> from exactassign.economy import Economy
>>> from exactassign.allocation import Allocation
>>> e = Economy.create(["1", "2"], ["a", "b"], preferences={"1": ["a", "b"], "2": ["b", "a"]})
>>> p = Allocation.from_mapping(e, {"1": {"b": 1}, "2": {"a": 1}})
>>> imp = find_sd_improvement(e, p)
>>> imp.epsilon, imp.dominating.row_map("1")
(1, {'a': 1})
>>> is_sd_efficient(e, imp.dominating)
True
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flint import fmpq

from ..allocation import Allocation
from ..numbers import ONE
from .extended import extended_tiers, house_model, row_with_outside

__all__ = ["Trade", "SdImprovement", "SdEfficiencyWitness", "analyse_sd_efficiency",
           "find_sd_improvement", "sd_efficiency_potential", "is_sd_efficient"]


@dataclass(frozen=True)
class Trade:
    """One edge of an improving cycle: ``agent`` (None: the null holder) gives ε of ``gives``
    and gets ε of ``gets`` (None: the outside option ∅)."""

    agent: str | None
    gives: str | None
    gets: str | None
    strict: bool


@dataclass(frozen=True)
class SdImprovement:
    """A "no" witness: the trading cycle, its ε and the dominating allocation."""

    cycle: tuple[Trade, ...]
    epsilon: fmpq
    dominating: Allocation


@dataclass(frozen=True)
class SdEfficiencyWitness:
    """A "yes" witness: potentials φ with φ(a) >= φ(b) on edges, > on strict edges."""

    potential: dict[str, int]
    outside: int | None


def _bits(x: int):
    while x:
        low = x & -x
        yield low.bit_length() - 1
        x ^= low


class _Graph:
    """The holding digraph on objects (and ∅) as bitset adjacency."""

    def __init__(self, economy: Any, allocation: Allocation) -> None:
        m = economy.m
        self.economy, self.allocation = economy, allocation
        self.house = house_model(economy)
        self.size = m + 1 if self.house else m
        full = (1 << self.size) - 1
        out, inn, strict = [0] * self.size, [0] * self.size, [0] * self.size
        bit = [1 << k for k in range(self.size)]
        for i in range(economy.n):
            row = row_with_outside(economy, allocation.rows[i])
            if not any(row):
                continue
            tiers = extended_tiers(economy, i)
            ucs, held_in, acc = [], [], 0
            for tier in tiers:
                h = 0
                for k in tier:
                    acc |= bit[k]
                    if row[k]:
                        h |= bit[k]
                ucs.append(acc)
                held_in.append(h)
            suffix = 0
            for t in range(len(tiers) - 1, -1, -1):
                h = held_in[t]
                if h:
                    suffix |= h
                    u = ucs[t]
                    for k in _bits(h):
                        out[k] |= u
                    if t:
                        v = ucs[t - 1]
                        for k in _bits(h):
                            strict[k] |= v
                if suffix:
                    for k in tiers[t]:
                        inn[k] |= suffix
        if self.house:
            null_held = 1 << m
            for k in range(m):
                if allocation.column_sum(k) < economy.supply[k]:
                    null_held |= 1 << k
            for k in _bits(null_held):
                out[k] = full
            for k in range(self.size):
                inn[k] |= null_held
            self.null_held = null_held
        else:
            self.null_held = 0
        self.out, self.inn, self.strict, self.full = out, inn, strict, full

    def components(self) -> list[int]:
        """Strongly connected components as bitsets, in a topological order (sources first)."""
        order: list[int] = []
        unvisited = self.full
        for v in range(self.size):
            if not unvisited >> v & 1:
                continue
            unvisited ^= 1 << v
            stack = [v]
            while stack:
                u = stack[-1]
                nb = self.out[u] & unvisited
                if nb:
                    w = (nb & -nb).bit_length() - 1
                    unvisited ^= 1 << w
                    stack.append(w)
                else:
                    order.append(stack.pop())
        comps: list[int] = []
        unvisited = self.full
        for v in reversed(order):
            if not unvisited >> v & 1:
                continue
            unvisited ^= 1 << v
            comp, stack = 1 << v, [v]
            while stack:
                nb = self.inn[stack.pop()] & unvisited
                if nb:
                    unvisited &= ~nb
                    comp |= nb
                    stack.extend(_bits(nb))
            comps.append(comp)
        return comps

    def path(self, src: int, dst: int, within: int) -> list[int]:
        """A shortest path src -> dst inside the bitset ``within`` (breadth-first)."""
        parent = {src: src}
        frontier, seen = [src], within & ~(1 << src)
        while frontier and dst not in parent:
            nxt = []
            for u in frontier:
                nb = self.out[u] & seen
                seen &= ~nb
                for w in _bits(nb):
                    parent[w] = u
                    nxt.append(w)
            frontier = nxt
        path = [dst]
        while path[-1] != src:
            path.append(parent[path[-1]])
        return path[::-1]


def _edge_holder(g: _Graph, b: int, a: int, need_strict: bool) -> tuple[int | None, bool]:
    """An agent (index; None = null holder) realising the edge b -> a, and its strictness."""
    e = g.economy
    fallback = None
    for i in range(e.n):
        row = row_with_outside(e, g.allocation.rows[i])
        if not row[b] > 0:
            continue
        tiers = extended_tiers(e, i)
        tb = next(t for t, tier in enumerate(tiers) if b in tier)
        ta = next(t for t, tier in enumerate(tiers) if a in tier)
        if ta < tb:
            return i, True
        if ta == tb and fallback is None:
            fallback = i
    if need_strict:
        raise AssertionError("strict edge without a holder")
    if fallback is not None:
        return fallback, False
    assert g.null_held >> b & 1, "edge without a holder"
    return None, False


def analyse_sd_efficiency(economy: Any, allocation: Allocation
                          ) -> SdImprovement | SdEfficiencyWitness:
    """One pass: the improvement if there is one, else the potential certificate."""
    g = _Graph(economy, allocation)
    comps = g.components()
    comp_of = [0] * g.size
    for c, mask in enumerate(comps):
        for k in _bits(mask):
            comp_of[k] = c
    for b in range(g.size):
        inside = g.strict[b] & comps[comp_of[b]]
        if inside:
            a = (inside & -inside).bit_length() - 1
            return _improvement(g, b, a, comps[comp_of[b]])
    m = economy.m
    return SdEfficiencyWitness(potential={economy.objects[k]: comp_of[k] for k in range(m)},
                               outside=comp_of[m] if g.house else None)


def _improvement(g: _Graph, b: int, a: int, comp: int) -> SdImprovement:
    e, alloc = g.economy, g.allocation
    m = e.m
    cycle_nodes = [b] + g.path(a, b, comp)[:-1]        # b -> a -> ... -> (back to b)
    trades: list[tuple[int | None, int, int, bool]] = []
    for pos, x in enumerate(cycle_nodes):
        y = cycle_nodes[(pos + 1) % len(cycle_nodes)]
        who, strict = _edge_holder(g, x, y, need_strict=pos == 0)
        trades.append((who, x, y, strict))
    # the largest feasible epsilon: each giver's holding of what she gives
    eps: fmpq | None = None
    for who, x, _, _ in trades:
        if who is None:
            cap = None if x == m else e.supply[x] - alloc.column_sum(x)
        else:
            cap = row_with_outside(e, alloc.rows[who])[x]
        if cap is not None and (eps is None or cap < eps):
            eps = cap
    if eps is None:          # only the null holder trades: cannot happen (a strict edge exists)
        eps = ONE
    rows = [list(r) for r in alloc.rows]
    for who, x, y, _ in trades:
        if who is None:
            continue
        if x < m:
            rows[who][x] -= eps
        if y < m:
            rows[who][y] += eps
    dominating = Allocation(alloc.agents, alloc.objects, tuple(tuple(r) for r in rows))
    label = (lambda k: e.objects[k] if k < m else None)
    cycle = tuple(Trade(agent=e.agents[w] if w is not None else None, gives=label(x),
                        gets=label(y), strict=s) for w, x, y, s in trades)
    return SdImprovement(cycle=cycle, epsilon=eps, dominating=dominating)


def find_sd_improvement(economy: Any, allocation: Allocation) -> SdImprovement | None:
    """An improving cycle and the dominating allocation, or ``None`` if sd-efficient."""
    r = analyse_sd_efficiency(economy, allocation)
    return r if isinstance(r, SdImprovement) else None


def sd_efficiency_potential(economy: Any, allocation: Allocation) -> SdEfficiencyWitness | None:
    """The potential certificate of sd-efficiency, or ``None`` if not sd-efficient."""
    r = analyse_sd_efficiency(economy, allocation)
    return r if isinstance(r, SdEfficiencyWitness) else None


def is_sd_efficient(economy: Any, allocation: Allocation) -> bool:
    """True iff no feasible allocation sd-dominates ``allocation``."""
    return find_sd_improvement(economy, allocation) is None


