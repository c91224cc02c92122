"""Fixtures the Acumatica emulator's tests share; each test module still starts its own ``server`` (seeds and limits
differ per module) and may override ``api`` where it needs a different client."""

from __future__ import annotations

import pytest

from tests.sandbox.acumatica.api import Api, FakeClock


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def api(server):
    """A logged-in client against the module's ``server``, logged out afterwards (frees its licence session)."""
    client = Api(server)
    yield client
    client.logout()
