"""Benchmark: sd-efficiency of dense allocations (issue 3: 1000 x 1000 in <= 2 s).

    python benchmarks/bench_properties.py [--sizes 100,300,1000] [--baseline-max 300]

For each n = m: a random strict economy and two dense allocations (every agent holds 1/n of
every object: not sd-efficient; and the same allocation in an economy where everyone has the
same order: sd-efficient, so the potential certificate is built).  Timed in-process:

  bitset     exactassign.properties.efficiency (bitset rows, Kosaraju on bitsets, O(n·m) ORs)
  networkx   baseline in the same run: the agent-tier graph (one node per agent and tier,
             O(n·m) edges) and networkx's strongly_connected_components, then the strict-edge
             test; run up to --baseline-max (it needs minutes and gigabytes beyond)
  checker    the standard-library checker on the produced certificate (Fraction arithmetic)

Prints progress; the figures go into the README.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import networkx as nx  # noqa: E402

from exactassign.allocation import Allocation  # noqa: E402
from exactassign.certificates import check  # noqa: E402
from exactassign.certificates.build import certify_property  # noqa: E402
from exactassign.economy import Economy  # noqa: E402
from exactassign.numbers import Q  # noqa: E402
from exactassign.properties.efficiency import analyse_sd_efficiency  # noqa: E402
from exactassign.properties.extended import extended_tiers, row_with_outside  # noqa: E402


def say(msg: str) -> None:
    print(msg, flush=True)


def networkx_verdict(e: Economy, p: Allocation) -> bool:
    """Baseline: agent-tier graph with networkx SCCs; True iff sd-efficient."""
    g = nx.DiGraph()
    strict = []
    m = e.m
    for i in range(e.n):
        tiers = extended_tiers(e, i)
        row = row_with_outside(e, p.rows[i])
        for t, tier in enumerate(tiers):
            for k in tier:
                g.add_edge(("t", i, t), k)          # the tier node reaches its objects
                if row[k] > 0:
                    g.add_edge(k, ("t", i, t))      # held object enters its tier node
            if t:
                g.add_edge(("t", i, t), ("t", i, t - 1))
                strict.append((("t", i, t), ("t", i, t - 1)))
    if e.endowments is None:
        g.add_edge(m, "null")
        for k in range(m):
            if p.column_sum(k) < e.supply[k]:
                g.add_edge(k, "null")
        for k in range(m + 1):
            g.add_edge("null", k)
    comp = {}
    for c, s in enumerate(nx.strongly_connected_components(g)):
        for v in s:
            comp[v] = c
    return not any(comp[a] == comp[b] for a, b in strict)


def timed(f, *args):
    t = time.perf_counter()
    r = f(*args)
    return r, time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100,300,1000")
    ap.add_argument("--baseline-max", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    rows_out = []
    for n in map(int, args.sizes.split(",")):
        agents = [f"i{k}" for k in range(n)]
        objects = [f"o{k}" for k in range(n)]
        prefs = {}
        for a in agents:
            order = objects[:]
            rng.shuffle(order)
            prefs[a] = order
        e_rand = Economy.create(agents, objects, preferences=prefs)
        e_same = Economy.create(agents, objects, preferences={a: objects for a in agents})
        u = Q(1, n)
        dense = Allocation(tuple(agents), tuple(objects), tuple((u,) * n for _ in range(n)))
        for label, e in (("random prefs (not efficient)", e_rand),
                         ("identical prefs (efficient)", e_same)):
            say(f"n = m = {n}, {label}: bitset ...")
            r, t_bit = timed(analyse_sd_efficiency, e, dense)
            verdict = type(r).__name__ == "SdEfficiencyWitness"
            t_nx = None
            if n <= args.baseline_max:
                say("  networkx baseline ...")
                v_nx, t_nx = timed(networkx_verdict, e, dense)
                assert v_nx == verdict, "baseline disagrees"
            say("  certificate + standard-library checker ...")
            cert = json.loads(json.dumps(certify_property(e, dense, "sd-efficient")))
            rep, t_chk = timed(check.check_certificate, cert)
            assert rep.verdict == "valid", rep.violations[:3]
            rows_out.append((n, label, t_bit, t_nx, t_chk))
            say(f"  bitset {t_bit:.3f} s, networkx {t_nx and f'{t_nx:.3f} s' or 'skipped'}, "
                f"checker {t_chk:.3f} s")
    say("\n| n = m | allocation | bitset (ours) | networkx agent-tier graph | ratio | "
        "stdlib checker |")
    say("|---:|---|---:|---:|---:|---:|")
    for n, label, tb, tn, tc in rows_out:
        ratio = f"{tb / tn:.2f}×" if tn else "-"
        say(f"| {n} | {label} | {tb:.3f} s | {f'{tn:.3f} s' if tn else 'not run'} | {ratio} | "
            f"{tc:.3f} s |")
    worst = max(tb for n, _, tb, _, _ in rows_out if n == max(r[0] for r in rows_out))
    say(f"\nGoal (issue 3): dense 1000 x 1000 sd-efficiency in <= 2 s: worst {worst:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
