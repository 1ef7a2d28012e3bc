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
are lexicographically maximal in the order of the agents, each agent's tiers best first.  Only
after the last agent does one flow (demand nodes = promises, objects = supplies) decide which
objects of a tier each agent receives.  Hence a later agent is exactly as well off as under
the best possible choices of her predecessors among their tied objects.  For unit (integer)
supplies the result is a deterministic assignment (max-flow integrality): Svensson's serially
dictatorial rule.  Computation: one incremental augmenting-path repair per (agent, tier)
visited (:class:`exactassign.flows.FlowNet`), O(n·T) repairs.

**rsd.**  The random serial dictatorship: sd with a uniformly random order.  The exact
probability matrix is computed by enumeration with memoisation (forward dynamic programming
over the orders' prefixes): a state is (how many agents of each preference type are still to
choose, the remaining supplies, the promises that still bind).  Agents with identical
preferences are interchangeable and counted, not enumerated; promises of a single object are
folded into the supply, promises that use up all of their tier (or any set of promises that
uses up its objects exactly: the maximal tight set) are folded as well, so with strict
preferences the state is exactly (remaining agents, remaining supply).  The result is the
expected promised amount of every (agent, tier), realised by one flow made canonical by
:func:`exactassign.flows.symmetrise` (agents with identical preferences get identical rows,
objects nobody can tell apart get equal columns); with strict preferences this *is* the
average of the sd matrices over all n! orders, with ties it has the same amount on every tier
as that average (only the split among tied objects may differ). Computing the RSD matrix is
#P-hard (Aziz, Brandt and Brill 2013), so the exact computation has a stated limit and refuses
larger instances with :class:`LimitExceeded` (exit code 3): the number of groups of agents that
can be left to choose, ``Π_k (n_k + 1)`` over the preference types (``n_k`` agents of type k),
must be at most :data:`RSD_EXACT_MAX_GROUPS` = 4096, i.e. at most 12 agents with pairwise
different preferences (or, e.g., 30 agents of 3 types); and the enumeration stops after
:data:`RSD_EXACT_MAX_TRANSITIONS` state transitions. Measured (``benchmarks/bench_house.py``):
n = 9 takes 0.02 s (strict, unit supplies) to 0.4 s; the hardest family we tried (ties, half-unit
supplies, m = 2n) takes about 1 s at n = 10, 4 s at n = 11, 8-11 s at n = 12 and 33 s at n = 13
(growth ×2.5-4 per agent). ``--param samples=K`` (with ``seed=S``) instead
returns a labelled Monte-Carlo *estimate*: the exact average of the sd allocations of K
uniformly random orders drawn by Python's ``random.Random(S)`` (``exact`` is False in the
result; the seed is recorded in the parameters and ``info``, drawn at random if not given).

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
from ..flows import FlowNet, symmetrise
from ..numbers import ONE, ZERO, canonical, to_fraction
from .base import Mechanism, MechanismResult, register
from .eps import refuse_endowments
from .params import agent_list

__all__ = ["SdStep", "RsdAgent", "RsdSample", "serial_dictatorship",
           "random_serial_dictatorship", "sd_promises", "RSD_EXACT_MAX_GROUPS",
           "RSD_EXACT_MAX_TRANSITIONS"]

RSD_EXACT_MAX_GROUPS = 4096
"""Exact rsd needs Π_k (n_k + 1) <= this (n_k = agents of preference type k): 12 distinct
agents."""

RSD_EXACT_MAX_TRANSITIONS = 1_000_000
"""The exact enumeration stops (exit code 3) after this many state transitions (about a minute
in the worst case measured, 50 µs per transition with ties)."""


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


