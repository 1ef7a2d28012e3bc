"""Certificate claim ``btm.outcome``: the allocation is the outcome of a balanced trading
mechanism (Yu and Zhang, full preference domain) run with the witness's parameters
(FORMAT.md, "Balanced trading mechanisms").

Standard library only; it imports neither the ``exactassign`` package nor ``check.py``: check.py
loads this file by path and merges :data:`CLAIMS`; its helpers (``num``, ``get``, ``label``,
``Malformed``, ``fsum``, ...) are reached through the module of the checker object.

Nothing here searches.  The witness is the mechanism's step trace; the checker replays it from
the instance alone, tracking the remaining endowments ω and the holdings p: per step O^t, the
labeling rounds, participants, A^t, favourites and pointing rounds, the sources with their
suppliers and shares (the rule's shares for ``equal`` / ``proportional``; any distribution over
the eligible suppliers for another rule name), the demand splits, system (4), constraints (5),
the maximality of the solution (listed closed classes: closed, strongly connected by the given
trees, stationary vector, x = απ, a binding constraint; every other source has a path of
decreasing distance to a class and x = 0) and the update.  At the end no endowment is left and
the holdings are the outcome.  The first step with a violation ends the replay (later steps
would be replayed from a wrong state).
"""
from __future__ import annotations

import sys
from fractions import Fraction
from typing import Any

__all__ = ["CLAIMS"]

ZERO, ONE = Fraction(0), Fraction(1)
KINDS = {"endowment": "E:", "labeled": "L:"}


def _host(c: Any) -> Any:
    return sys.modules[type(c).__module__]


def _amounts(h: Any, d: Any, path: str, known: dict, kind: str) -> dict:
    """{label: number} with known labels."""
    h.typed(d, dict, path)
    return {h.label(k, known, h.at(path, k), kind): h.num(v, h.at(path, k)) for k, v in d.items()}


def _nested(h: Any, d: Any, path: str, inst: Any) -> dict:
    """agent -> object -> number (zeros dropped)."""
    h.typed(d, dict, path)
    out = {}
    for a, row in d.items():
        h.label(a, inst.aidx, h.at(path, a), "agent")
        r = {o: v for o, v in _amounts(h, row, h.at(path, a), inst.oidx, "object").items() if v}
        if r:
            out[a] = r
    return out


def _labels(h: Any, d: Any, path: str, known: dict, kind: str) -> list:
    h.typed(d, list, path)
    return [h.label(x, known, h.at(path, k), kind) for k, x in enumerate(d)]


def _src(h: Any, sid: Any, path: str, objects: dict) -> str:
    """A source id "E:o" (endowment of o) or "L:o" (labeled stock of o)."""
    if type(sid) is not str or sid[:2] not in ("E:", "L:") or sid[2:] not in objects:
        raise h.Malformed(path, f"unknown source {sid!r:.60} (expected 'E:object' or "
                                f"'L:object')")
    return sid


def _rank(inst: Any, a: str) -> dict:
    """Tier index of every object in agent a's order; unlisted objects form one bottom tie."""
    rank = {o: k for k, t in enumerate(inst.tiers[a]) for o in t}
    bottom = len(inst.tiers[a])
    return {o: rank.get(o, bottom) for o in inst.objects}


