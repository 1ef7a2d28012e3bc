"""The seed's Theorem 1 ("no second welfare theorem"), rechecked from scratch.

Seed paper (``shared/seeds/000``), Theorem 1: *for a finite economy E, let Q* be an ex-ante
Pareto-optimal random assignment; there may not exist a price vector P* that constitutes a
pseudomarket equilibrium for E with associated random assignment Q*.*  Its proof exhibits the
economy of ``proofs/theorem1/economy.json`` and the assignment Q of ``Q.json``, argues that Q is
ex-ante Pareto optimal, and shows that no price vector supports it.

The argument below (``exactassign reproduce theorem1``) establishes each part with certificates
that the standard-library checker ``certificates/check_cardinal.py`` re-verifies:

(a) sympy: prices and the affine coefficients as symbols; the x- and y-agents' support equations
    force P3 = P4 (the general solution is the family a·1 + b·(3, 2, 1, 1)); z's conditions then
    demand 0 >= b_z > 0 — a contradiction;
(b) the same as an exact LP that is infeasible, with Farkas certificates (the LP in matrix form,
    the economy form ``pm.no-equilibrium``, and a short hand-readable one);
(c) ``ex-ante-po`` on Q: **no** — a dominating assignment Q' (the one of ``Q_prime.json``); Q' is
    itself Pareto optimal and supported by the prices (3, 2, 1, 0);
(d) the quasi-equilibria (equal prices; the non-constant (3, 2, 1, 1), which is not an
    equilibrium), the prices (2, 1, 0, 0) supporting Q without z, the weak core, and the
    sequential-pseudomarket reading of Q;
(e) the general fact: for every ex-ante PO assignment, the weights and prices of its PO
    certificate are pseudomarket-equilibrium prices (``equilibrium_from_welfare_weights``;
    property-tested in ``tests/test_cardinal.py``), run here on PO assignments of this economy;
and finally the first-welfare-theorem caveat (PM ⊆ PO needs HZ's cheapest-bundle condition).

Each finding is compared with what the proof file expects; the report says which claims of the
paper are CONFIRMED and which are REFUTED.
"""
from __future__ import annotations

import json
from typing import Any

from ..allocation import Allocation
from ..certificates.build import certificate
from ..certificates.check_cardinal import check_cardinal
from ..economy import Economy
from ..lp import INFEASIBLE, lp_to_json, result_to_json, solve, verify
from ..numbers import ZERO, Q, canonical, parse, to_sympy
from ..properties.cardinal import (CoreCertificate, FarkasCertificate, ParetoImprovement,
                                   PriceSupport, WelfareWeights, _price_lp, analyse_ex_ante_po,
                                   analyse_weak_core, cardinal_data,
                                   equilibrium_from_welfare_weights, pm_equilibrium,
                                   pm_quasi_equilibrium, welfare_maximiser, witness_json)

__all__ = ["run"]


class _Report:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.failures: list[str] = []

    def say(self, text: str = "", indent: int = 3) -> None:
        for line in text.split("\n"):
            self.lines.append(" " * indent + line if line else "")

    def section(self, title: str) -> None:
        self.lines.append("")
        self.lines.append(f"   --- {title}")

    def check(self, label: str, doc: dict, expect_codes: set[str] | None = None) -> bool:
        """Verify a certificate with check_cardinal; report and remember failures."""
        found = check_cardinal(json.loads(json.dumps(doc)))
        codes = {c for c, _, _ in found}
        if expect_codes is None:
            ok = not found
            self.say(f"{label}: {doc['claim']} certificate "
                     + ("VALID (standard-library checker)" if ok else "REJECTED"), 6)
        else:
            ok = codes == expect_codes
            self.say(f"{label}: the checker reports exactly {sorted(codes)}"
                     + ("" if ok else f" (expected {sorted(expect_codes)})"), 6)
        if not ok or (expect_codes is None and found):
            for c, p, m in found:
                self.say(f"  {c} at {p}: {m}", 6)
            self.failures.append(f"{label}: certificate check failed")
        return ok


def _cert(claim: str, economy: Economy, alloc: Allocation, witness: dict) -> dict:
    return certificate(claim, economy, alloc, witness, prop="reproduce:theorem1")


