"""SyncStore behaviour on SQLite and PostgreSQL: staged records, xref, DLQ, outcomes, runs."""

from __future__ import annotations

import datetime as dt
import os
import random
import subprocess
import sys
import textwrap
import time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from storesync.store import DLQ_STATES, DlqStateError, SyncStore, XrefConflict
from storesync.store.schema import dlq

PAIR, FLOW = "xcart-sage500", "orders"
REPO = Path(__file__).resolve().parents[3]


# --------------------------------------------------------------------------- staged records


def test_staged_keyset_iteration_returns_every_record_once_in_key_order(store):
    keys = [str(n) for n in range(1000)] + ["A-1", "a-1", "Z", "ä", "order 7", "~last"]
    random.Random(7).shuffle(keys)
    store.put_staged(PAIR, FLOW, "run1", "raw", ((key, {"key": key}) for key in keys))

    seen = list(store.iter_staged(PAIR, FLOW, "run1", "raw", batch_size=7))

    assert [key for key, _ in seen] == sorted(keys)  # byte order on both backends
    assert all(payload == {"key": key} for key, payload in seen)
    assert store.count_staged(PAIR, FLOW, "run1", "raw") == len(keys)


@pytest.mark.parametrize("count", [0, 1, 5, 6, 11])
def test_staged_iteration_page_boundaries(store, count):
    store.put_staged(PAIR, FLOW, "run1", "raw", ((f"k{n:03d}", n) for n in range(count)))
    assert [payload for _, payload in store.iter_staged(PAIR, FLOW, "run1", "raw", batch_size=5)] == list(range(count))


def test_put_staged_replaces_on_retry_and_keeps_runs_and_stages_apart(store):
    store.put_staged(PAIR, FLOW, "run1", "raw", [("1", {"v": 1}), ("2", {"v": 1})])
    store.put_staged(PAIR, FLOW, "run1", "raw", [("2", {"v": 2}), ("3", {"v": 2}), ("3", {"v": 3})])
    store.put_staged(PAIR, FLOW, "run1", "canonical", [("1", {"v": "c"})])
    store.put_staged(PAIR, FLOW, "run2", "raw", [("1", {"v": "other run"})])

    assert dict(store.iter_staged(PAIR, FLOW, "run1", "raw")) == {"1": {"v": 1}, "2": {"v": 2}, "3": {"v": 3}}
    assert store.count_staged(PAIR, FLOW, "run1", "canonical") == 1
    assert store.get_staged(PAIR, FLOW, "run1", "raw", ["3", "missing"]) == {"3": {"v": 3}}

    assert store.delete_staged(PAIR, FLOW, "run1", "raw") == 3
    assert store.count_staged(PAIR, FLOW, "run1", "canonical") == 1
    assert store.delete_staged(PAIR, FLOW, "run1") == 1
    assert store.count_staged(PAIR, FLOW, "run2", "raw") == 1


def test_staged_payload_keeps_decimals_exact(store):
    store.put_staged(PAIR, FLOW, "run1", "raw", [("17", {"total": Decimal("0.1") + Decimal("0.2"), "big": Decimal("12345678.9999")})])
    [(key, payload)] = store.iter_staged(PAIR, FLOW, "run1", "raw")
    assert key == "17"
    assert payload == {"total": "0.3", "big": "12345678.9999"}


def test_staged_rejects_unknown_stage(store):
    with pytest.raises(ValueError, match="valid values: raw, canonical, target"):
        store.put_staged(PAIR, FLOW, "run1", "rawish", [("1", {})])


@pytest.mark.slow
def test_put_staged_handles_100k_records(store):
    payload = {"total": Decimal("123.45"), "items": [{"sku": "SKU-00012", "price": Decimal("55.00"), "amount": 2}]}
    written = store.put_staged(PAIR, FLOW, "big", "raw", ((f"{n:06d}", payload) for n in range(100_000)))
    assert written == 100_000
    assert store.count_staged(PAIR, FLOW, "big", "raw") == 100_000
    assert sum(1 for _ in store.iter_staged(PAIR, FLOW, "big", "raw", batch_size=5000)) == 100_000


