"""The economy model (formats.md, "Economy file"): construction, validation, immutability,
and the allocation matrix with its feasibility and sd-comparison helpers."""
from __future__ import annotations

import dataclasses
from fractions import Fraction

import pytest
from flint import fmpq

from exactassign import Allocation, Economy, sd_compare, sd_weakly_dominates
from exactassign.errors import AllocationError, EconomyError, ExactAssignError
from exactassign.io.json_io import parse_economy
from exactassign.numbers import Q
from exactassign.preferences import (acceptable, break_ties, from_valuations, is_strict,
                                     rank_map, upper_contour_sets)


def fs(*tiers: str):
    """Weak order from tier strings: fs("a", "bc") == ({a}, {b, c})."""
    return tuple(frozenset(t) for t in tiers)


def mk(**kw):
    base = dict(agents=["1", "2"], objects=["a", "b"],
                preferences={"1": ["a", "b"], "2": ["b", "a"]})
    base.update(kw)
    agents, objects = base.pop("agents"), base.pop("objects")
    return Economy.create(agents, objects, **base)


def raises(match_all, **kw):
    """Economy.create(**kw) raises EconomyError whose message contains every string."""
    with pytest.raises(EconomyError) as exc:
        mk(**kw)
    msg = str(exc.value)
    for s in match_all:
        assert s in msg, f"{s!r} not in {msg!r}"
    assert "\n" not in msg
    return msg


# --------------------------------------------------------------------------- construction
def test_basic_construction():
    e = Economy.create(["1", "2", "3"], ["a", "b", "c"],
                       preferences={"1": ["a", ["b", "c"]], "2": ["c"], "3": []},
                       supply={"a": "1/2", "c": 2}, name="x", source="y")
    assert e.agents == ("1", "2", "3") and e.objects == ("a", "b", "c")
    assert (e.n, e.m) == (3, 3)
    assert e.supply == (Q(1, 2), Q(1), Q(2))
    assert all(isinstance(s, fmpq) for s in e.supply)
    assert e.preference_of("1") == fs("a", "bc")
    assert e.preference_of("2") == fs("c")
    assert e.preference_of("3") == ()
    assert acceptable(e.preference_of("1")) == frozenset("abc")
    assert not e.is_strict()
    assert e.first_tied_agent() == ("1", frozenset("bc"))
    assert e.name == "x" and e.source == "y"
    assert e.endowments is None and e.valuations is None and not e.has_endowments()
    assert e.agent_index == {"1": 0, "2": 1, "3": 2}
    assert e.object_index["c"] == 2


def test_labels_from_any_sequence_but_not_a_string():
    e = Economy.create(("1", "2"), ("a",), preferences={"1": ["a"], "2": []})
    assert e.agents == ("1", "2")
    with pytest.raises(EconomyError, match="'objects' must be a non-empty list"):
        Economy.create(["1"], "ab", preferences={"1": []})
    with pytest.raises(EconomyError, match="'agents' must be a non-empty list"):
        Economy.create({"1": 1}, ["a"], preferences={"1": []})


def test_default_supply_is_one_and_strictness():
    e = mk()
    assert e.supply == (Q(1), Q(1))
    assert e.is_strict() and e.first_tied_agent() is None


def test_supply_fewer_or_more_units_than_agents():
    short = mk(supply={"a": "1/3", "b": "1/5"})
    assert sum(short.supply, Q(0)) < short.n
    many = mk(supply={"a": 7, "b": "5/2"})
    assert sum(many.supply, Q(0)) > many.n


def test_endowments_give_supply_and_fee_model():
    e = mk(endowments={"1": {"a": "1/2", "b": "1/2"}, "2": {"a": "1/4"}})
    assert e.has_endowments()
    assert e.supply == (Q(3, 4), Q(1, 2))
    assert e.endowments == ((Q(1, 2), Q(1, 2)), (Q(1, 4), Q(0)))
    # an explicit supply that agrees is accepted
    e2 = mk(supply={"a": "3/4", "b": "0.5"},
            endowments={"1": {"a": "1/2", "b": "1/2"}, "2": {"a": "1/4"}})
    assert e2 == e


def test_house_allocation_as_fee():
    n = 3
    share = {o: "1/3" for o in "abc"}
    e = Economy.create([str(i) for i in range(1, n + 1)], list("abc"),
                       preferences={str(i): list("abc") for i in range(1, n + 1)},
                       endowments={str(i): share for i in range(1, n + 1)})
    assert e.supply == (Q(1),) * 3


