"""A sync store created by the last release before migrations (no ``dlq_event``) opens, keeps its items and gains history.

The store is built from that release's captured DDL and rows (``release_store``); opening it applies the
migrations (``test_migrations`` covers the schema, this file what the DLQ shows afterwards).
"""

from __future__ import annotations

from sqlalchemy import inspect

from storesync.store import SyncStore
from tests.storesync.store.release_store import FLOW, PAIR, create_release_store

ADDED_INDEXES = {"ix_dlq_pair_flow_record_key"}


def test_a_first_release_store_opens_keeps_its_items_and_gains_history(fresh_url):
    create_release_store(fresh_url)
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
