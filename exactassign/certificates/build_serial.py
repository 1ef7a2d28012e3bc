"""Witnesses of ``sd.outcome`` and ``rsd.outcome`` (FORMAT.md, "Serial dictatorship").

``rsd.outcome``: the table of the memoised enumeration of
:mod:`exactassign.mechanisms.serial` -- every state (agents of each type still to choose,
remaining supply, open promise nodes with their members), its value (the expected final
amounts of every open member and the expected total allocation of each type's remaining
agents) and, per type that can choose next, that agent's move in the same format as an
``sd.outcome`` step plus the successor state.  The checker verifies every state locally (value
= the average over the next dictator's type of her step plus the successor's value; terminal
states realised by rule G); that is verification of the table, not a search.

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

from ..errors import LimitExceeded, ParameterError
from ..flows import FlowNet
from ..mechanisms.serial import _bits, _Rsd, _types
from ..numbers import ONE, ZERO, canonical

__all__ = ["sd_witness", "rsd_witness", "RSD_CERT_MAX_STATES"]

RSD_CERT_MAX_STATES = 2000
"""``rsd.outcome`` lists every state of the memoised enumeration with its moves and values;
beyond this many states certification is refused (:class:`LimitExceeded`, exit code 3)."""


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


def _labels(economy: Any, mask: int) -> list[str]:
    return [economy.objects[o] for o in _bits(mask)]


def _move_json(economy: Any, unit: fmpq, events: list[dict]) -> dict:
    """One agent's step in a memoised state: promises with blocking sets, blocks, slack."""
    def amounts(vec: dict) -> dict:
        return {economy.objects[o]: canonical(fmpq(x) / unit) for o, x in sorted(vec.items())
                if x}

    promised = []
    for ev in events:
        if "promise" in ev:
            entry: dict = {"tier": ev["promise"], "amount": canonical(fmpq(ev["amount"]) / unit)}
            if "nodes" in ev:
                entry["blocking"] = {"nodes": ev["nodes"], "own": ev["own"]}
            promised.append(entry)
    blocks = [{"nodes": [_labels(economy, m) for m in ev["block"]],
               "amounts": [amounts(v) for v in ev["amounts"]],
               "cuts": [{economy.objects[o]: c for o, c in sorted(cs.items())}
                        for cs in ev["cuts"]],
               "slack": [amounts(v) for v in ev["slack"]]} for ev in events if "block" in ev]
    return {"promised": promised, "blocks": blocks,
            "slack": [amounts(v) for v in events[-1]["slack"]]}


def rsd_witness(economy: Any, result: Any) -> dict:
    """The ``rsd.outcome`` witness of an exact rsd result (see the module docstring)."""
    refuse_sampled(result)
    type_of, type_tiers, counts = _types(economy)
    dp = _Rsd(economy.supply, type_tiers)
    unit = fmpq(dp.unit)
    root = (tuple(counts), dp.supply0, ())
    ids, states, moves = {root: 0}, [root], {}
    k = 0
    while k < len(states):                  # breadth first: layer by layer
        st = states[k]
        k += 1
        cnt, supply, nodes = st
        out = []
        for typ, c in enumerate(cnt):
            if not c:
                continue
            events: list[dict] = []
            _, sup2, nodes2, forms = dp.choose(typ, supply, nodes, 0, events)
            nxt = (cnt[:typ] + (c - 1,) + cnt[typ + 1:], sup2, nodes2)
            if nxt not in ids:
                if len(states) >= RSD_CERT_MAX_STATES:
                    raise LimitExceeded(
                        f"rsd.outcome: the certificate lists every state of the memoised "
                        f"enumeration; this economy has more than {RSD_CERT_MAX_STATES} "
                        f"(certify a property of the allocation instead)")
                ids[nxt] = len(states)
                states.append(nxt)
            out.append((typ, events, forms, nxt))
        moves[st] = out
    values: dict = {}
    finals: dict = {}

    def add(acc: dict, vec: Any, w: fmpq) -> None:
        for o, x in vec.items():
            acc[o] = acc.get(o, ZERO) + w * x

    for st in reversed(states):
        cnt, supply, nodes = st
        if not sum(cnt):
            log: list[dict] = []
            vecs = dp.final(supply, nodes, log)
            finals[st] = log[0]
            values[st] = ([[dict(v) for v in node] for node in vecs], [{} for _ in counts])
            continue
        mem: list[list[dict]] = [[{} for _ in m] for _, m in nodes]
        typ_vals: list[dict] = [{} for _ in counts]
        for typ, _, forms, nxt in moves[st]:
            p = fmpq(cnt[typ], sum(cnt))
            nm, nt = values[nxt]

            def got(form: Any) -> Any:
                return form[1] if form[0] == "fixed" else nm[form[1]][form[2]]

            for j, mf in enumerate(forms[:len(nodes)]):
                for r, form in enumerate(mf):
                    add(mem[j][r], got(form), p)
            for kt in range(len(counts)):
                add(typ_vals[kt], nt[kt], p)
            for (form,) in forms[len(nodes):]:
                add(typ_vals[typ], got(form), p)
        values[st] = (mem, typ_vals)
    rows = values[root][1]
    assert [{economy.objects[o]: x / unit / counts[type_of[i]] for o, x in rows[type_of[i]].items()
             if x} for i in range(economy.n)] == \
        [{o: x for o, x in result.allocation.row_map(a).items() if x} for a in economy.agents]

    def vec_json(vec: dict) -> dict:
        return {economy.objects[o]: canonical(fmpq(x) / unit) for o, x in sorted(vec.items())
                if x}

    out_states = []
    for st in states:
        cnt, supply, nodes = st
        mem, typ_vals = values[st]
        d: dict = {"counts": list(cnt),
                   "supply": {economy.objects[o]: canonical(fmpq(x) / unit)
                              for o, x in enumerate(supply) if x},
                   "nodes": [{"objects": _labels(economy, mask),
                              "members": [[t, canonical(fmpq(a) / unit)] for t, a, _ in mm]}
                             for mask, mm in nodes],
                   "value": {"members": [[vec_json(v) for v in node] for node in mem],
                             "types": [vec_json(v) for v in typ_vals]}}
        if sum(cnt):
            d["moves"] = [{"type": typ, **_move_json(economy, unit, events), "next": ids[nxt]}
                          for typ, events, _, nxt in moves[st]]
        else:
            fin = finals[st]
            d["final"] = {"amounts": [vec_json(v) for v in fin["amounts"]],
                          "cuts": [{economy.objects[o]: c for o, c in sorted(cs.items())}
                                   for cs in fin["cuts"]]}
        out_states.append(d)
    return {"states": out_states}
