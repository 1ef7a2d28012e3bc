"""Benchmark of exact probabilistic serial against float and naive-exact baselines (`make bench`).

    python benchmarks/run.py [--sizes 100,300,1000] [--repeat K] [--quick]

For every size n = m it generates a random strict complete economy (benchmarks/generate.py,
seeded) and times, as whole processes reading the same economy JSON file and printing the
allocation as JSON (wall time including interpreter start-up, imports, parsing and output):

  exactassign      ``exactassign run ps FILE --format json`` (exact, python-flint)
  float64 numpy    benchmarks/float_ps.py, our own vectorised float64 PS
  socialchoicekit  benchmarks/sck_ps.py, ``ProbabilisticSerial().bistochastic`` (float)
  Fraction naive   benchmarks/fraction_ps.py, textbook time stepping over fractions.Fraction

Each is run K times, round-robin (so that drifts of the machine hit all alike); the median is
reported with its ratio to socialchoicekit's median in the same run.  The outputs are
cross-checked: exactassign's allocation must be feasible (rows and columns sum to 1 exactly),
the naive Fraction allocation must equal it exactly, and the float allocations must agree with
it to 1e-9 (the maximum absolute difference is reported).  Finally the phases of one
exactassign run (import, read, decode, build economy, mechanism, render) are timed in-process
at n = 1000 (or the largest size) with a cProfile listing.

Results go to benchmarks/results/ (git-ignored): ``latest.md`` (tables), ``bench-*.json``.
Exit status 1 if a cross-check fails or exactassign fails; 0 otherwise (the speed goal is
reported, not enforced).
"""
from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import DEFAULT_SEED, write_economy  # noqa: E402

PY = sys.executable
TOLERANCE = 1e-9
GOAL_RATIO = 1 / 3
GOAL_N = 1000

EXACT, FLOAT, SCK, FRAC = "exactassign", "float64 numpy", "socialchoicekit", "Fraction naive"
IMPLS = (EXACT, FLOAT, SCK, FRAC)
DESCRIPTION = {
    EXACT: "exactassign run ps FILE --format json (exact)",
    FLOAT: "benchmarks/float_ps.py (float64, ours)",
    SCK: "benchmarks/sck_ps.py: socialchoicekit ProbabilisticSerial (float)",
    FRAC: "benchmarks/fraction_ps.py (naive fractions.Fraction, exact)",
}


def say(msg: str = "") -> None:
    print(msg, flush=True)


def exactassign_command() -> list[str]:
    script = Path(PY).parent / "exactassign"
    if script.exists():
        return [str(script)]
    found = shutil.which("exactassign")
    return [found] if found else [PY, "-m", "exactassign"]


def commands(path: Path) -> dict[str, list[str]]:
    return {EXACT: [*exactassign_command(), "run", "ps", str(path), "--format", "json"],
            FLOAT: [PY, str(HERE / "float_ps.py"), str(path)],
            SCK: [PY, str(HERE / "sck_ps.py"), str(path)],
            FRAC: [PY, str(HERE / "fraction_ps.py"), str(path)]}


def version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def run_once(cmd: list[str], timeout: float) -> tuple[float | None, str, str]:
    """``(wall seconds or None on timeout/failure, stdout, error text)``."""
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "", f"timed out after {timeout:g} s"
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        err = proc.stderr.strip().splitlines()
        return None, "", f"exit code {proc.returncode}: {err[-1] if err else '(no message)'}"
    return wall, proc.stdout, ""


def fmt_s(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:.3f} s" if x < 10 else f"{x:.1f} s"


# ---------------------------------------------------------------- cross-checks

