"""X-Cart's quality frames (orders): its records as one row each for the suites.

Moved from ``storesync.quality.frames``, whose generic helpers it uses.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Sequence, TYPE_CHECKING

from storesync.quality.frames import (
    _decimal, _float, _float_series, _int_series, _list_of_dicts, _min_quantity, _order_key, _text, _text_series,
    _timestamp,
)

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd


XCART_ORDER_MONEY_FIELDS = ("total", "subtotal", "taxAmount", "shippingCost", "discountValue")


# Charges an X-Cart order may leave out; absent means zero in the total check.
_OPTIONAL_CHARGES = ("shippingCost", "taxAmount", "discountValue")


XCART_ORDER_FRAME_COLUMNS = (
    "orderId",
    "currency",
    *XCART_ORDER_MONEY_FIELDS,
    "line_count",
    "min_quantity",
    "lines_total_delta",
    "total_delta",
    "missing_sku_count",
    "customer_email",
    "orderDate",
)


def raw_xcart_orders_frame(records: Sequence[dict]) -> pd.DataFrame:
    """One row per X-Cart order (complex schema) for the ``orders_raw__xcart`` gate.

    The record is Complex.php ``convertModelOrder``'s: items carry ``price`` and ``quantity`` (no line
    total) and ``subtotal`` is ``total - shippingCost``, so tax and discount are inside it (docs/xcart.md).

    Columns: ``orderId`` (str, the record key), ``currency``, ``total``, ``subtotal``,
    ``taxAmount``, ``shippingCost``, ``discountValue`` (floats, NaN when missing or not numeric),
    ``line_count``, ``min_quantity`` (NaN when there are no lines or any quantity is missing or
    not numeric), ``lines_total_delta`` = |Σ(price × quantity) + taxAmount − discountValue − subtotal|,
    the items against the order (NaN when a price, quantity or the subtotal is unusable or a charge is
    present but not numeric), ``total_delta`` = |subtotal + shippingCost − total| (NaN when subtotal or
    total is unusable or the shipping cost is present but not numeric); absent charges count as 0;
    ``missing_sku_count``, ``customer_email``, ``orderDate`` (UTC timestamp of the ``date('c')`` text,
    NaT when missing or unreadable).
    """
    import pandas as pd

    columns: dict[str, list[Any]] = {name: [] for name in XCART_ORDER_FRAME_COLUMNS}
    for record in records:
        record = record if isinstance(record, dict) else {}
        amounts = {name: _decimal(record.get(name)) for name in XCART_ORDER_MONEY_FIELDS}
        lines = _list_of_dicts(record.get("items"))
        quantities = [_decimal(line.get("quantity")) for line in lines]
        prices = [_decimal(line.get("price")) for line in lines]
        charges = {name: _charge(record, name, amounts[name]) for name in _OPTIONAL_CHARGES}

        lines_total_delta: Decimal | None = None
        if (amounts["subtotal"] is not None and all(p is not None for p in prices)
                and all(q is not None for q in quantities)
                and charges["taxAmount"] is not None and charges["discountValue"] is not None):
            lines_sum = sum((p * q for p, q in zip(prices, quantities)), Decimal(0))  # type: ignore[operator]
            lines_total_delta = abs(lines_sum + charges["taxAmount"] - charges["discountValue"] - amounts["subtotal"])

        total_delta: Decimal | None = None
        if amounts["subtotal"] is not None and amounts["total"] is not None and charges["shippingCost"] is not None:
            total_delta = abs(amounts["subtotal"] + charges["shippingCost"] - amounts["total"])

        customer = record.get("customerInfo") if isinstance(record.get("customerInfo"), dict) else {}
        columns["orderId"].append(_order_key(record.get("orderId")))
        columns["currency"].append(_text(record.get("currency")))
        for name in XCART_ORDER_MONEY_FIELDS:
            columns[name].append(_float(amounts[name]))
        columns["line_count"].append(len(lines))
        columns["min_quantity"].append(_float(_min_quantity(quantities)))
        columns["lines_total_delta"].append(_float(lines_total_delta))
        columns["total_delta"].append(_float(total_delta))
        columns["missing_sku_count"].append(sum(1 for line in lines if _text(line.get("sku")) is None))
        columns["customer_email"].append(_text(customer.get("email")))
        columns["orderDate"].append(_timestamp(record.get("orderDate")))

    return pd.DataFrame(
        {
            "orderId": _text_series(columns["orderId"]),
            "currency": _text_series(columns["currency"]),
            **{name: _float_series(columns[name]) for name in XCART_ORDER_MONEY_FIELDS},
            "line_count": _int_series(columns["line_count"]),
            "min_quantity": _float_series(columns["min_quantity"]),
            "lines_total_delta": _float_series(columns["lines_total_delta"]),
            "total_delta": _float_series(columns["total_delta"]),
            "missing_sku_count": _int_series(columns["missing_sku_count"]),
            "customer_email": _text_series(columns["customer_email"]),
            "orderDate": pd.Series(pd.to_datetime(columns["orderDate"], utc=True), dtype="datetime64[us, UTC]"),
        },
        columns=list(XCART_ORDER_FRAME_COLUMNS),
    )


def _charge(record: dict, name: str, amount: Decimal | None) -> Decimal | None:
    """An optional charge for the total check: absent/null is 0, present but not numeric is None."""
    if record.get(name) is None:
        return Decimal(0)
    return amount
