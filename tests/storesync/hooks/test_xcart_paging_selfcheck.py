"""Issue 14: X-Cart offset paging checks itself — servers that repeat, shift or duplicate pages.

The fake session answers ``_cnd[limit]`` requests from a list of rows the test changes between requests,
the way a live store's rows move while a run reads them.
"""

from __future__ import annotations

import json

import pytest

from storesync.hooks.pagination import IncompleteExtraction
from storesync.systems.xcart.hook import XCartClient


class Response:
    def __init__(self, rows) -> None:
        self.status_code, self.text, self.headers = 200, json.dumps(rows), {"X-Result-Count": str(len(rows))}


class MovingStore:
    """Rows by id; ``on_request`` may change them before each answer; ``ignore_offset`` answers page 1 always."""

    def __init__(self, ids, *, on_request=None, ignore_offset=False) -> None:
        self.ids, self.on_request, self.ignore_offset, self.calls = list(ids), on_request, ignore_offset, 0

    def request(self, method, url, params=None, data=None, timeout=None, headers=None):
        self.calls += 1
        if self.on_request:
            self.on_request(self)
        offset = 0 if self.ignore_offset else int(params["_cnd[limit][0]"])
        count = int(params["_cnd[limit][1]"])
        return Response([{"orderId": i} for i in self.ids[offset:offset + count]])


def read(store: MovingStore, page_size: int = 3) -> list[int]:
    client = XCartClient(store, base_url="http://store", api_key="k", page_size=page_size)
    return [row["orderId"] for row in client.iter_records("order", key_field="orderId")]


def test_a_steady_store_is_read_once_each():
    assert read(MovingStore(range(1, 8))) == list(range(1, 8))


def test_a_server_that_repeats_page_one_fails_the_run_instead_of_looping_or_ending_green():
    with pytest.raises(IncompleteExtraction, match="ignores the offset"):
        read(MovingStore(range(1, 10), ignore_offset=True))


def test_a_row_inserted_before_the_offset_is_yielded_once():
    """Newest-first reads see a new row push the others one place on: the repeat is dropped, nothing lost."""
    def insert_once(store):
        if store.calls == 2:
            store.ids.insert(0, 0)

    assert sorted(read(MovingStore(range(1, 8), on_request=insert_once))) == list(range(1, 8))


def test_pages_that_keep_shifting_fail_the_run_naming_the_page():
    def insert_each_time(store):
        if store.calls >= 2:
            store.ids.insert(0, -store.calls)

    with pytest.raises(IncompleteExtraction, match="offset 3"):
        read(MovingStore(range(1, 10), on_request=insert_each_time))
