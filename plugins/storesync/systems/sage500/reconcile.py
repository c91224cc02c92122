"""Sage 500 documents for the daily reconciliation (registry ``RECONCILE`` / ``RECONCILE_BY_REF`` in :mod:`.sage500`).

- **sales orders** (``tsoSalesOrder``) by ``TranDate``: the storefront order is the one ``UserFld1``
  names (``XC-<orderId>``, as the orders flow writes it); amount ``TranAmt``, currency ``CurrID``;
- **cash receipts** (``tarCustPmt``) by ``TranDate``: the storefront payment is the one ``UserFld1`` names
  (``XP-<transactionId>``); the gateway transaction id is ``TranCmnt``; the cash account is the GL account
  ``CashAcctKey`` points to (``tglAccount.GLAcctNo``); the web order is the sales order the receipt is
  applied to (``tarCustPmtAppl``; its ``UserFld1``), else ``UserFld2`` (``XC-<orderId>``);
- **credit memos** (``tarInvoice`` with ``TranType`` 502) by ``TranDate``: ``UserFld1`` names the
  storefront refund (``XR-<transactionId>``); the web order is the sales order ``ApplyToSOKey`` points to.

Every document of the day is returned, with or without a storefront reference: the matching decides what
belongs to the pair. ``TranDate`` is stored without a zone; like the rest of the adapter we read it as UTC.
Reads are keyset-paged by the surrogate key through the dialect's ``first_rows`` clause (same SQL on SQL
Server, PostgreSQL and SQLite); values are read defensively, so a bad row becomes a problem on its line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from typing import Any

from storesync.systems.sage500.payments import CREDIT_MEMO_TRAN_TYPE
from storesync.systems.sage500.hook import Sage500Hook
from storesync.reconciliation.references import reference_prefix, references_for, storefront_id_in
from storesync.reconciliation.model import (
    Document,
    Problem,
    read_amount,
    read_currency,
    read_date,
    read_text,
    storefront_id,
)

PAGE = 1000
_CHUNK = 500

_ORDERS = ("SELECT o.SOKey AS DocKey, o.TranNo, o.TranDate, o.CurrID, o.TranAmt, o.UserFld1 FROM tsoSalesOrder o "
           "WHERE o.CompanyID = ?")
_RECEIPTS = ("SELECT p.CustPmtKey AS DocKey, p.TranNo, p.TranDate, p.CurrID, p.TranAmt, p.PmtMethID, p.TranCmnt, "
             "p.UserFld1, p.UserFld2, a.GLAcctNo FROM tarCustPmt p LEFT JOIN tglAccount a ON a.GLAcctKey = p.CashAcctKey "
             "WHERE p.CompanyID = ?")
_MEMOS = ("SELECT i.InvcKey AS DocKey, i.TranNo, i.TranDate, i.CurrID, i.TranAmt, i.TranCmnt, i.UserFld1, i.UserFld2, "
          "o.TranNo AS SOTranNo, o.UserFld1 AS SORef FROM tarInvoice i LEFT JOIN tsoSalesOrder o ON o.SOKey = i.ApplyToSOKey "
          "WHERE i.CompanyID = ? AND i.TranType = ?")
_KEY_COLUMN = {"order": "o.SOKey", "payment": "p.CustPmtKey", "refund": "i.InvcKey"}
_ALIAS = {"order": "o", "payment": "p", "refund": "i"}


# -- the day --------------------------------------------------------------------------------------------------

def read_sales_orders(hook: Sage500Hook, options: dict[str, Any], day_start: datetime, day_end: datetime):
    return _read_day(hook, options, "order", day_start, day_end)


def read_cash_receipts(hook: Sage500Hook, options: dict[str, Any], day_start: datetime, day_end: datetime):
    return _read_day(hook, options, "payment", day_start, day_end)


def read_credit_memos(hook: Sage500Hook, options: dict[str, Any], day_start: datetime, day_end: datetime):
    return _read_day(hook, options, "refund", day_start, day_end)


# -- by storefront id, any date ---------------------------------------------------------------------------------

def sales_orders_by_ref(hook: Sage500Hook, options: dict[str, Any], storefront_ids: Iterable[str]):
    return _read_refs(hook, options, "order", storefront_ids)


def cash_receipts_by_ref(hook: Sage500Hook, options: dict[str, Any], storefront_ids: Iterable[str]):
    return _read_refs(hook, options, "payment", storefront_ids)


def credit_memos_by_ref(hook: Sage500Hook, options: dict[str, Any], storefront_ids: Iterable[str]):
    return _read_refs(hook, options, "refund", storefront_ids)


# -- reading ----------------------------------------------------------------------------------------------------

def _base(kind: str) -> tuple[str, list[Any]]:
    if kind == "order":
        return _ORDERS, []
    if kind == "payment":
        return _RECEIPTS, []
    return _MEMOS, [CREDIT_MEMO_TRAN_TYPE]


def _read_day(hook: Sage500Hook, options: dict[str, Any], kind: str, day_start: datetime, day_end: datetime):
    sql, extra = _base(kind)
    alias, key = _ALIAS[kind], _KEY_COLUMN[kind]
    window = [_naive_utc(day_start), _naive_utc(day_end)]
    rows: list[dict[str, Any]] = []
    with hook.transaction(f"reconciliation read of {kind}s") as connection:
        last = 0
        while True:
            page = hook.fetch_all(
                connection,
                f"{sql} AND {alias}.TranDate >= ? AND {alias}.TranDate < ? AND {key} > ? ORDER BY {key} "
                f"{hook.first_rows(PAGE)}",
                [hook.company_id, *extra, *window, last],
            )
            rows += page
            if len(page) < PAGE:
                break
            last = int(page[-1]["DocKey"])
        applied = _applications(hook, connection, [int(r["DocKey"]) for r in rows]) if kind == "payment" else {}
    return [_document(kind, row, applied.get(int(row["DocKey"])), options) for row in rows]


def _read_refs(hook: Sage500Hook, options: dict[str, Any], kind: str, storefront_ids: Iterable[str]):
    sql, extra = _base(kind)
    alias = _ALIAS[kind]
    references = references_for(kind, storefront_ids, options)
    rows: list[dict[str, Any]] = []
    with hook.transaction(f"reconciliation read of {kind}s by reference") as connection:
        for chunk in _chunks(references):
            rows += hook.fetch_all(
                connection, f"{sql} AND {alias}.UserFld1 IN ({', '.join('?' for _ in chunk)}) ORDER BY {_KEY_COLUMN[kind]}",
                [hook.company_id, *extra, *chunk])
        applied = _applications(hook, connection, [int(r["DocKey"]) for r in rows]) if kind == "payment" else {}
    return [_document(kind, row, applied.get(int(row["DocKey"])), options) for row in rows]


def _applications(hook: Sage500Hook, connection, receipt_keys: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The first sales order each receipt is applied to: its TranNo and storefront reference."""
    found: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(sorted(set(receipt_keys))):
        for row in hook.fetch_all(
            connection,
            "SELECT ap.CustPmtKey, o.TranNo, o.UserFld1 FROM tarCustPmtAppl ap JOIN tsoSalesOrder o "
            f"ON o.SOKey = ap.ApplyToSOKey WHERE ap.CustPmtKey IN ({', '.join('?' for _ in chunk)}) "
            "ORDER BY ap.CustPmtApplKey",
            chunk,
        ):
            found.setdefault(int(row["CustPmtKey"]), {"TranNo": row["TranNo"], "UserFld1": row["UserFld1"]})
    return found


