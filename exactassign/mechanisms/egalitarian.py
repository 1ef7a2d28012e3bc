"""The egalitarian solution for dichotomous preferences (Bogomolnaia and Moulin 2004).

Bogomolnaia and Moulin, "Random matching under dichotomous preferences", Econometrica 72
(2004) 257-279.  Each agent's *acceptable set* A_i is her first tier; the objects of a second
tier (if any) are worth nothing to her in BM's model but still better than the outside option
(the fill-up tier of ``shared/spec/btm.md`` §6: ``1: {a,b} ≻ c``).  An agent with three or more
tiers is refused (:class:`DomainError` naming her).  Supplies may be any positive exact amounts;
each agent demands one unit.

Her utility is u_i = her mass on A_i.  The egalitarian solution maximises the utility profile
in the leximin (equivalently Lorenz) order; its profile is unique and is described by the
*bottleneck sequence*:  S_1 is the largest set of agents minimising ``c(A(S)) / |S|`` (A(S) the
union of their acceptable sets, c the supply), every agent of S_1 gets that ratio; remove S_1
and A(S_1) and repeat on what is left.  Ratios strictly increase; once the minimum ratio reaches
1 every remaining agent gets a full unit (a *capped* last set).  Agents with an empty first tier
form a first set of ratio 0.  Each set is computed exactly by the parametric flow of
:mod:`exactassign.flows` (its maximal tight set), with the flow that serves it.

The trace also holds the Gallai-Edmonds decomposition of the acceptability graph (agents - first
tiers, object capacities = supplies, agent capacities 1), computed from one maximum flow by
residual reachability, which generalises Gallai-Edmonds (Dulmage-Mendelsohn for bipartite
graphs) to fractional capacities:

* over-demanded part: the agents that some maximum flow leaves short (reachable from a short
  agent) and their objects, which every maximum flow fills -- BM's set of agents who may go
  unmatched, and the over-demanded objects;
* under-demanded part: the objects that some maximum flow leaves with room (they reach the
  sink) and the agents who can take from them (always fully served);
* perfectly matched part: the rest (fully matched among themselves in every maximum flow).

The over-demanded agents are exactly those whom the egalitarian solution gives less than 1
(tested on random instances).

Fill-up (second tiers; outside BM's model, needed for sd-efficiency in the house model):
keeping every agent's first-tier mass at her egalitarian value u_i -- as a demand on her first
tier, not on specific objects -- the second tiers are served egalitarianly: the largest λ <= 1
such that every agent can reach a total of max(u_i, λ) is found with the same parametric flow
(demand ``max(0, λ - u_i)`` on her second tier), its maximal tight set is committed and removed,
and so on.  Rerouting first-tier demands matters: which tied first-tier objects an agent gets may
decide whether another agent can fill up (see ``tests/test_egalitarian.py``).  Committed flows
are made canonical by :func:`exactassign.flows.symmetrise` (agents with identical preferences
get equal rows, objects nobody can tell apart get equal columns).

>>> from exactassign.economy import Economy
>>> e = Economy.create(["1", "2", "3", "4", "5"], ["a", "b", "c"],
...     supply={"a": 1, "b": 1, "c": 3},
...     preferences={"1": [["a", "b"], "c"], "2": ["a", ["b", "c"]], "3": ["b", ["a", "c"]],
...                  "4": ["b", ["a", "c"]], "5": ["b", ["a", "c"]]})
>>> r = egalitarian_solution(e)
>>> r.allocation.row_map("2"), r.allocation.row_map("4")
({'a': 1/2, 'c': 1/2}, {'b': 1/3, 'c': 2/3})
>>> [(b.agents, b.objects, str(b.ratio)) for b in bottleneck_sequence(e)[0]]
[(('3', '4', '5'), ('b',), '1/3'), (('1', '2'), ('a',), '1/2')]
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
from .eps import refuse_endowments

__all__ = ["Decomposition", "Bottleneck", "FillPhase", "dichotomous_tiers", "gallai_edmonds",
           "bottleneck_sequence", "egalitarian_solution", "dichotomy_violation"]


def _flow_json(flow: Mapping[str, Mapping[str, fmpq]]) -> dict:
    return {a: {o: canonical(x) for o, x in r.items()} for a, r in flow.items()}


def dichotomy_violation(economy: Any) -> str | None:
    """Why the economy is not dichotomous (naming the first such agent), or None."""
    for a, order in zip(economy.agents, economy.preferences):
        if len(order) > 2:
            shown = " > ".join("{" + ",".join(sorted(t)) + "}" for t in order)
            return (f"agent {a!r} has {len(order)} indifference classes ({shown}); the "
                    f"egalitarian solution (Bogomolnaia-Moulin 2004) needs dichotomous "
                    f"preferences: one tier of acceptable objects, optionally followed by one "
                    f"tier of fill-up objects")
    return None


def dichotomous_tiers(economy: Any) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Each agent's (first tier, second tier) as sorted object indices; refuses non-dichotomous
    preferences with a :class:`DomainError` naming the agent."""
    why = dichotomy_violation(economy)
    if why is not None:
        raise DomainError(why)
    idx = economy.object_index
    out = []
    for order in economy.preferences:
        t = [tuple(sorted(idx[o] for o in tier)) for tier in order]
        t += [()] * (2 - len(t))
        out.append((t[0], t[1]))
    return out


