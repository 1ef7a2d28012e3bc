"""Serial dictatorship with ties (``sd``) and random serial dictatorship (``rsd``).

**sd.**  Agents choose one after another in a fixed order (``--param order=a,b,c``; default the
economy's agent order); each takes up to one unit, best objects first.  With strict preferences
and unit supplies this is the textbook serial dictatorship; supplies may be any positive exact
amounts (an agent then takes what is left of her best object, then of her next one, ... until
she holds one unit or nothing acceptable is left).

*The rule for ties* (Svensson 1994, "Queue allocation of indivisible goods", Soc. Choice
Welfare 11; Bogomolnaia, Deb and Ehlers 2005, "Strategy-proof assignment on the full preference
domain", J. Econ. Theory 123): an agent who is indifferent between objects must not hurt later
agents by her choice among them.  So at her turn an agent is *promised* amounts of her
indifference tiers, not objects: the largest amount of her first tier that can be given to her
while every promise made to earlier agents can still be kept, then (given that) the largest
amount of her second tier, and so on until she holds one unit.  Formally, promise ``(i, T,
y)`` means "agent i receives y in total from the objects of tier T", and the promised amounts
are lexicographically maximal in the order of the agents, each agent's tiers best first.
Computation: one incremental augmenting-path repair per (agent, tier) visited
(:class:`exactassign.flows.FlowNet`).

*The canonical realisation* (which objects of a tier each agent receives; every choice below
is one of the flows realising all promises, so later agents are exactly as well off as under
the best choices of their predecessors).  Amounts are counted in units of ``1/u`` (``u`` = the
least common denominator of the supplies); objects are numbered in the economy's order; an
agent's type is the index of her preference order among the distinct orders (first occurrence
in the economy's agent order).  Promises still open are grouped into *nodes* by their *live*
objects (those of the tier with supply left); a node's members are sorted by (type, amount,
position in the order).  After each agent's turn the state is *normalised*: repeatedly, (1) the
first node (by object bit mask) that is *forced* -- it has one live object, or its amount equals
the remaining supply of its objects -- receives that object / all of those objects; otherwise
(2) the *maximal tight set* of nodes (the union of all sets whose amount equals the remaining
supply of their objects; tight sets form a lattice, and in any realisation they use exactly
those objects) is realised by rule G; the remaining supply drops accordingly and live objects
are recomputed.  After the last agent the nodes still open are realised by rule G.  **Rule G**
(:func:`greedy_realisation`): nodes by increasing bit mask, each node's objects by index, each
(node, object) pair gets the largest amount with which all remaining amounts stay realisable.
**Queue split** (:func:`queue_split`): a node's amounts go to its members in their sorted
order, each taking her amount from the objects by increasing index.  A forced node has only
one possible realisation, and a tight set of nodes uses exactly its objects in every
realisation (no later promise can use them), so folding them changes nothing for later agents
(their promises are the same as against all earlier promises); folding makes the rule
*Markovian*: the realisation of the future depends only on (remaining supply, open nodes, agents
still to choose), which is what the memoised rsd needs.  With integral supplies every amount is
integral (max-flow integrality), so sd with unit supplies is a deterministic assignment
(Svensson's serially dictatorial rule).

*Why sd and rsd are strategy-proof with this realisation* (sd-dominance, i.e. the amount of
every upper contour set of the true order).  Fix the order and agent i at position k.  The
promises of the agents before her do not depend on her report.  Her truthful promises are the
lexicographically largest tier amounts given those promises; by the augmenting-path argument
(a max flow to T1 can be extended to a max flow to T1 ∪ T2 without lowering the flow to T1)
her truthful amount of every union of her top tiers U is the largest amount of U that any flow
keeping the earlier promises can give her (capped at one unit).  Under any misreport the final
allocation is still a flow keeping those earlier promises, so it gives her at most that much of
U -- whatever the realisation rule, provided it realises all promises.  So sd in every order is
strategy-proof (in the sd sense, per order), and rsd, the average over all orders of these
realisations, is too (the cumulative amounts are linear).  Note that the amount of a single
object *can* rise by a misreport that splits a true tie (a > c instead of a ~ c raises a and
lowers c): that is not a manipulation, the agent does not care.  (The old rsd realised the
averaged tier amounts by one flow at the end, which is not an average of per-order
realisations, and was manipulable: 1: a; 2: a; 3, 4: a ~ c; 1 reporting a ~ c > b raised her
share of a from 5/12 to 1/2.)

**rsd.**  The random serial dictatorship: sd with a uniformly random order, i.e. exactly the
average of the sd matrices above over all n! orders.  It is computed by enumeration with
memoisation: a forward pass gives the probability of every state (how many agents of each
preference type are still to choose, the remaining supplies, the open nodes with their
members' (type, amount)); a backward pass gives, for every state, the expected final
realisation of every open member; an agent's expected row is what her promises receive at
once plus the next state's expectation for the members they became.  Agents with identical
preferences are interchangeable and counted, not enumerated (members that differ only in their
position key are exchangeable, so the type-level sums do not need positions).  With strict
preferences every promise is one object and is folded at once: the state is exactly
(remaining agents, remaining supply), the fast path.  Computing the RSD matrix is
#P-hard (Aziz, Brandt and Brill 2013), so the exact computation has a stated limit and refuses
larger instances with :class:`LimitExceeded` (exit code 3): the number of groups of agents that
can be left to choose, ``Π_k (n_k + 1)`` over the preference types (``n_k`` agents of type k),
must be at most :data:`RSD_EXACT_MAX_GROUPS` = 4096, i.e. at most 12 agents with pairwise
different preferences (or, e.g., 30 agents of 3 types); and the enumeration stops after
:data:`RSD_EXACT_MAX_TRANSITIONS` state transitions (ties; about 1.5 minutes).  Measured
(``benchmarks/bench_house.py``, 2 shared cores): n = 9 takes 0.05 s (strict, unit supplies),
0.2 s (ties, unit supplies), 0.4 s (ties, half-unit supplies, m = 2n: the hardest family we
tried); at n = 12: 0.8 s, 1.9 s and 16 s (growth ×2-4 per agent).  ``--param samples=K``
(with ``seed=S``) instead returns a labelled Monte-Carlo *estimate*: the exact average of the
sd allocations (same realisation) of K uniformly random orders drawn by Python's
``random.Random(S)`` (``exact`` is False in the result; the seed is recorded in the parameters
and ``info``, drawn at random if not given).

Certificates: ``sd.outcome`` (the promises with Hall blocking sets and the replay of the
realisation) and ``rsd.outcome`` (the memoised table, checked state by state), FORMAT.md
"Serial dictatorship".

>>> from exactassign.economy import Economy
>>> e = Economy.create(["1", "2", "3", "4"], ["a", "b", "c", "d"], preferences={
...     "1": ["a", "b", "c", "d"], "2": ["a", "b", "c", "d"],
...     "3": ["b", "a", "d", "c"], "4": ["b", "a", "d", "c"]})
>>> random_serial_dictatorship(e).allocation.row_map("1")
{'a': 5/12, 'b': 1/12, 'c': 5/12, 'd': 1/12}
>>> t = Economy.create(["1", "2"], ["a", "b"], preferences={"1": [["a", "b"]], "2": ["a"]})
>>> serial_dictatorship(t).allocation.to_mapping()
{'1': {'b': '1'}, '2': {'a': '1'}}
"""
from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from math import factorial, gcd
from typing import Any

