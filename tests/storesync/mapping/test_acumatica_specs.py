"""The Acumatica specs of the products, inventory, customers and shipments flows give the canonical shapes the
Sage 500 specs give, so the X-Cart side maps them unchanged; statuses translate as the flows promise."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from storesync.config.pairs import INCLUDE_DIR
from storesync.mapping import MappingEngine, RecordMappingError, load_spec
from storesync.systems import mapping_file


def engine(system: str, name: str) -> MappingEngine:
    return MappingEngine(load_spec(mapping_file(f"{system}/{name}.yaml")))


@pytest.fixture(scope="module")
def specs() -> dict[str, MappingEngine]:
    names = ("item_to_canonical", "inventory_to_canonical", "customer_to_canonical", "customer_from_canonical",
             "shipment_to_canonical")
    return {f"{system}/{name}": engine(system, name) for system in ("acumatica", "sage500") for name in names}


STOCK_ITEM = {"InventoryID": "sku-00012 ", "Description": " Widget, large ", "ItemStatus": "Active",
              "DefaultPrice": Decimal("55"), "LastModifiedDateTime": "2026-11-20T00:10:00+00:00"}
SAGE_ITEM = {"ItemKey": 12, "ItemID": "SKU-00012", "ShortDesc": "Widget, large", "LongDesc": None, "Status": 1,
             "StdPrice": Decimal("55.00000")}


def test_a_stock_item_maps_to_the_product_a_sage_item_maps_to(specs):
    assert specs["acumatica/item_to_canonical"].map(STOCK_ITEM) == specs["sage500/item_to_canonical"].map(SAGE_ITEM) == {
        "sku": "SKU-00012", "name": "Widget, large", "description": None, "list_price": Decimal("55.00"),
        "status": "active", "active": True}


@pytest.mark.parametrize(("status", "canonical"), [
    ("Inactive", "inactive"), ("No Sales", "inactive"), ("No Purchases", "discontinued"), ("No Request", "discontinued"),
    ("To Delete", "deleted"), ("Marked for Deletion", "deleted"),
])
def test_only_an_active_item_is_enabled(specs, status, canonical):
    product = specs["acumatica/item_to_canonical"].map({**STOCK_ITEM, "ItemStatus": status})
    assert (product["status"], product["active"]) == (canonical, False)
    to_xcart = engine("xcart", "product_from_canonical").map(product)
    assert to_xcart["enabled"] is False


def test_an_item_without_price_or_with_an_unknown_status_names_the_field(specs):
    with pytest.raises(RecordMappingError) as caught:
        specs["acumatica/item_to_canonical"].map({**STOCK_ITEM, "DefaultPrice": None, "ItemStatus": "Frozen"})
    assert "list_price" in str(caught.value) and "status" in str(caught.value) and "SKU-00012" in str(caught.value).upper()


def test_stock_maps_to_the_inventory_level_sage_stock_maps_to(specs):
    acumatica = {"InventoryID": "SKU-00012", "warehouses": [], "QtyAvailable": Decimal("8.5"), "SafetyStock": Decimal(2),
                 "AvailableToSell": Decimal(6)}
    sage = {"ItemID": "SKU-00012", "Status": 1, "warehouses": [], "QtyAvailable": Decimal("8.5"),
            "SafetyStock": Decimal(2), "AvailableToSell": Decimal(6)}
    level = specs["acumatica/inventory_to_canonical"].map(acumatica)
    assert level == specs["sage500/inventory_to_canonical"].map(sage)
    assert level == {"sku": "SKU-00012", "available": 6, "erp_available": Decimal("8.5"), "safety_stock": Decimal(2)}


ERP_CUSTOMER = {"CustomerID": "C001 ", "CustomerName": "Ann Lee", "Status": "Active",
                "MainContact": {"Email": " Ann@Example.com ", "Phone1": "+1 503 555 0100", "FirstName": "Ann",
                                "LastName": "Lee",
                                "Address": {"AddressLine1": "1 Main St", "AddressLine2": None, "City": "Portland",
                                            "State": "OR", "PostalCode": "97201", "Country": "US"}}}
SAGE_CUSTOMER = {"CustKey": 1, "CustID": "C001", "CustName": "Ann Lee", "Status": 1, "EMailAddr": "ann@example.com",
                 "Phone": "+1 503 555 0100", "AddrName": "Ann Lee", "AddrLine1": "1 Main St", "AddrLine2": None,
                 "City": "Portland", "StateID": "OR", "PostalCode": "97201", "CountryID": "USA"}


def test_an_erp_customer_maps_to_the_customer_a_sage_customer_maps_to(specs):
    acumatica = specs["acumatica/customer_to_canonical"].map(ERP_CUSTOMER)
    sage = specs["sage500/customer_to_canonical"].map(SAGE_CUSTOMER)
    assert {**acumatica, "source_system": "-"} == {**sage, "source_system": "-"}
    assert acumatica["source_system"] == "acumatica" and acumatica["source_id"] == "C001"
    update = engine("xcart", "customer_update_from_canonical").map(acumatica)
    assert update["address"]["firstname"] == "Ann" and update["address"]["street"] == "1 Main St"


@pytest.mark.parametrize(("status", "canonical", "xcart"), [
    ("Active", "active", "E"), ("One-Time", "active", "E"), ("Credit Hold", "active", "E"),
    ("On Hold", "inactive", "D"), ("Inactive", "inactive", "D"),
])
def test_customer_statuses_become_the_canonical_ones_the_sage_spec_produces(specs, status, canonical, xcart):
    customer = specs["acumatica/customer_to_canonical"].map({**ERP_CUSTOMER, "Status": status})
    assert customer["status"] == canonical
    assert engine("xcart", "customer_update_from_canonical").map(customer)["status"] == xcart


def test_a_company_customer_without_contact_names_keeps_its_account_name_on_the_address(specs):
    contact = {**ERP_CUSTOMER["MainContact"], "FirstName": None, "LastName": None}
    customer = specs["acumatica/customer_to_canonical"].map({**ERP_CUSTOMER, "CustomerName": "ACME Corp",
                                                             "MainContact": contact})
    assert customer["billing_address"]["name"] == "ACME Corp"


def test_an_unknown_customer_status_cannot_be_mapped_naming_the_field(specs):
    with pytest.raises(RecordMappingError) as caught:
        specs["acumatica/customer_to_canonical"].map({**ERP_CUSTOMER, "Status": "Prospect"})
    assert "status" in str(caught.value)


STOREFRONT_CUSTOMER = {"source_system": "xcart", "source_id": "5", "email": "ann@example.com", "first_name": "Ann",
                       "last_name": "O'Brien", "phone": "+1 503 555 0100", "status": "active",
                       "billing_address": {"name": "Ann O'Brien", "line1": "1 Main St", "line2": "Apt 4",
                                           "city": "Portland", "region": "OR", "postal_code": "97201", "country": "US"}}


def test_a_storefront_customer_becomes_a_put_customer_body_with_the_matching_context(specs):
    body = specs["acumatica/customer_from_canonical"].map(
        STOREFRONT_CUSTOMER, {"customer_id": "XC0000000005", "action": "create", "match": "new"})
    assert body == {
        "CustomerID": "XC0000000005", "_action": "create", "_match": "new", "CustomerName": "Ann O'Brien",
        "Status": "Active",
        "MainContact": {"Email": "ann@example.com", "FirstName": "Ann", "LastName": "O'Brien", "Phone1": "+1 503 555 0100",
                        "Address": {"AddressLine1": "1 Main St", "AddressLine2": "Apt 4", "City": "Portland",
                                    "State": "OR", "PostalCode": "97201", "Country": "US"}}}
    inactive = specs["acumatica/customer_from_canonical"].map(
        {**STOREFRONT_CUSTOMER, "status": "inactive"}, {"customer_id": "C1", "action": "update", "match": "email"})
    assert inactive["Status"] == "Inactive"


def test_an_address_line_too_long_for_acumatica_is_refused_naming_the_field_never_cut(specs):
    long_line = {**STOREFRONT_CUSTOMER["billing_address"], "line1": "x" * 51}
    with pytest.raises(RecordMappingError) as caught:
        specs["acumatica/customer_from_canonical"].map({**STOREFRONT_CUSTOMER, "billing_address": long_line},
                                                       {"customer_id": "C1", "action": "update", "match": "email"})
    assert "MainContact.Address.AddressLine1" in str(caught.value)


SHIPMENT = {"ShipmentNbr": "000012", "Type": "Shipment", "Status": "Confirmed",
            "ShipmentDate": "2026-11-20T00:10:00+00:00", "ShipVia": "UPS ", "TrackingNbr": " 1Z999 ",
            "Details": [{"LineNbr": 1, "OrderType": "SO", "OrderNbr": "SO000017", "InventoryID": "sku-00012",
                         "ShippedQty": Decimal("2")}],
            "Packages": [{"TrackingNbr": " 1Z999 ", "Weight": Decimal(1)}],
            "Orders": [{"OrderType": "SO", "OrderNbr": "SO000017"}],
            "SalesOrder": {"OrderType": "SO", "OrderNbr": "SO000017", "CustomerOrder": "XC-17", "Complete": False}}
SAGE_SHIPMENT = {"ShipKey": 12, "TranDate": "2026-11-20T00:10:00+00:00", "CarrierID": "UPS ", "TrackingNo": " 1Z999 ",
                 "SOTranNo": "SO000017", "UserFld1": "XC-17", "OrderComplete": False,
                 "lines": [{"SOLineNo": 1, "ItemID": "sku-00012", "QtyShipped": Decimal("2")}]}


def test_a_shipment_maps_to_the_canonical_shipment_a_sage_shipment_maps_to(specs):
    acumatica = specs["acumatica/shipment_to_canonical"].map(SHIPMENT)
    sage = specs["sage500/shipment_to_canonical"].map(SAGE_SHIPMENT)
    assert acumatica == {**sage, "source_system": "acumatica", "source_id": "000012", "additional_tracking_numbers": []}
    assert acumatica == {
        "source_system": "acumatica", "source_id": "000012", "order_reference": "17", "erp_order_number": "SO000017",
        "tracking_number": "1Z999", "additional_tracking_numbers": [], "carrier": "UPS",
        "shipped_at": datetime(2026, 11, 20, 0, 10, tzinfo=UTC),
        "complete": False, "lines": [{"sku": "SKU-00012", "quantity": Decimal("2")}]}
    update = engine("xcart", "shipment_from_canonical").map(acumatica)
    assert (update["orderId"], update["shippingStatus"], update["tracking"]) == (17, "P", {"value": "1Z999", "carrier": "UPS"})
    complete = {**SHIPMENT, "SalesOrder": {**SHIPMENT["SalesOrder"], "Complete": True}}
    assert engine("xcart", "shipment_from_canonical").map(
        specs["acumatica/shipment_to_canonical"].map(complete))["shippingStatus"] == "S"


def test_every_further_package_of_a_shipment_becomes_a_tracking_number_of_the_order_update_with_the_carrier(specs):
    boxes = {**SHIPMENT, "AdditionalTrackingNbrs": [{"TrackingNbr": " 1Z998 "}, {"TrackingNbr": "1Z997"}]}
    canonical = specs["acumatica/shipment_to_canonical"].map(boxes)
    assert canonical["additional_tracking_numbers"] == [{"number": "1Z998"}, {"number": "1Z997"}]
    update = engine("xcart", "shipment_from_canonical").map(canonical)
    assert update["tracking"] == {"value": "1Z999", "carrier": "UPS"}
    assert update["more_tracking"] == [{"value": "1Z998", "carrier": "UPS"}, {"value": "1Z997", "carrier": "UPS"}]
    assert engine("xcart", "shipment_from_canonical").map(
        specs["sage500/shipment_to_canonical"].map(SAGE_SHIPMENT))["more_tracking"] == []


def test_a_blank_further_tracking_number_cannot_be_mapped_naming_the_package(specs):
    with pytest.raises(RecordMappingError) as caught:
        specs["acumatica/shipment_to_canonical"].map({**SHIPMENT, "AdditionalTrackingNbrs": [{"TrackingNbr": "  "}]})
    assert "additional_tracking_numbers[0].number" in str(caught.value)


def test_a_shipment_without_sales_order_or_tracking_number_cannot_be_mapped_naming_the_fields(specs):
    with pytest.raises(RecordMappingError) as caught:
        specs["acumatica/shipment_to_canonical"].map({**SHIPMENT, "SalesOrder": None, "TrackingNbr": None})
    message = str(caught.value)
    assert "order_reference" in message and "tracking_number" in message and "erp_order_number" in message
