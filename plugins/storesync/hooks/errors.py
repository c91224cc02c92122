"""The one error taxonomy every hook speaks.

Hooks translate protocol failures into these classes in one place (``classify_http_status`` for HTTP,
``classify_odbc_error`` for ODBC); operators and the retry policy act on the class alone:

- ``TransientError``: worth retrying with exponential backoff (timeouts, 5xx, resets, locked rows).
- ``RateLimited``: the server asked us to wait; waiting is not a failure.
- ``PermanentRecordError``: this one record can never succeed as sent; it goes to the DLQ.
- ``PermanentRunError``: nothing in this run can succeed (bad credentials, missing table); fail fast.
"""

from __future__ import annotations

from airflow.sdk.exceptions import AirflowException, AirflowFailException


class SyncError(AirflowException):
    """Base class of every classified integration error."""


class TransientError(SyncError):
    """A fault that may pass: retry with backoff."""


class RateLimited(TransientError):
    """The server throttled us and said (or implied) how long to wait."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentRecordError(SyncError):
    """The server refused one record; the rest of the batch continues."""

    def __init__(self, message: str, *, record_key: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.record_key = record_key
        self.field = field


class PermanentRunError(AirflowFailException, SyncError):
    """Retrying cannot help (credentials, permissions, schema): fail the task without retries."""


def classify_http_status(status: int, *, message: str, retry_after: str | None = None) -> SyncError | None:
    """Map an HTTP status to the taxonomy; ``None`` means success.

    429 and 5xx are retriable; 401/403/404 mean the connection or endpoint is wrong for the whole run;
    any other 4xx is the record's fault.
    """
    if status < 400:
        return None
    if status == 429:
        error: SyncError = RateLimited(message, retry_after=parse_retry_after(retry_after))
    elif status >= 500 or status == 408:
        error = TransientError(message)
    elif status in (401, 403, 404, 405):
        error = PermanentRunError(message)
    else:
        error = PermanentRecordError(message)
    error.status = status
    return error


def parse_retry_after(value: str | None, *, default: float = 1.0) -> float:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds form); unparseable means ``default``."""
    if value is None:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        return default


# -- databases: one classification for every backend and driver ------------------------------------------------
#
# The same event must be the same class whoever reports it: the sync store (SQLAlchemy over psycopg2 or sqlite3)
# and the ERP hooks (pyodbc over psqlODBC, the SQLite3 ODBC driver or SQL Server's) all go through
# ``classify_db_error``. Transient:
#
# - SQLSTATE class 08 (connection exception: 08S01 communication link failure, 08001 cannot connect, 08006);
# - class 40 (transaction rollback: 40001 serialization failure, 40P01 deadlock; SQL Server's deadlock victim
#   1205 arrives as 40001);
# - 57P01 admin shutdown ("terminating connection due to administrator command": a restart or
#   pg_terminate_backend), 57P02 crash shutdown, 57P03 cannot connect now (starting up, shutting down, recovery),
#   57014 query canceled (statement timeout);
# - 53 insufficient resources (53300 too many connections), 55P03 lock not available, 55006 object in use,
#   25006 read-only transaction (a writer that failed over to a standby), HYT timeouts, HY008 cancelled;
# - the messages drivers send under a generic SQLSTATE (ODBC HY000, or none: psycopg2 gives a lost server no
#   pgcode): "terminating connection", "server closed the connection unexpectedly", "could not connect",
#   "connection refused", "the database system is starting up/shutting down/in recovery mode", "SSL SYSCALL
#   error", "communication link failure", SQLite's "database is locked/busy" and "database table is locked",
#   SQL Server's "deadlocked" and "Lock request time out".
_TRANSIENT_SQLSTATE_PREFIXES = ("08", "40", "57P01", "57P02", "57P03", "57014", "53", "55P03", "55006", "25006",
                                "HYT", "HY008")
_RUN_FATAL_SQLSTATE_PREFIXES = ("28", "42", "IM", "3D")
_TRANSIENT_MESSAGE_MARKERS = (
    "database is locked", "database is busy", "database table is locked", "deadlock", "timeout expired",
    "lock timeout", "lock request time out", "terminating connection", "server closed the connection",
    "connection to server", "could not connect to server", "connection refused", "connection reset",
    "connection timed out", "could not receive data from server", "could not send data to server",
    "no connection to the server", "connection already closed", "the database system is starting up",
    "the database system is shutting down", "the database system is in recovery mode",
    "the database system is not yet accepting connections", "in a read-only transaction",
    "ssl syscall error", "ssl connection has been closed", "communication link failure", "general network error",
    "tcp provider", "transport-level error", "server has gone away", "lost connection",
    "canceling statement due to conflict with recovery", "could not serialize access",
    "too many connections", "remaining connection slots are reserved",
)
_RUN_FATAL_MESSAGE_MARKERS = ("no such table", "password authentication failed")


def _sqlstate_and_text(exc: BaseException) -> tuple[str, str]:
    """SQLSTATE and message of a driver error, unwrapping SQLAlchemy's DBAPIError (``orig``).

    pyodbc: ``args == (sqlstate, message)``; psycopg2: ``pgcode`` (None for a lost connection); psycopg 3:
    ``sqlstate``; sqlite3: no SQLSTATE, the message says it.
    """
    orig = getattr(exc, "orig", None)
    inner = orig if isinstance(orig, BaseException) else exc
    sqlstate = getattr(inner, "pgcode", None) or getattr(inner, "sqlstate", None)
    args = getattr(inner, "args", None) or ()
    if not sqlstate and args and isinstance(args[0], str) and _looks_like_sqlstate(args[0]):
        sqlstate = args[0]
    return str(sqlstate or ""), str(inner)


def _looks_like_sqlstate(value: str) -> bool:
    return len(value) == 5 and value.isalnum() and value.upper() == value


def is_transient_db_error(exc: BaseException) -> bool:
    """True for a database error that may pass (see the list above); also SQLAlchemy's invalidated connections."""
    if getattr(exc, "connection_invalidated", False):
        return True
    sqlstate, text = _sqlstate_and_text(exc)
    lowered = text.lower()
    return sqlstate.upper().startswith(_TRANSIENT_SQLSTATE_PREFIXES) or any(m in lowered for m in _TRANSIENT_MESSAGE_MARKERS)


def classify_db_error(exc: BaseException, *, context: str) -> SyncError:
    """Map a database driver error (pyodbc, psycopg2/3, sqlite3, or SQLAlchemy's wrapper of one) to the taxonomy."""
    sqlstate, text = _sqlstate_and_text(exc)
    message = f"{context}: [{sqlstate}] {text}" if sqlstate else f"{context}: {text}"
    lowered = text.lower()
    if is_transient_db_error(exc):
        return TransientError(message)
    if sqlstate.upper().startswith(_RUN_FATAL_SQLSTATE_PREFIXES) or any(m in lowered for m in _RUN_FATAL_MESSAGE_MARKERS):
        return PermanentRunError(message)
    return PermanentRecordError(message)


def classify_odbc_error(exc: Exception, *, context: str) -> SyncError:
    """Map a pyodbc error to the taxonomy (``classify_db_error``: its SQLSTATE and, for SQLite's driver, its message)."""
    return classify_db_error(exc, context=context)
