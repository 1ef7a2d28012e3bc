"""Certificate claims of house allocation with ties: ``eps.outcome``, ``egalitarian``,
``not-egalitarian`` (FORMAT.md, "House allocation with ties").

Standard library only; it imports neither the ``exactassign`` package nor ``check.py``: check.py
loads this file by path and merges :data:`CLAIMS` (``{claim: function(checker, witness)}``);
every helper of check.py (``num``, ``get``, ``label``, ``Malformed``, ``read_allocation``, ...)
is reached through the module of the checker object, as in ``check_strategy.py``.

Nothing here searches.  ``eps.outcome`` replays the phases of Katta and Sethuraman's extended
probabilistic serial: per phase a flow at the phase's level proves that no set of active agents
has a smaller ratio, the bottleneck set's tightness proves the level is attained, and the strict
increase of the levels (with the next phases' flows) proves that each bottleneck set is the
largest one.  ``egalitarian`` / ``not-egalitarian`` check a bottleneck sequence of
Bogomolnaia and Moulin's egalitarian solution: the sets, their new objects, supplies, ratios and
levels recomputed exactly, and an allocation that attains the levels (which is what proves the
ratios minimal; the argument is in FORMAT.md).
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


def _flag(h: Any, d: dict, key: str, path: str) -> bool:
    v = h.get(d, key, path)
    if type(v) is not bool:
        raise h.Malformed(h.at(path, key), f"must be true or false, got {v!r:.60}")
    return v


def _labels(h: Any, d: dict, key: str, path: str, known: dict, kind: str) -> set:
    """A list of distinct labels at d[key]."""
    p = h.at(path, key)
    items = h.typed(h.get(d, key, path), list, p)
    out: set = set()
    for k, x in enumerate(items):
        if h.label(x, known, h.at(p, k), kind) in out:
            raise h.Malformed(h.at(p, k), f"{kind} {x!r} appears twice")
        out.add(x)
    return out


def _amounts(h: Any, d: dict, key: str, path: str, known: dict, kind: str) -> dict:
    """d[key]: label -> exact number."""
    p = h.at(path, key)
    raw = h.get(d, key, path, dict)
    return {h.label(x, known, h.at(p, x), kind): h.num(v, h.at(p, x)) for x, v in raw.items()}


def _sets_differ(c: Any, code: str, path: str, what: str, actual: set, given: set) -> None:
    if actual != given:
        h = _host(c)
        c.bad(code, path, f"{what}: {h.show_set(actual)}, the witness says {h.show_set(given)}")


# ----------------------------------------------------------------------------- eps.outcome
def claim_eps(c: Any, w: dict) -> None:
    """eps.outcome: replay the phases (FORMAT.md, "eps.outcome")."""
    h, inst = _host(c), c.inst
    agents, objects = inst.agents, inst.objects
    if inst.fee:
        c.bad("eps.model", "instance.endowments", "eps is defined in the house-allocation model "
                                                  "(no endowments)")
        return
    remaining = dict(inst.supply)            # of the present objects (all supplies are > 0)
    present = set(objects)
    x = {a: ZERO for a in agents}             # committed amounts
    got: dict = {a: {} for a in agents}        # the committed flows, accumulated
    pointer = {a: 0 for a in agents}

    def top(a: str) -> Any:
        """Her best tier among the present objects (None: no acceptable object left); the
        pointer only moves forward because objects are only ever removed."""
        tiers, k = inst.tiers[a], pointer[a]
        while k < len(tiers):
            t = tiers[k] & present
            if t:
                pointer[a] = k
                return t
            k += 1
        pointer[a] = k
        return None

    def active_now() -> set:
        return {a for a in agents if x[a] < 1 and top(a) is not None}

    level_before = ZERO
    phases = h.get(w, "phases", "witness", list)
    for k, ph in enumerate(phases):
        p = h.at("witness.phases", k)
        h.typed(ph, dict, p)
        if "phase" in ph and h.num(ph["phase"], h.at(p, "phase")) != k + 1:
            c.bad("eps.phase.index", h.at(p, "phase"), f"phase number {ph['phase']} at "
                                                        f"position {k + 1}")
        start = h.num(h.get(ph, "start", p), h.at(p, "start"))
        lam = h.num(h.get(ph, "level", p), h.at(p, "level"))
        capped = _flag(h, ph, "capped", p)
        tp = h.at(p, "top")
        top_given = {h.label(a, inst.aidx, h.at(tp, a), "agent"): None
                     for a in h.get(ph, "top", p, dict)}
        for a in top_given:
            top_given[a] = _labels(h, ph["top"], a, tp, inst.oidx, "object")
        committed = _amounts(h, ph, "committed", p, inst.aidx, "agent")
        rem_given = _amounts(h, ph, "remaining", p, inst.oidx, "object")
        fp = h.at(p, "flow")
        flow = {h.label(a, inst.aidx, h.at(fp, a), "agent"): None
                for a in h.get(ph, "flow", p, dict)}
        for a in flow:
            flow[a] = _amounts(h, ph["flow"], a, fp, inst.oidx, "object")
        bset = _labels(h, ph, "bottleneck_agents", p, inst.aidx, "agent")
        bobjs = _labels(h, ph, "bottleneck_objects", p, inst.oidx, "object")
        b_supply = h.num(h.get(ph, "bottleneck_supply", p), h.at(p, "bottleneck_supply"))
        ratio = h.num(h.get(ph, "ratio", p), h.at(p, "ratio"))
        exhausted = _labels(h, ph, "exhausted", p, inst.oidx, "object")
        satiated = _labels(h, ph, "satiated", p, inst.aidx, "agent")
        stopped = _labels(h, ph, "stopped", p, inst.aidx, "agent")

        # 1. the level goes up from where the last phase ended, at most to 1
        if start != level_before:
            c.bad("eps.phase.start", h.at(p, "start"), f"starts at {start}, not at the previous "
                                                        f"level {level_before}")
        if not level_before < lam <= 1:
            c.bad("eps.phase.level", h.at(p, "level"), f"level {lam} is not in "
                                                        f"({level_before}, 1]")
        # 2. the active agents, their top sets and committed amounts, the remaining supplies
        active = active_now()
        tops = {a: top(a) for a in active}
        _sets_differ(c, "eps.active.mismatch", tp, "active agents", active, set(top_given))
        for a in sorted(active & set(top_given)):
            if top_given[a] != tops[a]:
                c.bad("eps.top.mismatch", h.at(tp, a), f"agent {a}'s best tier among the present "
                      f"objects is {h.show_set(tops[a])}, the witness says "
                      f"{h.show_set(top_given[a])}")
        cp = h.at(p, "committed")
        _sets_differ(c, "eps.committed.mismatch", cp, "active agents", active, set(committed))
        for a in sorted(active & set(committed)):
            if committed[a] != x[a]:
                c.bad("eps.committed.mismatch", h.at(cp, a), f"agent {a} has committed {x[a]}, "
                                                             f"the witness says {committed[a]}")
        rp = h.at(p, "remaining")
        _sets_differ(c, "eps.remaining.mismatch", rp, "present objects", present,
                     set(rem_given))
        for o in sorted(present & set(rem_given)):
            if rem_given[o] != remaining[o]:
                c.bad("eps.remaining.mismatch", h.at(rp, o), f"remaining supply of {o} is "
                      f"{remaining[o]}, the witness says {rem_given[o]}")
        # 3. a flow at level lam: every active agent gets lam - x from her top set, within the
        #    remaining supplies (so every set S of active agents has ratio >= lam)
        _sets_differ(c, "eps.flow.agents", fp, "active agents", active, set(flow))
        used: dict = {}
        for a in sorted(active & set(flow)):
            row, ap = flow[a], h.at(fp, a)
            for o, v in row.items():
                if o not in tops[a]:
                    c.bad("eps.flow.not-top", h.at(ap, o), f"agent {a} gets {o}, not in her top "
                                                           f"set {h.show_set(tops[a])}")
                if v < 0:
                    c.bad("eps.flow.negative", h.at(ap, o), f"amount {v} < 0")
                used[o] = used.get(o, ZERO) + v
            total = h.fsum(row.values()) if row else ZERO
            if total != lam - x[a]:
                c.bad("eps.flow.demand", ap, f"agent {a} gets {total} in the flow, not "
                                             f"level - committed = {lam - x[a]}")
        for o in sorted(used):
            if o in present and used[o] > remaining[o]:
                c.bad("eps.flow.over-supply", fp, f"the flow uses {used[o]} of {o}, remaining "
                      f"{remaining[o]}")
        # 4. the bottleneck set: closed, its objects its members' top sets, tight (or capped)
        bp = h.at(p, "bottleneck_agents")
        if not bset:
            c.bad("eps.bottleneck.empty", bp, "no bottleneck agent")
        if bset - active:
            c.bad("eps.bottleneck.inactive", bp, f"{h.show_set(bset - active)} not active")
        bset &= active
        hb = set().union(*(tops[a] for a in bset))
        _sets_differ(c, "eps.bottleneck.objects", h.at(p, "bottleneck_objects"),
                     "the union of the bottleneck agents' top sets", hb, bobjs)
        for a in sorted(active - bset):
            if tops[a] <= hb:
                c.bad("eps.bottleneck.not-closed", bp, f"agent {a} is outside the bottleneck "
                      f"set but her whole top set {h.show_set(tops[a])} is inside its objects")
        supply = h.fsum(remaining[o] for o in hb) if hb else ZERO
        if b_supply != supply:
            c.bad("eps.bottleneck.supply", h.at(p, "bottleneck_supply"), f"remaining supply of "
                  f"{h.show_set(hb)} is {supply}, the witness says {b_supply}")
        demand = h.fsum(lam - x[a] for a in bset) if bset else ZERO
        if bset:
            actual = (supply + h.fsum(x[a] for a in bset)) / len(bset)
            if ratio != actual:
                c.bad("eps.bottleneck.ratio", h.at(p, "ratio"), f"(supply + committed) / size "
                      f"of the bottleneck set is {actual}, the witness says {ratio}")
        if capped != (lam == 1):
            c.bad("eps.capped.level", h.at(p, "capped"), f"capped is {str(capped).lower()} at "
                                                         f"level {lam} (capped iff level 1)")
        if capped:
            if bset != active:
                c.bad("eps.capped.not-all", bp, f"a capped phase fills every active agent; "
                      f"missing {h.show_set(active - bset)}")
        elif supply != demand:
            c.bad("eps.bottleneck.not-tight", h.at(p, "bottleneck_supply"), f"the bottleneck "
                  f"set needs {demand} at level {lam}, its objects have {supply}: its ratio is "
                  f"not the level")
        # 5. commit the bottleneck agents' flows; exhausted, satiated, stopped
        touched = set()
        for a in sorted(bset & set(flow)):
            for o, v in flow[a].items():
                got[a][o] = got[a].get(o, ZERO) + v
                if o in present:
                    remaining[o] -= v
                    touched.add(o)
        for a in bset:
            x[a] = lam
        gone = {o for o in touched if remaining[o] <= 0}
        _sets_differ(c, "eps.phase.exhausted", h.at(p, "exhausted"), "objects used up", gone,
                     exhausted)
        present -= gone
        for o in gone:
            del remaining[o]
        _sets_differ(c, "eps.phase.satiated", h.at(p, "satiated"), "agents filled up",
                     {a for a in bset if x[a] >= 1}, satiated)
        _sets_differ(c, "eps.phase.stopped", h.at(p, "stopped"), "agents with no acceptable "
                     "object left", {a for a in bset if x[a] < 1 and top(a) is None}, stopped)
        level_before = lam
    # 6. nobody is active at the end, and the committed flows are the outcome
    left = active_now()
    if left:
        c.bad("eps.end.active", "witness.phases", f"agents {h.show_set(left)} are still active "
                                                  f"after the last phase")
    for a in agents:
        for o in sorted(set(got[a]) | set(c.alloc[a])):
            g, want = got[a].get(o, ZERO), c.alloc[a].get(o, ZERO)
            if g != want:
                c.bad("eps.outcome.mismatch", h.at(h.at("outcome.allocation", a), o),
                      f"agent {a} is committed {g} of {o} in the phases, the outcome says "
                      f"{want}")


# ----------------------------------------------------------------------------- egalitarian
def _egalitarian(c: Any, w: dict, kind: str) -> None:
    """egalitarian / not-egalitarian (FORMAT.md, "egalitarian, not-egalitarian")."""
    h, inst = _host(c), c.inst
    if inst.fee:
        c.bad(f"{kind}.model", "instance.endowments", "the egalitarian solution is defined in "
                                                      "the house-allocation model")
    for a in inst.agents:
        if len(inst.tiers[a]) > 2:
            c.bad(f"{kind}.not-dichotomous", h.at("instance.preferences", a),
                  f"agent {a} has {len(inst.tiers[a])} tiers (dichotomous: acceptable objects, "
                  f"optionally one tier of fill-up objects)")
    first = {a: (inst.tiers[a][0] if inst.tiers[a] else frozenset()) for a in inst.agents}
    level_of: dict = {}
    used: set = set()           # objects of the earlier sets
    before = None
    sp = "witness.bottlenecks"
    for k, b in enumerate(h.get(w, "bottlenecks", "witness", list)):
        p = h.at(sp, k)
        h.typed(b, dict, p)
        s = _labels(h, b, "agents", p, inst.aidx, "agent")
        objs = _labels(h, b, "objects", p, inst.oidx, "object")
        given = {key: h.num(h.get(b, key, p), h.at(p, key)) for key in
                 ("supply", "ratio", "level")}
        capped = _flag(h, b, "capped", p)
        if not s:
            c.bad(f"{kind}.set.empty", h.at(p, "agents"), "an empty set")
            continue
        again = s & set(level_of)
        if again:
            c.bad(f"{kind}.sets.overlap", h.at(p, "agents"), f"{h.show_set(again)} are in an "
                                                             f"earlier set too")
        new = set().union(*(first[a] for a in s)) - used
        used |= new
        _sets_differ(c, f"{kind}.set.objects", h.at(p, "objects"), "first-tier objects of the "
                     "set not in an earlier set", new, objs)
        supply = h.fsum(inst.supply[o] for o in new) if new else ZERO
        ratio = supply / len(s)
        level = min(ONE, ratio)
        for key, actual in (("supply", supply), ("ratio", ratio), ("level", level)):
            if given[key] != actual:
                c.bad(f"{kind}.set.{key}", h.at(p, key), f"{key} of the set is {actual}, the "
                                                         f"witness says {given[key]}")
        if capped != (ratio >= 1):
            c.bad(f"{kind}.set.capped", h.at(p, "capped"), f"ratio {ratio}: capped means ratio "
                                                           f">= 1 (level 1)")
        if before is not None and level < before:
            c.bad(f"{kind}.levels.decreasing", h.at(p, "level"), f"level {level} after a set "
                                                                 f"with level {before}")
        before = level if before is None else max(before, level)
        for a in s - set(level_of):
            level_of[a] = level
    missing = [a for a in inst.agents if a not in level_of]
    if missing:
        c.bad(f"{kind}.sets.not-partition", sp, f"agents {h.show_set(missing)} are in no set")
    profile = _amounts(h, w, "profile", "witness", inst.aidx, "agent")
    pp = "witness.profile"
    _sets_differ(c, f"{kind}.profile.mismatch", pp, "agents", set(inst.agents), set(profile))
    for a in inst.agents:
        if a in profile and a in level_of and profile[a] != level_of[a]:
            c.bad(f"{kind}.profile.mismatch", h.at(pp, a), f"agent {a}'s set has level "
                  f"{level_of[a]}, the witness says {profile[a]}")

    def mass(alloc: dict, a: str) -> Fraction:
        return h.fsum(alloc[a][o] for o in first[a] if o in alloc[a]) if first[a] else ZERO

    # the levels are attained: by the outcome itself (yes), by the realisation (no)
    if kind == "egalitarian":
        attain, ap, code = c.alloc, "outcome.allocation", "egalitarian.mass"
    else:
        ap, code = "witness.realisation", "not-egalitarian.realisation.mass"
        attain = h.read_allocation(h.get(w, "realisation", "witness", dict), inst, ap)
        c.feasible(attain, ap)
        for a in inst.agents:
            for o in sorted(set(attain[a]) - first[a]):
                c.bad("not-egalitarian.realisation.not-first-tier", h.at(h.at(ap, a), o),
                      f"{o} is not in agent {a}'s first tier (the realisation lists first-tier "
                      f"amounts only)")
    for a in inst.agents:
        if a in level_of and mass(attain, a) != level_of[a]:
            c.bad(code, h.at(ap, a), f"agent {a} has first-tier mass {mass(attain, a)}, her set's "
                                     f"level is {level_of[a]}")
    if kind == "not-egalitarian":
        i = c.agent_arg(w, "agent")
        ft = _labels(h, w, "first_tier", "witness", inst.oidx, "object")
        _sets_differ(c, "not-egalitarian.first-tier", "witness.first_tier",
                     f"agent {i}'s first tier", set(first[i]), ft)
        m = mass(c.alloc, i)
        c.given(w, "mass", "not-egalitarian.mass-mismatch", f"agent {i}'s first-tier mass", m)
        h.num(h.get(w, "egalitarian", "witness"), "witness.egalitarian")
        if i in level_of:
            c.given(w, "egalitarian", "not-egalitarian.level-mismatch", f"level of agent {i}'s "
                    f"set", level_of[i])
            if m == level_of[i]:
                c.bad("not-egalitarian.equal", "witness.agent", f"agent {i}'s first-tier mass "
                                                                f"{m} is her egalitarian level")


def claim_egalitarian(c: Any, w: dict) -> None:
    _egalitarian(c, w, "egalitarian")


def claim_not_egalitarian(c: Any, w: dict) -> None:
    _egalitarian(c, w, "not-egalitarian")


CLAIMS: dict = {
    "eps.outcome": claim_eps,
    "egalitarian": claim_egalitarian,
    "not-egalitarian": claim_not_egalitarian,
}
