"""The sandbox systems, the sync store and Airflow connections for end-to-end runs of the real DAGs.

Integration tests run on two backends: ``sqlite`` (the embedded default: SQLite files behind the SQLite3 ODBC
driver and SQLAlchemy) and ``postgresql`` (the local server, through the PostgreSQL ODBC driver for Sage 500
and psycopg2 for the sync store).

The PostgreSQL variant runs where it adds information: wherever PostgreSQL stands behind the ERP (Sage 500's
SQL differs per flow and must hold on both drivers) and for tests marked ``sync_store_semantics`` (money
documents found again through the store's cross-references). An HTTP ERP's run on PostgreSQL differs from its
SQLite run only in the sync store, which ``tests/storesync/store`` covers on both backends and the Sage 500
variants cover end to end; those variants are left out (``STORESYNC_ALL_BACKENDS=1`` runs them too).
"""

from __future__ import annotations

import json
import os
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


HTTP_ERP_SANDBOXES = ("acumatica_sandbox_factory", "intacct_sandbox_factory")
HTTP_ERPS = ("acumatica", "intacct")


def runs_an_http_erp(item) -> bool:
    params = getattr(getattr(item, "callspec", None), "params", {})
    return (any(name in item.fixturenames for name in HTTP_ERP_SANDBOXES)
            or params.get("erp_factory") in HTTP_ERPS or params.get("erp_name") in HTTP_ERPS)


def apply_backend_and_gap_rules(config, items) -> None:
    """Leave out the PostgreSQL variants that add no information (module docstring); mark the shared
    scenarios an ERP does not pass yet (``erp_drivers.KNOWN_GAPS``) xfail, strictly. Called by the root
    conftest's collection hook, so the rules hold for every test using these fixtures (tests/chaos too), also
    when tests/integration itself is not collected."""
    from tests.integration.erp_drivers import KNOWN_GAPS

    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        erp = params.get("erp_factory") or params.get("erp_name")
        reason = KNOWN_GAPS.get(erp, {}).get(getattr(item, "originalname", item.name))
        if reason:
            item.add_marker(pytest.mark.xfail(strict=True, reason=f"{erp}: {reason}"))
    if os.environ.get("STORESYNC_ALL_BACKENDS") == "1":
        return
    left_out = [item for item in items
                if getattr(getattr(item, "callspec", None), "params", {}).get("backend") == "postgresql"
                and runs_an_http_erp(item) and not item.get_closest_marker("sync_store_semantics")]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        dropped = set(map(id, left_out))
        items[:] = [item for item in items if id(item) not in dropped]


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


# -- X-Cart + Acumatica ---------------------------------------------------------------------------------------

ACUMATICA_USER, ACUMATICA_PASSWORD, ACUMATICA_TENANT = "it-api-user", "it-acu-pass-5b1e", "Company"


@dataclass
class AcumaticaSandbox:
    backend: str
    xcart: object
    acumatica: object  # the in-process AcumaticaServer; .store is its AcumaticaStore
    store_url: str

    def store(self):
        from storesync.store.store import SyncStore

        return SyncStore(self.store_url)


def write_pair_copy(pairs_dir: Path, name: str, *, schedule: str, max_bad_ratio: float | None = None,
                    orders_options: dict | None = None) -> None:
    """A copy of ``include/pairs/<name>.yaml`` with tiny retries and the orders flow's knobs (when it has one)."""
    source = ROOT / "include" / "pairs" / f"{name}.yaml"
    if not source.exists():
        return
    pair = yaml.safe_load(source.read_text()) or {}
    pair["retries"] = {"count": 1, "delay_seconds": 0.1, "exponential_backoff": 2.0, "max_delay_seconds": 1}
    orders = (pair.get("flows") or {}).get("orders")
    if orders is not None:
        orders["schedule"] = schedule
        if max_bad_ratio is not None:
            orders["max_bad_ratio"] = max_bad_ratio
        orders.setdefault("options", {}).update(orders_options or {})
    pairs_dir.mkdir(exist_ok=True)
    (pairs_dir / f"{name}.yaml").write_text(yaml.safe_dump(pair))