from flint import fmpq

from ..allocation import Allocation
from ..errors import LimitExceeded, ParameterError
from ..flows import FlowNet
from ..numbers import ONE, ZERO, canonical, to_fraction
from .base import Mechanism, MechanismResult, register
from .eps import refuse_endowments
from .params import agent_list, first_repeat

__all__ = ["SdStep", "RsdAgent", "RsdSample", "serial_dictatorship",
           "random_serial_dictatorship", "greedy_realisation", "queue_split",
           "normalise", "RSD_EXACT_MAX_GROUPS", "RSD_EXACT_MAX_TRANSITIONS"]

RSD_EXACT_MAX_GROUPS = 4096
"""Exact rsd needs Π_k (n_k + 1) <= this (n_k = agents of preference type k): 12 distinct
agents."""

RSD_EXACT_MAX_TRANSITIONS = 1_000_000
"""The exact enumeration stops (exit code 3) after this many state transitions (about 1.5
minutes in the worst case measured, ~95 µs per transition with ties)."""


def _tiers(economy: Any) -> list[list[tuple[int, ...]]]:
    idx = economy.object_index
    return [[tuple(sorted(idx[o] for o in tier)) for tier in order]
            for order in economy.preferences]


# =========================================================================== sd
@dataclass(frozen=True)
class SdStep:
    """Agent ``agent`` chose at ``position``: ``promised`` lists (tier objects, amount) in tier
    order (her lexicographically largest amounts compatible with earlier promises);
    ``received`` is what the final flow gives her."""

    position: int
    agent: str
    promised: tuple[tuple[tuple[str, ...], fmpq], ...]
    received: Mapping[str, fmpq]

    def to_json(self) -> dict:
        """JSON form."""
        return {"position": self.position, "agent": self.agent,
                "promised": [{"tier": list(t), "amount": canonical(x)}
                             for t, x in self.promised],
                "total": canonical(sum((x for _, x in self.promised), ZERO)),
                "received": {o: canonical(x) for o, x in self.received.items()}}


