"""Baseline (d): a plain, naive ``fractions.Fraction`` probabilistic serial, as a whole process.

    python benchmarks/fraction_ps.py ECONOMY.json   # prints {"allocation": {...}}, "p/q" strings

The textbook time-stepping loop, exact, with no cleverness: in every phase recount who eats
what, take the shortest time until some object runs out (or everyone is full at time 1), and
update every active agent's share and every object's remaining supply.  Each phase costs
O(n + m) Fraction operations, on numbers whose denominators grow to hundreds of digits.

It is exact, so ``run.py`` also checks that it agrees with exactassign entry for entry.
"""
from __future__ import annotations

import sys
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import print_allocation, read_economy  # noqa: E402


def ps_fraction(lists: list[list[int]], supply: list[Fraction]) -> list[dict[int, Fraction]]:
    n = len(lists)
    remaining = list(supply)
    ptr = [0] * n
    alloc: list[dict[int, Fraction]] = [{} for _ in range(n)]
    t = Fraction(0)
    while t < 1:
        eating: dict[int, list[int]] = {}
        for i, lst in enumerate(lists):
            while ptr[i] < len(lst) and remaining[lst[ptr[i]]] == 0:
                ptr[i] += 1
            if ptr[i] < len(lst):
                eating.setdefault(lst[ptr[i]], []).append(i)
        if not eating:
            break
        dt = min([1 - t] + [remaining[k] / len(who) for k, who in eating.items()])
        for k, who in eating.items():
            remaining[k] -= dt * len(who)
            for i in who:
                alloc[i][k] = alloc[i].get(k, 0) + dt
        t += dt
    return alloc


def main() -> None:
    if len(sys.argv) != 2:
        sys.stderr.write("usage: fraction_ps.py ECONOMY.json\n")
        raise SystemExit(2)
    agents, objects, lists, supply = read_economy(sys.argv[1])
    rows = ps_fraction(lists, supply)
    print_allocation(agents, objects, [{k: str(x) for k, x in r.items() if x} for r in rows])


if __name__ == "__main__":
    main()
