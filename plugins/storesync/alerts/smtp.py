"""The SMTP provider's notifier and hook, reading the connections our e-mail channel has always accepted.

Imported only when an e-mail alert is sent (``storesync.alerts.delivery.EmailNotifier``). The provider's
own connection extras (``disable_ssl``, ``disable_tls``, ``timeout``, ``retry_limit``) rule. A connection
written for the earlier smtplib channel carries ``ssl`` / ``starttls`` instead, each off unless true; such a
connection (neither ``disable_ssl`` nor ``disable_tls`` set) keeps that meaning, so existing installations
send as before. Without a ``timeout`` extra the channel's ``timeout`` applies.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from airflow.providers.smtp.hooks.smtp import SmtpHook
from airflow.providers.smtp.notifications.smtp import SmtpNotifier

LEGACY_EXTRAS = ("ssl", "starttls")
PROVIDER_EXTRAS = ("disable_ssl", "disable_tls")


def _truthy(value: Any) -> bool:
    return value is True or str(value).strip().lower() in ("1", "true", "yes", "on")


class AlertSmtpHook(SmtpHook):
    def __init__(self, *args: Any, default_timeout: float = 30.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default_timeout = default_timeout

    @property
    def _legacy(self) -> bool:
        extra = self.conn.extra_dejson
        return any(k in extra for k in LEGACY_EXTRAS) and not any(k in extra for k in PROVIDER_EXTRAS)

    @property
    def use_ssl(self) -> bool:
        return _truthy(self.conn.extra_dejson.get("ssl")) if self._legacy else super().use_ssl

    @property
    def smtp_starttls(self) -> bool:
        return _truthy(self.conn.extra_dejson.get("starttls")) if self._legacy else super().smtp_starttls

    @property
    def timeout(self) -> int:
        value = self.conn.extra_dejson.get("timeout")
        return int(value) if value is not None else max(1, int(self.default_timeout))


class AlertSmtpNotifier(SmtpNotifier):
    def __init__(self, *, default_timeout: float = 30.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.default_timeout = default_timeout

    @cached_property
    def hook(self) -> SmtpHook:
        return AlertSmtpHook(smtp_conn_id=self.smtp_conn_id, auth_type=self.auth_type,
                             default_timeout=self.default_timeout)
