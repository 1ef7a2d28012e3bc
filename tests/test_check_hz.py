"""hz.outcome / sp.outcome certificates: the stdlib plugin check_hz.py (exact Sturm sign
decisions in Q(α)), the producer round trip on random economies, irrational allocations through
``run`` / ``check`` / ``certify``, and mutations of every number."""
from __future__ import annotations

import copy
import json
import random
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from _certs import numeric_mutations

from exactassign import run
from exactassign.certificates import check
from exactassign.certificates.build import certify_result
from exactassign.economy import Economy
from exactassign.errors import IrrationalError
from exactassign.numbers import Q

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "certificates"
IRR_ECON = ROOT / "proofs" / "economies" / "hz_irrational_4x4.json"
IRR_CERT = ROOT / "proofs" / "certificates" / "hz_irrational_4x4.outcome.json"
hz = check.CLAIMS["hz.outcome"].__globals__        # the loaded plugin module's namespace
F = Fraction


def poly(*cs):
    return [F(c) for c in cs]


# ----------------------------------------------------------------------------- Sturm and signs
def test_sturm_counts_and_exact_signs_for_sqrt2():
    K = hz["Field"](poly(-2, 0, 1), F(1), F(2))
    assert K.defect() is None
    assert K.sign(poly(-F(7, 5), 1)) == 1 and K.sign(poly(-F(3, 2), 1)) == -1
    assert K.sign(poly(-2, 0, 1)) == 0                       # α² − 2
    assert K.sign(hz["_mul"](poly(-2, 0, 1), poly(5, 1))) == 0
    assert K.sign(poly(-F(141421356, 10 ** 8), 1)) == 1     # √2 > 1.41421356
    assert K.sign(poly(-F(141421357, 10 ** 8), 1)) == -1
    assert hz["_roots"](poly(-2, 0, 1), F(-3), F(3)) == 2


def test_field_defects_are_named():
    Field = hz["Field"]
    assert "roots" in Field(poly(-2, 0, 1), F(-3), F(3)).defect()        # two roots
    assert "roots" in Field(poly(-2, 0, 1), F(2), F(3)).defect()         # none
    assert "square-free" in Field(hz["_mul"](poly(-2, 0, 1), poly(-2, 0, 1)), F(1),
                                  F(2)).defect()
    assert "end" in Field(poly(-4, 0, 1), F(1), F(2)).defect()
    # a reducible but square-free f is fine: α is still the only root in the interval
    K = Field(hz["_mul"](poly(-2, 0, 1), poly(-5, 1)), F(1), F(2))
    assert K.defect() is None and K.sign(poly(-2, 0, 1)) == 0 and K.sign(poly(-5, 1)) == -1


# ----------------------------------------------------------------------------- the proof
def test_proof_certificate_holds_sqrt2_over_4():
    doc = check.loads(IRR_CERT.read_text(encoding="utf-8"))
    assert check.check_certificate(doc).verdict == "valid"
    turn = doc["witness"]["turns"][0]
    f = [F(c) for c in turn["field"]["poly"]]
    lo, hi = (F(x) for x in turn["field"]["interval"])
    K = hz["Field"](f, lo, hi)
    q = [F(c) for c in turn["amounts"]["1"]["b"]["field_element"]]
    assert K.sign(hz["_sub"](hz["_scale"](hz["_mul"](q, q), F(8)), [F(1)])) == 0   # 8q² = 1
    assert K.sign(q) == 1


