"""X-Cart's quality frames (catalogue): its records as one row each for the suites.

Moved from ``storesync.quality.frames_catalogue``, whose generic helpers it uses.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from storesync.quality.frames_catalogue import _frame, _number, _text


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
