"""The shipped payment and refund specs: X-Cart transaction -> canonical Payment/Refund -> Sage 500 staging row."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from storesync.canonical_payments import Payment, PaymentKind, Refund, TransactionStatus
from storesync.config.pairs import INCLUDE_DIR
from storesync.errors import InvalidValue
from storesync.mapping import MappingEngine, RecordMappingError, load_spec
from storesync.systems import mapping_file



@pytest.fixture(scope="module")
def engines():
    return {name: MappingEngine(load_spec(mapping_file(path))) for name, path in {
        "payment_in": "xcart/payment_to_canonical.yaml", "payment_out": "sage500/payment_from_canonical.yaml",
        "refund_in": "xcart/refund_to_canonical.yaml", "refund_out": "sage500/refund_from_canonical.yaml"}.items()}


def xcart_tx(**fields) -> dict:
    return {"transactionId": 1234, "orderId": 45, "parentTransactionId": None, "type": "capture", "status": "S",
            "value": Decimal("137.32"), "currency": "usd ", "method": "Credit Card",
            "gatewayTransactionId": "ch_3PkLzE1v3dBPiCtiJOQ8qZS9", "cardLast4": "1928",
            "date": 1794788602, "updateDate": 1794790000, **fields}


def test_a_capture_maps_to_a_canonical_payment(engines):
    payment = Payment.from_dict(engines["payment_in"].map(xcart_tx()))
    assert payment == Payment(
        source_system="xcart", source_id="1234", order_source_id="45", kind=PaymentKind.CAPTURE,
        status=TransactionStatus.SUCCEEDED, amount=Decimal("137.32"), currency="USD", method="Credit Card",
        gateway_transaction_id="ch_3PkLzE1v3dBPiCtiJOQ8qZS9", card_last4="1928",
        occurred_at=datetime.fromtimestamp(1794788602, UTC))
    assert Payment.from_dict(payment.to_dict()) == payment
    assert payment.to_dict()["amount"] == "137.32"


@pytest.mark.parametrize(("code", "status"), [("S", "succeeded"), ("F", "declined"), ("C", "failed"),
                                                ("V", "voided"), ("I", "pending"), ("P", "pending"), ("W", "pending")])
def test_every_xcart_status_has_a_canonical_status(engines, code, status):
    assert engines["payment_in"].map(xcart_tx(status=code))["status"] == status


def test_unknown_codes_are_errors_naming_the_field(engines):
    with pytest.raises(RecordMappingError) as caught:
        engines["payment_in"].map(xcart_tx(type="chargeback", status="Z"))
    assert {e.field for e in caught.value.errors} == {"kind", "status"}


@pytest.mark.parametrize(("method", "account", "method_id"), [
    ("Credit Card", "1030-00", "CREDITCARD"), ("PayPal", "1020-00", "PAYPAL"),
    ("Purchase Order", "1010-00", "PO"), ("Gift Certificate", "1010-00", "GIFTCERT")])
def test_the_payment_method_picks_the_gl_cash_account(engines, method, account, method_id):
    canonical = engines["payment_in"].map(xcart_tx(method=method))
    row = engines["payment_out"].map(canonical)["row"]
    assert (row["CashAcctID"], row["PmtMethID"]) == (account, method_id)


def test_a_payment_becomes_a_staging_row_applied_to_the_web_order(engines):
    target = engines["payment_out"].map(engines["payment_in"].map(xcart_tx()))
    assert target == {"row": {
        "TranNo": "P000001234", "TranDate": date(2026, 11, 16), "CurrID": "USD", "TranAmt": Decimal("137.32"),
        "PmtMethID": "CREDITCARD", "CashAcctID": "1030-00", "ApplyToTranNo": "W000000045",
        "TranCmnt": "ch_3PkLzE1v3dBPiCtiJOQ8qZS9", "UserFld1": "XP-1234", "UserFld2": "XC-45"}, "order_id": "45"}


def test_a_method_without_a_cash_account_is_an_error_naming_the_method(engines):
    canonical = engines["payment_in"].map(xcart_tx(method="Bitcoin"))
    with pytest.raises(RecordMappingError) as caught:
        engines["payment_out"].map(canonical)
    assert [e.field for e in caught.value.errors] == ["row.CashAcctID"]
    assert "Bitcoin" in str(caught.value)


def test_references_are_checked_never_cut(engines):
    canonical = engines["payment_in"].map(xcart_tx(transactionId=10**12, gatewayTransactionId="x" * 51))
    with pytest.raises(RecordMappingError) as caught:
        engines["payment_out"].map(canonical)
    assert {e.field for e in caught.value.errors} == {"row.TranNo", "row.TranCmnt", "row.UserFld1"}


def test_card_data_other_than_the_last_four_digits_is_refused(engines):
    with pytest.raises(RecordMappingError):
        engines["payment_in"].map(xcart_tx(cardLast4="[card ****1111]"))
    with pytest.raises(InvalidValue):
        Payment.from_dict({**engines["payment_in"].map(xcart_tx()), "card_last4": "41111"})


def test_a_refund_maps_to_a_credit_memo_row(engines):
    refund = Refund.from_dict(engines["refund_in"].map(xcart_tx(type="refund", value=Decimal("10.05"),
                                                                 gatewayTransactionId="re_3Pabc")))
    assert (refund.amount, refund.reason, refund.gateway_transaction_id) == (Decimal("10.05"), None, "re_3Pabc")
    assert Refund.from_dict(refund.to_dict()) == refund
    target = engines["refund_out"].map(refund.to_dict())
    assert target == {"row": {
        "TranNo": "R000001234", "TranDate": date(2026, 11, 16), "CurrID": "USD", "TranAmt": Decimal("10.05"),
        "ApplyToTranNo": "W000000045", "TranCmnt": "re_3Pabc", "UserFld1": "XR-1234", "UserFld2": "XC-45"},
        "order_id": "45"}


def test_a_refund_without_a_gateway_id_keeps_its_reason(engines):
    refund = {**engines["refund_in"].map(xcart_tx(type="refund", gatewayTransactionId=None)), "reason": "damaged"}
    assert engines["refund_out"].map(refund)["row"]["TranCmnt"] == "damaged"
