"""``exactassign search``: the command-line side of the counterexample engine.

``exactassign/cli.py`` adds the subcommand with :func:`add_arguments` and runs :func:`command`.

Exit codes: 0 (the search ran; found or not, the answer is in the output), 1 with ``--expect``
when the outcome is not the expected one (``--expect none``: a counterexample was found;
``--expect found``: none was), 2 bad usage.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..errors import ParameterError

__all__ = ["add_arguments", "command", "verify_document"]


def add_arguments(s: argparse.ArgumentParser) -> None:
    from ..mechanisms import REGISTRY
    from .domains import MODELS, PREFERENCE_KINDS, SUPPLIES
    from .targets import all_property_names
    s.add_argument("property", nargs="?", metavar="PROPERTY",
                   help="property to violate: " + ", ".join(all_property_names()) +
                        " (omit with --differs-from)")
    s.add_argument("--mechanism", required=True, help="mechanism: " + ", ".join(REGISTRY))
    s.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="mechanism parameter (repeatable)")
    s.add_argument("--differs-from", metavar="M2", help="find economies where the outcomes of "
                   "--mechanism and M2 differ")
    s.add_argument("--param2", action="append", default=[], metavar="KEY=VALUE",
                   help="parameter of the --differs-from mechanism")
    s.add_argument("--given", action="append", default=[], metavar="PROPERTY",
                   help="count only economies whose outcome satisfies PROPERTY (repeatable)")
    g = s.add_argument_group("domain (default: the mechanism's natural domain)")
    g.add_argument("--agents", help="N or LO-HI (default 2-4)")
    g.add_argument("--objects", help="M or LO-HI (default: as --agents)")
    g.add_argument("--preferences", choices=PREFERENCE_KINDS)
    g.add_argument("--model", choices=MODELS, help="house (no endowments), house-fee (equal "
                   "division), fee (random endowments), housing (one house each)")
    c = g.add_mutually_exclusive_group()
    c.add_argument("--complete", dest="complete", action="store_true", default=None,
                   help="every agent lists every object")
    c.add_argument("--incomplete", dest="complete", action="store_false",
                   help="lists may stop anywhere (unlisted objects unacceptable)")
    g.add_argument("--supply", choices=SUPPLIES, help="house model: unit or random supplies")
    g.add_argument("--values", type=int, help="largest valuation / grid of supplies and "
                   "endowments (default 3)")
    r = s.add_argument_group("search")
    r.add_argument("--mode", choices=("auto", "exhaustive", "random"), default="auto",
                   help="exhaustive enumeration (tiny domains) or seeded random economies "
                        "(default auto: exhaustive when the domain fits the budget)")
    r.add_argument("--budget", help="N economies, a time (30s, 5m, 1h) or both: '60s,20000' "
                   "(default 10000,120s)")
    r.add_argument("--seed", default="0", help="random seed (default 0)")
    r.add_argument("--workers", type=int, help="local worker processes (default: one per core;"
                   " 1: no pool)")
    r.add_argument("--dask", metavar="SCHEDULER_ADDRESS", help="run on a Dask distributed "
                   "cluster (pip install 'exactassign[dask]')")
    r.add_argument("--keep-going", action="store_true", help="count every counterexample in "
                   "the budget instead of stopping at the first")
    r.add_argument("--no-shrink", action="store_true", help="report the counterexample as found")
    o = s.add_argument_group("output")
    o.add_argument("--write", nargs="?", const="counterexamples", metavar="DIR",
                   help="store the certificate in DIR/<property>/<mechanism>__<hash>.json and "
                        "regenerate DIR/README.md (default DIR: counterexamples)")
    o.add_argument("--format", choices=("text", "json"), default="text")
    p = o.add_mutually_exclusive_group()
    p.add_argument("--progress", dest="progress", action="store_true", default=None,
                   help="progress bar on stderr (default: when stderr is a terminal)")
    p.add_argument("--no-progress", dest="progress", action="store_false")
    o.add_argument("--expect", choices=("found", "none"), help="exit 1 unless the search finds "
                   "a counterexample (found) / finds none (none)")


def verify_document(doc: dict) -> Any:
    """Check a certificate with the standard-library checker, including the claims of
    check_strategy.py even before check.py hooks them in (merged for this call only)."""
    from ..certificates import check, check_strategy
    missing = {k: v for k, v in check_strategy.CLAIMS.items() if k not in check.CLAIMS}
    # (check.py loads check_strategy.py itself; the merge only matters for an older check.py)
    check.CLAIMS.update(missing)
    try:
        return check.check_certificate(check.loads(json.dumps(doc)))
    except Exception as exc:   # a crash of the checker is a verdict too, never a traceback
        return check.Report("error", [check.Violation(
            "checker.crash", "", f"the checker crashed: {type(exc).__name__}: {exc}")],
            doc.get("claim"))
    finally:
        for k in missing:
            check.CLAIMS.pop(k, None)


def _kv(items: list[str], flag: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or ():
        k, sep, v = item.partition("=")
        if not sep or not k:
            raise ParameterError(f"{flag} expects KEY=VALUE, got {item!r}")
        out[k] = v
    return out


def _economy_lines(e: Any) -> list[str]:
    from ..io.json_io import economy_to_json
    j = economy_to_json(e)
    lines = []
    for a in e.agents:
        order = " > ".join("{" + ", ".join(t) + "}" if isinstance(t, list) else t
                           for t in j["preferences"][a]) or "(nothing acceptable)"
        extra = ""
        if e.endowments is not None:
            extra += "  owns " + (", ".join(f"{o}: {x}" for o, x in
                                            j["endowments"].get(a, {}).items()) or "nothing")
        if e.valuations is not None and a in j.get("valuations", {}):
            extra += "  values " + ", ".join(f"{o}: {x}" for o, x in
                                             j["valuations"][a].items())
        lines.append(f"    {a}: {order}{extra}")
    if any(s != 1 for s in e.supply):
        lines.append("    supply: " + ", ".join(f"{o}: {x}" for o, x in j["supply"].items()))
    return lines


def command(args: argparse.Namespace) -> int:
    from . import store
    from .domains import default_domain, parse_range
    from .run import parse_budget, search
    from .targets import DIFFERS, Target
    prop = args.property
    if args.differs_from is not None:
        if prop not in (None, DIFFERS):
            raise ParameterError("--differs-from compares outcomes: give no PROPERTY")
        prop = DIFFERS
    elif prop is None:
        raise ParameterError("search needs a PROPERTY (or --differs-from M2)")
    target = Target(prop, args.mechanism, _kv(args.param, "--param"), args.differs_from,
                    _kv(args.param2, "--param2"), tuple(args.given)).validate()
    domain = default_domain(args.mechanism, preferences=args.preferences, model=args.model,
                            complete=args.complete, supply=args.supply, values=args.values,
                            agents=parse_range(args.agents, "agents"),
                            objects=parse_range(args.objects, "objects"))
    budget = parse_budget(args.budget)
    seed: Any = int(args.seed) if str(args.seed).lstrip("-").isdigit() else args.seed
    if args.workers is not None and args.workers < 1:
        raise ParameterError("--workers must be at least 1")
    report = search(target, domain, mode=args.mode, budget=budget, seed=seed,
                    workers=args.workers, dask=args.dask, progress=args.progress,
                    shrink=not args.no_shrink, first_only=not args.keep_going)
    written = None
    verdict = None
    f = report.finding
    if f is not None and f.certificate is not None:
        doc = store.attach(f.certificate, store.provenance(report))
        verdict = verify_document(doc)
        if args.write and verdict.verdict == "valid":
            written = store.write(doc, args.write)
            store.write_readme(args.write)
        elif args.write:
            sys.stderr.write(f"exactassign: note: the certificate is {verdict.verdict} for the "
                             f"standard-library checker; not written\n")
    if args.format == "json":
        out = report.to_json()
        if f is not None and f.certificate is not None:
            out["found"]["certificate"] = doc
            out["found"]["verdict"] = verdict.verdict
        out["written"] = str(written) if written else None
        sys.stdout.write(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    else:
        _text(report, verdict, written)
    if f is None and report.errors and report.checked == 0:   # nothing was searched at all
        e = report.errors[0]
        sys.stderr.write(f"exactassign: error: every economy the search drew failed "
                         f"(none was checked), e.g. #{e['index']}: {e['error']}\n")
        return 2
    if args.expect == "none" and f is not None:
        return 1
    if args.expect == "found" and f is None:
        return 1
    return 0


def _text(report: Any, verdict: Any, written: Any) -> None:
    w = sys.stdout.write
    w(f"search: {report.target.describe()}\n")
    w(f"domain: {report.domain.describe()} ({report.mode}, seed {report.seed}, budget "
      f"{report.budget.describe()})\n")
    space = f" of {report.space:,}" if report.mode == "exhaustive" and report.space else ""
    w(f"checked {report.checked:,}{space} economies in {report.elapsed:.2f} s "
      f"({report.rate:,.0f}/s, {report.workers} worker{'s' * (report.workers != 1)}, "
      f"{report.backend}); outside the domain or not applicable: {report.skipped:,}\n")
    if report.errors:
        w(f"ERRORS in {len(report.errors)} economies, e.g. #{report.errors[0]['index']}: "
          f"{report.errors[0]['error']}\n")
    f = report.finding
    if f is None:
        if report.status == "exhausted":
            w("no counterexample: the property holds on every economy of this finite domain\n")
        else:
            w("no counterexample within the budget\n")
        return
    w(f"FOUND a counterexample: economy #{f.index} ({f.economy.n} agents x {f.economy.m} "
      f"objects)")
    if not report.first_only:
        w(f"; {report.violations:,} counterexamples in all")
    w(f"\nshrunk in {f.shrink_steps} steps ({report.shrink_seconds:.2f} s) to {f.shrunk.n} "
      f"agents x {f.shrunk.m} objects:\n")
    w("\n".join(_economy_lines(f.shrunk)) + "\n")
    if f.certificate is None:
        w(f"no certificate: {f.note}\n")
        return
    c = f.certificate
    if c["claim"] == "all":                 # a conjunction: name its parts (witnesses nested)
        w("claim all: " + " + ".join(part["claim"] for part in c["witness"]["claims"]) + "\n")
    else:
        w(f"claim {c['claim']}: " + json.dumps({k: v for k, v in c["witness"].items()
                                                 if not isinstance(v, (dict, list)) or
                                                 k in ("misreport", "upper_contour_set")},
                                                ensure_ascii=False) + "\n")
    if verdict is not None:
        w(f"standard-library checker: {verdict.verdict}" +
          ("" if verdict.verdict == "valid" else
           f" ({verdict.violations[0].code}: {verdict.violations[0].message})") + "\n")
    if written:
        w(f"wrote {written}\n")
