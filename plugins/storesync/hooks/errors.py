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


# SQLSTATE classes (ODBC): 08 connection exception, 40 transaction rollback (deadlock/serialization),
# HYT timeouts, 55P03 lock not available (psqlODBC passes PostgreSQL's own code on: "canceling statement
# due to lock timeout"). 28 invalid authorization, 42 syntax error or missing object. The SQLite3 driver
# says HY000 "database is locked" once its Timeout (ms) runs out; SQL Server 1222 "Lock request time out".
_TRANSIENT_SQLSTATE_PREFIXES = ("08", "40", "HYT", "HY008", "55P03")
_RUN_FATAL_SQLSTATE_PREFIXES = ("28", "42", "IM")
_TRANSIENT_MESSAGE_MARKERS = ("database is locked", "database is busy", "deadlock", "timeout expired",
                              "lock timeout", "lock request time out")


def classify_odbc_error(exc: Exception, *, context: str) -> SyncError:
    """Map a pyodbc error to the taxonomy using its SQLSTATE and, for SQLite's driver, its message."""
    sqlstate = str(exc.args[0]) if getattr(exc, "args", None) else ""
    text = str(exc)
    message = f"{context}: [{sqlstate}] {text}"
    lowered = text.lower()
    if sqlstate.startswith(_TRANSIENT_SQLSTATE_PREFIXES) or any(m in lowered for m in _TRANSIENT_MESSAGE_MARKERS):
        return TransientError(message)
    if sqlstate.startswith(_RUN_FATAL_SQLSTATE_PREFIXES) or "no such table" in lowered:
        return PermanentRunError(message)
    return PermanentRecordError(message)
