"""Shared helpers of the baseline scripts: read an economy JSON file into plain Python data.

The baselines deliberately do not import exactassign: each is a separate whole process that
reads the same economy file, computes probabilistic serial its own way and prints the
allocation as JSON (``{"allocation": {agent: {object: amount}}}``, zeros omitted).

Only the part of the economy format that probabilistic serial with equal speeds needs is
supported: agents, objects, optional supply, strict preferences (objects not listed are
unacceptable).  Ties, endowments and valuations are refused with exit code 2.
"""
from __future__ import annotations

import json
import sys
from fractions import Fraction


def fail(message: str) -> None:
    sys.stderr.write(f"{sys.argv[0]}: error: {message}\n")
    raise SystemExit(2)


def read_economy(path: str) -> tuple[list[str], list[str], list[list[int]], list[Fraction]]:
    """``(agents, objects, lists, supply)``: ``lists[i]`` are agent i's acceptable objects as
    object indices, best first; ``supply[k]`` an exact ``Fraction``."""
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh, parse_float=str)   # decimals kept as text, read exactly below
    for key in ("endowments", "valuations"):
        if key in data:
            fail(f"{path}: field {key!r} is not supported by this baseline")
    agents, objects = data["agents"], data["objects"]
    index = {o: k for k, o in enumerate(objects)}
    prefs = data.get("preferences") or fail(f"{path}: no 'preferences'")
    lists = []
    for a in agents:
        order = prefs.get(a, [])
        if not all(isinstance(x, str) for x in order):       # singleton tiers are fine
            if any(isinstance(x, list) and len(x) != 1 for x in order):
                fail(f"{path}: agent {a!r} has ties; this baseline needs strict preferences")
            order = [x[0] if isinstance(x, list) else x for x in order]
        lists.append(list(map(index.__getitem__, order)))
    raw = data.get("supply") or {}
    supply = [Fraction(str(raw.get(o, 1))) for o in objects]
    return agents, objects, lists, supply


def print_allocation(agents: list[str], objects: list[str], rows) -> None:
    """Print ``{"allocation": ...}``; ``rows[i]`` maps object index -> amount (non-zero only);
    amounts are JSON floats (repr, round-trip exact) or strings (exact rationals)."""
    alloc = {a: {objects[k]: x for k, x in sorted(row.items())} for a, row in zip(agents, rows)}
    sys.stdout.write(json.dumps({"allocation": alloc}, separators=(",", ":")) + "\n")
