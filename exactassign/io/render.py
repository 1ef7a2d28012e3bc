"""Rendering allocations and traces as text, Markdown, LaTeX or JSON (pure functions).

Every number is printed exactly: canonical ``p/q`` in text and Markdown, ``\\frac{p}{q}`` in
LaTeX; an irrational amount or price (``hz``/``sp``) as a radical when it is quadratic, else as
"root of <polynomial> in [lo, hi]", followed by an informative approximation; a row's total is
exact too (summed symbolically for radicals).  Trace tables come from each step's ``to_json()``
through a per-mechanism column layout
(:data:`TRACE_COLUMNS`), so a new mechanism only declares its columns.

>>> from exactassign.numbers import Q
>>> latex_number(Q(-3, 4)), latex_number(Q(2))
('-\\\\frac{3}{4}', '2')
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..numbers import ZERO, canonical, from_sympy, parse_real, to_sympy
from .json_io import dumps_canonical

__all__ = ["render_result", "render_allocation", "latex_number", "TRACE_COLUMNS", "table"]


def latex_number(x: Any) -> str:
    """An exact rational in LaTeX."""
    s = canonical(x)
    if "/" not in s:
        return s
    num, den = s.split("/")
    sign = "-" if num.startswith("-") else ""
    return f"{sign}\\frac{{{num.lstrip('-')}}}{{{den}}}"


def _latex_text(s: str) -> str:
    for a, b in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("$", r"\$"),
                 ("#", r"\#"), ("_", r"\_"), ("{", r"\{"), ("}", r"\}")):
        s = s.replace(a, b)
    return s


def _numeric(s: str) -> bool:
    return bool(s) and all(c in "0123456789-/" for c in s) and any(c.isdigit() for c in s)


class _Math(str):
    """A cell already written as LaTeX math (an irrational number)."""


def _latex_cell(s: str) -> str:
    """Cells of exact numbers become math; everything else is escaped text."""
    if isinstance(s, _Math):
        return s
    if _numeric(s):
        num = s.split("/")
        if len(num) == 2:
            sign = "-" if num[0].startswith("-") else ""
            return f"${sign}\\frac{{{num[0].lstrip('-')}}}{{{num[1]}}}$"
        return f"${s}$"
    return _latex_text(s)


def table(header: Sequence[str], rows: Sequence[Sequence[str]], fmt: str,
          caption: str | None = None) -> str:
    """A table in ``text`` (aligned columns), ``markdown`` or ``latex``."""
    if fmt == "markdown":
        def cells(r: Sequence[str]) -> str:
            return "| " + " | ".join(str(c).replace("|", "\\|") for c in r) + " |"
        lines = [cells(header), "|" + "|".join("---" for _ in header) + "|"]
        lines += [cells(r) for r in rows]
        return ("**" + caption + "**\n\n" if caption else "") + "\n".join(lines) + "\n"
    if fmt == "latex":
        spec = "l" + "r" * (len(header) - 1)
        body = [" & ".join(_latex_text(h) for h in header) + r" \\", r"\hline"]
        body += [" & ".join([_latex_text(r[0]), *(_latex_cell(c) for c in r[1:])]) + r" \\"
                 for r in rows]
        out = [r"\begin{table}[ht]", r"\centering", rf"\begin{{tabular}}{{{spec}}}", r"\hline"]
        out += body + [r"\hline", r"\end{tabular}"]
        if caption:
            out.append(rf"\caption{{{_latex_text(caption)}}}")
        out.append(r"\end{table}")
        return "\n".join(out) + "\n"
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    def line(r: Sequence[str]) -> str:
        return "  ".join(str(c).rjust(w) if k and _numeric(str(c)) else str(c).ljust(w)
                         for k, (c, w) in enumerate(zip(r, widths))).rstrip()
    out = ([caption] if caption else []) + [line(header), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in rows]
    return "\n".join(out) + "\n"


def _cell(x: Any, fmt: str) -> str:
    """An exact real as a table cell (rationals canonical; irrationals readable)."""
    if isinstance(x, str) or not hasattr(x, "readable"):
        return canonical(x)
    return _Math(f"${x.latex()}$") if fmt == "latex" else x.readable()


def _real_text(x: Any) -> str:
    """A number of a step's JSON (canonical string or formats.md algebraic object) as text."""
    return x if isinstance(x, str) else parse_real(x, "trace number").readable()


