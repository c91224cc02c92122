"""Creating a document in Acumatica once: a PUT whose answer is lost is never sent again before its reference
is looked up (Acumatica numbers a new document for every copy it receives), against the fake client."""

from __future__ import annotations

from decimal import Decimal

import pytest

from storesync.systems.acumatica.documents import (
    create_once,
    existing_sales_orders,
    request_body,
    sales_order_document,
)
from storesync.hooks.errors import TransientError
from tests.storesync.adapters.acumatica_fake import FakeAcumatica

BODY = {"OrderType": "SO", "CustomerID": "C1", "CustomerOrder": "XC-5", "Details": [{"InventoryID": "SKU-1"}]}


def create(client, body=BODY):
    return create_once(client, "5", "SalesOrder", body, describe=sales_order_document, label="order",
                       document="sales order", source_fields={},
                       find=lambda: existing_sales_orders(client, "SO", ["XC-5"]).get("XC-5"))


def test_a_create_whose_answer_is_lost_is_found_by_reference_and_not_sent_again():
    client = FakeAcumatica()
    lost = []

    def lose_the_first_answer(entity, saved):
        if not lost:
            lost.append(saved["OrderNbr"])
            raise TransientError("Acumatica PUT SalesOrder: ReadTimeout")

    client.after_put = lose_the_first_answer
    outcome = create(client)
    assert (outcome.outcome, outcome.target_id) == ("skipped", lost[0])
    assert len(client.puts("SalesOrder")) == 1 and len(client.records["SalesOrder"]) == 1


def test_a_create_that_failed_before_saving_is_sent_again_and_loaded_once():
    client = FakeAcumatica()
    failures = []

    def fail_once(entity, body):
        if not failures:
            failures.append(entity)
            raise TransientError("Acumatica PUT SalesOrder: HTTP 503")

    client.before_put = fail_once
    outcome = create(client)
    assert (outcome.outcome, outcome.detail) == ("loaded", "created Acumatica sales order SO000001")
    assert len(client.puts("SalesOrder")) == 2 and len(client.records["SalesOrder"]) == 1


def test_when_every_attempt_fails_the_error_goes_up_for_airflow_to_retry_and_the_policy_is_restored():
    client = FakeAcumatica()
    policy = client.retry

    def always_fail(entity, body):
        raise TransientError("Acumatica PUT SalesOrder: ConnectionError")

    client.before_put = always_fail
    with pytest.raises(TransientError):
        create(client)
    assert len(client.puts("SalesOrder")) == policy.max_attempts, "one PUT per attempt, none re-sent blindly"
    assert client.retry is policy and policy.max_attempts == 3


def test_a_request_body_leaves_out_the_loaders_fields_and_nulls_and_sends_numbers_as_numbers():
    record = {"OrderType": "SO", "_order_discount": "1.00", "ShipVia": None, "TaxTotal": "1.50",
              "Details": [{"InventoryID": "A", "OrderQty": "2", "UnitPrice": "3.10", "LineDescription": None}]}
    body = request_body(record, ("TaxTotal", "Details[].OrderQty", "Details[].UnitPrice"), {"CustomerID": "C1"})
    assert body == {"OrderType": "SO", "TaxTotal": Decimal("1.50"), "CustomerID": "C1",
                    "Details": [{"InventoryID": "A", "OrderQty": Decimal("2"), "UnitPrice": Decimal("3.10")}]}
    assert record["TaxTotal"] == "1.50", "the mapped record is left as it was"
