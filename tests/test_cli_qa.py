"""Command-line QA (formats.md contract): defects found by running every command as a first-time
user would, each pinned by a test.  Reuses the ``cli`` fixture of test_cli.py (process and
in-process)."""
from __future__ import annotations

import json

import pytest

from test_cli import BM, ECON, assert_clean_error, cli  # noqa: F401  (fixture)

GOOD = {"agents": ["1", "2"], "objects": ["a", "b"],
        "preferences": {"1": ["a", "b"], "2": ["a", "b"]}}


@pytest.fixture
def files(tmp_path):
    (tmp_path / "good.json").write_text(json.dumps(GOOD), encoding="utf-8")
    (tmp_path / "dupkey.json").write_text(
        '{"agents": ["1"], "objects": ["a"], "preferences": {"1": ["a"]}, '
        '"preferences": {"1": []}}', encoding="utf-8")
    (tmp_path / "dupagent_alloc.json").write_text(
        '{"allocation": {"1": {"a": 1}, "1": {"b": 1}}}', encoding="utf-8")
    (tmp_path / "dupobject_alloc.json").write_text(
        '{"allocation": {"1": {"a": "1/2", "a": "1/2"}}}', encoding="utf-8")
    (tmp_path / "v99_alloc.json").write_text(
        '{"format": "exactassign.allocation", "version": 99, "allocation": {"1": {"a": 1}}}',
        encoding="utf-8")
    return tmp_path


# --------------------------------------------------------------- nothing silently dropped
@pytest.mark.parametrize("args, needles", [
    (["run", "ps", "{d}/dupkey.json"], ["dupkey.json", "duplicate key", "'preferences'"]),
    (["check", "{d}/good.json", "{d}/dupagent_alloc.json"],
     ["dupagent_alloc.json", "duplicate key", "'1'"]),
    (["check", "{d}/good.json", "{d}/dupobject_alloc.json"],
     ["dupobject_alloc.json", "duplicate key", "'a'"]),
    (["check", "{d}/good.json", "{d}/v99_alloc.json"], ["v99_alloc.json", "'version' 99"]),
])
def test_duplicate_keys_and_versions_refused(cli, files, args, needles):
    """A JSON object with a key twice kept only the last value (the first 'preferences' or an
    agent's first allocation row vanished without a word); an allocation file of an unknown
    version was read as version 1."""
    r = cli([a.replace("{d}", str(files)) for a in args])
    assert_clean_error(r, *needles)
    assert r.out == ""


# --------------------------------------------------------------- errors name the label
@pytest.mark.parametrize("args, needles", [
    (["run", "ps", BM, "--param", "tiebreak=a,b,c,d,b"], ["tiebreak", "'b'", "twice"]),
    (["run", "sd", BM, "--param", "order=1,2,3,4,3"], ["order", "'3'", "twice"]),
    (["run", "sp", ECON / "hz_irrational_4x4.json", "--param", "partition=1,2;3,4;2"],
     ["partition", "'2'", "twice"]),
    (["run", "hz", ECON / "hz_irrational_4x4.json", "--param", "budgets=1:1,2:1,3:1,4:1,2:2"],
     ["budgets", "'2'", "twice"]),
    (["run", "ps", BM, "--param", "speeds=1,1,1,1e-20000"], ["speeds", "agent '4'",
                                                              "10000"]),
])
def test_parameter_errors_name_the_label(cli, args, needles):
    r = cli(args)
    assert_clean_error(r, *needles)
    assert r.out == ""


# --------------------------------------------------------------- verify: one line on stderr
def test_verify_unreadable_certificate_one_line_on_stderr(cli, tmp_path):
    """verify exits 2 on a missing/malformed certificate: the report stays on stdout, and
    stderr carries the contract's one line naming the file."""
    (tmp_path / "broken.json").write_text('{"format": ', encoding="utf-8")
    for name, needle in (("missing.json", "cannot read"), ("broken.json", "JSON")):
        r = cli(["verify", tmp_path / name])
        line = assert_clean_error(r, name, needle)
        assert "malformed" in r.out and line.startswith(f"exactassign: error: {tmp_path / name}")


