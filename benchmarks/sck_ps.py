"""Baseline (c): socialchoicekit's float ``ProbabilisticSerial``, as a whole process.

    python benchmarks/sck_ps.py ECONOMY.json      # prints {"allocation": {...}} with floats

Builds the (n, m) rank profile socialchoicekit expects (entry (i, j) = rank of object j for
agent i, 1 = most preferred, NaN = unacceptable) and calls
``socialchoicekit.randomized_allocation.ProbabilisticSerial().bistochastic(profile)``.
socialchoicekit 1.0 assumes n = m and one unit of every object, so other economies are refused.
Exit code 3 if socialchoicekit is not installed (``pip install -e '.[bench]'``).
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import fail, print_allocation, read_economy  # noqa: E402

try:
    import numpy as np
    from socialchoicekit.randomized_allocation import ProbabilisticSerial
except ImportError as exc:  # pragma: no cover - depends on the environment
    sys.stderr.write(f"sck_ps.py: socialchoicekit not available ({exc})\n")
    raise SystemExit(3)


def main() -> None:
    if len(sys.argv) != 2:
        sys.stderr.write("usage: sck_ps.py ECONOMY.json\n")
        raise SystemExit(2)
    path = sys.argv[1]
    agents, objects, lists, supply = read_economy(path)
    n, m = len(agents), len(objects)
    if n != m or any(s != 1 for s in supply):
        fail(f"{path}: socialchoicekit's ProbabilisticSerial needs n = m and unit supplies")
    profile = np.full((n, m), np.nan)
    for i, lst in enumerate(lists):
        profile[i, lst] = np.arange(1, len(lst) + 1)
    alloc = ProbabilisticSerial().bistochastic(profile)
    rows = [{int(k): float(alloc[i, k]) for k in np.flatnonzero(alloc[i])} for i in range(n)]
    print_allocation(agents, objects, rows)


if __name__ == "__main__":
    main()
