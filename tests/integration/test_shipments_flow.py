"""End to end: the shipments flow (Sage 500 shipments → X-Cart tracking numbers and shipping status), on both backends.

The orders flow runs first so the storefront orders exist as Sage sales orders (``UserFld1 = XC-<orderId>``,
``TranNo = W<orderId zero-padded to 9>``); the warehouse then ships them with the sandbox's ``ship_order``,
stamped inside the shipments run's interval, and the real shipments DAG runs with Airflow (``dag.test``).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.integration.conftest import END

pytestmark = pytest.mark.integration
PAIR = "xcart-sage500"
# The warehouse works after the day the orders came in; the shipments runs cover its half-hours.
NAIVE_END = END.replace(tzinfo=None)
FIRST_RUN = END + timedelta(minutes=30)  # data interval [END, END+30m), extracted from END-15m (overlap)
LATER_RUN = END + timedelta(minutes=90)  # [END+60m, END+90m), from END+45m: the first run's shipments are older


def tran_no(order_id) -> str:
    return "W" + str(order_id).zfill(9)


def ship(sandbox, order_id=None, *, tran=None, tracking: str | None, carrier: str | None = "UPS", lines=None,
         minutes: int = 5):
    """The warehouse ships a sales order (all that is open, or ``lines`` = {SOLineNo: qty}) at END + minutes."""
    from include.sandbox.sage500.erp_actions import ship_order

    at = NAIVE_END + timedelta(minutes=minutes)
    connection = sandbox.erp()
    try:
        return ship_order(connection, tran_no=tran or tran_no(order_id), lines=lines, tracking_no=tracking,
                          carrier=carrier, ship_date=at, now=at)
    finally:
        connection.close()


def erp_execute(sandbox, sql: str, *params) -> None:
    connection = sandbox.erp()
    try:
        connection.cursor().execute(sql, *params)
        connection.commit()
    finally:
        connection.close()


def storefront_orders(sandbox) -> dict[str, dict]:
    return {str(o["orderId"]): o for o in sandbox.xcart.store.list_orders(offset=0, limit=None)[0]}


def tracking_values(order: dict) -> list[str]:
    return [entry["value"] for entry in order.get("trackingNumbers") or []]


def in_erp(sandbox) -> set[str]:
    return {row[0].strip()[3:] for row in sandbox.erp_rows("SELECT UserFld1 FROM tsoSalesOrder WHERE UserFld1 LIKE 'XC-%'")}


def unshipped_orders(sandbox, count: int) -> list[dict]:
    """Storefront orders that are sales orders in Sage, still new (N) and without tracking numbers, most items first."""
    loaded = in_erp(sandbox)
    candidates = [o for o in storefront_orders(sandbox).values()
                  if str(o["orderId"]) in loaded and o["shippingStatus"] == "N" and not tracking_values(o)]
    candidates.sort(key=lambda o: (-len(o["items"]), o["orderId"]))
    assert len(candidates) >= count, f"the sandbox has only {len(candidates)} new orders in Sage 500"
    return candidates[:count]


def run(dag, logical_date=None, **kwargs):
    dag_run = dag.test(logical_date=logical_date, **kwargs) if logical_date else dag.test(**kwargs)
    assert str(dag_run.state) == "success", f"run for {logical_date} ended {dag_run.state}"
    return dag_run


def last_run(sandbox) -> dict:
    return sorted(sandbox.store().list_runs(flow="shipments"), key=lambda r: r["started_at"])[-1]


def outcomes(sandbox) -> dict[str, dict]:
    return {o["record_key"]: o for o in sandbox.store().list_outcomes(PAIR, "shipments", last_run(sandbox)["run_id"])}


def create_erp_native_order(sandbox, tran: str = "0000700001") -> str:
    """A sales order entered in Sage itself (phone order): no storefront reference, through the import path."""
    from include.sandbox.sage500.procedures import run_sales_order_import

    connection = sandbox.erp()
    try:
        cursor = connection.cursor()
        cust_id = cursor.execute("SELECT CustID FROM tarCustomer WHERE CompanyID = 'SOA' AND Status = 1 "
                                 "ORDER BY CustKey").fetchone()[0]
        item_id = cursor.execute("SELECT ItemID FROM timItem WHERE CompanyID = 'SOA' AND Status = 1 "
                                 "ORDER BY ItemKey").fetchone()[0]
        cursor.execute("INSERT INTO StgSalesOrder (SessionKey, ProcessStatus, Action, TranNo, TranDate, CustID, CurrID, "
                       "Hold, RequireSOAck, Status) VALUES (?, 0, 1, ?, ?, ?, 'USD', '0', '0', '1')", 4242, tran,
                       NAIVE_END, cust_id)
        cursor.execute("INSERT INTO StgSOLine (SessionKey, ProcessStatus, Action, TranNo, SOLineNo, ItemID, QtyOrd, "
                       "WarehouseID, CmntOnly, Hold, ReqCert, DeliveryMeth, Status) "
                       "VALUES (?, 0, 1, ?, 1, ?, '2', 'MAIN', '0', '0', '0', '1', '1')", 4242, tran, item_id)
        connection.commit()
        run_sales_order_import(connection, 4242)
        connection.commit()
    finally:
        connection.close()
    assert sandbox.erp_rows("SELECT COUNT(*) FROM tsoSalesOrder WHERE TranNo = ?", tran)[0][0] == 1
    return tran


def test_shipments_update_exactly_their_storefront_orders_once_and_a_later_shipment_completes_the_partial_one(
        sandbox_factory, orders_dag, flow_dag):
    sandbox = sandbox_factory(orders=20)
    run(orders_dag(), END)
    chosen = unshipped_orders(sandbox, 5)
    partial = chosen[0]
    assert len(partial["items"]) >= 2, "the partial shipment needs an order with two lines or more"
    tracking = {str(o["orderId"]): f"1Z{o['orderId']:06d}A" for o in chosen}
    ship(sandbox, partial["orderId"], tracking=tracking[str(partial["orderId"])], lines={1: 1}, minutes=2)
    for order in chosen[1:]:
        ship(sandbox, order["orderId"], tracking=tracking[str(order["orderId"])], carrier="FedEx", minutes=5)
    native = ship(sandbox, tran=create_erp_native_order(sandbox), tracking="PHONE-1", minutes=7)

    before = storefront_orders(sandbox)
    dag = flow_dag("shipments")
    run(dag, FIRST_RUN)
    after = storefront_orders(sandbox)
    changed = {key for key in after if after[key] != before[key]}
    assert changed == set(tracking), "exactly the shipped storefront orders change"
    for key, number in tracking.items():
        assert tracking_values(after[key]).count(number) == 1
        assert after[key]["shippingStatus"] == ("P" if key == str(partial["orderId"]) else "S")
    # X-Cart's tracking number rows (XLite\\Model\\OrderTrackingNumber) have no carrier: the store keeps none,
    # the outcome names it.
    assert [e["carrier"] for e in after[str(chosen[1]["orderId"])]["trackingNumbers"]] == [None]
    assert any(f"tracking {tracking[str(chosen[1]['orderId'])]} (FedEx) added" in o["detail"]
               for o in outcomes(sandbox).values())
    counts = last_run(sandbox)["counts"]
    assert counts["extracted"] == 6 and counts["loaded"] == 5 and counts["skipped"] == 1
    assert counts["dlq"] == 0 and counts["unaccounted"] == 0
    skipped = outcomes(sandbox)[str(native.ship_key)]
    assert skipped["outcome"] == "skipped" and "did not come from the storefront" in skipped["detail"]

    run(dag, FIRST_RUN)  # the same interval again: nothing changes, nothing is added twice
    assert storefront_orders(sandbox) == after
    counts = last_run(sandbox)["counts"]
    assert counts["loaded"] == 0 and counts["skipped"] == 6 and counts["dlq"] == 0

    key = str(partial["orderId"])
    ship(sandbox, partial["orderId"], tracking="1ZREST0001", minutes=70)  # the rest of the partial order
    run(dag, LATER_RUN)
    final = storefront_orders(sandbox)
    assert {k for k in final if final[k] != after[k]} == {key}
    assert tracking_values(final[key]) == [tracking[key], "1ZREST0001"]
    assert final[key]["shippingStatus"] == "S"
    assert last_run(sandbox)["counts"]["loaded"] == 1


def test_an_order_is_never_moved_backwards(sandbox_factory, orders_dag, flow_dag):
    sandbox = sandbox_factory(orders=10)
    run(orders_dag(), END)
    [delivered] = unshipped_orders(sandbox, 1)
    sandbox.xcart.store.update_order(delivered["orderId"], {"shippingStatus": "D"})  # delivered already
    ship(sandbox, delivered["orderId"], tracking="1ZLATE0001")
    run(flow_dag("shipments"), FIRST_RUN)
    order = storefront_orders(sandbox)[str(delivered["orderId"])]
    assert order["shippingStatus"] == "D"
    assert tracking_values(order) == ["1ZLATE0001"]


def test_bad_shipments_go_to_the_dlq_naming_record_and_field_and_replay_after_a_fix(sandbox_factory, orders_dag, flow_dag):
    sandbox = sandbox_factory(orders=20)
    run(orders_dag(), END)
    good, gone, substituted, untracked, *others = unshipped_orders(sandbox, 7)
    # The storefront order was deleted after it reached the ERP: X-Cart has no such order any more.
    sandbox.xcart.store.delete_order(gone["orderId"])
    gone_ship = ship(sandbox, gone["orderId"], tracking="1ZGONE0001")
    # The ERP substituted an item the storefront order does not have on line 1.
    on_order = {item["sku"] for item in substituted["items"]}
    other_sku = next(f"SKU-{n:05d}" for n in range(1, 60) if f"SKU-{n:05d}" not in on_order)
    erp_execute(sandbox, "UPDATE tsoSOLine SET ItemKey = (SELECT ItemKey FROM timItem WHERE ItemID = ?) "
                         "WHERE SOLineNo = 1 AND SOKey = (SELECT SOKey FROM tsoSalesOrder WHERE TranNo = ?)",
                other_sku, tran_no(substituted["orderId"]))
    substituted_ship = ship(sandbox, substituted["orderId"], tracking="1ZSUBS0001")
    untracked_ship = ship(sandbox, untracked["orderId"], tracking=None)  # the packer forgot the label
    for order in [good, *others]:
        ship(sandbox, order["orderId"], tracking=f"1ZOK{order['orderId']:06d}")

    before = storefront_orders(sandbox)
    dag = flow_dag("shipments")
    run(dag, FIRST_RUN)
    dlq = {item["record_key"]: item for item in sandbox.store().list_dlq(flow="shipments")}
    assert set(dlq) == {str(gone_ship.ship_key), str(substituted_ship.ship_key), str(untracked_ship.ship_key)}

    reason = dlq[str(gone_ship.ship_key)]["reason"]
    assert dlq[str(gone_ship.ship_key)]["reason_code"] == "unknown_order"
    assert f"shipment {gone_ship.ship_key}" in reason and "order_reference" in reason
    assert f"no order {gone['orderId']}" in reason and tran_no(gone["orderId"]) in reason

    reason = dlq[str(substituted_ship.ship_key)]["reason"]
    assert dlq[str(substituted_ship.ship_key)]["reason_code"] == "unknown_line"
    assert f"shipment {substituted_ship.ship_key}" in reason and "lines[0].sku" in reason and other_sku in reason
    assert f"order {substituted['orderId']}" in reason

    reason = dlq[str(untracked_ship.ship_key)]["reason"]
    assert f"shipment {untracked_ship.ship_key}" in reason and "TrackingNo" in reason

    after = storefront_orders(sandbox)
    assert {k for k in after if after[k] != before[k]} == {str(o["orderId"]) for o in [good, *others]}
    counts = last_run(sandbox)["counts"]
    assert counts["dlq"] == 3 and counts["loaded"] == 4 and counts["unaccounted"] == 0

    # The warehouse adds the missing tracking number; replaying that one shipment by key loads it.
    erp_execute(sandbox, "UPDATE tsoShipment SET TrackingNo = '1ZLATE0002' WHERE ShipKey = ?", untracked_ship.ship_key)
    run(dag, run_conf={"record_keys": [str(untracked_ship.ship_key)]})
    order = storefront_orders(sandbox)[str(untracked["orderId"])]
    assert tracking_values(order) == ["1ZLATE0002"] and order["shippingStatus"] == "S"
    states = {item["record_key"]: item["state"] for item in sandbox.store().list_dlq(flow="shipments")}
    assert states[str(untracked_ship.ship_key)] == "resolved"
