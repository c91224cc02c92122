"""Working the dead-letter queue: the operations the CLI (``storesync.dlq``) and the ops console share.

Every operation takes the sync store, what to act on (a ``DlqFilter`` or item ids) and the acting user, and
returns what happened; nothing here talks to Airflow, so a web handler and the shell get the same rules:

- An item leaves ``open``/``held`` only by reaching a final state: ``resolved`` (its record loaded, or a person
  resolved it) or ``ignored``. Asking for a replay does not move it; a replay whose run failed, or ended
  without an outcome for the record, leaves it where it was with the attempt and the error recorded.
- History is append-only (``SyncStore.dlq_history``): who, when, what, note, run. An item already final is
  never overwritten: resolving it again is refused with who resolved it, the first note kept.
- A record has one item for its whole life; a record failing again reopens its item (``SyncStore.quarantine``).
- ``replayed`` is a state only items of a first-release store are in (their replay's outcome was never
  recorded): they count as needing attention, like open and held.

    items = list_items(store, DlqFilter(pair="xcart-sage500", states=("open",), since=parse_when("2026-12-07")))
    result = resolve(store, ids=[10, 11], by="alice", note="fixed in the ERP")      # ActionResult
    requests = request_replay(store, DlqFilter(ids=(10,)), by="alice")              # [ReplayRequest]
    ... run each request's DAG with request.conf (trigger, or dag.test) ...
    settle_replay(store, request, run_id=run.run_id, run_state="failed", error="…")  # {item id: outcome}
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Iterable

ATTENTION_STATES = ("open", "held", "replayed")
FINAL_STATES = ("resolved", "ignored")
REPLAY_ACTOR = "dlq-replay"


class DlqError(ValueError):
    """A request the DLQ cannot act on (bad date, unknown item, item in the wrong state)."""


class UnknownItems(DlqError):
    def __init__(self, ids: Iterable[int]) -> None:
        self.ids = sorted(ids)
        super().__init__(f"no DLQ item with id {', '.join(map(str, self.ids))}")


def parse_when(value: str | date | datetime | None, *, name: str = "date") -> datetime | None:
    """A UTC datetime from ``2026-12-07`` (midnight UTC), a naive ISO datetime (UTC) or a zoned one."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    else:
        try:
            parsed = datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise DlqError(f"{name}: {value!r} is not a date; use 2026-12-07, 2026-12-07T14:30 (UTC) "
                           "or 2026-12-07T14:30+01:00") from None
    return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed.astimezone(timezone.utc)


@dataclass(frozen=True)
class DlqFilter:
    """Which items: every given field must match. ``since``/``until`` bound the item's last change (UTC)."""

    pair: str | None = None
    flow: str | None = None
    reason_code: str | None = None
    states: tuple[str, ...] = ATTENTION_STATES
    since: datetime | None = None
    until: datetime | None = None
    ids: tuple[int, ...] | None = None
    record_key: str | None = None

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> DlqFilter:
        """From loosely typed input (CLI arguments, query strings, DAG params); dates as ``parse_when`` reads them."""
        ids = params.get("ids")
        states = params.get("states") or params.get("state")
        return cls(pair=params.get("pair") or None, flow=params.get("flow") or None,
                   reason_code=params.get("reason_code") or params.get("reason") or None,
                   states=(states,) if isinstance(states, str) else tuple(states or ATTENTION_STATES),
                   since=parse_when(params.get("since"), name="since"),
                   until=parse_when(params.get("until"), name="until"),
                   ids=tuple(int(i) for i in ids) if ids else None, record_key=params.get("record_key") or None)


