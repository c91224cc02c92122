"""Fixtures of the Intacct connector's tests: the real emulator on a loopback port, a connection naming it."""

from __future__ import annotations

import pytest

from include.sandbox.intacct import IntacctServer
from storesync.systems.intacct.hook import IntacctHook
from tests.storesync.systems.intacct.support import CONN_ID, FakeClock, connect, fast_retry


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server(clock):
    # The emulator's sleep serves injected latency and held answers; tests move time instead of waiting.
    with IntacctServer(items=6, customers=8, clock=clock, sleep=lambda seconds: None) as running:
        yield running


@pytest.fixture
def client(monkeypatch, server):
    connect(monkeypatch, server)
    return IntacctHook(CONN_ID).get_client(retry=fast_retry())