def _check_order(economy: Any, order: Sequence[str]) -> list[int]:
    idx = economy.agent_index
    for a in order:
        if a not in idx:
            raise ParameterError(f"--param order: unknown agent {a!r}")
    twice = first_repeat(order)
    if twice is not None:
        raise ParameterError(f"--param order: agent {twice!r} is listed twice")
    missing = [a for a in economy.agents if a not in set(order)]
    if missing:
        raise ParameterError(f"--param order: agent {missing[0]!r} is missing (list every "
                             f"agent once)")
    return [idx[a] for a in order]


def _types(economy: Any) -> tuple[list[int], list[list[int]], list[int]]:
    """Agents grouped by identical preferences: each agent's type, each type's tiers as object
    bit masks, and the number of agents of each type."""
    tiers = _tiers(economy)
    types: dict[Any, int] = {}
    type_of = [types.setdefault(order, len(types)) for order in economy.preferences]
    type_tiers: list[list[int]] = [[] for _ in types]
    counts = [0] * len(types)
    for i, t in enumerate(type_of):
        type_tiers[t] = [sum(1 << o for o in tier) for tier in tiers[i]]
        counts[t] += 1
    return type_of, type_tiers, counts


def serial_dictatorship(economy: Any, order: Sequence[str] | None = None) -> MechanismResult:
    """Serial dictatorship in ``order`` (agent labels; default the economy's order), with the
    promise rule for ties and the canonical realisation described in the module docstring."""
    refuse_endowments(economy, "sd")
    order = tuple(economy.agents) if order is None else tuple(order)
    seq = _check_order(economy, order)
    tiers = _tiers(economy)
    type_of, type_tiers, _ = _types(economy)
    dp = _Rsd(economy.supply, type_tiers)
    promised, units = dp.one_order(type_of, seq)
    unit = fmpq(dp.unit)
    rows = {i: {o: x / unit for o, x in sorted(r.items())} for i, r in enumerate(units) if r}
    ag, ob = economy.agents, economy.objects
    steps = tuple(SdStep(position=k + 1, agent=ag[i],
                         promised=tuple((tuple(ob[o] for o in tiers[i][t]), fmpq(x) / unit)
                                        for t, x in enumerate(promised[i]) if x),
                         received={ob[o]: x for o, x in rows.get(i, {}).items()})
                  for k, i in enumerate(seq))
    allocation = Allocation.from_sparse(ag, ob, rows)
    return MechanismResult(mechanism="sd", params={"order": ",".join(order)},
                           allocation=allocation, trace=steps)


# =========================================================================== rsd (exact)
@dataclass(frozen=True)
class RsdAgent:
    """Exact rsd: agent ``agent``'s expected promised amount on each of her tiers."""

    agent: str
    tiers: tuple[tuple[tuple[str, ...], fmpq], ...]

    def to_json(self) -> dict:
        """JSON form."""
        return {"agent": self.agent,
                "expected": [{"tier": list(t), "amount": canonical(x)} for t, x in self.tiers],
                "total": canonical(sum((x for _, x in self.tiers), ZERO))}


@dataclass(frozen=True)
class RsdSample:
    """Monte-Carlo rsd: one sampled order and how many times it was drawn."""

    order: tuple[str, ...]
    count: int

    def to_json(self) -> dict:
        """JSON form."""
        return {"order": list(self.order), "count": self.count}


def _bits(x: int) -> list[int]:
    out = []
    while x:
        low = x & -x
        out.append(low.bit_length() - 1)
        x ^= low
    return out


def _realisable(supply: Sequence[int], nodes: Sequence[tuple[Sequence[int], int]],
                keys: Sequence[Any] | None = None) -> FlowNet:
    """A flow meeting every node's demand (asserted), objects with positive supply only; node
    ``k`` is called ``keys[k]`` (default ``k``)."""
    net = FlowNet({o: fmpq(s) for o, s in enumerate(supply) if s})
    for k, (objs, amt) in enumerate(nodes):
        if amt:
            net.add_node(k if keys is None else keys[k], objs, fmpq(amt))
    ok, _, _ = net.augment()
    assert ok, "promises cannot be kept together"
    return net