def sd_promises(supply: Sequence[fmpq], tiers: list[list[tuple[int, ...]]],
                order: Sequence[int]) -> tuple[FlowNet, list[list[tuple[int, fmpq]]]]:
    """Run the promise phase of sd: returns the flow network (one node ``(i, t)`` per promise,
    its flow realising every promise) and, per agent, the list of (tier index, amount)."""
    net = FlowNet({k: s for k, s in enumerate(supply)})
    promises: list[list[tuple[int, fmpq]]] = [[] for _ in tiers]
    for i in order:
        need = ONE
        for t, tier in enumerate(tiers[i]):
            key = (i, t)
            net.add_node(key, tier, need)
            net.augment()
            got = net.out[key]
            if not got:
                net.remove_node(key)
                continue
            net.set_demand(key, got)
            promises[i].append((t, got))
            need -= got
            if not need:
                break
    return net, promises


def _check_order(economy: Any, order: Sequence[str]) -> list[int]:
    idx = economy.agent_index
    for a in order:
        if a not in idx:
            raise ParameterError(f"--param order: unknown agent {a!r}")
    if len(set(order)) != len(order):
        raise ParameterError("--param order: an agent is listed twice")
    missing = [a for a in economy.agents if a not in set(order)]
    if missing:
        raise ParameterError(f"--param order: agent {missing[0]!r} is missing (list every "
                             f"agent once)")
    return [idx[a] for a in order]


def _rows(net: FlowNet) -> dict[int, dict[int, fmpq]]:
    rows: dict[int, dict[int, fmpq]] = {}
    for (i, _), fl in net.f.items():
        row = rows.setdefault(i, {})
        for o, x in fl.items():
            row[o] = row.get(o, ZERO) + x
    return rows


