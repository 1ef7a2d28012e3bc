"""JSON and PrefLib input/output (formats.md): round trips, canonical output, PrefLib layouts,
type and count checks, and parser fuzzing (mutated files give a typed error, never a crash)."""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _economies import economies
from exactassign import Allocation, Economy
from exactassign.errors import EconomyError, ExactAssignError, FormatError
from exactassign.io import load_economy, save_economy
from exactassign.io.json_io import (dump_allocation, dump_economy, parse_allocation,
                                    parse_economy)
from exactassign.io.preflib import dump_preflib, parse_preflib
from exactassign.numbers import Q
from exactassign.preferences import to_json

PROOFS = Path(__file__).resolve().parent.parent / "proofs"

ECONOMY_JSON = """{
  "format": "exactassign.economy", "version": 1,
  "name": "optional free text", "source": "optional citation",
  "agents":  ["1", "2", "3", "4"],
  "objects": ["a", "b", "c"],
  "supply":  {"a": "4/3", "b": "4/3", "c": 1.3333333333333333},
  "preferences": {"1": [["a", "b"], "c"], "2": ["a", ["b", "c"]], "3": ["c"], "4": []},
  "valuations": {"3": {"a": 0, "b": 0.5, "c": 3}}
}"""

FEE_JSON = """{
  "agents": ["x", "y"], "objects": ["h1", "h2"],
  "endowments": {"x": {"h1": "1/2", "h2": 0.5}, "y": {"h1": "1/2"}},
  "preferences": {"x": ["h2", "h1"], "y": [["h1", "h2"]]}
}"""

SOC_NEW = """# FILE NAME: 00001-00000001.soc
# TITLE: Three pets
# DESCRIPTION:
# DATA TYPE: soc
# MODIFICATION TYPE: original
# RELATES TO:
# RELATED FILES:
# PUBLICATION DATE: 2022-01-01
# MODIFICATION DATE: 2022-01-01
# NUMBER ALTERNATIVES: 3
# NUMBER VOTERS: 5
# NUMBER UNIQUE ORDERS: 3
# ALTERNATIVE NAME 1: cat
# ALTERNATIVE NAME 2: dog
# ALTERNATIVE NAME 3: fish
2: 1,2,3
2: 3,1,2
1: 2,3,1
"""

TOI_NEW = """# FILE NAME: ties.toi
# TITLE: ties and incomplete lists
# DATA TYPE: toi
# NUMBER ALTERNATIVES: 4
# NUMBER VOTERS: 4
# NUMBER UNIQUE ORDERS: 3
# ALTERNATIVE NAME 1: a
# ALTERNATIVE NAME 2: b
# ALTERNATIVE NAME 3: c
# ALTERNATIVE NAME 4: d
2: {1,2},3
1: 4
1: 2, {3, 4}, 1
"""

SOI_LEGACY = """4
1,a
2,b
3,c
4,d
6,6,3
3,1,2
2,4
1,3,1,2,4
"""

TOC_LEGACY = """3
1,x
2,y
3,z
3,3,2
2,{1,2},3
1,3,2,1
"""

SOC_LEGACY = """3
1,x
2,y
3,z
2,2,2
1,1,2,3
1,3,2,1
"""

PREFLIB_SAMPLES = [(SOC_NEW, ".soc"), (TOI_NEW, ".toi"), (SOI_LEGACY, ".soi"),
                   (TOC_LEGACY, ".toc"), (SOC_LEGACY, ".soc")]


def pref_json(e: Economy, agent: str):
    return to_json(e.preference_of(agent), e.object_index)


def pref_multiset(e: Economy) -> Counter:
    return Counter(json.dumps(pref_json(e, a)) for a in e.agents)


# =========================================================================== JSON economies
def test_parse_spec_example():
    e = parse_economy(ECONOMY_JSON, "spec.json")
    assert e.name == "optional free text" and e.source == "optional citation"
    assert e.supply_of("a") == Q(4, 3)
    # 1.3333333333333333 is exactly what is written, not 4/3 and not a binary float
    assert e.supply_of("c") == Q(13333333333333333, 10 ** 16)
    assert pref_json(e, "1") == [["a", "b"], "c"]
    assert pref_json(e, "4") == []
    assert e.valuations[2] == (Q(0), Q(1, 2), Q(3))


