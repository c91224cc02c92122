"""Flat pandas frames for the quality gates: one row per record, plus derived check columns.

GX validates columns, not nested JSON, so each gate gets a frame with the fields it checks and
columns derived from the record's structure (line count, smallest quantity, arithmetic deltas,
longest line value). Numeric columns are floats (NaN when missing or not a number) *only so GX
can compare them*: these frames are for checks and are never written back anywhere. Arithmetic
that decides pass/fail (the deltas) is done in ``Decimal`` and converted at the end, so a float
rounding error can never move a record across a tolerance.

Text columns use pandas 3's ``str`` dtype (missing values are NaN). pandas is imported inside
the builders.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Iterable, Sequence

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd


# --------------------------------------------------------------------------- value helpers


def _decimal(value: Any) -> Decimal | None:
    """A finite Decimal, or None when the value is missing or not a number."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        return Decimal(value)
    elif isinstance(value, float):
        # repr-based, so 0.1 stays 0.1 rather than its binary expansion.
        number = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return None
    else:
        return None
    return number if number.is_finite() else None


def _float(value: Decimal | None) -> float:
    return float(value) if value is not None else float("nan")


def _text(value: Any) -> str | None:
    """Non-blank text, or None. Numbers become their plain string (17 -> "17")."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return str(int(value))
    return str(value)


def _order_key(value: Any) -> str | None:
    text = _text(value)
    return text.strip() if text is not None else None


def _timestamp(value: Any) -> dt.datetime | None:
    """ISO 8601 text with a UTC offset as an aware UTC datetime; None for anything else, text without an
    offset included (its instant is unknown)."""
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return None
    return parsed.astimezone(dt.timezone.utc)


def _list_of_dicts(value: Any) -> list[dict]:
    if not isinstance(value, list):
        return []
    # A non-object line is kept as an empty one: it still counts as a line and fails its checks.
    return [item if isinstance(item, dict) else {} for item in value]


def _min_quantity(quantities: list[Decimal | None]) -> Decimal | None:
    if not quantities or any(quantity is None for quantity in quantities):
        return None
    return min(quantities)  # type: ignore[type-var]


def _text_series(values: list[Any]):
    import pandas as pd

    return pd.Series(values, dtype="str")


def _float_series(values: list[float]):
    import pandas as pd

    return pd.Series(values, dtype="float64")


def _int_series(values: list[int]):
    import pandas as pd

    return pd.Series(values, dtype="int64")


# --------------------------------------------------------------------------- X-Cart raw orders


# --------------------------------------------------------------------------- Sage 500 staging