def serial_dictatorship(economy: Any, order: Sequence[str] | None = None) -> MechanismResult:
    """Serial dictatorship in ``order`` (agent labels; default the economy's order), with the
    promise rule for ties described in the module docstring."""
    refuse_endowments(economy, "sd")
    order = tuple(economy.agents) if order is None else tuple(order)
    seq = _check_order(economy, order)
    tiers = _tiers(economy)
    net, promises = sd_promises(economy.supply, tiers, seq)
    ok, _, _ = net.augment()
    assert ok
    rows = _rows(net)
    ag, ob = economy.agents, economy.objects
    steps = tuple(SdStep(position=k + 1, agent=ag[i],
                         promised=tuple((tuple(ob[o] for o in tiers[i][t]), x)
                                        for t, x in promises[i]),
                         received={ob[o]: x for o, x in sorted(rows.get(i, {}).items())})
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


class _Rsd:
    """Forward dynamic programming over the prefixes of the orders (see the module docstring).

    All amounts are integers in units of ``1/unit`` (``unit`` = the least common denominator of
    the supplies: every promise is a multiple of it, since max-flow values over such
    capacities are), so that states hash fast.  Objects are bits; a promise node is
    ``(mask, amount)``; a state is ``(counts, supply, nodes)`` with ``counts[k]`` the agents of
    type k still to choose."""

    def __init__(self, supply: Sequence[fmpq], type_tiers: list[list[int]]) -> None:
        unit = 1
        for s in supply:
            q = to_fraction(s).denominator
            unit = unit * q // gcd(unit, q)
        self.unit = unit
        self.supply0 = tuple(_as_int(s * unit) for s in supply)
        self.type_tiers = type_tiers
        self.cache: dict[Any, tuple[tuple[int, ...], Any]] = {}
        self.transitions = 0
        self.states = 0

    # -- state normalisation -----------------------------------------------------------
    @staticmethod
    def _normalise(supply: list[int], nodes: list[tuple[int, int]]
                   ) -> tuple[tuple[int, ...], tuple[tuple[int, int], ...]]:
        changed = True
        while changed:
            changed = False
            merged: dict[int, int] = {}
            for mask, amt in nodes:
                live = 0
                for o in _bits(mask):
                    if supply[o]:
                        live |= 1 << o
                if not amt:
                    continue
                assert live, "a promise on used-up objects"
                merged[live] = merged.get(live, 0) + amt
            nodes = []
            for mask, amt in merged.items():
                objs = _bits(mask)
                if len(objs) == 1:
                    supply[objs[0]] -= amt
                    changed = True
                elif amt == sum(supply[o] for o in objs):
                    for o in objs:
                        supply[o] = 0
                    changed = True
                else:
                    nodes.append((mask, amt))
        if len(nodes) > 1:
            net = FlowNet({o: fmpq(s) for o, s in enumerate(supply) if s})
            for k, (mask, amt) in enumerate(nodes):
                net.add_node(k, _bits(mask), fmpq(amt))
            ok, _, _ = net.augment()
            assert ok, "promises cannot be kept together"
            tight_nodes, tight_objs = net.cannot_reach_sink()
            if tight_nodes:
                for o in tight_objs:
                    supply[o] = 0
                nodes = [nd for k, nd in enumerate(nodes) if k not in tight_nodes]
        return tuple(supply), tuple(sorted(nodes))

    # -- one agent's choice ------------------------------------------------------------------
    def choose(self, typ: int, supply: tuple[int, ...],
               nodes: tuple[tuple[int, int], ...]) -> tuple[tuple[int, ...], Any]:
        """(amount promised on each tier, next (supply, nodes)) for an agent of type ``typ``."""
        key = (typ, supply, nodes)
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        tiers = self.type_tiers[typ]
        amounts = [0] * len(tiers)
        new_nodes = list(nodes)
        sup = list(supply)
        need = self.unit
        if not nodes:
            for t, mask in enumerate(tiers):
                room = sum(sup[o] for o in _bits(mask))
                if not room:
                    continue
                take = need if need <= room else room
                amounts[t] = take
                need -= take
                if not need:
                    new_nodes.append((mask, take))
                    break
                for o in _bits(mask):      # the whole tier is used up
                    sup[o] = 0
        else:
            net = FlowNet({o: fmpq(s) for o, s in enumerate(sup) if s})
            for k, (mask, amt) in enumerate(nodes):
                net.add_node(("p", k), _bits(mask), fmpq(amt))
            ok, _, _ = net.augment()       # keep every promise first: only then is what the
            assert ok, "promises cannot be kept together"   # new agent gets a maximum
            for t, mask in enumerate(tiers):
                node = ("n", t)
                net.add_node(node, _bits(mask), fmpq(need))
                net.augment()
                got = _as_int(net.out[node])
                if not got:
                    net.remove_node(node)
                    continue
                net.set_demand(node, fmpq(got))
                amounts[t] = got
                new_nodes.append((mask, got))
                need -= got
                if not need:
                    break
        out = (tuple(amounts), self._normalise(sup, new_nodes))
        self.cache[key] = out
        return out

    def run(self, counts: tuple[int, ...]) -> list[list[fmpq]]:
        """Expected promised amount per (type, tier), summed over the agents of the type."""
        expected = [[ZERO] * len(t) for t in self.type_tiers]
        layer: dict[Any, fmpq] = {(counts, self.supply0, ()): ONE}
        for _ in range(sum(counts)):
            nxt: dict[Any, fmpq] = {}
            self.states += len(layer)
            for (cnt, supply, nodes), prob in layer.items():
                k = sum(cnt)
                for typ, c in enumerate(cnt):
                    if not c:
                        continue
                    self.transitions += 1
                    if self.transitions > RSD_EXACT_MAX_TRANSITIONS:
                        raise LimitExceeded(
                            f"rsd: the exact enumeration exceeded "
                            f"{RSD_EXACT_MAX_TRANSITIONS} state transitions; use --param "
                            f"samples=K for a Monte-Carlo estimate")
                    p = prob * c / k
                    amounts, (sup2, nodes2) = self.choose(typ, supply, nodes)
                    row = expected[typ]
                    for t, x in enumerate(amounts):
                        if x:
                            row[t] += p * x
                    cnt2 = cnt[:typ] + (c - 1,) + cnt[typ + 1:]
                    key = (cnt2, sup2, nodes2)
                    nxt[key] = nxt.get(key, ZERO) + p
            layer = nxt
            self.cache.clear()
        unit = fmpq(self.unit)
        return [[x / unit for x in row] for row in expected]


def _as_int(x: fmpq) -> int:
    """An integral fmpq as a Python int (through the numbers boundary)."""
    f = to_fraction(x)
    assert f.denominator == 1, "a promise is not a multiple of the supply unit"
    return f.numerator


def _rsd_exact(economy: Any) -> MechanismResult:
    n = economy.n
    tiers = _tiers(economy)
    types: dict[Any, int] = {}
    type_of = []
    for order in economy.preferences:
        type_of.append(types.setdefault(order, len(types)))
    type_tiers: list[list[int]] = [[] for _ in types]
    for i in range(n):
        type_tiers[type_of[i]] = [sum(1 << o for o in t) for t in tiers[i]]
    counts = [0] * len(types)
    for t in type_of:
        counts[t] += 1
    groups_left = 1
    for c in counts:
        groups_left *= c + 1
    if groups_left > RSD_EXACT_MAX_GROUPS:
        raise LimitExceeded(
            f"rsd: exact random serial dictatorship is limited to instances with "
            f"prod(n_k + 1) <= {RSD_EXACT_MAX_GROUPS} over the preference types (12 agents with "
            f"different preferences); this economy has {n} agents of {len(types)} types "
            f"(prod = {groups_left}). The problem is #P-hard (Aziz-Brandt-Brill 2013); use "
            f"--param samples=K [--param seed=S] for a labelled Monte-Carlo estimate")
    dp = _Rsd(economy.supply, type_tiers)
    expected = dp.run(tuple(counts))
    # realise: every agent of type k gets expected[k][t] / count_k from tier t
    net = FlowNet({k: s for k, s in enumerate(economy.supply)})
    per_agent: list[list[fmpq]] = []
    for i in range(n):
        typ = type_of[i]
        amounts = [x / counts[typ] for x in expected[typ]]
        per_agent.append(amounts)
        for t, x in enumerate(amounts):
            if x:
                net.add_node((i, t), tiers[i][t], x)
    ok, _, _ = net.augment()
    assert ok, "the expected promises are not realisable"
    flows = {k: net.flow_of(k) for k in net.objs}
    classes: dict[Any, list[tuple[int, int]]] = {}
    for k in flows:
        classes.setdefault((type_of[k[0]], k[1]), []).append(k)
    symmetrise(flows, classes.values(), net.objs, net.cap)
    rows: dict[int, dict[int, fmpq]] = {}
    for (i, _t), fl in flows.items():
        row = rows.setdefault(i, {})
        for o, x in fl.items():
            row[o] = row.get(o, ZERO) + x
    ag, ob = economy.agents, economy.objects
    trace = tuple(RsdAgent(ag[i], tuple((tuple(ob[o] for o in tiers[i][t]), x)
                                        for t, x in enumerate(per_agent[i]) if x))
                  for i in range(n))
    info = {"method": "exact", "orders": str(factorial(n)), "types": str(len(types)),
            "states": str(dp.states), "transitions": str(dp.transitions)}
    return MechanismResult(mechanism="rsd", params={},
                           allocation=Allocation.from_sparse(ag, ob, rows), trace=trace,
                           info=info)


def _rsd_sampled(economy: Any, samples: int, seed: int | None) -> MechanismResult:
    if seed is None:
        seed = random.SystemRandom().randrange(2 ** 32)
    rng = random.Random(seed)
    n, m = economy.n, economy.m
    tiers = _tiers(economy)
    total = [[ZERO] * m for _ in range(n)]
    seen: dict[tuple[int, ...], int] = {}
    for _ in range(samples):
        order = list(range(n))
        rng.shuffle(order)
        key = tuple(order)
        seen[key] = seen.get(key, 0) + 1
        net, _ = sd_promises(economy.supply, tiers, order)
        for (i, _t), fl in net.f.items():
            row = total[i]
            for o, x in fl.items():
                row[o] += x
    k = fmpq(samples)
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
