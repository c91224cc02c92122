"""Helpers of the Intacct connector's tests: a hand-moved clock, a connection naming the emulator, fast retries."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from include.sandbox.intacct import IntacctServer
from storesync.hooks.retry import RetryPolicy

CONN_ID = "intacct_test"


class FakeClock:
    """The emulator's UTC clock, moved by hand (session timeouts, WHENMODIFIED stamps)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 7, 10, 0, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def connect(monkeypatch, server: IntacctServer, *, user_password: str | None = None,
            sender_password: str | None = None, **extra) -> None:
    """Point the connection ``intacct_test`` at ``server`` (an ``AIRFLOW_CONN_*`` variable, as tasks see it)."""
    extras = {"sender_id": server.sender_id, "sender_password": sender_password or server.sender_password,
              "company_id": next(iter(server.companies)), **extra}
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", json.dumps({
        "conn_type": "intacct", "host": server.endpoint, "login": server.user_id,
        "password": user_password or server.user_password, "extra": extras}))


class Waits(list):
    """A RetryPolicy's sleep that records what it was asked to wait, and can run something while "waiting"."""

    def __init__(self, during=None) -> None:
        super().__init__()
        self.during = during

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
        if self.during is not None:
            self.during()


def fast_retry(waits: Waits | None = None, **kwargs) -> RetryPolicy:
    return RetryPolicy(**{"max_attempts": 3, "base_delay": 0.001, "sleep": waits if waits is not None else Waits(),
                          **kwargs})