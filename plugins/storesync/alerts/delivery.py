"""Channel delivery: an ``Alert`` handed to the Airflow providers' own notifiers, in the channel's form.

Ours is only the form (JSON payload, e-mail text, chat text) and keeping secrets out of it; the sending is
the providers':

- ``WebhookNotifier(conn_id=…, endpoint=…)``: the alert as JSON through ``HttpNotifier``
  (apache-airflow-providers-http) to an HTTP connection's URL + ``endpoint``. The connection's password,
  when set, goes as ``Authorization: Bearer …``; with a login, the provider's basic auth applies instead.
- ``EmailNotifier(conn_id=…, to=[…])``: the alert's text through ``SmtpNotifier``
  (apache-airflow-providers-smtp) and the provider's SMTP connection: host, port, login, password; extra
  ``from_email``, ``to`` (when the channel names no recipients), ``disable_ssl``, ``disable_tls``,
  ``timeout``, ``retry_limit``. Connections written for the earlier smtplib channel (extra ``ssl`` /
  ``starttls``, both off unless true) keep meaning what they meant.
- ``SlackNotifier(conn_id=…)``: the alert's text through ``SlackWebhookNotifier``
  (apache-airflow-providers-slack), offered only when that provider is installed.

Each is itself an ``airflow.sdk.BaseNotifier``, so it also serves on its own as a DAG or task
``on_failure_callback`` (it then words a task failure from the context). Providers are imported when an
alert is sent, never when a DAG file is parsed. No secret (connection password, token) is logged or put
into a message: they and everything Airflow's secrets masker knows become ``***``.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from airflow.sdk import BaseNotifier

from storesync.config.alert_channels import channel_types
from storesync.alerts.messages import Alert, failure_alert, scrub


class AlertDeliveryError(RuntimeError):
    """A channel could not deliver; the message never contains the channel's secrets."""


