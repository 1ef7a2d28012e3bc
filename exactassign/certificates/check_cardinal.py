#!/usr/bin/env python3
"""Standard-library verifier for the cardinal certificate claims (pseudomarkets, ex-ante
efficiency, weak core) and for exact LP certificates.

Part of the trusted base, like ``check.py`` (into which it is meant to be wired): it imports only
the standard library (``json``, ``fractions``), uses exact ``Fraction`` arithmetic, never imports
the ``exactassign`` package and never searches — no LP, no enumeration of coalitions or bundles:
it only evaluates the conditions below on the data of the certificate.  Every violation is a
triple ``(code, path, message)`` with a code named after the clause it breaks and a JSON path into
the certificate (e.g. ``witness.rounds[1].prices.a``); a code starting with ``malformed.`` means the
certificate could not be read (the first such problem is reported and checking stops).

API: one function per claim, ``check_<claim>(doc) -> list[(code, path, message)]``, the table
``CLAIMS`` (claim name -> function), and :func:`check_cardinal` which dispatches on
``doc["claim"]``.  An empty list means the certificate is valid.  The same functions also follow
the plugin convention of ``check.py`` (``f(checker, witness)``, see :func:`_claim`), so that
``CLAIMS`` can be merged into it.  Read files with :func:`loads`
(decimal literals are kept exact; binary floats in a document are malformed).

Envelope (``certificates/FORMAT.md``): ``format`` = ``"exactassign.certificate"``, ``version`` = 1,
``claim``, ``instance``, ``outcome``, ``witness``, ``producer`` (informative, not trusted).

============================================================================================
The cardinal model (the seed paper's; ``shared/spec/pseudomarkets.md``)
============================================================================================
``instance`` is an economy (formats.md) whose ``valuations`` give a non-negative number for
**every agent and every object**; ``preferences`` and ``endowments`` are ignored, ``supply``
defaults to 1.  ``outcome.allocation`` is a random assignment Q*: every entry >= 0, **every row
sums to exactly 1** (q*_x is a lottery over the objects, as in the seed) and every column to at
most the supply (``cardinal.feasible.*`` otherwise).  Derived, never given:
u*_x = v_x·q*_x; supp(x) = {j : q*_xj > 0}; M_x = argmax_j v_xj; x is *satiated* iff
supp(x) ⊆ M_x; object j is *exhausted* iff Σ_x q*_xj = ω_j, else *slack*.

Claims and witnesses (numbers: ints, "p/q" strings or decimal literals; maps keyed by labels):

``ex-ante.po`` — Q* is ex-ante Pareto optimal.
    ``{"weights": {agent: w}, "prices": {object: π}, "mu": {agent: μ}}`` (all keys required).
    Valid iff w_x > 0, π_j >= 0, π_j = 0 for slack j, and w_x·v_xj <= μ_x + π_j for all x, j
    with equality where q*_xj > 0.  Why: for every feasible Q,
    Σ_x w_x u_x(q_x) <= Σ_xj q_xj (μ_x + π_j) <= Σ_x μ_x + Σ_j π_j ω_j, and Q* attains the bound
    (tight on its support, π = 0 where supply is left), so Q* maximises a positively weighted
    welfare and no feasible Q can make someone better off and nobody worse off.
``ex-ante.not-po`` — Q* is not ex-ante Pareto optimal.
    ``{"dominating": {agent: {object: q}}}``: a feasible assignment (rows sum to 1, entries
    >= 0, columns <= supply) with u_x >= u*_x for every agent and > for at least one.
``core.weak`` — Q* is in the ex-ante weak core: no coalition C ≠ ∅ and Q_C with
    Σ_{x∈C} q_x <= ω − Σ_{x∉C} q*_x and u_x(q_x) > u*_x for all x ∈ C.
    ``{"rounds": [{"coalition": [agents], "removed": [agents], "weights": {agent: λ},
    "prices": {object: π}, "mu": {agent: μ}}, ...]}``.  The first coalition is the set of all
    agents; each next one is the previous coalition minus its ``removed``; ``removed`` is a
    non-empty subset of the coalition; the last round removes everyone left.  Per round, with
    residual supply r_j = ω_j − Σ_{y∉C} q*_yj: λ_y >= 0 for y ∈ C and λ_x > 0 for x ∈ removed,
    π_j >= 0, λ_y·v_yj <= μ_y + π_j for all y ∈ C and all j (weights, mu: every member of C),
    and Σ_{y∈C} μ_y + Σ_j π_j r_j <= Σ_{y∈C} λ_y u*_y.  Why: if Q_C is feasible on r and
    u_y(q_y) >= u*_y on C, then Σ λ_y (u_y(q_y) − u*_y) <= Σ μ_y + Σ π_j r_j − Σ λ_y u*_y <= 0
    with every term >= 0, so every removed agent (λ > 0) gains nothing.  Any blocking
    coalition B inside C would, extended by q* on C \\ B, be such a Q_C with its members gaining:
    so B avoids the removed agents, lies in the next coalition, and — the last coalition being
    empty — B = ∅.
``core.blocked`` — Q* is not in the weak core.
    ``{"coalition": [agents], "reallocation": {agent: {object: q}}}`` (rows for exactly the
    coalition): rows >= 0 summing to 1, Σ_{x∈C} q_x <= ω − Σ_{x∉C} q*_x, u_x(q_x) > u*_x on C.
``pm.equilibrium`` — Q* is a pseudomarket-equilibrium outcome with free incomes (the seed's
    definition: u_x(q) > u*_x ⇒ P·q > P·q*_x for every lottery q, plus market clearing
    P_j > 0 ⇒ j exhausted).
    ``{"prices": {object: P}, "agents": {agent: {"alpha": α, "beta": β}}}`` with an entry for
    every non-satiated agent (others are ignored).  Valid iff P >= 0, P_j = 0 for slack j, and
    for each non-satiated x: α_x > 0 and P_j >= α_x v_xj + β_x for all j, with equality on
    supp(x).  Why: if u_x(q) > u*_x then P·q >= α v_x·q + β > α u*_x + β = P·q*_x.
``pm.quasi-equilibrium`` — a *non-constant* quasi-equilibrium price vector supports Q*
    (u_x(q) > u*_x ⇒ P·q >= P·q*_x; constant prices always qualify, so they are excluded).
    Witness as for ``pm.equilibrium`` with α_x >= 0, and the prices must not all be equal.
``hz.equilibrium`` — Hylland–Zeckhauser equilibrium for given budgets b: q*_x is a cheapest
    utility maximiser within {q : P·q <= b_x}, plus market clearing.
    ``{"budgets": {agent: b}, "equal_budgets": bool (optional), "prices": {object: P},
    "agents": {agent: {"alpha", "beta"}}}``.  Budgets >= 0 for every agent (one common positive
    number if ``equal_budgets`` is true).  Valid iff P >= 0, P_j = 0 for slack j, for non-satiated x the
    ``pm.equilibrium`` conditions and P·q*_x = b_x, for satiated x P·q*_x <= b_x and
    P·q*_x <= P_l for every l ∈ M_x (q*_x is a cheapest bundle of top objects).
``pm.no-equilibrium``, ``pm.no-quasi-equilibrium``, ``hz.no-equilibrium`` — Farkas
    certificates that the linear systems of the positive claims are infeasible.  The checker
    builds each system itself from the instance and the outcome.  Variables: P_j >= 0 for every
    exhausted object (P_j = 0 for slack objects, so they drop out), α_x >= 0 and β_x free for
    every non-satiated x, and for HZ a scale s >= 0.  Rows (each "a·z >= b" or "a·z = b"):

    ==========================  ==============================================  ==========
    key                          row                                              sense
    ==========================  ==============================================  ==========
    price[x][j] (non-sat. x)     P_j − v_xj α_x − β_x                            = 0 on
                                                                                 supp(x),
                                                                                 >= 0 off
    alpha[x]   (pm, hz)          α_x >= 1        (scaling makes α_x > 0 into >= 1)
    above[j]   (quasi, j ≠ k)    P_j − P_k >= 0
    spread     (quasi)           Σ_j P_j − m·P_k >= 1       (P not constant, k cheapest)
    budget[x]  (hz)              non-sat.: P·q*_x − b_x s = 0;  sat.: b_x s − P·q*_x >= 0
    cheapest[x][l] (hz, sat. x,  P_l − P·q*_x >= 0
               l ∈ M_x)
    scale      (hz)              s >= 1
    ==========================  ==============================================  ==========

    Witness: ``{"multipliers": {"price": {x: {j: y}}, "alpha": {x: y}, ...}}`` (missing
    entries are 0; a key naming a row that does not exist is malformed).  For
    ``pm.no-quasi-equilibrium`` the witness is ``{"per_object": {k: {"multipliers": {...}}}}``
    with one Farkas vector for every object k (the system "k is a cheapest object"), since a
    non-constant P has some cheapest object.  ``hz.no-equilibrium`` also gives ``budgets``
    (and optionally ``equal_budgets``) as in ``hz.equilibrium``.  Valid iff multipliers of
    ">=" rows are >= 0, the combination Σ y_r·(row r) has coefficient <= 0 on every variable
    >= 0 and = 0 on every free variable, and Σ y_r·b_r > 0.  Farkas: for a solution z,
    Σ y_r (a_r·z) >= Σ y_r b_r > 0 but also = Σ_v coef_v z_v <= 0.
    (pm/hz systems are homogeneous: an equilibrium with α_x > 0 (and s > 0) can be scaled to
    α_x >= 1 (and s >= 1), so infeasibility of the system means no equilibrium at all; with
    ``equal_budgets`` the HZ answer holds for every common budget.)

============================================================================================
LP claims
============================================================================================
``lp.infeasible``, ``lp.optimal``, ``lp.unbounded``: the instance is an LP (``exactassign.lp``)::

    {"format": "exactassign.lp", "version": 1,
     "variables": {name: "nonneg" | "free"},
     "objective": {"sense": "min" | "max", "coefficients": {name: c}},
     "constraints": [{"name": row, "coefficients": {name: a}, "sense": "<=" | ">=" | "=",
                      "rhs": b}]}

* ``lp.infeasible``: outcome ``{"status": "infeasible"}``; witness ``{"multipliers": {row: y}}``
  with y >= 0 on ">=" rows, y <= 0 on "<=" rows, (Aᵀy)_v <= 0 (nonneg v) / = 0 (free v), b·y > 0.
* ``lp.optimal``: outcome ``{"status": "optimal", "value": c·x, "solution": {name: x}}``;
  witness ``{"duals": {row: y}}``: x feasible; for "min", y >= 0 on ">=", <= 0 on "<=" rows and
  (Aᵀy)_v <= c_v (= for free v); for "max" the signs and the inequality flip; b·y = c·x = value.
* ``lp.unbounded``: outcome ``{"status": "unbounded", "solution": {name: x}}`` (feasible);
  witness ``{"ray": {name: d}}`` with d_v >= 0 for nonneg v, A_i·d >= 0 / <= 0 / = 0 by the
  row's sense, and c·d < 0 for "min" (> 0 for "max").
"""
from __future__ import annotations

