"""The error taxonomy: HTTP statuses and ODBC errors map to the class operators and retries act on."""

from __future__ import annotations

import pytest
from airflow.sdk.exceptions import AirflowFailException

from storesync.hooks.errors import (
    PermanentRecordError,
    PermanentRunError,
    RateLimited,
    SyncError,
    TransientError,
    classify_http_status,
    classify_odbc_error,
    parse_retry_after,
)


# -- HTTP ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("status", [200, 201, 204, 302])
def test_success_and_redirect_statuses_are_not_errors(status):
    assert classify_http_status(status, message="ok") is None


def test_429_is_rate_limited_with_the_retry_after_header_parsed():
    error = classify_http_status(429, message="slow down", retry_after="17")
    assert isinstance(error, RateLimited)
    assert error.retry_after == 17.0
    assert str(error) == "slow down"


def test_429_without_retry_after_waits_the_default():
    error = classify_http_status(429, message="slow down")
    assert isinstance(error, RateLimited) and error.retry_after == 1.0


def test_rate_limited_is_a_transient_error():
    assert issubclass(RateLimited, TransientError)


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408])
def test_server_errors_and_request_timeout_are_transient(status):
    error = classify_http_status(status, message="boom")
    assert type(error) is TransientError


@pytest.mark.parametrize("status", [401, 403, 404])
def test_auth_and_not_found_statuses_fail_the_whole_run(status):
    error = classify_http_status(status, message="nope")
    assert isinstance(error, PermanentRunError)


def test_a_permanent_run_error_is_an_airflow_fail_exception_so_airflow_does_not_retry():
    error = classify_http_status(403, message="forbidden")
    assert isinstance(error, AirflowFailException)
    assert isinstance(error, SyncError)


@pytest.mark.parametrize("status", [400, 409, 422])
def test_other_client_errors_are_the_records_fault(status):
    error = classify_http_status(status, message="bad field")
    assert type(error) is PermanentRecordError
    assert not isinstance(error, AirflowFailException)


def test_the_message_is_carried_into_the_error():
    assert str(classify_http_status(500, message="X-Cart GET order: HTTP 500")) == "X-Cart GET order: HTTP 500"


# -- Retry-After -----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("value", "expected"),
    [("0", 0.0), ("5", 5.0), ("2.5", 2.5), (" 30 ", 30.0), ("-4", 0.0)],
)
def test_retry_after_delta_seconds_are_parsed_and_never_negative(value, expected):
    assert parse_retry_after(value) == expected


@pytest.mark.parametrize("value", [None, "", "soon", "Wed, 21 Oct 2015 07:28:00 GMT"])
def test_missing_or_unparseable_retry_after_means_the_default(value):
    assert parse_retry_after(value) == 1.0
    assert parse_retry_after(value, default=7.5) == 7.5


# -- ODBC ------------------------------------------------------------------------------------------

class FakeOdbcError(Exception):
    """Shaped like pyodbc.Error: args are (sqlstate, message)."""


@pytest.mark.parametrize(
    "sqlstate",
    ["08S01", "08001", "40001", "HYT00", "HYT01", "HY008"],
)
def test_connection_failures_deadlocks_and_timeouts_are_transient(sqlstate):
    error = classify_odbc_error(FakeOdbcError(sqlstate, "went away"), context="load")
    assert type(error) is TransientError


def test_sqlites_database_is_locked_message_is_transient_whatever_the_sqlstate():
    exc = FakeOdbcError("HY000", "[HY000] [SQLite]database is locked (5) (SQLExecDirectW)")
    assert type(classify_odbc_error(exc, context="load")) is TransientError


@pytest.mark.parametrize("sqlstate", ["28000", "42S02", "42000", "IM002"])
def test_bad_credentials_missing_objects_and_driver_problems_fail_the_run(sqlstate):
    error = classify_odbc_error(FakeOdbcError(sqlstate, "no way"), context="load")
    assert isinstance(error, PermanentRunError)
    assert isinstance(error, AirflowFailException)


def test_sqlites_no_such_table_message_fails_the_run():
    exc = FakeOdbcError("HY000", "[HY000] [SQLite]no such table: tsoSalesOrder (1)")
    assert isinstance(classify_odbc_error(exc, context="load"), PermanentRunError)


@pytest.mark.parametrize("sqlstate", ["23000", "22001", "HY000"])
def test_constraint_and_data_errors_are_the_records_fault(sqlstate):
    error = classify_odbc_error(FakeOdbcError(sqlstate, "String data, right truncated"), context="stage")
    assert type(error) is PermanentRecordError


