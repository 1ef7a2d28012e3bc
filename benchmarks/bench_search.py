"""Benchmark: counterexample-search throughput (issue 8: >= 500 economies/s per core for
PS + sd-efficiency at n <= 5).

    python benchmarks/bench_search.py [--budget 20000] [--workers 1,2] [--agents 2-5]

Runs ``search sd-efficient --mechanism ps`` (a theorem: nothing is found, so every economy of
the budget is generated, run through PS and tested) over random strict complete house
economies with n, m in --agents, timed end to end by the engine (generation, exact PS, the
sd-efficiency test with its witness, chunk scheduling), with 1 worker (in process) and with a
process pool ("busy/wall": the workers' summed compute time over the wall time, i.e. the
parallelism actually obtained; on a loaded machine it stays below the number of workers).
Also reports the mix for one manipulation search (strategy-proof, n = 3), whose
cost per economy is n x (number of misreports) PS runs.  Prints a table; exit 1 if the
single-core rate is below the goal.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from exactassign.search import Budget, Domain, Target, search  # noqa: E402

GOAL = 500.0


def main(argv: list | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget", type=int, default=20000)
    ap.add_argument("--workers", default=f"1,{os.cpu_count() or 1}")
    ap.add_argument("--agents", default="2-5")
    ap.add_argument("--seed", default="bench")
    args = ap.parse_args(argv)
    lo, _, hi = args.agents.partition("-")
    domain = Domain(preferences="strict", agents=(int(lo), int(hi or lo)))
    target = Target("sd-efficient", "ps")
    print(f"search sd-efficient --mechanism ps: {domain.describe()}; {args.budget} random "
          f"economies; {os.cpu_count()} cores", flush=True)
    print("| workers | economies | seconds | economies/s | per worker | busy/wall |")
    print("|---|---|---|---|---|---|")
    single = None
    for w in sorted({int(x) for x in args.workers.split(",")}):
        r = search(target, domain, mode="random", budget=Budget(instances=args.budget),
                   seed=args.seed, workers=w, progress=False)
        assert r.finding is None and not r.errors, "PS must be sd-efficient"
        rate = r.checked / r.elapsed
        if w == 1:
            single = rate
        print(f"| {w} | {r.checked} | {r.elapsed:.2f} | {rate:,.0f} | {rate / w:,.0f} | "
              f"{r.busy_seconds / r.elapsed:.2f} |", flush=True)
    r = search(Target("strategy-proof", "ps"), Domain(preferences="strict", agents=(3, 3)),
               mode="exhaustive", budget=Budget(instances=216), workers=1, progress=False,
               first_only=False, shrink=False)
    print(f"\nstrategy-proof of ps, all 216 strict 3x3 economies (each: 3 agents x 5 "
          f"misreports = 15 extra PS runs): {r.elapsed:.2f} s, {r.checked / r.elapsed:,.0f} "
          f"economies/s, {r.violations} manipulable")
    if single is not None:
        ok = single >= GOAL
        print(f"\nsingle-core rate {single:,.0f} economies/s: goal >= {GOAL:.0f} "
              f"{'met' if ok else 'NOT met'}")
        return 0 if ok else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
