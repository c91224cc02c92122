"""Sage 500's quality frames (shipments): its records as one row each for the suites.

Moved from ``storesync.quality.frames_shipments``, whose generic helpers it uses.
"""

from __future__ import annotations

from collections.abc import Sequence

from storesync.quality.frames_catalogue import _frame, _number, _text
from storesync.quality.frames_shipments import _MASKED_CARD, _least, _lines, order_reference


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
