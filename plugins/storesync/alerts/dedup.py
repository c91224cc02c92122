"""De-duplication: at most one alert per (pair, DAG run, kind), claimed in the sync store's ``alert_sent`` table.

A retry or re-run of a task claims the same row and finds it taken. If no channel delivered, the claim is
released so that a retry may try again.
"""

from __future__ import annotations

import weakref
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, select, update
from sqlalchemy.exc import IntegrityError

if TYPE_CHECKING:
    from storesync.alerts.messages import Alert

# Our own MetaData: the sync store's schema module is not touched.
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