def _row(alloc: Allocation, a: str) -> str:
    return "(" + ", ".join(canonical(alloc.amount(a, o)) for o in alloc.objects) + ")"


def _utility(e: Economy, alloc: Allocation, a: str) -> Any:
    i = e.agent_index[a]
    return sum((v * q for v, q in zip(e.valuations[i], alloc.rows[i])), ZERO)


def _vec(values: Any) -> str:
    return "(" + ", ".join(canonical(v) for v in values) + ")"


def _prices_json(objects: tuple[str, ...], prices: dict) -> dict:
    return {o: canonical(parse(prices[o])) for o in objects}


# ------------------------------------------------------------------------------- (a)
def _symbolic(rep: _Report, e: Economy, q: Allocation, zname: str,
              direction: dict | None) -> dict[str, bool]:
    import sympy as sp
    rep.section("(a) symbolic derivation (sympy): prices as symbols")
    d = cardinal_data(e, q)
    m = e.m
    P = sp.symbols(f"P1:{m + 1}")
    a = {x: sp.Symbol(f"a_{x}") for x in e.agents}
    b = {x: sp.Symbol(f"b_{x}", positive=True) for x in e.agents}
    others = [i for i, x in enumerate(e.agents) if x != zname and not d.satiated[i]]
    eqs = []
    for i in others:
        x = e.agents[i]
        for j in d.support[i]:
            eqs.append(sp.Eq(P[j], a[x] + b[x] * to_sympy(d.v[i][j])))
    rep.say("The seed's reading of supporting prices: on the support of q_x, P_j = a_x + b_x v_xj "
            "with b_x > 0\n(pseudomarkets.md §1: exactly the equilibrium condition for a "
            "non-satiated agent).  Agents other than z:")
    for eq in eqs:
        rep.say(f"  {sp.sstr(eq.lhs)} = {sp.sstr(eq.rhs)}", 6)
    unknowns = [a[e.agents[i]] for i in others] + [b[e.agents[i]] for i in others]
    free_prices = [P[j] for j in range(m) if all(j in d.support[i] for i in others)]
    unknowns += [p for p in P if p not in free_prices]
    sol = sp.solve(eqs, unknowns, dict=True)
    ok_unique = len(sol) == 1
    s = sol[0] if ok_unique else {}
    rep.say(f"Solved for {', '.join(map(str, unknowns))} in terms of "
            f"{', '.join(map(str, free_prices))}:")
    for k in unknowns:
        if k in s:
            rep.say(f"  {k} = {sp.sstr(s[k])}", 6)
    general = [sp.simplify(s.get(p, p)) for p in P]
    rep.say(f"General solution: P = ({', '.join(sp.sstr(g) for g in general)})")
    # the family A·1 + B·D with D the quasi-equilibrium prices of the proof file
    family_ok = False
    if direction is not None:
        D = [to_sympy(parse(direction[o])) for o in e.objects]
        A_, B_ = sp.symbols("A B")
        fam = sp.solve([sp.Eq(general[j], A_ + B_ * D[j]) for j in range(m)], [A_, B_],
                       dict=True)
        family_ok = len(fam) == 1 and all(
            sp.simplify(general[j] - (fam[0][A_] + fam[0][B_] * D[j])) == 0 for j in range(m))
        if family_ok:
            rep.say(f"= A·(1, ..., 1) + B·({', '.join(map(str, D))}) with "
                    f"A = {sp.sstr(fam[0][A_])}, B = {sp.sstr(fam[0][B_])}: every price vector "
                    f"compatible with the x- and y-agents\n(the quasi-equilibria, B >= 0) lies in "
                    f"this two-parameter family.")
    # z's conditions
    iz = e.agent_index[zname]
    zs = d.support[iz]
    diff = None
    contradiction = False
    rep.say(f"Agent {zname}: v = {_vec(d.v[iz])}, support {[e.objects[j] for j in zs]}.")
    if len(zs) == 1:
        jz = zs[0]
        better = [j for j in range(m) if d.v[iz][j] > d.v[iz][jz]]
        for j in better:
            # P_j >= a_z + b_z v_zj and P_jz = a_z + b_z v_zjz  =>  P_j - P_jz >= b_z (v_zj - v_zjz)
            diff = sp.simplify(general[j] - general[jz])
            gap = to_sympy(d.v[iz][j] - d.v[iz][jz])
            rep.say(f"  {zname}: P{jz + 1} = a_z + b_z·{to_sympy(d.v[iz][jz])} and "
                    f"P{j + 1} >= a_z + b_z·{to_sympy(d.v[iz][j])}  =>  "
                    f"P{j + 1} − P{jz + 1} >= {gap}·b_z", 3)
            rep.say(f"  but the general solution gives P{j + 1} − P{jz + 1} = {sp.sstr(diff)}, "
                    f"so {gap}·b_z <= {sp.sstr(diff)}: b_z <= 0, contradicting b_z > 0.", 3)
            if diff == 0 and gap > 0:
                contradiction = True
    rep.say("Result: " + ("the x- and y-conditions force equal prices on objects "
                          "3 and 4, and z's condition is then contradictory: no "
                          "price vector supports Q." if contradiction else
                          "NO contradiction derived"))
    if not contradiction:
        rep.failures.append("(a) the symbolic derivation did not reach a contradiction")
    return {"symbolic-P3-equals-P4": contradiction, "quasi-equilibrium-affine-family": family_ok}


