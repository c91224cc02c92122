"""A sync store created by the first release (no ``dlq_event`` table) opens, keeps its data and gains history."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import create_engine, inspect
from sqlalchemy.schema import CreateIndex, CreateTable

from storesync.store import SyncStore, metadata
from storesync.store.schema import dlq

PAIR, FLOW = "xcart-sage500", "orders"


ADDED_INDEXES = {"ix_dlq_pair_flow_record_key"}


def _first_release_store(url: str) -> None:
    """The first release's schema is today's without ``dlq_event`` and the record-key index (the only changes)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        for table in metadata.sorted_tables:
            if table.name == "dlq_event":
                continue
            conn.execute(CreateTable(table))
            for index in table.indexes:
                if index.name not in ADDED_INDEXES:
                    conn.execute(CreateIndex(index))
        now = dt.datetime(2026, 11, 30, 12, tzinfo=dt.timezone.utc)
        base = dict(pair=PAIR, flow=FLOW, entity="order", stage="load", reason_code="unknown_sku", attempts=1,
                    created_at=now, updated_at=now, dag_id="orders__xcart__sage500", first_run_id="r1", run_id="r1",
                    state_changed_by=None, state_changed_at=None, state_note=None)
        conn.execute(dlq.insert(), [
            dict(base, id=1, record_key="100", reason="SKU-1 unknown", state="open"),
            # What the first release's `dlq replay` left behind: marked replayed, outcome never known.
            dict(base, id=2, record_key="101", reason="SKU-2 unknown", state="replayed", state_changed_by="alice",
                 state_changed_at=now, state_note="replay requested"),
            dict(base, id=3, record_key="102", reason="bad", state="resolved", state_changed_by="bob",
                 state_changed_at=now, state_note="fixed by hand"),
        ])
    engine.dispose()


def test_a_first_release_store_opens_keeps_its_items_and_gains_history(fresh_url):
    _first_release_store(fresh_url)
    store = SyncStore(fresh_url)
    try:
        store.create_all()
        assert "dlq_event" in inspect(store.engine).get_table_names()
        assert ADDED_INDEXES <= {ix["name"] for ix in inspect(store.engine).get_indexes("dlq")}
        items = {i["id"]: (i["record_key"], i["state"], i["state_changed_by"]) for i in store.list_dlq()}
        assert items == {1: ("100", "open", None), 2: ("101", "replayed", "alice"), 3: ("102", "resolved", "bob")}

        history = store.dlq_history([1, 2, 3])
        assert [(e["action"], e["recorded"]) for e in history[1]] == [("opened", False)]
        assert [(e["action"], e["by"]) for e in history[3]] == [("opened", "orders__xcart__sage500"), ("resolved", "bob")]

        # The replayed item's record fails again: its own item reopens, attempts carried on.
        assert store.quarantine(pair=PAIR, flow=FLOW, entity="order", record_key="101", stage="load",
                                reason_code="unknown_sku", reason="SKU-2 still unknown", run_id="r2") == 2
        item = store.get_dlq_item(2)
        assert (item["state"], item["attempts"]) == ("open", 2)
        assert [e["action"] for e in store.dlq_history([2])[2]] == ["opened", "reopened"]
        store.create_all()  # again: idempotent on an upgraded store
        assert len(store.list_dlq()) == 3
    finally:
        store.close()
