#!/usr/bin/env python3
"""Independent checker for exactassign certificates (``FORMAT.md`` next to this file, version 1).

The trusted base of exactassign: standard library only (``json``, ``fractions``, ``re``,
``argparse``), exact ``fractions.Fraction`` arithmetic, no import of the ``exactassign`` package
and no search (no graph search, LP or enumeration): it only evaluates the conditions of
FORMAT.md on the data in the certificate.  Run it as a script or as a module::

    python exactassign/certificates/check.py CERT.json ... [--format text|json]
    python -m exactassign.certificates.check CERT.json ...

Exit 0: all valid; 1: some invalid; 2: some malformed or unsupported.  API: check_certificate,
check_file, main.  Readings: FORMAT.md, "Checker readings".  Plugins: ``PLUGINS``, by path.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from functools import lru_cache
from math import lcm
from typing import Any, Callable

__all__ = ["Violation", "Report", "check_certificate", "check_file", "loads", "main"]

ZERO, ONE = Fraction(0), Fraction(1)
OUT = None  # the outside option (written null in JSON, shown as ∅)
_MISSING = object()


# ----------------------------------------------------------------------------- reports
@dataclass
class Violation:
    code: str      # named after the clause of FORMAT.md it breaks
    path: str      # JSON path into the certificate, e.g. witness.phases[2].eating.3
    message: str
    as_dict = asdict


@dataclass
class Report:
    verdict: str                    # "valid" | "invalid" | "malformed"
    violations: list = field(default_factory=list)
    claim: str | None = None

    @property
    def exit_code(self) -> int:
        return {"valid": 0, "invalid": 1}.get(self.verdict, 2)


class Malformed(Exception):
    def __init__(self, path: str, message: str, code: str = "malformed"):
        super().__init__(message)
        self.path, self.message, self.code = path, message, code


# ----------------------------------------------------------------------------- reading
class _DecimalText(str):
    """The text of a JSON decimal literal (so that 0.1 means exactly 1/10)."""


def _pairs(pairs: list) -> dict:
    keys = [k for k, _ in pairs]
    if len(set(keys)) < len(keys):
        raise ValueError(f"duplicate key {next(k for k in keys if keys.count(k) > 1)!r}")
    return dict(pairs)


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not an exact number")


def loads(text: str) -> Any:
    """Parse JSON with decimal literals kept as text; NaN, Infinity and duplicate keys fail."""
    return json.loads(text, parse_float=_DecimalText, parse_constant=_constant,
                      object_pairs_hook=_pairs)


def at(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


_RATIONAL = re.compile(r"\s*([+-]?[0-9]+)\s*(?:/\s*([0-9]+)\s*)?\Z")
_DECIMAL = re.compile(r"\s*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE]([+-]?[0-9]+))?\s*\Z")


@lru_cache(maxsize=1 << 16)
def _text(x: str) -> Fraction:
    m = _RATIONAL.match(x)
    if m:
        den = int(m.group(2)) if m.group(2) is not None else 1
        if den == 0:
            raise ValueError("divides by zero")
        return Fraction(int(m.group(1)), den)
    m = _DECIMAL.match(x)
    if not m:
        raise ValueError("expected an exact number (integer, 'p/q' or decimal)")
    if m.group(1) and abs(int(m.group(1))) > 10000:
        raise ValueError("exponent out of range")
    return Fraction(x.strip())


def num(x: Any, path: str) -> Fraction:
    """An exact number: int, "p/q" / integer / decimal string or JSON decimal literal."""
    if isinstance(x, str):
        try:
            return _text(x)
        except ValueError as exc:   # also: more digits than int() accepts
            raise Malformed(path, f"{x!r:.60}: {exc}") from None
    if type(x) is int:
        return Fraction(x)
    if type(x) is Fraction:
        return x
    if isinstance(x, float):
        raise Malformed(path, f"binary floating-point number {x!r} is not exact "
                              f"(write a string, or read the file with check.loads)")
    raise Malformed(path, f"expected an exact number (integer, 'p/q' or decimal), got {x!r}")


def typed(x: Any, kind: type, path: str) -> Any:
    ok = type(x) is str if kind is str else isinstance(x, kind)
    if not ok:
        name = {dict: "an object", list: "a list", str: "a string"}[kind]
        raise Malformed(path, f"must be {name}, got {x!r:.60}")
    return x


def get(d: dict, key: str, path: str, kind: type | None = None, default: Any = _MISSING) -> Any:
    if key not in d:
        if default is not _MISSING:
            return default
        raise Malformed(at(path, key), "missing field")
    return d[key] if kind is None else typed(d[key], kind, at(path, key))


def label(x: Any, known: dict, path: str, kind: str, null_ok: bool = False) -> Any:
    if x is None and null_ok:
        return None
    if type(x) is not str or x not in known:
        raise Malformed(path, f"unknown {kind} {x!r:.60}")
    return x


def fsum(values: Any) -> Fraction:
    """Exact sum of Fractions, fast: integers over the common denominator."""
    values = list(values)
    den = lcm(*{v.denominator for v in values})
    return Fraction(sum([v.numerator * (den // v.denominator) for v in values]), den)


def show(x: Any) -> str:
    return "∅" if x is None else str(x)


def show_set(xs: Any) -> str:
    return "{" + ", ".join(sorted(map(show, xs))) + "}"


# ----------------------------------------------------------------------------- the instance
class Instance:
    """The economy as the checker needs it: labels, supplies, endowments, extended orders."""

    def __init__(self, doc: dict, path: str = "instance"):
        self.agents = self._labels(get(doc, "agents", path, list), at(path, "agents"))
        self.objects = self._labels(get(doc, "objects", path, list), at(path, "objects"))
        self.aidx = {a: k for k, a in enumerate(self.agents)}
        self.oidx = {o: k for k, o in enumerate(self.objects)}
        self.fee = doc.get("endowments") is not None
        self._single = {o: frozenset((o,)) for o in self.objects}
        pp = at(path, "preferences")
        prefs = every(get(doc, "preferences", path, dict), self.aidx, pp, "preferences of agent")
        self.tiers = {a: self._order(typed(prefs[a], list, at(pp, a)), at(pp, a))
                      for a in self.agents}
        self.endow: dict = {a: {} for a in self.agents}   # non-zero entries only
        cols: dict = {}
        if self.fee:
            ep = at(path, "endowments")
            self.endow = read_allocation(get(doc, "endowments", path, dict), self, ep)
            for a, row in self.endow.items():
                if fsum(row.values()) > 1:
                    raise Malformed(at(ep, a), f"endowment of agent {a!r} sums to more than 1")
                for o, v in row.items():
                    cols.setdefault(o, []).append(v)
            cols = {o: fsum(vs) for o, vs in cols.items()}
        given, sp = get(doc, "supply", path, dict, default={}), at(path, "supply")
        for o in given:
            label(o, self.oidx, at(sp, o), "object")
        self.supply = {o: num(given[o], at(sp, o)) if o in given else
                       cols.get(o, ZERO) if self.fee else ONE for o in self.objects}
        for o, s in self.supply.items():
            if s <= 0 or (self.fee and s != cols.get(o, ZERO)):
                raise Malformed(at(sp, o), f"supply of object {o!r} is {s}: it must be > 0" +
                                (f" and equal the endowments' sum {cols.get(o, ZERO)}"
                                 if self.fee else ""))
        self.ext = {a: self._extended(a) for a in self.agents}

    @staticmethod
    def _labels(xs: list, path: str) -> list:
        if not xs:
            raise Malformed(path, "must be a non-empty list of labels")
        for k, x in enumerate(xs):
            if type(x) is not str or not x:
                raise Malformed(at(path, k), f"label must be a non-empty string, got {x!r:.60}")
        if len(set(xs)) != len(xs):
            raise Malformed(path, "labels must be unique")
        return list(xs)

    def _order(self, entries: list, path: str) -> list:
        if all(type(e) is str for e in entries) and len(set(entries)) == len(entries) \
                and all(e in self.oidx for e in entries):   # fast path: a strict order
            return [self._single[e] for e in entries]
        tiers, seen = [], set()
        for k, e in enumerate(entries):
            tier = [e] if type(e) is str else e
            if not isinstance(tier, list) or not tier:
                raise Malformed(at(path, k), "a preference entry is an object label or a "
                                             "non-empty list of labels")
            for o in tier:
                label(o, self.oidx, at(path, k), "object")
                if o in seen:
                    raise Malformed(at(path, k), f"object {o!r} appears twice")
                seen.add(o)
            tiers.append(frozenset(tier))
        return tiers

    def _extended(self, a: str) -> list:
        """The extended order of agent a: her tiers, {∅} (house model), unacceptable objects."""
        tiers, listed = list(self.tiers[a]), set().union(*self.tiers[a])
        rest = frozenset(o for o in self.objects if o not in listed)
        return tiers + ([] if self.fee else [frozenset([OUT])]) + ([rest] if rest else [])

    def is_ucs(self, a: str, ucs: frozenset) -> bool:
        acc: set = set()
        for tier in self.ext[a]:
            acc |= tier
            if len(acc) >= len(ucs):
                return acc == ucs
        return False

    def mass(self, row: dict, ucs: Any) -> Fraction:
        """Mass of a row on a set of objects (∅ in the set counts 1 - row sum)."""
        m = fsum(row[o] for o in ucs if o is not None and o in row)
        return m + (ONE - fsum(row.values())) if OUT in ucs else m

    def ucs_masses(self, a: str, row: dict) -> list:
        """Masses of a row on the upper contour sets of agent a, best first."""
        out, acc = [], ZERO
        for tier in self.ext[a]:
            acc += self.mass(row, tier)
            out.append(acc)
        return out

    def ucs(self, a: str, k: int) -> str:
        return show_set(set().union(*self.ext[a][:k + 1]))


def read_allocation(x: dict, inst: Instance, path: str, negative_ok: bool = False) -> dict:
    """agent -> object -> Fraction, keeping non-zero entries only."""
    alloc: dict = {a: {} for a in inst.agents}
    oidx = inst.oidx
    for a, row in x.items():
        label(a, inst.aidx, at(path, a), "agent")
        out = alloc[a]
        for o, v in typed(row, dict, at(path, a)).items():
            try:
                if type(o) is not str or o not in oidx:
                    label(o, oidx, "", "object")
                q = num(v, "")
            except Malformed as exc:
                raise Malformed(at(at(path, a), o), exc.message) from None
            if q.numerator < 0 and not negative_ok:
                raise Malformed(at(at(path, a), o), f"negative amount {q}")
            if q:
                out[o] = q
    return alloc


def label_set(x: Any, known: dict, path: str, kind: str) -> set:
    return {label(v, known, at(path, k), kind) for k, v in enumerate(typed(x, list, path))}


def every(d: dict, known: dict, path: str, what: str) -> dict:
    """d must have an entry for every label in ``known`` and no other."""
    for x in d:
        label(x, known, at(path, x), what.split()[-1])
    for x in known:
        if x not in d:
            raise Malformed(at(path, x), f"missing {what} {x!r}")
    return d


def full_map(w: dict, key: str, known: dict, kind: str) -> dict:
    """witness[key]: a number for every label in ``known``."""
    p = at("witness", key)
    raw = every(get(w, key, "witness", dict), known, p, f"{key} of {kind}")
    return {x: num(raw[x], at(p, x)) for x in known}


# ----------------------------------------------------------------------------- the checker
class Checker:
    def __init__(self, inst: Instance, alloc: dict):
        self.inst, self.alloc = inst, alloc
        self.violations: list = []

    def bad(self, code: str, path: str, message: str) -> None:
        self.violations.append(Violation(code, path, message))

    def feasible(self, alloc: dict, path: str) -> None:
        inst, cols = self.inst, {}
        for a, row in alloc.items():
            for o, v in row.items():
                if v.numerator < 0:
                    self.bad("feasible.negative", at(at(path, a), o), f"amount {v} < 0")
                cols.setdefault(o, []).append(v)
            total = fsum(row.values())
            if inst.fee and total != fsum(inst.endow[a].values()):
                self.bad("feasible.row-sum", at(path, a), f"row of agent {a} sums to {total}, "
                         f"her endowment to {fsum(inst.endow[a].values())}")
            elif not inst.fee and total > 1:
                self.bad("feasible.row-sum", at(path, a), f"row of agent {a} sums to {total} > 1")
        sums = {o: fsum(cols.get(o, ())) for o in inst.objects}
        if alloc is self.alloc:
            self.colsum = sums
        for o in inst.objects:
            c, s = sums[o], inst.supply[o]
            if c > s or (inst.fee and c != s):
                self.bad("feasible.column-sum", at(at(path, "*"), o),
                         f"column of object {o} sums to {c}, supply is {s}")

    def ucs_arg(self, w: dict, agent: str, kind: str) -> frozenset:
        p = "witness.upper_contour_set"
        items = typed(get(w, "upper_contour_set", "witness"), list, p)
        ucs = frozenset(label(o, self.inst.oidx, at(p, k), "object", null_ok=True)
                        for k, o in enumerate(items))
        if len(ucs) != len(items):
            raise Malformed(p, "an object appears twice")
        if not self.inst.is_ucs(agent, ucs):
            self.bad(f"{kind}.not-ucs", p, f"{show_set(ucs)} is not an upper contour set of "
                     f"agent {agent}'s extended order")
        return ucs

    def agent_arg(self, w: dict, key: str) -> str:
        return label(get(w, key, "witness"), self.inst.aidx, at("witness", key), "agent")

    def given(self, w: dict, key: str, code: str, what: str, actual: Fraction) -> None:
        """The witness number w[key] must equal the recomputed ``actual``."""
        value = num(get(w, key, "witness"), at("witness", key))
        if value != actual:
            self.bad(code, at("witness", key), f"{what} is {actual}, the witness says {value}")


# ----------------------------------------------------------------------------- claims
def claim_ps(c: Checker, w: dict) -> None:
    """ps.outcome: replay the simultaneous-eating trace phase by phase (FORMAT.md)."""
    inst, agents = c.inst, c.inst.agents
    speeds = full_map(w, "speeds", inst.aidx, "agent")
    for a in agents:
        if speeds[a] <= 0:
            c.bad("ps.speeds.positive", at("witness.speeds", a), f"speed {speeds[a]} <= 0")
    pos = {}
    if w.get("tiebreak") is not None:
        tb = typed(w["tiebreak"], list, "witness.tiebreak")
        pos = {label(o, inst.oidx, at("witness.tiebreak", k), "object"): k
               for k, o in enumerate(tb)}
        if len(pos) != len(tb):
            raise Malformed("witness.tiebreak", "an object appears twice")
    order = {}
    for a in agents:
        order[a] = []
        for tier in inst.tiers[a]:
            if len(tier) > 1 and not all(o in pos for o in tier):
                c.bad("ps.tiebreak.incomplete", at("instance.preferences", a),
                      f"witness.tiebreak does not order agent {a}'s tie {show_set(tier)}")
            order[a] += sorted(tier, key=lambda o: (pos.get(o, len(pos)), o))
    phases = get(w, "phases", "witness", list)

    remaining = dict(inst.supply)
    eaten = {a: ZERO for a in agents}
    integrated: dict = {a: {} for a in agents}
    pointer = {a: 0 for a in agents}

    def best(a: str) -> Any:  # her best acceptable object with remaining > 0 (None: none);
        # the pointer only moves forward: remaining never grows unless a violation was reported
        lst, k = order[a], pointer[a]
        while k < len(lst) and remaining[lst[k]] <= 0:
            k += 1
        pointer[a] = k
        return lst[k] if k < len(lst) else None

    t = ZERO
    for k, ph in enumerate(phases):
        p = at("witness.phases", k)
        typed(ph, dict, p)
        start, end = num(get(ph, "start", p), at(p, "start")), num(get(ph, "end", p), at(p, "end"))
        ep = at(p, "eating")
        eating = {label(a, inst.aidx, at(ep, a), "agent"):
                  label(o, inst.oidx, at(ep, a), "object")
                  for a, o in get(ph, "eating", p, dict).items()}
        exhausted = label_set(get(ph, "exhausted", p), inst.oidx, at(p, "exhausted"), "object")
        satiated = label_set(get(ph, "satiated", p), inst.aidx, at(p, "satiated"), "agent")
        stopped = label_set(get(ph, "stopped", p), inst.aidx, at(p, "stopped"), "agent")
        # 1. contiguous, non-empty
        if start != t:
            c.bad("ps.phase.start", at(p, "start"), f"starts at {start}, not at {t}")
        if end <= start:
            c.bad("ps.phase.empty", at(p, "end"), f"end {end} <= start {start}")
        # 2. every active agent eats her best available acceptable object, nobody else eats
        for a in agents:
            b = best(a)
            active = eaten[a] < 1 and b is not None
            if active and a not in eating:
                c.bad("ps.eating.missing", ep, f"agent {a} is active but does not eat ({b})")
            elif active and eating[a] != b:
                c.bad("ps.eating.not-best", at(ep, a), f"agent {a} eats {eating[a]}, not {b}")
            elif not active and a in eating:
                c.bad("ps.eating.inactive", at(ep, a), f"agent {a} is inactive but eats")
        # 3. no supply goes negative, nobody eats more than one unit
        d = end - start
        rate: dict = {}
        for a, o in eating.items():
            rate[o] = rate.get(o, ZERO) + speeds[a]
        ex = set()
        for o, r in rate.items():
            if r * d > remaining[o]:
                c.bad("ps.supply.negative", ep, f"{o}: eaten {r * d} > remaining {remaining[o]}")
            elif r > 0 and r * d == remaining[o]:
                ex.add(o)
        sat = set()
        for a, o in eating.items():
            x = eaten[a] + speeds[a] * d
            if x > 1:
                c.bad("ps.eaten.over-one", at(ep, a), f"agent {a} would have eaten {x} > 1")
            elif x == 1:
                sat.add(a)
        # 4. the phase ends exactly at an event, and the event lists are right
        for key, given, actual in (("exhausted", exhausted, ex), ("satiated", satiated, sat)):
            if given != actual:
                c.bad(f"ps.phase.{key}", at(p, key), f"{key} at {end}: {show_set(actual)}, the "
                                                     f"witness says {show_set(given)}")
        if not ex and not sat:
            c.bad("ps.phase.no-event", p, f"nothing is exhausted or satiated at {end}")
        # 5. update; stopped eaters
        for o, r in rate.items():
            remaining[o] -= r * d
        for a, o in eating.items():
            amount = speeds[a] * d
            eaten[a] += amount
            integrated[a][o] = integrated[a].get(o, ZERO) + amount
        stop = {a for a in eating if eaten[a] < 1 and best(a) is None}
        if stopped != stop:
            c.bad("ps.phase.stopped", at(p, "stopped"), f"stopped at {end}: {show_set(stop)}, "
                                                        f"the witness says {show_set(stopped)}")
        t = end
    for a in agents:
        if eaten[a] < 1 and best(a) is not None:
            c.bad("ps.end.active", "witness.phases", f"agent {a} is still active at the end")
    for a in agents:
        for o in sorted(set(integrated[a]) | set(c.alloc[a])):
            got, want = integrated[a].get(o, ZERO), c.alloc[a].get(o, ZERO)
            if got != want:
                c.bad("ps.outcome.mismatch", at(at("outcome.allocation", a), o),
                      f"agent {a} eats {got} of {o} in the trace, the outcome says {want}")


def claim_sd_efficient(c: Checker, w: dict) -> None:
    """sd.efficient: the potential is monotone on every edge, strictly on strict edges."""
    inst = c.inst
    phi: dict = full_map(w, "potential", inst.oidx, "object")
    if not inst.fee:
        phi[OUT] = num(get(w, "outside", "witness"), "witness.outside")
    scale = lcm(*(v.denominator for v in phi.values()))   # compare integers, not Fractions
    P = {x: v.numerator * (scale // v.denominator) for x, v in phi.items()}

    def where(x: Any) -> str:
        return "witness.outside" if x is None else at("witness.potential", x)

    def edge(code: str, holder: str, b: Any, a: Any, rel: str) -> None:
        c.bad(code, where(a), f"{holder} holds {show(b)} and {rel} {show(a)}: needs "
              f"φ({show(a)}) {'>' if 'strict' in code else '>='} φ({show(b)}), got "
              f"{phi[a]} vs {phi[b]}")

    for a in inst.agents:
        row, ext = c.alloc[a], inst.ext[a]
        holds_out = not inst.fee and fsum(row.values()) < 1
        top = []   # per tier: the held object of largest potential
        for tier in ext:
            best = None
            for x in tier:
                if (holds_out if x is None else x in row) and (best is None or P[x] > P[best]):
                    best = x
            top.append(best)
        below: Any = None   # suffix maximum over the tiers after the current one
        for t in range(len(ext) - 1, -1, -1):
            for x in ext[t]:
                if top[t] is not None and P[x] < P[top[t]]:
                    edge("sd-efficient.potential.weak-edge", f"agent {a}", top[t], x,
                         "is indifferent to")
                if below is not None and P[x] <= P[below]:
                    edge("sd-efficient.potential.strict-edge", f"agent {a}", below, x,
                         "strictly prefers")
            if top[t] is not None and (below is None or P[top[t]] > P[below]):
                below = top[t]
    if not inst.fee:   # the null holder: holds ∅ and every leftover, indifferent to all
        held = [OUT] + [o for o in inst.objects if inst.supply[o] > c.colsum[o]]
        top_null = max(held, key=P.__getitem__)
        for y in [*inst.objects, OUT]:
            if P[y] < P[top_null]:
                edge("sd-efficient.potential.weak-edge", "the null holder", top_null, y,
                     "is indifferent to")


def claim_not_efficient(c: Checker, w: dict) -> None:
    """sd.not-efficient: a closed improving cycle, traded by ε, gives the dominating matrix."""
    inst, code = c.inst, "sd-not-efficient"
    trades = []
    for k, t in enumerate(get(w, "cycle", "witness", list)):
        p = at("witness.cycle", k)
        typed(t, dict, p)
        trades.append((*(label(get(t, key, p), known, at(p, key), kind, True) for key, known, kind
                         in (("agent", inst.aidx, "agent"), ("gives", inst.oidx, "object"),
                             ("gets", inst.oidx, "object"))), p))
    eps = num(get(w, "epsilon", "witness"), "witness.epsilon")
    raw = get(w, "dominating", "witness", dict)
    dp = "witness.dominating"
    if set(raw) == {"allocation"} and "allocation" not in inst.aidx:   # reading 4
        raw, dp = typed(raw["allocation"], dict, at(dp, "allocation")), at(dp, "allocation")
    dom = read_allocation(raw, inst, dp, negative_ok=True)

    if not trades:
        c.bad(f"{code}.cycle.empty", "witness.cycle", "no trade")
    strict = False
    for k, (ag, gives, gets, p) in enumerate(trades):
        nxt = trades[(k + 1) % len(trades)]
        if gets != nxt[1]:
            c.bad(f"{code}.cycle.open", at(p, "gets"), f"the next trade gives {show(nxt[1])}")
        if inst.fee and OUT in (ag, gives, gets):
            c.bad(f"{code}.cycle.outside", p, "no outside option, no null holder in FEE")
        elif ag is not None:
            r = {x: t for t, tier in enumerate(inst.ext[ag]) for x in tier}
            if r[gets] > r[gives]:
                c.bad(f"{code}.cycle.worse", p, f"{ag} prefers {show(gives)} to {show(gets)}")
            strict = strict or r[gets] < r[gives]
    if trades and not strict:
        c.bad(f"{code}.cycle.no-strict", "witness.cycle", "no agent strictly gains in a trade")
    if eps <= 0:
        c.bad(f"{code}.epsilon.positive", "witness.epsilon", f"epsilon {eps} <= 0")
    expected = {a: dict(row) for a, row in c.alloc.items()}
    for ag, gives, gets, _ in trades:
        if ag is not None:
            for o, s in ((gives, -eps), (gets, eps)):
                if o is not None:
                    expected[ag][o] = expected[ag].get(o, ZERO) + s
    for a in inst.agents:
        for o in sorted(set(expected[a]) | set(dom[a])):
            if expected[a].get(o, ZERO) != dom[a].get(o, ZERO):
                c.bad(f"{code}.dominating.mismatch", at(at(dp, a), o),
                      f"outcome traded along the cycle by {eps} gives {expected[a].get(o, 0)}, "
                      f"the witness says {dom[a].get(o, 0)}")
    c.feasible(dom, dp)
    better = False
    for a in inst.agents:
        md, mo = inst.ucs_masses(a, dom[a]), inst.ucs_masses(a, c.alloc[a])
        worse = [k for k, (x, y) in enumerate(zip(md, mo)) if x < y]
        for k in worse[:1]:
            c.bad(f"{code}.dominating.worse", at(dp, a), f"{md[k]} < {mo[k]} on {inst.ucs(a, k)}")
        better = better or (not worse and md != mo)
    if not better:
        c.bad(f"{code}.dominating.no-strict", dp, "no agent strictly sd-prefers her new row")


def _envy_witness(c: Checker, w: dict, kind: str) -> None:
    """envy / not-eene: the envied row has more mass on a UCS of the envious agent."""
    i, j = c.agent_arg(w, "envious"), c.agent_arg(w, "envied")
    ucs = c.ucs_arg(w, i, kind)
    mi, mj = c.inst.mass(c.alloc[i], ucs), c.inst.mass(c.alloc[j], ucs)
    for key, a, m in (("envious_mass", i, mi), ("envied_mass", j, mj)):
        c.given(w, key, f"{kind}.mass-mismatch", f"mass of agent {a}'s row on {show_set(ucs)}", m)
    if not mj > mi:
        c.bad(f"{kind}.no-envy", "witness", f"agent {j}'s mass {mj} on {show_set(ucs)} is not "
                                            f"larger than agent {i}'s {mi}")
    if kind == "not-eene" and c.inst.endow[i] != c.inst.endow[j]:
        c.bad("not-eene.endowments-differ", "witness.envied", f"{i}, {j}: unequal endowments")


def claim_not_ir(c: Checker, w: dict) -> None:
    i = c.agent_arg(w, "agent")
    ucs = c.ucs_arg(w, i, "not-ir")
    ma, me = c.inst.mass(c.alloc[i], ucs), c.inst.mass(c.inst.endow[i], ucs)
    c.given(w, "allocation_mass", "not-ir.mass-mismatch", f"mass of agent {i}'s row on "
            f"{show_set(ucs)}", ma)
    c.given(w, "endowment_mass", "not-ir.mass-mismatch", f"mass of agent {i}'s endowment on "
            f"{show_set(ucs)}", me)
    if not ma < me:
        c.bad("not-ir.not-worse", "witness", f"agent {i} gets {ma} >= her endowment's {me} on "
                                             f"{show_set(ucs)}")


def claim_not_ete(c: Checker, w: dict) -> None:
    pair = get(w, "agents", "witness", list)
    if len(pair) != 2:
        raise Malformed("witness.agents", "must list exactly two agents")
    i, j = (label(a, c.inst.aidx, at("witness.agents", k), "agent") for k, a in enumerate(pair))
    o = label(get(w, "object", "witness"), c.inst.oidx, "witness.object", "object", True)
    if c.inst.tiers[i] != c.inst.tiers[j]:   # the same tiers (as sets) in the same order
        c.bad("not-ete.preferences-differ", "witness.agents", f"{i}, {j}: unequal preferences")
    if c.inst.endow[i] != c.inst.endow[j]:
        c.bad("not-ete.endowments-differ", "witness.agents", f"{i}, {j}: unequal endowments")
    amount = {a: c.inst.mass(c.alloc[a], [o]) for a in (i, j)}
    if amount[i] == amount[j]:
        c.bad("not-ete.equal-amounts", "witness.object", f"agents {i} and {j} both get "
                                                         f"{amount[i]} of {show(o)}")


def _bound(inst: Instance, i: str, j: str) -> Fraction:
    """Σ_{o: ω_jo > ω_io} (ω_jo − ω_io): j's advantage in endowments over i."""
    ei, ej = inst.endow[i], inst.endow[j]
    return fsum(v - ei.get(o, ZERO) for o, v in ej.items() if v > ei.get(o, ZERO))