# ------------------------------------------------------------------------------- (b)
def _farkas(rep: _Report, e: Economy, q: Allocation, hand: dict | None) -> bool:
    rep.section("(b) the same as an exact LP: infeasible, with Farkas certificates")
    d = cardinal_data(e, q)
    lp, keys, _ = _price_lp(d, "pm")
    r = solve(lp)
    rep.say(f"LP of pseudomarkets.md §1 (variables P_j >= 0, alpha_x >= 1, beta_x free; "
            f"P_j = alpha_x v_xj + beta_x on supports, >= elsewhere): {lp.n_vars} variables, "
            f"{lp.n_rows} rows.")
    rep.say(f"Exact answer: {r.status} (method {r.method}, HiGHS said {r.hint!r}); "
            f"exact re-verification: {'ok' if not verify(lp, r) else verify(lp, r)}")
    if r.status != INFEASIBLE:
        rep.failures.append("(b) the LP is not infeasible")
        return False
    outcome, witness = result_to_json(lp, r)
    doc = {"format": "exactassign.certificate", "version": 1, "claim": "lp.infeasible",
           "instance": lp_to_json(lp), "outcome": outcome, "witness": witness,
           "producer": {"package": "exactassign", "property": "reproduce:theorem1"}}
    rep.say("Farkas multipliers (non-zero):")
    for name, y in witness["multipliers"].items():
        rep.say(f"  {name}: {y}", 6)
    ok = rep.check("matrix form", doc)
    res = pm_equilibrium(e, q)
    ok &= isinstance(res, FarkasCertificate)
    ok &= rep.check("economy form (property pm-equilibrium)",
                    _cert("pm.no-equilibrium", e, q, witness_json(e, res, q)))
    if hand:
        rep.say("A hand-readable Farkas vector (the seed's argument as a linear combination):"
                "\n  −(x1's support rows at 1,2,3 with weights 1,−2,1) + (y1's at 1,2,4 with "
                "1,−2,1) + (z: object 3 minus object 4) + z's normalisation alpha_z >= 1"
                "\n  adds up to 0·P + 0·alpha + 0·beta >= 1.")
        ok &= rep.check("hand-readable", _cert("pm.no-equilibrium", e, q,
                                               {"multipliers": hand}))
    return ok


