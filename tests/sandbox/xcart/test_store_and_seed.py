"""The X-Cart emulator's store and seed data: determinism, contract shapes, exact money, scale."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from include.sandbox.xcart.seed import seed_store
from include.sandbox.xcart.store import InvalidRecord, RecordNotFound, XCartStore

END_TS = 1_731_000_000
DAY = 86_400
MONEY_FIELDS = ("total", "subtotal", "taxAmount", "shippingCost", "discountValue")


@pytest.fixture(scope="module")
def seeded() -> XCartStore:
    store = XCartStore()
    seed_store(store, seed=7, orders=2_000, products=120, profiles=80, days=30, end_ts=END_TS)
    return store


@pytest.fixture(scope="module")
def exported(seeded: XCartStore) -> dict[str, list[dict]]:
    return seeded.export()


def is_cents(value: object) -> bool:
    return isinstance(value, Decimal) and value.as_tuple().exponent == -2


def test_same_seed_and_end_time_give_identical_shops():
    first, second = XCartStore(), XCartStore()
    seed_store(first, seed=3, orders=300, end_ts=END_TS)
    seed_store(second, seed=3, orders=300, end_ts=END_TS)
    assert first.export() == second.export()


def test_a_different_seed_gives_a_different_shop():
    first, second = XCartStore(), XCartStore()
    seed_store(first, seed=3, orders=50, end_ts=END_TS)
    seed_store(second, seed=4, orders=50, end_ts=END_TS)
    assert first.export() != second.export()


def test_seeding_replaces_previous_contents_and_reports_the_spec_used():
    store = XCartStore()
    store.create_order({"orderId": 999_999})
    spec = seed_store(store, seed=1, orders=10, products=5, profiles=3, end_ts=END_TS)
    counts = store.counts()
    assert (counts["orders"], counts["profiles"], counts["products"]) == (10, 3, 5)
    assert counts["payment_transactions"] == len(store.export()["payment_transactions"])
    assert (spec.seed, spec.orders, spec.end_ts) == (1, 10, END_TS)


def test_default_end_time_is_now_rounded_down_to_the_hour():
    spec = seed_store(XCartStore(), orders=1, products=1, profiles=1)
    assert spec.end_ts % 3600 == 0
    assert 0 <= time.time() - spec.end_ts < 3600 + 5


def test_every_seeded_order_satisfies_the_money_invariants_exactly(exported):
    for order in exported["orders"]:
        for field in MONEY_FIELDS:
            assert is_cents(order[field]), (order["orderId"], field, order[field])
        for item in order["items"]:
            assert is_cents(item["price"]) and is_cents(item["total"])
            assert item["total"] == item["price"] * item["amount"], order["orderId"]
        assert 1 <= len(order["items"]) <= 5
        assert order["subtotal"] == sum((item["total"] for item in order["items"]), Decimal("0.00"))
        assert order["total"] == (
            order["subtotal"] + order["shippingCost"] + order["taxAmount"] - order["discountValue"]
        ), order["orderId"]
        assert Decimal("0") <= order["discountValue"] <= order["subtotal"]


def test_seeded_orders_exercise_tax_shipping_and_discounts(exported):
    orders = exported["orders"]
    assert any(order["taxAmount"] > 0 for order in orders)
    assert any(order["taxAmount"] == 0 for order in orders)
    assert any(order["shippingCost"] > 0 for order in orders)
    assert any(order["discountValue"] > 0 for order in orders)
    assert {len(order["items"]) for order in orders} == {1, 2, 3, 4, 5}


def test_seeded_orders_use_the_contract_currencies_methods_and_status_codes(exported):
    orders = exported["orders"]
    assert {o["currency"] for o in orders} == {"USD", "EUR", "GBP", "CAD"}
    assert {o["paymentMethod"] for o in orders} == {"Credit Card", "PayPal", "Purchase Order", "Gift Certificate"}
    assert {o["shippingMethod"] for o in orders} == {"UPS Ground", "FedEx 2Day", "USPS Priority", "Local Pickup"}
    assert {o["paymentStatus"] for o in orders} <= {"Q", "A", "PP", "P", "D", "C", "R"}
    assert {o["shippingStatus"] for o in orders} <= {"N", "P", "S", "D", "WND", "R"}
    assert len({o["paymentStatus"] for o in orders}) >= 5
    for order in orders:
        if order["shippingStatus"] in ("S", "D") and order["shippingMethod"] != "Local Pickup":
            assert order["trackingNumber"], order["orderId"]
        if order["shippingStatus"] == "N":
            assert order["trackingNumber"] is None


def test_seeded_dates_lie_in_the_window_and_ids_follow_order_date(exported):
    orders = exported["orders"]
    start = END_TS - 30 * DAY
    for order in orders:
        assert start <= order["orderDate"] <= order["updateDate"] < END_TS
        assert isinstance(order["orderDate"], int) and isinstance(order["updateDate"], int)
    order_dates = [order["orderDate"] for order in orders]
    assert order_dates == sorted(order_dates)
    assert [o["orderId"] for o in orders] == list(range(1, len(orders) + 1))
    assert order_dates[0] < start + DAY and order_dates[-1] > END_TS - DAY


def test_about_a_fifth_of_orders_are_guests_and_registered_ones_match_their_profile(exported):
    profiles = {profile["profileId"]: profile for profile in exported["profiles"]}
    orders = exported["orders"]
    guests = [order for order in orders if order["customerInfo"]["anonymous"]]
    assert 0.15 < len(guests) / len(orders) < 0.25
    for order in guests:
        assert order["customerInfo"]["profileId"] is None
    for order in orders:
        customer = order["customerInfo"]
        assert order["billingInfo"]["firstname"] == customer["firstname"]
        if customer["anonymous"]:
            continue
        profile = profiles[customer["profileId"]]
        assert (customer["email"], customer["login"], customer["firstname"], customer["lastname"]) == (
            profile["email"], profile["login"], profile["firstname"], profile["lastname"])
        assert profile["addedDate"] < order["orderDate"]


def test_seeded_names_include_non_ascii_letters_and_apostrophes(exported):
    profiles = exported["profiles"]
    full_names = {f"{p['firstname']} {p['lastname']}" for p in profiles}
    assert {"José Müller", "Zoë O'Brien"} <= full_names
    order_names = [f"{o['customerInfo']['firstname']} {o['customerInfo']['lastname']}" for o in exported["orders"]]
    assert any(not name.isascii() for name in order_names)
    assert any("'" in name for name in order_names)
    assert all(p["email"].isascii() and p["login"] == p["email"] for p in profiles)


def test_profiles_have_the_complex_shape_with_addresses(exported):
    for profile in exported["profiles"]:
        assert {"profileId", "login", "email", "addresses", "addedDate", "firstname", "lastname"} <= set(profile)
        assert profile["addresses"] and all(
            {"street", "city", "zipcode", "country"} <= set(address) for address in profile["addresses"])


def test_products_have_five_digit_skus_decimal_prices_and_mirrored_stock(exported):
    products = exported["products"]
    assert [p["sku"] for p in products[:2]] == ["SKU-00001", "SKU-00002"]
    for product in products:
        assert {"sku", "productId", "name", "price", "quantity", "amount", "enabled"} <= set(product)
        assert is_cents(product["price"]) and product["price"] > 0
        assert product["quantity"] == product["amount"] >= 0
    assert any(not p["enabled"] for p in products) and any(p["amount"] == 0 for p in products)


def test_create_order_keeps_malformed_records_verbatim():
    store = XCartStore(clock=lambda: END_TS)
    malformed = {"orderId": "not-a-number", "total": "12.3", "items": None, "orderDate": None}
    created = store.create_order(malformed)
    for field, value in malformed.items():
        assert created[field] == value
    assert created["updateDate"] is None  # absent: defaults to the (malformed) orderDate
    records, total = store.list_orders()
    assert total == 1 and records[0]["orderId"] == "not-a-number"
    assert store.list_orders(update_from=0)[1] == 0  # a malformed date never matches a filter


def test_create_order_fills_only_absent_identity_and_dates():
    store = XCartStore(clock=lambda: END_TS)
    created = store.create_order({"total": Decimal("1.00")})
    assert (created["orderId"], created["orderNumber"], created["orderDate"], created["updateDate"]) == (
        1, "000001", END_TS, END_TS)
    with pytest.raises(InvalidRecord):
        store.create_order({"orderId": 1})


def test_orders_created_out_of_id_order_are_listed_in_id_order():
    store = XCartStore(clock=lambda: END_TS)
    for order_id in (5, 2, 9, 1):
        store.create_order({"orderId": order_id})
    assert [o["orderId"] for o in store.list_orders()[0]] == [1, 2, 5, 9]
    assert store.create_order({})["orderId"] == 10


def test_returned_records_are_copies_that_cannot_change_the_store(seeded):
    order = seeded.get_order(1)
    order["items"][0]["amount"] = 10_000
    order["paymentStatus"] = "X"
    assert seeded.get_order(1)["items"][0]["amount"] != 10_000
    assert seeded.get_order(1)["paymentStatus"] != "X"


def test_order_date_filters_are_inclusive_from_and_exclusive_to(seeded, exported):
    boundary = exported["orders"][100]["updateDate"]
    at_boundary = {o["orderId"] for o in exported["orders"] if o["updateDate"] == boundary}
    records, total = seeded.list_orders(update_from=boundary, update_to=boundary + 1)
    assert {o["orderId"] for o in records} == at_boundary and total == len(at_boundary)
    assert seeded.list_orders(update_from=boundary, update_to=boundary)[1] == 0
    placed = exported["orders"][500]["orderDate"]
    before = sum(1 for o in exported["orders"] if o["orderDate"] < placed)
    assert seeded.list_orders(date_to=placed)[1] == before
    assert seeded.list_orders(date_from=placed)[1] == len(exported["orders"]) - before


def test_a_date_filter_asked_again_sees_orders_created_changed_and_deleted_since():
    now = [END_TS]
    store = XCartStore(clock=lambda: now[0])
    for _ in range(3):
        store.create_order({})
    window = {"update_from": END_TS, "update_to": END_TS + 10}

    def listed() -> list[int]:
        return [o["orderId"] for o in store.list_orders(**window)[0]]

    assert listed() == [1, 2, 3]
    now[0] = END_TS + 20
    store.update_order(2, {"adminNotes": "moved out of the window"})
    assert listed() == [1, 3]
    store.delete_order(3)
    assert listed() == [1]
    now[0] = END_TS + 5
    store.create_order({})
    assert listed() == [1, 4]
    assert store.list_orders(**window, offset=1, limit=1) == ([store.get_order(4)], 2)


def test_update_order_bumps_update_date_past_the_previous_value():
    now = [END_TS]
    store = XCartStore(clock=lambda: now[0])
    store.create_order({"orderId": 1, "orderDate": END_TS, "updateDate": END_TS + 50, "paymentStatus": "Q"})
    assert store.update_order(1, {"paymentStatus": "P"})["updateDate"] == END_TS + 51
    now[0] = END_TS + 1_000
    updated = store.update_order(1, {"shippingStatus": "S", "trackingNumber": "1Z999"})
    assert updated["updateDate"] == END_TS + 1_000
    assert (updated["shippingStatus"], updated["trackingNumber"]) == ("S", "1Z999")


def test_update_order_without_a_real_change_keeps_update_date():
    store = XCartStore(clock=lambda: END_TS + 10)
    store.create_order({"orderId": 1, "orderDate": END_TS, "paymentStatus": "P"})
    assert store.update_order(1, {"paymentStatus": "P"})["updateDate"] == END_TS


@pytest.mark.parametrize("changes", [
    {"paymentStatus": "X"}, {"paymentStatus": "I"}, {"shippingStatus": "Q"}, {"shippingStatus": "s"},
    {"total": "1.00"}, {"adminNotes": 5}, {"trackingNumber": 123}, {},
])
def test_update_order_refuses_bad_fields_and_codes(changes):
    store = XCartStore()
    store.create_order({"orderId": 1})
    with pytest.raises(InvalidRecord):
        store.update_order(1, changes)


def test_unknown_ids_raise_record_not_found():
    store = XCartStore()
    for call in (lambda: store.get_order(1), lambda: store.get_profile(1), lambda: store.get_product(1),
                 lambda: store.update_order(1, {"adminNotes": ""})):
        with pytest.raises(RecordNotFound):
            call()


def test_products_are_found_by_sku_and_stock_updates_keep_quantity_and_amount_equal():
    store = XCartStore()
    seed_store(store, orders=0, products=3, profiles=0, end_ts=END_TS)
    product = store.find_product_by_sku("SKU-00002")
    updated = store.update_product(product["productId"], {"amount": 17, "price": 9})
    assert (updated["amount"], updated["quantity"], updated["price"]) == (17, 17, Decimal("9.00"))
    with pytest.raises(InvalidRecord):
        store.update_product(product["productId"], {"price": Decimal("1.005")})
    with pytest.raises(InvalidRecord):
        store.create_product({"sku": "SKU-00001"})


def test_a_100k_order_store_seeds_and_filters_pages_correctly():
    # How fast is for the benchmark report, not a test: here only what 100k orders must still do right.
    store = XCartStore()
    seed_store(store, seed=42, orders=100_000, end_ts=END_TS)
    assert store.counts()["orders"] == 100_000

    window = (END_TS - 10 * DAY, END_TS - 9 * DAY)
    records, total = store.list_orders(offset=500, limit=500, update_from=window[0], update_to=window[1])
    assert 2_000 < total < 5_000 and len(records) == 500
    assert all(window[0] <= o["updateDate"] < window[1] for o in records)
    ids = [o["orderId"] for o in records]
    assert ids == sorted(ids)