import json
from fractions import Fraction

__all__ = ["CLAIMS", "check_cardinal", "loads", "check_ex_ante_po", "check_ex_ante_not_po",
           "check_core_weak", "check_core_blocked", "check_pm_equilibrium",
           "check_pm_no_equilibrium", "check_pm_quasi_equilibrium",
           "check_pm_no_quasi_equilibrium", "check_hz_equilibrium", "check_hz_no_equilibrium",
           "check_lp_infeasible", "check_lp_optimal", "check_lp_unbounded"]

ZERO, ONE = Fraction(0), Fraction(1)
_NUMBER_CHARS = frozenset("0123456789+-/.eE")


class _Malformed(Exception):
    def __init__(self, code: str, path: str, message: str) -> None:
        super().__init__(message)
        self.triple = ("malformed." + code, path, message)


class _Decimal(str):
    """The text of a JSON decimal literal (0.1 means exactly 1/10)."""


def _no_constants(name: str):
    raise ValueError(f"{name} is not an exact number")


def loads(text: str):
    """Parse JSON keeping decimal literals exact (NaN and infinities are refused)."""
    return json.loads(text, parse_float=_Decimal, parse_constant=_no_constants)


# ------------------------------------------------------------------------------ reading
def _at(path: str, key) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def _num(x, path: str) -> Fraction:
    if isinstance(x, bool):
        raise _Malformed("number", path, f"{x!r} is a boolean, not a number")
    if isinstance(x, int):
        return Fraction(x)
    if type(x) is Fraction:       # derived documents (check_sp's turn markets), never JSON
        return x
    if isinstance(x, str):
        text = x.strip()
        if text and set(text) <= _NUMBER_CHARS:
            mant, sep, exp = text.lower().partition("e")
            if not sep or (exp.lstrip("+-").isdigit() and abs(int(exp)) <= 10_000):
                try:
                    return Fraction(text)
                except (ValueError, ZeroDivisionError):
                    pass
        raise _Malformed("number", path, f"{x!r} is not an exact number")
    raise _Malformed("number", path, f"expected an exact number (int, 'p/q' or decimal "
                                     f"text), got {type(x).__name__} {x!r}")


