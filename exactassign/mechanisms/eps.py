"""Extended probabilistic serial (Katta and Sethuraman 2006) for weak preferences.

The probabilistic serial mechanism read as a sequence of parametric flow problems (Katta and
Sethuraman 2006, "A solution to the random assignment problem on the full preference domain",
J. Econ. Theory 131:231-250), here with unacceptable objects and any positive exact supplies.

All agents "eat" at unit speed; the common clock is the level λ (0 <= λ <= 1).  Agent ``i`` has
a committed amount ``x_i`` (what she has been given so far) and a current top set ``H(i)``: her
best indifference tier among the acceptable objects not yet removed.  A phase finds

    λ* = min(1, min over non-empty sets S of active agents of (c(H(S)) + x(S)) / |S|),

where ``c`` is the remaining supply and ``H(S)`` the union of the top sets: the largest level
that the network ``source -(λ - x_i)-> i -> H(i) -> object -(c_o)-> sink`` can still serve in
full.  The *bottleneck set* ``B`` is the largest set attaining the minimum; its objects
``H(B)`` are exactly used up by ``B`` in every such flow.  The phase commits the flow of ``B``
only (each agent of ``B`` now holds ``x_i = λ*``), removes ``H(B)``, and moves each agent of
``B`` to her next tier (she *stops* when none is left, and is *full* at ``x_i = 1``).  The
other agents' flow is not committed: their top sets and amounts carry over.  When λ* reaches 1
every active agent is filled up and the run ends.  With strict preferences the phases are the
exhaustion events of probabilistic serial and the allocation is the same (tested).

Computation: :func:`exactassign.flows.max_level` (Dinkelbach/Newton iteration on the min-cut
function, starting from the smallest root over cheap candidate sets, with one incremental exact
max-flow repair per step; the flow of the previous phase is a valid warm start since the
uncommitted agents' flow never uses the removed objects).  Each phase removes at least one
object or ends the run, so there are at most ``m + 1`` phases.  Measured
(``benchmarks/bench_house.py``, ties, supply 2 per object): n = 200, m = 100 in 0.3 s,
n = 800, m = 400 in 8 s; networkx's preflow-push on the same exact capacities, rebuilt at every
Newton step, is 15-25 times slower.

Which tied objects a bottleneck agent receives is not determined by the mechanism (only her
amount on each tier is; Heo 2014 calls EPS a correspondence).  We commit the computed maximum
flow, made canonical by :func:`exactassign.flows.symmetrise`: agents of ``B`` with identical
preferences get the average of their rows, so equal agents get equal rows (ETE), and objects
that no agent of ``B`` can tell apart (same remaining supply, in the top sets of the same
agents) get the average of their columns.  The trace records, per phase, every
quantity a replay needs: start and level, the top set and committed amount of each active agent,
the remaining supplies, the full flow at λ* (which proves no set has a smaller ratio), the
bottleneck agents and objects with their supply and ratio (which proves λ* is attained).

>>> from exactassign.economy import Economy
>>> e = Economy.create(["1", "2", "3", "4", "5"], ["a", "b", "c"],
...     supply={"a": 1, "b": 1, "c": 3},
...     preferences={"1": [["a", "b"], "c"], "2": ["a", ["b", "c"]], "3": ["b", ["a", "c"]],
...                  "4": ["b", ["a", "c"]], "5": ["b", ["a", "c"]]})
>>> r = extended_probabilistic_serial(e)
>>> r.allocation.row_map("1"), r.allocation.row_map("3")
({'a': 1/2, 'c': 1/2}, {'b': 1/3, 'c': 2/3})
>>> [(str(ph.level), ph.bottleneck_agents, ph.bottleneck_objects) for ph in r.trace]
[('1/3', ('3', '4', '5'), ('b',)), ('1/2', ('1', '2'), ('a',)),
 ('1', ('1', '2', '3', '4', '5'), ('c',))]
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flint import fmpq

from ..allocation import Allocation
from ..errors import DomainError
from ..flows import FlowNet, max_level, symmetrise
from ..numbers import ONE, ZERO, canonical
from .base import Mechanism, MechanismResult, register

__all__ = ["EpsPhase", "extended_probabilistic_serial", "refuse_endowments"]


def refuse_endowments(economy: Any, mechanism: str) -> None:
    """House-allocation mechanisms refuse fractional endowment exchange economies."""
    if economy.endowments is not None:
        raise DomainError(f"{mechanism} works in the house-allocation model (each agent demands "
                          f"one unit, no endowments); this economy has endowments: use btm, "
                          f"or drop the 'endowments' field")


def _amounts_json(d: Mapping[str, fmpq]) -> dict[str, str]:
    return {k: canonical(v) for k, v in d.items()}


@dataclass(frozen=True)
class EpsPhase:
    """One phase of the extended PS run (see the module docstring).

    ``top[i]`` is active agent i's top set H(i) and ``committed[i]`` her amount x_i at the start
    of the phase; ``remaining[o]`` the remaining supply of every object still present;
    ``flow[i][o]`` a flow at level ``level`` serving every active agent ``level - x_i`` from her
    top set (within ``remaining``); the bottleneck agents receive their part of it for good.
    ``bottleneck_supply`` is ``c(H(B))`` and ``ratio`` = ``(c(H(B)) + x(B)) / |B|`` (= level
    unless ``capped``: the level hit 1 and every active agent is filled).  ``exhausted`` are the
    objects removed (H(B), plus any full object when capped), ``satiated`` the agents now full,
    ``stopped`` those with no acceptable object left.
    """

    index: int
    start: fmpq
    level: fmpq
    capped: bool
    top: Mapping[str, tuple[str, ...]]
    committed: Mapping[str, fmpq]
    remaining: Mapping[str, fmpq]
    flow: Mapping[str, Mapping[str, fmpq]]
    bottleneck_agents: tuple[str, ...]
    bottleneck_objects: tuple[str, ...]
    bottleneck_supply: fmpq
    ratio: fmpq
    exhausted: tuple[str, ...]
    satiated: tuple[str, ...]
    stopped: tuple[str, ...]
    iterations: int

    def to_json(self) -> dict:
        """JSON form with canonical exact numbers."""
        return {"phase": self.index, "start": canonical(self.start),
                "level": canonical(self.level), "capped": self.capped,
                "top": {a: list(t) for a, t in self.top.items()},
                "committed": _amounts_json(self.committed),
                "remaining": _amounts_json(self.remaining),
                "flow": {a: _amounts_json(r) for a, r in self.flow.items()},
                "bottleneck_agents": list(self.bottleneck_agents),
                "bottleneck_objects": list(self.bottleneck_objects),
                "bottleneck_supply": canonical(self.bottleneck_supply),
                "ratio": canonical(self.ratio),
                "exhausted": list(self.exhausted), "satiated": list(self.satiated),
                "stopped": list(self.stopped), "newton_iterations": self.iterations}


def extended_probabilistic_serial(economy: Any) -> MechanismResult:
    """Run Katta and Sethuraman's extended PS exactly (weak preferences, unacceptable objects,
    any positive supplies).  Returns the allocation and the phase trace (:class:`EpsPhase`)."""
    refuse_endowments(economy, "eps")
    n, m = economy.n, economy.m
    agents, objects = economy.agents, economy.objects
    oidx = economy.object_index
    tiers = [[tuple(sorted(oidx[o] for o in tier)) for tier in order]
             for order in economy.preferences]
    pref_key = [tuple(tiers[i]) for i in range(n)]
    net = FlowNet({k: economy.supply[k] for k in range(m)})
    present = [True] * m
    tier_pos = [0] * n
    x = [ZERO] * n
    rows: dict[int, dict[int, fmpq]] = {}
    stopped_at_start: list[str] = []

    def next_top(i: int) -> tuple[int, ...] | None:
        """Advance agent i to her best tier with a present object (None: nothing left)."""
        while tier_pos[i] < len(tiers[i]):
            top = tuple(o for o in tiers[i][tier_pos[i]] if present[o])
            if top:
                return top
            tier_pos[i] += 1
        return None

    for i in range(n):
        top = next_top(i)
        if top is None:
            stopped_at_start.append(agents[i])
        else:
            net.add_node(i, top, ZERO)

    phases: list[EpsPhase] = []
    start = ZERO
    while net.objs:
        active = sorted(net.objs)
        top_json = {agents[i]: tuple(objects[o] for o in net.objs[i]) for i in active}
        committed_json = {agents[i]: x[i] for i in active}
        remaining_json = {objects[o]: net.cap[o] for o in sorted(net.cap)}
        lvl = max_level(net, {i: x[i] for i in active}, {}, ONE)
        lam = lvl.level
        bset = sorted(lvl.tight_nodes)
        flows = {i: net.flow_of(i) for i in active}
        groups: dict[Any, list[int]] = {}
        for i in bset:
            groups.setdefault((pref_key[i], net.objs[i], x[i]), []).append(i)
        committed = {i: flows[i] for i in bset}
        symmetrise(committed, groups.values(), net.objs, net.cap)
        flows.update(committed)
        if lvl.capped:     # everybody is filled up: report the objects used up for good
            used: dict[int, fmpq] = {}
            for i in bset:
                for o, a in committed[i].items():
                    used[o] = used.get(o, ZERO) + a
            gone = sorted(o for o, a in used.items() if a == net.cap[o])
        else:
            gone = sorted(lvl.tight_objects)
        b_union = sorted({o for i in bset for o in net.objs[i]})
        b_supply = sum((net.cap[o] for o in b_union), ZERO)
        ratio = (b_supply + sum((x[i] for i in bset), ZERO)) / len(bset)
        for i in bset:
            row = rows.setdefault(i, {})
            for o, a in flows[i].items():
                row[o] = row.get(o, ZERO) + a
            net.remove_node(i)
        for o in gone:
            present[o] = False
            net.remove_object(o)
        satiated, stopped = [], []
        for i in bset:
            x[i] = lam
            if lam == ONE:
                satiated.append(agents[i])
                continue
            top = next_top(i)
            if top is None:
                stopped.append(agents[i])
            else:
                net.add_node(i, top, ZERO)
        phases.append(EpsPhase(
            index=len(phases) + 1, start=start, level=lam, capped=lvl.capped, top=top_json,
            committed=committed_json, remaining=remaining_json,
            flow={agents[i]: {objects[o]: a for o, a in sorted(flows[i].items())}
                  for i in active},
            bottleneck_agents=tuple(agents[i] for i in bset),
            bottleneck_objects=tuple(objects[o] for o in b_union),
            bottleneck_supply=b_supply, ratio=ratio,
            exhausted=tuple(objects[o] for o in gone), satiated=tuple(satiated),
            stopped=tuple(stopped), iterations=lvl.iterations))
        start = lam

    allocation = Allocation.from_sparse(agents, objects, rows)
    info: dict[str, Any] = {"phases": str(len(phases))}
    if stopped_at_start:
        info["accept_nothing"] = stopped_at_start
    return MechanismResult(mechanism="eps", params={}, allocation=allocation,
                           trace=tuple(phases), info=info)


def _parse_params(economy: Any, raw: Mapping[str, str]) -> dict[str, Any]:
    return {}


register(Mechanism(
    name="eps", title="Extended probabilistic serial (Katta-Sethuraman, weak preferences)",
    citation="Katta and Sethuraman (2006), A solution to the random assignment problem on the "
             "full preference domain, J. Econ. Theory 131:231-250",
    function=extended_probabilistic_serial, parse_params=_parse_params, param_help={}))
