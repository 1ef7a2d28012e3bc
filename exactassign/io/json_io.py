"""JSON economy and allocation files (formats.md), canonical and byte-stable on output.

Numbers are parsed exactly (``0.1`` is 1/10; binary floats are never involved) and written
canonically (``"1/3"``).  Output is deterministic: keys in a fixed order, agents and objects in
the economy's order, one line per agent, zeros omitted.

>>> from exactassign.economy import Economy
>>> e = parse_economy('{"agents": ["1"], "objects": ["a"], "preferences": {"1": ["a"]}, '
...                   '"supply": {"a": 0.5}}')
>>> e.supply_of("a")
1/2
>>> parse_economy(dump_economy(e)) == e
True
"""
from __future__ import annotations

import json
import re
from typing import Any

from .. import preferences as prefs
from ..allocation import Allocation
from ..errors import FormatError, NumberError
from ..numbers import ExactDecimal, canonical, json_loads

__all__ = ["parse_economy", "dump_economy", "economy_to_json", "economy_from_json",
           "parse_allocation", "load_allocation", "dump_allocation", "parse_json",
           "dumps_canonical"]

ECONOMY_FORMAT = "exactassign.economy"
ALLOCATION_FORMAT = "exactassign.allocation"
_ECONOMY_KEYS = ("format", "version", "name", "source", "agents", "objects", "supply",
                 "endowments", "preferences", "valuations")


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _reject_lone_surrogates(data: Any, where: str) -> None:
    """JSON escapes may encode lone UTF-16 surrogates (``"\\ud800"``): strings that no file or
    terminal can take.  Refuse them here rather than fail when printing."""
    stack = [data]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                raise FormatError(f"{where}: string {v!r} contains a lone surrogate "
                                  f"(not valid Unicode text)") from None
        elif isinstance(v, dict):
            stack.extend(v)
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)


def parse_json(text: str, where: str) -> Any:
    """Parse JSON exactly; a syntax error names the file, line and column."""
    try:
        data = json_loads(text)
    except json.JSONDecodeError as exc:
        raise FormatError(f"{where}: not valid JSON ({exc.msg} at line {exc.lineno}, column "
                          f"{exc.colno})") from None
    except (NumberError, FormatError) as exc:
        raise FormatError(f"{where}: {exc}") from None
    except RecursionError:
        raise FormatError(f"{where}: JSON nested too deeply") from None
    if _SURROGATE_ESCAPE.search(text):  # only then can a lone surrogate hide in the data
        _reject_lone_surrogates(data, where)
    return data


def _check_header(data: Any, expected: str, where: str, allowed: tuple[str, ...]) -> None:
    if not isinstance(data, dict):
        raise FormatError(f"{where}: expected a JSON object at the top level")
    fmt = data.get("format", expected)
    if fmt != expected:
        raise FormatError(f"{where}: 'format' is {fmt!r}, expected {expected!r}")
    version = data.get("version", 1)
    if version != 1 or isinstance(version, bool):
        raise FormatError(f"{where}: unsupported 'version' {version!r} (this reader knows 1)")
    unknown = [k for k in data if k not in allowed]
    if unknown:
        raise FormatError(f"{where}: unknown field {unknown[0]!r} (allowed: "
                          f"{', '.join(allowed)})")


def economy_from_json(data: Any, where: str = "economy") -> Any:
    """Build an :class:`~exactassign.economy.Economy` from parsed JSON (a dict)."""
    from ..economy import Economy
    from ..errors import EconomyError

    _check_header(data, ECONOMY_FORMAT, where, _ECONOMY_KEYS)
    for key in ("agents", "objects"):
        if key not in data:
            raise FormatError(f"{where}: missing required field {key!r}")
    for key in ("name", "source"):
        if key in data and (not isinstance(data[key], str)
                            or isinstance(data[key], ExactDecimal)):
            raise FormatError(f"{where}: field {key!r} must be a string")
    if "preferences" not in data and "valuations" not in data:
        raise FormatError(f"{where}: give 'preferences' or 'valuations'")
    try:
        return Economy.create(data["agents"], data["objects"],
                              preferences=data.get("preferences"), supply=data.get("supply"),
                              endowments=data.get("endowments"),
                              valuations=data.get("valuations"), name=data.get("name"),
                              source=data.get("source"))
    except EconomyError as exc:
        raise type(exc)(f"{where}: {exc}") from None


