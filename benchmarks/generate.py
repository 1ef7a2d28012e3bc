"""Random strict complete economies for the benchmark (economy JSON, shared/spec/formats.md).

n agents, m objects, supply 1 each (left implicit: the format's default), every agent ranks
every object strictly, each ranking an independent uniform random permutation (the "impartial
culture").  Generation is seeded and uses only the standard library, so the same seed gives the
same file byte for byte on every machine and Python version >= 3.11.

    python benchmarks/generate.py --sizes 100,300,1000 --seed 20240601 --out benchmarks/results/economies
"""
from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

DEFAULT_SEED = 20240601


def agent_labels(n: int) -> list[str]:
    return [f"i{k}" for k in range(1, n + 1)]


def object_labels(m: int) -> list[str]:
    return [f"o{k}" for k in range(1, m + 1)]


def random_economy(n: int, m: int | None = None, seed: int = DEFAULT_SEED) -> dict:
    """The economy JSON object (a dict) of a random strict complete economy n x m."""
    m = n if m is None else m
    rng = random.Random(f"exactassign-bench/{seed}/{n}x{m}")
    agents, objects = agent_labels(n), object_labels(m)
    prefs = {}
    for a in agents:
        order = objects[:]
        rng.shuffle(order)
        prefs[a] = order
    return {"format": "exactassign.economy", "version": 1,
            "name": f"random strict complete {n}x{m} (seed {seed})",
            "source": "benchmarks/generate.py: independent uniform random rankings",
            "agents": agents, "objects": objects, "preferences": prefs}


def economy_text(economy: dict) -> str:
    """Deterministic JSON text: one line per agent's ranking."""
    head = {k: v for k, v in economy.items() if k != "preferences"}
    lines = [f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in head.items()]
    rows = ",\n".join(f"    {json.dumps(a)}: {json.dumps(order)}"
                      for a, order in economy["preferences"].items())
    lines.append('  "preferences": {\n' + rows + "\n  }")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def write_economy(directory: Path, n: int, m: int | None = None,
                  seed: int = DEFAULT_SEED) -> Path:
    """Write ``ps-{n}x{m}-s{seed}.json`` into ``directory`` (if not already there) and return
    its path."""
    m = n if m is None else m
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"ps-{n}x{m}-s{seed}.json"
    text = economy_text(random_economy(n, m, seed))
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100,300,1000", help="comma-separated n (= m)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent / "results" / "economies"))
    args = ap.parse_args()
    for n in (int(s) for s in args.sizes.split(",")):
        print(write_economy(Path(args.out), n, seed=args.seed), flush=True)


if __name__ == "__main__":
    main()
