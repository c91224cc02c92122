"""X-Cart's quality frames (shipments): its records as one row each for the suites.

Moved from ``storesync.quality.frames_shipments``, whose generic helpers it uses.
"""

from __future__ import annotations

from collections.abc import Sequence

from storesync.quality.frames_catalogue import _frame, _number, _text
from storesync.quality.frames_shipments import _least


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
