"""Registry adapters: every entity a flow extracts can be fetched by key (re-syncs and DLQ replays)."""

from __future__ import annotations

from storesync.adapters.registry import RegistryAdapter


def read_all(hook, options, since, until):
    hook.append((since, until))
    yield from (("A", {"id": "A"}), ("B", {"id": "B"}), ("C", {"id": "C"}))


class Adapter(RegistryAdapter):
    system = "test"
    EXTRACTS = {"product": f"{__name__}:read_all"}


def test_an_entity_without_a_keyed_reader_is_read_in_full_and_filtered():
    """Issue 15: Sage 500 items, stock and customers had no reader by key, so their DLQ items could not be replayed."""
    calls: list = []
    records = list(Adapter(conn_id="c", hook=calls).extract_keys("product", ["C", "A", "Z"]))
    assert records == [("A", {"id": "A"}), ("C", {"id": "C"})]
    [(since, until)] = calls
    assert since.year == 1970 and until.tzinfo is not None

