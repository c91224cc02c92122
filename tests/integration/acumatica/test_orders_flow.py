"""End to end: the real orders DAG of pair xcart-acumatica, run by Airflow (``dag.test``), against the X-Cart
emulator and the Acumatica emulator (contract-based REST), with the sync store on both backends."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest

from tests.integration.conftest import END

pytestmark = pytest.mark.integration

PAIR = "xcart-acumatica"
# The storefront's clock stays inside the interval, so orders touched by the write-back are extracted again
# on a re-run of the same interval (otherwise their new updateDate would move them to a later interval).
INSIDE_THE_INTERVAL = lambda: (END - timedelta(minutes=30)).timestamp()  # noqa: E731


def run(dag, logical_date):
    dag_run = dag.test(logical_date=logical_date)
    assert str(dag_run.state) == "success", f"run for {logical_date} ended {dag_run.state}"
    return dag_run


def web_orders(sandbox) -> list[dict]:
    """Acumatica's sales orders (type SO) that carry a storefront reference, full (lines and addresses)."""
    return [o for o in sandbox.acumatica.store.records("SalesOrder")
            if o["OrderType"] == "SO" and str(o.get("CustomerOrder") or "").startswith("XC-")]


def erp_order_refs(sandbox) -> Counter:
    return Counter(o["CustomerOrder"][3:] for o in web_orders(sandbox))


def storefront_orders(sandbox) -> list[dict]:
    return sandbox.xcart.store.list_orders(offset=0, limit=None)[0]


def last_run_counts(sandbox) -> dict:
    return sorted(sandbox.store().list_runs(flow="orders"), key=lambda r: r["started_at"])[-1]["counts"]


def orders_updated_in_window(sandbox) -> int:
    window_start = END - timedelta(days=1, minutes=15)
    return sandbox.xcart.store.list_orders(update_from=int(window_start.timestamp()), update_to=int(END.timestamp()))[1]


def inject_scenarios(sandbox) -> dict[str, object]:
    """The sandbox's bad and hostile orders (include/sandbox/scenarios.py), placed two hours before the end."""
    from include.sandbox.scenarios import SCENARIOS, build_order

    template = next(o for o in storefront_orders(sandbox)
                    if o["customerInfo"].get("profileId") and len(o["items"]) >= 2)
    timestamp = int((END - timedelta(hours=2)).timestamp())
    return {str(sandbox.xcart.store.create_order(build_order(template, scenario, timestamp=timestamp))["orderId"]):
            scenario for scenario in SCENARIOS}


def test_every_order_becomes_exactly_one_sales_order_or_a_dlq_entry_naming_order_and_field(
        acumatica_sandbox_factory, flow_dag):
    sandbox = acumatica_sandbox_factory(orders=40)
    injected = inject_scenarios(sandbox)
    run(flow_dag("orders", erp="acumatica"), END)

    in_erp = erp_order_refs(sandbox)
    dlq = {item["record_key"]: item for item in sandbox.store().list_dlq(pair=PAIR, flow="orders")}
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
    assert "ShipToAddress.City" in city["reason"], "a mapping refusal names the Acumatica field"


def test_running_the_same_interval_again_creates_nothing(acumatica_sandbox_factory, flow_dag):
    sandbox = acumatica_sandbox_factory(orders=30, clock=INSIDE_THE_INTERVAL)
    dag = flow_dag("orders", erp="acumatica")
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


def test_a_lost_cross_reference_still_creates_no_second_sales_order(acumatica_sandbox_factory, flow_dag):
    """A crash between Acumatica's create and the sync store's xref write: the CustomerOrder lookup finds it."""
    import sqlalchemy

    sandbox = acumatica_sandbox_factory(orders=20, clock=INSIDE_THE_INTERVAL)
    dag = flow_dag("orders", erp="acumatica")
    run(dag, END)
    first = {o["CustomerOrder"]: o["OrderNbr"] for o in web_orders(sandbox)}
    still_in_window = orders_updated_in_window(sandbox)
    store = sandbox.store()
    with store.engine.begin() as connection:
        connection.execute(sqlalchemy.text("DELETE FROM xref"))
    run(dag, END)
    assert {o["CustomerOrder"]: o["OrderNbr"] for o in web_orders(sandbox)} == first
    counts = last_run_counts(sandbox)
    assert counts["loaded"] == 0 and counts["skipped"] == still_in_window >= 10
    rebuilt = store.get_xref(PAIR, "order", [ref[3:] for ref in first])
    assert len(rebuilt) == still_in_window, "the cross-reference is rebuilt"
    assert all(target_id == first[f"XC-{key}"] for key, (target_id, _ref) in rebuilt.items()), \
        "with Acumatica's own order numbers"


