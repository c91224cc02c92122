"""Frames for the customers flow's gates: storefront profiles, Sage 500 staging rows, ERP customers, profile updates."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from storesync.quality.frames_catalogue import _frame, _text

# Deliberately loose: one @, something on both sides, a dot in the domain, no spaces.
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _email_ok(value: Any) -> float:
    return 1.0 if isinstance(value, str) and EMAIL.match(value.strip()) else 0.0


def _length(value: Any) -> float:
    return float(len(value)) if isinstance(value, str) else 0.0


def _rows(records: Sequence[Any]) -> list[dict]:
    return [r if isinstance(r, dict) else {} for r in records]
