"""PrefLib ordinal files: ``.soc``, ``.soi``, ``.toc``, ``.toi`` (Mattei and Walsh 2013).

Strict/tied orders over complete/incomplete sets of alternatives.  Alternatives become objects
(labelled by their ``ALTERNATIVE NAME`` when the names are unique and non-empty, else by their
numbers; supply 1 unless one is given), each order line ``k: 1,{2,3},4`` becomes ``k`` agents
labelled ``"1"``, ``"2"``, ... in file order.  Ties are kept as indifference tiers and omitted
alternatives are unacceptable: nothing is broken at random or dropped.  Both the current
(2022, ``# KEY: value`` header) and the legacy (counts first) layouts are read; the current one
is written.

>>> text = ("# DATA TYPE: toi\\n# NUMBER ALTERNATIVES: 3\\n# NUMBER VOTERS: 3\\n"
...         "# NUMBER UNIQUE ORDERS: 2\\n# ALTERNATIVE NAME 1: a\\n# ALTERNATIVE NAME 2: b\\n"
...         "# ALTERNATIVE NAME 3: c\\n2: {1,2},3\\n1: 3\\n")
>>> e = parse_preflib(text, ".toi")
>>> e.agents, e.preference_of("3")
(('1', '2', '3'), (frozenset({'c'}),))
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..errors import EconomyError, FormatError, LimitExceeded, NumberError
from ..numbers import ONE

__all__ = ["PREFLIB_EXTENSIONS", "parse_preflib", "dump_preflib"]

PREFLIB_EXTENSIONS = (".soc", ".soi", ".toc", ".toi")
MAX_SIZE = 200_000   # agents after expanding multiplicities, and alternatives
# Counts, multiplicities and alternative numbers: ASCII digits (str.isdigit() accepts '²',
# which int() refuses) and at most 18 of them (int() refuses more than 4300).
_DIGITS = re.compile(r"[0-9]{1,18}\Z")
_HEADER = re.compile(r"#\s*([A-Z][A-Z ]*[A-Z])\s*(?:([0-9]{1,18})\s*)?:\s?(.*)\Z")


def _parse_order(body: str, m: int, where: str) -> list[list[int]]:
    """``1,{2,3},4`` -> ``[[1], [2, 3], [4]]`` (validated alternative numbers)."""
    text = body.replace(" ", "").replace("\t", "")
    if not text:
        return []
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch == "{":
            if depth:
                raise FormatError(f"{where}: nested braces in {body.strip()!r}")
            depth = 1
        elif ch == "}":
            if not depth:
                raise FormatError(f"{where}: unbalanced braces in {body.strip()!r}")
            depth = 0
        elif ch == "," and not depth:
            parts.append(cur)
            cur = ""
            continue
        cur += ch
    if depth:
        raise FormatError(f"{where}: unbalanced braces in {body.strip()!r}")
    parts.append(cur)
    tiers: list[list[int]] = []
    for part in parts:
        inner = part[1:-1].split(",") if part.startswith("{") and part.endswith("}") else [part]
        tier = []
        for x in inner:
            if not _DIGITS.match(x) or not 1 <= int(x) <= m:
                raise FormatError(f"{where}: {x!r} is not an alternative number 1..{m}")
            tier.append(int(x))
        tiers.append(tier)
    return tiers


def _check_type(tiers: list[list[int]], dtype: str, m: int, where: str) -> None:
    flat = [x for t in tiers for x in t]
    if len(set(flat)) != len(flat):
        twice = next(x for k, x in enumerate(flat) if x in flat[:k])
        raise FormatError(f"{where}: alternative {twice} appears twice in one order")
    if dtype[0] == "s" and any(len(t) > 1 for t in tiers):
        raise FormatError(f"{where}: ties are not allowed in a {dtype} file (strict orders); "
                          f"use .toc/.toi")
    if dtype[2] == "c" and len(flat) != m:
        raise FormatError(f"{where}: order ranks {len(flat)} of {m} alternatives, but a {dtype} "
                          f"file has complete orders; use .soi/.toi")


def _supply_map(supply: Any, objects: list[str], where: str) -> dict[str, Any] | None:
    if supply is None:
        return None
    if isinstance(supply, Mapping):
        unknown = [o for o in supply if o not in objects]
        if unknown:
            raise FormatError(f"{where}: --supply names unknown object {unknown[0]!r}")
        return dict(supply)
    return {o: supply for o in objects}


def parse_preflib(text: str, ext: str, where: str = "preflib", supply: Any = None) -> Any:
    """Parse a PrefLib file of type ``ext`` (``.soc``, ``.soi``, ``.toc`` or ``.toi``)."""
    from ..economy import Economy

    dtype = ext.lower().lstrip(".")
    if "." + dtype not in PREFLIB_EXTENSIONS:
        raise FormatError(f"{where}: unknown PrefLib type {ext!r}")
    lines = text.splitlines()
    meta: dict[str, str] = {}
    names: dict[int, str] = {}
    name_lines: dict[int, int] = {}
    body: list[tuple[int, str]] = []
    legacy = bool(lines) and not lines[0].lstrip().startswith("#")
    m = 0
    if legacy:
        try:
            m = int(lines[0].strip())
            for k in range(1, m + 1):
                num, _, name = lines[k].partition(",")
                names[int(num)] = name.strip()
            counts = [int(x) for x in lines[m + 1].split(",")]
        except (ValueError, IndexError):
            raise FormatError(f"{where}: neither a PrefLib header ('# DATA TYPE: ...') nor a "
                              f"legacy count header") from None
        meta["NUMBER VOTERS"] = str(counts[0])
        meta["NUMBER UNIQUE ORDERS"] = str(counts[-1])
        body = [(k + 1, lines[k]) for k in range(m + 2, len(lines))]
    else:
        for k, line in enumerate(lines, 1):
            s = line.strip()
            if not s:
                continue
            if s.startswith("#"):
                h = _HEADER.match(s)
                if not h:
                    continue  # free comment
                key, num, value = h.group(1), h.group(2), h.group(3).strip()
                if key == "ALTERNATIVE NAME" and num:
                    if int(num) in names:
                        raise FormatError(f"{where}, line {k}: ALTERNATIVE NAME {num} given twice")
                    names[int(num)] = value
                    name_lines[int(num)] = k
                elif not num:
                    meta[key] = value
            else:
                body.append((k, line))
        if "NUMBER ALTERNATIVES" not in meta:
            raise FormatError(f"{where}: missing header '# NUMBER ALTERNATIVES: m'")
        try:
            m = int(meta["NUMBER ALTERNATIVES"])
        except ValueError:
            raise FormatError(f"{where}: NUMBER ALTERNATIVES is not a number") from None
        declared = meta.get("DATA TYPE", dtype).strip().lower()
        if declared != dtype:
            raise FormatError(f"{where}: header says DATA TYPE {declared!r} but the file is "
                              f".{dtype}")
    if m < 1:
        raise FormatError(f"{where}: there must be at least one alternative")
    if m > MAX_SIZE:
        raise LimitExceeded(f"{where}: {m} alternatives exceed the PrefLib reader's limit of "
                            f"{MAX_SIZE}")
    beyond = [k for k in names if not 1 <= k <= m]
    if beyond:
        line = f", line {name_lines[beyond[0]]}" if beyond[0] in name_lines else ""
        raise FormatError(f"{where}{line}: ALTERNATIVE NAME {beyond[0]} but NUMBER ALTERNATIVES "
                          f"is {m}")
    labels = [names.get(k, "") for k in range(1, m + 1)]
    if any(not x or "\n" in x for x in labels) or len(set(labels)) != m:
        labels = [str(k) for k in range(1, m + 1)]

    agents: list[str] = []
    prefs: dict[str, list] = {}
    for lineno, line in body:
        s = line.strip()
        if not s:
            continue
        w = f"{where}, line {lineno}"
        if legacy:
            mult_s, sep, order = s.partition(",")
        else:
            mult_s, sep, order = s.partition(":")
        if not sep or not _DIGITS.match(mult_s.strip()):
            raise FormatError(f"{w}: expected 'multiplicity: order', got {s[:60]!r}")
        mult = int(mult_s)
        if mult < 1:
            raise FormatError(f"{w}: multiplicity must be at least 1")
        tiers = _parse_order(order, m, w)
        _check_type(tiers, dtype, m, w)
        entry = [labels[t[0] - 1] if len(t) == 1 else [labels[x - 1] for x in t] for t in tiers]
        if len(agents) + mult > MAX_SIZE:
            raise LimitExceeded(f"{w}: the multiplicities expand to more than {MAX_SIZE} "
                                f"agents, the PrefLib reader's limit")
        for _ in range(mult):
            a = str(len(agents) + 1)
            agents.append(a)
            prefs[a] = entry
    if not agents:
        raise FormatError(f"{where}: no preference orders")
    for key, got in (("NUMBER VOTERS", len(agents)), ("NUMBER UNIQUE ORDERS",
                                                      sum(1 for _, x in body if x.strip()))):
        if key in meta:
            try:
                declared_n = int(meta[key])
            except ValueError:
                raise FormatError(f"{where}: {key} is not a number") from None
            if declared_n != got:
                raise FormatError(f"{where}: header says {key} {declared_n} but the file has "
                                  f"{got}")
    try:
        sup = _supply_map(supply, labels, where)
        return Economy.create(agents, labels, preferences=prefs, supply=sup,
                              name=meta.get("TITLE") or None,
                              source=f"PrefLib file {meta.get('FILE NAME') or where}")
    except (EconomyError, NumberError) as exc:
        raise type(exc)(f"{where}: {exc}") from None


def dump_preflib(economy: Any, ext: str, where: str = "preflib") -> tuple[str, list[str]]:
    """Write an economy as a PrefLib file of type ``ext``.

    Refuses (with :class:`FormatError`) what PrefLib cannot express: supplies other than 1,
    endowments, valuations, and orders outside the file type (ties in ``.so*``, incomplete
    orders in ``.*oc``).  Returns the text and notes (agent labels are not kept: identical
    orders are grouped, in order of first appearance, and read back as agents ``1..n``).
    """
    dtype = ext.lower().lstrip(".")
    if any(s != ONE for s in economy.supply):
        k = next(k for k, s in enumerate(economy.supply) if s != ONE)
        raise FormatError(f"{where}: PrefLib has no supplies; object {economy.objects[k]!r} "
                          f"has supply {economy.supply[k]} (keep the economy as JSON)")
    if economy.endowments is not None:
        raise FormatError(f"{where}: PrefLib cannot hold endowments (keep the economy as JSON)")
    if economy.valuations is not None:
        raise FormatError(f"{where}: PrefLib cannot hold valuations (keep the economy as JSON)")
    for o in economy.objects:
        if o.splitlines() != [o] or o != o.strip():
            raise FormatError(f"{where}: object label {o!r} cannot be an ALTERNATIVE NAME "
                              f"(it contains a line break or leading/trailing white space)")
    num = {o: k + 1 for k, o in enumerate(economy.objects)}
    groups: dict[tuple, int] = {}
    for a, order in zip(economy.agents, economy.preferences):
        tiers = tuple(tuple(sorted(num[o] for o in t)) for t in order)
        _check_type([list(t) for t in tiers], dtype, economy.m, f"{where}: agent {a!r}")
        groups[tiers] = groups.get(tiers, 0) + 1
    title = " ".join((economy.name or "").splitlines()).strip()  # one header line
    head = [f"# FILE NAME: {where.rsplit('/', 1)[-1]}",
            f"# TITLE: {title}",
            "# DESCRIPTION: written by exactassign",
            f"# DATA TYPE: {dtype}",
            "# MODIFICATION TYPE: original",
            f"# NUMBER ALTERNATIVES: {economy.m}",
            f"# NUMBER VOTERS: {economy.n}",
            f"# NUMBER UNIQUE ORDERS: {len(groups)}"]
    head += [f"# ALTERNATIVE NAME {k + 1}: {o}" for k, o in enumerate(economy.objects)]
    rows = [f"{c}: " + ",".join(str(t[0]) if len(t) == 1 else "{" + ",".join(map(str, t)) + "}"
                                for t in tiers) for tiers, c in groups.items()]
    notes = []
    if list(economy.agents) != [str(k) for k in range(1, economy.n + 1)] or \
            len(groups) != _runs(economy):
        notes.append("PrefLib files keep no agent labels: agents read back as 1..n, grouped "
                      "by identical orders in order of first appearance")
    return "\n".join(head + rows) + "\n", notes


def _runs(economy: Any) -> int:
    """Number of maximal runs of consecutive agents with identical orders."""
    runs, prev = 0, object()
    for order in economy.preferences:
        if order != prev:
            runs += 1
            prev = order
    return runs