def greedy_realisation(supply: Sequence[int], nodes: Sequence[tuple[int, int]],
                       cuts: list[dict[int, list[int]]] | None = None) -> list[dict[int, int]]:
    """Rule G of the module docstring: nodes ``(object mask, amount)`` in the given order, each
    node's objects in index order; every (node, object) pair in turn receives the largest
    amount that keeps all remaining amounts realisable.  That largest amount is the flow a new
    node restricted to the object gets on top of the other nodes' remaining amounts (the pair's
    Hall bound: ``min(d_j, s_o, min_S s(N(S)) - d(S))`` over sets ``S`` of other nodes whose
    objects include ``o``), one max-flow repair per pair.  Integral data give integral amounts.
    ``cuts`` (a list, for certificates) receives per node ``{object: S}`` for every pair whose
    amount is below both the node's remaining amount and the object's remaining supply: the
    other nodes S (indices) whose remaining objects plus ``o`` hold exactly S's remaining amounts
    plus the pair's amount.

    >>> greedy_realisation([1, 1], [(0b11, 1), (0b01, 1)])   # the second node needs object 0
    [{1: 1}, {0: 1}]
    """
    dem = [amt for _, amt in nodes]
    rest = [_bits(mask) for mask, _ in nodes]
    sup = list(supply)
    out: list[dict[int, int]] = [{} for _ in nodes]
    for j in range(len(nodes)):
        if cuts is not None:
            cuts.append({})
        while rest[j]:
            o = rest[j].pop(0)
            if not dem[j] or not sup[o]:
                continue
            if not rest[j]:
                x = dem[j]                      # her last object: forced
            else:
                others = [k for k in range(len(nodes)) if k != j]
                net = _realisable(sup, [(rest[k], dem[k]) for k in others], others)
                net.add_node("x", (o,), fmpq(dem[j]))
                net.augment()
                x = _as_int(net.out["x"])
                if cuts is not None and x < min(dem[j], sup[o]):
                    cuts[j][o] = sorted(k for k in net.cannot_reach_sink()[0] if k != "x")
            if x:
                out[j][o] = x
                dem[j] -= x
                sup[o] -= x
        assert not dem[j], "the greedy realisation left a node short"
    return out


def queue_split(members: Sequence[tuple[int, int, int]], vec: Mapping[int, int]
                ) -> list[dict[int, int]]:
    """Split a node's realisation ``vec`` among its members (sorted ``(type, amount, key)``):
    each in turn takes her amount from the objects in index order.

    >>> queue_split([(0, 1, 0), (1, 2, 0)], {0: 2, 3: 1})
    [{0: 1}, {0: 1, 3: 1}]
    """
    left = dict(vec)
    out = []
    for _, amt, _ in members:
        row: dict[int, int] = {}
        for o in sorted(left):
            x = min(amt, left[o])
            if x:
                row[o] = x
                left[o] -= x
                amt -= x
            if not amt:
                break
        assert not amt, "a node's realisation is short of its members' amounts"
        out.append(row)
    return out


Member = tuple[int, int, int]
"""A promise inside a node: (preference type, amount in units, tie-break key)."""
Node = tuple[int, tuple[Member, ...]]
"""An open promise node: (mask of its live objects, its members sorted)."""
Form = tuple[Any, ...]
"""Where one member of a node before normalisation ends up: ``("fixed", amounts)`` (realised
now) or ``("open", k, r)`` (member r of node k of the normalised state)."""


def slack_flow(supply: Sequence[int], nodes: Sequence[tuple[int, int]]) -> list[dict[int, fmpq]]:
    """A flow giving every node ``(mask, amount)`` strictly more than its amount (certificates:
    it proves that no set of the nodes is tight): the average over the nodes j of a flow that
    keeps every amount and gives j as much more as it can (j is in no tight set, so it gets
    more).  Asserts that one exists."""
    total: list[dict[int, fmpq]] = [{} for _ in nodes]
    for j, (mask, amt) in enumerate(nodes):
        net = _realisable(supply, [(_bits(mk), a) for mk, a in nodes])
        net.set_demand(j, fmpq(amt + sum(supply[o] for o in _bits(mask))))
        net.augment()
        assert net.out[j] > amt, "a tight set among the open nodes"
        for k in range(len(nodes)):
            for o, x in net.flow_of(k).items():
                total[k][o] = total[k].get(o, ZERO) + x
    return [{o: x / len(nodes) for o, x in row.items()} for row in total]


def _groups(work: Sequence[tuple[int, list[Any]]], sup: Sequence[int]) -> list[tuple[int, int]]:
    """(live mask, amount) of the working nodes regrouped by their live objects, by mask."""
    out: dict[int, int] = {}
    for mask, members in work:
        live = sum(1 << o for o in _bits(mask) if sup[o])
        out[live] = out.get(live, 0) + sum(m[1] for m, _ in members)
    return sorted(out.items())


