"""Each pair, scripted: both systems change between two full syncs, and exactly those changes appear on the
other side; a third sync of the same range changes nothing. The same test runs for every ERP through its
driver (``tests/integration/erp_drivers.py``).

Changes between the runs (issue 3's scenario): stock on 1% of SKUs, three customers change address on each
side, five orders ship (one partially), two refunds, one declined payment, one new product.
"""

from __future__ import annotations

import copy
from datetime import datetime
from decimal import Decimal

import pytest

from include.sandbox.runtime import SandboxXCartClient
from tests.integration.conftest import RW_KEY
from tests.integration.erp_drivers import DRIVERS, SANDBOXES, driver_for


pytestmark = [pytest.mark.integration, pytest.mark.slow]
EVERYTHING = {"resync_from": "2000-01-01T00:00:00+00:00", "resync_to": "2099-01-01T00:00:00+00:00"}
FLOWS = ("products", "inventory", "customers", "orders", "payments", "shipments", "refunds")
WHILE = datetime(2026, 11, 19, 12)  # ERP-side edits happen inside the synced range
WAREHOUSES = ("MAIN", "EAST", "WEST")


@pytest.fixture(params=sorted(DRIVERS))
def erp_name(request) -> str:
    return request.param


def sync_everything(flow_dag, erp_name: str) -> None:
    for flow in FLOWS:
        run = flow_dag(flow, erp=erp_name).test(run_conf=EVERYTHING)
        assert str(run.state) == "success", f"{flow} run ended {run.state}"


def storefront(sandbox) -> dict:
    store = sandbox.xcart.store
    return {
        "products": {p["sku"]: p for p in store.list_products(offset=0, limit=None)[0]},
        "profiles": {p["profileId"]: p for p in store.list_profiles(offset=0, limit=None)[0]},
        "orders": {o["orderId"]: o for o in store.list_orders(offset=0, limit=None)[0]},
        "payments": {t["transactionId"]: t for t in store.list_payment_transactions(offset=0, limit=None)[0]},
    }


def changed(before: dict, after: dict) -> set:
    return {key for key in set(before) | set(after) if before.get(key) != after.get(key)}