def check_outputs(n: int, outputs: dict[str, str]) -> dict:
    """Compare the baselines' allocations with exactassign's; returns a summary dict."""
    exact_text = outputs.get(EXACT)
    if not exact_text:
        return {"ok": False, "notes": ["no exactassign output to check against"]}
    alloc = json.loads(exact_text)["allocation"]
    exact = {a: {o: Fraction(x) for o, x in row.items()} for a, row in alloc.items()}
    notes, ok = [], True
    cols: dict[str, Fraction] = {}
    bad_rows = [a for a, row in exact.items() if sum(row.values(), Fraction(0)) != 1]
    for row in exact.values():
        for o, x in row.items():
            cols[o] = cols.get(o, Fraction(0)) + x
    bad_cols = [o for o, s in cols.items() if s != 1] + (["(missing objects)"]
                                                          if len(cols) != n else [])
    if len(exact) != n or bad_rows or bad_cols:
        ok = False
        notes.append(f"exactassign allocation infeasible: {len(bad_rows)} rows and "
                     f"{len(bad_cols)} columns do not sum to 1")
    else:
        notes.append("exactassign: every row and column sums to exactly 1")
    summary: dict = {"nonzeros": sum(len(r) for r in exact.values()),
                     "max_denominator_digits": max(len(str(x.denominator))
                                                   for r in exact.values() for x in r.values())}
    if outputs.get(FRAC):
        same = json.loads(outputs[FRAC])["allocation"] == alloc
        summary["fraction_equal"] = same
        ok &= same
        notes.append("Fraction naive: " + ("identical to exactassign, entry for entry" if same
                                            else "DIFFERS from exactassign"))
    for impl in (FLOAT, SCK):
        if not outputs.get(impl):
            continue
        other = json.loads(outputs[impl])["allocation"]
        worst = 0.0
        if set(other) != set(exact):
            worst = float("inf")
        else:
            for a, row in exact.items():
                orow = other[a]
                for o in set(row) | set(orow):
                    worst = max(worst, abs(float(row.get(o, 0)) - float(orow.get(o, 0.0))))
        summary[f"max_abs_diff[{impl}]"] = worst
        good = worst <= TOLERANCE
        ok &= good
        notes.append(f"{impl}: max |float - exact| = {worst:.2e} "
                     f"({'within' if good else 'EXCEEDS'} {TOLERANCE:g})")
    summary["ok"] = ok
    summary["notes"] = notes
    return summary


# ---------------------------------------------------------------- main

def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description="Benchmark exact probabilistic serial "
                                 "(exactassign) against float and naive exact baselines.")
    ap.add_argument("--sizes", help="comma-separated n = m (default 100,300,1000; "
                    "--quick: 100,300)")
    ap.add_argument("--repeat", type=int, help="runs per implementation and size; the median "
                    "is reported (default 5; --quick: 1)")
    ap.add_argument("--quick", action="store_true", help="smoke run: small sizes, one repeat")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--out", default=str(HERE / "results"), help="results directory "
                    "(default benchmarks/results, git-ignored)")
    ap.add_argument("--timeout", type=float, default=300, help="seconds per process")
    ap.add_argument("--fraction-max-n", type=int, default=1000,
                    help="largest n for the naive Fraction baseline (default 1000)")
    ap.add_argument("--fraction-timeout", type=float, default=60,
                    help="the naive Fraction baseline is dropped once a run exceeds this")
    ap.add_argument("--no-phases", action="store_true", help="skip the in-process phases")
    args = ap.parse_args()
    args.sizes = sorted({int(s) for s in (args.sizes or ("100,300" if args.quick else
                                                          "100,300,1000")).split(",")})
    if args.repeat is None:
        args.repeat = 1 if args.quick else 5
    if args.repeat < 1 or not args.sizes or min(args.sizes) < 1:
        ap.error("--repeat and --sizes must be positive")
    return args