def test_undecided_pages_leave_out_records_with_an_outcome_and_stream_in_key_order(store):
    keys = [f"{n:04d}" for n in range(25)]
    store.put_staged(PAIR, FLOW, "run1", "raw", ((key, {"key": key}) for key in keys))
    store.put_staged(PAIR, FLOW, "run2", "raw", [("0001", {"key": "other run"})])
    store.record_outcomes(PAIR, FLOW, "run1", [("0003", "dlq", "gate"), ("0010", "skipped", "unchanged")])
    store.record_outcomes(PAIR, FLOW, "run2", [("0001", "loaded", None)])

    pages = list(store.iter_undecided_pages(PAIR, FLOW, "run1", "raw", batch_size=10))

    assert [len(page) for page in pages] == [10, 10, 3]
    assert [key for page in pages for key, _ in page] == [k for k in keys if k not in ("0003", "0010")]
    assert pages[0][0] == ("0000", {"key": "0000"})


def test_a_record_decided_while_pages_are_read_is_left_out_of_later_pages(store):
    store.put_staged(PAIR, FLOW, "run1", "raw", ((f"{n:02d}", {}) for n in range(6)))
    pages = store.iter_undecided_pages(PAIR, FLOW, "run1", "raw", batch_size=2)
    first = next(pages)
    store.record_outcomes(PAIR, FLOW, "run1", [("04", "dlq", "gate")])
    assert [key for key, _ in first] + [key for page in pages for key, _ in page] == ["00", "01", "02", "03", "05"]


def test_outcomes_of_named_records(store):
    store.record_outcomes(PAIR, FLOW, "run1", [("1", "loaded", None), ("2", "dlq", "bad")])
    store.record_outcomes(PAIR, FLOW, "run2", [("3", "loaded", None)])
    assert store.get_outcomes(PAIR, FLOW, "run1", ["1", "2", "3"]) == {"1": "loaded", "2": "dlq"}


# --------------------------------------------------------------------------- cross-reference


def test_xref_is_idempotent_and_refuses_a_second_target(store):
    assert store.put_xref(PAIR, "order", "17", "SO-100", None, "run1") is True
    assert store.put_xref(PAIR, "order", "17", "SO-100", None, "run2") is False
    # Filling in the document number later is allowed.
    assert store.put_xref(PAIR, "order", "17", "SO-100", "0000100", "run2") is False
    assert store.get_xref(PAIR, "order", ["17", "18"]) == {"17": ("SO-100", "0000100")}

    with pytest.raises(XrefConflict, match="'SO-100'.*'SO-999'") as caught:
        store.put_xref(PAIR, "order", "17", "SO-999", None, "run3")
    assert caught.value.existing_target_id == "SO-100"
    assert store.get_xref(PAIR, "order", ["17"]) == {"17": ("SO-100", "0000100")}
    # Same source id, other entity or pair: independent.
    assert store.put_xref(PAIR, "customer", "17", "C-1") is True
    assert store.put_xref("other-pair", "order", "17", "SO-5") is True


def test_get_xref_batches_large_id_lists(store):
    for n in (0, 400, 800):
        store.put_xref(PAIR, "order", str(n), f"SO-{n}")
    ids = [str(n) for n in range(1200)]
    assert store.get_xref(PAIR, "order", ids) == {"0": ("SO-0", None), "400": ("SO-400", None), "800": ("SO-800", None)}
    assert store.get_xref_by_target(PAIR, "order", ["SO-400", "SO-1"]) == {"SO-400": "400"}


def test_xrefs_of_a_batch_are_written_at_once_with_the_same_rules_as_one_by_one(store):
    store.put_xref(PAIR, "order", "1", "SO-1")
    created = store.put_xrefs(PAIR, "order", [("1", "SO-1", "0000001"), ("2", "SO-2", None),
                                              *((str(n), f"SO-{n}", None) for n in range(3, 1203))], "run1")
    assert created == 1201
    assert store.get_xref(PAIR, "order", ["1", "2", "1202"]) == {
        "1": ("SO-1", "0000001"), "2": ("SO-2", None), "1202": ("SO-1202", None)}
    assert store.put_xrefs(PAIR, "order", [("2", "SO-2", None)]) == 0


