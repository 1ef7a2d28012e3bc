"""Certificate claims of serial dictatorship with ties: ``sd.outcome`` and ``rsd.outcome``
(FORMAT.md, "Serial dictatorship").

Standard library only; check.py loads this file by path and merges :data:`CLAIMS`; the helpers
of check.py (``num``, ``get``, ``label``, ``Malformed``, ...) are reached through the module of
the checker object, as in ``check_house.py``.

Nothing here searches.  ``sd.outcome`` replays the promise rule (Svensson 1994; Bogomolnaia,
Deb and Ehlers 2005) and the canonical realisation of ``exactassign/mechanisms/serial.py``: each
promise below what the agent still needs comes with a *blocking set* of earlier promises whose
objects together with her tier hold exactly the earlier amounts plus hers (Hall's condition: she
cannot get more in any flow that keeps them); forced nodes, the queue split and the final
comparison are computed directly; each tight block realised by rule G is checked tight by
arithmetic, each of its (node, object) amounts is at its node's remaining amount, at the
object's remaining supply or at the bound of a given cut, and a *slack flow* (every remaining
node strictly above its amount) proves that the block was the maximal tight set; a slack flow
after each agent proves that no tight set is left.  Every promise is feasible together with the
earlier ones because the replayed realisation keeps them all.
"""
from __future__ import annotations

import sys
from fractions import Fraction
from typing import Any

__all__ = ["CLAIMS"]

ZERO, ONE = Fraction(0), Fraction(1)


def _host(c: Any) -> Any:
    """The checker module that created ``c`` (check.py, under whatever name it was loaded)."""
    return sys.modules[type(c).__module__]


class _Stop(Exception):
    """The replay cannot go on (the violation is already recorded)."""


