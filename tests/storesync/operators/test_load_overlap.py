"""Two loads of a create-once flow overlapping on the same records, in two real processes, on both sync-store
backends: each record is created in the target at most once, and every record ends loaded or in the DLQ.

Before the claim (``SyncStore.claim``) both loads looked the records up in the target, found nothing and created
them: a zombie task and its retry (one run id) or a manual re-sync beside a scheduled run (two run ids) posted
money twice (issue 14, finding 1: 257 Acumatica payments → 263 documents).
"""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from tests.storesync.operators.overlap_load import PAIR, REPO, DocumentTable, run_overlap, scope, stage
from tests.storesync.store.conftest import backend, fresh_url, pg_server  # noqa: F401  (fixtures)

ENV = {**os.environ, "PYTHONPATH": f"{REPO}:{REPO / 'plugins'}"}


ZOMBIE_AND_RETRY, RESYNC_BESIDE_SCHEDULED = ("run-A", "run-A"), ("scheduled", "manual")


@pytest.mark.parametrize(("flow", "run_ids"), [
    ("payments", ZOMBIE_AND_RETRY), ("payments", RESYNC_BESIDE_SCHEDULED),
    ("refunds", ZOMBIE_AND_RETRY), ("orders", RESYNC_BESIDE_SCHEDULED),
])
def test_two_overlapping_loads_create_each_record_once(fresh_url, tmp_path, run_ids, flow):
    keys = [str(1000 + n) for n in range(24)]
    report, results = run_overlap(fresh_url, tmp_path, keys=keys, run_ids=run_ids, latency=0.01, flow=flow, env=ENV)
    print(f"\n{flow} {run_ids}: {report.line()}; per load: {results}")

    assert report.duplicates == 0, f"documents created twice: {report.line()}; per load: {results}"
    assert not [r for r in results if "failed" in r], results
    assert report.lost == 0 and report.loaded == len(keys), report.line()
    assert sorted(report.xrefs) == keys, "every created document is cross-referenced"
    assert sum(r["loaded"] for r in results) == len(keys), "each record was created by exactly one of the loads"
    for result in results:  # a load of the same run skips pages the other has decided meanwhile
        assert result["loaded"] + result["skipped"] + result["held"] <= len(keys), result
    from storesync.store import SyncStore

    store = SyncStore(fresh_url)
    for run_id in set(run_ids):
        outcomes = store.get_outcomes(PAIR, flow, run_id, keys)
        assert sorted(outcomes) == keys, f"every record of run {run_id} has its one outcome"
    store.close()


def test_a_claim_held_by_a_live_load_holds_the_record_with_the_reason(tmp_path):
    from storesync.operators.load import LoadOperator
    from storesync.store import SyncStore

    store = SyncStore(f"sqlite:///{tmp_path / 'sync.db'}")
    store.create_all()
    stage(store, "run-B", ["1", "2"])
    # another load claimed "1" a moment ago and is creating it
    assert store.claim(PAIR, "payment", ["1"], "run-A try 1 host:1 abcd", lease=timedelta(minutes=60)).won == ["1"]
    target = DocumentTable(tmp_path / "erp.db")

    counts = LoadOperator(task_id="load", pair_name=PAIR, flow_name="payments").run(scope(store, target, "run-B"), {})

    assert counts["loaded"] == 1 and counts["held"] == 1 and counts["by_reason"]["claimed_by_other_load"] == 1
    assert target.documents_by_ref() == {"XP-2": 1}
    [item] = store.list_dlq(pair=PAIR, flow="payments", state="held")
    assert item["record_key"] == "1" and item["reason_code"] == "claimed_by_other_load"
    assert "run-A try 1" in item["reason"] and "never created twice" in item["reason"]

    # the other load settles it: the next run skips it as loaded and the DLQ item is resolved
    store.put_xrefs(PAIR, "payment", [("1", "77", "DOC 77")])
    store.settle_claims(PAIR, "payment", "run-A try 1 host:1 abcd", done={"1": "77"})
    stage(store, "run-C", ["1"])
    counts = LoadOperator(task_id="load", pair_name=PAIR, flow_name="payments").run(scope(store, target, "run-C"), {})
    assert counts["skipped"] == 1 and not store.list_dlq(pair=PAIR, flow="payments", state="held")


