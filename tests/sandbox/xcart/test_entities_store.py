"""The X-Cart emulator's customers, payment transactions and shipping updates: seed data and store API."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from decimal import Decimal

import pytest

from include.sandbox.xcart.seed import seed_store
from include.sandbox.xcart.server import encode_json
from include.sandbox.xcart.store import InvalidRecord, RecordNotFound, XCartStore, login_key

END_TS = 1_731_000_000
DAY = 86_400
ZERO = Decimal("0.00")
ADDRESS = {"firstname": "Siobhán", "lastname": "O'Connor", "street": "12 Rue de l'Église", "street2": "",
           "city": "Saint-Étienne", "state": "", "zipcode": "42000", "country": "FR", "phone": "+33 1 4020 0001"}


@pytest.fixture(scope="module")
def seeded() -> XCartStore:
    store = XCartStore()
    seed_store(store, seed=7, orders=3_000, products=120, profiles=120, days=30, end_ts=END_TS)
    return store


@pytest.fixture(scope="module")
def exported(seeded: XCartStore) -> dict[str, list[dict]]:
    return seeded.export()


@pytest.fixture(scope="module")
def transactions_by_order(exported) -> dict[int, list[dict]]:
    by_order: dict[int, list[dict]] = defaultdict(list)
    for transaction in exported["payment_transactions"]:
        by_order[transaction["orderId"]].append(transaction)
    return by_order


def sums(transactions: list[dict]) -> dict[str, Decimal]:
    totals = Counter()
    for transaction in transactions:
        if transaction["status"] == "S":
            totals[transaction["type"]] += transaction["value"]
    return {kind: totals.get(kind, ZERO) for kind in ("sale", "capture", "refund", "auth", "void")}


class Clock:
    def __init__(self, now: int = END_TS) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


def shop(clock: Clock | None = None, **order: object) -> XCartStore:
    """A store with one order 1 of 100.00 USD paid by card, queued, plus two profiles."""
    store = XCartStore(clock=clock or Clock())
    store.create_order({"orderId": 1, "total": Decimal("100.00"), "currency": "USD", "paymentMethod": "Credit Card",
                        "paymentStatus": "Q", "shippingStatus": "N", "shippingMethod": "UPS Ground",
                        "trackingNumber": None, "trackingNumbers": [], "orderDate": END_TS - 100,
                        "updateDate": END_TS - 100, **order})
    store.create_profile({"email": "ann.lee@example.com", "firstname": "Ann", "lastname": "Lee",
                          "addresses": [{**ADDRESS, "isBilling": True, "isShipping": True}],
                          "addedDate": END_TS - 1_000})
    store.create_profile({"email": "jose.muller@example.com", "firstname": "José", "lastname": "Müller",
                          "addedDate": END_TS - 1_000})
    return store


def pay(store: XCartStore, tx_type: str, value: str, status: str = "S", **extra: object) -> dict:
    return store.create_payment_transaction({"orderId": 1, "type": tx_type, "value": Decimal(value),
                                             "status": status, **extra})


# -- seeded payment transactions -------------------------------------------------------------------

def test_every_seeded_order_has_payment_transactions_consistent_with_its_payment_status(
        exported, transactions_by_order, seeded):
    for order in exported["orders"]:
        order_id, total, status = order["orderId"], order["total"], order["paymentStatus"]
        transactions = transactions_by_order.get(order_id, [])
        paid_by = sums(transactions)
        paid = paid_by["sale"] + paid_by["capture"]
        refunded, authorized, voided = paid_by["refund"], paid_by["auth"], paid_by["void"]
        assert seeded.payment_summary(order_id) == {"paid": paid, "refunded": refunded, "authorized": authorized,
                                                    "voided": voided}
        context = (order_id, status, total, transactions)
        if total == 0:
            assert transactions == [], context
        elif status == "Q":
            assert all((t["type"], t["status"]) == ("sale", "W") for t in transactions), context
            assert len(transactions) == (1 if order["paymentMethod"] in ("Credit Card", "PayPal") else 0), context
        elif status == "A":
            assert [(t["type"], t["status"], t["value"]) for t in transactions] == [("auth", "S", total)], context
        elif status == "PP":
            assert ZERO < paid < total and refunded == 0, context
        elif status == "P":
            assert paid == total and refunded < total, context
            assert voided == 0 and sum(1 for t in transactions if t["status"] == "F") <= 1, context
        elif status == "D":
            assert [(t["type"], t["status"]) for t in transactions] == [("sale", "F")], context
        elif status == "C":
            assert paid == 0 and authorized == voided == total, context
        elif status == "R":
            assert paid == refunded == total, context
        else:
            pytest.fail(f"unexpected paymentStatus {status!r}")


def test_seeded_payment_transactions_follow_their_orders(exported):
    orders = {order["orderId"]: order for order in exported["orders"]}
    transactions = exported["payment_transactions"]
    assert [t["transactionId"] for t in transactions] == list(range(1, len(transactions) + 1))
    assert [t["date"] for t in transactions] == sorted(t["date"] for t in transactions)
    by_id = {t["transactionId"]: t for t in transactions}
    for transaction in transactions:
        order = orders[transaction["orderId"]]
        assert (transaction["currency"], transaction["method"]) == (order["currency"], order["paymentMethod"])
        assert order["orderDate"] <= transaction["date"] <= transaction["updateDate"] <= order["updateDate"] < END_TS
        value = transaction["value"]
        assert isinstance(value, Decimal) and value.as_tuple().exponent == -2 and value > 0
        if transaction["method"] == "Credit Card":
            assert re.fullmatch(r"[0-9]{4}", transaction["cardLast4"])
            assert re.fullmatch(r"(ch|re)_3P[A-Za-z0-9]{22}", transaction["gatewayTransactionId"])
        else:
            assert transaction["cardLast4"] is None
        if transaction["method"] == "PayPal":
            assert re.fullmatch(r"PAYID-M[A-Z0-9]{23}", transaction["gatewayTransactionId"])
        if transaction["method"] in ("Purchase Order", "Gift Certificate"):
            assert transaction["gatewayTransactionId"] is None
        parent_id = transaction["parentTransactionId"]
        if transaction["type"] in ("sale", "auth"):
            assert parent_id is None
        if parent_id is not None:
            parent = by_id[parent_id]
            assert parent["orderId"] == transaction["orderId"] and parent_id < transaction["transactionId"]
    assert len({t["gatewayTransactionId"] for t in transactions if t["gatewayTransactionId"]}) == sum(
        1 for t in transactions if t["gatewayTransactionId"])


def test_seeded_payments_include_partial_refunds_retries_pending_and_late_settled_payments(
        exported, transactions_by_order):
    transactions = exported["payment_transactions"]
    assert {(t["type"], t["status"]) for t in transactions} >= {
        ("sale", "S"), ("sale", "F"), ("sale", "W"), ("auth", "S"), ("capture", "S"), ("refund", "S"), ("void", "S")}
    paid_orders = [o for o in exported["orders"] if o["paymentStatus"] == "P"]
    partially_refunded = [o for o in paid_orders if sums(transactions_by_order[o["orderId"]])["refund"] > 0]
    assert 3 <= len(partially_refunded) < len(paid_orders) * 0.05
    retried = [o for o in paid_orders if any(t["status"] == "F" for t in transactions_by_order[o["orderId"]])]
    assert retried and all(o["paymentMethod"] == "Credit Card" for o in retried)
    assert any(t["updateDate"] > t["date"] and t["status"] == "S" for t in transactions)
    assert {t["method"] for t in transactions} == {"Credit Card", "PayPal", "Purchase Order", "Gift Certificate"}


def test_no_seeded_payment_data_contains_a_13_to_19_digit_number(exported):
    text = encode_json(exported["payment_transactions"])
    assert "ch_3P" in text and "PAYID-" in text
    assert not re.search(r"[0-9]{13}", text)
    assert not re.search(r"[0-9](?:[ -]?[0-9]){12,18}", re.sub(r'"(date|updateDate)":[0-9]+', "", text))


# -- seeded profiles and guests --------------------------------------------------------------------

def test_seeded_profiles_have_an_update_date_from_added_date_to_the_end_and_a_status(exported):
    profiles = exported["profiles"]
    for profile in profiles:
        assert isinstance(profile["updateDate"], int)
        assert profile["addedDate"] <= profile["updateDate"] < END_TS
        assert profile["status"] in ("E", "D")
        if profile["status"] == "D":
            assert profile["updateDate"] > profile["addedDate"]
    changed = sum(1 for p in profiles if p["updateDate"] > p["addedDate"])
    assert 0.2 < changed / len(profiles) < 0.5
    assert any(p["updateDate"] >= END_TS - 30 * DAY for p in profiles)
    assert 1 <= sum(1 for p in profiles if p["status"] == "D") < len(profiles) * 0.1
    assert profiles[0]["status"] == profiles[1]["status"] == "E"


def test_seeded_profile_logins_are_unique_ignoring_case_and_whitespace(exported):
    keys = [login_key(profile["login"]) for profile in exported["profiles"]]
    assert len(keys) == len(set(keys))
    assert all(profile["login"] == profile["email"] == profile["email"].strip() for profile in exported["profiles"])


def test_about_a_tenth_of_guest_orders_use_a_registered_profiles_email_some_in_other_case(exported):
    profiles = {login_key(profile["email"]): profile for profile in exported["profiles"]}
    guests = [order for order in exported["orders"] if order["customerInfo"]["anonymous"]]
    reused = [order for order in guests if login_key(order["customerInfo"]["email"]) in profiles]
    assert 0.05 < len(reused) / len(guests) < 0.16
    assert any(order["customerInfo"]["email"] != profiles[login_key(order["customerInfo"]["email"])]["email"]
               for order in reused)
    for order in reused:
        customer = order["customerInfo"]
        profile = profiles[login_key(customer["email"])]
        assert customer["profileId"] is None and customer["login"] == customer["email"]
        assert (customer["firstname"], customer["lastname"]) == (profile["firstname"], profile["lastname"])
        assert order["billingInfo"]["lastname"] == profile["lastname"]


def test_seeded_profile_addresses_have_ids_flags_non_ascii_letters_and_apostrophes(exported):
    addresses = [address for profile in exported["profiles"] for address in profile["addresses"]]
    assert len({address["addressId"] for address in addresses}) == len(addresses)
    for profile in exported["profiles"]:
        assert sum(a["isBilling"] for a in profile["addresses"]) == 1
        assert sum(a["isShipping"] for a in profile["addresses"]) == 1
    texts = [f"{a['street']} {a['city']}" for a in addresses]
    assert any(not text.isascii() for text in texts)
    assert any("'" in text for text in texts)


# -- seeded tracking numbers -----------------------------------------------------------------------

def test_seeded_tracking_numbers_list_every_parcel_with_the_first_as_tracking_number(exported):
    orders = exported["orders"]
    carriers = {"UPS Ground": "UPS", "FedEx 2Day": "FedEx", "USPS Priority": "USPS"}
    for order in orders:
        numbers = order["trackingNumbers"]
        assert order["trackingNumber"] == (numbers[0]["value"] if numbers else None), order["orderId"]
        assert all(entry["carrier"] == carriers[order["shippingMethod"]] and entry["value"] for entry in numbers)
        assert len({entry["value"] for entry in numbers}) == len(numbers)
        if order["shippingStatus"] == "N" or order["shippingMethod"] == "Local Pickup":
            assert numbers == []
        if order["shippingStatus"] in ("S", "D") and order["shippingMethod"] != "Local Pickup":
            assert numbers
    assert any(len(order["trackingNumbers"]) == 2 for order in orders)
    partial = [o for o in orders if o["shippingStatus"] == "P" and o["trackingNumbers"]]
    unshipped = [o for o in orders if o["shippingStatus"] == "P" and not o["trackingNumbers"]]
    assert partial and unshipped
    assert all(re.fullmatch(r"1Z[0-9A-F]{6}[0-9]{10}", n["value"])
               for o in orders for n in o["trackingNumbers"] if n["carrier"] == "UPS")


# -- profiles through the store API ----------------------------------------------------------------

def test_profile_update_date_filter_is_inclusive_from_and_exclusive_to(seeded, exported):
    profiles = exported["profiles"]
    boundary = sorted(p["updateDate"] for p in profiles)[len(profiles) // 2]
    records, total = seeded.list_profiles(update_from=boundary)
    assert [p["profileId"] for p in records] == [p["profileId"] for p in profiles if p["updateDate"] >= boundary]
    assert total == len(records)
    records, total = seeded.list_profiles(update_to=boundary, offset=1, limit=2)
    before = [p["profileId"] for p in profiles if p["updateDate"] < boundary]
    assert [p["profileId"] for p in records] == before[1:3] and total == len(before)
    assert seeded.list_profiles(update_from=boundary, update_to=boundary)[1] == 0


def test_profile_put_changes_names_status_and_addresses_and_bumps_update_date():
    clock = Clock()
    store = shop(clock)
    before = store.get_profile(1)
    kept_id = before["addresses"][0]["addressId"]
    clock.now = END_TS + 60
    updated = store.update_profile(1, {
        "firstname": "Anne-Zoë", "lastname": "D'Arcy", "status": "D",
        "addresses": [{**ADDRESS, "addressId": kept_id, "isBilling": True},
                      {**ADDRESS, "street": "Königstraße 5", "country": "DE", "isShipping": True}]})
    assert (updated["firstname"], updated["lastname"], updated["status"]) == ("Anne-Zoë", "D'Arcy", "D")
    assert updated["updateDate"] == END_TS + 60
    first, second = updated["addresses"]
    assert (first["addressId"], first["isBilling"], first["isShipping"]) == (kept_id, True, False)
    assert second["addressId"] > kept_id and (second["isBilling"], second["isShipping"]) == (False, True)
    assert second["street"] == "Königstraße 5" and set(second) == {"addressId", "isBilling", "isShipping", *ADDRESS}
    assert store.get_profile(1) == updated
    assert store.list_profiles(update_from=END_TS + 60)[1] == 1


def test_optional_address_fields_may_be_left_out_or_null():
    store = shop()
    updated = store.update_profile(2, {"addresses": [{"street": "1 Main St", "city": "Köln", "country": "DE",
                                                      "street2": None, "state": None, "isBilling": True}]})
    address = updated["addresses"][0]
    assert (address["street2"], address["state"], address["phone"], address["isShipping"]) == ("", "", "", False)


def test_profile_put_without_a_real_change_keeps_update_date_and_a_change_moves_it_past_the_old_one():
    clock = Clock(END_TS - 5_000)
    store = shop(clock)
    assert store.update_profile(2, {"lastname": "Müller"})["updateDate"] == END_TS - 1_000
    assert store.update_profile(2, {"status": "D"})["updateDate"] == END_TS - 999


def test_profile_login_and_email_change_together_and_stay_unique_ignoring_case_and_whitespace():
    store = shop()
    updated = store.update_profile(2, {"email": "  Jose.Mueller@Example.COM "})
    assert updated["login"] == updated["email"] == "Jose.Mueller@Example.COM"
    assert store.find_profile_by_login("jose.mueller@example.com")["profileId"] == 2
    assert store.find_profile_by_login("jose.muller@example.com") is None
    for taken in ("ANN.LEE@example.com", " ann.lee@example.com", "Ann.Lee@Example.Com  "):
        with pytest.raises(InvalidRecord, match="already exists"):
            store.update_profile(2, {"login": taken})
    assert store.update_profile(1, {"login": "ANN.LEE@example.com"})["email"] == "ANN.LEE@example.com"
    with pytest.raises(InvalidRecord, match="already exists"):
        store.create_profile({"email": "jose.mueller@EXAMPLE.com"})


@pytest.mark.parametrize("changes", [
    {"addresses": {"street": "x"}},
    {"addresses": ["12 Main St"]},
    {"addresses": [{**ADDRESS, "street": ""}]},
    {"addresses": [{key: value for key, value in ADDRESS.items() if key != "city"}]},
    {"addresses": [{**ADDRESS, "country": "France"}]},
    {"addresses": [{**ADDRESS, "zip": "42000"}]},
    {"addresses": [{**ADDRESS, "isBilling": "yes"}]},
    {"addresses": [{**ADDRESS, "isBilling": True}, {**ADDRESS, "isBilling": True}]},
    {"addresses": [{**ADDRESS, "addressId": 999}]},
    {"addresses": [{**ADDRESS, "phone": 5035550000}]},
    {"addresses": [{**ADDRESS, "city": None}]},
    {"status": "X"}, {"status": None}, {"email": "not-an-address"}, {"email": "a b@example.com"},
    {"login": 5}, {"login": "ann@example.com", "email": "other@example.com"}, {"firstname": None},
    {"addedDate": 1}, {"profileId": 3}, {},
])
def test_profile_put_refuses_bad_values_and_changes_nothing(changes):
    store = shop()
    before = store.get_profile(2)
    with pytest.raises(InvalidRecord):
        store.update_profile(2, changes)
    assert store.get_profile(2) == before


# -- payment transactions through the store API ----------------------------------------------------

def test_payment_transaction_list_filters_by_order_date_and_update_date(seeded, exported):
    transactions = exported["payment_transactions"]
    order_id = next(t["orderId"] for t in transactions if t["type"] == "refund")
    records, total = seeded.list_payment_transactions(order_id=order_id)
    assert records == [t for t in transactions if t["orderId"] == order_id] and total == len(records) >= 2
    start, end = transactions[100]["date"], transactions[900]["date"]
    records, total = seeded.list_payment_transactions(date_from=start, date_to=end, offset=10, limit=50)
    expected = [t["transactionId"] for t in transactions if start <= t["date"] < end]
    assert [t["transactionId"] for t in records] == expected[10:60] and total == len(expected)
    since = END_TS - 2 * DAY
    records, total = seeded.list_payment_transactions(update_from=since, update_to=END_TS)
    assert [t["transactionId"] for t in records] == [t["transactionId"] for t in transactions
                                                     if t["updateDate"] >= since]
    assert seeded.list_payment_transactions(order_id=10_000_000) == ([], 0)
    assert seeded.get_payment_transaction(5) == transactions[4]
    with pytest.raises(RecordNotFound):
        seeded.get_payment_transaction(10_000_000)


def test_a_posted_transaction_gets_defaults_from_its_order_and_the_clock():
    clock = Clock(END_TS + 5)
    store = shop(clock)
    created = pay(store, "sale", "100.00", cardLast4="4242", gatewayTransactionId="ch_3PtestTEST")
    assert created == {"transactionId": 1, "orderId": 1, "parentTransactionId": None, "type": "sale", "status": "S",
                       "value": Decimal("100.00"), "currency": "USD", "method": "Credit Card",
                       "gatewayTransactionId": "ch_3PtestTEST", "cardLast4": "4242", "date": END_TS + 5,
                       "updateDate": END_TS + 5}
    order = store.get_order(1)
    assert order["paymentStatus"] == "P" and order["updateDate"] == END_TS + 5


def test_captures_move_an_order_from_authorized_to_part_paid_to_paid():
    store = shop()
    auth = pay(store, "auth", "100.00")
    assert store.get_order(1)["paymentStatus"] == "A"
    pay(store, "capture", "40.00", parentTransactionId=auth["transactionId"])
    assert store.get_order(1)["paymentStatus"] == "PP"
    pay(store, "capture", "60.00", parentTransactionId=auth["transactionId"])
    assert store.get_order(1)["paymentStatus"] == "P"
    assert store.payment_summary(1) == {"paid": Decimal("100.00"), "refunded": ZERO,
                                        "authorized": Decimal("100.00"), "voided": ZERO}


def test_a_successful_refund_of_the_rest_sets_the_order_refunded_and_a_partial_one_keeps_it_paid():
    clock = Clock()
    store = shop(clock, paymentStatus="P")
    sale = pay(store, "sale", "100.00")
    clock.now += 10
    pay(store, "refund", "30.00", parentTransactionId=sale["transactionId"])
    order = store.get_order(1)
    assert order["paymentStatus"] == "P"
    clock.now += 10
    pay(store, "refund", "70.00", parentTransactionId=sale["transactionId"])
    order = store.get_order(1)
    assert order["paymentStatus"] == "R" and order["updateDate"] == clock.now
    assert store.payment_summary(1)["refunded"] == Decimal("100.00")
    assert order["total"] == Decimal("100.00")  # refunds never touch the order's amounts


def test_refunding_all_of_a_part_payment_sets_the_order_refunded():
    store = shop()
    pay(store, "sale", "25.00")
    assert store.get_order(1)["paymentStatus"] == "PP"
    pay(store, "refund", "25.00")
    assert store.get_order(1)["paymentStatus"] == "R"


def test_a_declined_attempt_sets_declined_only_when_nothing_is_paid_or_authorized():
    store = shop()
    declined = pay(store, "sale", "100.00", status="F", cardLast4="0002")
    assert declined["status"] == "F" and store.get_order(1)["paymentStatus"] == "D"
    pay(store, "auth", "100.00")
    assert store.get_order(1)["paymentStatus"] == "A"
    pay(store, "capture", "100.00", status="F")
    assert store.get_order(1)["paymentStatus"] == "A"


def test_a_void_cancels_an_authorized_order():
    store = shop()
    auth = pay(store, "auth", "100.00")
    pay(store, "void", "100.00", parentTransactionId=auth["transactionId"])
    assert store.get_order(1)["paymentStatus"] == "C"


def test_pending_and_failed_transactions_do_not_count_as_paid():
    store = shop()
    pay(store, "sale", "100.00", status="W")
    pay(store, "sale", "100.00", status="I")
    assert store.get_order(1)["paymentStatus"] == "Q"
    assert store.payment_summary(1)["paid"] == ZERO


@pytest.mark.parametrize("body, message", [
    ({"type": "sale", "value": Decimal("100.01")}, "above its total"),
    ({"type": "refund", "value": Decimal("1.00")}, "exceeds what order 1 has paid"),
    ({"type": "void", "value": Decimal("1.00")}, "open authorization"),
    ({"type": "auth", "value": Decimal("100.01")}, "exceeds order 1's total"),
    ({"type": "sale", "value": Decimal("0")}, "greater than 0"),
    ({"type": "sale", "value": Decimal("-5.00")}, "non-negative"),
    ({"type": "sale", "value": Decimal("1.005")}, "two decimals"),
    ({"type": "sale", "value": "ten"}, "must be a number"),
    ({"type": "sale"}, "value is required"),
    ({"type": "chargeback", "value": 1}, "type"),
    ({"value": 1}, "type"),
    ({"type": "sale", "value": 1, "status": "D"}, "status"),
    ({"type": "sale", "value": 1, "currency": "EUR"}, "differs"),
    ({"type": "sale", "value": 1, "currency": "usd"}, "ISO 4217"),
    ({"type": "sale", "value": 1, "method": "Bitcoin"}, "method"),
    ({"type": "sale", "value": 1, "cardLast4": "4242424242424242"}, "cardLast4"),
    ({"type": "sale", "value": 1, "cardLast4": 4242}, "cardLast4"),
    ({"type": "sale", "value": 1, "method": "PayPal", "cardLast4": "4242"}, "only for card"),
    ({"type": "sale", "value": 1, "gatewayTransactionId": "4242 4242 4242 4242"}, "card number"),
    ({"type": "sale", "value": 1, "cardNumber": "4242424242424242"}, "unknown"),
    ({"type": "sale", "value": 1, "parentTransactionId": 99}, "parentTransactionId"),
    ({"type": "sale", "value": 1, "orderId": 2}, "not found"),
    ({"type": "sale", "value": 1, "orderId": "1"}, "orderId"),
    ({"type": "sale", "value": 1, "orderId": None}, "orderId is required"),
    ({"type": "sale", "value": 1, "date": -1}, "date"),
])
def test_payment_posts_that_break_the_rules_are_refused_and_change_nothing(body, message):
    store = shop()
    before = store.export()
    with pytest.raises(InvalidRecord, match=message):
        store.create_payment_transaction({"orderId": 1, **body})
    assert store.export() == before


def test_a_pending_transaction_settles_by_put_and_final_ones_cannot_change():
    clock = Clock()
    store = shop(clock)
    pending = pay(store, "sale", "100.00", status="W")
    clock.now += 30
    settled = store.update_payment_transaction(pending["transactionId"], {"status": "S"})
    assert settled["status"] == "S" and settled["updateDate"] == clock.now and settled["date"] == pending["date"]
    assert store.get_order(1)["paymentStatus"] == "P"
    assert store.list_payment_transactions(update_from=clock.now)[1] == 1
    for changes in ({"status": "F"}, {"status": "Z"}, {"value": 1}, {}):
        with pytest.raises(InvalidRecord):
            store.update_payment_transaction(pending["transactionId"], changes)
    assert store.update_payment_transaction(pending["transactionId"], {"status": "S"}) == settled
    with pytest.raises(RecordNotFound):
        store.update_payment_transaction(99, {"status": "S"})


def test_settling_a_pending_transaction_is_checked_like_a_post():
    store = shop()
    first = pay(store, "sale", "100.00", status="W")
    pay(store, "sale", "100.00")
    with pytest.raises(InvalidRecord, match="above its total"):
        store.update_payment_transaction(first["transactionId"], {"status": "S"})
    assert store.get_payment_transaction(first["transactionId"])["status"] == "W"


def test_deleting_an_order_deletes_its_transactions_which_cannot_be_deleted_alone():
    store = shop()
    sale = pay(store, "sale", "100.00")
    with pytest.raises(InvalidRecord, match="cannot be deleted"):
        store.delete_payment_transaction(sale["transactionId"])
    with pytest.raises(RecordNotFound):
        store.delete_payment_transaction(99)
    store.delete_order(1)
    assert store.list_payment_transactions() == ([], 0)
    assert store.counts()["payment_transactions"] == 0


def test_verbatim_transactions_are_stored_as_given_without_touching_the_order():
    store = shop()
    orphan = store.create_payment_transaction({"orderId": 777, "type": "sale", "status": "S", "value": "1.5"},
                                              verbatim=True)
    assert orphan["value"] == "1.5" and orphan["transactionId"] == 1 and orphan["date"] == END_TS
    assert store.list_payment_transactions(order_id=777)[1] == 1
    assert store.get_order(1)["paymentStatus"] == "Q"


# -- tracking numbers through the store API --------------------------------------------------------

def test_put_tracking_numbers_replaces_the_list_and_mirrors_the_first_into_tracking_number():
    clock = Clock()
    store = shop(clock)
    clock.now += 1
    partial = store.update_order(1, {"shippingStatus": "P", "trackingNumbers": [{"value": " 1Z999AA10123456784 "}]})
    assert partial["trackingNumbers"] == [{"value": "1Z999AA10123456784", "carrier": "UPS"}]
    assert partial["trackingNumber"] == "1Z999AA10123456784" and partial["updateDate"] == clock.now
    clock.now += 1
    complete = store.update_order(1, {"shippingStatus": "S", "trackingNumbers": [
        {"value": "1Z999AA10123456784", "carrier": "UPS"}, {"value": "9400111899223100000001", "carrier": "USPS"}]})
    assert [n["value"] for n in complete["trackingNumbers"]] == ["1Z999AA10123456784", "9400111899223100000001"]
    assert complete["trackingNumber"] == "1Z999AA10123456784" and complete["shippingStatus"] == "S"
    cleared = store.update_order(1, {"trackingNumbers": []})
    assert (cleared["trackingNumbers"], cleared["trackingNumber"]) == ([], None)


def test_put_tracking_number_alone_replaces_the_first_entry_and_keeps_the_others():
    store = shop()
    store.update_order(1, {"trackingNumbers": [{"value": "A1", "carrier": "UPS"}, {"value": "B2", "carrier": "UPS"}]})
    updated = store.update_order(1, {"trackingNumber": "C3"})
    assert updated["trackingNumbers"] == [{"value": "C3", "carrier": "UPS"}, {"value": "B2", "carrier": "UPS"}]
    assert store.update_order(1, {"trackingNumber": None})["trackingNumbers"] == []


def test_an_order_stored_without_the_list_gets_one_from_its_tracking_number():
    store = XCartStore()
    store.create_order({"orderId": 1, "shippingMethod": "FedEx 2Day", "trackingNumber": "123456789012"})
    updated = store.update_order(1, {"trackingNumber": "123456789013"})
    assert updated["trackingNumbers"] == [{"value": "123456789013", "carrier": "FedEx"}]


@pytest.mark.parametrize("changes", [
    {"trackingNumbers": "1Z999"}, {"trackingNumbers": {"value": "1Z999"}}, {"trackingNumbers": ["1Z999"]},
    {"trackingNumbers": [{"carrier": "UPS"}]}, {"trackingNumbers": [{"value": ""}]},
    {"trackingNumbers": [{"value": "  "}]}, {"trackingNumbers": [{"value": 123}]},
    {"trackingNumbers": [{"value": "A", "carrier": 5}]}, {"trackingNumbers": [{"value": "A", "url": "x"}]},
    {"trackingNumbers": [{"value": "A"}, {"value": "A"}]},
    {"trackingNumbers": [{"value": "A"}], "trackingNumber": "B"},
    {"trackingNumbers": None},
])
def test_put_tracking_numbers_refuses_bad_lists_and_changes_nothing(changes):
    store = shop()
    before = store.get_order(1)
    with pytest.raises(InvalidRecord):
        store.update_order(1, changes)
    assert store.get_order(1) == before


def test_seeding_stays_deterministic_with_the_new_entities():
    first, second = XCartStore(), XCartStore()
    seed_store(first, seed=9, orders=400, profiles=30, end_ts=END_TS)
    seed_store(second, seed=9, orders=400, profiles=30, end_ts=END_TS)
    assert first.export() == second.export()
    third = XCartStore()
    seed_store(third, seed=10, orders=400, profiles=30, end_ts=END_TS)
    assert third.export()["payment_transactions"] != first.export()["payment_transactions"]