class _Replay:
    """The state of the canonical realisation: remaining supply, open promises, allocation."""

    def __init__(self, c: Any, remaining: dict) -> None:
        self.c, self.h, self.inst = c, _host(c), c.inst
        self.remaining = dict(remaining)
        # open promises: [owner, tier index, objects, amount, queue key]; the queue key is
        # (type, amount, position in the order) for sd, (type, amount, handle) for rsd
        self.open: list = []
        self.got: dict = {}                  # owner -> object -> amount

    def mask(self, objs: Any) -> int:
        return sum(1 << self.inst.oidx[o] for o in objs)

    def objs(self, x: Any, path: str) -> frozenset:
        h = self.h
        out = frozenset(h.label(o, self.inst.oidx, h.at(path, k), "object")
                        for k, o in enumerate(h.typed(x, list, path)))
        if len(out) != len(x):
            raise h.Malformed(path, "an object appears twice")
        return out

    def groups(self, path: str) -> list:
        """Open promises grouped by live objects, sorted by mask: [(live, amount, members)]."""
        g: dict = {}
        for pr in self.open:
            live = frozenset(o for o in pr[2] if self.remaining[o] > 0)
            if not live:
                self.c.bad("sd.realisation.infeasible", path, f"agent {pr[0]}'s promise on "
                           f"{self.h.show_set(pr[2])} has no object with supply left")
                raise _Stop
            g.setdefault(live, []).append(pr)
        return [(live, self.h.fsum(p[3] for p in ps), ps)
                for live, ps in sorted(g.items(), key=lambda kv: self.mask(kv[0]))]

    def realise(self, group: tuple, vec: dict, path: str) -> None:
        """Give a group ``vec`` (object -> amount), split in queue order."""
        left = dict(vec)
        for pr in sorted(group[2], key=lambda p: p[4]):
            need, row = pr[3], self.got.setdefault(pr[0], {})
            for o in sorted(left, key=self.inst.oidx.get):
                x = min(need, left[o])
                if x > 0:
                    row[o] = row.get(o, ZERO) + x
                    left[o] -= x
                    need -= x
            if need:
                self.c.bad("sd.realisation.short", path, f"agent {pr[0]}'s promise is short by "
                           f"{need}")
                raise _Stop
            self.open.remove(pr)
        for o, x in vec.items():
            self.remaining[o] -= x

    def forced(self, path: str) -> bool:
        """Realise the first forced group (one live object, or exactly all of them)."""
        for live, amt, ps in self.groups(path):
            room = self.h.fsum(self.remaining[o] for o in live)
            if len(live) == 1 or amt == room:
                if amt > room:
                    self.c.bad("sd.realisation.infeasible", path, f"promises of {amt} on "
                               f"{self.h.show_set(live)}, remaining supply {room}")
                    raise _Stop
                self.realise((live, amt, ps), {o: self.remaining[o] for o in live}
                             if len(live) > 1 else {next(iter(live)): amt}, path)
                return True
        return False

    def nodes(self, w: dict, key: str, path: str, groups: list) -> list:
        """The groups that w[key] (a list of object lists, by mask) names."""
        h = self.h
        p = h.at(path, key)
        given = [self.objs(x, h.at(p, k)) for k, x in enumerate(h.get(w, key, path, list))]
        by_live = {g[0]: g for g in groups}
        if any(x not in by_live for x in given) or len(set(given)) != len(given) or \
                given != sorted(given, key=self.mask):
            self.c.bad("sd.nodes.mismatch", p, "not distinct open groups in mask order (open: "
                       + ", ".join(h.show_set(g[0]) for g in groups) + ")")
            raise _Stop
        return [by_live[x] for x in given]

    def greedy(self, block: list, w: dict, path: str) -> None:
        """Rule G on ``block`` with the witness amounts and cuts, then realise it."""
        h, c = self.h, self.c
        ap, cp = h.at(path, "amounts"), h.at(path, "cuts")
        amounts = h.get(w, "amounts", path, list)
        cuts = h.get(w, "cuts", path, list)
        if len(amounts) != len(block) or len(cuts) != len(block):
            raise h.Malformed(path, "amounts and cuts need one entry per node")
        vecs = []
        for j, (live, _, _) in enumerate(block):
            raw = h.typed(amounts[j], dict, h.at(ap, j))
            vec = {h.label(o, self.inst.oidx, h.at(h.at(ap, j), o), "object"):
                   h.num(x, h.at(h.at(ap, j), o)) for o, x in raw.items()}
            for o in vec:
                if o not in live:
                    c.bad("sd.g.object", h.at(h.at(ap, j), o), f"{o} is not among the node's "
                          f"live objects {h.show_set(live)}")
                    raise _Stop
            vecs.append(vec)
        dem = [g[1] for g in block]
        sup = {o: self.remaining[o] for g in block for o in g[0]}
        rest = [sorted(g[0], key=self.inst.oidx.get) for g in block]
        for j in range(len(block)):
            cut = h.typed(cuts[j], dict, h.at(cp, j))
            while rest[j]:
                o = rest[j].pop(0)
                x, p = vecs[j].get(o, ZERO), h.at(h.at(ap, j), o)
                top = min(dem[j], sup[o])
                if x < 0 or x > top:
                    c.bad("sd.g.range", p, f"amount {x} not in [0, {top}] (node's remaining "
                                           f"amount, object's remaining supply)")
                    raise _Stop
                if x < top:
                    if not rest[j]:
                        c.bad("sd.g.short", p, f"the node's last object leaves it short by "
                                               f"{dem[j] - x}")
                        raise _Stop
                    if o not in cut:
                        c.bad("sd.g.cut", h.at(h.at(cp, j), o), f"amount {x} is below "
                              f"{top}: a cut is needed")
                        raise _Stop
                    sp = h.at(h.at(cp, j), o)
                    s = {h.num(k, h.at(sp, i)) for i, k in enumerate(h.typed(cut[o], list, sp))}
                    if any(k.denominator != 1 or not 0 <= k < len(block) or k == j for k in s):
                        raise h.Malformed(sp, "node indices of the block other than this one")
                    span = {o}.union(*(rest[int(k)] for k in s))
                    bound = h.fsum(sup[q] for q in span) - h.fsum(dem[int(k)] for k in s)
                    if bound != x:
                        c.bad("sd.g.not-maximal", sp, f"the cut bounds the amount by {bound}, "
                                                      f"not by {x}")
                dem[j] -= x
                sup[o] -= x
        for g, vec in zip(block, vecs):
            self.realise(g, {o: x for o, x in vec.items() if x}, path)

    def slack(self, w: dict, key: str, path: str) -> None:
        """w[key]: a flow giving every open group strictly more than its amount."""
        h, c = self.h, self.c
        p = h.at(path, key)
        flows = h.get(w, key, path, list)
        groups = self.groups(p)
        if len(flows) != len(groups):
            c.bad("sd.slack.nodes", p, f"{len(flows)} flows for {len(groups)} open groups")
            raise _Stop
        used: dict = {}
        for k, ((live, amt, _), fl) in enumerate(zip(groups, flows)):
            fp = h.at(p, k)
            total = []
            for o, x in h.typed(fl, dict, fp).items():
                h.label(o, self.inst.oidx, h.at(fp, o), "object")
                v = h.num(x, h.at(fp, o))
                if o not in live or v < 0:
                    c.bad("sd.slack.object", h.at(fp, o), f"{v} of {o}: not a live object of "
                          f"{h.show_set(live)} or negative")
                used[o] = used.get(o, ZERO) + v
                total.append(v)
            if h.fsum(total) <= amt:
                c.bad("sd.slack.not-strict", fp, f"the group on {h.show_set(live)} gets "
                      f"{h.fsum(total)}, not more than its amount {amt}")
        for o, v in used.items():
            if v > self.remaining[o]:
                c.bad("sd.slack.over-supply", p, f"the slack flow uses {v} of {o}, remaining "
                                                 f"{self.remaining[o]}")

    def settle(self, w: dict, path: str) -> None:
        """Normalise after an agent: forced groups, then the witness's tight blocks."""
        h, c = self.h, self.c
        blocks = h.get(w, "blocks", path, list)
        k = 0
        while True:
            if self.forced(path):
                continue
            if k == len(blocks):
                break
            bp = h.at(h.at(path, "blocks"), k)
            b = h.typed(blocks[k], dict, bp)
            block = self.nodes(b, "nodes", bp, self.groups(bp))
            span = set().union(*(g[0] for g in block))
            amt = h.fsum(g[1] for g in block)
            room = h.fsum(self.remaining[o] for o in span)
            if len(block) < 2 or amt != room:
                c.bad("sd.block.not-tight", bp, f"{len(block)} groups of amount {amt} on "
                      f"objects with {room} left: not a tight set of two or more groups")
                raise _Stop
            self.greedy(block, b, bp)
            self.slack(b, "slack", bp)
            k += 1
        self.slack(w, "slack", path)


