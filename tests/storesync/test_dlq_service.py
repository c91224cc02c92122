"""The DLQ operations the CLI and the ops console share (storesync.dlq_service), on a SQLite sync store."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from storesync import dlq_service as svc
from storesync.store.store import SyncStore

PAIR = "xcart-sage500"
FLOW_ENTITIES = {"orders": "order", "customers": "customer", "customers_from_erp": "erp_customer",
                 "inventory": "inventory", "products": "product", "payments": "payment", "refunds": "refund",
                 "shipments": "shipment"}


@pytest.fixture
def store(tmp_path):
    store = SyncStore(f"sqlite:///{tmp_path / 'sync.db'}")
    store.create_all()
    yield store
    store.close()


def put(store, flow="orders", key="1042", *, state="open", reason_code="unknown_sku", run_id="r1") -> int:
    return store.quarantine(pair=PAIR, flow=flow, entity=FLOW_ENTITIES[flow], record_key=key, stage="load",
                            reason_code=reason_code, reason=f"{key}: {reason_code}", run_id=run_id, state=state)


@pytest.mark.parametrize("text, expected", [
    ("2026-12-07", datetime(2026, 12, 7, tzinfo=timezone.utc)),
    ("2026-11-01T10:30", datetime(2026, 11, 1, 10, 30, tzinfo=timezone.utc)),
    ("2026-11-01T10:30:00+01:00", datetime(2026, 11, 1, 9, 30, tzinfo=timezone.utc)),
    ("2026-11-01T10:30:00Z", datetime(2026, 11, 1, 10, 30, tzinfo=timezone.utc)),
    (date(2026, 12, 7), datetime(2026, 12, 7, tzinfo=timezone.utc)),
    (None, None),
])
def test_dates_are_read_as_utc_whatever_their_form(text, expected):
    parsed = svc.parse_when(text)
    assert parsed == expected
    assert parsed is None or parsed.utcoffset() == timedelta(0)


def test_a_bad_date_names_the_option_and_the_forms():
    with pytest.raises(svc.DlqError, match=r"--since: 'yesterday' is not a date; use 2026-12-07"):
        svc.parse_when("yesterday", name="--since")


def test_a_date_filter_selects_by_the_items_last_change(store):
    put(store)
    today = datetime.now(timezone.utc).date().isoformat()
    assert len(svc.list_items(store, svc.DlqFilter.from_params({"since": today}))) == 1
    assert svc.list_items(store, svc.DlqFilter.from_params({"until": today})) == []


def test_resolving_unknown_ids_reports_them_and_is_not_ok(store):
    known = put(store)
    result = svc.resolve(store, ids=[known, 999], by="alice")
    assert result.changed == [known] and result.unknown == [999] and not result.ok
    assert "no DLQ item with id 999" in result.messages()


def test_resolving_an_item_twice_keeps_the_first_resolution_and_says_by_whom(store):
    item_id = put(store)
    assert svc.resolve(store, ids=[item_id], by="alice", note="SKU created in the ERP").ok
    again = svc.resolve(store, ids=[item_id], by="bob", note="done")
    assert again.changed == [] and not again.ok
    assert "already resolved by alice" in again.unchanged[item_id]
    item = svc.get_item(store, item_id)
    assert (item["state_changed_by"], item["state_note"]) == ("alice", "SKU created in the ERP")
    assert [(e["action"], e["by"]) for e in item["history"]] == [("opened", "pipeline"), ("resolved", "alice")]


def test_ignore_by_filter_acts_on_matching_items_needing_attention_only(store):
    mine = put(store, key="1")
    other_flow = put(store, flow="payments", key="P1")
    done = put(store, key="2")
    svc.resolve(store, ids=[done], by="alice")
    result = svc.ignore(store, svc.DlqFilter(pair=PAIR, flow="orders"), by="ops", note="test orders")
    assert result.changed == [mine] and result.ok
    assert store.get_dlq_item(other_flow)["state"] == "open"
    assert store.get_dlq_item(done)["state_changed_by"] == "alice"


def test_every_action_needs_the_acting_user(store):
    item_id = put(store)
    for action in (svc.resolve, svc.ignore):
        with pytest.raises(svc.DlqError, match="who is acting"):
            action(store, ids=[item_id], by=" ")
    with pytest.raises(svc.DlqError, match="who is acting"):
        svc.request_replay(store, ids=[item_id], by="")


def test_reopen_and_note_append_to_the_history(store):
    item_id = put(store)
    svc.ignore(store, ids=[item_id], by="alice", note="looks like a test")
    assert svc.reopen(store, ids=[item_id], by="bob", note="a real customer").changed == [item_id]
    assert svc.add_note(store, ids=[item_id], by="bob", note="asked the shop").changed == [item_id]
    assert [(e["action"], e["by"]) for e in svc.history(store, item_id)] == [
        ("opened", "pipeline"), ("ignored", "alice"), ("reopened", "bob"), ("note", "bob")]
    assert store.get_dlq_item(item_id)["state"] == "open"


@pytest.mark.parametrize("flow, dag_flow", [
    ("orders", "orders"), ("customers", "customers"), ("customers_from_erp", "customers"),
    ("inventory", "inventory"), ("products", "products"), ("payments", "payments"), ("refunds", "refunds"),
    ("shipments", "shipments"),
])
def test_every_dlq_kind_plans_a_run_of_the_dag_that_carries_its_flow(store, flow, dag_flow):
    """Issue 15: a customers_from_erp item asked for a DAG 'customers_from_erp__…' that does not exist."""
    item_id = put(store, flow=flow, key="K-1")
    [request] = svc.plan_replay(store, ids=[item_id])
    assert request.dag_id == f"{dag_flow}__xcart__sage500"
    assert request.item_ids == [item_id]
    if dag_flow == "customers":
        # One leg of the two-way DAG: the other leg must not fetch a record with the same id.
        assert request.conf == {"record_keys_by_flow": {flow: ["K-1"]}}
    else:
        assert request.conf == {"record_keys": ["K-1"]}


def test_both_customer_legs_replay_in_one_run_each_with_its_own_keys(store):
    a = put(store, flow="customers", key="7")
    b = put(store, flow="customers_from_erp", key="C-0007")
    [request] = svc.plan_replay(store, svc.DlqFilter(pair=PAIR))
    assert request.conf == {"record_keys_by_flow": {"customers": ["7"], "customers_from_erp": ["C-0007"]}}
    assert request.item_ids == [a, b]


def test_requesting_a_replay_leaves_items_open_with_the_request_in_their_history(store):
    item_id = put(store, state="held")
    [request] = svc.request_replay(store, ids=[item_id], by="alice")
    item = svc.get_item(store, item_id)
    assert item["state"] == "held"
    assert [(e["action"], e["by"]) for e in item["history"]][-1] == ("replay_requested", "alice")
    assert request.item_ids == [item_id]


def test_a_failed_replay_leaves_the_item_open_with_the_attempt_and_the_error(store):
    """Issue 15: the item was marked replayed before the run, and vanished from the list when the run failed."""
    item_id = put(store)
    [request] = svc.request_replay(store, ids=[item_id], by="alice")
    outcomes = svc.settle_replay(store, request, run_id="manual__1", run_state="failed",
                                 error="The conn_id `storesync_db` isn't defined")
    assert outcomes == {item_id: "replay_failed"}
    item = svc.get_item(store, item_id)
    assert (item["state"], item["attempts"]) == ("open", 2)
    assert item["history"][-1]["note"] == "The conn_id `storesync_db` isn't defined"
    assert [i["id"] for i in svc.list_items(store)] == [item_id]
    # Settling again (the report and the CLI both do) adds nothing.
    assert svc.settle_replay(store, request, run_id="manual__1", run_state="failed", error="x") == {item_id: "replay_failed"}
    assert store.get_dlq_item(item_id)["attempts"] == 2


def test_a_replay_that_loads_the_record_resolves_the_item_and_one_that_fails_again_keeps_its_id(store):
    loads, fails, missing = put(store, key="1"), put(store, key="2"), put(store, key="3")
    [request] = svc.request_replay(store, ids=[loads, fails, missing], by="alice")
    # What the replay's run does: the load resolves what loaded, quarantine records what failed again.
    store.record_outcomes(PAIR, "orders", "manual__2", [("1", "loaded", None), ("2", "dlq", "still unknown")])
    store.resolve_dlq_for_keys(PAIR, "orders", ["1"], by="load", run_id="manual__2")
    assert put(store, key="2", run_id="manual__2") == fails
    outcomes = svc.settle_replay(store, request, run_id="manual__2", run_state="success")
    assert outcomes == {loads: "resolved", fails: "failed_again", missing: "replay_failed"}
    assert store.get_dlq_item(fails)["attempts"] == 2
    assert "got no outcome" in svc.history(store, missing)[-1]["note"]
    assert {i["id"] for i in svc.list_items(store)} == {fails, missing}


def test_replaying_unknown_or_final_items_reports_them(store):
    done = put(store)
    svc.resolve(store, ids=[done], by="alice")
    result = svc.ActionResult("replay requested")
    assert svc.request_replay(store, ids=[done, 404], by="bob", result=result) == []
    assert result.unknown == [404] and "already resolved by alice" in result.unchanged[done]


def test_first_release_replayed_items_still_need_attention(store):
    item_id = put(store)
    store.set_dlq_state([item_id], "replayed", by="alice", note="replay requested")
    assert [i["id"] for i in svc.list_items(store)] == [item_id]
    [request] = svc.plan_replay(store, svc.DlqFilter())
    assert request.item_ids == [item_id]
    assert svc.counts_by_reason(store) == {(PAIR, "orders", "unknown_sku"): 1}


def test_a_replayed_record_the_run_skips_is_final_and_resolves_with_the_reason(store):
    item_id = put(store, flow="customers_from_erp", key="C00001")
    [request] = svc.request_replay(store, ids=[item_id], by="alice")
    store.record_outcomes(PAIR, "customers_from_erp", "manual__3", [("C00001", "skipped", "unchanged since last push")])
    assert svc.settle_replay(store, request, run_id="manual__3", run_state="success") == {item_id: "resolved"}
    event = svc.history(store, item_id)[-1]
    assert (event["action"], event["by"], event["run_id"]) == ("resolved", "dlq-replay", "manual__3")
    assert "unchanged since last push" in event["note"]


def test_a_replay_naming_unknown_ids_without_a_result_to_report_them_raises_before_writing(store):
    item_id = put(store)
    with pytest.raises(svc.UnknownItems, match="404"):
        svc.request_replay(store, ids=[item_id, 404], by="airflow-ui")
    assert [e["action"] for e in svc.history(store, item_id)] == ["opened"]
