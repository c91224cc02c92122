"""Frames for the catalogue flows' gates (products, inventory): one row per record, columns the suites check.

Like ``frames``: pandas is imported lazily, numbers become floats only inside the frame (for the checks),
and anything unusable becomes NaN/None so an expectation fails for that row instead of the build crashing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any


def _number(value: Any) -> float:
    if isinstance(value, bool) or value is None:
        return math.nan
    try:
        number = float(Decimal(str(value)))
    except (InvalidOperation, ValueError, TypeError):
        return math.nan
    return number if math.isfinite(number) else math.nan


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _frame(columns: dict[str, list], text_columns: Sequence[str]):
    import pandas as pd

    return pd.DataFrame({
        name: pd.Series(values, dtype="str" if name in text_columns else "float64")
        for name, values in columns.items()
    })