def test_parse_fee_example():
    e = parse_economy(FEE_JSON)
    assert e.supply == (Q(1), Q(1, 2))
    assert e.endowments == ((Q(1, 2), Q(1, 2)), (Q(1, 2), Q(0)))


def test_dump_is_canonical():
    e = parse_economy(ECONOMY_JSON)
    text = dump_economy(e)
    data = json.loads(text)
    assert list(data) == ["format", "version", "name", "source", "agents", "objects", "supply",
                          "preferences", "valuations"]
    assert data["supply"] == {"a": "4/3", "b": "4/3", "c": "13333333333333333/10000000000000000"}
    assert data["valuations"] == {"3": {"a": "0", "b": "1/2", "c": "3"}}
    assert text.endswith("}\n")
    assert dump_economy(parse_economy(text)) == text
    # every number in the output is a canonical string, never a JSON float
    assert not re.search(r":\s*-?[0-9]", text.replace('"version": 1', ""))


@pytest.mark.parametrize("path", sorted((PROOFS / "economies").glob("*.json")))
def test_bundled_economies_round_trip(path):
    e = load_economy(path)
    text = dump_economy(e)
    assert parse_economy(text) == e
    assert dump_economy(parse_economy(text)) == text


@given(economies(max_agents=4, max_objects=4, ties=True, valuations=True))
@settings(max_examples=150, deadline=None)
def test_economy_json_round_trip(e):
    text = dump_economy(e)
    e2 = parse_economy(text)
    assert e2 == e and e2.name == e.name and e2.source == e.source
    assert dump_economy(e2) == text


@given(economies(max_agents=4, max_objects=4, ties=True, endowments=True))
@settings(max_examples=100, deadline=None)
def test_fee_economy_json_round_trip(e):
    text = dump_economy(e)
    e2 = parse_economy(text)
    assert e2 == e and e2.endowments == e.endowments
    assert dump_economy(e2) == text


WEIRD_LABELS = ['a"b', "é", "\\", " ", "1/2", "0.5", "\U0001F600", "x\ny", "{1,2}", "#", ":",
                "null"]


def test_weird_labels_round_trip(tmp_path):
    objects = WEIRD_LABELS
    agents = list(reversed(WEIRD_LABELS))
    e = Economy.create(agents, objects, preferences={
        a: [objects[k % len(objects)], [objects[(k + 1) % len(objects)],
                                        objects[(k + 2) % len(objects)]]]
        for k, a in enumerate(agents)}, name="ünïcode \"name\"\n2nd line")
    text = dump_economy(e)
    assert parse_economy(text) == e and dump_economy(parse_economy(text)) == text
    save_economy(e, tmp_path / "w.json")
    assert load_economy(tmp_path / "w.json") == e
    # PrefLib cannot hold some of these labels, and says which
    with pytest.raises(FormatError, match="' '"):
        dump_preflib(e, ".toi", "w.toi")
    keep = [o for o in objects if o.strip() == o and o.splitlines() == [o]]
    e2 = Economy.create(["1", "2"], keep, preferences={"1": keep, "2": list(reversed(keep))})
    text, _ = dump_preflib(e2, ".soc", "w.soc")
    assert parse_preflib(text, ".soc") == e2


def test_save_and_load_json(tmp_path):
    e = parse_economy(ECONOMY_JSON)
    p = tmp_path / "e.json"
    assert save_economy(e, p) == []
    assert p.read_text(encoding="utf-8") == dump_economy(e)
    assert load_economy(p) == e


@pytest.mark.parametrize("extra", ['"foo": 1', '"Agents": []', '"supplies": {}',
                                   '"allocation": {}'])
def test_unknown_top_level_field_rejected(extra):
    text = ECONOMY_JSON.replace('"version": 1,', '"version": 1, ' + extra + ",")
    with pytest.raises(FormatError) as exc:
        parse_economy(text, "eco.json")
    msg = str(exc.value)
    assert "eco.json" in msg and json.loads("{" + extra + "}").popitem()[0] in msg