def test_exactly_the_changes_made_on_each_side_appear_on_the_other_and_a_rerun_changes_nothing(
        request, backend, erp_name, flow_dag):
    sandbox = request.getfixturevalue(SANDBOXES[erp_name])(orders=40, max_bad_ratio=0.5)
    erp = driver_for(erp_name, sandbox)
    pair = f"xcart-{erp_name}"
    sync_everything(flow_dag, erp_name)
    # Stock runs every quarter hour: the next run publishes what the loaded orders took (an ERP that
    # allocates stock to open orders, like Acumatica, lowers availability with every order).
    assert str(flow_dag("inventory", erp=erp_name).test(run_conf=EVERYTHING).state) == "success"
    stock_before = erp.available(WAREHOUSES)

    # --- both systems change -------------------------------------------------------------------------
    sku = "SKU-00011"  # 1% of the 60-item catalogue, rounded up
    erp.add_stock(sku, "MAIN", 5, now=WHILE)
    erp.create_item("SKU-NEW01", "Brand-new Teapot", "24.50", {"MAIN": 9}, now=WHILE)
    erp_edited = erp.web_customer_ids()[:3]
    for index, customer_id in enumerate(erp_edited):
        erp.move_customer(customer_id, line1=f"{index + 1} ERP Lane", city="Leeds", now=WHILE)
    shipping = erp.open_web_orders()[:5]
    for index, (order_id, _) in enumerate(shipping):
        erp.ship(order_id, partial=index == 0, tracking=f"1ZSCENARIO{index:08d}", now=WHILE)
    # The storefront side changes through X-Cart's REST API, as a merchant's admin or checkout would.
    erp_edited_profiles = {erp.storefront_profile_id(c) for c in erp_edited}
    api = SandboxXCartClient(sandbox.xcart.base_url, RW_KEY)
    storefront_edited = [p for p in api.all("profile") if p["profileId"] not in erp_edited_profiles][:3]
    for profile in storefront_edited:
        addresses = copy.deepcopy(profile["addresses"])
        addresses[0].update(street="9 Storefront Row", city="Galway")
        api.call("PUT", f"profile/{profile['profileId']}", {"addresses": addresses})
    orders = api.all("order")
    # Refunds of orders the ERP has (an ERP may refuse an order, e.g. Acumatica for an inactive customer).
    in_erp = sandbox.store().get_xref(pair, "order", [str(o["orderId"]) for o in orders])
    paid = [o for o in orders if o["paymentStatus"] == "P" and o["items"] and o["total"] > Decimal("1")
            and str(o["orderId"]) in in_erp][:2]
    def payment_of(order: dict) -> int:  # a refund is a backend transaction of the order's payment (X-Cart 5)
        return next(t["transactionId"] for t in api.call("GET", "payment-transaction", **{"_cnd[orderId]": order["orderId"]})
                    if t["type"] in ("sale", "capture") and t["status"] == "S")

    api.call("POST", "payment-transaction", {"orderId": paid[0]["orderId"], "type": "refund", "value": paid[0]["total"],
                                             "parentTransactionId": payment_of(paid[0])})
    api.call("POST", "payment-transaction", {"orderId": paid[1]["orderId"], "type": "refund", "value": Decimal("1.00"),
                                             "parentTransactionId": payment_of(paid[1])})
    unpaid = next(o for o in orders if o["paymentStatus"] in ("Q", "D", "A") and o["total"] > 0)
    api.call("POST", "payment-transaction", {"orderId": unpaid["orderId"], "type": "sale", "value": unpaid["total"],
                                             "status": "F"})

    before_sf, before_erp = storefront(sandbox), erp.snapshot()
    # Shipping takes the shipped quantities off on-hand stock too: those SKUs change as well.
    stock_changed = changed(stock_before, erp.available(WAREHOUSES))
    assert sku in stock_changed and len(stock_changed) <= 1 + 1 + 5 * 5
    sync_everything(flow_dag, erp_name)
    after_sf, after_erp = storefront(sandbox), erp.snapshot()

    # --- exactly those changes appeared on the other side ----------------------------------------------
    assert changed(before_sf["products"], after_sf["products"]) == stock_changed | {"SKU-NEW01"}
    assert after_sf["products"][sku]["amount"] == before_sf["products"][sku]["amount"] + 5
    assert after_sf["products"]["SKU-NEW01"]["name"] == "Brand-new Teapot"

    assert changed(before_sf["profiles"], after_sf["profiles"]) == erp_edited_profiles
    for profile_id in erp_edited_profiles:
        assert after_sf["profiles"][profile_id]["addresses"][0]["city"] == "Leeds"

    shipped_ids = {storefront_id for _, storefront_id in shipping}
    assert changed(before_sf["orders"], after_sf["orders"]) == shipped_ids
    statuses = sorted(after_sf["orders"][i]["shippingStatus"] for i in shipped_ids)
    assert statuses == ["P", "S", "S", "S", "S"]
    assert changed(before_sf["payments"], after_sf["payments"]) == set()

    xref = sandbox.store().get_xref(pair, "customer", [str(p["profileId"]) for p in storefront_edited])
    storefront_edited_ids = {target_id for target_id, _ in xref.values()}
    assert len(storefront_edited_ids) == 3
    assert changed(before_erp["customers"], after_erp["customers"]) == storefront_edited_ids
    assert {erp.customer_city(after_erp, c) for c in storefront_edited_ids} == {"Galway"}
    assert changed(before_erp["items"], after_erp["items"]) == set()
    assert set(before_erp["sales_orders"]) == set(after_erp["sales_orders"]), "no new sales order"
    new_memos = changed(before_erp["credit_memos"], after_erp["credit_memos"])
    assert sorted(erp.document_amount(after_erp, "credit_memos", m) for m in new_memos) == \
        sorted([Decimal("1.00"), Decimal(str(paid[0]["total"]))])
    assert changed(before_erp["payments"], after_erp["payments"]) == set(), "a declined payment posts nothing"

    # --- a third sync of the same range changes nothing -------------------------------------------------
    sync_everything(flow_dag, erp_name)
    assert storefront(sandbox) == after_sf
    assert erp.snapshot() == after_erp
