"""Sage 500's quality frames (orders): its records as one row each for the suites.

Moved from ``storesync.quality.frames``, whose generic helpers it uses.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable, Sequence, TYPE_CHECKING

from storesync.quality.frames import (
    _decimal, _float, _float_series, _int_series, _list_of_dicts, _min_quantity, _order_key, _text, _text_series,
)

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd


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