def _dict(x, path: str) -> dict:
    if not isinstance(x, dict):
        raise _Malformed("type", path, f"expected an object, got {type(x).__name__}")
    return x


def _list(x, path: str) -> list:
    if not isinstance(x, list):
        raise _Malformed("type", path, f"expected a list, got {type(x).__name__}")
    return x


def _get(d: dict, key: str, path: str):
    if key not in d:
        raise _Malformed("missing", _at(path, key), f"missing field {key!r}")
    return d[key]


def _labels(x, path: str, what: str) -> list:
    xs = _list(x, path)
    if not xs:
        raise _Malformed("labels", path, f"'{what}' must be a non-empty list")
    seen = set()
    for k, v in enumerate(xs):
        if not isinstance(v, str) or not v or v in seen:
            raise _Malformed("labels", _at(path, k), f"{what}: {v!r} is not a new non-empty "
                                                      f"label")
        seen.add(v)
    return xs


def _known(key, known, path: str, what: str) -> None:
    if key not in known:
        raise _Malformed("label", path, f"unknown {what} {key!r}")


def _fmt(x: Fraction) -> str:
    return str(x)


class _Model:
    """The cardinal instance and outcome with the derived data of the module docstring."""

    def __init__(self, doc) -> None:
        doc = _dict(doc, "")
        if doc.get("format") != "exactassign.certificate":
            raise _Malformed("envelope", "format", "not an exactassign.certificate")
        if doc.get("version") != 1:
            raise _Malformed("envelope", "version", f"unsupported version "
                                                    f"{doc.get('version')!r}")
        inst = _dict(_get(doc, "instance", ""), "instance")
        self.agents = _labels(_get(inst, "agents", "instance"), "instance.agents", "agents")
        self.objects = _labels(_get(inst, "objects", "instance"), "instance.objects", "objects")
        aset, oset = set(self.agents), set(self.objects)
        sup = _dict(inst.get("supply", {}), "instance.supply")
        self.supply = {}
        for o in sup:
            _known(o, oset, _at("instance.supply", o), "object")
        for o in self.objects:
            p = _at("instance.supply", o)
            s = _num(sup[o], p) if o in sup else ONE
            if s <= 0:
                raise _Malformed("supply", p, f"supply of {o!r} must be positive, got {s}")
            self.supply[o] = s
        vals = _dict(_get(inst, "valuations", "instance"), "instance.valuations")
        self.v = {}
        for a in vals:
            _known(a, aset, _at("instance.valuations", a), "agent")
        for a in self.agents:
            pa = _at("instance.valuations", a)
            if a not in vals:
                raise _Malformed("valuations", pa, f"agent {a!r} has no valuations (the "
                                                   f"cardinal claims need them for everyone)")
            row = _dict(vals[a], pa)
            for o in row:
                _known(o, oset, _at(pa, o), "object")
            self.v[a] = {}
            for o in self.objects:
                po = _at(pa, o)
                if o not in row:
                    raise _Malformed("valuations", po, f"agent {a!r} has no value for {o!r}")
                x = _num(row[o], po)
                if x < 0:
                    raise _Malformed("valuations", po, f"negative valuation {x}")
                self.v[a][o] = x
        out = _dict(_get(doc, "outcome", ""), "outcome")
        self.q = self.read_rows(_get(out, "allocation", "outcome"), "outcome.allocation",
                                self.agents)
        self.witness = _dict(_get(doc, "witness", ""), "witness")
        prod = doc.get("producer", {})
        _dict(prod, "producer")
        self.violations: list = []
        # the outcome must be a feasible random assignment of the seed's model
        self.feasible_rows(self.q, "outcome.allocation", "cardinal.feasible")
        self.columns = {o: sum((self.q[a][o] for a in self.agents), ZERO) for o in self.objects}
        for o in self.objects:
            if self.columns[o] > self.supply[o]:
                self.bad("cardinal.feasible.column-sum", _at("outcome.allocation", o),
                         f"object {o!r} is assigned {self.columns[o]} > supply "
                         f"{self.supply[o]}")
        self.u = {a: self.util(a, self.q[a]) for a in self.agents}
        self.supp = {a: {o for o in self.objects if self.q[a][o] > 0} for a in self.agents}
        self.vmax = {a: max(self.v[a].values()) for a in self.agents}
        self.top = {a: {o for o in self.objects if self.v[a][o] == self.vmax[a]}
                    for a in self.agents}
        self.satiated = {a: self.supp[a] <= self.top[a] for a in self.agents}
        self.exhausted = {o: self.columns[o] == self.supply[o] for o in self.objects}

    def bad(self, code: str, path: str, message: str) -> None:
        self.violations.append((code, path, message))

    def util(self, a: str, row: dict) -> Fraction:
        return sum((self.v[a][o] * row[o] for o in self.objects if row[o]), ZERO)

    def read_rows(self, x, path: str, who) -> dict:
        """agent -> object -> Fraction (every object, zeros filled in), for the agents ``who``
        (exactly those may appear)."""
        x = _dict(x, path)
        allowed = set(who)
        for a in x:
            if a not in allowed:
                raise _Malformed("label", _at(path, a), f"unexpected agent {a!r}")
        oset = set(self.objects)
        out = {}
        for a in who:
            row = _dict(x.get(a, {}), _at(path, a))
            for o in row:
                _known(o, oset, _at(_at(path, a), o), "object")
            out[a] = {o: (_num(row[o], _at(_at(path, a), o)) if o in row else ZERO)
                      for o in self.objects}
        return out

    def feasible_rows(self, rows: dict, path: str, code: str) -> None:
        for a, row in rows.items():
            for o, x in row.items():
                if x < 0:
                    self.bad(code + ".negative", _at(_at(path, a), o),
                             f"agent {a!r} gets a negative amount {x} of {o!r}")
            s = sum(row.values(), ZERO)
            if s != ONE:
                self.bad(code + ".row-sum", _at(path, a),
                         f"the row of agent {a!r} sums to {s}, not 1 (the cardinal model "
                         f"assigns every agent a lottery over the objects)")

    def prices(self, x, path: str, code: str) -> dict:
        """Prices for every object: >= 0, and 0 on slack objects (market clearing)."""
        x = _dict(x, path)
        for o in x:
            _known(o, set(self.objects), _at(path, o), "object")
        out = {}
        for o in self.objects:
            p = _num(_get(x, o, path), _at(path, o))
            if p < 0:
                self.bad(code + ".negative", _at(path, o), f"price of {o!r} is {p} < 0")
            elif p > 0 and not self.exhausted[o]:
                self.bad(code + ".slack-object", _at(path, o),
                         f"object {o!r} has a positive price {p} but is not exhausted "
                         f"(assigned {self.columns[o]} of {self.supply[o]})")
            out[o] = p
        return out

    def agent_map(self, x, path: str, who, default=None) -> dict:
        """agent -> number for the agents ``who`` (required unless a default is given)."""
        x = _dict(x, path)
        allowed = set(who)
        for a in x:
            if a not in allowed:
                raise _Malformed("label", _at(path, a), f"unexpected agent {a!r}")
        out = {}
        for a in who:
            if a in x:
                out[a] = _num(x[a], _at(path, a))
            elif default is None:
                raise _Malformed("missing", _at(path, a), f"missing entry for agent {a!r}")
            else:
                out[a] = default
        return out


