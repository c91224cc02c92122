"""A locked Sage 500 database: the load task's statements time out, the error is classified transient (not
a DLQ entry), Airflow retries the task and the retry loads every order once.

The lock is real (a second ODBC connection: SQLite ``BEGIN EXCLUSIVE`` / PostgreSQL ``LOCK TABLE``, see
``include.sandbox.sage500.faults``); the test only times it: taken as the load's first attempt starts,
released once that attempt has failed, so the retry finds the database free.
"""

from __future__ import annotations

import json
import os

import pytest

from tests.integration.conftest import END

pytestmark = pytest.mark.integration

LOCK_WAIT_MS = 500


def bound_the_lock_wait(monkeypatch, backend: str) -> None:
    """The Sage 500 connection's own driver attribute for how long a statement waits for a lock."""
    erp = json.loads(os.environ["AIRFLOW_CONN_SAGE500_DEFAULT"])
    if backend == "sqlite":
        erp["extra"]["Timeout"] = LOCK_WAIT_MS
    else:
        erp["extra"]["ConnSettings"] = f"SET lock_timeout TO {LOCK_WAIT_MS}"
    monkeypatch.setenv("AIRFLOW_CONN_SAGE500_DEFAULT", json.dumps(erp))


def test_a_locked_sage500_makes_the_load_task_retry_and_then_load_every_order_once(sandbox_factory, orders_dag,
                                                                                   monkeypatch):
    from include.sandbox.sage500.faults import LockHolder
    from storesync.systems.sage500.adapter import Sage500Adapter
    from storesync.hooks.errors import TransientError

    sandbox = sandbox_factory(orders=30)
    bound_the_lock_wait(monkeypatch, sandbox.backend)
    attempts: list[BaseException | None] = []
    original_load = Sage500Adapter.load

    def load_meeting_a_lock(self, *args, **kwargs):
        if attempts:  # the retry: the database is free again
            attempts.append(None)
            return original_load(self, *args, **kwargs)
        holder = LockHolder(sandbox.backend, sandbox.erp_params).start()
        try:
            return original_load(self, *args, **kwargs)
        except BaseException as exc:
            attempts.append(exc)
            raise
        finally:
            holder.release()

    monkeypatch.setattr(Sage500Adapter, "load", load_meeting_a_lock)
    dag_run = orders_dag().test(logical_date=END)

    assert str(dag_run.state) == "success"
    assert len(attempts) == 2, "one failed attempt under the lock, one retry"
    first = attempts[0]
    assert type(first) is TransientError, f"a lock is transient, not {type(first).__name__}: {first}"
    assert ("database is locked" if sandbox.backend == "sqlite" else "lock timeout") in str(first)
    load = dag_run.get_task_instance("load")
    assert str(load.state) == "success" and load.try_number == 2

    refs = [row[0].strip() for row in sandbox.erp_rows("SELECT UserFld1 FROM tsoSalesOrder WHERE UserFld1 LIKE 'XC-%'")]
    orders = sandbox.xcart.store.list_orders(offset=0, limit=None)[0]
    assert sorted(refs) == sorted(f"XC-{o['orderId']}" for o in orders), "every order loaded exactly once"
    assert sandbox.store().list_dlq(flow="orders") == [], "a lock sends nothing to the dead-letter queue"