def normalise(supply: Sequence[int], pre: Sequence[Node], log: list[dict] | None = None
              ) -> tuple[tuple[int, ...], tuple[Node, ...], list[list[Form]]]:
    """Fold what the promise nodes ``pre`` already decide (the normalisation of the module
    docstring); returns the remaining supply, the open nodes (sorted by mask, masks distinct)
    and, per node of ``pre`` and per member, its :data:`Form`.  ``log`` (a list, for
    certificates) receives each tight block realised by rule G (``block`` masks, ``amounts``,
    ``cuts`` of :func:`greedy_realisation`, and the :func:`slack_flow` of the nodes left after
    it, which proves the block maximal) and finally the slack flow of the open nodes.

    >>> s, nodes, forms = normalise([1, 1, 1], [(0b011, ((0, 1, 0),)), (0b001, ((1, 1, 0),)),
    ...                                         (0b110, ((2, 1, 0),))])
    >>> s, nodes, [f[0] for f in forms]
    ((0, 0, 0), (), [('fixed', {1: 1}), ('fixed', {0: 1}), ('fixed', {2: 1})])
    """
    sup = list(supply)
    forms: list[list[Form]] = [[("fixed", {})] * len(members) for _, members in pre]
    # a working node: (mask, [(member, (p, r))]) with (p, r) the member's place in ``pre``
    work: list[tuple[int, list[tuple[Member, tuple[int, int]]]]] = [
        (mask, [(mem, (p, r)) for r, mem in enumerate(members)])
        for p, (mask, members) in enumerate(pre) if members]

    def realise(node: tuple[int, list[Any]], vec: Mapping[int, int]) -> None:
        for (_, (p, r)), row in zip(node[1], queue_split([m for m, _ in node[1]], vec)):
            forms[p][r] = ("fixed", row)
        for o, x in vec.items():
            sup[o] -= x

    def amount(node: tuple[int, list[Any]]) -> int:
        return sum(m[1] for m, _ in node[1])

    while True:
        groups: dict[int, list[tuple[Member, tuple[int, int]]]] = {}
        for mask, members in work:
            live = sum(1 << o for o in _bits(mask) if sup[o])
            assert live, "a promise on used-up objects"
            groups.setdefault(live, []).extend(members)
        work = [(live, sorted(groups[live])) for live in sorted(groups)]
        forced = next((nd for nd in work if len(_bits(nd[0])) == 1
                       or amount(nd) == sum(sup[o] for o in _bits(nd[0]))), None)
        if forced is not None:              # one object, or exactly all of its objects
            objs = _bits(forced[0])
            realise(forced, {objs[0]: amount(forced)} if len(objs) == 1
                    else {o: sup[o] for o in objs})
            work.remove(forced)
            continue
        if len(work) > 1:
            net = _realisable(sup, [(_bits(mask), amount(nd)) for nd in work
                                    for mask in (nd[0],)])
            tight, _ = net.cannot_reach_sink()
            if tight:                       # the maximal tight set: realise it by rule G
                block = [nd for k, nd in enumerate(work) if k in tight]
                cuts: list[dict[int, list[int]]] | None = [] if log is not None else None
                vecs = greedy_realisation(sup, [(nd[0], amount(nd)) for nd in block], cuts)
                for nd, vec in zip(block, vecs):
                    realise(nd, vec)
                work = [nd for k, nd in enumerate(work) if k not in tight]
                if log is not None:
                    log.append({"block": [nd[0] for nd in block], "amounts": vecs,
                                "cuts": cuts, "slack": slack_flow(sup, _groups(work, sup))})
                continue
        break
    nodes = tuple((mask, tuple(m for m, _ in members)) for mask, members in work)
    if log is not None:
        log.append({"slack": slack_flow(sup, [(mask, amount(nd)) for nd in work
                                              for mask in (nd[0],)])})
    for k, (_, members) in enumerate(work):
        for r, (_, (p, r0)) in enumerate(members):
            forms[p][r0] = ("open", k, r)
    return tuple(sup), nodes, forms