@dataclass
class ActionResult:
    """What an operation did: items changed, items left alone (id → why) and ids that do not exist."""

    action: str
    changed: list[int] = field(default_factory=list)
    unchanged: dict[int, str] = field(default_factory=dict)
    unknown: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.unknown and not self.unchanged

    def messages(self) -> list[str]:
        lines = [f"{len(self.changed)} item(s) {self.action}" + (f": {', '.join(map(str, self.changed))}" if self.changed else "")]
        lines += [f"item {item_id}: {why}" for item_id, why in sorted(self.unchanged.items())]
        if self.unknown:
            lines.append(f"no DLQ item with id {', '.join(map(str, self.unknown))}")
        return lines


@dataclass
class ReplayRequest:
    """One run of one flow DAG re-syncing the records of some items (``conf`` is that run's conf)."""

    pair: str
    dag_id: str
    conf: dict[str, Any]
    item_ids: list[int]
    keys_by_flow: dict[str, list[str]]


# -- reading ------------------------------------------------------------------------------------------------

def list_items(store, where: DlqFilter = DlqFilter()) -> list[dict[str, Any]]:
    """Items matching the filter, newest change first."""
    return store.list_dlq(pair=where.pair, flow=where.flow, state=list(where.states) if where.states else None,
                          reason_code=where.reason_code, since=where.since, until=where.until,
                          record_key=where.record_key, ids=where.ids)


def get_item(store, item_id: int) -> dict[str, Any]:
    """One item with its ``history`` (oldest event first); ``UnknownItems`` if there is none."""
    item = store.get_dlq_item(int(item_id))
    if item is None:
        raise UnknownItems([item_id])
    return {**item, "history": store.dlq_history([item["id"]])[item["id"]]}


def history(store, item_id: int) -> list[dict[str, Any]]:
    return get_item(store, item_id)["history"]


def counts_by_reason(store, where: DlqFilter = DlqFilter()) -> dict[tuple[str, str, str], int]:
    """``{(pair, flow, reason_code): items}`` of the items matching the filter (the console's overview)."""
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    for item in list_items(store, where):
        counts[(item["pair"], item["flow"], item["reason_code"])] += 1
    return dict(counts)


def _targets(store, where: DlqFilter | None, ids: Iterable[int] | None, result: ActionResult,
             acting_on: tuple[str, ...] = ATTENTION_STATES) -> list[dict[str, Any]]:
    """The items an operation acts on. Named ids must all exist (the others are reported unknown) and be in
    ``acting_on`` (the others are reported unchanged with their state); a filter only selects such items."""
    if ids is not None or (where is not None and where.ids):
        wanted = sorted({int(i) for i in (ids if ids is not None else where.ids)})
        narrowed = DlqFilter(**{**(where.__dict__ if where else {}), "ids": tuple(wanted), "states": ()})
        found = {item["id"]: item for item in list_items(store, narrowed)}
        result.unknown = [i for i in wanted if i not in found]
        items = []
        for item_id in wanted:
            item = found.get(item_id)
            if item is None:
                continue
            if item["state"] in acting_on:
                items.append(item)
            else:
                result.unchanged[item_id] = _why_not(item)
        return items
    if where is None:
        raise DlqError("name the items: ids or a filter")
    states = tuple(s for s in where.states if s in acting_on) if where.states else acting_on
    return list_items(store, DlqFilter(**{**where.__dict__, "states": states})) if states else []


def _why_not(item: dict[str, Any]) -> str:
    by = f" by {item['state_changed_by']}" if item.get("state_changed_by") else ""
    at = f" at {item['state_changed_at']:%Y-%m-%d %H:%M} UTC" if item.get("state_changed_at") else ""
    note = f" ({item['state_note']})" if item.get("state_note") else ""
    return f"already {item['state']}{by}{at}{note}; left as it is"


# -- people's decisions -------------------------------------------------------------------------------------

def resolve(store, where: DlqFilter | None = None, *, ids: Iterable[int] | None = None, by: str,
            note: str | None = None) -> ActionResult:
    """Mark items resolved (fixed outside the pipeline); items already final are left alone."""
    return _finish(store, "resolved", where, ids, by, note)