def _too_long(exc: ValueError) -> list:
    """A violation message would print an integer longer than Python's limit
    (``sys.get_int_max_str_digits()``, 4300 digits by default): report, do not crash."""
    if "integer string conversion" not in str(exc):
        raise exc
    return [("malformed.number-too-long", "", "a number of the certificate (or one derived from "
             "it for a violation message) has more digits than Python prints: " + str(exc))]


def _run(doc, body) -> list:
    try:
        m = _Model(doc)
        body(m, m.witness)
        return m.violations
    except _Malformed as exc:
        return [exc.triple]
    except ValueError as exc:
        return _too_long(exc)


# ------------------------------------------------------------------------------ ex-ante PO
def _weighted_welfare(m: _Model, w: dict, pi: dict, mu: dict, agents, path: str, code: str,
                      tight: bool) -> None:
    """λ_x v_xj <= μ_x + π_j for all x in ``agents`` and j (= on supp(x) when ``tight``)."""
    for a in agents:
        for o in m.objects:
            lhs, rhs = w[a] * m.v[a][o], mu[a] + pi[o]
            if lhs > rhs:
                m.bad(code + ".dual-violated", f"{path}.mu.{a}",
                      f"agent {a!r}, object {o!r}: weight·value {lhs} > mu + price {rhs}")
            elif tight and lhs != rhs and m.q[a][o] > 0:
                m.bad(code + ".not-tight", f"{path}.mu.{a}",
                      f"agent {a!r} holds {m.q[a][o]} of {o!r} but weight·value {lhs} < "
                      f"mu + price {rhs}")


def _ex_ante_po(m: _Model, w: dict) -> None:
    weights = m.agent_map(_get(w, "weights", "witness"), "witness.weights", m.agents)
    mu = m.agent_map(_get(w, "mu", "witness"), "witness.mu", m.agents)
    pi = m.prices(_get(w, "prices", "witness"), "witness.prices", "ex-ante-po.price")
    for a in m.agents:
        if weights[a] <= 0:
            m.bad("ex-ante-po.weight.not-positive", f"witness.weights.{a}",
                  f"weight of {a!r} is {weights[a]}, not > 0")
    _weighted_welfare(m, weights, pi, mu, m.agents, "witness", "ex-ante-po", tight=True)


def _dominates(m: _Model, rows: dict, path: str, code: str, strict_all: bool) -> None:
    better = False
    for a, row in rows.items():
        u = m.util(a, row)
        if strict_all and not u > m.u[a]:
            m.bad(code + ".not-better", _at(path, a),
                  f"agent {a!r} gets utility {u}, not more than {m.u[a]}")
        elif not strict_all and u < m.u[a]:
            m.bad(code + ".worse", _at(path, a),
                  f"agent {a!r} gets utility {u} < {m.u[a]}")
        better |= u > m.u[a]
    if not strict_all and not better:
        m.bad(code + ".no-gain", path, "nobody is strictly better off")


def _ex_ante_not_po(m: _Model, w: dict) -> None:
    rows = m.read_rows(_get(w, "dominating", "witness"), "witness.dominating", m.agents)
    m.feasible_rows(rows, "witness.dominating", "ex-ante-not-po.dominating")
    for o in m.objects:
        c = sum((rows[a][o] for a in m.agents), ZERO)
        if c > m.supply[o]:
            m.bad("ex-ante-not-po.dominating.column-sum", "witness.dominating",
                  f"object {o!r} is assigned {c} > supply {m.supply[o]}")
    _dominates(m, rows, "witness.dominating", "ex-ante-not-po", strict_all=False)


