"""Sending: one message per (run, kind) on every channel, dedup in the sync store, channel outages, secrets."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace

import pytest

from storesync.alerts import alert
from storesync.alerts.dedup import sent_alerts
from storesync.alerts.delivery import EmailNotifier, WebhookNotifier
from storesync.alerts.grouping import grouped_alert
from storesync.alerts.send import send_alert
from storesync.hooks.errors import TransientError
from tests.storesync.alerts.conftest import SMTP_PASSWORD, WEBHOOK_TOKEN

DAG_ID = "orders__xcart__sage500"


def kinds(sink) -> tuple[list, list]:
    return ([w["body"]["kind"] for w in sink.webhooks],
            [m["subject"].split(":")[0].replace("[storesync] ", "") for m in sink.emails])


def held(pair, run_id="run-1", n=3):
    alert(kind="held", pair=pair, dag_id=DAG_ID, run_id=run_id, title=f"{n} order(s) held: unknown to the ERP",
          lines=[f"order {i}: SKU SKU-9999{i} unknown to Sage 500" for i in range(n)])


def quarantine(pair, run_id: str, keys: list[str], reason_code: str = "quality:raw") -> None:
    """DLQ items as the gate or the loader would put them (a key already open is quarantined again)."""
    from storesync.hooks.syncstore import SyncStoreHook

    store = SyncStoreHook(pair.store_conn_id).get_store()
    for key in keys:
        store.quarantine(pair=pair.name, flow="orders", entity="order", record_key=key, stage="gate:raw",
                         reason_code=reason_code, reason=f"order {key}: field currency: not in set",
                         dag_id=DAG_ID, run_id=run_id)


def dlq_alert(pair, run_id: str, n: int, lines: list[str]) -> None:
    alert(kind="dlq", pair=pair, dag_id=DAG_ID, run_id=run_id, title=f"{n} order(s) sent to the dead-letter queue",
          lines=lines)


def test_one_message_per_run_and_kind_on_each_channel(sink, pair_env):
    pair = pair_env()
    held(pair)
    held(pair)  # a retry of the load task
    quarantine(pair, "run-1", ["1", "2", "3"])
    quarantine(pair, "run-1", ["4"], reason_code="rejected")
    dlq_alert(pair, "run-1", 4, ["quality:raw: 3", "rejected: 1"])
    dlq_alert(pair, "run-1", 4, ["quality:raw: 3", "rejected: 1"])  # a retry of the report task
    held(pair, run_id="run-2")  # another run alerts again
    assert sink.wait_for(webhooks=3, emails=3)
    assert kinds(sink) == (["held", "dlq", "held"], ["held", "dlq", "held"])
    body = sink.webhooks[1]["body"]
    assert body["counts"] == {"dlq": 4, "by_reason": {"quality:raw": 3, "rejected": 1}, "new": 4,
                              "new_by_reason": {"quality:raw": 3, "rejected": 1}}
    assert body["title"] == "4 order(s) sent to the dead-letter queue (4 new)"
    assert body["details"][:2] == ["new, quality:raw: 3", "new, rejected: 1"]
    assert body["dag_id"] == DAG_ID and body["run_id"] == "run-1" and sink.webhooks[1]["auth"] == "bearer"
    assert sink.emails[0]["rcpt_to"] == ["ops@example.com"] and sink.emails[0]["auth_user"] == "storesync"
    assert "order 0: SKU SKU-99990 unknown to Sage 500" in sink.emails[0]["body"]
    from storesync.hooks.syncstore import SyncStoreHook

    rows = sent_alerts(SyncStoreHook(pair.store_conn_id).get_store().engine, pair=pair.name)
    assert [(r["run_id"], r["kind"], r["channel_count"]) for r in rows] == [
        ("run-1", "held", 2), ("run-1", "dlq", 2), ("run-2", "held", 2)]


def test_without_channels_an_alert_is_only_logged(sink, pair_env, caplog):
    pair = pair_env(alerts={})
    with caplog.at_level(logging.WARNING):
        held(pair)
    assert "ALERT [held] 3 order(s) held" in caplog.text
    assert sink.messages() == {"webhooks": [], "emails": []}


def test_dlq_growth_below_the_threshold_is_not_alerted(sink, pair_env):
    pair = pair_env(alerts={"channels": [{"type": "webhook", "conn_id": "alerts_webhook"}], "dlq_growth_threshold": 5})
    quarantine(pair, "r1", ["1", "2", "3", "4"])
    dlq_alert(pair, "r1", 4, ["quality:raw: 4"])
    quarantine(pair, "r2", ["1", "2", "3", "4", "5"])  # four known-bad records again, one new: growth 1
    dlq_alert(pair, "r2", 5, ["quality:raw: 5"])
    quarantine(pair, "r3", [str(n) for n in range(10, 15)])  # five new ones
    dlq_alert(pair, "r3", 5, ["quality:raw: 5"])
    assert [(w["body"]["run_id"], w["body"]["counts"]["new"]) for w in sink.webhooks] == [("r3", 5)]


def test_known_bad_records_quarantined_again_are_no_growth(sink, pair_env):
    pair = pair_env(alerts={"channels": [{"type": "webhook", "conn_id": "alerts_webhook"}]})
    quarantine(pair, "r1", ["1", "2"])
    dlq_alert(pair, "r1", 2, ["quality:raw: 2"])
    quarantine(pair, "r2", ["1", "2"])
    dlq_alert(pair, "r2", 2, ["quality:raw: 2"])
    assert [w["body"]["run_id"] for w in sink.webhooks] == ["r1"]


def test_a_channel_outage_does_not_stop_the_other_channel_or_fail_the_caller(sink, pair_env, monkeypatch, caplog):
    pair = pair_env()
    monkeypatch.setenv("AIRFLOW_CONN_ALERTS_WEBHOOK", json.dumps(
        {"conn_type": "http", "host": "http://127.0.0.1:9", "password": WEBHOOK_TOKEN}))
    with caplog.at_level(logging.INFO):
        held(pair)
    assert sink.webhooks == [] and len(sink.emails) == 1
    assert "alert [held] via webhook channel 'alerts_webhook' failed" in caplog.text
    held(pair)  # one channel delivered: that counts as sent
    assert len(sink.emails) == 1


def test_when_every_channel_failed_a_retry_tries_again(sink, pair_env, monkeypatch):
    pair = pair_env(alerts={"channels": [{"type": "webhook", "conn_id": "alerts_webhook"}]})
    monkeypatch.setenv("AIRFLOW_CONN_ALERTS_WEBHOOK", json.dumps({"conn_type": "http", "host": "http://127.0.0.1:9"}))
    held(pair)
    from tests.storesync.alerts.conftest import set_channel_connections

    set_channel_connections(monkeypatch, sink)
    held(pair)
    held(pair)
    assert kinds(sink)[0] == ["held"]


def test_a_wrong_token_is_reported_without_the_token(sink, pair_env, monkeypatch, caplog):
    pair = pair_env(alerts={"channels": [{"type": "webhook", "conn_id": "alerts_webhook"}]})
    monkeypatch.setenv("AIRFLOW_CONN_ALERTS_WEBHOOK", json.dumps(
        {"conn_type": "http", "host": sink.http_url, "password": "not-the-token-9"}))
    with caplog.at_level(logging.INFO):
        held(pair)
    assert "answered HTTP 401" in caplog.text and "not-the-token-9" not in caplog.text


def test_no_secret_reaches_a_log_line_or_an_alert_even_if_the_error_text_holds_it(sink, pair_env, caplog, capsys):
    pair = pair_env()
    error = TransientError(f"connect failed for postgresql://u:{SMTP_PASSWORD}@db and token {WEBHOOK_TOKEN}")
    ti = SimpleNamespace(task_id="extract", try_number=2, max_tries=1, dag_id=DAG_ID, run_id="r")
    from storesync.alerts.callback import FailureAlert

    with caplog.at_level(logging.DEBUG):
        FailureAlert(pair.name)({"ti": ti, "dag": SimpleNamespace(dag_id=DAG_ID), "run_id": "r", "exception": error})
        held(pair, run_id="r")
    assert sink.wait_for(webhooks=2, emails=2)
    everything = json.dumps(sink.messages()) + caplog.text + "".join(capsys.readouterr())
    assert "task_failed" in everything and "connect failed for postgresql://u:***@db" in everything
    for secret in (WEBHOOK_TOKEN, SMTP_PASSWORD):
        assert secret not in everything


def test_a_notifier_works_on_its_own_as_an_airflow_failure_callback_with_templated_fields(sink):
    ti = SimpleNamespace(task_id="load", try_number=4, max_tries=3, dag_id=DAG_ID, run_id="manual__1")
    from airflow.sdk import DAG

    context = {"ti": ti, "dag": DAG(dag_id=DAG_ID, schedule=None), "run_id": "manual__1",
               "exception": TransientError("timeout expired")}
    WebhookNotifier(conn_id="alerts_webhook", subject="{{ run_id }} broke")(context)
    EmailNotifier(conn_id="alerts_smtp", to="ops@example.com, dev@example.com")(context)
    assert sink.wait_for(webhooks=1, emails=1)
    body = sink.webhooks[0]["body"]
    assert body["kind"] == "task_failed" and body["subject"] == "manual__1 broke" and body["task_id"] == "load"
    assert "TransientError: timeout expired" in body["text"]
    assert sink.emails[0]["rcpt_to"] == ["ops@example.com", "dev@example.com"]
    assert "task load failed (try 4 of 4)" in sink.emails[0]["subject"]


def test_send_alert_reports_what_happened(sink):
    from sqlalchemy import create_engine

    engine = create_engine("sqlite://")
    message = grouped_alert(kind="held", pair="p", dag_id=DAG_ID, run_id="r", title="t", lines=["x"])
    channels = [WebhookNotifier(conn_id="alerts_webhook"), EmailNotifier(conn_id="alerts_smtp", to=["a@example.com"])]
    first = send_alert(message, None, channels=channels, engine=engine)
    second = send_alert(message, None, channels=channels, engine=engine)
    assert first.delivered == ["webhook channel 'alerts_webhook'", "email channel 'alerts_smtp'"] and not first.suppressed
    assert second.suppressed and second.delivered == []
    with pytest.raises(ValueError, match="unknown alert kind 'oops'"):
        send_alert(grouped_alert(kind="oops", pair="p", dag_id=DAG_ID, run_id="r", title="t", lines=[]), None,
                   channels=[], engine=engine)
