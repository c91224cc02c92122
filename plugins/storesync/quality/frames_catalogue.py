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


def raw_sage500_items_frame(records: Sequence[dict]):
    rows = [r if isinstance(r, dict) else {} for r in records]
    return _frame({
        "ItemID": [_text(r.get("ItemID")) for r in rows],
        "ShortDesc": [_text(r.get("ShortDesc")) for r in rows],
        "Status": [_number(r.get("Status")) for r in rows],
        "StdPrice": [_number(r.get("StdPrice")) for r in rows],
    }, text_columns=("ItemID", "ShortDesc"))


def raw_sage500_inventory_frame(records: Sequence[dict]):
    rows = [r if isinstance(r, dict) else {} for r in records]

    def least(record: dict, field: str) -> float:
        values = [_number(b.get(field)) for b in record.get("warehouses") or [] if isinstance(b, dict)]
        return min(values) if values else 0.0  # no stock rows in the pair's warehouses: nothing on hand

    return _frame({
        "ItemID": [_text(r.get("ItemID")) for r in rows],
        "min_QtyOnHand": [least(r, "QtyOnHand") for r in rows],
        "min_PendQtyDecrease": [least(r, "PendQtyDecrease") for r in rows],
        "AvailableToSell": [_number(r.get("AvailableToSell")) for r in rows],
    }, text_columns=("ItemID",))


def xcart_products_frame(records: Sequence[dict]):
    rows = [r if isinstance(r, dict) else {} for r in records]
    return _frame({
        "sku": [_text(r.get("sku")) for r in rows],
        "name": [_text(r.get("name")) for r in rows],
        "price": [_number(r.get("price")) for r in rows],
        "enabled": [1.0 if r.get("enabled") is True else 0.0 if r.get("enabled") is False else math.nan for r in rows],
    }, text_columns=("sku", "name"))


def xcart_inventory_frame(records: Sequence[dict]):
    rows = [r if isinstance(r, dict) else {} for r in records]
    return _frame({
        "sku": [_text(r.get("sku")) for r in rows],
        "amount": [_number(r.get("amount")) for r in rows],
    }, text_columns=("sku",))