def main() -> int:
    args = parse_args()
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now().astimezone()
    env = {"date": started.strftime("%Y-%m-%d %H:%M %Z"), "cpu": cpu_model(),
           "cores": os.cpu_count(), "platform": platform.platform(),
           "python": platform.python_version(),
           "versions": {d: version(d) for d in ("exactassign", "python-flint", "numpy",
                                                 "socialchoicekit")}}
    say(f"== exactassign benchmark, {env['date']}")
    say(f"   machine: {env['cpu']}, {env['cores']} cores, {env['platform']}, "
        f"Python {env['python']}")
    say("   versions: " + ", ".join(f"{k} {v or 'not installed'}"
                                   for k, v in env["versions"].items()))
    say(f"   sizes n = m: {', '.join(map(str, args.sizes))}; {args.repeat} run(s) each, "
        f"median reported; results in {out_dir}")

    available = {EXACT: True, FLOAT: True, SCK: True, FRAC: True}
    skip_reason: dict[str, str] = {}
    if importlib.util.find_spec("numpy") is None:
        available[FLOAT] = available[SCK] = False
        skip_reason[FLOAT] = skip_reason[SCK] = "numpy not installed"
    elif importlib.util.find_spec("socialchoicekit") is None:
        available[SCK] = False
        skip_reason[SCK] = "socialchoicekit not installed"
    for impl in (FLOAT, SCK):
        if not available[impl]:
            say(f"   SKIP {impl}: {skip_reason[impl]} (install the bench extra: "
                f"pip install -e '.[bench]', or run `make bench`)")

    say("\n-- generating economies (seeded)")
    files = {}
    for n in args.sizes:
        t0 = time.perf_counter()
        files[n] = write_economy(out_dir / "economies", n, seed=args.seed)
        say(f"   n = m = {n}: {files[n]} ({files[n].stat().st_size / 1e6:.1f} MB, "
            f"{time.perf_counter() - t0:.2f} s)")

    say("\n-- interpreter start-up (python -c pass)")
    startup = statistics.median(run_once([PY, "-c", "pass"], 30)[0] or 0.0
                                for _ in range(max(3, args.repeat)))
    say(f"   {fmt_s(startup)}")

    results: dict[int, dict] = {}
    failed = False
    for n in args.sizes:
        say(f"\n-- n = m = {n}")
        cmds = commands(files[n])
        times: dict[str, list[float]] = {impl: [] for impl in IMPLS}
        errors: dict[str, str] = {}
        outputs: dict[str, str] = {}
        todo = [i for i in IMPLS if available[i]]
        if FRAC in todo and n > args.fraction_max_n:
            todo.remove(FRAC)
            errors[FRAC] = f"skipped (n > --fraction-max-n {args.fraction_max_n})"
            say(f"   SKIP {FRAC}: {errors[FRAC]}")
        for r in range(args.repeat):
            for impl in list(todo):
                timeout = min(args.timeout, args.fraction_timeout) if impl == FRAC \
                    else args.timeout
                say(f"   [{r + 1}/{args.repeat}] {impl:<16} ...")
                wall, stdout, err = run_once(cmds[impl], timeout)
                if wall is None:
                    errors[impl] = err
                    todo.remove(impl)
                    say(f"   [{r + 1}/{args.repeat}] {impl:<16} FAILED: {err}")
                    if impl == EXACT:
                        failed = True
                    if impl == FRAC and err.startswith("timed out"):
                        available[FRAC] = False   # larger sizes would only take longer
                    continue
                times[impl].append(wall)
                if r == 0:
                    outputs[impl] = stdout
                say(f"   [{r + 1}/{args.repeat}] {impl:<16} {fmt_s(wall)}")
        med = {i: statistics.median(v) for i, v in times.items() if v and i not in errors}
        say("   cross-checking the allocations ...")
        check = check_outputs(n, outputs)
        for note in check["notes"]:
            say(f"   {note}")
        failed |= not check["ok"]
        results[n] = {"median": med, "runs": times, "errors": errors, "check": check}
        sck = med.get(SCK)
        say("   medians: " + "; ".join(
            f"{i} {fmt_s(t)}" + (f" ({t / sck:.2f}x socialchoicekit)" if sck and i != SCK
                                 else "") for i, t in med.items()))

    phases = None
    if not args.no_phases:
        n = GOAL_N if GOAL_N in args.sizes else max(args.sizes)
        say(f"\n-- exactassign phases, in-process, n = m = {n}")
        pjson = out_dir / f"phases-{n}.json"
        prof = out_dir / f"profile-{n}.txt"
        proc = subprocess.run([PY, str(HERE / "phases.py"), str(files[n]), "--repeat",
                               str(min(args.repeat, 3)), "--json", str(pjson),
                               "--profile", str(prof)])
        if proc.returncode == 0:
            phases = json.loads(pjson.read_text())
            phases["startup"] = startup
            phases["whole_process"] = results[n]["median"].get(EXACT)
            say(f"   cProfile listing: {prof}")
        else:
            say(f"   phases.py failed (exit code {proc.returncode})")
            failed = True

    report = markdown_report(env, args, results, phases)
    stamp = started.strftime("%Y%m%d-%H%M%S")
    (out_dir / "latest.md").write_text(report, encoding="utf-8")
    (out_dir / f"bench-{stamp}.json").write_text(json.dumps(
        {"environment": env, "sizes": args.sizes, "repeat": args.repeat, "seed": args.seed,
         "startup": startup, "results": results, "phases": phases}, indent=1, default=str),
        encoding="utf-8")
    say("\n" + report)
    total = (dt.datetime.now().astimezone() - started).total_seconds()
    say(f"(written to {out_dir / 'latest.md'} and {out_dir / f'bench-{stamp}.json'}; "
        f"total {total:.0f} s)")
    if failed:
        say("BENCHMARK FAILED: see the messages above")
    return 1 if failed else 0


