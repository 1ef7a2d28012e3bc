"""The ``btm.outcome`` claim of the standard-library checker (exactassign/certificates/check_btm.py,
FORMAT.md "Balanced trading mechanisms").

Producer outputs on random small economies (FEE with ties and unlisted objects; house allocation
via ω = q/n; the equal, proportional and a custom rule; ps-ext) must verify; every single-number
mutation of outcome and witness must be rejected (custom rules: λ and θ are free hints beyond
being distributions, FORMAT.md); structural damage is reported, never a traceback.
"""
from __future__ import annotations

import copy
import json
from fractions import Fraction
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _economies import weak_order_json
from exactassign.certificates import check
from exactassign.certificates.build import certify_result
from exactassign.economy import Economy
from exactassign.mechanisms.btm import BTMRule, balanced_trading, extended_ps

F = Fraction
DATA = Path(__file__).resolve().parent / "data" / "certificates"
ROOT = Path(__file__).resolve().parent.parent
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SHARES = [F(0), F(1, 8), F(1, 6), F(1, 4), F(1, 3), F(1, 2)]


def load(name: str) -> dict:
    return check.loads((DATA / name).read_text(encoding="utf-8"))


def verdict(doc: dict) -> str:
    return check.check_certificate(doc).verdict


def codes(doc: dict) -> set:
    return {v.code for v in check.check_certificate(doc).violations}


def cert_of(e: Economy, result) -> dict:
    return json.loads(json.dumps(certify_result(e, result)))


# ----------------------------------------------------------------------------- economies
@st.composite
def fee_economies(draw, max_agents=4, max_objects=3):
    n = draw(st.integers(1, max_agents))
    m = draw(st.integers(1, max_objects))
    agents = [str(i) for i in range(1, n + 1)]
    objects = list("abcd"[:m])
    rows = []
    for _ in agents:
        row = [draw(st.sampled_from(SHARES)) for _ in objects]
        while sum(row) > 1:
            row = [x / 2 for x in row]
        rows.append(row)
    for k in range(m):
        if not any(r[k] for r in rows):
            i = draw(st.integers(0, n - 1))
            if sum(rows[i]) + F(1, 8) > 1:
                rows[i] = [x / 2 for x in rows[i]]
            rows[i][k] = F(1, 8)
    prefs = {a: draw(weak_order_json(objects, min_listed=1)) for a in agents}
    endow = {a: {o: str(x) for o, x in zip(objects, r) if x} for a, r in zip(agents, rows)}
    return Economy.create(agents, objects, preferences=prefs, endowments=endow)


@st.composite
def house_economies(draw, max_agents=4, max_objects=3):
    n = draw(st.integers(1, max_agents))
    m = draw(st.integers(1, min(n, max_objects)))
    agents = [str(i) for i in range(1, n + 1)]
    objects = list("abcd"[:m])
    prefs = {a: draw(weak_order_json(objects, incomplete=False)) for a in agents}
    return Economy.create(agents, objects, preferences=prefs)


def _weights_split(state, agent, objs):
    w = {o: k + 1 for k, o in enumerate(objs)}
    return {o: F(v, sum(w.values())) for o, v in w.items()}


def _first_takes_half(state, obj, holdings):
    names = list(holdings)
    if len(names) == 1:
        return {names[0]: 1}
    rest = F(1, 2 * (len(names) - 1))
    return {a: (F(1, 2) if k == 0 else rest) for k, a in enumerate(names)}


CUSTOM = BTMRule("test-custom", demand_split=_weights_split,
                 endowment_shares=_first_takes_half, labeled_shares=_first_takes_half)