@pytest.fixture
def acumatica_sandbox_factory(backend, tmp_path, airflow_db, monkeypatch):
    """Builds X-Cart + an in-process Acumatica emulator + the sync store, and points Airflow connections at them.

    The emulator is seeded like the Sage 500 sandbox of ``sandbox_factory`` (seed 7, 60 items: the X-Cart
    catalogue's SKUs) and knows ``erp_customer_share`` of the storefront's customers by e-mail. ``clock`` pins
    the storefront's "now"; ``erp_clock`` the ERP's (``LastModifiedDateTime`` of ERP-side changes; default: the
    storefront's clock when given, else real time). Licence limits: ``requests_per_minute`` (also the
    connection's budget, one task at a time), ``max_sessions``, ``max_concurrent``, ``latency_ms``.
    """
    stack = ExitStack()

    def build(*, orders: int = 40, days: int = 1, erp_customer_share: float = 0.75, schedule: str = "@daily",
              max_bad_ratio: float | None = None, orders_options: dict | None = None, erp_clock=None,
              requests_per_minute: int = 0, max_sessions: int = 2, max_concurrent: int = 3, latency_ms: int = 0,
              **xcart_kwargs) -> AcumaticaSandbox:
        import time

        from include.sandbox.acumatica import AcumaticaServer, AcumaticaStore, Limits, seed_store
        from include.sandbox.sage500.dialects import temporary_database

        xcart = start_xcart(orders=orders, days=days, **xcart_kwargs)
        stack.callback(xcart.stop)
        profiles = sorted(xcart.store.list_profiles(offset=0, limit=None)[0], key=lambda p: p["profileId"])
        emails = [p["email"] for p in profiles][: int(len(profiles) * erp_customer_share)]
        erp_store = AcumaticaStore(clock=erp_clock or xcart_kwargs.get("clock") or time.time)
        seed_store(erp_store, seed=7, items=60, customer_emails=emails)
        limits = Limits(requests_per_minute=requests_per_minute, max_sessions=max_sessions,
                        max_concurrent=max_concurrent, latency_ms=latency_ms)
        acumatica = AcumaticaServer(erp_store, username=ACUMATICA_USER, password=ACUMATICA_PASSWORD,
                                    tenant=ACUMATICA_TENANT, seed=7, items=60, customer_emails=emails,
                                    limits=limits).start()
        stack.callback(acumatica.stop)
        base = {"directory": tmp_path} if backend == "sqlite" else dict(PG)
        store_params = stack.enter_context(temporary_database(backend, prefix="storesync_it_sync", **base))
        store_url = (f"sqlite:///{store_params['database']}" if backend == "sqlite"
                     else f"postgresql+psycopg2://postgres@127.0.0.1:5432/{store_params['database']}")

        pairs_dir = tmp_path / "pairs"
        for name in ("xcart-sage500", "xcart-acumatica"):
            write_pair_copy(pairs_dir, name, schedule=schedule, max_bad_ratio=max_bad_ratio,
                            orders_options=orders_options)
        monkeypatch.setenv("STORESYNC_PAIRS_DIR", str(pairs_dir))
        extra = {"tenant": ACUMATICA_TENANT, "page_size": 25, "max_attempts": 2, "retry_base_delay": 0.01,
                 "max_rate_limit_wait": 90}
        if requests_per_minute:
            extra.update(requests_per_minute=requests_per_minute, max_concurrency=1)  # dag.test runs one task at a time
        monkeypatch.setenv("AIRFLOW_CONN_ACUMATICA_DEFAULT", json.dumps(
            {"conn_type": "acumatica", "host": acumatica.base_url, "login": ACUMATICA_USER,
             "password": ACUMATICA_PASSWORD, "extra": extra}))
        connect_storefront_and_store(monkeypatch, xcart, store_url)
        return AcumaticaSandbox(backend, xcart, acumatica, store_url)

    yield build
    stack.close()


# -- X-Cart + Sage Intacct ------------------------------------------------------------------------------------

INTACCT_COMPANY = "storesync-it"


@dataclass
class IntacctSandbox:
    backend: str
    xcart: object
    intacct: object  # the in-process IntacctServer; .store() is its CompanyStore, .companies[...].lock guards it
    store_url: str
    company: str = INTACCT_COMPANY

    def store(self):
        from storesync.store.store import SyncStore

        return SyncStore(self.store_url)