# ------------------------------------------------------------------------------- (c)
def _pareto(rep: _Report, e: Economy, q: Allocation, q2: Allocation,
            prices2: dict | None) -> dict[str, bool]:
    rep.section("(c) is Q ex-ante Pareto optimal?  exact LP max Σ_x u_x s.t. u_x >= u_x(Q)")
    res = analyse_ex_ante_po(e, q)
    out = {"Q-is-ex-ante-PO": isinstance(res, WelfareWeights)}
    if isinstance(res, ParetoImprovement):
        dom = res.dominating
        rep.say("NO.  A feasible assignment that makes nobody worse off and z better off:")
        rep.say(f"  {'agent':6} {'Q':28} {'dominating':28} utility Q -> dominating", 3)
        for a in e.agents:
            rep.say(f"  {a:6} {_row(q, a):28} {_row(dom, a):28} {canonical(_utility(e, q, a))}"
                    f" -> {canonical(_utility(e, dom, a))}", 3)
        rep.check("dominating assignment", _cert("ex-ante.not-po", e, q,
                                                 witness_json(e, res, q)))
        rep.say(f"It {'equals' if dom == q2 else 'differs from'} Q' of pseudomarkets.md §1 "
                f"(Q_prime.json); the file's Q' is checked as a witness too:")
        rep.check("Q' dominates Q", _cert("ex-ante.not-po", e, q,
                                          {"dominating": q2.to_mapping()}))
        rep.say("The trade: z takes 1/4 of object 3 from x2; x2 takes 1/2 of object 2 from "
                "the y agents;\nthe y agents take object 1 (from x2) and object 4 (from z).  "
                "The seed's argument lumps\nobjects 3 and 4 together for x and y agents, but "
                "x values 3 above 4 and y values 4 above 3.")
    else:
        rep.say("Q is ex-ante Pareto optimal (unexpected).")
    res2 = analyse_ex_ante_po(e, q2)
    out["Q-prime-is-PO"] = isinstance(res2, WelfareWeights)
    if isinstance(res2, WelfareWeights):
        rep.say(f"Q' is ex-ante PO: weights {_vec(res2.weights)}, prices {_vec(res2.prices)}, "
                f"mu {_vec(res2.mu)}")
        rep.check("Q' is PO", _cert("ex-ante.po", e, q2, witness_json(e, res2, q2)))
        sup = equilibrium_from_welfare_weights(e, q2, res2)
        w = witness_json(e, sup, q2)
        w.pop("budgets", None)
        rep.say(f"and its certificate gives pseudomarket prices P = {_vec(sup.prices)}:")
        rep.check("Q' supported", _cert("pm.equilibrium", e, q2, w))
        if prices2 is not None:
            want = tuple(parse(prices2[o]) for o in e.objects)
            out["Q-prime-supported-by-stated-prices"] = tuple(sup.prices) == want
    return out


# ------------------------------------------------------------------------------- (d)
def _affine_witness(e: Economy, alloc: Allocation, prices: dict, quasi: bool) -> dict:
    """(alpha, beta) for each non-satiated agent from two support prices (or, with a single
    support object, alpha = 0 when quasi and the agent's support is the cheapest)."""
    d = cardinal_data(e, alloc)
    P = [parse(prices[o]) for o in e.objects]
    agents = {}
    for i, a in enumerate(e.agents):
        if d.satiated[i]:
            continue
        supp = d.support[i]
        pair = [(j, k) for j in supp for k in supp if d.v[i][j] != d.v[i][k]]
        if pair:
            j, k = pair[0]
            alpha = (P[j] - P[k]) / (d.v[i][j] - d.v[i][k])
        elif quasi:
            alpha = ZERO
        else:
            alpha = Q(1)
        beta = P[supp[0]] - alpha * d.v[i][supp[0]]
        agents[a] = {"alpha": canonical(alpha), "beta": canonical(beta)}
    return {"prices": {o: canonical(p) for o, p in zip(e.objects, P)}, "agents": agents}


def _sub_economy(e: Economy, agents: list[str], supply: dict) -> Economy:
    objs = [o for o in e.objects if supply[o] > 0]
    return Economy.create(agents, objs, supply={o: supply[o] for o in objs},
                          valuations={a: {o: e.valuations[e.agent_index[a]][e.object_index[o]]
                                          for o in objs} for a in agents})