def _get_connection(conn_id: str):
    """The connection, with its password registered with Airflow's secrets masker."""
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

    def __init__(self, *, conn_id: str, subject: str | None = None, message: str | None = None,
                 timeout: float = 10.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.conn_id = conn_id
        self.subject = subject
        self.message = message
        self.timeout = timeout

    def notify(self, context) -> None:
        alert = context.get("storesync_alert")
        if not isinstance(alert, Alert):
            alert = failure_alert(context)
        self.send(alert, context)

    def describe(self) -> str:
        return f"{self.channel_type} channel '{self.conn_id}'"

    def send(self, alert: Alert, context: Mapping[str, Any] | None = None) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _texts(self, alert: Alert, secrets: Iterable[str]) -> tuple[Alert, str, str]:
        alert = alert.scrubbed(secrets)
        subject = scrub(self.subject, secrets) if self.subject else alert.subject
        body = scrub(self.message, secrets) if self.message else alert.text()
        return alert, subject, body

    def _failed(self, what: str, exc: BaseException, secrets: Iterable[str]) -> AlertDeliveryError:
        return AlertDeliveryError(scrub(f"{self.describe()} {what}: {type(exc).__name__}: {exc}", secrets))


class WebhookNotifier(_AlertNotifier):
    """POST the alert as JSON through the HTTP provider's ``HttpNotifier``; password = bearer token."""

    template_fields = ("conn_id", "endpoint", "subject", "message")
    channel_type = "webhook"

    def __init__(self, *, conn_id: str = "alerts_webhook", endpoint: str | None = None, **kwargs: Any) -> None:
        super().__init__(conn_id=conn_id, **kwargs)
        self.endpoint = endpoint

    def send(self, alert: Alert, context: Mapping[str, Any] | None = None) -> None:
        from airflow.providers.http.notifications import HttpNotifier
        from requests.exceptions import RequestException

        connection = _get_connection(self.conn_id)
        secrets = [connection.password or ""]
        alert, subject, body = self._texts(alert, secrets)
        payload = {**alert.payload(), "subject": subject, "text": body}
        headers = {"Content-Type": "application/json", "User-Agent": "storesync-alerts"}
        if connection.password and not connection.login:
            headers["Authorization"] = f"Bearer {connection.password}"
        # notify(), not __call__: the alert's text is data, never a Jinja template to render.
        delivery = HttpNotifier(http_conn_id=self.conn_id, endpoint=self.endpoint, method="POST",
                                data=json.dumps(payload, default=str), headers=headers,
                                extra_options={"timeout": self.timeout})
        try:
            delivery.notify(dict(context or {}))
        except RequestException as exc:
            reason = getattr(exc, "args", [exc])[0] if exc.args else exc
            raise AlertDeliveryError(scrub(f"webhook '{self.conn_id}' unreachable: {reason}", secrets)) from None
        except Exception as exc:  # noqa: BLE001 - the provider raises AirflowException("<status>:<reason>")
            status = re.match(r"(\d{3}):", str(exc))
            if status:
                raise AlertDeliveryError(f"webhook '{self.conn_id}' answered HTTP {status.group(1)}") from None
            raise self._failed("failed", exc, secrets) from None


def _recipients(value: Any) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [part.strip() for part in re.split(r"[,;]", value) if part.strip()]
    return [str(part).strip() for part in value if str(part).strip()]


class EmailNotifier(_AlertNotifier):
    """Send the alert as an e-mail through the SMTP provider's ``SmtpNotifier``."""

    template_fields = ("conn_id", "to", "subject", "message")
    channel_type = "email"

    def __init__(self, *, conn_id: str = "alerts_smtp", to: str | Sequence[str] | None = None, **kwargs: Any) -> None:
        super().__init__(conn_id=conn_id, **kwargs)
        self.to = to

    def send(self, alert: Alert, context: Mapping[str, Any] | None = None) -> None:
        from storesync.alerts.smtp import AlertSmtpNotifier

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
        alert, subject, body = self._texts(alert, secrets)
        delivery = AlertSmtpNotifier(
            smtp_conn_id=self.conn_id, to=recipients, from_email=sender, subject=subject,
            # The provider sends HTML: the plain text, escaped, keeps its lines in <pre>.
            html_content=f"<pre>{html.escape(body, quote=False)}</pre>",
            custom_headers={"X-Storesync-Alert": f"{alert.kind}; dag={alert.dag_id}; run={alert.run_id}"},
            default_timeout=self.timeout)
        try:
            delivery.notify(dict(context or {}))
        except Exception as exc:  # noqa: BLE001 - smtplib and the provider raise many kinds
            raise self._failed(f"via {connection.host}:{connection.port or 'default port'} failed", exc,
                               secrets) from None


class SlackNotifier(_AlertNotifier):
    """Post the alert's text through the Slack provider's ``SlackWebhookNotifier`` (provider optional)."""

    template_fields = ("conn_id", "subject", "message")
    channel_type = "slack"

    def send(self, alert: Alert, context: Mapping[str, Any] | None = None) -> None:
        from airflow.providers.slack.notifications.slack_webhook import SlackWebhookNotifier

        connection = _get_connection(self.conn_id)
        secrets = [connection.password or "", connection.host or ""]  # the webhook URL is the secret
        alert, subject, body = self._texts(alert, secrets)
        delivery = SlackWebhookNotifier(slack_webhook_conn_id=self.conn_id, text=f"*{subject}*\n```{body}```",
                                        timeout=int(self.timeout))
        try:
            delivery.notify(dict(context or {}))
        except Exception as exc:  # noqa: BLE001
            raise self._failed("failed", exc, secrets) from None


def notifier_class(kind: str) -> type[_AlertNotifier]:
    module_name, _, class_name = channel_types()[kind].notifier.partition(":")
    module = __import__(module_name, fromlist=[class_name])
    return getattr(module, class_name)


def build_channels(alerts_config: Mapping[str, Any] | None) -> list[_AlertNotifier]:
    """One notifier per channel of a (validated) pair ``alerts`` section."""
    notifiers = []
    for channel in (alerts_config or {}).get("channels") or []:
        options = {k: v for k, v in channel.items() if k != "type"}
        notifiers.append(notifier_class(channel["type"])(**options))
    return notifiers
