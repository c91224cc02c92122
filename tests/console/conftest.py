"""Fixtures of the ops console tests: a sync store with runs, DLQ items and a reconciled day, and Airflow's own
simple auth manager issuing real JWTs (an admin "ops" and a "viewer")."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

# Half past the current hour: the store stamps DLQ items and runs with the real time, which must fall in the
# console's windows around NOW.
NOW = datetime.now(timezone.utc).replace(minute=30, second=0, microsecond=0)
PAIR = "xcart-sage500"


def seed_store(store, *, now: datetime = NOW, pair: str = PAIR) -> dict:
    """Runs of a healthy orders flow (hourly, last one 30 min ago), DLQ items, and a reconciled day."""
    store.create_all()
    for hours_ago in range(6, 0, -1):
        end = now.replace(minute=0) - timedelta(hours=hours_ago - 1)
        run_id = f"scheduled__{end:%Y-%m-%dT%H}"
        store.start_run(pair, "orders", run_id, dag_id="orders__xcart__sage500",
                        interval_start=end - timedelta(hours=1), interval_end=end)
        store.finish_run(pair, "orders", run_id, counts={"extracted": 10 + hours_ago, "loaded": 9 + hours_ago,
                                                         "skipped": 0, "held": 0, "dlq": 1, "unaccounted": 0})
    ids = {
        "bad_sku": store.quarantine(pair, "orders", "order", "1001", "load", "unknown_item", "item SKU-X unknown",
                                    payload={"orderId": 1001, "notes": "card 4111 1111 1111 1111",
                                             "api_key": "sk_live_abc", "total": Decimal("12.50")},
                                    dag_id="orders__xcart__sage500", run_id="scheduled__a"),
        "blocked": store.quarantine(pair, "orders", "order", "1002", "load", "customer_blocked", "customer on hold",
                                    payload={"orderId": 1002}, dag_id="orders__xcart__sage500",
                                    run_id="scheduled__b"),
        "held": store.quarantine(pair, "orders", "order", "1003", "transform", "held_review", "held for review",
                                 payload={"orderId": 1003}, state="held"),
        "stock": store.quarantine(pair, "inventory", "stock", "SKU-9", "transform:canonical", "negative_stock",
                                  "negative stock", payload={"sku": "SKU-9"}),
    }
    day = (now - timedelta(days=1)).date()
    line = {"line_no": 1, "kind": "order", "status": "matched", "line_key": "order:1", "reason": "",
            "store_order_id": "1", "currency": "USD", "store_total": Decimal("10.00"), "erp_total": Decimal("10.00")}
    missing = {**line, "line_no": 2, "status": "missing_in_erp", "line_key": "order:2", "store_order_id": "2",
               "reason": "no ERP document", "erp_total": None}
    store.replace_reconciliation(pair, day, [line, missing], run={
        "dag_id": "reconciliation__xcart__sage500", "run_id": "r1", "lines": 2, "exceptions": 1,
        "counts": {"by_status": {"matched": 1, "missing_in_erp": 1}}, "files": None})
    return {"dlq": ids, "recon_day": day}


@pytest.fixture()
def store(tmp_path):
    from storesync.store.store import SyncStore

    the_store = SyncStore(f"sqlite:///{tmp_path / 'sync.db'}")
    yield the_store
    the_store.close()


@pytest.fixture()
def seeded(store):
    return seed_store(store)


@pytest.fixture(scope="session")
def auth_manager(airflow_db):
    """Airflow's simple auth manager with users ops (admin) and viewer (viewer). Token checks look up revoked
    tokens in Airflow's metadata database: it must be migrated. Set only when a console test needs it."""
    os.environ.setdefault("AIRFLOW__API_AUTH__JWT_SECRET", "console-tests-jwt-secret-not-for-production-" + "x" * 40)
    os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"] = "ops:admin,viewer:viewer"
    os.environ["AIRFLOW__CORE__AUTH_MANAGER"] = (
        "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager")
    from airflow.api_fastapi.app import create_auth_manager

    manager = create_auth_manager()
    manager.init()
    return manager


@pytest.fixture(scope="session")
def tokens(auth_manager) -> dict[str, str]:
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    return {name: auth_manager.generate_jwt(SimpleAuthManagerUser(username=name, role=role))
            for name, role in (("ops", "admin"), ("viewer", "viewer"))}
