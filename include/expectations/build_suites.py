"""(Re)write the expectation suite JSON files (each in its system's ``expectations/`` folder) from the definitions below.

The suites live as JSON files (what the quality gate loads, and what GX tools read), but are
defined here so a change is a readable diff of Python. After editing, run

    python include/expectations/build_suites.py          # rewrite the files
    python include/expectations/build_suites.py --check  # exit 1 if a file is out of date

Each suite validates the frame built by the matching builder in its system's ``frames_*`` modules (``storesync.systems.<name>``);
the column names used here are the columns those builders produce.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent

if __name__ == "__main__" and str(REPO / "plugins") not in sys.path:
    # Run as a script: make storesync importable like PYTHONPATH=<repo>:<repo>/plugins does.
    sys.path[:0] = [str(REPO), str(REPO / "plugins")]

# Currencies a raw web order may carry. A pair may narrow this later in its config.
XCART_CURRENCIES = ["USD", "EUR", "GBP", "CAD", "AUD", "JPY"]
# Totals are compared with a cent of tolerance: the storefront rounds per line and per order.
MONEY_TOLERANCE = 0.01


def _orders_raw_xcart(gxe) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="orderId"),
        gxe.ExpectColumnValuesToBeUnique(column="orderId"),
        # X-Cart order ids are positive integers; the ERP document number is built from them ("W" + 9 digits),
        # so anything else (" 12", "12.0", a 10-digit id) would collide or overflow there.
        gxe.ExpectColumnValuesToMatchRegex(column="orderId", regex=r"^[1-9][0-9]{0,8}$"),
        gxe.ExpectColumnValuesToNotBeNull(column="currency"),
        gxe.ExpectColumnValuesToBeInSet(column="currency", value_set=XCART_CURRENCIES),
        gxe.ExpectColumnValuesToBeBetween(column="line_count", min_value=1),
        # Null when any line has no usable quantity (and when there are no lines).
        gxe.ExpectColumnValuesToNotBeNull(column="min_quantity"),
        gxe.ExpectColumnValuesToBeBetween(column="min_quantity", min_value=0, strict_min=True),
        gxe.ExpectColumnValuesToNotBeNull(column="subtotal"),
        gxe.ExpectColumnValuesToNotBeNull(column="total"),
        gxe.ExpectColumnValuesToBeBetween(column="total", min_value=0),
        # The record is Complex.php convertModelOrder's: subtotal = total - shippingCost, items carry quantity and
        # no line total. total_delta = |subtotal + shippingCost - total|; lines_total_delta = |Σ price × quantity
        # + taxAmount - discountValue - subtotal| (frames.raw_xcart_orders_frame, docs/xcart.md).
        # The deltas are null when an amount they need is unusable; between() alone skips nulls.
        gxe.ExpectColumnValuesToNotBeNull(column="total_delta"),
        gxe.ExpectColumnValuesToBeBetween(column="total_delta", max_value=MONEY_TOLERANCE),
        gxe.ExpectColumnValuesToNotBeNull(column="lines_total_delta"),
        gxe.ExpectColumnValuesToBeBetween(column="lines_total_delta", max_value=MONEY_TOLERANCE),
        gxe.ExpectColumnValuesToBeBetween(column="missing_sku_count", min_value=0, max_value=0),
        gxe.ExpectColumnValuesToNotBeNull(column="orderDate"),
    ]


def _orders_target_sage500(gxe) -> list:
    from storesync.systems.sage500.frames_orders import SAGE500_HEADER_COLUMN_SIZES, SAGE500_LINE_COLUMN_SIZES

    expectations = [
        gxe.ExpectColumnValuesToNotBeNull(column="record_key"),
        gxe.ExpectColumnValuesToNotBeNull(column="TranNo"),
        gxe.ExpectColumnValuesToNotBeNull(column="CustID"),
    ]
    # Sage 500 truncates or rejects over-long values; catch them before they reach staging.
    expectations += [
        gxe.ExpectColumnValueLengthsToBeBetween(column=column, max_value=size)
        for column, size in SAGE500_HEADER_COLUMN_SIZES.items()
    ]
    expectations += [
        gxe.ExpectColumnValuesToBeBetween(column=f"max_len_{column}", max_value=size)
        for column, size in SAGE500_LINE_COLUMN_SIZES.items()
        if size is not None
    ]
    expectations += [
        gxe.ExpectColumnValuesToNotBeNull(column="TranAmt"),
        gxe.ExpectColumnValuesToBeBetween(column="TranAmt", min_value=0),
        gxe.ExpectColumnValuesToBeBetween(column="line_count", min_value=1),
        gxe.ExpectColumnValuesToNotBeNull(column="min_QtyOrd"),
        gxe.ExpectColumnValuesToBeBetween(column="min_QtyOrd", min_value=0, strict_min=True),
    ]
    return expectations


def _items_raw_sage500(gxe) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="ItemID"),
        gxe.ExpectColumnValuesToBeUnique(column="ItemID"),
        gxe.ExpectColumnValuesToNotBeNull(column="ShortDesc"),
        gxe.ExpectColumnValuesToBeInSet(column="Status", value_set=[1, 2, 3, 4]),
        gxe.ExpectColumnValuesToNotBeNull(column="StdPrice"),
        gxe.ExpectColumnValuesToBeBetween(column="StdPrice", min_value=0),
    ]


def _inventory_raw_sage500(gxe) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="ItemID"),
        gxe.ExpectColumnValuesToBeUnique(column="ItemID"),
        # Sage lets QtyOnHand go negative (shipped before received): that is a data problem to fix in
        # the ERP, not a number to publish.
        gxe.ExpectColumnValuesToNotBeNull(column="min_QtyOnHand"),
        gxe.ExpectColumnValuesToBeBetween(column="min_QtyOnHand", min_value=0),
        gxe.ExpectColumnValuesToBeBetween(column="min_PendQtyDecrease", min_value=0),
        gxe.ExpectColumnValuesToNotBeNull(column="AvailableToSell"),
    ]


def _products_target_xcart(gxe) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="sku"),
        gxe.ExpectColumnValuesToBeUnique(column="sku"),
        gxe.ExpectColumnValuesToNotBeNull(column="name"),
        gxe.ExpectColumnValueLengthsToBeBetween(column="name", max_value=255),
        gxe.ExpectColumnValuesToNotBeNull(column="price"),
        gxe.ExpectColumnValuesToBeBetween(column="price", min_value=0),
        gxe.ExpectColumnValuesToNotBeNull(column="enabled"),
    ]


def _inventory_target_xcart(gxe) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="sku"),
        gxe.ExpectColumnValuesToNotBeNull(column="amount"),
        gxe.ExpectColumnValuesToBeBetween(column="amount", min_value=0),
    ]


def _customers_raw_xcart(gxe) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="profileId"),
        gxe.ExpectColumnValuesToBeUnique(column="profileId"),
        gxe.ExpectColumnValuesToNotBeNull(column="email"),
        gxe.ExpectColumnValuesToBeBetween(column="email_valid", min_value=1),
        gxe.ExpectColumnValuesToNotBeNull(column="name"),
    ]


def _customers_target_sage500(gxe) -> list:
    # StgCustomer widths as spARapiCustomerIns's work tables declare them (docs/sage500.md).
    sizes = {"CustID": 12, "CustName": 40, "CustClassID": 15, "Name": 40, "EMailAddr": 256, "AddrLine1": 40,
             "AddrLine2": 40, "City": 20, "StateID": 3, "PostalCode": 10, "CountryID": 3, "Phone": 17}
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="CustID"),
        gxe.ExpectColumnValuesToNotBeNull(column="CustName"),
        gxe.ExpectColumnValuesToNotBeNull(column="EMailAddr"),
        *[gxe.ExpectColumnValuesToBeBetween(column=f"len_{column}", max_value=size) for column, size in sizes.items()],
    ]


def _erp_customers_raw_sage500(gxe) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="CustID"),
        gxe.ExpectColumnValuesToBeUnique(column="CustID"),
        # Many ERP customers have no e-mail (they have no storefront account); one that is there must be valid.
        gxe.ExpectColumnValuesToBeBetween(column="email_valid", min_value=1),
        gxe.ExpectColumnValuesToBeInSet(column="Status", value_set=[1, 2, 3, 4]),
    ]


def _customer_updates_target_xcart(gxe) -> list:
    return [
        gxe.ExpectColumnValuesToBeInSet(column="status", value_set=["E", "D"]),
    ]


def _shipments_raw_sage500(gxe) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="ShipKey"),
        gxe.ExpectColumnValuesToBeUnique(column="ShipKey"),
        # Null when empty: a storefront order cannot be told where its parcel is without one.
        gxe.ExpectColumnValuesToNotBeNull(column="TrackingNo"),
        # The storefront order id read from the sales order's UserFld1 (XC-<orderId>); null when unreadable.
        gxe.ExpectColumnValuesToNotBeNull(column="order_reference"),
        gxe.ExpectColumnValuesToBeBetween(column="line_count", min_value=1),
        # Null when a line has no usable quantity (and when there are no lines).
        gxe.ExpectColumnValuesToNotBeNull(column="min_QtyShipped"),
        gxe.ExpectColumnValuesToBeBetween(column="min_QtyShipped", min_value=0, strict_min=True),
        gxe.ExpectColumnValuesToBeBetween(column="missing_sku_count", min_value=0, max_value=0),
        # A card-like tracking number was masked by the privacy scrub at extract: never publish the mask.
        gxe.ExpectColumnValuesToBeBetween(column="tracking_masked", min_value=0, max_value=0),
    ]


def _shipments_target_xcart(gxe) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="orderId"),
        gxe.ExpectColumnValuesToNotBeNull(column="tracking_value"),
        gxe.ExpectColumnValuesToNotBeNull(column="shippingStatus"),
        gxe.ExpectColumnValuesToBeInSet(column="shippingStatus", value_set=["P", "S"]),
    ]


def _payment_transactions_raw_xcart(gxe) -> list:
    from storesync.systems.xcart.payments import STATUSES, TYPES

    return [
        gxe.ExpectColumnValuesToNotBeNull(column="transactionId"),
        gxe.ExpectColumnValuesToBeUnique(column="transactionId"),
        gxe.ExpectColumnValuesToNotBeNull(column="orderId"),
        gxe.ExpectColumnValuesToNotBeNull(column="type"),
        gxe.ExpectColumnValuesToBeInSet(column="type", value_set=list(TYPES)),
        gxe.ExpectColumnValuesToNotBeNull(column="status"),
        gxe.ExpectColumnValuesToBeInSet(column="status", value_set=list(STATUSES)),
        gxe.ExpectColumnValuesToNotBeNull(column="value"),
        gxe.ExpectColumnValuesToBeBetween(column="value", min_value=0, strict_min=True),
        gxe.ExpectColumnValuesToNotBeNull(column="currency"),
        gxe.ExpectColumnValuesToBeInSet(column="currency", value_set=XCART_CURRENCIES),
        gxe.ExpectColumnValuesToNotBeNull(column="method"),
        # Only ever the last four digits (nulls pass: not every method has a card).
        gxe.ExpectColumnValuesToMatchRegex(column="cardLast4", regex=r"^[0-9]{4}$"),
        gxe.ExpectColumnValuesToNotBeNull(column="date"),
    ]


def _receivables_target_sage500(sizes: dict[str, int]) -> Callable[[Any], list]:
    def expectations(gxe) -> list:
        return [
            gxe.ExpectColumnValuesToNotBeNull(column="record_key"),
            gxe.ExpectColumnValuesToNotBeNull(column="TranNo"),
            gxe.ExpectColumnValuesToNotBeNull(column="ApplyToTranNo"),
            gxe.ExpectColumnValuesToNotBeNull(column="UserFld1"),
            gxe.ExpectColumnValuesToNotBeNull(column="CurrID"),
            gxe.ExpectColumnValuesToNotBeNull(column="TranDate"),
            # Sage 500 truncates or rejects over-long values; catch them before they reach staging.
            *[gxe.ExpectColumnValueLengthsToBeBetween(column=column, max_value=size) for column, size in sizes.items()],
            gxe.ExpectColumnValuesToNotBeNull(column="TranAmt"),
            gxe.ExpectColumnValuesToBeBetween(column="TranAmt", min_value=0, strict_min=True),
        ]

    return expectations


def _payments_target_sage500(gxe) -> list:
    from storesync.systems.sage500.frames_payments import CUSTOMER_PAYMENT_COLUMN_SIZES

    return [*_receivables_target_sage500(CUSTOMER_PAYMENT_COLUMN_SIZES)(gxe),
            gxe.ExpectColumnValuesToNotBeNull(column="CashAcctID")]


def _refunds_target_sage500(gxe) -> list:
    from storesync.systems.sage500.frames_payments import CREDIT_MEMO_COLUMN_SIZES

    return _receivables_target_sage500(CREDIT_MEMO_COLUMN_SIZES)(gxe)


def _items_raw_acumatica(gxe) -> list:
    from storesync.systems.acumatica.frames_catalogue import ITEM_STATUSES

    return [
        gxe.ExpectColumnValuesToNotBeNull(column="InventoryID"),
        gxe.ExpectColumnValuesToBeUnique(column="InventoryID"),
        gxe.ExpectColumnValuesToNotBeNull(column="Description"),
        gxe.ExpectColumnValuesToNotBeNull(column="ItemStatus"),
        gxe.ExpectColumnValuesToBeInSet(column="ItemStatus", value_set=ITEM_STATUSES),
        gxe.ExpectColumnValuesToNotBeNull(column="DefaultPrice"),
        gxe.ExpectColumnValuesToBeBetween(column="DefaultPrice", min_value=0),
    ]


def _inventory_raw_acumatica(gxe) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="InventoryID"),
        gxe.ExpectColumnValuesToBeUnique(column="InventoryID"),
        # Negative on-hand stock (shipped before received) is a data problem to fix in the ERP, not a number
        # to publish. QtyAvailable may be negative (over-allocated): it is floored at zero for the storefront.
        gxe.ExpectColumnValuesToNotBeNull(column="min_QtyOnHand"),
        gxe.ExpectColumnValuesToBeBetween(column="min_QtyOnHand", min_value=0),
        gxe.ExpectColumnValuesToNotBeNull(column="min_QtyAvailable"),
        gxe.ExpectColumnValuesToNotBeNull(column="AvailableToSell"),
    ]


def _erp_customers_raw_acumatica(gxe) -> list:
    from storesync.systems.acumatica.frames_catalogue import CUSTOMER_STATUSES

    return [
        gxe.ExpectColumnValuesToNotBeNull(column="CustomerID"),
        gxe.ExpectColumnValuesToBeUnique(column="CustomerID"),
        # Many ERP customers have no e-mail (they have no storefront account); one that is there must be valid.
        gxe.ExpectColumnValuesToBeBetween(column="email_valid", min_value=1),
        gxe.ExpectColumnValuesToNotBeNull(column="Status"),
        gxe.ExpectColumnValuesToBeInSet(column="Status", value_set=CUSTOMER_STATUSES),
    ]


def _customers_target_acumatica(gxe) -> list:
    from storesync.systems.acumatica.frames_catalogue import CUSTOMER_FIELD_SIZES, length_column

    return [
        gxe.ExpectColumnValuesToNotBeNull(column="CustomerID"),
        gxe.ExpectColumnValuesToNotBeNull(column="CustomerName"),
        gxe.ExpectColumnValuesToNotBeNull(column="Email"),
        # Acumatica refuses over-long values with 422; catch them before the PUT.
        *[gxe.ExpectColumnValuesToBeBetween(column=length_column(path), max_value=size)
          for path, size in CUSTOMER_FIELD_SIZES.items()],
    ]


def _shipments_raw_acumatica(gxe) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="ShipmentNbr"),
        gxe.ExpectColumnValuesToBeUnique(column="ShipmentNbr"),
        # Null when no package has one: a storefront order cannot be told where its parcel is without one.
        gxe.ExpectColumnValuesToNotBeNull(column="TrackingNbr"),
        # The storefront order id read from the sales order's CustomerOrder (XC-<orderId>); null when unreadable.
        gxe.ExpectColumnValuesToNotBeNull(column="order_reference"),
        # One sales order per shipment: the storefront updates one order per shipment.
        gxe.ExpectColumnValuesToBeBetween(column="order_count", min_value=1, max_value=1),
        gxe.ExpectColumnValuesToBeBetween(column="line_count", min_value=1),
        gxe.ExpectColumnValuesToNotBeNull(column="min_ShippedQty"),
        gxe.ExpectColumnValuesToBeBetween(column="min_ShippedQty", min_value=0, strict_min=True),
        gxe.ExpectColumnValuesToBeBetween(column="missing_sku_count", min_value=0, max_value=0),
        gxe.ExpectColumnValuesToBeBetween(column="tracking_masked", min_value=0, max_value=0),
    ]


def _orders_target_acumatica(gxe) -> list:
    from storesync.systems.acumatica.frames_documents import (
        SALES_ORDER_FIELD_SIZES,
        SALES_ORDER_LINE_SIZES,
        length_column,
    )

    return [
        gxe.ExpectColumnValuesToNotBeNull(column="record_key"),
        gxe.ExpectColumnValuesToNotBeNull(column="CustomerOrder"),
        gxe.ExpectColumnValuesToNotBeNull(column="CustomerID"),
        gxe.ExpectColumnValuesToNotBeNull(column="CurrencyID"),
        gxe.ExpectColumnValuesToNotBeNull(column="Date"),
        # Acumatica refuses over-long values with 422; catch them before the PUT.
        *[gxe.ExpectColumnValuesToBeBetween(column=length_column(path), max_value=size)
          for path, size in SALES_ORDER_FIELD_SIZES.items()],
        *[gxe.ExpectColumnValuesToBeBetween(column=f"max_len_{name}", max_value=size)
          for name, size in SALES_ORDER_LINE_SIZES.items()],
        gxe.ExpectColumnValuesToNotBeNull(column="OrderTotal"),
        gxe.ExpectColumnValuesToBeBetween(column="OrderTotal", min_value=0),
        gxe.ExpectColumnValuesToBeBetween(column="line_count", min_value=1),
        # Null when a line has no usable quantity or price (and when there are no lines).
        gxe.ExpectColumnValuesToNotBeNull(column="min_OrderQty"),
        gxe.ExpectColumnValuesToBeBetween(column="min_OrderQty", min_value=0, strict_min=True),
        gxe.ExpectColumnValuesToNotBeNull(column="min_UnitPrice"),
        gxe.ExpectColumnValuesToBeBetween(column="min_UnitPrice", min_value=0),
    ]


def _payments_target_acumatica(gxe) -> list:
    from storesync.systems.acumatica.frames_documents import PAYMENT_FIELD_SIZES, length_column

    return [
        gxe.ExpectColumnValuesToNotBeNull(column="record_key"),
        gxe.ExpectColumnValuesToNotBeNull(column="PaymentRef"),
        gxe.ExpectColumnValuesToNotBeNull(column="order_reference"),
        gxe.ExpectColumnValuesToNotBeNull(column="CurrencyID"),
        gxe.ExpectColumnValuesToNotBeNull(column="ApplicationDate"),
        gxe.ExpectColumnValuesToNotBeNull(column="PaymentMethod"),
        gxe.ExpectColumnValuesToNotBeNull(column="CashAccount"),
        *[gxe.ExpectColumnValuesToBeBetween(column=length_column(path), max_value=size)
          for path, size in PAYMENT_FIELD_SIZES.items()],
        gxe.ExpectColumnValuesToNotBeNull(column="PaymentAmount"),
        gxe.ExpectColumnValuesToBeBetween(column="PaymentAmount", min_value=0, strict_min=True),
    ]


def _refunds_target_acumatica(gxe) -> list:
    from storesync.systems.acumatica.frames_documents import CREDIT_MEMO_FIELD_SIZES, length_column

    return [
        gxe.ExpectColumnValuesToNotBeNull(column="record_key"),
        gxe.ExpectColumnValuesToNotBeNull(column="CustomerOrder"),
        gxe.ExpectColumnValuesToNotBeNull(column="order_reference"),
        gxe.ExpectColumnValuesToNotBeNull(column="CurrencyID"),
        gxe.ExpectColumnValuesToNotBeNull(column="Date"),
        gxe.ExpectColumnValuesToNotBeNull(column="InventoryID"),
        *[gxe.ExpectColumnValuesToBeBetween(column=length_column(path), max_value=size)
          for path, size in CREDIT_MEMO_FIELD_SIZES.items()],
        gxe.ExpectColumnValuesToNotBeNull(column="ExtendedPrice"),
        gxe.ExpectColumnValuesToBeBetween(column="ExtendedPrice", min_value=0, strict_min=True),
    ]


# file name (without .json) -> (notes, expectations builder)
SUITES: dict[str, tuple[str, Callable[[Any], list]]] = {
    "orders_raw__xcart": (
        "Raw X-Cart orders (complex schema); frame: storesync.systems.xcart.frames_orders.raw_xcart_orders_frame, "
        "key column orderId.",
        _orders_raw_xcart,
    ),
    "orders_target__sage500": (
        "Sage 500 StgSalesOrder/StgSOLine rows before staging; frame: "
        "storesync.systems.sage500.frames_orders.sage500_staging_frame, key column record_key.",
        _orders_target_sage500,
    ),
    "items_raw__sage500": (
        "Sage 500 item master rows (products flow); frame: storesync.systems.sage500.frames_catalogue."
        "raw_sage500_items_frame, key column record_key.",
        _items_raw_sage500,
    ),
    "inventory_raw__sage500": (
        "Sage 500 stock per item over the pair's warehouses; frame: storesync.systems.sage500.frames_catalogue."
        "raw_sage500_inventory_frame, key column record_key.",
        _inventory_raw_sage500,
    ),
    "products_target__xcart": (
        "X-Cart product fields before writing; frame: storesync.systems.xcart.frames_catalogue.xcart_products_frame.",
        _products_target_xcart,
    ),
    "customers_raw__xcart": (
        "X-Cart profiles; frame: storesync.systems.xcart.frames_customers.raw_xcart_profiles_frame.",
        _customers_raw_xcart,
    ),
    "customers_target__sage500": (
        "StgCustomer rows; frame: storesync.systems.sage500.frames_customers.sage500_customer_staging_frame.",
        _customers_target_sage500,
    ),
    "erp_customers_raw__sage500": (
        "Sage 500 customers changed in the ERP; frame: storesync.systems.sage500.frames_customers.raw_sage500_customers_frame.",
        _erp_customers_raw_sage500,
    ),
    "customer_updates_target__xcart": (
        "X-Cart profile updates (address, status); frame: storesync.systems.xcart.frames_customers.xcart_profile_updates_frame.",
        _customer_updates_target_xcart,
    ),
    "inventory_target__xcart": (
        "X-Cart stock (amount) before writing; frame: storesync.systems.xcart.frames_catalogue.xcart_inventory_frame.",
        _inventory_target_xcart,
    ),
    "shipments_raw__sage500": (
        "Sage 500 shipments with their sales order and lines; frame: storesync.systems.sage500.frames_shipments."
        "raw_sage500_shipments_frame, key column record_key.",
        _shipments_raw_sage500,
    ),
    "shipments_target__xcart": (
        "X-Cart order updates (tracking number, shippingStatus) before writing; frame: "
        "storesync.systems.xcart.frames_shipments.xcart_shipments_frame.",
        _shipments_target_xcart,
    ),
    "payment_transactions_raw__xcart": (
        "X-Cart payment transactions (payments and refunds flows, after out-of-scope ones were skipped); frame: "
        "storesync.systems.xcart.frames_payments.raw_xcart_payment_transactions_frame, key column record_key.",
        _payment_transactions_raw_xcart,
    ),
    "payments_target__sage500": (
        "StgCustPmt rows before staging (CustID is added by the loader); frame: "
        "storesync.systems.sage500.frames_payments.sage500_customer_payment_frame.",
        _payments_target_sage500,
    ),
    "refunds_target__sage500": (
        "StgARCreditMemo rows before staging (CustID is added by the loader); frame: "
        "storesync.systems.sage500.frames_payments.sage500_credit_memo_frame.",
        _refunds_target_sage500,
    ),
    "items_raw__acumatica": (
        "Acumatica StockItem records (products flow); frame: storesync.systems.acumatica.frames_catalogue."
        "raw_acumatica_items_frame, key column record_key.",
        _items_raw_acumatica,
    ),
    "inventory_raw__acumatica": (
        "Acumatica stock per item over the pair's warehouses (InventorySummaryInquiry rows); frame: "
        "storesync.systems.acumatica.frames_catalogue.raw_acumatica_inventory_frame, key column record_key.",
        _inventory_raw_acumatica,
    ),
    "erp_customers_raw__acumatica": (
        "Acumatica customers changed in the ERP; frame: storesync.systems.acumatica.frames_catalogue."
        "raw_acumatica_customers_frame.",
        _erp_customers_raw_acumatica,
    ),
    "customers_target__acumatica": (
        "PUT Customer bodies before loading; frame: storesync.systems.acumatica.frames_catalogue."
        "acumatica_customer_frame.",
        _customers_target_acumatica,
    ),
    "shipments_raw__acumatica": (
        "Acumatica shipments with their sales order, lines and packages; frame: storesync.systems."
        "acumatica.frames_catalogue.raw_acumatica_shipments_frame, key column record_key.",
        _shipments_raw_acumatica,
    ),
    "orders_target__acumatica": (
        "PUT SalesOrder bodies of web orders before loading (CustomerID resolved by the prepare step); frame: "
        "storesync.systems.acumatica.frames_documents.acumatica_sales_order_frame.",
        _orders_target_acumatica,
    ),
    "payments_target__acumatica": (
        "PUT Payment bodies before loading (CustomerID and OrdersToApply are added by the loader); frame: "
        "storesync.systems.acumatica.frames_documents.acumatica_payment_frame.",
        _payments_target_acumatica,
    ),
    "refunds_target__acumatica": (
        "PUT SalesOrder bodies of credit memos (type CM) before loading (CustomerID is added by the loader); frame: "
        "storesync.systems.acumatica.frames_documents.acumatica_credit_memo_frame.",
        _refunds_target_acumatica,
    ),
}


def build(name: str) -> dict:
    """The JSON document of one suite, as ``ExpectationSuite.to_json_dict()`` writes it."""
    from storesync.quality.suites import quiet_gx

    quiet_gx()
    import great_expectations.expectations as gxe
    from great_expectations.core import ExpectationSuite

    notes, expectations = SUITES[name]
    # Passed to the constructor: add_expectation() would need a data context to save into.
    suite = ExpectationSuite(name=name, notes=notes, expectations=expectations(gxe))
    document = suite.to_json_dict()
    # The GX version in meta would make every upgrade rewrite the files; the pin lives in requirements.
    document.get("meta", {}).pop("great_expectations_version", None)
    return document


def render(document: dict) -> str:
    return json.dumps(document, indent=2, default=str) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report files that differ")
    args = parser.parse_args(argv)
    stale = []
    from storesync.systems import suite_file

    for name in SUITES:
        path = suite_file(f"{name}.json")
        text = render(build(name))
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path)
        if not args.check:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(REPO)}")
    if args.check and stale:
        print("out of date: " + ", ".join(str(path.relative_to(REPO)) for path in stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
