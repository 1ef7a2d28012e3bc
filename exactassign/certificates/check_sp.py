"""Certificate claims of sequential pseudomarkets: ``sp.decomposition``, ``sp.not-outcome``.

Standard library only.  ``check.py`` loads this file by path and merges :data:`CLAIMS`
(``{claim: function(checker, witness)}``, the whole document being ``checker.doc``); the host's
helpers (``Malformed``, ``Violation``, ``check_certificate``) are reached through the checker
object's module.  The turn conditions are those of ``pm.equilibrium`` / ``pm.no-equilibrium``
(free incomes) or, with ``"budgets": "equal"``, ``hz.equilibrium`` / ``hz.no-equilibrium``
(equal budgets, below) of the sibling ``check_cardinal.py`` (loaded here by path, like check.py
loads its plugins), applied to the *market of a turn*, which this file builds itself from the
instance and the outcome.  Nothing here searches; ``sp.not-outcome`` enumerates the subsets
its tree must cover.

Model (seed 000, §4; ``shared/spec/pseudomarkets.md`` §1, §4; ``exactassign/decompose.py``):
the cardinal model of ``check_cardinal.py`` (valuations for every agent and object, rows of the
outcome summing to 1, columns at most the supply).  For a set R of agents still to be served,
the remaining supply is ω_R = ω − Σ_{x ∉ R} q_x; the *market of a group G ⊆ R* has the agents
G, the objects j with ω_Rj > 0 (the seed's continuation economy), that supply, the agents'
valuations and rows restricted to those objects.  The group's rows are *supported* in it iff
they are a pseudomarket equilibrium with free incomes there (``pm.equilibrium``: P >= 0,
P_j = 0 unless G exhausts ω_Rj, α_x > 0 and P_j >= α_x v_xj + β_x with equality on supp q_x for
every member not satiated in the market).

``sp.decomposition`` -- the outcome is a sequential-pseudomarket outcome for the given ordered
    partition.  Witness::

        {"partition": [[agents of turn 1], [agents of turn 2], ...],
         "turns": [{"prices": {object: P}, "agents": {agent: {"alpha": a, "beta": b}}}, ...]}

    Checked: the groups are non-empty, disjoint and cover every agent; ``turns`` has one entry
    per group; for turn t, with R = the agents of turns t, t+1, ..., ``prices`` names exactly
    the market's objects and the entry is a valid ``pm.equilibrium`` witness for the group's
    market (violations reported under ``witness.turns[t]``).
``sp.not-outcome`` -- the outcome is a sequential-pseudomarket outcome for **no** ordered
    partition.  Witness::

        {"nodes": [{"remaining": [agents],
                    "groups": [{"group": [agents], "multipliers": {...}}
                               | {"group": [agents], "continue": true}, ...]}, ...]}

    Checked: the remaining sets of the nodes are distinct, non-empty, and one is the set of all
    agents; in every node, the entries' groups are exactly the non-empty subsets of
    ``remaining`` (each once); an entry with ``multipliers`` is a valid ``pm.no-equilibrium``
    Farkas certificate for the group's market (violations under
    ``witness.nodes[k].groups[i]``); an entry with ``"continue": true`` needs R \\ G to be
    non-empty and the remaining set of another node.  Why this proves the claim: by induction
    on |R|, no node's agents can be served by a sequence of supported turns: the first group G
    either has no supporting prices (Farkas) or leaves R \\ G, a smaller node.  The root is N.
    At most :data:`MAX_AGENTS` agents (the checker enumerates 2^|R| subsets per node).

    Alternative witness (any n): ``{"blocking": {"coalition": [agents], "reallocation":
    {...}}}``, a valid ``core.blocked`` witness (checked by the host as that claim).  Why it
    proves the claim -- the seed's Theorem 3 (SP outcomes are in the weak core), re-proved for
    this definition: let Q be an SP outcome for N_1, ..., N_τ and C block with Q_C (resources
    ω − Σ_{x∉C} q_x, every member strictly better).  Let t be the first turn meeting C and
    C_t = C ∩ N_t.  Agents of earlier turns are outside C, so C can only use objects of turn
    t's market; a member satiated there cannot gain, so every x ∈ C_t is non-satiated and
    P·q_x >= α_x v_x·q_x + β_x > α_x u_x(q*_x) + β_x = P·q*_x (P the turn's prices).  An object
    with P_j > 0 is exhausted by N_t, so later turns hold none of it and C has exactly
    Σ_{x∈C_t} q*_xj of it: P·Σ_{C_t} q_x <= P·Σ_{C_t} q*_x, a contradiction.

**Equal budgets** (the ``sp`` mechanism: each turn an HZ equilibrium with equal budgets).  Both
claims take the optional witness field ``"budgets": "equal"`` (absent: free incomes as above;
any other value is malformed).  Then a group's rows are *supported* iff they are a
Hylland–Zeckhauser equilibrium of the group's market with one common budget b > 0 for its
members: the conditions above plus P·q_x = b for every non-satiated member and, for a satiated
member, P·q_x <= b and P·q_x <= P_l for every top object l of the market (a cheapest top
bundle).  The conditions are homogeneous in (P, α, β, b), so b is normalised to **1**: prices
are in units of the budget.  A ``turns`` entry is then a valid ``hz.equilibrium`` witness for
the market with ``budgets`` 1 for every member and ``equal_budgets`` true (the checker adds
both; an entry giving ``budgets`` or ``equal_budgets`` itself is malformed); violations carry
``hz.*`` codes.  A tree entry's ``multipliers`` are an ``hz.no-equilibrium`` Farkas
certificate for that system with budgets 1 (rows ``budget``, ``cheapest``, ``scale`` besides
``price`` and ``alpha``): by homogeneity it excludes every common positive budget.  The
``blocking`` form needs nothing more: an HZ turn satisfies the free-income turn conditions,
so equal-budget SP outcomes are SP outcomes and lie in the weak core.

Further claims about the same instance and outcome (e.g. ``core.weak``, ``ex-ante.not-po``) go
with these in one ``all`` conjunction (``check_all.py``).
"""
from __future__ import annotations

