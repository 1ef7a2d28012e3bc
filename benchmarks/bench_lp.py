"""Benchmark of the exact LP engine on the cardinal properties (standalone; prints progress).

    python benchmarks/bench_lp.py [--seed S] [--sympy-limit 60] [--quick]

1. ``ex-ante-po`` for n = 100 agents and m = 30 objects (an LP with 3,000 variables and 230
   rows), on a non-PO instance (equal division: the answer is a dominating assignment) and on a
   PO instance (a welfare maximiser: the answer is a weights-and-prices certificate), each timed
   in process (median of 3, after one warm-up call that also pays the imports), the certificate
   re-verified by the standard-library checker.  Goal: <= 5 s.
2. Side by side in the same run: sympy's exact simplex (``sympy.solvers.simplex.linprog``) on the
   same ex-ante-po LP for growing n (m = 30), each in a subprocess with a time limit (default
   60 s), up to the largest size it finishes; exactassign on the same sizes.  The optimal values
   must agree exactly.
3. ``weak-core`` for n = 20 (m = 10 and m = 20): equal division, random LP vertices and an
   average of three, and "groups in turn" assignments (groups of 5, 2, 1 maximise their welfare
   on what earlier groups left: sequential-pseudomarket-like outcomes, in the weak core, which
   need several rounds).  Goal: <= 30 s each.

Exit status 1 if a certificate is rejected or the answers disagree; the speed goals are reported.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from exactassign.allocation import Allocation  # noqa: E402
from exactassign.certificates.build import certificate  # noqa: E402
from exactassign.certificates.check_cardinal import check_cardinal  # noqa: E402
from exactassign.economy import Economy  # noqa: E402
from exactassign.lp import LPBuilder, solve  # noqa: E402
from exactassign.numbers import ZERO, Q, canonical  # noqa: E402
from exactassign.properties import evaluate  # noqa: E402
from exactassign.properties.cardinal import (_assignment_lp, analyse_weak_core,  # noqa: E402
                                             cardinal_data, welfare_maximiser)

FAILED = False


def say(msg: str = "") -> None:
    print(msg, flush=True)


def economy(rng: random.Random, n: int, m: int) -> Economy:
    objs = [f"o{j}" for j in range(m)]
    agents = [f"a{i}" for i in range(n)]
    vals = {a: {o: rng.randint(0, 100) for o in objs} for a in agents}
    return Economy.create(agents, objs, supply={o: str(Q(n, m)) for o in objs}, valuations=vals)


def equal_division(e: Economy) -> Allocation:
    row = tuple(Q(1, e.m) for _ in e.objects)
    return Allocation(e.agents, e.objects, tuple(row for _ in e.agents))


def timed(fn, repeat: int = 3) -> tuple[float, float, object]:
    t = time.perf_counter()
    out = fn()
    first = time.perf_counter() - t
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return first, statistics.median(times), out


def check(name: str, e: Economy, q: Allocation, result) -> None:
    global FAILED
    doc = json.loads(json.dumps(certificate(result.claim, e, q, result.witness, prop=name)))
    t = time.perf_counter()
    found = check_cardinal(doc)
    dt = time.perf_counter() - t
    if found:
        FAILED = True
        say(f"      certificate {result.claim} REJECTED: {found[:3]}")
    else:
        say(f"      certificate {result.claim} valid (standard-library checker, {dt:.2f} s)")


# ----------------------------------------------------------------------------- 1 + 2
def ex_ante_po(rng: random.Random, n: int, m: int) -> None:
    say(f"== ex-ante-po, n = {n}, m = {m} ({n * m} variables, {2 * n + m} rows)")
    e = economy(rng, n, m)
    for label, q in (("equal division (not PO)", equal_division(e)),
                     ("welfare maximiser (PO)", welfare_maximiser(e, [1] * n))):
        first, med, r = timed(lambda: evaluate("ex-ante-po", e, q))
        goal = "OK" if med <= 5 else "SLOWER THAN THE 5 s GOAL"
        say(f"   {label}: holds={r.holds}  first call {first:.2f} s (incl. imports), "
            f"median {med:.2f} s  [{goal}]")
        check("ex-ante-po", e, q, r)


SYMPY_CHILD = r"""
import json, sys, time
import sympy
from sympy.solvers.simplex import linprog
d = json.loads(sys.stdin.read())
t = time.perf_counter()
opt, x = linprog(sympy.Matrix([d["c"]]), sympy.Matrix(d["A"]), sympy.Matrix(d["b"]),
                 sympy.Matrix(d["Aeq"]), sympy.Matrix(d["beq"]))
