"""Alerts raised by the operators: one message per run and kind, never one per record.

``alert(...)`` keeps the operators' call shape; the work is done by ``storesync.notifiers``: the alert is
logged at WARNING and sent through the channels of the pair's ``alerts`` section (Airflow notifiers
configured by connection: webhook, e-mail), at most once per (pair, DAG run, kind). Task failures are
alerted by the ``on_failure_callback`` the DAG factory sets (``storesync.notifiers.FailureAlert``).
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


def alert(*, kind: str, pair, dag_id: str, run_id: str, title: str, lines: list[str], context: Any = None) -> None:
    from storesync.notifiers import dlq_growth, grouped_alert, send_alert

    new_by_reason = None
    if kind == "dlq":
        try:
            from storesync.hooks.syncstore import SyncStoreHook

            engine = SyncStoreHook(pair.store_conn_id).get_store().engine
            new_by_reason = dlq_growth(engine, pair=pair.name, dag_id=dag_id, run_id=run_id)
        except Exception as exc:  # noqa: BLE001 - without the store, alert on the run's own counts
            log.warning("could not measure DLQ growth (%s); alerting on the run's DLQ count", type(exc).__name__)
    message = grouped_alert(kind=kind, pair=pair.name, dag_id=dag_id, run_id=run_id, title=title, lines=lines,
                            new_by_reason=new_by_reason)
    if kind == "dlq":
        threshold = int((pair.alerts or {}).get("dlq_growth_threshold", 1))
        grew = message.counts.get("new", message.counts.get("dlq", 0))
        if grew < threshold:
            log.info("DLQ grew by %d in run %s: below the alert threshold %d", grew, run_id, threshold)
            return
    try:
        send_alert(message, pair)
    except Exception as exc:  # noqa: BLE001 - alerting must never fail the sync itself
        log.error("alert [%s] for run %s could not be sent: %s", kind, run_id, type(exc).__name__)
