"""Channel delivery goes through the Airflow providers' notifiers; Slack only when its provider is installed."""

from __future__ import annotations

import json
import sys
import types

import pytest

from storesync.alerts.delivery import EmailNotifier, SlackNotifier, WebhookNotifier, build_channels
from storesync.alerts.grouping import grouped_alert
from storesync.config import alert_channels
from tests.storesync.alerts.conftest import SMTP_PASSWORD, WEBHOOK_TOKEN

DAG_ID = "orders__xcart__sage500"


def held_alert(run_id="r1"):
    return grouped_alert(kind="held", pair="p", dag_id=DAG_ID, run_id=run_id, title="1 order(s) held",
                         lines=["order 7: SKU {{ not a template }} unknown"])


def spy(monkeypatch, cls) -> list:
    """Record each ``notify`` of a provider notifier class, then let it send."""
    calls = []
    original = cls.notify

    def notify(self, context):
        calls.append(self)
        return original(self, context)

    monkeypatch.setattr(cls, "notify", notify)
    return calls


def test_webhook_and_email_are_sent_by_the_providers_notifiers(sink, monkeypatch):
    from airflow.providers.http.notifications import HttpNotifier
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    http_calls, smtp_calls = spy(monkeypatch, HttpNotifier), spy(monkeypatch, SmtpNotifier)
    WebhookNotifier(conn_id="alerts_webhook").send(held_alert())
    EmailNotifier(conn_id="alerts_smtp", to=["ops@example.com"]).send(held_alert())
    assert sink.wait_for(webhooks=1, emails=1)
    assert [c.http_conn_id for c in http_calls] == ["alerts_webhook"]
    assert [(c.smtp_conn_id, c.to) for c in smtp_calls] == [("alerts_smtp", ["ops@example.com"])]
    # The alert's text is data: braces from an error or a record are sent as they are, never rendered.
    assert "SKU {{ not a template }} unknown" in sink.webhooks[0]["body"]["text"]
    assert "SKU {{ not a template }} unknown" in sink.emails[0]["body"]
    assert sink.emails[0]["subject"] == f"[storesync] held: 1 order(s) held ({DAG_ID})"
    assert sink.webhooks[0]["auth"] == "bearer" and sink.emails[0]["auth_user"] == "storesync"


def test_an_smtp_connection_written_for_the_former_channel_still_sends_without_tls(sink, monkeypatch):
    # Its extras: starttls off (no implicit TLS either); no disable_ssl / disable_tls of the provider.
    monkeypatch.setenv("AIRFLOW_CONN_ALERTS_SMTP", json.dumps(
        {"conn_type": "smtp", "host": "127.0.0.1", "port": sink.smtp_port, "login": "storesync",
         "password": SMTP_PASSWORD, "extra": {"from_email": "storesync-alerts@example.com", "starttls": False}}))
    EmailNotifier(conn_id="alerts_smtp", to="ops@example.com").send(held_alert())
    assert sink.wait_for(emails=1)
    assert sink.emails[0]["mail_from"] == "storesync-alerts@example.com"


def test_the_providers_own_defaults_apply_to_a_connection_without_legacy_extras(sink, monkeypatch, caplog):
    # No extras at all: the SMTP provider's defaults (implicit TLS) rule, so the plain sink is not reached.
    monkeypatch.setenv("AIRFLOW_CONN_ALERTS_SMTP", json.dumps(
        {"conn_type": "smtp", "host": "127.0.0.1", "port": sink.smtp_port, "login": "storesync",
         "password": SMTP_PASSWORD, "extra": {"from_email": "a@example.com", "timeout": 2, "retry_limit": 0}}))
    from storesync.alerts.delivery import AlertDeliveryError

    with pytest.raises(AlertDeliveryError) as failed:
        EmailNotifier(conn_id="alerts_smtp", to="ops@example.com").send(held_alert())
    assert "email channel 'alerts_smtp' via 127.0.0.1" in str(failed.value)
    assert SMTP_PASSWORD not in str(failed.value) and sink.emails == []


def test_slack_is_no_channel_type_without_its_provider():
    assert "slack" not in alert_channels.channel_types()
    assert alert_channels.check_channel({"type": "slack", "conn_id": "s"}) == (
        "type", ": unknown channel type 'slack'; valid: email, webhook")


@pytest.fixture
def fake_slack_provider(monkeypatch):
    """The Slack provider as if installed: its webhook notifier records what it would post."""
    posted = []

    class SlackWebhookNotifier:
        def __init__(self, *, slack_webhook_conn_id, text, timeout=None, **kwargs):
            self.conn_id, self.text, self.timeout = slack_webhook_conn_id, text, timeout

        def notify(self, context):
            posted.append(self)

    module = types.ModuleType("airflow.providers.slack.notifications.slack_webhook")
    module.SlackWebhookNotifier = SlackWebhookNotifier
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setattr(alert_channels, "_installed", lambda package: True)
    alert_channels.channel_types.cache_clear()
    yield posted
    alert_channels.channel_types.cache_clear()


def test_with_the_slack_provider_a_slack_channel_posts_the_alert_without_its_secret(fake_slack_provider, monkeypatch):
    hook_url = "https://hooks.slack.example/services/T000/B000/secret-path-77"
    monkeypatch.setenv("AIRFLOW_CONN_SLACK_ALERTS", json.dumps(
        {"conn_type": "slackwebhook", "password": hook_url}))
    assert alert_channels.check_channel({"type": "slack", "conn_id": "slack_alerts"}) is None
    channels = build_channels({"channels": [{"type": "slack", "conn_id": "slack_alerts", "timeout": 5}]})
    assert isinstance(channels[0], SlackNotifier)
    alert = grouped_alert(kind="held", pair="p", dag_id=DAG_ID, run_id="r1", title="1 order(s) held",
                          lines=[f"posting to {hook_url} failed"])
    channels[0].send(alert)
    (posted,) = fake_slack_provider
    assert posted.conn_id == "slack_alerts" and posted.timeout == 5
    assert "[storesync] held: 1 order(s) held" in posted.text and "Where to look" in posted.text
    assert hook_url not in posted.text and WEBHOOK_TOKEN not in posted.text
