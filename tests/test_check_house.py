"""Certificates of house allocation with ties (exactassign/certificates/check_house.py).

``eps.outcome`` (Katta-Sethuraman extended PS: a replay of the phases) and ``egalitarian`` /
``not-egalitarian`` (Bogomolnaia-Moulin: a bottleneck sequence attained by an allocation),
FORMAT.md "House allocation with ties".  Producer certificates of random economies verify, and
every single number of their outcome and witness (agent labels written as numbers included)
mutated is rejected: these claims have no free hints.  Forgeries that the arguments of FORMAT.md
rule out (a non-maximal bottleneck set, sets in the wrong order, an allocation's own masses
passed off as levels) are rejected, and a generic forger of egalitarian witnesses succeeds
exactly on the egalitarian allocations.
"""
from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _economies import economies, positive_fractions
from exactassign import Allocation, Economy, run
from exactassign.certificates import check
from exactassign.certificates.build import certify_property, certify_result
from exactassign.cli import main
from exactassign.numbers import to_fraction
from exactassign.properties.egalitarian import is_egalitarian

ROOT = Path(__file__).resolve().parent.parent
PLUGIN = ROOT / "exactassign" / "certificates" / "check_house.py"
CHECK = ROOT / "exactassign" / "certificates" / "check.py"
DATA = Path(__file__).resolve().parent / "data" / "certificates"
HOUSE_CLAIMS = ("eps.outcome", "egalitarian", "not-egalitarian")


def fixtures(kind: str) -> list[Path]:
    return sorted(p for p in DATA.glob(f"{kind}/*.json") if p.name.split("_")[0] in HOUSE_CLAIMS)


def load(path: Path) -> dict:
    return check.loads(path.read_text(encoding="utf-8"))


def verdict(doc: dict) -> str:
    return check.check_certificate(doc).verdict


def codes(doc: dict) -> set[str]:
    return {v.code for v in check.check_certificate(doc).violations}


def as_json(cert: dict) -> dict:
    return json.loads(json.dumps(cert))


# ----------------------------------------------------------------------------- the plugin
def test_plugin_claims_are_merged_into_the_checker():
    for claim in HOUSE_CLAIMS:
        assert claim in check.CLAIMS
        assert check.CLAIMS[claim].__module__.endswith("check_house")


def test_script_run_without_site_packages():
    """python -I -S check.py: the plugin is found beside check.py, standard library only."""
    def status(paths: list[Path]) -> int:
        return subprocess.run([sys.executable, "-I", "-S", str(CHECK), *map(str, paths)],
                              capture_output=True, text=True, cwd="/", timeout=120).returncode
    assert status(fixtures("valid")) == 0
    assert status(fixtures("valid") + fixtures("invalid")) == 1
    assert status(fixtures("invalid") + fixtures("malformed")) == 2


# ----------------------------------------------------------------------------- fixtures
def test_fixture_corpus_covers_the_house_claims():
    for kind in ("valid", "invalid"):
        assert {p.name.split("_")[0] for p in fixtures(kind)} == set(HOUSE_CLAIMS), kind
    assert len(fixtures("malformed")) >= 5
    for kind in ("valid", "invalid", "malformed"):
        for path in fixtures(kind):
            assert check.check_file(str(path)).verdict == kind, path.name


NUMBER = re.compile(r"\s*[+-]?[0-9]+\s*(/\s*[0-9]+\s*)?\Z")