@pytest.mark.parametrize("text, needle", [
    ('{"format": "exactassign.allocation", "agents": ["1"], "objects": ["a"], '
     '"preferences": {}}', "'format'"),
    ('{"version": 2, "agents": ["1"], "objects": ["a"], "preferences": {}}', "'version'"),
    ('{"version": true, "agents": ["1"], "objects": ["a"], "preferences": {}}', "'version'"),
    ('{"version": 1.0, "agents": ["1"], "objects": ["a"], "preferences": {}}', "'version'"),
    ('{"objects": ["a"], "preferences": {}}', "'agents'"),
    ('{"agents": ["1"], "preferences": {}}', "'objects'"),
    ('{"agents": ["1"], "objects": ["a"]}', "'preferences'"),
    ('{"agents": ["1"], "objects": ["a"], "preferences": {"1": []}, "name": 3}', "'name'"),
    ('{"agents": ["1"], "objects": ["a"], "preferences": {"1": []}, "source": 0.5}',
     "'source'"),
    ('[1, 2]', "top level"),
    ('{"agents": ["1"], "objects": ["a"], "preferences": {"1": ["a"]}', "not valid JSON"),
    ('{"agents": ["1"], "objects": ["a"], "supply": {"a": NaN}, "preferences": {"1": []}}',
     "NaN"),
    ('{"agents": "12", "objects": ["a"], "preferences": {"1": [], "2": []}}', "'agents'"),
    ('{"agents": {"1": 1}, "objects": ["a"], "preferences": {"1": []}}', "'agents'"),
    ('[' * 100000 + ']' * 100000, "nested"),
    ('{"agents": ["\\ud800"], "objects": ["a"], "preferences": {}}', "surrogate"),
    ('{"agents": ["1"], "objects": ["a"], "preferences": {"1": []}, "name": "x\\uDFFF"}',
     "surrogate"),
])
def test_bad_economy_json(text, needle):
    with pytest.raises(ExactAssignError) as exc:
        parse_economy(text, "bad.json")
    assert "bad.json" in str(exc.value) and needle in str(exc.value)


def test_surrogate_pairs_are_fine():
    e = parse_economy('{"agents": ["\\ud83d\\ude00"], "objects": ["a"], '
                      '"preferences": {"\\ud83d\\ude00": ["a"]}}')
    assert e.agents == ("\U0001F600",)


def test_economy_errors_keep_their_type_and_name_the_file():
    with pytest.raises(EconomyError) as exc:
        parse_economy('{"agents": ["1"], "objects": ["a"], "preferences": {"1": ["z"]}}',
                      "f.json")
    assert str(exc.value) == "f.json: agent '1': preferences name unknown object 'z'"


# =========================================================================== allocations
def test_allocation_round_trip_and_canonical_text():
    e = parse_economy(ECONOMY_JSON)
    text = ('{"format": "exactassign.allocation", "version": 1, "allocation": '
            '{"1": {"a": 0.5, "b": "2/4"}, "3": {"c": 1}, "2": {}}}')
    p = parse_allocation(text, e, "p.json")
    assert p.amount("1", "b") == Q(1, 2) and p.amount("4", "a") == 0
    out = dump_allocation(p)
    assert json.loads(out) == {"format": "exactassign.allocation", "version": 1,
                               "allocation": {"1": {"a": "1/2", "b": "1/2"}, "2": {},
                                              "3": {"c": "1"}, "4": {}}}
    assert dump_allocation(parse_allocation(out, e)) == out
    assert parse_allocation(out, e) == p


@given(economies(max_agents=4, max_objects=4), st.data())
@settings(max_examples=100, deadline=None)
def test_allocation_round_trip_random(e, data):
    entries = {i: {k: Q(data.draw(st.integers(0, 5)), data.draw(st.integers(1, 7)))
                   for k in range(e.m)} for i in range(e.n)}
    p = Allocation.from_sparse(e.agents, e.objects, entries)
    text = dump_allocation(p)
    assert parse_allocation(text, e) == p
    assert dump_allocation(parse_allocation(text, e)) == text