def test_valuations_derive_weak_order():
    e = Economy.create(["1", "2"], ["a", "b", "c"],
                       valuations={"1": {"a": 3, "b": "0.5", "c": 3},
                                   "2": {"a": 0, "b": 1, "c": 2}})
    assert e.preference_of("1") == fs("ac", "b")
    assert e.preference_of("2") == fs("c", "b", "a")
    assert e.valuations[0] == (Q(3), Q(1, 2), Q(3))
    # mixed: one agent with preferences only, one with valuations only
    e2 = Economy.create(["1", "2"], ["a", "b"], preferences={"1": ["b"]},
                        valuations={"2": {"a": 1, "b": 1}})
    assert e2.preference_of("1") == fs("b")
    assert e2.preference_of("2") == fs("ab")
    assert e2.valuations == (None, (Q(1), Q(1)))


def test_valuations_consistent_with_preferences_are_accepted():
    e = mk(valuations={"1": {"a": 2, "b": 1}, "2": {"a": 0, "b": 5}})
    assert e.preference_of("1") == fs("a", "b")
    # a listed prefix: unlisted objects valued no more than the worst listed one
    e2 = mk(preferences={"1": ["a"], "2": ["b", "a"]}, valuations={"1": {"a": 2, "b": 1}})
    assert e2.preference_of("1") == fs("a")


def test_equality_and_hash():
    assert mk() == mk() and hash(mk()) == hash(mk())
    assert mk() != mk(supply={"a": 2})
    assert mk() != mk(preferences={"1": ["a"], "2": ["b", "a"]})


def test_replace_revalidates():
    e = mk()
    e2 = e.replace(supply=(Q(2), Q(1)))
    assert e2.supply_of("a") == 2 and e.supply_of("a") == 1
    with pytest.raises(EconomyError, match="'b'"):
        e.replace(supply=(Q(1), Q(0)))


# --------------------------------------------------------------------------- frozen
def test_economy_is_frozen():
    e = mk()
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.agents = ("x",)
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.supply = (Q(5), Q(5))
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.name = "changed"
    with pytest.raises((TypeError, AttributeError)):
        e.supply[0] = Q(3)  # tuples
    with pytest.raises((TypeError, AttributeError)):
        e.preferences[0][0].add("b")  # frozensets
    assert e == mk()


def test_input_mutation_does_not_leak():
    agents, objects = ["1", "2"], ["a", "b"]
    prefs = {"1": ["a", "b"], "2": ["b"]}
    e = Economy.create(agents, objects, preferences=prefs)
    agents.append("3")
    objects[0] = "z"
    prefs["1"].reverse()
    assert e.agents == ("1", "2") and e.objects == ("a", "b")
    assert e.preference_of("1") == fs("a", "b")


# --------------------------------------------------------------------------- validation
def test_unknown_object_in_preferences():
    raises(["agent '1'", "unknown object 'z'"], preferences={"1": ["a", "z"], "2": ["b"]})
    raises(["agent '2'", "unknown object 'z'"],
           preferences={"1": ["a"], "2": [["b", "z"]]})


def test_duplicate_object_in_preferences():
    raises(["agent '2'", "'a'", "more than once"],
           preferences={"1": ["a"], "2": ["a", "b", "a"]})
    raises(["agent '1'", "'b'", "more than once"],
           preferences={"1": [["a", "b"], "b"], "2": ["a"]})


def test_malformed_preference_entries():
    raises(["agent '1'", "list"], preferences={"1": "a", "2": ["a"]})
    raises(["agent '1'", "entry 2"], preferences={"1": ["a", []], "2": ["a"]})
    raises(["agent '2'", "entry 1"], preferences={"1": ["a"], "2": [3]})
    raises(["agent '2'", "entry 1"], preferences={"1": ["a"], "2": [[["a"]]]})


def test_preferences_of_unknown_agent():
    raises(["'preferences'", "unknown agent '9'"],
           preferences={"1": ["a"], "2": ["b"], "9": ["a"]})


@pytest.mark.parametrize("field", ["agents", "objects"])
def test_duplicate_labels(field):
    kw = {"agents": ["1", "2", "1"]} if field == "agents" else {"objects": ["a", "b", "a"]}
    if field == "agents":
        kw["preferences"] = {"1": ["a"], "2": ["a"]}
    raises([f"'{field}'", "appears twice", "'1'" if field == "agents" else "'a'"], **kw)


@pytest.mark.parametrize("field", ["agents", "objects"])
@pytest.mark.parametrize("bad", [[], [""], ["1", ""], ["1", 2], ["1", None], "12", None,
                                 ["1", 1.5], ["1", ["2"]]])
