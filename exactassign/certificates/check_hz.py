#!/usr/bin/env python3
"""Standard-library verifier for pseudomarket outcomes: ``hz.outcome`` and ``sp.outcome``.

A plugin of ``check.py`` (listed in its ``PLUGINS``): standard library only, exact ``Fraction``
arithmetic, no import of the ``exactassign`` package, no search.  Hylland–Zeckhauser equilibria
can be irrational, so the numbers of a turn may live in a real number field Q(α); this file
decides everything about them with exact Sturm sequences over the rationals.

Model (``shared/spec/pseudomarkets.md`` §1, §5): ``instance.valuations`` give v_xj >= 0 for every
agent and object.  At prices P >= 0 and budget b_x > 0 the demand of x is the set of cheapest
maximisers of v_x·q over {q ∈ Δ : P·q <= b_x}.  A turn is an HZ equilibrium of its group on its
supply s (objects with s_j > 0): every q_x is in the demand of x, Σ_x q_xj <= s_j, and P_j > 0
implies Σ_x q_xj = s_j.

Witness (``FORMAT.md``, "hz.outcome and sp.outcome")::

    {"turns": [{"group": [agents], "supply": {object: s}, "budgets": {agent: b},
                "field": {"poly": [integer c0, c1, ...], "interval": [lo, hi]},   (optional)
                "prices": {object: NUM}, "amounts": {agent: {object: NUM}},
                "alpha": {agent: NUM}, "beta": {agent: NUM}, "satiated": [agents]}],
     "equal_budgets": true}                                                  (optional)

The claim is: each turn is an HZ equilibrium *for the budgets written in the witness* (any
b_x > 0; free budgets make every ex-ante PO allocation an hz.outcome, pseudomarkets.md §1).
With ``"equal_budgets": true`` it is, in addition, for one common budget (every budget of every
turn equal; the hz/sp mechanisms' default, which the producer states) [hz.budget.not-equal].

NUM is an exact rational or ``{"field_element": [c0, c1, ...]}`` = Σ c_k α^k (rational c_k),
where α is the unique root of the turn's ``field`` polynomial f in [lo, hi].  ``outcome.allocation``
is the mechanism's allocation as ``run --format json`` writes it: rationals, or formats.md's
``{"algebraic": {"poly": [...], "interval": [lo, hi]}, "approx": ...}``; this plugin reads it
itself (check.py leaves outcomes of claims marked ``reads_outcome`` to their plugin), from
``checker.doc``: nested without the whole document (check_strategy) the claim is malformed.

Checks (codes in brackets):

* field: lo < hi, f(lo) ≠ 0 ≠ f(hi), f square-free (gcd(f, f') constant) and exactly one root
  of f in (lo, hi] by Sturm's theorem [hz.field.*]; f need not be irreducible (everything is
  about the real number α: g(α) = 0 is zero even when f does not divide g).  The sign of g(α)
  is then decided exactly: the interval is bisected (keeping the sign change of f) until
  |g(lo)| > L·(hi − lo), L a bound of |g'| on the interval (then g(α) has the sign of g(lo)),
  and g(α) = 0 iff gcd(f, g) has a root in the interval (its roots are roots of f, and α is the
  only one there).
* limits: polynomials of degree <= MAX_DEGREE, field elements of at most MAX_DEGREE + 1
  coefficients, their coefficients and interval ends of at most MAX_BITS bits (numerator and
  denominator), expressions whose sign is decided (as coprime integers) of at most
  SIGN_BITS / deg f bits, at most MAX_BISECTIONS bisections per sign; beyond them the
  certificate is malformed [hz.limit] (worst cases measured at a few seconds per sign).
* partition and supply: groups are disjoint and cover every agent (``hz.outcome``: one turn,
  everyone); turn 1's supply is the instance's; turn t+1 lists exactly the objects with
  s_j − Σ_x q_xj > 0 after turn t, with that value [sp.*].
* budgets b_x > 0 [hz.budget.not-positive].
* rows: q_xj >= 0 and Σ_j q_xj = 1, only for objects of the turn [hz.amount.*, hz.row-sum];
  prices >= 0 [hz.price.negative]; clearing: Σ_x q_xj <= s_j, = where P_j > 0 [hz.market.*].
* non-satiated x: α_x > 0, P_j = α_x v_xj + β_x where q_xj > 0, P_j >= α_x v_xj + β_x elsewhere,
  P·q_x = b_x [hz.alpha.*, hz.price.*, hz.budget.not-spent].  Sufficient for demand (§1): if
  v·q > v·q_x then P·q >= α v·q + β > α v·q_x + β = P·q_x = b_x, and a maximiser q with
  v·q = v·q_x costs at least P·q_x.
* satiated x (listed in ``satiated``, no α/β): supp q_x ⊆ M_x = argmax over the turn's objects,
  P constant on supp q_x and equal to min_{j ∈ M_x} P_j, and P·q_x <= b_x [hz.satiated.*,
  hz.budget.exceeded]: q_x attains the top utility, is affordable and as cheap as any maximiser.
* outcome: each agent's row equals her turn's amounts; a rational entry must equal the field
  element, an algebraic one must have exactly one root of its polynomial g in its interval and
  g(h(α)) = 0 with lo < h(α) < hi [hz.outcome.*].
"""
from __future__ import annotations

