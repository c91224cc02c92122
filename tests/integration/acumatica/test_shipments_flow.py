"""End to end: the shipments flow of pair xcart-acumatica (Acumatica shipments → X-Cart tracking numbers and
shipping status), on both backends.

The orders DAG runs first so storefront orders exist as Acumatica sales orders (``CustomerOrder = XC-<orderId>``);
the warehouse then ships them with the emulator's ``ship_order`` (confirmed shipments, one package per tracking
number), stamped inside the shipments run's interval, and the real shipments DAG runs with Airflow.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.integration.conftest import END

pytestmark = pytest.mark.integration
PAIR = "xcart-acumatica"
FIRST_RUN = END + timedelta(minutes=30)  # data interval [END, END+30m), extracted from END-15m (overlap)
LATER_RUN = END + timedelta(minutes=90)  # [END+60m, END+90m), from END+45m: the first run's shipments are older


class ErpClock:
    """Acumatica's "now" (LastModifiedDateTime of its changes), moved by the test."""

    def __init__(self) -> None:
        self.at = END - timedelta(hours=1)

    def __call__(self) -> float:
        return self.at.timestamp()


@pytest.fixture
def sandbox(acumatica_sandbox_factory, flow_dag):
    """Storefront orders taken to Acumatica sales orders by the orders DAG; ``sandbox.clock`` is Acumatica's."""
    clock = ErpClock()
    built = acumatica_sandbox_factory(orders=20, erp_clock=clock)
    built.clock = clock
    run(flow_dag("orders", erp="acumatica"), END)
    return built


def run(dag, logical_date=None, **kwargs):
    dag_run = dag.test(logical_date=logical_date, **kwargs) if logical_date else dag.test(**kwargs)
    assert str(dag_run.state) == "success", f"{dag.dag_id} for {logical_date} ended {dag_run.state}"
    return dag_run


def ship(sandbox, order_nbr: str, *, tracking: str | tuple[str, ...] | None, minutes: int = 5, lines=None,
         ship_via: str = "UPS"):
    """The warehouse ships a sales order (everything open, or ``lines`` {LineNbr: qty}) at END + minutes,
    in one package per tracking number."""
    sandbox.clock.at = END + timedelta(minutes=minutes)
    numbers = {"tracking_nbrs": list(tracking)} if isinstance(tracking, tuple) else {"tracking_nbr": tracking}
    return sandbox.acumatica.store.ship_order(order_nbr=order_nbr, lines=lines, ship_via=ship_via, **numbers)


def storefront_orders(sandbox) -> dict[str, dict]:
    return {str(o["orderId"]): o for o in sandbox.xcart.store.list_orders(offset=0, limit=None)[0]}


def tracking_values(order: dict) -> list[str]:
    return [entry["value"] for entry in order.get("trackingNumbers") or []]


def unshipped_web_orders(sandbox, count: int) -> list[tuple[str, dict]]:
    """(OrderNbr, storefront order) of open web sales orders whose storefront order is new, most lines first."""
    storefront = storefront_orders(sandbox)
    candidates = []
    for order in sandbox.acumatica.store.records("SalesOrder"):
        reference = str(order.get("CustomerOrder") or "")
        if order["OrderType"] != "SO" or order["Status"] != "Open" or not reference.startswith("XC-"):
            continue
        web = storefront.get(reference[3:])
        if web and web["shippingStatus"] == "N" and not tracking_values(web):
            candidates.append((order["OrderNbr"], web, len(order["Details"])))
    candidates.sort(key=lambda c: (-c[2], c[1]["orderId"]))
    assert len(candidates) >= count, f"Acumatica has only {len(candidates)} open web orders"
    return [(nbr, web) for nbr, web, _ in candidates[:count]]


def create_phone_order(sandbox) -> str:
    """A sales order keyed in Acumatica itself (no storefront reference)."""
    store = sandbox.acumatica.store
    customer = next(c for c in store.records("Customer") if c["Status"] == "Active")
    item = next(i for i in store.records("StockItem") if i["ItemStatus"] == "Active")
    order = store.put("SalesOrder", {"OrderType": "SO", "CustomerID": customer["CustomerID"],
                                     "CustomerOrder": "PHONE-42",
                                     "Details": [{"InventoryID": item["InventoryID"], "OrderQty": 2}]})
    return order["OrderNbr"]


def last_run(sandbox) -> dict:
    return sorted(sandbox.store().list_runs(pair=PAIR, flow="shipments"), key=lambda r: r["started_at"])[-1]


def outcomes(sandbox) -> dict[str, dict]:
    return {o["record_key"]: o for o in sandbox.store().list_outcomes(PAIR, "shipments", last_run(sandbox)["run_id"])}