class _Rsd:
    """Forward and backward dynamic programming over the prefixes of the orders (see the
    module docstring).

    All amounts are integers in units of ``1/unit`` (``unit`` = the least common denominator of
    the supplies: every promise and every realisation is a multiple of it, since max-flow
    values over such capacities are), so that states hash fast.  Objects are bits; a state is
    ``(counts, supply, nodes)`` with ``counts[k]`` the agents of type k still to choose and
    ``nodes`` the open promise nodes (:data:`Node`)."""

    def __init__(self, supply: Sequence[fmpq], type_tiers: list[list[int]]) -> None:
        unit = 1
        for s in supply:
            q = to_fraction(s).denominator
            unit = unit * q // gcd(unit, q)
        self.unit = unit
        self.supply0 = tuple(_as_int(s * unit) for s in supply)
        self.type_tiers = type_tiers
        self.cache: dict[Any, Any] = {}
        self.transitions = 0
        self.states = 0

    def choose(self, typ: int, supply: tuple[int, ...], nodes: tuple[Node, ...], key: int = 0,
               log: list[dict] | None = None
               ) -> tuple[tuple[int, ...], tuple[int, ...], tuple[Node, ...], list[list[Form]]]:
        """An agent of type ``typ`` (tie-break key ``key``) at state (supply, nodes): the
        amount promised on each of her tiers, the next supply and open nodes, and the
        :data:`Form` of every member of the old nodes and then of each new promise (in tier
        order).  ``log`` (not cached): per visited tier ``{"promise": t, "amount": x}`` with,
        when x is below what she still needs, the open nodes and her own earlier tiers that
        block more (``nodes``, ``own``); then the events of :func:`normalise`."""
        ck = (typ, key, supply, nodes)
        hit = self.cache.get(ck) if log is None else None
        if hit is not None:
            return hit
        tiers = self.type_tiers[typ]
        amounts = [0] * len(tiers)
        new: list[Node] = []
        need = self.unit
        if not nodes:
            sup = list(supply)
            for t, mask in enumerate(tiers):
                room = sum(sup[o] for o in _bits(mask))
                if log is not None:             # earlier tiers are used up: S is empty
                    log.append({"promise": t, "amount": min(need, room), "nodes": [],
                                "own": []} if room < need else {"promise": t, "amount": need})
                if not room:
                    continue
                take = need if need <= room else room
                amounts[t] = take
                new.append((mask, ((typ, take, key),)))
                need -= take
                if not need:
                    break
                for o in _bits(mask):      # the whole tier is used up
                    sup[o] = 0
        else:
            net = _realisable(supply, [(_bits(mask), sum(m[1] for m in mem))
                                       for mask, mem in nodes])
            # every promise is kept first: only then is what the new agent gets a maximum
            for t, mask in enumerate(tiers):
                node = ("n", t)
                net.add_node(node, _bits(mask), fmpq(need))
                net.augment()
                got = _as_int(net.out[node])
                if log is not None:
                    entry: dict = {"promise": t, "amount": got}
                    if got < need:              # a deficiency set: the nodes stuck with it
                        stuck = net.cannot_reach_sink()[0] - {node}
                        entry["nodes"] = sorted(k for k in stuck if type(k) is int)
                        entry["own"] = sorted(k[1] for k in stuck if type(k) is tuple)
                    log.append(entry)
                if not got:
                    net.remove_node(node)
                    continue
                net.set_demand(node, fmpq(got))
                amounts[t] = got
                new.append((mask, ((typ, got, key),)))
                need -= got
                if not need:
                    break
        sup2, nodes2, forms = normalise(supply, list(nodes) + new, log)
        out = (tuple(amounts), sup2, nodes2, forms)
        if not key and log is None:
            self.cache[ck] = out
        return out

    @staticmethod
    def final(supply: tuple[int, ...], nodes: tuple[Node, ...], log: list[dict] | None = None
              ) -> list[list[dict[int, int]]]:
        """The realisation of every member of the nodes still open after the last agent
        (rule G, then the queue split); ``log`` receives the masks, amounts and cuts."""
        cuts: list[dict[int, list[int]]] | None = [] if log is not None else None
        vecs = greedy_realisation(supply, [(mask, sum(m[1] for m in mem))
                                           for mask, mem in nodes], cuts)
        if log is not None:
            log.append({"final": [mask for mask, _ in nodes], "amounts": vecs, "cuts": cuts})
        return [queue_split(mem, vec) for (_, mem), vec in zip(nodes, vecs)]

    def _tick(self) -> None:
        self.transitions += 1
        if self.transitions > RSD_EXACT_MAX_TRANSITIONS:
            raise LimitExceeded(
                f"rsd: the exact enumeration exceeded {RSD_EXACT_MAX_TRANSITIONS} state "
                f"transitions; use --param samples=K for a Monte-Carlo estimate")

    def run(self, counts: tuple[int, ...]) -> tuple[list[list[fmpq]], list[dict[int, fmpq]]]:
        """Per type: the expected promised amount on each tier and the expected realised
        amount of each object, both summed over the agents of the type.

        Forward: the probability of every state (layer = number of agents who have chosen).
        Backward: for every state, the expected final realisation of each member of its open
        nodes (it depends on the agents still to come); an agent's expected allocation is what
        her promises receive now plus, for promises still open, the next state's expectation
        for the member they became."""
        layers: list[dict[Any, fmpq]] = [{(counts, self.supply0, ()): ONE}]
        for _ in range(sum(counts)):
            nxt: dict[Any, fmpq] = {}
            self.states += len(layers[-1])
            for (cnt, supply, nodes), prob in layers[-1].items():
                k = sum(cnt)
                for typ, c in enumerate(cnt):
                    if not c:
                        continue
                    self._tick()
                    _, sup2, nodes2, _ = self.choose(typ, supply, nodes)
                    key = (cnt[:typ] + (c - 1,) + cnt[typ + 1:], sup2, nodes2)
                    nxt[key] = nxt.get(key, ZERO) + prob * c / k
            layers.append(nxt)
        tier_exp = [[ZERO] * len(t) for t in self.type_tiers]
        alloc: list[dict[int, fmpq]] = [{} for _ in self.type_tiers]
        later: dict[Any, list[list[Mapping[int, Any]]]] = {
            key: self.final(key[1], key[2]) for key in layers[-1]}
        for layer in reversed(layers[:-1]):
            here: dict[Any, list[list[Mapping[int, Any]]]] = {}
            for (cnt, supply, nodes), prob in layer.items():
                k = sum(cnt)
                vecs: list[list[dict[int, fmpq]]] = [[{} for _ in mem] for _, mem in nodes]
                for typ, c in enumerate(cnt):
                    if not c:
                        continue
                    p = fmpq(c, k)
                    amounts, sup2, nodes2, forms = self.choose(typ, supply, nodes)
                    nxt_vecs = later[(cnt[:typ] + (c - 1,) + cnt[typ + 1:], sup2, nodes2)]

                    def got(form: Form) -> Mapping[int, Any]:
                        return form[1] if form[0] == "fixed" else nxt_vecs[form[1]][form[2]]

                    for j, mem_forms in enumerate(forms[:len(nodes)]):
                        for r, form in enumerate(mem_forms):
                            acc = vecs[j][r]
                            for o, x in got(form).items():
                                acc[o] = acc.get(o, ZERO) + p * x
                    w = prob * p
                    row, trow = alloc[typ], tier_exp[typ]
                    for t, x in enumerate(amounts):
                        if x:
                            trow[t] += w * x
                    for (form,) in forms[len(nodes):]:
                        for o, x in got(form).items():
                            row[o] = row.get(o, ZERO) + w * x
                here[(cnt, supply, nodes)] = vecs
            later = here
        unit = fmpq(self.unit)
        return ([[x / unit for x in row] for row in tier_exp],
                [{o: x / unit for o, x in row.items()} for row in alloc])

    def one_order(self, type_of: Sequence[int], order: Sequence[int],
                  log: list[list[dict]] | None = None
                  ) -> tuple[list[list[int]], list[dict[int, int]]]:
        """sd in one order: per agent the amount promised on each tier and the realised row
        (both in units of ``1/unit``); the tie-break key of an agent's promises is her
        position in the order (1, 2, ...).  ``log`` receives, per agent, the events of
        :func:`normalise`, and then the final realisation (:meth:`final`)."""
        supply: tuple[int, ...] = self.supply0
        nodes: tuple[Node, ...] = ()
        owners: list[list[int]] = []               # open node -> member -> agent
        rows: list[dict[int, int]] = [{} for _ in type_of]
        promised: list[list[int]] = [[] for _ in type_of]

        def give(a: int, vec: Mapping[int, int]) -> None:
            for o, x in vec.items():
                rows[a][o] = rows[a].get(o, 0) + x

        for pos, i in enumerate(order, 1):
            events: list[dict] | None = None
            if log is not None:
                events = []
                log.append(events)
            amounts, sup2, nodes2, forms = self.choose(type_of[i], supply, nodes, pos, events)
            promised[i] = list(amounts)
            who = owners + [[i]] * (len(forms) - len(nodes))
            new_owners: list[list[int]] = [[-1] * len(mem) for _, mem in nodes2]
            for agents, mem_forms in zip(who, forms):
                for a, form in zip(agents, mem_forms):
                    if form[0] == "fixed":
                        give(a, form[1])
                    else:
                        new_owners[form[1]][form[2]] = a
            supply, nodes, owners = sup2, nodes2, new_owners
        last: list[dict] | None = None
        if log is not None:
            last = []
            log.append(last)
        for agents, vecs in zip(owners, self.final(supply, nodes, last)):
            for a, vec in zip(agents, vecs):
                give(a, vec)
        return promised, rows


