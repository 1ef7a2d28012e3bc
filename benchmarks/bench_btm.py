"""Benchmark of ``btm`` (balanced trading on the full preference domain) on random FEE economies.

Standalone script (not part of ``benchmarks/run.py``); prints progress as it goes.

Instances (seeded, standard library only, so the same seed gives the same economy everywhere):

- agents ``i1..in``, objects ``o1..om``;
- endowments: every object first gets one owner (a uniformly random agent) holding a random
  share ``k/12`` (k = 1..4); then every agent picks 1-3 further random objects and takes a
  random share ``k/12`` of each while her row stays ≤ 1.  So ``nnz(ω) ≈ 3n``, amounts have
  small denominators, agents own unequal bundles (the hard case: owners run out one by one);
- preferences: complete weak orders with ties, a uniformly random permutation cut into tiers
  (after each object a new tier starts with probability 1/2), so about half the objects sit in
  ties of two or more.

Reported: wall and CPU time of ``balanced_trading`` (equal rule, trace kept), number of steps,
steps per second, the size of the largest exact amount in the allocation, and the growth from
n = 50 to n = 400 at m = 50.  Exact amounts grow with the number of steps (thousands of digits
at n = 200), which is what the time is spent on.  The goal of issue 4 is n = 200,
m = 50 in at most 10 s.

    .venv/bin/python benchmarks/bench_btm.py                  # sizes 50,100,200,400 x 50
    .venv/bin/python benchmarks/bench_btm.py --sizes 200 --repeat 3
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from exactassign.economy import Economy  # noqa: E402
from exactassign.mechanisms.btm import balanced_trading  # noqa: E402
from exactassign.numbers import Q  # noqa: E402

DEFAULT_SEED = 20240601


def random_fee_economy(n: int, m: int, seed: int = DEFAULT_SEED, tie: float = 0.5) -> Economy:
    """A random FEE economy with ties (see the module docstring)."""
    rng = random.Random(f"exactassign-bench-btm/{seed}/{n}x{m}")
    agents = [f"i{k}" for k in range(1, n + 1)]
    objects = [f"o{k}" for k in range(1, m + 1)]
    endow: dict[str, dict[str, Q]] = {a: {} for a in agents}
    left = {a: Q(1) for a in agents}

    def give(a: str, o: str, x: Q) -> None:
        endow[a][o] = endow[a].get(o, Q(0)) + x
        left[a] -= x

    for o in objects:
        candidates = [a for a in agents if left[a] >= Q(4, 12)] or agents
        a = rng.choice(candidates)
        give(a, o, min(Q(rng.randint(1, 4), 12), left[a]))
    for a in agents:
        for o in rng.sample(objects, rng.randint(1, 3)):
            x = Q(rng.randint(1, 4), 12)
            if x <= left[a]:
                give(a, o, x)
    prefs = {}
    for a in agents:
        order = objects[:]
        rng.shuffle(order)
        tiers: list[list[str]] = [[order[0]]]
        for o in order[1:]:
            if rng.random() < tie:
                tiers[-1].append(o)
            else:
                tiers.append([o])
        prefs[a] = [t[0] if len(t) == 1 else t for t in tiers]
    return Economy.create(agents, objects, preferences=prefs,
                          endowments={a: {o: x for o, x in row.items() if x}
                                      for a, row in endow.items()},
                          name=f"random FEE with ties {n}x{m} (seed {seed})")


def bench(n: int, m: int, seed: int, repeat: int) -> tuple[float, float, int, int]:
    """Best wall time, its CPU time, steps and the largest numerator/denominator (digits)."""
    e = random_fee_economy(n, m, seed)
    best, cpu = float("inf"), 0.0
    steps = digits = 0
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        r = balanced_trading(e)
        wall = time.perf_counter() - t0
        if wall < best:
            best, cpu = wall, time.process_time() - c0
        steps = len(r.trace)
        digits = max(len(str(x)) for row in r.allocation.rows for x in row)
    return best, cpu, steps, digits


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="50,100,200,400", help="comma-separated n")
    ap.add_argument("--objects", type=int, default=50, help="m (default 50)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--repeat", type=int, default=1, help="runs per size (best time kept)")
    args = ap.parse_args()
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        print(f"btm n={n} m={args.objects} ...", end=" ", flush=True)
        secs, cpu, steps, digits = bench(n, args.objects, args.seed, args.repeat)
        rows.append((n, secs, steps))
        print(f"{secs:.2f} s wall ({cpu:.2f} s CPU), {steps} steps, {steps / secs:.1f} "
              f"steps/s, largest allocation entry {digits} characters", flush=True)
        if n == 200 and args.objects == 50:
            verdict = "within" if secs <= 10 else "OVER"
            print(f"  goal n=200, m=50 <= 10 s: {verdict}", flush=True)
    if len(rows) > 1:
        (n0, t0, s0), (n1, t1, s1) = rows[0], rows[-1]
        print(f"growth n={n0} -> {n1}: time x{t1 / t0:.1f}, steps x{s1 / s0:.1f}, "
              f"time per step x{(t1 / s1) / (t0 / s0):.1f}", flush=True)


if __name__ == "__main__":
    main()
