"""Payment transaction and receivables staging frames against the shipped suites."""

from __future__ import annotations

from decimal import Decimal

import pytest

from storesync.config.pairs import INCLUDE_DIR
from storesync.systems.sage500.frames_payments import CREDIT_MEMO_COLUMN_SIZES, CUSTOMER_PAYMENT_COLUMN_SIZES, sage500_credit_memo_frame, sage500_customer_payment_frame
from storesync.systems.xcart.frames_payments import raw_xcart_payment_transactions_frame
from storesync.systems import suite_file

pytestmark = pytest.mark.usefixtures("gate_ready")


def gate(frame_builder, records: dict, suite: str):
    from storesync.quality.gate import run_gate

    frame = frame_builder(list(records.values()))
    frame["record_key"] = list(records)
    return run_gate(frame, suite_file(suite), key_column="record_key")


def tx(tx_id, **fields) -> dict:
    return {"transactionId": tx_id, "orderId": 45, "type": "capture", "status": "S", "value": Decimal("12.30"),
            "currency": "USD", "method": "Credit Card", "cardLast4": "4242", "gatewayTransactionId": "ch_1",
            "date": 1794788602, "updateDate": 1794788602, **fields}


def test_raw_transactions_pass_or_fail_with_the_expectation_named():
    records = {"1": tx(1), "2": tx(2, cardLast4=None, method="PayPal"), "3": tx(3, value=Decimal("0.00")),
               "4": tx(4, currency="XXX"), "5": tx(5, type="chargeback"), "6": tx(6, status="D"),
               "7": tx(7, orderId=None), "8": tx(8, cardLast4="[card ****1111]"), "9": tx(1)}
    result = gate(raw_xcart_payment_transactions_frame, records, "payment_transactions_raw__xcart.json")
    failed = {key: " ".join(found) for key, found in result.failures.items()}
    assert set(result.passed_keys) == {"2"}
    assert "column=value" in failed["3"] and "column=currency" in failed["4"] and "column=type" in failed["5"]
    assert "column=status" in failed["6"] and "column=orderId" in failed["7"] and "column=cardLast4" in failed["8"]
    assert "be_unique" in failed["1"] and "be_unique" in failed["9"]


def staging(**row) -> dict:
    return {"row": {"TranNo": "P000000001", "TranDate": "2026-11-16", "CurrID": "USD", "TranAmt": "12.30",
                    "PmtMethID": "CREDITCARD", "CashAcctID": "1030-00", "ApplyToTranNo": "W000000045",
                    "TranCmnt": "ch_1", "UserFld1": "XP-1", "UserFld2": "XC-45", **row}, "order_id": "45"}


def test_customer_payment_rows_need_a_positive_amount_and_sage_sizes():
    records = {"1": staging(), "2": staging(TranAmt="0.00"), "3": staging(TranCmnt="x" * 51),
               "4": staging(CashAcctID=None), "5": staging(UserFld1="XP-1234567890123")}
    result = gate(sage500_customer_payment_frame, records, "payments_target__sage500.json")
    assert result.passed_keys == ["1"]
    assert "column=TranAmt" in " ".join(result.failures["2"])
    assert "column=TranCmnt" in " ".join(result.failures["3"])
    assert "column=CashAcctID" in " ".join(result.failures["4"])
    assert "column=UserFld1" in " ".join(result.failures["5"])


def test_credit_memo_rows_need_a_positive_amount():
    records = {"1": staging(TranNo="R000000001", UserFld1="XR-1"), "2": staging(TranAmt="-1.00")}
    result = gate(sage500_credit_memo_frame, records, "refunds_target__sage500.json")
    assert result.passed_keys == ["1"] and "column=TranAmt" in " ".join(result.failures["2"])


def test_frame_sizes_are_the_sandbox_staging_column_sizes():
    from include.sandbox.sage500.schema import STAGING_COLUMN_SIZES

    for sizes, table in ((CUSTOMER_PAYMENT_COLUMN_SIZES, "StgCustPmt"), (CREDIT_MEMO_COLUMN_SIZES, "StgARCreditMemo")):
        assert sizes == {column: STAGING_COLUMN_SIZES[table][column] for column in sizes}, table