print(json.dumps({"value": str(-opt), "seconds": time.perf_counter() - t}))
"""


def sympy_lp(e: Economy, q: Allocation) -> dict:
    """The ex-ante-po LP in sympy's linprog form (min -c.x, A x <= b, Aeq x = beq, x >= 0)."""
    d = cardinal_data(e, q)
    b, *_ = _assignment_lp(d, range(d.n), d.supply, None)
    lp = b.build()
    n = lp.n_vars
    out = {"c": [str(-c) for c in lp.objective], "A": [], "b": [], "Aeq": [], "beq": []}
    for row, s, r in zip(lp.rows, lp.senses, lp.rhs):
        dense = [ZERO] * n
        for j, a in row:
            dense[j] = a
        sign = -1 if s == ">=" else 1       # a >= row becomes -row <= -rhs
        key = ("Aeq", "beq") if s == "=" else ("A", "b")
        out[key[0]].append([str(sign * a) for a in dense])
        out[key[1]].append(str(sign * r))
    return out


def versus_sympy(rng: random.Random, m: int, limit: float, sizes: list[int]) -> None:
    global FAILED
    say(f"== sympy's exact simplex vs exactassign on the ex-ante-po LP (m = {m}, equal "
        f"division), sympy limit {limit:.0f} s per size")
    say(f"   {'n':>4} {'vars':>6} {'sympy s':>10} {'exactassign s':>14} {'ratio':>8}  value")
    largest = None
    for n in sizes:
        e = economy(rng, n, m)
        q = equal_division(e)
        d = cardinal_data(e, q)
        b, *_ = _assignment_lp(d, range(d.n), d.supply, None)
        lp = b.build()
        t = time.perf_counter()
        mine = solve(lp)
        t_mine = time.perf_counter() - t
        try:
            proc = subprocess.run([sys.executable, "-c", SYMPY_CHILD],
                                  input=json.dumps(sympy_lp(e, q)), capture_output=True,
                                  text=True, timeout=limit)
        except subprocess.TimeoutExpired:
            say(f"   {n:>4} {n * m:>6} {'> ' + str(int(limit)):>10} {t_mine:>14.3f} "
                f"{'':>8}  (sympy did not finish)")
            break
        if proc.returncode != 0:
            say(f"   {n:>4} sympy failed: {proc.stderr.strip().splitlines()[-1:]}")
            break
        res = json.loads(proc.stdout)
        agree = res["value"] == canonical(mine.value)
        FAILED |= not agree
        say(f"   {n:>4} {n * m:>6} {res['seconds']:>10.2f} {t_mine:>14.3f} "
            f"{res['seconds'] / t_mine:>8.0f}x  {canonical(mine.value)}"
            f"{'' if agree else '  DISAGREES: sympy ' + res['value']}")
        largest = (n, res["seconds"], t_mine)
    if largest:
        say(f"   largest size sympy finished: n = {largest[0]} ({largest[0] * m} variables) in "
            f"{largest[1]:.1f} s; exactassign {largest[2]:.3f} s on the same LP")


