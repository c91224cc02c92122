"""Stock, shipments and payments in the emulator: what orders, the warehouse and receipts do to each other."""

from __future__ import annotations

from decimal import Decimal

import pytest

from include.sandbox.acumatica import AcumaticaServer
from tests.sandbox.acumatica.api import value, wrapped

CUSTOMER, OTHER = "C00006", "C00007"


@pytest.fixture
def server():
    with AcumaticaServer(seed=7, items=20, customers=5, customer_emails=["a@example.com", "b@example.com"]) as running:
        yield running


def stock(api, item, warehouse):
    reply = api.put("InventorySummaryInquiry", wrapped(InventoryID=item, WarehouseID=warehouse), expand="Results")
    assert reply.status == 200, reply.text
    (row,) = reply.body["Results"]
    assert "InventoryID" not in row  # InventorySummaryRow has none (test_conformance_inventory.py)
    (stamp,) = [r["LastModifiedDateTime"] for r in api.sandbox("GET", "inventory").body
                if (r["InventoryID"], r["WarehouseID"]) == (item, warehouse)]  # the sandbox's view, for deltas
    return value(row, "QtyOnHand"), value(row, "QtyAvailable"), stamp


def place(api, reference="XC-1", customer=CUSTOMER, currency="USD", **fields):
    fields.setdefault("Details", [{"InventoryID": "SKU-00001", "OrderQty": 3, "UnitPrice": Decimal("10.00")},
                                  {"InventoryID": "SKU-00002", "OrderQty": 2, "UnitPrice": Decimal("5.00")}])
    body = wrapped(CustomerID=customer, CustomerOrder=reference, CurrencyID=currency,
                   DisableAutomaticTaxCalculation=True, TaxDetails=[{"TaxID": "WEBTAX", "TaxAmount": Decimal("1.00")}],
                   **fields)
    reply = api.put("SalesOrder", body, expand="Details")
    assert reply.status == 200, reply.text
    return reply.body


# -- stock ---------------------------------------------------------------------------------------------------

def test_the_inquiry_answers_one_item_per_request_a_row_per_warehouse(api, server):
    assert api.put("InventorySummaryInquiry", {}, expand="Results").body["Results"] == []  # no item, no rows
    reply = api.put("InventorySummaryInquiry", wrapped(InventoryID="SKU-00001"), expand="Results")
    assert sorted(value(row, "WarehouseID") for row in reply.body["Results"]) == ["EAST", "MAIN", "WEST"]
    assert "Results" not in api.put("InventorySummaryInquiry", wrapped(InventoryID="SKU-00001")).body


def test_an_open_order_allocates_stock_so_available_drops_but_on_hand_does_not(api):
    on_hand, available, stamp = stock(api, "SKU-00001", "MAIN")
    assert available == on_hand
    place(api)
    after = stock(api, "SKU-00001", "MAIN")
    assert after[:2] == (on_hand, available - 3)
    assert after[2] > stamp  # a delta read by LastModifiedDateTime sees the change


def test_stock_item_warehouse_details_agree_with_the_inquiry(api):
    place(api)
    item = api.get("StockItem", "SKU-00001", expand="WarehouseDetails").body
    main = next(row for row in item["WarehouseDetails"] if value(row, "WarehouseID") == "MAIN")
    assert value(main, "QtyOnHand") == stock(api, "SKU-00001", "MAIN")[0]
    assert "QtyAvailable" not in main  # StockItemWarehouseDetail carries no availability


def test_set_stock_through_the_sandbox_endpoint_changes_on_hand(api):
    reply = api.sandbox("POST", "actions/set_stock", {"inventory_id": "SKU-00003", "warehouse_id": "WEST",
                                                      "qty_on_hand": 42})
    assert reply.status == 200, reply.text
    assert stock(api, "SKU-00003", "WEST")[:2] == (42, 42)


# -- shipments -----------------------------------------------------------------------------------------------

def test_a_partial_shipment_updates_lines_status_stock_and_creates_a_shipment_with_the_tracking_number(api):
    order = place(api)
    on_hand = stock(api, "SKU-00001", "MAIN")[0]
    reply = api.sandbox("POST", "actions/ship_order", {"order_nbr": value(order, "OrderNbr"), "lines": {"1": 1},
                                                       "tracking_nbr": "1Z999AA10123456784"})
    assert reply.status == 200, reply.text
    shipment_nbr = reply.body["ShipmentNbr"]
    assert shipment_nbr == "000001"
    saved = api.get("SalesOrder", "SO", value(order, "OrderNbr"), expand="Details").body
    assert value(saved, "Status") == "Shipping"
    assert [value(line, "QtyOnShipments") for line in saved["Details"]] == [1, 0]
    assert stock(api, "SKU-00001", "MAIN")[:2] == (on_hand - 1, on_hand - 1 - 2)
    shipment = api.get("Shipment", shipment_nbr, expand="Details,Packages,Orders").body
    assert value(shipment["Packages"][0], "TrackingNbr") == "1Z999AA10123456784"
    assert value(shipment["Details"][0], "ShippedQty") == 1
    assert value(shipment["Orders"][0], "OrderNbr") == value(order, "OrderNbr")
    assert value(shipment, "Status") == "Confirmed"


