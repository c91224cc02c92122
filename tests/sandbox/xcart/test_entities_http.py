"""Customers, payment transactions and shipping updates over the X-Cart emulator's REST API."""

from __future__ import annotations

import re

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

# -- payment transactions: writes ------------------------------------------------------------------

def test_fault_injection_applies_to_payment_transaction_requests(fresh_server):
    fresh_server.faults = Faults(burst_429=2, retry_after_s=3)
    statuses = [call(fresh_server, "payment-transaction", **page(0, 1)) for _ in range(3)]
    assert [r.status for r in statuses] == [429, 429, 200]
    assert statuses[0].headers["Retry-After"] == "3"
    assert fresh_server.fault_stats()["burst_429"] == 2


# -- profiles --------------------------------------------------------------------------------------

# -- shipping updates on orders --------------------------------------------------------------------

