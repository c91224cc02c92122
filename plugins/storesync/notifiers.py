"""Alert channels as Airflow notifiers, configured by connection, and one grouped alert per run and kind.

Channels (``CHANNELS``), both ``airflow.sdk.BaseNotifier`` subclasses, so either can also be used on its
own as a DAG or task ``on_failure_callback`` (it then builds a task-failure message from the context):

- ``WebhookNotifier(conn_id=…, endpoint=…)``: POSTs the alert as JSON to an HTTP connection's
  host (+ port) + endpoint (channel option ``endpoint`` or connection extra ``endpoint``). The
  connection's ``password``, when set, is sent as ``Authorization: Bearer …`` and never logged.
- ``EmailNotifier(conn_id=…, to=[…])``: SMTP through an ``smtp``/``email`` connection with
  ``smtplib`` directly: host, port, login, password; extra ``from_email``, ``to`` (used when the
  channel names no recipients), ``starttls`` (STARTTLS only when true), ``ssl`` (implicit TLS),
  ``timeout``.

A pair's ``alerts`` section (validated in ``storesync.config.pairs``)::

    alerts:
      channels:
        - {type: webhook, conn_id: alerts_webhook}
        - {type: email, conn_id: alerts_smtp, to: [ops@example.com]}
      dlq_growth_threshold: 1     # alert on DLQ growth from this many records per run

``alerts: {}`` is valid: alerts are then only logged at WARNING.

Kinds: ``task_failed`` (a task failed after its last retry), ``quality_gate`` (a gate above its
threshold), ``held`` (orders held for unknown SKUs), ``dlq`` (the DLQ grew in this run),
``declined_payment`` (storefront payments declined, failed or voided: skipped, never posted). ``send_alert``
sends ONE message per (pair, DAG run, kind): it first claims the row (pair, dag_id, run_id, kind) in the
``alert_sent`` table of the sync store, so a retry or re-run of a task never alerts twice. If every
configured channel fails, the claim is released so a retry may try again.

No secret (connection password, token) is logged or put into a message: the channels' own secrets and
everything Airflow's secrets masker knows are replaced by ``***`` in every message and log line.
"""

from __future__ import annotations

import weakref

import json
import logging
import re
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

from airflow.sdk import BaseNotifier
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, select, update
from sqlalchemy.exc import IntegrityError

log = logging.getLogger(__name__)

KINDS = ("task_failed", "quality_gate", "held", "dlq", "declined_payment")
MAX_LINES = 20
MAX_ERROR_CHARS = 2000
DEFAULT_UI_URL = "http://localhost:8080"

# -- the dedup table (our own MetaData: the sync store's schema module is not touched) ---------------

metadata = MetaData()
alert_sent = Table(
    "alert_sent",
    metadata,
    Column("pair", String(100), primary_key=True),
    Column("dag_id", String(250), primary_key=True),
    Column("run_id", String(250), primary_key=True),
    Column("kind", String(40), primary_key=True),
    Column("sent_at", DateTime(timezone=True), nullable=False),
    Column("channel_count", Integer, nullable=False, default=0),
)
# Per engine, not per URL: two in-memory SQLite engines share the URL "sqlite://" but not their tables.
_READY: "weakref.WeakSet" = weakref.WeakSet()


def ensure_table(engine) -> None:
    if engine not in _READY:
        metadata.create_all(engine, checkfirst=True)
        _READY.add(engine)


def claim(engine, alert: "Alert") -> bool:
    """Record that this (pair, run, kind) is being alerted; False if it already was."""
    ensure_table(engine)
    try:
        with engine.begin() as connection:
            connection.execute(alert_sent.insert().values(
                pair=alert.pair, dag_id=alert.dag_id, run_id=alert.run_id, kind=alert.kind,
                sent_at=datetime.now(timezone.utc), channel_count=0))
    except IntegrityError:
        return False
    return True