# =========================================================================== decomposition
@dataclass(frozen=True)
class Decomposition:
    """Gallai-Edmonds decomposition of the acceptability graph (first tiers)."""

    over_demanded_agents: tuple[str, ...]
    over_demanded_objects: tuple[str, ...]
    under_demanded_agents: tuple[str, ...]
    under_demanded_objects: tuple[str, ...]
    matched_agents: tuple[str, ...]
    matched_objects: tuple[str, ...]
    max_flow: fmpq

    def to_json(self) -> dict:
        """JSON form."""
        return {"step": "decomposition",
                "over_demanded": {"agents": list(self.over_demanded_agents),
                                  "objects": list(self.over_demanded_objects)},
                "under_demanded": {"agents": list(self.under_demanded_agents),
                                   "objects": list(self.under_demanded_objects)},
                "perfectly_matched": {"agents": list(self.matched_agents),
                                      "objects": list(self.matched_objects)},
                "max_flow": canonical(self.max_flow)}


def gallai_edmonds(economy: Any) -> Decomposition:
    """The Gallai-Edmonds decomposition of the first-tier graph (agents capacity 1, objects
    their supply), from one maximum flow and residual reachability.

    >>> from exactassign.economy import Economy
    >>> e = Economy.create(["1", "2", "3"], ["a", "b"],
    ...                    preferences={"1": ["a"], "2": ["a"], "3": [["a", "b"]]})
    >>> d = gallai_edmonds(e)
    >>> d.over_demanded_agents, d.over_demanded_objects, d.under_demanded_objects, d.max_flow
    (('1', '2'), ('a',), (), 2)
    """
    tiers = dichotomous_tiers(economy)
    n, m = economy.n, economy.m
    net = FlowNet({k: economy.supply[k] for k in range(m)})
    for i in range(n):
        if tiers[i][0]:
            net.add_node(i, tiers[i][0], ONE)
    ok, xs, ys = net.augment()
    short = set(xs) | {i for i in range(n) if not tiers[i][0]}
    blocked_n, blocked_o = net.cannot_reach_sink()
    reach_n = {i for i in net.objs if i not in blocked_n}
    reach_o = {o for o in range(m) if o not in blocked_o}
    ag, ob = economy.agents, economy.objects
    return Decomposition(
        over_demanded_agents=tuple(ag[i] for i in range(n) if i in short),
        over_demanded_objects=tuple(ob[o] for o in range(m) if o in ys),
        under_demanded_agents=tuple(ag[i] for i in range(n) if i in reach_n),
        under_demanded_objects=tuple(ob[o] for o in range(m) if o in reach_o),
        matched_agents=tuple(ag[i] for i in range(n) if i not in short and i not in reach_n),
        matched_objects=tuple(ob[o] for o in range(m) if o not in ys and o not in reach_o),
        max_flow=sum(net.out.values(), ZERO))