def parse_economy(text: str, where: str = "economy") -> Any:
    """Parse economy JSON text."""
    return economy_from_json(parse_json(text, where), where)


def economy_to_json(economy: Any) -> dict:
    """The canonical JSON object of an economy (supply always written explicitly)."""
    out: dict[str, Any] = {"format": ECONOMY_FORMAT, "version": 1}
    if economy.name is not None:
        out["name"] = economy.name
    if economy.source is not None:
        out["source"] = economy.source
    out["agents"] = list(economy.agents)
    out["objects"] = list(economy.objects)
    out["supply"] = {o: canonical(s) for o, s in zip(economy.objects, economy.supply)}
    if economy.endowments is not None:
        out["endowments"] = {a: {o: canonical(x) for o, x in zip(economy.objects, row) if x}
                             for a, row in zip(economy.agents, economy.endowments)}
    out["preferences"] = {a: prefs.to_json(order, economy.object_index)
                          for a, order in zip(economy.agents, economy.preferences)}
    if economy.valuations is not None:
        out["valuations"] = {a: {o: canonical(v) for o, v in zip(economy.objects, row)}
                             for a, row in zip(economy.agents, economy.valuations)
                             if row is not None}
    return out


def dumps_canonical(data: Any) -> str:
    """Deterministic JSON text: top-level keys one per line, the entries of top-level objects
    (and of top-level lists of objects) one per line, everything deeper compact.  Ends with a
    newline."""
    def compact(v: Any) -> str:
        return json.dumps(v, ensure_ascii=False, separators=(", ", ": "))

    if not isinstance(data, dict):
        return compact(data) + "\n"
    lines = []
    for key, value in data.items():
        if isinstance(value, dict) and value:
            inner = ",\n".join(f"    {compact(k)}: {compact(v)}" for k, v in value.items())
            lines.append(f"  {compact(key)}: {{\n{inner}\n  }}")
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            inner = ",\n".join(f"    {compact(v)}" for v in value)
            lines.append(f"  {compact(key)}: [\n{inner}\n  ]")
        else:
            lines.append(f"  {compact(key)}: {compact(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def dump_economy(economy: Any) -> str:
    """Canonical economy JSON text."""
    return dumps_canonical(economy_to_json(economy))


def parse_allocation(text: str, economy: Any, where: str = "allocation") -> Allocation:
    """Parse an allocation file (or any JSON with an ``allocation`` key, e.g. ``run`` output)."""
    data = parse_json(text, where)
    if not isinstance(data, dict) or "allocation" not in data:
        raise FormatError(f"{where}: expected a JSON object with an 'allocation' field")
    fmt = data.get("format", ALLOCATION_FORMAT)
    if fmt != ALLOCATION_FORMAT:
        raise FormatError(f"{where}: 'format' is {fmt!r}, expected {ALLOCATION_FORMAT!r}")
    version = data.get("version", 1)
    if version != 1 or isinstance(version, bool):
        raise FormatError(f"{where}: unsupported 'version' {version!r} (this reader knows 1)")
    return Allocation.from_mapping(economy, data["allocation"], where)


def load_allocation(path: str, economy: Any) -> Allocation:
    """Read an allocation file against an economy."""
    from . import read_text
    return parse_allocation(read_text(path), economy, str(path))


def dump_allocation(allocation: Allocation) -> str:
    """Canonical allocation file text."""
    return dumps_canonical({"format": ALLOCATION_FORMAT, "version": 1,
                            "allocation": allocation.to_mapping()})