def claim_btm(c: Any, w: dict) -> None:
    h, inst = _host(c), c.inst
    agents, objects = inst.agents, inst.objects
    n = len(agents)
    rule = h.get(w, "rule", "witness", str)
    rank = {a: _rank(inst, a) for a in agents}
    if inst.fee:
        omega = {a: dict(inst.endow[a]) for a in agents}
    else:   # house allocation, run as the FEE economy ω_io = q_o / n
        total = h.fsum(inst.supply.values())
        if total > n:
            c.bad("btm.model", "instance.supply", f"total supply {total} > {n} agents: ω = q/n "
                                                  f"would give rows above 1")
            return
        for a in agents:
            if any(rank[a][o] == len(inst.tiers[a]) for o in objects):
                c.bad("btm.model", h.at("instance.preferences", a), f"agent {a} does not rank "
                      f"every object (the house-allocation embedding has no outside option)")
                return
        omega = {a: {o: inst.supply[o] / n for o in objects} for a in agents}
    p: dict = {a: {} for a in agents}
    steps = h.get(w, "steps", "witness", list)
    for t, step in enumerate(steps):
        before = len(c.violations)
        _step(c, h, inst, rule, rank, omega, p, step, h.at("witness.steps", t), t)
        if len(c.violations) > before:
            return
    left = sorted((a, o) for a in agents for o, v in omega[a].items() if v > 0)
    if left:
        c.bad("btm.end.endowment-left", "witness.steps", f"after the last step agent "
              f"{left[0][0]} still owns {omega[left[0][0]][left[0][1]]} of {left[0][1]} "
              f"({len(left)} endowment entries left)")
    for a in agents:
        for o in sorted(set(p[a]) | set(c.alloc[a])):
            g, want = p[a].get(o, ZERO), c.alloc[a].get(o, ZERO)
            if g != want:
                c.bad("btm.outcome.mismatch", h.at(h.at("outcome.allocation", a), o),
                      f"agent {a} holds {g} of {o} after the replay, the outcome says {want}")


def _differ(c: Any, h: Any, code: str, path: str, what: str, actual: Any, given: Any) -> bool:
    if actual != given:
        c.bad(code, path, f"{what}: recomputed {_show(h, actual)}, the witness says "
                          f"{_show(h, given)}")
        return True
    return False


def _show(h: Any, x: Any) -> str:
    if isinstance(x, (set, frozenset)):
        return h.show_set(x)
    if isinstance(x, dict):
        return "{" + ", ".join(f"{k}: {_show(h, v)}" for k, v in sorted(x.items())) + "}"
    return str(x)


