"""Witnesses of ``sd.outcome`` and ``rsd.outcome`` (FORMAT.md, "Serial dictatorship").

``sd.outcome``: the order; per agent her promised tier amounts, each below what she still
needs with the set of earlier promises that blocks more (a Hall deficiency set); the tight
blocks realised by rule G with the cut of every pair that stays below its bounds and a slack
flow proving each block maximal; a slack flow proving that no tight set is left after each
agent; the final realisation by rule G.  The checker replays the canonical realisation of
:mod:`exactassign.mechanisms.serial` from these hints, by arithmetic only.

>>> from exactassign import Economy, run
>>> e = Economy.create(["1", "2"], ["a", "b"], preferences={"1": [["a", "b"]], "2": ["a"]})
>>> w = sd_witness(e, run("sd", e))
>>> w["steps"][1]["promised"]
[{'tier': ['a'], 'amount': '1'}]
"""
from __future__ import annotations

from typing import Any

from flint import fmpq

from ..errors import ParameterError
from ..flows import FlowNet
from ..mechanisms.serial import _bits, _Rsd, _types
from ..numbers import ONE, canonical

__all__ = ["sd_witness"]


def _promises(economy: Any, seq: list[int]) -> list[list[dict]]:
    """Per position: the visited tiers with amounts and blocking sets, by one flow over all
    promises on the original supplies (independent of the memoised state's folding)."""
    ag, ob = economy.agents, economy.objects
    idx = economy.object_index
    net = FlowNet({k: s for k, s in enumerate(economy.supply)})
    out = []
    for i in seq:
        need, steps = ONE, []
        for t, tier in enumerate(economy.preferences[i]):
            key = (i, t)
            objs = sorted(idx[o] for o in tier)
            net.add_node(key, objs, need)
            net.augment()
            got = net.out[key]
            step: dict = {"tier": [ob[o] for o in objs], "amount": canonical(got)}
            if got < need:
                blocked = net.cannot_reach_sink()[0] - {key}
                step["blocking"] = sorted([ag[j], u] for j, u in blocked)
                span = set(objs).union(*(net.objs[k] for k in blocked))
                assert sum((economy.supply[o] for o in span), fmpq(0)) - sum(
                    (net.dem[k] for k in blocked), fmpq(0)) == got
            steps.append(step)
            if got:
                net.set_demand(key, got)
            else:
                net.remove_node(key)
            need -= got
            if not need:
                break
        out.append(steps)
    return out


def sd_witness(economy: Any, result: Any) -> dict:
    """The ``sd.outcome`` witness of an sd result (see the module docstring)."""
    seq = [economy.agent_index[a] for a in result.params["order"].split(",")]
    type_of, type_tiers, _ = _types(economy)
    dp = _Rsd(economy.supply, type_tiers)
    log: list[list[dict]] = []
    _, rows = dp.one_order(type_of, seq, log)
    unit = fmpq(dp.unit)
    ob = economy.objects
    assert [{ob[o]: x / unit for o, x in r.items()} for r in rows] == \
        [{o: x for o, x in result.allocation.row_map(a).items() if x} for a in economy.agents]

    def objs(mask: int) -> list[str]:
        return [ob[o] for o in _bits(mask)]

    def amounts(vec: dict) -> dict:
        return {ob[o]: canonical(fmpq(x) / unit) for o, x in sorted(vec.items()) if x}

    def cuts(cs: list[dict]) -> list[dict]:
        return [{ob[o]: s for o, s in sorted(c.items())} for c in cs]

    steps = []
    for k, (i, promised, events) in enumerate(zip(seq, _promises(economy, seq), log)):
        blocks = [{"nodes": [objs(m) for m in ev["block"]],
                   "amounts": [amounts(v) for v in ev["amounts"]], "cuts": cuts(ev["cuts"]),
                   "slack": [amounts(v) for v in ev["slack"]]}
                  for ev in events if "block" in ev]
        steps.append({"agent": economy.agents[i], "promised": promised, "blocks": blocks,
                      "slack": [amounts(v) for v in events[-1]["slack"]]})
    (final,) = log[-1]
    return {"order": [economy.agents[i] for i in seq], "steps": steps,
            "final": {"nodes": [objs(m) for m in final["final"]],
                      "amounts": [amounts(v) for v in final["amounts"]],
                      "cuts": cuts(final["cuts"])}}


def refuse_sampled(result: Any) -> None:
    """Monte-Carlo rsd estimates are not the rsd outcome: no outcome certificate."""
    if not result.exact:
        raise ParameterError("rsd: a Monte-Carlo estimate (--param samples=K) is not the rsd "
                             "matrix and cannot be certified as rsd.outcome; run the exact rsd")
