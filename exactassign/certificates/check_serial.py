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


def _amount(c: Any, h: Any, e: dict, ep: str, need: Fraction) -> Fraction:
    """A promise's amount, in [0, what she still needs]."""
    y = h.num(h.get(e, "amount", ep), h.at(ep, "amount"))
    if y < 0 or y > need:
        c.bad("sd.promise.range", h.at(ep, "amount"), f"{y} not in [0, {need}]")
        raise _Stop
    return y


def _not_house(c: Any, name: str) -> bool:
    if c.inst.fee:
        c.bad(f"{name}.model", "instance.endowments", f"{name} is defined in the "
              f"house-allocation model (no endowments)")
    return c.inst.fee


def claim_sd(c: Any, w: dict) -> None:
    """sd.outcome: replay promises and realisation (FORMAT.md, "sd.outcome")."""
    h, inst = _host(c), c.inst
    if _not_house(c, "sd"):
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
        y = _amount(c, h, e, ep, need)
        if y < need:
            bp = h.at(ep, "blocking")
            span, earlier = set(tiers[t]), {}
            for i, ref in enumerate(h.get(e, "blocking", ep, list)):
                key = tuple(h.typed(ref, list, h.at(bp, i)))
                if len(key) != 2 or type(key[0]) is not str or type(key[1]) is not int:
                    raise h.Malformed(h.at(bp, i), "a blocking promise is [agent, tier index]")
                if key not in made or key in earlier:
                    c.bad("sd.promise.blocking", h.at(bp, i), f"{list(key)!r:.60} is not a "
                          f"(distinct) earlier promise [agent, tier index]")
                    raise _Stop
                earlier[key] = made[key]
                span |= made[key][2]
            bound = h.fsum(inst.supply[o] for o in span) - h.fsum(x[3] for x in earlier.values())
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


# ----------------------------------------------------------------------------- rsd.outcome
def _int(h: Any, x: Any, path: str) -> int:
    q = h.num(x, path)
    if q.denominator != 1 or q < 0:
        raise h.Malformed(path, f"expected a non-negative integer, got {x!r:.60}")
    return int(q)


def _vec(h: Any, inst: Any, x: Any, path: str) -> dict:
    """object -> exact number, non-zero entries only."""
    out = {}
    for o, v in h.typed(x, dict, path).items():
        q = h.num(v, h.at(path, h.label(o, inst.oidx, h.at(path, o), "object")))
        if q:
            out[o] = q
    return out


def _state(h: Any, inst: Any, d: Any, path: str, ntypes: int) -> dict:
    """A parsed state of the rsd table."""
    h.typed(d, dict, path)
    counts = [_int(h, x, h.at(h.at(path, "counts"), k))
              for k, x in enumerate(h.get(d, "counts", path, list))]
    if len(counts) != ntypes:
        raise h.Malformed(h.at(path, "counts"), f"one count per preference type ({ntypes})")
    supply = _vec(h, inst, h.get(d, "supply", path, dict), h.at(path, "supply"))
    nodes = []
    np_ = h.at(path, "nodes")
    for j, nd in enumerate(h.get(d, "nodes", path, list)):
        jp = h.at(np_, j)
        h.typed(nd, dict, jp)
        objs = frozenset(h.label(o, inst.oidx, h.at(h.at(jp, "objects"), k), "object")
                         for k, o in enumerate(h.get(nd, "objects", jp, list)))
        members = []
        for r, m in enumerate(h.get(nd, "members", jp, list)):
            mp = h.at(h.at(jp, "members"), r)
            if not isinstance(m, list) or len(m) != 2:
                raise h.Malformed(mp, "a member is [type, amount]")
            members.append((_int(h, m[0], h.at(mp, 0)), h.num(m[1], h.at(mp, 1))))
        nodes.append((objs, members))
    vp = h.at(path, "value")
    value = h.get(d, "value", path, dict)
    mem = [[_vec(h, inst, v, h.at(h.at(h.at(vp, "members"), j), r)) for r, v in
            enumerate(h.typed(node, list, h.at(h.at(vp, "members"), j)))]
           for j, node in enumerate(h.get(value, "members", vp, list))]
    typ = [_vec(h, inst, v, h.at(h.at(vp, "types"), k))
           for k, v in enumerate(h.get(value, "types", vp, list))]
    if [len(m) for m in mem] != [len(nd[1]) for nd in nodes] or len(typ) != ntypes:
        raise h.Malformed(vp, "one value per member of every node and per type")
    return {"counts": counts, "supply": supply, "nodes": nodes, "members": mem, "types": typ}