def _step(c: Any, h: Any, inst: Any, rule: str, rank: dict, omega: dict, p: dict, step: Any,
          sp: str, t: int) -> None:
    agents, objects = inst.agents, inst.objects
    n0 = len(c.violations)
    h.typed(step, dict, sp)
    if h.num(h.get(step, "step", sp), h.at(sp, "step")) != t + 1:
        c.bad("btm.step.index", h.at(sp, "step"), f"step number {step['step']} at position "
                                                  f"{t + 1}")
    live = {o for o in objects if any(omega[a].get(o, ZERO) > 0 for a in agents)}
    if not live:
        c.bad("btm.step.nothing-left", sp, "no endowment is left: the mechanism has stopped")
        return
    given_live = set(_labels(h, h.get(step, "endowment_objects", sp), h.at(sp, "endowment_objects"),
                             inst.oidx, "object"))
    _differ(c, h, "btm.step.endowment-objects", h.at(sp, "endowment_objects"),
            "objects in remaining endowments", live, given_live)

    # 1. labeling rounds ---------------------------------------------------------------------
    held = {a: {o for o, v in p[a].items() if v > 0 and o not in live} for a in agents}
    labels: dict = {}
    trigger = set(live)
    lp = h.at(sp, "labeling")
    given_rounds = h.get(step, "labeling", sp, list)
    k = 0
    while True:
        ev = {}
        for a in agents:
            if a not in labels:
                got = {o for o in held[a] if any(rank[a][o2] == rank[a][o] for o2 in trigger)}
                if got:
                    ev[a] = got
        if not ev:
            break
        rp = h.at(lp, k)
        if k >= len(given_rounds):
            c.bad("btm.labeling.missing-round", lp, f"labeling round {k + 1} is missing "
                  f"(agents {h.show_set(ev)} label)")
            return
        rnd = h.typed(given_rounds[k], dict, rp)
        if h.num(h.get(rnd, "round", rp), h.at(rp, "round")) != k + 1:
            c.bad("btm.labeling.round", h.at(rp, "round"), f"round number {rnd['round']} at "
                                                           f"position {k + 1}")
        avail = set(_labels(h, h.get(rnd, "available", rp), h.at(rp, "available"), inst.oidx,
                            "object"))
        _differ(c, h, "btm.labeling.available", h.at(rp, "available"), f"F_{k}", trigger, avail)
        given_ev = {}
        for e_k, e in enumerate(h.get(rnd, "labels", rp, list)):
            ep = h.at(h.at(rp, "labels"), e_k)
            h.typed(e, dict, ep)
            a = h.label(h.get(e, "agent", ep), inst.aidx, h.at(ep, "agent"), "agent")
            amts = _amounts(h, h.get(e, "objects", ep), h.at(ep, "objects"), inst.oidx,
                            "object")
            ind = _labels(h, h.get(e, "indifferent_to", ep), h.at(ep, "indifferent_to"),
                          inst.oidx, "object")
            if a in given_ev:
                raise h.Malformed(h.at(ep, "agent"), f"agent {a} labels twice in the round")
            given_ev[a] = set(amts)
            for o, v in amts.items():
                if v != p[a].get(o, ZERO):
                    c.bad("btm.labeling.amount", h.at(h.at(ep, "objects"), o), f"agent {a} "
                          f"holds {p[a].get(o, ZERO)} of {o}, the witness labels {v}")
            for o2 in ind:
                if o2 not in trigger or not any(rank[a][o2] == rank[a].get(o) for o in amts):
                    c.bad("btm.labeling.indifferent-to", h.at(ep, "indifferent_to"), f"{o2} is "
                          f"not an object of F_{k} that agent {a} is indifferent to")
            if not ind:
                c.bad("btm.labeling.indifferent-to", h.at(ep, "indifferent_to"), "empty")
        _differ(c, h, "btm.labeling.mismatch", h.at(rp, "labels"), f"labels of round {k + 1}",
                ev, given_ev)
        labels.update(ev)
        trigger = set().union(*ev.values())
        k += 1
    if len(given_rounds) > k:
        c.bad("btm.labeling.extra-round", h.at(lp, k), f"only {k} labeling rounds label "
                                                       f"anything")

    # 2. pointing ----------------------------------------------------------------------------
    parts = {a for a in agents if any(v > 0 for v in omega[a].values())} | set(labels)
    avail = live | {o for objs in labels.values() for o in objs}
    _differ(c, h, "btm.available.mismatch", h.at(sp, "available"), "available objects A^t",
            avail, set(_labels(h, h.get(step, "available", sp), h.at(sp, "available"),
                               inst.oidx, "object")))
    fav = {}
    for a in parts:
        best = min(rank[a][o] for o in avail)
        fav[a] = {o for o in avail if rank[a][o] == best}
    pround: dict = {}
    D: dict = {}
    for a in parts:
        if fav[a] & live:
            pround[a], D[a] = 1, fav[a] & live
    r = 1
    while True:
        offered = {o for b in pround for o in labels.get(b, ())}
        new = {a: fav[a] & offered for a in parts if a not in pround and fav[a] & offered}
        if not new:
            break
        r += 1
        for a, d in new.items():
            pround[a], D[a] = r, d
    pp = h.at(sp, "pointing")
    if set(pround) != parts:
        c.bad("btm.pointing.not-all", pp, f"participants {h.show_set(parts - set(pround))} "
                                          f"never point")
        return
    seen: set = set()
    for r_k, rnd in enumerate(h.get(step, "pointing", sp, list)):
        rp = h.at(pp, r_k)
        h.typed(rnd, dict, rp)
        rr = h.num(h.get(rnd, "round", rp), h.at(rp, "round"))
        if rr != r_k + 1:
            c.bad("btm.pointing.round", h.at(rp, "round"), f"round number {rr} at position "
                                                           f"{r_k + 1}")
        for e_k, e in enumerate(h.get(rnd, "points", rp, list)):
            ep = h.at(h.at(rp, "points"), e_k)
            h.typed(e, dict, ep)
            a = h.label(h.get(e, "agent", ep), inst.aidx, h.at(ep, "agent"), "agent")
            favs = set(_labels(h, h.get(e, "favourites", ep), h.at(ep, "favourites"),
                               inst.oidx, "object"))
            objs = set(_labels(h, h.get(e, "objects", ep), h.at(ep, "objects"), inst.oidx,
                               "object"))
            srcs = {_src(h, s, h.at(h.at(ep, "sources"), s_k), inst.oidx)
                    for s_k, s in enumerate(h.get(e, "sources", ep, list))}
            if a not in parts or a in seen:
                c.bad("btm.pointing.mismatch", ep, f"agent {a} is not a participant or points "
                                                   f"twice")
                continue
            seen.add(a)
            if pround[a] != rr:
                c.bad("btm.pointing.round", ep, f"agent {a} points in round {pround[a]}, the "
                                                f"witness says {rr}")
            _differ(c, h, "btm.pointing.favourites", h.at(ep, "favourites"),
                    f"agent {a}'s favourites in A^t", fav[a], favs)
            _differ(c, h, "btm.pointing.demand", h.at(ep, "objects"), f"agent {a}'s D_i",
                    D[a], objs)
            kind = "L:" if pround[a] > 1 else "E:"
            _differ(c, h, "btm.pointing.sources", h.at(ep, "sources"), f"agent {a}'s sources",
                    {kind + o for o in D[a]}, srcs)
    if seen != parts:
        c.bad("btm.pointing.mismatch", pp, f"participants {h.show_set(parts - seen)} missing "
                                           f"from the pointing rounds")
    if len(c.violations) > n0:
        return

    # 3. demand splits and sources -----------------------------------------------------------
    dp = h.at(sp, "demand")
    raw_dem = h.get(step, "demand", sp, dict)
    lam: dict = {}
    for a, d in raw_dem.items():
        h.label(a, inst.aidx, h.at(dp, a), "agent")
        h.typed(d, dict, h.at(dp, a))
        lam[a] = {_src(h, s, h.at(h.at(dp, a), s), inst.oidx): h.num(v, h.at(h.at(dp, a), s))
                  for s, v in d.items()}
    if _differ(c, h, "btm.demand.agents", dp, "participants", parts, set(lam)):
        return
    demand_round: dict = {}
    for a in sorted(parts):
        kind = "L:" if pround[a] > 1 else "E:"
        allowed = {kind + o for o in D[a]}
        ap = h.at(dp, a)
        if not set(lam[a]) <= allowed or any(v <= 0 for v in lam[a].values()) \
                or h.fsum(lam[a].values()) != 1:
            c.bad("btm.demand.split", ap, f"agent {a}'s split {_show(h, lam[a])} is not a "
                  f"positive distribution over her sources {h.show_set(allowed)}")
        elif rule in ("equal", "proportional") and \
                lam[a] != {s: Fraction(1, len(allowed)) for s in allowed}:
            c.bad("btm.demand.rule", ap, f"rule {rule}: agent {a} splits her demand equally "
                                         f"over {h.show_set(allowed)}")
        for s in allowed:
            if demand_round.setdefault(s, pround[a]) != pround[a]:
                c.bad("btm.demand.round", ap, f"source {s} is demanded in two pointing rounds")
    if len(c.violations) > n0:
        return
    sup_p = h.at(sp, "supply")
    supply = h.get(step, "supply", sp, list)
    shares: dict = {}
    holding: dict = {}
    caps: dict = {}
    kind_of: dict = {}
    for s_k, s in enumerate(supply):
        p_k = h.at(sup_p, s_k)
        h.typed(s, dict, p_k)
        sid = _src(h, h.get(s, "id", p_k), h.at(p_k, "id"), inst.oidx)
        kind = h.get(s, "kind", p_k, str)
        obj = h.label(h.get(s, "object", p_k), inst.oidx, h.at(p_k, "object"), "object")
        if KINDS.get(kind, "?") + obj != sid:
            raise h.Malformed(p_k, f"source {sid} has kind {kind!r} and object {obj!r}")
        if sid in shares:
            raise h.Malformed(h.at(p_k, "id"), f"source {sid} listed twice")
        shares[sid] = _amounts(h, h.get(s, "shares", p_k), h.at(p_k, "shares"), inst.aidx,
                               "agent")
        caps[sid] = h.num(h.get(s, "capacity", p_k), h.at(p_k, "capacity"))
        kind_of[sid] = (kind, obj, p_k)
    if _differ(c, h, "btm.sources.mismatch", sup_p, "demanded sources", set(demand_round),
               set(shares)):
        return
    for sid, (kind, o, p_k) in kind_of.items():
        if kind == "endowment":
            holders = {a: omega[a][o] for a in agents if omega[a].get(o, ZERO) > 0}
        else:
            holders = {a: p[a][o] for a in labels if o in labels[a]
                       and pround[a] < demand_round[sid]}
        holding[sid] = holders
        th = shares[sid]
        shp = h.at(p_k, "shares")
        if not th or not set(th) <= set(holders) or any(v <= 0 for v in th.values()) \
                or h.fsum(th.values()) != 1:
            c.bad("btm.shares.distribution", shp, f"shares {_show(h, th)} are not a positive "
                  f"distribution over the eligible suppliers {h.show_set(holders)}")
            continue
        if rule == "equal":
            want = {a: Fraction(1, len(holders)) for a in holders}
        elif rule == "proportional":
            tot = h.fsum(holders.values())
            want = {a: v / tot for a, v in holders.items()}
        else:
            want = th
        if th != want:
            c.bad("btm.shares.rule", shp, f"rule {rule}: shares should be {_show(h, want)}")
        cap = min(holders[a] / v for a, v in th.items())
        if caps[sid] != cap:
            c.bad("btm.source.capacity", h.at(p_k, "capacity"), f"capacity of {sid} is {cap}, "
                  f"the witness says {caps[sid]}")
    if len(c.violations) > n0:
        return

    # 4. system (4)-(5) ----------------------------------------------------------------------
    x = _amounts_src(h, h.get(step, "x", sp), h.at(sp, "x"), inst.oidx)
    y = _amounts(h, h.get(step, "y", sp), h.at(sp, "y"), inst.aidx, "agent")
    if _differ(c, h, "btm.x.sources", h.at(sp, "x"), "sources", set(shares), set(x)) or \
            _differ(c, h, "btm.y.agents", h.at(sp, "y"), "participants", parts, set(y)):
        return
    for sid in sorted(shares):
        want = h.fsum([lam[a].get(sid, ZERO) * y[a] for a in parts])
        if x[sid] != want:
            c.bad("btm.balance.source", h.at(h.at(sp, "x"), sid), f"x[{sid}] = Σ λ y = {want}, "
                                                                  f"the witness says {x[sid]}")
        for a, v in shares[sid].items():
            if v * x[sid] > holding[sid][a]:
                c.bad("btm.constraint.exceeded", h.at(h.at(sp, "x"), sid), f"agent {a} would "
                      f"supply {v * x[sid]} from {sid}, she holds {holding[sid][a]}")
    for a in sorted(parts):
        want = h.fsum([shares[s].get(a, ZERO) * x[s] for s in shares])
        if y[a] != want:
            c.bad("btm.balance.agent", h.at(h.at(sp, "y"), a), f"y[{a}] = Σ θ x = {want} (what "
                  f"she supplies), the witness says {y[a]}")

    # 5. maximality --------------------------------------------------------------------------
    succ = {s: {s2 for a in shares[s] for s2 in lam[a]} for s in shares}
    in_class: set = set()
    cp = h.at(sp, "classes")
    for c_k, cl in enumerate(h.get(step, "classes", sp, list)):
        p_k = h.at(cp, c_k)
        h.typed(cl, dict, p_k)
        C = [_src(h, s, h.at(h.at(p_k, "sources"), j), inst.oidx)
             for j, s in enumerate(h.get(cl, "sources", p_k, list))]
        Cs = set(C)
        if not Cs or not Cs <= set(shares) or Cs & in_class or len(Cs) != len(C):
            c.bad("btm.class.sources", h.at(p_k, "sources"), f"{h.show_set(Cs)} is not a new, "
                  f"non-empty set of this step's sources")
            continue
        in_class |= Cs
        out = {s2 for s in Cs for s2 in succ[s]} - Cs
        if out:
            c.bad("btm.class.not-closed", h.at(p_k, "sources"), f"the class demands from "
                                                                f"{h.show_set(out)} outside it")
        root = _src(h, h.get(cl, "root", p_k), h.at(p_k, "root"), inst.oidx)
        for tree, forward in (("in_tree", True), ("out_tree", False)):
            tp = h.at(p_k, tree)
            parent = {_src(h, u, h.at(tp, u), inst.oidx): _src(h, v, h.at(tp, u), inst.oidx)
                      for u, v in h.get(cl, tree, p_k, dict).items()}
            if root not in Cs or set(parent) != Cs - {root}:
                c.bad("btm.class.tree", tp, f"the tree must span the class from root {root}")
                continue
            for u, v in parent.items():
                ok = v in Cs and (v in succ[u] if forward else u in succ[v])
                z, hops = u, 0
                while ok and z != root:
                    z, hops = parent[z], hops + 1
                    ok = hops <= len(Cs)
                if not ok:
                    c.bad("btm.class.tree", h.at(tp, u), f"edge {u} -> {v} is not an edge of "
                          f"the source graph on a path to {root}")
        pi = _amounts_src(h, h.get(cl, "stationary", p_k), h.at(p_k, "stationary"), inst.oidx)
        stp = h.at(p_k, "stationary")
        if set(pi) != Cs or any(v <= 0 for v in pi.values()) or h.fsum(pi.values()) != 1:
            c.bad("btm.class.stationary", stp, "π must be positive on the class and sum to 1")
            continue
        K: dict = {}
        for s in Cs:
            for a, th in shares[s].items():
                for s2, lm in lam[a].items():
                    K[s2] = K.get(s2, ZERO) + th * lm * pi[s]
        for s2 in sorted(Cs):
            if K.get(s2, ZERO) != pi[s2]:
                c.bad("btm.class.stationary", h.at(stp, s2), f"(Kπ)[{s2}] = {K.get(s2, ZERO)} "
                      f"≠ π = {pi[s2]}")
        alpha = h.num(h.get(cl, "alpha", p_k), h.at(p_k, "alpha"))
        for s in sorted(Cs):
            if x[s] != alpha * pi[s]:
                c.bad("btm.class.scale", h.at(h.at(sp, "x"), s), f"x[{s}] = {x[s]} is not "
                      f"α π = {alpha * pi[s]}")
        per_unit: dict = {}
        for s in Cs:
            for a, th in shares[s].items():
                per_unit[a] = per_unit.get(a, ZERO) + th * pi[s]
        ags = set(_labels(h, h.get(cl, "agents", p_k), h.at(p_k, "agents"), inst.aidx, "agent"))
        _differ(c, h, "btm.class.agents", h.at(p_k, "agents"), "suppliers of the class",
                set(per_unit), ags)
        _differ(c, h, "btm.class.agent-stationary", h.at(p_k, "agent_stationary"),
                "receipts per unit of α (Θπ)", per_unit,
                _amounts(h, h.get(cl, "agent_stationary", p_k), h.at(p_k, "agent_stationary"),
                         inst.aidx, "agent"))
        bp = h.at(p_k, "binding")
        binding = h.get(cl, "binding", p_k, list)
        if not binding:
            c.bad("btm.class.no-binding", bp, "no binding constraint: α could grow")
        for b_k, b in enumerate(binding):
            p_b = h.at(bp, b_k)
            h.typed(b, dict, p_b)
            a = h.label(h.get(b, "agent", p_b), inst.aidx, h.at(p_b, "agent"), "agent")
            s = _src(h, h.get(b, "source", p_b), h.at(p_b, "source"), inst.oidx)
            if s not in Cs or a not in shares[s] or \
                    shares[s][a] * x[s] != holding[s][a]:
                c.bad("btm.class.binding", p_b, f"agent {a}'s constraint on {s} does not bind "
                                                f"in the class")
    tp = h.at(sp, "transient")
    dist = {s: 0 for s in in_class}
    trans = []
    for s, e in h.get(step, "transient", sp, dict).items():
        _src(h, s, h.at(tp, s), inst.oidx)
        h.typed(e, dict, h.at(tp, s))
        nxt = _src(h, h.get(e, "next", h.at(tp, s)), h.at(h.at(tp, s), "next"), inst.oidx)
        trans.append((h.num(h.get(e, "distance", h.at(tp, s)),
                            h.at(h.at(tp, s), "distance")), s, nxt))
    for d, s, nxt in sorted(trans):
        ep = h.at(tp, s)
        if s not in shares or s in dist or nxt not in succ.get(s, ()) or \
                dist.get(nxt) != d - 1:
            c.bad("btm.transient.path", ep, f"{s} -> {nxt} is not an edge to a source at "
                                            f"distance {d - 1}")
            continue
        dist[s] = d
        if x[s] != 0:
            c.bad("btm.transient.nonzero", h.at(h.at(sp, "x"), s), f"transient source {s} has "
                                                                   f"x = {x[s]}")
    if set(dist) != set(shares):
        c.bad("btm.transient.missing", tp, f"sources {h.show_set(set(shares) - set(dist))} are "
                                           f"in no closed class and have no path to one")
    if len(c.violations) > n0:
        return

    # 6. update ------------------------------------------------------------------------------
    received: dict = {}
    for a in parts:
        for sid, v in lam[a].items():
            if v * y[a]:
                o = sid[2:]
                received.setdefault(a, {})
                received[a][o] = received[a].get(o, ZERO) + v * y[a]
    _differ(c, h, "btm.update.received", h.at(sp, "received"), "receipts λ y", received,
            _nested(h, h.get(step, "received", sp), h.at(sp, "received"), inst))
    sup_e: dict = {}
    sup_l: dict = {}
    gone_l = set()
    for sid in sorted(shares):
        kind, o, _ = kind_of[sid]
        for a, th in shares[sid].items():
            amt = th * x[sid]
            if not amt:
                continue
            book = sup_e if kind == "endowment" else sup_l
            book.setdefault(a, {})[o] = book.setdefault(a, {}).get(o, ZERO) + amt
            if kind == "endowment":
                omega[a][o] -= amt
            else:
                p[a][o] -= amt
                if not p[a][o]:
                    gone_l.add((a, o))
    for key, book in (("supplied_endowment", sup_e), ("supplied_labeled", sup_l)):
        _differ(c, h, f"btm.update.{key.replace('_', '-')}", h.at(sp, key), "supplies θ x",
                book, _nested(h, h.get(step, key, sp), h.at(sp, key), inst))
    for a, d in received.items():
        for o, v in d.items():
            p[a][o] = p[a].get(o, ZERO) + v
    for a in agents:
        p[a] = {o: v for o, v in p[a].items() if v}
    after = {o for o in objects if any(omega[a].get(o, ZERO) > 0 for a in agents)}
    _differ(c, h, "btm.update.exhausted", h.at(sp, "exhausted"), "objects exhausted from "
            "endowments", live - after, set(_labels(h, h.get(step, "exhausted", sp),
                                                     h.at(sp, "exhausted"), inst.oidx,
                                                     "object")))
    el = set()
    ep = h.at(sp, "exhausted_labeled")
    for e_k, e in enumerate(h.get(step, "exhausted_labeled", sp, list)):
        h.typed(e, dict, h.at(ep, e_k))
        el.add((h.label(h.get(e, "agent", h.at(ep, e_k)), inst.aidx,
                        h.at(h.at(ep, e_k), "agent"), "agent"),
                h.label(h.get(e, "object", h.at(ep, e_k)), inst.oidx,
                        h.at(h.at(ep, e_k), "object"), "object")))
    _differ(c, h, "btm.update.exhausted-labeled", ep, "labeled stocks used up", gone_l, el)


def _amounts_src(h: Any, d: Any, path: str, objects: dict) -> dict:
    h.typed(d, dict, path)
    return {_src(h, k, h.at(path, k), objects): h.num(v, h.at(path, k)) for k, v in d.items()}


CLAIMS: dict = {"btm.outcome": claim_btm}
