"""Build one DAG per configured pair for a flow: extract → gate → transform → gate → load → write back → report.

DAG files stay thin: they call ``build_flow_dags(flow, globals(), doc_md=__doc__)``. Only pair configs
(YAML) are read at parse time; connectors, pandas and Great Expectations load inside tasks.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.sdk import DAG, Param, TaskGroup
from airflow.sdk.definitions.timetables.interval import CronDataIntervalTimetable

from storesync.config.pairs import PairConfig, load_pairs, pairs_dir
from storesync.flows import get_flow
from storesync.alerts.callback import FailureAlert
from storesync.operators.extract import ExtractOperator
from storesync.operators.load import LoadOperator
from storesync.operators.quality import QualityGateOperator
from storesync.operators.report import ReportOperator, RunFailedWatcher
from storesync.operators.transform import TransformOperator
from storesync.operators.writeback import WriteBackOperator


def default_args(pair: PairConfig) -> dict[str, Any]:
    return {
        "owner": pair.owner,
        "retries": pair.retries.count,
        "retry_delay": timedelta(seconds=pair.retries.delay_seconds),
        "retry_exponential_backoff": pair.retries.exponential_backoff,
        "max_retry_delay": timedelta(seconds=pair.retries.max_delay_seconds),
        # Called by Airflow only after the last retry failed: one task_failed/quality_gate alert per run.
        "on_failure_callback": FailureAlert(pair.name),
    }


def build_flow_dag(pair: PairConfig, flow_name: str, *, doc_md: str | None = None) -> DAG:
    """The DAG of one flow; a flow with legs (e.g. customers both ways) runs them one after the other."""
    spec = get_flow(flow_name)
    legs = [leg for leg in (spec.legs or (flow_name,)) if leg in pair.flows]
    schedule_flow = pair.flows[legs[0]]
    with DAG(
        dag_id=pair.dag_id(flow_name),
        description=f"{spec.description} ({pair.storefront.system} ↔ {pair.erp.system})",
        doc_md=doc_md,
        schedule=CronDataIntervalTimetable(schedule_flow.schedule, timezone="UTC"),
        start_date=schedule_flow.start_date,
        catchup=schedule_flow.catchup,
        max_active_runs=1,  # runs of one flow touch the same documents; overlap would only add contention
        default_args=default_args(pair),
        tags=["storesync", f"flow:{flow_name}", f"storefront:{pair.storefront.system}", f"erp:{pair.erp.system}"],
        params={
            "resync_from": Param(None, type=["null", "string"], description="ISO start of a range to re-sync instead of the data interval"),
            "resync_to": Param(None, type=["null", "string"], description="ISO end of that range (default: the interval's end)"),
            "record_keys": Param(None, type=["null", "array"], description="Re-sync exactly these source ids (e.g. one order), ignoring dates"),
            "record_keys_by_flow": Param(None, type=["null", "object"], description="Per leg of a two-way DAG: {leg flow: [source ids]}; legs not named extract nothing (DLQ replays)"),
        },
    ) as dag:
        tasks: list = []
        previous_end = None
        for leg in legs:
            if len(legs) > 1:
                with TaskGroup(group_id=get_flow(leg).leg_label or leg):
                    leg_tasks, leg_end = _leg_tasks(pair, leg)
            else:
                leg_tasks, leg_end = _leg_tasks(pair, leg)
            if previous_end is not None:
                previous_end >> leg_tasks[0]
            previous_end = leg_end
            tasks += leg_tasks
        watcher = RunFailedWatcher(task_id="fail_run_if_a_task_failed")
        tasks >> watcher
    return dag


def _leg_tasks(pair: PairConfig, flow_name: str):
    """extract → validate_raw → transform → validate_target → load [→ write_back] → report, for one leg."""
    spec = get_flow(flow_name)
    names = {"pair_name": pair.name, "flow_name": flow_name}
    # Tasks that talk to a system share its pool, so its request budget holds across all workers.
    source_pool = _pool(pair.endpoint(spec.source).pool)
    target_pool = _pool(pair.endpoint(spec.target).pool)
    chain = [
        ExtractOperator(task_id="extract", **source_pool, **names),
        QualityGateOperator(task_id="validate_raw", stage="raw", **names),
        TransformOperator(task_id="transform", **target_pool, **names),
        QualityGateOperator(task_id="validate_target", stage="target", **names),
        LoadOperator(task_id="load", **target_pool, **names),
    ]
    if spec.has_write_back:
        # Its requests in flight each hold a slot of the source's pool.
        slots = pair.endpoint(spec.source).write_concurrency
        chain.append(WriteBackOperator(task_id="write_back", **source_pool, **({"pool_slots": slots} if slots > 1 else {}),
                                       **names))
    report = ReportOperator(task_id="report", trigger_rule="all_done", **names)
    for upstream, downstream in zip(chain, chain[1:]):
        upstream >> downstream
    chain[-1] >> report
    return [*chain, report], report


def _pool(name: str | None) -> dict[str, str]:
    return {"pool": name} if name else {}


def build_flow_dags(flow_name: str, namespace: dict[str, Any], *, doc_md: str | None = None) -> list[DAG]:
    """Register one DAG per pair that configures ``flow_name`` in the DAG file's globals."""
    dags = []
    for pair in load_pairs(str(pairs_dir())):
        if flow_name in pair.flows:
            dag = build_flow_dag(pair, flow_name, doc_md=doc_md)
            namespace[dag.dag_id] = dag
            dags.append(dag)
    return dags
