"""Storefront payments become Intacct AR payments applied to the web order's invoice, posted once, the money
landing where the payment method says: against the emulator."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from storesync.mapping.engine import MappingEngine
from storesync.systems.intacct.orders import invoice_paid_orders
from storesync.systems.intacct.payments import load_payments
from tests.storesync.systems.intacct.support import post_orders, staged, web_order

SPEC = Path(__file__).resolve().parents[4] / "plugins/storesync/systems/intacct/mappings/payment_from_canonical.yaml"
ENGINE = MappingEngine.from_file(SPEC)


def payment(source_id: str, order_id: str, amount: str, method: str = "Credit Card", currency: str = "USD"):
    record = {"source_system": "xcart", "source_id": source_id, "order_source_id": order_id, "amount": Decimal(amount),
              "currency": currency, "method": method, "occurred_at": datetime(2026, 11, 4, 9, 30, tzinfo=UTC),
              "gateway_transaction_id": f"ch_{source_id}"}
    return source_id, staged(ENGINE.map(record))  # as the loader gets it from the sync store


def invoiced(client, *order_ids: str) -> None:
    post_orders(client, *[web_order(order_id) for order_id in order_ids])  # one mug: 2 x 9.95 = 19.90
    invoice_paid_orders(client, [f"XC-{order_id}" for order_id in order_ids], day=date(2026, 11, 4))


def ar_invoice(server, order_id: str) -> dict:
    [invoice] = [d for d in server.records("SODOCUMENT")
                 if d["DOCPARID"] == "Sales Invoice" and d["PONUMBER"] == f"XC-{order_id}"]
    return next(r for r in server.records("ARINVOICE") if r["RECORDNO"] == invoice["PRRECORDKEY"])


def test_a_card_payment_is_applied_to_the_order_s_invoice_and_lands_in_undeposited_funds(client, server):
    """developer.intacct.com ar-payments "Create AR Payment": UNDEPOSITEDACCOUNTNO, ARPYMTDETAIL RECORDKEY and
    TRX_PAYMENTAMOUNT."""
    invoiced(client, "9")
    [outcome] = load_payments(client, [payment("501", "9", "19.90")])
    [made] = server.records("ARPYMT")
    assert (outcome.outcome, outcome.target_id) == ("loaded", str(made["RECORDNO"]))
    assert (made["DOCNUMBER"], made["UNDEPOSITEDACCOUNTNO"], made["FINANCIALENTITY"], made["PAYMENTMETHOD"]) == (
        "XP-501", "1010", None, "Credit Card")
    assert (made["TOTALENTERED"], made["RECEIPTDATE"], made["CUSTOMERID"]) == (Decimal("19.90"), date(2026, 11, 4),
                                                                               "C00001")
    assert (ar_invoice(server, "9")["STATE"], ar_invoice(server, "9")["TOTALDUE"]) == ("Paid", Decimal("0.00"))


def test_a_purchase_order_payment_lands_in_the_bank_account_its_method_names(client, server):
    invoiced(client, "9")
    load_payments(client, [payment("502", "9", "5.00", method="Purchase Order")])
    [made] = server.records("ARPYMT")
    assert (made["FINANCIALENTITY"], made["UNDEPOSITEDACCOUNTNO"]) == ("BOA-OPERATING", None)
    assert ar_invoice(server, "9")["STATE"] == "Partially Paid"


def test_a_payment_posted_before_is_skipped_and_not_posted_again(client, server):
    invoiced(client, "9")
    load_payments(client, [payment("501", "9", "10.00")])
    [outcome] = load_payments(client, [payment("501", "9", "10.00")])
    assert outcome.outcome == "skipped" and len(server.records("ARPYMT")) == 1


def test_a_payment_for_an_order_not_invoiced_yet_is_held(client, server):
    post_orders(client, web_order("9"))  # a sales order, not converted yet
    [outcome] = load_payments(client, [payment("501", "9", "19.90")])
    assert (outcome.outcome, outcome.reason_code) == ("held", "order_not_in_erp")
    assert server.records("ARPYMT") == []


def test_a_payment_in_another_currency_than_its_invoice_goes_to_the_dlq_naming_currency(client, server):
    invoiced(client, "9")
    [outcome] = load_payments(client, [payment("501", "9", "19.90", currency="EUR")])
    assert (outcome.outcome, outcome.failed) == ("dlq", ["currency"])


def test_a_payment_intacct_refuses_goes_to_the_dlq_with_its_errorno_and_the_others_post(client, server):
    invoiced(client, "1", "2")
    outcomes = load_payments(client, [payment("601", "1", "19.90"), payment("602", "2", "500.00"),
                                      payment("603", "1", "0.00")])
    assert [o.outcome for o in outcomes] == ["loaded", "dlq", "dlq"]
    assert "exceeds the amount due" in outcomes[1].detail and outcomes[1].failed[0] in outcomes[1].detail
    assert "TRX_PAYMENTAMOUNT must be positive" in outcomes[2].detail
    assert [p["DOCNUMBER"] for p in server.records("ARPYMT")] == ["XP-601"]


def test_a_method_the_mapping_gives_no_account_for_goes_to_the_dlq_naming_method_before_anything_is_sent(client, server):
    invoiced(client, "9")
    key, record = payment("501", "9", "19.90", method="Purchase Order")
    record["UNDEPOSITEDACCOUNTNO"] = "1010"  # a spec naming both places
    [outcome] = load_payments(client, [(key, record)])
    assert (outcome.outcome, outcome.failed) == ("dlq", ["method"]) and server.records("ARPYMT") == []


def test_a_batch_of_payments_costs_two_look_ups_and_one_request_of_creates(client, server):
    invoiced(client, *[str(n) for n in range(1, 21)])
    server.reset_metering()
    outcomes = load_payments(client, [payment(f"5{n:02d}", str(n), "19.90") for n in range(1, 21)])
    assert all(o.outcome == "loaded" for o in outcomes)
    metered = server.metering()
    assert metered["by_function"] == {"query": 2, "create": 20} and metered["requests"] == 3


def test_a_payment_whose_answer_was_lost_is_found_and_not_posted_twice(monkeypatch, server):
    from include.sandbox.intacct import Faults
    from storesync.systems.intacct.hook import IntacctHook
    from tests.storesync.systems.intacct.support import CONN_ID, Waits, connect, fast_retry

    connect(monkeypatch, server)
    client = IntacctHook(CONN_ID).get_client(retry=fast_retry(Waits(during=lambda: setattr(server, "faults",
                                                                                            Faults()))))
    invoiced(client, "9")
    # Per call of the client: the two look-ups go through, the create runs but its answer is lost (524).
    faults_per_call = iter([Faults(), Faults(), Faults(gateway_timeout_rate=1.0)])
    execute = client.execute

    def execute_under_faults(functions, **kwargs):
        server.faults = next(faults_per_call, Faults())
        return execute(functions, **kwargs)
    monkeypatch.setattr(client, "execute", execute_under_faults)
    [outcome] = load_payments(client, [payment("501", "9", "19.90")])
    assert outcome.outcome == "skipped" and outcome.target_id == str(server.records("ARPYMT")[0]["RECORDNO"])
    assert [p["DOCNUMBER"] for p in server.records("ARPYMT")] == ["XP-501"]
