"""X-Cart conformance: payment transactions and backend transactions as the models define them.

Sources: X-Cart 5 (``glennmanning1/mostad-xcart``): ``classes/XLite/Model/Payment/Transaction.php`` and
``classes/XLite/Model/Payment/BackendTransaction.php``.
"""

from __future__ import annotations

import pytest

from tests.sandbox.xcart.conformance import body, call, start

BACKEND_TYPES = {"auth", "sale", "capture", "capturePart", "captureMulti", "void", "voidPart", "voidMulti", "refund",
                 "refundPart", "refundMulti", "getInfo", "accept", "decline", "test"}


@pytest.fixture(scope="module")
def server():
    running = start(orders=80)
    yield running
    running.stop()


def test_payment_transaction_fields_are_the_model_columns(server):
    """Model/Payment/Transaction.php columns: transaction_id, date, method_name, method_local_name, status,
    value, note, type, public_id; none of transactionId, orderId, updateDate, gatewayTransactionId."""
    row = body(call(server, "GET", "payment-transaction"))[0]
    assert set(row) == {"transaction_id", "date", "method_name", "method_local_name", "status", "value", "note",
                        "type", "public_id"}


def test_a_payment_transaction_is_a_sale_or_an_auth(server):
    """Model/Payment/Transaction.php: ``type`` defaults to BackendTransaction::TRAN_TYPE_SALE; captures,
    refunds and voids are backend transactions of the payment."""
    assert {row["type"] for row in body(call(server, "GET", "payment-transaction"))} <= {"sale", "auth"}


def test_one_payment_transaction_carries_order_currency_and_backend_transactions(server):
    """Module/XC/RESTAPI/Model/AEntity.php: a single record adds associations (order, currency,
    backend_transactions as Model/Payment/BackendTransaction rows)."""
    rows = body(call(server, "GET", "payment-transaction"))
    full = body(call(server, "GET", f"payment-transaction/{rows[0]['transaction_id']}"))
    assert full["order"]["order_id"] and full["currency"]["code"]
    assert isinstance(full["backend_transactions"], list)


def test_backend_transaction_fields_and_types(server):
    """Model/Payment/BackendTransaction.php: columns id, date, status (I, P, S, W, F), value, type
    (TRAN_TYPE_* such as refund, refundPart, refundMulti, capture, capturePart, void)."""
    rows = body(call(server, "GET", "payment-backendtransaction"))
    assert rows and all(set(row) == {"id", "date", "status", "value", "type"} for row in rows)
    assert {row["type"] for row in rows} <= BACKEND_TYPES
    assert {row["status"] for row in rows} <= {"I", "P", "S", "W", "F"}
    assert {"refund", "refundPart"} & {row["type"] for row in rows}


def test_one_backend_transaction_names_its_payment_transaction(server):
    """Model/Payment/BackendTransaction.php: ManyToOne ``payment_transaction`` (an association: served on a
    single-record GET)."""
    row = body(call(server, "GET", "payment-backendtransaction"))[0]
    full = body(call(server, "GET", f"payment-backendtransaction/{row['id']}"))
    parent = body(call(server, "GET", f"payment-transaction/{full['payment_transaction']['transaction_id']}"))
    assert row["id"] in [b["id"] for b in parent["backend_transactions"]]


def test_gateway_references_are_data_cells_not_columns(server):
    """Model/Payment/TransactionData.php (data_id, name, label, access_level, value) is the ``data`` association
    of a transaction; Module/CDev/XPaymentsConnector stores its gateway id as the cell ``xpc_txnid``."""
    rows = body(call(server, "GET", "payment-transaction"))
    cells = [cell for row in rows[:40]
             for cell in body(call(server, "GET", f"payment-transaction/{row['transaction_id']}"))["data"]]
    assert cells and all(set(cell) == {"data_id", "name", "label", "access_level", "value"} for cell in cells)
    assert "xpc_txnid" in {cell["name"] for cell in cells}