def _add(acc: dict, vec: dict, w: Fraction) -> None:
    for o, x in vec.items():
        acc[o] = acc.get(o, ZERO) + w * x


def _same(a: dict, b: dict) -> bool:
    return {o: x for o, x in a.items() if x} == {o: x for o, x in b.items() if x}


def claim_rsd(c: Any, w: dict) -> None:
    """rsd.outcome: local consistency of the memoised table (FORMAT.md, "rsd.outcome")."""
    h, inst = _host(c), c.inst
    if _not_house(c, "rsd"):
        return
    kind = types(inst)
    reps: dict = {}
    for a in inst.agents:
        reps.setdefault(kind[a], a)
    total = [sum(1 for a in inst.agents if kind[a] == t) for t in range(len(reps))]
    sp = "witness.states"
    raw = h.get(w, "states", "witness", list)
    states = [_state(h, inst, d, h.at(sp, i), len(reps)) for i, d in enumerate(raw)]
    if not states or states[0]["counts"] != total or states[0]["nodes"] or \
            not _same(states[0]["supply"], inst.supply):
        c.bad("rsd.root", h.at(sp, 0), "the first state must be the start: every agent to "
                                       "choose, the whole supply, no open promise")
        return
    for i, (d, st) in enumerate(zip(raw, states)):
        try:
            _check_state(c, h, inst, reps, d, st, states, h.at(sp, i))
        except _Stop:
            pass
    root = states[0]
    for a in inst.agents:
        t = kind[a]
        for o in inst.objects:
            mine = root["types"][t].get(o, ZERO) / total[t]
            if mine != c.alloc[a].get(o, ZERO):
                c.bad("rsd.outcome.mismatch", h.at(h.at("outcome.allocation", a), o),
                      f"the table gives agent {a} {mine} of {o} (her type's value / "
                      f"{total[t]}), the outcome {c.alloc[a].get(o, ZERO)}")


def _replay(c: Any, st: dict) -> _Replay:
    """A replay holding the state's open members, owner ("old", j, r)."""
    r = _Replay(c, {o: st["supply"].get(o, ZERO) for o in c.inst.objects})
    for j, (objs, members) in enumerate(st["nodes"]):
        for k, (t, amt) in enumerate(members):
            r.open.append([("old", j, k), None, objs, amt, (t, amt, (j, k))])
    return r


def _check_state(c: Any, h: Any, inst: Any, reps: dict, d: dict, st: dict, states: list,
                 path: str) -> None:
    counts = st["counts"]
    left = sum(counts)
    if not left:                             # terminal: rule G on the open nodes
        r = _replay(c, st)
        groups = r.groups(path)
        if [g[0] for g in groups] != [nd[0] for nd in st["nodes"]]:
            c.bad("rsd.state.nodes", h.at(path, "nodes"), "the nodes are not the open groups "
                                                          "in mask order")
            return
        r.greedy(groups, h.get(d, "final", path, dict), h.at(path, "final"))
        for j, (_, members) in enumerate(st["nodes"]):
            for k in range(len(members)):
                if not _same(r.got.get(("old", j, k), {}), st["members"][j][k]):
                    c.bad("rsd.value.mismatch", h.at(h.at(path, "value"), "members"),
                          f"member {k} of node {j}: the final realisation gives "
                          f"{r.got.get(('old', j, k), {})}")
        if any(st["types"]):
            c.bad("rsd.value.mismatch", h.at(h.at(path, "value"), "types"), "no agent is left")
        return
    mp = h.at(path, "moves")
    moves = h.get(d, "moves", path, list)
    for k, m in enumerate(moves):
        h.typed(m, dict, h.at(mp, k))
    given = [_int(h, h.get(m, "type", h.at(mp, k)), h.at(h.at(mp, k), "type"))
             for k, m in enumerate(moves)]
    need_types = [t for t, n in enumerate(counts) if n]
    if given != need_types:
        c.bad("rsd.moves", mp, f"one move per type with agents left, in type order: "
                               f"{need_types}")
        return
    mem = [[{} for _ in members] for _, members in st["nodes"]]
    typ: list = [{} for _ in counts]
    for k, (t, m) in enumerate(zip(given, moves)):
        p = h.at(mp, k)
        weight = Fraction(counts[t], left)
        nid = _int(h, h.get(m, "next", p), h.at(p, "next"))
        if nid >= len(states):
            raise h.Malformed(h.at(p, "next"), f"no state {nid}")
        nxt = states[nid]
        r = _replay(c, st)
        mine = _rsd_promises(c, h, inst, r, st, reps[t], t, m, p)
        r.settle(m, p)
        groups = r.groups(p)
        want = list(counts)
        want[t] -= 1
        shape = [(g[0], [(pr[4][0], pr[3]) for pr in sorted(g[2], key=lambda x: x[4])])
                 for g in groups]
        if nxt["counts"] != want or shape != nxt["nodes"] or not _same(r.remaining,
                                                                       nxt["supply"]):
            c.bad("rsd.next.mismatch", h.at(p, "next"), f"state {nid} is not the state this "
                  f"move leads to (counts, remaining supply or open nodes differ)")
            raise _Stop
        where = {pr[0]: (g, q) for g, grp in enumerate(groups)
                 for q, pr in enumerate(sorted(grp[2], key=lambda x: x[4]))}

        def result(owner: Any) -> dict:
            if owner in where:
                g, q = where[owner]
                return nxt["members"][g][q]
            return r.got.get(owner, {})

        for j, (_, members) in enumerate(st["nodes"]):
            for q in range(len(members)):
                _add(mem[j][q], result(("old", j, q)), weight)
        for kt in range(len(counts)):
            _add(typ[kt], nxt["types"][kt], weight)
        for owner in mine:
            _add(typ[t], result(owner), weight)
    vp = h.at(path, "value")
    for j, row in enumerate(mem):
        for q, vec in enumerate(row):
            if not _same(vec, st["members"][j][q]):
                c.bad("rsd.value.mismatch", h.at(h.at(h.at(vp, "members"), j), q),
                      f"the average over the moves is {vec}")
    for kt, vec in enumerate(typ):
        if not _same(vec, st["types"][kt]):
            c.bad("rsd.value.mismatch", h.at(h.at(vp, "types"), kt), f"the average over the "
                                                                     f"moves is {vec}")


