"""Exact money, UTC datetimes and JSON payloads survive a round trip on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert, select, text
from sqlalchemy.exc import StatementError

from storesync.store import ExactDecimal, JsonDocument, SyncStore, UtcDateTime

money_metadata = MetaData()
money = Table(
    "money_probe",
    money_metadata,
    Column("id", Integer, primary_key=True),
    Column("amount", ExactDecimal),
    Column("at", UtcDateTime),
    Column("doc", JsonDocument),
)


@pytest.fixture
def engine(fresh_url):
    store = SyncStore(fresh_url)
    money_metadata.create_all(store.engine)
    yield store.engine
    store.close()


def _round_trip(engine, **values):
    with engine.begin() as conn:
        conn.execute(insert(money).values(id=1, **values))
    with engine.connect() as conn:
        return conn.execute(select(money).where(money.c.id == 1)).one()


@pytest.mark.parametrize(
    "amount",
    [Decimal("0.1") + Decimal("0.2"), Decimal("12345678.9999"), Decimal("-0.0001"), Decimal("99999999999999.9999"), 7],
)
def test_exact_decimal_round_trip(engine, amount):
    row = _round_trip(engine, amount=amount)
    assert isinstance(row.amount, Decimal)
    assert row.amount == Decimal(amount)
    # Both backends give the same scale back, so formatted output does not depend on the backend.
    assert row.amount.as_tuple().exponent == -4


def test_exact_decimal_sum_of_tenths_is_exact(engine):
    row = _round_trip(engine, amount=Decimal("0.1") + Decimal("0.2"))
    assert row.amount == Decimal("0.3")
    assert row.amount - Decimal("0.3") == 0


def test_sqlite_stores_money_as_text_and_postgresql_as_numeric(engine):
    _round_trip(engine, amount=Decimal("12345678.9999"))
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            stored = conn.execute(text("SELECT typeof(amount), amount FROM money_probe")).one()
            assert tuple(stored) == ("text", "12345678.9999")
        else:
            data_type = conn.execute(
                text(
                    "SELECT data_type, numeric_precision, numeric_scale FROM information_schema.columns "
                    "WHERE table_name = 'money_probe' AND column_name = 'amount'"
                )
            ).one()
            assert tuple(data_type) == ("numeric", 18, 4)


@pytest.mark.parametrize(
    "bad, error",
    [
        (0.1, TypeError),  # floats are not exact
        (Decimal("0.00001"), ValueError),  # would be rounded to 4 decimals
        (Decimal("100000000000000"), ValueError),  # 15 integer digits do not fit NUMERIC(18,4)
        (Decimal("NaN"), ValueError),
        ("abc", ValueError),
    ],
)
def test_exact_decimal_refuses_values_it_cannot_store_exactly(engine, bad, error):
    # SQLAlchemy wraps errors raised while binding parameters; the original is .orig.
    with pytest.raises(StatementError) as caught:
        _round_trip(engine, amount=bad)
    assert isinstance(caught.value.orig, error)


def test_utc_datetime_is_aware_in_and_out(engine):
    moment = dt.datetime(2024, 11, 7, 12, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    row = _round_trip(engine, at=moment)
    assert row.at == moment
    assert row.at.tzinfo is not None and row.at.utcoffset() == dt.timedelta(0)


def test_utc_datetime_refuses_naive(engine):
    with pytest.raises(StatementError, match="naive"):
        _round_trip(engine, at=dt.datetime(2024, 1, 1))


def test_json_document_writes_decimals_as_strings_and_datetimes_as_iso(engine):
    moment = dt.datetime(2024, 11, 7, 17, 20, tzinfo=dt.timezone.utc)
    row = _round_trip(engine, doc={"total": Decimal("0.1") + Decimal("0.2"), "price": Decimal("12.30"), "at": moment})
    assert row.doc == {"total": "0.3", "price": "12.30", "at": "2024-11-07T17:20:00+00:00"}
    assert Decimal(row.doc["total"]) == Decimal("0.3")


def test_json_document_refuses_nan(engine):
    with pytest.raises(StatementError, match="NaN"):
        _round_trip(engine, doc={"total": float("nan")})


def test_an_engine_made_elsewhere_stores_the_same_documents_as_the_stores_own(engine, fresh_url):
    from sqlalchemy import create_engine

    document = {"total": Decimal("12.30"), "note": "nul\x00 and lone \ud800 surrogate", "lines": [{"qty": 2}]}
    own = _round_trip(engine, doc=document).doc
    plain = create_engine(fresh_url)  # no storesync JSON serializer: JsonDocument converts values itself
    try:
        with plain.begin() as conn:
            conn.execute(insert(money).values(id=2, doc=document))
            other = conn.execute(select(money.c.doc).where(money.c.id == 2)).scalar_one()
    finally:
        plain.dispose()
    assert own == other == {"total": "12.30", "note": "nul\ufffd and lone \ufffd surrogate", "lines": [{"qty": 2}]}