def test_a_batch_with_a_conflicting_xref_is_refused_whole(store):
    store.put_xref(PAIR, "order", "17", "SO-100")
    with pytest.raises(XrefConflict, match="'SO-100'.*'SO-999'"):
        store.put_xrefs(PAIR, "order", [("16", "SO-99", None), ("17", "SO-999", None)])
    assert store.get_xref(PAIR, "order", ["16", "17"]) == {"17": ("SO-100", None)}


# --------------------------------------------------------------------------- dead-letter queue


def _quarantine(store, key="17", **overrides):
    arguments = dict(
        pair=PAIR,
        flow=FLOW,
        entity="order",
        record_key=key,
        stage="raw",
        reason_code="quality",
        reason="currency missing",
        failed_expectations=["expect_column_values_to_not_be_null(column=currency)"],
        payload={"orderId": 17, "total": Decimal("12.30")},
        dag_id="orders__xcart__sage500",
        run_id="run1",
    )
    arguments.update(overrides)
    return store.quarantine(**arguments)


def _dlq_rows(store) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(dlq)).scalar_one()


def test_dlq_repeat_failure_bumps_attempts_not_rows(store):
    first = _quarantine(store)
    second = _quarantine(store, reason_code="unknown_sku", reason="SKU-9 unknown", run_id="run2", state="held", payload={"v": 2})

    assert second == first
    assert _dlq_rows(store) == 1
    [item] = store.list_dlq(pair=PAIR, flow=FLOW)
    assert item["attempts"] == 2
    assert (item["state"], item["reason_code"], item["reason"]) == ("held", "unknown_sku", "SKU-9 unknown")
    assert (item["run_id"], item["first_run_id"]) == ("run2", "run1")
    assert item["payload"] == {"v": 2}
    assert item["updated_at"] >= item["created_at"]
    # Another record, or the same key in another flow, is its own item.
    assert _quarantine(store, key="18") != first
    assert _quarantine(store, flow="customers") != first
    assert _dlq_rows(store) == 3


def test_dlq_payload_and_expectations_round_trip(store):
    _quarantine(store)
    [item] = store.list_dlq(pair=PAIR)
    assert item["payload"] == {"orderId": 17, "total": "12.30"}
    assert item["failed_expectations"] == ["expect_column_values_to_not_be_null(column=currency)"]
    assert item["created_at"].tzinfo is not None


def test_dlq_state_change_records_who_when_and_why(store):
    item_id = _quarantine(store)
    before = dt.datetime.now(dt.timezone.utc)
    assert store.set_dlq_state([item_id], "ignored", by="ops@example.com", note="test order") == 1
    item = store.get_dlq_item(item_id)
    assert item["state"] == "ignored"
    assert item["state_changed_by"] == "ops@example.com"
    assert item["state_note"] == "test order"
    assert item["state_changed_at"] >= before - dt.timedelta(seconds=1)


def test_resolving_many_records_resolves_only_their_active_items(store):
    first = _quarantine(store)
    other = _quarantine(store, record_key="18")
    untouched = _quarantine(store, record_key="19")
    assert store.resolve_dlq_for_keys(PAIR, FLOW, ["17", "18", "404"], by="load") == 2
    assert store.resolve_dlq_for_keys(PAIR, FLOW, ["17", "18"], by="load") == 0
    states = {item_id: store.get_dlq_item(item_id)["state"] for item_id in (first, other, untouched)}
    assert states == {first: "resolved", other: "resolved", untouched: "open"}
    assert store.get_dlq_item(first)["state_changed_by"] == "load"


def test_dlq_invalid_state_lists_valid_states(store):
    item_id = _quarantine(store)
    with pytest.raises(DlqStateError) as caught:
        store.set_dlq_state([item_id], "fixed", by="ops")
    for state in DLQ_STATES:
        assert state in str(caught.value)
    assert store.get_dlq_item(item_id)["state"] == "open"
    with pytest.raises(ValueError, match="open, held"):
        _quarantine(store, state="resolved")


