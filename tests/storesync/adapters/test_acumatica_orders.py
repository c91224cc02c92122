"""Acumatica as the target of web orders, against a fake client: the buyer's customer, the reference lookup
before any create, unknown SKUs held, new customers created before their orders, refusals to the DLQ naming
the fields. Target records come from the shipped mapping specs and pass through JSON as the sync store
keeps them (money as text)."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from storesync.systems.acumatica import orders as acumatica_orders
from storesync.systems.acumatica.orders import load_orders, prepare_orders
from storesync.config.pairs import INCLUDE_DIR
from storesync.mapping import MappingEngine, load_spec
from storesync.store.types import to_json_compatible
from tests.storesync.adapters.acumatica_fake import FakeAcumatica
from tests.storesync.mapping.samples import XCART_ORDER_SPEC, make_xcart_order
from storesync.systems import mapping_file

OPTIONS = {"warehouse_id": "MAIN", "guest_customers": "generic", "guest_customer_id": "WEBGUEST",
           "hold_threshold": "5000.00"}
ITEMS = [{"InventoryID": "SKU-00012", "ItemStatus": "Active"}, {"InventoryID": "GADGET-BLUE", "ItemStatus": "Active"}]
ANN = {"CustomerID": "C000042", "CustomerName": "Ann O'Brien", "MainContact": {"Email": "Ann@Example.com"}}


@pytest.fixture(scope="module")
def engines():
    return (MappingEngine(load_spec(XCART_ORDER_SPEC)),
            MappingEngine(load_spec(mapping_file("acumatica/order_from_canonical.yaml"))))


def canonical(engines, order_id: int = 1042, email: str = "ann@example.com", **changes) -> tuple[str, dict]:
    raw = make_xcart_order()
    raw["orderId"], raw["orderNumber"] = order_id, f"{order_id:06d}"
    raw["customerInfo"]["email"] = email
    raw.update(changes)
    return str(order_id), engines[0].map(raw)


def targets(engines, client, records: list[tuple[str, dict]], options=OPTIONS) -> list[tuple[str, dict]]:
    """What the transform step stages: each order mapped with its prepared context, as JSON."""
    contexts = prepare_orders(client, records, options)
    return [(key, to_json_compatible(engines[1].map(record, {**options, **contexts[key]}))) for key, record in records]


def test_a_known_buyer_is_booked_on_their_customer_found_by_email_whatever_its_case(engines):
    client = FakeAcumatica(customers=[ANN])
    records = [canonical(engines, 1, "ANN@example.com "), canonical(engines, 2, "stranger@example.com")]
    contexts = prepare_orders(client, records, OPTIONS)
    assert contexts["1"] == {"warehouse_id": "MAIN", "hold_threshold": "5000.00", "guest_customer_id": "WEBGUEST",
                             "customer_id": "C000042", "new_customer_id": ""}
    assert contexts["2"]["customer_id"] == "WEBGUEST" and contexts["2"]["new_customer_id"] == ""
    [condition] = client.filters("Customer")
    assert condition == "MainContact/Email eq 'ann@example.com' or MainContact/Email eq 'stranger@example.com'"


def test_a_new_order_becomes_one_sales_order_with_numbers_as_numbers_and_nothing_of_the_loaders_own(engines):
    client = FakeAcumatica(customers=[ANN], items=ITEMS)
    [(key, target)] = targets(engines, client, [canonical(engines)])
    [outcome] = load_orders(client, [(key, target)])

    assert (outcome.outcome, outcome.detail) == ("loaded", "created Acumatica sales order SO000001")
    assert (outcome.target_id, outcome.target_ref) == ("SO000001", "SO SO000001")
    [body] = client.puts("SalesOrder")
    assert (body["OrderType"], body["CustomerID"], body["CustomerOrder"], body["ExternalRef"]) == (
        "SO", "C000042", "XC-1042", "001042")
    # Acumatica computes OrderTotal/TaxTotal itself (read-only): the tax goes as a manual tax line and the freight
    # as an override, so Acumatica keeps the storefront's (Default/24.200.001 SalesOrder.cs, Totals.cs).
    assert "OrderTotal" not in body and "TaxTotal" not in body
    assert body["DisableAutomaticTaxCalculation"] is True and body["Totals"]["OverrideFreightAmount"] is True
    assert body["Totals"]["Freight"] == Decimal("12.70")
    [tax_line] = body["TaxDetails"]
    assert tax_line["TaxID"] == "WEBTAX" and tax_line["TaxableAmount"] == sum(d["ExtendedPrice"] for d in body["Details"])
    assert [(d["InventoryID"], d["OrderQty"], d["UnitPrice"], d["WarehouseID"]) for d in body["Details"]] == [
        ("SKU-00012", Decimal("2"), Decimal("55.00"), "MAIN"), ("GADGET-BLUE", Decimal("3"), Decimal("35.62"), "MAIN")]
    # The order's 15.00 discount is spread over the lines, so Acumatica's computed total is the storefront's.
    assert [(d["DiscountAmount"], d["ExtendedPrice"]) for d in body["Details"]] == [
        (Decimal("7.61"), Decimal("102.39")), (Decimal("7.39"), Decimal("99.47"))]
    assert sum(d["ExtendedPrice"] for d in body["Details"]) + body["Totals"]["Freight"] + tax_line["TaxAmount"] == \
        Decimal(str(target["OrderTotal"])) == Decimal("231.91")
    assert not [name for name in body if name.startswith("_")], "steering fields are never sent"
    assert body["Hold"] is False and "ShipToAddress" in body


def test_an_order_acumatica_already_has_is_skipped_with_its_order_number_and_nothing_is_sent(engines):
    """A crash between the create and the cross-reference: the CustomerOrder lookup finds the first one."""
    client = FakeAcumatica(customers=[ANN], items=ITEMS, sales_orders=[
        {"OrderType": "SO", "OrderNbr": "SO000777", "CustomerID": "C000042", "CustomerOrder": "XC-1042"},
        {"OrderType": "CM", "OrderNbr": "CM000001", "CustomerID": "C000042", "CustomerOrder": "XC-1043"}])
    records = targets(engines, client, [canonical(engines, 1042), canonical(engines, 1043)])
    outcomes = {o.record_key: o for o in load_orders(client, records)}

    assert outcomes["1042"].outcome == "skipped"
    assert outcomes["1042"].detail == "already in Acumatica as sales order SO000777"
    assert (outcomes["1042"].target_id, outcomes["1042"].target_ref) == ("SO000777", "SO SO000777")
    assert outcomes["1043"].outcome == "loaded", "a credit memo with that reference is not the sales order"
    assert [b["CustomerOrder"] for b in client.puts("SalesOrder")] == ["XC-1043"]


def test_an_order_naming_a_sku_acumatica_lacks_is_held_naming_the_line_and_the_rest_load(engines):
    client = FakeAcumatica(customers=[ANN], items=[ITEMS[0], {"InventoryID": "GADGET-BLUE", "ItemStatus": "To Delete"}])
    records = targets(engines, client, [canonical(engines, 7)])
    [outcome] = load_orders(client, records)
    assert (outcome.outcome, outcome.reason_code, outcome.failed) == ("held", "unknown_sku", ["lines[1].sku"])
    assert outcome.detail == ("order 7: field lines[1].sku: SKU 'GADGET-BLUE' unknown to Acumatica; "
                              "order held until the item exists")
    assert client.puts("SalesOrder") == []


def test_a_refused_order_goes_to_the_dlq_naming_the_storefront_and_acumatica_fields_and_the_batch_goes_on(engines):
    client = FakeAcumatica(customers=[ANN], items=ITEMS)
    client.validators["SalesOrder"] = lambda body: (
        ("Inserting 'Sales Order' record raised at least one error.",
         {"ShipToAddress.State": "'State' cannot be found in the system.",
          "Details[1].OrderQty": "Quantity must be greater than 0."}) if body["CustomerOrder"] == "XC-8" else None)
    outcomes = {o.record_key: o for o in load_orders(client, targets(engines, client, [canonical(engines, 8),
                                                                                       canonical(engines, 9)]))}
    bad = outcomes["8"]
    assert (bad.outcome, bad.reason_code) == ("dlq", "erp_rejected")
    assert bad.detail.startswith("order 8: field shippingInfo.state (ShipToAddress.State), "
                                 "items[1].quantity (Details[1].OrderQty): Acumatica sales order refused: ")
    assert bad.failed == ["ShipToAddress.State: 'State' cannot be found in the system.",
                          "Details[1].OrderQty: Quantity must be greater than 0."]
    assert "raised at least one error" not in bad.detail, "the fields say it; the record's summary adds nothing"
    assert outcomes["9"].outcome == "loaded"


def test_a_twin_created_by_a_lost_earlier_attempt_is_taken_not_refused(engines):
    client = FakeAcumatica(customers=[ANN], items=ITEMS)

    def another_attempt_got_there_first(entity, body):
        if entity == "SalesOrder" and not client.records["SalesOrder"]:
            client.records["SalesOrder"].append({**copy.deepcopy(body), "OrderNbr": "SO000500"})

    client.before_put = another_attempt_got_there_first
    [outcome] = load_orders(client, targets(engines, client, [canonical(engines, 11)]))
    assert (outcome.outcome, outcome.target_id) == ("skipped", "SO000500")
    assert len(client.records["SalesOrder"]) == 1


def test_creating_guests_makes_one_customer_per_new_buyer_before_their_orders(engines):
    client = FakeAcumatica(items=ITEMS)
    options = {**OPTIONS, "guest_customers": "create"}
    buyers = [canonical(engines, 21, "new@example.net"), canonical(engines, 22, "NEW@example.net")]
    records = targets(engines, client, buyers, options)
    outcomes = load_orders(client, records)

    assert [o.outcome for o in outcomes] == ["loaded", "loaded"]
    [customer] = client.puts("Customer")
    assert customer["CustomerID"] == "XG0000000021" and customer["MainContact"]["Email"] == "new@example.net"
    assert customer["CustomerName"] == "Ann O'Brien"
    assert [b["CustomerID"] for b in client.puts("SalesOrder")] == ["XG0000000021", "XG0000000021"]
    puts = [entity for method, entity, _ in client.calls if method == "put"]
    assert puts == ["Customer", "SalesOrder", "SalesOrder"], "the customer exists before its first order"

    again = load_orders(client, records)  # a re-run: the orders are found, the customer is not created again
    assert [o.outcome for o in again] == ["skipped", "skipped"] and len(client.puts("Customer")) == 1


def test_a_new_customer_acumatica_refuses_sends_each_of_its_orders_to_the_dlq(engines):
    client = FakeAcumatica(items=ITEMS)
    client.validators["Customer"] = lambda body: ("Customer refused", {"MainContact.Email": "Invalid e-mail."})
    options = {**OPTIONS, "guest_customers": "create"}
    buyers = [canonical(engines, 31, "bad@@example.net"), canonical(engines, 32, "bad@@example.net")]
    records = targets(engines, client, buyers, options)
    outcomes = load_orders(client, records)
    assert [(o.outcome, o.reason_code) for o in outcomes] == [("dlq", "erp_rejected")] * 2
    assert outcomes[0].detail == ("order 31: field customer: the ERP refused the new customer: "
                                  "MainContact.Email: Invalid e-mail.")
    assert client.puts("SalesOrder") == []


def test_lookups_ask_for_a_few_references_at_a_time(engines):
    client = FakeAcumatica(customers=[ANN], items=ITEMS)
    records = targets(engines, client, [canonical(engines, n) for n in range(1, 46)])
    load_orders(client, records)
    lookups = client.filters("SalesOrder")
    assert len(lookups) == 3
    assert max(text.count(" or ") + 1 for text in lookups) == acumatica_orders.FILTER_CHUNK
    assert len(client.puts("SalesOrder")) == 45


@pytest.mark.parametrize(("amounts", "discount"), [
    (["1.00", "1.00", "1.00"], "0.10"), (["0.01", "99.99"], "3.33"), (["5.00"], "5.00"), (["10.00", "0.00"], "0")])
def test_an_order_discount_is_spread_over_the_lines_to_the_cent(amounts, discount):
    lines = [{"InventoryID": f"SKU-{n}", "ExtendedPrice": amount} for n, amount in enumerate(amounts)]
    spread = acumatica_orders.discounted_lines(lines, discount)
    assert sum(Decimal(str(line.get("DiscountAmount", 0))) for line in spread) == Decimal(discount)
    assert sum(Decimal(str(line["ExtendedPrice"])) for line in spread) == sum(map(Decimal, amounts)) - Decimal(discount)
    assert all(Decimal(str(line["ExtendedPrice"])) >= 0 for line in spread)
    assert lines[0]["ExtendedPrice"] == amounts[0], "the mapped lines are left as they were"
