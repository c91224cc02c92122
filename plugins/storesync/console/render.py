"""HTML of the console's pages: small server-rendered pages, every value escaped, a chart as inline SVG."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from html import escape
from typing import Any
from urllib.parse import urlencode

from storesync.console.data import (
    AMBER,
    GREEN,
    RED,
    DlqFilter,
    FlowHealth,
    HourlySeries,
    ReconDay,
    format_age,
)
from storesync.console.masking import mask_record, mask_text
from storesync.dlq_service import ATTENTION_STATES
from storesync.store.schema import DLQ_STATES

_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1a1a1a;background:#fafafa}
header{background:#017cee;color:#fff;padding:8px 16px;display:flex;gap:18px;align-items:center}
header a{color:#fff;text-decoration:none}header a.on{font-weight:700;text-decoration:underline}
header .user{margin-left:auto;opacity:.9}
main{padding:12px 16px}h1{font-size:20px;margin:8px 0}h2{font-size:16px;margin:18px 0 6px}
table{border-collapse:collapse;background:#fff;margin:6px 0 12px}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f0f0f0}td.n{text-align:right;font-variant-numeric:tabular-nums}
.dot{display:inline-block;width:12px;height:12px;border-radius:6px;margin-right:6px;vertical-align:-1px}
.green{background:#2e9e44}.amber{background:#f0a202}.red{background:#d43c3c}
.flash{padding:8px 12px;border-radius:4px;margin:8px 0;background:#e7f3e8;border:1px solid #2e9e44}
.flash.error{background:#fbe9e9;border-color:#d43c3c}
form.filters{display:flex;gap:8px;flex-wrap:wrap;align-items:end;background:#fff;padding:8px;border:1px solid #ddd}
form.filters label{display:flex;flex-direction:column;font-size:12px}
pre{background:#fff;border:1px solid #ddd;padding:8px;overflow:auto;max-height:480px}
.muted{color:#666}.why{font-size:12px;color:#555}
"""

STATUS_LABEL = {GREEN: "OK", AMBER: "attention", RED: "failing or behind"}
# What each DLQ history event says on a page (``replayed``: an old store's state change, rebuilt).
EVENT_LABEL = {"opened": "opened", "failed_again": "failed again", "reopened": "reopened",
               "replay_requested": "replay requested", "replay_failed": "replay failed", "resolved": "resolved",
               "ignored": "ignored", "note": "note", "replayed": "replayed"}


def h(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "—"


def page(title: str, body: str, *, base: str, active: str, user: str, flash: str | None = None,
         error: bool = False) -> str:
    links = [("overview", "Overview", f"{base}/"), ("dlq", "Dead-letter queue", f"{base}/dlq"),
             ("history", "Sync history", f"{base}/history"), ("recon", "Reconciliation", f"{base}/reconciliation")]
    nav = "".join(f'<a href="{h(href)}" class="{"on" if key == active else ""}" id="nav-{key}">{h(label)}</a>'
                  for key, label, href in links)
    note = f'<div class="flash{" error" if error else ""}" id="flash">{h(flash)}</div>' if flash else ""
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{h(title)} · Storesync ops</title>'
            f"<style>{_CSS}</style></head><body><header><strong>Storesync ops</strong>{nav}"
            f'<span class="user" id="user">signed in as {h(user)}</span></header>'
            f"<main><h1>{h(title)}</h1>{note}{body}</main></body></html>")


def status_dot(status: str) -> str:
    return f'<span class="dot {h(status)}" title="{h(STATUS_LABEL.get(status, status))}"></span>'


def airflow_run_link(dag_id: str | None, run_id: str | None, text: str | None = None) -> str:
    if not dag_id or not run_id:
        return h(text or run_id or "—")
    # The console opens inside Airflow's UI frame: the run's page replaces the whole UI (target _top).
    href = f"/dags/{dag_id}/runs/{run_id}"
    return f'<a href="{h(href)}" target="_top">{h(text or run_id)}</a>'


