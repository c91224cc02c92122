"""Frames for the Intacct pair's quality gates: one row per staged record, columns named after Intacct fields.

Raw frames check what the readers extract (items, stock, customers, shipments); target frames check the
mapped records before loading (orders, payments, refunds, customers), before the loader adds what only
Intacct knows (the order's customer, the AR invoice). Records come as staged (JSON: money and dates as
text). Like the other frames: pandas is imported lazily, numbers become floats only inside the frame, and an
unusable value becomes NaN/None so that an expectation fails for that row instead of the build crashing.

The system's declaration (``storesync.systems.intacct``) names these builders and :data:`FIELD_WORDING`; the
suites are ``expectations/<suite>__intacct.json``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from storesync.quality.frames_catalogue import _frame, _number, _text

# Intacct field sizes the mapped records must respect (dotted path in the mapped record).
CUSTOMER_FIELD_SIZES = {"CUSTOMERID": 20, "NAME": 100, "DISPLAYCONTACT.EMAIL1": 100, "DISPLAYCONTACT.PHONE1": 30,
                        "DISPLAYCONTACT.MAILADDRESS.ADDRESS1": 80, "DISPLAYCONTACT.MAILADDRESS.CITY": 80,
                        "DISPLAYCONTACT.MAILADDRESS.ZIP": 30, "DISPLAYCONTACT.MAILADDRESS.COUNTRYCODE": 2}
ORDER_FIELD_SIZES = {"referenceno": 45, "customerid": 20, "currency": 3}
PAYMENT_FIELD_SIZES = {"DOCNUMBER": 45, "CURRENCY": 3, "_order_reference": 45}
REFUND_FIELD_SIZES = {"referenceno": 45, "currency": 3, "_order_reference": 45, "_line.itemid": 30}
ITEM_STATUSES = ("active", "inactive")
CUSTOMER_STATUSES = ("active", "inactive")


def length_column(path: str) -> str:
    return "len_" + path.lstrip("_").replace("._", "_").replace(".", "_")


def _rows(records: Sequence[Any]) -> list[dict]:
    return [r if isinstance(r, dict) else {} for r in records]


def _at(record: Any, path: str) -> Any:
    for part in path.split("."):
        record = record.get(part) if isinstance(record, dict) else None
    return record


def _length(value: Any) -> float:
    return float(len(value)) if isinstance(value, str) else 0.0


def _smallest(values: list[float]) -> float:
    if not values or any(value != value for value in values):
        return float("nan")
    return min(values)


def _lengths(rows: list[dict], sizes: dict[str, int]) -> dict[str, list]:
    return {length_column(path): [_length(_at(r, path)) for r in rows] for path in sizes}


# -- raw (Intacct → storefront) ---------------------------------------------------------------------------------

def raw_intacct_items_frame(records: Sequence[dict]):
    rows = _rows(records)
    return _frame({"ITEMID": [_text(r.get("ITEMID")) for r in rows], "NAME": [_text(r.get("NAME")) for r in rows],
                   "STATUS": [_text(r.get("STATUS")) for r in rows],
                   "BASEPRICE": [_number(r.get("BASEPRICE")) for r in rows]},
                  text_columns=("ITEMID", "NAME", "STATUS"))


def raw_intacct_inventory_frame(records: Sequence[dict]):
    """Stock per item; the quantity columns carry the names ``stock_levels.sell_nothing`` recognises."""
    rows = _rows(records)
    warehouses = [[w for w in r.get("warehouses") or [] if isinstance(w, dict)] for r in rows]
    return _frame({
        "ITEMID": [_text(r.get("ITEMID")) for r in rows],
        "min_QtyOnHand": [_smallest([_number(w.get("QTYONHAND")) for w in found]) if found else 0.0
                          for found in warehouses],
        "min_QtyAvailable": [_smallest([_number(w.get("QtyAvailable")) for w in found]) if found else 0.0
                             for found in warehouses],
        "AvailableToSell": [_number(r.get("AvailableToSell")) for r in rows],
    }, text_columns=("ITEMID",))


def raw_intacct_customers_frame(records: Sequence[dict]):
    rows = _rows(records)
    return _frame({"CUSTOMERID": [_text(r.get("CUSTOMERID")) for r in rows],
                   "STATUS": [_text(r.get("STATUS")) for r in rows],
                   "Email": [_text(_at(r, "DISPLAYCONTACT.EMAIL1")) for r in rows]},
                  text_columns=("CUSTOMERID", "STATUS", "Email"))


def raw_intacct_shipments_frame(records: Sequence[dict]):
    rows = _rows(records)
    lines = [[line for line in r.get("lines") or [] if isinstance(line, dict)] for r in rows]
    return _frame({
        "DOCID": [_text(r.get("DOCID")) for r in rows],
        "TRACKINGNUMBER": [_text(r.get("TRACKINGNUMBER")) for r in rows],
        "order_reference": [_text(r.get("PONUMBER")) for r in rows],
        "line_count": [float(len(found)) for found in lines],
        "min_QUANTITY": [_smallest([_number(line.get("QUANTITY")) for line in found]) for found in lines],
        "missing_sku_count": [float(sum(1 for line in found if not _text(line.get("ITEMID")))) for found in lines],
    }, text_columns=("DOCID", "TRACKINGNUMBER", "order_reference"))


# -- target (storefront → Intacct) ------------------------------------------------------------------------------

def intacct_customer_frame(records: Sequence[dict]):
    rows = _rows(records)
    frame = {"CUSTOMERID": [_text(r.get("CUSTOMERID")) for r in rows], "NAME": [_text(r.get("NAME")) for r in rows],
             "Email": [_text(_at(r, "DISPLAYCONTACT.EMAIL1")) for r in rows]}
    frame.update(_lengths(rows, CUSTOMER_FIELD_SIZES))
    return _frame(frame, text_columns=("CUSTOMERID", "NAME", "Email"))


def intacct_sales_order_frame(records: Sequence[dict]):
    rows = _rows(records)
    lines = [[line for line in r.get("lines") or [] if isinstance(line, dict)] for r in rows]
    frame = {
        "referenceno": [_text(r.get("referenceno")) for r in rows],
        "customerid": [_text(r.get("customerid")) for r in rows],
        "currency": [_text(r.get("currency")) for r in rows],
        "datecreated": [_text(r.get("datecreated")) for r in rows],
        "line_count": [float(len(found)) for found in lines],
        "min_quantity": [_smallest([_number(line.get("quantity")) for line in found]) for found in lines],
        "min_price": [_smallest([_number(line.get("price")) for line in found]) for found in lines],
        "max_len_itemid": [max((_length(line.get("itemid")) for line in found), default=0.0) for found in lines],
    }
    frame.update(_lengths(rows, ORDER_FIELD_SIZES))
    return _frame(frame, text_columns=("referenceno", "customerid", "currency", "datecreated"))


def intacct_payment_frame(records: Sequence[dict]):
    rows = _rows(records)
    frame = {
        "DOCNUMBER": [_text(r.get("DOCNUMBER")) for r in rows],
        "order_reference": [_text(r.get("_order_reference")) for r in rows],
        "CURRENCY": [_text(r.get("CURRENCY")) for r in rows],
        "RECEIPTDATE": [_text(r.get("RECEIPTDATE")) for r in rows],
        "PAYMENTMETHOD": [_text(r.get("PAYMENTMETHOD")) for r in rows],
        # Exactly one place for the money: a bank account or undeposited funds.
        "deposit_targets": [float(bool(_text(r.get("FINANCIALENTITY")))) + float(bool(_text(r.get("UNDEPOSITEDACCOUNTNO"))))
                            for r in rows],
        "amount": [_number(r.get("_amount")) for r in rows],
    }
    frame.update(_lengths(rows, PAYMENT_FIELD_SIZES))
    return _frame(frame, text_columns=("DOCNUMBER", "order_reference", "CURRENCY", "RECEIPTDATE", "PAYMENTMETHOD"))


def intacct_credit_memo_frame(records: Sequence[dict]):
    rows = _rows(records)
    frame = {
        "referenceno": [_text(r.get("referenceno")) for r in rows],
        "order_reference": [_text(r.get("_order_reference")) for r in rows],
        "currency": [_text(r.get("currency")) for r in rows],
        "date": [_text(r.get("_date")) for r in rows],
        "itemid": [_text(_at(r, "_line.itemid")) for r in rows],
        "price": [_number(_at(r, "_line.price")) for r in rows],
    }
    frame.update(_lengths(rows, REFUND_FIELD_SIZES))
    return _frame(frame, text_columns=("referenceno", "order_reference", "currency", "date", "itemid"))


_HERE = "storesync.systems.intacct.quality"
#: (system, entity, stage) → frame builder (the declaration lists the same builders by (entity, stage)).
FRAME_BUILDERS = {
    ("intacct", "product", "raw"): f"{_HERE}:raw_intacct_items_frame",
    ("intacct", "inventory", "raw"): f"{_HERE}:raw_intacct_inventory_frame",
    ("intacct", "erp_customer", "raw"): f"{_HERE}:raw_intacct_customers_frame",
    ("intacct", "shipment", "raw"): f"{_HERE}:raw_intacct_shipments_frame",
    ("intacct", "customer", "target"): f"{_HERE}:intacct_customer_frame",
    ("intacct", "order", "target"): f"{_HERE}:intacct_sales_order_frame",
    ("intacct", "payment", "target"): f"{_HERE}:intacct_payment_frame",
    ("intacct", "refund", "target"): f"{_HERE}:intacct_credit_memo_frame",
}
#: Frame column → the Intacct field (and storefront field) a DLQ reason names.
SOURCE_FIELDS = {
    ("intacct", "inventory", "raw"): {"min_QtyOnHand": "warehouses[].QTYONHAND (negative stock; ITEMWAREHOUSEINFO)",
                                      "min_QtyAvailable": "warehouses[].QTYONHAND - QTYONHOLD (ITEMWAREHOUSEINFO)"},
    ("intacct", "erp_customer", "raw"): {"Email": "DISPLAYCONTACT.EMAIL1"},
    ("intacct", "shipment", "raw"): {"TRACKINGNUMBER": "TRACKINGNUMBER (the tracking custom field)",
                                     "order_reference": "PONUMBER (sales order reference XC-<orderId>)",
                                     "line_count": "lines (document lines)", "min_QUANTITY": "lines[].QUANTITY",
                                     "missing_sku_count": "lines[].ITEMID"},
    ("intacct", "customer", "target"): {"Email": "DISPLAYCONTACT.EMAIL1 (email)",
                                        **{length_column(p): f"{p} (length)" for p in CUSTOMER_FIELD_SIZES}},
    ("intacct", "order", "target"): {
        "referenceno": "referenceno (orderId as XC-<orderId>)", "customerid": "customerid (the buyer's customer)",
        "currency": "currency", "datecreated": "datecreated (orderDate)", "line_count": "sotransitems (items)",
        "min_quantity": "sotransitem quantity (items[].quantity)", "min_price": "sotransitem price (items[].price)",
        "max_len_itemid": "sotransitem itemid (items[].sku, length)",
        **{length_column(p): f"{p} (length)" for p in ORDER_FIELD_SIZES}},
    ("intacct", "payment", "target"): {
        "DOCNUMBER": "DOCNUMBER (transactionId as XP-<transactionId>)", "order_reference": "orderId (XC-<orderId>)",
        "CURRENCY": "CURRENCY (currency)", "RECEIPTDATE": "RECEIPTDATE (date)", "PAYMENTMETHOD": "PAYMENTMETHOD (method)",
        "deposit_targets": "FINANCIALENTITY / UNDEPOSITEDACCOUNTNO (method: exactly one)",
        "amount": "TRX_PAYMENTAMOUNT (value)", **{length_column(p): f"{p} (length)" for p in PAYMENT_FIELD_SIZES}},
    ("intacct", "refund", "target"): {
        "referenceno": "referenceno (transactionId as XR-<transactionId>)", "order_reference": "orderId (XC-<orderId>)",
        "currency": "currency", "date": "datecreated (date)", "itemid": "sotransitem itemid (the refund item)",
        "price": "sotransitem price (value)", **{length_column(p): f"{p} (length)" for p in REFUND_FIELD_SIZES}},
}

#: (entity, stage) → {frame column: the record field a DLQ reason names}: the declaration's field wording.
FIELD_WORDING = {(entity, stage): wording for (_, entity, stage), wording in SOURCE_FIELDS.items()}
