"""The gates of the Acumatica products, inventory, customers and shipments flows: good records pass, bad ones
fail with the expectation named, and the DLQ reason names the Acumatica field to fix."""

from __future__ import annotations

from decimal import Decimal

import pytest

from storesync.config.pairs import INCLUDE_DIR
from storesync.operators.quality import FRAME_BUILDERS, SOURCE_FIELDS, describe_failure
from storesync.systems.acumatica.frames_catalogue import (
    CUSTOMER_FIELD_SIZES,
    acumatica_customer_frame,
    length_column,
    raw_acumatica_customers_frame,
    raw_acumatica_inventory_frame,
    raw_acumatica_items_frame,
    raw_acumatica_shipments_frame,
)
from storesync.systems import suite_file

pytestmark = pytest.mark.usefixtures("gate_ready")


def gate(frame_builder, records: dict, suite: str):
    from storesync.quality.gate import run_gate

    frame = frame_builder(list(records.values()))
    frame["record_key"] = list(records)
    return run_gate(frame, suite_file(suite), key_column="record_key")


def reasons(result, key: str, system_entity_stage: tuple[str, str, str]) -> str:
    """The DLQ reason the quality operator writes for ``key``."""
    fields = SOURCE_FIELDS.get(system_entity_stage, {})
    return "; ".join(describe_failure(d, fields) for d in result.failures[key])


def item(inventory_id: str, **fields) -> dict:
    return {"InventoryID": inventory_id, "Description": "Widget", "ItemStatus": "Active", "DefaultPrice": Decimal("5"),
            **fields}


def test_items_pass_unless_id_name_status_or_price_is_unusable():
    result = gate(raw_acumatica_items_frame, {
        "A": item("A"), "B": item("B", ItemStatus="No Sales"), "C": item("C", Description="  "),
        "D": item("D", ItemStatus="Frozen"), "E": item("E", DefaultPrice=Decimal("-1")), "F": item("F", DefaultPrice=None),
        "G": "junk",
    }, "items_raw__acumatica.json")
    assert sorted(result.passed_keys) == ["A", "B"]
    assert any("Description" in d for d in result.failures["C"])
    assert any("ItemStatus" in d for d in result.failures["D"])
    assert any("DefaultPrice" in d for d in result.failures["E"]) and any("DefaultPrice" in d for d in result.failures["F"])
    assert any("InventoryID" in d for d in result.failures["G"])


def level(inventory_id: str, *rows) -> dict:
    warehouses = [{"WarehouseID": w, "QtyOnHand": Decimal(str(h)) if h is not None else None,
                   "QtyAvailable": Decimal(str(a)) if a is not None else None} for w, h, a in rows]
    return {"InventoryID": inventory_id, "warehouses": warehouses, "QtyAvailable": Decimal(0), "SafetyStock": Decimal(0),
            "AvailableToSell": Decimal(0)}


def test_negative_on_hand_stock_is_stopped_naming_the_warehouse_field_but_over_allocation_is_not():
    result = gate(raw_acumatica_inventory_frame, {
        "A": level("A", ("MAIN", 5, 3), ("EAST", 1, 1)),
        "B": level("B", ("MAIN", 2, -4)),          # over-allocated: floored at zero, not an error
        "C": level("C", ("MAIN", 5, 5), ("EAST", -3, -3)),
        "D": level("D", ("MAIN", 5, None)),        # unreadable QtyAvailable
    }, "inventory_raw__acumatica.json")
    assert sorted(result.passed_keys) == ["A", "B"]
    assert "field warehouses[].QtyOnHand (negative stock; InventorySummaryInquiry)" in \
        reasons(result, "C", ("acumatica", "inventory", "raw"))
    assert "field warehouses[].QtyAvailable" in reasons(result, "D", ("acumatica", "inventory", "raw"))


def erp_customer(customer_id: str, email: str | None = "ann@example.com", status: str = "Active") -> dict:
    return {"CustomerID": customer_id, "CustomerName": "Ann Lee", "Status": status,
            "MainContact": {"Email": email, "Address": {"City": "Portland"}}}


def test_erp_customers_pass_without_email_but_not_with_a_broken_one_or_an_unknown_status():
    result = gate(raw_acumatica_customers_frame, {
        "C1": erp_customer("C1"), "C2": erp_customer("C2", email=None), "C3": erp_customer("C3", status="Credit Hold"),
        "C4": erp_customer("C4", email="not-an-email"), "C5": erp_customer("C5", status="Prospect"),
    }, "erp_customers_raw__acumatica.json")
    assert sorted(result.passed_keys) == ["C1", "C2", "C3"]
    assert reasons(result, "C4", ("acumatica", "erp_customer", "raw")).startswith("field MainContact.Email: ")
    assert any("Status" in d for d in result.failures["C5"])