def _rsd_promises(c: Any, h: Any, inst: Any, r: _Replay, st: dict, agent: str, t: int,
                  m: dict, p: str) -> list:
    """The mover's promises in a state: tier by tier, each at most what the open nodes leave
    (blocking: node indices and her own earlier tiers).  Returns the new promises' owners."""
    tiers, need, own, owners = inst.tiers[agent], ONE, {}, []
    pp = h.at(p, "promised")
    entries = h.get(m, "promised", p, list)
    for k, e in enumerate(entries):
        ep = h.at(pp, k)
        h.typed(e, dict, ep)
        if k >= len(tiers) or not need or _int(h, h.get(e, "tier", ep), h.at(ep, "tier")) != k:
            c.bad("rsd.promise.extra", ep, "promises are her tiers 0, 1, ... until she holds "
                                           "one unit")
            raise _Stop
        y = _amount(c, h, e, ep, need)
        if y < need:
            bp = h.at(ep, "blocking")
            b = h.get(e, "blocking", ep, dict)
            nodes = {_int(h, x, h.at(h.at(bp, "nodes"), i))
                     for i, x in enumerate(h.get(b, "nodes", bp, list))}
            mine = {_int(h, x, h.at(h.at(bp, "own"), i))
                    for i, x in enumerate(h.get(b, "own", bp, list))}
            if any(j >= len(st["nodes"]) for j in nodes) or any(x not in own for x in mine):
                c.bad("sd.promise.blocking", bp, "not open nodes of the state and her own "
                                                 "earlier promised tiers")
                raise _Stop
            span = set(tiers[k]).union(*(st["nodes"][j][0] for j in nodes),
                                       *(tiers[x] for x in mine))
            bound = h.fsum(st["supply"].get(o, ZERO) for o in span) - h.fsum(
                [x for j in nodes for _, x in st["nodes"][j][1]] + [own[x] for x in mine])
            if bound != y:
                c.bad("sd.promise.not-maximal", bp, f"the blocking set bounds tier {k + 1} by "
                                                    f"{bound}, not by {y}")
        if y:
            handle = (len(st["nodes"]) + len(owners), 0)
            owners.append(("new", k))
            own[k] = y
            r.open.append([("new", k), k, tiers[k], y, (t, y, handle)])
        need -= y
    if need and len(entries) < len(tiers):
        c.bad("sd.promise.missing", pp, f"the agent still needs {need} and has tiers left")
        raise _Stop
    return owners


CLAIMS: dict = {"sd.outcome": claim_sd, "rsd.outcome": claim_rsd}