def test_shipping_the_rest_completes_the_order_and_frees_its_allocation(api):
    order = place(api)
    nbr = value(order, "OrderNbr")
    api.sandbox("POST", "actions/ship_order", {"order_nbr": nbr, "lines": {"1": 1}})
    on_hand = stock(api, "SKU-00001", "MAIN")[0]
    assert api.sandbox("POST", "actions/ship_order", {"order_nbr": nbr}).status == 200
    assert value(api.get("SalesOrder", "SO", nbr).body, "Status") == "Completed"
    assert stock(api, "SKU-00001", "MAIN")[:2] == (on_hand - 2, on_hand - 2)
    reply = api.sandbox("POST", "actions/ship_order", {"order_nbr": nbr})
    assert reply.status == 400 and "Completed" in reply.body["message"]
    refused = api.put("SalesOrder", wrapped(OrderType="SO", OrderNbr=nbr, Description="late change"))
    assert refused.status == 422


def test_shipping_more_than_is_open_is_refused(api):
    order = place(api)
    reply = api.sandbox("POST", "actions/ship_order", {"order_nbr": value(order, "OrderNbr"), "lines": {"2": 3}})
    assert reply.status == 400 and "at most the open 2" in reply.body["message"]


def test_a_client_may_put_a_shipment_for_lines_of_one_order(api):
    order = place(api)
    reply = api.put("Shipment", wrapped(Details=[{"OrderType": "SO", "OrderNbr": value(order, "OrderNbr"),
                                                  "OrderLineNbr": 2, "ShippedQty": 2}],
                                        Packages=[{"TrackingNbr": "9400100000000000000001"}]), expand="Packages")
    assert reply.status == 200, reply.text
    assert value(reply.body["Packages"][0], "TrackingNbr") == "9400100000000000000001"


def test_shipments_are_listed_by_last_modified_for_a_delta_read(api):
    first = place(api, "XC-1")
    second = place(api, "XC-2")
    api.sandbox("POST", "actions/ship_order", {"order_nbr": value(first, "OrderNbr")})
    api.sandbox("POST", "actions/ship_order", {"order_nbr": value(second, "OrderNbr")})
    shipments = api.get("Shipment", expand="Details").body
    assert [value(s["Details"][0], "OrderNbr") for s in shipments] == [value(first, "OrderNbr"),
                                                                        value(second, "OrderNbr")]


# -- payments ------------------------------------------------------------------------------------------------

def payment(order_nbr, amount, *, applied=None, **fields):
    line = {"OrderType": "SO", "OrderNbr": order_nbr}
    if applied is not None:
        line["AppliedToOrder"] = applied
    base = {"Type": "Payment", "CustomerID": CUSTOMER, "PaymentMethod": "CREDITCARD", "PaymentAmount": amount,
            "PaymentRef": "XP-501", "CurrencyID": "USD", "OrdersToApply": [line]}
    base.update(fields)
    return wrapped(**base)


def test_a_payment_applied_to_an_order_reduces_its_unpaid_balance(api):
    order = place(api)
    nbr, total = value(order, "OrderNbr"), value(order, "OrderTotal")
    reply = api.put("Payment", payment(nbr, Decimal("20.00"), applied=Decimal("20.00")), expand="OrdersToApply")
    assert reply.status == 200, reply.text
    assert value(reply.body, "ReferenceNbr") == "000001"
    assert value(reply.body, "CashAccount") == "10200"  # the method's default account
    assert value(reply.body, "Status") == "Balanced"
    assert value(api.get("SalesOrder", "SO", nbr).body, "UnpaidBalance") == total - Decimal("20.00")


def test_an_application_above_the_unpaid_balance_is_refused_on_the_line(api):
    order = place(api)
    reply = api.put("Payment", payment(value(order, "OrderNbr"), Decimal("999"), applied=Decimal("999")))
    assert reply.status == 422
    assert "unpaid balance" in reply.body["OrdersToApply"][0]["AppliedToOrder"]["error"]


def test_applications_above_the_payment_amount_are_out_of_balance(api):
    order = place(api)
    reply = api.put("Payment", payment(value(order, "OrderNbr"), Decimal("5"), applied=Decimal("10")))
    assert reply.status == 422 and "out of balance" in reply.body["PaymentAmount"]["error"]


def test_an_application_defaults_to_what_is_unpaid(api):
    order = place(api)
    reply = api.put("Payment", payment(value(order, "OrderNbr"), Decimal("1000")), expand="OrdersToApply")
    assert value(reply.body["OrdersToApply"][0], "AppliedToOrder") == value(order, "OrderTotal")
    assert value(reply.body, "UnappliedBalance") == Decimal("1000") - value(order, "OrderTotal")


