"""Frames for the gates of the Acumatica → storefront flows and of Acumatica customers: one row per record.

Raw stage of products (StockItem), inventory (inquiry rows per item), ERP customers and shipments; target
stage of customers (the ``PUT Customer`` body). Columns are named after the Acumatica fields they check, and
derived ones (``min_QtyOnHand``, ``len_City``) are mapped back to the field in ``operators.quality.SOURCE_FIELDS``,
so a DLQ reason names what to fix in Acumatica. Like the other frames: pandas is imported lazily, numbers
become floats only inside the frame, anything unusable becomes NaN/None so an expectation fails for that row.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from storesync.quality.frames_catalogue import _frame, _number, _text
from storesync.quality.frames_customers import _email_ok, _length
from storesync.quality.frames_shipments import _MASKED_CARD, _least, order_reference

# Acumatica's column sizes for the fields the customers flow writes (dotted path in the PUT body).
CUSTOMER_FIELD_SIZES = {
    "CustomerID": 30, "CustomerName": 255, "MainContact.Email": 255, "MainContact.FirstName": 50,
    "MainContact.LastName": 100, "MainContact.Phone1": 50, "MainContact.Address.AddressLine1": 50,
    "MainContact.Address.AddressLine2": 50, "MainContact.Address.City": 50, "MainContact.Address.State": 50,
    "MainContact.Address.PostalCode": 20, "MainContact.Address.Country": 2,
}
ITEM_STATUSES = ["Active", "Inactive", "No Sales", "No Purchases", "No Request", "To Delete", "Marked for Deletion"]
CUSTOMER_STATUSES = ["Active", "One-Time", "Credit Hold", "On Hold", "Inactive"]


def _rows(records: Sequence[Any]) -> list[dict]:
    return [r if isinstance(r, dict) else {} for r in records]


def _at(record: Any, path: str) -> Any:
    for part in path.split("."):
        record = record.get(part) if isinstance(record, dict) else None
    return record


def _list(record: dict, name: str) -> list[dict]:
    found = record.get(name)
    return [item if isinstance(item, dict) else {} for item in found] if isinstance(found, list) else []


def length_column(path: str) -> str:
    """``MainContact.Address.City`` -> ``len_City``: the frame column checking that field's length."""
    return f"len_{path.rsplit('.', 1)[-1]}"


def raw_acumatica_items_frame(records: Sequence[dict]):
    rows = _rows(records)
    return _frame({
        "InventoryID": [_text(r.get("InventoryID")) for r in rows],
        "Description": [_text(r.get("Description")) for r in rows],
        "ItemStatus": [_text(r.get("ItemStatus")) for r in rows],
        "DefaultPrice": [_number(r.get("DefaultPrice")) for r in rows],
    }, text_columns=("InventoryID", "Description", "ItemStatus"))


def raw_acumatica_inventory_frame(records: Sequence[dict]):
    rows = _rows(records)

    def least(record: dict, field: str) -> float:
        # NaN (so not-null fails) when a warehouse row has no usable quantity; the reader only stages items
        # that have rows, so "no rows" cannot happen.
        return _least([_number(row.get(field)) for row in _list(record, "warehouses")])

    return _frame({
        "InventoryID": [_text(r.get("InventoryID")) for r in rows],
        "min_QtyOnHand": [least(r, "QtyOnHand") for r in rows],
        "min_QtyAvailable": [least(r, "QtyAvailable") for r in rows],
        "AvailableToSell": [_number(r.get("AvailableToSell")) for r in rows],
    }, text_columns=("InventoryID",))


def raw_acumatica_customers_frame(records: Sequence[dict]):
    rows = _rows(records)
    emails = [_text(_at(r, "MainContact.Email")) for r in rows]
    return _frame({
        "CustomerID": [_text(r.get("CustomerID")) for r in rows],
        "Email": emails,
        # NaN (skipped by the check) when there is no e-mail at all: no storefront account to update.
        "email_valid": [_email_ok(email) if email else math.nan for email in emails],
        "Status": [_text(r.get("Status")) for r in rows],
    }, text_columns=("CustomerID", "Email", "Status"))


def acumatica_customer_frame(records: Sequence[dict]):
    """The ``PUT Customer`` bodies before loading: required fields and every sized field's length."""
    rows = _rows(records)
    frame: dict[str, list] = {
        "CustomerID": [_text(r.get("CustomerID")) for r in rows],
        "CustomerName": [_text(r.get("CustomerName")) for r in rows],
        "Email": [_text(_at(r, "MainContact.Email")) for r in rows],
    }
    frame.update({length_column(path): [_length(_at(r, path)) for r in rows] for path in CUSTOMER_FIELD_SIZES})
    return _frame(frame, text_columns=("CustomerID", "CustomerName", "Email"))


def raw_acumatica_shipments_frame(records: Sequence[dict]):
    rows = _rows(records)

    def tracking(record: dict) -> str | None:
        return _text(record.get("TrackingNbr"))

    def masked(record: dict) -> float:
        numbers = [record.get("TrackingNbr"), *(p.get("TrackingNbr") for p in _list(record, "AdditionalTrackingNbrs"))]
        return 1.0 if any(isinstance(n, str) and _MASKED_CARD.search(n) for n in numbers) else 0.0

    return _frame({
        "ShipmentNbr": [_text(r.get("ShipmentNbr")) for r in rows],
        "TrackingNbr": [tracking(r) for r in rows],
        "order_reference": [order_reference(_at(r, "SalesOrder.CustomerOrder")) for r in rows],
        "order_count": [float(len(_list(r, "Orders"))) for r in rows],
        "line_count": [float(len(_list(r, "Details"))) for r in rows],
        "min_ShippedQty": [_least([_number(line.get("ShippedQty")) for line in _list(r, "Details")]) for r in rows],
        "missing_sku_count": [float(sum(1 for line in _list(r, "Details") if not _text(line.get("InventoryID"))))
                              for r in rows],
        "tracking_masked": [masked(r) for r in rows],
    }, text_columns=("ShipmentNbr", "TrackingNbr", "order_reference"))
