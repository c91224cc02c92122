"""The alert channel types a pair's ``alerts.channels`` may name, with their options: declarations only.

The pair config validates channels against this table. It lives with the config, not with the alerts, so
that the config imports nothing of the alerts (the alerts read the config: one direction, no cycle), and it
imports no Airflow provider: the notifier behind a type (``storesync.alerts.delivery``) is named by its
dotted path and imported only when an alert is sent. A channel whose Airflow provider is optional (Slack)
is offered only when that provider is installed::

    alerts:
      channels:
        - {type: webhook, conn_id: alerts_webhook}                 # apache-airflow-providers-http
        - {type: email, conn_id: alerts_smtp, to: [ops@example.com]}   # apache-airflow-providers-smtp
        - {type: slack, conn_id: slack_alerts}                     # apache-airflow-providers-slack, if installed
      dlq_growth_threshold: 1     # alert on DLQ growth from this many records per run
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any


def _no_check(options: Mapping[str, Any]) -> str | None:
    return None


def _check_email(options: Mapping[str, Any]) -> str | None:
    to = options.get("to")
    if to is None:
        return None
    if isinstance(to, str):
        to = [to]
    if not isinstance(to, list) or not all(isinstance(a, str) and "@" in a for a in to):
        return "'to' must be a list of e-mail addresses"
    return None


@dataclass(frozen=True)
class ChannelType:
    name: str
    options: frozenset[str]
    notifier: str  # "module:Class" of the notifier that delivers it
    provider: str  # the Airflow provider package it delivers through
    check: Callable[[Mapping[str, Any]], str | None] = _no_check


_DECLARED = (
    ChannelType("webhook", frozenset({"conn_id", "endpoint", "timeout"}), "storesync.alerts.delivery:WebhookNotifier",
                "airflow.providers.http"),
    ChannelType("email", frozenset({"conn_id", "to", "timeout"}), "storesync.alerts.delivery:EmailNotifier",
                "airflow.providers.smtp", _check_email),
    ChannelType("slack", frozenset({"conn_id", "timeout"}), "storesync.alerts.delivery:SlackNotifier",
                "airflow.providers.slack"),
)


def _installed(package: str) -> bool:
    try:
        return importlib.util.find_spec(package) is not None
    except (ImportError, ValueError):
        return False


@lru_cache(maxsize=1)
def channel_types() -> dict[str, ChannelType]:
    """``{type: ChannelType}`` of every channel whose provider is installed."""
    return {channel.name: channel for channel in _DECLARED if _installed(channel.provider)}


def check_channel(channel: Mapping[str, Any]) -> tuple[str, str] | None:
    """The first problem with one channel's settings as ``(field, problem)``, or None.

    ``field`` is relative to the channel (``""`` for the channel itself); ``problem`` continues a sentence
    that names the field (it starts with ``": "`` or ``" "``) and lists the valid values where there are some.
    """
    kind = channel.get("type")
    types = channel_types()
    if kind not in types:
        return "type", f": unknown channel type {kind!r}; valid: {', '.join(sorted(types))}"
    valid = {"type", *types[kind].options}
    for key in channel:
        if key not in valid:
            return str(key), f" is not known; valid: {', '.join(sorted(valid))}"
    if channel.get("conn_id") in (None, ""):
        return "conn_id", " is required"
    if not isinstance(channel["conn_id"], str):
        return "conn_id", " must be str"
    problem = types[kind].check(channel)
    return ("", f": {problem}") if problem else None
