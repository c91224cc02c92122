"""X-Cart write-back: each ERP reference noted once on its order, one PUT per order, some in flight at once."""

from __future__ import annotations

import threading
import time

import pytest

from storesync.adapters.xcart import XCartAdapter
from storesync.hooks.errors import PermanentRecordError, TransientError


class FakeClient:
    """Records each update; ``update`` takes ``seconds`` and counts how many run at once."""

    def __init__(self, *, seconds: float = 0.0, refuse: set[str] = frozenset(), fail: set[str] = frozenset()) -> None:
        self.seconds = seconds
        self.refuse = refuse
        self.fail = fail
        self.updates: list[tuple[str, str, dict]] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self._lock = threading.Lock()

    def update(self, entity, record_id, changes):
        with self._lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            time.sleep(self.seconds)
            if record_id in self.fail:
                raise TransientError(f"X-Cart PUT {entity}/{record_id}: HTTP 503")
            if record_id in self.refuse:
                raise PermanentRecordError(f"X-Cart PUT {entity}/{record_id}: HTTP 404")
            with self._lock:
                self.updates.append((entity, record_id, dict(changes)))
            return {"orderId": int(record_id), **changes}
        finally:
            with self._lock:
                self.in_flight -= 1


def items(count: int, *, noted: set[str] = frozenset()):
    return [(str(i), f"SO-{i:05d}", {"orderId": i, "adminNotes": f"gift\n[ERP SO-{i:05d}]" if str(i) in noted else "gift"})
            for i in range(1, count + 1)]


@pytest.mark.parametrize("concurrency", [1, 4])
def test_each_reference_is_noted_once_after_the_orders_own_notes(concurrency):
    client = FakeClient()
    written = XCartAdapter(conn_id="xcart_default", client=client).write_back("order", items(30), concurrency=concurrency)
    assert written == 30
    assert sorted(client.updates, key=lambda update: int(update[1])) == [
        ("order", str(i), {"adminNotes": f"gift\n[ERP SO-{i:05d}]"}) for i in range(1, 31)]


def test_orders_already_noted_are_not_written_again():
    client = FakeClient()
    written = XCartAdapter(conn_id="xcart_default", client=client).write_back("order", items(5, noted={"2", "4"}),
                                                                              concurrency=3)
    assert written == 3
    assert sorted(record_id for _, record_id, _ in client.updates) == ["1", "3", "5"]


def test_with_concurrency_that_many_requests_are_in_flight_and_never_more():
    client = FakeClient(seconds=0.02)
    started = time.perf_counter()
    XCartAdapter(conn_id="xcart_default", client=client).write_back("order", items(40), concurrency=4)
    elapsed = time.perf_counter() - started
    assert client.most_in_flight == 4
    assert elapsed < 40 * 0.02 / 2, "requests overlap"


def test_one_sequential_request_at_a_time_by_default():
    client = FakeClient(seconds=0.005)
    XCartAdapter(conn_id="xcart_default", client=client).write_back("order", items(10))
    assert client.most_in_flight == 1


@pytest.mark.parametrize("concurrency", [1, 4])
def test_an_order_the_store_refuses_is_skipped_and_the_rest_are_written(concurrency):
    client = FakeClient(refuse={"7"})
    written = XCartAdapter(conn_id="xcart_default", client=client).write_back("order", items(12), concurrency=concurrency)
    assert written == 11
    assert "7" not in {record_id for _, record_id, _ in client.updates}


@pytest.mark.parametrize("concurrency", [1, 4])
def test_a_transient_failure_beyond_the_clients_retries_fails_the_task(concurrency):
    client = FakeClient(fail={"5"})
    with pytest.raises(TransientError, match="order/5"):
        XCartAdapter(conn_id="xcart_default", client=client).write_back("order", items(12), concurrency=concurrency)