@pytest.mark.parametrize("text, needle", [
    ('{"allocation": {"9": {}}}', "unknown agent '9'"),
    ('{"allocation": {"1": {"z": 1}}}', "unknown object 'z'"),
    ('{"allocation": {"1": {"a": "-1"}}}', "negative"),
    ('{"allocation": {"1": {"a": 0.1e}}}', "not valid JSON"),
    ('{"allocation": {"1": {"a": "1/0"}}}', "object 'a' for agent '1'"),
    ('{"allocation": {"1": {"a": 1.5e-1}}, "format": "exactassign.economy"}', "'format'"),
    ('{"alloc": {}}', "'allocation'"),
])
def test_bad_allocation(text, needle):
    e = parse_economy(ECONOMY_JSON)
    with pytest.raises(ExactAssignError) as exc:
        parse_allocation(text, e, "alloc.json")
    assert "alloc.json" in str(exc.value) and needle in str(exc.value)


# =========================================================================== PrefLib reading
def test_read_soc_new_format_multiplicities():
    e = parse_preflib(SOC_NEW, ".soc", "pets.soc")
    assert e.agents == ("1", "2", "3", "4", "5")
    assert e.objects == ("cat", "dog", "fish")
    assert e.supply == (Q(1),) * 3
    assert [pref_json(e, a) for a in e.agents] == [
        ["cat", "dog", "fish"], ["cat", "dog", "fish"], ["fish", "cat", "dog"],
        ["fish", "cat", "dog"], ["dog", "fish", "cat"]]
    assert e.name == "Three pets" and "00001-00000001.soc" in e.source
    assert e.is_strict()


def test_read_toi_keeps_ties_and_incomplete_lists():
    e = parse_preflib(TOI_NEW, ".toi", "ties.toi")
    assert e.n == 4
    assert [pref_json(e, a) for a in e.agents] == [
        [["a", "b"], "c"], [["a", "b"], "c"], ["d"], ["b", ["c", "d"], "a"]]
    assert not e.is_strict()


def test_read_legacy_formats():
    e = parse_preflib(SOI_LEGACY, ".soi", "old.soi")
    assert e.objects == ("a", "b", "c", "d") and e.n == 6
    assert [pref_json(e, a) for a in e.agents] == [["a", "b"]] * 3 + [["d"]] * 2 + [
        ["c", "a", "b", "d"]]
    t = parse_preflib(TOC_LEGACY, ".toc", "old.toc")
    assert [pref_json(t, a) for a in t.agents] == [[["x", "y"], "z"]] * 2 + [["z", "y", "x"]]
    s = parse_preflib(SOC_LEGACY, ".soc")
    assert s.n == 2 and s.is_strict()


def test_names_fall_back_to_numbers():
    dup = TOI_NEW.replace("NAME 2: b", "NAME 2: a")
    e = parse_preflib(dup, ".toi")
    assert e.objects == ("1", "2", "3", "4")
    nonames = "\n".join(line for line in TOI_NEW.splitlines() if "ALTERNATIVE NAME" not in line)
    assert parse_preflib(nonames, ".toi").objects == ("1", "2", "3", "4")


def test_supply_option():
    e = parse_preflib(SOC_NEW, ".soc", supply="5/2")
    assert e.supply == (Q(5, 2),) * 3
    e = parse_preflib(SOC_NEW, ".soc", supply={"dog": 2})
    assert e.supply == (Q(1), Q(2), Q(1))
    with pytest.raises(FormatError, match="'horse'"):
        parse_preflib(SOC_NEW, ".soc", supply={"horse": 2})
    with pytest.raises(EconomyError, match="'cat'"):
        parse_preflib(SOC_NEW, ".soc", "x.soc", supply="0")


def test_load_economy_dispatch(tmp_path):
    p = tmp_path / "pets.soc"
    p.write_text(SOC_NEW, encoding="utf-8")
    assert load_economy(p).n == 5
    assert load_economy(p, supply="2").supply_of("cat") == 2
    q = tmp_path / "e.txt"
    q.write_text("{}", encoding="utf-8")
    with pytest.raises(FormatError, match="e.txt"):
        load_economy(q)
    with pytest.raises(FormatError, match="nope.json"):
        load_economy(tmp_path / "nope.json")
    with pytest.raises(FormatError, match="--supply"):
        load_economy(PROOFS / "economies" / "bm2001.json", supply="2")
    b = tmp_path / "bin.json"
    b.write_bytes(b"\xff\xfe{")
    with pytest.raises(FormatError, match="UTF-8"):
        load_economy(b)