def _key(alert: "Alert"):
    c = alert_sent.c
    return (c.pair == alert.pair) & (c.dag_id == alert.dag_id) & (c.run_id == alert.run_id) & (c.kind == alert.kind)


def record_channels(engine, alert: "Alert", channel_count: int) -> None:
    with engine.begin() as connection:
        connection.execute(update(alert_sent).where(_key(alert)).values(channel_count=channel_count))


def release(engine, alert: "Alert") -> None:
    with engine.begin() as connection:
        connection.execute(alert_sent.delete().where(_key(alert)))


def sent_alerts(engine, *, pair: str | None = None, run_id: str | None = None) -> list[dict[str, Any]]:
    """Rows of ``alert_sent`` (oldest first), optionally for one pair and/or run."""
    ensure_table(engine)
    query = select(alert_sent).order_by(alert_sent.c.sent_at)
    if pair is not None:
        query = query.where(alert_sent.c.pair == pair)
    if run_id is not None:
        query = query.where(alert_sent.c.run_id == run_id)
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]


# -- messages ------------------------------------------------------------------------------------


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
    from sqlalchemy import func

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


# -- channels ------------------------------------------------------------------------------------


class AlertDeliveryError(RuntimeError):
    """A channel could not deliver; the message never contains the channel's secrets."""


def _get_connection(conn_id: str):
    from airflow.sdk import BaseHook

    connection = BaseHook.get_connection(conn_id)
    if connection.password:
        try:
            from airflow.sdk.log import mask_secret

            mask_secret(connection.password)
        except Exception:  # noqa: BLE001
            pass
    return connection


