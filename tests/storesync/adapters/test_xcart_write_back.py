"""X-Cart write-back: each ERP reference noted once on its order, one PUT per order, some in flight at once.

The client fake holds each order's current ``adminNotes`` (what X-Cart's native ``GET order/<id>`` returns):
the write-back reads them just before it writes (issue 14), so the fake answers ``find`` as well.
"""

from __future__ import annotations

import threading
import time

import pytest

from storesync.systems.xcart.adapter import XCartAdapter
from storesync.hooks.errors import PermanentRecordError, TransientError


class FakeClient:
    """Records each update; ``update`` takes ``seconds`` and counts how many run at once."""

    def __init__(self, *, seconds: float = 0.0, refuse: set[str] = frozenset(), fail: set[str] = frozenset(),
                 notes: dict[str, str] | None = None) -> None:
        self.notes = notes if notes is not None else {}
        self.reads: list[str] = []
        self.seconds = seconds
        self.refuse = refuse
        self.fail = fail
        self.updates: list[tuple[str, str, dict]] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self._lock = threading.Lock()

    def find(self, entity, record_id, *, schema="complex"):
        assert schema is None, "the notes are read in the native schema"
        self.reads.append(record_id)
        if record_id in self.refuse:
            raise PermanentRecordError(f"X-Cart GET {entity}/{record_id}: HTTP 404")
        return {"order_id": int(record_id), "adminNotes": self.notes.get(record_id, "gift")}

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
                self.notes[record_id] = changes["adminNotes"]
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


# -- issue 14: the marker is the only change ---------------------------------------------------------------

def test_notes_edited_by_staff_after_staging_are_kept():
    """The staged record says "gift"; staff have since written more. The write appends to what is there now."""
    client = FakeClient(notes={"1": "gift\nCall before delivery (Anna, 10:02)"})
    XCartAdapter(conn_id="xcart_default", client=client).write_back("order", items(1))
    assert client.updates == [("order", "1", {"adminNotes": "gift\nCall before delivery (Anna, 10:02)\n[ERP SO-00001]"})]


def test_scrubbed_staged_text_is_never_sent_back():
    """Extraction masks card-like text in what it stages; the store's own text is what gets the marker."""
    client = FakeClient(notes={"1": "Paid by phone, ref 4111 1111 1111 1111"})
    staged = [("1", "SO-00001", {"orderId": 1, "adminNotes": "Paid by phone, ref [card ****1111]"})]
    XCartAdapter(conn_id="xcart_default", client=client).write_back("order", staged)
    (_, _, changes), = client.updates
    assert "[card" not in changes["adminNotes"]
    assert changes["adminNotes"] == "Paid by phone, ref 4111 1111 1111 1111\n[ERP SO-00001]"


def test_a_marker_added_since_staging_is_not_added_twice():
    client = FakeClient(notes={"1": "gift\n[ERP SO-00001]"})
    assert XCartAdapter(conn_id="xcart_default", client=client).write_back("order", items(1)) == 0
    assert client.updates == [] and client.reads == ["1"]


def test_empty_notes_get_the_marker_alone():
    client = FakeClient(notes={"1": ""})
    XCartAdapter(conn_id="xcart_default", client=client).write_back("order", items(1))
    assert client.updates == [("order", "1", {"adminNotes": "[ERP SO-00001]"})]
