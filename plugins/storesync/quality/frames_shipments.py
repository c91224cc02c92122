"""Frames for the shipments flow's gates: one row per shipment, columns the suites check.

Like ``frames_catalogue``: pandas is imported lazily, numbers become floats only inside the frame (for the
checks), and anything unusable becomes NaN/None so an expectation fails for that row instead of the build
crashing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from storesync.quality.frames_catalogue import _frame, _number, _text

# What storesync.privacy leaves of a card-like digit run (a FedEx Ground 15-digit tracking number passes the
# Luhn check one time in ten): such a tracking number must never reach the storefront in its masked form.
_MASKED_CARD = re.compile(r"\[card \*{4}[0-9]{4}\]")
# "<prefix>-<storefront order id>", e.g. XC-17 (the sales order's UserFld1, written by the orders flow).
_REFERENCE = re.compile(r"\s*[A-Za-z]+-(\d{1,12})\s*")


def order_reference(value: Any) -> str | None:
    """The storefront order id in a sales order's reference, or None when there is none to read."""
    match = _REFERENCE.fullmatch(value) if isinstance(value, str) else None
    return match.group(1) if match else None


def _least(values: list[float]) -> float:
    """The smallest value, NaN when a line has none usable (so not-null fails) or there are no lines."""
    if not values or any(math.isnan(v) for v in values):
        return math.nan
    return min(values)


def _lines(record: dict) -> list[dict]:
    lines = record.get("lines")
    return [line if isinstance(line, dict) else {} for line in lines] if isinstance(lines, list) else []


def raw_sage500_shipments_frame(records: Sequence[dict]):
    rows = [r if isinstance(r, dict) else {} for r in records]
    return _frame({
        "ShipKey": [_number(r.get("ShipKey")) for r in rows],
        "TrackingNo": [_text(r.get("TrackingNo")) for r in rows],
        "order_reference": [order_reference(r.get("UserFld1")) for r in rows],
        "line_count": [float(len(_lines(r))) for r in rows],
        "min_QtyShipped": [_least([_number(line.get("QtyShipped")) for line in _lines(r)]) for r in rows],
        "missing_sku_count": [float(sum(1 for line in _lines(r) if not _text(line.get("ItemID")))) for r in rows],
        "tracking_masked": [1.0 if isinstance(r.get("TrackingNo"), str) and _MASKED_CARD.search(r["TrackingNo"]) else 0.0
                            for r in rows],
    }, text_columns=("TrackingNo", "order_reference"))


def xcart_shipments_frame(records: Sequence[dict]):
    rows = [r if isinstance(r, dict) else {} for r in records]

    def tracking(record: dict) -> str | None:
        value = record.get("tracking")
        return _text(value.get("value")) if isinstance(value, dict) else None

    def items(record: dict) -> list[dict]:
        found = record.get("items")
        return [i if isinstance(i, dict) else {} for i in found] if isinstance(found, list) else []

    return _frame({
        "orderId": [_number(r.get("orderId")) for r in rows],
        "tracking_value": [tracking(r) for r in rows],
        "shippingStatus": [_text(r.get("shippingStatus")) for r in rows],
        "line_count": [float(len(items(r))) for r in rows],
        "min_amount": [_least([_number(i.get("amount")) for i in items(r)]) for r in rows],
    }, text_columns=("tracking_value", "shippingStatus"))