def _quasi_and_reduced(rep: _Report, e: Economy, q: Allocation, zname: str,
                       quasi_prices: dict | None, reduced_prices: dict | None,
                       partition: list[list[str]] | None) -> dict[str, bool]:
    out: dict[str, bool] = {}
    rep.section("(d) quasi-equilibria, the economy without z, the weak core, sequential "
                "pseudomarkets")
    equal = {o: 1 for o in e.objects}
    w = _affine_witness(e, q, equal, quasi=True)
    rep.say("Equal prices (1, ..., 1) with alpha = 0, beta = 1 for everyone satisfy every "
            "quasi-equilibrium condition;\nthe checker's only objection is that they are "
            "constant (a constant vector is always a quasi-equilibrium):")
    out["equal-prices-quasi-equilibrium"] = rep.check(
        "equal prices", _cert("pm.quasi-equilibrium", e, q, w), {"pm-quasi.constant-prices"})
    if quasi_prices is not None:
        w = _affine_witness(e, q, quasi_prices, quasi=True)
        rep.say(f"The non-constant quasi-equilibrium fixed by the x and y agents, P = "
                f"{_vec(parse(quasi_prices[o]) for o in e.objects)} (alpha_z = 0):")
        ok = rep.check("non-constant quasi-equilibrium", _cert("pm.quasi-equilibrium", e, q,
                                                                w))
        w_eq = json.loads(json.dumps(w))
        w_eq["agents"][zname] = {"alpha": "1", "beta": canonical(
            parse(quasi_prices[q.objects[cardinal_data(e, q).support[e.agent_index[zname]][0]]])
            - _z_value(e, q, zname))}
        rep.say("It is not an equilibrium: z strictly prefers object 3, which is not more "
                "expensive than object 4\n(alpha_z = 1 shown; any alpha_z > 0 fails the same "
                "way):")
        found = check_cardinal(json.loads(json.dumps(_cert("pm.equilibrium", e, q, w_eq))))
        for c, p, m in found:
            rep.say(f"  {c} at {p}: {m}", 6)
        out["quasi-equilibrium-not-equilibrium"] = ok and bool(found)
    res = pm_quasi_equilibrium(e, q)
    if isinstance(res, PriceSupport):
        rep.say(f"The LP finds the non-constant quasi-equilibrium P = {_vec(res.prices)} "
                f"(the same family: A·1 + B·(3, 2, 1, 1)):")
        rep.check("quasi-equilibrium (LP)", _cert("pm.quasi-equilibrium", e, q,
                                                  witness_json(e, res, q)))
    # without z
    rest = [a for a in e.agents if a != zname]
    reduced = _sub_economy(e, rest, {o: e.supply_of(o) for o in e.objects})
    rq = Allocation.from_mapping(reduced, {a: q.row_map(a) for a in rest})
    rep.say(f"Without z (agents {', '.join(rest)}, the same supply; object 4 is then in excess "
            f"supply, so market\nclearing forces P4 = 0 — the quasi-equilibrium family with "
            f"P3 = P4 = 0 is B·(2, 1, 0, 0)):")
    res = pm_equilibrium(reduced, rq)
    out["reduced-economy-equilibrium"] = isinstance(res, PriceSupport)
    if isinstance(res, PriceSupport):
        rep.check(f"LP prices {_vec(res.prices)}", _cert("pm.equilibrium", reduced, rq,
                                                         witness_json(reduced, res, rq)))
    if reduced_prices is not None:
        w = _affine_witness(reduced, rq, reduced_prices, quasi=False)
        out["reduced-economy-equilibrium"] &= rep.check(
            f"prices {_vec(parse(reduced_prices[o]) for o in e.objects)}",
            _cert("pm.equilibrium", reduced, rq, w))
    # weak core
    core = analyse_weak_core(e, q)
    out["Q-in-weak-core"] = isinstance(core, CoreCertificate)
    if isinstance(core, CoreCertificate):
        rep.say(f"Q is in the ex-ante weak core ({len(core.rounds)} rounds, {core.lps} exact "
                f"LPs; pseudomarkets.md §3):")
        for rd in core.rounds:
            rep.say(f"  coalition {{{', '.join(e.agents[i] for i in rd.coalition)}}}: nobody "
                    f"in {{{', '.join(e.agents[i] for i in rd.removed)}}} can gain "
                    f"(weights {', '.join(canonical(rd.weights[i]) for i in rd.coalition)}, "
                    f"prices {_vec(rd.prices)})", 3)
        rep.check("weak core", _cert("core.weak", e, q, witness_json(e, core, q)))
    else:
        rep.say(f"Q is NOT in the weak core: {core}")
    # sequential pseudomarket
    if partition:
        rep.say(f"Q as a sequential-pseudomarket outcome for the ordered partition "
                f"{' | '.join(' '.join(g) for g in partition)}:")
        remaining = {o: e.supply_of(o) for o in e.objects}
        ok = True
        for t, group in enumerate(partition):
            sub = _sub_economy(e, group, remaining)
            sq = Allocation.from_mapping(sub, {a: {o: x for o, x in q.row_map(a).items()}
                                               for a in group})
            r = pm_equilibrium(sub, sq)
            good = isinstance(r, PriceSupport)
            if good:
                good = rep.check(f"turn {t + 1} ({', '.join(group)}; supply "
                                 f"{', '.join(f'{o}: {canonical(s)}' for o, s in remaining.items() if s > 0)})"
                                 f" prices {_vec(r.prices)}",
                                 _cert("pm.equilibrium", sub, sq, witness_json(sub, r, sq)))
            ok &= good
            for a in group:
                for o, x in q.row_map(a).items():
                    remaining[o] -= x
        out["Q-is-SP-outcome"] = ok
    return out


