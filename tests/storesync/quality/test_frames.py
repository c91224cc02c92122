"""Frame builders: derived check columns, Decimal arithmetic, pandas 3 dtypes (no GX needed)."""

from __future__ import annotations

import math
from decimal import Decimal

import pandas as pd

from storesync.systems.xcart.frames_orders import raw_xcart_orders_frame
from storesync.systems.sage500.frames_orders import sage500_staging_frame
from storesync.systems.sage500.frames_orders import SAGE500_HEADER_COLUMN_SIZES
from storesync.systems.xcart.frames_orders import XCART_ORDER_FRAME_COLUMNS


def test_raw_frame_columns_and_dtypes(make_xcart_order):
    frame = raw_xcart_orders_frame([make_xcart_order(17), make_xcart_order(18)])
    assert list(frame.columns) == list(XCART_ORDER_FRAME_COLUMNS)
    assert frame["orderId"].tolist() == ["17", "18"]
    assert frame["orderId"].dtype == "str" and frame["currency"].dtype == "str"
    assert frame["total"].dtype == "float64" and frame["line_count"].dtype == "int64"
    row = frame.iloc[0]
    assert (row["line_count"], row["min_quantity"], row["missing_sku_count"]) == (2, 1.0, 0)
    assert (row["lines_total_delta"], row["total_delta"]) == (0.0, 0.0)
    assert row["orderDate"] == pd.Timestamp("2024-11-07 17:20:00", tz="UTC")
    assert row["customer_email"] == "ann@example.com"


def test_raw_frame_deltas_are_computed_in_decimal(make_xcart_order):
    order = make_xcart_order(1)
    # In float, 0.1 + 0.2 - 0.3 is 5.55e-17, not 0: the delta must be exactly zero.
    # X-Cart's subtotal is total - shippingCost (Complex.php convertModelOrder).
    order.update(subtotal=Decimal("0.2"), shippingCost=Decimal("0.1"), taxAmount=Decimal("0.2"), discountValue=Decimal("0.3"), total=Decimal("0.3"))
    order["items"] = [{"sku": "A", "price": Decimal("0.1"), "quantity": 1}, {"sku": "B", "price": Decimal("0.2"), "quantity": 1}]
    row = raw_xcart_orders_frame([order]).iloc[0]
    assert row["total_delta"] == 0.0
    assert row["lines_total_delta"] == 0.0


def test_raw_frame_reads_the_subtotal_as_x_cart_builds_it_with_tax_and_discount_inside(make_xcart_order):
    """Complex.php convertModelOrder: subtotal = total - shippingCost; a subtotal that is the items' sum
    (tax 8.45 and discount 5.00 left out) is 3.45 off the items."""
    clean, items_only = make_xcart_order(1), make_xcart_order(2)
    items_only["subtotal"] = Decimal("110.00")
    frame = raw_xcart_orders_frame([clean, items_only])
    assert list(frame["lines_total_delta"]) == [0.0, 3.45]
    assert list(frame["total_delta"]) == [0.0, 3.45]


def test_raw_frame_order_date_is_the_utc_instant_of_the_offset_text(make_xcart_order):
    with_offset, without, unix = make_xcart_order(1), make_xcart_order(2), make_xcart_order(3)
    with_offset["orderDate"] = "2024-07-01T23:30:00-04:00"
    without["orderDate"] = "2024-07-01T23:30:00"
    unix["orderDate"] = 1719891000
    dates = raw_xcart_orders_frame([with_offset, without, unix])["orderDate"]
    assert dates.iloc[0] == pd.Timestamp("2024-07-02 03:30:00", tz="UTC")
    assert pd.isna(dates.iloc[1]) and pd.isna(dates.iloc[2])


def test_raw_frame_missing_and_non_numeric_values_become_nan(make_xcart_order):
    broken = make_xcart_order(2)
    broken["total"] = "n/a"
    broken["items"][1]["quantity"] = None
    broken["items"][0]["sku"] = "  "
    broken["currency"] = None
    del broken["orderDate"]
    no_charges = make_xcart_order(3)
    for charge in ("shippingCost", "taxAmount", "discountValue"):
        del no_charges[charge]
    no_charges["total"] = no_charges["subtotal"] = Decimal("110.00")

    frame = raw_xcart_orders_frame([broken, no_charges, {"orderId": 4, "items": "not a list"}])
    first, second, third = (frame.iloc[n] for n in range(3))
    assert math.isnan(first["total"]) and math.isnan(first["total_delta"])
    assert math.isnan(first["min_quantity"]) and math.isnan(first["lines_total_delta"])
    assert first["missing_sku_count"] == 1
    assert pd.isna(first["currency"]) and pd.isna(first["orderDate"])
    # Absent optional charges count as zero in the total check, but show as NaN.
    assert second["total_delta"] == 0.0 and math.isnan(second["shippingCost"])
    assert third["line_count"] == 0 and math.isnan(third["min_quantity"])


def test_raw_frame_of_no_records_has_the_columns(make_xcart_order):
    frame = raw_xcart_orders_frame([])
    assert frame.empty and list(frame.columns) == list(XCART_ORDER_FRAME_COLUMNS)


def test_sage500_frame_measures_lines(make_sage500_order):
    order = make_sage500_order("0000001")
    order["lines"][1]["ItemID"] = "X" * 31
    order["lines"][0]["QtyOrd"] = Decimal("0.5")
    nested = {"header": {k: v for k, v in make_sage500_order("0000002").items() if k != "lines"}, "lines": []}

    frame = sage500_staging_frame([order, nested], record_keys=["17", "18"])
    assert frame["record_key"].tolist() == ["17", "18"]
    for column in SAGE500_HEADER_COLUMN_SIZES:
        assert frame[column].dtype == "str", column
    first, second = frame.iloc[0], frame.iloc[1]
    assert (first["line_count"], first["min_QtyOrd"], first["max_len_ItemID"], first["max_len_Description"]) == (2, 0.5, 31, 6)
    assert first["TranAmt"] == 123.45
    assert pd.isna(first["DfltShipToAddrLine2"])  # blank text is missing, not length 0
    assert (second["line_count"], second["max_len_ItemID"]) == (0, 0) and math.isnan(second["min_QtyOrd"])


def test_sage500_frame_key_defaults_to_tran_no(make_sage500_order):
    frame = sage500_staging_frame([make_sage500_order("0000009")])
    assert frame["record_key"].tolist() == ["0000009"]
