"""End to end: the payments and refunds DAGs (X-Cart payment transactions → the ERP's payments applied to the
web order's sales order, and credit memos), run by Airflow after the orders DAG, against the sandboxes, with
the sync store on both backends.

The scenarios every ERP shares run once per ERP (Sage 500, Acumatica) through its driver
(``tests/integration/erp_drivers.py``); Acumatica's own are in ``acumatica/test_payments_flows.py``.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from tests.integration.conftest import END
from tests.integration.erp_drivers import erp_factory_fixture  # noqa: F401  (the erp_factory fixture)
from tests.integration.flow_helpers import (EVERYTHING, INSIDE_THE_INTERVAL, NOTHING_NEW, TWO_HOURS_AGO, extracted_by,
                                            flow_key, last_counts, new_order, outcomes, pay, posted, run,
                                            storefront_orders, transactions)
from tests.storesync.alerts.conftest import CHANNELS, sink  # noqa: F401  (the alert sink fixture)

pytestmark = pytest.mark.integration

PAN = "4111111111111111"


def orders_loaded(erp_factory, flow_dag, orders: int):
    """The ERP's driver after one orders run (an Acumatica tenant has the non-stock item REFUND that credit memo
    lines use)."""
    erp = erp_factory(orders=orders, clock=INSIDE_THE_INTERVAL)
    run(flow_dag("orders", erp=erp.name), logical_date=END)
    return erp


# -- payments, every ERP ----------------------------------------------------------------------------------

def test_captured_payments_are_applied_to_their_sales_orders_with_the_methods_cash_account(erp_factory, flow_dag):
    erp = orders_loaded(erp_factory, flow_dag, orders=30)
    sandbox = erp.sandbox
    orders_before = erp.web_orders()
    run(flow_dag("payments", erp=erp.name), run_conf=EVERYTHING)

    txs = transactions(sandbox)
    expected = {flow_key(t): t for t in txs if posted(t)}
    assert expected, "the seed must have captured payments for this test to mean anything"
    payments = erp.payments()
    assert set(payments) == {f"XP-{key}" for key in expected}, "every captured payment, and only those, is posted"
    paid_by_order: dict[str, Decimal] = {}
    for key, tx in expected.items():
        payment = payments[f"XP-{key}"]
        order = orders_before[str(tx["orderId"])]
        assert payment["amount"] == tx["value"] and payment["currency"] == tx["currency"]
        assert payment["account"] == erp.cash_accounts[tx["method"]], f"payment {key} ({tx['method']})"
        # The gateway id is a TransactionData cell (docs/xcart.md): the full id, if any, is kept.
        assert payment["comment"] == (tx["gatewayTransactionId"] or None), "the full gateway id, if any, is kept"
        assert payment["customer"] == order["customer"], "the payment is the order's customer's"
        assert payment["applied"] == [(order["document"], tx["value"])], "applied to the order's sales order"
        paid_by_order[str(tx["orderId"])] = paid_by_order.get(str(tx["orderId"]), Decimal(0)) + tx["value"]
    after = erp.web_orders()
    for order_id, before in orders_before.items():
        assert after[order_id]["open"] == before["open"] - paid_by_order.get(order_id, Decimal(0)), f"order {order_id}"

    read = [t for t in txs if extracted_by("payments", t)]
    counts = last_counts(sandbox, "payments")
    assert counts["extracted"] == len(read) and counts["unaccounted"] == 0
    assert counts["loaded"] == len(expected) and counts["held"] == 0 and counts["dlq"] == 0
    decided = outcomes(sandbox, erp.pair, "payments")
    for key in expected:
        assert decided[key]["detail"] == erp.payment_created.format(number=payments[f"XP-{key}"]["number"])
    for tx in txs:
        key = flow_key(tx)
        if tx["type"] == "auth" and tx["status"] == "S":
            assert decided[key]["outcome"] == "skipped" and "authorized, not captured" in decided[key]["detail"]
        if tx["type"] == "refund":  # a refund backend transaction is the refunds flow's alone
            assert key not in decided

    # A re-run sees the same transactions and creates nothing.
    run(flow_dag("payments", erp=erp.name), run_conf=EVERYTHING)
    assert erp.payments() == payments
    assert erp.web_orders() == after
    counts = last_counts(sandbox, "payments")
    assert counts["loaded"] == 0 and counts["skipped"] == counts["extracted"] == len(read)


def test_a_payment_and_refund_for_an_order_the_erp_lacks_are_held_then_applied_once_it_arrives(erp_factory, flow_dag):
    erp = orders_loaded(erp_factory, flow_dag, orders=12)
    sandbox = erp.sandbox
    order = new_order(sandbox)  # placed after the orders run: not in the ERP yet
    payment = pay(sandbox, order, order["total"])
    refund = pay(sandbox, order, "5.00", "refund", parentTransactionId=payment["transactionId"])
    payments, refunds = flow_dag("payments", erp=erp.name), flow_dag("refunds", erp=erp.name)
    run(payments, run_conf=EVERYTHING)
    run(refunds, run_conf=EVERYTHING)

    for flow, tx in (("payments", payment), ("refunds", refund)):
        [item] = sandbox.store().list_dlq(pair=erp.pair, flow=flow, state="held")
        assert item["record_key"] == flow_key(tx)
        assert flow_key(tx) in item["reason"] and f"order {order['orderId']}" in item["reason"]
        assert "orderId" in item["reason"] and erp.missing_order_hint(str(order["orderId"])) in item["reason"]
    assert f"XP-{payment['transactionId']}" not in erp.payments()

    # Runs whose window holds nothing new still fetch the held records again (and re-read the payment look-back
    # before the window, docs/xcart.md: what was already posted there is skipped).
    run(payments, run_conf=NOTHING_NEW)
    counts = last_counts(sandbox, "payments")
    assert counts["held"] == 1 and counts["extracted"] >= 1 and counts["loaded"] == 0

    run(flow_dag("orders", erp=erp.name), logical_date=END)  # the order arrives in the ERP
    run(payments, run_conf=NOTHING_NEW)
    run(refunds, run_conf=NOTHING_NEW)
    assert erp.payments()[f"XP-{payment['transactionId']}"]["amount"] == order["total"]
    memo = erp.credit_memos()[f"XR-{flow_key(refund)}"]
    assert memo["amount"] == Decimal("5.00") and memo["order_ref"] == f"XC-{order['orderId']}"
    assert erp.web_orders()[str(order["orderId"])]["open"] == 0
    for flow in ("payments", "refunds"):
        assert sandbox.store().list_dlq(pair=erp.pair, flow=flow, state="held") == []
        assert last_counts(sandbox, flow)["loaded"] == 1
        [item] = sandbox.store().list_dlq(pair=erp.pair, flow=flow)
        assert item["state"] == "resolved"


def test_a_payment_in_another_currency_than_its_order_goes_to_the_dlq_naming_currency(erp_factory, flow_dag):
    erp = orders_loaded(erp_factory, flow_dag, orders=12)
    sandbox = erp.sandbox
    order = next(o for o in storefront_orders(sandbox) if o["currency"] == "USD")
    # A payment transaction carries its own currency (XLite\\Model\\Payment\\Transaction::$currency); a capture
    # has none of its own (it is its payment transaction's), so the mismatch is a sale's.
    foreign = sandbox.xcart.store.create_payment_transaction({
        "orderId": order["orderId"], "type": "sale", "status": "S", "value": Decimal("1.00"), "currency": "EUR",
        "method": "Credit Card", "cardLast4": "4242", "gatewayTransactionId": "ch_3PeurX", "date": TWO_HOURS_AGO,
        "updateDate": TWO_HOURS_AGO}, verbatim=True)
    run(flow_dag("payments", erp=erp.name), run_conf=EVERYTHING)

    key = str(foreign["transactionId"])
    [item] = [i for i in sandbox.store().list_dlq(pair=erp.pair, flow="payments") if i["record_key"] == key]
    assert item["state"] == "open" and item["reason_code"] == "currency_mismatch"
    assert "field currency" in item["reason"] and key in item["reason"] and "EUR" in item["reason"]
    assert f"XP-{key}" not in erp.payments()


def test_a_declined_payment_creates_nothing_and_raises_one_alert(erp_factory, flow_dag, sink):  # noqa: F811
    erp = erp_factory(orders=12, clock=INSIDE_THE_INTERVAL)
    sandbox = erp.sandbox
    path = Path(os.environ["STORESYNC_PAIRS_DIR"]) / f"{erp.pair}.yaml"
    pair = yaml.safe_load(path.read_text())
    pair["alerts"] = {"channels": CHANNELS, "dlq_growth_threshold": 1}
    path.write_text(yaml.safe_dump(pair))
    from storesync.config.pairs import load_pairs

    load_pairs.cache_clear()
    run(flow_dag("orders", erp=erp.name), logical_date=END)
    order = next(o for o in storefront_orders(sandbox) if o["currency"] == "USD")
    open_before = erp.web_orders()[str(order["orderId"])]["open"]
    declined = [pay(sandbox, order, "19.99", status="F"), pay(sandbox, order, "19.99", status="F", method="PayPal",
                                                                cardLast4=None)]
    payments_dag = flow_dag("payments", erp=erp.name)
    dag_run = run(payments_dag, run_conf=EVERYTHING)

    payments = erp.payments()
    assert payments, "the captured payments of the same run are posted"
    for tx in declined:
        assert f"XP-{tx['transactionId']}" not in payments, "a declined payment never becomes an ERP transaction"
    captured = sum((t["value"] for t in transactions(sandbox) if t["orderId"] == order["orderId"] and posted(t)),
                   Decimal(0))
    assert erp.web_orders()[str(order["orderId"])]["open"] == open_before - captured, "nothing else was applied"
    decided = outcomes(sandbox, erp.pair, "payments")
    for tx in declined:
        assert decided[str(tx["transactionId"])]["outcome"] == "skipped"
        assert "declined" in decided[str(tx["transactionId"])]["detail"]
    assert sink.wait_for(webhooks=1)
    alerts = [w["body"] for w in sink.webhooks if w["body"]["kind"] == "declined_payment"]

    def natural(line: str) -> tuple[int, str]:  # record keys: digits in order, then b<id> (backend) keys
        key = line.split()[1][:-1]
        return (int(key), "") if key.isdigit() else (1 << 62, key)

    assert len(alerts) == 1, "one grouped alert per run"
    assert alerts[0]["run_id"] == dag_run.run_id and alerts[0]["dag_id"] == f"payments__xcart__{erp.name}"
    alerted = [t for t in transactions(sandbox) if t["type"] != "refund"
               and (t["status"] in ("F", "C", "V") or (t["type"] == "void" and t["status"] == "S"))]
    assert alerts[0]["details"] == sorted(alerts[0]["details"], key=natural)
    assert len(alerts[0]["details"]) == len(alerted), "every declined, failed or voided payment, in one message"
    for tx in declined:
        assert any(f"payment {tx['transactionId']}:" in line for line in alerts[0]["details"])

    # The next run sees them again (overlapping window): still skipped, not alerted a second time.
    sink.reset()
    run(payments_dag, run_conf=EVERYTHING)
    assert outcomes(sandbox, erp.pair, "payments")[str(declined[0]["transactionId"])]["outcome"] == "skipped"
    sink.wait_for(webhooks=1, timeout=1.0)
    assert [w for w in sink.webhooks if w["body"]["kind"] == "declined_payment"] == []


def test_no_card_number_reaches_the_sync_store_only_the_last_four_digits(erp_factory, flow_dag):
    import sqlalchemy

    erp = orders_loaded(erp_factory, flow_dag, orders=8)
    sandbox = erp.sandbox
    order = new_order(sandbox)  # nothing paid yet: the leaky capture has an open amount to apply to
    run(flow_dag("orders", erp=erp.name), logical_date=END)
    auth = pay(sandbox, order, order["total"], "auth")
    leaky = [  # a payment module that leaks the card into the transaction (injected as the API returns it)
        {"orderId": order["orderId"], "type": "capture", "status": "S", "value": Decimal("0.50"), "currency": "USD",
         "method": "Credit Card", "cardLast4": "1111", "cardNumber": "4111 1111 1111 1111", "cvv": "123",
         "gatewayTransactionId": f"ch_{PAN}", "date": TWO_HOURS_AGO, "updateDate": TWO_HOURS_AGO},
        {"orderId": order["orderId"], "type": "refund", "status": "S", "value": Decimal("0.25"), "currency": "USD",
         "method": "Credit Card", "cardLast4": "1111", "gatewayTransactionId": f"re_{PAN}", "card_number": PAN,
         "date": TWO_HOURS_AGO, "updateDate": TWO_HOURS_AGO},
    ]
    for record in leaky:  # a backend transaction belongs to a payment transaction of the order
        record["parentTransactionId"] = auth["transactionId"]
    leaky_payment, leaky_refund = [sandbox.xcart.store.create_payment_transaction(record, verbatim=True)
                                   for record in leaky]
    run(flow_dag("payments", erp=erp.name), run_conf=EVERYTHING)
    run(flow_dag("refunds", erp=erp.name), run_conf=EVERYTHING)

    store = sandbox.store()
    dump = []
    metadata = sqlalchemy.MetaData()
    metadata.reflect(bind=store.engine)
    with store.engine.connect() as connection:
        for table in metadata.sorted_tables:
            dump += [json.dumps([str(value) for value in row]) for row in connection.execute(sqlalchemy.select(table))]
    text = "\n".join(dump)
    # X-Cart's transaction entities carry no card digits at all (docs/xcart.md); the store holds the transactions.
    assert f'"{flow_key(leaky_payment)}"' in text and f'"{flow_key(leaky_refund)}"' in text
    for leaked in (PAN, "4111 1111 1111 1111", "4111-1111-1111-1111"):
        assert leaked not in text
    assert f"XP-{flow_key(leaky_payment)}" in erp.payments(), "the leaky payment reached the ERP"
    assert f"XR-{flow_key(leaky_refund)}" in erp.credit_memos(), "the leaky refund reached the ERP"
    in_erp = json.dumps([erp.payment_texts(), erp.credit_memos()], default=str)
    assert PAN not in in_erp


# -- refunds, every ERP -----------------------------------------------------------------------------------

def test_full_and_partial_refunds_become_credit_memos_for_the_exact_amounts(erp_factory, flow_dag):
    erp = orders_loaded(erp_factory, flow_dag, orders=12)
    sandbox = erp.sandbox
    paid = [t for t in transactions(sandbox) if posted(t) and t["value"] > Decimal("20")]
    assert paid
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
                 method=partial_tx["method"], cardLast4=partial_tx["cardLast4"], currency=partial_tx["currency"],
                 parentTransactionId=partial_tx["transactionId"])
    run(flow_dag("payments", erp=erp.name), run_conf=EVERYTHING)
    refunds = flow_dag("refunds", erp=erp.name)
    run(refunds, run_conf=EVERYTHING)

    memos = erp.credit_memos()
    succeeded = {flow_key(t): t for t in transactions(sandbox)
                 if t["type"] == "refund" and t["status"] == "S"}
    assert set(memos) == {f"XR-{key}" for key in succeeded}, "every successful refund, and only those"
    orders = erp.web_orders()
    for key, tx in succeeded.items():
        memo = memos[f"XR-{key}"]
        assert memo["amount"] == tx["value"] and memo["currency"] == tx["currency"]
        assert memo["lines"] == erp.refund_lines(tx["value"])
        assert memo["order_ref"] == f"XC-{tx['orderId']}", "it names the refunded order"
        assert memo["customer"] == memo["order_customer"] == orders[str(tx["orderId"])]["customer"], \
            "for the order's customer"
    assert memos[f"XR-{flow_key(full)}"]["amount"] == full_tx["value"]
    assert memos[f"XR-{flow_key(partial)}"]["amount"] == Decimal("10.05")
    assert memos[f"XR-{flow_key(partial)}"]["comment"] == "re_3PpartRefund0002"  # a BackendTransactionData cell
    assert f"XR-{flow_key(failed)}" not in memos
    assert f"XP-{flow_key(full_tx)}" in erp.payments(), "the refunded payment itself stays posted"

    decided = outcomes(sandbox, erp.pair, "refunds")
    assert decided[flow_key(failed)]["outcome"] == "skipped"
    assert flow_key(full_tx) not in decided, "the refunds flow reads refund backend transactions only"
    counts = last_counts(sandbox, "refunds")
    assert counts["loaded"] == len(succeeded) and counts["dlq"] == 0 and counts["unaccounted"] == 0

    run(refunds, run_conf=EVERYTHING)
    assert erp.credit_memos() == memos, "a re-run creates no second credit memo"
    assert last_counts(sandbox, "refunds")["loaded"] == 0
