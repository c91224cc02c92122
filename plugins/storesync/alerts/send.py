"""Sending one alert: claim it (de-duplication), log it, hand it to every channel, record the outcome."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from storesync.alerts import dedup
from storesync.alerts.delivery import AlertDeliveryError, build_channels
from storesync.alerts.messages import KINDS, Alert, scrub

log = logging.getLogger(__name__)


@dataclass
class SendResult:
    alert: Alert
    suppressed: bool = False
    delivered: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def _engine_for(pair_config):
    from storesync.hooks.syncstore import SyncStoreHook

    return SyncStoreHook(pair_config.store_conn_id).get_store().engine


def send_alert(alert: Alert, pair_config, *, channels: Sequence | None = None, engine=None) -> SendResult:
    """Log the alert at WARNING and send it through the pair's channels, once per (pair, run, kind)."""
    if alert.kind not in KINDS:
        raise ValueError(f"unknown alert kind {alert.kind!r}; valid: {', '.join(KINDS)}")
    alert = alert.scrubbed()
    result = SendResult(alert)
    try:
        engine = engine if engine is not None else _engine_for(pair_config)
        claimed = dedup.claim(engine, alert)
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
                dedup.release(engine, alert)  # nothing got out: a retry may try again
            else:
                dedup.record_channels(engine, alert, len(result.delivered))
        except Exception as exc:  # noqa: BLE001
            log.warning("could not record alert [%s]: %s", alert.kind, type(exc).__name__)
    return result
