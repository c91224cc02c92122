"""Frames for the target-stage gates of the documents the storefront sends Acumatica: one row per record.

The records are the mapped request bodies, as staged (money as text): ``PUT SalesOrder`` for orders (type
SO) and refunds (type CM, its one line under ``_line``), ``PUT Payment`` for payments, before the loader adds
what only Acumatica knows (the order's customer and number). Columns are named after the Acumatica fields
they check; derived ones (``len_ShipToAddress_City``, ``min_OrderQty``) are mapped back to the field in
``operators.quality.SOURCE_FIELDS``, so a DLQ reason names the Acumatica field (and the storefront field
behind it). Like the other frames: pandas is imported lazily, numbers become floats only inside the frame,
anything unusable becomes NaN/None so an expectation fails for that row instead of the build crashing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from storesync.quality.frames_catalogue import _frame, _number, _text

# Acumatica's column sizes of the text fields each body carries (dotted path in the body).
_ADDRESS_SIZES = {"AddressLine1": 50, "AddressLine2": 50, "City": 50, "State": 50, "PostalCode": 20, "Country": 2}
SALES_ORDER_FIELD_SIZES: dict[str, int] = {
    "CustomerID": 30, "CustomerOrder": 40, "ExternalRef": 40, "CurrencyID": 5, "ShipVia": 15, "PaymentMethod": 10,
    "Description": 256,
    **{f"{side}Contact.{field}": 255 for side in ("BillTo", "ShipTo") for field in ("Attention", "Email")},
    **{f"{side}Address.{field}": size for side in ("BillTo", "ShipTo") for field, size in _ADDRESS_SIZES.items()},
}
SALES_ORDER_LINE_SIZES: dict[str, int] = {"InventoryID": 30, "WarehouseID": 30}
PAYMENT_FIELD_SIZES: dict[str, int] = {
    "PaymentRef": 40, "CurrencyID": 5, "PaymentMethod": 10, "CashAccount": 10, "Description": 256,
    "_order_reference": 40,
}
CREDIT_MEMO_FIELD_SIZES: dict[str, int] = {
    "CustomerOrder": 40, "ExternalRef": 40, "CurrencyID": 5, "Description": 256, "_line.InventoryID": 30,
    "_order_reference": 40,
}


def column(path: str) -> str:
    """``ShipToAddress.City`` -> ``ShipToAddress_City``; the loader's ``_order_reference`` -> ``order_reference``."""
    return path.lstrip("_").replace("._", "_").replace(".", "_")


def length_column(path: str) -> str:
    return f"len_{column(path)}"


def _rows(records: Sequence[Any]) -> list[dict]:
    return [r if isinstance(r, dict) else {} for r in records]


def _at(record: Any, path: str) -> Any:
    for part in path.split("."):
        record = record.get(part) if isinstance(record, dict) else None
    return record


def _length(value: Any) -> float:
    """Characters of a text value (0 when absent): the gate compares it with the column size."""
    return float(len(value)) if isinstance(value, str) else 0.0


def _when(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _lines(record: dict) -> list[dict]:
    found = record.get("Details")
    return [line if isinstance(line, dict) else {} for line in found] if isinstance(found, list) else []


def _smallest(values: list[float]) -> float:
    """The smallest number, NaN when there is none or one is unusable (the not-null check then fails)."""
    if not values or any(value != value for value in values):
        return float("nan")
    return min(values)


def acumatica_sales_order_frame(records: Sequence[dict]):
    """``PUT SalesOrder`` bodies of web orders: keys, amounts, lines and every sized field's length."""
    rows = _rows(records)
    lines = [_lines(r) for r in rows]
    frame: dict[str, list] = {
        "CustomerID": [_text(r.get("CustomerID")) for r in rows],
        "CustomerOrder": [_text(r.get("CustomerOrder")) for r in rows],
        "CurrencyID": [_text(r.get("CurrencyID")) for r in rows],
        "Date": [_when(r.get("Date")) for r in rows],
        "OrderTotal": [_number(r.get("OrderTotal")) for r in rows],
        "line_count": [float(len(found)) for found in lines],
        "min_OrderQty": [_smallest([_number(line.get("OrderQty")) for line in found]) for found in lines],
        "min_UnitPrice": [_smallest([_number(line.get("UnitPrice")) for line in found]) for found in lines],
    }
    frame.update({length_column(path): [_length(_at(r, path)) for r in rows] for path in SALES_ORDER_FIELD_SIZES})
    frame.update({f"max_len_{name}": [max((_length(line.get(name)) for line in found), default=0.0) for found in lines]
                  for name in SALES_ORDER_LINE_SIZES})
    return _frame(frame, text_columns=("CustomerID", "CustomerOrder", "CurrencyID", "Date"))


def acumatica_payment_frame(records: Sequence[dict]):
    """``PUT Payment`` bodies (before the loader adds CustomerID and OrdersToApply from the order)."""
    rows = _rows(records)
    frame: dict[str, list] = {
        "PaymentRef": [_text(r.get("PaymentRef")) for r in rows],
        "order_reference": [_text(r.get("_order_reference")) for r in rows],
        "CurrencyID": [_text(r.get("CurrencyID")) for r in rows],
        "ApplicationDate": [_when(r.get("ApplicationDate")) for r in rows],
        "PaymentMethod": [_text(r.get("PaymentMethod")) for r in rows],
        "CashAccount": [_text(r.get("CashAccount")) for r in rows],
        "PaymentAmount": [_number(r.get("PaymentAmount")) for r in rows],
    }
    frame.update({length_column(path): [_length(_at(r, path)) for r in rows] for path in PAYMENT_FIELD_SIZES})
    return _frame(frame, text_columns=("PaymentRef", "order_reference", "CurrencyID", "ApplicationDate",
                                       "PaymentMethod", "CashAccount"))


def acumatica_credit_memo_frame(records: Sequence[dict]):
    """``PUT SalesOrder`` bodies of credit memos (type CM; the one line under ``_line``, the customer added later)."""
    rows = _rows(records)
    frame: dict[str, list] = {
        "CustomerOrder": [_text(r.get("CustomerOrder")) for r in rows],
        "order_reference": [_text(r.get("_order_reference")) for r in rows],
        "CurrencyID": [_text(r.get("CurrencyID")) for r in rows],
        "Date": [_when(r.get("Date")) for r in rows],
        "InventoryID": [_text(_at(r, "_line.InventoryID")) for r in rows],
        "ExtendedPrice": [_number(_at(r, "_line.ExtendedPrice")) for r in rows],
    }
    frame.update({length_column(path): [_length(_at(r, path)) for r in rows] for path in CREDIT_MEMO_FIELD_SIZES})
    return _frame(frame, text_columns=("CustomerOrder", "order_reference", "CurrencyID", "Date", "InventoryID"))
