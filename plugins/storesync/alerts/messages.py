"""What an alert says: the ``Alert`` (kind, run, counts, details, where to look) and its wording.

An ``Alert`` is plain data; the channels (``storesync.alerts.delivery``) only choose its form (JSON, e-mail,
chat text). ``failure_alert`` words a task failure from an Airflow callback context. ``scrub`` keeps every
known secret out of every text field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

KINDS = ("task_failed", "quality_gate", "held", "dlq", "declined_payment")
MAX_LINES = 20
MAX_ERROR_CHARS = 2000
DEFAULT_UI_URL = "http://localhost:8080"


def ui_base_url() -> str:
    try:
        from airflow.sdk.configuration import conf

        return str(conf.get("api", "base_url", fallback=DEFAULT_UI_URL) or DEFAULT_UI_URL).rstrip("/")
    except Exception:  # noqa: BLE001 - a message must still be built without configuration
        return DEFAULT_UI_URL


def run_url(dag_id: str, run_id: str, task_id: str | None = None, try_number: int | None = None) -> str:
    url = f"{ui_base_url()}/dags/{quote(dag_id, safe='')}/runs/{quote(run_id, safe='')}"
    if task_id:
        url += f"/tasks/{quote(task_id, safe='')}"
        if try_number:
            url += f"?try_number={try_number}"
    return url


def _sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def dlq_query(pair: str, run_id: str) -> str:
    return ("SELECT record_key, state, reason_code, reason, attempts FROM dlq "
            f"WHERE pair = {_sql_literal(pair)} AND run_id = {_sql_literal(run_id)} AND state IN ('open', 'held')")


@dataclass(frozen=True)
class Alert:
    """One alert: what happened in which run, how many, and where to look."""

    kind: str
    pair: str
    dag_id: str
    run_id: str
    title: str
    lines: tuple[str, ...] = ()
    counts: Mapping[str, Any] = field(default_factory=dict)
    task_id: str | None = None
    try_number: int | None = None
    error: str | None = None

    @property
    def where(self) -> dict[str, str]:
        where = {"airflow_ui": run_url(self.dag_id, self.run_id, self.task_id, self.try_number),
                 "dlq": dlq_query(self.pair, self.run_id)}
        if self.task_id:
            where["airflow_ui_run"] = run_url(self.dag_id, self.run_id)
        return where

    @property
    def details(self) -> list[str]:
        shown = list(self.lines[:MAX_LINES])
        more = len(self.lines) - len(shown)
        return shown + ([f"… and {more} more (see the dlq table)"] if more else [])

    @property
    def subject(self) -> str:
        return f"[storesync] {self.kind}: {self.title} ({self.dag_id})"

    def text(self) -> str:
        parts = [self.title, "", f"DAG:   {self.dag_id}", f"Run:   {self.run_id}", f"Pair:  {self.pair}"]
        if self.task_id:
            parts.append(f"Task:  {self.task_id}" + (f" (try {self.try_number})" if self.try_number else ""))
        if self.counts:
            parts.append("Counts: " + "; ".join(
                f"{k}: " + ", ".join(f"{rk} {rv}" for rk, rv in v.items()) if isinstance(v, Mapping) else f"{k}={v}"
                for k, v in self.counts.items() if v not in (None, {})))
        if self.error:
            parts += ["", "Error:", self.error]
        if self.lines:
            parts += ["", "Details:"] + [f"  - {line}" for line in self.details]
        where = self.where
        parts += ["", "Where to look:", f"  Airflow UI: {where['airflow_ui']}"]
        if "airflow_ui_run" in where:
            parts.append(f"  The run:    {where['airflow_ui_run']}")
        parts.append(f"  DLQ (sync store table 'dlq'): {where['dlq']}")
        return "\n".join(parts)

    def payload(self) -> dict[str, Any]:
        return {"kind": self.kind, "pair": self.pair, "dag_id": self.dag_id, "run_id": self.run_id,
                "task_id": self.task_id, "try_number": self.try_number, "title": self.title,
                "counts": dict(self.counts), "details": self.details, "error": self.error,
                "where": self.where, "text": self.text()}

    def scrubbed(self, secrets: Iterable[str] = ()) -> "Alert":
        """The same alert with every known secret replaced by ``***``."""
        clean = lambda value: scrub(value, secrets)  # noqa: E731
        return Alert(kind=self.kind, pair=self.pair, dag_id=self.dag_id, run_id=clean(self.run_id),
                     title=clean(self.title), lines=tuple(clean(line) for line in self.lines),
                     counts=dict(self.counts), task_id=self.task_id, try_number=self.try_number,
                     error=clean(self.error) if self.error is not None else None)


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """Replace the given secrets and whatever Airflow's secrets masker knows by ``***``."""
    text = str(text)
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, "***")
    try:
        from airflow.sdk._shared.secrets_masker import redact

        text = str(redact(text))
    except Exception:  # noqa: BLE001 - the masker is a second line of defence, not a requirement
        pass
    return text


