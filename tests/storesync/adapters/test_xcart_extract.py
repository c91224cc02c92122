"""X-Cart extraction against the emulator: only conditions X-Cart has, the look-back, and what a run costs.

The request counts asserted here are the figures docs/xcart.md quotes ("Incremental extraction").
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import pytest
import requests

from include.sandbox.xcart.server import XCartServer
from storesync.systems.xcart.adapter import XCartAdapter
from storesync.systems.xcart.hook import XCartClient

END_TS = 1_731_000_000
END = datetime.fromtimestamp(END_TS, timezone.utc)
PAGE = 50


@pytest.fixture(scope="module")
def server():
    with XCartServer(seed=21, orders=400, products=20, profiles=30, days=30, end_ts=END_TS) as running:
        yield running


def adapter(server: XCartServer, **options) -> XCartAdapter:
    client = XCartClient(requests.Session(), base_url=server.base_url, api_key=server.rw_key, page_size=PAGE)
    return XCartAdapter(conn_id="unused", client=client, options=options)


def requests_of(server: XCartServer, action) -> tuple[object, int]:
    server.reset_fault_stats()
    result = action()
    return result, server.fault_stats()["requests"]


def test_orders_are_read_by_order_date_over_the_look_back(server):
    """X-Cart has no updateDate condition (XLite\\Model\\Repo\\Order): the run re-reads every order placed in
    [since - look-back, until), so a payment or shipping change of a recent order is read again."""
    since = END - timedelta(hours=6)
    lookback = 8
    start = int((since - timedelta(days=lookback)).timestamp())
    expected = [o["orderId"] for o in server.store.list_orders()[0] if start <= o["orderDate"] < END_TS]
    got, cost = requests_of(server, lambda: [key for key, _ in adapter(server, lookback_days=lookback).extract(
        "order", since, END)])
    assert got == [str(i) for i in expected] and len(expected) > PAGE
    assert cost == len(expected) // PAGE + 1, "one request per page, the last one short"


def test_a_change_to_an_order_older_than_the_look_back_is_not_read(server):
    """The documented limit of the strategy: the look-back bounds what is re-read."""
    oldest = server.store.list_orders()[0][0]
    server.store.update_order(oldest["orderId"], {"adminNotes": "changed late"})
    keys = [key for key, _ in adapter(server, lookback_days=1).extract("order", END - timedelta(hours=1), END)]
    assert str(oldest["orderId"]) not in keys


def test_payments_come_from_payment_and_backend_transactions_in_the_window(server):
    since = END - timedelta(days=2)
    records, cost = requests_of(
        server, lambda: dict(adapter(server, payment_lookback_hours=0).extract("payment", since, END)))
    start = int(since.timestamp())
    store = server.store.list_payment_transactions()[0]
    payments = [t for t in store if t["type"] in ("sale", "auth") and start <= t["date"] < END_TS]
    backends = [t for t in store if t["type"] in ("capture", "void") and start <= t["date"] < END_TS]
    assert sorted(records) == sorted([str(t["transactionId"]) for t in payments] +
                                     [f"b{t['transactionId']}" for t in backends])
    for transaction in payments:
        record = records[str(transaction["transactionId"])]
        assert (record["orderId"], record["value"], record["currency"]) == (
            transaction["orderId"], transaction["value"], transaction["currency"])
    all_payments = [t for t in store if t["type"] in ("sale", "auth")]
    newer_or_in_window = sum(1 for t in all_payments if t["date"] >= start)
    # the pages holding the window, one page wholly older (the stop signal) and the page read ahead
    pages = min(math.ceil(len(all_payments) / PAGE), newer_or_in_window // PAGE + 3)
    parents = {t["parentTransactionId"] for t in backends} - {t["transactionId"] for t in payments}
    # pages newest first, one GET per payment in the window, the backend list, one GET per backend and its
    # parent's GET unless already read
    assert cost <= pages + len(payments) + 1 + len(backends) + len(parents)
    assert cost >= len(payments) + 1 + len(backends)


def test_refunds_are_refund_backend_transactions(server):
    since = END - timedelta(days=30)
    records = dict(adapter(server, payment_lookback_hours=0).extract("refund", since, END))
    assert records and all(key.startswith("b") and r["type"] == "refund" for key, r in records.items())
    assert {r["xcartType"] for r in records.values()} <= {"refund", "refundPart", "refundMulti"}
    assert all(r["orderId"] and r["currency"] and r["parentTransactionId"] for r in records.values())


def test_replay_by_key_reads_the_same_record(server):
    records = dict(adapter(server, payment_lookback_hours=0).extract("refund", END - timedelta(days=30), END))
    key, record = next(iter(records.items()))
    assert dict(adapter(server).extract_keys("refund", [key])) == {key: record}
