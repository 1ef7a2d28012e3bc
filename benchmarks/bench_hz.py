"""Benchmark of the exact Hylland–Zeckhauser solver (``hz``, issue 7 item 5).

Instances (seeded, standard library only): 6 agents × 3 objects with supply 2 each, and 4 × 4
with unit supply; valuations uniform integers 0..10; equal budgets 1.  20 instances per size.

Per instance, in this process:

- **exact**: ``run("hz", economy)`` — the numeric hint, configuration solving with Gröbner bases
  and the exact verification in Q(α) (wall time);
- **baseline**: the numeric floating-point hint alone (the first approximate equilibrium of the
  smoothed tâtonnement that the exact solver starts from) — what a float-only solver would
  spend, without any guarantee;
- **certificate**: ``hz.outcome`` built and checked by the standard-library checker (every
  certificate must be valid; time of the check reported).

Then the same for the irrational instance of ``proofs/economies/hz_irrational_4x4.json``
(amounts in Q(√2)), since random instances are rarely irrational.

Reported per size: median and worst exact time, the median ratio exact / baseline, how many
equilibria are irrational, how many were found from the hint (else by enumeration), and the
certificate checks.  Progress goes to stderr, the table to stdout.  Goal of issue 7: median
<= 30 s.

    .venv/bin/python benchmarks/bench_hz.py                 # 20 instances per size
    .venv/bin/python benchmarks/bench_hz.py --count 5
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from exactassign import run  # noqa: E402
from exactassign.certificates import check  # noqa: E402
from exactassign.certificates.build import certify_result  # noqa: E402
from exactassign.economy import Economy  # noqa: E402
from exactassign.errors import LimitExceeded  # noqa: E402
from exactassign.mechanisms.pseudomarket import _numeric_hint  # noqa: E402

DEFAULT_SEED = 20261123
SIZES = ((6, 3, 2), (4, 4, 1))     # agents, objects, supply of each object


def economy(n: int, m: int, supply: int, seed: int, k: int) -> Economy:
    rng = random.Random(f"exactassign-bench-hz/{seed}/{n}x{m}/{k}")
    agents = [str(i + 1) for i in range(n)]
    objects = "abcd"[:m]
    vals = {a: {o: rng.randint(0, 10) for o in objects} for a in agents}
    return Economy.create(agents, list(objects), valuations=vals,
                          supply={o: supply for o in objects},
                          name=f"hz bench {n}x{m} #{k}")


def hint_time(e: Economy) -> float:
    """Seconds for the first numeric (float) approximate equilibrium: the baseline."""
    v = [[float(x.p) / float(x.q) for x in row] for row in e.valuations]
    w = [float(x.p) / float(x.q) for x in e.supply]
    t = time.perf_counter()
    next(_numeric_hint(v, w, [1.0] * e.n, time.monotonic() + 60, random.Random(20260523)))
    return time.perf_counter() - t


def bench(n: int, m: int, supply: int, count: int, seed: int) -> dict:
    exact, base, checks = [], [], []
    irrational = hint = valid = refused = 0
    for k in range(count):
        e = economy(n, m, supply, seed, k)
        t = time.perf_counter()
        try:
            result = run("hz", e)
        except LimitExceeded as exc:     # counted, reported, and the goal is then not met
            refused += 1
            exact.append(time.perf_counter() - t)
            sys.stderr.write(f"  {n}x{m} #{k + 1}/{count}: REFUSED ({exc})\n")
            continue
        dt = time.perf_counter() - t
        b = hint_time(e)
        cert = json.loads(json.dumps(certify_result(e, result)))
        t = time.perf_counter()
        report = check.check_certificate(cert)
        checks.append(time.perf_counter() - t)
        valid += report.verdict == "valid"
        irr = not result.allocation.is_rational or any(
            not isinstance(p, str) for p in result.info["prices"].values())
        irrational += irr
        hint += result.info["method"] == "hint"
        exact.append(dt)
        base.append(b)
        sys.stderr.write(f"  {n}x{m} #{k + 1}/{count}: exact {dt:.2f} s, float hint {b:.3f} s, "
                         f"{'irrational' if irr else 'rational'}, {result.info['method']}, "
                         f"certificate {report.verdict}\n")
    return {"size": f"{n}x{m}", "median": statistics.median(exact), "worst": max(exact),
            "base": statistics.median(base),
            "ratio": statistics.median(x / y for x, y in zip(exact, base)) if base else 0.0,
            "irrational": irrational, "hint": hint, "valid": valid, "count": count,
            "refused": refused,
            "check": max(checks)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=20)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = ap.parse_args(argv)
    rows = []
    for n, m, s in SIZES:
        sys.stderr.write(f"== hz exact, {n} agents x {m} objects, supply {s} each\n")
        rows.append(bench(n, m, s, args.count, args.seed))
    print("hz exact vs the float hint alone (same process); valuations 0..10, equal budgets")
    print(f"{'size':>5} {'median s':>9} {'worst s':>8} {'hint s':>7} {'ratio':>7} "
          f"{'irrational':>10} {'via hint':>8} {'certs valid':>11} {'check s':>8}")
    ok = True
    for r in rows:
        print(f"{r['size']:>5} {r['median']:>9.2f} {r['worst']:>8.2f} {r['base']:>7.3f} "
              f"{r['ratio']:>6.0f}x {r['irrational']:>4}/{r['count']:<5} "
              f"{r['hint']:>4}/{r['count']:<3} {r['valid']:>5}/{r['count']:<5} "
              f"{r['check']:>8.3f}")
        if r["refused"]:
            print(f"      {r['refused']} instance(s) refused with LimitExceeded (time limit)")
        ok &= r["valid"] == r["count"] and r["median"] <= 30
    from exactassign.io import load_economy
    e = load_economy(Path(__file__).resolve().parent.parent / "proofs" / "economies" /
                     "hz_irrational_4x4.json")
    t = time.perf_counter()
    result = run("hz", e)
    dt = time.perf_counter() - t
    cert = json.loads(json.dumps(certify_result(e, result)))
    t = time.perf_counter()
    verdict = check.check_certificate(cert).verdict
    print(f"irrational instance proofs/economies/hz_irrational_4x4.json: exact {dt:.2f} s, "
          f"float hint {hint_time(e):.3f} s, field {cert['witness']['turns'][0]['field']['poly']},"
          f" certificate {verdict} (checked in {time.perf_counter() - t:.3f} s)")
    ok &= verdict == "valid"
    print("goal (median <= 30 s, every certificate valid):", "met" if ok else "NOT MET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
