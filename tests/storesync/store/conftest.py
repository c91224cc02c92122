"""Sync store fixtures: every store test runs on SQLite and on PostgreSQL.

PostgreSQL tests use a throw-away database ``storesync_test_<pid>_<random>`` on the server named
by ``STORESYNC_TEST_PG_URL`` (default: the local trust-auth server). When the server cannot be
reached they are skipped with the reason, or fail when ``STORESYNC_REQUIRE_SERVICES=1`` (CI).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, delete, text
from sqlalchemy.engine import make_url

from storesync.store import SyncStore, metadata

PG_SERVER_URL = os.environ.get("STORESYNC_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")


def _services_required() -> bool:
    return os.environ.get("STORESYNC_REQUIRE_SERVICES") == "1"


class PostgresServer:
    """Creates and drops scratch databases on the test server."""

    def __init__(self, server_url: str):
        self.server_url = make_url(server_url)
        self._admin = create_engine(self.server_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})

    def reachable(self) -> str | None:
        """None when the server answers, else why not."""
        try:
            with self._admin.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # any driver/network error means "not reachable"
            return f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
        return None

    def create_database(self, prefix: str = "storesync_test") -> str:
        name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
        with self._admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        return self.server_url.set(database=name).render_as_string(hide_password=False)

    def drop_database(self, url: str) -> None:
        name = make_url(url).database
        with self._admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def dispose(self) -> None:
        self._admin.dispose()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    server = PostgresServer(PG_SERVER_URL)
    problem = server.reachable()
    if problem is not None:
        server.dispose()
        message = f"PostgreSQL not reachable at {make_url(PG_SERVER_URL).render_as_string()}: {problem}"
        if _services_required():
            pytest.fail(f"{message} (STORESYNC_REQUIRE_SERVICES=1)")
        pytest.skip(message)
    yield server
    server.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    return request.param


@pytest.fixture
def fresh_url(backend, tmp_path, request) -> Iterator[str]:
    """URL of a brand-new, empty database of the current backend."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'sync.db'}"
        return
    server = request.getfixturevalue("pg_server")
    url = server.create_database()
    try:
        yield url
    finally:
        server.drop_database(url)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_store(request, tmp_path_factory) -> Iterator[SyncStore]:
    """One store per backend and test module (creating tables per test would be slow)."""
    if request.param == "sqlite":
        store = SyncStore(f"sqlite:///{tmp_path_factory.mktemp('store') / 'sync.db'}")
        store.create_all()
        yield store
        store.close()
        return
    server = request.getfixturevalue("pg_server")
    url = server.create_database()
    store = SyncStore(url)
    try:
        store.create_all()
        yield store
    finally:
        store.close()
        server.drop_database(url)


@pytest.fixture
def store(module_store) -> SyncStore:
    """The module's store, emptied before each test."""
    with module_store.engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(delete(table))
    return module_store
