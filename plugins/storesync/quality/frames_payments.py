"""Frames for the payments and refunds flows' gates: one row per record, the columns the suites check.

Raw: X-Cart payment transactions (both flows read the same entity, so they share the raw frame and suite).
Target: the ``StgCustPmt`` / ``StgARCreditMemo`` rows the mapping produced (``{"row": {...}}``), before the
loader adds ``CustID`` from the ERP. Like the other builders: pandas is imported lazily, numbers become
floats only inside the frame (for the checks), anything unusable becomes NaN/None so the row fails an
expectation instead of the build crashing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from storesync.quality.frames_catalogue import _frame, _number, _text

RAW_TEXT_COLUMNS = ("transactionId", "orderId", "type", "status", "currency", "method", "cardLast4")

# Sage 500 sizes of the staging columns the mapping fills (CustID is added by the loader from the ERP).
_USER_FIELDS = {f"UserFld{n}": 15 for n in range(1, 5)}
CUSTOMER_PAYMENT_COLUMN_SIZES: dict[str, int] = {
    "TranNo": 10, "CurrID": 3, "PmtMethID": 15, "CashAcctID": 100, "ApplyToTranNo": 10, "TranCmnt": 50,
    **_USER_FIELDS,
}
CREDIT_MEMO_COLUMN_SIZES: dict[str, int] = {
    "TranNo": 10, "CurrID": 3, "ApplyToTranNo": 10, "TranCmnt": 50, **_USER_FIELDS,
}


def _id_text(value: Any) -> str | None:
    """An id as text (X-Cart sends integers); booleans, objects and blanks are missing."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    return _text(value)


def raw_xcart_payment_transactions_frame(records: Sequence[dict]):
    rows = [r if isinstance(r, dict) else {} for r in records]
    columns: dict[str, list] = {name: [] for name in (*RAW_TEXT_COLUMNS, "value", "date")}
    for r in rows:
        for name in ("transactionId", "orderId"):
            columns[name].append(_id_text(r.get(name)))
        for name in ("type", "status", "currency", "method", "cardLast4"):
            columns[name].append(_text(r.get(name)))
        columns["value"].append(_number(r.get("value")))
        columns["date"].append(_number(r.get("date")))
    return _frame(columns, text_columns=RAW_TEXT_COLUMNS)


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
