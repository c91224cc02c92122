"""Which X-Cart payment transactions the payments and refunds flows carry, and why the others are skipped."""

from __future__ import annotations

from decimal import Decimal

import pytest

from storesync.adapters.skips import AlertingSkip
from storesync.systems.xcart.adapter import XCartAdapter
from storesync.systems.xcart.payments import STATUSES, TYPES, payment_out_of_scope, refund_out_of_scope


def tx(type_: str, status: str, **fields) -> dict:
    return {"transactionId": 7, "orderId": 45, "type": type_, "status": status, "value": Decimal("12.30"),
            "currency": "USD", "method": "Credit Card", "cardLast4": "4242", **fields}


@pytest.mark.parametrize("type_", ["sale", "capture"])
def test_successful_sales_and_captures_are_posted(type_):
    assert payment_out_of_scope(tx(type_, "S"), {}) is None


def test_an_authorization_is_skipped_as_not_captured():
    reason = payment_out_of_scope(tx("auth", "S"), {})
    assert "authorized, not captured" in reason and "payment 7" in reason and "order 45" in reason
    assert getattr(reason, "alert", None) is None


@pytest.mark.parametrize(("type_", "status", "word"), [
    ("sale", "F", "declined"), ("capture", "F", "declined"), ("auth", "F", "declined"),
    ("sale", "C", "canceled"), ("capture", "V", "voided"), ("void", "S", "voided"),
])
def test_declined_failed_and_voided_payments_are_skipped_and_alerted(type_, status, word):
    reason = payment_out_of_scope(tx(type_, status), {})
    assert isinstance(reason, AlertingSkip) and reason.alert == "declined_payment"
    assert word in reason and "never posted" in reason and "12.30 USD" in reason


@pytest.mark.parametrize("status", ["I", "P", "W"])
def test_pending_transactions_wait_without_an_alert(status):
    reason = payment_out_of_scope(tx("capture", status), {})
    assert "pending" in reason and not isinstance(reason, AlertingSkip)


@pytest.mark.parametrize("status", STATUSES)
def test_refunds_are_left_to_the_refunds_flow(status):
    reason = payment_out_of_scope(tx("refund", status), {})
    assert "refunds flow" in reason and not isinstance(reason, AlertingSkip)


@pytest.mark.parametrize("record", [tx("chargeback", "S"), tx("sale", "X"), tx(None, "S"), tx("sale", None), "junk"])
def test_unknown_codes_stay_in_the_payments_flow_for_its_gate(record):
    assert payment_out_of_scope(record, {}) is None


def test_only_successful_refunds_become_credit_memos():
    assert refund_out_of_scope(tx("refund", "S"), {}) is None
    assert "nothing was paid back" in refund_out_of_scope(tx("refund", "F"), {})
    assert "once it succeeds" in refund_out_of_scope(tx("refund", "W"), {})
    assert refund_out_of_scope(tx("refund", "Q"), {}) is None  # unknown status: the raw gate names it


@pytest.mark.parametrize("type_", [*(t for t in TYPES if t != "refund"), "chargeback", None])
def test_every_other_transaction_is_skipped_by_the_refunds_flow(type_):
    reason = refund_out_of_scope(tx(type_, "S"), {})
    assert "not a refund" in reason and "payments flow" in reason


def test_each_transaction_is_carried_or_gated_by_exactly_one_flow():
    for type_ in (*TYPES, "chargeback"):
        for status in (*STATUSES, "X"):
            record = tx(type_, status)
            in_payments = payment_out_of_scope(record, {}) is None
            in_refunds = refund_out_of_scope(record, {}) is None
            assert not (in_payments and in_refunds), (type_, status)


def test_the_xcart_adapter_dispatches_by_entity():
    adapter = XCartAdapter(conn_id="unused", client=object())
    assert "refunds flow" in adapter.out_of_scope("payment", tx("refund", "S"))
    assert "not a refund" in adapter.out_of_scope("refund", tx("sale", "S"))
    assert adapter.out_of_scope("order", {"orderId": 1}) is None


def test_an_alerting_skip_is_plain_text_to_everything_else():
    reason = AlertingSkip("payment 7: declined", "declined_payment")
    assert reason == "payment 7: declined" and str(reason) == "payment 7: declined" and reason.alert == "declined_payment"
