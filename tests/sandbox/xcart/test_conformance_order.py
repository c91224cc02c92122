"""X-Cart REST API module conformance: the complex order record, key by key as X-Cart builds it.

Source of every test: ``glennmanning1/mostad-xcart``, ``classes/XLite/Module/XC/RESTAPI/Core/Schema/Complex.php``,
method ``convertModelOrder`` (X-Cart 5.2), unless a docstring names another.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest

from tests.sandbox.xcart.conformance import END_TS, body, call, limit, start

# convertModelOrder's return array, in its order; nothing else.
ORDER_KEYS = ["orderId", "orderNumber", "total", "subtotal", "taxAmount", "shippingCost", "paymentFee",
              "discountValue", "currency", "items", "shippingStatus", "paymentStatus", "orderDate", "updateDate",
              "trackingNumber", "customerNotes", "adminNotes", "coupon", "customerInfo", "billingInfo",
              "shippingInfo", "paymentMethod", "shippingMethod"]
ITEM_KEYS = ["sku", "productId", "name", "description", "shortDescription", "price", "weight", "quantity",
             "releaseDate", "URL", "enabled", "freeShipping"]
CUSTOMER_KEYS = ["profileId", "login", "email", "password", "addedDate", "membership", "firstname", "lastname"]
ADDRESS_KEYS = ["country", "state", "city", "address", "firstname", "lastname", "zipcode",
                "isDefaultShippingAddress", "isDefaultBillingAddress"]


@pytest.fixture(scope="module")
def server():
    running = start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def orders(server):
    return body(call(server, "GET", "order", _schema="complex", **limit(0, 40)))


def test_an_order_has_exactly_the_keys_convert_model_order_builds(orders):
    """convertModelOrder returns these 23 keys; ``updateDate`` is ``getLastRenewDate``; there is no list of
    tracking numbers (only ``trackingNumber``, the first one's value)."""
    for order in orders:
        assert list(order) == ORDER_KEYS


def test_order_dates_are_date_c_text_with_the_stores_utc_offset(orders):
    """``'orderDate' => date('c', $model->getDate())``, ``'updateDate' => date('c', $model->getLastRenewDate())``:
    ISO 8601 text with the PHP time zone's offset (the store's zone, not UTC: docs/xcart.md), never a number."""
    for order in orders:
        for name in ("orderDate", "updateDate"):
            text = order[name]
            assert isinstance(text, str)
            parsed = datetime.fromisoformat(text)
            assert parsed.utcoffset() is not None and parsed.utcoffset().total_seconds() != 0
            assert parsed.astimezone(timezone.utc) < datetime.fromtimestamp(END_TS, timezone.utc)


def test_an_order_date_is_the_instant_the_date_condition_compares(server):
    """``Model/Repo/Order.php`` ``prepareCndDate`` compares ``o.date`` with unix seconds; the same instant
    comes back as ``date('c', o.date)``: an order found from ``t`` on has an orderDate at or after ``t``."""
    since = END_TS - 10 * 86_400
    found = body(call(server, "GET", "order", _schema="complex", **{"_cnd[date][0]": since,
                                                                      "_cnd[date][1]": END_TS}))
    assert found
    assert all(datetime.fromisoformat(o["orderDate"]).timestamp() >= since for o in found)


def test_items_carry_quantity_and_no_line_total(orders):
    """``'quantity' => $item->getAmount()``; the item array has no ``amount``, no ``total`` and no item id."""
    for order in orders:
        for item in order["items"]:
            assert list(item) == ITEM_KEYS
            assert isinstance(item["quantity"], int) and item["quantity"] > 0


def test_subtotal_is_the_total_less_shipping(orders):
    """``'subtotal' => $model->getTotal() - $shippingCost``: tax and discounts stay in it, so it differs
    from the items' sum whenever an order has tax or a discount."""
    differs = 0
    for order in orders:
        assert order["subtotal"] == order["total"] - order["shippingCost"]
        items = sum((i["price"] * i["quantity"] for i in order["items"]), Decimal(0))
        differs += items != order["subtotal"]
    assert differs > 0


def test_billing_and_shipping_info_name_the_street_address(orders):
    """billingInfo / shippingInfo are built like convertModelProfile's addresses: the street is ``address``;
    there is no ``street``, ``street2`` or ``phone``."""
    for order in orders:
        for name in ("billingInfo", "shippingInfo"):
            info = order[name]
            assert list(info) == ADDRESS_KEYS
            assert isinstance(info["address"], str) and info["address"]
    assert all(order["billingInfo"]["isDefaultBillingAddress"] is True for order in orders)
    assert all(order["shippingInfo"]["isDefaultShippingAddress"] is True for order in orders)


def test_customer_info_has_no_guest_flag(orders):
    """``customerInfo`` is the profile's ``profileId``, ``login``, ``email`` (= login), ``password``,
    ``addedDate``, ``membership``, ``firstname``, ``lastname``: nothing says whether it is a guest."""
    for order in orders:
        assert list(order["customerInfo"]) == CUSTOMER_KEYS
        assert order["customerInfo"]["email"] == order["customerInfo"]["login"]


def test_fixed_values_payment_fee_and_coupon(orders):
    """``'paymentFee' => 0``, ``'coupon' => ''`` whatever the order."""
    assert {(order["paymentFee"], order["coupon"]) for order in orders} == {(0, "")}
