"""The ``exactassign`` command line (contract: ``shared/spec/formats.md``, "Command line").

Exit codes: 0 success, 1 a reproduced claim does not hold, 2 bad input or usage (one line on
stderr naming the file/field/agent/object, never a traceback), 3 an instance beyond an exact
algorithm's stated limit.
"""
from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .errors import ExactAssignError, ParameterError

__all__ = ["main"]

FORMATS = ("text", "json", "markdown", "latex")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors: exit 2, one line
        self.print_usage(sys.stderr)
        sys.stderr.write(f"exactassign: error: {message}\n")
        raise SystemExit(2)


def _supply_arg(text: str | None) -> Any:
    """``--supply 2`` (every object) or ``--supply a=2,b=1/2``."""
    if text is None:
        return None
    if "=" not in text:
        return text
    out = {}
    for item in text.split(","):
        k, sep, v = item.partition("=")
        if not sep or not k.strip():
            raise ParameterError(f"--supply: expected OBJECT=AMOUNT, got {item!r}")
        if k.strip() in out:
            raise ParameterError(f"--supply: object {k.strip()!r} given twice")
        out[k.strip()] = v.strip()
    return out


def _params(items: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or ():
        k, sep, v = item.partition("=")
        if not sep or not k:
            raise ParameterError(f"--param expects KEY=VALUE, got {item!r}")
        if k in out:
            raise ParameterError(f"--param {k} given twice")
        out[k] = v
    return out


class Heartbeat:
    """Elapsed time on stderr while a long command runs (the exact algorithms report no
    fraction done): nothing for the first ``delay`` seconds, then ``exactassign: LABEL:
    working, 0:00:05`` every ``every`` seconds, redrawn in place (``\\r``) and erased at the end on
    a terminal, a line every 5 ``every`` elsewhere (only with ``--progress``)."""

    delay, every = 2.0, 1.0

    def __init__(self, label: str, enabled: bool | None) -> None:
        self.tty = bool(getattr(sys.stderr, "isatty", lambda: False)())
        self.label, self.enabled = label, self.tty if enabled is None else enabled
        self.stop, self.width = threading.Event(), 0
        self.thread = threading.Thread(target=self._beat, daemon=True)

    def _beat(self) -> None:
        from .search.progress import format_duration
        start = time.monotonic()
        if self.stop.wait(self.delay):
            return
        while not self.stop.is_set():
            took = format_duration(time.monotonic() - start)
            text = f"exactassign: {self.label}: working, {took}"
            sys.stderr.write(f"\r{text}" if self.tty else text + "\n")
            sys.stderr.flush()
            self.width = len(text)
            self.stop.wait(self.every if self.tty else 5 * self.every)   # logs stay short

    def __enter__(self) -> "Heartbeat":
        if self.enabled:
            self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self.stop.set()
            self.thread.join()
            if self.tty and self.width:
                sys.stderr.write("\r" + " " * self.width + "\r")
                sys.stderr.flush()


def _emit(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def cmd_run(args: argparse.Namespace) -> int:
    from .io import load_economy
    from .io.render import render_result
    from .mechanisms import get_mechanism
    mech = get_mechanism(args.mechanism)
    economy = load_economy(args.economy, supply=_supply_arg(args.supply))
    result = mech.run(economy, _params(args.param))
    _emit(render_result(result, economy, args.format, with_trace=args.trace))
    return 0


def cmd_convert(args: argparse.Namespace) -> int:
    from .io import load_economy, save_economy
    economy = load_economy(args.input, supply=_supply_arg(args.supply))
    for note in save_economy(economy, args.output):
        sys.stderr.write(f"exactassign: note: {note}\n")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from .io import load_allocation, load_economy
    from .io.json_io import dumps_canonical
    from .properties import check_all
    economy = load_economy(args.economy, supply=_supply_arg(args.supply))
    allocation = load_allocation(args.allocation, economy)
    results = check_all(economy, allocation, args.property or None)
    if args.format == "json":
        out = {}
        for name, r in results.items():
            entry: dict[str, Any] = {"holds": r.holds, "claim": r.claim, "witness": r.witness}
            if r.reason:
                entry["reason"] = r.reason
            out[name] = entry
        _emit(dumps_canonical({"properties": out}))
        return 0
    import json
    width = max(len(n) for n in results)
    for name, r in results.items():
        verdict = {True: "yes", False: "NO", None: "n/a"}[r.holds]
        line = f"{name.ljust(width)}  {verdict}"
        if r.reason:
            line += f"  ({r.reason})"
        elif r.holds is False:
            line += "  witness: " + json.dumps(r.witness, ensure_ascii=False)
        _emit(line + "\n")
    return 0


def cmd_certify(args: argparse.Namespace) -> int:
    from .certificates.build import certify_property, certify_result
    from .io import load_allocation, load_economy
    from .io.json_io import dumps_canonical
    from .mechanisms import get_mechanism
    targets = list(args.targets)
    if args.property:
        if len(targets) != 2:
            raise ParameterError("certify --property NAME needs ECONOMY ALLOCATION")
        if args.param:
            raise ParameterError("certify --property: --param applies to mechanism "
                                 "certificates only (the allocation is given)")
        economy = load_economy(targets[0], supply=_supply_arg(args.supply))
        cert = certify_property(economy, load_allocation(targets[1], economy), args.property)
    else:
        if len(targets) != 2:
            raise ParameterError("certify needs MECHANISM ECONOMY (or --property NAME ECONOMY "
                                 "ALLOCATION)")
        mech = get_mechanism(targets[0])
        economy = load_economy(targets[1], supply=_supply_arg(args.supply))
        cert = certify_result(economy, mech.run(economy, _params(args.param)))
    text = dumps_canonical(cert)
    if args.output == "-":
        _emit(text)
    else:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ParameterError(f"{args.output}: cannot write ({exc.strerror})") from None
        sys.stderr.write(f"exactassign: wrote {cert['claim']} certificate to {args.output}\n")
    return 0


def _row_text(objects: Any, row: Any) -> str:
    from .numbers import canonical
    return " ".join(f"{o}:{canonical(x)}" for o, x in zip(objects, row) if x) or "-"


def cmd_decompose(args: argparse.Namespace) -> int:
    from .decompose import certificate_document, decompose
    from .io import load_allocation, load_economy
    from .io.json_io import dumps_canonical
    economy = load_economy(args.economy, supply=_supply_arg(args.supply))
    allocation = load_allocation(args.allocation, economy)
    d = decompose(economy, allocation, max_agents=args.max_agents, budgets=args.budgets)
    cert = certificate_document(economy, allocation, d)
    if args.output:
        try:
            Path(args.output).write_text(dumps_canonical(cert), encoding="utf-8")
        except OSError as exc:
            raise ParameterError(f"{args.output}: cannot write ({exc.strerror})") from None
        sys.stderr.write(f"exactassign: wrote {cert['claim']} certificate to {args.output}\n")
    if args.format == "json":
        _emit(dumps_canonical({**d.to_json(), "claim": cert["claim"]}))
        return 0
    lines = ["budgets: " + ("equal in every turn (HZ equilibria, as in the sp mechanism; "
                            "prices in units of the budget)" if d.budgets == "equal" else
                            "free incomes (the seed's pseudomarket equilibrium)"),
             f"ex-ante Pareto optimal: {'yes' if d.ex_ante_po else 'no'}"]
    if d.dominating is not None:
        dom = d.dominating
        lines.append("  dominating assignment (nobody worse off, somebody better off):")
        lines += [f"    {a}: {_row_text(dom.objects, row)}" for a, row in zip(dom.agents,
                                                                            dom.rows)]
    if d.turns is not None:
        groups = " ".join("[" + ", ".join(g) + "]" for g in d.partition or ())
        kind = "coarsest ordered partition" if d.coarsest else \
            f"an ordered partition (n > {d.max_agents}: fewest turns not guaranteed)"
        lines.append(f"sequential-pseudomarket outcome: yes; {kind} ({len(d.turns)} "
                     f"turn{'s' * (len(d.turns) != 1)}): {groups}")
        for t, turn in enumerate(d.turns, start=1):
            j = turn.to_json()
            lines.append(f"  turn {t}: [{', '.join(turn.group)}]  supply "
                         + " ".join(f"{o}:{x}" for o, x in j["supply"].items())
                         + "  prices " + " ".join(f"{o}:{x}" for o, x in j["prices"].items()))
            if j["agents"]:
                lines.append("    alpha, beta: " + "; ".join(
                    f"{a} {ab['alpha']}, {ab['beta']}" for a, ab in j["agents"].items()))
            sat = [a for a in turn.group if a not in turn.alpha]
            if sat:
                lines.append(f"    satiated in this market (no condition): {', '.join(sat)}")
    elif d.not_outcome is not None:
        lines.append(f"sequential-pseudomarket outcome: no, for every ordered partition "
                     f"(Farkas tree over {len(d.not_outcome.nodes)} remaining set"
                     f"{'s' * (len(d.not_outcome.nodes) != 1)})")
    else:
        assert d.blocking is not None
        lines.append(f"sequential-pseudomarket outcome: no, for every ordered partition "
                     f"(not in the weak core: coalition [{', '.join(d.blocking.coalition)}] "
                     f"blocks; Theorem 3)")
    lines.append(f"certificate: {cert['claim']}" + (f" written to {args.output}"
                                                    if args.output else " (use -o to write it)"))
    _emit("\n".join(lines) + "\n")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    """The checker's report goes to stdout; exit 2 (a malformed or unreadable certificate) also
    gets the contract's one line on stderr, naming the first such file."""
    from .certificates import check
    results: list[dict[str, Any]] = []
    status = check.main([*args.certificates, "--format", args.format], results)
    bad = [r for r in results if r["verdict"] not in ("valid", "invalid")]
    if status == 2 and bad:
        why = bad[0]["violations"][0]["message"] if bad[0]["violations"] else bad[0]["verdict"]
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        sys.stderr.write(f"exactassign: error: {bad[0]['file']}: {bad[0]['verdict']} "
                         f"certificate: {why}{more}\n")
    return status


def cmd_search(args: argparse.Namespace) -> int:
    from .search.cli import command
    return command(args)


def cmd_reproduce(args: argparse.Namespace) -> int:
    from .io.render import render_allocation
    from .reproduce import iter_outcomes, load_proofs
    proofs = load_proofs(Path(args.dir) if args.dir else None)
    if not args.all and not args.names:
        raise ParameterError("reproduce: name examples or pass --all (available: "
                             + ", ".join(p.name for p in proofs) + ")")
    if args.names:
        known = {p.name: p for p in proofs}
        missing = [n for n in args.names if n not in known]
        if missing:
            raise ParameterError(f"reproduce: unknown example {missing[0]!r} (available: "
                                 + ", ".join(known) + ")")
        proofs = [known[n] for n in args.names]
    failed = total = 0
    for out in iter_outcomes(proofs):
        total += 1
        p, c = out.proof, out.claim
        if c.get("kind", "outcome") != "outcome":     # property / argument claims: own report
            _emit(f"== {p.name}: {p.title}\n   source: {p.source}\n{out.text}")
            failed += not out.ok
            _emit("   REPRODUCED\n\n" if out.ok else "   MISMATCH:\n" + "".join(
                f"     {d}\n" for d in out.differences) + "\n")
            continue
        params = ", ".join(f"{k}={v}" for k, v in c.get("params", {}).items())
        _emit(f"== {p.name}: {p.title}\n   source: {p.source}\n   claim: {c['mechanism']}"
              f"{' (' + params + ')' if params else ''} gives the stated allocation\n")
        if not args.quiet:
            _emit(render_allocation(out.result.allocation, "text"))
        if out.ok:
            _emit("   REPRODUCED exactly\n\n")
        else:
            failed += 1
            _emit("   MISMATCH:\n" + "".join(f"     {d}\n" for d in out.differences) + "\n")
    _emit(f"{total - failed} of {total} claims reproduced exactly\n")
    if args.all:
        failed += _verify_corpus(Path(args.dir) if args.dir else None)
    return 1 if failed else 0


def _verify_corpus(directory: Path | None) -> int:
    """Re-verify every certificate under proofs/ with the standard-library checker."""
    from .certificates import check
    from .reproduce import find_proofs_dir
    root = directory or find_proofs_dir()
    files = [p for p in sorted(root.rglob("*.json"))
             if '"exactassign.certificate"' in p.read_text(encoding="utf-8")[:200]]
    bad = 0
    _emit(f"\n== certificates: {len(files)} in {root}, re-verified by the independent "
          f"standard-library checker\n")
    for path in files:
        report = check.check_file(str(path))
        bad += report.verdict != "valid"
        _emit(f"   {report.verdict.upper():9} {report.claim or '?':18} "
              f"{path.relative_to(root)}\n")
    _emit(f"{len(files) - bad} of {len(files)} certificates valid\n")
    return bad


def _progress_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--progress", action="store_true", default=None,
                   help="elapsed time on stderr after 2 s (default: when stderr is a terminal)")
    g.add_argument("--no-progress", dest="progress", action="store_false")


def build_parser() -> argparse.ArgumentParser:
    from .mechanisms import REGISTRY
    p = _Parser(prog="exactassign", description="Exact random-assignment mechanisms and "
                "their certificates.")
    p.add_argument("--version", action="version", version=f"exactassign {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    r = sub.add_parser("run", help="run a mechanism on an economy",
                       description="Mechanisms: " + "; ".join(
                           f"{m.name}: {m.title} [params: " + ", ".join(
                               f"{k} = {v}" for k, v in m.param_help.items()) + "]"
                           for m in REGISTRY.values()))
    r.add_argument("mechanism", help="mechanism name: " + ", ".join(REGISTRY))
    r.add_argument("economy", help="economy file (.json, .soc, .soi, .toc, .toi)")
    r.add_argument("--param", action="append", default=[], metavar="KEY=VALUE")
    r.add_argument("--format", choices=FORMATS, default="text")
    r.add_argument("--trace", action="store_true", help="include the step-by-step trace")
    r.add_argument("--supply", help="PrefLib input: supply of every object, or a=2,b=1/2")
    _progress_arguments(r)
    r.set_defaults(func=cmd_run)

    c = sub.add_parser("convert", help="convert economies between JSON and PrefLib")
    c.add_argument("input")
    c.add_argument("output")
    c.add_argument("--supply", help="PrefLib input: supply of every object, or a=2,b=1/2")
    c.set_defaults(func=cmd_convert)

    from .properties import PROPERTIES
    ck = sub.add_parser("check", help="check properties of an allocation, with witnesses")
    ck.add_argument("economy")
    ck.add_argument("allocation", help="allocation file (run --format json output works)")
    ck.add_argument("--property", action="append", choices=list(PROPERTIES), default=[],
                    help="property to check (repeatable; default: all that apply)")
    ck.add_argument("--format", choices=("text", "json"), default="text")
    ck.add_argument("--supply", help="PrefLib input: supply of every object, or a=2,b=1/2")
    _progress_arguments(ck)
    ck.set_defaults(func=cmd_check)

    ce = sub.add_parser("certify", help="write a certificate for a mechanism outcome or a "
                        "property verdict",
                        usage="exactassign certify (MECHANISM ECONOMY | --property NAME ECONOMY "
                              "ALLOCATION) -o CERT.json")
    ce.add_argument("targets", nargs="+", metavar="ARG")
    ce.add_argument("--property", choices=list(PROPERTIES))
    ce.add_argument("--param", action="append", default=[], metavar="KEY=VALUE")
    ce.add_argument("-o", "--output", required=True, help="certificate file ('-' for stdout)")
    ce.add_argument("--supply", help="PrefLib input: supply of every object, or a=2,b=1/2")
    _progress_arguments(ce)
    ce.set_defaults(func=cmd_certify)

    de = sub.add_parser("decompose", help="decompose an assignment into sequential-"
                        "pseudomarket turns (Theorem 2): coarsest ordered partition with "
                        "per-turn prices, or a certificate that there is none",
                        description="Cardinal model: valuations for every agent, rows summing "
                        "to 1. Ex-ante PO input gives the single group; otherwise the coarsest "
                        "partition is searched for n <= --max-agents (at most 3^n LPs), and by "
                        "the weak-core construction beyond (weak core = SP outcomes). "
                        "--budgets equal asks for HZ equilibria with equal budgets per turn "
                        "(the sp mechanism) instead of free incomes.")
    de.add_argument("economy")
    de.add_argument("allocation")
    de.add_argument("--format", choices=("text", "json"), default="text")
    de.add_argument("-o", "--output", help="write the sp.decomposition / sp.not-outcome "
                    "certificate here")
    de.add_argument("--max-agents", type=int, default=6,
                    help="largest n for the coarsest-partition search (default 6, at most 8: "
                    "up to 3^n LPs, and the checker's limit for the tree certificate)")
    de.add_argument("--budgets", choices=("free", "equal"), default="free",
                    help="free incomes (default; the seed's SP outcomes) or equal budgets in "
                    "every turn (HZ equilibria, the sp mechanism's outcomes)")
    de.add_argument("--supply", help="PrefLib input: supply of every object, or a=2,b=1/2")
    _progress_arguments(de)
    de.set_defaults(func=cmd_decompose)

    ve = sub.add_parser("verify", help="re-verify certificates with the independent "
                        "standard-library checker (exit 0 valid, 1 invalid, 2 malformed)")
    ve.add_argument("certificates", nargs="+")
    ve.add_argument("--format", choices=("text", "json"), default="text")
    ve.set_defaults(func=cmd_verify)

    rp = sub.add_parser("reproduce", help="re-check the paper examples in proofs/")
    rp.add_argument("names", nargs="*")
    rp.add_argument("--all", action="store_true")
    rp.add_argument("--dir", help="directory of proof files (default: the bundled proofs/)")
    rp.add_argument("--quiet", action="store_true", help="do not print the allocations")
    rp.set_defaults(func=cmd_reproduce)

    from .search.cli import add_arguments as _search_arguments
    se = sub.add_parser("search", help="search economies for a counterexample to a property "
                        "of a mechanism, shrink and certify it",
                        usage="exactassign search PROPERTY --mechanism MECHANISM [--agents N] "
                              "[--objects M] [--budget ...] [options]")
    _search_arguments(se)
    se.set_defaults(func=cmd_search)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command in ("run", "check", "certify", "decompose"):
            what = {"run": lambda: args.mechanism,
                    "certify": lambda: args.property or args.targets[0]}.get(
                        args.command, lambda: None)()
            with Heartbeat(f"{args.command} {what}" if what else args.command, args.progress):
                return args.func(args)
        return args.func(args)
    except ExactAssignError as exc:
        sys.stderr.write(f"exactassign: error: {exc}\n")
        return exc.exit_code
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        sys.stderr.write("exactassign: interrupted\n")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