import sys
from fractions import Fraction
from math import gcd

ZERO, ONE = Fraction(0), Fraction(1)
# Size limits (a certificate beyond them is malformed with code ``hz.limit``, never a hang):
# remainder sequences grow steeply with degree and bits, and a sign needs up to
# log2(width / distance of α to the roots of g) bisections.  The producer's fields (n·m <= 20,
# m <= 4) have degree <= 8 and coefficients of a few dozen digits.
MAX_DEGREE = 16         # of a field polynomial, an outcome polynomial, a field element
MAX_BITS = 256          # integer coefficients, numerators and denominators read from the input
SIGN_BITS = 1 << 17     # / deg f: integer coefficients of an expression whose sign is decided
MAX_BISECTIONS = 2000


class Limit(Exception):
    """The certificate exceeds a size limit above (reported as malformed ``hz.limit``)."""


def _bits(x: Fraction) -> int:
    return max(x.numerator.bit_length(), x.denominator.bit_length())


# ----------------------------------------------------------------------------- polynomials
def _trim(p: list) -> list:
    """Coefficients lowest first, no trailing zeros ([] is the zero polynomial)."""
    p = list(p)
    while p and p[-1] == 0:
        p.pop()
    return p


def _add(p: list, q: list) -> list:
    n = max(len(p), len(q))
    return _trim([(p[k] if k < len(p) else ZERO) + (q[k] if k < len(q) else ZERO)
                  for k in range(n)])


def _scale(p: list, c: Fraction) -> list:
    return _trim([c * x for x in p])


def _sub(p: list, q: list) -> list:
    return _add(p, _scale(q, -ONE))


def _mul(p: list, q: list) -> list:
    if not p or not q:
        return []
    out = [ZERO] * (len(p) + len(q) - 1)
    for i, a in enumerate(p):
        if a:
            for j, b in enumerate(q):
                out[i + j] += a * b
    return _trim(out)


def _rem(p: list, d: list) -> list:
    """Remainder of p divided by d (d ≠ 0)."""
    p = list(p)
    while len(p) >= len(d) and p:
        c, k = p[-1] / d[-1], len(p) - len(d)
        for i, b in enumerate(d):
            p[k + i] -= c * b
        p = _trim(p[:-1] + [ZERO])
    return p