def _document(kind: str, row: dict[str, Any], applied: dict[str, Any] | None, options: dict[str, Any]) -> Document:
    problems: list[Problem] = []
    doc_id = read_text(row["TranNo"]) or f"key {row['DocKey']}"
    own = storefront_id_in(row, "UserFld1", kind, options, problems)
    order_prefix = reference_prefix("order", options)
    if kind == "order":
        order_ref, erp_order = own, None
    elif kind == "payment":
        order_ref = storefront_id((applied or {}).get("UserFld1"), order_prefix) or storefront_id(
            row.get("UserFld2"), order_prefix)
        erp_order = read_text((applied or {}).get("TranNo"))
    else:
        order_ref = storefront_id(row.get("SORef"), order_prefix) or storefront_id(row.get("UserFld2"), order_prefix)
        erp_order = read_text(row.get("SOTranNo"))
    return Document(
        "erp", kind, doc_id,
        date=read_date(row["TranDate"], "TranDate", problems),
        amount=read_amount(row["TranAmt"], "TranAmt", problems),
        currency=read_currency(row["CurrID"], "CurrID", problems),
        store_ref=own, order_ref=order_ref, erp_order_id=erp_order,
        method=read_text(row.get("PmtMethID")) if kind == "payment" else None,
        account=read_text(row.get("GLAcctNo")) if kind == "payment" else None,
        gateway_id=read_text(row.get("TranCmnt")) if kind != "order" else None,
        problems=tuple(problems),
    )




def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def _chunks(values: Sequence[Any], size: int = _CHUNK):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]
