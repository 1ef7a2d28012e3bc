"""Baseline (b): probabilistic serial in float64 with numpy, as a whole process.

    python benchmarks/float_ps.py ECONOMY.json      # prints {"allocation": {...}} with floats

Equal eating speeds (probabilistic serial proper), any positive supplies, strict preferences
with unacceptable objects.  Event-driven like the exact version, but every phase is a handful
of vectorised numpy operations over all agents and objects: eating rates by ``bincount``, the
next exhaustion time by a ``min`` over ``remaining / rate``, one scatter-add into the dense
allocation matrix, then agents whose object ran out advance their pointers.

Objects count as exhausted when their exhaustion time is within a relative 1e-12 of the phase
length (simultaneous exhaustions are common at the end); the result is a hint, not a proof:
``run.py`` compares it with the exact allocation.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import print_allocation, read_economy  # noqa: E402

REL_TOL = 1e-12


def ps_float(lists: list[list[int]], supply: np.ndarray) -> np.ndarray:
    """The (n, m) float64 probabilistic-serial matrix."""
    n, m = len(lists), len(supply)
    width = max((len(lst) for lst in lists), default=0) + 1
    ranks = np.full((n, width), m, dtype=np.int64)          # m = "nothing left" sentinel
    for i, lst in enumerate(lists):
        ranks[i, :len(lst)] = lst
    remaining = supply.astype(np.float64).copy()
    gone = np.zeros(m + 1, dtype=bool)                      # gone[m] stays False
    ptr = np.zeros(n, dtype=np.int64)
    rows = np.arange(n)
    cur = ranks[rows, ptr]
    alloc = np.zeros((n, m + 1))
    t = 0.0
    while True:
        active = np.flatnonzero(cur < m)
        if active.size == 0 or t >= 1.0:
            break
        rate = np.bincount(cur[active], minlength=m).astype(np.float64)
        eaten = rate > 0
        until = np.full(m, np.inf)
        until[eaten] = remaining[eaten] / rate[eaten]
        dt = min(float(until.min()), 1.0 - t)
        alloc[active, cur[active]] += dt
        remaining -= rate * dt
        t += dt
        if 1.0 - t <= REL_TOL:
            break
        done = eaten & (until <= dt * (1.0 + REL_TOL))
        remaining[done] = 0.0
        gone[:m] |= done
        moving = gone[cur]
        while moving.any():                                 # skip exhausted objects
            idx = np.flatnonzero(moving)
            ptr[idx] += 1
            cur[idx] = ranks[idx, ptr[idx]]
            moving = gone[cur]
    return alloc[:, :m]


def main() -> None:
    if len(sys.argv) != 2:
        sys.stderr.write("usage: float_ps.py ECONOMY.json\n")
        raise SystemExit(2)
    agents, objects, lists, supply = read_economy(sys.argv[1])
    alloc = ps_float(lists, np.array([float(s) for s in supply]))
    rows = [{int(k): float(alloc[i, k]) for k in np.flatnonzero(alloc[i])}
            for i in range(len(agents))]
    print_allocation(agents, objects, rows)


if __name__ == "__main__":
    main()