def claim_not_bounded_envy(c: Checker, w: dict) -> None:
    i, j = c.agent_arg(w, "envious"), c.agent_arg(w, "envied")
    ucs = c.ucs_arg(w, i, "not-bounded-envy")
    envy = c.inst.mass(c.alloc[j], ucs) - c.inst.mass(c.alloc[i], ucs)
    bound = _bound(c.inst, i, j)
    c.given(w, "envy", "not-bounded-envy.envy-mismatch", f"envy of {i} towards {j} on "
            f"{show_set(ucs)}", envy)
    c.given(w, "bound", "not-bounded-envy.bound-mismatch", f"endowment advantage of {j} over "
            f"{i}", bound)
    if not envy > bound:
        c.bad("not-bounded-envy.within-bound", "witness", f"envy {envy} <= bound {bound}")


def _sd_check(c: Checker, code: str, others: Callable) -> None:
    """p_i ≿_i^sd q for every agent i and every (name, q) in others(i); first failing UCS."""
    for i in c.inst.agents:
        mine = c.inst.ucs_masses(i, c.alloc[i])
        for who, row in others(i):
            for k, (x, y) in enumerate(zip(mine, c.inst.ucs_masses(i, row))):
                if y > x:
                    c.bad(code, at("outcome.allocation", i), f"on {c.inst.ucs(i, k)} agent {i} "
                          f"gets {x}, {who} gets {y}")
                    break