def test_bad_labels(field, bad):
    with pytest.raises(EconomyError) as exc:
        Economy.create(bad if field == "agents" else ["1"],
                       bad if field == "objects" else ["a"], preferences={})
    assert f"'{field}'" in str(exc.value)


def test_number_labels_from_json_are_refused():
    # JSON 1.5 is kept as its text for exactness, but it is still a number, not a label
    for doc in ('{"agents": [1.5], "objects": ["a"], "preferences": {"1.5": ["a"]}}',
                '{"agents": ["1"], "objects": [0.5], "preferences": {"1": []}}'):
        with pytest.raises(EconomyError, match="non-empty string"):
            parse_economy(doc, "x.json")
    with pytest.raises(EconomyError, match="agent '1'"):
        parse_economy('{"agents": ["1"], "objects": ["0.5"], "preferences": {"1": [[0.5]]}}')
    with pytest.raises(EconomyError, match="agent '1'"):
        parse_economy('{"agents": ["1"], "objects": ["0.5", "b"], '
                      '"preferences": {"1": [0.5, "b"]}}')


@pytest.mark.parametrize("value, shown", [(0, "0"), ("-1/2", "-1/2"), ("0.0", "0")])
def test_non_positive_supply(value, shown):
    msg = raises(["supply", "object 'b'", "positive"], supply={"b": value})
    assert shown in msg


@pytest.mark.parametrize("value", ["abc", "1/0", 0.5, True, None, [1]])
def test_malformed_supply(value):
    raises(["supply of object 'a'"], supply={"a": value})


def test_supply_of_unknown_object():
    raises(["'supply'", "unknown object 'q'"], supply={"q": 1})


def test_endowment_row_sum_above_one():
    msg = raises(["endowment of agent '2'", "> 1"],
                 endowments={"1": {"a": "1/2"}, "2": {"a": "1/2", "b": "2/3"}})
    assert "7/6" in msg


def test_negative_endowment():
    raises(["agent '1'", "object 'b'", "negative"],
           endowments={"1": {"a": 1, "b": "-1/2"}, "2": {"b": 1}})


def test_supply_disagreeing_with_endowments():
    raises(["object 'a'", "endowments sum to 1", "2"], supply={"a": 2},
           endowments={"1": {"a": "1/2"}, "2": {"a": "1/2", "b": "1/2"}})


def test_object_owned_by_nobody():
    raises(["object 'b'", "owned by nobody"], supply={"b": 1},
           endowments={"1": {"a": "1/2"}, "2": {"a": "1/2"}})
    # without an explicit supply the error still says why object 'b' has no supply
    raises(["object 'b'", "owned by nobody"],
           endowments={"1": {"a": "1/2"}, "2": {"a": "1/2"}})


def test_endowments_of_unknown_labels():
    raises(["'endowments'", "unknown agent '7'"], endowments={"7": {"a": 1}})
    raises(["endowment of agent '1'", "unknown object 'x'"], endowments={"1": {"x": 1}})
    raises(["endowment of agent '1'", "object 'a'"], endowments={"1": {"a": "x"}})


def test_valuations_contradicting_preferences():
    raises(["agent '2'", "contradict"], valuations={"1": {"a": 2, "b": 1},
                                                    "2": {"a": 2, "b": 1}})
    # a tie in the valuations against a strict order
    raises(["agent '1'", "contradict"], valuations={"1": {"a": 1, "b": 1}})
    # a strict valuation against a tie in the preferences
    raises(["agent '1'", "contradict"], preferences={"1": [["a", "b"]], "2": ["a"]},
           valuations={"1": {"a": 2, "b": 1}})
    # an unacceptable object valued above a listed one
    raises(["agent '1'", "object 'b'", "unacceptable"],
           preferences={"1": ["a"], "2": ["a"]}, valuations={"1": {"a": 1, "b": 2}})


def test_missing_valuation():
    raises(["valuations of agent '1'", "object 'b'"], valuations={"1": {"a": 1}})


def test_negative_or_malformed_valuation():
    raises(["agent '1'", "object 'a'", "negative"],
           preferences={"1": ["b", "a"], "2": ["a"]}, valuations={"1": {"a": -1, "b": 0}})
    raises(["agent '1'", "object 'b'"], valuations={"1": {"a": 1, "b": "one"}})
    raises(["valuations of agent '1'", "unknown object 'x'"],
           valuations={"1": {"a": 1, "b": 0, "x": 3}})
    raises(["'valuations'", "unknown agent '5'"], valuations={"5": {"a": 1, "b": 0}})


