"""The local sandbox runner starts the alert sink as its own process and points the alert connections at it."""

from __future__ import annotations

import json

from include.sandbox.runtime import Sandbox


def test_the_runner_starts_the_sink_and_the_alert_connections_reach_it(monkeypatch):
    with Sandbox() as sandbox:
        line = sandbox.start_alert_sink()
        assert "alert sink" in line and "sandbox-alert-token" not in line
        env = sandbox.connection_env()
        webhook = json.loads(env["AIRFLOW_CONN_ALERTS_WEBHOOK"])
        smtp = json.loads(env["AIRFLOW_CONN_ALERTS_SMTP"])
        assert webhook["host"] == sandbox.alert_sink_url and smtp["port"] == sandbox.alert_smtp_port
        for name, value in env.items():
            monkeypatch.setenv(name, value)

        from sqlalchemy import create_engine

        from storesync.notifiers import EmailNotifier, WebhookNotifier, grouped_alert, send_alert

        alert = grouped_alert(kind="held", pair="xcart-sage500", dag_id="orders__xcart__sage500", run_id="r1",
                              title="1 order(s) held: unknown to the ERP", lines=["order 7: SKU-99999"])
        result = send_alert(alert, None, engine=create_engine("sqlite://"), channels=[
            WebhookNotifier(conn_id="alerts_webhook"), EmailNotifier(conn_id="alerts_smtp", to=["ops@example.com"])])
        assert result.failed == [], "the shipped token is the one the sink expects"
        received = sandbox.alert_messages()
        assert [w["body"]["kind"] for w in received["webhooks"]] == ["held"]
        assert received["webhooks"][0]["auth"] == "bearer"
        assert [m["auth_user"] for m in received["emails"]] == ["storesync"]
    assert sandbox._alert_sink is None