def test_a_claim_whose_load_died_is_taken_over_after_its_lease_and_the_target_decides(tmp_path):
    from storesync.operators.load import LoadOperator
    from storesync.store import SyncStore

    store = SyncStore(f"sqlite:///{tmp_path / 'sync.db'}")
    store.create_all()
    target = DocumentTable(tmp_path / "erp.db")
    # a load claimed "1", created it in the target and died before recording it
    store.claim(PAIR, "payment", ["1"], "dead load", lease=timedelta(minutes=60))
    target.load("payment", [("1", {"ref": "XP-1", "amount": "10.00"})], pair=PAIR, run_id="dead")
    stage(store, "retry", ["1"])

    counts = LoadOperator(task_id="load", pair_name=PAIR, flow_name="payments").run(
        scope(store, target, "retry", claim_lease_minutes=0), {})

    assert counts["skipped"] == 1 and counts["held"] == 0, counts
    assert target.documents_by_ref() == {"XP-1": 1}, "found by reference, not created again"
    assert store.get_xref(PAIR, "payment", ["1"]) == {"1": ("1", "DOC 1")}
    assert store.get_claims(PAIR, "payment", ["1"])["1"]["state"] == "done"


def test_a_target_id_that_differs_from_the_cross_reference_is_held_not_swallowed(tmp_path):
    from storesync.operators.load import LoadOperator
    from storesync.store import SyncStore

    store = SyncStore(f"sqlite:///{tmp_path / 'sync.db'}")
    store.create_all()

    class SecondDocument(DocumentTable):
        def load(self, entity, records, *, pair, run_id):
            # a document made meanwhile by someone else's load is mapped in the store after our look-up
            store.put_xrefs(PAIR, "payment", [("1", "900", "DOC 900")])
            return super().load(entity, records, pair=pair, run_id=run_id)

    stage(store, "run", ["1", "2"])
    target = SecondDocument(tmp_path / "erp.db")
    counts = LoadOperator(task_id="load", pair_name=PAIR, flow_name="payments").run(scope(store, target, "run"), {})

    assert counts["held"] == 1 and counts["loaded"] == 1, counts
    [item] = store.list_dlq(pair=PAIR, flow="payments", state="held")
    assert item["record_key"] == "1" and item["reason_code"] == "xref_conflict" and "900" in item["reason"]
    assert store.get_xref(PAIR, "payment", ["2"]), "the rest of the batch is recorded"


def test_a_lost_cross_reference_is_rebuilt_from_the_target_not_created_again(tmp_path):
    from storesync.operators.load import LoadOperator
    from storesync.store import SyncStore

    store = SyncStore(f"sqlite:///{tmp_path / 'sync.db'}")
    store.create_all()
    target = DocumentTable(tmp_path / "erp.db")
    stage(store, "run-1", ["1", "2"])
    LoadOperator(task_id="load", pair_name=PAIR, flow_name="payments").run(scope(store, target, "run-1"), {})
    with store.engine.begin() as conn:  # the cross-reference is lost (a restore, a manual delete); claims stay done
        from sqlalchemy import text

        conn.execute(text("DELETE FROM xref"))
    stage(store, "run-2", ["1", "2"])

    counts = LoadOperator(task_id="load", pair_name=PAIR, flow_name="payments").run(scope(store, target, "run-2"), {})

    assert counts["loaded"] == 0 and counts["skipped"] == 2, counts
    assert target.documents_by_ref() == {"XP-1": 1, "XP-2": 1}
    assert store.get_xref(PAIR, "payment", ["1", "2"]) == {"1": ("1", "DOC 1"), "2": ("2", "DOC 2")}


def test_a_claim_owner_is_gone_only_when_its_process_on_this_host_no_longer_exists():
    import os
    import socket
    import subprocess
    import sys

    from storesync.operators.load import claim_owner_is_gone

    host = socket.gethostname()
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # a process that ran here and ended: its pid is free
    assert claim_owner_is_gone(f"run1 try 1 {host}:{child.pid} 0a1b2c3d")
    assert not claim_owner_is_gone(f"run1 try 1 {host}:{os.getppid()} 0a1b2c3d"), "a live process keeps its claim"
    assert not claim_owner_is_gone(f"run1 try 1 {host}:{os.getpid()} 0a1b2c3d"), "this process is not gone"
    assert not claim_owner_is_gone(f"run1 try 1 elsewhere.example:{child.pid} 0a1b2c3d"), "another host: the lease decides"
    assert not claim_owner_is_gone("load A")
