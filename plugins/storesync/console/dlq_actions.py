"""The console's one seam to the DLQ service: replay, resolve and ignore, on behalf of the logged-in user.

Every change the console makes to the dead-letter queue goes through ``apply`` here, which calls the existing
DLQ functions (``storesync.dlq``: item selection and replay planning; ``SyncStore.set_dlq_state``). When the DLQ
service gains its own API (append-only history, replay outcomes), re-point ``_select``, ``_mark_replayed`` and
``_set_state`` at it; the pages and their tests do not change.

A replay asks Airflow for a run of the item's flow DAG with ``conf.record_keys`` (what ``storesync.dlq`` and the
replay DAG do). Items are marked replayed only after Airflow accepted that run: a refused trigger (unknown DAG,
a pair that has no such flow) leaves them open and says why.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from storesync.console.data import DlqFilter

log = logging.getLogger(__name__)

ACTIONS = ("replay", "resolve", "ignore")
_FINAL_STATE = {"resolve": "resolved", "ignore": "ignored"}
# Items an action may touch: the ones still needing attention.
ACTIONABLE_STATES = ("open", "held")

#: ``trigger(dag_id, conf, user) -> (run_id, note)``; raises on refusal.
Trigger = Callable[[str, dict[str, Any], str], tuple[str, str]]


@dataclass
class ActionResult:
    action: str
    changed: list[int] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        verb = {"replay": "replayed", "resolve": "resolved", "ignore": "ignored"}[self.action]
        parts = [f"{len(self.changed)} item(s) {verb}"]
        if self.runs:
            parts.append("runs: " + ", ".join(self.runs))
        return "; ".join(parts + self.notes + self.errors)


def apply(store, action: str, *, by: str, ids: list[int] | None = None, flt: DlqFilter | None = None,
          note: str | None = None, trigger: Trigger | None = None) -> ActionResult:
    """Apply ``action`` to the open/held items named by ``ids``, or to every one matching ``flt``."""
    if action not in ACTIONS:
        raise ValueError(f"unknown DLQ action {action!r}; valid: {', '.join(ACTIONS)}")
    if not by:
        raise ValueError("a DLQ action needs the user it is recorded under")
    if not ids and flt is None:
        raise ValueError("name the items: ids, or a filter")
    items = _select(store, ids=ids, flt=flt)
    result = ActionResult(action)
    if ids:
        missing = sorted(set(ids) - {item["id"] for item in items})
        if missing:
            result.errors.append(f"not open or held (or unknown): {', '.join(map(str, missing))}")
    if not items:
        return result
    if action == "replay":
        _replay(store, items, by=by, note=note, trigger=trigger or trigger_dag_run, result=result)
    else:
        _set_state(store, [item["id"] for item in items], _FINAL_STATE[action], by=by, note=note)
        result.changed = [item["id"] for item in items]
    log.info("DLQ %s by %s: items %s%s", action, by, result.changed, f" ({'; '.join(result.errors)})"
             if result.errors else "")
    return result


def _replay(store, items: list[dict[str, Any]], *, by: str, note: str | None, trigger: Trigger,
            result: ActionResult) -> None:
    from storesync.config.pairs import get_pair
    from storesync.dlq import replay_plan

    for (pair_name, flow), keys in replay_plan(items).items():
        group = [item for item in items if item["pair"] == pair_name and item["flow"] == flow]
        try:
            dag_id = _dag_id(get_pair(pair_name), flow)
            run_id, trigger_note = trigger(dag_id, {"record_keys": keys}, by)
        except Exception as exc:  # noqa: BLE001 - shown on the page; the items stay as they were
            result.errors.append(f"{pair_name}/{flow}: not replayed, items stay open: {exc}")
            continue
        _mark_replayed(store, group, by=by, note=note)
        result.changed += [item["id"] for item in group]
        result.runs.append(f"{dag_id} {run_id}")
        if trigger_note:
            result.notes.append(trigger_note)


def _dag_id(pair, flow: str) -> str:
    """The DAG that runs ``flow``: a leg of a two-way flow (customers_from_erp) runs in its parent's DAG."""
    from storesync.flows import FLOWS

    spec = FLOWS.get(flow)
    return pair.dag_id(spec.part_of if spec is not None and spec.part_of else flow)


# -- the calls to re-point at the DLQ service ------------------------------------------------------------------

def _select(store, *, ids: list[int] | None, flt: DlqFilter | None) -> list[dict[str, Any]]:
    from storesync.dlq import select_items

    if ids:
        return select_items(store, ids=list(ids), states=ACTIONABLE_STATES)
    since, until = flt.bounds()
    items = select_items(store, pair=flt.pair, flow=flt.flow, reason_code=flt.reason_code, since=since,
                         until=until, states=ACTIONABLE_STATES)
    # The page's state filter narrows further (e.g. only held items); "any"/"" means every actionable state.
    return [item for item in items if flt.state in (None, "", "any") or item["state"] == flt.state]


def _mark_replayed(store, items: list[dict[str, Any]], *, by: str, note: str | None) -> None:
    store.set_dlq_state([item["id"] for item in items], "replayed", by=by, note=note or "replay requested")


def _set_state(store, ids: list[int], state: str, *, by: str, note: str | None) -> None:
    store.set_dlq_state(ids, state, by=by, note=note)


# -- triggering the flow's DAG inside the API server -----------------------------------------------------------

def trigger_dag_run(dag_id: str, conf: dict[str, Any], user: str) -> tuple[str, str]:
    """Create a manual run of ``dag_id`` in Airflow's metadata database (as the UI's trigger button does)."""
    from airflow.api.common.trigger_dag import trigger_dag
    from airflow.models.dag import DagModel
    from airflow.utils.types import DagRunTriggeredByType

    run = trigger_dag(dag_id, triggered_by=DagRunTriggeredByType.UI, triggering_user_name=user, conf=conf,
                      note=f"DLQ replay of {len(conf.get('record_keys') or [])} record(s) requested by {user}")
    model = DagModel.get_current(dag_id)
    note = f"{dag_id} is paused: its run waits until you unpause it" if model is not None and model.is_paused else ""
    return run.run_id, note