# =========================================================================== bottlenecks
@dataclass(frozen=True)
class Bottleneck:
    """One set S_k of the bottleneck sequence: its agents, its new objects Γ_k = A(S_k) minus
    the objects of earlier sets, their supply, the ratio supply/|S_k| and the level each agent
    gets (min(1, ratio); ``capped``: the last set, whose agents all get 1).  ``flow`` serves
    every agent of S_k her level from Γ_k."""

    index: int
    agents: tuple[str, ...]
    objects: tuple[str, ...]
    supply: fmpq
    ratio: fmpq
    level: fmpq
    capped: bool
    flow: Mapping[str, Mapping[str, fmpq]]

    def to_json(self) -> dict:
        """JSON form."""
        return {"step": "bottleneck", "index": self.index, "agents": list(self.agents),
                "objects": list(self.objects), "supply": canonical(self.supply),
                "ratio": canonical(self.ratio), "level": canonical(self.level),
                "capped": self.capped, "flow": _flow_json(self.flow)}


def bottleneck_sequence(economy: Any) -> tuple[list[Bottleneck], dict[str, fmpq]]:
    """The bottleneck sequence of the first-tier graph and the egalitarian utility profile
    (agent -> first-tier mass).  Refuses non-dichotomous preferences."""
    tiers = dichotomous_tiers(economy)
    n, m = economy.n, economy.m
    ag, ob = economy.agents, economy.objects
    out: list[Bottleneck] = []
    profile = {a: ZERO for a in ag}
    empty = [i for i in range(n) if not tiers[i][0]]
    if empty:
        out.append(Bottleneck(1, tuple(ag[i] for i in empty), (), ZERO, ZERO, ZERO, False,
                              {ag[i]: {} for i in empty}))
    net = FlowNet({k: economy.supply[k] for k in range(m)})
    for i in range(n):
        if tiers[i][0]:
            net.add_node(i, tiers[i][0], ZERO)
    while net.objs:
        lvl = max_level(net, {i: ZERO for i in net.objs}, {}, ONE)
        bset = sorted(lvl.tight_nodes)
        objs = sorted({o for i in bset for o in net.objs[i]})
        supply = sum((net.cap[o] for o in objs), ZERO)
        raw = {i: net.flow_of(i) for i in bset}
        groups: dict[Any, list[int]] = {}
        for i in bset:
            groups.setdefault((economy.preferences[i], net.objs[i]), []).append(i)
        symmetrise(raw, groups.values(), net.objs, net.cap)
        flow = {ag[i]: {ob[o]: x for o, x in sorted(raw[i].items())} for i in bset}
        for i in bset:
            net.remove_node(i)
            profile[ag[i]] = lvl.level
        for o in sorted(lvl.tight_objects):
            net.remove_object(o)
        out.append(Bottleneck(len(out) + 1, tuple(ag[i] for i in bset),
                              tuple(ob[o] for o in objs), supply, supply / len(bset),
                              lvl.level, lvl.capped, flow))
    return out, profile


# =========================================================================== fill-up
@dataclass(frozen=True)
class FillPhase:
    """One phase of the fill-up: the level λ (total each agent of ``agents`` now holds),
    whether it is the cap 1, the agents whose second-tier demand is tight (``agents``), the
    agents whose first-tier demand belongs to the tight set (``first_tier_agents``), the
    objects used up, and the committed flows (first-tier and second-tier parts).  A last phase
    with ``level`` None realises the first-tier demands left when nobody has anything to fill
    up."""

    index: int
    level: fmpq | None
    capped: bool
    agents: tuple[str, ...]
    first_tier_agents: tuple[str, ...]
    objects: tuple[str, ...]
    first_tier_flow: Mapping[str, Mapping[str, fmpq]]
    second_tier_flow: Mapping[str, Mapping[str, fmpq]]

    def to_json(self) -> dict:
        """JSON form."""
        return {"step": "fill", "index": self.index,
                "level": canonical(self.level) if self.level is not None else None,
                "capped": self.capped, "agents": list(self.agents),
                "first_tier_agents": list(self.first_tier_agents),
                "objects": list(self.objects),
                "first_tier_flow": _flow_json(self.first_tier_flow),
                "second_tier_flow": _flow_json(self.second_tier_flow)}