def _as_int(x: fmpq) -> int:
    """An integral fmpq as a Python int (through the numbers boundary)."""
    f = to_fraction(x)
    assert f.denominator == 1, "a promise is not a multiple of the supply unit"
    return f.numerator


def _rsd_exact(economy: Any) -> MechanismResult:
    n = economy.n
    tiers = _tiers(economy)
    type_of, type_tiers, counts = _types(economy)
    groups_left = 1
    for c in counts:
        groups_left *= c + 1
    if groups_left > RSD_EXACT_MAX_GROUPS:
        raise LimitExceeded(
            f"rsd: exact random serial dictatorship is limited to instances with "
            f"prod(n_k + 1) <= {RSD_EXACT_MAX_GROUPS} over the preference types (12 agents with "
            f"different preferences); this economy has {n} agents of {len(counts)} types "
            f"(prod = {groups_left}). The problem is #P-hard (Aziz-Brandt-Brill 2013); use "
            f"--param samples=K [--param seed=S] for a labelled Monte-Carlo estimate")
    dp = _Rsd(economy.supply, type_tiers)
    tier_exp, alloc = dp.run(tuple(counts))
    rows = {i: {o: x / counts[type_of[i]] for o, x in sorted(alloc[type_of[i]].items()) if x}
            for i in range(n)}
    ag, ob = economy.agents, economy.objects
    trace = tuple(RsdAgent(ag[i], tuple((tuple(ob[o] for o in tiers[i][t]),
                                         x / counts[type_of[i]])
                                        for t, x in enumerate(tier_exp[type_of[i]]) if x))
                  for i in range(n))
    info = {"method": "exact", "orders": str(factorial(n)), "types": str(len(counts)),
            "states": str(dp.states), "transitions": str(dp.transitions)}
    return MechanismResult(mechanism="rsd", params={},
                           allocation=Allocation.from_sparse(ag, ob, rows), trace=trace,
                           info=info)