def test_verify_mixed_batch_names_the_malformed_file(cli, tmp_path):
    good = ECON.parent / "certificates" / "bm2001_ps.outcome.json"
    r = cli(["verify", good, tmp_path / "missing.json"])
    assert_clean_error(r, "missing.json")
    assert "valid ps.outcome" in r.out


# --------------------------------------------------------------- nothing silently ignored
def test_certify_property_refuses_param(cli, tmp_path):
    alloc = tmp_path / "ps.json"
    r = cli(["run", "ps", BM, "--format", "json"])
    alloc.write_text(r.out, encoding="utf-8")
    r = cli(["certify", "--property", "sd-efficient", BM, alloc, "--param", "speeds=1,1,1,1",
             "-o", tmp_path / "c.json"])
    assert_clean_error(r, "--param", "--property")
    assert not (tmp_path / "c.json").exists()


def test_preflib_supply_given_twice(cli, tmp_path):
    (tmp_path / "v.soc").write_text("# DATA TYPE: soc\n# NUMBER ALTERNATIVES: 2\n1: 1,2\n",
                                    encoding="utf-8")
    r = cli(["run", "ps", tmp_path / "v.soc", "--supply", "1=2,1=3"])
    assert_clean_error(r, "--supply", "'1'", "twice")


# --------------------------------------------------------------- search: limits, no hang
def test_choice_count_matches_order_space():
    from exactassign.properties.strategy import order_space
    from exactassign.search.domains import _value_vectors, choice_count, object_labels
    for m in range(6):
        for kind in ("strict", "weak", "dichotomous"):
            for complete in (True, False):
                assert choice_count(m, kind, complete) == len(
                    order_space(object_labels(m), kind, complete)), (m, kind, complete)
        assert choice_count(m, "valuations", True, 2) == len(_value_vectors(m, 2))


def test_search_large_domain_does_not_hang(cli):
    """--agents 100 listed all 100! strict orders to size the domain (it never returned); an
    exhaustive search of it is refused with the limit stated (exit 3)."""
    r = cli(["search", "sd-efficient", "--mechanism", "ps", "--agents", "60", "--budget", "2",
             "--workers", "1", "--format", "json"])
    assert r.code == 0, r.err
    data = json.loads(r.out)
    assert data["mode"] == "random" and data["checked"] == 2
    assert isinstance(data["space"], str) and len(data["space"]) > 4300   # 60!^60, exact
    r = cli(["search", "sd-efficient", "--mechanism", "ps", "--agents", "9", "--mode",
             "exhaustive", "--budget", "2", "--workers", "1"])
    assert_clean_error(r, "100,000", "362,880", code=3)


def test_search_where_every_economy_fails_is_bad_input(cli):
    r = cli(["search", "sd-efficient", "--mechanism", "ps", "--param", "speeds=x", "--budget",
             "5", "--workers", "1"])
    assert r.code == 2 and "Traceback" not in r.err
    assert r.err.count("\n") == 1 and "speeds" in r.err


