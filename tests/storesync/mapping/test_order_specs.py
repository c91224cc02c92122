"""The shipped order specs end to end: X-Cart order -> canonical Order -> Sage 500 staging rows."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storesync.canonical import FulfilmentStatus, Order, PaymentStatus
from storesync.mapping import MappingContextError, MappingEngine, RecordMappingError, load_spec
from tests.storesync.mapping.samples import XCART_ORDER_SPEC, make_xcart_order


def _canonical_dict(xcart_engine, raw: dict) -> dict:
    return Order.from_dict(xcart_engine.map(raw)).to_dict()


# --------------------------------------------------------------------------------------------------
# X-Cart -> canonical


def test_xcart_order_maps_to_canonical_order(xcart_engine, xcart_order):
    order = Order.from_dict(xcart_engine.map(xcart_order))

    assert order.source_system == "xcart"
    assert order.source_id == "1042"
    assert order.order_number == "001042"
    assert order.order_date == datetime(2024, 11, 7, 17, 20, tzinfo=UTC)
    assert order.updated_at == datetime(2024, 11, 7, 18, 20, tzinfo=UTC)
    assert order.currency == "USD"
    assert order.customer.source_id == "5"
    assert order.customer.email == "ann@example.com"
    assert (order.customer.first_name, order.customer.last_name) == ("Ann", "O'Brien")
    assert order.customer.is_guest is False

    assert order.billing_address.name == "Ann O'Brien"
    assert order.billing_address.line1 == "1 Main St"
    assert order.billing_address.line2 == ""  # X-Cart's complex address has no second line
    assert order.billing_address.country == "US"
    assert order.shipping_address.name == "Zoë Müller-Łukasz"
    assert order.shipping_address.line1 == "Hauptstraße 5"
    assert order.shipping_address.city == "Köln"
    assert order.shipping_address.postal_code == "50667"
    assert order.shipping_address.country == "DE"  # "Germany" -> alpha-2

    first, second = order.lines
    assert (first.line_no, first.sku, first.description) == (1, "SKU-00012", "Widget, large")
    assert (second.line_no, second.sku, second.description) == (2, "GADGET-BLUE", 'Gadget "Pro" – blue')
    assert (first.quantity, first.unit_price, first.line_total) == (Decimal("2"), Decimal("55.00"), Decimal("110.00"))
    assert str(second.unit_price) == "35.62"
    assert str(second.line_total) == "106.86"

    assert [str(amount) for amount in (order.subtotal, order.shipping_amount, order.tax_amount,
                                       order.discount_amount, order.total)] == [
        "216.86", "12.70", "17.35", "15.00", "231.91"]
    assert order.payment_status is PaymentStatus.AUTHORIZED
    assert order.fulfilment_status is FulfilmentStatus.PROCESSING
    assert order.payment_method == "Credit Card"
    assert order.shipping_method == "UPS Ground"
    assert order.erp_reference is None


def test_float_parsed_json_still_gives_exact_money(xcart_engine):
    raw = json.loads(json.dumps(make_xcart_order(), default=str))  # floats/strings instead of Decimal
    raw["total"] = 231.91
    raw["items"][1]["price"] = 35.62
    order = Order.from_dict(xcart_engine.map(raw))
    assert order.total == Decimal("231.91")
    assert order.lines[1].unit_price == Decimal("35.62")


@pytest.mark.parametrize(
    ("code", "status"),
    [("Q", "pending"), ("A", "authorized"), ("PP", "partially_paid"), ("P", "paid"), ("D", "declined"),
     ("C", "cancelled"), ("R", "refunded")],
)
def test_payment_status_codes(xcart_engine, xcart_order, code, status):
    xcart_order["paymentStatus"] = code
    assert xcart_engine.map(xcart_order)["payment_status"] == status


@pytest.mark.parametrize(
    ("code", "status"),
    [("N", "new"), ("P", "processing"), ("S", "shipped"), ("D", "delivered"), ("WND", "not_deliverable"),
     ("R", "returned")],
)
def test_shipping_status_codes(xcart_engine, xcart_order, code, status):
    xcart_order["shippingStatus"] = code
    assert xcart_engine.map(xcart_order)["fulfilment_status"] == status


def test_guest_order_maps_like_any_other(xcart_engine, xcart_order):
    """X-Cart serves a guest checkout with its anonymous profile's id and no guest flag (Complex.php
    convertModelOrder): the order maps with that id and the guest's e-mail, and is not marked a guest."""
    xcart_order["customerInfo"].update(profileId=913, login="guest@example.com", email="guest@example.com")
    order = Order.from_dict(xcart_engine.map(xcart_order))
    assert order.customer.source_id == "913"
    assert order.customer.email == "guest@example.com"
    assert order.customer.is_guest is False


