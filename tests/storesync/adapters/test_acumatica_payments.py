"""Acumatica as the target of payments (Payment applied to the web order) and refunds (CM credit memos),
against a fake client. Target records come from the shipped specs and pass through JSON like the sync store."""

from __future__ import annotations

from decimal import Decimal

import pytest

from storesync.systems.acumatica.payments import load_credit_memos, load_payments
from storesync.config.pairs import INCLUDE_DIR
from storesync.mapping import MappingEngine, load_spec
from storesync.store.types import to_json_compatible
from tests.storesync.adapters.acumatica_fake import FakeAcumatica
from storesync.systems import mapping_file

WEB_ORDER = {"OrderType": "SO", "OrderNbr": "SO000045", "CustomerID": "C000042", "CustomerOrder": "XC-45",
             "CurrencyID": "USD", "OrderTotal": Decimal("137.32")}


@pytest.fixture(scope="module")
def engines():
    return {name: MappingEngine(load_spec(mapping_file(path))) for name, path in {
        "payment_in": "xcart/payment_to_canonical.yaml", "payment_out": "acumatica/payment_from_canonical.yaml",
        "refund_in": "xcart/refund_to_canonical.yaml", "refund_out": "acumatica/refund_from_canonical.yaml"}.items()}


def transaction(transaction_id: int = 1234, order_id: int = 45, **fields) -> dict:
    return {"transactionId": transaction_id, "orderId": order_id, "parentTransactionId": None, "type": "capture",
            "status": "S", "value": Decimal("137.32"), "currency": "USD", "method": "Credit Card",
            "gatewayTransactionId": f"ch_3Pk{transaction_id}", "cardLast4": "1928", "date": 1794788602,
            "updateDate": 1794790000, **fields}


def payment(engines, **fields) -> tuple[str, dict]:
    tx = transaction(**fields)
    return str(tx["transactionId"]), to_json_compatible(engines["payment_out"].map(engines["payment_in"].map(tx)))


def refund(engines, **fields) -> tuple[str, dict]:
    tx = transaction(**{"type": "refund", "value": Decimal("10.05"), **fields})
    return str(tx["transactionId"]), to_json_compatible(engines["refund_out"].map(engines["refund_in"].map(tx)))


# -- payments -------------------------------------------------------------------------------------------------

def test_a_payment_is_applied_to_its_web_orders_sales_order_for_that_orders_customer(engines):
    client = FakeAcumatica(sales_orders=[WEB_ORDER])
    [outcome] = load_payments(client, [payment(engines)])

    assert (outcome.outcome, outcome.detail) == ("loaded", "created Acumatica payment 000001")
    assert (outcome.target_id, outcome.target_ref) == ("000001", "PMT 000001")
    [body] = client.puts("Payment")
    assert (body["Type"], body["CustomerID"], body["PaymentRef"], body["PaymentMethod"], body["CashAccount"]) == (
        "Payment", "C000042", "XP-1234", "CREDITCARD", "10200")
    assert body["PaymentAmount"] == Decimal("137.32")
    assert body["OrdersToApply"] == [{"OrderType": "SO", "OrderNbr": "SO000045", "AppliedToOrder": Decimal("137.32")}]
    assert body["Description"] == "ch_3Pk1234", "the full gateway id, for matching the bank statement"
    assert not [name for name in body if name.startswith("_")]


def test_a_payment_acumatica_already_has_is_skipped_and_nothing_is_sent(engines):
    client = FakeAcumatica(sales_orders=[WEB_ORDER], payments=[
        {"Type": "Payment", "ReferenceNbr": "000321", "PaymentRef": "XP-1234", "CustomerID": "C000042"},
        {"Type": "Refund", "ReferenceNbr": "000322", "PaymentRef": "XP-1235", "CustomerID": "C000042"}])
    records = [payment(engines), payment(engines, transaction_id=1235)]
    outcomes = {o.record_key: o for o in load_payments(client, records)}
    assert (outcomes["1234"].outcome, outcomes["1234"].target_id) == ("skipped", "000321")
    assert outcomes["1234"].detail == "already in Acumatica as payment 000321"
    assert outcomes["1235"].outcome == "loaded", "a customer refund with that reference is not the payment"
    assert [b["PaymentRef"] for b in client.puts("Payment")] == ["XP-1235"]


def test_a_payment_for_an_order_acumatica_lacks_is_held_naming_the_order(engines):
    client = FakeAcumatica(sales_orders=[{**WEB_ORDER, "OrderType": "CM"}])  # only a credit memo carries XC-45
    [outcome] = load_payments(client, [payment(engines)])
    assert (outcome.outcome, outcome.reason_code, outcome.failed) == ("held", "order_not_in_erp", ["orderId"])
    assert outcome.detail == ("payment 1234: field orderId: order 45 (sales order with CustomerOrder XC-45) is not in "
                              "Acumatica yet; payment held until the orders flow loads it")
    assert client.puts("Payment") == []