def types(inst: Any) -> dict:
    """agent -> index of her preference order among the distinct ones (first occurrence)."""
    kinds: dict = {}
    return {a: kinds.setdefault(tuple(inst.tiers[a]), len(kinds)) for a in inst.agents}


def claim_sd(c: Any, w: dict) -> None:
    """sd.outcome: replay promises and realisation (FORMAT.md, "sd.outcome")."""
    h, inst = _host(c), c.inst
    if inst.fee:
        c.bad("sd.model", "instance.endowments", "sd is defined in the house-allocation model "
                                                 "(no endowments)")
        return
    op = "witness.order"
    order = [h.label(a, inst.aidx, h.at(op, k), "agent")
             for k, a in enumerate(h.get(w, "order", "witness", list))]
    if len(set(order)) != len(order) or len(order) != len(inst.agents):
        c.bad("sd.order", op, "the order must list every agent exactly once")
        return
    steps = h.get(w, "steps", "witness", list)
    if len(steps) != len(order):
        raise h.Malformed("witness.steps", "one step per agent of the order")
    r = _Replay(c, inst.supply)
    pos = {a: k + 1 for k, a in enumerate(order)}
    kind = types(inst)
    made: dict = {}                          # (agent, tier index) -> promise
    try:
        for k, (a, st) in enumerate(zip(order, steps)):
            p = h.at("witness.steps", k)
            h.typed(st, dict, p)
            if h.get(st, "agent", p) != a:
                c.bad("sd.step.agent", h.at(p, "agent"), f"step {k + 1} is agent {a}'s")
                return
            _promises(c, r, a, st, p, made, (kind[a], pos[a]))
            r.settle(st, p)
        fp = "witness.final"
        fin = h.get(w, "final", "witness", dict)
        groups = r.groups(fp)
        block = r.nodes(fin, "nodes", fp, groups)
        if len(block) != len(groups):
            c.bad("sd.nodes.mismatch", h.at(fp, "nodes"), "the final realisation must cover "
                                                          "every open group")
            return
        r.greedy(block, fin, fp)
    except _Stop:
        return
    for a in inst.agents:
        for o in inst.objects:
            mine, theirs = r.got.get(a, {}).get(o, ZERO), c.alloc[a].get(o, ZERO)
            if mine != theirs:
                c.bad("sd.outcome.mismatch", h.at(h.at("outcome.allocation", a), o),
                      f"the replay gives agent {a} {mine} of {o}, the outcome {theirs}")


