"""Report: the run's counts, reconciled (every extracted record has exactly one outcome), and alerts."""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowFailException

from storesync.alerts import alert
from storesync.hooks.errors import PermanentRunError
from storesync.operators.base import RunScope, SyncOperator, named_record_keys


class RunFailedWatcher(BaseOperator):
    """Fails the run when any task of it failed.

    ``report`` runs whatever happened upstream (trigger rule ``all_done``), and a run's state follows its
    leaf tasks, so without this leaf a run whose gate stopped it would still show green. It runs only
    when something failed (``one_failed``) and is skipped otherwise; the failed task already alerted.
    """

    ui_color = "#f4cccc"
    # Retrying a deliberate failure only delays the run's red state; the DagBag test knows this exemption.
    needs_no_retries = True

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(trigger_rule="one_failed", retries=0, on_failure_callback=None, **kwargs)

    def execute(self, context) -> None:
        raise AirflowFailException("a task of this run failed; see the failed task's log and the alert it sent")


class ReportOperator(SyncOperator):
    def sibling(self, task_id: str) -> str:
        """The id of a task of the same leg (legs of a multi-leg DAG live in task groups)."""
        group, _, _ = self.task_id.rpartition(".")
        return f"{group}.{task_id}" if group else task_id
    ui_color = "#eeeeee"

    def run(self, scope: RunScope, context) -> dict[str, Any]:
        store = scope.store
        pair, flow, run_id = scope.pair.name, scope.flow.name, scope.run_id
        extracted = store.count_staged(pair, flow, run_id, "raw")
        outcomes = store.outcome_counts(pair, flow, run_id)
        ti = context["ti"]
        write_back = ti.xcom_pull(task_ids=self.sibling("write_back")) or {}
        summary = {
            "dag_id": scope.dag_id,
            "run_id": run_id,
            "window": [scope.since.isoformat(), scope.until.isoformat()],
            "extracted": extracted,
            **{name: outcomes.get(name, 0) for name in ("loaded", "skipped", "held", "dlq")},
            "written_back": write_back.get("written_back", 0),
            "dlq_by_reason": store.dlq_counts_by_reason(pair, flow, run_id),
        }
        summary["unaccounted"] = extracted - sum(outcomes.values())
        store.finish_run(pair=pair, flow=flow, run_id=run_id, counts=summary)
        replayed = named_record_keys(context, flow)
        if replayed:
            from storesync.dlq_service import settle_run_keys

            # A DLQ replay (from the CLI, the replay DAG or the console): items whose record got no final outcome
            # in this run stay open with the failed attempt recorded; loaded ones were resolved by the load.
            settle_run_keys(store, pair, flow, replayed, run_id=run_id, run_state="ended")
        self.log.info("run summary: %s", summary)
        if summary["dlq"]:
            alert(kind="dlq", pair=scope.pair, dag_id=scope.dag_id, run_id=run_id,
                  title=f"{summary['dlq']} {scope.spec.entity}(s) sent to the dead-letter queue",
                  lines=[f"{reason}: {n}" for reason, n in summary["dlq_by_reason"].items()], context=context)
        if summary["unaccounted"] and ti.xcom_pull(task_ids=self.sibling("load")) is None:
            # An upstream task failed and already failed the run; the pending records stay staged for a re-run.
            self.log.warning("%d records were not processed because the run stopped early; clear the failed task "
                             "after fixing the cause to process them", summary["unaccounted"])
        elif summary["unaccounted"]:
            raise PermanentRunError(f"{summary['unaccounted']} extracted records have no outcome: counts do not reconcile")
        return summary
