"""Acumatica documents for the daily reconciliation (registry ``RECONCILE`` / ``RECONCILE_BY_REF`` in :mod:`.acumatica`).

- **sales orders**: ``SalesOrder`` of type SO dated on the day (``Date``); the storefront order is the one
  ``CustomerOrder`` names (``XC-<orderId>``, as the orders flow sets it); amount ``OrderTotal``;
- **cash receipts**: ``Payment`` of type Payment or Prepayment applied on the day (``ApplicationDate``),
  voided ones left out (no money was received); the storefront payment is the one ``PaymentRef`` names
  (``XP-<transactionId>``); the gateway transaction id is ``Description`` (as the payments mapping writes
  it); the cash account ``CashAccount``; the web order is the sales order of ``OrdersToApply``, whose
  ``CustomerOrder`` is read back;
- **credit memos**: ``SalesOrder`` of type CM dated on the day; ``CustomerOrder`` names the storefront
  refund (``XR-<transactionId>``), ``ExternalRef`` the refunded web order (``XC-<orderId>``), whose sales
  order number is read back; the gateway refund id is ``Description``.

Every document of the day is returned, with or without a storefront reference (the matching decides what
is the pair's). Queries are OData ``$filter`` on the contract-based API; lookups by reference go in chunks of
``eq … or …`` terms (Acumatica's dialect has no ``in``). Values are read defensively
(:mod:`storesync.reconciliation.model`): a bad value is a problem on its line, never a failed task.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from storesync.systems.acumatica.orders import FILTER_CHUNK
from storesync.systems.acumatica.reads import any_of, chunks
from storesync.systems.acumatica.wire import odata_datetime, odata_string
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

SALES_ORDER, CREDIT_MEMO = "SO", "CM"
CASH_RECEIPT_TYPES = ("Payment", "Prepayment")
VOIDED = "Voided"
ORDER_FIELDS = ("OrderType", "OrderNbr", "CustomerOrder", "ExternalRef", "Date", "CurrencyID", "OrderTotal",
                "PaymentMethod", "Description", "Status")


# -- the day --------------------------------------------------------------------------------------------------

def read_sales_orders(client, options: dict[str, Any], day_start: datetime, day_end: datetime) -> list[Document]:
    rows = client.list("SalesOrder", filter=_dated("Date", day_start, day_end), select=ORDER_FIELDS)
    return [_order(row, options) for row in rows if _type(row, "OrderType") == SALES_ORDER]


def read_credit_memos(client, options: dict[str, Any], day_start: datetime, day_end: datetime) -> list[Document]:
    rows = [row for row in client.list("SalesOrder", filter=_dated("Date", day_start, day_end), select=ORDER_FIELDS)
            if _type(row, "OrderType") == CREDIT_MEMO]
    return _credit_memos(client, rows, options)


def read_cash_receipts(client, options: dict[str, Any], day_start: datetime, day_end: datetime) -> list[Document]:
    rows = client.list("Payment", filter=_dated("ApplicationDate", day_start, day_end), expand=("OrdersToApply",))
    return _receipts(client, list(rows), options)


# -- by storefront id, any date ---------------------------------------------------------------------------------

def sales_orders_by_ref(client, options: dict[str, Any], storefront_ids: Iterable[str]) -> list[Document]:
    rows = _by_reference(client, "SalesOrder", "CustomerOrder", references_for("order", storefront_ids, options),
                         select=ORDER_FIELDS)
    return [_order(row, options) for row in rows if _type(row, "OrderType") == SALES_ORDER]


def credit_memos_by_ref(client, options: dict[str, Any], storefront_ids: Iterable[str]) -> list[Document]:
    rows = _by_reference(client, "SalesOrder", "CustomerOrder", references_for("refund", storefront_ids, options),
                         select=ORDER_FIELDS)
    return _credit_memos(client, [row for row in rows if _type(row, "OrderType") == CREDIT_MEMO], options)


def cash_receipts_by_ref(client, options: dict[str, Any], storefront_ids: Iterable[str]) -> list[Document]:
    rows = _by_reference(client, "Payment", "PaymentRef", references_for("payment", storefront_ids, options),
                         expand=("OrdersToApply",))
    return _receipts(client, rows, options)


# -- records → documents --------------------------------------------------------------------------------------

def _order(row: dict[str, Any], options: dict[str, Any]) -> Document:
    problems: list[Problem] = []
    own = storefront_id_in(row, "CustomerOrder", "order", options, problems)
    return Document(
        "erp", "order", _number(row, "OrderNbr"),
        date=read_date(row.get("Date"), "Date", problems),
        amount=read_amount(row.get("OrderTotal"), "OrderTotal", problems),
        currency=read_currency(row.get("CurrencyID"), "CurrencyID", problems),
        store_ref=own, order_ref=own, method=read_text(row.get("PaymentMethod")),
        status_note=read_text(row.get("Status")), problems=tuple(problems),
    )


def _credit_memos(client, rows: list[dict[str, Any]], options: dict[str, Any]) -> list[Document]:
    order_prefix = reference_prefix("order", options)
    orders = _sales_order_numbers(client, [read_text(row.get("ExternalRef")) for row in rows])
    documents = []
    for row in rows:
        problems: list[Problem] = []
        external = read_text(row.get("ExternalRef"))
        documents.append(Document(
            "erp", "refund", _number(row, "OrderNbr"),
            date=read_date(row.get("Date"), "Date", problems),
            amount=read_amount(row.get("OrderTotal"), "OrderTotal", problems),
            currency=read_currency(row.get("CurrencyID"), "CurrencyID", problems),
            store_ref=storefront_id_in(row, "CustomerOrder", "refund", options, problems),
            order_ref=storefront_id(external, order_prefix), erp_order_id=orders.get(external or ""),
            gateway_id=read_text(row.get("Description")), status_note=read_text(row.get("Status")),
            problems=tuple(problems),
        ))
    return documents


def _receipts(client, rows: list[dict[str, Any]], options: dict[str, Any]) -> list[Document]:
    rows = [row for row in rows if _type(row, "Type") in CASH_RECEIPT_TYPES and read_text(row.get("Status")) != VOIDED]
    applied = {id(row): _first_application(row) for row in rows}
    references = _sales_order_references(client, [number for number in applied.values() if number])
    order_prefix = reference_prefix("order", options)
    documents = []
    for row in rows:
        problems: list[Problem] = []
        order_number = applied[id(row)]
        documents.append(Document(
            "erp", "payment", _number(row, "ReferenceNbr"),
            date=read_date(row.get("ApplicationDate"), "ApplicationDate", problems),
            amount=read_amount(row.get("PaymentAmount"), "PaymentAmount", problems),
            currency=read_currency(row.get("CurrencyID"), "CurrencyID", problems),
            store_ref=storefront_id_in(row, "PaymentRef", "payment", options, problems),
            order_ref=storefront_id(references.get(order_number or ""), order_prefix), erp_order_id=order_number,
            method=read_text(row.get("PaymentMethod")), account=read_text(row.get("CashAccount")),
            gateway_id=read_text(row.get("Description")), status_note=read_text(row.get("Status")),
            problems=tuple(problems),
        ))
    return documents


# -- helpers ----------------------------------------------------------------------------------------------------

def _dated(field: str, start: datetime, end: datetime) -> str:
    return f"{field} ge {odata_datetime(start)} and {field} lt {odata_datetime(end)}"


def _by_reference(client, entity: str, field: str, references: list[str], **options) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for chunk in chunks(references, FILTER_CHUNK):
        wanted = {ref.casefold() for ref in chunk}
        rows += [row for row in client.list(entity, filter=any_of(field, chunk, odata_string), **options)
                 if str(row.get(field) or "").strip().casefold() in wanted]
    return rows


def _sales_order_numbers(client, external_refs: list[str | None]) -> dict[str, str]:
    """``XC-<orderId>`` → the web order's sales order number (type SO)."""
    rows = _by_reference(client, "SalesOrder", "CustomerOrder", sorted({r for r in external_refs if r}),
                         select=("OrderType", "OrderNbr", "CustomerOrder"))
    found: dict[str, str] = {}
    for row in sorted(rows, key=lambda r: str(r.get("OrderNbr") or "")):
        if _type(row, "OrderType") == SALES_ORDER:
            found.setdefault(str(row.get("CustomerOrder")).strip(), _number(row, "OrderNbr"))
    return found


def _sales_order_references(client, numbers: list[str]) -> dict[str, str | None]:
    """Sales order number (type SO) → its ``CustomerOrder``."""
    rows = _by_reference(client, "SalesOrder", "OrderNbr", sorted(set(numbers)),
                         select=("OrderType", "OrderNbr", "CustomerOrder"))
    return {_number(row, "OrderNbr"): read_text(row.get("CustomerOrder")) for row in rows
            if _type(row, "OrderType") == SALES_ORDER}


def _first_application(row: dict[str, Any]) -> str | None:
    for line in row.get("OrdersToApply") or []:
        if isinstance(line, dict) and str(line.get("OrderType") or SALES_ORDER).strip() == SALES_ORDER:
            number = read_text(line.get("OrderNbr"))
            if number:
                return number
    return None








def _type(row: dict[str, Any], field: str) -> str:
    return str(row.get(field) or "").strip()


def _number(row: dict[str, Any], field: str) -> str:
    return read_text(row.get(field)) or "(no number)"