def ignore(store, where: DlqFilter | None = None, *, ids: Iterable[int] | None = None, by: str,
           note: str | None = None) -> ActionResult:
    """Mark items ignored (nothing will be done about them); items already final are left alone."""
    return _finish(store, "ignored", where, ids, by, note)


def _finish(store, state: str, where, ids, by: str, note: str | None) -> ActionResult:
    _need_user(by)
    result = ActionResult(state)
    items = _targets(store, where, ids, result)
    if not items:
        return result
    store.set_dlq_state([i["id"] for i in items], state, by=by, note=note, from_states=ATTENTION_STATES)
    # Read back rather than trust the count: another operator may have finished some of them meanwhile.
    now = {i["id"]: i for i in store.list_dlq(ids=[i["id"] for i in items])}
    for item in items:
        current = now[item["id"]]
        if current["state"] == state and current["state_changed_by"] == by:
            result.changed.append(item["id"])
        else:
            result.unchanged[item["id"]] = _why_not(current)
    return result


def reopen(store, *, ids: Iterable[int], by: str, note: str | None = None) -> ActionResult:
    """Put resolved or ignored items back to open (e.g. ignored by mistake)."""
    _need_user(by)
    result = ActionResult("reopened")
    items = _targets(store, None, ids, result, acting_on=FINAL_STATES)
    if items:
        store.set_dlq_state([i["id"] for i in items], "open", by=by, note=note, from_states=FINAL_STATES)
        result.changed = [i["id"] for i in items]
    return result


def add_note(store, *, ids: Iterable[int], by: str, note: str) -> ActionResult:
    """Append a note to items' history, whatever their state."""
    _need_user(by)
    if not note:
        raise DlqError("a note needs text")
    result = ActionResult("noted")
    items = _targets(store, None, ids, result, acting_on=(*ATTENTION_STATES, *FINAL_STATES))
    store.add_dlq_events([i["id"] for i in items], "note", by=by, note=note)
    result.changed = [i["id"] for i in items]
    return result


def _need_user(by: str | None) -> None:
    if not by or not str(by).strip():
        raise DlqError("say who is acting (--by NAME; the console passes the logged-in user)")


# -- replays ------------------------------------------------------------------------------------------------

def plan_replay(store, where: DlqFilter | None = None, *, ids: Iterable[int] | None = None,
                result: ActionResult | None = None) -> list[ReplayRequest]:
    """One request per (pair, flow DAG) for the items needing attention that match; nothing is written.

    Items of a leg of a multi-leg DAG (e.g. ``customers_from_erp`` in the customers DAG) ask that DAG to
    re-sync the keys of that leg only (``record_keys_by_flow``); other flows get ``record_keys``.
    """
    from storesync.config.pairs import get_pair
    from storesync.flows import get_flow

    result = result if result is not None else ActionResult("replay requested")
    items = _targets(store, where, ids, result)
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        spec = get_flow(item["flow"])
        grouped[(item["pair"], spec.part_of or item["flow"])].append(item)
    requests = []
    for (pair_name, dag_flow), members in sorted(grouped.items()):
        pair = get_pair(pair_name)
        keys_by_flow: dict[str, list[str]] = defaultdict(list)
        for item in sorted(members, key=lambda i: i["id"]):
            if item["record_key"] not in keys_by_flow[item["flow"]]:
                keys_by_flow[item["flow"]].append(item["record_key"])
        legs = get_flow(dag_flow).legs
        conf = ({"record_keys_by_flow": dict(keys_by_flow)} if legs else {"record_keys": keys_by_flow[dag_flow]})
        requests.append(ReplayRequest(pair=pair_name, dag_id=pair.dag_id(dag_flow), conf=conf,
                                      item_ids=sorted(i["id"] for i in members), keys_by_flow=dict(keys_by_flow)))
    return requests


