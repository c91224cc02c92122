"""The X-Cart ↔ Sage 500 pair, scripted: both systems change between two full syncs, and exactly those
changes appear on the other side; a third sync of the same range changes nothing.

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


pytestmark = [pytest.mark.integration, pytest.mark.slow]
EVERYTHING = {"resync_from": "2000-01-01T00:00:00+00:00", "resync_to": "2099-01-01T00:00:00+00:00"}
FLOWS = ("products", "inventory", "customers", "orders", "payments", "shipments", "refunds")
WHILE = datetime(2026, 11, 19, 12)  # ERP-side edits happen inside the synced range


def sync_everything(flow_dag) -> None:
    for flow in FLOWS:
        run = flow_dag(flow).test(run_conf=EVERYTHING)
        assert str(run.state) == "success", f"{flow} run ended {run.state}"


def storefront(sandbox) -> dict:
    store = sandbox.xcart.store
    return {
        "products": {p["sku"]: p for p in store.list_products(offset=0, limit=None)[0]},
        "profiles": {p["profileId"]: p for p in store.list_profiles(offset=0, limit=None)[0]},
        "orders": {o["orderId"]: o for o in store.list_orders(offset=0, limit=None)[0]},
        "payments": {t["transactionId"]: t for t in store.list_payment_transactions(offset=0, limit=None)[0]},
    }


def erp(sandbox) -> dict:
    rows = sandbox.erp_rows
    return {
        "customers": {r[0].strip(): r[1:] for r in rows(
            "SELECT c.CustID, c.CustName, c.Status, a.AddrLine1, a.City, a.PostalCode FROM tarCustomer c "
            "LEFT JOIN tciAddress a ON a.AddrKey = c.PrimaryAddrKey")},
        "sales_orders": {r[0].strip(): r[1:] for r in rows("SELECT TranNo, Status, OpenAmt FROM tsoSalesOrder")},
        "payments": {r[0].strip(): r[1:] for r in rows("SELECT TranNo, TranAmt FROM tarCustPmt")},
        "credit_memos": {r[0].strip(): r[1:] for r in rows("SELECT TranNo, TranAmt FROM tarInvoice WHERE TranType = 502")},
        "items": {r[0].strip(): r[1:] for r in rows("SELECT ItemID, Status, StdPrice FROM timItem")},
    }


def erp_available(sandbox) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for item_id, on_hand, pending in sandbox.erp_rows(
            "SELECT i.ItemID, b.QtyOnHand, b.PendQtyDecrease FROM timWhseBinInvt b JOIN timItem i ON i.ItemKey = b.ItemKey "
            "JOIN timWarehouse w ON w.WhseKey = b.WhseKey WHERE w.WhseID IN ('MAIN', 'EAST', 'WEST')"):
        totals[item_id.strip()] = totals.get(item_id.strip(), Decimal(0)) + Decimal(str(on_hand)) - Decimal(str(pending))
    return totals


def changed(before: dict, after: dict) -> set:
    return {key for key in set(before) | set(after) if before.get(key) != after.get(key)}


def test_exactly_the_changes_made_on_each_side_appear_on_the_other_and_a_rerun_changes_nothing(sandbox_factory, flow_dag):
    from include.sandbox.sage500.erp_actions import create_item, set_stock, ship_order, stock_levels, update_customer_address

    sandbox = sandbox_factory(orders=40, max_bad_ratio=0.5)
    sync_everything(flow_dag)
    stock_before = erp_available(sandbox)

    # --- both systems change -------------------------------------------------------------------------
    connection = sandbox.erp()
    try:
        sku = "SKU-00011"  # 1% of the 60-item catalogue, rounded up
        main = stock_levels(connection, company_id="SOA", item_id=sku)["MAIN"]
        set_stock(connection, company_id="SOA", item_id=sku, whse_id="MAIN", qty_on_hand=main[0] + 5, now=WHILE)
        create_item(connection, company_id="SOA", item_id="SKU-NEW01", description="Brand-new Teapot",
                    std_price="24.50", stock={"MAIN": 9}, now=WHILE)
        web_customers = sorted(k for k in erp(sandbox)["customers"] if k.startswith("XC"))
        erp_edited = web_customers[:3]
        for index, cust_id in enumerate(erp_edited):
            update_customer_address(connection, company_id="SOA", cust_id=cust_id, AddrLine1=f"{index + 1} ERP Lane",
                                    City="Leeds", now=WHILE)
        open_orders = [r[0].strip() for r in sandbox.erp_rows(
            "SELECT TranNo FROM tsoSalesOrder WHERE Status = 1 AND UserFld1 LIKE 'XC-%' ORDER BY SOKey")][:5]
        for index, tran_no in enumerate(open_orders):
            ship_order(connection, company_id="SOA", tran_no=tran_no, lines={1: 1} if index == 0 else None,
                       tracking_no=f"1ZSCENARIO{index:08d}", carrier="UPS", ship_date=WHILE)
    finally:
        connection.close()
    # The storefront side changes through X-Cart's REST API, as a merchant's admin or checkout would.
    api = SandboxXCartClient(sandbox.xcart.base_url, RW_KEY)
    storefront_edited = [p for p in api.all("profile") if f"XC{p['profileId']:010d}" not in erp_edited][:3]
    for profile in storefront_edited:
        addresses = copy.deepcopy(profile["addresses"])
        addresses[0].update(street="9 Storefront Row", city="Galway")
        api.call("PUT", f"profile/{profile['profileId']}", {"addresses": addresses})
    orders = api.all("order")
    paid = [o for o in orders if o["paymentStatus"] == "P" and o["items"] and o["total"] > Decimal("1")][:2]
    api.call("POST", "payment-transaction", {"orderId": paid[0]["orderId"], "type": "refund", "value": paid[0]["total"]})
    api.call("POST", "payment-transaction", {"orderId": paid[1]["orderId"], "type": "refund", "value": Decimal("1.00")})
    unpaid = next(o for o in orders if o["paymentStatus"] in ("Q", "D", "A") and o["total"] > 0)
    api.call("POST", "payment-transaction", {"orderId": unpaid["orderId"], "type": "sale", "value": unpaid["total"],
                                             "status": "F"})

    before_sf, before_erp = storefront(sandbox), erp(sandbox)
    # Shipping takes the shipped quantities off on-hand stock too: those SKUs change as well.
    stock_changed = changed(stock_before, erp_available(sandbox))
    assert sku in stock_changed and len(stock_changed) <= 1 + 1 + 5 * 5
    sync_everything(flow_dag)
    after_sf, after_erp = storefront(sandbox), erp(sandbox)

    # --- exactly those changes appeared on the other side ----------------------------------------------
    assert changed(before_sf["products"], after_sf["products"]) == stock_changed | {"SKU-NEW01"}
    assert after_sf["products"][sku]["amount"] == before_sf["products"][sku]["amount"] + 5
    assert after_sf["products"]["SKU-NEW01"]["name"] == "Brand-new Teapot"

    erp_edited_profiles = {int(c[2:]) for c in erp_edited}
    assert changed(before_sf["profiles"], after_sf["profiles"]) == erp_edited_profiles
    for profile_id in erp_edited_profiles:
        assert after_sf["profiles"][profile_id]["addresses"][0]["city"] == "Leeds"

    shipped_ids = {int(t[1:]) for t in open_orders}
    assert changed(before_sf["orders"], after_sf["orders"]) == shipped_ids
    statuses = sorted(after_sf["orders"][i]["shippingStatus"] for i in shipped_ids)
    assert statuses == ["P", "S", "S", "S", "S"]
    assert changed(before_sf["payments"], after_sf["payments"]) == set()

    xref = sandbox.store().get_xref("xcart-sage500", "customer", [str(p["profileId"]) for p in storefront_edited])
    storefront_edited_ids = {target_id for target_id, _ in xref.values()}
    assert len(storefront_edited_ids) == 3
    assert changed(before_erp["customers"], after_erp["customers"]) == storefront_edited_ids
    assert {after_erp["customers"][c][3] for c in storefront_edited_ids} == {"Galway"}
    assert changed(before_erp["items"], after_erp["items"]) == set()
    assert set(before_erp["sales_orders"]) == set(after_erp["sales_orders"]), "no new sales order"
    new_memos = changed(before_erp["credit_memos"], after_erp["credit_memos"])
    assert sorted(Decimal(str(after_erp["credit_memos"][m][0])) for m in new_memos) == \
        sorted([Decimal("1.00"), Decimal(str(paid[0]["total"]))])
    assert changed(before_erp["payments"], after_erp["payments"]) == set(), "a declined payment posts nothing"

    # --- a third sync of the same range changes nothing -------------------------------------------------
    sync_everything(flow_dag)
    assert storefront(sandbox) == after_sf
    assert erp(sandbox) == after_erp