def test_irrational_allocation_through_the_cli(tmp_path):
    env_py = [sys.executable, "-m", "exactassign"]
    out = subprocess.run(env_py + ["run", "hz", str(IRR_ECON), "--format", "json"],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    q = doc["allocation"]["1"]["b"]
    assert q["algebraic"]["poly"] == ["-1", "0", "8"] and q["approx"].startswith("0.35355")
    assert doc["info"]["prices"]["a"] == "17/50"
    path = tmp_path / "alloc.json"
    path.write_text(out.stdout)
    from exactassign.io import load_allocation, load_economy
    alloc = load_allocation(str(path), load_economy(IRR_ECON))
    assert not alloc.is_rational and alloc.amount("1", "b").compare(Q(1, 3)) == 1
    with pytest.raises(IrrationalError):
        alloc.feasibility_violations(load_economy(IRR_ECON))
    chk = subprocess.run(env_py + ["check", str(IRR_ECON), str(path)], capture_output=True,
                         text=True, cwd=ROOT, timeout=300)
    assert chk.returncode == 2 and "irrational" in chk.stderr and "Traceback" not in chk.stderr
    txt = subprocess.run(env_py + ["run", "hz", str(IRR_ECON), "--trace"], capture_output=True,
                         text=True, cwd=ROOT, timeout=300)
    assert "sqrt(2)/4 ≈ 0.353553" in txt.stdout and "a: 17/50" in txt.stdout


# ----------------------------------------------------------------------------- round trips
def _free(doc: dict, path: list) -> bool:
    """Numbers a valid certificate may change: formats.md's approx, isolating intervals (any
    isolating interval of the same root) and the budget of a satiated agent (only an upper
    bound)."""
    if "approx" in path or "interval" in path:
        return True
    if path[:2] == ["witness", "turns"] and path[3] == "budgets":
        return path[4] in doc["witness"]["turns"][path[2]]["satiated"]
    return False


def _economies(seed: int, count: int, n: int, m: int, supply: dict):
    rng = random.Random(seed)
    agents, objects = [str(i + 1) for i in range(n)], "abcd"[:m]
    for _ in range(count):
        vals = {a: {o: rng.randint(0, 6) for o in objects} for a in agents}
        yield Economy.create(agents, list(objects), valuations=vals, supply=supply)


@pytest.mark.parametrize("mech,params", [("hz", {}), ("sp", {"partition": [("1", "2"),
                                                                             ("3", "4")]})])
def test_producer_certificates_verify_and_mutations_are_rejected(mech, params):
    done = 0
    for e in _economies(7 if mech == "hz" else 8, 4, 4, 3, {"a": 2, "b": 1, "c": 1}):
        try:
            result = run(mech, e, **params)
        except IrrationalError:       # an sp turn leaving irrational supply: refused
            continue
        cert = json.loads(json.dumps(certify_result(e, result)))
        report = check.check_certificate(cert)
        assert report.verdict == "valid", (e.valuations, report.violations)
        # amounts and supplies are determined; prices, α, β and budgets of random instances
        # may have slack (e.g. every agent satiated), so only the fixtures test those
        for path, mutated in numeric_mutations(cert):
            if _free(cert, path) or not ({"amounts", "supply", "outcome"} & set(path)):
                continue
            assert check.check_certificate(mutated).verdict != "valid", path
        done += 1
    assert done >= 3


def test_mutations_of_the_irrational_proof_are_rejected():
    doc = json.loads(IRR_CERT.read_text(encoding="utf-8"))
    count = 0
    for path, mutated in numeric_mutations(doc):
        if _free(doc, path):
            continue
        count += 1
        assert check.check_certificate(mutated).verdict != "valid", path
    assert count > 60


def test_sp_singletons_and_hz_outcome_of_one_group_agree():
    """sp with one group is hz (same allocation, both certificates valid); the claims differ
    in that hz.outcome insists on exactly one turn."""
    e = next(_economies(3, 1, 4, 3, {"a": 2, "b": 1, "c": 1}))
    c_hz = certify_result(e, run("hz", e))
    c_sp = certify_result(e, run("sp", e, partition=[tuple(e.agents)]))
    assert c_hz["outcome"] == c_sp["outcome"]
    assert check.check_certificate(json.loads(json.dumps(c_sp))).verdict == "valid"
    two = copy.deepcopy(json.loads(json.dumps(c_hz)))
    two["witness"]["turns"].append(two["witness"]["turns"][0])
    assert check.check_certificate(two).verdict == "malformed"


def test_outcome_interval_must_isolate_its_root():
    doc = json.loads(IRR_CERT.read_text(encoding="utf-8"))
    doc["outcome"]["allocation"]["1"]["b"]["algebraic"]["interval"] = ["-1", "1"]   # ±√2/4
    assert "hz.outcome.not-isolating" in {v.code for v in check.check_certificate(doc)
                                          .violations}
    doc = json.loads(IRR_CERT.read_text(encoding="utf-8"))
    doc["outcome"]["allocation"]["1"]["b"]["algebraic"]["interval"] = ["-1", "0"]   # −√2/4
    assert "hz.outcome.mismatch" in {v.code for v in check.check_certificate(doc).violations}


def test_seed_theorem1_assignment_is_a_certified_sp_outcome():
    """The seed's Theorem 1 assignment Q is the SP outcome for [x1, x2, y1, y2][z]
    (pseudomarkets.md §1): the stored sp.outcome certificate is valid and its outcome is Q."""
    doc = json.loads((ROOT / "proofs" / "certificates" / "theorem1_sp.outcome.json")
                     .read_text(encoding="utf-8"))
    assert check.check_certificate(doc).verdict == "valid"
    q = json.loads((ROOT / "proofs" / "theorem1" / "Q.json").read_text(encoding="utf-8"))
    norm = {a: {o: str(F(str(x))) for o, x in row.items()} for a, row in q["allocation"].items()}
    assert doc["outcome"]["allocation"] == norm
    assert [t["group"] for t in doc["witness"]["turns"]] == [["x1", "x2", "y1", "y2"], ["z"]]
    assert doc["witness"]["turns"][1]["satiated"] == ["z"]
    bad = copy.deepcopy(doc)                  # z alone first: she would not get this outcome
    bad["witness"]["turns"].reverse()
    assert check.check_certificate(bad).verdict != "valid"


def _sp_fixture() -> dict:
    return json.loads((DATA / "valid" / "sp.outcome_two_turns.json").read_text(encoding="utf-8"))


def _set(doc: dict, path: tuple, value) -> dict:
    doc = copy.deepcopy(doc)
    node = doc
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value
    return doc


@pytest.mark.parametrize("path,value,expected", [
    (("witness", "turns", 0, "budgets", "1"), "0", "hz.budget.not-positive"),
    (("witness", "turns", 0, "prices", "a"), "-1", "hz.price.negative"),
    (("witness", "turns", 0, "alpha", "1"), "0", "hz.alpha.not-positive"),
    (("witness", "turns", 1, "supply", "a"), "7", "sp.supply.mismatch"),
    (("outcome", "allocation", "1"), {}, "hz.outcome.mismatch"),
], ids=["budget", "price", "alpha", "supply", "outcome"])
def test_sp_outcome_clauses(path, value, expected):
    report = check.check_certificate(_set(_sp_fixture(), path, value))
    assert expected in {v.code for v in report.violations}, report.violations


def test_sp_outcome_partition_must_cover_everyone_and_satiated_agents_have_no_alpha():
    doc = _sp_fixture()
    short = copy.deepcopy(doc)
    del short["witness"]["turns"][1]
    assert "sp.partition.missing" in {v.code for v in check.check_certificate(short).violations}
    sat = copy.deepcopy(doc)
    sat["witness"]["turns"][0]["satiated"] = ["1"]        # 1 still has alpha/beta: malformed
    assert check.check_certificate(sat).verdict == "malformed"
    del sat["witness"]["turns"][0]["alpha"]["1"], sat["witness"]["turns"][0]["beta"]["1"]
    codes = {v.code for v in check.check_certificate(sat).violations}
    assert "hz.satiated.not-top" in codes