# ------------------------------------------------------------------------------ weak core
def _core_weak(m: _Model, w: dict) -> None:
    rounds = _list(_get(w, "rounds", "witness"), "witness.rounds")
    if not rounds:
        raise _Malformed("missing", "witness.rounds", "no rounds")
    expected = set(m.agents)
    for t, rd in enumerate(rounds):
        p = f"witness.rounds[{t}]"
        rd = _dict(rd, p)
        coalition = _labels(_get(rd, "coalition", p), f"{p}.coalition", "coalition")
        removed = _labels(_get(rd, "removed", p), f"{p}.removed", "removed")
        for a in coalition + removed:
            _known(a, set(m.agents), p, "agent")
        cset, rset = set(coalition), set(removed)
        if cset != expected:
            m.bad("core-weak.round.coalition", f"{p}.coalition",
                  f"round {t}: the coalition should be {sorted(expected)}, got "
                  f"{sorted(cset)}")
            return
        if not rset <= cset:
            m.bad("core-weak.round.removed", f"{p}.removed",
                  f"round {t}: removed agents {sorted(rset - cset)} are not in the coalition")
            return
        members = [a for a in m.agents if a in cset]
        lam = m.agent_map(_get(rd, "weights", p), f"{p}.weights", members)
        mu = m.agent_map(_get(rd, "mu", p), f"{p}.mu", members)
        pp = _dict(_get(rd, "prices", p), f"{p}.prices")
        for o in pp:
            _known(o, set(m.objects), _at(f"{p}.prices", o), "object")
        pi = {o: _num(_get(pp, o, f"{p}.prices"), _at(f"{p}.prices", o)) for o in m.objects}
        for o in m.objects:
            if pi[o] < 0:
                m.bad("core-weak.price.negative", _at(f"{p}.prices", o),
                      f"price of {o!r} is {pi[o]} < 0")
        for a in members:
            if lam[a] < 0 or (a in rset and lam[a] <= 0):
                m.bad("core-weak.weight.sign", _at(f"{p}.weights", a),
                      f"weight of {a!r} is {lam[a]} (need >= 0, and > 0 for removed agents)")
        _weighted_welfare(m, lam, pi, mu, members, p, "core-weak", tight=False)
        residual = {o: m.supply[o] - sum((m.q[a][o] for a in m.agents if a not in cset),
                                         ZERO) for o in m.objects}
        bound = sum((mu[a] for a in members), ZERO) + sum((pi[o] * residual[o]
                                                           for o in m.objects), ZERO)
        value = sum((lam[a] * m.u[a] for a in members), ZERO)
        if bound > value:
            m.bad("core-weak.round.bound", p,
                  f"round {t}: sum of mu + prices·residual supply = {bound} exceeds the "
                  f"weighted utility {value} of the outcome")
        expected = cset - rset
    if expected:
        m.bad("core-weak.rounds.incomplete", "witness.rounds",
              f"agents {sorted(expected)} are never removed")


def _core_blocked(m: _Model, w: dict) -> None:
    coalition = _labels(_get(w, "coalition", "witness"), "witness.coalition", "coalition")
    for k, a in enumerate(coalition):
        _known(a, set(m.agents), f"witness.coalition[{k}]", "agent")
    members = [a for a in m.agents if a in set(coalition)]
    realloc = _dict(_get(w, "reallocation", "witness"), "witness.reallocation")
    for a in members:
        if a not in realloc:
            raise _Malformed("missing", f"witness.reallocation.{a}",
                             f"no reallocation row for coalition member {a!r}")
    rows = m.read_rows(realloc, "witness.reallocation", members)
    m.feasible_rows(rows, "witness.reallocation", "core-blocked.reallocation")
    cset = set(members)
    for o in m.objects:
        avail = m.supply[o] - sum((m.q[a][o] for a in m.agents if a not in cset), ZERO)
        used = sum((rows[a][o] for a in members), ZERO)
        if used > avail:
            m.bad("core-blocked.reallocation.column-sum", "witness.reallocation",
                  f"the coalition uses {used} of {o!r} but only {avail} is left by the others")
    _dominates(m, rows, "witness.reallocation", "core-blocked", strict_all=True)


# ------------------------------------------------------------------------------ price support
def _support(m: _Model, w: dict, code: str, quasi: bool) -> dict:
    prices = m.prices(_get(w, "prices", "witness"), "witness.prices", code + ".price")
    agents = _dict(_get(w, "agents", "witness"), "witness.agents")
    for a in agents:
        _known(a, set(m.agents), _at("witness.agents", a), "agent")
    for a in m.agents:
        if m.satiated[a]:
            continue
        p = _at("witness.agents", a)
        if a not in agents:
            raise _Malformed("missing", p, f"agent {a!r} is not satiated and needs (alpha, "
                                           f"beta)")
        ab = _dict(agents[a], p)
        alpha = _num(_get(ab, "alpha", p), _at(p, "alpha"))
        beta = _num(_get(ab, "beta", p), _at(p, "beta"))
        if alpha < 0 or (alpha == 0 and not quasi):
            m.bad(code + ".alpha", _at(p, "alpha"),
                  f"alpha of {a!r} is {alpha} (need {'>= 0' if quasi else '> 0'})")
        for o in m.objects:
            aff = alpha * m.v[a][o] + beta
            if prices[o] < aff:
                m.bad(code + ".cheaper-better", _at("witness.prices", o),
                      f"agent {a!r}: price of {o!r} is {prices[o]} < alpha·v + beta = {aff}")
            elif prices[o] != aff and m.q[a][o] > 0:
                m.bad(code + ".support-not-affine", _at("witness.prices", o),
                      f"agent {a!r} holds {o!r} but its price {prices[o]} != alpha·v + beta "
                      f"= {aff}")
    return prices


def _pm_equilibrium(m: _Model, w: dict) -> None:
    _support(m, w, "pm-equilibrium", quasi=False)


def _pm_quasi(m: _Model, w: dict) -> None:
    prices = _support(m, w, "pm-quasi", quasi=True)
    if len(set(prices.values())) < 2:
        m.bad("pm-quasi.constant-prices", "witness.prices",
              "the prices are all equal: a constant price vector is always a quasi-equilibrium "
              "(the claim needs a non-constant one)")


def _budgets(m: _Model, w: dict) -> dict:
    b = m.agent_map(_get(w, "budgets", "witness"), "witness.budgets", m.agents)
    for a in m.agents:
        if b[a] < 0:
            m.bad("hz.budget.negative", f"witness.budgets.{a}", f"budget {b[a]} < 0")
    eq = w.get("equal_budgets", False)
    if not isinstance(eq, bool):
        raise _Malformed("type", "witness.equal_budgets", "expected true or false")
    if eq and (len(set(b.values())) > 1 or min(b.values()) <= 0):
        m.bad("hz.budget.not-equal", "witness.budgets", "equal_budgets is set but the budgets "
                                                        "are not one common positive number")
    return b