# ----------------------------------------------------------------------------- 3
def groups_in_turn(e: Economy, size: int) -> Allocation:
    """Groups of ``size`` agents in turn maximise their total utility on what is left."""
    remaining = list(e.supply)
    rows: list[tuple] = []
    v = e.valuations
    for start in range(0, e.n, size):
        group = list(range(start, min(e.n, start + size)))
        b = LPBuilder()
        x = {(i, j): b.variable() for i in group for j in range(e.m)}
        for i in group:
            b.constraint({x[i, j]: 1 for j in range(e.m)}, "=", 1)
        for j in range(e.m):
            b.constraint({x[i, j]: 1 for i in group}, "<=", remaining[j])
        b.maximize({x[i, j]: v[i][j] for i in group for j in range(e.m) if v[i][j]})
        r = solve(b.build())
        for i in group:
            rows.append(tuple(r.x[x[i, j]] for j in range(e.m)))
            for j in range(e.m):
                remaining[j] -= r.x[x[i, j]]
    return Allocation(e.agents, e.objects, tuple(rows))


def random_vertex(rng: random.Random, e: Economy) -> Allocation:
    b = LPBuilder()
    x = {(i, j): b.variable() for i in range(e.n) for j in range(e.m)}
    for i in range(e.n):
        b.constraint({x[i, j]: 1 for j in range(e.m)}, "=", 1)
    for j in range(e.m):
        b.constraint({x[i, j]: 1 for i in range(e.n)}, "<=", e.supply[j])
    b.maximize({x[i, j]: rng.randint(0, 9) for i in range(e.n) for j in range(e.m)})
    r = solve(b.build())
    return Allocation(e.agents, e.objects, tuple(tuple(r.x[x[i, j]] for j in range(e.m))
                                                  for i in range(e.n)))


def _average(allocs: list[Allocation]) -> Allocation:
    k = len(allocs)
    a0 = allocs[0]
    return Allocation(a0.agents, a0.objects, tuple(
        tuple(sum((a.rows[i][j] for a in allocs), ZERO) / k for j in range(len(a0.objects)))
        for i in range(len(a0.agents))))


def weak_core(rng: random.Random, n: int, m: int) -> None:
    say(f"== weak-core, n = {n}, m = {m}")
    e = economy(rng, n, m)
    for label, q in (("equal division", equal_division(e)),
                     ("random LP vertex", random_vertex(rng, e)),
                     ("average of 3 random LP vertices",
                      _average([random_vertex(rng, e) for _ in range(3)])),
                     ("groups of 5 in turn", groups_in_turn(e, 5)),
                     ("groups of 2 in turn", groups_in_turn(e, 2)),
                     ("serial dictatorship (groups of 1)", groups_in_turn(e, 1))):
        t = time.perf_counter()
        r = evaluate("weak-core", e, q)
        dt = time.perf_counter() - t
        raw = analyse_weak_core(e, q)
        extra = (f"{len(raw.rounds)} rounds, " if hasattr(raw, "rounds") else
                 f"coalition of {len(raw.coalition)}, ") + f"{raw.lps} LPs"
        goal = "OK" if dt <= 30 else "SLOWER THAN THE 30 s GOAL"
        say(f"   {label}: holds={r.holds} ({extra})  {dt:.2f} s  [{goal}]")
        check("weak-core", e, q, r)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--sympy-limit", type=float, default=60.0)
    ap.add_argument("--quick", action="store_true", help="small sizes only (smoke test)")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    if args.quick:
        ex_ante_po(rng, 20, 10)
        versus_sympy(rng, 5, 10, [2, 3])
        weak_core(rng, 6, 4)
    else:
        ex_ante_po(rng, 100, 30)
        versus_sympy(rng, 30, args.sympy_limit, [1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16, 20])
        weak_core(rng, 20, 10)
        weak_core(rng, 20, 20)
    say("FAILED: a certificate was rejected or answers disagree" if FAILED else "all checks ok")
    return 1 if FAILED else 0


if __name__ == "__main__":
    raise SystemExit(main())