def request_replay(store, where: DlqFilter | None = None, *, ids: Iterable[int] | None = None, by: str,
                   note: str | None = None, result: ActionResult | None = None) -> list[ReplayRequest]:
    """``plan_replay`` and a ``replay_requested`` event on each item (its state does not change). Without a
    ``result`` to report them in, unknown ids raise ``UnknownItems`` before anything is written."""
    _need_user(by)
    raise_unknown = result is None
    result = result if result is not None else ActionResult("replay requested")
    requests = plan_replay(store, where, ids=ids, result=result)
    if raise_unknown and result.unknown:
        raise UnknownItems(result.unknown)
    for request in requests:
        store.add_dlq_events(request.item_ids, "replay_requested", by=by,
                             note=note or f"replay with a run of {request.dag_id}")
    result.changed = [i for r in requests for i in r.item_ids]
    return requests


def settle_replay(store, request: ReplayRequest, *, run_id: str | None, run_state: str,
                  error: str | None = None) -> dict[int, str]:
    """After the replay's run: ``{item id: outcome}``. Items the run resolved (their record loaded, or was skipped
    with a reason: already up to date, not the flow's to carry) are ``resolved``; items whose record failed again in it are ``failed_again`` (the run recorded it); every other
    item still waiting on this replay gets a ``replay_failed`` event with the error and one more attempt, and
    stays open or held."""
    outcomes: dict[int, str] = {}
    for flow, keys in request.keys_by_flow.items():
        outcomes.update(settle_run_keys(store, request.pair, flow, keys, run_id=run_id, run_state=run_state,
                                        error=error))
    return outcomes


def settle_run_keys(store, pair: str, flow: str, keys: Iterable[str], *, run_id: str | None, run_state: str,
                    error: str | None = None) -> dict[int, str]:
    """``settle_replay`` for one flow's keys; the flow's report task calls it at the end of a replay run, so
    runs triggered from the UI or the replay DAG settle their items too. Idempotent: only items whose last
    event is still ``replay_requested`` get a ``replay_failed``."""
    keys = [str(k) for k in keys]
    items = [i for i in store.list_dlq(pair=pair, flow=flow) if i["record_key"] in set(keys)]
    items = [max(group, key=lambda i: (i["state"] in ATTENTION_STATES, i["id"]))
             for group in _by_key(items).values()]
    history = store.dlq_history([i["id"] for i in items])
    outcome_of = store.get_outcomes(pair, flow, run_id, keys) if run_id else {}
    skipped = ({row["record_key"]: row["detail"] for row in store.list_outcomes(pair, flow, run_id, outcome="skipped")}
               if "skipped" in outcome_of.values() else {})
    outcomes: dict[int, str] = {}
    failed: dict[str, list[int]] = defaultdict(list)
    for item in items:
        events = history[item["id"]]
        last = events[-1]["action"] if events else None
        if item["state"] in FINAL_STATES:
            outcomes[item["id"]] = item["state"]
        elif last != "replay_requested":
            outcomes[item["id"]] = last or item["state"]
        elif outcome_of.get(item["record_key"]) == "skipped":
            # Final too: the target already holds exactly this record, or the record is not the flow's to carry.
            store.set_dlq_state([item["id"]], "resolved", by=REPLAY_ACTOR, from_states=ATTENTION_STATES, run_id=run_id,
                                note=f"replay run {run_id}: skipped ({skipped.get(item['record_key']) or 'no reason given'})")
            outcomes[item["id"]] = "resolved"
        else:
            outcome = outcome_of.get(item["record_key"])
            why = error or (f"replay run {run_id} ({run_state}): record {item['record_key']} "
                            + (f"ended {outcome}" if outcome else "got no outcome (not returned by the source, "
                                                                  "or the run stopped before it)"))
            failed[why].append(item["id"])
            outcomes[item["id"]] = "replay_failed"
    for why, item_ids in failed.items():
        store.add_dlq_events(item_ids, "replay_failed", by=REPLAY_ACTOR, note=why[:2000], run_id=run_id,
                             count_attempt=True)
    return outcomes


def _by_key(items: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        grouped[item["record_key"]].append(item)
    return grouped
