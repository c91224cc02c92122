"""End to end: the payments and refunds DAGs of pair xcart-acumatica (X-Cart payment transactions → Acumatica
Payments applied to the web order's sales order, and CM credit memos), run by Airflow after the orders DAG,
against the emulators, with the sync store on both backends."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from tests.integration.conftest import END

pytestmark = pytest.mark.integration

PAIR = "xcart-acumatica"
EVERYTHING = {"resync_from": "2000-01-01T00:00:00+00:00", "resync_to": END.isoformat()}
NOTHING_NEW = {"resync_from": END.isoformat(), "resync_to": (END + timedelta(minutes=1)).isoformat()}
# The storefront's clock stays inside the day, so every update it stamps falls into the runs' windows.
INSIDE_THE_DAY = lambda: (END - timedelta(minutes=30)).timestamp()  # noqa: E731
TWO_HOURS_AGO = int((END - timedelta(hours=2)).timestamp())
# payment method -> (Acumatica PaymentMethod, CashAccount), as acumatica/payment_from_canonical.yaml maps them
ACCOUNTS = {"Credit Card": ("CREDITCARD", "10200"), "PayPal": ("PAYPAL", "10250"), "Purchase Order": ("CHECK", "10100"),
            "Gift Certificate": ("GIFTCERT", "10300")}


def run(dag, **kwargs):
    dag_run = dag.test(**kwargs)
    assert str(dag_run.state) == "success", f"{dag.dag_id} ended {dag_run.state}"
    return dag_run


def sandbox_with_orders_loaded(factory, flow_dag, orders: int):
    """The sandbox after one orders run (its tenant has the non-stock item REFUND that credit memo lines use)."""
    sandbox = factory(orders=orders, clock=INSIDE_THE_DAY)
    run(flow_dag("orders", erp="acumatica"), logical_date=END)
    return sandbox


def transactions(sandbox) -> list[dict]:
    return sandbox.xcart.store.list_payment_transactions(offset=0, limit=None)[0]


def posted(tx: dict) -> bool:
    return tx["type"] in ("sale", "capture") and tx["status"] == "S"


def erp_payments(sandbox) -> dict[str, dict]:
    return {p["PaymentRef"]: p for p in sandbox.acumatica.store.records("Payment") if p["Type"] == "Payment"}


def erp_orders(sandbox) -> dict[str, dict]:
    """Web orders' sales orders by storefront order id."""
    return {o["CustomerOrder"][3:]: o for o in sandbox.acumatica.store.records("SalesOrder")
            if o["OrderType"] == "SO" and str(o.get("CustomerOrder") or "").startswith("XC-")}


def erp_credit_memos(sandbox) -> dict[str, dict]:
    return {o["CustomerOrder"]: o for o in sandbox.acumatica.store.records("SalesOrder") if o["OrderType"] == "CM"}


def last_counts(sandbox, flow: str) -> dict:
    return sorted(sandbox.store().list_runs(flow=flow), key=lambda r: r["started_at"])[-1]["counts"]


def outcomes(sandbox, flow: str) -> dict[str, dict]:
    run_id = sorted(sandbox.store().list_runs(flow=flow), key=lambda r: r["started_at"])[-1]["run_id"]
    return {o["record_key"]: o for o in sandbox.store().list_outcomes(PAIR, flow, run_id)}


def new_order(sandbox, **changes) -> dict:
    """A new storefront order (a copy of a seeded one) with nothing paid yet, placed two hours before the end."""
    template = next(o for o in sandbox.xcart.store.list_orders(offset=0, limit=None)[0]
                    if o["currency"] == "USD" and o["total"] > Decimal("20"))
    order = {key: value for key, value in template.items() if key not in ("orderId", "orderNumber")}
    order.update({"paymentStatus": "Q", "orderDate": TWO_HOURS_AGO, "updateDate": TWO_HOURS_AGO, "adminNotes": "",
                  **changes})
    return sandbox.xcart.store.create_order(order)


def pay(sandbox, order: dict, value, tx_type: str = "sale", **fields) -> dict:
    return sandbox.xcart.store.create_payment_transaction(
        {"orderId": order["orderId"], "type": tx_type, "value": Decimal(str(value)), "date": TWO_HOURS_AGO,
         "method": "Credit Card", "cardLast4": "4242", "gatewayTransactionId": f"ch_3Pit{order['orderId']}{tx_type}",
         **fields})


