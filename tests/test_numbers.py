"""Exact numbers (formats.md, "Numbers"): parsing, rejection, canonical output, conversions."""
from __future__ import annotations

import json
from fractions import Fraction

import pytest
from flint import fmpq, fmpz
from hypothesis import given, settings
from hypothesis import strategies as st

from exactassign.errors import ExactAssignError, InputError, NumberError
from exactassign.numbers import (ExactDecimal, Q, as_exact, canonical, from_fraction,
                                 is_number_like, json_loads, parse, to_fraction)


def F(x) -> Fraction:
    return to_fraction(parse(x))


# --------------------------------------------------------------------------- accepted forms
@pytest.mark.parametrize("text, expected", [
    (0, Fraction(0)), (7, Fraction(7)), (-12, Fraction(-12)),
    ("3", Fraction(3)), ("-3", Fraction(-3)), ("+3", Fraction(3)), (" 42 ", Fraction(42)),
    ("1/3", Fraction(1, 3)), ("-1/3", Fraction(-1, 3)), ("6/4", Fraction(3, 2)),
    ("-4/6", Fraction(-2, 3)), ("0/5", Fraction(0)), ("10/1", Fraction(10)),
    ("1 / 3", Fraction(1, 3)),
    ("0.1", Fraction(1, 10)), ("2.50", Fraction(5, 2)), ("1e-2", Fraction(1, 100)),
    ("1E-2", Fraction(1, 100)), ("1e3", Fraction(1000)), ("2.5e1", Fraction(25)),
    ("-0.25", Fraction(-1, 4)), (".5", Fraction(1, 2)), ("5.", Fraction(5)),
    ("0.333", Fraction(333, 1000)), ("-1.5e-3", Fraction(-3, 2000)),
    ("0.1000000000000000055511151231257827", Fraction(1000000000000000055511151231257827,
                                                      10 ** 34)),
])
def test_parse_exact_forms(text, expected):
    got = parse(text)
    assert isinstance(got, fmpq)
    assert to_fraction(got) == expected


def test_decimal_literal_is_not_binary_float():
    # 0.1 as a binary float is 3602879701896397/36028797018963968; the literal means 1/10.
    assert F("0.1") == Fraction(1, 10)
    assert F("0.1") != Fraction(0.1)
    assert F("0.1") + F("0.2") == F("0.3")


def test_parse_accepts_python_exact_types():
    assert parse(Fraction(3, 9)) == Q(1, 3)
    assert parse(fmpz(5)) == Q(5)
    x = Q(2, 7)
    assert parse(x) is x
    assert as_exact(Fraction(1, 2)) == Q(1, 2)


def test_huge_integers_are_exact():
    digits = "9" * 5000  # beyond Python's default int-from-string limit
    assert to_fraction(parse(digits)) == Fraction(10 ** 5000 - 1)
    assert to_fraction(parse(digits + "/" + "1" + "0" * 4999)) == Fraction(10 ** 5000 - 1,
                                                                          10 ** 4999)
    assert to_fraction(parse("0." + "0" * 4999 + "1")) == Fraction(1, 10 ** 5000)


# --------------------------------------------------------------------------- JSON numbers
def test_json_floats_are_kept_as_text():
    data = json_loads('{"a": 0.1, "b": 2.50, "c": 1e-2, "d": 3, "e": -0.0}')
    assert isinstance(data["a"], ExactDecimal) and data["a"] == "0.1"
    assert F(data["a"]) == Fraction(1, 10)
    assert F(data["b"]) == Fraction(5, 2)
    assert F(data["c"]) == Fraction(1, 100)
    assert data["d"] == 3 and type(data["d"]) is int
    assert F(data["e"]) == 0


def test_json_floats_beyond_double_range_are_exact():
    data = json_loads('[1e400, 1e-400, 0.30000000000000000001]')
    assert F(data[0]) == Fraction(10 ** 400)
    assert F(data[1]) == Fraction(1, 10 ** 400)
    assert F(data[2]) == Fraction(30000000000000000001, 10 ** 20)


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", '{"x": NaN}',
                                  '[1, Infinity]'])
def test_json_constants_rejected(text):
    with pytest.raises(NumberError):
        json_loads(text)


def test_json_huge_integer_is_exact():
    # a JSON integer longer than Python's int-from-string limit is still an exact integer
    # (it used to leak a plain ValueError from int())
    value = json_loads("[" + "7" * 5000 + "]")[0]
    assert to_fraction(parse(value)) == Fraction(int("7" * 1000) * 10 ** 4000
                                                 + int("7" * 4000))


