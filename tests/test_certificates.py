"""Certificates end to end: the corpus in proofs/ and counterexamples/, regeneration (drift),
producer -> standard-library checker round trips on random instances, and mutations."""
from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _certs import numeric_mutations

from exactassign import run
from exactassign.certificates import check
from exactassign.certificates.build import certify_property, certify_result
from exactassign.certificates.regenerate import drift, regenerate
from exactassign.economy import Economy
from exactassign.properties import PROPERTIES, applicable_properties

ROOT = Path(__file__).resolve().parent.parent
CORPUS = sorted(p for d in ("proofs", "counterexamples") for p in (ROOT / d).rglob("*.json")
                if '"exactassign.certificate"' in p.read_text(encoding="utf-8")[:200])


def test_corpus_is_not_empty():
    claims = {json.loads(p.read_text())["claim"] for p in CORPUS}
    assert {"ps.outcome", "sd.efficient", "sd.not-efficient", "envy-free", "envy"} <= claims


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: str(p.relative_to(ROOT)))
def test_corpus_certificate_is_valid(path):
    report = check.check_file(str(path))
    assert report.verdict == "valid", report.violations


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: str(p.relative_to(ROOT)))
def test_corpus_certificate_regenerates_without_drift(path):
    old = json.loads(path.read_text(encoding="utf-8"))
    new = regenerate(old)
    diffs = drift(old, new)
    if diffs:
        path.with_suffix(path.suffix + ".new").write_text(json.dumps(new, indent=2) + "\n")
    assert not diffs, "drift (wrote .new beside the file):\n" + "\n".join(diffs[:20])


@st.composite
def economies(draw, max_n=5, max_m=4):
    n = draw(st.integers(1, max_n))
    m = draw(st.integers(1, max_m))
    agents = [str(i + 1) for i in range(n)]
    objects = [chr(ord("a") + k) for k in range(m)]
    prefs = {}
    for a in agents:
        perm = draw(st.permutations(objects))
        prefs[a] = list(perm[: draw(st.integers(0, m))])
    supply = {o: str(Fraction(draw(st.integers(1, 6)), draw(st.integers(1, 3))))
              for o in objects}
    return Economy.create(agents, objects, preferences=prefs, supply=supply)


FREE_HINTS = ("potential", "outside")   # sd.efficient potentials: any order-compatible values


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(economies(), st.lists(st.integers(1, 3), min_size=5, max_size=5))
def test_producer_certificates_verify_and_mutations_are_rejected(e, speeds):
    result = run("ps", e, speeds={a: s for a, s in zip(e.agents, speeds)})
    certs = [certify_result(e, result)]
    certs += [certify_property(e, result.allocation, name)
              for name in applicable_properties(e)
              if PROPERTIES[name].evaluate(e, result.allocation).claim in check.CLAIMS]
    for cert in certs:
        doc = json.loads(json.dumps(cert))
        report = check.check_certificate(doc)
        assert report.verdict == "valid", (cert["claim"], report.violations)
        eaters = {a for ph in doc["witness"].get("phases", []) for a in ph["eating"]}
        for path, mutated in numeric_mutations(doc):
            if path[1] in FREE_HINTS:
                continue
            if path[1] == "speeds" and path[2] not in eaters:
                continue    # the speed of an agent who never eats is never used: a free hint
            verdict = check.check_certificate(mutated).verdict
            assert verdict != "valid", (cert["claim"], path)


def test_negative_claims_verify():
    e = Economy.create(["1", "2", "3", "4"], list("abcd"), preferences={
        "1": list("abcd"), "2": list("abcd"), "3": list("badc"), "4": list("badc")})
    from exactassign.allocation import Allocation
    rsd = Allocation.from_mapping(e, {a: dict(zip("abcd", ["5/12", "1/12", "5/12", "1/12"]
                                                  if a in "12" else
                                                  ["1/12", "5/12", "1/12", "5/12"]))
                                      for a in "1234"})
    cert = certify_property(e, rsd, "sd-efficient")
    assert cert["claim"] == "sd.not-efficient"
    assert check.check_certificate(json.loads(json.dumps(cert))).verdict == "valid"
    unfair = Allocation.from_mapping(e, {"1": {"d": 1}, "2": {"a": 1}, "3": {"b": 1},
                                         "4": {"c": 1}})
    for name in PROPERTIES:
        if PROPERTIES[name].applies(e) is None:
            cert = certify_property(e, unfair, name)
            assert check.check_certificate(json.loads(json.dumps(cert))).verdict == "valid"
