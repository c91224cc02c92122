"""The transform, type and operator registries, one function at a time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from storesync.errors import InvalidValue
from storesync.mapping.transforms import OPERATORS, TRANSFORMS, TYPES


def transform(name: str, *argument):
    return TRANSFORMS[name].factory(*argument)


@pytest.mark.parametrize(
    ("name", "argument", "value", "expected"),
    [
        ("strip", (), "  a b  ", "a b"),
        ("upper", (), "straße", "STRASSE"),
        ("lower", (), "ABC", "abc"),
        ("normalize_sku", (), "  sku  12\tb ", "SKU-12-B"),
        ("normalize_sku", (), 12345, "12345"),
        ("normalize_postal_code", (), " sw1a   1aa ", "SW1A 1AA"),
        ("normalize_postal_code", (), 97201, "97201"),
        ("left", (3,), "abcdef", "abc"),
        ("left", (10,), "abc", "abc"),
        ("zero_pad", (9,), "17", "000000017"),
        ("zero_pad", (9,), 17, "000000017"),
        ("zero_pad", (2,), "1234", "1234"),
        ("prefix", ("XC-",), 17, "XC-17"),
        ("prefix", ("W",), "000000017", "W000000017"),
    ],
)
def test_text_transforms(name, argument, value, expected):
    assert transform(name, *argument)(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("US", "US"), ("us", "US"), (" de ", "DE"), ("USA", "US"), ("United States", "US"),
     ("united states of america", "US"), ("U.S.A.", "US"), ("UK", "GB"), ("Great Britain", "GB"),
     ("DEU", "DE"), ("Germany", "DE"), ("Deutschland", "DE"), ("Türkiye", "TR"), ("CAN", "CA"), ("AX", "AX")],
)
def test_country_alpha2(value, expected):
    assert transform("country_alpha2")(value) == expected


@pytest.mark.parametrize("value", ["Narnia", "XX", "", 12])
def test_country_alpha2_rejects_unknown(value):
    with pytest.raises(InvalidValue, match="unknown country"):
        transform("country_alpha2")(value)


@pytest.mark.parametrize("value", [1731000000, "1731000000", Decimal("1731000000"), 1731000000.0])
def test_unix_to_datetime(value):
    assert transform("unix_to_datetime")(value) == datetime(2024, 11, 7, 17, 20, tzinfo=UTC)


@pytest.mark.parametrize("value", ["yesterday", True, [1], 10**30, "1.5e3x"])
def test_unix_to_datetime_rejects(value):
    with pytest.raises(InvalidValue, match="unix timestamp"):
        transform("unix_to_datetime")(value)


def test_datetime_to_date_uses_the_utc_date():
    late_in_new_york = datetime(2024, 11, 7, 22, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert transform("datetime_to_date")(late_in_new_york) == date(2024, 11, 8)
    assert transform("datetime_to_date")("2024-11-07T17:20:00+00:00") == date(2024, 11, 7)


@pytest.mark.parametrize("name", ["strip", "upper", "normalize_sku", "left"])
@pytest.mark.parametrize("value", [True, None, ["a"], {"a": 1}, 1.5])
def test_text_transforms_refuse_non_text(name, value):
    argument = (3,) if name == "left" else ()
    with pytest.raises(InvalidValue, match="expected text"):
        transform(name, *argument)(value)


# --------------------------------------------------------------------------------------------------
# Types


@pytest.mark.parametrize(
    ("type_name", "value", "expected"),
    [
        ("str", "O'Brien", "O'Brien"),
        ("str", 42, "42"),
        ("int", " 7 ", 7),
        ("int", Decimal("3.000"), 3),
        ("int", 5, 5),
        ("decimal", "2.500", Decimal("2.500")),
        ("decimal", 0.1, Decimal("0.1")),
        ("money", "12.345", Decimal("12.35")),
        ("money", Decimal("-0.005"), Decimal("-0.01")),
        ("money", 3, Decimal("3.00")),
        ("date", "2024-11-07", date(2024, 11, 7)),
        ("date", datetime(2024, 11, 7, 23, 59, tzinfo=UTC), date(2024, 11, 7)),
        ("datetime", "2024-11-07T17:20:00Z", datetime(2024, 11, 7, 17, 20, tzinfo=UTC)),
        ("datetime", "2024-11-07T12:20:00-05:00", datetime(2024, 11, 7, 17, 20, tzinfo=UTC)),
        ("bool", "yes", True),
        ("bool", 0, False),
        ("bool", False, False),
    ],
)
def test_types_convert(type_name, value, expected):
    result = TYPES[type_name](value)
    assert result == expected
    assert type(result) is type(expected)
    if isinstance(expected, Decimal):
        assert str(result) == str(expected)


@pytest.mark.parametrize(
    ("type_name", "value", "reason"),
    [
        ("str", True, "expected text, got a boolean"),
        ("str", {"a": 1}, "expected text, got an object"),
        ("int", "7.5", "not a whole number"),
        ("int", Decimal("7.5"), "not a whole number"),
        ("int", True, "expected a whole number, got a boolean"),
        ("int", "1_000", "not a whole number"),
        ("decimal", "abc", "not a number"),
        ("decimal", "NaN", "not a finite number"),
        ("decimal", None, "expected a number, got null"),
        ("money", "1e40", "too large"),
        ("date", "07/11/2024", "not an ISO-8601 date"),
        ("datetime", "2024-11-07T17:20:00", "no time zone"),
        ("datetime", datetime(2024, 11, 7), "no time zone"),
        ("datetime", 1731000000, "expected a timestamp, got int"),
        ("bool", "maybe", "expected true/false"),
        ("bool", 2, "expected true/false"),
    ],
)
def test_types_reject(type_name, value, reason):
    with pytest.raises(InvalidValue) as caught:
        TYPES[type_name](value)
    assert reason in caught.value.reason


# --------------------------------------------------------------------------------------------------
# Operators


@pytest.mark.parametrize(
    ("op", "left", "right", "expected"),
    [
        ("gt", "1000.01", Decimal("1000"), True),
        ("gt", Decimal("1000.00"), Decimal("1000"), False),
        ("ge", 1000, "1000.00", True),
        ("lt", "5", 6, True),
        ("le", "6", 6, True),
        ("gt", None, 5, False),
        ("gt", "", 5, False),
        ("eq", "1", 1, True),
        ("eq", Decimal("1.0"), "1", True),
        ("eq", "P", "P", True),
        ("eq", True, 1, False),
        ("ne", "P", "Q", True),
        ("in", "WND", ("S", "D", "WND"), True),
        ("in", 2, ("1", "2"), True),
        ("in", "X", ("S",), False),
        ("empty", None, None, True),
        ("empty", "  ", None, True),
        ("empty", [], None, True),
        ("empty", "x", None, False),
        ("empty", 0, None, False),
    ],
)
def test_operators(op, left, right, expected):
    assert OPERATORS[op].test(left, right) is expected


def test_numeric_operator_refuses_non_numbers():
    with pytest.raises(InvalidValue, match="not a number"):
        OPERATORS["gt"].test("lots", Decimal(5))


@pytest.mark.parametrize("value, expected", [("US", "USA"), ("usa", "USA"), ("United Kingdom", "GBR"),
                                             ("DE", "DEU"), ("CIV", "CIV"), ("Côte d'Ivoire", None)])
def test_country_alpha3_gives_the_erp_id_from_any_accepted_spelling(value, expected):
    if expected is None:
        with pytest.raises(InvalidValue):
            transform("country_alpha3")(value)
    else:
        assert transform("country_alpha3")(value) == expected


def test_every_iso_alpha2_code_has_one_distinct_alpha3_code():
    from storesync.mapping.transforms import ISO_ALPHA2, ISO_ALPHA3

    assert set(ISO_ALPHA3) == set(ISO_ALPHA2)
    assert len(set(ISO_ALPHA3.values())) == len(ISO_ALPHA3)
    assert all(len(code) == 3 and code.isupper() for code in ISO_ALPHA3.values())