def _integral(p: list) -> list:
    """p (nonzero) scaled to coprime integer coefficients: the same roots."""
    den = 1
    for c in p:
        den = den * c.denominator // gcd(den, c.denominator)
    q = [int(c * den) for c in p]
    g = 0
    for c in q:
        g = gcd(g, c)
    return [c // g for c in q]


def _gcd(a: list, b: list) -> list:
    """Monic gcd of a ≠ 0 and b: a primitive pseudo-remainder sequence over the integers (Euclid
    over Fraction is far slower on large coefficients)."""
    a, b = _integral(a), (_integral(b) if b else [])
    while b:
        r = list(a)
        while len(r) >= len(b):
            c, k = r[-1], len(r) - len(b)
            r = [x * b[-1] for x in r]
            for i, y in enumerate(b):
                r[k + i] -= c * y
            while r and r[-1] == 0:
                r.pop()
        a, b = b, (_integral(r) if r else [])
    return [Fraction(x, a[-1]) for x in a]


def _eval(p: list, x: Fraction) -> Fraction:
    r = ZERO
    for c in reversed(p):
        r = r * x + c
    return r


def _sgn(x: Fraction) -> int:
    return (x > 0) - (x < 0)


def _roots(p: list, lo: Fraction, hi: Fraction) -> int:
    """Number of distinct real roots of p in (lo, hi] (Sturm; p(lo), p(hi) ≠ 0)."""
    seq = [p, _trim([k * p[k] for k in range(1, len(p))])]
    while seq[-1]:
        seq.append(_scale(_rem(seq[-2], seq[-1]), -ONE))

    def changes(x: Fraction) -> int:
        signs = [s for s in (_sgn(_eval(q, x)) for q in seq[:-1]) if s]
        return sum(a != b for a, b in zip(signs, signs[1:]))
    return changes(lo) - changes(hi)


# ----------------------------------------------------------------------------- the field
class Field:
    """Q(α), α the unique root of f in [lo, hi]; ``f=None`` is Q itself (rational turns)."""

    def __init__(self, f: list | None = None, lo: Fraction = ZERO, hi: Fraction = ZERO):
        self.f, self.lo, self.hi = f, lo, hi

    def defect(self) -> str | None:
        """Why (f, lo, hi) does not define a real algebraic number (None: it does)."""
        f, lo, hi = self.f, self.lo, self.hi
        if len(f) < 2:
            return "the polynomial is constant"
        if not lo < hi:
            return f"the interval [{lo}, {hi}] is empty or a point"
        if _eval(f, lo) == 0 or _eval(f, hi) == 0:
            return f"an end of [{lo}, {hi}] is a root of the polynomial"
        if len(_gcd(f, _trim([k * f[k] for k in range(1, len(f))]))) > 1:
            return "the polynomial is not square-free"
        k = _roots(f, lo, hi)
        return None if k == 1 else f"[{lo}, {hi}] holds {k} roots of the polynomial, not one"

    def reduce(self, p: list) -> list:
        return p if self.f is None or len(p) < len(self.f) else _rem(p, self.f)

    def sign(self, g: list) -> int:
        """The exact sign of g(α).

        >>> Field([Fraction(-2), ZERO, ONE], ONE, Fraction(2)).sign([Fraction(-7, 5), ONE])
        1
        """
        g = self.reduce(_trim(g))
        if len(g) <= 1:
            return _sgn(g[0]) if g else 0
        g = _integral(g)                # a positive multiple of g: the same sign
        bits = SIGN_BITS // (len(self.f) - 1)
        if any(abs(c).bit_length() > bits for c in g):
            raise Limit(f"an expression has an integer coefficient of more than {bits} bits "
                        f"(SIGN_BITS / degree of the field)")
        # L bounds |g'| on [lo, hi], so |g(α) − g(x)| <= L·(hi − lo) for x in [lo, hi] (mean
        # value theorem): once |g(lo)| exceeds that, g(α) ≠ 0 has the sign of g(lo).  Bisection
        # (keeping the sign change of f) shrinks hi − lo to 0 while g(lo) → g(α), so this ends
        # unless g(α) = 0, which is decided exactly after a few steps: g(α) = 0 iff gcd(f, g)
        # has a root in the interval (its roots are roots of f, and α is the only one there).
        f = self.f
        lo, hi, s_lo = self.lo, self.hi, _sgn(_eval(f, self.lo))
        r = max(abs(lo), abs(hi))
        lip = sum((k * abs(c) * r ** (k - 1) for k, c in enumerate(g) if k), ZERO)
        for step in range(MAX_BISECTIONS):
            y = _eval(g, lo)
            if abs(y) > lip * (hi - lo):
                self.lo, self.hi = lo, hi      # a narrower isolating interval of α
                return _sgn(y)
            if step == min(32, MAX_BISECTIONS - 1):
                d = _gcd(f, g)
                if len(d) > 1 and _roots(d, lo, hi) == 1:
                    return 0
            mid = (lo + hi) / 2
            s_mid = _sgn(_eval(f, mid))
            if s_mid == 0:
                return _sgn(_eval(g, mid))
            lo, hi = (mid, hi) if s_mid == s_lo else (lo, mid)
        raise Limit(f"deciding a sign needs more than {MAX_BISECTIONS} bisections of the "
                    f"isolating interval")


# ----------------------------------------------------------------------------- reading
def _host(checker):
    return sys.modules[type(checker).__module__]


class _Turn:
    """One turn's reader: field, numbers, and the violation sink."""

    def __init__(self, c, host, turn: dict, path: str):
        self.c, self.h, self.turn, self.path = c, host, turn, path
        self.budgets: dict = {}
        self.field = Field()
        spec = turn.get("field")
        if spec is not None:
            p = host.at(path, "field")
            host.typed(spec, dict, p)
            raw = host.typed(host.get(spec, "poly", p), list, host.at(p, "poly"))
            f = []
            for k, x in enumerate(raw):
                v = host.num(x, host.at(host.at(p, "poly"), k))
                if v.denominator != 1:
                    raise host.Malformed(host.at(host.at(p, "poly"), k),
                                         f"coefficient {v} is not an integer")
                f.append(v)
            iv = host.typed(host.get(spec, "interval", p), list, host.at(p, "interval"))
            if len(iv) != 2:
                raise host.Malformed(host.at(p, "interval"), "expected [lo, hi]")
            lo, hi = (host.num(x, host.at(host.at(p, "interval"), k)) for k, x in enumerate(iv))
            self.field = Field(_trim(f), lo, hi)
            _limit(host, self.field.f, [lo, hi], p)

    def number(self, x, path: str) -> list:
        """A NUM of the witness as a polynomial in α."""
        h = self.h
        if isinstance(x, dict):
            if set(x) != {"field_element"}:
                raise h.Malformed(path, "expected a rational or {\"field_element\": [...]}")
            if self.field.f is None:
                raise h.Malformed(path, "a field element needs the turn's 'field'")
            ep = h.at(path, "field_element")
            cs = h.typed(x["field_element"], list, ep)
            if len(cs) > MAX_DEGREE + 1:
                raise h.Malformed(ep, f"more than {MAX_DEGREE + 1} coefficients (limit)",
                                  "hz.limit")
            g = [h.num(v, h.at(ep, k)) for k, v in enumerate(cs)]
            _limit(h, [], g, ep)
            return self.field.reduce(_trim(g))
        return _trim([h.num(x, path)])

    def bad(self, code: str, path: str, message: str) -> None:
        self.c.bad(code, path, message)


def _document(c, host) -> dict:
    """The whole certificate (``checker.doc``).  A checker created for a nested claim (e.g.
    check_strategy's ``first_outcome``, or a conjunction nested there) has none: refuse rather
    than read another allocation's document."""
    doc = getattr(c, "doc", None)
    if not isinstance(doc, dict):
        raise host.Malformed("witness", "hz.outcome / sp.outcome need the whole certificate "
                                        "(checker.doc); they cannot be nested here")
    return doc


def _limit(host, poly: list, numbers: list, path: str) -> None:
    """Malformed ``hz.limit`` when a polynomial or number exceeds MAX_DEGREE / MAX_BITS."""
    if len(poly) > MAX_DEGREE + 1:
        raise host.Malformed(path, f"a polynomial of degree {len(poly) - 1} > {MAX_DEGREE} "
                                   f"(limit)", "hz.limit")
    if any(_bits(x) > MAX_BITS for x in [*poly, *numbers]):
        raise host.Malformed(path, f"a number of more than {MAX_BITS} bits (limit)", "hz.limit")


def _valuations(c, host) -> dict:
    inst, doc = c.inst, _document(c, host)["instance"]
    p = "instance.valuations"
    raw = host.every(host.get(doc, "valuations", "instance", dict), inst.aidx, p,
                     "valuations of agent")
    out = {}
    for a in inst.agents:
        row = host.every(host.typed(raw[a], dict, host.at(p, a)), inst.oidx, host.at(p, a),
                         "valuation of object")
        out[a] = {o: host.num(row[o], host.at(host.at(p, a), o)) for o in inst.objects}
        for o, x in out[a].items():
            if x < 0:
                raise host.Malformed(host.at(host.at(p, a), o), f"negative valuation {x}")
    return out


def _outcome_equal(t: _Turn, x, h: list, path: str) -> bool | None:
    """Is the outcome entry x (rational or formats.md algebraic) equal to h(α)?  None: the
    entry's own interval does not isolate a root of its polynomial."""
    host, F = t.h, t.field
    if not isinstance(x, dict):
        return F.sign(_sub(h, _trim([host.num(x, path)]))) == 0
    body = host.get(x, "algebraic", path, dict)
    ap = host.at(path, "algebraic")
    g = [host.num(v, host.at(host.at(ap, "poly"), k))
         for k, v in enumerate(host.get(body, "poly", ap, list))]
    iv = host.get(body, "interval", ap, list)
    if len(iv) != 2 or any(v.denominator != 1 for v in g):
        raise host.Malformed(ap, "expected integer 'poly' coefficients and 'interval' [lo, hi]")
    lo, hi = (host.num(v, host.at(host.at(ap, "interval"), k)) for k, v in enumerate(iv))
    g = _trim(g)
    _limit(host, g, [lo, hi], ap)
    if len(g) < 2 or not lo < hi or not _eval(g, lo) or not _eval(g, hi) or \
            _roots(g, lo, hi) != 1:
        return None
    comp: list = []
    for cf in reversed(g):                      # g(h(α)), reduced modulo f
        comp = F.reduce(_add(_mul(comp, h), [cf]))
    return F.sign(comp) == 0 and F.sign(_sub(h, [lo])) > 0 and F.sign(_sub([hi], h)) > 0


# ----------------------------------------------------------------------------- the claims
def _check_turn(t: _Turn, vals: dict, group: list, supply: dict, outcome: dict) -> dict | None:
    """Check one HZ turn; returns the remaining supply as field elements (None: unusable)."""
    host, F, turn, path = t.h, t.field, t.turn, t.path
    if F.f is not None:
        why = F.defect()
        if why is not None:
            t.bad("hz.field.not-isolating" if "roots" in why else "hz.field.invalid",
                  host.at(path, "field"), why)
            return None
    live = list(supply)
    at = host.at
    pp = at(path, "prices")
    raw = host.every(host.get(turn, "prices", path, dict), {o: 0 for o in live}, pp,
                     "price of object")
    P = {o: t.number(raw[o], at(pp, o)) for o in live}
    budgets = host.every(host.get(turn, "budgets", path, dict), {a: 0 for a in group},
                         at(path, "budgets"), "budget of agent")
    b = t.budgets = {a: host.num(budgets[a], at(at(path, "budgets"), a)) for a in group}
    for a in group:
        if b[a] <= 0:
            t.bad("hz.budget.not-positive", at(at(path, "budgets"), a), f"budget {b[a]} <= 0")
    ap = at(path, "amounts")
    amounts = host.get(turn, "amounts", path, dict)
    q = {a: {} for a in group}
    for a, row in amounts.items():
        host.label(a, {x: 0 for x in group}, at(ap, a), "agent of the group")
        for o, x in host.typed(row, dict, at(ap, a)).items():
            host.label(o, supply, at(at(ap, a), o), "object of the turn")
            q[a][o] = t.number(x, at(at(ap, a), o))
    sat = host.typed(host.get(turn, "satiated", path, list), list, at(path, "satiated"))
    satiated = {host.label(a, {x: 0 for x in group}, at(at(path, "satiated"), k), "agent")
                for k, a in enumerate(sat)}
    alpha = host.get(turn, "alpha", path, dict)
    beta = host.get(turn, "beta", path, dict)
    for name, d in (("alpha", alpha), ("beta", beta)):
        want = {a: 0 for a in group if a not in satiated}
        host.every(d, want, at(path, name), f"{name} of non-satiated agent")
    zero = []
    for o in live:
        if F.sign(P[o]) < 0:
            t.bad("hz.price.negative", at(pp, o), f"price of {o} is negative")
    cols = {o: [] for o in live}
    for a in group:
        row = q[a]
        for o in live:
            x = row.get(o, zero)
            if F.sign(x) < 0:
                t.bad("hz.amount.negative", at(at(ap, a), o), f"agent {a} gets a negative amount")
            cols[o] = _add(cols[o], x)
        total = F.reduce(sum_poly(row.values()))
        if F.sign(_sub(total, [ONE])) != 0:
            t.bad("hz.row-sum", at(ap, a), f"the row of agent {a} does not sum to 1")
        spend = F.reduce(sum_poly(F.reduce(_mul(P[o], x)) for o, x in row.items()))
        v = vals[a]
        if a in satiated:
            top = max((v[o] for o in live), default=None)   # None: nothing to buy (row-sum)
            M = [o for o in live if v[o] == top]
            supp = [o for o, x in row.items() if F.sign(x) > 0]
            if any(o not in M for o in supp):
                t.bad("hz.satiated.not-top", at(ap, a), f"agent {a} is listed as satiated but "
                      f"buys an object she does not value most")
            cheapest = M[0] if M else None
            for o in M[1:]:
                if F.sign(_sub(P[o], P[cheapest])) < 0:
                    cheapest = o
            for o in supp if M else ():
                if F.sign(_sub(P[o], P[cheapest])) != 0:
                    t.bad("hz.satiated.not-cheapest", at(at(ap, a), o), f"agent {a} buys {o}, "
                          f"dearer than {cheapest} which she values as much")
            if F.sign(_sub(spend, [b[a]])) > 0:
                t.bad("hz.budget.exceeded", at(at(path, "budgets"), a),
                      f"agent {a} spends more than her budget {b[a]}")
            continue
        al = t.number(alpha[a], at(at(path, "alpha"), a))
        be = t.number(beta[a], at(at(path, "beta"), a))
        if F.sign(al) <= 0:
            t.bad("hz.alpha.not-positive", at(at(path, "alpha"), a), f"alpha of {a} is not > 0")
        if F.sign(_sub(spend, [b[a]])) != 0:
            t.bad("hz.budget.not-spent", at(at(path, "budgets"), a),
                  f"agent {a} does not spend exactly her budget {b[a]}")
        for o in live:
            gap = F.sign(_sub(_sub(P[o], _scale(al, v[o])), be))
            held = F.sign(row.get(o, zero)) > 0
            if held and gap != 0:
                t.bad("hz.price.not-affine", at(pp, o), f"agent {a} buys {o} but its price is "
                      f"not alpha*v + beta")
            elif gap < 0:
                t.bad("hz.price.below-line", at(pp, o), f"price of {o} is below alpha*v + beta "
                      f"of agent {a}")
    rest = {}
    for o in live:
        slack = _sub([supply[o]], cols[o])
        s = F.sign(slack)
        if s < 0:
            t.bad("hz.market.over-supply", at(pp, o), f"object {o} is assigned beyond its supply")
        elif s > 0 and F.sign(P[o]) > 0:
            t.bad("hz.market.priced-slack", at(pp, o), f"object {o} has a positive price but "
                  f"is not exhausted")
        rest[o] = slack
    for a in group:   # the outcome rows are this turn's amounts
        op = at("outcome.allocation", a)
        row = host.typed(outcome.get(a, {}), dict, op)
        for o in row:
            host.label(o, t.c.inst.oidx, at(op, o), "object")
        for o in t.c.inst.objects:
            x, h = row.get(o), q[a].get(o, zero)
            if x is None:
                if F.sign(h) != 0:
                    t.bad("hz.outcome.mismatch", at(op, o), f"agent {a} gets {o} in turn "
                          f"{path}, not in the outcome")
                continue
            if o not in supply:
                t.bad("hz.outcome.mismatch", at(op, o), f"{o} is not sold in agent {a}'s turn")
                continue
            same = _outcome_equal(t, x, h, at(op, o))
            if same is None:
                t.bad("hz.outcome.not-isolating", at(op, o), "the interval does not isolate "
                      "one root of the polynomial")
            elif not same:
                t.bad("hz.outcome.mismatch", at(op, o), f"the outcome's amount of {o} for {a} "
                      f"differs from the turn's")
    return rest


def sum_poly(ps) -> list:
    out: list = []
    for p in ps:
        out = _add(out, p)
    return out


def _pseudomarket(c, w: dict, single: bool) -> None:
    host = _host(c)
    inst = c.inst
    vals = _valuations(c, host)
    outcome = host.typed(host.get(_document(c, host)["outcome"], "allocation", "outcome"), dict,
                         "outcome.allocation")
    for a in outcome:
        host.label(a, inst.aidx, host.at("outcome.allocation", a), "agent")
    turns = host.typed(host.get(w, "turns", "witness"), list, "witness.turns")
    if not turns or (single and len(turns) != 1):
        raise host.Malformed("witness.turns", "hz.outcome has exactly one turn" if single
                             else "expected at least one turn")
    equal = w.get("equal_budgets", False)
    if type(equal) is not bool:
        raise host.Malformed("witness.equal_budgets", f"expected true or false, got {equal!r:.60}")
    budgets: dict = {}                                       # path -> budget, every turn
    seen: set = set()
    remaining = {o: inst.supply[o] for o in inst.objects}   # rational, > 0
    prev = Field()                                           # the field of `remaining`
    for k, turn in enumerate(turns):
        path = host.at("witness.turns", k)
        host.typed(turn, dict, path)
        gp = host.at(path, "group")
        group = [host.label(a, inst.aidx, host.at(gp, i), "agent")
                 for i, a in enumerate(host.typed(host.get(turn, "group", path), list, gp))]
        if len(set(group)) != len(group) or seen & set(group):
            raise host.Malformed(gp, "an agent appears twice in the partition")
        seen |= set(group)
        sp = host.at(path, "supply")
        given = host.typed(host.get(turn, "supply", path), dict, sp)
        for o in given:
            host.label(o, inst.oidx, host.at(sp, o), "object")
        supply = {o: host.num(given[o], host.at(sp, o)) for o in inst.objects if o in given}
        try:
            for o in inst.objects:
                r = remaining.get(o, ZERO)
                if isinstance(r, list):     # the previous turn's field decides the comparison
                    same = prev.sign(_sub(r, [supply.get(o, ZERO)])) == 0
                else:
                    same = r == supply.get(o, ZERO)
                if not same or (o in supply and supply[o] <= 0):
                    c.bad("sp.supply.mismatch", host.at(sp, o), f"turn {k + 1} must face the "
                          f"remaining positive supply of {o}")
            t = _Turn(c, host, turn, path)
            rest = _check_turn(t, vals, group, supply, outcome)
        except Limit as exc:
            raise host.Malformed(path, f"{exc} (limit)", "hz.limit") from None
        if rest is None:
            return
        budgets.update((host.at(host.at(path, "budgets"), a), x) for a, x in t.budgets.items())
        prev, remaining = t.field, rest
    missing = [a for a in inst.agents if a not in seen]
    if missing:
        c.bad("sp.partition.missing", "witness.turns", f"agent {missing[0]} trades in no turn")
    if equal and len(set(budgets.values())) > 1:
        where, x = next(iter(budgets.items()))
        odd = next(p for p, y in budgets.items() if y != x)
        c.bad("hz.budget.not-equal", odd, f"equal_budgets is claimed but this budget is "
              f"{budgets[odd]}, not {x} (as at {where})")


def claim_hz_outcome(c, w: dict) -> None:
    _pseudomarket(c, w, single=True)


def claim_sp_outcome(c, w: dict) -> None:
    _pseudomarket(c, w, single=False)


claim_hz_outcome.reads_outcome = claim_sp_outcome.reads_outcome = True
CLAIMS = {"hz.outcome": claim_hz_outcome, "sp.outcome": claim_sp_outcome}