# --------------------------------------------------------------------------- rejections
@pytest.mark.parametrize("bad", [
    "1/0", "-1/0", "abc", "", " ", "1/", "/2", "1//2", "1/2/3", "1/-2", "1/2.5", "--1",
    "1e", "e5", ".", "-", "+", "1.2.3", "0x10", "1_000", "nan", "NaN", "inf", "Infinity",
    "-Infinity", "1,5", "½", "١٢", "²", "1e99999", "1e-99999", "1e" + "9" * 5000,
])
def test_parse_rejects_text(bad):
    with pytest.raises(NumberError):
        parse(bad)


@pytest.mark.parametrize("bad", [0.5, 1.0, float("nan"), float("inf"), -float("inf"), True,
                                 False, None, [1], {"a": 1}, b"1", complex(1, 0)])
def test_parse_rejects_values(bad):
    with pytest.raises(NumberError):
        parse(bad)


def test_errors_are_typed_and_name_the_field():
    with pytest.raises(NumberError) as exc:
        parse("1/0", "supply of object 'a'")
    assert "supply of object 'a'" in str(exc.value)
    assert isinstance(exc.value, InputError) and isinstance(exc.value, ExactAssignError)
    assert isinstance(exc.value, ValueError)
    with pytest.raises(NumberError, match="boolean"):
        parse(True)
    with pytest.raises(NumberError, match="binary float"):
        parse(0.1)


def test_is_number_like():
    assert is_number_like(1) and is_number_like("1/2") and is_number_like(Fraction(1))
    assert is_number_like(Q(1, 2)) and is_number_like(ExactDecimal("0.5"))
    assert not is_number_like(True) and not is_number_like(0.5) and not is_number_like(None)


# --------------------------------------------------------------------------- canonical output
@pytest.mark.parametrize("text, out", [
    ("0", "0"), ("-0", "0"), ("0.0", "0"), ("1", "1"), ("2/2", "1"), ("-4/6", "-2/3"),
    ("2.50", "5/2"), ("0.1", "1/10"), ("1e-2", "1/100"), ("-12/4", "-3"), ("1 / 3", "1/3"),
])
def test_canonical(text, out):
    assert canonical(parse(text)) == out


fractions_st = st.fractions(max_denominator=10 ** 12) | st.builds(
    Fraction, st.integers(-10 ** 40, 10 ** 40), st.integers(1, 10 ** 40))


@given(fractions_st)
@settings(max_examples=300, deadline=None)
def test_canonical_equals_str_fraction(x):
    q = from_fraction(x)
    assert canonical(q) == str(x)
    assert parse(canonical(q)) == q
    assert to_fraction(q) == x
    assert from_fraction(to_fraction(q)) == q
    assert parse(x) == q


@given(fractions_st)
@settings(max_examples=200, deadline=None)
def test_canonical_round_trip_through_json(x):
    q = from_fraction(x)
    text = json.dumps({"v": canonical(q)})
    assert parse(json_loads(text)["v"]) == q


@given(st.integers(-10 ** 30, 10 ** 30), st.integers(0, 30), st.integers(-20, 20),
       st.sampled_from(["e", "E"]))
@settings(max_examples=300, deadline=None)
def test_decimal_literals_mean_what_is_written(mantissa, places, exp, e):
    sign = "-" if mantissa < 0 else ""
    digits = str(abs(mantissa)).rjust(places + 1, "0")
    text = sign + digits[:len(digits) - places] + ("." + digits[len(digits) - places:]
                                                   if places else "")
    value = Fraction(mantissa, 10 ** places)
    assert F(text) == value
    assert F(f"{text}{e}{exp}") == value * Fraction(10) ** exp
    # the same text inside JSON is parsed from its text, never through a binary float
    assert F(json_loads(f"[{text}{e}{exp}]")[0]) == value * Fraction(10) ** exp


@given(st.text(max_size=12))
@settings(max_examples=300, deadline=None)
def test_parse_random_text_is_typed(text):
    try:
        q = parse(text)
    except NumberError:
        return
    assert isinstance(q, fmpq)
    assert parse(canonical(q)) == q


@given(st.integers(-10 ** 6, 10 ** 6), st.integers(-10 ** 6, 10 ** 6))
@settings(max_examples=200, deadline=None)
def test_fraction_text_matches_fraction(p, q):
    if q == 0:
        with pytest.raises(NumberError):
            parse(f"{p}/{q}")
    elif q < 0:
        with pytest.raises(NumberError):
            parse(f"{p}/{q}")
    else:
        assert to_fraction(parse(f"{p}/{q}")) == Fraction(p, q)
