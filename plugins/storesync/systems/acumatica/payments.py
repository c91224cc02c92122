"""Acumatica as the target of storefront payments (``Payment``) and refunds (``SalesOrder`` credit memos).

The policy is the shared one (:func:`storesync.adapters.documents.triage_settlements`), as for Sage 500;
this module only asks Acumatica. Both documents are found through the web order's sales order (type SO,
``CustomerOrder = XC-<orderId>``, as the orders flow creates it); the customer is that order's, read from
Acumatica, never guessed from the storefront. Per record, in this order:

1. already in Acumatica (a ``Payment`` of type Payment with ``PaymentRef = XP-<transactionId>``, or a sales
   order of type CM with ``CustomerOrder = XR-<transactionId>``, looked up with ``$filter``) → skipped and
   cross-referenced: a retry after a crash creates nothing twice;
2. the order is not in Acumatica yet → **held** (the flow fetches held records again every run);
3. the transaction's currency is not the sales order's → DLQ naming ``currency`` (never converted);
4. otherwise created, once (:func:`storesync.systems.acumatica.documents.create_once`): a payment with
   ``OrdersToApply`` [the sales order, the amount] (Acumatica applies it to the order), or a credit memo for
   the order's customer with one line for the refunded amount on the non-stock item REFUND (X-Cart refunds
   name no items, like the Sage 500 credit memo). A 422 goes to the DLQ naming the storefront
   field behind each refused Acumatica field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from storesync.systems.acumatica.documents import (
    CREDIT_MEMO_TYPE,
    ERP,
    FILTER_CHUNK,
    SALES_ORDER_TYPE,
    create_once,
    existing_sales_orders,
    put_sales_order,
    request_body,
    web_orders,
)
from storesync.systems.acumatica.reads import any_of, chunks
from storesync.adapters.base import LoadOutcome
from storesync.adapters.documents import ErpDocument, Settlement, triage_settlements
from storesync.systems.acumatica.wire import odata_string

PAYMENT_TYPE = "Payment"
PAYMENT_NUMBERS = ("PaymentAmount", "OrdersToApply[].AppliedToOrder")

# Acumatica field -> the storefront (X-Cart payment transaction) field a person fixes, for DLQ reasons.
PAYMENT_SOURCE_FIELDS = {
    "PaymentAmount": "value", "CurrencyID": "currency", "PaymentMethod": "method",
    "CashAccount": "method (cash account)", "PaymentRef": "transactionId", "Description": "gatewayTransactionId",
    "ApplicationDate": "date", "CustomerID": "orderId (the order's customer)",
    "OrdersToApply": "orderId", "OrdersToApply[].OrderNbr": "orderId", "OrdersToApply[].AppliedToOrder": "value",
}
CREDIT_MEMO_SOURCE_FIELDS = {
    "CustomerOrder": "transactionId", "ExternalRef": "orderId", "CurrencyID": "currency", "Date": "date",
    "Description": "gatewayTransactionId", "CustomerID": "orderId (the order's customer)",
    "Details": "value (refund line)", "Details[].UnitPrice": "value", "Details[].ExtendedPrice": "value",
    "Details[].InventoryID": "the refund item of acumatica/refund_from_canonical.yaml",
    "Details[].OrderQty": "value (refund line)",
}


@dataclass(frozen=True)
class Kind:
    """What one kind of settlement document is, in Acumatica and in our messages."""

    label: str      # "payment" / "refund": the storefront record, as reasons name it
    document: str   # "payment" / "credit memo"
    reference: str  # the field of the mapped record holding our reference


PAYMENT = Kind("payment", "payment", "PaymentRef")
CREDIT_MEMO = Kind("refund", "credit memo", "CustomerOrder")


def load_payments(client, records: list[tuple[str, dict[str, Any]]]) -> list[LoadOutcome]:
    existing = existing_payments(client, [r["PaymentRef"] for _, r in records])
    outcomes, ready = _triage(client, records, PAYMENT, existing)
    for item, order, record in ready:
        outcomes.append(_put_payment(client, item.key, record, order))
    return outcomes


def load_credit_memos(client, records: list[tuple[str, dict[str, Any]]]) -> list[LoadOutcome]:
    existing = existing_sales_orders(client, CREDIT_MEMO_TYPE, [r["CustomerOrder"] for _, r in records])
    outcomes, ready = _triage(client, records, CREDIT_MEMO, existing)
    for item, order, record in ready:
        outcomes.append(put_sales_order(client, item.key, record, label=CREDIT_MEMO.label,
                                        document=CREDIT_MEMO.document, source_fields=CREDIT_MEMO_SOURCE_FIELDS,
                                        extra={"CustomerID": order.customer_id, "Details": [record["_line"]]}))
    return outcomes


def _triage(client, records, kind: Kind, existing: dict[str, ErpDocument]):
    orders = web_orders(client, [r["_order_reference"] for _, r in records])
    settlements = [Settlement(key=key, reference=r[kind.reference], order_id=r["_order_id"],
                              order_key=r["_order_reference"],
                              order_hint=f"sales order with CustomerOrder {r['_order_reference']}",
                              currency=r["CurrencyID"]) for key, r in records]
    outcomes, ready = triage_settlements(settlements, existing, orders, erp=ERP, label=kind.label,
                                         document=kind.document)
    by_key = dict(records)
    return outcomes, [(item, order, by_key[item.key]) for item, order in ready]


def _put_payment(client, key: str, record: dict[str, Any], order) -> LoadOutcome:
    body = request_body(record, PAYMENT_NUMBERS, {
        "CustomerID": order.customer_id,
        "OrdersToApply": [{"OrderType": order.order_type or SALES_ORDER_TYPE, "OrderNbr": order.number,
                           "AppliedToOrder": record["PaymentAmount"]}],
    })
    # Acumatica does not refuse a second payment with the same PaymentRef: only create_once's lookup before
    # every re-sent PUT keeps a lost answer from posting the money twice.
    return create_once(client, key, "Payment", body, describe=payment_document, label=PAYMENT.label,
                       document=PAYMENT.document, source_fields=PAYMENT_SOURCE_FIELDS,
                       find=lambda: existing_payments(client, [body["PaymentRef"]]).get(body["PaymentRef"]))


def existing_payments(client, references: list[str]) -> dict[str, ErpDocument]:
    """Payments (type Payment) we created, by their storefront reference (``PaymentRef``)."""
    found: dict[str, ErpDocument] = {}
    wanted = sorted({str(ref) for ref in references if ref})
    for chunk in chunks(wanted, FILTER_CHUNK):
        rows = client.list("Payment", filter=any_of("PaymentRef", chunk, odata_string),
                           select=("Type", "ReferenceNbr", "PaymentRef"))
        for row in sorted(rows, key=lambda r: str(r.get("ReferenceNbr") or "")):
            ref = str(row.get("PaymentRef") or "").strip()
            if ref in chunk and row.get("Type") == PAYMENT_TYPE:
                found.setdefault(ref, payment_document(row))
    return found


def payment_document(row: dict[str, Any]) -> ErpDocument:
    number = str(row["ReferenceNbr"]).strip()
    return ErpDocument(number=number, target_id=number, target_ref=f"PMT {number}")