def _hz_equilibrium(m: _Model, w: dict) -> None:
    b = _budgets(m, w)
    prices = _support(m, w, "hz", quasi=False)
    for a in m.agents:
        cost = sum((prices[o] * m.q[a][o] for o in m.objects), ZERO)
        if not m.satiated[a]:
            if cost != b[a]:
                m.bad("hz.budget.not-spent", f"witness.budgets.{a}",
                      f"agent {a!r} is not satiated but spends {cost} != budget {b[a]}")
            continue
        if cost > b[a]:
            m.bad("hz.budget.exceeded", f"witness.budgets.{a}",
                  f"agent {a!r} spends {cost} > budget {b[a]}")
        for o in sorted(m.top[a], key=m.objects.index):
            if prices[o] < cost:
                m.bad("hz.not-cheapest", f"witness.prices.{o}",
                      f"satiated agent {a!r} pays {cost} but top object {o!r} costs "
                      f"{prices[o]}")


# ------------------------------------------------------------------------------ Farkas
class _System:
    """Rows a·z (>= | =) b over named variables; variables are nonneg or free."""

    def __init__(self) -> None:
        self.rows: dict = {}          # key -> (coefficients dict, sense, rhs)
        self.free: set = set()

    def row(self, key: tuple, coef: dict, sense: str, rhs: Fraction) -> None:
        self.rows[key] = (coef, sense, rhs)


def _price_vars(m: _Model) -> dict:
    """P_j as a variable for exhausted objects; slack objects have P_j = 0 (omitted)."""
    return {o: ("P", o) for o in m.objects if m.exhausted[o]}


def _affine_rows(m: _Model, s: _System) -> None:
    P = _price_vars(m)
    for a in m.agents:
        if m.satiated[a]:
            continue
        s.free.add(("beta", a))
        for o in m.objects:
            coef = {("alpha", a): -m.v[a][o], ("beta", a): -ONE}
            if o in P:
                coef[P[o]] = ONE
            s.row(("price", a, o), coef, "=" if m.q[a][o] > 0 else ">=", ZERO)


def _alpha_rows(m: _Model, s: _System) -> None:
    for a in m.agents:
        if not m.satiated[a]:
            s.row(("alpha", a), {("alpha", a): ONE}, ">=", ONE)


def _pm_system(m: _Model) -> _System:
    s = _System()
    _affine_rows(m, s)
    _alpha_rows(m, s)
    return s


def _quasi_system(m: _Model, k: str) -> _System:
    s = _System()
    _affine_rows(m, s)
    P = _price_vars(m)

    def add(coef: dict, o: str, c: Fraction) -> None:
        if o in P:
            coef[P[o]] = coef.get(P[o], ZERO) + c

    for o in m.objects:
        if o != k:
            coef: dict = {}
            add(coef, o, ONE)
            add(coef, k, -ONE)
            s.row(("above", o), coef, ">=", ZERO)
    coef = {}
    for o in m.objects:
        add(coef, o, ONE)
    add(coef, k, -Fraction(len(m.objects)))
    s.row(("spread",), coef, ">=", ONE)
    return s


def _hz_system(m: _Model, b: dict) -> _System:
    s = _System()
    _affine_rows(m, s)
    _alpha_rows(m, s)
    P = _price_vars(m)
    for a in m.agents:
        spend = {P[o]: m.q[a][o] for o in m.objects if o in P and m.q[a][o]}
        if not m.satiated[a]:
            coef = dict(spend)
            coef[("s",)] = -b[a]
            s.row(("budget", a), coef, "=", ZERO)
            continue
        coef = {v: -c for v, c in spend.items()}
        coef[("s",)] = b[a]
        s.row(("budget", a), coef, ">=", ZERO)
        for o in m.objects:
            if o in m.top[a]:
                coef = {v: -c for v, c in spend.items()}
                if o in P:
                    coef[P[o]] = coef.get(P[o], ZERO) + ONE
                s.row(("cheapest", a, o), coef, ">=", ZERO)
    s.row(("scale",), {("s",): ONE}, ">=", ONE)
    return s


def _read_multipliers(x, path: str, s: _System) -> dict:
    """{"price": {a: {o: y}}, "alpha": {a: y}, "spread": y, ...} -> {row key: y}."""
    x = _dict(x, path)
    shape: dict = {}
    for key in s.rows:
        shape.setdefault(key[0], len(key) - 1)
    out: dict = {}
    for kind, val in x.items():
        p = _at(path, kind)
        if kind not in shape:
            raise _Malformed("multiplier", p, f"this system has no rows of kind {kind!r}")
        depth = shape[kind]
        stack = [((kind,), val, p)]
        while stack:
            key, v, pv = stack.pop()
            if len(key) - 1 == depth:
                if key not in s.rows:
                    raise _Malformed("multiplier", pv, f"this system has no row {list(key)}")
                out[key] = _num(v, pv)
                continue
            for k2, v2 in _dict(v, pv).items():
                stack.append((key + (k2,), v2, _at(pv, k2)))
    return out


def _farkas(m: _Model, s: _System, y: dict, path: str, code: str) -> None:
    comb: dict = {}
    rhs = ZERO
    for key, mult in y.items():
        if not mult:
            continue
        coef, sense, b = s.rows[key]
        if sense == ">=" and mult < 0:
            m.bad(code + ".farkas.sign", path, f"the multiplier of row {list(key)} (>=) is "
                                               f"{mult} < 0")
        for var, c in coef.items():
            comb[var] = comb.get(var, ZERO) + mult * c
        rhs += mult * b
    for var, c in comb.items():
        if var in s.free and c != 0:
            m.bad(code + ".farkas.free-variable", path,
                  f"the combination has coefficient {c} != 0 on the free variable {list(var)}")
        elif var not in s.free and c > 0:
            m.bad(code + ".farkas.nonneg-variable", path,
                  f"the combination has coefficient {c} > 0 on the variable {list(var)} >= 0")
    if not rhs > 0:
        m.bad(code + ".farkas.rhs", path, f"the combined right-hand side is {rhs}, not > 0")


def _pm_no_equilibrium(m: _Model, w: dict) -> None:
    s = _pm_system(m)
    y = _read_multipliers(_get(w, "multipliers", "witness"), "witness.multipliers", s)
    _farkas(m, s, y, "witness.multipliers", "pm-no-equilibrium")


