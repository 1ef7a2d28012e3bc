"""Exact scalars: the one place that converts between number types.

Every exact number in exactassign is a python-flint ``fmpq`` inside the package.  This module
parses the textual forms of ``shared/spec/formats.md`` (integers, ``"p/q"``, decimal literals
taken exactly as written), prints the canonical form (what ``str(Fraction)`` gives) and is the
only module that converts between ``fmpq``, ``fractions.Fraction``, ``int`` and ``str``.

Beware (architecture.md, principle 3): ``fmpq(1, 3) == Fraction(1, 3)`` is ``False`` in
python-flint 0.9 although the hashes agree, so values of the two types must never meet in one
comparison or one dictionary.  Convert at the boundary with :func:`to_fraction` /
:func:`from_fraction`.

>>> parse("1/3") + parse("0.1")
13/30
>>> canonical(parse("-4/6")), canonical(parse(3)), canonical(parse("2.50"))
('-2/3', '3', '5/2')
"""
from __future__ import annotations

import json
import re
from fractions import Fraction
from typing import Any

from flint import fmpq, fmpz

from .errors import FormatError, NumberError

__all__ = [
    "Q", "ZERO", "ONE", "parse", "canonical", "to_fraction", "from_fraction", "as_exact",
    "ExactDecimal", "json_loads", "is_number_like",
    "to_float", "from_float_hint", "to_sympy", "from_sympy", "parse_real", "real_json",
    "is_algebraic_json",
]

Q = fmpq
ZERO = fmpq(0)
ONE = fmpq(1)

_INT = re.compile(r"[+-]?[0-9]+\Z")
_FRAC = re.compile(r"([+-]?[0-9]+)\s*/\s*([0-9]+)\Z")
_DEC = re.compile(r"([+-]?)([0-9]*)\.?([0-9]*)(?:[eE]([+-]?[0-9]+))?\Z")
MAX_DECIMAL_SCALE = 10_000  # |decimal places| of a decimal literal (1e-10000 .. 1e10000)


class ExactDecimal(str):
    """The text of a JSON number with a fraction or exponent, kept as written.

    ``json.loads(..., parse_float=ExactDecimal)`` gives these instead of binary floats, so that
    ``0.1`` means exactly 1/10.
    """


def _reject_constant(name: str) -> Any:
    raise NumberError(f"{name} is not an exact number")


def _integer(digits: str) -> fmpz:
    """An optionally signed ASCII digit string as an exact integer, of any length (``int()``
    refuses more than ``sys.get_int_max_str_digits()`` digits; python-flint does not)."""
    return fmpz(digits.lstrip("+"))


def _json_int(text: str) -> int | fmpz:
    try:
        return int(text)
    except ValueError:  # beyond the int-from-string digit limit
        return _integer(text)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are distinct (``json`` would keep the last of a repeated key
    and drop the others without a word)."""
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for k, _ in pairs:
            if k in seen:
                raise FormatError(f"duplicate key {k!r} in a JSON object")
            seen.add(k)
    return out


def json_loads(text: str) -> Any:
    """Parse JSON text with every non-integer number kept as its literal text; a key repeated
    within one object is an error (:class:`~exactassign.errors.FormatError`).

    >>> json_loads('{"x": 0.1}')["x"]
    '0.1'
    >>> json_loads('{"x": 1, "x": 2}')
    Traceback (most recent call last):
    ...
    exactassign.errors.FormatError: duplicate key 'x' in a JSON object
    """
    return json.loads(text, parse_float=ExactDecimal, parse_int=_json_int,
                      parse_constant=_reject_constant, object_pairs_hook=_unique_keys)


def _parse_decimal(text: str, where: str) -> fmpq:
    m = _DEC.match(text)
    if not m or not (m.group(2) or m.group(3)):
        raise NumberError(f"{where}: {text!r} is not an exact number (use an integer, 'p/q' "
                          f"or a decimal literal)")
    sign, whole, frac, exp = m.groups()
    digits = _integer((whole or "0") + (frac or ""))
    scale = len(frac or "") - int(_integer(exp or "0"))
    if abs(scale) > MAX_DECIMAL_SCALE:
        raise NumberError(f"{where}: exponent of {text!r} is out of range (at most "
                          f"{MAX_DECIMAL_SCALE} decimal places either way)")
    value = fmpq(digits) / fmpq(10) ** scale if scale >= 0 else fmpq(digits * 10 ** (-scale))
    return -value if sign == "-" else value


def parse(value: Any, where: str = "number") -> fmpq:
    """Parse an exact number from JSON or command-line text; ``where`` names it in errors.

    Accepts ``int`` (not ``bool``), ``fmpq``, ``fmpz``, ``Fraction``, strings ``"p/q"``,
    integer strings and decimal literals.  Floats, NaN, infinities, ``"1/0"`` are errors.

    >>> parse("6/4"), parse(" 2 "), parse("1e-2")
    (3/2, 2, 1/100)
    >>> parse(0.5)
    Traceback (most recent call last):
    ...
    exactassign.errors.NumberError: number: 0.5 is a binary float; write it as 'p/q' or as text
    """
    if isinstance(value, bool):
        raise NumberError(f"{where}: {value!r} is a boolean, not a number")
    if isinstance(value, fmpq):
        return value
    if isinstance(value, (int, fmpz)):
        return fmpq(value)
    if isinstance(value, Fraction):
        return fmpq(value.numerator, value.denominator)
    if isinstance(value, float):
        raise NumberError(f"{where}: {value!r} is a binary float; write it as 'p/q' or as text")
    if isinstance(value, str):
        text = value.strip()
        if _INT.match(text):
            return fmpq(_integer(text))
        m = _FRAC.match(text)
        if m:
            den = _integer(m.group(2))
            if den == 0:
                raise NumberError(f"{where}: {value!r} divides by zero")
            return fmpq(_integer(m.group(1)), den)
        return _parse_decimal(text, where)
    raise NumberError(f"{where}: expected an exact number, got {type(value).__name__} {value!r}")


def is_algebraic_json(value: Any) -> bool:
    """True for formats.md's irrational-number object ``{"algebraic": {...}, "approx": ...}``."""
    return isinstance(value, dict) and "algebraic" in value


