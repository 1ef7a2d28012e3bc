"""Cardinal properties (ex-ante PO, weak core, pseudomarket prices) with their certificates,
re-verified by the standard-library checker; the second welfare theorem as a property test;
brute force for the weak core; mutations; the Theorem 1 reproduction and the CLI."""
from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exactassign.allocation import Allocation
from exactassign.certificates.build import certificate, certify_property
from exactassign.certificates.check_cardinal import ALL_CLAIMS as CLAIMS
from exactassign.certificates.check_cardinal import CLAIMS as HOSTED, check_cardinal
from exactassign.economy import Economy
from exactassign.lp import LPBuilder, solve
from exactassign.numbers import ZERO, Q
from exactassign.properties import PROPERTIES, evaluate
from _economies import assignments, average, cardinal_economies
from exactassign.properties.cardinal import (BlockingCoalition, CoreCertificate,
                                             FarkasCertificate, ParetoImprovement,
                                             PriceSupport, WelfareWeights, analyse_ex_ante_po,
                                             analyse_weak_core, cardinal_data,
                                             equilibrium_from_welfare_weights, hz_equilibrium,
                                             pm_equilibrium, pm_quasi_equilibrium,
                                             welfare_maximiser, witness_json)

ROOT = Path(__file__).resolve().parent.parent
T1 = ROOT / "proofs" / "theorem1"
CARDINAL = ("ex-ante-po", "weak-core", "pm-equilibrium", "pm-quasi-equilibrium",
            "hz-equilibrium")
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def theorem1():
    from exactassign.io import load_allocation, load_economy
    e = load_economy(T1 / "economy.json")
    return e, load_allocation(T1 / "Q.json", e), load_allocation(T1 / "Q_prime.json", e)


def cert(e, p, name):
    return json.loads(json.dumps(certify_property(e, p, name)))


def valid(doc):
    found = check_cardinal(doc)
    assert found == [], (doc["claim"], found)
    return True


# ----------------------------------------------------------------------------- strategies
@st.composite
def po_assignments(draw, e):
    """Ex-ante PO assignments: maximisers of Σ w_x u_x (w > 0) — vertices, other optimal
    vertices reached by tie-breaking objectives, and averages of those (non-vertex)."""
    w = [draw(st.integers(1, 4)) for _ in range(e.n)]
    tie = [[[draw(st.integers(0, 3)) for _ in range(e.m)] for _ in range(e.n)]
           for _ in range(draw(st.integers(1, 3)))]
    return average(*[welfare_maximiser(e, w, t) for t in tie])


# ----------------------------------------------------------------------------- Theorem 1
def test_theorem1_verdicts_and_certificates():
    e, q, q2 = theorem1()
    verdicts = {name: evaluate(name, e, q).holds for name in CARDINAL}
    assert verdicts == {"ex-ante-po": False, "weak-core": True, "pm-equilibrium": False,
                        "pm-quasi-equilibrium": True, "hz-equilibrium": False}
    for name in CARDINAL:
        assert valid(cert(e, q, name))
    dom = analyse_ex_ante_po(e, q)
    assert isinstance(dom, ParetoImprovement) and dom.dominating == q2
    po = analyse_ex_ante_po(e, q2)
    assert isinstance(po, WelfareWeights)
    sup = equilibrium_from_welfare_weights(e, q2, po)
    assert sup.prices == (Q(3), Q(2), Q(1), Q(0))


def test_hand_farkas_vector_and_its_mutations():
    e, q, _ = theorem1()
    hand = {"price": {"x1": {"1": -1, "2": 2, "3": -1}, "y1": {"1": 1, "2": -2, "4": 1},
                      "z": {"3": 1, "4": -1}}, "alpha": {"z": 1}}
    doc = json.loads(json.dumps(certificate("pm.no-equilibrium", e, q, {"multipliers": hand})))
    assert valid(doc)
    bad = json.loads(json.dumps(doc))
    bad["witness"]["multipliers"]["price"]["z"]["3"] = -1     # an off-support row: must be >= 0
    assert {c for c, _, _ in check_cardinal(bad)} >= {"pm-no-equilibrium.farkas.sign"}
    bad = json.loads(json.dumps(doc))
    del bad["witness"]["multipliers"]["alpha"]
    assert "pm-no-equilibrium.farkas.rhs" in {c for c, _, _ in check_cardinal(bad)}
    bad = json.loads(json.dumps(doc))
    bad["witness"]["multipliers"]["price"]["x1"]["4"] = 1        # P4 coefficient becomes > 0
    assert check_cardinal(bad)
    bad = json.loads(json.dumps(doc))
    bad["witness"]["multipliers"]["price"]["z"]["1"] = {"x": 1}
    assert check_cardinal(bad)[0][0].startswith("malformed.")


