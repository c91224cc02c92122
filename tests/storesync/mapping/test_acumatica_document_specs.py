"""The shipped Acumatica document specs: canonical Order / Payment / Refund (from X-Cart) -> the bodies of
``PUT SalesOrder`` (SO and CM) and ``PUT Payment``, from the same canonical input as the Sage 500 specs."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storesync.adapters.documents import reference
from storesync.config.pairs import INCLUDE_DIR
from storesync.mapping import MappingContextError, MappingEngine, RecordMappingError, load_spec
from tests.storesync.mapping.samples import XCART_ORDER_SPEC, make_xcart_order
from storesync.systems import mapping_file

CONTEXT = {"customer_id": "C000042", "new_customer_id": "", "warehouse_id": "MAIN", "hold_threshold": "1000.00",
           "customer_class_id": "WEB"}  # the last one for the Sage 500 mapping (class of customers it creates)


@pytest.fixture(scope="module")
def engines():
    specs = {"order_in": XCART_ORDER_SPEC, "order_out": mapping_file("acumatica/order_from_canonical.yaml"),
             "sage_order_out": mapping_file("sage500/order_from_canonical.yaml"),
             "payment_in": mapping_file("xcart/payment_to_canonical.yaml"),
             "payment_out": mapping_file("acumatica/payment_from_canonical.yaml"),
             "refund_in": mapping_file("xcart/refund_to_canonical.yaml"),
             "refund_out": mapping_file("acumatica/refund_from_canonical.yaml")}
    return {name: MappingEngine(load_spec(path)) for name, path in specs.items()}


def canonical_order(engines, **changes) -> dict:
    return {**engines["order_in"].map(make_xcart_order()), **changes}


def transaction(**fields) -> dict:
    return {"transactionId": 1234, "orderId": 45, "parentTransactionId": None, "type": "capture", "status": "S",
            "value": Decimal("137.32"), "currency": "usd ", "method": "Credit Card",
            "gatewayTransactionId": "ch_3PkLzE1v3dBPiCtiJOQ8qZS9", "cardLast4": "1928", "date": 1794788602,
            "updateDate": 1794790000, **fields}


# -- orders ---------------------------------------------------------------------------------------------------

def test_a_canonical_order_becomes_a_sales_order_carrying_the_storefront_id_and_number(engines):
    body = engines["order_out"].map(canonical_order(engines), CONTEXT)
    assert {k: body[k] for k in ("OrderType", "CustomerID", "CustomerOrder", "ExternalRef", "CurrencyID", "Hold",
                                 "ShipVia", "PaymentMethod", "Description")} == {
        "OrderType": "SO", "CustomerID": "C000042", "CustomerOrder": "XC-1042", "ExternalRef": "001042",
        "CurrencyID": "USD", "Hold": False, "ShipVia": "UPSGROUND", "PaymentMethod": "CREDITCARD",
        "Description": "Web order 001042"}
    assert body["Date"] == datetime(2024, 11, 7, 17, 20, tzinfo=UTC)
    assert (body["OrderTotal"], body["TaxTotal"], body["Totals"], body["_order_discount"]) == (
        Decimal("231.91"), Decimal("17.35"), {"Freight": Decimal("12.70")}, Decimal("15.00"))
    assert body["ShipToAddress"] == {"AddressLine1": "Hauptstraße 5", "AddressLine2": "", "City": "Köln",
                                     "State": "NW", "PostalCode": "50667", "Country": "DE"}
    assert body["ShipToContact"] == {"Attention": "Zoë Müller-Łukasz", "Email": "ann@example.com"}
    assert body["BillToAddress"]["AddressLine2"] == "" and body["BillToContact"]["Attention"] == "Ann O'Brien"
    assert body["Details"] == [
        {"InventoryID": "SKU-00012", "LineDescription": "Widget, large", "WarehouseID": "MAIN",
         "OrderQty": Decimal("2"), "UnitPrice": Decimal("55.00"), "ExtendedPrice": Decimal("110.00")},
        {"InventoryID": "GADGET-BLUE", "LineDescription": 'Gadget "Pro" – blue', "WarehouseID": "MAIN",
         "OrderQty": Decimal("3"), "UnitPrice": Decimal("35.62"), "ExtendedPrice": Decimal("106.86")}]
    assert body["CustomerOrder"] == reference("order", "1042"), "the shared reference every ERP uses"


def test_the_same_canonical_order_gives_the_same_amounts_to_acumatica_and_sage_500(engines):
    order = canonical_order(engines)
    acumatica = engines["order_out"].map(order, CONTEXT)
    sage = engines["sage_order_out"].map(order, {**CONTEXT, "customer_id": "C1"})
    assert (acumatica["OrderTotal"], acumatica["TaxTotal"], acumatica["Totals"]["Freight"]) == (
        sage["header"]["TranAmt"], sage["header"]["STaxAmt"], sage["header"]["FreightAmt"])
    assert [line["ExtendedPrice"] for line in acumatica["Details"]] == [line["ExtAmt"] for line in sage["lines"]]


@pytest.mark.parametrize(("total", "hold"), [("999.99", False), ("1000.00", False), ("1000.01", True)])
def test_orders_above_the_hold_threshold_go_in_on_hold_like_the_sage_pair(engines, total, hold):
    acumatica = engines["order_out"].map(canonical_order(engines, total=total), CONTEXT)
    sage = engines["sage_order_out"].map(canonical_order(engines, total=total), CONTEXT)
    assert acumatica["Hold"] is hold and sage["header"]["Hold"] == str(int(hold))  # Sage stages yes/no as '0'/'1' text


@pytest.mark.parametrize(("method", "ship_via"), [("FedEx 2Day", "FEDEX2DAY"), ("Carrier Pigeon", None), (None, None)])
def test_an_unknown_ship_method_leaves_ship_via_empty_rather_than_inventing_a_carrier(engines, method, ship_via):
    assert engines["order_out"].map(canonical_order(engines, shipping_method=method), CONTEXT)["ShipVia"] == ship_via


def test_values_longer_than_acumaticas_columns_are_errors_naming_the_acumatica_field(engines):
    order = canonical_order(engines)
    order["shipping_address"] = {**order["shipping_address"],
                                 "city": "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch"}
    order["lines"] = [{**order["lines"][0], "sku": "S" * 31, "description": "D" * 300}, order["lines"][1]]
    with pytest.raises(RecordMappingError) as caught:
        engines["order_out"].map(order, CONTEXT)
    assert {e.field for e in caught.value.errors} == {"ShipToAddress.City", "Details[0].InventoryID"}
    assert "ShipToAddress.City: 58 characters, longer than max_length 50" in str(caught.value)


def test_a_new_buyer_brings_the_customer_to_create_with_the_order(engines):
    body = engines["order_out"].map(canonical_order(engines), {**CONTEXT, "customer_id": "XG0000001042",
                                                               "new_customer_id": "XG0000001042"})
    assert body["CustomerID"] == "XG0000001042"
    assert body["_new_customer"]["CustomerID"] == "XG0000001042"
    assert body["_new_customer"]["MainContact"]["Email"] == "ann@example.com"
    assert body["_new_customer"]["MainContact"]["Address"]["City"] == "Portland"


def test_the_order_mapping_needs_its_context(engines):
    with pytest.raises(MappingContextError, match="customer_id, hold_threshold, new_customer_id, warehouse_id"):
        engines["order_out"].map(canonical_order(engines), {})


# -- payments -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "payment_method", "account"), [
    ("Credit Card", "CREDITCARD", "10200"), ("PayPal", "PAYPAL", "10250"), ("Purchase Order", "CHECK", "10100"),
    ("Gift Certificate", "GIFTCERT", "10300")])
def test_the_payment_method_picks_the_acumatica_method_and_cash_account(engines, method, payment_method, account):
    body = engines["payment_out"].map(engines["payment_in"].map(transaction(method=method)))
    assert (body["PaymentMethod"], body["CashAccount"]) == (payment_method, account)


def test_a_payment_becomes_a_payment_body_pointing_at_its_web_order(engines):
    body = engines["payment_out"].map(engines["payment_in"].map(transaction()))
    assert body == {
        "Type": "Payment", "PaymentRef": "XP-1234", "ApplicationDate": datetime.fromtimestamp(1794788602, UTC),
        "CurrencyID": "USD", "PaymentAmount": Decimal("137.32"), "PaymentMethod": "CREDITCARD", "CashAccount": "10200",
        "Description": "ch_3PkLzE1v3dBPiCtiJOQ8qZS9", "Hold": False, "_order_id": "45", "_order_reference": "XC-45"}
    assert body["PaymentRef"] == reference("payment", "1234")


def test_a_method_without_a_cash_account_is_an_error_naming_it(engines):
    with pytest.raises(RecordMappingError) as caught:
        engines["payment_out"].map(engines["payment_in"].map(transaction(method="Bitcoin")))
    assert {e.field for e in caught.value.errors} == {"PaymentMethod", "CashAccount"}
    assert "Bitcoin" in str(caught.value)


def test_the_gateway_id_is_checked_never_cut(engines):
    with pytest.raises(RecordMappingError) as caught:
        engines["payment_out"].map(engines["payment_in"].map(transaction(gatewayTransactionId="x" * 257)))
    assert [e.field for e in caught.value.errors] == ["Description"]


# -- refunds --------------------------------------------------------------------------------------------------

def test_a_refund_becomes_a_credit_memo_with_one_line_for_the_amount(engines):
    tx = transaction(transactionId=88, type="refund", value=Decimal("10.05"), gatewayTransactionId="re_3Pp0002")
    body = engines["refund_out"].map(engines["refund_in"].map(tx))
    assert body == {
        "OrderType": "CM", "CustomerOrder": "XR-88", "ExternalRef": "XC-45",
        "Date": datetime.fromtimestamp(1794788602, UTC), "CurrencyID": "USD", "Description": "re_3Pp0002",
        "Hold": False, "_line": {"InventoryID": "REFUND", "OrderQty": Decimal("1"), "UnitPrice": Decimal("10.05"),
                                 "ExtendedPrice": Decimal("10.05")},
        "_order_id": "45", "_order_reference": "XC-45"}
    assert body["CustomerOrder"] == reference("refund", "88")


def test_a_refund_without_a_gateway_id_is_described_by_its_reason(engines):
    canonical = {**engines["refund_in"].map(transaction(type="refund", gatewayTransactionId=None)),
                 "reason": "damaged in transit"}
    assert engines["refund_out"].map(canonical)["Description"] == "damaged in transit"


# -- robustness: whatever arrives, the only failure is a RecordMappingError ---------------------------------------

_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(10**12), max_value=10**12)
    | st.decimals(allow_nan=True, allow_infinity=True) | st.text(max_size=60)
    | st.sampled_from(["", " ", "12.30", "1e999", "NaN", "x" * 300]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=8,
)


@st.composite
def _damaged(draw, make_record) -> dict:
    """A realistic canonical record with a few values (top level or one level down) replaced by arbitrary JSON."""
    record = make_record()
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        target = record
        children = [value for value in record.values() if isinstance(value, dict) and value]
        if children and draw(st.booleans()):
            target = draw(st.sampled_from(children))
        target[draw(st.sampled_from(sorted(target)))] = draw(_values)
    return record


def _only_mapping_errors(engine, record, context=None) -> None:
    try:
        engine.map(record, context)
    except RecordMappingError as error:
        assert error.errors and str(error)


_ORDER = MappingEngine(load_spec(XCART_ORDER_SPEC)).map(make_xcart_order())
_PAYMENT = MappingEngine(load_spec(mapping_file("xcart/payment_to_canonical.yaml"))).map(transaction())
_REFUND = MappingEngine(load_spec(mapping_file("xcart/refund_to_canonical.yaml"))).map(transaction(type="refund"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record=_damaged(lambda: copy.deepcopy(_ORDER)))
def test_the_order_spec_only_ever_raises_record_mapping_error(engines, record):
    _only_mapping_errors(engines["order_out"], record, CONTEXT)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payment=_damaged(lambda: copy.deepcopy(_PAYMENT)), refund=_damaged(lambda: copy.deepcopy(_REFUND)))
def test_the_payment_and_refund_specs_only_ever_raise_record_mapping_error(engines, payment, refund):
    _only_mapping_errors(engines["payment_out"], payment)
    _only_mapping_errors(engines["refund_out"], refund)
