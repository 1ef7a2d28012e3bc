"""Exact bipartite flows with demand nodes, and the parametric bottleneck ("level") computation.

The kernel behind ``eps`` (Katta and Sethuraman 2006), ``egalitarian`` (Bogomolnaia and Moulin
2004), ``sd``/``rsd`` with ties and the ``egalitarian`` property.  The network is always
``source → demand node → object → sink``: a demand node ``j`` (an agent, or one tier of an
agent) may send flow to the objects of its set ``E_j`` (uncapacitated edges) and wants
``demand_j``; object ``o`` absorbs at most ``cap_o``.  All amounts are python-flint ``fmpq``.

:class:`FlowNet` keeps one flow and repairs it incrementally: demands may go up or down, nodes
and objects may be added or removed, and :meth:`FlowNet.augment` restores a maximum flow by
shortest augmenting paths (multi-source breadth-first search from the deficient nodes through
the residual graph; a greedy pass first routes what fits directly).  Every augmentation
saturates a node, an object or a reverse edge, so the amounts stay exact and integral
capacities give integral flows.

:func:`max_level` is the parametric part.  Demand nodes are *fixed* (constant demand) or
*parametric* (demand ``max(0, λ - base_j)``).  It finds the largest ``λ <= cap`` at which all
demands can be met together -- equivalently the smallest ratio over node sets X

    λ*  =  max { λ : c(Γ(X)) >= d_X(λ) for every set X of nodes }

-- by Dinkelbach's (discrete Newton) iteration from above on the min-cut function: at a λ
that is too high, the source side X of a minimum cut is a violated set and the next λ is the
root of ``d_X(λ) = c(Γ(X))``; each step strictly decreases λ and the number of cut sets is
finite, so it ends (in practice after 1-3 max-flow repairs, because the first guess is the
smallest root over cheap candidate sets).  At λ* the *maximal* tight set (the nodes that cannot
reach a not-full object in the residual graph) is returned: it is the largest set attaining the
minimum ratio (the tight sets form a lattice, by submodularity of X ↦ c(Γ(X))), the
"bottleneck set" of Katta-Sethuraman and of Bogomolnaia-Moulin.  Its objects ``Γ(B)`` are
exactly full and receive flow from ``B`` only.

>>> from exactassign.numbers import Q
>>> net = FlowNet({0: Q(1), 1: Q(3)})           # objects a (1 unit) and c (3 units)
>>> for j, objs in enumerate([(0,), (0,), (1,), (1,), (1,)]):
...     net.add_node(j, objs, Q(0))
>>> lvl = max_level(net, {j: Q(0) for j in range(5)}, {}, Q(1))
>>> lvl.level, sorted(lvl.tight_nodes), sorted(lvl.tight_objects), lvl.capped
(1/2, [0, 1], [0], False)
"""
from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flint import fmpq

from .numbers import ZERO

__all__ = ["FlowNet", "Level", "max_level", "param_root", "symmetrise"]


