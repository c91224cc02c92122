"""Flat pandas frames for the quality gates: one row per record, plus derived check columns.

GX validates columns, not nested JSON, so each gate gets a frame with the fields it checks and
columns derived from the record's structure (line count, smallest quantity, arithmetic deltas,
longest line value). Numeric columns are floats (NaN when missing or not a number) *only so GX
can compare them*: these frames are for checks and are never written back anywhere. Arithmetic
that decides pass/fail (the deltas) is done in ``Decimal`` and converted at the end, so a float
rounding error can never move a record across a tolerance.

Text columns use pandas 3's ``str`` dtype (missing values are NaN). pandas is imported inside
the builders.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Iterable, Sequence

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

__all__ = [
    "raw_xcart_orders_frame",
    "sage500_staging_frame",
    "XCART_ORDER_FRAME_COLUMNS",
    "SAGE500_HEADER_COLUMN_SIZES",
    "SAGE500_HEADER_MONEY_COLUMNS",
    "SAGE500_LINE_COLUMN_SIZES",
    "SAGE500_FRAME_KEY",
]

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

# Sage 500 StgSalesOrder text columns and their varchar sizes (docs/sage500.md).
SAGE500_HEADER_COLUMN_SIZES: dict[str, int] = {
    "TranNo": 10,
    "CustID": 12,
    "CustPONo": 15,
    "CurrID": 3,
    "DfltShipMethID": 15,
    **{
        f"{side}{column}": size
        for side in ("BillTo", "DfltShipTo")
        for column, size in (
            ("AddrName", 40),
            ("AddrLine1", 40),
            ("AddrLine2", 40),
            ("City", 20),
            ("StateID", 3),
            ("PostalCode", 10),
            ("CountryID", 3),
        )
    },
    **{f"UserFld{number}": 15 for number in range(1, 5)},
}
SAGE500_HEADER_MONEY_COLUMNS = ("TranAmt", "FreightAmt", "STaxAmt", "TradeDiscAmt")
# StgSOLine text columns whose longest value per order becomes a max_len_<column> frame column;
# a size of None means "measured but not limited by the suite" (size not documented).
SAGE500_LINE_COLUMN_SIZES: dict[str, int | None] = {
    "TranNo": 10,
    "ItemID": 30,
    "Description": 40,
    "WarehouseID": None,
}
SAGE500_FRAME_KEY = "record_key"


# --------------------------------------------------------------------------- value helpers


def _decimal(value: Any) -> Decimal | None:
    """A finite Decimal, or None when the value is missing or not a number."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        return Decimal(value)
    elif isinstance(value, float):
        # repr-based, so 0.1 stays 0.1 rather than its binary expansion.
        number = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return None
    else:
        return None
    return number if number.is_finite() else None


def _float(value: Decimal | None) -> float:
    return float(value) if value is not None else float("nan")