def parse_real(value: Any, where: str = "number") -> Any:
    """An exact real number: what :func:`parse` accepts (an ``fmpq``), or formats.md's
    ``{"algebraic": {"poly": [...], "interval": [lo, hi]}, "approx": "..."}`` object, which
    becomes a validated :class:`~exactassign.algebraic.RealAlgebraic` (a rational root gives an
    ``fmpq``).

    >>> parse_real("2/4"), str(parse_real({"algebraic": {"poly": [-2, 0, 1],
    ...                                                  "interval": [1, 2]}}))[:30]
    (1/2, 'root of [-2, 0, 1] in [1, 2] ~')
    """
    if is_algebraic_json(value):
        from .algebraic import RealAlgebraic
        return RealAlgebraic.from_json(value, where)
    return parse(value, where)


def real_json(x: Any) -> Any:
    """JSON form of an exact real (formats.md): the canonical string of a rational, the
    ``{"algebraic": ..., "approx": ...}`` object of a :class:`~exactassign.algebraic.RealAlgebraic`.
    """
    if isinstance(x, fmpq):
        return canonical(x)
    return x.to_json()


def is_number_like(value: Any) -> bool:
    """True for the JSON value types that :func:`parse` may accept (it may still reject)."""
    return isinstance(value, (int, str, fmpq, fmpz, Fraction)) and not isinstance(value, bool)


def canonical(x: fmpq) -> str:
    """The canonical text of an exact rational: ``str(Fraction(x))``.

    >>> canonical(Q(10, 4)), canonical(Q(-3))
    ('5/2', '-3')
    """
    return str(x)


def to_fraction(x: fmpq) -> Fraction:
    """``fmpq`` -> ``Fraction`` (for the standard-library side: checker, certificates)."""
    return Fraction(int(x.p), int(x.q))


def from_fraction(x: Fraction) -> fmpq:
    """``Fraction`` -> ``fmpq``."""
    return fmpq(x.numerator, x.denominator)


def as_exact(x: Any) -> fmpq:
    """Coerce a Python exact value (int, Fraction, fmpq) to ``fmpq``; refuse floats."""
    return parse(x, "value")


# -- floating-point hints and sympy (the only other number types the package meets) ----------
def to_float(x: fmpq) -> float:
    """``fmpq`` -> nearest binary ``float``, **a hint only** (for floating-point solvers).

    Raises ``OverflowError`` when the value is beyond the float range (callers then do without
    the hint).  Nothing exact may ever be computed from the result.

    >>> to_float(Q(1, 3))
    0.3333333333333333
    """
    return int(x.p) / int(x.q)


def from_float_hint(f: float, max_denominator: int | None = None) -> fmpq:
    """A binary float (a solver's hint) -> ``fmpq``: its exact binary value, or with
    ``max_denominator`` the closest rational of bounded denominator (continued fractions).

    The result is a *guess* that exact code must verify; NaN and infinities are refused.

    >>> from_float_hint(0.5), from_float_hint(0.1, 1000)
    (1/2, 1/10)
    """
    if f != f or f in (float("inf"), float("-inf")):
        raise NumberError(f"{f!r} is not a finite number")
    fr = Fraction(f)
    if max_denominator is not None:
        fr = fr.limit_denominator(max_denominator)
    return fmpq(fr.numerator, fr.denominator)


def to_sympy(x: fmpq) -> Any:
    """``fmpq`` -> ``sympy.Rational`` (for symbolic derivations and cross-checks)."""
    import sympy
    return sympy.Rational(int(x.p), int(x.q))


def from_sympy(r: Any) -> fmpq:
    """A rational sympy number -> ``fmpq``; anything else (symbols, irrationals) is refused."""
    import sympy
    r = sympy.sympify(r)
    if not r.is_Rational:
        raise NumberError(f"{r} is not a rational number")
    return fmpq(int(r.p), int(r.q))
