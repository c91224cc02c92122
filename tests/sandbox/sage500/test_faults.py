"""Sage 500 sandbox fault injection: real lock contention through a second ODBC connection, seen by the
pipeline's hook as a classified, retriable error (SQLite3 and PostgreSQL ODBC drivers)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from include.sandbox.sage500.dialects import (
    connect,
    temporary_database,
)
from include.sandbox.sage500.faults import LockHolder, hold_lock
from include.sandbox.sage500.schema import create_schema
from storesync.hooks.errors import TransientError, classify_odbc_error
from tests.sandbox.sage500.servers import server_params as _server_params

REPO = Path(__file__).resolve().parents[3]
LOCK_WAIT_MS = 400  # how long the pipeline side waits for a lock before it gives up


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request, tmp_path):
    """(dialect, connection params) of a fresh database with the Sage 500 schema."""
    dialect = request.param
    with temporary_database(dialect, directory=tmp_path, prefix="sage500_faults", **_server_params(dialect)) as params:
        connection = connect(dialect, **params)
        create_schema(connection, dialect)
        connection.commit()
        connection.close()
        yield dialect, params


def pipeline_extra(dialect: str) -> dict:
    """The Sage 500 connection extras that bound the pipeline's wait for a lock (driver attributes)."""
    base = {"dialect": dialect, "company_id": "SOA", "import_procedure": "sandbox", "placeholder": "?"}
    if dialect == "sqlite":
        return {**base, "driver": "SQLite3", "Timeout": LOCK_WAIT_MS}
    return {**base, "driver": "PostgreSQL Unicode", "ConnSettings": f"SET lock_timeout TO {LOCK_WAIT_MS}"}


@pytest.fixture
def hook(database, monkeypatch):
    from storesync.systems.sage500.hook import Sage500Hook

    dialect, params = database
    connection = {"conn_type": "sage500", "schema": params["database"], "extra": pipeline_extra(dialect)}
    if dialect == "postgresql":
        connection.update(host=params["server"], port=params["port"], login=params["user"])
        if params.get("password"):
            connection["password"] = params["password"]
    monkeypatch.setenv("AIRFLOW_CONN_SAGE500_FAULTS", json.dumps(connection))
    return Sage500Hook("sage500_faults")


def count_sales_orders(hook) -> int:
    with hook.transaction("count sales orders") as connection:
        return hook.fetch_all(connection, "SELECT COUNT(*) AS n FROM tsoSalesOrder")[0]["n"]


def test_a_held_lock_makes_the_hooks_statement_fail_as_a_transient_error(database, hook):
    dialect, params = database
    with hold_lock(dialect, params) as holder:
        assert holder.held
        started = time.monotonic()
        with pytest.raises(TransientError) as raised:
            count_sales_orders(hook)
        waited = time.monotonic() - started
    assert waited >= LOCK_WAIT_MS / 1000 * 0.9, "the driver waited for the lock before giving up"
    message = str(raised.value)
    assert ("database is locked" in message) if dialect == "sqlite" else ("55P03" in message and "lock timeout" in message)
    assert not holder.held
    assert count_sales_orders(hook) == 0, "once the lock is gone the same statement succeeds"


def test_the_drivers_own_lock_errors_are_classified_transient(database):
    """Not a hand-made error: what pyodbc raises through each driver, fed to the classifier."""
    import pyodbc

    dialect, params = database
    options = {"timeout": 200} if dialect == "sqlite" else {"options": {"ConnSettings": "SET lock_timeout TO 200"}}
    with hold_lock(dialect, params):
        connection = connect(dialect, **params, **options)
        try:
            with pytest.raises(pyodbc.Error) as raised:
                connection.cursor().execute("SELECT COUNT(*) FROM tsoSalesOrder").fetchall()
        finally:
            connection.close()
    sqlstate = raised.value.args[0]
    assert sqlstate == ("HY000" if dialect == "sqlite" else "55P03")
    assert type(classify_odbc_error(raised.value, context="load")) is TransientError


def test_the_lock_is_released_after_the_given_seconds(database, hook):
    dialect, params = database
    with hold_lock(dialect, params, seconds=0.5) as holder:
        assert holder.wait(timeout=10), "released on its own"
        assert count_sales_orders(hook) == 0  # still inside the block: the lock is gone
    assert 0.5 <= holder.held_seconds < 5


def test_a_background_holder_blocks_writers_until_released(database):
    dialect, params = database
    holder = LockHolder(dialect, params).start()
    options = {"timeout": 200} if dialect == "sqlite" else {"options": {"ConnSettings": "SET lock_timeout TO 200"}}
    writer = connect(dialect, **params, **options)
    try:
        with pytest.raises(Exception, match="locked|lock timeout"):
            writer.cursor().execute("SELECT COUNT(*) FROM tsoSalesOrder").fetchall()
        writer.rollback()
        assert holder.held
        holder.release()
        writer.cursor().execute("SELECT COUNT(*) FROM tsoSalesOrder").fetchall()
        writer.commit()
    finally:
        writer.close()
        holder.release()


def test_holder_refuses_unknown_dialects_and_odd_table_names(tmp_path):
    with pytest.raises(NotImplementedError):
        LockHolder("mssql", {"server": "x", "database": "y", "user": "z"})
    with pytest.raises(ValueError):
        LockHolder("postgresql", {"database": "y"}, table="tsoSalesOrder; DROP TABLE x")
    with pytest.raises(Exception):
        LockHolder("sqlite", {"database": str(tmp_path / "missing" / "dir" / "x.db")}).start()


def test_cli_lock_holds_for_the_given_seconds_and_says_so(database):
    dialect, params = database
    args = ["lock", "--seconds", "1.5", "--dialect", dialect, "--database", params["database"]]
    if dialect == "postgresql":
        args += ["--server", params["server"], "--port", str(params["port"]), "--user", params["user"]]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "plugins")])}
    process = subprocess.Popen([sys.executable, "-m", "include.sandbox.sage500", *args], cwd=REPO, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = process.stdout.readline()
        assert first.startswith("locked "), first + process.stderr.read()
        options = {"timeout": 200} if dialect == "sqlite" else {"options": {"ConnSettings": "SET lock_timeout TO 200"}}
        probe = connect(dialect, **params, **options)
        try:
            with pytest.raises(Exception, match="locked|lock timeout"):
                probe.cursor().execute("SELECT COUNT(*) FROM tsoSalesOrder").fetchall()
        finally:
            probe.close()
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert out.startswith("released after 1.")