def claim_envy_free(c: Checker, w: dict) -> None:
    _sd_check(c, "envy-free.sd-envy",
              lambda i: [(f"agent {j}", c.alloc[j]) for j in c.inst.agents if j != i])


def claim_eene(c: Checker, w: dict) -> None:
    e = c.inst.endow
    _sd_check(c, "eene.sd-envy", lambda i: [(f"equally endowed agent {j}", c.alloc[j])
                                            for j in c.inst.agents if j != i and e[j] == e[i]])


def claim_ir(c: Checker, w: dict) -> None:
    _sd_check(c, "ir.worse", lambda i: [("her endowment", c.inst.endow[i])])


def claim_ete(c: Checker, w: dict) -> None:
    first: dict = {}
    for a in c.inst.agents:
        key = (tuple(c.inst.tiers[a]), frozenset(c.inst.endow[a].items()))
        i = first.setdefault(key, a)
        if c.alloc[a] != c.alloc[i]:
            o = min(o for o in set(c.alloc[a]) | set(c.alloc[i])
                    if c.alloc[a].get(o) != c.alloc[i].get(o))
            c.bad("ete.unequal-rows", at(at("outcome.allocation", a), o),
                  f"agents {i} and {a} have equal preferences and endowments but get "
                  f"{c.alloc[i].get(o, 0)} and {c.alloc[a].get(o, 0)} of {o}")