def number_paths(node, path):
    """Every number of outcome and witness: ints and numeric strings (agent labels "1", "2"
    included: a mutated label names no agent)."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from number_paths(v, path + (k,))
    elif isinstance(node, list):
        for k, v in enumerate(node):
            yield from number_paths(v, path + (k,))
    elif (type(node) is int) or (isinstance(node, str) and NUMBER.match(node)):
        yield path


DELTAS = (Fraction(1, 7), Fraction(-1, 11))


def claim_still_holds(doc: dict) -> bool:
    """For a mutated egalitarian / not-egalitarian certificate the checker accepted: is its
    claim true of its (mutated) outcome?  Decided by the producer, independently."""
    from exactassign.io.json_io import economy_from_json
    e = economy_from_json(doc["instance"], "certificate")
    p = Allocation.from_mapping(e, doc["outcome"]["allocation"])
    return p.is_feasible(e) and is_egalitarian(e, p) == (doc["claim"] == "egalitarian")


def mutation_survivors(doc: dict) -> tuple[int, list]:
    """Apply each delta to each number of outcome and witness, one at a time; return the count
    and the mutations the checker accepts.  No witness number is a free hint.  The egalitarian
    claims do not fix the whole outcome (fill-up amounts are not part of ``egalitarian``; a
    ``not-egalitarian`` outcome stays so when another agent's row changes): an accepted
    outcome mutation counts as a survivor only if the claim is false of the mutated outcome
    (the eps claim fixes the whole allocation: every accepted mutation is a survivor)."""
    total, survivors = 0, []
    for part in ("outcome", "witness"):
        for path in number_paths(doc[part], (part,)):
            for delta in DELTAS:
                mutated = copy.deepcopy(doc)
                node = mutated
                for k in path[:-1]:
                    node = node[k]
                node[path[-1]] = str(Fraction(str(node[path[-1]]).replace(" ", "")) + delta)
                total += 1
                if verdict(mutated) == "valid":
                    if part == "outcome" and doc["claim"] != "eps.outcome" and \
                            claim_still_holds(mutated):
                        continue
                    survivors.append(path)
    return total, survivors


def test_every_number_of_the_valid_fixtures_matters():
    total = 0
    for path in fixtures("valid"):
        n, survivors = mutation_survivors(load(path))
        total += n
        assert not survivors, (path.name, survivors[:5])
    assert total > 300


def test_structural_mutations_of_the_eps_fixtures_are_rejected():
    total = rejected = 0
    for path in DATA.glob("valid/eps.outcome_*.json"):
        doc = load(path)
        for k, ph in enumerate(doc["witness"]["phases"]):
            variants = []
            drop = copy.deepcopy(doc)
            del drop["witness"]["phases"][k]
            variants.append(drop)
            flip = copy.deepcopy(doc)
            flip["witness"]["phases"][k]["capped"] = not ph["capped"]
            variants.append(flip)
            for key in ("bottleneck_agents", "bottleneck_objects", "exhausted"):
                if ph[key]:
                    short = copy.deepcopy(doc)
                    short["witness"]["phases"][k][key] = ph[key][1:]
                    variants.append(short)
            for a, objs in ph["top"].items():
                if len(objs) > 1 or len(ph["top"]) > 1:
                    v = copy.deepcopy(doc)
                    v["witness"]["phases"][k]["top"][a] = objs[1:] if len(objs) > 1 else \
                        objs + [o for o in doc["instance"]["objects"] if o not in objs][:1]
                    variants.append(v)
            for v in variants:
                total += 1
                rejected += verdict(v) != "valid"
    assert total >= 20 and rejected == total, f"rejected {rejected}/{total}"


def test_non_maximal_bottleneck_has_no_valid_continuation():
    """{1,2} (a) and {3,4} (b) are both tight at 1/2: committing {1,2} alone leaves {3,4} with
    ratio 1/2, so the next phase can neither stay at 1/2 nor go above it."""
    doc = load(DATA / "invalid" / "eps.outcome_non_maximal_bottleneck.json")
    assert codes(doc) == {"eps.phase.level"}
    second = doc["witness"]["phases"][1]
    second["level"] = "3/4"
    second["ratio"] = "3/4"
    second["flow"] = {"3": {"b": "3/4"}, "4": {"b": "3/4"}}
    assert "eps.flow.over-supply" in codes(doc)


def test_eps_unit_clauses():
    base = load(DATA / "valid" / "eps.outcome_btm_sec6_dichotomous.json")
    cases = [
        (lambda w: w["phases"][0]["top"].__setitem__("1", ["a"]), "eps.top.mismatch"),
        (lambda w: w["phases"][0]["top"].pop("1"), "eps.active.mismatch"),
        (lambda w: w["phases"][0]["flow"].pop("1"), "eps.flow.agents"),
        (lambda w: w["phases"][0]["flow"].__setitem__("1", {"c": "1/3"}), "eps.flow.not-top"),
        (lambda w: w["phases"][0]["flow"].__setitem__("1", {"a": "2/3", "b": "-1/3"}),
         "eps.flow.negative"),
        (lambda w: w["phases"][0].__setitem__("bottleneck_agents", []), "eps.bottleneck.empty"),
        (lambda w: w["phases"][1]["bottleneck_agents"].append("3"), "eps.bottleneck.objects"),
        (lambda w: w["phases"][2]["top"].__setitem__("1", ["c"]), None),   # same set
        (lambda w: w["phases"][1]["committed"].__setitem__("3", "1/4"), "eps.committed.mismatch"),
        (lambda w: w["phases"][1]["remaining"].__setitem__("b", "0"), "eps.remaining.mismatch"),
        (lambda w: w["phases"][0].__setitem__("exhausted", []), "eps.phase.exhausted"),
        (lambda w: w["phases"][2].__setitem__("bottleneck_agents", ["1", "2"]),
         "eps.capped.not-all"),
        (lambda w: w["phases"][2].__setitem__("capped", False), "eps.capped.level"),
        (lambda w: w["phases"][0].update(bottleneck_agents=["1", "2", "3", "4", "5"],
                                         bottleneck_objects=["a", "b"]),
         "eps.bottleneck.not-tight"),
        (lambda w: w["phases"][1].__setitem__("capped", True), "eps.capped.level"),
        (lambda w: w["phases"][0].__setitem__("satiated", ["3"]), "eps.phase.satiated"),
        (lambda w: w["phases"][0].__setitem__("phase", 2), "eps.phase.index"),
        (lambda w: w["phases"].pop(), "eps.end.active"),
    ]
    for change, code in cases:
        doc = copy.deepcopy(base)
        change(doc["witness"])
        if code is None:
            assert verdict(doc) == "valid"
        else:
            assert code in codes(doc), (code, check.check_certificate(doc).violations)


def test_eps_bottleneck_must_be_closed():
    """B = {3, 4} is not closed: agent 5's top set {b} lies inside B's objects (her flow then
    overloads b as well, so the certificate is doubly wrong)."""
    doc = load(DATA / "valid" / "eps.outcome_btm_sec6_dichotomous.json")
    doc["witness"]["phases"][0]["bottleneck_agents"] = ["3", "4"]
    assert {"eps.bottleneck.not-closed", "eps.bottleneck.ratio"} <= codes(doc)


def test_eps_needs_the_house_allocation_model():
    doc = load(DATA / "valid" / "eps.outcome_btm_sec6_dichotomous.json")
    doc["instance"]["endowments"] = {"1": {"a": 1}, "3": {"b": 1}, **{i: {"c": 1} for i in "245"}}
    assert codes(doc) >= {"eps.model"}


def test_egalitarian_unit_clauses():
    base = load(DATA / "valid" / "egalitarian_two_bottlenecks.json")
    cases = [
        (lambda w: w["bottlenecks"][1]["agents"].append("3"), "egalitarian.sets.overlap"),
        (lambda w: w["bottlenecks"][1]["agents"].pop(), "egalitarian.sets.not-partition"),
        (lambda w: w["bottlenecks"][0].__setitem__("agents", []), "egalitarian.set.empty"),
        (lambda w: w["bottlenecks"][1].__setitem__("objects", ["a", "b"]),
         "egalitarian.set.objects"),
        (lambda w: w["bottlenecks"][0].__setitem__("capped", True), "egalitarian.set.capped"),
        (lambda w: w["profile"].pop("5"), "egalitarian.profile.mismatch"),
    ]
    for change, code in cases:
        doc = copy.deepcopy(base)
        change(doc["witness"])
        assert code in codes(doc), (code, check.check_certificate(doc).violations)
    doc = copy.deepcopy(base)
    doc["instance"]["preferences"]["1"] = ["a", "b", ["c", "d", "e"]]
    assert codes(doc) == {"egalitarian.not-dichotomous"}


def test_not_egalitarian_clauses():
    base = load(DATA / "valid" / "not-egalitarian_naive_split.json")
    doc = copy.deepcopy(base)
    doc["witness"]["first_tier"] = ["a", "b"]
    assert codes(doc) == {"not-egalitarian.first-tier"}
    doc = copy.deepcopy(base)
    doc["witness"]["realisation"]["3"] = {"a": "1/2", "b": "1"}       # a over-used, 3 over 1
    assert {"feasible.column-sum", "feasible.row-sum"} <= codes(doc)
    doc = copy.deepcopy(base)
    doc["witness"]["realisation"] = doc["outcome"]["allocation"]     # does not attain 1/2
    assert codes(doc) == {"not-egalitarian.realisation.mass"}


# ----------------------------------------------------------------------------- producers
@given(economies(max_agents=6, max_objects=5, ties=True))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_eps_certificates_verify_and_every_mutation_is_rejected(e):
    doc = as_json(certify_result(e, run("eps", e)))
    report = check.check_certificate(doc)
    assert report.verdict == "valid", report.violations
    total, survivors = mutation_survivors(doc)
    assert not survivors, survivors[:5]


@st.composite
def dichotomous_economies(draw, max_agents=6, max_objects=5):
    n = draw(st.integers(1, max_agents))
    m = draw(st.integers(1, max_objects))
    objects = list("abcdefgh"[:m])
    prefs = {}
    for i in range(1, n + 1):
        perm = draw(st.permutations(objects))
        k = draw(st.integers(0, m))
        first, rest = list(perm[:k]), list(perm[k:])
        second = rest[:draw(st.integers(0, len(rest)))] if k else []
        prefs[str(i)] = ([first] if first else []) + ([second] if second else [])
    supply = None
    if draw(st.booleans()):
        supply = {o: str(draw(positive_fractions(6, 3))) for o in objects}
    return Economy.create([str(i) for i in range(1, n + 1)], objects, preferences=prefs,
                          supply=supply)


@st.composite
def economy_and_allocation(draw):
    """A dichotomous economy and a feasible allocation: random weights on acceptable objects
    scaled into the rows and columns."""
    e = draw(dichotomous_economies())
    supply = dict(zip(e.objects, map(to_fraction, e.supply)))
    raw = {}
    for a, order in zip(e.agents, e.preferences):
        raw[a] = {o: Fraction(draw(st.integers(0, 3))) for tier in order for o in tier}
        raw[a] = {o: v for o, v in raw[a].items() if v}
    scale = max([Fraction(1)] + [sum(r.values()) for r in raw.values()] +
                [sum(r.get(o, 0) for r in raw.values()) / supply[o] for o in e.objects])
    p = Allocation.from_mapping(e, {a: {o: str(v / scale) for o, v in r.items()}
                                    for a, r in raw.items()})
    return e, p


@given(dichotomous_economies())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_egalitarian_certificates_verify_and_every_mutation_is_rejected(e):
    eg = run("egalitarian", e).allocation
    certs = [certify_result(e, run("egalitarian", e)),
             certify_property(e, eg, "egalitarian"),
             certify_property(e, run("eps", e).allocation, "egalitarian")]
    assert [c["claim"] for c in certs[:2]] == ["egalitarian", "egalitarian"]
    for cert in certs:
        doc = as_json(cert)
        report = check.check_certificate(doc)
        assert report.verdict == "valid", (cert["claim"], report.violations)
        total, survivors = mutation_survivors(doc)
        assert not survivors, (cert["claim"], survivors[:5])


def forge_egalitarian(e: Economy, p: Allocation) -> dict:
    """Claim "egalitarian" for p with the sets that p's own first-tier masses suggest: agents
    grouped by mass, smallest first, with their new objects, supplies and ratios computed as
    the checker does (the levels are whatever the recomputation gives)."""
    doc = as_json(certify_property(e, p, "feasible"))
    inst = check.Instance(doc["instance"])
    first = {a: (inst.tiers[a][0] if inst.tiers[a] else frozenset()) for a in e.agents}
    alloc = check.read_allocation(doc["outcome"]["allocation"], inst, "")
    mass = {a: sum((alloc[a].get(o, 0) for o in first[a]), Fraction(0)) for a in e.agents}
    sets, used = [], set()
    for value in sorted(set(mass.values())):
        s = sorted(a for a in e.agents if mass[a] == value)
        new = set().union(*(first[a] for a in s)) - used
        used |= new
        supply = sum((inst.supply[o] for o in new), Fraction(0))
        ratio = supply / len(s)
        sets.append({"agents": s, "objects": sorted(new), "supply": str(supply),
                     "ratio": str(ratio), "level": str(min(1, ratio)), "capped": ratio >= 1})
    level = {a: b["level"] for b in sets for a in b["agents"]}
    doc["claim"] = "egalitarian"
    doc["witness"] = {"bottlenecks": sets, "profile": level}
    return doc


@given(economy_and_allocation())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_forged_egalitarian_witness_passes_only_for_egalitarian_allocations(ep):
    """Soundness in practice: the natural forgery succeeds exactly when p is egalitarian."""
    e, p = ep
    for alloc in (p, run("egalitarian", e).allocation, run("eps", e).allocation):
        assert (verdict(forge_egalitarian(e, alloc)) == "valid") == is_egalitarian(e, alloc)
        cert = as_json(certify_property(e, alloc, "egalitarian"))
        assert verdict(cert) == "valid"
        assert cert["claim"] == ("egalitarian" if is_egalitarian(e, alloc) else
                                 "not-egalitarian")


# ----------------------------------------------------------------------------- command line
def test_cli_certify_and_verify(tmp_path, capsys):
    econ = ROOT / "proofs" / "economies" / "dichotomous_two_bottlenecks.json"
    out = tmp_path / "eps.json"
    assert main(["certify", "eps", str(econ), "-o", str(out)]) == 0
    assert json.loads(out.read_text())["claim"] == "eps.outcome"
    alloc = tmp_path / "alloc.json"
    assert main(["run", "egalitarian", str(econ), "--format", "json"]) == 0
    alloc.write_text(capsys.readouterr().out)
    prop = tmp_path / "egal.json"
    assert main(["certify", "--property", "egalitarian", str(econ), str(alloc), "-o",
                 str(prop)]) == 0
    assert json.loads(prop.read_text())["claim"] == "egalitarian"
    assert main(["verify", str(out), str(prop)]) == 0
    assert "valid" in capsys.readouterr().out


# ----------------------------------------------------------------------------- scale
def test_eps_certificate_at_n200_m100_checks_in_seconds():
    import random
    rng = random.Random(5)
    objects = [f"o{k}" for k in range(100)]
    prefs = {}
    for i in range(200):
        order = rng.sample(objects, len(objects))
        tiers, cur = [], []
        for o in order:
            cur.append(o)
            if rng.random() >= 0.3:
                tiers.append(cur)
                cur = []
        prefs[f"i{i}"] = tiers + ([cur] if cur else [])
    e = Economy.create([f"i{i}" for i in range(200)], objects, preferences=prefs,
                       supply={o: 2 for o in objects})
    text = json.dumps(certify_result(e, run("eps", e)))
    start = time.perf_counter()
    report = check.check_certificate(check.loads(text))
    elapsed = time.perf_counter() - start
    assert report.verdict == "valid", report.violations[:3]
    assert elapsed < 10, f"checking took {elapsed:.1f} s"


def test_valid_eps_fixtures_are_the_producers_output():
    """The valid eps fixtures are what ``certify eps`` writes today (no drift)."""
    from exactassign.io.json_io import economy_from_json
    for path in DATA.glob("valid/eps.outcome_*.json"):
        doc = load(path)
        e = economy_from_json(doc["instance"], "fixture")
        fresh = as_json(certify_result(e, run("eps", e)))
        assert fresh["witness"] == json.loads(json.dumps(doc["witness"])), path.name
        assert fresh["outcome"] == json.loads(json.dumps(doc["outcome"])), path.name
