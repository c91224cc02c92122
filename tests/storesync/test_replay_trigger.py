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