def _total(row: Sequence[Any], fmt: str) -> str:
    """A row's exact sum.  With irrational amounts it is summed symbolically when every one
    is quadratic (radicals: an hz row of Q(sqrt 2) amounts sums to 1), else shown as "-".

    >>> from exactassign.algebraic import RealAlgebraic
    >>> from exactassign.numbers import Q
    >>> r = RealAlgebraic((-1, 0, 8), Q(0), Q(1))           # sqrt(2)/4
    >>> s = RealAlgebraic((7, -16, 8), Q(0), Q(1))          # 1 - sqrt(2)/4
    >>> _total([r, s, Q(0)], "text"), _total([r, Q(1, 2)], "text"), _total([Q(1, 3)], "text")
    ('1', 'sqrt(2)/4 + 1/2', '1/3')
    """
    irrational = [x for x in row if hasattr(x, "readable")]
    if not irrational:
        return canonical(sum(row, ZERO))
    forms = [x.closed_form() for x in irrational]
    if any(f is None for f in forms):
        return "-"
    import sympy
    rest = sum((x for x in row if not hasattr(x, "readable")), ZERO)
    total = sympy.radsimp(sum(forms, to_sympy(rest)))
    if total.is_Rational:
        return canonical(from_sympy(total))
    return _Math(f"${sympy.latex(total)}$") if fmt == "latex" else str(total)


def render_allocation(allocation: Any, fmt: str, caption: str | None = None) -> str:
    """Agent × object table of exact amounts with each agent's total (summed symbolically for
    quadratic irrationals, "-" for a row with irrationals of higher degree)."""
    header = ["agent", *allocation.objects, "total"]
    rows = [[a, *(_cell(x, fmt) for x in r), _total(r, fmt)]
            for a, r in zip(allocation.agents, allocation.rows)]
    return table(header, rows, fmt, caption)


def _eating(step: dict) -> str:
    by_obj: dict[str, list[str]] = {}
    for a, o in step["eating"].items():
        by_obj.setdefault(o, []).append(a)
    return "; ".join(f"{o}: {','.join(a)}" for o, a in by_obj.items()) or "-"


def _join(xs: Sequence[str]) -> str:
    return ",".join(xs) or "-"


def _amounts(d: dict) -> str:
    return ", ".join(f"{k}: {v}" for k, v in d.items()) or "-"


def _promised(step: dict) -> str:
    return "; ".join(f"{{{','.join(p['tier'])}}}: {p['amount']}"
                     for p in step.get("promised", step.get("expected", []))) or "-"


def _egal_sets(s: dict) -> str:
    if s["step"] == "decomposition":
        return " | ".join(f"{k}: {_join(v['agents'])} / {_join(v['objects'])}"
                          for k, v in s.items() if isinstance(v, dict))
    if s["step"] == "fill":
        return _join(s["agents"]) + (f" (first tiers: {_join(s['first_tier_agents'])})"
                                     if s["first_tier_agents"] else "")
    return _join(s["agents"])


def _egal_value(s: dict) -> str:
    if s["step"] == "decomposition":
        return f"max flow {s['max_flow']}"
    if s["step"] == "bottleneck":
        return f"ratio {s['ratio']}" + (" (capped: 1)" if s["capped"] else "")
    return f"level {s['level']}" if s["level"] is not None else "realise first tiers"


TRACE_COLUMNS: dict[str, list[tuple[str, Callable[[dict], str]]]] = {
    "ps": [("start", lambda s: s["start"]), ("end", lambda s: s["end"]),
           ("eating (object: agents)", _eating), ("exhausted", lambda s: _join(s["exhausted"])),
           ("full", lambda s: _join(s["satiated"])), ("stopped", lambda s: _join(s["stopped"]))],
    "eps": [("start", lambda s: s["start"]), ("level", lambda s: s["level"]),
            ("bottleneck agents", lambda s: _join(s["bottleneck_agents"])),
            ("bottleneck objects", lambda s: _join(s["bottleneck_objects"])),
            ("supply", lambda s: s["bottleneck_supply"]),
            ("ratio", lambda s: s["ratio"] + (" (capped)" if s["capped"] else "")),
            ("full", lambda s: _join(s["satiated"])), ("stopped", lambda s: _join(s["stopped"]))],
    "egalitarian": [("step", lambda s: s["step"]), ("agents (sets)", _egal_sets),
                    ("objects", lambda s: "-" if s["step"] == "decomposition"
                     else _join(s["objects"])),
                    ("value", _egal_value)],
    "sd": [("position", lambda s: str(s["position"])), ("agent", lambda s: s["agent"]),
           ("promised (tier: amount)", _promised), ("received", lambda s: _amounts(s["received"]))],
    "rsd": [("agent / order", lambda s: s["agent"] if "agent" in s else ",".join(s["order"])),
            ("expected (tier: amount) / count",
             lambda s: _promised(s) if "agent" in s else str(s["count"]))],
}


# -- btm / ps-ext / ttc step tables (steps' to_json() of exactassign.mechanisms.btm, .ttc) --
def _btm_labels(step: dict) -> str:
    return "; ".join(f"r{r['round']} " + " ".join(f"{e['agent']}:{','.join(e['objects'])}"
                                                   for e in r["labels"])
                     for r in step["labeling"]) or "-"


