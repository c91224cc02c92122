"""What the ops console shows, read from the sync store: per-flow health, run history, the DLQ, reconciliation.

Pure reads (the DLQ through ``SyncStore``'s own API); nothing here knows about HTTP or HTML, so the figures are
tested on a store filled by the tests. Times are UTC; ``now`` is a parameter so health is testable.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from storesync.store.schema import DLQ_STATES, recon_run

GREEN, AMBER, RED = "green", "amber", "red"
# Runs read per flow for the overview (newest first): enough for several days of quarter-hourly runs.
RUNS_PER_FLOW = 2000
# Airflow DAG run states that mean the run ended badly.
FAILED_RUN_STATES = frozenset({"failed", "upstream_failed"})


@dataclass(frozen=True)
class FlowRef:
    pair: str
    flow: str
    dag_id: str
    schedule: str | None = None


@dataclass
class FlowHealth:
    ref: FlowRef
    status: str
    why: list[str]
    last_run: dict[str, Any] | None
    last_run_state: str | None
    last_good_end: datetime | None
    behind: timedelta | None
    records_in_24h: int
    records_out_24h: int
    dlq_open_by_reason: dict[str, int]
    held: int

    @property
    def dlq_open(self) -> int:
        return sum(self.dlq_open_by_reason.values())


@dataclass
class HourlySeries:
    hours: list[datetime]
    extracted: list[int]
    loaded: list[int]
    dlq: list[int]


@dataclass
class DlqFilter:
    pair: str | None = None
    flow: str | None = None
    reason_code: str | None = None
    state: str | None = "open"
    since: date | None = None
    until: date | None = None  # inclusive day

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        since = datetime.combine(self.since, time(), timezone.utc) if self.since else None
        until = datetime.combine(self.until + timedelta(days=1), time(), timezone.utc) if self.until else None
        return since, until

    def as_query(self) -> dict[str, str]:
        values = {"pair": self.pair, "flow": self.flow, "reason": self.reason_code, "state": self.state or "any",
                  "since": self.since.isoformat() if self.since else None,
                  "until": self.until.isoformat() if self.until else None}
        return {k: v for k, v in values.items() if v}


@dataclass
class ReconDay:
    pair: str
    day: date
    lines: int
    exceptions: int
    matched: int
    by_status: dict[str, int] = field(default_factory=dict)
    published: bool = False

    @property
    def matched_share(self) -> float | None:
        return self.matched / self.lines if self.lines else None


def period_of(schedule: str | None) -> timedelta:
    """How often a flow runs, from its schedule (the usual presets and cron shapes); a day when unknown."""
    text = (schedule or "").strip()
    presets = {"@hourly": timedelta(hours=1), "@daily": timedelta(days=1), "@midnight": timedelta(days=1),
               "@weekly": timedelta(weeks=1)}
    if text in presets:
        return presets[text]
    fields = text.split()
    if len(fields) != 5:
        return timedelta(days=1)
    minute, hour = fields[0], fields[1]
    if hour == "*":
        step = re.fullmatch(r"\*/(\d+)", minute)
        if step:
            return timedelta(minutes=int(step.group(1)))
        if minute == "*":
            return timedelta(minutes=1)
        return timedelta(hours=1) / max(1, len(minute.split(",")))
    step = re.fullmatch(r"\*/(\d+)", hour)
    if step:
        return timedelta(hours=int(step.group(1)))
    return timedelta(days=1)


def flow_refs(pairs: Iterable[Any]) -> list[FlowRef]:
    """Every (pair, flow) of the configured pairs, with its DAG id and schedule."""
    from storesync.flows import FLOWS

    refs = []
    for pair in pairs:
        for name, flow in sorted(pair.flows.items()):
            # A leg of a two-way flow (customers_from_erp) runs inside its parent flow's DAG.
            spec = FLOWS.get(name)
            dag_flow = spec.part_of if spec is not None and spec.part_of else name
            refs.append(FlowRef(pair.name, name, pair.dag_id(dag_flow), getattr(flow, "schedule", None)))
    return refs


def _count(run: Mapping[str, Any], name: str) -> int:
    try:
        return int((run.get("counts") or {}).get(name, 0) or 0)
    except (TypeError, ValueError):
        return 0


def _is_good(run: Mapping[str, Any], state: str | None) -> bool:
    """A run whose interval the flow has fully dealt with: finished, every record accounted for, not failed."""
    return (run.get("finished_at") is not None and run.get("interval_end") is not None
            and _count(run, "unaccounted") == 0 and (state or "success") not in FAILED_RUN_STATES)


def flow_health(store, ref: FlowRef, *, now: datetime,
                run_states: Callable[[str, list[str]], dict[str, str]] | None = None) -> FlowHealth:
    """Red/amber/green for one flow and the figures behind it.

    Red: never completed a run, the last run failed, or the data is more than three periods behind.
    Amber: records wait in the DLQ (open) or are held, the last run is unfinished, or data is more than
    one period (plus a quarter for the run itself) behind. Green otherwise.
    """
    runs = store.list_runs(pair=ref.pair, flow=ref.flow, limit=RUNS_PER_FLOW)
    states = run_states(ref.dag_id, [r["run_id"] for r in runs[:50]]) if run_states and runs else {}
    last = runs[0] if runs else None
    last_state = states.get(last["run_id"]) if last else None
    if last is not None and last_state is None:
        last_state = "finished" if last.get("finished_at") else "unfinished"
    good_ends = [r["interval_end"] for r in runs if _is_good(r, states.get(r["run_id"]))]
    last_good_end = max(good_ends) if good_ends else None
    behind = max(timedelta(0), now - last_good_end) if last_good_end else None
    day_ago = now - timedelta(hours=24)
    recent = [r for r in runs if r["started_at"] >= day_ago]
    # "replayed" items (first-release stores only) never got their replay's outcome: they still wait, as open.
    open_by_reason = store.dlq_counts_by_reason(ref.pair, ref.flow, state=("open", "replayed"))
    held = sum(store.dlq_counts_by_reason(ref.pair, ref.flow, state="held").values())

    period = period_of(ref.schedule)
    why_red, why_amber = [], []
    if last_good_end is None:
        why_red.append("no completed run yet")
    elif behind > 3 * period:
        why_red.append(f"data {format_age(behind)} behind (runs every {format_age(period)})")
    elif behind > period * 1.25:
        why_amber.append(f"data {format_age(behind)} behind (runs every {format_age(period)})")
    if last_state in FAILED_RUN_STATES:
        why_red.append(f"last run {last_state}")
    elif last is not None and last.get("finished_at") is None:
        why_amber.append(f"last run {last_state}")
    if open_by_reason:
        why_amber.append(f"{sum(open_by_reason.values())} open in the DLQ")
    if held:
        why_amber.append(f"{held} held")
    status = RED if why_red else AMBER if why_amber else GREEN
    return FlowHealth(ref=ref, status=status, why=why_red + why_amber, last_run=last, last_run_state=last_state,
                      last_good_end=last_good_end, behind=behind,
                      records_in_24h=sum(_count(r, "extracted") for r in recent),
                      records_out_24h=sum(_count(r, "loaded") for r in recent),
                      dlq_open_by_reason=dict(sorted(open_by_reason.items())), held=held)


def hourly_series(store, refs: Iterable[FlowRef], *, now: datetime, days: int = 3) -> HourlySeries:
    """Records extracted and loaded per hour (by the hour the run's data interval ends) and DLQ items opened
    per hour, over the last ``days`` days."""
    end = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    start = end - timedelta(days=days)
    hours = [start + timedelta(hours=h) for h in range(days * 24)]
    extracted: Counter[datetime] = Counter()
    loaded: Counter[datetime] = Counter()
    opened: Counter[datetime] = Counter()
    refs = list(refs)
    for ref in refs:
        for run in store.list_runs(pair=ref.pair, flow=ref.flow, limit=RUNS_PER_FLOW):
            moment = run.get("interval_end") or run["started_at"]
            if start <= moment < end:
                bucket = moment.replace(minute=0, second=0, microsecond=0)
                extracted[bucket] += _count(run, "extracted")
                loaded[bucket] += _count(run, "loaded")
    for pair in sorted({ref.pair for ref in refs}):
        for item in store.list_dlq(pair=pair, since=start):
            created = item["created_at"]
            if start <= created < end:
                opened[created.replace(minute=0, second=0, microsecond=0)] += 1
    return HourlySeries(hours=hours, extracted=[extracted[h] for h in hours], loaded=[loaded[h] for h in hours],
                        dlq=[opened[h] for h in hours])


def dlq_items(store, flt: DlqFilter, *, limit: int = 500) -> list[dict[str, Any]]:
    """DLQ items matching the filter, newest first (``state`` None or "any": every state), each with its
    ``last_event`` (the newest entry of its history: e.g. a replay requested, which leaves the state open)."""
    since, until = flt.bounds()
    state = flt.state if flt.state in DLQ_STATES else None
    items = store.list_dlq(pair=flt.pair, flow=flt.flow, state=state, reason_code=flt.reason_code, since=since,
                           until=until, limit=limit)
    history = store.dlq_history([item["id"] for item in items]) if items else {}
    return [{**item, "last_event": (history.get(item["id"]) or [None])[-1]} for item in items]


def dlq_item(store, item_id: int) -> dict[str, Any] | None:
    """One item with its whole ``history`` (oldest first), or None when there is no such item."""
    from storesync.dlq_service import UnknownItems, get_item

    try:
        return get_item(store, item_id)
    except UnknownItems:
        return None


def dlq_choices(store) -> dict[str, list[str]]:
    """Values the DLQ filter can offer: pairs, flows and reasons that occur."""
    items = store.list_dlq(limit=5000)
    return {"pair": sorted({i["pair"] for i in items}), "flow": sorted({i["flow"] for i in items}),
            "reason": sorted({i["reason_code"] for i in items})}


def run_history(store, ref: FlowRef, *, limit: int = 100,
                run_states: Callable[[str, list[str]], dict[str, str]] | None = None) -> list[dict[str, Any]]:
    """The flow's runs, newest first, each with its counts, duration and Airflow state (when known)."""
    runs = store.list_runs(pair=ref.pair, flow=ref.flow, limit=limit)
    states = run_states(ref.dag_id, [r["run_id"] for r in runs]) if run_states and runs else {}
    history = []
    for run in runs:
        finished = run.get("finished_at")
        history.append({
            **run,
            "state": states.get(run["run_id"]) or ("finished" if finished else "unfinished"),
            "duration": finished - run["started_at"] if finished else None,
            **{name: _count(run, name) for name in ("extracted", "loaded", "skipped", "held", "dlq", "unaccounted")},
        })
    return history


def recon_days(store, *, pair: str | None = None, limit: int = 60) -> list[ReconDay]:
    """Reconciled days, newest first, with the matched share and exceptions by category."""
    from sqlalchemy import select

    query = select(recon_run).order_by(recon_run.c.day.desc(), recon_run.c.pair).limit(limit)
    if pair:
        query = query.where(recon_run.c.pair == pair)
    with store.engine.connect() as conn:
        rows = [dict(row._mapping) for row in conn.execute(query)]
    days = []
    for row in rows:
        by_status = {code: int(n) for code, n in ((row.get("counts") or {}).get("by_status") or {}).items() if n}
        days.append(ReconDay(pair=row["pair"], day=row["day"], lines=int(row["lines"]),
                             exceptions=int(row["exceptions"]), matched=by_status.get("matched", 0),
                             by_status=by_status, published=bool(row.get("files"))))
    return days


def recon_file(store, pair: str, day: date, kind: str) -> tuple[bytes, str]:
    """The day's CSV or XLSX, built from the stored lines (the same builder the publish task uses), and its
    file name."""
    from storesync.reconciliation.model import Line
    from storesync.reconciliation.outputs import csv_bytes, file_stem, xlsx_bytes
    from storesync.reconciliation.summary import summarise

    if store.reconciliation_run(pair, day) is None:
        raise LookupError(f"{pair} {day} has not been reconciled")
    lines = [Line.from_row(row) for row in store.reconciliation_lines(pair, day)]
    if kind == "csv":
        return csv_bytes(lines), f"{file_stem(pair, day)}.csv"
    if kind == "xlsx":
        return xlsx_bytes(lines, summarise(pair, day, lines)), f"{file_stem(pair, day)}.xlsx"
    raise ValueError(f"unknown download {kind!r}; csv or xlsx")


def format_age(delta: timedelta | None) -> str:
    if delta is None:
        return "—"
    seconds = int(delta.total_seconds())
    if seconds < 90:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 90:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    return f"{hours // 24} d {hours % 24} h"


def group_by_pair(healths: Iterable[FlowHealth]) -> dict[str, list[FlowHealth]]:
    grouped: dict[str, list[FlowHealth]] = defaultdict(list)
    for health in healths:
        grouped[health.ref.pair].append(health)
    return dict(grouped)