@pytest.fixture
def intacct_sandbox_factory(backend, tmp_path, airflow_db, monkeypatch):
    """Builds X-Cart + an in-process Sage Intacct emulator + the sync store, and points Airflow connections at them.

    The emulator is seeded like the other ERP sandboxes (seed 7, 60 items: the X-Cart catalogue's SKUs) and
    knows ``erp_customer_share`` of the storefront's customers by e-mail. ``erp_clock`` pins the ERP's clock
    (``WHENMODIFIED`` of ERP-side changes; default: the storefront's clock when given, else real time).
    """
    stack = ExitStack()

    def build(*, orders: int = 40, days: int = 1, erp_customer_share: float = 0.75, schedule: str = "@daily",
              max_bad_ratio: float | None = None, orders_options: dict | None = None, erp_clock=None,
              **xcart_kwargs) -> IntacctSandbox:
        from include.sandbox.intacct import IntacctServer
        from include.sandbox.sage500.dialects import temporary_database

        xcart = start_xcart(orders=orders, days=days, **xcart_kwargs)
        stack.callback(xcart.stop)
        profiles = sorted(xcart.store.list_profiles(offset=0, limit=None)[0], key=lambda p: p["profileId"])
        emails = [p["email"] for p in profiles][: int(len(profiles) * erp_customer_share)]
        unix_clock = erp_clock or xcart_kwargs.get("clock")  # unix seconds, as the other sandboxes' clocks
        clock = (lambda: datetime.fromtimestamp(unix_clock(), timezone.utc)) if unix_clock else None
        intacct = IntacctServer(companies=(INTACCT_COMPANY,), seed=7, items=60, customers=40, customer_emails=emails,
                                clock=clock).start()
        stack.callback(intacct.stop)
        base = {"directory": tmp_path} if backend == "sqlite" else dict(PG)
        store_params = stack.enter_context(temporary_database(backend, prefix="storesync_it_sync", **base))
        store_url = (f"sqlite:///{store_params['database']}" if backend == "sqlite"
                     else f"postgresql+psycopg2://postgres@127.0.0.1:5432/{store_params['database']}")

        pairs_dir = tmp_path / "pairs"
        for name in ("xcart-sage500", "xcart-intacct"):
            write_pair_copy(pairs_dir, name, schedule=schedule, max_bad_ratio=max_bad_ratio,
                            orders_options=orders_options)
        monkeypatch.setenv("STORESYNC_PAIRS_DIR", str(pairs_dir))
        monkeypatch.setenv("AIRFLOW_CONN_INTACCT_DEFAULT", json.dumps(
            {"conn_type": "intacct", "host": intacct.endpoint, "login": intacct.user_id,
             "password": intacct.user_password,
             "extra": {"sender_id": intacct.sender_id, "sender_password": intacct.sender_password,
                       "company_id": INTACCT_COMPANY, "page_size": 25, "max_attempts": 2, "retry_base_delay": 0.01,
                       "throttle_base_delay": 0.01, "max_rate_limit_wait": 90}}))
        connect_storefront_and_store(monkeypatch, xcart, store_url)
        return IntacctSandbox(backend, xcart, intacct, store_url)

    yield build
    stack.close()


def connect_storefront_and_store(monkeypatch, xcart, store_url: str) -> None:
    """The X-Cart and sync-store connections of an HTTP ERP's sandbox, and no cached pair or store left over."""
    monkeypatch.setenv("AIRFLOW_CONN_XCART_DEFAULT", json.dumps(
        {"conn_type": "xcart", "host": xcart.base_url, "password": RW_KEY,
         "extra": {"read_only_api_key": RO_KEY, "page_size": 25, "max_attempts": 2}}))
    monkeypatch.setenv("AIRFLOW_CONN_STORESYNC_DB", json.dumps({"conn_type": "storesync", "extra": {"url": store_url}}))

    from storesync.config.pairs import load_pairs
    from storesync.hooks import syncstore

    load_pairs.cache_clear()
    syncstore._store_for.cache_clear()
