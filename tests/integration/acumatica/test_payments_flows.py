"""End to end: what only Acumatica has in the payments and refunds DAGs of pair xcart-acumatica (a payment
found again by its PaymentRef, the tenant's REFUND item on credit memo lines), run by Airflow after the orders
DAG, against the emulators, with the sync store on both backends. The scenarios every ERP shares are in
``tests/integration/test_payments_flows.py``."""

from __future__ import annotations

import pytest

from tests.integration.conftest import END
from tests.integration.erp_drivers import AcumaticaDriver
from tests.integration.flow_helpers import (EVERYTHING, INSIDE_THE_INTERVAL, flow_key, last_counts, pay, posted, run,
                                            transactions)

pytestmark = pytest.mark.integration


def orders_loaded(acumatica_sandbox_factory, flow_dag, orders: int) -> AcumaticaDriver:
    erp = AcumaticaDriver(acumatica_sandbox_factory(orders=orders, clock=INSIDE_THE_INTERVAL))
    run(flow_dag("orders", erp=erp.name), logical_date=END)
    return erp


@pytest.mark.sync_store_semantics
def test_a_lost_cross_reference_still_posts_no_second_payment(acumatica_sandbox_factory, flow_dag):
    import sqlalchemy

    erp = orders_loaded(acumatica_sandbox_factory, flow_dag, orders=12)
    run(flow_dag("payments", erp=erp.name), run_conf=EVERYTHING)
    payments = erp.payments()
    store = erp.sandbox.store()
    with store.engine.begin() as connection:
        connection.execute(sqlalchemy.text("DELETE FROM xref WHERE entity = 'payment'"))
    run(flow_dag("payments", erp=erp.name), run_conf=EVERYTHING)
    assert erp.payments() == payments, "the PaymentRef lookup found every payment"
    counts = last_counts(erp.sandbox, "payments")
    assert counts["loaded"] == 0 and counts["skipped"] == counts["extracted"]
    rebuilt = store.get_xref(erp.pair, "payment", [ref[3:] for ref in payments])
    assert {f"XP-{key}": target_id for key, (target_id, _ref) in rebuilt.items()} == {
        ref: payment["number"] for ref, payment in payments.items()}


def test_without_the_tenants_refund_item_a_refund_goes_to_the_dlq_naming_it(acumatica_sandbox_factory, flow_dag):
    erp = orders_loaded(acumatica_sandbox_factory, flow_dag, orders=8)
    erp.store.delete("NonStockItem", ["REFUND"])  # a tenant set up without it
    paid = next(t for t in transactions(erp.sandbox) if posted(t))
    refund = pay(erp.sandbox, {"orderId": paid["orderId"]}, "1.00", "refund", currency=paid["currency"],
                 parentTransactionId=paid["transactionId"])  # a backend transaction of the order's payment
    run(flow_dag("refunds", erp=erp.name), run_conf=EVERYTHING)

    [item] = [i for i in erp.sandbox.store().list_dlq(pair=erp.pair, flow="refunds")
              if i["record_key"] == flow_key(refund)]
    assert item["state"] == "open" and item["reason_code"] == "erp_rejected"
    assert "Details[0].InventoryID" in item["reason"] and "REFUND" in item["reason"]
    assert f"XR-{flow_key(refund)}" not in erp.credit_memos()