class FlowNet:
    """A flow from demand nodes to capacitated objects (see the module docstring).

    ``objs[j]`` are node j's objects (a tuple, in a fixed order); ``f[j]`` maps an object to
    the positive flow j sends it; ``out[j]`` is j's total, ``dem[j]`` its demand; ``load[o]``
    the total into object o, ``cap[o]`` its capacity.  ``users[o]`` are the nodes with positive
    flow into o, ``watch[o]`` the nodes that list o (both insertion-ordered dicts, so that every
    traversal is deterministic).
    """

    __slots__ = ("cap", "load", "users", "watch", "objs", "dem", "out", "f", "augmentations")

    def __init__(self, caps: Mapping[int, fmpq]) -> None:
        self.cap: dict[int, fmpq] = dict(caps)
        self.load: dict[int, fmpq] = {o: ZERO for o in self.cap}
        self.users: dict[int, dict[Hashable, None]] = {o: {} for o in self.cap}
        self.watch: dict[int, dict[Hashable, None]] = {o: {} for o in self.cap}
        self.objs: dict[Hashable, tuple[int, ...]] = {}
        self.dem: dict[Hashable, fmpq] = {}
        self.out: dict[Hashable, fmpq] = {}
        self.f: dict[Hashable, dict[int, fmpq]] = {}
        self.augmentations = 0

    # -- structure ------------------------------------------------------------------------------
    def add_node(self, j: Hashable, objs: Iterable[int], demand: fmpq) -> None:
        """Add demand node ``j`` over the (present) objects ``objs`` with no flow yet."""
        objs = tuple(o for o in objs if o in self.cap)
        self.objs[j] = objs
        self.dem[j] = demand
        self.out[j] = ZERO
        self.f[j] = {}
        for o in objs:
            self.watch[o][j] = None

    def remove_node(self, j: Hashable) -> dict[int, fmpq]:
        """Remove node ``j`` and its flow (the objects get their capacity back); returns the
        flow it had."""
        flow = self.f.pop(j)
        for o, x in flow.items():
            self.load[o] -= x
            del self.users[o][j]
        for o in self.objs.pop(j):
            del self.watch[o][j]
        del self.dem[j], self.out[j]
        return flow

    def remove_object(self, o: int) -> None:
        """Remove object ``o``; it must carry no flow.  Nodes that list it forget it."""
        assert not self.users[o], "removing an object that still carries flow"
        for j in self.watch.pop(o):
            self.objs[j] = tuple(x for x in self.objs[j] if x != o)
        del self.cap[o], self.load[o], self.users[o]

    def set_capacity(self, o: int, cap: fmpq) -> None:
        """Change an object's capacity (it must stay >= its current load)."""
        assert cap >= self.load[o]
        self.cap[o] = cap

    def set_demand(self, j: Hashable, demand: fmpq) -> None:
        """Change node j's demand; flow above the new demand is withdrawn (last objects
        first)."""
        self.dem[j] = demand
        excess = self.out[j] - demand
        if excess <= 0:
            return
        fj = self.f[j]
        for o in reversed(list(fj)):
            x = fj[o]
            take = x if x <= excess else excess
            self._push(j, o, -take)
            excess -= take
            if not excess:
                break

    # -- flow -------------------------------------------------------------------------------------
    def _push(self, j: Hashable, o: int, x: fmpq) -> None:
        fj = self.f[j]
        new = fj.get(o, ZERO) + x
        if new:
            if o not in fj:
                self.users[o][j] = None
            fj[o] = new
        else:
            del fj[o]
            del self.users[o][j]
        self.out[j] += x
        self.load[o] += x

    def deficient(self) -> list[Hashable]:
        """Nodes whose flow is below their demand, in insertion order."""
        out, dem = self.out, self.dem
        return [j for j in self.objs if out[j] < dem[j]]

    def augment(self) -> tuple[bool, set[Hashable], set[int]]:
        """Repair to a maximum flow.  Returns ``(saturated, X, Y)``: ``saturated`` is True when
        every demand is met; otherwise ``X``/``Y`` are the nodes/objects reachable from the
        deficient nodes in the residual graph (the source side of a minimum cut: every object
        of Y is full and ``Γ(X) = Y``)."""
        cap, load, out, dem = self.cap, self.load, self.out, self.dem
        # greedy: route directly into objects with room
        for j in self.deficient():
            need = dem[j] - out[j]
            for o in self.objs[j]:
                room = cap[o] - load[o]
                if room > 0:
                    x = need if need <= room else room
                    self._push(j, o, x)
                    need -= x
                    if not need:
                        break
        users, objs, f = self.users, self.objs, self.f
        sources = self.deficient()      # an augmentation changes only its start's total
        while True:
            if not sources:
                return True, set(), set()
            # breadth-first search in the residual graph from every deficient node: node -> any
            # of its objects (free edge), object -> node with positive flow into it (reverse
            # edge); objects with room are the ends.  Then augment along the tree path to every
            # end, in BFS order, as long as the path still has residual capacity (Dinic-like:
            # several augmentations per search).
            node_parent: dict[Hashable, int | None] = {j: None for j in sources}
            obj_parent: dict[int, Hashable] = {}
            queue = deque(sources)
            ends: list[int] = []
            while queue:
                j = queue.popleft()
                for o in objs[j]:
                    if o in obj_parent:
                        continue
                    obj_parent[o] = j
                    if load[o] < cap[o]:
                        ends.append(o)
                        continue
                    for k in users[o]:
                        if k not in node_parent:
                            node_parent[k] = o
                            queue.append(k)
            if not ends:
                return False, set(node_parent), set(obj_parent)
            for end in ends:
                path: list[tuple[Hashable, int]] = []      # (node, object it sends more to)
                o = end
                while True:
                    j = obj_parent[o]
                    path.append((j, o))
                    back = node_parent[j]
                    if back is None:
                        break
                    o = back
                start = path[-1][0]
                delta = min(cap[end] - load[end], dem[start] - out[start])
                if delta <= 0:
                    continue
                for j, o in path[:-1]:
                    # node j receives more on its path object, gives back on its parent object
                    x = f[j].get(node_parent[j], ZERO)
                    if x < delta:
                        delta = x
                if delta <= 0:
                    continue
                for j, o in path:
                    self._push(j, o, delta)
                    back = node_parent[j]
                    if back is not None:
                        self._push(j, back, -delta)
                self.augmentations += 1
                if out[start] == dem[start]:
                    sources.remove(start)
                    if not sources:
                        break

    def cannot_reach_sink(self) -> tuple[set[Hashable], set[int]]:
        """Nodes and objects from which no residual path leads to an object with room: the
        maximal tight set ``B`` and its objects (all full, fed by ``B`` only)."""
        cap, load = self.cap, self.load
        reach_o = {o for o in cap if load[o] < cap[o]}
        reach_n: set[Hashable] = set()
        stack = list(reach_o)
        while stack:
            o = stack.pop()
            for j in self.watch[o]:
                if j not in reach_n:
                    reach_n.add(j)
                    for o2 in self.f[j]:
                        if o2 not in reach_o:
                            reach_o.add(o2)
                            stack.append(o2)
        return ({j for j in self.objs if j not in reach_n},
                {o for o in cap if o not in reach_o})

    def flow_of(self, j: Hashable) -> dict[int, fmpq]:
        """A copy of node j's flow (object -> amount)."""
        return dict(self.f[j])