def overview(healths: Sequence[FlowHealth], series: HourlySeries, *, base: str) -> str:
    worst = RED if any(x.status == RED for x in healths) else AMBER if any(x.status == AMBER for x in healths) \
        else GREEN
    rows = []
    for x in healths:
        last = x.last_run
        reasons = ", ".join(f"{h(code)} {n}" for code, n in x.dlq_open_by_reason.items()) or "—"
        dlq_link = f'<a href="{h(base)}/dlq?{h(urlencode({"pair": x.ref.pair, "flow": x.ref.flow}))}">' \
                   f"{x.dlq_open}</a>" if x.dlq_open else "0"
        history = f'{h(base)}/history?{h(urlencode({"pair": x.ref.pair, "flow": x.ref.flow}))}'
        rows.append(
            f'<tr class="flow" data-pair="{h(x.ref.pair)}" data-flow="{h(x.ref.flow)}" data-status="{h(x.status)}">'
            f'<td>{status_dot(x.status)}<a href="{history}">{h(x.ref.flow)}</a>'
            f'<div class="why">{h("; ".join(x.why))}</div></td>'
            f"<td>{airflow_run_link(x.ref.dag_id, last and last['run_id'], when(last and last['started_at']))}</td>"
            f"<td>{h(x.last_run_state or '—')}</td>"
            f"<td>{when(x.last_good_end)}</td><td class=\"n\">{h(format_age(x.behind))}</td>"
            f'<td class="n">{x.records_in_24h}</td><td class="n">{x.records_out_24h}</td>'
            f'<td class="n">{dlq_link}</td><td>{reasons}</td><td class="n">{x.held}</td></tr>')
    by_pair: dict[str, list[str]] = {}
    for x, row in zip(healths, rows):
        by_pair.setdefault(x.ref.pair, []).append(row)
    head = ("<tr><th>Flow</th><th>Last run (UTC)</th><th>State</th><th>Data complete to</th><th>Behind now</th>"
            "<th>In 24 h</th><th>Out 24 h</th><th>DLQ open</th><th>Open by reason</th><th>Held</th></tr>")
    tables = "".join(f'<h2>{h(pair)}</h2><table class="pair" id="pair-{h(pair)}">{head}{"".join(rs)}</table>'
                     for pair, rs in by_pair.items())
    summary = (f'<p id="overall">{status_dot(worst)}<strong>{h(STATUS_LABEL[worst])}</strong> — '
               f"{sum(x.status == RED for x in healths)} red, {sum(x.status == AMBER for x in healths)} amber, "
               f"{sum(x.status == GREEN for x in healths)} green flows. "
               '<span class="muted">"Data complete to": the end of the last interval a run finished with every '
               "record accounted for.</span></p>")
    return summary + tables + "<h2>Records and DLQ items per hour (UTC)</h2>" + chart(series)


