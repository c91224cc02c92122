"""Alerts: one message per run and kind, never one per record, sent through the pair's configured channel.

The pair config's ``alerts.webhook_conn_id`` names an HTTP connection to POST JSON to; without it the alert
is logged at WARNING (Airflow's own failure notifiers still apply to task failures).
"""

from __future__ import annotations

import json
import logging
from typing import Any

log = logging.getLogger(__name__)
MAX_LINES = 20


def alert(*, kind: str, pair, dag_id: str, run_id: str, title: str, lines: list[str], context: Any = None) -> None:
    shown = lines[:MAX_LINES]
    more = len(lines) - len(shown)
    body = {
        "kind": kind, "pair": pair.name, "dag_id": dag_id, "run_id": run_id, "title": title,
        "details": shown + ([f"… and {more} more (see the DLQ)"] if more else []),
        "where": f"Airflow UI → DAG {dag_id} → run {run_id}; DLQ table 'dlq' in the sync store",
    }
    log.warning("ALERT [%s] %s — %s", kind, title, "; ".join(body["details"]))
    conn_id = (pair.alerts or {}).get("webhook_conn_id")
    if not conn_id:
        return
    from airflow.providers.http.hooks.http import HttpHook

    try:
        HttpHook(method="POST", http_conn_id=conn_id).run(
            endpoint=(pair.alerts or {}).get("webhook_endpoint", ""), data=json.dumps(body),
            headers={"Content-Type": "application/json"},
        )
    except Exception as exc:  # noqa: BLE001 - an alert channel outage must not fail the sync itself
        log.error("alert webhook %s failed: %s", conn_id, type(exc).__name__)