def markdown_report(env: dict, args: argparse.Namespace, results: dict, phases: dict | None
                    ) -> str:
    lines = [f"Measured {env['date']} on {env['cpu']} ({env['cores']} cores), Python "
             f"{env['python']}, " + ", ".join(f"{k} {v}" for k, v in env["versions"].items()
                                              if v) + f"; median of {args.repeat} run(s), "
             f"whole processes (start-up, JSON parse, compute, JSON output).", ""]
    head = ["n = m", *IMPLS, "max abs diff float vs exact", "largest denominator"]
    lines += ["| " + " | ".join(head) + " |", "|" + "|".join(["---:"] * len(head)) + "|"]
    for n, res in results.items():
        med, sck = res["median"], res["median"].get(SCK)
        cells = [str(n)]
        for impl in IMPLS:
            t = med.get(impl)
            if t is None:
                err = res["errors"].get(impl, "")
                cells.append("timed out" if err.startswith("timed out") else
                             "skipped" if err.startswith("skipped") or not err else "failed")
            elif sck and impl != SCK:
                cells.append(f"{fmt_s(t)} ({t / sck:.2f}×)")
            else:
                cells.append(fmt_s(t))
        diffs = [v for k, v in res["check"].items() if k.startswith("max_abs_diff")]
        cells.append(f"{max(diffs):.1e}" if diffs else "–")
        digits = res["check"].get("max_denominator_digits")
        cells.append(f"{digits} digits" if digits else "–")
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("(×: ratio to socialchoicekit's time in the same run.)")
    goal = results.get(GOAL_N, {}).get("median", {})
    if EXACT in goal and SCK in goal:
        ratio = goal[EXACT] / goal[SCK]
        lines += ["", f"Goal (issue 2): exactassign at n = m = {GOAL_N} in at most 1/3 of "
                      f"socialchoicekit's time: **{'met' if ratio <= GOAL_RATIO else 'NOT met'}"
                      f"** ({fmt_s(goal[EXACT])} vs {fmt_s(goal[SCK])}, ratio {ratio:.2f}; "
                      f"socialchoicekit / exactassign = {1 / ratio:.1f})."]
    if phases:
        ph = phases["phases"]
        lines += ["", f"Where exactassign's time goes at n = m = {phases['n']} (in-process, "
                      f"median of {phases['repeat']}; {phases['eating_phases']} eating phases, "
                      f"output {phases['output_bytes'] / 1e6:.1f} MB):", "",
                  "| phase | time |", "|---|---:|",
                  f"| interpreter start-up (python -c pass) | {fmt_s(phases['startup'])} |",
                  f"| import exactassign (as the command line does) | "
                  f"{fmt_s(phases['import'])} |"]
        lines += [f"| {k} | {fmt_s(v)} |" for k, v in ph.items()]
        total = phases["startup"] + phases["import"] + sum(ph.values())
        lines.append(f"| **sum** | **{fmt_s(total)}** |")
        if phases.get("whole_process"):
            lines.append(f"| whole process (measured above) | {fmt_s(phases['whole_process'])}"
                         f" |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