def test_a_record_failing_again_after_resolution_reopens_its_own_item(store):
    """Issue 15: a reopened item used to start a new id with its attempts reset."""
    first = _quarantine(store)
    assert store.resolve_dlq_for(PAIR, FLOW, "17", by="orders loader") == 1
    assert store.resolve_dlq_for(PAIR, FLOW, "17", by="orders loader") == 0
    second = _quarantine(store, run_id="run3", reason="SKU-9 still unknown")
    assert second == first
    [item] = store.list_dlq(pair=PAIR, record_key="17")
    assert (item["state"], item["attempts"], item["reason"], item["first_run_id"]) == ("open", 2, "SKU-9 still unknown", "run1")
    actions = [(e["action"], e["state_from"], e["state_to"]) for e in store.dlq_history([first])[first]]
    assert actions == [("opened", None, "open"), ("resolved", "open", "resolved"), ("reopened", "resolved", "open")]


def test_reopening_by_hand_fails_while_the_record_has_another_open_item(store):
    first = _quarantine(store)
    store.set_dlq_state([first], "ignored", by="ops")
    # A first-release store can hold an older item beside the open one; reopening that would make two.
    with store.engine.begin() as conn:
        conn.execute(dlq.insert().values(pair=PAIR, flow=FLOW, entity="order", record_key="17", stage="raw",
                                         reason_code="q", reason="r", attempts=1, state="open",
                                         created_at=dt.datetime.now(dt.timezone.utc),
                                         updated_at=dt.datetime.now(dt.timezone.utc)))
    with pytest.raises(DlqStateError, match="only one open/held"):
        store.set_dlq_state([first], "open", by="ops")


def test_resolving_twice_keeps_who_resolved_it_and_the_first_note(store):
    """Issue 15: the second resolve overwrote who resolved the item and deleted the first note."""
    item_id = _quarantine(store)
    assert store.set_dlq_state([item_id], "resolved", by="alice", note="fixed the SKU in the ERP") == 1
    assert store.set_dlq_state([item_id], "resolved", by="bob", note="me too") == 0
    item = store.get_dlq_item(item_id)
    assert (item["state_changed_by"], item["state_note"]) == ("alice", "fixed the SKU in the ERP")
    events = store.dlq_history([item_id])[item_id]
    assert [(e["action"], e["by"], e["note"]) for e in events if e["action"] != "opened"] == \
        [("resolved", "alice", "fixed the SKU in the ERP")]


def test_history_events_are_appended_and_can_count_an_attempt(store):
    item_id = _quarantine(store)
    store.add_dlq_events([item_id], "replay_requested", by="alice", note="after the fix")
    store.add_dlq_events([item_id], "replay_failed", by="dlq", note="conn x missing", run_id="r9", count_attempt=True)
    item = store.get_dlq_item(item_id)
    assert (item["state"], item["attempts"]) == ("open", 2)
    events = store.dlq_history([item_id])[item_id]
    assert [e["action"] for e in events] == ["opened", "replay_requested", "replay_failed"]
    assert events[2]["run_id"] == "r9" and events[2]["note"] == "conn x missing"
    assert all(e["recorded"] for e in events)
    with pytest.raises(DlqStateError, match="replay_requested"):
        store.add_dlq_events([item_id], "frobbed", by="x")


def test_list_dlq_accepts_naive_bounds_as_utc(store):
    """Issue 15: ``list --since 2026-12-07`` crashed on a naive datetime."""
    _quarantine(store)
    naive_past = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - dt.timedelta(hours=1)
    assert len(store.list_dlq(since=naive_past)) == 1
    assert store.list_dlq(until=naive_past) == []


def test_list_dlq_by_ids(store):
    ids = [_quarantine(store, key=str(n)) for n in range(3)]
    assert {i["id"] for i in store.list_dlq(ids=[ids[0], ids[2], 999])} == {ids[0], ids[2]}
    assert store.list_dlq(ids=[]) == []


def test_list_dlq_filters_and_counts_by_reason(store):
    _quarantine(store, key="1", reason_code="quality", run_id="run1")
    _quarantine(store, key="2", reason_code="quality", run_id="run2")
    held = _quarantine(store, key="3", reason_code="unknown_sku", run_id="run2", state="held")
    _quarantine(store, key="4", reason_code="erp_rejected", flow="customers", run_id="run2")

    assert {item["record_key"] for item in store.list_dlq(pair=PAIR, flow=FLOW)} == {"1", "2", "3"}
    assert [item["id"] for item in store.list_dlq(state="held")] == [held]
    assert len(store.list_dlq(state=["open", "held"])) == 4
    assert [item["record_key"] for item in store.list_dlq(reason_code="erp_rejected")] == ["4"]
    future = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)
    assert store.list_dlq(since=future) == []
    assert len(store.list_dlq(until=future)) == 4
    assert store.dlq_counts_by_reason(PAIR, FLOW) == {"quality": 2, "unknown_sku": 1}
    assert store.dlq_counts_by_reason(PAIR, FLOW, run_id="run2") == {"quality": 1, "unknown_sku": 1}
    assert store.dlq_counts_by_reason(PAIR, FLOW, state="held") == {"unknown_sku": 1}