def test_agent_without_preferences_or_valuations():
    raises(["agent '2'", "neither preferences nor valuations"], preferences={"1": ["a"]})
    raises(["agent '2'", "neither"], preferences={"1": ["a"]},
           valuations={"1": {"a": 1, "b": 0}})


def test_non_mapping_fields():
    for key in ("preferences", "supply", "endowments", "valuations"):
        with pytest.raises(EconomyError, match=f"'{key}'"):
            mk(**{key: ["not", "a", "mapping"]})


def test_direct_construction_is_validated():
    with pytest.raises(EconomyError, match="'a'"):
        Economy(agents=("1",), objects=("a",), supply=(Fraction(1),), preferences=((),))
    with pytest.raises(EconomyError, match="agent '1'"):
        Economy(agents=("1",), objects=("a",), supply=(Q(1),),
                preferences=(fs("z"),))
    with pytest.raises(EconomyError):
        Economy(agents=("1", "1"), objects=("a",), supply=(Q(1),), preferences=((), ()))


def test_errors_are_typed():
    with pytest.raises(ExactAssignError):
        mk(preferences={"1": ["zz"], "2": []})
    with pytest.raises(ValueError):
        mk(preferences={"1": ["zz"], "2": []})


# --------------------------------------------------------------------------- preferences
def test_weak_order_helpers():
    order = fs("a", "bc", "d")
    assert not is_strict(order) and is_strict(fs("a", "b"))
    assert rank_map(order) == {"a": 0, "b": 1, "c": 1, "d": 2}
    assert upper_contour_sets(order) == [frozenset("a"), frozenset("abc"), frozenset("abcd")]
    assert break_ties(order, ["d", "c", "b", "a"]) == fs("a", "c", "b", "d")
    assert from_valuations({"a": Q(1), "b": Q(1, 2), "c": Q(1)}) == fs("ac", "b")


# --------------------------------------------------------------------------- allocation
def test_allocation_from_mapping_and_queries():
    e = mk(supply={"a": 2})
    p = Allocation.from_mapping(e, {"1": {"a": "1/2", "b": "0.5"}, "2": {"a": 1}})
    assert p.amount("1", "a") == Q(1, 2) and p.amount("2", "b") == 0
    assert p.row_map("2") == {"a": Q(1)}
    assert p.row_sum(0) == 1 and p.column_sum(0) == Q(3, 2)
    assert p.to_mapping() == {"1": {"a": "1/2", "b": "1/2"}, "2": {"a": "1"}}
    assert p.is_feasible(e)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.rows = ()


def test_allocation_errors_name_labels():
    e = mk()
    with pytest.raises(AllocationError, match="unknown agent '9'"):
        Allocation.from_mapping(e, {"9": {}})
    with pytest.raises(AllocationError, match="agent '1'.*unknown object 'z'"):
        Allocation.from_mapping(e, {"1": {"z": 1}})
    with pytest.raises(AllocationError, match="object 'a' for agent '1'.*negative"):
        Allocation.from_mapping(e, {"1": {"a": "-1/3"}})
    with pytest.raises(AllocationError, match="object 'a' for agent '2'"):
        Allocation.from_mapping(e, {"2": {"a": "x"}})


def test_feasibility_violations():
    e = mk()
    p = Allocation.from_mapping(e, {"1": {"a": 1, "b": "1/2"}, "2": {"a": "1/2"}})
    v = p.feasibility_violations(e)
    assert any("agent '1'" in s and "3/2" in s for s in v)
    assert any("object 'a'" in s and "supply 1" in s for s in v)
    assert not p.is_feasible(e)
    fee = mk(endowments={"1": {"a": 1}, "2": {"b": "1/2"}})
    q = Allocation.from_mapping(fee, {"1": {"b": "1/2"}, "2": {"a": "1/2"}})
    v = q.feasibility_violations(fee)
    assert any("agent '1'" in s and "endowed" in s for s in v)
    assert any("object 'a'" in s and "whole supply" in s for s in v)


def test_sd_comparisons():
    order = fs("a", "b", "c")
    p = {"a": Q(1, 2), "b": Q(1, 2)}
    q = {"a": Q(1, 2), "c": Q(1, 2)}
    assert sd_compare(order, p, q) == "dominates"
    assert sd_compare(order, q, p) == "dominated"
    assert sd_compare(order, p, dict(p)) == "equal"
    assert sd_compare(order, {"a": Q(1, 2)}, {"b": Q(1)}) == "incomparable"
    assert sd_weakly_dominates(order, p, q) and not sd_weakly_dominates(order, q, p)
    # ties: only the tier totals matter
    tied = fs("ab", "c")
    assert sd_compare(tied, {"a": Q(1)}, {"b": Q(1)}) == "equal"