_GATE = re.compile(r"quality gate '(?P<suite>[^']*)' failed: (?P<failed>\d+) of (?P<total>\d+) records "
                   r"\((?P<ratio>[^)]*)\) > max (?P<max>\S+): (?P<expectations>.*)", re.S)


def failure_alert(context: Mapping[str, Any], *, pair: str | None = None) -> Alert:
    """The ``task_failed`` or ``quality_gate`` alert of a failure callback's context."""
    from storesync.hooks.errors import PermanentRunError

    ti = context.get("ti") or context.get("task_instance")
    dag = context.get("dag")
    dag_id = getattr(dag, "dag_id", None) or getattr(ti, "dag_id", "?")
    run_id = str(context.get("run_id") or getattr(ti, "run_id", "?"))
    task_id = getattr(ti, "task_id", None) or getattr(context.get("task"), "task_id", None)
    try_number = getattr(ti, "try_number", None)
    max_tries = getattr(ti, "max_tries", None)
    error = context.get("exception")
    message = str(error) if error is not None else "(no exception in the context)"
    if len(message) > MAX_ERROR_CHARS:
        message = message[:MAX_ERROR_CHARS] + " …"
    error_text = f"{type(error).__name__}: {message}" if error is not None else message
    # Without a pair (a notifier used on its own): flow DAGs are named <flow>__<storefront>__<erp>.
    pair = pair or dag_id.split("__", 1)[-1].replace("__", "-")
    tries = ""
    if try_number is not None and max_tries is not None:
        tries = f"try {try_number} of {max_tries + 1}"
        if try_number <= max_tries:
            tries += ", not retried: the error is permanent"

    if isinstance(error, PermanentRunError) and message.startswith("quality gate"):
        match = _GATE.match(message)
        lines: list[str] = []
        counts: dict[str, Any] = {}
        if match:
            counts = {"failed": int(match["failed"]), "total": int(match["total"]), "bad_ratio": match["ratio"],
                      "max_bad_ratio": match["max"]}
            lines = [f"{desc} — {n} record(s)" for desc, n in
                     re.findall(r"(.+?) ×(\d+)(?:, |$)", match["expectations"].strip())] or [match["expectations"]]
            title = (f"quality gate '{match['suite']}' failed on task {task_id}: {match['failed']} of "
                     f"{match['total']} records ({match['ratio']}) > max {match['max']}")
        else:
            title = f"quality gate failed on task {task_id}"
        lines.append("the failing records are in the dlq table (reason_code 'quality:…'); the run stopped at "
                     "this gate and the remaining records stay staged for a re-run")
        return Alert(kind="quality_gate", pair=pair, dag_id=dag_id, run_id=run_id, title=title, lines=tuple(lines),
                     counts=counts, task_id=task_id, try_number=try_number, error=error_text)
    title = f"task {task_id} failed" + (f" ({tries})" if tries else "")
    lines = [f"the task log in the Airflow UI has the traceback ({tries or 'last try'})"]
    return Alert(kind="task_failed", pair=pair, dag_id=dag_id, run_id=run_id, title=title, lines=tuple(lines),
                 counts={"try_number": try_number, "max_tries": max_tries} if try_number is not None else {},
                 task_id=task_id, try_number=try_number, error=error_text)