def _z_value(e: Economy, q: Allocation, zname: str) -> Any:
    d = cardinal_data(e, q)
    iz = e.agent_index[zname]
    return d.v[iz][d.support[iz][0]]


# ------------------------------------------------------------------------------- (e)
def _general(rep: _Report, e: Economy, q2: Allocation) -> dict[str, bool]:
    rep.section("(e) the general fact: every ex-ante PO assignment has supporting prices")
    rep.say("If Q* is ex-ante PO, the LP max Σ_x u_x(q_x) s.t. Q feasible, u_x(q_x) >= u_x(q*_x) "
            "has optimum Σ_x u_x(q*_x);\nits dual gives weights w_x >= 1, prices π >= 0 (0 on "
            "slack objects) and μ_x with w_x v_xj <= μ_x + π_j,\nequality on supp(q*_x) "
            "(complementary slackness).  Then P = π, alpha_x = w_x, beta_x = −μ_x satisfy\n"
            "P_j >= alpha_x v_xj + beta_x with equality on the support, alpha_x > 0: a "
            "pseudomarket equilibrium\nwith free incomes (and satiated agents pay the "
            "cheapest top prices, so it is even an HZ equilibrium\nwith budgets P·q*_x).  "
            "Function: properties.cardinal.equilibrium_from_welfare_weights; property test:\n"
            "tests/test_cardinal.py.  Run here on PO assignments of this economy:")
    cases: list[tuple[str, Allocation]] = [("Q'", q2)]
    weights = [(1, 1, 1, 1, 1), (1, 2, 1, 2, 3), (3, 1, 2, 1, 1), (1, 1, 5, 5, 1)]
    n, m = e.n, e.m
    for w in weights:
        w = (tuple(w) + (1,) * n)[:n]
        v1 = welfare_maximiser(e, w, [[(i * 7 + j * 3) % 5 for j in range(m)]
                                      for i in range(n)])
        v2 = welfare_maximiser(e, w, [[(i * 3 + j * 5) % 7 for j in range(m)]
                                      for i in range(n)])
        avg = Allocation(e.agents, e.objects, tuple(
            tuple((x + y) / 2 for x, y in zip(r1, r2)) for r1, r2 in zip(v1.rows, v2.rows)))
        cases += [(f"maximiser of weights {w}", v1), (f"average of two maximisers, {w}", avg)]
    ok_all = True
    for label, alloc in cases:
        res = analyse_ex_ante_po(e, alloc)
        if not isinstance(res, WelfareWeights):
            rep.say(f"  {label}: not PO?!", 3)
            ok_all = False
            continue
        sup = equilibrium_from_welfare_weights(e, alloc, res)
        w = witness_json(e, sup, alloc)
        hz = dict(w)
        w.pop("budgets")
        found = check_cardinal(json.loads(json.dumps(_cert("pm.equilibrium", e, alloc, w))))
        found += check_cardinal(json.loads(json.dumps(_cert("hz.equilibrium", e, alloc, hz))))
        ok_all &= not found
        rep.say(f"  {label}: PO certificate -> prices {_vec(sup.prices)}: pm.equilibrium and "
                f"hz.equilibrium {'VALID' if not found else 'REJECTED ' + str(found)}", 3)
    return {"every-PO-assignment-supported": ok_all}


