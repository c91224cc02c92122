"""Grouping: the operators' run-level events (held orders, DLQ items) become ONE alert per run and kind.

``alert(...)`` keeps the operators' call shape: the run's detail lines become one ``Alert`` with counts; a
DLQ alert is about growth (items this run opened, not known-bad records quarantined again) and is sent only
from the pair's ``dlq_growth_threshold`` up.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from storesync.alerts.messages import Alert

log = logging.getLogger(__name__)


def alert(*, kind: str, pair, dag_id: str, run_id: str, title: str, lines: list[str], context: Any = None) -> None:
    """Alert a run-level event through the pair's channels; never raises (alerting must not fail the sync)."""
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
        # Imported here: the operators import this module at DAG parse time, few runs alert.
        from storesync.alerts.send import send_alert

        send_alert(message, pair)
    except Exception as exc:  # noqa: BLE001 - alerting must never fail the sync itself
        log.error("alert [%s] for run %s could not be sent: %s", kind, run_id, type(exc).__name__)


def grouped_alert(*, kind: str, pair: str, dag_id: str, run_id: str, title: str, lines: Sequence[str],
                  new_by_reason: Mapping[str, int] | None = None) -> Alert:
    """The alert of a run-level event (``held``, ``dlq``) from the operators' title and detail lines.

    For ``dlq``, ``new_by_reason`` (items this run opened, by reason) makes the alert about growth: the
    counts carry ``new`` and the title says how many of the run's DLQ records are new.
    """
    counts: dict[str, Any] = {}
    lines = list(lines)
    if kind == "held":
        counts = {"held": len(lines)}
    elif kind == "dlq":
        by_reason = dlq_reasons(lines)
        # The operator's title leads with the run's DLQ outcomes; by_reason counts every item the run touched.
        leading = re.match(r"(\d+) ", title)
        counts = {"dlq": int(leading.group(1)) if leading else sum(by_reason.values()), "by_reason": by_reason}
        if new_by_reason is not None:
            counts["new"] = sum(new_by_reason.values())
            counts["new_by_reason"] = dict(new_by_reason)
            title = f"{title} ({counts['new']} new)"
            lines = [f"new, {reason}: {n}" for reason, n in sorted(new_by_reason.items())]
            if by_reason:
                lines.append("all DLQ items of this run (incl. known-bad records again and held orders): "
                             + ", ".join(f"{reason} {n}" for reason, n in by_reason.items()))
    return Alert(kind=kind, pair=pair, dag_id=dag_id, run_id=run_id, title=title, lines=tuple(lines), counts=counts)


def dlq_growth(engine, *, pair: str, dag_id: str, run_id: str) -> dict[str, int]:
    """``{reason_code: n}`` of the open DLQ items this run opened (not known-bad records quarantined again)."""
    from sqlalchemy import func, select

    from storesync.store.schema import dlq

    query = (select(dlq.c.reason_code, func.count())
             .where(dlq.c.pair == pair, dlq.c.dag_id == dag_id, dlq.c.first_run_id == run_id, dlq.c.state == "open")
             .group_by(dlq.c.reason_code))
    with engine.connect() as connection:
        return {reason: count for reason, count in connection.execute(query)}


def dlq_reasons(lines: Sequence[str]) -> dict[str, int]:
    """``{"quality:raw": 7, …}`` from the report's ``"<reason>: <count>"`` lines."""
    reasons = {}
    for line in lines:
        match = re.fullmatch(r"(.+): (\d+)", line.strip())
        if match:
            reasons[match.group(1)] = int(match.group(2))
    return reasons