# --------------------------------------------------------------------------- outcomes and runs


def test_record_outcomes_upsert_per_run_and_key(store):
    store.record_outcomes(PAIR, FLOW, "run1", [("1", "dlq", "quality"), ("2", "loaded", None), ("3", "held", "SKU-9")])
    store.record_outcomes(PAIR, FLOW, "run1", [("1", "loaded", "after retry"), ("4", "skipped", "unchanged")])
    store.record_outcomes(PAIR, FLOW, "run2", [("1", "skipped", "unchanged")])

    assert store.outcome_counts(PAIR, FLOW, "run1") == {"loaded": 2, "held": 1, "skipped": 1}
    assert store.outcome_counts(PAIR, FLOW, "run2") == {"skipped": 1}
    assert [row["detail"] for row in store.list_outcomes(PAIR, FLOW, "run1", outcome="loaded")] == ["after retry", None]
    with pytest.raises(ValueError, match="valid values: loaded, skipped, dlq, held"):
        store.record_outcomes(PAIR, FLOW, "run1", [("5", "lost", None)])


def test_runs_start_idempotently_and_finish_with_counts(store):
    start = dt.datetime(2024, 11, 7, tzinfo=dt.timezone.utc)
    run = store.start_run(PAIR, FLOW, "run1", dag_id="orders__xcart__sage500", interval_start=start, interval_end=start + dt.timedelta(hours=1))
    first_started = store.get_run(PAIR, FLOW, "run1")["started_at"]
    assert store.start_run(PAIR, FLOW, "run1", dag_id="orders__xcart__sage500") == run  # retried task
    assert store.finish_run(PAIR, FLOW, "run1", {"extracted": 3, "loaded": 2, "dlq": 1, "amount": Decimal("12.30")}) == run

    row = store.get_run(PAIR, FLOW, "run1")
    assert row["started_at"] == first_started
    assert row["interval_start"] == start
    assert row["finished_at"] >= row["started_at"]
    assert row["counts"] == {"extracted": 3, "loaded": 2, "dlq": 1, "amount": "12.30"}
    # Finishing a run that never started still records it.
    store.finish_run(PAIR, FLOW, "run2", {"extracted": 0})
    assert [r["run_id"] for r in store.list_runs(PAIR, FLOW)] == ["run2", "run1"]


# --------------------------------------------------------------------------- schema


def test_create_all_is_idempotent(fresh_url):
    store = SyncStore(fresh_url)
    try:
        store.create_all()
        store.create_all()
        assert set(inspect(store.engine).get_table_names()) >= {"staged_record", "xref", "dlq", "record_outcome", "sync_run"}
    finally:
        store.close()


