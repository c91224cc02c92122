"""Sales orders through the emulator's API: upsert, numbering, totals, statuses and the 422 shapes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from include.sandbox.acumatica import AcumaticaServer, AcumaticaStore, seed_store
from tests.sandbox.acumatica.api import value, wrapped

EMAIL = "ann.lee@example.com"


class StepClock:
    """Unix time that moves one second each time it is read."""

    def __init__(self) -> None:
        self.now = 1_795_000_000.0

    def __call__(self) -> float:
        self.now += 1
        return self.now


@pytest.fixture
def server():
    store = AcumaticaStore(clock=StepClock())
    seed_store(store, seed=7, items=20, customers=5, customer_emails=[EMAIL, "bo@example.com"])
    with AcumaticaServer(store) as running:
        yield running


CUSTOMER = "C00006"  # the first e-mail customer after five generated ones


def order(**overrides):
    fields = {"CustomerID": CUSTOMER, "CustomerOrder": "XC-1001", "ExternalRef": "1001", "CurrencyID": "USD",
              # the storefront's tax and freight kept as sent (test_conformance_sales_order_totals.py)
              "DisableAutomaticTaxCalculation": True, "TaxDetails": [{"TaxID": "WEBTAX", "TaxAmount": Decimal("3.25")}],
              "Totals": {"Freight": Decimal("7.99"), "OverrideFreightAmount": True},
              "Details": [{"InventoryID": "SKU-00001", "OrderQty": 2, "UnitPrice": Decimal("10.50")},
                          {"InventoryID": "SKU-00002", "OrderQty": 1, "UnitPrice": Decimal("4.00"),
                           "WarehouseID": "EAST"}]}
    fields.update(overrides)
    return wrapped(**fields)


def test_a_new_order_gets_the_next_number_and_totals_computed_like_the_erp(api):
    first = api.put("SalesOrder", order(), expand="Details,Totals")
    assert first.status == 200, first.text
    saved = first.body
    assert value(saved, "OrderType") == "SO" and value(saved, "OrderNbr") == "SO000001"
    assert [value(line, "ExtendedPrice") for line in saved["Details"]] == [Decimal("21.00"), Decimal("4.00")]
    assert value(saved, "OrderTotal") == Decimal("21.00") + Decimal("4.00") + Decimal("7.99") + Decimal("3.25")
    assert value(saved, "TaxTotal") == Decimal("3.25")
    assert value(saved, "UnpaidBalance") == value(saved, "OrderTotal")
    assert value(saved, "Status") == "Open"
    assert [value(line, "WarehouseID") for line in saved["Details"]] == ["MAIN", "EAST"]
    second = api.put("SalesOrder", order(CustomerOrder="XC-1002"))
    assert value(second.body, "OrderNbr") == "SO000002"
    assert "Details" not in second.body  # not expanded


def test_credit_memos_are_numbered_on_their_own(api):
    memo = api.put("SalesOrder", order(OrderType="CM", CustomerOrder="XR-77"))
    assert memo.status == 200, memo.text
    assert value(memo.body, "OrderNbr") == "CM000001"


def test_a_line_without_a_price_takes_the_items_default_price(api, server):
    reply = api.put("SalesOrder", order(Details=[{"InventoryID": "SKU-00003", "OrderQty": 3}]), expand="Details")
    price = server.store.get("StockItem", ["SKU-00003"])["DefaultPrice"]
    assert value(reply.body["Details"][0], "UnitPrice") == price
    assert value(reply.body["Details"][0], "ExtendedPrice") == price * 3


def test_hold_puts_the_order_on_hold(api):
    assert value(api.put("SalesOrder", order(Hold=True)).body, "Status") == "On Hold"


def test_the_same_customer_order_for_the_same_customer_and_type_is_refused_naming_the_existing_order(api):
    assert api.put("SalesOrder", order()).status == 200
    again = api.put("SalesOrder", order())
    assert again.status == 422
    assert "SO000001" in again.body["CustomerOrder"]["error"]
    assert again.body["error"].startswith("Inserting 'Sales Order' record raised at least one error")
    assert again.body["CustomerOrder"]["value"] == "XC-1001"  # the record comes back as sent
    assert api.put("SalesOrder", order(OrderType="CM")).status == 200  # another order type
    assert api.put("SalesOrder", order(CustomerID="C00007")).status == 200  # another customer


@pytest.mark.parametrize("changes, path, fragment", [
    ({"CustomerID": "NOPE"}, ("CustomerID",), "cannot be found"),
    ({"CustomerID": None}, ("CustomerID",), "cannot be empty"),
    ({"CurrencyID": "XYZ"}, ("CurrencyID",), "cannot be found"),
    ({"Details": [{"InventoryID": "SKU-99999", "OrderQty": 1}]}, ("Details", 0, "InventoryID"), "cannot be found"),
    ({"Details": [{"InventoryID": "SKU-00001", "OrderQty": 1, "WarehouseID": "NORTH"}]},
     ("Details", 0, "WarehouseID"), "cannot be found"),
    ({"Details": [{"InventoryID": "SKU-00001", "OrderQty": -2}]}, ("Details", 0, "OrderQty"), "negative"),
    ({"Details": [{"InventoryID": "SKU-00001"}]}, ("Details", 0, "OrderQty"), "cannot be empty"),
    ({"Totals": {"Freight": Decimal("-1")}}, ("Totals", "Freight"), "negative"),
    ({"ShipToAddress": {"Country": "Germany"}}, ("ShipToAddress", "Country"), "cannot be found"),
])
def test_a_refused_order_comes_back_422_with_the_error_on_the_bad_field(api, server, changes, path, fragment):
    reply = api.put("SalesOrder", order(**changes))
    assert reply.status == 422, reply.text
    node = reply.body
    for part in path:
        node = node[part]
    assert fragment in node["error"]
    assert reply.body["error"]
    assert server.store.records("SalesOrder") == []


def test_several_bad_fields_each_carry_their_error(api):
    reply = api.put("SalesOrder", order(CustomerID="NOPE", Details=[
        {"InventoryID": "SKU-00001", "OrderQty": 1}, {"InventoryID": "GONE", "OrderQty": -1}]))
    assert reply.status == 422
    assert "error" in reply.body["CustomerID"]
    assert "error" not in reply.body["Details"][0]["InventoryID"]
    assert "error" in reply.body["Details"][1]["InventoryID"] and "error" in reply.body["Details"][1]["OrderQty"]


def test_an_inactive_customer_cannot_get_a_new_order(api, server):
    server.store.set_customer_status(customer_id=CUSTOMER, status="Inactive")
    reply = api.put("SalesOrder", order())
    assert reply.status == 422 and "Inactive" in reply.body["CustomerID"]["error"]


def test_a_customer_on_credit_hold_gets_the_order_on_credit_hold(api, server):
    server.store.set_customer_status(customer_id=CUSTOMER, status="Credit Hold")
    assert value(api.put("SalesOrder", order()).body, "Status") == "Credit Hold"


def test_an_item_to_delete_cannot_be_sold_and_strict_status_refuses_inactive_items(api, server):
    server.store.update_item(inventory_id="SKU-00004", item_status="To Delete")
    reply = api.put("SalesOrder", order(Details=[{"InventoryID": "SKU-00004", "OrderQty": 1}]))
    assert reply.status == 422 and "To Delete" in reply.body["Details"][0]["InventoryID"]["error"]
    server.store.update_item(inventory_id="SKU-00005", item_status="Inactive")
    assert api.put("SalesOrder", order(Details=[{"InventoryID": "SKU-00005", "OrderQty": 1}])).status == 200
    server.store.strict_item_status = True
    reply = api.put("SalesOrder", order(CustomerOrder="XC-2", Details=[{"InventoryID": "SKU-00005", "OrderQty": 1}]))
    assert reply.status == 422


def test_a_put_with_the_keys_updates_the_order_and_stamps_last_modified(api):
    created = api.put("SalesOrder", order(), expand="Details").body
    before = value(created, "LastModified")
    line = created["Details"][0]
    updated = api.put("SalesOrder", wrapped(OrderType="SO", OrderNbr="SO000001", Description="rush",
                                            Details=[{"LineNbr": value(line, "LineNbr"), "OrderQty": 5}]),
                      expand="Details")
    assert updated.status == 200, updated.text
    assert value(updated.body, "Description") == "rush"
    assert value(updated.body["Details"][0], "OrderQty") == 5
    assert value(updated.body["Details"][0], "ExtendedPrice") == Decimal("52.50")  # recomputed
    assert len(updated.body["Details"]) == 2
    assert value(updated.body, "LastModified") > before


def test_a_put_that_changes_nothing_keeps_last_modified(api):
    created = api.put("SalesOrder", order()).body
    again = api.put("SalesOrder", wrapped(OrderType="SO", OrderNbr="SO000001", Description=None))
    assert value(again.body, "LastModified") == value(created, "LastModified")


def test_a_line_marked_delete_is_removed_and_the_total_follows(api):
    created = api.put("SalesOrder", order(), expand="Details").body
    line_id = created["Details"][1]["id"]
    updated = api.put("SalesOrder", {"OrderType": {"value": "SO"}, "OrderNbr": {"value": "SO000001"},
                                     "Details": [{"id": line_id, "delete": True}]}, expand="Details").body
    assert len(updated["Details"]) == 1
    assert value(updated, "OrderTotal") == Decimal("21.00") + Decimal("7.99") + Decimal("3.25")


def test_an_unknown_order_number_is_refused_rather_than_created(api, server):
    reply = api.put("SalesOrder", order(OrderNbr="SO999999"))
    assert reply.status == 422 and "SO999999" in reply.body["OrderNbr"]["error"]
    assert server.store.records("SalesOrder") == []


def test_get_by_keys_and_delete(api):
    api.put("SalesOrder", order())
    assert value(api.get("SalesOrder", "SO", "SO000001").body, "CustomerOrder") == "XC-1001"
    assert api.delete("SalesOrder", "SO", "SO000001").status == 204
    assert api.get("SalesOrder", "SO", "SO000001").status == 404