def claim_bounded_envy(c: Checker, w: dict) -> None:
    for i in c.inst.agents:
        mine = c.inst.ucs_masses(i, c.alloc[i])
        for j in c.inst.agents:
            if j == i:
                continue
            diffs = [y - x for x, y in zip(mine, c.inst.ucs_masses(i, c.alloc[j]))]
            k = max(range(len(diffs)), key=diffs.__getitem__)
            bound = _bound(c.inst, i, j)
            if diffs[k] > bound:
                c.bad("bounded-envy.exceeded", at("outcome.allocation", i),
                      f"envy of agent {i} towards {j} on {c.inst.ucs(i, k)} is {diffs[k]} > "
                      f"bound {bound}")


CLAIMS: dict = {
    "assignment.feasible": lambda c, w: None,   # feasibility is checked for every claim
    "ps.outcome": claim_ps, "sd.efficient": claim_sd_efficient,
    "sd.not-efficient": claim_not_efficient, "envy-free": claim_envy_free,
    "envy": lambda c, w: _envy_witness(c, w, "envy"), "ir": claim_ir, "not-ir": claim_not_ir,
    "ete": claim_ete, "not-ete": claim_not_ete, "eene": claim_eene,
    "not-eene": lambda c, w: _envy_witness(c, w, "not-eene"),
    "bounded-envy": claim_bounded_envy, "not-bounded-envy": claim_not_bounded_envy,
}

