"""Fixtures of the Intacct emulator's conformance tests: a small seeded company on a free loopback port."""

from __future__ import annotations

import pytest

from include.sandbox.intacct import IntacctServer
from tests.sandbox.intacct.api import Client, FakeClock


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def server(clock):
    with IntacctServer(items=6, customers=4, clock=clock, sleep=lambda seconds: None) as running:
        yield running


@pytest.fixture
def client(server):
    return Client(server)