@pytest.mark.parametrize("text, ext, needle", [
    (SOC_NEW.replace("VOTERS: 5", "VOTERS: 6"), ".soc", "NUMBER VOTERS"),
    (SOC_NEW.replace("UNIQUE ORDERS: 3", "UNIQUE ORDERS: 2"), ".soc", "NUMBER UNIQUE ORDERS"),
    (SOI_LEGACY.replace("6,6,3", "7,7,3"), ".soi", "NUMBER VOTERS"),
    (SOI_LEGACY.replace("6,6,3", "6,6,4"), ".soi", "NUMBER UNIQUE ORDERS"),
    (SOC_NEW.replace("VOTERS: 5", "VOTERS: five"), ".soc", "NUMBER VOTERS"),
    (SOC_NEW.replace("# NUMBER ALTERNATIVES: 3\n", ""), ".soc", "NUMBER ALTERNATIVES"),
    (SOC_NEW.replace("ALTERNATIVES: 3", "ALTERNATIVES: x"), ".soc", "NUMBER ALTERNATIVES"),
    (SOC_NEW.replace("ALTERNATIVES: 3", "ALTERNATIVES: 0"), ".soc", "alternative"),
    (SOC_NEW, ".toc", "DATA TYPE"),
])
def test_header_errors(text, ext, needle):
    with pytest.raises(FormatError) as exc:
        parse_preflib(text, ext, "f" + ext)
    assert needle in str(exc.value) and "f" + ext in str(exc.value)


@pytest.mark.parametrize("text, ext, needle", [
    (SOC_NEW.replace("DATA TYPE: soc", "DATA TYPE: toc"), ".soc", "DATA TYPE 'toc'"),
    (SOC_NEW.replace("1: 2,3,1", "1: {2,3},1"), ".soc", "ties are not allowed"),
    (TOC_LEGACY.replace("1,3,2,1", "1,3,2"), ".toc", "complete"),
    (SOC_NEW.replace("1: 2,3,1", "1: 2,3"), ".soc", "complete"),
    (SOI_LEGACY.replace("1,3,1,2,4", "1,3,{1,2},4"), ".soi", "ties are not allowed"),
    (SOC_NEW.replace("1: 2,3,1", "1: 2,3,3"), ".soc", "twice"),
    (SOC_NEW.replace("1: 2,3,1", "1: 2,3,4"), ".soc", "'4'"),
    (SOC_NEW.replace("1: 2,3,1", "1: 2,3,0"), ".soc", "'0'"),
    (SOC_NEW.replace("1: 2,3,1", "1: 2,,3,1"), ".soc", "alternative number"),
    (SOC_NEW.replace("1: 2,3,1", "0: 2,3,1"), ".soc", "multiplicity"),
    (SOC_NEW.replace("1: 2,3,1", "x: 2,3,1"), ".soc", "multiplicity"),
    (SOC_NEW.replace("1: 2,3,1", "\u00b2: 2,3,1"), ".soc", "multiplicity"),
    (SOC_NEW.replace("1: 2,3,1", "1: 2,\u00b3,1"), ".soc", "alternative number"),
    (SOC_NEW.replace("1: 2,3,1", "1: 2,3,1}"), ".soc", "braces"),
    (TOI_NEW.replace("1: 4", "1: {4"), ".toi", "braces"),
    (TOI_NEW.replace("1: 4", "1: {{4}}"), ".toi", "braces"),
    (TOI_NEW.replace("1: 4", "1 4"), ".toi", "multiplicity"),
    ("# DATA TYPE: soc\n# NUMBER ALTERNATIVES: 2\n", ".soc", "no preference orders"),
    ("three\n", ".soc", "header"),
    ("", ".soc", "NUMBER ALTERNATIVES"),
])
def test_order_errors(text, ext, needle):
    with pytest.raises(FormatError) as exc:
        parse_preflib(text, ext, "f" + ext)
    assert needle in str(exc.value) and "f" + ext in str(exc.value)


def test_order_errors_name_the_line():
    with pytest.raises(FormatError, match=r"f\.soc, line 18"):
        parse_preflib(SOC_NEW.replace("1: 2,3,1", "1: 2,3"), ".soc", "f.soc")