def egalitarian_solution(economy: Any) -> MechanismResult:
    """The Bogomolnaia-Moulin egalitarian random assignment (with egalitarian fill-up of
    second tiers).  Trace: the decomposition, the bottleneck sets, the fill-up phases."""
    refuse_endowments(economy, "egalitarian")
    tiers = dichotomous_tiers(economy)
    n, m = economy.n, economy.m
    ag, ob = economy.agents, economy.objects
    decomposition = gallai_edmonds(economy)
    bottlenecks, profile = bottleneck_sequence(economy)
    u = [profile[a] for a in ag]
    pref_key = [economy.preferences[i] for i in range(n)]

    net = FlowNet({k: economy.supply[k] for k in range(m)})
    fixed: dict[tuple[int, int], fmpq] = {}
    param: dict[tuple[int, int], fmpq] = {}
    for i in range(n):
        if u[i] > 0:
            net.add_node((1, i), tiers[i][0], u[i])
            fixed[(1, i)] = u[i]
    for i in range(n):
        if u[i] < 1 and tiers[i][1]:
            net.add_node((2, i), tiers[i][1], ZERO)
            param[(2, i)] = u[i]
    rows: dict[int, dict[int, fmpq]] = {}
    fills: list[FillPhase] = []

    def commit(keys: list[tuple[int, int]]) -> dict[tuple[int, int], dict[int, fmpq]]:
        flows = {k: net.flow_of(k) for k in keys}
        groups: dict[Any, list[tuple[int, int]]] = {}
        for k in keys:
            groups.setdefault((k[0], pref_key[k[1]], net.objs[k], net.dem[k]), []).append(k)
        symmetrise(flows, groups.values(), net.objs, net.cap)
        for k in keys:
            row = rows.setdefault(k[1], {})
            for o, x in flows[k].items():
                row[o] = row.get(o, ZERO) + x
            net.remove_node(k)
            fixed.pop(k, None)
            param.pop(k, None)
        return flows

    def named(flows: dict[tuple[int, int], dict[int, fmpq]], kind: int) -> dict:
        return {ag[k[1]]: {ob[o]: x for o, x in sorted(f.items())}
                for k, f in sorted(flows.items(), key=lambda kv: kv[0][1]) if k[0] == kind}

    if not param:
        ok, _, _ = net.augment()
        assert ok, "the egalitarian first-tier profile is infeasible"
    while param:
        lvl = max_level(net, dict(param), dict(fixed), ONE)
        keys = sorted(lvl.tight_nodes, key=lambda k: (k[1], k[0]))
        objs = sorted(lvl.tight_objects)
        flows = commit(keys)
        for o in objs:
            net.remove_object(o)
        fills.append(FillPhase(
            index=len(fills) + 1, level=lvl.level, capped=lvl.capped,
            agents=tuple(ag[k[1]] for k in keys if k[0] == 2),
            first_tier_agents=tuple(ag[k[1]] for k in keys if k[0] == 1),
            objects=tuple(ob[o] for o in objs),
            first_tier_flow=named(flows, 1), second_tier_flow=named(flows, 2)))
    if net.objs:        # first-tier demands left once every fill-up is done
        keys = sorted(net.objs, key=lambda k: (k[1], k[0]))
        flows = commit(keys)
        fills.append(FillPhase(index=len(fills) + 1, level=None, capped=False, agents=(),
                               first_tier_agents=tuple(ag[k[1]] for k in keys), objects=(),
                               first_tier_flow=named(flows, 1), second_tier_flow={}))
    allocation = Allocation.from_sparse(ag, ob, rows)
    info = {"profile": {a: canonical(x) for a, x in profile.items()},
            "bottleneck_ratios": [canonical(b.ratio) for b in bottlenecks]}
    return MechanismResult(mechanism="egalitarian", params={}, allocation=allocation,
                           trace=(decomposition, *bottlenecks, *fills), info=info)


def _parse_params(economy: Any, raw: Mapping[str, str]) -> dict[str, Any]:
    return {}


register(Mechanism(
    name="egalitarian", title="Egalitarian solution for dichotomous preferences "
                              "(Bogomolnaia-Moulin)",
    citation="Bogomolnaia and Moulin (2004), Random matching under dichotomous preferences, "
             "Econometrica 72:257-279",
    function=egalitarian_solution, parse_params=_parse_params, param_help={}))
