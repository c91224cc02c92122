"""Sage 500's quality frames (payments): its records as one row each for the suites.

Moved from ``storesync.quality.frames_payments``, whose generic helpers it uses.
"""

from __future__ import annotations

from collections.abc import Sequence

from storesync.quality.frames_catalogue import _frame, _number, _text


# Sage 500 sizes of the staging columns the mapping fills (CustID is added by the loader from the ERP).
_USER_FIELDS = {f"UserFld{n}": 15 for n in range(1, 5)}


CUSTOMER_PAYMENT_COLUMN_SIZES: dict[str, int] = {
    "TranNo": 10, "CurrID": 3, "PmtMethID": 15, "CashAcctID": 100, "ApplyToTranNo": 10, "TranCmnt": 50,
    **_USER_FIELDS,
}


CREDIT_MEMO_COLUMN_SIZES: dict[str, int] = {
    "TranNo": 10, "CurrID": 3, "ApplyToTranNo": 10, "TranCmnt": 50, **_USER_FIELDS,
}


def _staging_frame(records: Sequence[dict], sizes: dict[str, int]):
    rows = [(r.get("row") if isinstance(r, dict) else None) or {} for r in records]
    rows = [r if isinstance(r, dict) else {} for r in rows]
    columns: dict[str, list] = {name: [_text(r.get(name)) for r in rows] for name in sizes}
    columns["TranAmt"] = [_number(r.get("TranAmt")) for r in rows]
    columns["TranDate"] = [None if r.get("TranDate") in (None, "") else str(r.get("TranDate")) for r in rows]
    return _frame(columns, text_columns=(*sizes, "TranDate"))


def sage500_customer_payment_frame(records: Sequence[dict]):
    return _staging_frame(records, CUSTOMER_PAYMENT_COLUMN_SIZES)


def sage500_credit_memo_frame(records: Sequence[dict]):
    return _staging_frame(records, CREDIT_MEMO_COLUMN_SIZES)