def test_unknown_preflib_type():
    with pytest.raises(FormatError, match="'.xyz'"):
        parse_preflib(SOC_NEW, ".xyz")


# =========================================================================== PrefLib writing
def preflib_type(e: Economy) -> str:
    strict = e.is_strict()
    complete = all(sum(map(len, o)) == e.m for o in e.preferences)
    return "." + ("s" if strict else "t") + "o" + ("c" if complete else "i")


@given(economies(max_agents=6, max_objects=5, ties=True, unit_supply=True), st.data())
@settings(max_examples=200, deadline=None)
def test_json_preflib_json_round_trip(e, data):
    ext = preflib_type(e)
    wider = {".soc": [".soc", ".soi", ".toc", ".toi"], ".soi": [".soi", ".toi"],
             ".toc": [".toc", ".toi"], ".toi": [".toi"]}[ext]
    target = data.draw(st.sampled_from(wider))
    text, notes = dump_preflib(e, target, "out" + target)
    e2 = parse_preflib(text, target, "out" + target)
    assert e2.objects == e.objects and e2.supply == e.supply
    assert pref_multiset(e2) == pref_multiset(e)
    assert e2.agents == tuple(str(k) for k in range(1, e.n + 1))
    assert (e2.name or None) == (" ".join((e.name or "").splitlines()).strip() or None)
    # grouped in order of first appearance: equal to e exactly when identical orders are
    # consecutive; otherwise a note says the agents were regrouped
    if e2.preferences != e.preferences:
        assert notes
    # PrefLib -> JSON -> PrefLib is byte-identical
    e3 = parse_economy(dump_economy(e2))
    assert dump_preflib(e3, target, "out" + target)[0] == text
    # and the narrower types refuse what they cannot hold
    for other in (".soc", ".soi", ".toc", ".toi"):
        if other not in wider:
            with pytest.raises(FormatError, match="ties|complete"):
                dump_preflib(e, other, "x" + other)


@pytest.mark.parametrize("text, ext", PREFLIB_SAMPLES)
def test_preflib_samples_json_round_trip(text, ext, tmp_path):
    e = parse_preflib(text, ext, "s" + ext)
    canonical_text, _ = dump_preflib(e, ext, "s" + ext)
    e_json = parse_economy(dump_economy(e))
    assert e_json == e
    assert dump_preflib(e_json, ext, "s" + ext)[0] == canonical_text
    assert pref_multiset(parse_preflib(canonical_text, ext)) == pref_multiset(e)
    # through files, as `exactassign convert` does
    src = tmp_path / ("s" + ext)
    src.write_text(canonical_text, encoding="utf-8")
    save_economy(load_economy(src), tmp_path / "s.json")
    (tmp_path / "back").mkdir()
    save_economy(load_economy(tmp_path / "s.json"), tmp_path / "back" / ("s" + ext))
    assert (tmp_path / "back" / ("s" + ext)).read_bytes() == src.read_bytes()


def test_preflib_write_refusals():
    e = parse_economy(ECONOMY_JSON)
    with pytest.raises(FormatError, match="object 'a'.*supply 4/3"):
        dump_preflib(e, ".toi", "out.toi")
    fee = parse_economy(FEE_JSON.replace('"h2": 0.5', '"h2": "1/2"').replace(
        '"y": {"h1": "1/2"}', '"y": {"h1": "1/2", "h2": "1/2"}'))
    assert fee.supply == (Q(1), Q(1))
    with pytest.raises(FormatError, match="endowments"):
        dump_preflib(fee, ".toi", "out.toi")
    val = Economy.create(["1"], ["a", "b"], valuations={"1": {"a": 1, "b": 0}})
    with pytest.raises(FormatError, match="valuations"):
        dump_preflib(val, ".toc", "out.toc")
    tie = Economy.create(["1", "2"], ["a", "b"], preferences={"1": [["a", "b"]], "2": ["a"]})
    with pytest.raises(FormatError, match="agent '1'.*ties"):
        dump_preflib(tie, ".soi", "out.soi")
    with pytest.raises(FormatError, match="agent '2'.*complete"):
        dump_preflib(tie, ".toc", "out.toc")


