"""End to end: the real orders DAG, run by Airflow (``dag.test``), against the X-Cart sandbox and an ERP's, with
the sync store on both backends.

The scenarios every ERP shares run once per ERP (Sage 500, Acumatica) through its driver
(``tests/integration/erp_drivers.py``).
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest

from tests.integration.conftest import END
from tests.integration.erp_drivers import erp_factory_fixture  # noqa: F401  (the erp_factory fixture)
from tests.integration.flow_helpers import (INSIDE_THE_INTERVAL, inject_scenarios, last_counts,
                                            orders_read_by_a_run, run, storefront_orders)

pytestmark = pytest.mark.integration


# -- every ERP --------------------------------------------------------------------------------------------

def test_every_order_becomes_exactly_one_sales_order_or_a_dlq_entry_naming_order_and_field(erp_factory, flow_dag):
    erp = erp_factory(orders=40)
    sandbox = erp.sandbox
    injected = inject_scenarios(sandbox)
    run(flow_dag("orders", erp=erp.name), logical_date=END)

    in_erp = erp.web_order_refs()
    dlq = {item["record_key"]: item for item in sandbox.store().list_dlq(pair=erp.pair, flow="orders")}
    all_ids = {str(o["orderId"]) for o in storefront_orders(sandbox)}
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
        assert scenario.field in item["reason"].lower(), \
            f"{scenario.name}: reason does not name the field: {item['reason']}"
    assert set(dlq) == {k for k, s in injected.items() if s.expect != "loaded"}, "only the bad orders are quarantined"
    [city] = [item for key, item in dlq.items() if injected[key].name.startswith("city longer")]
    assert erp.city_field in city["reason"], f"a mapping refusal names the {erp.label} field"


@pytest.mark.sync_store_semantics
def test_running_the_same_interval_again_creates_nothing(erp_factory, flow_dag):
    erp = erp_factory(orders=30, clock=INSIDE_THE_INTERVAL)
    dag = flow_dag("orders", erp=erp.name)
    run(dag, logical_date=END)
    first = erp.web_order_refs()
    assert len(first) == 30
    still_in_window = orders_read_by_a_run(erp.sandbox)
    assert still_in_window >= 15, "the re-run must see most orders again for this test to mean anything"
    run(dag, logical_date=END)
    assert erp.web_order_refs() == first
    counts = last_counts(erp.sandbox, "orders")
    assert counts["extracted"] == still_in_window
    assert counts["loaded"] == 0 and counts["skipped"] == still_in_window and counts["written_back"] == 0


@pytest.mark.sync_store_semantics
def test_a_lost_cross_reference_still_creates_no_second_sales_order(erp_factory, flow_dag):
    """A crash between the ERP's commit and the sync store's xref write: the ERP, searched by the order's
    reference, is the source of truth."""
    import sqlalchemy

    erp = erp_factory(orders=20, clock=INSIDE_THE_INTERVAL)
    dag = flow_dag("orders", erp=erp.name)
    run(dag, logical_date=END)
    first, orders = erp.web_order_refs(), erp.web_orders()
    still_in_window = orders_read_by_a_run(erp.sandbox)
    store = erp.sandbox.store()
    with store.engine.begin() as connection:
        connection.execute(sqlalchemy.text("DELETE FROM xref"))
    run(dag, logical_date=END)
    assert erp.web_order_refs() == first
    assert {key: o["number"] for key, o in erp.web_orders().items()} == {key: o["number"] for key, o in orders.items()}
    counts = last_counts(erp.sandbox, "orders")
    assert counts["loaded"] == 0 and counts["skipped"] == still_in_window >= 10
    rebuilt = store.get_xref(erp.pair, "order", list(first))
    assert len(rebuilt) == still_in_window, "the cross-reference is rebuilt"
    assert all(target_id == orders[key]["xref"] for key, (target_id, _ref) in rebuilt.items()), \
        f"with {erp.label}'s own keys"


def test_erp_order_numbers_are_written_back_to_the_storefront(erp_factory, flow_dag):
    erp = erp_factory(orders=10)
    run(flow_dag("orders", erp=erp.name), logical_date=END)
    number_by_id = {key: o["number"] for key, o in erp.web_orders().items()}
    for order in storefront_orders(erp.sandbox):
        assert order["adminNotes"].count(f"[ERP SO {number_by_id[str(order['orderId'])]}]") == 1


def test_the_sales_order_carries_the_storefront_id_number_totals_and_lines_exactly(erp_factory, flow_dag):
    erp = erp_factory(orders=12)
    run(flow_dag("orders", erp=erp.name), logical_date=END)
    orders = storefront_orders(erp.sandbox)
    assert erp.web_order_refs() == Counter(str(o["orderId"]) for o in orders), "one sales order per order"
    by_id = erp.web_orders()
    customer_by_email = erp.customers_by_email()
    discounted = 0
    for order in orders:
        sales_order = by_id[str(order["orderId"])]
        email = str(order["customerInfo"].get("email") or "").strip().lower()
        assert sales_order["customer"] == customer_by_email.get(email, "WEBGUEST"), "matched by e-mail, else guest"
        assert sales_order["reference"] == erp.external_reference(order)
        assert sales_order["currency"] == order["currency"]
        assert sales_order["total"] == Decimal(str(order["total"])), f"{erp.label}'s total is the storefront's"
        assert sales_order["tax"] == Decimal(str(order["taxAmount"]))
        assert sales_order["lines"] == [(item["sku"], Decimal(str(item["amount"]))) for item in order["items"]]
        assert sales_order["hold"] is (Decimal(str(order["total"])) > Decimal("5000.00"))
        discounted += Decimal(str(order["discountValue"])) > 0
    assert discounted, "some seeded orders carry a discount, or the totals check proves less than it says"
    assert {o["customer"] for o in by_id.values()} - {"WEBGUEST"}, f"some buyers are known to {erp.label}"


def test_with_guest_customers_created_a_new_buyer_gets_one_erp_customer_for_all_their_orders(erp_factory, flow_dag):
    erp = erp_factory(orders=6, orders_options={"guest_customers": "create"})
    template = storefront_orders(erp.sandbox)[0]
    stamp = int((END - timedelta(hours=1)).timestamp())
    buyer = {"profileId": None, "anonymous": True, "login": "first.time@example.net", "email": "First.Time@example.net",
             "firstname": "Émile", "lastname": "D'Arcy"}
    copy = {k: v for k, v in template.items() if k not in ("orderId", "orderNumber")}
    copy.update(customerInfo=buyer, orderDate=stamp, updateDate=stamp)
    created = [erp.sandbox.xcart.store.create_order(dict(copy)) for _ in range(2)]
    run(flow_dag("orders", erp=erp.name), logical_date=END)

    by_id = erp.web_orders()
    customers = {by_id[str(o["orderId"])]["customer"] for o in created}
    assert len(customers) == 1, "one customer for both orders"
    [customer_id] = customers
    assert customer_id.startswith("XG")
    customer = erp.customer(customer_id)
    assert customer["email"].lower() == "first.time@example.net"
    assert customer["name"] == "Émile D'Arcy"


def test_a_backfill_over_consecutive_intervals_loads_each_order_once(erp_factory, flow_dag):
    erp = erp_factory(orders=40, days=3)
    dag = flow_dag("orders", erp=erp.name)
    for days_back in (2, 1, 0, 1):  # the last run repeats an interval, as a partial re-run of a backfill would
        run(dag, logical_date=END - timedelta(days=days_back))
    in_erp = erp.web_order_refs()
    assert sorted(in_erp) == sorted(str(o["orderId"]) for o in storefront_orders(erp.sandbox))
    assert set(in_erp.values()) == {1}


def test_quotes_sql_and_non_ascii_text_is_stored_exactly(erp_factory, flow_dag):
    from include.sandbox.scenarios import SCENARIOS, build_order

    erp = erp_factory(orders=5)
    template = storefront_orders(erp.sandbox)[0]
    hostile = next(s for s in SCENARIOS if s.expect == "loaded")
    stamp = int((END - timedelta(hours=1)).timestamp())
    created = erp.sandbox.xcart.store.create_order(build_order(template, hostile, timestamp=stamp))
    run(flow_dag("orders", erp=erp.name), logical_date=END)
    assert erp.ship_to(str(created["orderId"])) == [("Zoë'); DROP TABLE x;-- Ørsted-O'Brien", '1 "Quoted" Straße')]
    assert erp.snapshot()["sales_orders"], "nothing was dropped"


def test_a_run_stopped_by_its_quality_gate_ends_failed_not_green(erp_factory, flow_dag):
    erp = erp_factory(orders=12)
    for order in storefront_orders(erp.sandbox)[:8]:
        erp.sandbox.xcart.store.create_order({**order, "orderId": order["orderId"] + 1000, "currency": "XXX"})
    dag_run = flow_dag("orders", erp=erp.name).test(logical_date=END)
    assert str(dag_run.state) == "failed"
    states = {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}
    assert states["validate_raw"] == "failed"
    assert states["report"] == "success", "the report still records what happened"
    assert erp.snapshot()["sales_orders"] == {}, "nothing past the gate ran"
