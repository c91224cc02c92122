"""The daily reconciliation DAG, one per pair with a ``reconciliation:`` section: wait → reconcile → publish.

``reconciliation__<storefront>__<erp>`` runs on a daily timetable whose data interval is the UTC day it
reconciles (a run for day D starts at D+1 00:00 UTC). Tasks:

1. ``wait_for_flows`` (:class:`FlowsCoveredSensor`, reschedule mode): waits until every flow named in
   ``reconciliation.after`` (orders, payments, refunds) has a completed run in the sync store's
   ``sync_run`` table whose data interval reaches the day's end, with every record accounted for. Why the
   sync store and not Airflow assets: it works the same for a backfill of a past day (later runs already
   cover it, so the sensor passes at once), for re-syncs triggered by hand, and for flows run outside
   this Airflow (the demo, a second deployment); an asset-triggered DAG could not be backfilled by date
   either. It pokes every ``poke_interval_seconds`` without holding a worker slot and fails after
   ``wait_timeout_seconds`` naming the flows it still waits for (the failure alerts like any task's).
2. ``reconcile``: reads both systems through the adapters' ``RECONCILE`` tables, matches, stores the
   day's lines (replacing that day's, nothing else).
3. ``publish``: writes the day's CSV and XLSX from the stored lines to ``output_dir``.

Backfill: ``airflow backfill create --dag-id reconciliation__xcart__sage500 --from-date … --to-date …``
(``max_active_runs`` 1 keeps days in order, so pending lines carry forward). One day by hand: trigger the
DAG with params ``{"day": "2026-11-19"}``, or clear that day's run.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from airflow.sdk import DAG, BaseOperator, Param
from airflow.sdk.bases.sensor import BaseSensorOperator
from airflow.sdk.definitions.timetables.interval import CronDataIntervalTimetable
from airflow.sdk.exceptions import AirflowSensorTimeout

from storesync.config.pairs import PairConfig, get_pair, load_pairs, pairs_dir
from storesync.factory import default_args

FLOW = "reconciliation"
# Midnight UTC: each run's data interval is exactly one UTC day.
DAILY = "0 0 * * *"


def reconciliation_day(context) -> date:
    """The UTC day a run reconciles: params ``day``, else the data interval's start, else yesterday."""
    params = context.get("params") or {}
    if params.get("day"):
        return date.fromisoformat(str(params["day"]))
    start = context.get("data_interval_start")
    if start is not None:
        return start.date()
    return (context["dag_run"].run_after - timedelta(days=1)).date()


class FlowsCoveredSensor(BaseSensorOperator):
    """Waits until the pair's ``after`` flows have completed runs covering the reconciliation day's end."""

    template_fields = ("pair_name",)
    ui_color = "#fff2cc"

    def __init__(self, *, pair_name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pair_name = pair_name
        self._waiting_for: list[str] = []

    def poke(self, context) -> bool:
        from storesync.hooks.syncstore import SyncStoreHook
        from storesync.reconciliation.service import day_bounds

        pair = get_pair(self.pair_name)
        day = reconciliation_day(context)
        _, end = day_bounds(day)
        found = SyncStoreHook(pair.store_conn_id).get_store().completed_flow_runs(pair.name, pair.reconciliation.after, end)
        self._waiting_for = [flow for flow, run in found.items() if run is None]
        if self._waiting_for:
            self.log.info("%s: waiting for a completed run covering %s of: %s", day, end.isoformat(),
                          ", ".join(self._waiting_for))
            return False
        self.log.info("%s: %s", day, "; ".join(f"{flow} run {run['run_id']} covers it" for flow, run in found.items()))
        return True

    def execute(self, context) -> Any:
        try:
            return super().execute(context)
        except AirflowSensorTimeout as exc:
            day = reconciliation_day(context)
            raise AirflowSensorTimeout(
                f"reconciliation of {day} for {self.pair_name}: after {int(self.timeout)} s the flow(s) "
                f"{', '.join(self._waiting_for) or '?'} still have no completed run covering {day + timedelta(days=1)} "
                "00:00 UTC (the sync store's sync_run); run or fix those flows, then clear this task") from exc


class ReconcileOperator(BaseOperator):
    """Reads both systems, matches the day, stores its lines; XCom: the day's counts."""

    template_fields = ("pair_name",)
    ui_color = "#d9ead3"

    def __init__(self, *, pair_name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pair_name = pair_name

    def execute(self, context) -> dict[str, Any]:
        from storesync.hooks.syncstore import SyncStoreHook
        from storesync.reconciliation.service import reconcile_day

        pair = get_pair(self.pair_name)
        return reconcile_day(pair, reconciliation_day(context), store=SyncStoreHook(pair.store_conn_id).get_store(),
                             dag_id=context["dag"].dag_id, run_id=context["run_id"])


class PublishOperator(BaseOperator):
    """Writes the day's CSV and XLSX; XCom: where, and the key figures."""

    template_fields = ("pair_name",)
    ui_color = "#cfe2f3"

    def __init__(self, *, pair_name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pair_name = pair_name

    def execute(self, context) -> dict[str, Any]:
        from storesync.hooks.syncstore import SyncStoreHook
        from storesync.reconciliation.service import publish_day

        pair = get_pair(self.pair_name)
        result = publish_day(pair, reconciliation_day(context), store=SyncStoreHook(pair.store_conn_id).get_store())
        self.log.info("wrote %s", result["files"])
        return result


def build_reconciliation_dag(pair: PairConfig, *, doc_md: str | None = None) -> DAG:
    config = pair.reconciliation
    with DAG(
        dag_id=pair.dag_id(FLOW),
        description=f"Daily reconciliation for finance ({pair.storefront.system} ↔ {pair.erp.system})",
        doc_md=doc_md,
        schedule=CronDataIntervalTimetable(DAILY, timezone="UTC"),
        start_date=config.start_date,
        catchup=config.catchup,
        max_active_runs=1,  # days in order: a day's pending lines are re-checked by the next day
        default_args=default_args(pair),
        tags=["storesync", f"flow:{FLOW}", "finance", f"storefront:{pair.storefront.system}", f"erp:{pair.erp.system}"],
        params={"day": Param(None, type=["null", "string"], format="date",
                             description="UTC day to reconcile (YYYY-MM-DD) instead of the run's data interval")},
    ) as dag:
        wait = FlowsCoveredSensor(task_id="wait_for_flows", pair_name=pair.name, mode="reschedule",
                                  poke_interval=config.poke_interval_seconds, timeout=config.wait_timeout_seconds)
        pool = {"pool": pair.erp.pool} if pair.erp.pool else {}
        reconcile = ReconcileOperator(task_id="reconcile", pair_name=pair.name, **pool)
        publish = PublishOperator(task_id="publish", pair_name=pair.name)
        wait >> reconcile >> publish
    return dag


def build_reconciliation_dags(namespace: dict[str, Any], *, doc_md: str | None = None) -> list[DAG]:
    """Register one reconciliation DAG per pair that has a ``reconciliation:`` section."""
    dags = []
    for pair in load_pairs(str(pairs_dir())):
        if pair.reconciliation is not None:
            dag = build_reconciliation_dag(pair, doc_md=doc_md)
            namespace[dag.dag_id] = dag
            dags.append(dag)
    return dags
