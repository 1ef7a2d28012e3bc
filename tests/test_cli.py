"""The command line (formats.md, "Command line"), both as a process (``python -m exactassign``)
and in-process through :func:`exactassign.cli.main`."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from exactassign import run
from exactassign.cli import main
from exactassign.io import load_economy
from exactassign.io.json_io import dump_economy, parse_allocation

ROOT = Path(__file__).resolve().parent.parent
ECON = ROOT / "proofs" / "economies"
BM = ECON / "bm2001.json"
THREE = ECON / "three_agents.json"
SHORT = ECON / "short_supply.json"


class Result:
    def __init__(self, code: int, out: str, err: str):
        self.code, self.out, self.err = code, out, err


def run_process(args, cwd=None) -> Result:
    p = subprocess.run([sys.executable, "-m", "exactassign", *map(str, args)],
                       capture_output=True, text=True, cwd=cwd, timeout=60)
    return Result(p.returncode, p.stdout, p.stderr)


@pytest.fixture(params=["process", "main"])
def cli(request, capsys):
    """Run the CLI either as a subprocess or through cli.main (same assertions for both)."""
    if request.param == "process":
        return run_process

    def run_main(args, cwd=None) -> Result:
        capsys.readouterr()
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse usage errors
            code = exc.code
        out, err = capsys.readouterr()
        return Result(code, out, err)
    return run_main


def assert_clean_error(r: Result, *needles: str, code: int = 2) -> str:
    assert r.code == code, (r.code, r.out, r.err)
    assert "Traceback" not in r.err and "Traceback" not in r.out
    lines = r.err.strip("\n").split("\n")
    assert len(lines) == 1, r.err
    assert lines[0].startswith("exactassign: error: ")
    for n in needles:
        assert n in lines[0], (n, lines[0])
    return lines[0]


# =========================================================================== run
def test_run_text(cli):
    r = cli(["run", "ps", BM])
    assert r.code == 0 and r.err == ""
    assert "1/2" in r.out and "Bogomolnaia" in r.out
    rows = {line.split()[0]: line.split()[1:] for line in r.out.splitlines()
            if re.match(r"^[1-4]\s", line)}
    assert rows["1"] == ["1/2", "0", "1/2", "0", "1"]
    assert rows["4"] == ["0", "1/2", "0", "1/2", "1"]


def test_run_json_is_an_allocation_file(cli, tmp_path):
    r = cli(["run", "ps", BM, "--format", "json"])
    assert r.code == 0 and r.err == ""
    data = json.loads(r.out)
    assert data["mechanism"] == "ps"
    assert data["allocation"]["1"] == {"a": "1/2", "c": "1/2"}
    assert "trace" not in data
    e = load_economy(BM)
    p = parse_allocation(r.out, e, "out.json")
    assert p == run("ps", e).allocation
    # and as a file, through `exactassign.io.load_allocation`
    (tmp_path / "out.json").write_text(r.out, encoding="utf-8")
    from exactassign.io import load_allocation
    assert load_allocation(str(tmp_path / "out.json"), e) == p


def test_run_json_trace(cli):
    r = cli(["run", "ps", BM, "--format", "json", "--trace"])
    assert r.code == 0
    data = json.loads(r.out)
    assert [(s["start"], s["end"], s["exhausted"]) for s in data["trace"]] == [
        ("0", "1/2", ["a", "b"]), ("1/2", "1", ["c", "d"])]
    assert data["trace"][0]["eating"] == {"1": "a", "2": "a", "3": "b", "4": "b"}
    e = load_economy(BM)
    assert parse_allocation(r.out, e) == run("ps", e).allocation


def test_run_markdown_and_latex(cli):
    md = cli(["run", "ps", BM, "--format", "markdown", "--trace"])
    assert md.code == 0
    assert "| agent | a | b | c | d | total |" in md.out
    assert "| 1 | 1/2 | 0 | 1/2 | 0 | 1 |" in md.out
    assert "Trace" in md.out
    tex = cli(["run", "ps", BM, "--format", "latex"])
    assert tex.code == 0
    assert r"\begin{tabular}" in tex.out and r"\end{tabular}" in tex.out
    assert r"$\frac{1}{2}$" in tex.out
    assert tex.out.count(r"\begin{table}") == tex.out.count(r"\end{table}") == 1


def test_run_text_trace(cli):
    r = cli(["run", "ps", SHORT, "--trace"])
    assert r.code == 0
    assert "Trace" in r.out and "5/8" in r.out and "3/8" in r.out


def test_run_speeds(cli):
    r = cli(["run", "ps", THREE, "--param", "speeds=2,1,1", "--format", "json", "--trace"])
    assert r.code == 0, r.err
    data = json.loads(r.out)
    assert data["params"] == {"speeds": "2,1,1"}
    assert data["allocation"] == {"1": {"a": "2/3", "b": "1/3"}, "2": {"a": "1/3", "c": "2/3"},
                                  "3": {"b": "2/3", "c": "1/3"}}
    assert [s["end"] for s in data["trace"]] == ["1/3", "1/2", "2/3", "1"]
    r2 = cli(["run", "ps", THREE, "--param", "speeds=1:2,2:1,3:1", "--format", "json"])
    assert json.loads(r2.out)["allocation"] == data["allocation"]


def test_run_tiebreak(cli, tmp_path):
    f = tmp_path / "tie.json"
    f.write_text('{"agents": ["1", "2"], "objects": ["a", "b"], '
                 '"preferences": {"1": [["a", "b"]], "2": ["a", "b"]}}', encoding="utf-8")
    r = cli(["run", "ps", f, "--param", "tiebreak=b,a", "--format", "json"])
    assert r.code == 0, r.err
    assert json.loads(r.out)["allocation"] == {"1": {"b": "1"}, "2": {"a": "1"}}


def test_run_preflib_with_supply(cli, tmp_path):
    f = tmp_path / "e.soi"
    f.write_text("# DATA TYPE: soi\n# NUMBER ALTERNATIVES: 2\n# NUMBER VOTERS: 3\n"
                 "# NUMBER UNIQUE ORDERS: 2\n2: 1,2\n1: 2\n", encoding="utf-8")
    r = cli(["run", "ps", f, "--format", "json"])
    # 1 is gone at 1/2 (agent 3 has 1/2 of 2 by then); the last 1/2 of 2 is shared by three
    assert json.loads(r.out)["allocation"] == {"1": {"1": "1/2", "2": "1/6"},
                                               "2": {"1": "1/2", "2": "1/6"},
                                               "3": {"2": "2/3"}}
    r = cli(["run", "ps", f, "--supply", "1=2,2=1/2", "--format", "json"])
    assert r.code == 0, r.err
    assert json.loads(r.out)["allocation"]["1"] == {"1": "1"}


# =========================================================================== convert
def test_convert_json_preflib_json(cli, tmp_path):
    soc = tmp_path / "bm.soc"
    r = cli(["convert", BM, soc])
    assert r.code == 0, r.err
    text = soc.read_text(encoding="utf-8")
    assert "# DATA TYPE: soc" in text and "2: 1,2,3,4" in text and "2: 2,1,4,3" in text
    back = tmp_path / "bm.json"
    assert cli(["convert", soc, back]).code == 0
    e, e2 = load_economy(BM), load_economy(back)
    assert e2.preferences == e.preferences and e2.objects == e.objects
    # PrefLib -> JSON -> PrefLib is byte-identical
    (tmp_path / "again").mkdir()
    soc2 = tmp_path / "again" / "bm.soc"
    assert cli(["convert", back, soc2]).code == 0
    assert soc2.read_bytes() == soc.read_bytes()
    # JSON output is canonical: converting it again changes nothing
    back2 = tmp_path / "again" / "bm.json"
    assert cli(["convert", back, back2]).code == 0
    assert back2.read_bytes() == back.read_bytes() == dump_economy(e2).encode()


def test_convert_notes_regrouped_agents(cli, tmp_path):
    f = tmp_path / "e.json"
    f.write_text('{"agents": ["x", "y", "z"], "objects": ["a", "b"], '
                 '"preferences": {"x": ["a"], "y": ["b"], "z": ["a"]}}', encoding="utf-8")
    r = cli(["convert", f, tmp_path / "e.soi"])
    assert r.code == 0
    assert "note:" in r.err and "Traceback" not in r.err


def test_convert_preflib_supply(cli, tmp_path):
    src = tmp_path / "bm.soc"
    assert cli(["convert", BM, src]).code == 0
    out = tmp_path / "s.json"
    assert cli(["convert", src, out, "--supply", "3/2"]).code == 0
    assert json.loads(out.read_text())["supply"] == {o: "3/2" for o in "abcd"}


# =========================================================================== reproduce
def test_reproduce_all(cli, tmp_path):
    r = cli(["reproduce", "--all"], cwd=tmp_path)
    assert r.code == 0, r.out + r.err
    m = re.search(r"(\d+) of (\d+) claims reproduced exactly", r.out)
    assert m and m.group(1) == m.group(2) and int(m.group(2)) >= 3
    assert "MISMATCH" not in r.out
    assert "bm2001-ps" in r.out


def test_reproduce_by_name_and_mismatch(cli, tmp_path):
    r = cli(["reproduce", "bm2001-ps", "--quiet"])
    assert r.code == 0 and "1 of 1 claims reproduced exactly" in r.out
    (tmp_path / "wrong.json").write_text(
        '{"format": "exactassign.proof", "version": 1, "name": "wrong", '
        '"economy": {"agents": ["1"], "objects": ["a"], "preferences": {"1": ["a"]}}, '
        '"claims": [{"kind": "outcome", "mechanism": "ps", "allocation": {"1": {"a": "1/2"}}}]}',
        encoding="utf-8")
    r = cli(["reproduce", "--all", "--dir", tmp_path])
    assert r.code == 1 and "MISMATCH" in r.out and "expected 1/2, got 1" in r.out


def test_version(cli):
    r = cli(["--version"])
    assert r.code == 0 and "exactassign" in r.out


# =========================================================================== bad input
@pytest.fixture
def bad_files(tmp_path):
    files = {
        "invalid.json": '{"agents": ["1"], "objects": ["a"], "preferences": {"1": ["a"]',
        "unknown_object.json": '{"agents": ["1"], "objects": ["a"], '
                               '"preferences": {"1": ["a", "zebra"]}}',
        "tie.json": '{"agents": ["1", "2"], "objects": ["a", "b"], '
                    '"preferences": {"1": ["a", "b"], "2": [["a", "b"]]}}',
        "unknown_field.json": '{"agents": ["1"], "objects": ["a"], '
                              '"preferences": {"1": ["a"]}, "colour": "red"}',
        "bad_supply.json": '{"agents": ["1"], "objects": ["a"], "supply": {"a": "1/0"}, '
                           '"preferences": {"1": ["a"]}}',
        "nan.json": '{"agents": ["1"], "objects": ["a"], "supply": {"a": NaN}, '
                    '"preferences": {"1": ["a"]}}',
        "fractional.json": '{"agents": ["1"], "objects": ["a"], "supply": {"a": "4/3"}, '
                           '"preferences": {"1": ["a"]}}',
        "bad.soc": "# DATA TYPE: soc\n# NUMBER ALTERNATIVES: 2\n# NUMBER VOTERS: 1\n"
                   "# NUMBER UNIQUE ORDERS: 1\n1: {1,2}\n",
        "good.soc": "# DATA TYPE: soc\n# NUMBER ALTERNATIVES: 2\n1: 1,2\n",
        "count.soc": "# DATA TYPE: soc\n# NUMBER ALTERNATIVES: 2\n# NUMBER VOTERS: 9\n"
                     "# NUMBER UNIQUE ORDERS: 1\n1: 1,2\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "surrogate.json").write_text(
        '{"agents": ["\\ud800"], "objects": ["a"], "preferences": {"\\ud800": ["a"]}}',
        encoding="utf-8")
    (tmp_path / "latin1.json").write_bytes(b'{"agents": ["\xe9"]}')
    (tmp_path / "adir.json").mkdir()
    (tmp_path / "proofs-latin1").mkdir()
    (tmp_path / "proofs-latin1" / "x.json").write_bytes(b'{"format": "\xe9"}')
    (tmp_path / "proofs-broken").mkdir()
    (tmp_path / "proofs-broken" / "p.json").write_text('{"format": "exactassign.proof", ',
                                                        encoding="utf-8")
    return tmp_path


BAD_CASES = [
    (["run", "ps", "{d}/missing.json"], ["missing.json", "no such file"]),
    (["run", "ps", "{d}/invalid.json"], ["invalid.json", "not valid JSON", "line 1"]),
    (["run", "ps", "{d}/unknown_object.json"], ["unknown_object.json", "agent '1'",
                                                "'zebra'"]),
    (["run", "ps", "{d}/tie.json"], ["agent '2'", "'a', 'b'", "tiebreak"]),
    (["run", "ps", "{d}/unknown_field.json"], ["unknown_field.json", "'colour'"]),
    (["run", "ps", "{d}/bad_supply.json"], ["bad_supply.json", "object 'a'", "1/0"]),
    (["run", "ps", "{d}/nan.json"], ["nan.json", "NaN"]),
    (["run", "ps", "{d}/latin1.json"], ["latin1.json", "UTF-8"]),
    (["run", "ps", "{d}/surrogate.json"], ["surrogate.json", "surrogate"]),
    (["run", "ps", "{d}/adir.json"], ["adir.json", "directory"]),
    (["run", "ps", "{d}/bad.soc"], ["bad.soc", "line 5", "ties"]),
    (["run", "ps", "{d}/count.soc"], ["count.soc", "NUMBER VOTERS"]),
    (["run", "ps", "{d}/e.txt"], ["e.txt", "file type"]),
    (["run", "frobnicate", str(BM)], ["'frobnicate'", "ps"]),
    (["run", "ps", str(BM), "--param", "speeds=1,2"], ["--param speeds", "2 values",
                                                       "4 agents"]),
    (["run", "ps", str(BM), "--param", "speeds=1,x,1,1"], ["speeds", "agent '2'", "'x'"]),
    (["run", "ps", str(BM), "--param", "speeds=1,0,1,1"], ["speeds", "agent '2'",
                                                           "positive"]),
    (["run", "ps", str(BM), "--param", "speeds=1:1,7:2"], ["speeds", "'7:2'"]),
    (["run", "ps", str(BM), "--param", "colour=red"], ["'colour'", "speeds"]),
    (["run", "ps", str(BM), "--param", "speeds"], ["--param", "KEY=VALUE", "'speeds'"]),
    (["run", "ps", str(BM), "--param", "speeds=1,1,1,1", "--param", "speeds=2,2,2,2"],
     ["speeds", "twice"]),
    (["run", "ps", str(BM), "--param", "tiebreak=a,b,q"], ["tiebreak", "'q'"]),
    (["run", "ps", str(BM), "--supply", "2"], ["bm2001.json", "--supply"]),
    (["run", "ps", "{d}/good.soc", "--supply", "a"], ["good.soc", "supply", "'a'"]),
    (["run", "ps", "{d}/good.soc", "--supply", "1=1,=2"], ["--supply", "'=2'"]),
    (["run", "ps", "{d}/good.soc", "--supply", "1=1,3=2"], ["good.soc", "--supply",
                                                             "'3'"]),
    (["convert", "{d}/fractional.json", "{d}/out.soc"], ["out.soc", "object 'a'", "4/3"]),
    (["convert", "{d}/tie.json", "{d}/out.soc"], ["out.soc", "agent '2'", "ties"]),
    (["convert", str(BM), "{d}/out.xlsx"], ["out.xlsx", "file type"]),
    (["convert", str(BM), "{d}/no/such/dir/out.json"], ["out.json", "cannot write"]),
    (["convert", "{d}/missing.soc", "{d}/x.json"], ["missing.soc", "no such file"]),
    (["reproduce"], ["--all"]),
    (["reproduce", "no-such-example"], ["'no-such-example'"]),
    (["reproduce", "--all", "--dir", "{d}/no-such-dir"], ["no-such-dir", "directory"]),
    (["reproduce", "--all", "--dir", "{d}/proofs-latin1"], ["x.json", "UTF-8"]),
    (["reproduce", "--all", "--dir", "{d}/proofs-broken"], ["p.json", "not valid JSON"]),
]


@pytest.mark.parametrize("args, needles", BAD_CASES,
                         ids=[" ".join(a).replace("{d}/", "")[:60] for a, _ in BAD_CASES])
def test_bad_input(cli, bad_files, args, needles):
    (bad_files / "e.txt").write_text("{}", encoding="utf-8")
    r = cli([a.replace("{d}", str(bad_files)) for a in args])
    assert_clean_error(r, *needles)
    assert r.out == ""


@pytest.mark.parametrize("args", [
    ["run", "ps"], ["run", "ps", str(BM), "--format", "xml"], ["frobnicate"], [],
    ["run", "ps", str(BM), "--bogus"],
])
def test_usage_errors(cli, args):
    r = cli(args)
    assert r.code == 2
    assert "Traceback" not in r.err and "error:" in r.err
    assert r.out == ""
