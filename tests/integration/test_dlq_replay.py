"""Working the DLQ: re-sync one order, and replay a held order after the ERP learns its SKU."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.integration.conftest import END

pytestmark = pytest.mark.integration


def create_item(sandbox, item_id: str) -> None:
    from include.sandbox.sage500.schema import allocate_keys

    connection = sandbox.erp()
    try:
        key = allocate_keys(connection, "timItem")
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        connection.cursor().execute(
            "INSERT INTO timItem (ItemKey, CompanyID, ItemID, ItemType, Status, StdPrice, CreateDate, UpdateDate) "
            "VALUES (?, 'SOA', ?, 5, 1, '10.00', ?, ?)", key, item_id, now, now)
        connection.commit()
    finally:
        connection.close()


def test_one_order_can_be_re_synced_by_id_without_touching_anything_else(sandbox_factory, orders_dag):
    sandbox = sandbox_factory(orders=12)
    dag = orders_dag()
    order = sandbox.xcart.store.list_orders(offset=0, limit=None)[0][3]
    run = dag.test(run_conf={"record_keys": [str(order["orderId"])]})
    assert str(run.state) == "success"
    refs = [r[0].strip() for r in sandbox.erp_rows("SELECT UserFld1 FROM tsoSalesOrder")]
    assert refs == [f"XC-{order['orderId']}"], "exactly the requested order, whatever its date"


def test_a_held_order_is_loaded_by_a_replay_once_the_erp_knows_its_sku(sandbox_factory, orders_dag):
    from include.sandbox.scenarios import SCENARIOS, build_order
    from storesync import dlq

    sandbox = sandbox_factory(orders=6)
    template = next(o for o in sandbox.xcart.store.list_orders(offset=0, limit=None)[0] if len(o["items"]) >= 2)
    unknown_sku = next(s for s in SCENARIOS if s.expect == "held")
    held = sandbox.xcart.store.create_order(
        build_order(template, unknown_sku, timestamp=int((END - timedelta(hours=1)).timestamp())))
    assert str(orders_dag().test(logical_date=END).state) == "success"
    store = sandbox.store()
    [item] = store.list_dlq(flow="orders", state="held")
    assert item["record_key"] == str(held["orderId"])

    create_item(sandbox, "SKU-99999")
    assert dlq.main(["--store-url", sandbox.store_url, "replay", "--ids", str(item["id"]), "--by", "ops@example.com",
                     "--run-now"]) == 0

    assert sandbox.erp_rows("SELECT COUNT(*) FROM tsoSalesOrder WHERE UserFld1 = ?", f"XC-{held['orderId']}") == [(1,)]
    replayed = store.get_dlq_item(item["id"])
    assert replayed["state"] == "resolved"
    assert store.list_dlq(flow="orders", state="held") == [] and store.list_dlq(flow="orders", state="open") == []


def test_replaying_an_item_that_still_fails_keeps_it_held_with_the_same_id_and_one_more_attempt(sandbox_factory,
                                                                                                 orders_dag):
    """Issue 15: the item was marked replayed and a new item opened; one id per record, attempts counted across."""
    from include.sandbox.scenarios import SCENARIOS, build_order
    from storesync import dlq

    sandbox = sandbox_factory(orders=4)
    template = sandbox.xcart.store.list_orders(offset=0, limit=None)[0][0]
    unknown_sku = next(s for s in SCENARIOS if s.expect == "held")
    held = sandbox.xcart.store.create_order(
        build_order(template, unknown_sku, timestamp=int((END - timedelta(hours=1)).timestamp())))
    orders_dag().test(logical_date=END)
    store = sandbox.store()
    [item] = store.list_dlq(flow="orders", state="held")
    assert dlq.main(["--store-url", sandbox.store_url, "replay", "--flow", "orders", "--by", "ops", "--run-now"]) == 1
    again = store.get_dlq_item(item["id"])
    assert (again["state"], again["attempts"], again["record_key"]) == ("held", 2, str(held["orderId"]))
    assert "SKU-99999" in again["reason"]
    assert [i["id"] for i in store.list_dlq(flow="orders")] == [item["id"]]
    actions = [(e["action"], e["by"]) for e in store.dlq_history([item["id"]])[item["id"]]]
    assert actions[-2:] == [("replay_requested", "ops"), ("failed_again", "orders__xcart__sage500")]


def test_an_erp_customer_item_replays_through_its_leg_of_the_customers_dag(sandbox_factory, flow_dag):
    """Issue 15: replaying a customers_from_erp item failed with KeyError 'customers_from_erp__xcart__sage500' and
    the item was left replayed. The Sage 500 customer is read by key (a full read filtered), the other leg idles."""
    from storesync import dlq

    sandbox = sandbox_factory(orders=2)
    everything = {"resync_from": "2000-01-01T00:00:00+00:00", "resync_to": END.isoformat()}
    assert str(flow_dag("customers").test(run_conf=everything).state) == "success"
    store = sandbox.store()
    [first] = store.list_runs(flow="customers_from_erp")
    key = store.list_outcomes("xcart-sage500", "customers_from_erp", first["run_id"])[0]["record_key"]
    item_id = store.quarantine(pair="xcart-sage500", flow="customers_from_erp", entity="erp_customer", record_key=key,
                               stage="load", reason_code="rejected", reason=f"{key}: storefront said no", run_id="r0")

    assert dlq.main(["--store-url", sandbox.store_url, "replay", "--ids", str(item_id), "--by", "alice",
                     "--run-now"]) == 0, store.dlq_history([item_id])[item_id][-1]["note"]

    assert store.get_dlq_item(item_id)["state"] == "resolved"
    latest = {flow: max(store.list_runs(flow=flow), key=lambda r: r["started_at"])["counts"]
              for flow in ("customers", "customers_from_erp")}
    assert latest["customers_from_erp"]["extracted"] == 1
    assert latest["customers"]["extracted"] == 0


def test_a_negative_stock_sku_replays_once_the_erp_stock_is_corrected(sandbox_factory, flow_dag):
    """Inventory items replay too: Sage 500 stock has no reader by key, so the replay reads it in full and
    keeps the named SKU; the corrected quantity is published and the item resolved, same id."""
    from storesync import dlq
    from tests.integration.test_catalogue_flows import erp_execute

    sandbox = sandbox_factory(orders=2)
    where = ("WHERE ItemKey = (SELECT ItemKey FROM timItem WHERE ItemID = 'SKU-00007') AND WhseKey = "
             "(SELECT WhseKey FROM timWarehouse WHERE WhseID = 'EAST')")
    erp_execute(sandbox, f"UPDATE timWhseBinInvt SET QtyOnHand = -3 {where}")
    assert str(flow_dag("inventory").test(logical_date=END).state) == "success"
    store = sandbox.store()
    [item] = store.list_dlq(flow="inventory")
    erp_execute(sandbox, f"UPDATE timWhseBinInvt SET QtyOnHand = 4 {where}")

    assert dlq.main(["--store-url", sandbox.store_url, "replay", "--flow", "inventory", "--by", "alice",
                     "--run-now"]) == 0, store.dlq_history([item["id"]])[item["id"]][-1]["note"]

    [after] = store.list_dlq(flow="inventory")
    assert (after["id"], after["state"]) == (item["id"], "resolved")
    latest = max(store.list_runs(flow="inventory"), key=lambda r: r["started_at"])["counts"]
    assert latest["extracted"] == 1, "only the named SKU was carried"
