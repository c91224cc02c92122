"""Column types that behave the same on SQLite and PostgreSQL.

The sync store runs on a SQLite file by default and on PostgreSQL in production and CI. The two
backends disagree on exact numbers, time zones and JSON, so every column whose meaning must not
change between them goes through one of the decorators here:

- ``ExactDecimal``: money. ``NUMERIC(18, 4)`` on PostgreSQL; TEXT on SQLite, because SQLite's
  NUMERIC affinity silently turns values into 8-byte floats. Always returns ``Decimal``.
- ``UtcDateTime``: timezone-aware UTC datetimes in and out (SQLite has no time zone storage).
- ``JsonDocument``: JSON (JSONB on PostgreSQL) whose payloads may contain ``Decimal`` (written as a
  string, per the money contract) and ``datetime``/``date`` (written as ISO-8601).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import re
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import JSON, DateTime, Numeric, String
from sqlalchemy.types import TypeDecorator

__all__ = ["ExactDecimal", "UtcDateTime", "JsonDocument", "to_json_compatible", "json_default"]

# NUMERIC(18, 4): 14 integer digits and 4 decimals cover any order amount, and 4 decimals keep unit
# prices such as 0.0125 exact.
DECIMAL_PRECISION = 18
DECIMAL_SCALE = 4
_QUANTUM = Decimal(1).scaleb(-DECIMAL_SCALE)  # Decimal('0.0001')
_MAX_ABS = Decimal(10) ** (DECIMAL_PRECISION - DECIMAL_SCALE)


class ExactDecimal(TypeDecorator):
    """Exact ``NUMERIC(18, 4)`` that returns ``Decimal`` on every backend.

    Values are quantised to 4 decimals on the way in, so both backends read back the same
    ``Decimal`` (``Decimal('0.3')`` comes back as ``Decimal('0.3000')``, which compares equal).
    A value that would lose digits (more than 4 decimals, or too large) raises ``ValueError``
    instead of being rounded silently; floats are refused because they are not exact.
    """

    impl = Numeric(DECIMAL_PRECISION, DECIMAL_SCALE, asdecimal=True)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            # 18 digits, a sign and a decimal point fit in 20 characters.
            return dialect.type_descriptor(String(24))
        return dialect.type_descriptor(Numeric(DECIMAL_PRECISION, DECIMAL_SCALE, asdecimal=True))

    def process_bind_param(self, value: Any, dialect) -> Any:
        if value is None:
            return None
        exact = _exact_decimal(value)
        return str(exact) if dialect.name == "sqlite" else exact

    def process_result_value(self, value: Any, dialect) -> Decimal | None:
        if value is None:
            return None
        if isinstance(value, Decimal):
            return value
        # SQLite hands back the text we stored; str() also covers drivers returning int.
        return Decimal(str(value))


def _exact_decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError(
            f"ExactDecimal refuses {type(value).__name__} {value!r}: pass Decimal, int or a numeric string"
        )
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"ExactDecimal: {value!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"ExactDecimal: {value!r} is not a finite number")
    quantised = number.quantize(_QUANTUM)
    if quantised != number:
        raise ValueError(
            f"ExactDecimal: {value!r} has more than {DECIMAL_SCALE} decimal places and would be rounded"
        )
    if abs(quantised) >= _MAX_ABS:
        raise ValueError(f"ExactDecimal: {value!r} does not fit NUMERIC({DECIMAL_PRECISION},{DECIMAL_SCALE})")
    return quantised


class UtcDateTime(TypeDecorator):
    """Timezone-aware UTC ``datetime`` on every backend.

    Naive datetimes are refused on the way in (they are ambiguous); SQLite stores the UTC wall
    time and we re-attach UTC on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"UtcDateTime expects a datetime, got {type(value).__name__} {value!r}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"UtcDateTime refuses naive datetime {value!r}: attach a time zone")
        value = value.astimezone(dt.timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


def json_default(value: Any) -> Any:
    """``json.dumps`` fallback implementing the JSON contract of docs/architecture.md."""
    if isinstance(value, Decimal):
        # str() keeps the scale: Decimal('12.30') -> "12.30".
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    raise TypeError(f"value of type {type(value).__name__} is not JSON serialisable: {value!r}")


def to_json_compatible(value: Any) -> Any:
    """Return ``value`` as plain JSON types (Decimal -> str, datetime -> ISO string).

    A dumps/loads round trip runs in C and is faster than walking big payloads in Python.
    NaN and infinities are refused: they are not JSON and PostgreSQL would reject them.
    Characters JSON storage cannot hold — lone surrogates (not Unicode) and NUL (PostgreSQL refuses
    it) — are stored as U+FFFD on every backend alike, so a hostile record is kept rather than
    failing the write (and the text every later stage reads can be encoded for ODBC and HTTP).
    """
    try:
        text = json.dumps(value, default=json_default, allow_nan=False)
    except ValueError as exc:
        raise ValueError(f"payload is not valid JSON (NaN or infinity?): {exc}") from None
    document = json.loads(text)
    # ensure_ascii output shows every such character as an escape: walk only payloads that have one.
    return _storable_text(document) if _UNSTORABLE_ESCAPE.search(text) else document


_UNSTORABLE_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")


def serialize_json(value: Any) -> str:
    """The JSON text of ``json.dumps(to_json_compatible(value))``, in one pass for the usual payload.

    Engines made by ``SyncStore`` use it as their ``json_serializer``; ``JsonDocument`` then hands values over
    as they are instead of converting them first (a dumps/loads round trip per record, then a second dumps).
    """
    try:
        text = json.dumps(value, default=json_default, allow_nan=False)
    except ValueError as exc:
        raise ValueError(f"payload is not valid JSON (NaN or infinity?): {exc}") from None
    if _UNSTORABLE_ESCAPE.search(text):
        text = json.dumps(_storable_text(json.loads(text)))
    return text
_UNSTORABLE_CHARS = re.compile("[\x00\ud800-\udfff]")


def _storable_text(value: Any) -> Any:
    if isinstance(value, str):
        return _UNSTORABLE_CHARS.sub("\ufffd", value)
    if isinstance(value, list):
        return [_storable_text(item) for item in value]
    if isinstance(value, dict):
        return {_storable_text(key): _storable_text(item) for key, item in value.items()}
    return value


class JsonDocument(TypeDecorator):
    """JSON column (JSONB on PostgreSQL) that accepts Decimal and datetime values."""

    # none_as_null: a Python None is SQL NULL, not the JSON text 'null'.
    impl = JSON(none_as_null=True)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            # JSONB rather than JSON: it has equality, so DISTINCT/GROUP BY on it work.
            return dialect.type_descriptor(JSONB(none_as_null=True))
        return dialect.type_descriptor(JSON(none_as_null=True))

    def process_bind_param(self, value: Any, dialect) -> Any:
        if value is None:
            return None
        if getattr(dialect, "_json_serializer", None) is serialize_json:
            return value  # the engine's serializer writes the same text in one pass
        return to_json_compatible(value)
