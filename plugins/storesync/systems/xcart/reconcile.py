"""X-Cart documents for the daily reconciliation (registry ``RECONCILE`` / ``RECONCILE_BY_REF`` in :mod:`.xcart`).

- **orders** placed on the day (``orderDate``; X-Cart's ``_cnd[date]``, inclusive at both ends), with what
  the store says about payment (``paymentStatus`` P paid, PP part-paid or R refunded: money was taken) and
  what it captured for the order: the successful sales and captures among the transactions dated from the
  day's start to ``capture_grace_days`` (option, default 7) after its end; an order that claims payment
  and has none there is asked about by its order number (the transaction repository's ``_cnd[order]``),
  so an order without payment is never a guess;
- **payments**: successful (S) sale payment transactions and capture backend transactions dated on the day
  (read as :mod:`.xcart_transactions` reads them); a transaction whose type or status is not an X-Cart code
  is read as a payment with the problem named (the payments flow owns every type that is not a refund), so
  it becomes an exception line rather than vanishing;
- **refunds**: successful refund backend transactions (refund, refundPart, refundMulti) dated on the day.

Authorisations, voids and failed or pending attempts move no money and are not documents here. Values are
read defensively (:mod:`storesync.reconciliation.model`): a missing total or an unknown currency becomes a
problem on the document, never an exception in the task.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from storesync.systems.xcart.adapter import ENTITY_PATHS, record_key
from storesync.systems.xcart.payments import STATUSES, TYPES
from storesync.systems.xcart.transactions import DEFAULT_GATEWAY_ID_CELLS, TransactionReader
from storesync.hooks.errors import PermanentRecordError
from storesync.reconciliation.model import (
    Document,
    Problem,
    read_amount,
    read_currency,
    read_date,
    read_text,
)

log = logging.getLogger(__name__)

# Payment statuses under which the store says the buyer's money was taken.
MONEY_TAKEN = {"P": "paid", "PP": "part-paid", "R": "refunded"}
# Transaction types that are each kind's documents (status S only).
KIND_TYPES = {"payment": ("sale", "capture"), "refund": ("refund",)}
DEFAULT_CAPTURE_GRACE_DAYS = 7


# -- the day --------------------------------------------------------------------------------------------------

def read_orders(client, options: dict[str, Any], day_start: datetime, day_end: datetime) -> list[Document]:
    conditions = {"_cnd[date][0]": int(day_start.timestamp()), "_cnd[date][1]": int(day_end.timestamp()) - 1,
                  "_cnd[orderBy][0]": "o.order_id", "_cnd[orderBy][1]": "ASC"}
    orders = list(client.iter_records(ENTITY_PATHS["order"], conditions=conditions, key_field="orderId"))
    grace = timedelta(days=int(options.get("capture_grace_days", DEFAULT_CAPTURE_GRACE_DAYS)))
    reader = TransactionReader(client, _cells(options))
    captured = _captured(_money_in(reader, day_start, day_end + grace))
    return [order_document(record, _paid(reader, record, captured)) for record in orders]


def read_payments(client, options: dict[str, Any], day_start: datetime, day_end: datetime) -> list[Document]:
    return _documents(_money_in(TransactionReader(client, _cells(options)), day_start, day_end), "payment")


def read_refunds(client, options: dict[str, Any], day_start: datetime, day_end: datetime) -> list[Document]:
    reader = TransactionReader(client, _cells(options))
    start, end = int(day_start.timestamp()), int(day_end.timestamp())
    return _documents(reader.backends_between(start, end, ("refund",)), "refund")


# -- by id, any date ------------------------------------------------------------------------------------------

def orders_by_id(client, options: dict[str, Any], ids: Iterable[str]) -> list[Document]:
    reader = TransactionReader(client, _cells(options))
    return [order_document(record, _paid(reader, record, {})) for record in _find_orders(client, ids)]


def payments_by_id(client, options: dict[str, Any], ids: Iterable[str]) -> list[Document]:
    return [doc for doc in (transaction_document(r) for r in _find_transactions(client, ids, options)) if
            doc is not None and doc.kind == "payment"]


def refunds_by_id(client, options: dict[str, Any], ids: Iterable[str]) -> list[Document]:
    return [doc for doc in (transaction_document(r) for r in _find_transactions(client, ids, options)) if
            doc is not None and doc.kind == "refund"]


# -- records → documents --------------------------------------------------------------------------------------

def order_document(record: Any, paid: Decimal | None) -> Document:
    problems: list[Problem] = []
    if not isinstance(record, dict):
        problems.append(Problem("order", f"the record is not an object ({type(record).__name__})"))
        record_id, record = record_key(record, "orderId"), {}
    else:
        record_id = record_key(record, "orderId")
    status = record.get("paymentStatus")
    return Document(
        "storefront", "order", record_id,
        date=read_date(record.get("orderDate"), "orderDate", problems),
        amount=read_amount(record.get("total"), "total", problems),
        currency=read_currency(record.get("currency"), "currency", problems),
        store_ref=record_id, order_ref=record_id, method=read_text(record.get("paymentMethod")),
        marked_paid=status in MONEY_TAKEN, paid=paid,
        status_note=f"payment status {status}" if isinstance(status, str) else None,
        problems=tuple(problems),
    )


def transaction_document(record: Any) -> Document | None:
    """A payment or refund document, or None for a transaction that moved no money (auth, void, failed,
    pending). Unknown type or status codes are kept, as payments, with the problem named."""
    if not isinstance(record, dict):
        return Document("storefront", "payment", record_key(record, "transactionId"), None, None, None,
                        problems=(Problem("transaction", f"the record is not an object ({type(record).__name__})"),))
    kind_, status = record.get("type"), record.get("status")
    problems: list[Problem] = []
    if kind_ not in TYPES:
        problems.append(Problem("type", f"{kind_!r} is not an X-Cart transaction type ({', '.join(TYPES)})"))
    if status not in STATUSES:
        problems.append(Problem("status", f"{status!r} is not an X-Cart transaction status ({', '.join(STATUSES)})"))
    if not problems and (status != "S" or kind_ not in KIND_TYPES["payment"] + KIND_TYPES["refund"]):
        return None
    kind = "refund" if kind_ == "refund" else "payment"
    record_id = record_key(record, "transactionId")
    return Document(
        "storefront", kind, record_id,
        date=read_date(record.get("date"), "date", problems),
        amount=read_amount(record.get("value"), "value", problems),
        currency=read_currency(record.get("currency"), "currency", problems),
        store_ref=record_id, order_ref=read_text(record.get("orderId")),
        method=read_text(record.get("method")), gateway_id=read_text(record.get("gatewayTransactionId")),
        problems=tuple(problems),
    )


# -- helpers ----------------------------------------------------------------------------------------------------

def _money_in(reader: TransactionReader, start: datetime, end: datetime) -> Iterator[dict]:
    """Payment transactions and capture backend transactions dated in [start, end)."""
    low, high = int(start.timestamp()), int(end.timestamp())
    yield from reader.payments_between(low, high)
    yield from reader.backends_between(low, high, ("capture",))


def _documents(records: Iterable[Any], kind: str) -> list[Document]:
    return [doc for doc in (transaction_document(r) for r in records if r is not None)
            if doc is not None and doc.kind == kind]


def _captured(records: Iterable[Any]) -> dict[str, Decimal]:
    """Successful sales and captures summed per order id (transactions that cannot be read are left out:
    they are their own exception lines on the day they are dated)."""
    sums: dict[str, Decimal] = {}
    for record in records:
        if not isinstance(record, dict) or record.get("status") != "S" or record.get("type") not in KIND_TYPES["payment"]:
            continue
        amount = read_amount(record.get("value"), "value", [])
        order_id = read_text(record.get("orderId"))
        if amount is not None and order_id:
            sums[order_id] = sums.get(order_id, Decimal("0.00")) + amount
    return sums


def _paid(reader: TransactionReader, record: Any, captured: dict[str, Decimal]) -> Decimal | None:
    """What the store captured for an order; asked by order number when the order claims payment and the
    window's transactions show none. None when the order cannot be asked about (no usable id)."""
    if not isinstance(record, dict):
        return None
    order_id = read_text(record.get("orderId"))
    if order_id is None:
        return None
    if order_id in captured or record.get("paymentStatus") not in MONEY_TAKEN:
        return captured.get(order_id, Decimal("0.00"))
    number = read_text(record.get("orderNumber"))
    if not order_id.isdigit() or not number:
        return None
    return _captured(reader.of_order(number)).get(order_id, Decimal("0.00"))


