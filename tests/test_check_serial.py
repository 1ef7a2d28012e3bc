"""Certificates of serial dictatorship with ties (exactassign/certificates/check_serial.py).

``rsd.outcome``: the memoised table verifies on random weak-preference economies, every number
of outcome and witness except slack flows changed by 1/7 is rejected, a Monte-Carlo estimate is
refused for certification, and a table beyond the stated size is refused with exit code 3.

``sd.outcome``: producer certificates of random weak-preference economies (unacceptable
objects, multi-unit and fractional supplies, random orders) verify, and every number of their
outcome and witness except the slack flows (free hints: any flow above every amount proves the
same) changed by 1/7 is rejected; a slack flow that is not strictly above an amount or exceeds
a supply is rejected; the CLI writes certificates that the script checker accepts.
"""
from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _certs import numeric_mutations
from _economies import economies
from _sd_reference import random_tied_economy, sd_witness_features
from exactassign import REGISTRY, Economy, run
from exactassign.certificates import check
from exactassign.certificates.build import certify_result
from exactassign.cli import main
from exactassign.certificates.build_serial import RSD_CERT_MAX_STATES
from exactassign.errors import LimitExceeded, ParameterError

ROOT = Path(__file__).resolve().parent.parent
CHECK = ROOT / "exactassign" / "certificates" / "check.py"


def as_json(cert: dict) -> dict:
    return json.loads(json.dumps(cert))


def verdict(doc: dict) -> str:
    return check.check_certificate(doc).verdict


def codes(doc: dict) -> set[str]:
    return {v.code for v in check.check_certificate(doc).violations}


def sd_cert(e: Economy, order: list[str] | None = None) -> dict:
    params = {"order": ",".join(order)} if order else {}
    return as_json(certify_result(e, REGISTRY["sd"].run(e, params)))


def free(path: list) -> bool:
    return "slack" in path


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(economies(max_agents=5, max_objects=4, ties=True), st.randoms(use_true_random=False))
def test_sd_certificates_verify_and_mutations_are_rejected(e, rnd):
    order = list(e.agents)
    rnd.shuffle(order)
    doc = sd_cert(e, order)
    assert verdict(doc) == "valid", check.check_certificate(doc).violations
    for path, mutated in numeric_mutations(doc):
        if not free(path):
            assert verdict(mutated) != "valid", path


def test_sd_certificates_exercise_blocks_cuts_and_blocking_sets():
    """Random economies: the witnesses use every part of the format (tight blocks with cuts,
    final cuts, blocking sets) and all verify."""
    rng = random.Random(3)
    seen = set()
    for _ in range(400):
        doc = sd_cert(random_tied_economy(rng, 5))
        assert verdict(doc) == "valid"
        seen |= sd_witness_features(doc["witness"])
    assert seen == {"block", "block-cut", "final-cut", "blocking"}


def _final_cut_doc() -> dict:
    e = Economy.create(["1", "2"], list("abcd"), supply={"a": 2, "b": 1, "c": "3/2", "d": "1/2"},
                       preferences={"1": [["b", "d"]], "2": [["c", "b"], ["d"]]})
    return sd_cert(e)


def test_slack_flows_are_checked():
    doc = _final_cut_doc()
    assert verdict(doc) == "valid"
    over = json.loads(json.dumps(doc))
    over["witness"]["steps"][1]["slack"][0] = {"b": "1", "c": "3/2"}     # b used 1 + 3/4 > 1
    assert "sd.slack.over-supply" in codes(over)
    short = json.loads(json.dumps(doc))
    short["witness"]["steps"][1]["slack"] = short["witness"]["steps"][1]["slack"][:1]
    assert "sd.slack.nodes" in codes(short)
    foreign = json.loads(json.dumps(doc))
    foreign["witness"]["steps"][1]["slack"][0]["a"] = "1"
    assert "sd.slack.object" in codes(foreign)