def test_shipments_update_exactly_their_storefront_orders_once_and_a_later_shipment_completes_the_partial_one(
        sandbox, flow_dag):
    chosen = unshipped_web_orders(sandbox, 5)
    (partial_nbr, partial), others = chosen[0], chosen[1:]
    assert len(partial["items"]) >= 2, "the partial shipment needs an order with two lines or more"
    tracking = {str(web["orderId"]): f"1Z{web['orderId']:06d}A" for _, web in chosen}
    ship(sandbox, partial_nbr, tracking=tracking[str(partial["orderId"])], lines={1: 1}, minutes=2)
    boxes_key = str(others[0][1]["orderId"])
    boxes = (tracking[boxes_key], f"1Z{int(boxes_key):06d}B", f"1Z{int(boxes_key):06d}C")  # three packages
    for nbr, web in others:
        key = str(web["orderId"])
        ship(sandbox, nbr, tracking=boxes if key == boxes_key else tracking[key], ship_via="FEDEX")
    phone = ship(sandbox, create_phone_order(sandbox), tracking="PHONE-1", minutes=7)

    before = storefront_orders(sandbox)
    dag = flow_dag("shipments", erp="acumatica")
    run(dag, FIRST_RUN)
    after = storefront_orders(sandbox)
    assert {key for key in after if after[key] != before[key]} == set(tracking), "exactly the shipped web orders change"
    for key, number in tracking.items():
        assert tracking_values(after[key]).count(number) == 1
        assert after[key]["shippingStatus"] == ("P" if key == str(partial["orderId"]) else "S")
    # X-Cart's tracking rows (XLite\\Model\\OrderTrackingNumber) hold the number only: no carrier is stored.
    assert [(e["value"], e["carrier"]) for e in after[boxes_key]["trackingNumbers"]] == [(n, None) for n in boxes], \
        "every package of a shipment is published, once"
    assert [e["carrier"] for e in after[str(others[1][1]["orderId"])]["trackingNumbers"]] == [None]
    counts = last_run(sandbox)["counts"]
    assert counts["extracted"] == 6 and counts["loaded"] == 5 and counts["skipped"] == 1
    assert counts["dlq"] == 0 and counts["unaccounted"] == 0
    skipped = outcomes(sandbox)[phone["ShipmentNbr"]]
    assert skipped["outcome"] == "skipped" and "(CustomerOrder 'PHONE-42', no XC- reference)" in skipped["detail"]

    run(dag, FIRST_RUN)  # the same interval again: nothing changes, nothing is added twice
    assert storefront_orders(sandbox) == after
    counts = last_run(sandbox)["counts"]
    assert counts["loaded"] == 0 and counts["skipped"] == 6 and counts["dlq"] == 0

    key = str(partial["orderId"])
    ship(sandbox, partial_nbr, tracking="1ZREST0001", minutes=70)  # the rest of the partial order
    run(dag, LATER_RUN)
    final = storefront_orders(sandbox)
    assert {k for k in final if final[k] != after[k]} == {key}
    assert tracking_values(final[key]) == [tracking[key], "1ZREST0001"]
    assert final[key]["shippingStatus"] == "S"
    assert last_run(sandbox)["counts"]["loaded"] == 1


def test_an_order_is_never_moved_backwards(sandbox, flow_dag):
    [(nbr, delivered)] = unshipped_web_orders(sandbox, 1)
    sandbox.xcart.store.update_order(delivered["orderId"], {"shippingStatus": "D"})  # delivered already
    ship(sandbox, nbr, tracking="1ZLATE0001")
    run(flow_dag("shipments", erp="acumatica"), FIRST_RUN)
    order = storefront_orders(sandbox)[str(delivered["orderId"])]
    assert order["shippingStatus"] == "D"
    assert tracking_values(order) == ["1ZLATE0001"]


def test_bad_shipments_go_to_the_dlq_naming_record_and_field_and_one_shipment_can_be_resynced_by_key(
        sandbox, flow_dag):
    (good_nbr, good), (gone_nbr, gone), (untracked_nbr, untracked), *others = unshipped_web_orders(sandbox, 6)
    sandbox.xcart.store.delete_order(gone["orderId"])  # deleted in the storefront after it reached the ERP
    gone_ship = ship(sandbox, gone_nbr, tracking="1ZGONE0001")
    untracked_ship = ship(sandbox, untracked_nbr, tracking=None)  # the packer forgot the label
    good_ship = ship(sandbox, good_nbr, tracking="1ZGOOD0001")
    for nbr, web in others:  # enough good ones that one bad record in six stays under the gate's 25 %
        ship(sandbox, nbr, tracking=f"1ZOK{web['orderId']:06d}")

    dag = flow_dag("shipments", erp="acumatica")
    run(dag, FIRST_RUN)
    dlq = {item["record_key"]: item for item in sandbox.store().list_dlq(pair=PAIR, flow="shipments")}
    assert set(dlq) == {gone_ship["ShipmentNbr"], untracked_ship["ShipmentNbr"]}
    reason = dlq[gone_ship["ShipmentNbr"]]["reason"]
    assert dlq[gone_ship["ShipmentNbr"]]["reason_code"] == "unknown_order"
    assert f"shipment {gone_ship['ShipmentNbr']}" in reason and "order_reference" in reason
    assert f"no order {gone['orderId']}" in reason and gone_nbr in reason
    reason = dlq[untracked_ship["ShipmentNbr"]]["reason"]
    assert f"shipment {untracked_ship['ShipmentNbr']}" in reason and "Packages[].TrackingNbr" in reason
    counts = last_run(sandbox)["counts"]
    assert counts["dlq"] == 2 and counts["loaded"] == 4 and counts["unaccounted"] == 0

    # A storefront admin cleared the order's tracking; re-syncing that one shipment by key puts it back.
    sandbox.xcart.store.update_order(good["orderId"], {"trackingNumbers": [], "shippingStatus": "P"})
    run(dag, run_conf={"record_keys": [good_ship["ShipmentNbr"]]})
    order = storefront_orders(sandbox)[str(good["orderId"])]
    assert tracking_values(order) == ["1ZGOOD0001"] and order["shippingStatus"] == "S"
    assert last_run(sandbox)["counts"]["extracted"] == 1
