"""Where the time of ``exactassign run ps FILE --format json`` goes, measured in-process.

    python benchmarks/phases.py ECONOMY.json [--repeat K] [--json OUT.json] [--profile OUT.txt]

Run in a fresh interpreter, it times the same steps the command line takes (exactassign/cli.py,
``cmd_run``): importing the package, reading the file, decoding the JSON (numbers kept exact),
building and validating the :class:`Economy`, running the mechanism, rendering the JSON output
and writing it.  Imports are timed once (they happen once per process); the other phases are
repeated K times and the median is reported.  ``--profile`` also writes a cProfile listing of
one full run (top functions by own time).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time


def main() -> None:
    ap = argparse.ArgumentParser(description="in-process phase timings of exactassign run ps")
    ap.add_argument("economy")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", help="write the timings here as JSON")
    ap.add_argument("--profile", help="write a cProfile listing (top 25 by own time) here")
    args = ap.parse_args()

    t0 = time.perf_counter()
    import exactassign.cli  # noqa: F401  (what the console script imports)
    from exactassign.io import read_text
    from exactassign.io.json_io import economy_from_json, parse_json
    from exactassign.io.render import render_result
    from exactassign.mechanisms import get_mechanism
    t_import = time.perf_counter() - t0

    mech = get_mechanism("ps")
    path = args.economy

    def pipeline(times: dict[str, list[float]] | None) -> tuple[object, object, str]:
        marks = [time.perf_counter()]
        text = read_text(path)
        marks.append(time.perf_counter())
        data = parse_json(text, path)
        marks.append(time.perf_counter())
        economy = economy_from_json(data, path)
        marks.append(time.perf_counter())
        result = mech.run(economy, {})
        marks.append(time.perf_counter())
        out = render_result(result, economy, "json")
        marks.append(time.perf_counter())
        with open(os.devnull, "w", encoding="utf-8") as fh:
            fh.write(out)
        marks.append(time.perf_counter())
        if times is not None:
            for name, a, b in zip(PHASES, marks, marks[1:]):
                times[name].append(b - a)
        return economy, result, out

    times: dict[str, list[float]] = {p: [] for p in PHASES}
    for k in range(args.repeat):
        economy, result, out = pipeline(times)
        print(f"    phases run {k + 1}/{args.repeat}: "
              + ", ".join(f"{p} {times[p][-1]:.3f} s" for p in PHASES), flush=True)
    med = {p: statistics.median(v) for p, v in times.items()}
    info = {"economy": path, "n": economy.n, "m": economy.m, "repeat": args.repeat,
            "import": t_import, "phases": med, "eating_phases": len(result.trace),
            "output_bytes": len(out.encode()),
            "max_denominator_digits": max(len(str(x.q)) for row in result.allocation.rows
                                          for x in row)}
    if args.profile:
        import cProfile
        import io
        import pstats
        prof = cProfile.Profile()
        prof.enable()
        pipeline(None)
        prof.disable()
        buf = io.StringIO()
        st = pstats.Stats(prof, stream=buf)
        st.sort_stats("tottime").print_stats(25)
        with open(args.profile, "w", encoding="utf-8") as fh:
            fh.write(f"cProfile of one in-process run of exactassign run ps {path} --format json"
                     f"\n(read, decode, build economy, mechanism, render, write; imports "
                     f"excluded; cProfile overhead inflates the total)\n\n")
            fh.write(buf.getvalue())
        info["profile"] = args.profile
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(info, fh, indent=1)
    else:
        json.dump(info, sys.stdout, indent=1)
        print()


PHASES = ("read file", "decode JSON", "build economy", "mechanism ps", "render JSON",
          "write output")

if __name__ == "__main__":
    main()
