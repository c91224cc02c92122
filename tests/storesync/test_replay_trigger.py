"""The replay DAG's trigger task asks Airflow for a run of the flow's DAG with the records to re-sync."""

from __future__ import annotations

import pytest


def test_triggering_a_flow_run_hands_airflow_the_dag_and_the_record_keys():
    from airflow.sdk.exceptions import DagRunTriggerException

    from storesync.replay import TriggerFlowRun

    task = TriggerFlowRun(task_id="trigger_flow", trigger_dag_id="orders__xcart__sage500",
                          conf={"record_keys": ["1042", "1043"]})
    with pytest.raises(DagRunTriggerException) as raised:
        task.execute({})
    assert raised.value.trigger_dag_id == "orders__xcart__sage500"
    assert raised.value.conf == {"record_keys": ["1042", "1043"]}
    assert raised.value.wait_for_completion is False


def test_the_replay_dag_maps_one_trigger_per_flow_over_the_selected_items():
    from airflow.dag_processing.dagbag import DagBag

    from tests.conftest import ROOT

    bag = DagBag(dag_folder=str(ROOT / "dags" / "dlq_replay.py"))
    assert bag.import_errors == {}
    dag = bag.dags["dlq_replay__xcart__sage500"]
    assert dag.task_dict["trigger_flow"].upstream_task_ids == {"select_and_mark"}


def test_selecting_records_the_request_on_the_matching_items_and_plans_one_trigger_per_flow(tmp_path, monkeypatch):
    """The items stay open (issue 15: marking them replayed before the run lost them when it failed)."""
    import json

    from storesync.hooks import syncstore
    from storesync.replay import SelectAndMark
    from storesync.store.store import SyncStore

    url = f"sqlite:///{tmp_path / 'sync.db'}"
    monkeypatch.setenv("AIRFLOW_CONN_STORESYNC_DB", json.dumps({"conn_type": "storesync", "extra": {"url": url}}))
    syncstore._store_for.cache_clear()
    store = SyncStore(url)
    store.create_all()
    for flow, key in (("orders", "1042"), ("orders", "1043"), ("inventory", "SKU-00007")):
        store.quarantine(pair="xcart-sage500", flow=flow, entity="order", record_key=key, stage="raw",
                         reason_code="quality:raw", reason=f"{key}: bad", failed_expectations=[], payload={},
                         dag_id="d", run_id="r1")

    plan = SelectAndMark(task_id="select_and_mark", pair_name="xcart-sage500").execute(
        {"params": {"flow": "orders", "since": "2026-01-01", "requested_by": "ops@example.com"}})

    assert [(p["trigger_dag_id"], sorted(p["conf"]["record_keys"])) for p in plan] == \
        [("orders__xcart__sage500", ["1042", "1043"])]
    items = store.list_dlq()
    assert {i["state"] for i in items} == {"open"}
    history = store.dlq_history([i["id"] for i in items])
    requested = {i["record_key"] for i in items
                 if (history[i["id"]][-1]["action"], history[i["id"]][-1]["by"]) == ("replay_requested", "ops@example.com")}
    assert requested == {"1042", "1043"}
    syncstore._store_for.cache_clear()