def chart(series: HourlySeries, *, width: int = 960, height: int = 220) -> str:
    """Bars: records loaded per hour; line: records extracted; red ticks: DLQ items opened that hour."""
    count = len(series.hours)
    if not count:
        return '<p class="muted">no data</p>'
    top = max([*series.extracted, *series.loaded, *series.dlq, 1])
    left, bottom, plot_h = 40, 30, height - 40
    step = (width - left - 10) / count
    y = lambda v: 10 + plot_h - plot_h * v / top  # noqa: E731
    parts = [f'<svg id="chart" width="{width}" height="{height}" role="img" '
             f'aria-label="records and DLQ items per hour" xmlns="http://www.w3.org/2000/svg">',
             f'<text x="4" y="16" font-size="11">{top}</text><text x="4" y="{10 + plot_h}" font-size="11">0</text>',
             f'<line x1="{left}" y1="{10 + plot_h}" x2="{width - 10}" y2="{10 + plot_h}" stroke="#999"/>']
    for i, hour in enumerate(series.hours):
        x = left + i * step
        if series.loaded[i]:
            parts.append(f'<rect class="loaded" x="{x:.1f}" y="{y(series.loaded[i]):.1f}" width="{max(step - 1, 1):.1f}"'
                         f' height="{10 + plot_h - y(series.loaded[i]):.1f}" fill="#7fb3e6">'
                         f"<title>{when(hour)}: {series.loaded[i]} loaded, {series.extracted[i]} extracted, "
                         f"{series.dlq[i]} to the DLQ</title></rect>")
        if series.dlq[i]:
            parts.append(f'<rect class="dlq" x="{x:.1f}" y="{y(series.dlq[i]):.1f}" width="{max(step - 1, 1):.1f}"'
                         f' height="{10 + plot_h - y(series.dlq[i]):.1f}" fill="#d43c3c"/>')
        if hour.hour == 0:
            parts.append(f'<text x="{x:.1f}" y="{height - 8}" font-size="11">{hour:%m-%d}</text>'
                         f'<line x1="{x:.1f}" y1="10" x2="{x:.1f}" y2="{10 + plot_h}" stroke="#eee"/>')
    points = " ".join(f"{left + (i + 0.5) * step:.1f},{y(v):.1f}" for i, v in enumerate(series.extracted))
    parts.append(f'<polyline points="{points}" fill="none" stroke="#1a4f8b" stroke-width="1.5"/>')
    parts.append("</svg>")
    legend = ('<p class="muted"><span class="dot" style="background:#7fb3e6"></span>loaded '
              '<span class="dot" style="background:#1a4f8b"></span>extracted '
              '<span class="dot red"></span>DLQ items opened — by the hour each run\'s data interval ends</p>')
    return "".join(parts) + legend


def _select(name: str, options: Iterable[str], chosen: str | None, *, blank: str = "any") -> str:
    opts = [f'<option value="">{h(blank)}</option>'] if blank else []
    opts += [f'<option value="{h(o)}"{" selected" if o == chosen else ""}>{h(o)}</option>' for o in options]
    return f'<select name="{h(name)}" id="f-{h(name)}">{"".join(opts)}</select>'


def event_label(event: Mapping[str, Any]) -> str:
    """"replay requested by alice at 2026-12-07 14:30 UTC": who did what to an item, and when."""
    action = EVENT_LABEL.get(event["action"], str(event["action"]).replace("_", " "))
    return f"{action} by {event['by']} at {when(event['at'])} UTC"


def last_action_cell(event: Mapping[str, Any] | None) -> str:
    if not event:
        return '<td class="last-action">—</td>'
    note = mask_text(str(event["note"]))[:200] if event.get("note") else ""
    return (f'<td class="last-action" data-action="{h(event["action"])}">{h(event_label(event))}'
            + (f'<div class="why">{h(note)}</div>' if note else "") + "</td>")


def history_table(events: Sequence[Mapping[str, Any]], dag_id: str | None) -> str:
    rows = "".join(
        f'<tr class="event" data-action="{h(e["action"])}"><td>{when(e["at"])}</td><td>{h(e["by"])}</td>'
        f'<td>{h(EVENT_LABEL.get(e["action"], e["action"]))}</td>'
        f'<td>{h(e.get("state_to") or "") if e.get("state_to") != e.get("state_from") else ""}</td>'
        f'<td>{h(mask_text(str(e["note"])) if e.get("note") else "")}</td>'
        f'<td>{airflow_run_link(dag_id, e.get("run_id"))}</td></tr>' for e in events)
    return ('<table id="history"><tr><th>When (UTC)</th><th>Who</th><th>What</th><th>New state</th><th>Note</th>'
            f"<th>Run</th></tr>{rows}</table>")


