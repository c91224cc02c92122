"""The console's one seam to the DLQ: replay, resolve and ignore on behalf of the logged-in user, with the rules
of ``storesync.dlq_service`` (the same ones the CLI ``storesync.dlq`` follows).

- Resolve and ignore are ``dlq_service.resolve`` / ``ignore``: items already final are left alone and the page
  says who finished them; unknown ids are named.
- A replay does not change an item's state. ``dlq_service.plan_replay`` groups the items into one request per
  flow DAG; each request's DAG gets a manual run with the request's conf (``record_keys``, or
  ``record_keys_by_flow`` for a leg such as ``customers_from_erp``), and only once Airflow accepted that run
  are its items given a ``replay_requested`` event under the user, with the run's id. A refused trigger writes
  nothing and the page says why. The run's report task settles the items (``settle_run_keys``): resolved when
  their record loaded or was skipped, otherwise a ``replay_failed`` event and one more attempt.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from storesync import dlq_service
from storesync.console.data import DlqFilter

log = logging.getLogger(__name__)

ACTIONS = ("replay", "resolve", "ignore")

#: ``trigger(dag_id, conf, user) -> (run_id, note)``; raises on refusal.
Trigger = Callable[[str, dict[str, Any], str], tuple[str, str]]


@dataclass
class ActionResult:
    """What the page reports: items changed (or given a replay request), the runs created, notes, and problems
    (refused triggers, items left as they were, unknown ids)."""

    action: str
    changed: list[int] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        if self.action == "replay":
            head = f"{len(self.changed)} item(s) replay requested"
            if self.changed:
                head += " (they stay open until the run loads their records)"
        else:
            head = f"{len(self.changed)} item(s) {'resolved' if self.action == 'resolve' else 'ignored'}"
        parts = [head]
        if self.runs:
            parts.append("runs: " + ", ".join(self.runs))
        return "; ".join(parts + self.notes + self.errors)


def service_filter(flt: DlqFilter) -> dlq_service.DlqFilter:
    """The page's filter as the DLQ service reads it: "any" state means every state needing attention, and
    the page's dates are whole UTC days (``until`` inclusive)."""
    since, until = flt.bounds()
    states = dlq_service.ATTENTION_STATES if flt.state in (None, "", "any") else (flt.state,)
    return dlq_service.DlqFilter(pair=flt.pair, flow=flt.flow, reason_code=flt.reason_code, states=states,
                                 since=since, until=until)


def apply(store, action: str, *, by: str, ids: list[int] | None = None, flt: DlqFilter | None = None,
          note: str | None = None, trigger: Trigger | None = None) -> ActionResult:
    """Apply ``action`` to the items named by ``ids``, or to every item needing attention matching ``flt``."""
    if action not in ACTIONS:
        raise ValueError(f"unknown DLQ action {action!r}; valid: {', '.join(ACTIONS)}")
    if not by:
        raise ValueError("a DLQ action needs the user it is recorded under")
    if not ids and flt is None:
        raise ValueError("name the items: ids, or a filter")
    where = None if ids else service_filter(flt)
    ids = list(ids) if ids else None
    result = ActionResult(action)
    if action == "replay":
        outcome = dlq_service.ActionResult("replay requested")
        try:
            requests = dlq_service.plan_replay(store, where, ids=ids, result=outcome)
        except (LookupError, ValueError) as exc:  # an item of a pair or flow no longer configured
            raise ValueError(f"nothing replayed: {exc}") from None
        _replay(store, requests, by=by, note=note, trigger=trigger or trigger_dag_run, result=result)
    else:
        decide = dlq_service.resolve if action == "resolve" else dlq_service.ignore
        outcome = decide(store, where, ids=ids, by=by, note=note)
        result.changed = list(outcome.changed)
    # The service's own wording for items left alone ("already resolved by alice at …") and unknown ids.
    result.errors += outcome.messages()[1:]
    log.info("DLQ %s by %s: items %s%s", action, by, result.changed,
             f" ({'; '.join(result.errors)})" if result.errors else "")
    return result


def _replay(store, requests: list[dlq_service.ReplayRequest], *, by: str, note: str | None, trigger: Trigger,
            result: ActionResult) -> None:
    for request in requests:
        try:
            run_id, trigger_note = trigger(request.dag_id, request.conf, by)
        except Exception as exc:  # noqa: BLE001 - shown on the page; nothing was written
            result.errors.append(f"{request.pair}/{request.dag_id}: not replayed, items "
                                 f"{', '.join(map(str, request.item_ids))} stay as they were: {exc}")
            continue
        store.add_dlq_events(request.item_ids, "replay_requested", by=by, run_id=run_id,
                             note=note or f"replay with run {run_id} of {request.dag_id}")
        result.changed += request.item_ids
        result.runs.append(f"{request.dag_id} {run_id}")
        if trigger_note:
            result.notes.append(trigger_note)


# -- triggering the flow's DAG inside the API server -----------------------------------------------------------

def _record_count(conf: dict[str, Any]) -> int:
    by_flow = conf.get("record_keys_by_flow") or {}
    return len(conf.get("record_keys") or []) + sum(len(keys) for keys in by_flow.values())


def trigger_dag_run(dag_id: str, conf: dict[str, Any], user: str) -> tuple[str, str]:
    """Create a manual run of ``dag_id`` in Airflow's metadata database (as the UI's trigger button does)."""
    from airflow.api.common.trigger_dag import trigger_dag
    from airflow.models.dag import DagModel
    from airflow.utils.types import DagRunTriggeredByType

    run = trigger_dag(dag_id, triggered_by=DagRunTriggeredByType.UI, triggering_user_name=user, conf=conf,
                      note=f"DLQ replay of {_record_count(conf)} record(s) requested by {user}")
    model = DagModel.get_current(dag_id)
    note = f"{dag_id} is paused: its run waits until you unpause it" if model is not None and model.is_paused else ""
    return run.run_id, note