@pytest.mark.parametrize("label", [" a", "a ", "a\nb", "a\rb", "a\x85b", "a\u2028b", "\t"])
def test_preflib_refuses_labels_it_cannot_keep(label):
    e = Economy.create(["1"], [label, "z"], preferences={"1": [label, "z"]})
    with pytest.raises(FormatError, match="ALTERNATIVE NAME"):
        dump_preflib(e, ".soc", "out.soc")


def test_preflib_title_stays_one_line():
    e = Economy.create(["1"], ["a"], preferences={"1": ["a"]}, name="two\nlines\r\n")
    text, _ = dump_preflib(e, ".soc", "t.soc")
    e2 = parse_preflib(text, ".soc", "t.soc")
    assert e2.name == "two lines" and pref_multiset(e2) == pref_multiset(e)


def test_save_preflib_notes_and_refusal(tmp_path):
    e = Economy.create(["x", "y", "z"], ["a", "b"],
                       preferences={"x": ["a"], "y": ["b"], "z": ["a"]})
    notes = save_economy(e, tmp_path / "e.soi")
    assert notes and "agent" in notes[0]
    e2 = load_economy(tmp_path / "e.soi")
    assert [pref_json(e2, a) for a in e2.agents] == [["a"], ["a"], ["b"]]
    with pytest.raises(FormatError, match="out.xml"):
        save_economy(e, tmp_path / "out.xml")


# =========================================================================== fuzzing
ALLOC_JSON = ('{"format": "exactassign.allocation", "version": 1, "allocation": '
              '{"1": {"a": "1/2", "c": 0.25}, "3": {"c": "1"}}}')
JSON_SAMPLES = [ECONOMY_JSON, FEE_JSON] + [p.read_text(encoding="utf-8")
                                          for p in sorted((PROOFS / "economies").glob("*.json"))]
INSERTS = list('{}[],:"#/.-+eE0123456789 \n\t\\') + ["\u00b2", "\u0663", "\ud800", "é",
                                                    "NaN", "Infinity", "null", "true",
                                                    "1e99999", "9" * 5000, "[" * 50]
NASTY = ["9" * 5000, ".5" + "0" * 5000, "e" + "9" * 5000, "e-99999", "\u00b2", "\u0663",
         "\ufeff", "\x00", "\u2028", "\x85", "{", "}", "," * 3, "-", "1/0", "/", "[" * 2000]
TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[0-9./eE+-]+|[{}\[\],:]|\S+')


@st.composite
def mutated(draw, samples):
    text = draw(st.sampled_from(samples))
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["delete", "insert", "replace", "swap", "dup",
                                     "truncate", "nasty"]))
        bounds = [b for m in TOKEN.finditer(text) for b in (m.start(), m.end())]
        if bounds and draw(st.booleans()):  # next to a token: where parsers look
            pos = draw(st.sampled_from(bounds))
        else:
            pos = draw(st.integers(0, len(text)))
        if kind == "delete":
            text = text[:pos] + text[pos + draw(st.integers(1, 4)):]
        elif kind == "insert":
            ins = draw(st.sampled_from(INSERTS) | st.text(max_size=3))
            text = text[:pos] + ins + text[pos:]
        elif kind == "replace" and pos < len(text):
            ins = draw(st.sampled_from(INSERTS) | st.characters())
            text = text[:pos] + ins + text[pos + 1:]
        elif kind in ("swap", "dup"):
            toks = [(m.start(), m.end()) for m in TOKEN.finditer(text)]
            if len(toks) >= 2:
                i = draw(st.integers(0, len(toks) - 1))
                j = draw(st.integers(0, len(toks) - 1))
                (a0, a1), (b0, b1) = sorted([toks[i], toks[j]])
                if a1 <= b0:
                    A, B = text[a0:a1], text[b0:b1]
                    if kind == "swap":
                        text = text[:a0] + B + text[a1:b0] + A + text[b1:]
                    else:
                        text = text[:b0] + A + text[b1:]
        elif kind == "truncate":
            text = text[:pos]
        elif kind == "nasty":  # next to a token: long digit runs, non-ASCII digits, ...
            if bounds:
                pos = draw(st.sampled_from(bounds))
            text = text[:pos] + draw(st.sampled_from(NASTY)) + text[pos:]
    return text


