"""Fault injection for the Sage 500 sandbox: real lock contention, taken through a second ODBC connection.

Nothing is mocked: a separate connection takes a write lock and keeps its transaction open, so the
pipeline's own statements meet what they would meet on a busy ERP database:

- SQLite (embedded default): ``BEGIN EXCLUSIVE`` locks the whole database file, readers included (the
  sandbox uses SQLite's default rollback journal). The pipeline's SQLite3 ODBC driver waits up to its
  ``Timeout`` (milliseconds, connection attribute; the driver's default is 100000) and then fails with
  SQLSTATE HY000 "database is locked". It waits that long when connecting too (and then connects anyway),
  so a statement on a fresh connection gives up after about twice the ``Timeout``.
- PostgreSQL (CI): ``LOCK TABLE <table> IN ACCESS EXCLUSIVE MODE`` (default ``tsoSalesOrder``, which the
  loader reads first) blocks every statement that touches the table. The pipeline only gives up if it has
  a ``lock_timeout``: the psqlODBC connection attribute ``ConnSettings=SET lock_timeout TO 2000`` runs at
  connect (as a Sage 500 connection extra: ``{"ConnSettings": "SET lock_timeout TO 2000"}``); the driver
  then reports PostgreSQL's own SQLSTATE 55P03 "canceling statement due to lock timeout".

``storesync.hooks.errors.classify_odbc_error`` classifies both as ``TransientError``: the task retries.

    with hold_lock("sqlite", {"database": path}, seconds=3):   # held 3 s, or until the block ends
        ...

    holder = LockHolder("postgresql", params, seconds=5).start()   # background: returns once the lock is held
    holder.wait()                                                  # until it is released

Command line: ``python -m include.sandbox.sage500 lock --seconds N …connection options…``.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from .dialects import connect, get_dialect

DEFAULT_TABLE = "tsoSalesOrder"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")


class LockHolder:
    """Holds a write lock on a sandbox database from a background thread.

    ``start()`` returns once the lock is held (or raises what prevented it). The lock is released after
    ``seconds`` (None: until ``release()``), or at ``release()``, whichever comes first.
    ``acquired_at`` / ``released_at`` are ``time.monotonic()`` stamps.
    """

    def __init__(self, dialect: str, params: Mapping[str, Any], seconds: float | None = None, *,
                 table: str = DEFAULT_TABLE, acquire_timeout: float = 60.0) -> None:
        self.dialect = get_dialect(dialect).name
        if self.dialect not in ("sqlite", "postgresql"):
            raise NotImplementedError(f"lock injection exists for sqlite and postgresql, not {self.dialect}")
        if not _IDENTIFIER.match(table):
            raise ValueError(f"table {table!r} is not a plain identifier")
        if seconds is not None and seconds < 0:
            raise ValueError("seconds must not be negative")
        self.params = dict(params)
        self.seconds = seconds
        self.table = table
        self.acquire_timeout = acquire_timeout
        self.acquired_at: float | None = None
        self.released_at: float | None = None
        self.error: BaseException | None = None
        self._acquired = threading.Event()
        self._release = threading.Event()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def statement(self) -> str:
        if self.dialect == "sqlite":
            return "BEGIN EXCLUSIVE"
        return f"LOCK TABLE {self.table} IN ACCESS EXCLUSIVE MODE"

    @property
    def held(self) -> bool:
        return self._acquired.is_set() and not self._done.is_set()

    @property
    def held_seconds(self) -> float | None:
        if self.acquired_at is None:
            return None
        return (self.released_at or time.monotonic()) - self.acquired_at

    def start(self) -> LockHolder:
        if self._thread is not None:
            raise RuntimeError("lock holder already started")
        self._thread = threading.Thread(target=self._hold, name=f"sage500-lock-{self.dialect}", daemon=True)
        self._thread.start()
        if not self._acquired.wait(self.acquire_timeout):
            self._release.set()
            raise TimeoutError(f"could not take the lock within {self.acquire_timeout:.0f}s")
        if self.error is not None:
            raise self.error
        return self

    def release(self, *, wait: bool = True) -> None:
        """Release now (if still held); by default wait until the lock is gone."""
        self._release.set()
        if wait:
            self.wait()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the lock has been released; False on timeout."""
        if self._thread is None:
            return True
        return self._done.wait(timeout)

    def _hold(self) -> None:
        connection = None
        try:
            if self.dialect == "sqlite":
                # Autocommit, so the driver adds no BEGIN of its own; ours opens the exclusive transaction.
                connection = connect("sqlite", autocommit=True, **self.params)
            else:
                connection = connect("postgresql", autocommit=False, **self.params)
            connection.cursor().execute(self.statement)
            self.acquired_at = time.monotonic()
        except BaseException as exc:  # noqa: BLE001 - reported to start()
            self.error = exc
            self._acquired.set()
            self._close(connection, rollback=False)
            self._done.set()
            return
        self._acquired.set()
        try:
            self._release.wait(self.seconds)
        finally:
            self._close(connection, rollback=True)
            self.released_at = time.monotonic()
            self._done.set()

    def _close(self, connection, *, rollback: bool) -> None:
        if connection is None:
            return
        try:
            if rollback:
                if self.dialect == "sqlite":
                    connection.cursor().execute("ROLLBACK")
                else:
                    connection.rollback()
        finally:
            connection.close()


@contextmanager
def hold_lock(dialect: str, params: Mapping[str, Any], seconds: float | None = None, *,
              table: str = DEFAULT_TABLE) -> Iterator[LockHolder]:
    """Hold a write lock while the block runs: released after ``seconds`` or when the block ends."""
    holder = LockHolder(dialect, params, seconds, table=table).start()
    try:
        yield holder
    finally:
        holder.release()