# ------------------------------------------------------------------------------- caveat
def _first_welfare(rep: _Report) -> dict[str, bool]:
    rep.section("first welfare theorem (the seed's '1) PM ⊆ PO'): depends on the definition")
    e = Economy.create(["1", "2"], ["a", "b"], valuations={"1": {"a": 1, "b": 1},
                                                           "2": {"a": 1, "b": 0}})
    q = Allocation.from_mapping(e, {"1": {"a": 1}, "2": {"b": 1}})
    rep.say("Agent 1 values a and b equally (satiated), agent 2 values only a; agent 1 holds "
            "a, agent 2 holds b.")
    w = {"prices": {"a": "1", "b": "0"}, "agents": {"2": {"alpha": "1", "beta": "0"}}}
    ok = rep.check("P = (1, 0) under the seed's definition", _cert("pm.equilibrium", e, q, w))
    po = analyse_ex_ante_po(e, q)
    rep.check("but Q is not PO (swap a and b)", _cert("ex-ante.not-po", e, q,
                                                      witness_json(e, po, q)))
    hz = dict(w, budgets={"1": "1", "2": "0"})
    found = check_cardinal(json.loads(json.dumps(_cert("hz.equilibrium", e, q, hz))))
    rep.say("With HZ's cheapest-bundle condition for satiated agents the same prices fail:")
    for c, p, m in found:
        rep.say(f"  {c} at {p}: {m}", 6)
    rep.say("So PM ⊆ PO holds for HZ equilibria (and for the seed's definition when no agent "
            "has a tie at the top),\nbut not for the seed's literal definition.")
    return {"PM-subset-PO-seed-definition": not (ok and isinstance(po, ParetoImprovement))}


# ------------------------------------------------------------------------------- driver
def run(proof: Any, claim: dict) -> Any:
    from ..reproduce import ClaimOutcome, claim_allocation
    rep = _Report()
    e = proof.economy
    q = claim_allocation(proof, claim["allocation"])
    q2 = claim_allocation(proof, claim["improvement"], "improvement")
    zname = claim.get("agent_z", "z")
    rep.say("Seed, Theorem 1: \"let Q* be an ex-ante Pareto-optimal random assignment. There may "
            "not exist a price\nvector P* that constitutes a pseudomarket equilibrium ... with "
            "associated random assignment Q*.\"")
    rep.say("Instance (supply " + ", ".join(f"{o}: {canonical(s)}" for o, s in
                                            zip(e.objects, e.supply)) + "):")
    for i, a in enumerate(e.agents):
        rep.say(f"  {a:4} v = {_vec(e.valuations[i])}   q = {_row(q, a)}   u = "
                f"{canonical(_utility(e, q, a))}", 3)
    found: dict[str, bool] = {}
    found.update(_symbolic(rep, e, q, zname, claim.get("quasi_prices")))
    found["no-equilibrium-supports-Q"] = _farkas(rep, e, q, claim.get("farkas"))
    found.update(_pareto(rep, e, q, q2, claim.get("improvement_prices")))
    found.update(_quasi_and_reduced(rep, e, q, zname, claim.get("quasi_prices"),
                                    claim.get("reduced_prices"), claim.get("sp_partition")))
    found.update(_general(rep, e, q2))
    found.update(_first_welfare(rep))
    found["theorem-1"] = not found["every-PO-assignment-supported"]
    # verdicts
    rep.section("verdicts")
    diffs = list(rep.failures)
    for key, spec in claim.get("findings", {}).items():
        if key not in found:
            diffs.append(f"unknown finding {key!r}")
            continue
        got = found[key]
        if got != spec["expected"]:
            diffs.append(f"{key}: expected {spec['expected']}, computed {got}")
        verdict = "CONFIRMED" if got == spec["claimed"] else "REFUTED"
        rep.say(f"{verdict:9}  [{spec.get('by', 'seed')}] {spec['statement']}")
        if spec.get("why"):
            rep.say(f"           {spec['why']}")
    text = "\n".join(rep.lines) + "\n"
    return ClaimOutcome(proof, claim, not diffs, found, tuple(diffs), text)