def test_acumatica_order_numbers_are_written_back_to_the_storefront(acumatica_sandbox_factory, flow_dag):
    sandbox = acumatica_sandbox_factory(orders=10)
    run(flow_dag("orders", erp="acumatica"), END)
    number_by_ref = {o["CustomerOrder"]: o["OrderNbr"] for o in web_orders(sandbox)}
    for order in storefront_orders(sandbox):
        order_nbr = number_by_ref[f"XC-{order['orderId']}"]
        assert order["adminNotes"].count(f"[ERP SO {order_nbr}]") == 1


def test_the_sales_order_carries_the_storefront_id_number_totals_and_lines_exactly(acumatica_sandbox_factory, flow_dag):
    sandbox = acumatica_sandbox_factory(orders=12)
    run(flow_dag("orders", erp="acumatica"), END)
    by_ref = {o["CustomerOrder"]: o for o in web_orders(sandbox)}
    customer_by_email = {str(c["MainContact"].get("Email") or "").lower(): c["CustomerID"]
                         for c in sandbox.acumatica.store.records("Customer")}
    discounted = 0
    for order in storefront_orders(sandbox):
        sales_order = by_ref[f"XC-{order['orderId']}"]
        email = str(order["customerInfo"].get("email") or "").strip().lower()
        assert sales_order["CustomerID"] == customer_by_email.get(email, "WEBGUEST"), "matched by e-mail, else guest"
        assert sales_order["ExternalRef"] == str(order["orderNumber"])
        assert sales_order["CurrencyID"] == order["currency"]
        assert sales_order["OrderTotal"] == Decimal(str(order["total"])), \
            "Acumatica's computed total is the storefront's"
        assert sales_order["TaxTotal"] == Decimal(str(order["taxAmount"]))
        assert [(line["InventoryID"], line["OrderQty"]) for line in sales_order["Details"]] == [
            (item["sku"], Decimal(str(item["amount"]))) for item in order["items"]]
        assert sales_order["Hold"] is (Decimal(str(order["total"])) > Decimal("5000.00"))
        discounted += Decimal(str(order["discountValue"])) > 0
    assert discounted, "some seeded orders carry a discount, or the totals check proves less than it says"
    assert {o["CustomerID"] for o in by_ref.values()} - {"WEBGUEST"}, "some buyers are known to Acumatica"


def test_with_guest_customers_created_a_new_buyer_gets_one_acumatica_customer_for_all_their_orders(
        acumatica_sandbox_factory, flow_dag):
    sandbox = acumatica_sandbox_factory(orders=6, orders_options={"guest_customers": "create"})
    template = storefront_orders(sandbox)[0]
    stamp = int((END - timedelta(hours=1)).timestamp())
    buyer = {"profileId": None, "anonymous": True, "login": "first.time@example.net", "email": "First.Time@example.net",
             "firstname": "Émile", "lastname": "D'Arcy"}
    copy = {k: v for k, v in template.items() if k not in ("orderId", "orderNumber")}
    copy.update(customerInfo=buyer, orderDate=stamp, updateDate=stamp)
    created = [sandbox.xcart.store.create_order(dict(copy)) for _ in range(2)]
    run(flow_dag("orders", erp="acumatica"), END)

    by_ref = {o["CustomerOrder"]: o for o in web_orders(sandbox)}
    customers = {by_ref[f"XC-{o['orderId']}"]["CustomerID"] for o in created}
    assert len(customers) == 1, "one customer for both orders"
    [customer_id] = customers
    assert customer_id.startswith("XG")
    customer = sandbox.acumatica.store.get("Customer", [customer_id])
    assert customer["MainContact"]["Email"].lower() == "first.time@example.net"
    assert customer["CustomerName"] == "Émile D'Arcy"
