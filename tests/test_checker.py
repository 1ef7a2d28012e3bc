"""The standard-library certificate checker (exactassign/certificates/check.py, FORMAT.md).

Fixture certificates live in tests/data/certificates/{valid,invalid,malformed}/; their numbers
were worked out by hand (Bogomolnaia–Moulin 2001's four agents a>b>c>d / b>a>d>c with PS, RSD
and serial dictatorship; a short-supply economy with unacceptable objects; ties with a
tie-break; unequal eating speeds; a housing market and a fractional-endowment economy).
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

import pytest

from exactassign.certificates import check

ROOT = Path(__file__).resolve().parent.parent
CHECK = ROOT / "exactassign" / "certificates" / "check.py"
DATA = Path(__file__).resolve().parent / "data" / "certificates"
FIXTURES = sorted(DATA.glob("*/*.json"))


def load(name: str) -> dict:
    """A fixture certificate, read exactly (decimal literals kept as text)."""
    return check.loads((DATA / name).read_text(encoding="utf-8"))


def codes(report: check.Report) -> set[str]:
    return {v.code for v in report.violations}


def verdict_of(doc: dict) -> str:
    return check.check_certificate(doc).verdict


# ----------------------------------------------------------------------------- the corpus
CARDINAL = DATA.parent / "cardinal"   # fixtures of check_cardinal.py (tests/test_cardinal.py)


def test_fixture_corpus_covers_every_claim_and_verdict():
    for verdict in ("valid", "invalid"):
        claims = {p.name.split("_")[0] for d in (DATA, CARDINAL)
                  for p in d.glob(f"{verdict}/*.json")}
        assert set(check.CLAIMS) <= claims, set(check.CLAIMS) - claims
    assert len(list(DATA.glob("malformed/*.json"))) >= 20


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture_verdict_is_given_by_its_directory(path):
    report = check.check_file(str(path))
    assert report.verdict == path.parent.name, [v.as_dict() for v in report.violations]
    assert report.exit_code == {"valid": 0, "invalid": 1, "malformed": 2}[path.parent.name]
    if report.verdict == "valid":
        assert report.violations == []
    else:
        assert report.violations and all(v.code and v.message for v in report.violations)
    if report.verdict == "malformed":
        assert len(report.violations) == 1


# The clause each invalid fixture breaks (it may break others as a consequence).
EXPECTED_CODES = {
    "all_ps_part_wrong_phase_end": {"ps.phase.exhausted"},
    "all_core_part_wrong_price": {"core-weak.dual-violated"},
    "manipulation_no_gain_on_the_set": {"manipulation.no-gain"},
    "strong-manipulation_only_a_manipulation": {"strong-manipulation.not-dominating"},
    "outcomes-differ_same_allocation": {"outcomes-differ.equal"},
    "assignment.feasible_column_over_supply": {"feasible.column-sum"},
    "assignment.feasible_fee_row_short": {"feasible.row-sum"},
    "sp.decomposition_theorem1_q_one_group": {"pm-equilibrium.support-not-affine"},
    "sp.decomposition_dead_object_priced": {"sp-decomposition.turn.objects"},
    "sp.decomposition_agent_left_out": {"sp-decomposition.partition.incomplete"},
    "sp.not-outcome_group_uncovered": {"sp-not-outcome.node.uncovered"},
    "sp.not-outcome_continue_without_node": {"sp-not-outcome.group.continue-missing"},
    "sp.not-outcome_blocking_not_feasible": {"core-blocked.reallocation.column-sum"},
    # equal budgets (HZ per turn): the seed's satiated x must hold a cheapest top object; free-
    # income prices of two identical agents' unequal split make them spend unequally
    "sp.decomposition_equal_budgets_x_not_cheapest": {"hz.not-cheapest",
                                                      "hz.budget.not-spent"},
    "sp.decomposition_equal_budgets_free_income_prices": {"hz.budget.not-spent"},
    "sp.not-outcome_equal_budgets_budget_rows_dropped": {
        "hz-no-equilibrium.farkas.nonneg-variable"},
    "ps.outcome_not_best": {"ps.eating.not-best", "ps.supply.negative", "ps.outcome.mismatch"},
    "ps.outcome_no_event": {"ps.phase.no-event", "ps.phase.exhausted"},
    "ps.outcome_rsd_is_not_ps": {"ps.outcome.mismatch"},
    "ps.outcome_missing_last_phase": {"ps.end.active", "ps.outcome.mismatch"},
    "ps.outcome_ties_without_tiebreak": {"ps.tiebreak.incomplete"},
    "ps.outcome_short_supply_stopped_missing": {"ps.phase.stopped"},
    "rsd.outcome_split_after_averaging": {"rsd.outcome.mismatch"},
    "rsd.outcome_wrong_successor": {"rsd.next.mismatch"},
    "rsd.outcome_member_value": {"rsd.value.mismatch"},
    "sd.outcome_queue_split_swapped": {"sd.outcome.mismatch"},
    "sd.outcome_promise_not_maximal": {"sd.promise.not-maximal"},
    "sd.outcome_cut_too_weak": {"sd.g.not-maximal"},
    "sd.outcome_slack_not_strict": {"sd.slack.not-strict"},
    "sd.efficient_bm2001_rsd": {"sd-efficient.potential.strict-edge"},
    "sd.efficient_bm2001_ps_bad_potential": {"sd-efficient.potential.strict-edge"},
    "sd.efficient_short_supply_unacceptable_holding": {"sd-efficient.potential.strict-edge"},
    "sd.not-efficient_bm2001_ps": {"sd-not-efficient.cycle.worse",
                                   "sd-not-efficient.dominating.worse"},
    "sd.not-efficient_bm2001_rsd_epsilon_too_large": {"feasible.negative"},
    "envy-free_bm2001_serial_dictatorship": {"envy-free.sd-envy"},
    "envy-free_infeasible_outcome": {"feasible.column-sum"},
    "envy_bm2001_ps": {"envy.no-envy"},
    "envy_not_an_upper_contour_set": {"envy.not-ucs"},
    "ir_fee_skew": {"ir.worse"},
    "ir_unacceptable_object": {"ir.worse"},
    "not-ir_fee_no_trade": {"not-ir.not-worse"},
    "ete_fee_skew": {"ete.unequal-rows"},
    "not-ete_bm2001_ps": {"not-ete.preferences-differ"},
    "eene_fee_skew": {"eene.sd-envy"},
    "not-eene_fee_unequal_endowments": {"not-eene.endowments-differ"},
    "bounded-envy_fee_skew": {"bounded-envy.exceeded"},
    "not-bounded-envy_fee_no_trade": {"not-bounded-envy.within-bound"},
    # check_house.py (tests/test_check_house.py has the details)
    "eps.outcome_non_maximal_bottleneck": {"eps.phase.level"},
    "eps.outcome_level_below_min_ratio": {"eps.bottleneck.not-tight"},
    "eps.outcome_level_above_min_ratio": {"eps.flow.over-supply"},
    "eps.outcome_outcome_differs": {"eps.outcome.mismatch"},
    "eps.outcome_stopped_missing": {"eps.phase.stopped"},
    "egalitarian_levels_decreasing": {"egalitarian.levels.decreasing"},
    "egalitarian_naive_split": {"egalitarian.mass"},
    "egalitarian_masses_as_levels": {"egalitarian.set.ratio", "egalitarian.mass"},
    "not-egalitarian_is_egalitarian": {"not-egalitarian.equal"},
    # check_btm.py (tests/test_check_btm.py has the details)
    "btm.outcome_proportional_claimed_equal": {"btm.shares.rule"},
    "btm.outcome_half_trade_not_maximal": {"btm.class.no-binding"},
    "btm.outcome_labeling_missing": {"btm.labeling.missing-round"},
    "btm.outcome_outcome_differs": {"btm.outcome.mismatch"},
    # check_fair.py (tests/test_ordinal.py has the details)
    "ordinal-fair_simple_proportional_btm": {"ordinal-fair.violated"},
    "ordinal-fair_not_simple": {"ordinal-fair.not-simple"},
    "not-ordinal-fair_simple_equal_btm_is_fair": {"not-ordinal-fair.fair"},
    "not-ordinal-fair_not_co_owners": {"not-ordinal-fair.not-co-owners"},
    "not-ordinal-fair_wrong_other_mass": {"not-ordinal-fair.mismatch"},
    # check_hz.py (tests/test_check_hz.py has the details)
    "hz.outcome_wrong_root": {"hz.amount.negative", "hz.alpha.not-positive"},
    "hz.outcome_non_isolating_interval": {"hz.field.not-isolating"},
    "hz.outcome_equal_budgets_not_equal": {"hz.budget.not-equal"},
    "sp.outcome_satiated_agent_without_supply": {"hz.row-sum", "sp.supply.mismatch"},
    "hz.outcome_perturbed_price": {"hz.price.not-affine"},
    "hz.outcome_perturbed_amount": {"hz.row-sum", "hz.outcome.mismatch"},
    "sp.outcome_supply_not_remaining": {"sp.supply.mismatch"},
}


def test_every_invalid_fixture_has_its_expected_codes():
    assert set(EXPECTED_CODES) == {p.stem for p in DATA.glob("invalid/*.json")}
    for stem, expected in EXPECTED_CODES.items():
        report = check.check_file(str(DATA / "invalid" / f"{stem}.json"))
        assert expected <= codes(report), (stem, [v.as_dict() for v in report.violations])


# The field each malformed fixture names (its JSON path, or a word of the message).
EXPECTED_MALFORMED = {
    "missing_claim": "claim", "unsupported_claim": "claim", "unsupported_version": "version",
    "wrong_format": "format", "missing_instance": "instance",
    "number_divides_by_zero": "outcome.allocation.1.a",
    "number_not_a_number": "outcome.allocation.1.a", "number_boolean": "outcome.allocation.1.a",
    "negative_outcome_amount": "outcome.allocation.1.a",
    "unknown_agent_in_outcome": "outcome.allocation.9",
    "unknown_object_in_outcome": "outcome.allocation.1.z",
    "unknown_object_in_preferences": "instance.preferences.1[1]",
    "missing_preferences_of_agent": "instance.preferences.4",
    "duplicate_object_in_preferences": "instance.preferences.1[1]",
    "duplicate_agent_label": "instance.agents", "integer_agent_label": "instance.agents[0]",
    "supply_not_positive": "instance.supply.a", "outcome_not_an_object": "outcome.allocation",
    "witness_missing": "witness", "producer_not_an_object": "producer",
    "endowment_row_over_one": "instance.endowments.1",
    "endowment_supply_disagree": "instance.supply.a",
    "sd.efficient_missing_potential": "witness.potential.d",
    "sd.efficient_missing_outside": "witness.outside",
    "ps.outcome_phases_not_a_list": "witness.phases",
    "ps.outcome_missing_speed": "witness.speeds.2",
    "ps.outcome_unknown_object_eaten": "witness.phases[1].eating.1",
    "envy_missing_envious": "witness.envious", "not-ete_three_agents": "witness.agents",
    "json_nan": "NaN", "json_infinity": "Infinity", "json_truncated": "JSON",
    "json_duplicate_key": "duplicate key 'claim'", "json_not_an_object": "object",
    "eps.outcome_capped_not_boolean": "witness.phases[0].capped",
    "eps.outcome_unknown_agent_in_flow": "witness.phases[0].flow.9",
    "eps.outcome_top_object_twice": "witness.phases[0].top.1[1]",
    "egalitarian_missing_profile": "witness.profile",
    "not-egalitarian_realisation_unknown_object": "witness.realisation.1.z",
    "btm.outcome_unknown_source": "witness.steps[0].x.E:z",
    "btm.outcome_missing_rule": "witness.rule",
    "all_single_part": "witness.claims",
    "not-ordinal-fair_missing_holder": "witness.holder",
    "sp.not-outcome_two_witness_forms": "witness",
    "sp.decomposition_budgets_not_equal_or_absent": "witness.budgets",
    "sp.decomposition_equal_budgets_entry_gives_budgets": "witness.turns[0].budgets",
    "all_same_part_twice": "witness.claims[1].claim",
    "hz.outcome_field_degree_over_limit": "witness.turns[0].field",
}


def test_every_malformed_fixture_names_the_field():
    assert set(EXPECTED_MALFORMED) == {p.stem for p in DATA.glob("malformed/*.json")}
    for stem, where in EXPECTED_MALFORMED.items():
        (v,) = check.check_file(str(DATA / "malformed" / f"{stem}.json")).violations
        assert v.path == where or where in v.message, (stem, v.as_dict())
    unsupported = check.check_file(str(DATA / "malformed" / "unsupported_claim.json"))
    assert codes(unsupported) == {"unsupported.claim"}


# ----------------------------------------------------------------------------- ps.outcome
def ps_bm() -> dict:
    return load("valid/ps.outcome_bm2001.json")


def test_ps_bm2001_trace_values():
    doc = ps_bm()
    assert doc["outcome"]["allocation"]["1"] == {"a": "1/2", "c": "1/2"}
    assert verdict_of(doc) == "valid"


@pytest.mark.parametrize("change, expected", [
    (lambda d: d["witness"]["speeds"].__setitem__("1", 0), "ps.speeds.positive"),
    (lambda d: d["witness"]["phases"][1].__setitem__("start", "1/3"), "ps.phase.start"),
    (lambda d: d["witness"]["phases"].insert(1, {"start": "1/2", "end": "1/2", "eating": {
        "1": "c", "2": "c", "3": "d", "4": "d"}, "exhausted": [], "satiated": [],
        "stopped": []}), "ps.phase.empty"),
    (lambda d: d["witness"]["phases"][0]["eating"].pop("4"), "ps.eating.missing"),
    (lambda d: d["witness"]["phases"][0]["eating"].__setitem__("3", "a"), "ps.eating.not-best"),
    (lambda d: d["witness"]["phases"][1].__setitem__("satiated", ["1"]), "ps.phase.satiated"),
    (lambda d: d["witness"]["phases"][1].__setitem__("exhausted", ["c"]), "ps.phase.exhausted"),
    (lambda d: d["witness"]["phases"][1].__setitem__("stopped", ["1"]), "ps.phase.stopped"),
    (lambda d: d["witness"]["phases"][1].__setitem__("end", "3/2"), "ps.eaten.over-one"),
    (lambda d: d["witness"]["phases"][1].__setitem__("end", "3/2"), "ps.supply.negative"),
    (lambda d: d["witness"]["speeds"].__setitem__("1", "1/2"), "ps.outcome.mismatch"),
])
def test_ps_outcome_violations(change, expected):
    doc = ps_bm()
    change(doc)
    report = check.check_certificate(doc)
    assert report.verdict == "invalid" and expected in codes(report), report.violations


def test_ps_inactive_agent_may_not_eat():
    doc = load("valid/ps.outcome_short_supply_unacceptable.json")
    doc["witness"]["phases"][1]["eating"]["1"] = "a"     # a is exhausted: agent 1 stopped
    report = check.check_certificate(doc)
    assert "ps.eating.inactive" in codes(report)
    assert any(v.path == "witness.phases[1].eating.1" for v in report.violations)


def test_ps_tiebreak_decides_ties():
    doc = load("valid/ps.outcome_ties_tiebreak.json")
    doc["witness"]["tiebreak"] = ["b", "a"]       # agent 1 should now start with b
    report = check.check_certificate(doc)
    assert "ps.eating.not-best" in codes(report)
    assert any(v.path == "witness.phases[0].eating.1" for v in report.violations)


def test_ps_outcome_must_be_feasible_and_match():
    doc = ps_bm()
    doc["outcome"]["allocation"]["1"]["b"] = "1/4"
    assert {"feasible.row-sum", "feasible.column-sum", "ps.outcome.mismatch"} <= codes(
        check.check_certificate(doc))


# ----------------------------------------------------------------------------- efficiency
def test_sd_efficient_potential_edges():
    doc = load("valid/sd.efficient_bm2001_ps.json")
    doc["witness"]["potential"]["a"] = 1        # agent 1 holds c (1) and strictly prefers a
    report = check.check_certificate(doc)
    assert codes(report) == {"sd-efficient.potential.strict-edge"}
    assert {v.path for v in report.violations} == {"witness.potential.a"}
    doc = load("valid/sd.efficient_fee_housing_market.json")
    doc["outcome"]["allocation"] = {"1": {"b": 1}, "2": {"c": 1}, "3": {"a": 1}}
    assert verdict_of(doc) == "valid"           # 2 holds c below a, b; 3 holds a ~ b
    doc["witness"]["potential"]["a"] = "2/3"    # 3 holds a and is indifferent to b
    report = check.check_certificate(doc)
    assert codes(report) == {"sd-efficient.potential.weak-edge"}
    assert [v.path for v in report.violations] == ["witness.potential.b"]


def test_sd_efficient_null_holder_and_outside():
    doc = load("valid/sd.efficient_short_supply_leftover.json")
    doc["witness"]["potential"]["c"] = -1   # leftover c: the null holder trades it for ∅
    report = check.check_certificate(doc)
    assert "sd-efficient.potential.weak-edge" in codes(report)
    assert any("null holder" in v.message for v in report.violations)
    doc = load("valid/sd.efficient_short_supply_leftover.json")
    doc["witness"]["outside"] = 1           # agent 1 holds ∅ and strictly prefers a (2)...
    assert verdict_of(doc) == "invalid"     # ...and the null holder holds ∅ (1 > c's 0)


def test_sd_efficient_ignores_outside_in_fee_model():
    doc = load("valid/sd.efficient_fee_housing_market.json")
    doc["witness"]["outside"] = "not even a number"
    assert verdict_of(doc) == "valid"


def test_sd_efficient_rational_potentials():
    doc = load("valid/sd.efficient_bm2001_ps.json")
    doc["witness"]["potential"] = {"a": "2/3", "b": "0.7", "c": "1/3", "d": "-1/7"}
    doc["witness"]["outside"] = "-1/5"
    assert verdict_of(doc) == "valid"
    doc["witness"]["potential"]["d"] = "2/3"
    assert verdict_of(doc) == "invalid"


def rsd() -> dict:
    return load("valid/sd.not-efficient_bm2001_rsd.json")


def test_rsd_is_dominated_by_a_cycle_trade():
    doc = rsd()
    assert doc["witness"]["dominating"]["1"] == {"a": "1/2", "c": "5/12", "d": "1/12"}
    assert verdict_of(doc) == "valid"
    wrapped = rsd()      # reading 4 of check.py: {"allocation": {...}} is accepted too
    wrapped["witness"]["dominating"] = {"allocation": wrapped["witness"]["dominating"]}
    assert verdict_of(wrapped) == "valid"


def test_rsd_is_sd_dominated_by_ps_but_not_as_one_cycle():
    """PS sd-dominates RSD (Bogomolnaia–Moulin) but is not one cycle traded from RSD."""
    doc = rsd()
    doc["witness"]["dominating"] = load("valid/envy-free_bm2001_ps.json")["outcome"]["allocation"]
    report = check.check_certificate(doc)
    assert codes(report) == {"sd-not-efficient.dominating.mismatch"}


@pytest.mark.parametrize("change, expected", [
    (lambda w: w["cycle"][1].__setitem__("gets", "c"), "sd-not-efficient.cycle.open"),
    (lambda w: w.__setitem__("cycle", []), "sd-not-efficient.cycle.empty"),
    (lambda w: w.__setitem__("epsilon", 0), "sd-not-efficient.epsilon.positive"),
    (lambda w: w.__setitem__("epsilon", "-1/12"), "sd-not-efficient.dominating.mismatch"),
    (lambda w: w["dominating"]["2"].__setitem__("a", "1/3"),
     "sd-not-efficient.dominating.mismatch"),
    (lambda w: w.__setitem__("cycle", [{"agent": "1", "gives": "a", "gets": "b"},
                                       {"agent": "3", "gives": "b", "gets": "a"}]),
     "sd-not-efficient.cycle.worse"),
    (lambda w: w.__setitem__("cycle", [{"agent": "1", "gives": "a", "gets": "a"}]),
     "sd-not-efficient.cycle.no-strict"),
])
def test_not_efficient_violations(change, expected):
    doc = rsd()
    change(doc["witness"])
    assert expected in codes(check.check_certificate(doc))


def test_not_efficient_dominating_must_be_feasible_and_better():
    doc = load("valid/sd.not-efficient_leftover_null_holder.json")
    doc["witness"]["epsilon"] = 1      # agent 2 only has 1/2 of ∅ to give
    doc["witness"]["dominating"]["2"]["b"] = 1
    report = check.check_certificate(doc)
    assert codes(report) == {"feasible.row-sum"}
    doc = load("valid/sd.not-efficient_fee_housing_market.json")
    doc["witness"]["cycle"] = [{"agent": "1", "gives": "a", "gets": None},
                               {"agent": None, "gives": None, "gets": "a"}]
    doc["witness"]["dominating"] = doc["outcome"]["allocation"]
    report = check.check_certificate(doc)
    assert "sd-not-efficient.cycle.outside" in codes(report)
    assert "sd-not-efficient.dominating.no-strict" in codes(report)


# ----------------------------------------------------------------------------- fairness
def test_envy_witness_masses_are_recomputed():
    doc = load("valid/envy_fee_unequal_endowments.json")
    doc["witness"]["envied_mass"] = "1/3"
    report = check.check_certificate(doc)
    assert codes(report) == {"envy.mass-mismatch"}
    assert report.violations[0].path == "witness.envied_mass"
    doc["witness"]["upper_contour_set"] = ["b", "a"]   # in any order; masses 1 and 1
    doc["witness"].update(envious_mass=1, envied_mass=1)
    assert codes(check.check_certificate(doc)) == {"envy.no-envy"}


def test_ucs_with_outside_option():
    doc = load("valid/not-ir_unacceptable_object.json")
    assert doc["witness"]["upper_contour_set"] == [None]
    doc["witness"]["upper_contour_set"] = [None, "a", "b", "c"]   # everything: mass 1 vs 1
    doc["witness"]["allocation_mass"] = 1
    assert codes(check.check_certificate(doc)) == {"not-ir.not-worse"}
    doc = load("valid/not-ir_fee_housing_market.json")
    doc["witness"]["upper_contour_set"] = ["b", "a", None]   # no ∅ in the FEE model
    assert "not-ir.not-ucs" in codes(check.check_certificate(doc))


def test_not_ete_clauses():
    doc = load("valid/not-ete_bm2001_serial_dictatorship.json")
    doc["witness"]["object"] = "c"      # agents 1 and 2 both get 0 of c
    assert codes(check.check_certificate(doc)) == {"not-ete.equal-amounts"}
    doc["witness"]["object"] = None     # both rows sum to 1: equal ∅ masses
    assert codes(check.check_certificate(doc)) == {"not-ete.equal-amounts"}
    doc = load("valid/not-ete_fee_skew.json")
    doc["witness"]["agents"] = ["1", "3"]
    assert codes(check.check_certificate(doc)) == {"not-ete.endowments-differ"}


def test_not_bounded_envy_recomputes_envy_and_bound():
    doc = load("valid/not-bounded-envy_fee_skew.json")
    doc["witness"].update(envious="3", envy=1, bound=0)   # bound of 3 towards 1 is 1/2
    assert codes(check.check_certificate(doc)) == {"not-bounded-envy.bound-mismatch"}
    doc["witness"]["bound"] = "1/2"
    assert verdict_of(doc) == "valid"
    doc["witness"]["envy"] = "1/2"
    assert codes(check.check_certificate(doc)) == {"not-bounded-envy.envy-mismatch"}


def test_positive_fairness_claims_on_serial_dictatorship():
    sd = load("valid/envy_bm2001_serial_dictatorship.json")
    for claim, code in [("envy-free", "envy-free.sd-envy"), ("eene", "eene.sd-envy"),
                        ("ete", "ete.unequal-rows"), ("bounded-envy", "bounded-envy.exceeded")]:
        doc = dict(sd, claim=claim, witness={})
        assert codes(check.check_certificate(doc)) == {code}, claim
    assert verdict_of(dict(sd, claim="ir", witness={})) == "valid"


def test_equal_preferences_means_same_tiers_in_same_order():
    doc = load("valid/not-ete_bm2001_serial_dictatorship.json")
    doc["instance"]["preferences"]["2"] = ["d", "c", "b", "a"]   # same tiers, reversed
    assert codes(check.check_certificate(doc)) == {"not-ete.preferences-differ"}
    doc["instance"]["preferences"]["2"] = [["a"], "b", ["c"], "d"]   # same order as 1
    assert verdict_of(doc) == "valid"


# ----------------------------------------------------------------------------- numbers and API
def test_numbers_are_exact():
    doc = load("valid/envy_fee_unequal_endowments.json")
    assert doc["instance"]["endowments"]["2"]["a"] == "0.5"
    text = json.dumps(doc).replace('"envied_mass": "1/2"', '"envied_mass": 0.5')
    assert check.check_certificate(check.loads(text)).verdict == "valid"
    text2 = text.replace('"envied_mass": 0.5', '"envied_mass": 0.50000000000000000001')
    assert codes(check.check_certificate(check.loads(text2))) == {"envy.mass-mismatch"}
    assert verdict_of(json.loads(text)) == "malformed"      # a binary float is not exact
    for bad in ("1/0", "abc", "1e99999", "", "1/-2", "0x10"):
        doc["witness"]["envied_mass"] = bad
        (v,) = check.check_certificate(doc).violations
        assert v.path == "witness.envied_mass", bad
    for good in (" 1 / 2 ", "+1/2", ".5", "5e-1", "50e-2"):
        doc["witness"]["envied_mass"] = good
        assert verdict_of(doc) == "valid", good


def test_report_api_and_never_a_traceback():
    for doc in (None, [], "x", {"format": "exactassign.certificate", "version": True},
                {"format": 3}, {"format": "exactassign.certificate", "version": 1,
                                "claim": "ir", "instance": {"agents": "12"}}):
        report = check.check_certificate(doc)
        assert report.verdict == "malformed" and report.exit_code == 2
    assert check.check_file(__file__).verdict == "malformed"      # not JSON
    with pytest.raises(ValueError):
        check.loads('{"a": NaN}')
    report = check.check_certificate(load("valid/ir_short_supply.json"))
    assert isinstance(report, check.Report) and report.claim == "ir"
    assert (report.verdict, report.violations, report.exit_code) == ("valid", [], 0)


def test_check_file_on_deep_json(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100000 + "]" * 100000)
    assert check.check_file(str(deep)).verdict == "malformed"
    assert check.check_file(str(tmp_path / "missing.json")).verdict == "malformed"


# ----------------------------------------------------------------------------- command line
def test_main_exit_code_precedence(capsys):
    v = str(DATA / "valid" / "envy-free_bm2001_ps.json")
    i = str(DATA / "invalid" / "envy-free_bm2001_serial_dictatorship.json")
    m = str(DATA / "malformed" / "json_nan.json")
    assert check.main([v, v]) == 0
    assert check.main([v, i, v]) == 1
    assert check.main([i, m, v]) == 2
    assert check.main([m, i]) == 2
    capsys.readouterr()
    assert check.main(["--format", "json", v, i, m]) == 2
    out = json.loads(capsys.readouterr().out)
    assert [r["verdict"] for r in out["results"]] == ["valid", "invalid", "malformed"]
    assert out["results"][1]["file"] == i
    assert set(out["results"][1]["violations"][0]) == {"code", "path", "message"}
    assert check.main([i]) == 1
    text = capsys.readouterr().out
    assert "invalid" in text and "envy-free.sd-envy at outcome.allocation.2" in text


def run_script(*args: str, flags: tuple = ("-I", "-S")) -> subprocess.CompletedProcess:
    """python -I -S check.py ...: isolated, without site-packages (standard library only)."""
    return subprocess.run([sys.executable, *flags, str(CHECK), *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


def test_script_exit_codes_over_several_files():
    v = [str(p) for p in sorted(DATA.glob("valid/*.json"))]
    i = [str(p) for p in sorted(DATA.glob("invalid/*.json"))]
    m = [str(p) for p in sorted(DATA.glob("malformed/*.json"))]
    assert run_script(*v).returncode == 0
    assert run_script(*v, *i).returncode == 1
    assert run_script(*v, *i, *m).returncode == 2
    assert run_script(m[0], v[0]).returncode == 2
    r = run_script("--format", "json", *i)
    assert r.returncode == 1 and r.stderr == ""
    assert {x["verdict"] for x in json.loads(r.stdout)["results"]} == {"invalid"}
    assert "Traceback" not in run_script(*m).stderr


def test_module_invocation_works():
    r = subprocess.run([sys.executable, "-m", "exactassign.certificates.check",
                        str(DATA / "valid" / "ps.outcome_bm2001.json")],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "valid" in r.stdout
    probe = ("import json, runpy, sys\nsys.argv = ['check', sys.argv[1]]\ntry:\n"
             "    runpy.run_module('exactassign.certificates.check', run_name='__main__')\n"
             "except SystemExit:\n    pass\n"
             "print(json.dumps(sorted(sys.modules)), file=sys.stderr)")
    cert = str(DATA / "valid" / "ir_short_supply.json")
    r = subprocess.run([sys.executable, "-c", probe, cert], capture_output=True, text=True,
                       cwd=ROOT, timeout=120)
    modules = json.loads(r.stderr.strip().splitlines()[-1])
    assert not [m for m in modules if m.split(".")[0] in ("flint", "sympy", "networkx")]
    assert {m for m in modules if m.startswith("exactassign")} <= {
        "exactassign", "exactassign.certificates", "exactassign.certificates.check"}


PROBE = r"""
import json, runpy, sys
before = set(sys.modules)
sys.argv = [CHECK, "--format", "json", *ARGS]
try:
    runpy.run_path(CHECK, run_name="__main__")