def customer_body(customer_id: str = "XC0000000005", **contact) -> dict:
    return {"CustomerID": customer_id, "_action": "create", "CustomerName": "Ann Lee", "Status": "Active",
            "MainContact": {"Email": "ann@example.com", "FirstName": "Ann", "LastName": "Lee",
                            "Address": {"AddressLine1": "1 Main St", "City": "Portland", "Country": "US", **contact}}}


def test_customer_bodies_are_checked_for_acumatica_sizes_naming_the_field():
    result = gate(acumatica_customer_frame, {
        "5": customer_body(), "6": customer_body(City="x" * 51), "7": customer_body(Country="USA"),
        "8": {**customer_body(), "MainContact": {"Email": None}},
    }, "customers_target__acumatica.json")
    assert result.passed_keys == ["5"]
    assert "field MainContact.Address.City (length)" in reasons(result, "6", ("acumatica", "customer", "target"))
    assert "field MainContact.Address.Country (length)" in reasons(result, "7", ("acumatica", "customer", "target"))
    assert "field MainContact.Email" in reasons(result, "8", ("acumatica", "customer", "target"))


def test_every_sized_customer_field_has_a_column_and_a_readable_name():
    frame = acumatica_customer_frame([customer_body()])
    for path in CUSTOMER_FIELD_SIZES:
        assert length_column(path) in frame.columns
        assert SOURCE_FIELDS[("acumatica", "customer", "target")][length_column(path)].startswith(path)


def shipment(nbr: str, **fields) -> dict:
    return {"ShipmentNbr": nbr, "TrackingNbr": "1Z999",
            "Details": [{"InventoryID": "SKU-00001", "ShippedQty": Decimal(2)}],
            "Orders": [{"OrderType": "SO", "OrderNbr": "SO000017"}],
            "SalesOrder": {"OrderNbr": "SO000017", "CustomerOrder": "XC-17"}, **fields}


def test_shipments_pass_with_tracking_reference_lines_and_one_sales_order():
    two_orders = [{"OrderType": "SO", "OrderNbr": "SO000017"}, {"OrderType": "SO", "OrderNbr": "SO000018"}]
    result = gate(raw_acumatica_shipments_frame, {
        "1": shipment("1"), "2": shipment("2", TrackingNbr=None), "3": shipment("3", SalesOrder=None),
        "4": shipment("4", SalesOrder={"OrderNbr": "SO1", "CustomerOrder": "XC-"}), "5": shipment("5", Orders=two_orders),
        "6": shipment("6", Details=[{"InventoryID": None, "ShippedQty": Decimal(0)}]),
        "7": shipment("7", TrackingNbr="[card ****1234]"),
        "8": shipment("8", AdditionalTrackingNbrs=[{"TrackingNbr": "1Z998"}, {"TrackingNbr": "[card ****4321]"}]),
        "9": shipment("9", AdditionalTrackingNbrs=[{"TrackingNbr": "1Z998"}]),
    }, "shipments_raw__acumatica.json")
    assert result.passed_keys == ["1", "9"]
    key = ("acumatica", "shipment", "raw")
    assert "field Packages[].TrackingNbr (Shipment)" in reasons(result, "2", key)
    assert "field CustomerOrder (sales order reference XC-<orderId>)" in reasons(result, "3", key)
    assert "field CustomerOrder" in reasons(result, "4", key)
    assert "field Orders (one sales order per shipment)" in reasons(result, "5", key)
    assert "field Details[].InventoryID" in reasons(result, "6", key) and "Details[].ShippedQty" in reasons(result, "6", key)
    assert "Packages[].TrackingNbr (looks like a card number" in reasons(result, "7", key)
    assert "Packages[].TrackingNbr (looks like a card number" in reasons(result, "8", key), "any package's number"


@pytest.mark.parametrize(("entity", "stage"), [
    ("product", "raw"), ("inventory", "raw"), ("erp_customer", "raw"), ("customer", "target"), ("shipment", "raw"),
])
def test_the_frames_are_registered_for_the_gates(entity, stage):
    assert FRAME_BUILDERS[("acumatica", entity, stage)].startswith("storesync.systems.acumatica.frames_catalogue:")