def test_a_payment_in_another_currency_than_its_order_goes_to_the_dlq_naming_currency(engines):
    client = FakeAcumatica(sales_orders=[WEB_ORDER])
    [outcome] = load_payments(client, [payment(engines, currency="eur")])
    assert (outcome.outcome, outcome.reason_code) == ("dlq", "currency_mismatch")
    assert outcome.detail.startswith("payment 1234: field currency: EUR differs from sales order SO000045 (order 45)")
    assert client.puts("Payment") == []


def test_a_refused_payment_goes_to_the_dlq_naming_the_method_behind_the_cash_account(engines):
    client = FakeAcumatica(sales_orders=[WEB_ORDER])
    client.validators["Payment"] = lambda body: ("Payment refused", {"CashAccount": "Cash account is inactive."})
    [outcome] = load_payments(client, [payment(engines)])
    assert (outcome.outcome, outcome.reason_code) == ("dlq", "erp_rejected")
    assert outcome.detail == ("payment 1234: field method (cash account) (CashAccount): Acumatica payment refused: "
                              "CashAccount: Cash account is inactive.")


def test_a_refusal_without_field_errors_keeps_acumaticas_message(engines):
    client = FakeAcumatica(sales_orders=[WEB_ORDER])
    client.validators["Payment"] = lambda body: ("The financial period is closed.", {})
    [outcome] = load_payments(client, [payment(engines)])
    assert outcome.detail == "payment 1234: Acumatica payment refused: The financial period is closed."


# -- refunds --------------------------------------------------------------------------------------------------

def test_a_refund_becomes_a_credit_memo_for_the_orders_customer_with_one_line_for_the_amount(engines):
    client = FakeAcumatica(sales_orders=[WEB_ORDER])
    record = refund(engines, transaction_id=77, gatewayTransactionId="re_3PpartRefund0002")
    [outcome] = load_credit_memos(client, [record])

    assert (outcome.outcome, outcome.detail) == ("loaded", "created Acumatica credit memo CM000001")
    assert (outcome.target_id, outcome.target_ref) == ("CM000001", "CM CM000001")
    [body] = client.puts("SalesOrder")
    assert (body["OrderType"], body["CustomerID"], body["CustomerOrder"], body["ExternalRef"], body["CurrencyID"]) == (
        "CM", "C000042", "XR-77", "XC-45", "USD")
    assert body["Description"] == "re_3PpartRefund0002"
    assert body["Details"] == [{"InventoryID": "REFUND", "OrderQty": Decimal("1"), "UnitPrice": Decimal("10.05"),
                                "ExtendedPrice": Decimal("10.05")}]
    assert not [name for name in body if name.startswith("_")]


def test_a_refund_already_credited_is_skipped_and_a_sales_order_with_its_reference_does_not_count(engines):
    client = FakeAcumatica(sales_orders=[WEB_ORDER, {"OrderType": "CM", "OrderNbr": "CM000009", "CustomerID": "C000042",
                                                     "CustomerOrder": "XR-77"},
                                         {"OrderType": "SO", "OrderNbr": "SO000099", "CustomerID": "C000042",
                                          "CustomerOrder": "XR-78"}])
    outcomes = {o.record_key: o for o in load_credit_memos(client, [refund(engines, transaction_id=77),
                                                                     refund(engines, transaction_id=78)])}
    assert (outcomes["77"].outcome, outcomes["77"].target_ref) == ("skipped", "CM CM000009")
    assert outcomes["77"].detail == "already in Acumatica as credit memo CM000009"
    assert outcomes["78"].outcome == "loaded"
    assert [b["CustomerOrder"] for b in client.puts("SalesOrder")] == ["XR-78"]


def test_a_refund_for_an_order_acumatica_lacks_is_held(engines):
    client = FakeAcumatica()
    [outcome] = load_credit_memos(client, [refund(engines, transaction_id=80, order_id=46)])
    assert (outcome.outcome, outcome.reason_code) == ("held", "order_not_in_erp")
    assert outcome.detail.startswith("refund 80: field orderId: order 46 (sales order with CustomerOrder XC-46)")


def test_a_refused_credit_memo_goes_to_the_dlq_naming_the_refund_amount(engines):
    client = FakeAcumatica(sales_orders=[WEB_ORDER])
    client.validators["SalesOrder"] = lambda body: ("refused", {"Details[0].UnitPrice": "Must not exceed 100.00."})
    [outcome] = load_credit_memos(client, [refund(engines, transaction_id=81)])
    assert (outcome.outcome, outcome.reason_code) == ("dlq", "erp_rejected")
    assert outcome.detail.startswith("refund 81: field value (Details[0].UnitPrice): Acumatica credit memo refused: ")


def test_a_payment_whose_answer_was_lost_is_not_posted_twice(engines):
    """Acumatica takes a second payment with the same PaymentRef: only the lookup before re-sending stops it."""
    from storesync.hooks.errors import TransientError

    client = FakeAcumatica(sales_orders=[WEB_ORDER])
    answers = []

    def lose_the_first_answer(entity, saved):
        answers.append(saved["ReferenceNbr"])
        if len(answers) == 1:
            raise TransientError("Acumatica PUT Payment: dropped connection")

    client.after_put = lose_the_first_answer
    [outcome] = load_payments(client, [payment(engines)])
    assert (outcome.outcome, outcome.target_id) == ("skipped", "000001")
    assert len(client.records["Payment"]) == 1
