"""The reconciliation DAG: one per pair with the section, daily on the UTC day, wait → reconcile → publish; the
wait names the flows it still waits for and fails clearly when they never come."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from storesync.config.pairs import INCLUDE_DIR, load_pair

SHIPPED = INCLUDE_DIR / "pairs" / "xcart-sage500.yaml"
DAY = date(2026, 11, 19)
DAY_END = datetime(2026, 11, 20, tzinfo=timezone.utc)


def test_the_day_comes_from_params_else_the_data_interval_else_yesterday():
    from storesync.reconciliation.dag import reconciliation_day

    assert reconciliation_day({"params": {"day": "2026-11-03"}}) == date(2026, 11, 3)
    assert reconciliation_day({"params": {}, "data_interval_start": datetime(2026, 11, 19, tzinfo=timezone.utc)}) == DAY
    run = SimpleNamespace(run_after=datetime(2026, 11, 20, 0, 5, tzinfo=timezone.utc))
    assert reconciliation_day({"params": {"day": None}, "data_interval_start": None, "dag_run": run}) == DAY


def test_each_pair_with_the_section_gets_a_daily_dag_that_waits_then_reconciles_then_publishes():
    from storesync.reconciliation.dag import build_reconciliation_dag

    pair = load_pair(SHIPPED)
    dag = build_reconciliation_dag(pair)
    assert dag.dag_id == "reconciliation__xcart__sage500"
    assert dag.max_active_runs == 1 and dag.catchup is False
    assert dag.timetable.expression == "0 0 * * *" and str(dag.timetable.timezone) == "UTC"
    assert {"storesync", "finance", "flow:reconciliation"} <= set(dag.tags)
    wait, reconcile, publish = (dag.get_task(t) for t in ("wait_for_flows", "reconcile", "publish"))
    assert wait.downstream_task_ids == {"reconcile"} and reconcile.downstream_task_ids == {"publish"}
    assert wait.mode == "reschedule" and wait.poke_interval == 300 and wait.timeout == 21600
    assert reconcile.pool == "sage500_default"
    assert all(task.retries >= 1 and task.on_failure_callback for task in dag.tasks), "failures alert"


@pytest.fixture
def sync_store(monkeypatch, tmp_path):
    from storesync.hooks import syncstore
    from storesync.store.store import SyncStore

    url = f"sqlite:///{tmp_path / 'sync.db'}"
    monkeypatch.setenv("AIRFLOW_CONN_STORESYNC_DB", json.dumps({"conn_type": "storesync", "extra": {"url": url}}))
    monkeypatch.setenv("STORESYNC_PAIRS_DIR", str(SHIPPED.parent))
    syncstore._store_for.cache_clear()
    store = SyncStore(url)
    store.create_all()
    yield store
    syncstore._store_for.cache_clear()


def covered(store, flow: str) -> None:
    store.start_run("xcart-sage500", flow, f"{flow}-run", interval_start=DAY_END - timedelta(hours=1),
                    interval_end=DAY_END)
    store.finish_run("xcart-sage500", flow, f"{flow}-run", {"unaccounted": 0})


def sensor(**kwargs):
    from storesync.reconciliation.dag import FlowsCoveredSensor

    return FlowsCoveredSensor(task_id="wait_for_flows", pair_name="xcart-sage500", mode="poke", poke_interval=0,
                              **kwargs)


def test_the_wait_passes_once_every_flow_has_a_completed_run_covering_the_days_end(sync_store):
    context = {"params": {"day": DAY.isoformat()}}
    covered(sync_store, "orders")
    covered(sync_store, "payments")
    assert sensor().poke(context) is False
    covered(sync_store, "refunds")
    assert sensor().poke(context) is True


def test_the_wait_times_out_naming_the_flows_it_still_waits_for(sync_store):
    from airflow.sdk.exceptions import AirflowSensorTimeout

    covered(sync_store, "payments")
    with pytest.raises(AirflowSensorTimeout) as raised:
        sensor(timeout=0).execute({"params": {"day": DAY.isoformat()}})
    message = str(raised.value)
    assert "reconciliation of 2026-11-19 for xcart-sage500" in message
    assert "orders, refunds still have no completed run covering 2026-11-20 00:00 UTC" in message
