"""Intacct documents for the daily reconciliation (registry ``RECONCILE`` / ``RECONCILE_BY_REF``).

- **sales orders**: ``SODOCUMENT`` of the sales order definition dated on the day (``WHENCREATED``, the
  document date); the storefront order is the one ``PONUMBER`` names (``XC-<orderId>``, the orders flow's
  ``referenceno``); amount ``TOTAL``;
- **cash receipts**: ``ARPYMT`` received on the day (``RECEIPTDATE``); the storefront payment is the one
  ``DOCNUMBER`` names (``XP-<transactionId>``); the gateway id is ``DESCRIPTION``; the account is the bank
  account (``FINANCIALENTITY``) or the undeposited funds account; the web order is found through the
  payment's first ``ARPYMTDETAIL`` (``RECORDKEY``, the AR invoice) → the invoice document posting it
  (``PRRECORDKEY``) → its ``PONUMBER``, and its sales order is the invoice's ``CREATEDFROM``;
- **credit memos**: ``SODOCUMENT`` of the refund definition dated on the day; ``PONUMBER`` names the
  storefront refund (``XR-<transactionId>``), ``EXTERNALID`` the refunded web order (``XC-<orderId>``), whose
  sales order DOCID is read back; the gateway refund id is ``MESSAGE``.

Every document of the day is returned, with or without a storefront reference. Queries are ``query`` with
``in`` filters (≤ 200 values each); values are read defensively (:mod:`storesync.reconciliation.model`): a bad
value is a problem on its line, never a failed task.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

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
from storesync.systems.intacct import functions as fn
from storesync.systems.intacct.loading import rows_where_in
from storesync.systems.intacct.orders import SALES_INVOICE, SALES_ORDER
from storesync.systems.intacct.refunds import CREDIT_MEMO
from storesync.systems.intacct.wire import element, format_value

DOCUMENT_FIELDS = ("RECORDNO", "DOCID", "DOCPARID", "PONUMBER", "EXTERNALID", "WHENCREATED", "CURRENCY", "TOTAL",
                   "STATE", "MESSAGE", "CREATEDFROM", "PRRECORDKEY")
PAYMENT_FIELDS = ("RECORDNO", "DOCNUMBER", "RECEIPTDATE", "TOTALENTERED", "CURRENCY", "PAYMENTMETHOD",
                  "FINANCIALENTITY", "UNDEPOSITEDACCOUNTNO", "DESCRIPTION")


# -- the day --------------------------------------------------------------------------------------------------

def read_sales_orders(client, options: dict[str, Any], day_start: datetime, day_end: datetime) -> list[Document]:
    rows = _dated(client, "SODOCUMENT", DOCUMENT_FIELDS, "WHENCREATED", day_start, day_end,
                  docparid=_types(options)["order"])
    return [_order(row, options) for row in rows]


def read_credit_memos(client, options: dict[str, Any], day_start: datetime, day_end: datetime) -> list[Document]:
    rows = _dated(client, "SODOCUMENT", DOCUMENT_FIELDS, "WHENCREATED", day_start, day_end,
                  docparid=_types(options)["refund"])
    return _credit_memos(client, rows, options)


def read_cash_receipts(client, options: dict[str, Any], day_start: datetime, day_end: datetime) -> list[Document]:
    return _receipts(client, _dated(client, "ARPYMT", PAYMENT_FIELDS, "RECEIPTDATE", day_start, day_end), options)


# -- by storefront id, any date ---------------------------------------------------------------------------------

def sales_orders_by_ref(client, options: dict[str, Any], storefront_ids: Iterable[str]) -> list[Document]:
    rows = rows_where_in(client, "SODOCUMENT", DOCUMENT_FIELDS, "PONUMBER", references_for("order", storefront_ids, options),
                         docparid=_types(options)["order"])
    return [_order(row, options) for row in rows]


def credit_memos_by_ref(client, options: dict[str, Any], storefront_ids: Iterable[str]) -> list[Document]:
    rows = list(rows_where_in(client, "SODOCUMENT", DOCUMENT_FIELDS, "PONUMBER",
                              references_for("refund", storefront_ids, options), docparid=_types(options)["refund"]))
    return _credit_memos(client, rows, options)


def cash_receipts_by_ref(client, options: dict[str, Any], storefront_ids: Iterable[str]) -> list[Document]:
    rows = list(rows_where_in(client, "ARPYMT", PAYMENT_FIELDS, "DOCNUMBER",
                              references_for("payment", storefront_ids, options)))
    return _receipts(client, rows, options)


# -- records → documents --------------------------------------------------------------------------------------

def _order(row: dict[str, Any], options: dict[str, Any]) -> Document:
    problems: list[Problem] = []
    own = storefront_id_in(row, "PONUMBER", "order", options, problems)
    return Document("erp", "order", _number(row, "DOCID"),
                    date=read_date(_us_date(row.get("WHENCREATED")), "WHENCREATED", problems),
                    amount=read_amount(row.get("TOTAL"), "TOTAL", problems),
                    currency=read_currency(row.get("CURRENCY"), "CURRENCY", problems),
                    store_ref=own, order_ref=own, status_note=read_text(row.get("STATE")), problems=tuple(problems))


def _credit_memos(client, rows: list[dict[str, Any]], options: dict[str, Any]) -> list[Document]:
    order_prefix = reference_prefix("order", options)
    externals = sorted({read_text(row.get("EXTERNALID")) or "" for row in rows} - {""})
    orders = {row["PONUMBER"]: row["DOCID"] for row in rows_where_in(
        client, "SODOCUMENT", ("DOCID", "PONUMBER"), "PONUMBER", externals, docparid=_types(options)["order"])}
    documents = []
    for row in rows:
        problems: list[Problem] = []
        external = read_text(row.get("EXTERNALID"))
        documents.append(Document(
            "erp", "refund", _number(row, "DOCID"),
            date=read_date(_us_date(row.get("WHENCREATED")), "WHENCREATED", problems),
            amount=read_amount(row.get("TOTAL"), "TOTAL", problems),
            currency=read_currency(row.get("CURRENCY"), "CURRENCY", problems),
            store_ref=storefront_id_in(row, "PONUMBER", "refund", options, problems),
            order_ref=storefront_id(external, order_prefix), erp_order_id=orders.get(external or ""),
            gateway_id=read_text(row.get("MESSAGE")), status_note=read_text(row.get("STATE")),
            problems=tuple(problems)))
    return documents


def _receipts(client, rows: list[dict[str, Any]], options: dict[str, Any]) -> list[Document]:
    # payment → its first AR invoice (ARPYMTDETAIL) → the invoice document posting it → reference and order.
    first_invoice: dict[str, str] = {}
    for detail in rows_where_in(client, "ARPYMTDETAIL", ("RECORDNO", "PAYMENTKEY", "RECORDKEY"), "PAYMENTKEY",
                                [row["RECORDNO"] for row in rows]):
        first_invoice.setdefault(detail["PAYMENTKEY"], detail["RECORDKEY"])
    invoices = {row["PRRECORDKEY"]: row for row in rows_where_in(
        client, "SODOCUMENT", ("DOCID", "PONUMBER", "CREATEDFROM", "PRRECORDKEY"), "PRRECORDKEY",
        sorted(set(first_invoice.values())), docparid=_types(options)["invoice"])}
    order_prefix = reference_prefix("order", options)
    documents = []
    for row in rows:
        problems: list[Problem] = []
        invoice = invoices.get(first_invoice.get(row["RECORDNO"], ""), {})
        documents.append(Document(
            "erp", "payment", _number(row, "RECORDNO"),
            date=read_date(_us_date(row.get("RECEIPTDATE")), "RECEIPTDATE", problems),
            amount=read_amount(row.get("TOTALENTERED"), "TOTALENTERED", problems),
            currency=read_currency(row.get("CURRENCY"), "CURRENCY", problems),
            store_ref=storefront_id_in(row, "DOCNUMBER", "payment", options, problems),
            order_ref=storefront_id(invoice.get("PONUMBER"), order_prefix),
            erp_order_id=read_text(invoice.get("CREATEDFROM")) or read_text(invoice.get("DOCID")),
            method=read_text(row.get("PAYMENTMETHOD")),
            account=read_text(row.get("FINANCIALENTITY")) or read_text(row.get("UNDEPOSITEDACCOUNTNO")),
            gateway_id=read_text(row.get("DESCRIPTION")), problems=tuple(problems)))
    return documents


# -- helpers ----------------------------------------------------------------------------------------------------

def _dated(client, obj: str, select: Iterable[str], field: str, start: datetime, end: datetime, *,
           docparid: str | None = None) -> list[dict[str, Any]]:
    """Rows whose date ``field`` lies in [start, end) (dates are whole days: the last day is end less a moment)."""
    last = (end - timedelta(microseconds=1)).date()
    where = fn.all_of(fn.greater_than_or_equal_to(field, start.date()), _less_or_equal(field, last))
    return list(client.iter_rows(fn.QueryPaginator(obj, list(select), where=where, docparid=docparid)))


def _less_or_equal(field: str, value) -> ET.Element:
    node = ET.Element("lessthanorequalto")  # QueryFilter lessThanOrEqualTo (NewQuery/QueryFilter/Filter.php)
    node.append(element("field", field))
    node.append(element("value", format_value(value, field_path=field)))
    return node


def _us_date(value: Any) -> Any:
    """Intacct's ``mm/dd/yyyy`` as ISO text for :func:`read_date`; anything else as it is (a problem there)."""
    text = read_text(value)
    try:
        return datetime.strptime(text, "%m/%d/%Y").date().isoformat() if text else value
    except ValueError:
        return value


def _types(options: dict[str, Any]) -> dict[str, str]:
    return {"order": str(options.get("order_transaction_type", SALES_ORDER)),
            "invoice": str(options.get("invoice_type", SALES_INVOICE)),
            "refund": str(options.get("refund_transaction_type", CREDIT_MEMO))}








def _number(row: dict[str, Any], field: str) -> str:
    return read_text(row.get(field)) or "(no number)"