import os
import sys
from fractions import Fraction
from itertools import combinations
from typing import Any

__all__ = ["CLAIMS", "MAX_AGENTS"]

MAX_AGENTS = 8
_CARDINAL: Any = None


def _cardinal() -> Any:
    """check_cardinal.py, loaded by path (stdlib only, like check.py's plugins)."""
    global _CARDINAL
    if _CARDINAL is None:
        import importlib.util
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "check_cardinal.py")
        spec = importlib.util.spec_from_file_location("_check_sp_cardinal", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _CARDINAL = module
    return _CARDINAL


def _host(c: Any) -> Any:
    return sys.modules[type(c).__module__]


def _remap(path: str, old: str, new: str) -> str:
    if path == old or path.startswith(old + ".") or path.startswith(old + "["):
        return new + path[len(old):]
    return path


class _Setup:
    """The cardinal model of the whole document (check_cardinal's reading)."""

    def __init__(self, c: Any) -> None:
        host, card = _host(c), _cardinal()
        self.c, self.host, self.card = c, host, card
        doc = getattr(c, "doc", None)
        if doc is None:
            raise host.Malformed("witness", "check_sp needs the whole certificate "
                                            "(checker.doc)")
        self.doc = doc
        try:
            self.m = card._Model(doc)
        except card._Malformed as exc:
            code, path, message = exc.triple
            raise host.Malformed(path, message, code) from None
        for code, path, message in self.m.violations:
            c.bad(code, path, message)
        self.ok = not self.m.violations

    def labels(self, x: Any, path: str, what: str) -> list:
        h = self.host
        items = h.typed(x, list, path)
        out: list = []
        for k, a in enumerate(items):
            if not isinstance(a, str) or a not in self.m.v:
                raise h.Malformed(h.at(path, k), f"{what}: {a!r} is not an agent")
            if a in out:
                raise h.Malformed(h.at(path, k), f"{what}: agent {a!r} appears twice")
            out.append(a)
        if not out:
            raise h.Malformed(path, f"{what}: the list is empty")
        return out

    def mode(self, w: dict) -> bool:
        """True for ``"budgets": "equal"``, False without the field (free incomes)."""
        if "budgets" not in w:
            return False
        if w["budgets"] != "equal":
            raise self.host.Malformed("witness.budgets", f"'budgets' must be \"equal\" (or "
                                                         f"absent for free incomes), got "
                                                         f"{w['budgets']!r}")
        return True

    def hz_witness(self, group: list, entry: dict, where: str) -> dict:
        """``entry`` with every member's budget 1 and ``equal_budgets`` (equal-budget mode)."""
        for key in ("budgets", "equal_budgets"):
            if key in entry:
                raise self.host.Malformed(self.host.at(where, key), "with \"budgets\": "
                                          "\"equal\" every budget is 1 (prices in units of the "
                                          "budget): the entry must not give " + key)
        return {**entry, "budgets": {a: 1 for a in group}, "equal_budgets": True}

    def market(self, group: list, remaining: set, claim: str, witness: dict) -> dict:
        """The certificate of ``claim`` about the group's market (module docstring)."""
        m = self.m
        rest = {o: m.supply[o] - sum((m.q[a][o] for a in m.agents if a not in remaining),
                                     Fraction(0)) for o in m.objects}
        live = [o for o in m.objects if rest[o] > 0]
        members = [a for a in m.agents if a in set(group)]
        # Fractions, not text: str() refuses integers of more than 4300 digits (a valid
        # certificate may hold 10**5000 as "1e5000"); check_cardinal reads Fractions as they are
        inst = {"agents": members, "objects": live,
                "supply": {o: rest[o] for o in live},
                "valuations": {a: {o: m.v[a][o] for o in live} for a in members}}
        alloc = {a: {o: m.q[a][o] for o in live if m.q[a][o]} for a in members}
        return {"format": "exactassign.certificate", "version": 1, "claim": claim,
                "instance": inst, "outcome": {"allocation": alloc}, "witness": witness}

    def sub(self, doc: dict, where: str, code: str) -> None:
        """Check a market certificate with check_cardinal; report under ``where``."""
        for vcode, path, message in self.card.check_cardinal(doc):
            if _remap(path, "witness.budgets", "") != path:    # added by hz_witness: the entry
                path = "witness"
            if vcode.startswith("malformed.") and path.startswith("witness"):
                raise self.host.Malformed(_remap(path, "witness", where), message, vcode)
            if vcode.startswith("malformed."):          # the derived market itself
                self.c.bad(code + ".market", where, message)
                continue
            self.c.bad(vcode, _remap(path, "witness", where), message)

    def nested(self, claim: str, witness: dict, where: str) -> None:
        """Check ``claim`` with ``witness`` about this instance and outcome by the host, as a
        certificate of its own; report under ``where``."""
        h = self.host
        report = h.check_certificate({**self.doc, "claim": claim, "witness": witness})
        for v in report.violations:
            path = _remap(v.path, "witness", where)
            if report.verdict == "malformed":
                raise h.Malformed(path, v.message, v.code)
            self.c.violations.append(h.Violation(v.code, path, v.message))


def claim_sp_decomposition(c: Any, w: dict) -> None:
    s = _Setup(c)
    h = s.host
    equal = s.mode(w)
    groups_raw = h.typed(h.get(w, "partition", "witness"), list, "witness.partition")
    turns = h.typed(h.get(w, "turns", "witness"), list, "witness.turns")
    groups, seen = [], set()
    for t, g in enumerate(groups_raw):
        g = s.labels(g, h.at("witness.partition", t), "partition group")
        for a in g:
            if a in seen:
                raise h.Malformed(h.at("witness.partition", t), f"agent {a!r} is in two "
                                                                 f"groups")
            seen.add(a)
        groups.append(g)
    missing = [a for a in s.m.agents if a not in seen]
    if missing:
        c.bad("sp-decomposition.partition.incomplete", "witness.partition",
              f"agents {missing} are in no group")
    if len(turns) != len(groups):
        raise h.Malformed("witness.turns", f"{len(turns)} turns for {len(groups)} groups")
    if not s.ok or missing:
        return
    remaining = set(s.m.agents)
    for t, (g, entry) in enumerate(zip(groups, turns)):
        p = h.at("witness.turns", t)
        entry = h.typed(entry, dict, p)
        doc = (s.market(g, remaining, "hz.equilibrium", s.hz_witness(g, entry, p)) if equal
               else s.market(g, remaining, "pm.equilibrium", entry))
        given = set(h.typed(h.get(entry, "prices", p), dict, h.at(p, "prices")))
        live = set(doc["instance"]["objects"])
        if given != live:
            c.bad("sp-decomposition.turn.objects", h.at(p, "prices"),
                  f"turn {t + 1}: prices must name exactly the objects with remaining supply "
                  f"{sorted(live)}, got {sorted(given)}")
        else:
            s.sub(doc, p, "sp-decomposition")
        remaining -= set(g)


def claim_sp_not_outcome(c: Any, w: dict) -> None:
    s = _Setup(c)
    h = s.host
    agents = s.m.agents
    equal = s.mode(w)
    if ("blocking" in w) == ("nodes" in w):
        raise h.Malformed("witness", "give exactly one of 'nodes' (the tree) and 'blocking'")
    if "blocking" in w:
        s.nested("core.blocked", h.get(w, "blocking", "witness", dict), "witness.blocking")
        return
    if len(agents) > MAX_AGENTS:
        c.bad("sp-not-outcome.too-many-agents", "instance.agents",
              f"{len(agents)} agents: this checker enumerates subsets only for at most "
              f"{MAX_AGENTS}")
        return
    nodes = h.typed(h.get(w, "nodes", "witness"), list, "witness.nodes")
    order = {a: i for i, a in enumerate(agents)}
    parsed: dict = {}
    for k, node in enumerate(nodes):
        p = h.at("witness.nodes", k)
        node = h.typed(node, dict, p)
        rest = frozenset(s.labels(h.get(node, "remaining", p), h.at(p, "remaining"),
                                  "remaining"))
        if rest in parsed:
            raise h.Malformed(h.at(p, "remaining"), "two nodes have the same remaining set")
        entries = {}
        for i, e in enumerate(h.typed(h.get(node, "groups", p), list, h.at(p, "groups"))):
            pe = h.at(h.at(p, "groups"), i)
            e = h.typed(e, dict, pe)
            g = frozenset(s.labels(h.get(e, "group", pe), h.at(pe, "group"), "group"))
            if g in entries:
                raise h.Malformed(h.at(pe, "group"), "this group appears twice in the node")
            entries[g] = (e, pe)
        parsed[rest] = (entries, p)
    if not s.ok:
        return
    if frozenset(agents) not in parsed:
        c.bad("sp-not-outcome.no-root", "witness.nodes", "no node has every agent remaining")
    for rest, (entries, p) in parsed.items():
        members = sorted(rest, key=order.__getitem__)
        for size in range(1, len(members) + 1):
            for g in combinations(members, size):
                if frozenset(g) not in entries:
                    c.bad("sp-not-outcome.node.uncovered", h.at(p, "groups"),
                          f"remaining {members}: no entry for the group {list(g)}")
        for g, (e, pe) in entries.items():
            if not g <= rest:
                c.bad("sp-not-outcome.group.not-remaining", h.at(pe, "group"),
                      f"group {sorted(g, key=order.__getitem__)} is not inside the "
                      f"remaining set {members}")
                continue
            if "multipliers" in e:
                group = [a for a in agents if a in g]
                mult = {"multipliers": e["multipliers"]}
                doc = (s.market(group, set(rest), "hz.no-equilibrium",
                                s.hz_witness(group, mult, pe)) if equal
                       else s.market(group, set(rest), "pm.no-equilibrium", mult))
                s.sub(doc, pe, "sp-not-outcome")
            elif e.get("continue") is True:
                if not rest - g:
                    c.bad("sp-not-outcome.group.continue-empty", pe,
                          "the group is the whole remaining set: nothing to continue with, a "
                          "Farkas certificate is needed")
                elif rest - g not in parsed:
                    c.bad("sp-not-outcome.group.continue-missing", pe,
                          f"no node for the remaining set "
                          f"{sorted(rest - g, key=order.__getitem__)}")
            else:
                raise h.Malformed(pe, "an entry needs 'multipliers' or \"continue\": true")


CLAIMS: dict = {"sp.decomposition": claim_sp_decomposition,
                "sp.not-outcome": claim_sp_not_outcome}