def _pm_no_quasi(m: _Model, w: dict) -> None:
    per = _dict(_get(w, "per_object", "witness"), "witness.per_object")
    for k in per:
        _known(k, set(m.objects), _at("witness.per_object", k), "object")
    for k in m.objects:
        p = _at("witness.per_object", k)
        entry = _dict(_get(per, k, "witness.per_object"), p)
        s = _quasi_system(m, k)
        y = _read_multipliers(_get(entry, "multipliers", p), _at(p, "multipliers"), s)
        _farkas(m, s, y, _at(p, "multipliers"), "pm-no-quasi")


def _hz_no_equilibrium(m: _Model, w: dict) -> None:
    b = _budgets(m, w)
    s = _hz_system(m, b)
    y = _read_multipliers(_get(w, "multipliers", "witness"), "witness.multipliers", s)
    _farkas(m, s, y, "witness.multipliers", "hz-no-equilibrium")


# ------------------------------------------------------------------------------ LP claims
class _LP:
    def __init__(self, doc) -> None:
        doc = _dict(doc, "")
        if doc.get("format") != "exactassign.certificate" or doc.get("version") != 1:
            raise _Malformed("envelope", "format", "not a version-1 exactassign.certificate")
        inst = _dict(_get(doc, "instance", ""), "instance")
        if inst.get("format") != "exactassign.lp" or inst.get("version") != 1:
            raise _Malformed("envelope", "instance.format", "the instance is not a version-1 "
                                                            "exactassign.lp")
        vs = _dict(_get(inst, "variables", "instance"), "instance.variables")
        self.vars = {}
        for name, kind in vs.items():
            if kind not in ("nonneg", "free"):
                raise _Malformed("variable", _at("instance.variables", name),
                                 f"variable kind must be 'nonneg' or 'free', got {kind!r}")
            self.vars[name] = kind
        obj = _dict(_get(inst, "objective", "instance"), "instance.objective")
        sense = _get(obj, "sense", "instance.objective")
        if sense not in ("min", "max"):
            raise _Malformed("objective", "instance.objective.sense", "sense must be min or max")
        self.maximize = sense == "max"
        self.c = self.vector(_get(obj, "coefficients", "instance.objective"),
                             "instance.objective.coefficients")
        self.rows = []
        names = set()
        cons = _list(_get(inst, "constraints", "instance"), "instance.constraints")
        for i, r in enumerate(cons):
            p = f"instance.constraints[{i}]"
            r = _dict(r, p)
            name = _get(r, "name", p)
            if not isinstance(name, str) or name in names:
                raise _Malformed("constraint", _at(p, "name"), f"row name {name!r} is not new")
            names.add(name)
            s = _get(r, "sense", p)
            if s not in ("<=", ">=", "="):
                raise _Malformed("constraint", _at(p, "sense"), f"bad sense {s!r}")
            a = self.vector(_get(r, "coefficients", p), _at(p, "coefficients"))
            self.rows.append((name, a, s, _num(_get(r, "rhs", p), _at(p, "rhs"))))
        self.row_names = names
        self.outcome = _dict(_get(doc, "outcome", ""), "outcome")
        self.witness = _dict(_get(doc, "witness", ""), "witness")
        self.violations: list = []

    def vector(self, x, path: str, kind: str = "variable") -> dict:
        """An exact vector keyed by known variable (or, kind "row", row) names."""
        known = self.vars if kind == "variable" else self.row_names
        x = _dict(x, path)
        out = {}
        for name, v in x.items():
            _known(name, known, _at(path, name), kind)
            out[name] = _num(v, _at(path, name))
        return out

    def row_vector(self, x, path: str) -> dict:
        return self.vector(x, path, "row")

    def bad(self, code: str, path: str, message: str) -> None:
        self.violations.append((code, path, message))

    def combination(self, y: dict) -> tuple[dict, Fraction]:
        comb: dict = {}
        rhs = ZERO
        for name, a, s, b in self.rows:
            t = y.get(name, ZERO)
            if t:
                for v, c in a.items():
                    comb[v] = comb.get(v, ZERO) + t * c
                rhs += t * b
        return comb, rhs

    def feasible(self, x: dict, path: str) -> None:
        for v, kind in self.vars.items():
            if kind == "nonneg" and x.get(v, ZERO) < 0:
                self.bad("lp.primal.sign", _at(path, v), f"{v} = {x[v]} < 0")
        for name, a, s, b in self.rows:
            act = sum((c * x.get(v, ZERO) for v, c in a.items()), ZERO)
            if (s == "<=" and act > b) or (s == ">=" and act < b) or (s == "=" and act != b):
                self.bad("lp.primal.row", path, f"row {name}: activity {act} is not {s} {b}")


def _run_lp(doc, body) -> list:
    try:
        lp = _LP(doc)
        body(lp)
        return lp.violations
    except _Malformed as exc:
        return [exc.triple]
    except ValueError as exc:
        return _too_long(exc)


def _status(lp: _LP, want: str) -> None:
    if lp.outcome.get("status") != want:
        raise _Malformed("outcome", "outcome.status", f"the claim needs status {want!r}")


def _lp_infeasible(lp: _LP) -> None:
    _status(lp, "infeasible")
    y = lp.row_vector(_get(lp.witness, "multipliers", "witness"), "witness.multipliers")
    for name, a, s, b in lp.rows:
        t = y.get(name, ZERO)
        if (s == ">=" and t < 0) or (s == "<=" and t > 0):
            lp.bad("lp.farkas.sign", f"witness.multipliers.{name}",
                   f"multiplier {t} of row {name} ({s}) has the wrong sign")
    comb, rhs = lp.combination(y)
    for v, c in comb.items():
        if (lp.vars[v] == "free" and c != 0) or (lp.vars[v] == "nonneg" and c > 0):
            lp.bad("lp.farkas.column", "witness.multipliers",
                   f"the combination has coefficient {c} on {v} ({lp.vars[v]})")
    if not rhs > 0:
        lp.bad("lp.farkas.rhs", "witness.multipliers", f"b·y = {rhs} is not > 0")