def dlq_page(items: Sequence[Mapping[str, Any]], flt: DlqFilter, choices: Mapping[str, list[str]], *, base: str,
             limit: int, may_act: bool) -> str:
    state_options = [*DLQ_STATES, "any"]
    filters = (f'<form class="filters" method="get" action="{h(base)}/dlq" id="dlq-filter">'
               f'<label>Pair{_select("pair", choices["pair"], flt.pair)}</label>'
               f'<label>Flow{_select("flow", choices["flow"], flt.flow)}</label>'
               f'<label>Reason{_select("reason", choices["reason"], flt.reason_code)}</label>'
               f'<label>State{_select("state", state_options, flt.state or "any", blank="")}</label>'
               f'<label>Changed from<input type="date" name="since" id="f-since" value="{h(flt.since or "")}"></label>'
               f'<label>to<input type="date" name="until" id="f-until" value="{h(flt.until or "")}"></label>'
               '<button type="submit" id="apply-filter">Filter</button></form>')
    rows = []
    for item in items:
        check = (f'<input type="checkbox" name="ids" value="{item["id"]}" form="dlq-actions" '
                 f'id="pick-{item["id"]}">' if may_act and item["state"] in ATTENTION_STATES else "")
        last = item.get("last_event")
        rows.append(
            f'<tr class="item" data-id="{item["id"]}" data-state="{h(item["state"])}" '
            f'data-last-action="{h(last["action"] if last else "")}"><td>{check}</td>'
            f'<td><a href="{h(base)}/dlq/{item["id"]}">{item["id"]}</a></td><td>{h(item["pair"])}</td>'
            f'<td>{h(item["flow"])}</td><td>{h(item["record_key"])}</td>'
            f'<td class="state">{h(item["state"])}</td><td>{h(item["reason_code"])}</td>'
            f'<td>{h(mask_text(str(item["reason"]))[:200])}</td><td class="n">{item["attempts"]}</td>'
            f'<td>{when(item["created_at"])}</td><td>{when(item["updated_at"])}</td>'
            f'{last_action_cell(last)}</tr>')
    table = ('<table id="dlq-items"><tr><th></th><th>Id</th><th>Pair</th><th>Flow</th><th>Record</th><th>State</th>'
             "<th>Reason code</th><th>Reason</th><th>Tries</th><th>First failed</th><th>Last change</th>"
             f"<th>Last action</th></tr>{''.join(rows)}</table>")
    shown = f'<p class="muted" id="dlq-count">{len(items)} item(s){" (first " + str(limit) + ")" if len(items) >= limit else ""}</p>'
    actions = ""
    if may_act:
        hidden = "".join(f'<input type="hidden" name="{h(k)}" value="{h(v)}">' for k, v in flt.as_query().items())
        actions = (f'<form method="post" action="{h(base)}/dlq/action" id="dlq-actions">{hidden}'
                   '<label>Note <input name="note" id="action-note" size="40"></label> '
                   '<button name="action" value="replay" id="replay-selected">Replay selected</button> '
                   '<button name="action" value="resolve" id="resolve-selected">Resolve selected</button> '
                   '<button name="action" value="ignore" id="ignore-selected">Ignore selected</button> '
                   '<span class="muted">or every item needing attention (open, held) matching the filter:</span> '
                   '<button name="scope_action" value="replay" id="replay-all">Replay all</button> '
                   '<button name="scope_action" value="resolve" id="resolve-all">Resolve all</button> '
                   '<button name="scope_action" value="ignore" id="ignore-all">Ignore all</button></form>')
    else:
        actions = '<p class="muted">Your role may look at the queue; replaying or closing items needs the User role.</p>'
    return filters + shown + actions + table


