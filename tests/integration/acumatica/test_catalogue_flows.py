"""End to end: the products and inventory flows of pair xcart-acumatica (Acumatica → X-Cart), the real DAGs run
by Airflow (``dag.test``) against the X-Cart and Acumatica emulators, with the sync store on both backends."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest

from tests.integration.conftest import END

pytestmark = pytest.mark.integration
PAIR = "xcart-acumatica"
EVERYTHING = {"resync_from": "2000-01-01T00:00:00+00:00", "resync_to": END.isoformat()}
WAREHOUSES = ("MAIN", "EAST", "WEST")
# ERP-side edits are stamped inside the re-sync range (the emulator's clock is pinned here).
ERP_EDIT_TIME = datetime(2026, 11, 19, 12, tzinfo=timezone.utc)


def erp_clock() -> float:
    return ERP_EDIT_TIME.timestamp()


def run(dag, **kwargs):
    dag_run = dag.test(**kwargs)
    assert str(dag_run.state) == "success", f"{dag.dag_id} ended {dag_run.state}"
    return dag_run


def storefront_products(sandbox) -> dict[str, dict]:
    return {p["sku"]: p for p in sandbox.xcart.store.list_products(offset=0, limit=None)[0]}


def erp_items(sandbox) -> dict[str, dict]:
    return {item["InventoryID"]: item for item in sandbox.acumatica.store.records("StockItem")}


def erp_available(sandbox) -> dict[str, int]:
    """What the storefront should show: Σ QtyAvailable over the pair's warehouses, floored at zero."""
    totals: dict[str, Decimal] = {}
    for row in sandbox.acumatica.store.inventory_summary():
        if row["WarehouseID"] in WAREHOUSES:
            totals[row["InventoryID"]] = totals.get(row["InventoryID"], Decimal(0)) + row["QtyAvailable"]
    return {sku: max(0, int(total)) for sku, total in totals.items()}


def last_run(sandbox, flow: str) -> dict:
    return sorted(sandbox.store().list_runs(pair=PAIR, flow=flow), key=lambda r: r["started_at"])[-1]


def test_the_products_flow_makes_the_storefront_catalogue_match_acumatica_then_writes_only_changes(
        acumatica_sandbox_factory, flow_dag):
    sandbox = acumatica_sandbox_factory(orders=2, erp_clock=erp_clock)
    dag = flow_dag("products", erp="acumatica")
    run(dag, run_conf=EVERYTHING)
    items, products = erp_items(sandbox), storefront_products(sandbox)
    assert set(items) <= set(products)
    for sku, item in items.items():
        assert products[sku]["name"] == item["Description"].strip()
        assert Decimal(str(products[sku]["price"])) == item["DefaultPrice"].quantize(Decimal("0.01"))
        assert products[sku]["enabled"] is (item["ItemStatus"] == "Active")
    assert any(not p["enabled"] for p in products.values()), "the seed has items that are not Active"

    sku = next(sku for sku, item in sorted(items.items()) if item["ItemStatus"] == "Active")
    sandbox.acumatica.store.update_item(inventory_id=sku, item_status="No Purchases")  # being run out
    before = storefront_products(sandbox)
    run(dag, run_conf=EVERYTHING)
    after = storefront_products(sandbox)
    assert after[sku]["enabled"] is False, "an item that is no longer Active is disabled"
    assert {s for s in after if after[s] != before[s]} == {sku}, "nothing else changes"
    assert last_run(sandbox, "products")["counts"]["loaded"] == 1
    assert len(after) == len(before), "nothing is deleted"

    sandbox.acumatica.store.update_item(inventory_id=sku, default_price="19.99", item_status="Active")
    run(dag, run_conf=EVERYTHING)
    restored = storefront_products(sandbox)[sku]
    assert restored["enabled"] is True and Decimal(str(restored["price"])) == Decimal("19.99")


def test_the_inventory_flow_pushes_available_stock_in_one_inquiry_per_sku_then_only_changed_skus(
        acumatica_sandbox_factory, flow_dag):
    sandbox = acumatica_sandbox_factory(orders=2, erp_clock=erp_clock)
    dag = flow_dag("inventory", erp="acumatica")
    sandbox.acumatica.stats.reset()
    run(dag, logical_date=END)
    requests = sandbox.acumatica.stats_snapshot()
    expected = erp_available(sandbox)
    products = storefront_products(sandbox)
    assert {sku: products[sku]["amount"] for sku in expected if sku in products} == \
        {sku: qty for sku, qty in expected.items() if sku in products}
    # InventorySummaryRow carries no InventoryID (Default/24.200.001 model): one inquiry per SKU (every warehouse
    # in its answer) after the StockItem listing, 25 a page here; the sign-out is not queued, so not counted.
    skus = len(sandbox.acumatica.store.records("StockItem"))
    assert requests["requests"] == requests["logins"] + (skus // 25 + 1) + skus
    assert requests["logins"] == requests["logouts"], "the task logged out of its API session"

    sku = "SKU-00005"
    on_hand = next(r["QtyOnHand"] for r in sandbox.acumatica.store.inventory_summary(sku, "MAIN"))
    sandbox.acumatica.store.set_stock(inventory_id=sku, warehouse_id="MAIN", qty_on_hand=on_hand + 7)
    before = storefront_products(sandbox)
    run(dag, logical_date=END)
    after = storefront_products(sandbox)
    assert {s for s in after if after[s] != before[s]} == {sku}
    assert after[sku]["amount"] == before[sku]["amount"] + 7
    counts = last_run(sandbox, "inventory")["counts"]
    assert counts["loaded"] == 1 and counts["skipped"] == counts["extracted"] - 1


def test_stock_for_a_sku_the_storefront_lacks_is_reported_not_invented(acumatica_sandbox_factory, flow_dag):
    sandbox = acumatica_sandbox_factory(orders=2, erp_clock=erp_clock)
    sandbox.acumatica.store.create_item(inventory_id="ERP-ONLY-1", description="Warehouse-only part",
                                        default_price="5.00", stock={"MAIN": 12})
    run(flow_dag("inventory", erp="acumatica"), logical_date=END)
    assert "ERP-ONLY-1" not in storefront_products(sandbox)
    outcomes = {o["record_key"]: o for o in sandbox.store().list_outcomes(PAIR, "inventory",
                                                                          last_run(sandbox, "inventory")["run_id"])}
    assert outcomes["ERP-ONLY-1"]["outcome"] == "skipped"
    assert "not in the storefront" in outcomes["ERP-ONLY-1"]["detail"]


def test_negative_stock_goes_to_the_dlq_naming_the_item_and_the_acumatica_field(acumatica_sandbox_factory, flow_dag):
    sandbox = acumatica_sandbox_factory(orders=2, erp_clock=erp_clock)
    sandbox.acumatica.store.set_stock(inventory_id="SKU-00007", warehouse_id="EAST", qty_on_hand=-3)
    before = storefront_products(sandbox)["SKU-00007"]["amount"]
    run(flow_dag("inventory", erp="acumatica"), logical_date=END)
    [item] = sandbox.store().list_dlq(pair=PAIR, flow="inventory")
    assert item["record_key"] == "SKU-00007"
    assert "warehouses[].QtyOnHand" in item["reason"] and "SKU-00007" in item["reason"] and item["state"] == "open"
    # Issue 12 item 6: keeping the older, higher figure would oversell; the storefront shows 0 until fixed.
    assert before > 0 and storefront_products(sandbox)["SKU-00007"]["amount"] == 0
