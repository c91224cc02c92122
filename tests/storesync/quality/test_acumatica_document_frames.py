"""Target-stage gates of the Acumatica document flows: the request bodies the shipped specs produce pass
their suites, broken ones fail, and the DLQ reason names the Acumatica field (with the storefront field)."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from storesync.config.pairs import INCLUDE_DIR
from storesync.mapping import MappingEngine, load_spec
from storesync.operators.quality import FRAME_BUILDERS, SOURCE_FIELDS, describe_failure, frame_builder
from storesync.systems.acumatica.frames_documents import (
    CREDIT_MEMO_FIELD_SIZES,
    PAYMENT_FIELD_SIZES,
    SALES_ORDER_FIELD_SIZES,
    acumatica_credit_memo_frame,
    acumatica_payment_frame,
    acumatica_sales_order_frame,
    length_column,
)
from storesync.store.types import to_json_compatible
from tests.storesync.mapping.samples import XCART_ORDER_SPEC, make_xcart_order
from storesync.systems import mapping_file, suite_file

pytestmark = pytest.mark.usefixtures("gate_ready")
CONTEXT = {"customer_id": "C000042", "new_customer_id": "", "warehouse_id": "MAIN", "hold_threshold": "5000.00"}


def mapped(spec_in, spec_out, record, context=None) -> dict:
    canonical = MappingEngine(load_spec(spec_in)).map(record)
    return to_json_compatible(MappingEngine(load_spec(spec_out)).map(canonical, context or {}))


@pytest.fixture(scope="module")
def sales_order() -> dict:
    return mapped(XCART_ORDER_SPEC, mapping_file("acumatica/order_from_canonical.yaml"), make_xcart_order(), CONTEXT)


def transaction(**fields) -> dict:
    return {"transactionId": 1234, "orderId": 45, "type": "capture", "status": "S", "value": Decimal("12.30"),
            "currency": "USD", "method": "Credit Card", "cardLast4": "4242", "gatewayTransactionId": "ch_1",
            "date": 1794788602, "updateDate": 1794788602, **fields}


@pytest.fixture(scope="module")
def payment() -> dict:
    return mapped(mapping_file("xcart/payment_to_canonical.yaml"), mapping_file("acumatica/payment_from_canonical.yaml"),
                  transaction())


@pytest.fixture(scope="module")
def credit_memo() -> dict:
    return mapped(mapping_file("xcart/refund_to_canonical.yaml"), mapping_file("acumatica/refund_from_canonical.yaml"),
                  transaction(type="refund"))


def gate(builder, records: dict, suite: str):
    from storesync.quality.gate import run_gate

    frame = builder(list(records.values()))
    frame["record_key"] = list(records)
    return run_gate(frame, suite_file(suite), key_column="record_key")


def changed(record: dict, path: str, value) -> dict:
    record = copy.deepcopy(record)
    *parents, last = path.split(".")
    node = record
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    node[last] = value
    return record


def reasons(result, entity: str, key: str) -> str:
    fields = SOURCE_FIELDS[("acumatica", entity, "target")]
    return " | ".join(describe_failure(description, fields) for description in result.failures[key])


def test_the_gates_are_registered_for_the_acumatica_documents():
    assert frame_builder("acumatica", "order", "target") is acumatica_sales_order_frame
    assert frame_builder("acumatica", "payment", "target") is acumatica_payment_frame
    assert frame_builder("acumatica", "refund", "target") is acumatica_credit_memo_frame
    assert all(("acumatica", entity, "target") in FRAME_BUILDERS for entity in ("order", "payment", "refund"))


def test_sales_orders_pass_and_broken_ones_fail_naming_the_acumatica_field(sales_order):
    records = {
        "1": sales_order,
        "2": changed(sales_order, "ShipToAddress.City", "C" * 51),
        "3": changed(sales_order, "Details.0.OrderQty", "0"),
        "4": changed(sales_order, "Details", []),
        "5": changed(sales_order, "CustomerID", None),
        "6": changed(sales_order, "Details.1.InventoryID", "S" * 31),
        "7": changed(sales_order, "OrderTotal", "-1.00"),
    }
    result = gate(acumatica_sales_order_frame, records, "orders_target__acumatica.json")
    assert result.passed_keys == ["1"]
    assert "field ShipToAddress.City (length): " in reasons(result, "order", "2")
    assert "field Details[].OrderQty (items[].amount, quantity): " in reasons(result, "order", "3")
    assert "field Details (items, the order lines): " in reasons(result, "order", "4")
    assert "field CustomerID (the buyer's customer): " in reasons(result, "order", "5")
    assert "field Details[].InventoryID (items[].sku, length): " in reasons(result, "order", "6")
    assert "field OrderTotal (total): " in reasons(result, "order", "7")


def test_payments_pass_and_broken_ones_fail_naming_the_acumatica_field(payment):
    records = {"1": payment, "2": changed(payment, "PaymentAmount", "0.00"), "3": changed(payment, "CashAccount", None),
               "4": changed(payment, "Description", "x" * 257), "5": changed(payment, "ApplicationDate", "")}
    result = gate(acumatica_payment_frame, records, "payments_target__acumatica.json")
    assert result.passed_keys == ["1"]
    assert "field PaymentAmount (value): " in reasons(result, "payment", "2")
    assert "field CashAccount (method): " in reasons(result, "payment", "3")
    assert "field Description (gatewayTransactionId, length): " in reasons(result, "payment", "4")
    assert "field ApplicationDate (date): " in reasons(result, "payment", "5")


def test_credit_memos_pass_and_broken_ones_fail_naming_the_acumatica_field(credit_memo):
    records = {"1": credit_memo, "2": changed(credit_memo, "_line.ExtendedPrice", "-5.00"),
               "3": changed(credit_memo, "CustomerOrder", "XR-" + "9" * 40), "4": changed(credit_memo, "_line", None)}
    result = gate(acumatica_credit_memo_frame, records, "refunds_target__acumatica.json")
    assert result.passed_keys == ["1"]
    assert "field Details[].ExtendedPrice (value): " in reasons(result, "refund", "2")
    assert "field CustomerOrder (length): " in reasons(result, "refund", "3")
    assert "field Details[].InventoryID (the refund item): " in reasons(result, "refund", "4")


@pytest.mark.parametrize(("entity", "sizes"), [("order", SALES_ORDER_FIELD_SIZES), ("payment", PAYMENT_FIELD_SIZES),
                                               ("refund", CREDIT_MEMO_FIELD_SIZES)])
def test_every_length_check_is_named_after_its_acumatica_field(entity, sizes):
    fields = SOURCE_FIELDS[("acumatica", entity, "target")]
    for path in sizes:
        assert length_column(path) in fields, f"{entity}: {length_column(path)} has no field name for DLQ reasons"


@pytest.mark.parametrize(("spec", "sizes"), [("order_from_canonical.yaml", SALES_ORDER_FIELD_SIZES),
                                             ("payment_from_canonical.yaml", PAYMENT_FIELD_SIZES),
                                             ("refund_from_canonical.yaml", CREDIT_MEMO_FIELD_SIZES)])
def test_the_gate_sizes_are_the_mapping_specs_sizes(spec, sizes):
    declared = {field.name: field.max_length for field in load_spec(mapping_file(f"acumatica/{spec}")).fields
                if field.max_length}
    assert {path: declared[path] for path in sizes} == sizes


def test_unusable_records_become_failing_rows_not_a_crash():
    frame = acumatica_sales_order_frame([None, {"Details": "nope", "OrderTotal": "lots"}])
    assert list(frame["line_count"]) == [0.0, 0.0]
    assert frame["OrderTotal"].isna().all()