def test_the_odbc_message_names_the_context_and_sqlstate():
    error = classify_odbc_error(FakeOdbcError("23000", "UNIQUE constraint failed"), context="Sage 500 stage order 17")
    assert str(error).startswith("Sage 500 stage order 17: [23000] ")
    assert "UNIQUE constraint failed" in str(error)


def test_an_exception_without_args_is_still_classified():
    assert type(classify_odbc_error(FakeOdbcError(), context="x")) is PermanentRecordError


# -- one classification for every backend and driver (issue 14, finding 6) ------------------------------------

@pytest.mark.parametrize(("sqlstate", "message"), [
    ("57P01", "FATAL: terminating connection due to administrator command"),   # a restart, pg_terminate_backend
    ("57P02", "FATAL: terminating connection due to crash of another server process"),
    ("57P03", "FATAL: the database system is starting up"),
    ("57P03", "FATAL: the database system is in recovery mode"),
    ("40P01", "ERROR: deadlock detected"),
    ("40001", "ERROR: could not serialize access due to concurrent update"),
    ("40001", "[Microsoft][ODBC Driver 18 for SQL Server][SQL Server]Transaction (Process ID 52) was deadlocked on "
              "lock resources with another process and has been chosen as the deadlock victim. (1205)"),
    ("25006", "ERROR: cannot execute INSERT in a read-only transaction"),         # a writer after a failover
    ("53300", "FATAL: sorry, too many clients already"),
    ("08S01", "[Microsoft][ODBC Driver 18 for SQL Server]Communication link failure"),
    ("08001", "could not connect to server: Connection refused"),
    ("HY000", "terminating connection due to administrator command; The connection has been lost"),
    ("HY000", "server closed the connection unexpectedly"),
    ("HY000", "[SQLite]database is locked (5)"),
    ("HY000", "[SQLite]database table is locked (6)"),
    ("HY000", "could not receive data from server: Connection reset by peer"),
])
def test_restarts_failovers_deadlocks_and_locks_are_transient_from_odbc(sqlstate, message):
    assert type(classify_odbc_error(FakeOdbcError(sqlstate, message), context="Sage 500 connect")) is TransientError


class FakePsycopg2Error(Exception):
    """Shaped like psycopg2.Error: ``pgcode`` (None when the connection itself was lost)."""

    def __init__(self, message: str, pgcode: str | None = None):
        super().__init__(message)
        self.pgcode = pgcode


@pytest.mark.parametrize("error", [
    FakePsycopg2Error("terminating connection due to administrator command", "57P01"),
    FakePsycopg2Error("server closed the connection unexpectedly\n\tThis probably means the server terminated"),
    FakePsycopg2Error("deadlock detected", "40P01"),
    FakePsycopg2Error("could not serialize access due to read/write dependencies", "40001"),
    FakePsycopg2Error("the database system is shutting down", "57P03"),
    FakePsycopg2Error('connection to server at "10.0.0.5", port 5432 failed: Connection refused'),
])
def test_the_same_events_are_transient_from_psycopg2_and_through_sqlalchemy(error):
    from sqlalchemy.exc import OperationalError

    from storesync.hooks.errors import classify_db_error

    assert type(classify_db_error(error, context="sync store")) is TransientError
    wrapped = OperationalError("INSERT INTO xref ...", {}, error)
    assert type(classify_db_error(wrapped, context="sync store")) is TransientError


def test_sqlite_locked_and_busy_are_transient_and_a_constraint_is_not():
    import sqlite3

    from storesync.hooks.errors import classify_db_error

    assert type(classify_db_error(sqlite3.OperationalError("database is locked"), context="x")) is TransientError
    assert type(classify_db_error(sqlite3.OperationalError("database table is locked"), context="x")) is TransientError
    assert type(classify_db_error(sqlite3.IntegrityError("UNIQUE constraint failed: xref.source_id"),
                                  context="x")) is PermanentRecordError
    assert isinstance(classify_db_error(FakePsycopg2Error('relation "xref" does not exist', "42P01"), context="x"),
                      PermanentRunError)


def test_the_store_errors_a_task_raises_become_transient_errors_airflow_retries():
    import sqlite3

    from storesync.operators.base import as_transient_db_error

    error = as_transient_db_error(sqlite3.OperationalError("database is locked"), context="load: sync store")
    assert type(error) is TransientError and "load: sync store" in str(error)
    assert as_transient_db_error(sqlite3.IntegrityError("UNIQUE constraint failed"), context="x") is None
    assert as_transient_db_error(ValueError("database is locked"), context="x") is None, "only drivers' errors"
