"""X-Cart's quality frames (customers): its records as one row each for the suites.

Moved from ``storesync.quality.frames_customers``, whose generic helpers it uses.
"""

from __future__ import annotations

from collections.abc import Sequence

from storesync.quality.frames_catalogue import _frame, _text
from storesync.quality.frames_customers import _email_ok, _rows


def raw_xcart_profiles_frame(records: Sequence[dict]):
    rows = _rows(records)
    return _frame({
        "profileId": [_text(str(r.get("profileId"))) if r.get("profileId") is not None else None for r in rows],
        "email": [_text(r.get("email")) for r in rows],
        "email_valid": [_email_ok(r.get("email")) for r in rows],
        "name": [_text(f"{r.get('firstname') or ''} {r.get('lastname') or ''}".strip()) for r in rows],
    }, text_columns=("profileId", "email", "name"))


def xcart_profile_updates_frame(records: Sequence[dict]):
    rows = _rows(records)
    return _frame({
        "email": [_text(r.get("email")) for r in rows],
        "status": [_text(r.get("status")) for r in rows],
        "street": [_text((r.get("address") or {}).get("street")) for r in rows],
    }, text_columns=("email", "status", "street"))