def _find_orders(client, ids: Iterable[str]) -> Iterator[Any]:
    """The orders with these ids; X-Cart ids are positive integers, so other ids cannot exist there."""
    for record_id in sorted({str(i) for i in ids}, key=lambda i: (len(i), i)):
        if not record_id.isdigit() or int(record_id) <= 0:
            continue
        try:
            record = client.find(ENTITY_PATHS["order"], record_id)
        except PermanentRecordError as exc:  # the store refused this one id: it cannot be read, say so
            log.warning("X-Cart order %s could not be read for the reconciliation: %s", record_id, exc)
            continue
        if record is not None:
            yield record


def _cells(options: dict[str, Any]) -> tuple[str, ...]:
    return tuple((options or {}).get("gateway_id_cells") or DEFAULT_GATEWAY_ID_CELLS)


def _find_transactions(client, ids: Iterable[str], options: dict[str, Any]) -> Iterator[Any]:
    """The composed transactions of these flow keys (``<id>`` or ``b<id>``); other keys cannot exist there."""
    reader = TransactionReader(client, _cells(options))
    for record_id in sorted({str(i) for i in ids}, key=lambda i: (len(i), i)):
        try:
            record = reader.by_key(record_id)
        except PermanentRecordError as exc:
            log.warning("X-Cart transaction %s could not be read for the reconciliation: %s", record_id, exc)
            continue
        if record is not None:
            yield record