# --------------------------------------------------------------- long commands: progress
def test_long_command_shows_elapsed_time_on_stderr(monkeypatch, capsys):
    """run/check/certify/decompose print an elapsed-time line on stderr (with --progress, or
    by default on a terminal) once they pass Heartbeat.delay; stdout is untouched."""
    from exactassign import cli as cli_module
    monkeypatch.setattr(cli_module.Heartbeat, "delay", 0.0)
    monkeypatch.setattr(cli_module.Heartbeat, "every", 0.05)
    hz = ECON / "hz_irrational_4x4.json"
    assert cli_module.main(["run", "hz", str(hz), "--format", "json", "--progress"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["mechanism"] == "hz"
    assert err.startswith("exactassign: run hz: working, 0:00:0")
    assert cli_module.main(["run", "hz", str(hz), "--format", "json"]) == 0   # not a tty
    assert capsys.readouterr().err == ""
    t1 = ECON.parent / "theorem1"
    for args, label in ((["certify", "hz", str(hz), "-o", "-"], "certify hz"),
                        (["certify", "--property", "weak-core", str(t1 / "economy.json"),
                          str(t1 / "Q.json"), "-o", "-"], "certify weak-core"),
                        (["check", str(t1 / "economy.json"), str(t1 / "Q.json")], "check"),
                        (["decompose", str(t1 / "economy.json"), str(t1 / "Q.json")],
                         "decompose")):
        monkeypatch.setattr(cli_module.Heartbeat, "every", 0.5)
        assert cli_module.main([*args, "--progress"]) == 0, args
        err = capsys.readouterr().err
        assert err == "" or err.startswith(f"exactassign: {label}: working"), (args, err)


# --------------------------------------------------------------- irrational rows have totals
@pytest.mark.parametrize("fmt, one", [("text", " 1\n"), ("markdown", "| 1 |"),
                                      ("latex", "& $1$ \\\\")])
def test_hz_irrational_rows_show_their_exact_total(cli, fmt, one):
    """The Q(sqrt 2) hz allocation printed "-" as every agent's total; each row sums to 1."""
    r = cli(["run", "hz", ECON / "hz_irrational_4x4.json", "--format", fmt])
    assert r.code == 0, r.err
    rows = [ln for ln in r.out.splitlines() if "≈" in ln or "approx" in ln]
    assert len(rows) == 4 and all((ln + "\n").endswith(one) or ln.endswith(one.strip())
                                  for ln in rows), rows


# --------------------------------------------------------------- PrefLib headers
@pytest.mark.parametrize("text, needles", [
    ("# DATA TYPE: toi\n# NUMBER ALTERNATIVES: 2\n# ALTERNATIVE NAME 3: c\n1: 1,2\n",
     ["line 3", "ALTERNATIVE NAME 3", "NUMBER ALTERNATIVES is 2"]),
    ("# DATA TYPE: toi\n# NUMBER ALTERNATIVES: 2\n# ALTERNATIVE NAME 1: a\n"
     "# ALTERNATIVE NAME 1: b\n1: 1,2\n", ["line 4", "ALTERNATIVE NAME 1", "twice"]),
    ("# DATA TYPE: toi\n# NUMBER ALTERNATIVES: 2\n1: 2,{1,2}\n", ["line 3", "alternative 2",
                                                                "twice"]),
])
def test_preflib_header_inconsistencies_refused(cli, tmp_path, text, needles):
    """A name for an alternative that does not exist, or a name given twice, was ignored."""
    (tmp_path / "v.toi").write_text(text, encoding="utf-8")
    r = cli(["run", "eps", tmp_path / "v.toi"])
    assert_clean_error(r, "v.toi", *needles)


# --------------------------------------------------------------- huge numbers
def test_hz_with_valuations_beyond_the_float_range(cli, tmp_path):
    """A 400-digit valuation crashed the float hint (OverflowError traceback)."""
    big = "7" * 400
    (tmp_path / "big.json").write_text(
        '{"agents": ["1", "2"], "objects": ["a", "b"], "valuations": {"1": {"a": %s, "b": 1},'
        ' "2": {"a": 1, "b": 2}}}' % big, encoding="utf-8")
    r = cli(["run", "hz", tmp_path / "big.json", "--format", "json"])
    assert r.code == 0, r.err
    assert json.loads(r.out)["allocation"] == {"1": {"a": "1"}, "2": {"b": "1"}}


def test_search_text_names_the_parts_of_a_conjunction(cli):
    """A found conjunction printed "claim all: {}" (its witness holds only nested parts)."""
    r = cli(["search", "sp-outcome-equal-budgets", "--mechanism", "rsd", "--given", "weak-core",
             "--given", "ex-ante-po", "--agents", "3", "--objects", "3", "--preferences",
             "valuations", "--mode", "random", "--seed", "0", "--budget", "60s,300",
             "--workers", "1"])
    assert r.code == 0, r.err
    assert "claim all: sp.not-outcome + core.weak + ex-ante.po\n" in r.out