def param_root(fixed: fmpq, bases: list[fmpq], supply: fmpq) -> fmpq | None:
    """The λ with ``fixed + Σ_b max(0, λ - b) = supply`` (None if the parametric part is empty).

    >>> from exactassign.numbers import Q
    >>> param_root(Q(0), [Q(0), Q(0), Q(1, 3)], Q(1))
    4/9
    """
    if not bases:
        return None
    rest = supply - fixed
    lam = (rest + sum(bases, ZERO)) / len(bases)
    if lam >= max(bases):           # every parametric node is active at the root
        return lam
    bs = sorted(bases)
    acc = ZERO
    for k, b in enumerate(bs, 1):
        acc += b
        lam = (rest + acc) / k
        if k == len(bs) or lam <= bs[k]:
            return lam
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Level:
    """Result of :func:`max_level`: the level λ*, whether it is the cap, the maximal tight set
    (all nodes when capped) and its objects (the full ones), and how many max-flow repairs the
    Newton iteration used."""

    level: fmpq
    capped: bool
    tight_nodes: frozenset
    tight_objects: frozenset
    iterations: int


def _demand(base: fmpq, lam: fmpq) -> fmpq:
    return lam - base if lam > base else ZERO


def max_level(net: FlowNet, param: Mapping[Hashable, fmpq], fixed: Mapping[Hashable, fmpq],
              cap: fmpq, start: fmpq | None = None) -> Level:
    """The largest ``λ <= cap`` at which every node's demand can be met, and the maximal
    tight set there (see the module docstring).

    ``param`` maps parametric nodes to their base (demand ``max(0, λ - base)``), ``fixed`` maps
    fixed nodes to their demand (which must be feasible together).  Every node of ``net`` must
    be in one of them.  On return ``net`` holds a flow meeting every demand at λ*.  ``start``
    optionally gives an upper bound on λ* (default: the smallest root over candidate sets).
    """
    for j, d in fixed.items():
        net.set_demand(j, d)
    lam = cap if start is None else min(start, cap)
    if start is None:
        lam = min(lam, _candidate_bound(net, param, fixed, lam))
    iterations = 0
    while True:
        for j, b in param.items():
            net.set_demand(j, _demand(b, lam))
        iterations += 1
        ok, xs, ys = net.augment()
        if ok:
            break
        fixed_sum = sum((fixed[j] for j in xs if j in fixed), ZERO)
        bases = [param[j] for j in xs if j in param]
        supply = sum((net.cap[o] for o in ys), ZERO)
        new = param_root(fixed_sum, bases, supply)
        assert new is not None and new < lam, "Newton step did not decrease the level"
        lam = new
    if lam == cap:
        nodes, objs = net.cannot_reach_sink()
        full = {o for o in net.cap if net.load[o] == net.cap[o]}
        return Level(lam, True, frozenset(net.objs), frozenset(objs | full), iterations)
    nodes, objs = net.cannot_reach_sink()
    return Level(lam, False, frozenset(nodes), frozenset(objs), iterations)


