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


def raw_xcart_profiles_frame(records: Sequence[dict]):
    rows = _rows(records)
    return _frame({
        "profileId": [_text(str(r.get("profileId"))) if r.get("profileId") is not None else None for r in rows],
        "email": [_text(r.get("email")) for r in rows],
        "email_valid": [_email_ok(r.get("email")) for r in rows],
        "name": [_text(f"{r.get('firstname') or ''} {r.get('lastname') or ''}".strip()) for r in rows],
    }, text_columns=("profileId", "email", "name"))


def sage500_customer_staging_frame(records: Sequence[dict]):
    rows = _rows(records)
    columns = ("CustID", "CustName", "CustClassID", "Name", "EMailAddr", "AddrLine1", "AddrLine2", "City", "StateID",
               "PostalCode", "CountryID", "Phone")
    frame = {c: [_text(r.get(c)) for r in rows] for c in columns}
    frame.update({f"len_{c}": [_length(r.get(c)) for r in rows] for c in columns})
    return _frame(frame, text_columns=columns)


def raw_sage500_customers_frame(records: Sequence[dict]):
    rows = _rows(records)
    return _frame({
        "CustID": [_text(r.get("CustID")) for r in rows],
        "EMailAddr": [_text(r.get("EMailAddr")) for r in rows],
        # NaN (skipped by the check) when there is no e-mail at all
        "email_valid": [_email_ok(r.get("EMailAddr")) if _text(r.get("EMailAddr")) else float("nan") for r in rows],
        "Status": [float(r["Status"]) if isinstance(r.get("Status"), int) else float("nan") for r in rows],
    }, text_columns=("CustID", "EMailAddr"))


def xcart_profile_updates_frame(records: Sequence[dict]):
    rows = _rows(records)
    return _frame({
        "email": [_text(r.get("email")) for r in rows],
        "status": [_text(r.get("status")) for r in rows],
        "street": [_text((r.get("address") or {}).get("street")) for r in rows],
    }, text_columns=("email", "status", "street"))
