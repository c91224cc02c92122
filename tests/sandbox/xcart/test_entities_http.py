"""Customers, payment transactions and shipping updates over the X-Cart emulator's REST API."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from include.sandbox.xcart.server import Faults, XCartServer
from tests.sandbox.xcart.test_server_api import call, page

END_TS = 1_731_000_000
DAY = 86_400
ADDRESS = {"firstname": "Zoë", "lastname": "O'Brien", "street": "4633 O'Connell Street", "street2": "",
           "city": "Dún Laoghaire", "state": "", "zipcode": "A96 K7W2", "country": "IE", "phone": "+353 1 555 0101"}
PAYMENT_FIELDS = {"transactionId", "orderId", "parentTransactionId", "type", "status", "value", "currency", "method",
                  "gatewayTransactionId", "cardLast4", "date", "updateDate"}


@pytest.fixture(scope="module")
def server():
    """A shared server for read-only tests; writes go to ``fresh_server``."""
    with XCartServer(seed=11, orders=800, products=60, profiles=60, end_ts=END_TS) as running:
        yield running


@pytest.fixture
def fresh_server():
    with XCartServer(seed=5, orders=60, products=10, profiles=8, end_ts=END_TS) as running:
        yield running


def all_ids(server: XCartServer, entity: str, id_field: str, **params: object) -> tuple[list[int], int]:
    ids, offset, total = [], 0, None
    while True:
        response = call(server, entity, **page(offset, 200), **params)
        assert response.status == 200, response.headers.get("X-REST-Error")
        total = int(response.headers["X-Result-Count"])
        batch = response.json()
        if not batch:
            return ids, total
        ids.extend(record[id_field] for record in batch)
        offset += len(batch)


def first_order(server: XCartServer, payment_status: str) -> dict:
    return next(o for o in server.store.list_orders()[0] if o["paymentStatus"] == payment_status and o["total"] > 0)


def assert_400(response) -> str:
    assert response.status == 400 and response.body == b"null", response.status
    assert response.headers["X-REST-Error"]
    return response.headers["X-REST-Error"]


# -- payment transactions: reads -------------------------------------------------------------------

def test_payment_transactions_page_with_result_count_and_cover_every_record_once(server):
    expected = [t["transactionId"] for t in server.store.export()["payment_transactions"]]
    ids, total = all_ids(server, "payment-transaction", "transactionId")
    assert ids == expected and total == len(expected) > 800
    response = call(server, "payment-transaction", **page(total - 2, 10))
    assert [t["transactionId"] for t in response.json()] == expected[-2:]
    assert response.headers["X-Result-Count"] == str(total)


def test_payment_transaction_filters_on_date_update_date_and_order(server):
    transactions = server.store.export()["payment_transactions"]
    start, end = transactions[50]["date"], transactions[400]["date"]
    ids, total = all_ids(server, "payment-transaction", "transactionId",
                         **{"_cnd[date][0]": start, "_cnd[date][1]": end})
    assert ids == [t["transactionId"] for t in transactions if start <= t["date"] < end] and total == len(ids)
    assert transactions[50]["transactionId"] in ids and transactions[400]["transactionId"] not in ids
    since = END_TS - 3 * DAY
    ids, _ = all_ids(server, "payment-transaction", "transactionId", **{"_cnd[updateDate][0]": since})
    assert ids == [t["transactionId"] for t in transactions if t["updateDate"] >= since]
    refunded = first_order(server, "R")
    response = call(server, "payment-transaction", **{"_cnd[orderId]": refunded["orderId"]})
    assert [(t["type"], t["status"]) for t in response.json()] == [("sale", "S"), ("refund", "S")]
    assert response.headers["X-Result-Count"] == "2"
    response = call(server, "payment-transaction", **{"_cnd[orderId]": refunded["orderId"], "_cnd[date][1]": 0})
    assert response.json() == [] and response.headers["X-Result-Count"] == "0"
    assert call(server, "payment-transaction", **{"_cnd[orderId]": 999_999}).json() == []


def test_one_payment_transaction_has_every_field_and_money_with_two_decimals(server):
    response = call(server, "payment-transaction/1")
    assert response.status == 200
    assert set(response.json()) == PAYMENT_FIELDS
    body = call(server, "payment-transaction", **page(0, 200)).body.decode()
    values = re.findall(r'"value":([^,}]+)', body)
    assert len(values) == 200 and all(re.fullmatch(r"\d+\.\d\d", value) for value in values)
    assert not re.search(r"[0-9]{13}", body)


@pytest.mark.parametrize("path, params", [
    ("payment-transaction", {"_cnd[orderId]": "abc"}),
    ("payment-transaction", {"_cnd[orderId]": "0"}),
    ("payment-transaction", {"_cnd[date][0]": "today"}),
    ("payment-transaction", {"_cnd[updateDate][1]": "1.5"}),
    ("payment-transaction/x1", {}),
    ("profile", {"_cnd[updateDate][0]": "yesterday"}),
])
def test_bad_filters_and_ids_get_400(server, path, params):
    assert_400(call(server, path, **params))


def test_unknown_payment_transaction_gets_404(server):
    assert call(server, "payment-transaction/999999").status == 404
    assert call(server, "payment-transaction/999999", method="PUT", body={"status": "S"}).status == 404


# -- payment transactions: writes ------------------------------------------------------------------

def test_posting_a_full_refund_sets_the_order_refunded_and_bumps_its_update_date(fresh_server):
    order = first_order(fresh_server, "P")
    sale = next(t for t in fresh_server.store.list_payment_transactions(order_id=order["orderId"])[0]
                if t["type"] in ("sale", "capture") and t["status"] == "S")
    already = fresh_server.store.payment_summary(order["orderId"])["refunded"]
    response = call(fresh_server, "payment-transaction", method="POST", body={
        "orderId": order["orderId"], "type": "refund", "status": "S", "value": order["total"] - already,
        "parentTransactionId": sale["transactionId"]})
    assert response.status == 200, response.headers.get("X-REST-Error")
    refund = response.json()
    assert set(refund) == PAYMENT_FIELDS and refund["currency"] == order["currency"]
    assert refund["method"] == order["paymentMethod"] and refund["type"] == "refund"
    assert call(fresh_server, f"payment-transaction/{refund['transactionId']}").json() == refund
    updated = call(fresh_server, f"order/{order['orderId']}").json()
    assert updated["paymentStatus"] == "R" and updated["updateDate"] > order["updateDate"]
    assert updated["total"] == order["total"]


def test_posting_a_partial_refund_keeps_the_order_paid(fresh_server):
    order = first_order(fresh_server, "P")
    response = call(fresh_server, "payment-transaction", method="POST",
                    body={"orderId": order["orderId"], "type": "refund", "value": Decimal("0.01")})
    assert response.status == 200 and response.json()["status"] == "S"
    assert fresh_server.store.get_order(order["orderId"])["paymentStatus"] == "P"


def test_capture_decline_and_settlement_over_http(fresh_server):
    new_order = {"currency": "USD", "total": Decimal("50.00"), "subtotal": Decimal("50.00"),
                 "paymentMethod": "PayPal", "items": []}
    order_id = call(fresh_server, "order", method="POST", body=new_order).json()["orderId"]
    declined = call(fresh_server, "payment-transaction", method="POST",
                    body={"orderId": order_id, "type": "sale", "status": "F", "value": Decimal("50.00")})
    assert declined.status == 200 and fresh_server.store.get_order(order_id)["paymentStatus"] == "D"
    pending = call(fresh_server, "payment-transaction", method="POST", body={
        "orderId": order_id, "type": "sale", "status": "W", "value": Decimal("50.00"),
        "gatewayTransactionId": "PAYID-MTESTPENDING000A"}).json()
    assert pending["cardLast4"] is None and fresh_server.store.get_order(order_id)["paymentStatus"] == "D"
    settled = call(fresh_server, f"payment-transaction/{pending['transactionId']}", method="PUT", body={"status": "S"})
    assert settled.status == 200 and settled.json()["status"] == "S"
    assert fresh_server.store.get_order(order_id)["paymentStatus"] == "P"
    assert "final" in assert_400(call(fresh_server, f"payment-transaction/{pending['transactionId']}", method="PUT",
                                      body={"status": "W"}))


@pytest.mark.parametrize("body", [
    {"type": "sale", "value": 1},
    {"orderId": 1, "type": "refund-all", "value": 1},
    {"orderId": 1, "type": "sale", "value": 0},
    {"orderId": 1, "type": "sale", "value": "1.001"},
    {"orderId": 1, "type": "sale", "value": 1, "status": "paid"},
    {"orderId": 1, "type": "sale", "value": 1, "currency": "XXX"},
    {"orderId": 1, "type": "sale", "value": 1, "cardNumber": "4111111111111111"},
    {"orderId": 1, "type": "refund", "value": 1_000_000},
    {"orderId": 999_999, "type": "sale", "value": 1},
    [{"orderId": 1, "type": "sale", "value": 1}],
])
def test_invalid_payment_posts_get_400_and_change_nothing(fresh_server, body):
    before = fresh_server.store.export()
    assert_400(call(fresh_server, "payment-transaction", method="POST", body=body))
    assert fresh_server.store.export() == before


def test_payment_transactions_cannot_be_deleted_or_written_with_the_read_only_key(fresh_server):
    assert "cannot be deleted" in assert_400(call(fresh_server, "payment-transaction/1", method="DELETE"))
    response = call(fresh_server, "payment-transaction", key="ro", method="POST",
                    body={"orderId": 1, "type": "refund", "value": 1})
    assert response.status == 403 and response.body == b""
    assert call(fresh_server, "payment-transaction/1", key="ro").status == 200


def test_fault_injection_applies_to_payment_transaction_requests(fresh_server):
    fresh_server.faults = Faults(burst_429=2, retry_after_s=3)
    statuses = [call(fresh_server, "payment-transaction", **page(0, 1)) for _ in range(3)]
    assert [r.status for r in statuses] == [429, 429, 200]
    assert statuses[0].headers["Retry-After"] == "3"
    assert fresh_server.fault_stats()["burst_429"] == 2


# -- profiles --------------------------------------------------------------------------------------

def test_profile_update_date_filter_over_http(server):
    profiles = server.store.export()["profiles"]
    boundary = sorted(p["updateDate"] for p in profiles)[30]
    ids, total = all_ids(server, "profile", "profileId", **{"_cnd[updateDate][0]": boundary})
    assert ids == [p["profileId"] for p in profiles if p["updateDate"] >= boundary] and total == len(ids)
    ids, _ = all_ids(server, "profile", "profileId", **{"_cnd[updateDate][1]": boundary})
    assert ids == [p["profileId"] for p in profiles if p["updateDate"] < boundary]


def test_profile_has_update_date_status_and_flagged_addresses(server):
    profile = call(server, "profile/1", _schema="complex").json()
    assert {"profileId", "login", "email", "addresses", "addedDate", "updateDate", "firstname", "lastname",
            "status"} <= set(profile)
    assert profile["status"] in ("E", "D") and profile["updateDate"] >= profile["addedDate"]
    assert {"addressId", "isBilling", "isShipping", *ADDRESS} <= set(profile["addresses"][0])


def test_profile_put_changes_addresses_and_status_and_bumps_update_date(fresh_server):
    before = call(fresh_server, "profile/3").json()
    response = call(fresh_server, "profile/3", method="PUT", body={
        "status": "D", "addresses": [{**ADDRESS, "isBilling": True, "isShipping": True}]})
    assert response.status == 200, response.headers.get("X-REST-Error")
    updated = response.json()
    assert updated["status"] == "D" and updated["updateDate"] > before["updateDate"]
    assert updated["addresses"][0]["city"] == "Dún Laoghaire" and updated["addresses"][0]["addressId"]
    assert call(fresh_server, "profile/3").json() == updated


def test_profile_e_mail_is_unique_ignoring_case_and_whitespace_over_http(fresh_server):
    taken = fresh_server.store.get_profile(1)["email"]
    for variant in (taken.upper(), f" {taken} ", taken.title()):
        assert "already exists" in assert_400(call(fresh_server, "profile/2", method="PUT", body={"email": variant}))
        assert "already exists" in assert_400(call(fresh_server, "profile", method="POST", body={"email": variant}))
    renamed = call(fresh_server, "profile/2", method="PUT", body={"email": " Renee.DAngelo@Example.com "}).json()
    assert renamed["email"] == renamed["login"] == "Renee.DAngelo@Example.com"


@pytest.mark.parametrize("body", [
    {"addresses": "12 Main St"}, {"addresses": [{"city": "Paris", "country": "FR"}]},
    {"addresses": [{**ADDRESS, "country": "Ireland"}]}, {"status": "A"}, {"email": "nobody"},
    {"login": "a@example.com", "email": "b@example.com"}, {"addedDate": 5},
])
def test_invalid_profile_puts_get_400_and_change_nothing(fresh_server, body):
    before = fresh_server.store.get_profile(4)
    assert_400(call(fresh_server, "profile/4", method="PUT", body=body))
    assert fresh_server.store.get_profile(4) == before


def test_a_posted_profile_gets_status_update_date_and_address_ids(fresh_server):
    response = call(fresh_server, "profile", method="POST", body={
        "email": "aoife.nunez@example.com", "firstname": "Aoife", "lastname": "Nuñez",
        "addresses": [{**ADDRESS, "isBilling": True, "isShipping": True}]})
    assert response.status == 200, response.headers.get("X-REST-Error")
    created = response.json()
    assert created["status"] == "E" and created["updateDate"] == created["addedDate"]
    assert created["addresses"][0]["addressId"] > max(
        a["addressId"] for p in fresh_server.store.list_profiles()[0][:-1] for a in p["addresses"])
    assert_400(call(fresh_server, "profile", method="POST", body={"email": "x@example.com", "status": "Z"}))
    assert_400(call(fresh_server, "profile", method="POST", body={"email": "y@example.com", "password": "x"}))


# -- shipping updates on orders --------------------------------------------------------------------

def test_order_put_of_tracking_numbers_records_a_partial_then_a_complete_shipment(fresh_server):
    order = next(o for o in fresh_server.store.list_orders()[0]
                 if o["shippingStatus"] == "N" and o["shippingMethod"] == "UPS Ground")
    path = f"order/{order['orderId']}"
    partial = call(fresh_server, path, method="PUT", body={
        "shippingStatus": "P", "trackingNumbers": [{"value": "1Z999AA10123456784"}]}).json()
    assert partial["trackingNumbers"] == [{"value": "1Z999AA10123456784", "carrier": "UPS"}]
    assert partial["trackingNumber"] == "1Z999AA10123456784" and partial["updateDate"] > order["updateDate"]
    complete = call(fresh_server, path, method="PUT", body={"shippingStatus": "S", "trackingNumbers": [
        *partial["trackingNumbers"], {"value": "1Z999AA10123456795", "carrier": "UPS"}]}).json()
    assert complete["shippingStatus"] == "S" and len(complete["trackingNumbers"]) == 2
    assert complete["updateDate"] > partial["updateDate"]


@pytest.mark.parametrize("body", [
    {"trackingNumbers": "1Z999"}, {"trackingNumbers": [{"carrier": "UPS"}]}, {"trackingNumbers": [{"value": ""}]},
    {"trackingNumbers": ["1Z999"]}, {"trackingNumbers": [{"value": "1Z1"}], "trackingNumber": "1Z2"},
])
def test_order_put_of_bad_tracking_numbers_gets_400(fresh_server, body):
    before = fresh_server.store.get_order(2)
    assert "tracking" in assert_400(call(fresh_server, "order/2", method="PUT", body=body))
    assert fresh_server.store.get_order(2) == before


def test_a_posted_order_gets_a_tracking_number_list(fresh_server):
    created = call(fresh_server, "order", method="POST", body={
        "shippingMethod": "FedEx 2Day", "trackingNumber": "123456789012"}).json()
    assert created["trackingNumbers"] == [{"value": "123456789012", "carrier": "FedEx"}]
    listed = call(fresh_server, "order", method="POST", body={
        "trackingNumbers": [{"value": "A1", "carrier": "DHL"}, {"value": "A2", "carrier": "DHL"}]}).json()
    assert listed["trackingNumber"] == "A1"
    assert_400(call(fresh_server, "order", method="POST", body={"trackingNumbers": [{}]}))
