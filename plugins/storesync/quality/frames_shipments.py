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