def test_order_dates_with_an_offset_are_read_as_utc(xcart_engine, xcart_order):
    xcart_order["orderDate"] = "2024-07-01T23:30:00-04:00"
    assert Order.from_dict(xcart_engine.map(xcart_order)).order_date == datetime(2024, 7, 2, 3, 30, tzinfo=UTC)


def test_an_order_date_without_an_offset_is_an_error(xcart_engine, xcart_order):
    xcart_order["orderDate"] = "2024-07-01T23:30:00"
    with pytest.raises(RecordMappingError) as caught:
        xcart_engine.map(xcart_order)
    assert [e.field for e in caught.value.errors] == ["order_date"]
    assert "no time zone" in str(caught.value)


def test_line_total_is_price_times_quantity_and_subtotal_the_items_before_tax_and_discount(
        xcart_engine, xcart_order):
    xcart_order["items"] = [{"sku": "A", "name": "a", "price": Decimal("19.99"), "quantity": 3}]
    xcart_order.update(total=Decimal("67.97"), shippingCost=Decimal("5.00"), taxAmount=Decimal("4.00"),
                       discountValue=Decimal("1.00"), subtotal=Decimal("62.97"))
    mapped = xcart_engine.map(xcart_order)
    assert mapped["lines"][0]["line_total"] == Decimal("59.97")
    assert mapped["subtotal"] == Decimal("59.97")


def test_type_errors_are_collected_per_record_and_name_fields(xcart_engine, xcart_order):
    xcart_order["paymentStatus"] = "ZZ"
    xcart_order["items"][1]["quantity"] = "two"
    xcart_order["items"][0]["sku"] = "   "
    xcart_order["billingInfo"]["country"] = "Narnia"
    xcart_order["orderDate"] = "yesterday"
    del xcart_order["total"]

    with pytest.raises(RecordMappingError) as caught:
        xcart_engine.map(xcart_order)

    error = caught.value
    assert error.record_key == "1042"
    assert {e.field for e in error.errors} == {
        "payment_status", "lines[1].quantity", "lines[0].sku", "billing_address.country", "order_date", "total"}
    message = str(error)
    assert message.startswith("record '1042': 6 field errors: ")
    assert "lines[1].quantity: not a number (got 'two')" in message
    assert "payment_status: not in lookup 'payment_status'; known: A, C, D, P, PP, Q, R (got 'ZZ')" in message
    assert "total: required but missing" in message


def test_non_positive_quantity_is_left_to_the_quality_gate(xcart_engine, xcart_order):
    xcart_order["items"][0]["quantity"] = 0
    assert xcart_engine.map(xcart_order)["lines"][0]["quantity"] == Decimal("0")


# --------------------------------------------------------------------------------------------------
# canonical -> Sage 500 staging


# The per-line columns spSOapiSalesOrdIns requires (docs/sage500.md): an open item line, shipped, no hold.
LINE_FLAGS = {"CmntOnly": "0", "Hold": "0", "ReqCert": "0", "DeliveryMeth": "1", "Status": "1"}


