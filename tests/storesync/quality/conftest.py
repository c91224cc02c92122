"""Quality gate fixtures: records that pass the suites, and one shared GX warm-up.

Great Expectations costs seconds to import; the session fixture ``gate_ready`` pays that once
for every gate test (GX stays imported for the process, and the gate reuses one context).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from storesync.systems import suite_file

REPO = Path(__file__).resolve().parents[3]
RAW_SUITE = suite_file("orders_raw__xcart.json")
TARGET_SUITE = suite_file("orders_target__sage500.json")


def clean_xcart_order(order_id: int) -> dict:
    """A raw X-Cart order (complex schema as Complex.php convertModelOrder builds it, JSON parsed with
    parse_float=Decimal) that passes: subtotal = total - shippingCost = items + tax - discount."""
    return {
        "orderId": order_id,
        "orderNumber": f"{order_id:06d}",
        "total": Decimal("123.45"),
        "subtotal": Decimal("113.45"),
        "taxAmount": Decimal("8.45"),
        "shippingCost": Decimal("10.00"),
        "paymentFee": 0,
        "discountValue": Decimal("5.00"),
        "currency": "USD",
        "items": [
            {"sku": "SKU-00012", "productId": 12, "name": "Widget", "price": Decimal("55.00"), "quantity": 1},
            {"sku": "SKU-00013", "productId": 13, "name": "Gadget", "price": Decimal("27.50"), "quantity": 2},
        ],
        "shippingStatus": "N",
        "paymentStatus": "P",
        "orderDate": "2024-11-07T12:20:00-05:00",
        "updateDate": "2024-11-07T12:20:00-05:00",
        "customerInfo": {"profileId": 5, "login": "ann@example.com", "email": "ann@example.com"},
    }


def clean_sage500_order(tran_no: str) -> dict:
    """A staged Sage 500 sales order (StgSalesOrder header with its StgSOLine rows) that passes."""
    return {
        "TranNo": tran_no,
        "TranDate": "2024-11-07",
        "CustID": "ANNLEE",
        "CustPONo": f"XC-{tran_no}",
        "CurrID": "USD",
        "FreightAmt": Decimal("10.00"),
        "STaxAmt": Decimal("8.45"),
        "TradeDiscAmt": Decimal("5.00"),
        "TranAmt": Decimal("123.45"),
        "DfltShipMethID": "UPSGND",
        "Hold": "0",
        "BillToAddrName": "Ann Lee",
        "BillToAddrLine1": "1 Main St",
        "BillToAddrLine2": None,
        "BillToCity": "Portland",
        "BillToStateID": "OR",
        "BillToPostalCode": "97201",
        "BillToCountryID": "USA",
        "DfltShipToAddrName": "Ann Lee",
        "DfltShipToAddrLine1": "1 Main St",
        "DfltShipToAddrLine2": "",
        "DfltShipToCity": "Portland",
        "DfltShipToStateID": "OR",
        "DfltShipToPostalCode": "97201",
        "DfltShipToCountryID": "USA",
        "UserFld1": tran_no,
        "UserFld2": None,
        "UserFld3": None,
        "UserFld4": None,
        "lines": [
            {"TranNo": tran_no, "SOLineNo": 1, "ItemID": "SKU-00012", "Description": "Widget", "QtyOrd": Decimal("1"), "UnitPrice": Decimal("55.00"), "ExtAmt": Decimal("55.00"), "WarehouseID": "MAIN"},
            {"TranNo": tran_no, "SOLineNo": 2, "ItemID": "SKU-00013", "Description": "Gadget", "QtyOrd": Decimal("2"), "UnitPrice": Decimal("27.50"), "ExtAmt": Decimal("55.00"), "WarehouseID": "MAIN"},
        ],
    }


@pytest.fixture
def xcart_orders() -> list[dict]:
    return [clean_xcart_order(n) for n in range(1, 201)]


@pytest.fixture
def sage500_orders() -> list[dict]:
    return [clean_sage500_order(f"{n:07d}") for n in range(1, 51)]


@pytest.fixture(scope="session")
def gate_ready():
    """Import GX and build the shared context once (a one-row gate run)."""
    from storesync.quality import run_gate
    from storesync.systems.xcart.frames_orders import raw_xcart_orders_frame

    run_gate(raw_xcart_orders_frame([clean_xcart_order(1)]), RAW_SUITE, "orderId")
    return True


@pytest.fixture(scope="session")
def make_xcart_order():
    return clean_xcart_order


@pytest.fixture(scope="session")
def make_sage500_order():
    return clean_sage500_order


@pytest.fixture(scope="session")
def raw_suite() -> Path:
    return RAW_SUITE


@pytest.fixture(scope="session")
def target_suite() -> Path:
    return TARGET_SUITE
