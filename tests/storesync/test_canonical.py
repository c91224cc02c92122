"""Canonical model: exact JSON round trip and field-naming errors."""

from __future__ import annotations

import json
from dataclasses import FrozenInstanceError, replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from storesync.canonical import Address, CustomerRef, FulfilmentStatus, Order, OrderLine, PaymentStatus
from storesync.errors import InvalidValue, RecordError


def make_order(**changes) -> Order:
    address = Address("Zoë O'Brien", "1 Main St", "", "Portland", "OR", "97201", "US")
    order = Order(
        source_system="xcart",
        source_id="17",
        order_number="000017",
        order_date=datetime(2024, 11, 7, 17, 20, tzinfo=UTC),
        updated_at=datetime(2024, 11, 7, 18, 0, 30, 250000, tzinfo=UTC),
        currency="USD",
        customer=CustomerRef("5", "zoe@example.com", "Zoë", "O'Brien", False),
        billing_address=address,
        shipping_address=replace(address, line2="Apt 4"),
        lines=(
            OrderLine(1, "SKU-00012", "Widget; DROP TABLE x--", Decimal("2"), Decimal("55.00"), Decimal("110.00")),
            OrderLine(2, "SKU-9", "東京", Decimal("0.5"), Decimal("10.10"), Decimal("5.05")),
        ),
        subtotal=Decimal("115.05"),
        shipping_amount=Decimal("10.00"),
        tax_amount=Decimal("8.40"),
        discount_amount=Decimal("0.00"),
        total=Decimal("133.45"),
        payment_status=PaymentStatus.PAID,
        fulfilment_status=FulfilmentStatus.NEW,
        payment_method="Credit Card",
        shipping_method=None,
    )
    return replace(order, **changes)


def test_to_dict_is_plain_json_with_money_as_strings():
    data = make_order().to_dict()
    assert data["total"] == "133.45"
    assert data["discount_amount"] == "0.00"
    assert data["lines"][1] == {"line_no": 2, "sku": "SKU-9", "description": "東京", "quantity": "0.5",
                                "unit_price": "10.10", "line_total": "5.05"}
    assert data["order_date"] == "2024-11-07T17:20:00+00:00"
    assert data["payment_status"] == "paid"
    assert data["customer"]["is_guest"] is False
    assert data["shipping_method"] is None
    assert data["erp_reference"] is None
    assert json.loads(json.dumps(data)) == data


def test_round_trip_through_json_is_exact():
    order = make_order(erp_reference="SO-0001")
    again = Order.from_dict(json.loads(json.dumps(order.to_dict())))
    assert again == order
    assert str(again.lines[0].unit_price) == "55.00"
    assert again.updated_at.microsecond == 250000
    assert again.payment_status is PaymentStatus.PAID


def test_from_dict_accepts_typed_values_and_converts_offsets_to_utc():
    data = make_order().to_dict()
    data["total"] = Decimal("133.45")
    data["order_date"] = datetime(2024, 11, 7, 12, 20, tzinfo=timezone(timedelta(hours=-5)))
    order = Order.from_dict(data)
    assert order.order_date == datetime(2024, 11, 7, 17, 20, tzinfo=UTC)
    assert order.order_date.tzinfo is UTC
    assert order.total == Decimal("133.45")


def test_optional_fields_may_be_missing():
    data = make_order().to_dict()
    del data["erp_reference"], data["customer"]["source_id"], data["billing_address"]["line2"]
    order = Order.from_dict(data)
    assert order.erp_reference is None
    assert order.customer.source_id is None
    assert order.billing_address.line2 == ""


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        (lambda d: d["lines"][1].update(quantity="half"), "lines[1].quantity", "not a number"),
        (lambda d: d["lines"][0].update(line_no=True), "lines[0].line_no", "expected a whole number"),
        (lambda d: d["customer"].update(is_guest="no"), "customer.is_guest", "expected true or false"),
        (lambda d: d["billing_address"].pop("city"), "billing_address.city", "missing"),
        (lambda d: d.update(order_date="2024-11-07T17:20:00"), "order_date", "timestamp has no time zone"),
        (lambda d: d.update(order_date="last week"), "order_date", "not an ISO-8601 timestamp"),
        (lambda d: d.update(total="NaN"), "total", "not a finite number"),
        (lambda d: d.update(payment_status="settled"), "payment_status",
         "unknown PaymentStatus; valid: pending, authorized, partially_paid, paid, declined, cancelled, refunded"),
        (lambda d: d["shipping_address"].update(postcode="x"), "shipping_address.postcode", "unknown field"),
        (lambda d: d.update(lines="none"), "lines", "expected a list"),
        (lambda d: d.update(customer=None), "customer", "missing"),
    ],
)
def test_from_dict_errors_name_the_field(change, field, reason):
    data = make_order().to_dict()
    change(data)
    with pytest.raises(InvalidValue) as caught:
        Order.from_dict(data)
    assert caught.value.field == field
    assert reason in caught.value.reason
    assert str(caught.value).startswith(f"{field}: ")


def test_models_are_frozen():
    with pytest.raises(FrozenInstanceError):
        make_order().total = Decimal("1")  # type: ignore[misc]


def test_status_enums_are_strings():
    assert PaymentStatus("partially_paid") == "partially_paid"
    assert FulfilmentStatus.NOT_DELIVERABLE == "not_deliverable"
    assert [status.value for status in FulfilmentStatus] == [
        "new", "processing", "shipped", "delivered", "not_deliverable", "returned"]


def test_record_error_names_record_and_field():
    error = RecordError("17", "lines[0].sku", "unknown SKU in the ERP", "unknown_sku")
    assert str(error) == "record '17', field 'lines[0].sku': unknown SKU in the ERP [unknown_sku]"
    assert (error.record_key, error.field, error.code) == ("17", "lines[0].sku", "unknown_sku")
