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

def test_request_without_the_restapi_target_gets_404(server):
    assert request(server, f"/admin.php?target=product&_key={server.rw_key}&_path=order").status == 404
    assert request(server, "/index.php").status == 404


# -- lists and paging -------------------------------------------------------------------------------

def test_responses_are_json(server):
    for response in (call(server, "order", **page(0, 2)), call(server, "product/1"), call(server, "order/abc")):
        assert response.headers["Content-Type"] == "application/json"


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


# -- record shapes and money ------------------------------------------------------------------------

ORDER_FIELDS = {"orderId", "orderNumber", "total", "subtotal", "taxAmount", "shippingCost", "discountValue",
                "currency", "items", "shippingStatus", "paymentStatus", "orderDate", "updateDate",
                "trackingNumber", "adminNotes", "customerInfo", "billingInfo", "shippingInfo",
                "paymentMethod", "shippingMethod"}
# Complex.php convertModelOrder: the address of billingInfo/shippingInfo (no street2, no phone).
ADDRESS_FIELDS = {"firstname", "lastname", "address", "city", "state", "zipcode", "country"}


def test_complex_schema_order_has_every_contract_field(server):
    order = call(server, "order/17", _schema="complex").json()
    assert ORDER_FIELDS <= set(order)
    assert {"sku", "name", "price", "quantity"} <= set(order["items"][0])
    assert {"profileId", "login", "email", "firstname", "lastname"} <= set(order["customerInfo"])
    assert ADDRESS_FIELDS <= set(order["billingInfo"]) and ADDRESS_FIELDS <= set(order["shippingInfo"])
    assert order["orderNumber"] == "000017"


# -- writes -----------------------------------------------------------------------------------------

def test_post_to_an_id_gets_400(fresh_server):
    assert call(fresh_server, "order/3", method="POST", body={}).status == 400


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
