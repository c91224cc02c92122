"""End to end: the real orders DAG, run by Airflow (``dag.test``), against the X-Cart and Sage 500 sandboxes."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from tests.integration.conftest import END

pytestmark = pytest.mark.integration


def inject_scenarios(xcart) -> dict[str, dict]:
    from include.sandbox.scenarios import SCENARIOS, build_order

    orders, _ = xcart.store.list_orders(offset=0, limit=None)
    template = next(o for o in orders if o["customerInfo"].get("profileId") and len(o["items"]) >= 2)
    timestamp = int((END - timedelta(hours=2)).timestamp())
    injected = {}
    for scenario in SCENARIOS:
        created = xcart.store.create_order(build_order(template, scenario, timestamp=timestamp))
        injected[str(created["orderId"])] = scenario
    return injected


def erp_order_refs(sandbox) -> Counter:
    rows = sandbox.erp_rows("SELECT UserFld1 FROM tsoSalesOrder WHERE UserFld1 LIKE 'XC-%'")
    return Counter(row[0].strip()[3:] for row in rows)


def run(dag, logical_date):
    dag_run = dag.test(logical_date=logical_date)
    assert str(dag_run.state) == "success", f"run for {logical_date} ended {dag_run.state}"
    return dag_run


def test_every_order_becomes_exactly_one_sales_order_or_a_dlq_entry_with_its_field(sandbox_factory, orders_dag):
    sandbox = sandbox_factory(orders=40)
    injected = inject_scenarios(sandbox.xcart)
    run(orders_dag(), END)

    in_erp = erp_order_refs(sandbox)
    dlq = {item["record_key"]: item for item in sandbox.store().list_dlq(flow="orders")}
    all_ids = {str(o["orderId"]) for o in sandbox.xcart.store.list_orders(offset=0, limit=None)[0]}
    assert all_ids == set(in_erp) | set(dlq), "every storefront order is a sales order or a DLQ entry"
    assert set(in_erp).isdisjoint(dlq)
    assert max(in_erp.values()) == 1
    for order_id, scenario in injected.items():
        if scenario.expect == "loaded":
            assert order_id in in_erp, scenario.name
            continue
        item = dlq.get(order_id)
        assert item is not None, f"{scenario.name}: order {order_id} is neither loaded nor in the DLQ"
        assert item["state"] == ("held" if scenario.expect == "held" else "open"), scenario.name
        assert order_id in item["reason"], f"{scenario.name}: reason does not name the order: {item['reason']}"
        assert scenario.field in item["reason"].lower(), f"{scenario.name}: reason does not name the field: {item['reason']}"
    assert set(dlq) == {k for k, s in injected.items() if s.expect != "loaded"}, "only the bad orders are quarantined"


# The storefront's clock stays inside the interval, so orders touched by the write-back are extracted again
# on a re-run of the same interval (otherwise their new updateDate would move them to a later interval).
INSIDE_THE_INTERVAL = lambda: (END - timedelta(minutes=30)).timestamp()  # noqa: E731


def orders_updated_in_window(sandbox) -> int:
    """Orders whose updateDate lies in the run's window (the write-back may have moved some past its end)."""
    window_start = END - timedelta(days=1, minutes=15)
    return sandbox.xcart.store.list_orders(update_from=int(window_start.timestamp()), update_to=int(END.timestamp()))[1]


def last_run_counts(sandbox) -> dict:
    return sorted(sandbox.store().list_runs(flow="orders"), key=lambda r: r["started_at"])[-1]["counts"]


def test_running_the_same_interval_again_creates_nothing(sandbox_factory, orders_dag):
    sandbox = sandbox_factory(orders=30, clock=INSIDE_THE_INTERVAL)
    dag = orders_dag()
    run(dag, END)
    first = erp_order_refs(sandbox)
    assert len(first) == 30
    still_in_window = orders_updated_in_window(sandbox)
    assert still_in_window >= 15, "the re-run must see most orders again for this test to mean anything"
    run(dag, END)
    assert erp_order_refs(sandbox) == first
    counts = last_run_counts(sandbox)
    assert counts["extracted"] == still_in_window
    assert counts["loaded"] == 0 and counts["skipped"] == still_in_window and counts["written_back"] == 0


def test_a_lost_cross_reference_still_creates_no_second_sales_order(sandbox_factory, orders_dag):
    """A crash between the ERP commit and the sync store's xref write leaves the ERP as the source of truth."""
    import sqlalchemy

    sandbox = sandbox_factory(orders=20, clock=INSIDE_THE_INTERVAL)
    dag = orders_dag()
    run(dag, END)
    first = erp_order_refs(sandbox)
    still_in_window = orders_updated_in_window(sandbox)
    store = sandbox.store()
    with store.engine.begin() as connection:
        connection.execute(sqlalchemy.text("DELETE FROM xref"))
    run(dag, END)
    assert erp_order_refs(sandbox) == first
    counts = last_run_counts(sandbox)
    assert counts["loaded"] == 0 and counts["skipped"] == still_in_window >= 10
    assert len(store.get_xref("xcart-sage500", "order", list(first))) == still_in_window, "the cross-reference is rebuilt"