except SystemExit as exc:
    code = exc.code
sys.stderr.write("PROBE" + json.dumps({"code": code, "new": sorted(set(sys.modules) - before),
                                       "all": sorted(sys.modules)}))
"""


@pytest.mark.parametrize("flags", [("-I",), ("-I", "-S")], ids=["isolated", "no-site"])
def test_checker_imports_only_the_standard_library(flags):
    """Run the checker as a script in a fresh interpreter; inspect sys.modules afterwards.

    With site-packages available (-I) python-flint, sympy and exactassign could be imported,
    so their absence shows that the checker does not import them; with -S nothing but the
    standard library is even importable.
    """
    certs = [str(p) for p in sorted(DATA.glob("valid/*.json"))]
    code = f"CHECK = {str(CHECK)!r}\nARGS = {certs!r}\n" + PROBE
    r = subprocess.run([sys.executable, *flags, "-c", code], capture_output=True, text=True,
                       cwd="/", timeout=120)
    info = json.loads(r.stderr.split("PROBE", 1)[1])
    assert info["code"] == 0, r.stdout[-2000:]
    stdlib = set(sys.stdlib_module_names) | set(sys.builtin_module_names) | {"__main__"}
    new_top = {name.split(".")[0] for name in info["new"]}
    assert new_top <= stdlib, new_top - stdlib
    forbidden = ("flint", "sympy", "networkx", "numpy", "exactassign", "hypothesis")
    assert not [m for m in info["all"] if m.split(".")[0] in forbidden]
    if "-S" in flags:
        assert {name.split(".")[0] for name in info["all"]} <= stdlib


@pytest.mark.parametrize("source", sorted(CHECK.parent.glob("check*.py")), ids=lambda p: p.name)
def test_checker_source_imports_nothing_else(source):
    """check.py and its plugins: standard-library imports only, no relative imports."""
    import ast
    tree = ast.parse(source.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "no relative imports"
            names.add(node.module.split(".")[0])
    assert names <= set(sys.stdlib_module_names), names
    assert not names & {"exactassign", "check"}
    if source == CHECK:
        assert len(CHECK.read_text(encoding="utf-8").splitlines()) < 800


# ----------------------------------------------------------------------------- mutations
LABEL_KEYS = {"misreport", "mechanisms", "claim", "eating", "exhausted", "satiated", "stopped", "tiebreak", "cycle", "envious",
              "envied", "agent", "agents", "object", "upper_contour_set",
              "top", "bottleneck_agents", "bottleneck_objects", "objects", "first_tier",
              # btm.outcome (labels and source ids "E:o" / "L:o")
              "rule", "endowment_objects", "available", "indifferent_to", "favourites",
              "sources", "id", "kind", "root", "in_tree", "out_tree", "next", "source",
              # sp.decomposition / sp.not-outcome (their "budgets": "equal" is a mode, not a number)
              "partition", "remaining", "group", "coalition"}
# sd.outcome / rsd.outcome: the order, tiers, node object lists, blocking sets (promise
# references [agent, tier index]); only for those claims ("nodes" and "blocking" of
# sp.not-outcome hold Farkas multipliers and reallocations)
CLAIM_LABEL_KEYS = {c: {"order", "tier", "nodes", "blocking"}
                    for c in ("sd.outcome", "rsd.outcome")}
FREE_HINTS = {("witness", "potential"), ("witness", "outside")}   # sd.efficient potentials
# formats.md's "approx" is informative, and an isolating interval may move as long as it isolates
# the same root (hz.outcome; invalid fixtures and tests/test_check_hz.py cover bad intervals);
# sd/rsd.outcome slack flows: any flow above every amount will do
FREE_KEYS = {"approx", "interval", "slack"}


def number_paths(node, path=(), labels=frozenset(LABEL_KEYS)):
    """Paths of the numbers in outcome and witness (labels and free hints excluded)."""
    if isinstance(node, dict):
        for k, v in node.items():
            if not (path and path[0] == "witness" and k in labels) and k not in FREE_KEYS:
                yield from number_paths(v, path + (k,), labels)
    elif isinstance(node, list):
        for k, v in enumerate(node):
            yield from number_paths(v, path + (k,), labels)
    elif (isinstance(node, int) and not isinstance(node, bool)
          or isinstance(node, str) and re.fullmatch(r"-?[0-9]+(/[0-9]+)?|-?[0-9]*\.[0-9]+", node)):
        part = path[3:5] if path[:2] == ("witness", "claims") else path[:2]  # inside "all"
        if path[:2] not in FREE_HINTS and part not in FREE_HINTS:
            yield path


def mutate(doc: dict, path: tuple, delta: Fraction) -> dict:
    doc = copy.deepcopy(doc)
    node = doc
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = str(Fraction(node[path[-1]]) + delta)
    return doc


def test_mutations_of_numbers_are_rejected():
    total, rejected, survivors = 0, 0, []
    for path in sorted(DATA.glob("valid/*.json")):
        doc = load(f"valid/{path.name}")
        labels = frozenset(LABEL_KEYS | CLAIM_LABEL_KEYS.get(doc["claim"], set()))
        paths = [p for part in ("outcome", "witness")
                 for p in number_paths(doc[part], (part,), labels)]
        for p in paths:
            total += 1
            if verdict_of(mutate(doc, p, Fraction(1, 7))) != "valid":
                rejected += 1
            else:
                survivors.append((path.name, p))
    share = rejected / total
    assert total > 200
    assert share == 1, f"rejected {rejected}/{total} = {share:.1%}; survivors: {survivors[:10]}"


def test_mutations_of_phases_are_rejected():
    total = rejected = 0
    for path in sorted(DATA.glob("valid/ps.outcome_*.json")):
        doc = load(f"valid/{path.name}")
        for k in range(len(doc["witness"]["phases"])):
            for variant in ("drop", "swap-eater"):
                mutated = copy.deepcopy(doc)
                phases = mutated["witness"]["phases"]
                if variant == "drop":
                    del phases[k]
                else:
                    eater = sorted(phases[k]["eating"])[0]
                    others = [o for o in mutated["instance"]["objects"]
                              if o != phases[k]["eating"][eater]]
                    phases[k]["eating"][eater] = others[0]
                total += 1
                rejected += verdict_of(mutated) != "valid"
    assert rejected == total, f"rejected {rejected}/{total}"


def test_mutation_of_potentials_is_free_but_bounded():
    """Potentials are free hints: some changes keep the certificate valid, which is sound
    because any order-compatible potential proves the claim; breaking the order is caught."""
    doc = load("valid/sd.efficient_bm2001_ps.json")
    assert verdict_of(mutate(doc, ("witness", "potential", "a"), Fraction(1, 7))) == "valid"
    assert verdict_of(mutate(doc, ("witness", "potential", "c"), Fraction(1))) == "invalid"


# ----------------------------------------------------------------------------- scale
def test_dense_1000_by_1000_sd_efficient_checks_in_seconds():
    n = m = 1000
    agents = [f"i{k}" for k in range(n)]
    objects = [f"o{k}" for k in range(m)]
    ties = [objects[k:k + 3] for k in range(0, m, 3)]     # tiers of three objects
    doc = {"format": "exactassign.certificate", "version": 1, "claim": "sd.efficient",
           "instance": {"agents": agents, "objects": objects,
                        "preferences": {a: ties for a in agents}},
           "outcome": {"allocation": {a: {o: f"{1 + (i + k) % m}/500500"
                                          for k, o in enumerate(objects)}
                                      for i, a in enumerate(agents)}},
           "witness": {"potential": {o: -(k // 3) for k, o in enumerate(objects)},
                       "outside": -m}}
    start = time.perf_counter()
    report = check.check_certificate(doc)
    elapsed = time.perf_counter() - start
    assert report.verdict == "valid", report.violations[:3]
    assert elapsed < 20, f"dense 1000 x 1000 sd.efficient took {elapsed:.1f} s"
    doc["witness"]["potential"]["o4"] = 0       # o4 is tied with o3 (-1): weak edges break
    report = check.check_certificate(doc)
    assert codes(report) == {"sd-efficient.potential.weak-edge",
                             "sd-efficient.potential.strict-edge"}


# ----------------------------------------------------------------------------- all (check_all.py)
def test_all_reports_inside_the_failing_part_and_keeps_the_others():
    doc = load("valid/all_bm2001_ps_outcome_efficient_envy_free.json")
    doc["witness"]["claims"][2]["witness"] = {}        # envy-free needs no witness: still valid
    assert check.check_certificate(doc).verdict == "valid"
    doc["outcome"]["allocation"]["1"]["a"] = "1/3"     # the outcome changes under every part
    report = check.check_certificate(doc)
    assert report.verdict == "invalid"
    by_part = {v.message.split(":")[0] for v in report.violations}
    assert by_part == {"ps.outcome", "sd.efficient", "envy-free"}     # every part is checked
    assert any(v.path.startswith("witness.claims[1].witness.") for v in report.violations)


@pytest.mark.parametrize("change, where", [
    (lambda w: w["claims"].append({"claim": "all", "witness": {}}), "witness.claims[3].claim"),
    (lambda w: w["claims"].append({"claim": "no.such", "witness": {}}), "witness.claims[3].claim"),
    (lambda w: w["claims"].append(dict(w["claims"][0])), "witness.claims[3].claim"),
    (lambda w: w["claims"][1].pop("witness"), "witness.claims[1].witness"),
    (lambda w: w["claims"].__setitem__(0, "ps.outcome"), "witness.claims[0]"),
])
def test_all_malformed_parts(change, where):
    doc = load("valid/all_bm2001_ps_outcome_efficient_envy_free.json")
    change(doc["witness"])
    (v,) = check.check_certificate(doc).violations
    assert v.path == where, v.as_dict()