# -- payments ---------------------------------------------------------------------------------------------

def test_captured_payments_are_applied_to_their_sales_orders_with_the_methods_cash_account(
        acumatica_sandbox_factory, flow_dag):
    sandbox = sandbox_with_orders_loaded(acumatica_sandbox_factory, flow_dag, orders=30)
    orders_before = erp_orders(sandbox)
    run(flow_dag("payments", erp="acumatica"), run_conf=EVERYTHING)

    txs = transactions(sandbox)
    expected = {str(t["transactionId"]): t for t in txs if posted(t)}
    assert expected, "the seed must have captured payments for this test to mean anything"
    payments = erp_payments(sandbox)
    assert set(payments) == {f"XP-{key}" for key in expected}, "every captured payment, and only those, is posted"
    paid_by_order: dict[str, Decimal] = {}
    for key, tx in expected.items():
        payment = payments[f"XP-{key}"]
        order = orders_before[str(tx["orderId"])]
        assert payment["PaymentAmount"] == tx["value"] and payment["CurrencyID"] == tx["currency"]
        assert (payment["PaymentMethod"], payment["CashAccount"]) == ACCOUNTS[tx["method"]], f"payment {key}"
        assert payment.get("Description") == (tx["gatewayTransactionId"] or None), "the full gateway id, if any"
        assert payment["CustomerID"] == order["CustomerID"], "the payment is the order's customer's"
        assert [(a["OrderType"], a["OrderNbr"], a["AppliedToOrder"]) for a in payment["OrdersToApply"]] == [
            ("SO", order["OrderNbr"], tx["value"])]
        paid_by_order[str(tx["orderId"])] = paid_by_order.get(str(tx["orderId"]), Decimal(0)) + tx["value"]
    after = erp_orders(sandbox)
    for order_id, before in orders_before.items():
        assert after[order_id]["UnpaidBalance"] == before["UnpaidBalance"] - paid_by_order.get(order_id, Decimal(0))

    counts = last_counts(sandbox, "payments")
    assert counts["extracted"] == len(txs) and counts["unaccounted"] == 0
    assert counts["loaded"] == len(expected) and counts["held"] == 0 and counts["dlq"] == 0
    decided = outcomes(sandbox, "payments")
    assert decided[next(iter(expected))]["detail"].startswith("created Acumatica payment ")

    # A re-run sees the same transactions and creates nothing.
    run(flow_dag("payments", erp="acumatica"), run_conf=EVERYTHING)
    assert erp_payments(sandbox) == payments
    counts = last_counts(sandbox, "payments")
    assert counts["loaded"] == 0 and counts["skipped"] == counts["extracted"] == len(txs)


def test_a_lost_cross_reference_still_posts_no_second_payment(acumatica_sandbox_factory, flow_dag):
    import sqlalchemy

    sandbox = sandbox_with_orders_loaded(acumatica_sandbox_factory, flow_dag, orders=12)
    run(flow_dag("payments", erp="acumatica"), run_conf=EVERYTHING)
    payments = erp_payments(sandbox)
    store = sandbox.store()
    with store.engine.begin() as connection:
        connection.execute(sqlalchemy.text("DELETE FROM xref WHERE entity = 'payment'"))
    run(flow_dag("payments", erp="acumatica"), run_conf=EVERYTHING)
    assert erp_payments(sandbox) == payments, "the PaymentRef lookup found every payment"
    counts = last_counts(sandbox, "payments")
    assert counts["loaded"] == 0 and counts["skipped"] == counts["extracted"]
    rebuilt = store.get_xref(PAIR, "payment", [ref[3:] for ref in payments])
    assert {f"XP-{key}": target_id for key, (target_id, _ref) in rebuilt.items()} == {
        ref: payment["ReferenceNbr"] for ref, payment in payments.items()}


