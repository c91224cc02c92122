"""A database restart mid-load is transient everywhere (issue 14, finding 6): the sync store's PostgreSQL backend
terminated in the middle of a load (``pg_terminate_backend``: the server's side of a restart, 57P01 "terminating
connection due to administrator command", without stopping the server other tests use) fails the task with a
``TransientError``, so Airflow retries it, and the retry loads every record once; the ERP hook's ODBC connection
(psqlODBC) terminated the same way is classified transient as well, never a record's or the run's fault.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, event, text

from tests.storesync.operators.overlap_load import PAIR, DocumentTable, scope, stage
from tests.storesync.store.conftest import PG_SERVER_URL, fresh_url, pg_server  # noqa: F401  (fixtures)


@pytest.fixture
def backend() -> str:
    return "postgresql"


def terminate(pid: int) -> None:
    admin = create_engine(PG_SERVER_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    finally:
        admin.dispose()


@pytest.mark.parametrize("moment", ["the 12th statement", "INSERT INTO xref"])
def test_the_store_terminated_mid_load_is_transient_and_the_retry_loads_every_record_once(fresh_url, tmp_path, moment):
    from storesync.hooks.errors import PermanentRunError, TransientError
    from storesync.operators.load import LoadOperator
    from storesync.store import SyncStore

    store = SyncStore(fresh_url)
    store.create_all()
    keys = [str(n) for n in range(1, 31)]
    stage(store, "run", keys)
    target = DocumentTable(tmp_path / "erp.db")
    statements = {"count": 0, "terminated": False}

    @event.listens_for(store.engine, "before_cursor_execute")
    def restart_once(conn, cursor, statement, parameters, context, executemany):
        # The 12th statement of the load, or the first cross-reference written (the target has created the batch's
        # documents, the store has not recorded them), runs on a connection the server has just terminated.
        statements["count"] += 1
        now = statements["count"] == 12 if moment == "the 12th statement" else statement.startswith(moment)
        if now and not statements["terminated"]:
            statements["terminated"] = True
            terminate(conn.connection.dbapi_connection.get_backend_pid())

    class Load(LoadOperator):
        def scope(self, context):
            found = scope(store, target, "run")
            found.close = lambda: None
            return found

    operator = Load(task_id="load", pair_name=PAIR, flow_name="payments")
    with pytest.raises(Exception) as failed:
        operator.execute({})
    print(f"\nfirst attempt: {type(failed.value).__name__}: {str(failed.value).splitlines()[0][:200]}")
    assert type(failed.value) is TransientError and not isinstance(failed.value, PermanentRunError)
    assert any(said in str(failed.value) for said in ("terminating connection", "57P01", "closed the connection"))

    counts = operator.execute({})  # Airflow's retry of the task
    documents = target.documents_by_ref()
    duplicates = sum(n - 1 for n in documents.values() if n > 1)
    lost = [key for key in keys if documents[f"XP-{key}"] == 0]
    print(f"attempted {len(keys)}, loaded {len(documents)}, duplicates {duplicates}, lost {len(lost)}, "
          f"DLQ {len(store.list_dlq(pair=PAIR, state=('open', 'held')))}; retry counts {counts}")
    assert duplicates == 0 and not lost
    assert sorted(store.get_xref(PAIR, "payment", keys)) == sorted(keys)
    assert counts["held"] == 0, "the failed attempt let its claims go: the retry waits for no lease"
    store.close()


def test_an_erp_odbc_connection_terminated_by_the_server_is_transient(fresh_url):
    from sqlalchemy.engine import make_url

    from include.sandbox.sage500.dialects import connect
    from storesync.hooks.errors import TransientError, classify_odbc_error

    url = make_url(fresh_url)
    connection = connect("postgresql", server=url.host, port=url.port or 5432, user=url.username or "postgres",
                         database=url.database)
    try:
        pid = connection.cursor().execute("SELECT pg_backend_pid()").fetchone()[0]
        terminate(pid)
        with pytest.raises(Exception) as caught:
            connection.cursor().execute("SELECT 1").fetchall()
    finally:
        try:
            connection.close()
        except Exception:  # noqa: BLE001 - the connection is gone already
            pass
    error = classify_odbc_error(caught.value, context="Sage 500 sales order import")
    print(f"\npsqlODBC after pg_terminate_backend: {caught.value.args[:2]} -> {type(error).__name__}")
    assert type(error) is TransientError
