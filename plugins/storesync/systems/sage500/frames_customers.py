"""Sage 500's quality frames (customers): its records as one row each for the suites.

Moved from ``storesync.quality.frames_customers``, whose generic helpers it uses.
"""

from __future__ import annotations

from collections.abc import Sequence

from storesync.quality.frames_catalogue import _frame, _text
from storesync.quality.frames_customers import _email_ok, _length, _rows


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