def test_a_payment_and_refund_for_an_order_acumatica_lacks_are_held_then_applied_once_it_arrives(
        acumatica_sandbox_factory, flow_dag):
    sandbox = sandbox_with_orders_loaded(acumatica_sandbox_factory, flow_dag, orders=12)
    order = new_order(sandbox)  # placed after the orders run: not in Acumatica yet
    payment = pay(sandbox, order, order["total"])
    refund = pay(sandbox, order, "5.00", "refund", parentTransactionId=payment["transactionId"])
    payments, refunds = flow_dag("payments", erp="acumatica"), flow_dag("refunds", erp="acumatica")
    run(payments, run_conf=EVERYTHING)
    run(refunds, run_conf=EVERYTHING)

    for flow, tx in (("payments", payment), ("refunds", refund)):
        [item] = sandbox.store().list_dlq(pair=PAIR, flow=flow, state="held")
        assert item["record_key"] == str(tx["transactionId"])
        assert str(tx["transactionId"]) in item["reason"] and f"order {order['orderId']}" in item["reason"]
        assert "orderId" in item["reason"] and f"XC-{order['orderId']}" in item["reason"]
    assert f"XP-{payment['transactionId']}" not in erp_payments(sandbox)

    # Runs whose window holds nothing new still fetch the held records again.
    run(payments, run_conf=NOTHING_NEW)
    assert last_counts(sandbox, "payments")["held"] == 1 and last_counts(sandbox, "payments")["extracted"] == 1

    run(flow_dag("orders", erp="acumatica"), logical_date=END)  # the order arrives in Acumatica
    run(payments, run_conf=NOTHING_NEW)
    run(refunds, run_conf=NOTHING_NEW)
    assert erp_payments(sandbox)[f"XP-{payment['transactionId']}"]["PaymentAmount"] == order["total"]
    memo = erp_credit_memos(sandbox)[f"XR-{refund['transactionId']}"]
    assert memo["OrderTotal"] == Decimal("5.00") and memo["ExternalRef"] == f"XC-{order['orderId']}"
    assert erp_orders(sandbox)[str(order["orderId"])]["UnpaidBalance"] == 0
    for flow in ("payments", "refunds"):
        assert sandbox.store().list_dlq(pair=PAIR, flow=flow, state="held") == []
        assert last_counts(sandbox, flow)["loaded"] == 1
        [item] = sandbox.store().list_dlq(pair=PAIR, flow=flow)
        assert item["state"] == "resolved"


def test_a_payment_in_another_currency_than_its_order_goes_to_the_dlq_naming_currency(acumatica_sandbox_factory,
                                                                                       flow_dag):
    sandbox = sandbox_with_orders_loaded(acumatica_sandbox_factory, flow_dag, orders=12)
    order = next(o for o in sandbox.xcart.store.list_orders(offset=0, limit=None)[0] if o["currency"] == "USD")
    foreign = sandbox.xcart.store.create_payment_transaction({
        "orderId": order["orderId"], "type": "capture", "status": "S", "value": Decimal("1.00"), "currency": "EUR",
        "method": "Credit Card", "cardLast4": "4242", "gatewayTransactionId": "ch_3PeurX", "date": TWO_HOURS_AGO,
        "updateDate": TWO_HOURS_AGO}, verbatim=True)
    run(flow_dag("payments", erp="acumatica"), run_conf=EVERYTHING)

    key = str(foreign["transactionId"])
    [item] = [i for i in sandbox.store().list_dlq(pair=PAIR, flow="payments") if i["record_key"] == key]
    assert item["state"] == "open" and item["reason_code"] == "currency_mismatch"
    assert "field currency" in item["reason"] and key in item["reason"] and "EUR" in item["reason"]
    assert f"XP-{key}" not in erp_payments(sandbox)


# -- refunds ----------------------------------------------------------------------------------------------