def _lp_optimal(lp: _LP) -> None:
    _status(lp, "optimal")
    x = lp.vector(_get(lp.outcome, "solution", "outcome"), "outcome.solution")
    value = _num(_get(lp.outcome, "value", "outcome"), "outcome.value")
    y = lp.row_vector(_get(lp.witness, "duals", "witness"), "witness.duals")
    lp.feasible(x, "outcome.solution")
    for name, a, s, b in lp.rows:
        t = y.get(name, ZERO)
        nonneg = (s == ">=") != lp.maximize
        if s != "=" and ((t < 0) if nonneg else (t > 0)):
            lp.bad("lp.dual.sign", f"witness.duals.{name}",
                   f"dual {t} of row {name} ({s}) has the wrong sign")
    comb, by = lp.combination(y)
    for v, kind in lp.vars.items():
        cv, av = lp.c.get(v, ZERO), comb.get(v, ZERO)
        if (kind == "free" and av != cv) or (kind == "nonneg" and (
                av < cv if lp.maximize else av > cv)):
            lp.bad("lp.dual.column", "witness.duals",
                   f"(A^T y) of {v} is {av} against cost {cv}")
    cx = sum((c * x.get(v, ZERO) for v, c in lp.c.items()), ZERO)
    if not cx == by == value:
        lp.bad("lp.objective", "outcome.value",
               f"c·x = {cx}, b·y = {by} and the stated value {value} are not all equal")


def _lp_unbounded(lp: _LP) -> None:
    _status(lp, "unbounded")
    x = lp.vector(_get(lp.outcome, "solution", "outcome"), "outcome.solution")
    d = lp.vector(_get(lp.witness, "ray", "witness"), "witness.ray")
    lp.feasible(x, "outcome.solution")
    for v, kind in lp.vars.items():
        if kind == "nonneg" and d.get(v, ZERO) < 0:
            lp.bad("lp.ray.sign", f"witness.ray.{v}", f"the ray decreases {v} >= 0")
    for name, a, s, b in lp.rows:
        act = sum((c * d.get(v, ZERO) for v, c in a.items()), ZERO)
        if (s == "<=" and act > 0) or (s == ">=" and act < 0) or (s == "=" and act != 0):
            lp.bad("lp.ray.row", "witness.ray", f"the ray leaves row {name} ({s}): {act}")
    cd = sum((c * d.get(v, ZERO) for v, c in lp.c.items()), ZERO)
    if (cd <= 0) if lp.maximize else (cd >= 0):
        lp.bad("lp.ray.objective", "witness.ray", f"c·d = {cd} does not improve the objective")


# ------------------------------------------------------------------------------ table
def _claim(body, lp: bool = False):
    """A claim function with two calling conventions:

    * ``f(doc) -> [(code, path, message), ...]`` — this module's own API;
    * ``f(checker, witness)`` — the plugin convention of ``check.py`` (``CLAIMS`` merged into
      the host checker, violations reported with ``checker.bad``).  The cardinal claims need the
      whole document (valuations, or an LP instance), which the host's ``Instance`` does not
      keep: the document is taken from ``checker.doc``, which the host sets.  Problems that make the document unreadable
      are raised as the host's ``Malformed``.
    """
    runner = _run_lp if lp else _run

    def check(doc, witness=None):
        if witness is None:
            return runner(doc, body)
        checker = doc
        full = getattr(checker, "doc", None) or getattr(getattr(checker, "inst", None), "doc",
                                                        None)
        host = __import__("sys").modules[type(checker).__module__]
        if full is None:
            raise host.Malformed("witness", "check_cardinal needs the whole certificate: set "
                                            "checker.doc = doc in the host checker")
        for code, path, message in runner(full, body):
            if code.startswith("malformed."):
                raise host.Malformed(path, message)
            checker.bad(code, path, message)
        return None

    check.__doc__ = body.__doc__
    return check


check_ex_ante_po = _claim(_ex_ante_po)
check_ex_ante_not_po = _claim(_ex_ante_not_po)
check_core_weak = _claim(_core_weak)
check_core_blocked = _claim(_core_blocked)
check_pm_equilibrium = _claim(_pm_equilibrium)
check_pm_no_equilibrium = _claim(_pm_no_equilibrium)
check_pm_quasi_equilibrium = _claim(_pm_quasi)
check_pm_no_quasi_equilibrium = _claim(_pm_no_quasi)
check_hz_equilibrium = _claim(_hz_equilibrium)
check_hz_no_equilibrium = _claim(_hz_no_equilibrium)
check_lp_infeasible = _claim(_lp_infeasible, lp=True)
check_lp_optimal = _claim(_lp_optimal, lp=True)
check_lp_unbounded = _claim(_lp_unbounded, lp=True)


CLAIMS: dict = {
    "ex-ante.po": check_ex_ante_po, "ex-ante.not-po": check_ex_ante_not_po,
    "core.weak": check_core_weak, "core.blocked": check_core_blocked,
    "pm.equilibrium": check_pm_equilibrium, "pm.no-equilibrium": check_pm_no_equilibrium,
    "pm.quasi-equilibrium": check_pm_quasi_equilibrium,
    "pm.no-quasi-equilibrium": check_pm_no_quasi_equilibrium,
    "hz.equilibrium": check_hz_equilibrium, "hz.no-equilibrium": check_hz_no_equilibrium,
}
# Generic LP claims: their instance is an LP, not an economy, so check.py (whose Instance is an
# economy) does not host them; check_cardinal() and this file's main() do.
ALL_CLAIMS: dict = {**CLAIMS, "lp.infeasible": check_lp_infeasible,
                    "lp.optimal": check_lp_optimal, "lp.unbounded": check_lp_unbounded}


def check_cardinal(doc) -> list:
    """Check a certificate of any claim in :data:`ALL_CLAIMS`; [] means valid."""
    if not isinstance(doc, dict):
        return [("malformed.type", "", "a certificate is a JSON object")]
    fn = ALL_CLAIMS.get(doc.get("claim"))
    if fn is None:
        return [("malformed.claim", "claim", f"unsupported claim {doc.get('claim')!r}")]
    return fn(doc)


def main(argv: list | None = None) -> int:   # pragma: no cover - thin command-line wrapper
    import sys
    args = sys.argv[1:] if argv is None else argv
    status = 0
    for path in args:
        with open(path, encoding="utf-8") as f:
            found = check_cardinal(loads(f.read()))
        verdict = ("malformed" if any(c.startswith("malformed.") for c, _, _ in found)
                   else "invalid" if found else "valid")
        print(f"{path}: {verdict}")
        for code, p, msg in found:
            print(f"  {code} at {p}: {msg}")
        status = max(status, {"valid": 0, "invalid": 1, "malformed": 2}[verdict])
    return status


if __name__ == "__main__":    # pragma: no cover
    raise SystemExit(main())