def test_structural_forgeries_are_rejected():
    doc = _final_cut_doc()
    swapped = json.loads(json.dumps(doc))
    swapped["witness"]["order"] = ["2", "1"]
    assert verdict(swapped) == "invalid"
    missing = json.loads(json.dumps(doc))
    missing["witness"]["steps"][1]["promised"] = []
    assert "sd.promise.missing" in codes(missing)
    cutless = json.loads(json.dumps(doc))
    cutless["witness"]["final"]["cuts"][0] = {}
    assert "sd.g.cut" in codes(cutless)
    # another realisation of the same promises (agent 1 takes b, agent 2 c and d) is not sd's
    other = json.loads(json.dumps(doc))
    other["outcome"]["allocation"] = {"1": {"b": "1"}, "2": {"c": "1/2", "d": "1/2"}}
    assert check.check_certificate(other).verdict == "invalid"


def test_monte_carlo_rsd_is_not_certified():
    e = Economy.create(["1", "2"], ["a"], preferences={"1": ["a"], "2": ["a"]})
    with pytest.raises(ParameterError, match="Monte-Carlo"):
        certify_result(e, REGISTRY["rsd"].run(e, {"samples": "5", "seed": "1"}))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(economies(max_agents=4, max_objects=3, ties=True))
def test_rsd_certificates_verify_and_mutations_are_rejected(e):
    doc = as_json(certify_result(e, run("rsd", e)))
    assert verdict(doc) == "valid", check.check_certificate(doc).violations
    for path, mutated in numeric_mutations(doc):
        if not free(path):
            assert verdict(mutated) != "valid", path


def test_rsd_certificate_of_the_old_counterexample_and_its_table():
    """The 4-agent tie instance of the old bug: 9 states; the root's type values are the
    matrix times the type sizes; the old (flow after averaging) matrix is rejected."""
    e = Economy.create(["1", "2", "3", "4"], ["a", "b", "c"], preferences={
        "1": ["a"], "2": ["a"], "3": [["a", "c"]], "4": [["a", "c"]]})
    doc = as_json(certify_result(e, run("rsd", e)))
    states = doc["witness"]["states"]
    assert verdict(doc) == "valid" and len(states) == 9
    assert states[0]["value"]["types"] == [{"a": "5/6"}, {"a": "1/6", "c": "1"}]
    assert all(("final" in s) == (sum(s["counts"]) == 0) for s in states)
    doc["outcome"]["allocation"]["1"] = {"a": "1/2"}
    assert "rsd.outcome.mismatch" in codes(doc)


def test_rsd_certificate_size_limit(monkeypatch, tmp_path):
    import exactassign.certificates.build_serial as bs
    assert RSD_CERT_MAX_STATES == 2000
    e = Economy.create(["1", "2", "3", "4"], list("abcd"), preferences={
        "1": list("abcd"), "2": list("abcd"), "3": list("badc"), "4": list("badc")})
    assert len(certify_result(e, run("rsd", e))["witness"]["states"]) == 11
    monkeypatch.setattr(bs, "RSD_CERT_MAX_STATES", 10)
    with pytest.raises(LimitExceeded, match="more than 10"):
        certify_result(e, run("rsd", e))


def test_cli_certify_sd_and_script_check(tmp_path):
    econ = tmp_path / "e.json"
    econ.write_text(json.dumps({"format": "exactassign.economy", "version": 1,
                                "agents": ["1", "2", "3"], "objects": ["a", "b", "c"],
                                "preferences": {"1": [["a", "b", "c"]], "2": [["a", "b"]],
                                                "3": ["a"]}}))
    cert = tmp_path / "c.json"
    assert main(["certify", "sd", str(econ), "--param", "order=2,1,3", "-o", str(cert)]) == 0
    doc = json.loads(cert.read_text())
    assert doc["claim"] == "sd.outcome" and doc["witness"]["order"] == ["2", "1", "3"]
    r = subprocess.run([sys.executable, "-I", str(CHECK), str(cert)], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    cert2 = tmp_path / "r.json"
    assert main(["certify", "rsd", str(econ), "-o", str(cert2)]) == 0
    assert json.loads(cert2.read_text())["claim"] == "rsd.outcome"
    r = subprocess.run([sys.executable, "-I", str(CHECK), str(cert2)], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert main(["certify", "rsd", str(econ), "--param", "samples=3", "-o",
                 str(tmp_path / "x.json")]) == 2