def test_full_and_partial_refunds_become_credit_memos_for_the_exact_amounts(acumatica_sandbox_factory, flow_dag):
    sandbox = sandbox_with_orders_loaded(acumatica_sandbox_factory, flow_dag, orders=12)
    paid = [t for t in transactions(sandbox) if posted(t) and t["value"] > Decimal("20")]
    refunded_before = {t["orderId"] for t in transactions(sandbox) if t["type"] == "refund"}
    full_tx, partial_tx = [t for t in paid if t["orderId"] not in refunded_before
                           and sum(1 for p in paid if p["orderId"] == t["orderId"]) == 1][:2]
    full = pay(sandbox, {"orderId": full_tx["orderId"]}, full_tx["value"], "refund", method=full_tx["method"],
               cardLast4=full_tx["cardLast4"], parentTransactionId=full_tx["transactionId"],
               currency=full_tx["currency"], gatewayTransactionId="re_3PfullRefund0001")
    partial = pay(sandbox, {"orderId": partial_tx["orderId"]}, "10.05", "refund", method=partial_tx["method"],
                  cardLast4=partial_tx["cardLast4"], parentTransactionId=partial_tx["transactionId"],
                  currency=partial_tx["currency"], gatewayTransactionId="re_3PpartRefund0002")
    failed = pay(sandbox, {"orderId": partial_tx["orderId"]}, "1.00", "refund", status="F",
                 method=partial_tx["method"], cardLast4=partial_tx["cardLast4"], currency=partial_tx["currency"])
    run(flow_dag("payments", erp="acumatica"), run_conf=EVERYTHING)
    refunds = flow_dag("refunds", erp="acumatica")
    run(refunds, run_conf=EVERYTHING)

    memos = erp_credit_memos(sandbox)
    succeeded = {str(t["transactionId"]): t for t in transactions(sandbox)
                 if t["type"] == "refund" and t["status"] == "S"}
    assert set(memos) == {f"XR-{key}" for key in succeeded}, "every successful refund, and only those"
    orders = erp_orders(sandbox)
    for key, tx in succeeded.items():
        memo = memos[f"XR-{key}"]
        assert memo["OrderTotal"] == tx["value"] and memo["CurrencyID"] == tx["currency"]
        assert [(line["InventoryID"], line["ExtendedPrice"]) for line in memo["Details"]] == [("REFUND", tx["value"])]
        assert memo["ExternalRef"] == f"XC-{tx['orderId']}", "it names the refunded order"
        assert memo["CustomerID"] == orders[str(tx["orderId"])]["CustomerID"], "for the order's customer"
    assert memos[f"XR-{full['transactionId']}"]["OrderTotal"] == full_tx["value"]
    assert memos[f"XR-{partial['transactionId']}"]["OrderTotal"] == Decimal("10.05")
    assert memos[f"XR-{partial['transactionId']}"]["Description"] == "re_3PpartRefund0002"
    assert f"XR-{failed['transactionId']}" not in memos
    assert f"XP-{full_tx['transactionId']}" in erp_payments(sandbox), "the refunded payment itself stays posted"

    decided = outcomes(sandbox, "refunds")
    assert decided[str(failed["transactionId"])]["outcome"] == "skipped"
    assert "not a refund" in decided[str(full_tx["transactionId"])]["detail"]
    counts = last_counts(sandbox, "refunds")
    assert counts["loaded"] == len(succeeded) and counts["dlq"] == 0 and counts["unaccounted"] == 0

    run(refunds, run_conf=EVERYTHING)
    assert erp_credit_memos(sandbox) == memos, "a re-run creates no second credit memo"
    assert last_counts(sandbox, "refunds")["loaded"] == 0


def test_without_the_tenants_refund_item_a_refund_goes_to_the_dlq_naming_it(acumatica_sandbox_factory, flow_dag):
    sandbox = sandbox_with_orders_loaded(acumatica_sandbox_factory, flow_dag, orders=8)
    sandbox.acumatica.store.delete("NonStockItem", ["REFUND"])  # a tenant set up without it
    paid = next(t for t in transactions(sandbox) if posted(t))
    refund = pay(sandbox, {"orderId": paid["orderId"]}, "1.00", "refund", currency=paid["currency"])
    run(flow_dag("refunds", erp="acumatica"), run_conf=EVERYTHING)

    [item] = [i for i in sandbox.store().list_dlq(pair=PAIR, flow="refunds")
              if i["record_key"] == str(refund["transactionId"])]
    assert item["state"] == "open" and item["reason_code"] == "erp_rejected"
    assert "Details[0].InventoryID" in item["reason"] and "REFUND" in item["reason"]
    assert f"XR-{refund['transactionId']}" not in erp_credit_memos(sandbox)
