"""Acumatica as the target of web orders: ``PUT SalesOrder`` through the contract-based REST API.

The policy is the shared one (:mod:`storesync.adapters.documents`); this module only asks Acumatica. Loading
is idempotent in three layers, like the Sage 500 loader: the sync store's cross-reference, then Acumatica
itself (every sales order we create carries ``CustomerOrder = XC-<storefront id>``, looked up with
``$filter`` before any create and before any re-sent create, so a crash between "created" and
"cross-referenced" creates nothing twice: :mod:`.acumatica_documents`), and finally the order type's own
refusal of a second order with the same customer order number.

Per batch: sales orders already there → skipped with their OrderNbr; orders naming a SKU Acumatica has no
stock item for → held; new customers (pair option ``guest_customers: create``) are created before their
orders, and the orders of a customer Acumatica refused go to the DLQ; then one ``PUT SalesOrder`` per
order. A 422 puts that order in the DLQ naming the storefront fields behind the refused Acumatica fields; the
rest of the batch goes on.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from storesync.systems.acumatica.documents import (
    DEFAULT_TAX_ID,
    ERP,
    FILTER_CHUNK,
    SALES_ORDER_TYPE,
    existing_sales_orders,
    field_problems,
    put_sales_order,
    without_nulls,
)
from storesync.systems.acumatica.reads import any_of, chunks
from storesync.adapters.base import LoadOutcome
from storesync.adapters.documents import (
    OrderPolicy,
    assign_customers,
    buyer_emails,
    hold_unknown_skus,
    new_customer_refused,
    split_existing,
)
from storesync.systems.acumatica.wire import odata_string
from storesync.hooks.errors import PermanentRecordError

# Item statuses that mean "no such item any more" (Sage 500's Status 4, deleted).
GONE_ITEM_STATUSES = ("To Delete", "Marked for Deletion")
CENT = Decimal("0.01")

# Acumatica SalesOrder field -> the storefront (X-Cart) field a person fixes, for DLQ reasons.
ORDER_SOURCE_FIELDS = {
    "CustomerID": "customer", "CustomerOrder": "orderId", "ExternalRef": "orderNumber", "Date": "orderDate",
    "Description": "orderNumber", "CurrencyID": "currency", "ShipVia": "shippingMethod",
    "PaymentMethod": "paymentMethod", "OrderTotal": "total", "TaxTotal": "taxAmount",
    "TaxDetails": "taxAmount", "TaxDetails[].TaxAmount": "taxAmount", "TaxDetails[].TaxID": "tax_id (pair option)",
    "Totals.Freight": "shippingCost", "Hold": "total",
    **{f"{side}Contact.Attention": f"{info}.firstname/lastname" for side, info in (("BillTo", "billingInfo"),
                                                                                   ("ShipTo", "shippingInfo"))},
    **{f"{side}Contact.Email": "customerInfo.email" for side in ("BillTo", "ShipTo")},
    **{f"{side}Address.{field}": f"{info}.{source}"
       for side, info in (("BillTo", "billingInfo"), ("ShipTo", "shippingInfo"))
       for field, source in (("AddressLine1", "address"), ("AddressLine2", "address (X-Cart has no second line)"),
                             ("City", "city"),
                             ("State", "state"), ("PostalCode", "zipcode"), ("Country", "country"))},
    "Details[].InventoryID": "items[].sku", "Details[].OrderQty": "items[].quantity",
    "Details[].UnitPrice": "items[].price",
    "Details[].ExtendedPrice": "items[].price × quantity less its share of discountValue",
    "Details[].DiscountAmount": "discountValue (spread over the lines)",
    "Details[].WarehouseID": "warehouse_id (pair option)", "Details[].LineDescription": "items[].name",
    "Details": "items (order lines)",
}


# -- prepare: the buyer's customer ----------------------------------------------------------------------

def prepare_orders(client, records: list[tuple[str, dict[str, Any]]],
                   options: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per-record mapping context: the Acumatica customer (matched by e-mail, else the guest choice) and options."""
    policy = OrderPolicy.from_options(options)
    emails = buyer_emails(records)
    known = customers_by_email(client, emails) if emails else {}
    base = policy.context()
    return {key: {**base, **chosen} for key, chosen in assign_customers(records, known, policy).items()}


def customers_by_email(client, emails: list[str]) -> dict[str, str]:
    """Lower-case e-mail -> CustomerID of the Acumatica customer whose main contact has it (first by id)."""
    found: dict[str, str] = {}
    wanted = set(emails)
    for chunk in chunks(sorted(wanted), FILTER_CHUNK):
        rows = client.list("Customer", filter=any_of("MainContact/Email", chunk, odata_string),
                           expand=("MainContact",), select=("CustomerID", "MainContact/Email"))
        for row in sorted(rows, key=lambda r: str(r.get("CustomerID") or "")):
            email = str((row.get("MainContact") or {}).get("Email") or "").strip().lower()
            if email in wanted and row.get("CustomerID"):
                found.setdefault(email, str(row["CustomerID"]).strip())
    return found