def only_typed_errors(fn, *args, **kw):
    try:
        return fn(*args, **kw)
    except ExactAssignError as exc:
        assert str(exc)  # a message, on one line
        return None
    # any other exception propagates and fails the test


@given(mutated(JSON_SAMPLES))
@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_fuzz_economy_json(text):
    e = only_typed_errors(parse_economy, text, "fuzz.json")
    if e is not None:  # whatever parses must also dump and re-parse identically
        out = dump_economy(e)
        assert parse_economy(out) == e and dump_economy(parse_economy(out)) == out


@given(mutated([ALLOC_JSON]))
@settings(max_examples=300, deadline=None)
def test_fuzz_allocation_json(text):
    e = parse_economy(ECONOMY_JSON)
    p = only_typed_errors(parse_allocation, text, e, "fuzz.json")
    if p is not None:
        assert parse_allocation(dump_allocation(p), e) == p


@given(mutated([t for t, _ in PREFLIB_SAMPLES]), st.sampled_from([".soc", ".soi", ".toc",
                                                                  ".toi"]))
@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_fuzz_preflib(text, ext):
    e = only_typed_errors(parse_preflib, text, ext, "fuzz" + ext)
    if e is not None:
        assert e.n >= 1 and all(s == 1 for s in e.supply)
        # whatever parses can be written back in its own type and read identically
        out, _ = dump_preflib(e, ext, "fuzz" + ext)
        assert pref_multiset(parse_preflib(out, ext)) == pref_multiset(e)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from(
        ["1", "a", "b", "1/2", "-1", "", "0.5", "1/0", "x"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["1", "2", "a", "b", "c", "z"]), inner, max_size=3),
    max_leaves=8)


@given(st.data())
@settings(max_examples=500, deadline=None)
def test_fuzz_economy_structure(data):
    """Replace one field (or a nested value) of a valid economy by arbitrary JSON."""
    doc = json.loads(data.draw(st.sampled_from(JSON_SAMPLES)))
    key = data.draw(st.sampled_from(["agents", "objects", "supply", "preferences",
                                     "endowments", "valuations", "name", "format",
                                     "version"]))
    if data.draw(st.booleans()) or not isinstance(doc.get(key), (dict, list)) \
            or not doc.get(key):
        doc[key] = data.draw(json_values)
    else:
        container = doc[key]
        sub = data.draw(st.sampled_from(list(container) if isinstance(container, dict)
                                        else list(range(len(container)))))
        container[sub] = data.draw(json_values)
    text = json.dumps(doc)
    e = only_typed_errors(parse_economy, text, "fuzz.json")
    if e is not None:
        assert parse_economy(dump_economy(e)) == e


def test_fuzz_regressions():
    """Inputs that once escaped as untyped exceptions."""
    soc = SOC_NEW.replace("2: 1,2,3", "\u00b2: 1,2,3")
    with pytest.raises(FormatError):
        parse_preflib(soc, ".soc")
    with pytest.raises(FormatError):
        parse_preflib(SOC_NEW.replace("2: 1,2,3", "2: 1,\u00b2,3"), ".soc")
    for bad in ("9" * 5000 + ": 1,2,3", "2: 1," + "9" * 5000 + ",3"):
        with pytest.raises(FormatError):
            parse_preflib(SOC_NEW.replace("2: 1,2,3", bad), ".soc")
    named = SOC_NEW.replace("# ALTERNATIVE NAME 3", "# ALTERNATIVE NAME " + "3" * 5000)
    assert parse_preflib(named, ".soc").objects == ("1", "2", "3")  # a comment: no name 3
    big = ECONOMY_JSON.replace('"4/3", "b"', "4" * 5000 + ', "b"')
    assert parse_economy(big).supply_of("a") == Q(int("4" * 1000) * 10 ** 4000
                                                  + int("4" * 4000))
    with pytest.raises(FormatError):
        parse_economy(ECONOMY_JSON.replace('"version": 1', '"version": ' + "1" * 5000))
    with pytest.raises(EconomyError, match="supply of object 'a'"):
        parse_economy(ECONOMY_JSON.replace('"4/3", "b"', '"1e' + "9" * 5000 + '", "b"'))
