"""The X-Cart emulator over HTTP: auth, errors, paging, filters, record shapes and writes."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from decimal import Decimal
from urllib.parse import urlencode

import pytest

from include.sandbox.xcart.server import XCartServer, encode_json

END_TS = 1_731_000_000
DAY = 86_400


class Response:
    def __init__(self, status: int, headers, body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body, parse_float=Decimal)


def call(server: XCartServer, path: str | None = None, *, key: str | None = "rw", method: str = "GET",
         body: object = None, raw_body: bytes | None = None, **params: object) -> Response:
    """One REST API request; ``key`` is "rw", "ro", None or a literal key."""
    query: dict[str, object] = {"target": "RESTAPI"}
    if key is not None:
        query["_key"] = {"rw": server.rw_key, "ro": server.ro_key}.get(key, key)
    if path is not None:
        query["_path"] = path
    query.update(params)
    data = raw_body if raw_body is not None else (None if body is None else encode_json(body).encode())
    return request(server, f"/admin.php?{urlencode(query)}", method=method, data=data)


def request(server: XCartServer, path_and_query: str, *, method: str = "GET", data: bytes | None = None) -> Response:
    req = urllib.request.Request(server.base_url + path_and_query, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return Response(resp.status, resp.headers, resp.read())
    except urllib.error.HTTPError as error:
        return Response(error.code, error.headers, error.read())


def page(offset: int, count: int) -> dict[str, int]:
    return {"_cnd[limit][0]": offset, "_cnd[limit][1]": count}


@pytest.fixture(scope="module")
def server():
    """A shared server for read-only tests; writes go to ``fresh_server``."""
    with XCartServer(seed=11, orders=1_234, products=60, profiles=40, end_ts=END_TS) as running:
        yield running


@pytest.fixture
def fresh_server():
    with XCartServer(seed=5, orders=30, products=10, profiles=8, end_ts=END_TS) as running:
        yield running


# -- auth -------------------------------------------------------------------------------------------

def test_wrong_key_gets_403_with_empty_body(server):
    response = call(server, "order", key="not-the-key")
    assert response.status == 403 and response.body == b""


def test_missing_key_gets_403_with_empty_body(server):
    response = call(server, "order", key=None)
    assert response.status == 403 and response.body == b""


def test_wrong_key_is_refused_before_the_entity_is_looked_at(server):
    assert call(server, "no-such-entity", key="not-the-key").status == 403


@pytest.mark.parametrize("key", ["rw", "ro"])
def test_both_keys_may_read(server, key):
    response = call(server, "order/1", key=key)
    assert response.status == 200 and response.json()["orderId"] == 1


@pytest.mark.parametrize("method, path, override", [
    ("PUT", "order/1", None), ("POST", "order", None), ("DELETE", "order/1", None),
    ("GET", "order/1", "PUT"), ("POST", "product", "POST"),
])
def test_read_only_key_gets_403_with_empty_body_on_any_write(server, method, path, override):
    params = {"_method": override} if override else {}
    response = call(server, path, key="ro", method=method, body={"adminNotes": "x"}, **params)
    assert response.status == 403 and response.body == b""
    assert server.store.get_order(1)["adminNotes"] != "x"


# -- 404 and 400 ------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["orders", "payment-transactions", "shipping-method", "", "order/1/items"])
def test_unknown_entity_gets_404(server, path):
    assert call(server, path).status == 404


@pytest.mark.parametrize("path", ["order/999999", "order/0", "profile/999999", "product/999999"])
def test_unknown_id_gets_404(server, path):
    assert call(server, path).status == 404


def test_request_without_the_restapi_target_gets_404(server):
    assert request(server, f"/admin.php?target=product&_key={server.rw_key}&_path=order").status == 404
    assert request(server, "/index.php").status == 404


@pytest.mark.parametrize("path, params", [
    ("order/abc", {}),
    ("order/-1", {}),
    ("order", {"_cnd[limit][0]": "x", "_cnd[limit][1]": "10"}),
    ("order", {"_cnd[limit][0]": "-5", "_cnd[limit][1]": "10"}),
    ("order", {"_cnd[updateDate][0]": "yesterday"}),
    ("order", {"_cnd[date][1]": "1.5"}),
    ("order", {"_method": "PATCH"}),
])
def test_bad_request_gets_400_with_x_rest_error_and_null_body(server, path, params):
    response = call(server, path, **params)
    assert response.status == 400
    assert response.headers["X-REST-Error"]
    assert response.body == b"null"


@pytest.mark.parametrize("raw_body", [b"{not json", b"", b"[1, 2]", "\"ünïcode\"".encode("latin-1")])
def test_put_with_a_body_that_is_not_a_json_object_gets_400(fresh_server, raw_body):
    response = call(fresh_server, "order/1", method="PUT", raw_body=raw_body)
    assert response.status == 400 and response.body == b"null"
    assert response.headers["X-REST-Error"]


def test_x_rest_error_names_the_field_and_the_valid_codes(fresh_server):
    response = call(fresh_server, "order/1", method="PUT", body={"paymentStatus": "Paid"})
    assert response.status == 400
    assert "paymentStatus" in response.headers["X-REST-Error"]
    assert "Q, A, PP, P, D, C, R" in response.headers["X-REST-Error"]


# -- lists and paging -------------------------------------------------------------------------------

def test_responses_are_json(server):
    for response in (call(server, "order", **page(0, 2)), call(server, "product/1"), call(server, "order/abc")):
        assert response.headers["Content-Type"] == "application/json"


def test_paging_covers_every_order_exactly_once_and_reports_the_total(server):
    seen: list[int] = []
    offset = 0
    while True:
        response = call(server, "order", **page(offset, 500))
        assert response.status == 200
        assert response.headers["X-Result-Count"] == "1234"
        batch = response.json()
        if not batch:
            break
        seen.extend(order["orderId"] for order in batch)
        offset += len(batch)
    assert seen == list(range(1, 1_235))


def test_page_count_is_capped_at_500_and_defaults_to_500(server):
    assert len(call(server, "order", **page(0, 5_000)).json()) == 500
    assert len(call(server, "order").json()) == 500
    response = call(server, "order", **page(1_230, 10))
    assert [o["orderId"] for o in response.json()] == [1_231, 1_232, 1_233, 1_234]
    assert response.headers["X-Result-Count"] == "1234"


def test_profiles_and_products_page_with_result_count(server):
    response = call(server, "profile", **page(35, 10))
    assert response.headers["X-Result-Count"] == "40"
    assert [p["profileId"] for p in response.json()] == [36, 37, 38, 39, 40]
    response = call(server, "product", **page(0, 7))
    assert response.headers["X-Result-Count"] == "60" and len(response.json()) == 7


def _filtered_ids(server, **params) -> tuple[list[int], int]:
    ids, offset, total = [], 0, None
    while True:
        response = call(server, "order", **page(offset, 500), **params)
        total = int(response.headers["X-Result-Count"])
        batch = response.json()
        if not batch:
            return ids, total
        ids.extend(o["orderId"] for o in batch)
        offset += len(batch)


def test_update_date_filter_is_inclusive_from_and_exclusive_to(server):
    orders = server.store.export()["orders"]
    start = orders[300]["updateDate"]
    end = orders[700]["updateDate"]
    expected = [o["orderId"] for o in orders if start <= o["updateDate"] < end]
    ids, total = _filtered_ids(server, **{"_cnd[updateDate][0]": start, "_cnd[updateDate][1]": end})
    assert ids == expected and total == len(expected)
    assert orders[300]["orderId"] in ids
    assert orders[700]["orderId"] not in ids


def test_order_date_filter_uses_date_and_honours_the_same_boundaries(server):
    orders = server.store.export()["orders"]
    start, end = orders[100]["orderDate"], orders[200]["orderDate"]
    ids, total = _filtered_ids(server, **{"_cnd[date][0]": start, "_cnd[date][1]": end})
    assert ids == [o["orderId"] for o in orders if start <= o["orderDate"] < end]
    assert total == len(ids) and 101 in ids and 201 not in ids


def test_open_ended_date_filters_and_both_filters_together(server):
    orders = server.store.export()["orders"]
    since = END_TS - 3 * DAY
    ids, _ = _filtered_ids(server, **{"_cnd[updateDate][0]": since})
    assert ids == [o["orderId"] for o in orders if o["updateDate"] >= since]
    placed_before = END_TS - 5 * DAY
    ids, _ = _filtered_ids(server, **{"_cnd[updateDate][0]": since, "_cnd[date][1]": placed_before})
    assert ids == [o["orderId"] for o in orders if o["updateDate"] >= since and o["orderDate"] < placed_before]


# -- record shapes and money ------------------------------------------------------------------------

ORDER_FIELDS = {"orderId", "orderNumber", "total", "subtotal", "taxAmount", "shippingCost", "discountValue",
                "currency", "items", "shippingStatus", "paymentStatus", "orderDate", "updateDate",
                "trackingNumber", "adminNotes", "customerInfo", "billingInfo", "shippingInfo",
                "paymentMethod", "shippingMethod"}
ADDRESS_FIELDS = {"firstname", "lastname", "street", "street2", "city", "state", "zipcode", "country", "phone"}


def test_complex_schema_order_has_every_contract_field(server):
    order = call(server, "order/17", _schema="complex").json()
    assert ORDER_FIELDS <= set(order)
    assert {"itemId", "sku", "name", "price", "amount", "total"} <= set(order["items"][0])
    assert {"profileId", "login", "email", "firstname", "lastname", "anonymous"} <= set(order["customerInfo"])
    assert ADDRESS_FIELDS <= set(order["billingInfo"]) and ADDRESS_FIELDS <= set(order["shippingInfo"])
    assert order["orderNumber"] == "000017"


def test_complex_schema_product_and_profile_have_their_contract_fields(server):
    product = call(server, "product/1", _schema="complex").json()
    assert {"sku", "productId", "name", "price", "quantity", "enabled", "amount"} <= set(product)
    profile = call(server, "profile/2", _schema="complex").json()
    assert {"profileId", "login", "email", "addresses", "addedDate", "firstname", "lastname"} <= set(profile)
    assert f"{profile['firstname']} {profile['lastname']}" == "Zoë O'Brien"


def test_money_is_sent_as_json_numbers_with_exactly_two_decimals(server):
    body = call(server, "order", **page(0, 50)).body.decode("utf-8")
    for field in ("total", "subtotal", "taxAmount", "shippingCost", "discountValue", "price"):
        values = re.findall(rf'"{field}":([^,}}\]]+)', body)
        assert values and all(re.fullmatch(r"\d+\.\d\d", value) for value in values), field


def test_served_orders_keep_the_totals_invariant_when_parsed_as_decimal(server):
    for order in call(server, "order", **page(0, 500)).json():
        assert order["subtotal"] == sum(item["total"] for item in order["items"])
        assert all(item["total"] == item["price"] * item["amount"] for item in order["items"])
        assert order["total"] == (order["subtotal"] + order["shippingCost"] + order["taxAmount"]
                                  - order["discountValue"])
        assert order == server.store.get_order(order["orderId"])


def test_non_ascii_names_arrive_intact_as_utf8(server):
    profile = call(server, "profile/1").json()
    assert (profile["firstname"], profile["lastname"]) == ("José", "Müller")


# -- writes -----------------------------------------------------------------------------------------

def test_put_updates_statuses_notes_and_tracking_and_bumps_update_date(fresh_server):
    before = fresh_server.store.get_order(3)
    response = call(fresh_server, "order/3", method="PUT",
                    body={"paymentStatus": "R", "shippingStatus": "WND", "adminNotes": "Adresse inconnue — retour",
                          "trackingNumber": "1Z999AA10123456784"})
    assert response.status == 200
    updated = response.json()
    assert (updated["paymentStatus"], updated["shippingStatus"], updated["trackingNumber"]) == (
        "R", "WND", "1Z999AA10123456784")
    assert updated["adminNotes"] == "Adresse inconnue — retour"
    assert updated["updateDate"] > before["updateDate"]
    assert fresh_server.store.get_order(3) == updated


@pytest.mark.parametrize("code", ["Q", "A", "PP", "P", "D", "C", "R"])
def test_put_accepts_every_payment_status_code(fresh_server, code):
    assert call(fresh_server, "order/4", method="PUT", body={"paymentStatus": code}).json()["paymentStatus"] == code


@pytest.mark.parametrize("code", ["N", "P", "S", "D", "WND", "R"])
def test_put_accepts_every_shipping_status_code(fresh_server, code):
    assert call(fresh_server, "order/4", method="PUT", body={"shippingStatus": code}).json()["shippingStatus"] == code


@pytest.mark.parametrize("body", [
    {"paymentStatus": "I"}, {"paymentStatus": "paid"}, {"paymentStatus": None}, {"shippingStatus": "Q"},
    {"shippingStatus": "shipped"}, {"shippingStatus": ["S"]}, {"total": 1.0}, {"orderId": 5}, {},
])
def test_put_with_an_invalid_status_or_field_gets_400_and_changes_nothing(fresh_server, body):
    before = fresh_server.store.get_order(5)
    response = call(fresh_server, "order/5", method="PUT", body=body)
    assert response.status == 400 and response.body == b"null" and response.headers["X-REST-Error"]
    assert fresh_server.store.get_order(5) == before


def test_put_to_an_unknown_order_gets_404(fresh_server):
    assert call(fresh_server, "order/4040", method="PUT", body={"paymentStatus": "P"}).status == 404


def test_method_override_turns_a_post_into_a_put(fresh_server):
    response = call(fresh_server, "order/6", method="POST", _method="PUT", body={"shippingStatus": "S"})
    assert response.status == 200 and fresh_server.store.get_order(6)["shippingStatus"] == "S"
    assert fresh_server.store.counts()["orders"] == 30


def test_post_creates_an_order_with_the_next_id_and_returns_it(fresh_server):
    new_order = {"currency": "EUR", "total": Decimal("10.50"), "subtotal": Decimal("10.50"),
                 "items": [{"sku": "SKU-00001", "price": Decimal("5.25"), "amount": 2, "total": Decimal("10.50")}],
                 "customerInfo": {"profileId": None, "email": "zoë@example.com", "anonymous": True}}
    response = call(fresh_server, "order", method="POST", body=new_order)
    assert response.status == 200
    created = response.json()
    assert created["orderId"] == 31 and created["orderNumber"] == "000031"
    assert (created["paymentStatus"], created["shippingStatus"]) == ("Q", "N")
    assert created["total"] == Decimal("10.50") and created["customerInfo"]["email"] == "zoë@example.com"
    assert call(fresh_server, "order/31").json() == created
    assert fresh_server.store.counts()["orders"] == 31


@pytest.mark.parametrize("body", [{"orderId": 1}, {"total": "ten"}, {"total": 1.005}, {"paymentStatus": "X"},
                                  {"items": "none"}])
def test_post_of_an_invalid_order_gets_400(fresh_server, body):
    response = call(fresh_server, "order", method="POST", body=body)
    assert response.status == 400 and response.headers["X-REST-Error"]
    assert fresh_server.store.counts()["orders"] == 30


def test_post_to_an_id_gets_400(fresh_server):
    assert call(fresh_server, "order/3", method="POST", body={}).status == 400


def test_post_and_put_profiles_and_products(fresh_server):
    profile = call(fresh_server, "profile", method="POST",
                   body={"email": "renee.dangelo@example.com", "firstname": "Renée", "lastname": "D'Angelo"}).json()
    assert profile["profileId"] == 9 and profile["login"] == "renee.dangelo@example.com"
    duplicate = call(fresh_server, "profile", method="POST", body={"email": "renee.dangelo@example.com"})
    assert duplicate.status == 400
    renamed = call(fresh_server, "profile/9", method="PUT", body={"lastname": "O'Neil"}).json()
    assert renamed["lastname"] == "O'Neil"

    product = call(fresh_server, "product", method="POST",
                   body={"sku": "SKU-NEW-1", "name": "Crème Mug", "price": Decimal("12.00"), "amount": 4}).json()
    assert (product["productId"], product["quantity"], product["amount"]) == (11, 4, 4)
    assert call(fresh_server, "product", method="POST", body={"sku": "SKU-NEW-1", "price": 1}).status == 400
    restocked = call(fresh_server, "product/11", method="PUT", body={"amount": 0}).json()
    assert (restocked["amount"], restocked["quantity"]) == (0, 0)
    assert call(fresh_server, "product/11", method="PUT", body={"amount": -1}).status == 400


def test_delete_removes_a_record(fresh_server):
    response = call(fresh_server, "product/2", method="DELETE")
    assert response.status == 200 and response.json() is True
    assert call(fresh_server, "product/2").status == 404


# -- sandbox endpoints and logging ------------------------------------------------------------------

def test_sandbox_state_reports_counts(server):
    response = request(server, "/_sandbox/state")
    assert response.status == 200
    state = response.json()
    assert {key: state[key] for key in ("orders", "profiles", "products")} == {
        "orders": 1234, "profiles": 40, "products": 60}
    assert state["payment_transactions"] == server.store.list_payment_transactions(limit=0)[1] > 1234


def test_sandbox_reset_reseeds_the_same_shop(fresh_server):
    original = fresh_server.store.export()
    call(fresh_server, "order/1", method="PUT", body={"paymentStatus": "C"})
    call(fresh_server, "order", method="POST", body={})
    counts = request(fresh_server, "/_sandbox/reset", method="POST", data=b"").json()
    assert (counts["orders"], counts["profiles"], counts["products"]) == (30, 8, 10)
    assert fresh_server.store.export() == original


def test_requests_are_not_logged_by_default(fresh_server, capfd):
    call(fresh_server, "order/1")
    call(fresh_server, "order/1", key="wrong-key")
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""


def test_request_log_when_enabled_never_contains_a_key(capfd):
    with XCartServer(orders=3, products=3, profiles=1, end_ts=END_TS, rw_key="rw-SECRET-1",
                     ro_key="ro-SECRET-2", log_requests=True) as logged:
        call(logged, "order/1")
        call(logged, "order/1", key="ro")
        call(logged, "order/1", key="wrong-SECRET-3")
    err = capfd.readouterr().err
    assert "_key=***" in err
    assert "SECRET" not in err