def _candidate_bound(net: FlowNet, param: Mapping[Hashable, fmpq],
                     fixed: Mapping[Hashable, fmpq], cap: fmpq) -> fmpq:
    """min(cap, roots of the all-nodes set and of each group of nodes with the same objects).

    Each root is an upper bound on λ* (the set must not be over-demanded)."""
    best = cap
    groups: dict[tuple[int, ...], list[Hashable]] = {}
    for j, objs in net.objs.items():
        groups.setdefault(tuple(sorted(objs)), []).append(j)
    everything = [j for j in net.objs]
    candidates = list(groups.items())
    candidates.append((tuple(o for o in net.cap if net.watch[o]), everything))
    for objs, nodes in candidates:
        bases = [param[j] for j in nodes if j in param]
        if not bases:
            continue
        fx = sum((fixed[j] for j in nodes if j in fixed), ZERO)
        supply = sum((net.cap[o] for o in objs), ZERO)
        r = param_root(fx, bases, supply)
        if r is not None and r < best:
            best = r
    return best


def symmetrise(flows: dict[Hashable, dict[int, fmpq]], node_classes: Iterable[list[Hashable]],
               objs_of: Mapping[Hashable, Iterable[int]], caps: Mapping[int, fmpq]) -> None:
    """Make a committed flow canonical under the obvious symmetries (in place).

    1. Nodes of one class (the caller groups nodes that are interchangeable: same objects, same
       demand, e.g. agents with identical preferences) get the average of their rows.
    2. Objects that the committed nodes cannot tell apart -- same capacity ``caps[o]`` and
       listed by exactly the same nodes -- get the average of their columns.
    Both keep every row sum (each node lists all or none of a class of objects) and keep every
    column sum within its capacity (an average of columns of equal capacity), so the result is
    still a feasible flow with the same demands.

    >>> from exactassign.numbers import Q
    >>> f = {"x": {0: Q(1)}, "y": {1: Q(1)}}
    >>> symmetrise(f, [["x", "y"]], {"x": (0, 1), "y": (0, 1)}, {0: Q(1), 1: Q(1)})
    >>> f
    {'x': {0: 1/2, 1: 1/2}, 'y': {0: 1/2, 1: 1/2}}
    """
    for group in node_classes:
        if len(group) < 2:
            continue
        tot: dict[int, fmpq] = {}
        for j in group:
            for o, x in flows[j].items():
                tot[o] = tot.get(o, ZERO) + x
        k = fmpq(len(group))
        avg = {o: x / k for o, x in sorted(tot.items())}
        for j in group:
            flows[j] = dict(avg)
    listed: dict[int, list[Hashable]] = {}
    for j in flows:
        for o in objs_of[j]:
            listed.setdefault(o, []).append(j)
    classes: dict[Any, list[int]] = {}
    for o in sorted(listed):
        classes.setdefault((caps[o], tuple(listed[o])), []).append(o)
    for objs in classes.values():
        if len(objs) < 2:
            continue
        k = fmpq(len(objs))
        for j in listed[objs[0]]:
            row = flows[j]
            avg = sum((row.get(o, ZERO) for o in objs), ZERO) / k
            for o in objs:
                if avg:
                    row[o] = avg
                else:
                    row.pop(o, None)
            flows[j] = dict(sorted(row.items()))
