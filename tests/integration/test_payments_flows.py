"""End to end: the payments and refunds DAGs (X-Cart payment transactions → Sage 500 receipts and credit
memos), run by Airflow after the orders DAG, against the sandboxes, on both backends."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from tests.integration.conftest import END
from tests.storesync.alerts.conftest import CHANNELS, sink  # noqa: F401  (the alert sink fixture)

pytestmark = pytest.mark.integration

PAIR = "xcart-sage500"
EVERYTHING = {"resync_from": "2000-01-01T00:00:00+00:00", "resync_to": END.isoformat()}
NOTHING_NEW = {"resync_from": END.isoformat(), "resync_to": (END + timedelta(minutes=1)).isoformat()}
# The storefront's clock stays inside the day, so every update it stamps falls into the runs' windows.
INSIDE_THE_DAY = lambda: (END - timedelta(minutes=30)).timestamp()  # noqa: E731
TWO_HOURS_AGO = int((END - timedelta(hours=2)).timestamp())
CASH_ACCOUNT = {"Credit Card": "1030-00", "PayPal": "1020-00", "Purchase Order": "1010-00",
                "Gift Certificate": "1010-00"}
PAN = "4111111111111111"


def run(dag, **kwargs):
    dag_run = dag.test(**kwargs)
    assert str(dag_run.state) == "success", f"{dag.dag_id} ended {dag_run.state}"
    return dag_run


def transactions(sandbox) -> list[dict]:
    return sandbox.xcart.store.list_payment_transactions(offset=0, limit=None)[0]


def posted(tx: dict) -> bool:
    return tx["type"] in ("sale", "capture") and tx["status"] == "S"


def erp_payments(sandbox) -> dict[str, dict]:
    rows = sandbox.erp_rows(
        "SELECT p.UserFld1, p.TranAmt, p.CurrID, a.GLAcctNo, p.TranCmnt, p.CustKey, p.CustPmtKey FROM tarCustPmt p "
        "JOIN tglAccount a ON a.GLAcctKey = p.CashAcctKey")
    return {r[0].strip(): {"amount": Decimal(str(r[1])), "currency": r[2].strip(), "account": r[3].strip(),
                           "comment": r[4], "cust_key": r[5], "key": r[6]} for r in rows}


def erp_credit_memos(sandbox) -> dict[str, dict]:
    rows = sandbox.erp_rows(
        "SELECT i.UserFld1, i.TranAmt, i.CurrID, i.CustKey, o.UserFld1, o.CustKey, i.TranCmnt FROM tarInvoice i "
        "JOIN tsoSalesOrder o ON o.SOKey = i.ApplyToSOKey WHERE i.TranType = 502")
    return {r[0].strip(): {"amount": Decimal(str(r[1])), "currency": r[2].strip(), "cust_key": r[3],
                           "order_ref": r[4].strip(), "order_cust_key": r[5], "comment": r[6]} for r in rows}


def erp_orders(sandbox) -> dict[str, dict]:
    rows = sandbox.erp_rows("SELECT UserFld1, TranAmt, OpenAmt, SOKey, CustKey FROM tsoSalesOrder")
    return {r[0].strip()[3:]: {"total": Decimal(str(r[1])), "open": Decimal(str(r[2])), "so_key": r[3],
                               "cust_key": r[4]} for r in rows if r[0]}


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

def test_captured_payments_are_applied_to_their_orders_with_the_methods_cash_account(sandbox_factory, flow_dag,
                                                                                     orders_dag):
    sandbox = sandbox_factory(orders=30, clock=INSIDE_THE_DAY)
    run(orders_dag(), logical_date=END)
    orders_before = erp_orders(sandbox)
    run(flow_dag("payments"), run_conf=EVERYTHING)

    txs = transactions(sandbox)
    expected = {str(t["transactionId"]): t for t in txs if posted(t)}
    assert expected, "the seed must have captured payments for this test to mean anything"
    payments = erp_payments(sandbox)
    assert set(payments) == {f"XP-{key}" for key in expected}, "every captured payment, and only those, is posted"
    paid_by_order: dict[str, Decimal] = {}
    for key, tx in expected.items():
        payment = payments[f"XP-{key}"]
        assert payment["amount"] == tx["value"] and payment["currency"] == tx["currency"]
        assert payment["account"] == CASH_ACCOUNT[tx["method"]], f"payment {key} ({tx['method']})"
        assert payment["comment"] == tx["gatewayTransactionId"], "the full gateway id is kept in TranCmnt"
        order = orders_before[str(tx["orderId"])]
        assert payment["cust_key"] == order["cust_key"], "the payment is the order's customer's"
        paid_by_order[str(tx["orderId"])] = paid_by_order.get(str(tx["orderId"]), Decimal(0)) + tx["value"]
        applied = sandbox.erp_rows("SELECT ApplyToSOKey, ApplAmt FROM tarCustPmtAppl WHERE CustPmtKey = ?", payment["key"])
        assert [(so_key, Decimal(str(amount))) for so_key, amount in applied] == [(order["so_key"], tx["value"])]
    after = erp_orders(sandbox)
    for order_id, before in orders_before.items():
        assert after[order_id]["open"] == before["open"] - paid_by_order.get(order_id, Decimal(0)), f"order {order_id}"

    counts = last_counts(sandbox, "payments")
    assert counts["extracted"] == len(txs) and counts["unaccounted"] == 0
    assert counts["loaded"] == len(expected) and counts["held"] == 0 and counts["dlq"] == 0
    decided = outcomes(sandbox, "payments")
    for tx in txs:
        key = str(tx["transactionId"])
        if tx["type"] == "auth" and tx["status"] == "S":
            assert decided[key]["outcome"] == "skipped" and "authorized, not captured" in decided[key]["detail"]
        if tx["type"] == "refund":
            assert decided[key]["outcome"] == "skipped" and "refunds flow" in decided[key]["detail"]

    # A re-run sees the same transactions and creates nothing.
    run(flow_dag("payments"), run_conf=EVERYTHING)
    assert erp_payments(sandbox) == payments
    assert erp_orders(sandbox) == after
    counts = last_counts(sandbox, "payments")
    assert counts["loaded"] == 0 and counts["skipped"] == counts["extracted"] == len(txs)


def test_a_declined_payment_creates_nothing_and_raises_one_alert(sandbox_factory, flow_dag, orders_dag, sink):  # noqa: F811
    sandbox = sandbox_factory(orders=12, clock=INSIDE_THE_DAY)
    path = Path(os.environ["STORESYNC_PAIRS_DIR"]) / f"{PAIR}.yaml"
    pair = yaml.safe_load(path.read_text())
    pair["alerts"] = {"channels": CHANNELS, "dlq_growth_threshold": 1}
    path.write_text(yaml.safe_dump(pair))
    from storesync.config.pairs import load_pairs

    load_pairs.cache_clear()
    run(orders_dag(), logical_date=END)
    order = next(o for o in sandbox.xcart.store.list_orders(offset=0, limit=None)[0] if o["currency"] == "USD")
    open_before = erp_orders(sandbox)[str(order["orderId"])]["open"]
    declined = [pay(sandbox, order, "19.99", status="F"), pay(sandbox, order, "19.99", status="F", method="PayPal",
                                                                cardLast4=None)]
    dag_run = run(flow_dag("payments"), run_conf=EVERYTHING)

    payments = erp_payments(sandbox)
    assert payments, "the captured payments of the same run are posted"
    for tx in declined:
        assert f"XP-{tx['transactionId']}" not in payments, "a declined payment never becomes an ERP transaction"
    captured = sum((t["value"] for t in transactions(sandbox) if t["orderId"] == order["orderId"] and posted(t)),
                   Decimal(0))
    assert erp_orders(sandbox)[str(order["orderId"])]["open"] == open_before - captured, "nothing else was applied"
    decided = outcomes(sandbox, "payments")
    for tx in declined:
        assert decided[str(tx["transactionId"])]["outcome"] == "skipped"
        assert "declined" in decided[str(tx["transactionId"])]["detail"]
    assert sink.wait_for(webhooks=1)
    alerts = [w["body"] for w in sink.webhooks if w["body"]["kind"] == "declined_payment"]
    assert len(alerts) == 1, "one grouped alert per run"
    assert alerts[0]["run_id"] == dag_run.run_id and alerts[0]["dag_id"] == "payments__xcart__sage500"
    alerted = [t for t in transactions(sandbox) if t["type"] != "refund"
               and (t["status"] in ("F", "C", "V") or (t["type"] == "void" and t["status"] == "S"))]
    assert alerts[0]["details"] == sorted(alerts[0]["details"], key=lambda line: int(line.split()[1][:-1]))
    assert len(alerts[0]["details"]) == len(alerted), "every declined, failed or voided payment, in one message"
    for tx in declined:
        assert any(f"payment {tx['transactionId']}:" in line for line in alerts[0]["details"])

    # The next run sees them again (overlapping window): still skipped, not alerted a second time.
    sink.reset()
    run(flow_dag("payments"), run_conf=EVERYTHING)
    assert outcomes(sandbox, "payments")[str(declined[0]["transactionId"])]["outcome"] == "skipped"
    sink.wait_for(webhooks=1, timeout=1.0)
    assert [w for w in sink.webhooks if w["body"]["kind"] == "declined_payment"] == []


def test_a_payment_and_refund_for_an_order_the_erp_lacks_are_held_then_applied_once_it_arrives(
        sandbox_factory, flow_dag, orders_dag):
    sandbox = sandbox_factory(orders=12, clock=INSIDE_THE_DAY)
    run(orders_dag(), logical_date=END)
    order = new_order(sandbox)  # placed after the orders run: not in the ERP yet
    payment = pay(sandbox, order, order["total"])
    refund = pay(sandbox, order, "5.00", "refund", parentTransactionId=payment["transactionId"])
    payments, refunds = flow_dag("payments"), flow_dag("refunds")
    run(payments, run_conf=EVERYTHING)
    run(refunds, run_conf=EVERYTHING)

    for flow, tx in (("payments", payment), ("refunds", refund)):
        [item] = sandbox.store().list_dlq(flow=flow, state="held")
        assert item["record_key"] == str(tx["transactionId"])
        assert str(tx["transactionId"]) in item["reason"] and f"order {order['orderId']}" in item["reason"]
        assert "orderId" in item["reason"]
    assert f"XP-{payment['transactionId']}" not in erp_payments(sandbox)

    # Runs whose window holds nothing new still fetch the held records again.
    run(payments, run_conf=NOTHING_NEW)
    assert last_counts(sandbox, "payments")["held"] == 1 and last_counts(sandbox, "payments")["extracted"] == 1

    run(orders_dag(), logical_date=END)  # the order arrives in the ERP
    run(payments, run_conf=NOTHING_NEW)
    run(refunds, run_conf=NOTHING_NEW)
    assert erp_payments(sandbox)[f"XP-{payment['transactionId']}"]["amount"] == order["total"]
    assert erp_credit_memos(sandbox)[f"XR-{refund['transactionId']}"]["amount"] == Decimal("5.00")
    assert erp_orders(sandbox)[str(order["orderId"])]["open"] == 0
    for flow in ("payments", "refunds"):
        assert sandbox.store().list_dlq(flow=flow, state="held") == []
        assert last_counts(sandbox, flow)["loaded"] == 1
        [item] = sandbox.store().list_dlq(flow=flow)
        assert item["state"] == "resolved"


def test_a_payment_in_another_currency_than_its_order_goes_to_the_dlq_naming_currency(sandbox_factory, flow_dag,
                                                                                       orders_dag):
    sandbox = sandbox_factory(orders=12, clock=INSIDE_THE_DAY)
    run(orders_dag(), logical_date=END)
    order = next(o for o in sandbox.xcart.store.list_orders(offset=0, limit=None)[0] if o["currency"] == "USD")
    foreign = sandbox.xcart.store.create_payment_transaction({
        "orderId": order["orderId"], "type": "capture", "status": "S", "value": Decimal("1.00"), "currency": "EUR",
        "method": "Credit Card", "cardLast4": "4242", "gatewayTransactionId": "ch_3PeurX", "date": TWO_HOURS_AGO,
        "updateDate": TWO_HOURS_AGO}, verbatim=True)
    run(flow_dag("payments"), run_conf=EVERYTHING)

    key = str(foreign["transactionId"])
    [item] = [i for i in sandbox.store().list_dlq(flow="payments") if i["record_key"] == key]
    assert item["state"] == "open" and item["reason_code"] == "currency_mismatch"
    assert "field currency" in item["reason"] and key in item["reason"] and "EUR" in item["reason"]
    assert f"XP-{key}" not in erp_payments(sandbox)


# -- refunds ----------------------------------------------------------------------------------------------

def test_full_and_partial_refunds_become_credit_memos_for_the_exact_amounts(sandbox_factory, flow_dag, orders_dag):
    sandbox = sandbox_factory(orders=12, clock=INSIDE_THE_DAY)
    run(orders_dag(), logical_date=END)
    paid = [t for t in transactions(sandbox) if posted(t) and t["value"] > Decimal("20")]
    paid_ids = {t["orderId"] for t in paid}
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
    assert paid_ids
    run(flow_dag("payments"), run_conf=EVERYTHING)
    refunds = flow_dag("refunds")
    run(refunds, run_conf=EVERYTHING)

    memos = erp_credit_memos(sandbox)
    succeeded = {str(t["transactionId"]): t for t in transactions(sandbox) if t["type"] == "refund" and t["status"] == "S"}
    assert set(memos) == {f"XR-{key}" for key in succeeded}, "every successful refund, and only those"
    orders = erp_orders(sandbox)
    for key, tx in succeeded.items():
        memo = memos[f"XR-{key}"]
        assert memo["amount"] == tx["value"] and memo["currency"] == tx["currency"]
        assert memo["order_ref"] == f"XC-{tx['orderId']}", "applied to the refunded order"
        assert memo["cust_key"] == memo["order_cust_key"] == orders[str(tx["orderId"])]["cust_key"]
    assert memos[f"XR-{full['transactionId']}"]["amount"] == Decimal("%s" % full_tx["value"])
    assert memos[f"XR-{partial['transactionId']}"]["amount"] == Decimal("10.05")
    assert memos[f"XR-{partial['transactionId']}"]["comment"] == "re_3PpartRefund0002"
    assert f"XR-{failed['transactionId']}" not in memos
    assert f"XP-{full_tx['transactionId']}" in erp_payments(sandbox), "the refunded payment itself stays posted"

    decided = outcomes(sandbox, "refunds")
    assert decided[str(failed["transactionId"])]["outcome"] == "skipped"
    assert decided[str(full_tx["transactionId"])]["outcome"] == "skipped"
    assert "not a refund" in decided[str(full_tx["transactionId"])]["detail"]
    counts = last_counts(sandbox, "refunds")
    assert counts["loaded"] == len(succeeded) and counts["dlq"] == 0 and counts["unaccounted"] == 0

    run(refunds, run_conf=EVERYTHING)
    assert erp_credit_memos(sandbox) == memos, "a re-run creates no second credit memo"
    assert last_counts(sandbox, "refunds")["loaded"] == 0


# -- privacy ----------------------------------------------------------------------------------------------

def test_no_card_number_reaches_the_sync_store_only_the_last_four_digits(sandbox_factory, flow_dag, orders_dag):
    import sqlalchemy

    sandbox = sandbox_factory(orders=8, clock=INSIDE_THE_DAY)
    run(orders_dag(), logical_date=END)
    order = next(o for o in sandbox.xcart.store.list_orders(offset=0, limit=None)[0] if o["currency"] == "USD")
    leaky = [  # a payment module that leaks the card into the transaction (injected as the API returns it)
        {"orderId": order["orderId"], "type": "capture", "status": "S", "value": Decimal("0.50"), "currency": "USD",
         "method": "Credit Card", "cardLast4": "1111", "cardNumber": "4111 1111 1111 1111", "cvv": "123",
         "gatewayTransactionId": f"ch_{PAN}", "date": TWO_HOURS_AGO, "updateDate": TWO_HOURS_AGO},
        {"orderId": order["orderId"], "type": "refund", "status": "S", "value": Decimal("0.25"), "currency": "USD",
         "method": "Credit Card", "cardLast4": "1111", "gatewayTransactionId": f"re_{PAN}", "card_number": PAN,
         "date": TWO_HOURS_AGO, "updateDate": TWO_HOURS_AGO},
    ]
    for record in leaky:
        sandbox.xcart.store.create_payment_transaction(record, verbatim=True)
    run(flow_dag("payments"), run_conf=EVERYTHING)
    run(flow_dag("refunds"), run_conf=EVERYTHING)

    store = sandbox.store()
    dump = []
    metadata = sqlalchemy.MetaData()
    metadata.reflect(bind=store.engine)
    with store.engine.connect() as connection:
        for table in metadata.sorted_tables:
            dump += [json.dumps([str(value) for value in row]) for row in connection.execute(sqlalchemy.select(table))]
    text = "\n".join(dump)
    assert "4242" in text or "1111" in text, "the store holds the transactions (with their last four digits)"
    for leaked in (PAN, "4111 1111 1111 1111", "4111-1111-1111-1111"):
        assert leaked not in text
    erp = json.dumps(sandbox.erp_rows("SELECT TranCmnt, UserFld1, UserFld2 FROM tarCustPmt"), default=str)
    assert PAN not in erp