def _rsd_sampled(economy: Any, samples: int, seed: int | None) -> MechanismResult:
    if seed is None:
        seed = random.SystemRandom().randrange(2 ** 32)
    rng = random.Random(seed)
    n, m = economy.n, economy.m
    type_of, type_tiers, _ = _types(economy)
    dp = _Rsd(economy.supply, type_tiers)
    total = [[ZERO] * m for _ in range(n)]
    seen: dict[tuple[int, ...], int] = {}
    for _ in range(samples):
        order = list(range(n))
        rng.shuffle(order)
        key = tuple(order)
        seen[key] = seen.get(key, 0) + 1
        for i, row in enumerate(dp.one_order(type_of, order)[1]):
            for o, x in row.items():
                total[i][o] += x
    k = fmpq(samples * dp.unit)
    rows = {i: {o: x / k for o, x in enumerate(r) if x} for i, r in enumerate(total)}
    ag = economy.agents
    trace = tuple(RsdSample(tuple(ag[i] for i in o), c) for o, c in seen.items())
    info = {"method": "monte-carlo", "estimate": "Monte-Carlo estimate of the rsd matrix: "
            "exact average of the sd allocations of the sampled orders, not the exact rsd "
            "matrix", "samples": str(samples), "seed": str(seed),
            "distinct_orders": str(len(seen))}
    return MechanismResult(mechanism="rsd", params={"samples": str(samples), "seed": str(seed)},
                           allocation=Allocation.from_sparse(ag, economy.objects, rows),
                           trace=trace, exact=False, info=info)


def random_serial_dictatorship(economy: Any, samples: int | None = None,
                               seed: int | None = None) -> MechanismResult:
    """Random serial dictatorship: exact (default; refused with :class:`LimitExceeded` beyond
    the stated limits) or, with ``samples``, a labelled Monte-Carlo estimate."""
    refuse_endowments(economy, "rsd")
    if samples is None:
        if seed is not None:
            raise ParameterError("rsd: --param seed only applies with --param samples=K")
        return _rsd_exact(economy)
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
        raise ParameterError(f"rsd: samples must be a positive integer, got {samples!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise ParameterError(f"rsd: seed must be a non-negative integer, got {seed!r}")
    return _rsd_sampled(economy, samples, seed)


# =========================================================================== registration
def _int_param(raw: Mapping[str, str], name: str) -> int | None:
    if name not in raw:
        return None
    text = raw[name].strip()
    if not text.isdigit():
        raise ParameterError(f"--param {name}: expected a non-negative integer, got "
                             f"{raw[name]!r}")
    return int(text)


def _parse_sd(economy: Any, raw: Mapping[str, str]) -> dict[str, Any]:
    if "order" in raw:
        return {"order": agent_list(economy, raw["order"], "order")}
    return {}


def _parse_rsd(economy: Any, raw: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    samples = _int_param(raw, "samples")
    if samples is not None:
        if samples < 1:
            raise ParameterError("--param samples: must be at least 1")
        out["samples"] = samples
    seed = _int_param(raw, "seed")
    if seed is not None:
        out["seed"] = seed
    return out


register(Mechanism(
    name="sd", title="Serial dictatorship (ties: promises of tier amounts, Svensson)",
    citation="Svensson (1994), Queue allocation of indivisible goods, Soc. Choice Welfare "
             "11:323-330; Bogomolnaia, Deb and Ehlers (2005), Strategy-proof assignment on the "
             "full preference domain, J. Econ. Theory 123:161-186",
    function=serial_dictatorship, parse_params=_parse_sd,
    param_help={"order": "agent order 'a,b,c' (every agent once; default: the economy's "
                         "order)"}))

register(Mechanism(
    name="rsd", title="Random serial dictatorship (exact by memoised enumeration, or "
                      "Monte-Carlo)",
    citation="Abdulkadiroglu and Sonmez (1998), Random serial dictatorship and the core from "
             "random endowments in house allocation problems, Econometrica 66:689-701; Aziz, "
             "Brandt and Brill (2013), The computational complexity of random serial "
             "dictatorship, Econ. Letters 121:341-345",
    function=random_serial_dictatorship, parse_params=_parse_rsd,
    param_help={"samples": "K: Monte-Carlo estimate from K random orders (default: exact, "
                           "at most 12 agents with different preferences)",
                "seed": "S: random seed of the Monte-Carlo estimate (default: drawn and "
                        "recorded)"}))
