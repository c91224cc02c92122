"""The sandbox systems, the sync store and Airflow connections for end-to-end runs of the real DAGs.

Every integration test runs on both backends: ``sqlite`` (the embedded default: SQLite files behind the
SQLite3 ODBC driver and SQLAlchemy) and ``postgresql`` (the local server, through the PostgreSQL ODBC
driver for Sage 500 and psycopg2 for the sync store).
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, skip_or_fail

RW_KEY, RO_KEY = "it-rw-key-3f9a", "it-ro-key-77c2"
# A fixed "now" keeps seeded data and intervals deterministic: the sandbox day ends here.
END = datetime(2026, 11, 20, tzinfo=timezone.utc)
PG = {"server": "127.0.0.1", "port": 5432, "user": "postgres"}


@dataclass
class Sandbox:
    backend: str
    xcart: object
    erp_params: dict
    store_url: str

    def erp(self):
        from include.sandbox.sage500.dialects import connect

        return connect(self.backend, **self.erp_params)

    def erp_rows(self, sql: str, *params) -> list[tuple]:
        connection = self.erp()
        try:
            return [tuple(row) for row in connection.cursor().execute(sql, *params).fetchall()]
        finally:
            connection.close()

    def store(self):
        from storesync.store.store import SyncStore

        return SyncStore(self.store_url)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    if request.param == "postgresql":
        from include.sandbox.sage500.dialects import postgres_unavailable_reason

        reason = postgres_unavailable_reason(**PG)
        if reason:
            skip_or_fail(reason)
    return request.param


def start_xcart(*, orders: int, days: int = 1, seed: int = 7, clock=None, **kwargs):
    """The X-Cart emulator; with ``clock`` the storefront's "now" (stamped on every update) is pinned."""
    from include.sandbox.xcart.seed import seed_store
    from include.sandbox.xcart.server import XCartServer
    from include.sandbox.xcart.store import XCartStore

    store = XCartStore(clock=clock) if clock else XCartStore()
    seed_store(store, seed=seed, orders=orders, products=60, profiles=40, days=days, end_ts=int(END.timestamp()))
    return XCartServer(store, rw_key=RW_KEY, ro_key=RO_KEY, seed=seed, orders=orders, products=60, profiles=40,
                       days=days, end_ts=int(END.timestamp()), **kwargs).start()


@pytest.fixture
def sandbox_factory(backend, tmp_path, airflow_db, monkeypatch):
    """Builds a sandbox (X-Cart + Sage 500 + sync store) and points Airflow connections at it."""
    stack = ExitStack()

    def build(*, orders: int = 40, days: int = 1, erp_customer_share: float = 0.75, schedule: str = "@daily",
              max_bad_ratio: float | None = None, orders_options: dict | None = None, **xcart_kwargs) -> Sandbox:
        from include.sandbox.sage500.dialects import connect, temporary_database
        from include.sandbox.sage500.schema import create_schema
        from include.sandbox.sage500.seed import seed_database

        xcart = start_xcart(orders=orders, days=days, **xcart_kwargs)
        stack.callback(xcart.stop)
        base = {"directory": tmp_path} if backend == "sqlite" else dict(PG)
        erp_params = stack.enter_context(temporary_database(backend, prefix="storesync_it_erp", **base))
        store_params = stack.enter_context(temporary_database(backend, prefix="storesync_it_sync", **base))
        store_url = (f"sqlite:///{store_params['database']}" if backend == "sqlite"
                     else f"postgresql+psycopg2://postgres@127.0.0.1:5432/{store_params['database']}")
        profiles = sorted(xcart.store.list_profiles(offset=0, limit=None)[0], key=lambda p: p["profileId"])
        emails = [p["email"] for p in profiles][: int(len(profiles) * erp_customer_share)]
        connection = connect(backend, **erp_params)
        try:
            create_schema(connection, backend)
            seed_database(connection, backend, seed=7, items=60, customer_emails=emails)
            connection.commit()
        finally:
            connection.close()
        configure_airflow(monkeypatch, tmp_path, backend, xcart, erp_params, store_url, schedule, max_bad_ratio,
                          orders_options)
        return Sandbox(backend, xcart, erp_params, store_url)

    yield build
    stack.close()


def configure_airflow(monkeypatch, tmp_path: Path, backend: str, xcart, erp_params: dict, store_url: str, schedule: str,
                      max_bad_ratio: float | None = None, orders_options: dict | None = None) -> None:
    pair = yaml.safe_load((ROOT / "include" / "pairs" / "xcart-sage500.yaml").read_text())
    pair["retries"] = {"count": 1, "delay_seconds": 0.1, "exponential_backoff": 2.0, "max_delay_seconds": 1}
    pair["flows"]["orders"]["schedule"] = schedule
    if max_bad_ratio is not None:
        pair["flows"]["orders"]["max_bad_ratio"] = max_bad_ratio
    pair["flows"]["orders"].setdefault("options", {}).update(orders_options or {})
    pairs_dir = tmp_path / "pairs"
    pairs_dir.mkdir(exist_ok=True)
    (pairs_dir / "xcart-sage500.yaml").write_text(yaml.safe_dump(pair))
    monkeypatch.setenv("STORESYNC_PAIRS_DIR", str(pairs_dir))

    erp_extra = {"dialect": backend, "company_id": "SOA", "import_procedure": "sandbox", "placeholder": "?"}
    if backend == "sqlite":
        erp = {"conn_type": "sage500", "schema": erp_params["database"], "extra": {"driver": "SQLite3", **erp_extra}}
    else:
        erp = {"conn_type": "sage500", "host": "127.0.0.1", "port": 5432, "schema": erp_params["database"],
               "login": "postgres", "extra": {"driver": "PostgreSQL Unicode", **erp_extra}}
    monkeypatch.setenv("AIRFLOW_CONN_SAGE500_DEFAULT", json.dumps(erp))
    monkeypatch.setenv("AIRFLOW_CONN_XCART_DEFAULT", json.dumps(
        {"conn_type": "xcart", "host": xcart.base_url, "password": RW_KEY,
         "extra": {"read_only_api_key": RO_KEY, "page_size": 25, "max_attempts": 2}}))
    monkeypatch.setenv("AIRFLOW_CONN_STORESYNC_DB", json.dumps({"conn_type": "storesync", "extra": {"url": store_url}}))

    from storesync.config.pairs import load_pairs
    from storesync.hooks import syncstore

    load_pairs.cache_clear()
    syncstore._store_for.cache_clear()


@pytest.fixture
def flow_dag():
    """The real DAG of a flow, parsed by Airflow from its DAG file with the test's pair config."""

    def get(flow: str, erp: str = "sage500"):
        from airflow.dag_processing.dagbag import DagBag

        bag = DagBag(dag_folder=str(ROOT / "dags" / f"{flow}.py"))
        assert bag.import_errors == {}
        return bag.dags[f"{flow}__xcart__{erp}"]

    return get


@pytest.fixture
def orders_dag():
    """The real orders DAG, parsed by Airflow from dags/orders.py with the test's pair config."""

    def get():
        from airflow.dag_processing.dagbag import DagBag

        bag = DagBag(dag_folder=str(ROOT / "dags" / "orders.py"))
        assert bag.import_errors == {}
        return bag.dags["orders__xcart__sage500"]

    return get
