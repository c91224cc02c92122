"""The demo's summary counts what ``make dlq ARGS="list"`` shows, per flow and leg, and explains every exception."""

from __future__ import annotations

import importlib.util

import pytest

from storesync.config.pairs import get_pair
from storesync.store.store import SyncStore
from tests.conftest import ROOT

PAIR = "xcart-sage500"


@pytest.fixture(scope="module")
def demo():
    spec = importlib.util.spec_from_file_location("storesync_demo_script", ROOT / "scripts" / "demo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def store(tmp_path):
    store = SyncStore(f"sqlite:///{tmp_path / 'sync.db'}")
    store.create_all()
    yield store
    store.close()


def put(store, flow, key, entity, state="open"):
    return store.quarantine(pair=PAIR, flow=flow, entity=entity, record_key=key, stage="load", reason_code="rejected",
                            reason=f"{key}: refused", run_id="r1", state=state)


def test_the_summarys_dlq_is_every_flows_and_equals_the_dlq_list(demo, store, capsys):
    """Issue 15: the summary said 9 DLQ items (orders only) while list showed 12 (the WEBGUEST customer and two
    negative-stock SKUs as well)."""
    from storesync import dlq

    put(store, "orders", "1042", "order", state="held")
    put(store, "customers_from_erp", "WEBGUEST", "erp_customer")
    put(store, "inventory", "SKU-00007", "inventory")
    put(store, "inventory", "SKU-00008", "inventory")
    done = put(store, "orders", "1043", "order")
    store.set_dlq_state([done], "resolved", by="alice")

    overview = demo.dlq_overview(store, PAIR)
    assert dlq.main(["--store-url", str(store.engine.url), "list"]) == 0
    assert f"{len(overview)} item(s)" in capsys.readouterr().out
    assert {(i["flow"], i["record"]) for i in overview} == {
        ("orders", "1042"), ("customers_from_erp", "WEBGUEST"), ("inventory", "SKU-00007"), ("inventory", "SKU-00008")}


def test_the_customers_line_counts_both_legs_of_the_run(demo, store):
    """Issue 15: the customers line said dlq: 0 while a DLQ alert fired (the ERP -> storefront leg's item)."""
    pair = get_pair(PAIR)
    for flow, counts in (("customers", {"extracted": 5, "loaded": 5, "dlq": 0}),
                         ("customers_from_erp", {"extracted": 3, "loaded": 1, "skipped": 1, "dlq": 1})):
        store.start_run(pair=PAIR, flow=flow, dag_id="customers__xcart__sage500", run_id="manual__1",
                        interval_start=None, interval_end=None)
        store.finish_run(pair=PAIR, flow=flow, run_id="manual__1", counts=counts)
    assert demo.run_counts(store, pair, "customers", "manual__1") == {
        "extracted": 8, "loaded": 6, "skipped": 1, "held": 0, "dlq": 1}


def test_every_exception_beyond_the_seeded_ones_is_explained(demo):
    lines = [{"line_key": "order:1", "status": "matched", "store_order_id": "1", "reason": ""},
             {"line_key": "order:2", "status": "amount_mismatch", "store_order_id": "2", "reason": "seeded"},
             {"line_key": "order:900", "status": "not_posted", "store_order_id": "900",
              "reason": "storefront order 900 has no ERP sales order; not posted: the orders flow held it"},
             {"line_key": "payment:77", "status": "missing_in_erp", "store_order_id": "12", "reason": "no receipt"}]
    injected = {"unknown_sku": {"orderId": 900, "expect": "held"}}
    found = demo.other_exceptions(lines, {"order:2"}, injected)
    assert [(f["line"], f["status"]) for f in found] == [("order:900", "not_posted"), ("payment:77", "missing_in_erp")]
    assert found[0]["why"] == "injected scenario 'unknown_sku' (expected: held)"
    assert found[1]["why"] == "not injected by the demo" and found[1]["reason"] == "no receipt"