def test_canonical_order_maps_to_sage_staging_rows(xcart_engine, sage_engine, xcart_order, sage_context):
    rows = sage_engine.map(_canonical_dict(xcart_engine, xcart_order), sage_context)

    assert rows["header"] == {
        "TranNo": "W000001042",
        "TranDate": date(2024, 11, 7),
        "CustID": "WEB-000005",
        "CustPONo": "1042",
        "CurrID": "USD",
        "FreightAmt": Decimal("12.70"),
        "STaxAmt": Decimal("17.35"),
        "TradeDiscAmt": Decimal("15.00"),
        "TranAmt": Decimal("231.91"),
        "DfltShipMethID": "UPSGND",
        "DfltWarehouseID": "WHSE1",
        "Status": "1",
        "Hold": "0",
        "RequireSOAck": "0",
        "BillToAddrName": "Ann O'Brien",
        "BillToAddrLine1": "1 Main St",
        "BillToAddrLine2": "",
        "BillToCity": "Portland",
        "BillToStateID": "OR",
        "BillToPostalCode": "97201",
        "BillToCountryID": "USA",
        "DfltShipToAddrName": "Zoë Müller-Łukasz",
        "DfltShipToAddrLine1": "Hauptstraße 5",
        "DfltShipToAddrLine2": "",
        "DfltShipToCity": "Köln",
        "DfltShipToStateID": "NW",
        "DfltShipToPostalCode": "50667",
        "DfltShipToCountryID": "DEU",
        "UserFld1": "XC-1042",
    }
    assert rows["lines"] == [
        {"TranNo": "W000001042", "SOLineNo": 1, "ItemID": "SKU-00012", "Description": "Widget, large",
         "QtyOrd": Decimal("2"), "UnitPrice": Decimal("55.00"), "ExtAmt": Decimal("110.00"),
         "WarehouseID": "WHSE1", **LINE_FLAGS},
        {"TranNo": "W000001042", "SOLineNo": 2, "ItemID": "GADGET-BLUE", "Description": 'Gadget "Pro" – blue',
         "QtyOrd": Decimal("3"), "UnitPrice": Decimal("35.62"), "ExtAmt": Decimal("106.86"),
         "WarehouseID": "WHSE1", **LINE_FLAGS},
    ]
    assert str(rows["header"]["FreightAmt"]) == "12.70"


def test_sage_mapping_takes_typed_or_json_canonical_alike(xcart_engine, sage_engine, xcart_order, sage_context):
    typed = xcart_engine.map(xcart_order)
    assert sage_engine.map(typed, sage_context) == sage_engine.map(
        json.loads(json.dumps(Order.from_dict(typed).to_dict())), sage_context)


@pytest.mark.parametrize(("total", "hold"), [("999.99", "0"), ("1000.00", "0"), ("1000.01", "1")])
def test_orders_above_threshold_are_held(xcart_engine, sage_engine, xcart_order, sage_context, total, hold):
    canonical = _canonical_dict(xcart_engine, xcart_order)
    canonical["total"] = total
    assert sage_engine.map(canonical, sage_context)["header"]["Hold"] == hold


def test_hold_threshold_comes_from_context(xcart_engine, sage_engine, xcart_order, sage_context):
    canonical = _canonical_dict(xcart_engine, xcart_order)
    sage_context["hold_threshold"] = "100"
    assert sage_engine.map(canonical, sage_context)["header"]["Hold"] == "1"


@pytest.mark.parametrize(
    ("method", "ship_meth_id"),
    [("UPS Ground", "UPSGND"), ("FedEx 2Day", "FDX2D"), ("USPS Priority", "USPSPR"), ("Local Pickup", "PICKUP"),
     ("Carrier Pigeon", "OTHER"), (None, "OTHER")],
)
def test_ship_method_lookup_with_default(xcart_engine, sage_engine, xcart_order, sage_context, method, ship_meth_id):
    canonical = _canonical_dict(xcart_engine, xcart_order)
    canonical["shipping_method"] = method
    assert sage_engine.map(canonical, sage_context)["header"]["DfltShipMethID"] == ship_meth_id


def test_long_description_is_cut_but_long_address_is_an_error(xcart_engine, sage_engine, xcart_order, sage_context):
    canonical = _canonical_dict(xcart_engine, xcart_order)
    canonical["lines"][0]["description"] = "D" * 60
    assert sage_engine.map(canonical, sage_context)["lines"][0]["Description"] == "D" * 40

    canonical["shipping_address"]["name"] = "N" * 41
    canonical["billing_address"]["city"] = "C" * 21
    canonical["lines"][1]["sku"] = "S" * 31
    with pytest.raises(RecordMappingError) as caught:
        sage_engine.map(canonical, sage_context)
    assert {e.field for e in caught.value.errors} == {"header.DfltShipToAddrName", "header.BillToCity",
                                                      "lines[1].ItemID"}
    assert "header.DfltShipToAddrName: 41 characters, longer than max_length 40" in str(caught.value)


