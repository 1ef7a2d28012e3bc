"""Reading and writing economies, allocations and results (formats.md).

:func:`load_economy` dispatches on the file extension: ``.json`` is the exactassign economy
format, ``.soc``/``.soi``/``.toc``/``.toi`` are PrefLib files.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import FormatError
from .json_io import (dump_allocation, dump_economy, economy_from_json, economy_to_json,
                      load_allocation, parse_allocation, parse_economy)
from .preflib import PREFLIB_EXTENSIONS, dump_preflib, parse_preflib

__all__ = ["load_economy", "save_economy", "load_allocation", "dump_economy", "dump_allocation",
           "parse_economy", "parse_allocation", "economy_to_json", "economy_from_json",
           "dump_preflib", "parse_preflib", "read_text"]


def read_text(path: str | Path) -> str:
    """Read a UTF-8 text file; errors name the file."""
    p = Path(path)
    try:
        return p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FormatError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise FormatError(f"{p}: is a directory, not a file") from None
    except UnicodeDecodeError as exc:
        raise FormatError(f"{p}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise FormatError(f"{p}: cannot read ({exc.strerror})") from None


def load_economy(path: str | Path, supply: Any = None) -> Any:
    """Load an economy from a ``.json`` economy file or a PrefLib file.

    ``supply`` (PrefLib only) is an exact number for every object or a mapping
    ``{object: amount}``; JSON economies carry their own supply.
    """
    p = Path(path)
    ext = p.suffix.lower()
    text = read_text(p)
    if ext in PREFLIB_EXTENSIONS:
        return parse_preflib(text, ext, str(p), supply=supply)
    if supply is not None:
        raise FormatError(f"{p}: --supply applies to PrefLib files only; a JSON economy "
                          f"states its own 'supply'")
    if ext != ".json":
        raise FormatError(f"{p}: unknown economy file type {ext or '(none)'!r}; use .json, "
                          f".soc, .soi, .toc or .toi")
    return parse_economy(text, str(p))


def save_economy(economy: Any, path: str | Path) -> list[str]:
    """Write an economy as JSON or PrefLib (by extension); returns notes on what the target
    format cannot keep (PrefLib has no agent labels)."""
    p = Path(path)
    ext = p.suffix.lower()
    if ext in PREFLIB_EXTENSIONS:
        text, notes = dump_preflib(economy, ext, str(p))
    elif ext == ".json":
        text, notes = dump_economy(economy), []
    else:
        raise FormatError(f"{p}: unknown economy file type {ext or '(none)'!r}; use .json, "
                          f".soc, .soi, .toc or .toi")
    try:
        p.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise FormatError(f"{p}: cannot write ({exc.strerror})") from None
    return notes