_CREATE_ALL_CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from storesync.store import SyncStore
    go = Path(sys.argv[2])
    store = SyncStore(sys.argv[1])
    deadline = time.monotonic() + 30
    while not go.exists():  # start together, so the DDL really races
        if time.monotonic() > deadline:
            sys.exit("start signal never came")
        time.sleep(0.005)
    store.create_all()
    store.quarantine("p", "f", "order", "1", "raw", "quality", "bad")
    """
)


def test_concurrent_create_all_from_several_processes(fresh_url, tmp_path):
    go = tmp_path / "go"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), str(REPO / "plugins"), os.environ.get("PYTHONPATH", "")]))
    children = [
        subprocess.Popen([sys.executable, "-c", _CREATE_ALL_CHILD, fresh_url, str(go)], env=env, stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    time.sleep(1.5)  # let the children import and connect
    go.touch()
    failures = []
    for child in children:
        _, stderr = child.communicate(timeout=90)
        if child.returncode != 0:
            failures.append(stderr[-2000:])
    assert not failures, "\n---\n".join(failures)

    store = SyncStore(fresh_url)
    try:
        [item] = store.list_dlq()
        assert item["attempts"] == 4  # and the concurrent quarantines made one item
    finally:
        store.close()


# --------------------------------------------------------------------------- load claims (issue 14)


def test_a_claim_is_won_by_one_loader_and_reported_to_the_other(store):
    lease = dt.timedelta(minutes=60)
    first = store.claim(PAIR, "payment", ["1", "2"], "load A", lease=lease)
    second = store.claim(PAIR, "payment", ["2", "3"], "load B", lease=lease)

    assert first.won == ["1", "2"] and second.won == ["3"] and second.taken_over == []
    assert second.held_elsewhere["2"]["owner"] == "load A" and second.held_elsewhere["2"]["state"] == "claimed"

    store.settle_claims(PAIR, "payment", "load A", done={"2": "PMT-9"}, release=["1"])
    claims = store.get_claims(PAIR, "payment", ["1", "2", "3"])
    assert "1" not in claims, "a released claim is gone: a later load may try again"
    assert claims["2"]["state"] == "done" and claims["2"]["target_id"] == "PMT-9"
    assert store.claim(PAIR, "payment", ["1"], "load C", lease=lease).won == ["1"]
    store.settle_claims(PAIR, "payment", "load A", release=["3"])  # not A's claim: left alone
    assert store.get_claims(PAIR, "payment", ["3"])["3"]["owner"] == "load B"


def test_a_claim_whose_owner_is_gone_is_taken_over_at_once_and_a_live_ones_is_kept(store):
    lease = dt.timedelta(minutes=60)
    store.claim(PAIR, "payment", ["1"], "killed load", lease=lease)
    store.claim(PAIR, "payment", ["2"], "live load", lease=lease)
    store.claim(PAIR, "payment", ["3"], "killed load", lease=lease)
    store.settle_claims(PAIR, "payment", "killed load", done={"3": "PMT-3"})
    result = store.claim(PAIR, "payment", ["1", "2", "3"], "retry", lease=lease,
                         owner_is_gone=lambda owner: owner == "killed load")
    assert result.won == ["1"] and result.taken_over == ["1"]
    assert result.held_elsewhere["2"]["owner"] == "live load", "a live loader keeps its claim until the lease ends"
    assert result.held_elsewhere["3"]["state"] == "done", "a done claim is never taken over"


def test_a_claim_past_its_lease_is_taken_over_once_and_a_done_one_never(store):
    store.claim(PAIR, "payment", ["1", "2"], "dead load", lease=dt.timedelta(minutes=60))
    store.settle_claims(PAIR, "payment", "dead load", done={"2": "PMT-2"})
    taken = store.claim(PAIR, "payment", ["1", "2"], "retry", lease=dt.timedelta(0))
    assert taken.won == ["1"] and taken.taken_over == ["1"]
    assert taken.held_elsewhere["2"]["state"] == "done"
    again = store.claim(PAIR, "payment", ["1"], "another", lease=dt.timedelta(minutes=60))
    assert again.won == [] and again.held_elsewhere["1"]["owner"] == "retry"


def test_put_xrefs_can_report_conflicts_and_write_the_rest(store):
    store.put_xref(PAIR, "payment", "1", "PMT-1")
    conflicts = []
    assert store.put_xrefs(PAIR, "payment", [("1", "PMT-7", None), ("2", "PMT-2", None)], conflicts=conflicts) == 1
    assert [(c.source_id, c.existing_target_id, c.new_target_id) for c in conflicts] == [("1", "PMT-1", "PMT-7")]
    assert store.get_xref(PAIR, "payment", ["1", "2"]) == {"1": ("PMT-1", None), "2": ("PMT-2", None)}


def test_an_outcome_to_keep_is_not_replaced(store):
    store.record_outcomes(PAIR, FLOW, "run1", [("1", "loaded", "created"), ("2", "dlq", "bad")])
    store.record_outcomes(PAIR, FLOW, "run1", [("1", "held", "claimed elsewhere"), ("2", "held", "x"),
                                               ("3", "held", "y")], keep=("loaded",))
    assert store.get_outcomes(PAIR, FLOW, "run1", ["1", "2", "3"]) == {"1": "loaded", "2": "held", "3": "held"}