def test_sage_mapping_needs_its_context(xcart_engine, sage_engine, xcart_order):
    canonical = _canonical_dict(xcart_engine, xcart_order)
    with pytest.raises(MappingContextError, match="customer_id, hold_threshold, new_customer_id, warehouse_id"):
        sage_engine.map(canonical, {})
    assert sage_engine.required_context == {"customer_id", "hold_threshold", "new_customer_id", "warehouse_id",
                                           "customer_class_id"}


@pytest.mark.parametrize("threshold", [None, "lots", True, float("nan")])
def test_a_non_numeric_hold_threshold_fails_the_run_not_the_record(
    xcart_engine, sage_engine, xcart_order, sage_context, threshold
):
    sage_context["hold_threshold"] = threshold
    with pytest.raises(MappingContextError, match=r"\$\{context.hold_threshold\} is used in 'total gt'"):
        sage_engine.map(_canonical_dict(xcart_engine, xcart_order), sage_context)


def test_quotes_sql_and_non_ascii_pass_through_verbatim(xcart_engine, sage_engine, xcart_order, sage_context):
    nasty = "Robert'); DROP TABLE--"
    xcart_order["billingInfo"].update(firstname=nasty, lastname='"Ö"')
    xcart_order["billingInfo"]["address"] = "1 O'Neil Rd; --"
    xcart_order["items"][0]["name"] = "東京 50% off \\ %s ? :p"
    canonical = _canonical_dict(xcart_engine, xcart_order)
    rows = sage_engine.map(canonical, sage_context)
    assert rows["header"]["BillToAddrName"] == f'{nasty} "Ö"'
    assert rows["header"]["BillToAddrLine1"] == "1 O'Neil Rd; --"
    assert rows["lines"][0]["Description"] == "東京 50% off \\ %s ? :p"


# --------------------------------------------------------------------------------------------------
# Robustness: whatever arrives, the only failure is a RecordMappingError

_json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.decimals(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["", " ", "P", "WND", "US", "1731000000", "12.30", "1e999", "NaN", "x" * 50])
)
_json_values = st.recursive(
    _json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
_XCART_KEYS = list(make_xcart_order()) + ["sku", "quantity", "price", "firstname", "country"]
_CANONICAL_ORDER = Order.from_dict(MappingEngine(load_spec(XCART_ORDER_SPEC)).map(make_xcart_order())).to_dict()
_CANONICAL_KEYS = list(_CANONICAL_ORDER) + ["sku", "quantity", "unit_price", "name", "country"]


@st.composite
def _fuzzed(draw, make_record) -> dict:
    """A realistic record with some values (at any depth) replaced by arbitrary JSON."""
    order = make_record()
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        target = order
        for _depth in range(draw(st.integers(min_value=0, max_value=2))):
            children = [value for value in target.values() if isinstance(value, dict)]
            children += [item for value in target.values() if isinstance(value, list) for item in value
                         if isinstance(item, dict)]
            if not children:
                break
            target = draw(st.sampled_from(children))
        key = draw(st.sampled_from(sorted(target) + ["items", "lines"]))
        target[key] = draw(_json_values)
    return order


def _records(known_keys: list[str], make_record) -> st.SearchStrategy[dict]:
    arbitrary = st.dictionaries(st.sampled_from(known_keys) | st.text(max_size=6), _json_values, max_size=12)
    return arbitrary | _fuzzed(make_record)


def _map_or_mapping_error(engine, record, context=None) -> dict | None:
    try:
        return engine.map(record, context)
    except RecordMappingError as error:
        assert error.errors, "a mapping error always lists its field errors"
        assert str(error)
        return None


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record=_records(_XCART_KEYS, make_xcart_order))
def test_xcart_mapping_only_ever_raises_record_mapping_error(xcart_engine, record):
    _map_or_mapping_error(xcart_engine, record)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    record=_records(_CANONICAL_KEYS, lambda: copy.deepcopy(_CANONICAL_ORDER)),
    threshold=st.decimals(allow_nan=False, allow_infinity=False) | st.integers() | st.just("1000.00"),
)
def test_sage_mapping_only_ever_raises_record_mapping_error(sage_engine, record, threshold):
    context = {"customer_id": "C1", "warehouse_id": "W1", "hold_threshold": threshold, "new_customer_id": "",
               "customer_class_id": "WEB"}
    _map_or_mapping_error(sage_engine, record, context)