def test_a_payment_for_another_customers_order_is_refused(api):
    order = place(api, customer=OTHER)
    reply = api.put("Payment", payment(value(order, "OrderNbr"), Decimal("5")))
    assert reply.status == 422 and OTHER in reply.body["OrdersToApply"][0]["OrderNbr"]["error"]


@pytest.mark.parametrize("fields, field, fragment", [
    ({"PaymentMethod": "BITCOIN"}, "PaymentMethod", "cannot be found"),
    ({"PaymentMethod": "CASH"}, "PaymentMethod", "inactive"),
    ({"CashAccount": "10250"}, "CashAccount", "not allowed"),
    ({"PaymentMethod": "CHECK", "CashAccount": "10900"}, "CashAccount", "inactive"),
    ({"CashAccount": "10400"}, "CurrencyID", "EUR only"),
    ({"PaymentAmount": Decimal("0")}, "PaymentAmount", "greater than 0"),
    ({"CurrencyID": "ABC"}, "CurrencyID", "cannot be found"),
])
def test_payment_method_cash_account_amount_and_currency_rules(api, fields, field, fragment):
    order = place(api)
    body = payment(value(order, "OrderNbr"), Decimal("10"))
    body.update(wrapped(**fields))
    reply = api.put("Payment", body)
    assert reply.status == 422, reply.text
    assert fragment in reply.body[field]["error"]


def test_a_refund_applies_to_a_credit_memo(api):
    memo = api.put("SalesOrder", wrapped(OrderType="CM", CustomerID=CUSTOMER, CustomerOrder="XR-9",
                                         DisableAutomaticTaxCalculation=True, Details=[
        {"InventoryID": "SKU-00001", "OrderQty": 1, "UnitPrice": Decimal("10.00")}])).body
    refund = wrapped(Type="Refund", CustomerID=CUSTOMER, PaymentMethod="CREDITCARD", PaymentAmount=Decimal("10.00"),
                     PaymentRef="XP-9", OrdersToApply=[{"OrderType": "CM", "OrderNbr": value(memo, "OrderNbr")}])
    reply = api.put("Payment", refund)
    assert reply.status == 200, reply.text
    assert value(api.get("SalesOrder", "CM", value(memo, "OrderNbr")).body, "UnpaidBalance") == 0
    wrong = wrapped(Type="Refund", CustomerID=CUSTOMER, PaymentMethod="CREDITCARD", PaymentAmount=Decimal("1"),
                    OrdersToApply=[{"OrderType": "SO", "OrderNbr": "SO000001"}])
    assert "CM orders only" in api.put("Payment", wrong).body["OrdersToApply"][0]["OrderType"]["error"]


def test_payments_are_found_by_their_storefront_reference(api):
    order = place(api)
    api.put("Payment", payment(value(order, "OrderNbr"), Decimal("5")))
    found = api.get("Payment", filter="PaymentRef eq 'XP-501'").body
    assert [value(p, "ReferenceNbr") for p in found] == ["000001"]
    assert api.get("Payment", "Payment", "000001").status == 200


def test_deleting_a_payment_gives_the_order_its_unpaid_balance_back(api):
    order = place(api)
    nbr, total = value(order, "OrderNbr"), value(order, "OrderTotal")
    api.put("Payment", payment(nbr, Decimal("5"), applied=Decimal("5")))
    assert api.delete("Payment", "Payment", "000001").status == 204
    assert value(api.get("SalesOrder", "SO", nbr).body, "UnpaidBalance") == total


# -- non-stock items -----------------------------------------------------------------------------------------

def test_a_credit_memo_line_on_the_refund_non_stock_item_touches_no_stock(api, server):
    before = server.store.inventory_summary()
    assert value(api.get("NonStockItem", "REFUND").body, "ItemClass") == "NONSTOCK"
    memo = api.put("SalesOrder", wrapped(OrderType="CM", CustomerID=CUSTOMER, CustomerOrder="XR-58", ExternalRef="XC-2",
                                         DisableAutomaticTaxCalculation=True,
                                         Details=[{"InventoryID": "REFUND", "OrderQty": 1,
                                                   "UnitPrice": Decimal("12.34"), "ExtendedPrice": Decimal("12.34")}]))
    assert memo.status == 200, memo.text
    assert value(memo.body, "OrderTotal") == Decimal("12.34")
    order = place(api, "XC-3", Details=[{"InventoryID": "REFUND", "OrderQty": 1, "UnitPrice": Decimal("1")}])
    assert api.sandbox("POST", "actions/ship_order", {"order_nbr": value(order, "OrderNbr")}).status == 200
    assert server.store.inventory_summary() == before
    assert api.put("StockItem", wrapped(InventoryID="REFUND", Description="clash")).status == 422