# ----------------------------------------------------------------------------- mutations
def number_paths(node, path=()):
    """Every number of the document part: ints (not bools) and numeric strings."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from number_paths(v, path + (k,))
    elif isinstance(node, list):
        for k, v in enumerate(node):
            yield from number_paths(v, path + (k,))
    elif (type(node) is int) or (isinstance(node, str) and node
                                 and all(ch in "0123456789/-" for ch in node)):
        yield path


def mutate(doc, path, delta=F(1, 7)):
    doc = copy.deepcopy(doc)
    node = doc
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = str(F(node[path[-1]]) + delta)
    return doc


def survivors(doc: dict, free=lambda path: False) -> tuple[int, list]:
    total, alive = 0, []
    for part in ("outcome", "witness"):
        for p in number_paths(doc[part], (part,)):
            if free(p):
                continue
            total += 1
            if verdict(mutate(doc, p)) == "valid":
                alive.append(p)
    return total, alive


def is_custom_hint(path) -> bool:
    """λ (``demand``) and θ (``supply[k].shares``) of a custom rule: free within clause 2."""
    return "demand" in path or "shares" in path


# ----------------------------------------------------------------------------- random outputs
@SETTINGS
@given(fee_economies(), st.sampled_from(["equal", "proportional"]))
def test_fee_certificates_verify_and_every_number_matters(e, rule):
    doc = cert_of(e, balanced_trading(e, rule=rule))
    report = check.check_certificate(doc)
    assert report.verdict == "valid", report.violations
    total, alive = survivors(doc)
    assert not alive, alive


@SETTINGS
@given(house_economies())
def test_house_allocation_and_ps_ext_certificates(e):
    for result in (balanced_trading(e), extended_ps(e)):
        doc = cert_of(e, result)
        assert verdict(doc) == "valid", check.check_certificate(doc).violations
        total, alive = survivors(doc)
        assert not alive, alive


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(fee_economies())
def test_custom_rule_shares_are_free_hints_only_within_distributions(e):
    doc = cert_of(e, balanced_trading(e, rule=CUSTOM))
    assert doc["witness"]["rule"] == "test-custom"
    assert verdict(doc) == "valid", check.check_certificate(doc).violations
    total, alive = survivors(doc, is_custom_hint)
    assert not alive, alive
    # a single λ or θ changed breaks the sum to 1 (or the system): rejected as well
    for part in ("witness",):
        for p in number_paths(doc[part], (part,)):
            if is_custom_hint(p):
                assert verdict(mutate(doc, p)) != "valid", p


@SETTINGS
@given(fee_economies(), st.data())
def test_structural_damage_is_reported_never_a_traceback(e, data):
    doc = cert_of(e, balanced_trading(e))
    steps = doc["witness"]["steps"]
    damaged = copy.deepcopy(doc)
    how = data.draw(st.sampled_from(["drop", "swap", "delete-key", "extra-step"]))
    k = data.draw(st.integers(0, len(steps) - 1))
    ds = damaged["witness"]["steps"]
    if how == "drop":
        del ds[k]
    elif how == "swap" and len(ds) > 1:
        j = (k + 1) % len(ds)
        ds[k], ds[j] = ds[j], ds[k]
    elif how == "delete-key":
        key = data.draw(st.sampled_from(sorted(ds[k])))
        del ds[k][key]
    elif how == "extra-step":
        ds.append(copy.deepcopy(ds[k]))
    else:
        return
    report = check.check_certificate(damaged)
    assert report.verdict in ("invalid", "malformed"), (how, k)
    assert all(v.code and v.path is not None for v in report.violations)


# ----------------------------------------------------------------------------- fixtures
def test_valid_fixtures_and_their_mutations():
    for name in ("btm.outcome_example1", "btm.outcome_intro_housing",
                 "btm.outcome_sec2_proportional", "btm.outcome_transient_source"):
        doc = load(f"valid/{name}.json")
        assert verdict(doc) == "valid"
        total, alive = survivors(doc)
        assert total > 40 and not alive, (name, alive)


def test_proportional_trace_is_not_equal_btm():
    doc = load("invalid/btm.outcome_proportional_claimed_equal.json")
    assert "btm.shares.rule" in codes(doc)
    doc["witness"]["rule"] = "some-custom-rule"     # as a custom rule it is a valid BTM run
    assert verdict(doc) == "valid"


def test_half_trade_is_not_maximal_even_with_a_binding_claim():
    doc = load("invalid/btm.outcome_half_trade_not_maximal.json")
    assert codes(doc) == {"btm.class.no-binding"}
    doc["witness"]["steps"][0]["classes"][0]["binding"] = [{"agent": "1", "source": "E:a"}]
    assert codes(doc) == {"btm.class.binding"}


def test_example1_labels_and_pointing_are_checked():
    doc = load("valid/btm.outcome_example1.json")
    s2 = doc["witness"]["steps"][1]
    bad = copy.deepcopy(doc)
    bad["witness"]["steps"][1]["labeling"][0]["labels"].pop()       # agent 3's unused label
    assert "btm.labeling.mismatch" in codes(bad)
    bad = copy.deepcopy(doc)
    pts = bad["witness"]["steps"][1]["pointing"]
    moved = pts[1]["points"].pop()
    pts[0]["points"].append(moved)                                  # agent 3 points in round 1
    assert codes(bad) & {"btm.pointing.round", "btm.pointing.sources"}
    assert s2["classes"] and verdict(doc) == "valid"


def test_transient_source_and_wrong_tree_are_caught():
    doc = load("valid/btm.outcome_transient_source.json")
    assert verdict(doc) == "valid"
    first = doc["witness"]["steps"][0]
    assert first["transient"]["E:c"] == {"next": "E:a", "distance": 2}
    bad = copy.deepcopy(doc)
    bad["witness"]["steps"][0]["transient"].pop("E:c")
    assert codes(bad) == {"btm.transient.missing"}
    bad = copy.deepcopy(doc)
    bad["witness"]["steps"][0]["transient"]["E:c"]["next"] = "E:b"   # no edge E:c -> E:b
    assert "btm.transient.path" in codes(bad)
    bad = copy.deepcopy(doc)                        # a transient source listed as a class
    bad["witness"]["steps"][0]["transient"].pop("E:a")
    bad["witness"]["steps"][0]["classes"].append(
        {"sources": ["E:a"], "agents": ["1"], "stationary": {"E:a": "1"},
         "agent_stationary": {"1": "1"}, "alpha": "0", "binding": [], "root": "E:a",
         "in_tree": {}, "out_tree": {}})
    assert "btm.class.not-closed" in codes(bad)
    doc = load("valid/btm.outcome_example1.json")
    bad = copy.deepcopy(doc)
    c = next(c for c in bad["witness"]["steps"][0]["classes"] if c["in_tree"])
    u = next(iter(c["in_tree"]))
    c["in_tree"][u] = u
    assert "btm.class.tree" in codes(bad)


def test_house_model_needs_complete_lists():
    doc = load("valid/btm.outcome_example1.json")
    doc["instance"].pop("endowments")
    doc["instance"]["preferences"]["4"] = ["a", "b"]
    assert codes(doc) == {"btm.model"}


def test_proofs_btm_certificates_are_valid():
    paths = sorted((ROOT / "proofs" / "certificates").glob("btm_*.outcome.json"))
    btm = [p for p in paths if json.loads(p.read_text())["claim"] == "btm.outcome"]
    assert len(btm) >= 7
    for p in btm:
        assert check.check_file(str(p)).verdict == "valid", p