PLUGINS = ("check_strategy", "check_cardinal", "check_house", "check_btm", "check_all",
           "check_fair", "check_sp", "check_hz", "check_serial")


def _load_plugins() -> None:
    """Merge sibling files' CLAIMS (by path, not in sys.modules: script, -I, -m alike)."""
    import importlib.util
    import os
    here = os.path.dirname(os.path.abspath(__file__))
    for name in PLUGINS:
        path = os.path.join(here, name + ".py")
        if os.path.exists(path):
            spec = importlib.util.spec_from_file_location(f"_check_plugin_{name}", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            CLAIMS.update(module.CLAIMS)


_load_plugins()


# ----------------------------------------------------------------------------- entry points
def check_certificate(doc: Any) -> Report:
    """Check one certificate (a parsed JSON document) and report every violation."""
    claim = None
    try:
        typed(doc, dict, "")
        if get(doc, "format", "", str) != "exactassign.certificate":
            raise Malformed("format", f"expected 'exactassign.certificate', got {doc['format']!r}")
        version = get(doc, "version", "")
        if type(version) is not int or version != 1:
            raise Malformed("version", f"unsupported version {version!r:.60} (this checker reads "
                                       f"1)", "unsupported.version")
        claim = get(doc, "claim", "", str)
        if claim not in CLAIMS:
            raise Malformed("claim", f"unsupported claim {claim!r} (supported: "
                                     f"{', '.join(CLAIMS)})", "unsupported.claim")
        typed(doc.get("producer", {}), dict, "producer")
        inst = Instance(get(doc, "instance", "", dict))
        raw = get(get(doc, "outcome", "", dict), "allocation", "outcome", dict)
        own = getattr(CLAIMS[claim], "reads_outcome", False)  # e.g. algebraic amounts (check_hz)
        alloc = read_allocation({} if own else raw, inst, "outcome.allocation")
        witness = get(doc, "witness", "", dict)
        checker = Checker(inst, alloc)
        checker.doc = doc                    # plugins whose claims need the whole document
        checker.feasible(alloc, "outcome.allocation")
        CLAIMS[claim](checker, witness)
    except Malformed as exc:
        return Report("malformed", [Violation(exc.code, exc.path, exc.message)], claim)
    except ValueError as exc:      # a number beyond Python's int-to-str limit, in a message
        if "integer string conversion" not in str(exc):
            raise
        return Report("malformed", [Violation("malformed.number-too-long", "", str(exc))], claim)
    return Report("invalid" if checker.violations else "valid", checker.violations, claim)


def check_file(path: str) -> Report:
    """Read (exactly) and check one certificate file."""
    try:
        with open(path, "rb") as fh:
            text = fh.read().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return Report("malformed", [Violation("malformed.file", "", f"cannot read: {exc}")])
    try:
        doc = loads(text)
    except (ValueError, RecursionError) as exc:
        return Report("malformed", [Violation("malformed.json", "", f"not exact JSON: {exc}")])
    return check_certificate(doc)


def main(argv: list | None = None, results: list | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="check.py", description="Independent standard-library checker for exactassign "
        "certificates. Exit 0 valid, 1 invalid, 2 malformed or unsupported.")
    ap.add_argument("certificates", nargs="+", metavar="CERT")
    ap.add_argument("--format", choices=("text", "json"), default="text")
    args = ap.parse_args(argv)
    results, status = ([] if results is None else results), 0  # the caller may keep them
    for path in args.certificates:
        report = check_file(path)
        status = max(status, report.exit_code)
        results.append({"file": path, "claim": report.claim, "verdict": report.verdict,
                        "violations": [v.as_dict() for v in report.violations]})
    if args.format == "json":
        print(json.dumps({"results": results}, indent=2, ensure_ascii=False))
    else:
        for r in results:
            n, claim = len(r["violations"]), f" {r['claim']}" if r["claim"] else ""
            extra = f" ({n} violation{'s' * (n != 1)})" if r["verdict"] == "invalid" else ""
            print(f"{r['file']}: {r['verdict']}{claim}{extra}")
            for v in r["violations"]:
                print(f"  {v['code']} at {v['path'] or '(document)'}: {v['message']}")
    return status


if __name__ == "__main__":
    sys.exit(main())
