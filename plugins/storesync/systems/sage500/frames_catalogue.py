"""Sage 500's quality frames (catalogue): its records as one row each for the suites.

Moved from ``storesync.quality.frames_catalogue``, whose generic helpers it uses.
"""

from __future__ import annotations

from collections.abc import Sequence

from storesync.quality.frames_catalogue import _frame, _number, _text


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
