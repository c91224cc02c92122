"""Money helpers: exact parsing and half-up rounding."""

from __future__ import annotations

from decimal import Decimal, localcontext

import pytest

from storesync.errors import InvalidValue
from storesync.money import parse_money, quantize_money, to_decimal


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Decimal("12.30"), "12.30"), (7, "7"), (" -3.50 ", "-3.50"), ("1E+2", "1E+2"), (0.1, "0.1"), (1.005, "1.005")],
)
def test_to_decimal_is_exact(value, expected):
    assert str(to_decimal(value, field="total")) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [(True, "got a boolean"), (None, "got null"), ("NaN", "not a finite number"), (float("inf"), "not a finite"),
     (Decimal("-Infinity"), "not a finite"), ("12,30", "not a number"), ("", "not a number"),
     ("1_000", "not a number"), ([1], "got a list"), ({"v": 1}, "got an object")],
)
def test_to_decimal_rejects_non_numbers(value, reason):
    with pytest.raises(InvalidValue) as caught:
        to_decimal(value, field="lines[0].price")
    assert caught.value.field == "lines[0].price"
    assert reason in caught.value.reason
    assert str(caught.value).startswith("lines[0].price: ")


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [("2.345", 2, "2.35"), ("2.344", 2, "2.34"), ("-2.345", 2, "-2.35"), ("0.5", 0, "1"), ("10", 2, "10.00"),
     ("1.23456", 4, "1.2346")],
)
def test_quantize_money_rounds_half_up(value, places, expected):
    assert str(quantize_money(Decimal(value), places)) == expected


def test_quantize_money_ignores_the_threads_decimal_context():
    with localcontext() as context:
        context.prec = 3
        context.rounding = "ROUND_FLOOR"
        assert str(quantize_money(Decimal("123456.785"))) == "123456.79"


def test_quantize_money_reports_values_too_large():
    with pytest.raises(InvalidValue, match="too large"):
        quantize_money(Decimal("1e40"))


def test_parse_money():
    assert parse_money("19.999", field="total") == Decimal("20.00")