def _btm_points(step: dict) -> str:
    suppliers = {s["id"]: ",".join(s["shares"]) for s in step["sources"]}
    def one(p: dict) -> str:
        objs = [o + (f"({suppliers[s]})" if s.startswith("L:") else "")
                for o, s in zip(p["objects"], p["sources"])]
        return f"{p['agent']}:{'+'.join(objs)}"
    return "; ".join(f"r{r['round']} " + " ".join(one(p) for p in r["points"])
                     for r in step["pointing"]) or "-"


def _amount_map(rows: dict) -> str:
    return ", ".join(f"{a}: " + " + ".join(f"{x} {o}" for o, x in row.items())
                     for a, row in rows.items()) or "-"


def _btm_binding(step: dict) -> str:
    return "; ".join(" ".join(f"{b['agent']}@{b['source']}" for b in c["binding"])
                     for c in step["classes"]) or "-"


def _btm_exhausted(step: dict) -> str:
    out = list(step["exhausted"])
    out += [f"{e['agent']}'s {e['object']}" for e in step["exhausted_labeled"]]
    return ", ".join(out) or "-"


def _psext_eating(step: dict) -> str:
    by_obj: dict[str, list[str]] = {}
    for a, row in step["eating"].items():
        for o, r in row.items():
            by_obj.setdefault(o, []).append(f"{a}@{r}")
    return "; ".join(f"{o}: {','.join(a)}" for o, a in by_obj.items()) or "-"


def _pm_map(d: dict) -> str:
    return ", ".join(f"{k}: {_real_text(v)}" for k, v in d.items()) or "-"


_PM_COLUMNS = [("group", lambda s: _join(s["group"])), ("supply", lambda s: _pm_map(s["supply"])),
               ("prices", lambda s: _pm_map(s["prices"]))]

TRACE_COLUMNS.update({
    "hz": _PM_COLUMNS, "sp": _PM_COLUMNS,
    "btm": [("labels", _btm_labels), ("pointing", _btm_points),
            ("y", lambda s: " ".join(f"{a}:{v}" for a, v in s["y"].items()) or "-"),
            ("binding", _btm_binding), ("received", lambda s: _amount_map(s["received"])),
            ("gave labeled", lambda s: _amount_map(s["supplied_labeled"])),
            ("exhausted", _btm_exhausted)],
    "ps-ext": [("start", lambda s: s["start"]), ("end", lambda s: s["end"]),
               ("labels", lambda s: " ".join(f"{a}:{','.join(o)}"
                                             for a, o in s["labels"].items()) or "-"),
               ("eating (object: agent@rate)", _psext_eating),
               ("exhausted", lambda s: _btm_exhausted(s))],
    "ttc": [("points", lambda s: " ".join(f"{a}:{o}" for a, o in s["points"].items())),
            ("cycles", lambda s: " ".join("(" + " ".join(c) + ")" for c in s["cycles"])),
            ("assigned", lambda s: " ".join(f"{a}:{o}" for a, o in s["assigned"].items()))],
})


def render_trace(result: Any, fmt: str) -> str:
    """The result's trace as a step table."""
    cols = TRACE_COLUMNS.get(result.mechanism)
    steps = result.trace_json()
    if cols is None:
        return "\n".join(dumps_canonical(s) for s in steps)
    rows = [[str(k + 1), *(f(s) for _, f in cols)] for k, s in enumerate(steps)]
    return table(["phase", *(h for h, _ in cols)], rows, fmt, caption="Trace")


def result_json(result: Any, economy: Any, with_trace: bool) -> dict:
    """The JSON document of ``run --format json`` (itself a valid allocation file)."""
    out: dict[str, Any] = {"format": "exactassign.allocation", "version": 1,
                           "mechanism": result.mechanism, "params": dict(result.params)}
    if economy.name:
        out["economy"] = economy.name
    out["allocation"] = result.allocation.to_mapping()
    if result.info:
        out["info"] = dict(result.info)
    if with_trace:
        out["trace"] = result.trace_json()
    return out


def render_result(result: Any, economy: Any, fmt: str, with_trace: bool = False) -> str:
    """Render a mechanism result in ``text``, ``markdown``, ``latex`` or ``json``."""
    if fmt == "json":
        return dumps_canonical(result_json(result, economy, with_trace))
    params = ", ".join(f"{k}={v}" for k, v in result.params.items())
    title = f"{result.mechanism}" + (f" ({params})" if params else "") + \
        (f" on {economy.name}" if economy.name else "")
    parts = []
    if fmt == "markdown":
        parts.append(f"### {title}\n")
    elif fmt == "text":
        parts.append(title + "\n")
    else:
        parts.append(f"% {title}\n")
    parts.append(render_allocation(result.allocation, fmt,
                                   caption="Allocation" if fmt != "text" else None))
    if with_trace:
        parts.append(render_trace(result, fmt))
    return "\n".join(parts)