class _AlertNotifier(BaseNotifier):
    """Shared behaviour: send an ``Alert``; as a plain notifier, alert a failure from the context."""

    channel_type = ""
    channel_options: frozenset[str] = frozenset({"conn_id"})

    def __init__(self, *, conn_id: str, subject: str | None = None, message: str | None = None,
                 timeout: float = 10.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.conn_id = conn_id
        self.subject = subject
        self.message = message
        self.timeout = timeout

    @classmethod
    def check_options(cls, options: Mapping[str, Any]) -> str | None:
        """A problem with this channel's options (from a pair config), or None."""
        return None

    def notify(self, context) -> None:
        alert = context.get("storesync_alert")
        if not isinstance(alert, Alert):
            alert = failure_alert(context)
        self.send(alert)

    def describe(self) -> str:
        return f"{self.channel_type} channel '{self.conn_id}'"

    def send(self, alert: Alert) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _texts(self, alert: Alert, secrets: Iterable[str]) -> tuple[Alert, str, str]:
        alert = alert.scrubbed(secrets)
        subject = scrub(self.subject, secrets) if self.subject else alert.subject
        body = scrub(self.message, secrets) if self.message else alert.text()
        return alert, subject, body


class WebhookNotifier(_AlertNotifier):
    """POST the alert as JSON to an HTTP connection (host + endpoint); password = bearer token."""

    template_fields = ("conn_id", "endpoint", "subject", "message")
    channel_type = "webhook"
    channel_options = frozenset({"conn_id", "endpoint", "timeout"})

    def __init__(self, *, conn_id: str = "alerts_webhook", endpoint: str | None = None, **kwargs: Any) -> None:
        super().__init__(conn_id=conn_id, **kwargs)
        self.endpoint = endpoint

    def url(self, connection) -> str:
        host = (connection.host or "").strip()
        if not host:
            raise AlertDeliveryError(f"webhook connection '{self.conn_id}' has no host")
        if "://" not in host:
            host = f"{connection.schema or 'http'}://{host}"
        base = host.rstrip("/")
        if connection.port and not re.search(r":\d+$", base.split("://", 1)[1].split("/")[0]):
            scheme, rest = base.split("://", 1)
            hostname, slash, path = rest.partition("/")
            base = f"{scheme}://{hostname}:{connection.port}{slash}{path}"
        endpoint = self.endpoint if self.endpoint is not None else connection.extra_dejson.get("endpoint", "")
        return f"{base}/{str(endpoint or '').lstrip('/')}" if endpoint else base

    def send(self, alert: Alert) -> None:
        connection = _get_connection(self.conn_id)
        secrets = [connection.password or ""]
        alert, subject, body = self._texts(alert, secrets)
        payload = {**alert.payload(), "subject": subject, "text": body}
        headers = {"Content-Type": "application/json", "User-Agent": "storesync-alerts"}
        if connection.password:
            headers["Authorization"] = f"Bearer {connection.password}"
        request = urllib.request.Request(self.url(connection), data=json.dumps(payload, default=str).encode(),
                                         headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            raise AlertDeliveryError(f"webhook '{self.conn_id}' answered HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise AlertDeliveryError(scrub(f"webhook '{self.conn_id}' unreachable: {reason}", secrets)) from None


def _recipients(value: Any) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [part.strip() for part in re.split(r"[,;]", value) if part.strip()]
    return [str(part).strip() for part in value if str(part).strip()]


def _truthy(value: Any) -> bool:
    return value is True or str(value).strip().lower() in ("1", "true", "yes", "on")


class EmailNotifier(_AlertNotifier):
    """Send the alert as a plain-text e-mail through an SMTP connection, with ``smtplib``."""

    template_fields = ("conn_id", "to", "subject", "message")
    channel_type = "email"
    channel_options = frozenset({"conn_id", "to", "timeout"})

    def __init__(self, *, conn_id: str = "alerts_smtp", to: str | Sequence[str] | None = None, **kwargs: Any) -> None:
        super().__init__(conn_id=conn_id, **kwargs)
        self.to = to

    @classmethod
    def check_options(cls, options: Mapping[str, Any]) -> str | None:
        to = options.get("to")
        if to is None:
            return None
        if isinstance(to, str):
            to = [to]
        if not isinstance(to, list) or not all(isinstance(a, str) and "@" in a for a in to):
            return "'to' must be a list of e-mail addresses"
        return None

    def send(self, alert: Alert) -> None:
        connection = _get_connection(self.conn_id)
        extra = connection.extra_dejson
        secrets = [connection.password or ""]
        recipients = _recipients(self.to) or _recipients(extra.get("to"))
        if not recipients:
            raise AlertDeliveryError(f"e-mail channel '{self.conn_id}': no recipients (channel 'to' or extra 'to')")
        if not connection.host:
            raise AlertDeliveryError(f"e-mail connection '{self.conn_id}' has no host")
        sender = extra.get("from_email") or (connection.login if "@" in (connection.login or "") else None) \
            or "storesync-alerts@localhost"
        # Imported here, not at the top: every DAG file parse imports this module, few tasks send e-mail.
        import smtplib
        import ssl
        from email.message import EmailMessage

        alert, subject, body = self._texts(alert, secrets)
        message = EmailMessage()
        message["Subject"] = subject
        message["From"] = sender
        message["To"] = ", ".join(recipients)
        message["X-Storesync-Alert"] = f"{alert.kind}; dag={alert.dag_id}; run={alert.run_id}"
        message.set_content(body)
        use_ssl = _truthy(extra.get("ssl"))
        port = int(connection.port or (465 if use_ssl else 25))
        timeout = float(extra.get("timeout", self.timeout))
        try:
            smtp_class = smtplib.SMTP_SSL if use_ssl else smtplib.SMTP
            kwargs = {"context": ssl.create_default_context()} if use_ssl else {}
            with smtp_class(connection.host, port, timeout=timeout, **kwargs) as smtp:
                smtp.ehlo()
                if _truthy(extra.get("starttls")):
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
                if connection.login:
                    smtp.login(connection.login, connection.password or "")
                smtp.send_message(message, from_addr=sender, to_addrs=recipients)
        except (smtplib.SMTPException, OSError) as exc:
            raise AlertDeliveryError(scrub(
                f"e-mail channel '{self.conn_id}' via {connection.host}:{port} failed: {type(exc).__name__}: {exc}",
                secrets)) from None


CHANNELS: dict[str, type[_AlertNotifier]] = {"webhook": WebhookNotifier, "email": EmailNotifier}


def build_channels(alerts_config: Mapping[str, Any] | None) -> list[_AlertNotifier]:
    """One notifier per channel of a (validated) pair ``alerts`` section."""
    notifiers = []
    for channel in (alerts_config or {}).get("channels") or []:
        options = {k: v for k, v in channel.items() if k != "type"}
        notifiers.append(CHANNELS[channel["type"]](**options))
    return notifiers


# -- sending -------------------------------------------------------------------------------------


@dataclass
class SendResult:
    alert: Alert
    suppressed: bool = False
    delivered: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def _engine_for(pair_config):
    from storesync.hooks.syncstore import SyncStoreHook

    return SyncStoreHook(pair_config.store_conn_id).get_store().engine


def send_alert(alert: Alert, pair_config, *, channels: Sequence[_AlertNotifier] | None = None,
               engine=None) -> SendResult:
    """Log the alert at WARNING and send it through the pair's channels, once per (pair, run, kind)."""
    if alert.kind not in KINDS:
        raise ValueError(f"unknown alert kind {alert.kind!r}; valid: {', '.join(KINDS)}")
    alert = alert.scrubbed()
    result = SendResult(alert)
    try:
        engine = engine if engine is not None else _engine_for(pair_config)
        claimed = claim(engine, alert)
    except Exception as exc:  # noqa: BLE001 - without the store we would rather alert twice than not at all
        log.warning("alert dedup unavailable (%s); sending [%s] for %s without it", type(exc).__name__,
                    alert.kind, alert.run_id)
        engine, claimed = None, True
    if not claimed:
        log.info("alert [%s] for %s %s was already sent; not sending it again", alert.kind, alert.dag_id, alert.run_id)
        result.suppressed = True
        return result
    log.warning("ALERT [%s] %s — %s — DAG %s, run %s", alert.kind, alert.title, "; ".join(alert.details[:5]),
                alert.dag_id, alert.run_id)
    notifiers = list(channels) if channels is not None else build_channels(getattr(pair_config, "alerts", None))
    for notifier in notifiers:
        try:
            notifier.send(alert)
            result.delivered.append(notifier.describe())
        except Exception as exc:  # noqa: BLE001 - an alert channel outage must not fail the sync itself
            log.error("alert [%s] via %s failed: %s", alert.kind, notifier.describe(),
                      scrub(str(exc) if isinstance(exc, AlertDeliveryError) else type(exc).__name__))
            result.failed.append(notifier.describe())
    if engine is not None:
        try:
            if notifiers and not result.delivered:
                release(engine, alert)  # nothing got out: a retry may try again
            else:
                record_channels(engine, alert, len(result.delivered))
        except Exception as exc:  # noqa: BLE001
            log.warning("could not record alert [%s]: %s", alert.kind, type(exc).__name__)
    return result


class FailureAlert:
    """A task ``on_failure_callback`` for a pair: one ``task_failed``/``quality_gate`` alert per run.

    Airflow calls ``on_failure_callback`` only once a task has failed for good (after its last retry,
    or at once for an error that is not retried); retries go to ``on_retry_callback`` instead.
    """

    def __init__(self, pair_name: str) -> None:
        self.pair_name = pair_name

    def __repr__(self) -> str:
        return f"FailureAlert({self.pair_name!r})"

    def __call__(self, context) -> None:
        try:
            from storesync.config.pairs import get_pair

            pair_config = get_pair(self.pair_name)
            send_alert(failure_alert(context, pair=pair_config.name), pair_config)
        except Exception as exc:  # noqa: BLE001 - a failing callback must not hide the task's own error
            log.error("failure alert for pair %s could not be sent: %s", self.pair_name, type(exc).__name__)