# -- load -------------------------------------------------------------------------------------------------

def load_orders(client, records: list[tuple[str, dict[str, Any]]],
                options: dict[str, Any] | None = None) -> list[LoadOutcome]:
    tax_id = str((options or {}).get("tax_id") or DEFAULT_TAX_ID)
    outcomes: list[LoadOutcome] = []
    existing = existing_sales_orders(client, SALES_ORDER_TYPE, [r["CustomerOrder"] for _, r in records])
    skipped, rest = split_existing(records, lambda r: r["CustomerOrder"], existing, ERP, "sales order")
    outcomes += skipped
    held, rest = hold_unknown_skus(rest, known_items(client, order_skus(rest)), ERP,
                                   lambda r: [line.get("InventoryID") for line in r.get("Details") or []])
    outcomes += held
    refused_customers = create_customers(client, rest)
    for key, record in rest:
        customer = new_customer_id(record)
        if customer in refused_customers:
            outcomes.append(new_customer_refused(key, refused_customers[customer]))
        else:
            lines = discounted_lines(record.get("Details") or [], record.get("_order_discount"))
            outcomes.append(put_sales_order(client, key, record, label="order", document="sales order",
                                            source_fields=ORDER_SOURCE_FIELDS, extra={"Details": lines},
                                            tax_id=tax_id))
    return outcomes


def discounted_lines(lines: list[dict[str, Any]], discount: Any) -> list[dict[str, Any]]:
    """The order's lines with its discount spread over them, in proportion to their amounts, to the cent.

    X-Cart discounts the whole order; Acumatica discounts lines and computes OrderTotal = Σ ExtendedPrice +
    Freight + TaxTotal. Each line gets ``DiscountAmount`` = its share and ``ExtendedPrice`` less that share, so
    the sales order totals what the storefront charged. The rounding remainder goes on the largest line. A
    discount above the lines' amount leaves a negative line that Acumatica refuses (DLQ naming the discount).
    """
    lines = [dict(line) for line in lines]
    discount = Decimal(str(discount)) if discount not in (None, "") else Decimal(0)
    if not discount or not lines:
        return lines
    amounts = [Decimal(str(line.get("ExtendedPrice") or 0)) for line in lines]
    base = sum(amounts, Decimal(0))
    if base > 0:
        shares = [(discount * amount / base).quantize(CENT, rounding=ROUND_HALF_UP) for amount in amounts]
    else:
        shares = [discount] + [Decimal(0)] * (len(lines) - 1)
    largest = max(range(len(lines)), key=lambda index: amounts[index])
    shares[largest] += discount - sum(shares, Decimal(0))
    for line, amount, share in zip(lines, amounts, shares):
        line["DiscountAmount"] = share
        line["ExtendedPrice"] = amount - share
    return lines


# -- what Acumatica has --------------------------------------------------------------------------------------

def order_skus(records: list[tuple[str, dict[str, Any]]]) -> list[str]:
    return sorted({str(line.get("InventoryID")) for _, r in records for line in r.get("Details") or []
                   if line.get("InventoryID")})


def known_items(client, skus: list[str]) -> set[str]:
    """The SKUs Acumatica has a stock item for (items marked for deletion do not count)."""
    known: set[str] = set()
    for chunk in chunks(skus, FILTER_CHUNK):
        for row in client.list("StockItem", filter=any_of("InventoryID", chunk, odata_string),
                               select=("InventoryID", "ItemStatus")):
            if str(row.get("ItemStatus") or "") not in GONE_ITEM_STATUSES:
                known.add(str(row.get("InventoryID") or "").strip())
    return known


# -- new customers -----------------------------------------------------------------------------------------

def new_customer_id(record: dict[str, Any]) -> str | None:
    """The CustomerID to create with this order; None when it books on a known or the generic customer."""
    return (record.get("_new_customer") or {}).get("CustomerID") or None


def create_customers(client, records: list[tuple[str, dict[str, Any]]]) -> dict[str, list[str]]:
    """Create the customers the prepare step chose to create (each once; one an earlier run created is kept).

    Returns Acumatica's problems per CustomerID; the orders of such a customer go to the DLQ.
    """
    wanted: dict[str, dict[str, Any]] = {}
    for _, record in records:
        customer_id = new_customer_id(record)
        if customer_id and customer_id not in wanted:
            wanted[customer_id] = record["_new_customer"]
    problems: dict[str, list[str]] = {}
    for customer_id, body in wanted.items():
        if client.get("Customer", customer_id) is not None:
            continue
        try:
            # Insert only (If-None-Match: *): a customer that appeared since the look-up (412) is not overwritten.
            client.put("Customer", without_nulls(body), mode="insert")
        except PermanentRecordError as exc:
            if getattr(exc, "status", None) == 412:
                continue
            problems[customer_id] = field_problems(exc)
    return problems
