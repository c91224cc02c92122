"""X-Cart's quality frames (payments): its records as one row each for the suites.

Moved from ``storesync.quality.frames_payments``, whose generic helpers it uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from storesync.quality.frames_catalogue import _frame, _number, _text


RAW_TEXT_COLUMNS = ("transactionId", "orderId", "type", "status", "currency", "method", "cardLast4")


def _id_text(value: Any) -> str | None:
    """An id as text (X-Cart sends integers); booleans, objects and blanks are missing."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    return _text(value)


def raw_xcart_payment_transactions_frame(records: Sequence[dict]):
    rows = [r if isinstance(r, dict) else {} for r in records]
    columns: dict[str, list] = {name: [] for name in (*RAW_TEXT_COLUMNS, "value", "date")}
    for r in rows:
        for name in ("transactionId", "orderId"):
            columns[name].append(_id_text(r.get(name)))
        for name in ("type", "status", "currency", "method", "cardLast4"):
            columns[name].append(_text(r.get(name)))
        columns["value"].append(_number(r.get("value")))
        columns["date"].append(_number(r.get("date")))
    return _frame(columns, text_columns=RAW_TEXT_COLUMNS)