def _text(value: Any) -> str | None:
    """Non-blank text, or None. Numbers become their plain string (17 -> "17")."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return str(int(value))
    return str(value)


def _order_key(value: Any) -> str | None:
    text = _text(value)
    return text.strip() if text is not None else None


def _timestamp(value: Any) -> dt.datetime | None:
    """X-Cart's ``date('c')`` text (ISO 8601 with the store's UTC offset) as an aware UTC datetime; None
    for anything else, text without an offset included (its instant is unknown)."""
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return None
    return parsed.astimezone(dt.timezone.utc)


def _list_of_dicts(value: Any) -> list[dict]:
    if not isinstance(value, list):
        return []
    # A non-object line is kept as an empty one: it still counts as a line and fails its checks.
    return [item if isinstance(item, dict) else {} for item in value]


def _min_quantity(quantities: list[Decimal | None]) -> Decimal | None:
    if not quantities or any(quantity is None for quantity in quantities):
        return None
    return min(quantities)  # type: ignore[type-var]


def _text_series(values: list[Any]):
    import pandas as pd

    return pd.Series(values, dtype="str")


def _float_series(values: list[float]):
    import pandas as pd

    return pd.Series(values, dtype="float64")


def _int_series(values: list[int]):
    import pandas as pd

    return pd.Series(values, dtype="int64")


# --------------------------------------------------------------------------- X-Cart raw orders


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


# --------------------------------------------------------------------------- Sage 500 staging


def _header_and_lines(row: Any) -> tuple[dict, list[dict]]:
    """Accept ``{"header": {...}, "lines": [...]}`` or a header dict with its lines under
    ``"lines"`` (or ``"StgSOLine"``)."""
    if not isinstance(row, dict):
        return {}, []
    if isinstance(row.get("header"), dict):
        header = row["header"]
        lines = row.get("lines", row.get("StgSOLine"))
    else:
        header = row
        lines = row.get("lines", row.get("StgSOLine"))
    return header, _list_of_dicts(lines)


def sage500_staging_frame(rows: Sequence[dict], record_keys: Iterable[str] | None = None) -> pd.DataFrame:
    """One row per staged Sage 500 sales order for the ``orders_target__sage500`` gate.

    Each row is a ``StgSalesOrder`` header with its ``StgSOLine`` rows under ``"lines"`` (or
    ``{"header": …, "lines": […]}``). Columns: ``record_key`` (``record_keys[i]`` when given, else
    the row's ``record_key`` field, else its ``TranNo``); every header text column of
    ``SAGE500_HEADER_COLUMN_SIZES`` (str; NaN when missing) and ``TranDate`` (str); the money
    columns ``TranAmt``, ``FreightAmt``, ``STaxAmt``, ``TradeDiscAmt`` (floats); ``line_count``;
    ``min_QtyOrd`` (NaN when there are no lines or a quantity is unusable); and
    ``max_len_<column>`` for each line column of ``SAGE500_LINE_COLUMN_SIZES`` (longest value on
    the order's lines, 0 when no line has one).
    """
    import pandas as pd

    rows = list(rows)
    keys = list(record_keys) if record_keys is not None else None
    if keys is not None and len(keys) != len(rows):
        raise ValueError(f"sage500_staging_frame: {len(keys)} record keys for {len(rows)} rows")

    text_columns = [*SAGE500_HEADER_COLUMN_SIZES, "TranDate"]
    columns: dict[str, list[Any]] = {
        SAGE500_FRAME_KEY: [],
        **{name: [] for name in text_columns},
        **{name: [] for name in SAGE500_HEADER_MONEY_COLUMNS},
        "line_count": [],
        "min_QtyOrd": [],
        **{f"max_len_{name}": [] for name in SAGE500_LINE_COLUMN_SIZES},
    }
    for position, row in enumerate(rows):
        header, lines = _header_and_lines(row)
        if keys is not None:
            key = keys[position]
        else:
            key = (row.get("record_key") if isinstance(row, dict) else None) or header.get("TranNo")
        columns[SAGE500_FRAME_KEY].append(_order_key(key))
        for name in text_columns:
            value = header.get(name)
            columns[name].append(value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else _text(value))
        for name in SAGE500_HEADER_MONEY_COLUMNS:
            columns[name].append(_float(_decimal(header.get(name))))
        columns["line_count"].append(len(lines))
        columns["min_QtyOrd"].append(_float(_min_quantity([_decimal(line.get("QtyOrd")) for line in lines])))
        for name in SAGE500_LINE_COLUMN_SIZES:
            lengths = [len(text) for text in (_text(line.get(name)) for line in lines) if text is not None]
            columns[f"max_len_{name}"].append(max(lengths, default=0))

    frame = {SAGE500_FRAME_KEY: _text_series(columns[SAGE500_FRAME_KEY])}
    frame.update({name: _text_series(columns[name]) for name in text_columns})
    frame.update({name: _float_series(columns[name]) for name in SAGE500_HEADER_MONEY_COLUMNS})
    frame["line_count"] = _int_series(columns["line_count"])
    frame["min_QtyOrd"] = _float_series(columns["min_QtyOrd"])
    frame.update({f"max_len_{name}": _int_series(columns[f"max_len_{name}"]) for name in SAGE500_LINE_COLUMN_SIZES})
    return pd.DataFrame(frame, columns=list(columns))