def _promises(c: Any, r: _Replay, a: str, st: dict, p: str, made: dict, qkey: tuple) -> None:
    """Agent a's promises: tier by tier, each the most she can get (blocking sets)."""
    h, inst = r.h, c.inst
    tiers, need = inst.tiers[a], ONE
    pp = h.at(p, "promised")
    entries = h.get(st, "promised", p, list)
    for t, e in enumerate(entries):
        ep = h.at(pp, t)
        h.typed(e, dict, ep)
        if t >= len(tiers) or not need:
            c.bad("sd.promise.extra", ep, "a promise after she holds one unit or beyond her "
                                          "tiers")
            raise _Stop
        if r.objs(h.get(e, "tier", ep), h.at(ep, "tier")) != tiers[t]:
            c.bad("sd.promise.tier", h.at(ep, "tier"), f"her tier {t + 1} is "
                                                       f"{h.show_set(tiers[t])}")
            raise _Stop
        y = h.num(h.get(e, "amount", ep), h.at(ep, "amount"))
        if y < 0 or y > need:
            c.bad("sd.promise.range", h.at(ep, "amount"), f"{y} not in [0, {need}]")
            raise _Stop
        if y < need:
            bp = h.at(ep, "blocking")
            span, earlier = set(tiers[t]), []
            for i, ref in enumerate(h.get(e, "blocking", ep, list)):
                key = tuple(h.typed(ref, list, h.at(bp, i)))
                if key not in made or key in {x[:2] for x in earlier}:
                    c.bad("sd.promise.blocking", h.at(bp, i), f"{list(key)!r:.60} is not a "
                          f"(distinct) earlier promise [agent, tier index]")
                    raise _Stop
                earlier.append(made[key])
                span |= made[key][2]
            bound = h.fsum(inst.supply[o] for o in span) - h.fsum(x[3] for x in earlier)
            if bound != y:
                c.bad("sd.promise.not-maximal", bp, f"the blocking set bounds agent {a}'s "
                      f"tier {t + 1} by {bound}, not by {y}")
        if y:
            pr = [a, t, tiers[t], y, (qkey[0], y, qkey[1])]
            made[(a, t)] = tuple(pr)
            r.open.append(pr)
        need -= y
    if need and len(entries) < len(tiers):
        c.bad("sd.promise.missing", pp, f"agent {a} still needs {need} and has tiers left")
        raise _Stop


CLAIMS: dict = {"sd.outcome": claim_sd}