def dlq_item_page(item: Mapping[str, Any], *, base: str) -> str:
    fields = [("Pair", item["pair"]), ("Flow", item["flow"]), ("Entity", item["entity"]),
              ("Record", item["record_key"]), ("State", item["state"]), ("Stage", item["stage"]),
              ("Reason code", item["reason_code"]), ("Reason", mask_text(str(item["reason"]))),
              ("Failed expectations", ", ".join(item.get("failed_expectations") or []) or "—"),
              ("Tries", item["attempts"]), ("First failed", when(item["created_at"])),
              ("Last change", when(item["updated_at"])),
              ("State changed by", f'{item.get("state_changed_by") or "—"} {when(item.get("state_changed_at"))} '
                             f'{item.get("state_note") or ""}')]
    table = "".join(f"<tr><th>{h(k)}</th><td>{h(v)}</td></tr>" for k, v in fields)
    runs = (f"<tr><th>Runs</th><td>first {airflow_run_link(item.get('dag_id'), item.get('first_run_id'))}, "
            f"last {airflow_run_link(item.get('dag_id'), item.get('run_id'))}</td></tr>")
    events = item.get("history") or []
    last = (f'<tr><th>Last action</th><td id="last-action">{h(event_label(events[-1]))}</td></tr>'
            if events else "")
    payload = json.dumps(mask_record(item.get("payload")), indent=2, ensure_ascii=False, default=str)
    return (f'<p><a href="{h(base)}/dlq">← back to the queue</a></p><table id="item">{table}{last}{runs}</table>'
            f"<h2>History</h2>{history_table(events, item.get('dag_id'))}"
            f'<h2>Record (card data and secrets masked)</h2><pre id="payload">{h(payload)}</pre>')


def history_page(flows: Sequence[tuple[str, str]], chosen: tuple[str, str] | None, dag_id: str | None,
                 runs: Sequence[Mapping[str, Any]], *, base: str) -> str:
    links = " · ".join(
        f'<a href="{h(base)}/history?{h(urlencode({"pair": p, "flow": f}))}"'
        f'{" class=on" if chosen == (p, f) else ""}>{h(p)} / {h(f)}</a>' for p, f in flows)
    if chosen is None:
        return f"<p>{links}</p><p>Pick a flow.</p>"
    rows = "".join(
        f'<tr class="run"><td>{airflow_run_link(dag_id, r["run_id"])}</td><td>{h(r["state"])}</td>'
        f'<td>{when(r.get("interval_start"))} → {when(r.get("interval_end"))}</td><td>{when(r["started_at"])}</td>'
        f'<td class="n">{h(format_age(r["duration"]) if r["duration"] is not None else "—")}</td>'
        + "".join(f'<td class="n">{r[k]}</td>' for k in ("extracted", "loaded", "skipped", "held", "dlq"))
        + f'<td class="n">{r["unaccounted"] or ""}</td></tr>' for r in runs)
    return (f"<p>{links}</p><h2>{h(chosen[0])} / {h(chosen[1])} <span class='muted'>({h(dag_id)})</span></h2>"
            '<table id="runs"><tr><th>Run</th><th>State</th><th>Data interval (UTC)</th><th>Started</th>'
            "<th>Duration</th><th>Extracted</th><th>Loaded</th><th>Skipped</th><th>Held</th><th>DLQ</th>"
            f"<th>Unaccounted</th></tr>{rows}</table>"
            + ("" if runs else '<p class="muted">no runs recorded yet</p>'))


def recon_page(days: Sequence[ReconDay], labels: Mapping[str, str], *, base: str) -> str:
    if not days:
        return '<p class="muted">No day has been reconciled yet.</p>'
    exception_codes = sorted({code for d in days for code in d.by_status if code != "matched"})
    head = ("<tr><th>Pair</th><th>Day</th><th>Lines</th><th>Matched</th>"
            + "".join(f"<th>{h(labels.get(c, c))}</th>" for c in exception_codes) + "<th>Files</th></tr>")
    rows = []
    for d in days:
        share = f"{d.matched_share * 100:.1f} %" if d.matched_share is not None else "—"
        files = " ".join(f'<a href="{h(base)}/reconciliation/{h(d.pair)}/{d.day.isoformat()}.{kind}" '
                         f'class="download-{kind}">{kind.upper()}</a>' for kind in ("csv", "xlsx"))
        rows.append(f'<tr class="day"><td>{h(d.pair)}</td><td>{d.day.isoformat()}</td><td class="n">{d.lines}</td>'
                    f'<td class="n">{share}</td>'
                    + "".join(f'<td class="n">{d.by_status.get(c, 0) or ""}</td>' for c in exception_codes)
                    + f"<td>{files}</td></tr>")
    return f'<table id="recon-days">{head}{"".join(rows)}</table>'
