"""The sync store's SQLAlchemy engine per URL: pooling, JSON serialisation and SQLite's WAL and lock wait.

Shared by ``SyncStore`` and the migration command, so both open a store the same way.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import StaticPool

from .types import serialize_json

__all__ = ["make_engine", "enable_wal"]


def make_engine(url: str | URL) -> Engine:
    url = make_url(url)
    if url.get_backend_name() != "sqlite":
        # pre_ping: Airflow workers keep processes for long; a server restart must not fail a task.
        return create_engine(url, pool_pre_ping=True, json_serializer=serialize_json)
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file::memory:"):
        # One shared connection, otherwise every pooled connection sees its own empty database.
        return create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False},
                             json_serializer=serialize_json)
    Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    # Parallel Airflow tasks share the file: wait for a lock rather than fail at once.
    engine = create_engine(url, connect_args={"timeout": 60}, json_serializer=serialize_json)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        # WAL lets readers run beside the one writer instead of blocking on it.
        enable_wal(dbapi_connection, wait_seconds=60)
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")

    return engine


def enable_wal(dbapi_connection, *, wait_seconds: float) -> None:
    """Switch the file to WAL, waiting for tasks that open the same new file at the same moment.

    The switch needs an exclusive lock and SQLite answers "database is locked" at once instead of
    calling the busy handler when another connection holds the file, so the connect timeout does
    not cover it. The mode is stored in the file: only the first connections ever race here.
    """
    if dbapi_connection.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
        return
    deadline = time.monotonic() + wait_seconds
    delay = 0.005
    while True:
        try:
            dbapi_connection.execute("PRAGMA journal_mode=WAL").fetchone()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() + delay > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.25)