def test_reproduce_theorem1_cli():
    out = subprocess.run([sys.executable, "-m", "exactassign", "reproduce", "theorem1",
                          "pm-not-po-seed-definition"], capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr + out.stdout
    text = out.stdout
    assert "REFUTED    [seed] Q is ex-ante Pareto optimal." in text
    assert "CONFIRMED  [seed] No price vector supports Q" in text
    assert "REFUTED    [seed] Theorem 1" in text
    assert "Running HiGHS" not in text
    assert "5 of 5 claims reproduced exactly" in text


def test_check_cli_json_witnesses():
    out = subprocess.run([sys.executable, "-m", "exactassign", "check",
                          str(T1 / "economy.json"), str(T1 / "Q.json"), "--format", "json",
                          *itertools.chain.from_iterable(("--property", p) for p in CARDINAL)],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    props = json.loads(out.stdout)["properties"]
    assert props["ex-ante-po"]["holds"] is False
    assert set(props["ex-ante-po"]["witness"]) == {"dominating"}
    assert props["pm-equilibrium"]["witness"]["multipliers"]
    assert props["weak-core"]["claim"] == "core.weak"


# ----------------------------------------------------------------------------- first welfare
def test_seed_definition_equilibrium_need_not_be_po():
    e = Economy.create(["1", "2"], ["a", "b"], valuations={"1": {"a": 1, "b": 1},
                                                           "2": {"a": 1, "b": 0}})
    q = Allocation.from_mapping(e, {"1": {"a": 1}, "2": {"b": 1}})
    assert isinstance(pm_equilibrium(e, q), PriceSupport)
    assert isinstance(analyse_ex_ante_po(e, q), ParetoImprovement)
    assert isinstance(hz_equilibrium(e, q), FarkasCertificate)
    for name in CARDINAL:
        assert valid(cert(e, q, name))


# ----------------------------------------------------------------------------- (e) property test
@SETTINGS
@given(st.data())
def test_second_welfare_theorem_on_random_po_assignments(data):
    """For every ex-ante PO assignment the PO certificate's weights and prices are
    pseudomarket-equilibrium prices (even HZ with budgets P·q*), and pm-equilibrium says yes."""
    e = data.draw(cardinal_economies())
    q = data.draw(po_assignments(e))
    r = analyse_ex_ante_po(e, q)
    assert isinstance(r, WelfareWeights)
    assert valid(json.loads(json.dumps(certificate("ex-ante.po", e, q, witness_json(e, r, q)))))
    sup = equilibrium_from_welfare_weights(e, q, r)
    w = witness_json(e, sup, q)
    assert valid(json.loads(json.dumps(certificate("hz.equilibrium", e, q, w))))
    w.pop("budgets")
    assert valid(json.loads(json.dumps(certificate("pm.equilibrium", e, q, w))))
    assert isinstance(pm_equilibrium(e, q), PriceSupport)
    assert isinstance(analyse_weak_core(e, q), CoreCertificate)


# ----------------------------------------------------------------------------- random Q
def brute_force_blocking(e, q):
    """Every coalition, one exact LP each: max t s.t. u_x(q_x) - u*_x >= t on C (t <= 1)."""
    d = cardinal_data(e, q)
    for size in range(1, e.n + 1):
        for C in itertools.combinations(range(e.n), size):
            b = LPBuilder()
            x = {(i, j): b.variable() for i in C for j in range(e.m)}
            t = b.variable("t", free=True)
            for i in C:
                b.constraint({x[i, j]: 1 for j in range(e.m)}, "=", 1)
                b.constraint([*((x[i, j], d.v[i][j]) for j in range(e.m)), (t, -1)], ">=",
                             d.u[i])
            for j in range(e.m):
                rest = sum((d.q[i][j] for i in range(e.n) if i not in C), ZERO)
                b.constraint({x[i, j]: 1 for i in C}, "<=", e.supply[j] - rest)
            b.constraint({t: 1}, "<=", 1)
            b.maximize({t: 1})
            r = solve(b.build())
            if r.value > 0:
                return C
    return None


@SETTINGS
@given(st.data())
def test_random_assignments_all_properties_certified(data):
    e = data.draw(cardinal_economies())
    q = data.draw(assignments(e))
    res = {}
    for name in CARDINAL:
        r = evaluate(name, e, q)
        doc = json.loads(json.dumps(certificate(r.claim, e, q, r.witness, prop=name)))
        assert valid(doc)
        res[name] = r.holds
    # consistency between the properties (first and second welfare theorems)
    if res["ex-ante-po"]:
        assert res["pm-equilibrium"] and res["weak-core"]
    if res["hz-equilibrium"]:
        assert res["ex-ante-po"]
    d = cardinal_data(e, q)
    if res["pm-equilibrium"] and not any(len(t) > 1 and s for t, s in zip(d.top, d.satiated)):
        assert res["ex-ante-po"]          # first welfare theorem without satiated ties
    if res["pm-equilibrium"] and not all(d.satiated):
        assert res["pm-quasi-equilibrium"]
    # the weak core against brute force over all coalitions
    blocking = brute_force_blocking(e, q)
    assert res["weak-core"] == (blocking is None)


def test_weak_core_blocked_example_and_mutations():
    # two agents who both prefer what the other holds: the grand coalition blocks
    e = Economy.create(["1", "2", "3"], ["a", "b", "c"], valuations={
        "1": {"a": 0, "b": 2, "c": 0}, "2": {"a": 2, "b": 0, "c": 0}, "3": {"a": 0, "b": 0,
                                                                         "c": 1}})
    q = Allocation.from_mapping(e, {"1": {"a": 1}, "2": {"b": 1}, "3": {"c": 1}})
    r = analyse_weak_core(e, q)
    assert isinstance(r, BlockingCoalition) and set(r.coalition) == {"1", "2"}
    doc = cert(e, q, "weak-core")
    assert doc["claim"] == "core.blocked" and valid(doc)
    bad = json.loads(json.dumps(doc))
    bad["witness"]["coalition"].append("3")
    bad["witness"]["reallocation"]["3"] = {"c": 1}
    assert "core-blocked.not-better" in {c for c, _, _ in check_cardinal(bad)}
    # a weak-core certificate with its last round dropped is incomplete
    q2 = Allocation.from_mapping(e, {"1": {"b": 1}, "2": {"a": 1}, "3": {"c": 1}})
    doc = cert(e, q2, "weak-core")
    assert doc["claim"] == "core.weak" and valid(doc)
    if len(doc["witness"]["rounds"]) > 1:
        bad = json.loads(json.dumps(doc))
        bad["witness"]["rounds"].pop()
        assert "core-weak.rounds.incomplete" in {c for c, _, _ in check_cardinal(bad)}
    bad = json.loads(json.dumps(doc))
    first = bad["witness"]["rounds"][0]
    first["weights"][first["removed"][0]] = "0"
    assert "core-weak.weight.sign" in {c for c, _, _ in check_cardinal(bad)}
    bad = json.loads(json.dumps(doc))
    bad["witness"]["rounds"][0]["coalition"] = ["1", "2"]
    assert "core-weak.round.coalition" in {c for c, _, _ in check_cardinal(bad)}


def test_ex_ante_po_certificate_mutations():
    e, q, q2 = theorem1()
    doc = cert(e, q2, "ex-ante-po")
    assert valid(doc)
    for path, value, code in [
            (("weights", "z"), "0", "ex-ante-po.weight.not-positive"),
            (("prices", "1"), "-1", "ex-ante-po.price.negative"),
            (("mu", "x1"), "-1", "ex-ante-po.dual-violated"),
            (("mu", "x1"), "1", "ex-ante-po.not-tight")]:
        bad = json.loads(json.dumps(doc))
        bad["witness"][path[0]][path[1]] = value
        assert code in {c for c, _, _ in check_cardinal(bad)}, code
    bad = json.loads(json.dumps(doc))
    bad["outcome"]["allocation"]["z"] = {"4": "1/2"}
    assert "cardinal.feasible.row-sum" in {c for c, _, _ in check_cardinal(bad)}
    dom = cert(e, q, "ex-ante-po")
    bad = json.loads(json.dumps(dom))
    bad["witness"]["dominating"] = bad["outcome"]["allocation"]
    assert "ex-ante-not-po.no-gain" in {c for c, _, _ in check_cardinal(bad)}
    bad["witness"]["dominating"]["z"] = {"3": 1}
    assert "ex-ante-not-po.dominating.column-sum" in {c for c, _, _ in check_cardinal(bad)}


def test_slack_object_price_and_quasi_constant():
    e = Economy.create(["1", "2"], ["a", "b", "c"], valuations={
        "1": {"a": 2, "b": 1, "c": 0}, "2": {"a": 1, "b": 2, "c": 0}})
    q = Allocation.from_mapping(e, {"1": {"a": 1}, "2": {"b": 1}})
    for name in CARDINAL:
        assert valid(cert(e, q, name))
    assert evaluate("pm-equilibrium", e, q).holds
    doc = json.loads(json.dumps(certificate("pm.equilibrium", e, q, {
        "prices": {"a": 0, "b": 0, "c": 1}, "agents": {}})))
    assert "pm-equilibrium.price.slack-object" in {c for c, _, _ in check_cardinal(doc)}


def test_not_applicable():
    e = Economy.create(["1", "2"], ["a", "b"], preferences={"1": ["a", "b"], "2": ["a"]})
    q = Allocation.from_mapping(e, {"1": {"a": 1}})
    for name in CARDINAL:
        assert PROPERTIES[name].applies(e) is not None
        assert evaluate(name, e, q).holds is None
    e = Economy.create(["1", "2"], ["a"], supply={"a": 1},
                       valuations={"1": {"a": 1}, "2": {"a": 2}})
    q = Allocation.from_mapping(e, {"1": {"a": "1/2"}, "2": {"a": "1/2"}})
    r = evaluate("ex-ante-po", e, q)
    assert r.holds is None and "sums to 1/2" in r.reason


def test_claims_table():
    assert set(CLAIMS) >= {"ex-ante.po", "ex-ante.not-po", "core.weak", "core.blocked",
                           "pm.equilibrium", "pm.no-equilibrium", "pm.quasi-equilibrium",
                           "pm.no-quasi-equilibrium", "hz.equilibrium", "hz.no-equilibrium",
                           "lp.infeasible", "lp.optimal", "lp.unbounded"}
    assert check_cardinal({"claim": "nope"})[0][0] == "malformed.claim"


def test_checker_imports_only_the_standard_library():
    code = ("import sys, json; import exactassign.certificates.check_cardinal as c; "
            "print(json.dumps(sorted(m.split('.')[0] for m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    mods = set(json.loads(out.stdout))
    assert not mods & {"flint", "sympy", "numpy", "highspy", "networkx"}, mods
    src = (ROOT / "exactassign" / "certificates" / "check_cardinal.py").read_text()
    imports = {line.split()[1] for line in src.splitlines()
               if line.startswith(("import ", "from "))}
    assert imports <= {"__future__", "json", "fractions", "sys"}, imports


def test_quasi_no_certificate():
    # one agent, satiated, every object slack: no non-constant price vector is allowed
    e = Economy.create(["1"], ["a", "b"], supply={"a": 2, "b": 2},
                       valuations={"1": {"a": 1, "b": 0}})
    q = Allocation.from_mapping(e, {"1": {"a": 1}})
    r = pm_quasi_equilibrium(e, q)
    assert isinstance(r, FarkasCertificate)
    doc = cert(e, q, "pm-quasi-equilibrium")
    assert doc["claim"] == "pm.no-quasi-equilibrium" and valid(doc)


# ----------------------------------------------------------------------------- fixture corpus
DATA = ROOT / "tests" / "data" / "cardinal"


@pytest.mark.parametrize("path", sorted((DATA / "valid").glob("*.json")), ids=lambda p: p.stem)
def test_valid_fixtures(path):
    from exactassign.certificates.check_cardinal import loads
    doc = loads(path.read_text(encoding="utf-8"))
    assert doc["claim"] == path.stem.split("_")[0]
    assert check_cardinal(doc) == []


def test_invalid_fixtures_have_their_codes():
    from exactassign.certificates.check_cardinal import loads
    expected = json.loads((DATA / "expected_codes.json").read_text())
    assert set(expected) == {p.stem for p in (DATA / "invalid").glob("*.json")}
    assert {s.split("_")[0] for s in expected} == set(CLAIMS)
    for stem, code in expected.items():
        doc = loads((DATA / "invalid" / f"{stem}.json").read_text(encoding="utf-8"))
        assert code in {c for c, _, _ in check_cardinal(doc)}, stem


def test_economy_claims_through_the_host_checker():
    """check.py merges CLAIMS as plugins (f(checker, witness)); the verdicts agree."""
    from exactassign.certificates import check
    assert set(HOSTED) <= set(check.CLAIMS)
    assert not {c for c in check.CLAIMS if c.startswith("lp.")}
    for path in sorted((DATA / "valid").glob("*.json")):
        if path.stem.startswith("lp."):
            continue           # LP instances are not economies: check_cardinal only
        assert check.check_file(str(path)).verdict == "valid", path.stem
    for path in sorted((DATA / "invalid").glob("*.json")):
        if not path.stem.startswith("lp."):
            assert check.check_file(str(path)).verdict == "invalid", path.stem