def test_a_backfill_over_consecutive_intervals_loads_each_order_once(sandbox_factory, orders_dag):
    sandbox = sandbox_factory(orders=40, days=3)
    dag = orders_dag()
    for days_back in (2, 1, 0, 1):  # the last run repeats an interval, as a partial re-run of a backfill would
        run(dag, END - timedelta(days=days_back))
    in_erp = erp_order_refs(sandbox)
    orders = sandbox.xcart.store.list_orders(offset=0, limit=None)[0]
    assert sorted(in_erp) == sorted(str(o["orderId"]) for o in orders)
    assert set(in_erp.values()) == {1}


def test_erp_order_numbers_are_written_back_to_the_storefront(sandbox_factory, orders_dag):
    sandbox = sandbox_factory(orders=10)
    run(orders_dag(), END)
    tran_by_ref = dict(sandbox.erp_rows("SELECT UserFld1, TranNo FROM tsoSalesOrder"))
    for order in sandbox.xcart.store.list_orders(offset=0, limit=None)[0]:
        tran_no = tran_by_ref[f"XC-{order['orderId']}"].strip()
        assert order["adminNotes"].count(f"[ERP SO {tran_no}]") == 1


def test_the_sales_order_carries_the_storefront_id_totals_and_lines_exactly(sandbox_factory, orders_dag):
    from decimal import Decimal

    sandbox = sandbox_factory(orders=8)
    run(orders_dag(), END)
    order = sandbox.xcart.store.list_orders(offset=0, limit=None)[0][0]
    header = sandbox.erp_rows(
        "SELECT SOKey, CustPONo, CurrID, TranAmt FROM tsoSalesOrder WHERE UserFld1 = ?", f"XC-{order['orderId']}")
    assert len(header) == 1
    so_key, cust_po, currency, amount = header[0]
    assert cust_po.strip() == str(order["orderId"])
    assert currency.strip() == order["currency"]
    assert Decimal(str(amount)) == Decimal(str(order["total"]))
    lines = sandbox.erp_rows("SELECT COUNT(*) FROM tsoSOLine WHERE SOKey = ?", so_key)
    assert lines[0][0] == len(order["items"])


def test_quotes_sql_and_non_ascii_text_is_stored_exactly(sandbox_factory, orders_dag):
    from include.sandbox.scenarios import SCENARIOS, build_order

    sandbox = sandbox_factory(orders=5)
    template = sandbox.xcart.store.list_orders(offset=0, limit=None)[0][0]
    hostile = next(s for s in SCENARIOS if s.expect == "loaded")
    created = sandbox.xcart.store.create_order(build_order(template, hostile, timestamp=int((END - timedelta(hours=1)).timestamp())))
    run(orders_dag(), END)
    rows = sandbox.erp_rows(
        "SELECT a.AddrName, a.AddrLine1 FROM tsoSalesOrder s JOIN tciAddress a ON a.AddrKey = s.ShipToAddrKey "
        "WHERE s.UserFld1 = ?", f"XC-{created['orderId']}")
    assert rows == [("Zoë'); DROP TABLE x;-- Ørsted-O'Brien", '1 "Quoted" Straße')]
    assert sandbox.erp_rows("SELECT COUNT(*) FROM tsoSalesOrder")[0][0] > 0  # nothing was dropped


def test_a_run_stopped_by_its_quality_gate_ends_failed_not_green(sandbox_factory, orders_dag):
    sandbox = sandbox_factory(orders=12)
    for order in sandbox.xcart.store.list_orders(offset=0, limit=None)[0][:8]:
        sandbox.xcart.store.create_order({**order, "orderId": order["orderId"] + 1000, "currency": "XXX"})
    dag_run = orders_dag().test(logical_date=END)
    assert str(dag_run.state) == "failed"
    states = {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}
    assert states["validate_raw"] == "failed"
    assert states["report"] == "success", "the report still records what happened"
    assert sandbox.erp_rows("SELECT COUNT(*) FROM tsoSalesOrder")[0][0] == 0, "nothing past the gate ran"


def test_with_guest_customers_created_a_new_buyer_gets_one_erp_customer_for_all_their_orders(sandbox_factory, orders_dag):
    sandbox = sandbox_factory(orders=6, orders_options={"guest_customers": "create"})
    template = sandbox.xcart.store.list_orders(offset=0, limit=None)[0][0]
    stamp = int((END - timedelta(hours=1)).timestamp())
    buyer = {"profileId": None, "anonymous": True, "login": "first.time@example.net", "email": "First.Time@example.net",
             "firstname": "Émile", "lastname": "D'Arcy"}
    created = [sandbox.xcart.store.create_order({**{k: v for k, v in template.items() if k not in ("orderId", "orderNumber")},
                                                 "customerInfo": buyer, "orderDate": stamp, "updateDate": stamp})
               for _ in range(2)]
    run(orders_dag(), END)
    rows = sandbox.erp_rows(
        "SELECT c.CustID, s.UserFld1 FROM tsoSalesOrder s JOIN tarCustomer c ON c.CustKey = s.CustKey "
        "WHERE s.UserFld1 IN (?, ?)", *[f"XC-{o['orderId']}" for o in created])
    assert len(rows) == 2 and len({cust for cust, _ in rows}) == 1, "one customer for both orders"
    cust_id = rows[0][0].strip()
    assert cust_id.startswith("XG")
    [(email,)] = sandbox.erp_rows("SELECT t.EMailAddr FROM tarCustomer c JOIN tciContact t ON t.CntctKey = c.PrimaryCntctKey "
                                  "WHERE c.CustID = ?", cust_id)
    assert email.strip().lower() == "first.time@example.net"
