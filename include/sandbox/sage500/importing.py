"""Machinery shared by the sandbox's emulated Data Import procedures (:mod:`.procedures`, :mod:`.customers`,
:mod:`.receivables`).

Every emulated procedure has the same contract as Sage 500's own ``sp…api…Ins(@iSessionKey)``:

- it works on the staging rows of one ``SessionKey`` with ``ProcessStatus = 0`` and write-locks them first
  (row locks on PostgreSQL/SQL Server, the database write lock on SQLite), so two runs of one session cannot
  both import them;
- a valid row becomes ERP rows with surrogate keys from ``tciSurrogateKey`` and leaves staging (it is deleted);
- an invalid row stays with ``ProcessStatus = 2`` and gets one ``tdmMigrationLogWrk`` row per problem
  (``EntityID``, ``ColumnID``, ``ColumnValue``, ``Duplicate = 0``, ``Comment``, ``Status = 1`` failure);
- rows already at 1 or 2 and other sessions are never touched, so re-running a session is harmless;
- it runs inside the caller's open transaction and leaves the commit to the caller; given an autocommit
  connection it runs as its own transaction (committed, or rolled back on error).

All SQL is portable (unquoted identifiers, ``?`` markers) and goes through the caller's pyodbc connection.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, NamedTuple, TypeVar

from .dialects import to_decimal
from .schema import STAGING_COLUMN_SIZES, TABLES_BY_NAME, insert_rows

PROCESS_NEW, PROCESS_DONE, PROCESS_ERROR = 0, 1, 2
ACTION_AUTO, ACTION_INSERT, ACTION_UPDATE, ACTION_DELETE = 0, 1, 2, 3
# tdmMigrationLogWrk.Status, the migration procedures' @MIG_STAT_* constants (docs/sage500.md).
LOG_STATUS_INFO, LOG_STATUS_FAILURE, LOG_STATUS_WARNING, LOG_STATUS_SUCCESS = 0, 1, 2, 3
LOG_STATUS_ERROR = LOG_STATUS_FAILURE  # older name
# @_oRetVal (RET_*) and @iRptOption (RPT_*) constants of the migration procedures (SP and CUSTSP alike).
RET_UNKNOWN_ERR, RET_SUCCESS, RET_FAILURE, RET_PARM_ERR = 0, 1, 2, 3
RPT_PRINT_ALL, RPT_PRINT_NONE, RPT_PRINT_SUCCESSFUL, RPT_PRINT_UNSUCCESSFUL = 0, 1, 2, 3
IN_CHUNK = 500  # ids per IN (…) list: far below every dialect's parameter limit

T = TypeVar("T")


class MigrationOutputs(NamedTuple):
    """The OUTPUT parameters of a migration procedure call (``@oContinue`` … ``@_oRetVal``)."""

    o_continue: int
    o_recs_processed: int
    o_failed_recs: int
    o_total_recs: int
    o_ret_val: int


@dataclass
class ImportResult:
    """Outcome of one session.

    ``processed``: the entity ids imported, in staging order (TranNo for documents, CustID for customers).
    ``failed``: per refused entity id, its messages (``Column='value': comment``).
    ``keys``: per imported entity id, the surrogate key of the ERP row created or updated
    (SOKey, CustKey, CustPmtKey, InvcKey).
    """

    processed: list[str] = field(default_factory=list)
    failed: dict[str, list[str]] = field(default_factory=dict)
    keys: dict[str, int] = field(default_factory=dict)
    #: per entity id, warnings logged with Status 2 (e.g. a second staged row of a customer, ignored).
    warnings: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Problem:
    """One reason a staged row is refused: the staging column, the staged value, and why."""

    column: str
    value: Any
    comment: str
    #: tdmMigrationLogWrk.Duplicate: 1 when the row is refused as a duplicate (of a staged row or an ERP row).
    duplicate: bool = False

    @property
    def value_text(self) -> str | None:
        return None if self.value is None else str(self.value)[:255]

    def message(self) -> str:
        return f"{self.column}={self.value_text!r}: {self.comment}"


def chunks(values: Sequence[Any], size: int = IN_CHUNK) -> Iterable[list[Any]]:
    for start in range(0, len(values), size):
        yield list(values[start:start + size])


def marks(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values)


def rows(cursor, columns: Sequence[str]) -> list[dict[str, Any]]:
    """Fetched rows keyed by our own column names, not cursor.description: PostgreSQL reports lower case."""
    return [dict(zip(columns, row)) for row in cursor.fetchall()]


def natural_id(value: Any) -> str | None:
    """A staged natural id as SQL Server would compare it: trailing blanks ignored; blank means missing."""
    if value is None:
        return None
    text = str(value).rstrip()
    return text or None


def text(value: Any) -> str | None:
    return None if value is None else str(value)


def lookup(cursor, sql: str, prefix: Sequence[Any], keys: Iterable[str], columns: Sequence[str]) -> dict[str, dict]:
    """Rows matching ``keys`` via chunked ``IN`` lists, keyed by their first column (trailing blanks trimmed)."""
    found: dict[str, dict] = {}
    wanted = sorted(set(keys))
    for chunk in chunks(wanted):
        cursor.execute(sql.format(marks=marks(chunk)), [*prefix, *chunk])
        for row in rows(cursor, columns):
            found[str(row[columns[0]]).rstrip()] = row
    return found


class Amounts:
    """Parses and rounds staged numbers to the Sage column they end up in, collecting problems."""

    SCALES = {"money": (15, 3), "price": (15, 5), "qty": (16, 8)}

    def __init__(self, problems: list[Problem], prefix: str = "") -> None:
        self.problems = problems
        self.prefix = prefix

    def get(self, column: str, value: Any, kind: str, *, default: Decimal | None = None,
            positive: bool = False, non_negative: bool = False) -> Decimal | None:
        if value is None:
            return default
        try:
            number = to_decimal(value)
        except (InvalidOperation, ValueError):
            self.problems.append(Problem(column, value, f"{self.prefix}{column} is not a decimal number"))
            return None
        precision, scale = self.SCALES[kind]
        number = number.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)
        if abs(number) >= Decimal(10) ** (precision - scale):
            self.problems.append(Problem(column, value, f"{self.prefix}{column} does not fit decimal({precision},{scale})"))
            return None
        if positive and number <= 0:
            self.problems.append(Problem(column, value, f"{self.prefix}{column} must be greater than 0"))
            return None
        if non_negative and number < 0:
            self.problems.append(Problem(column, value, f"{self.prefix}{column} must not be negative"))
            return None
        return number


def check_sizes(table: str, row: dict[str, Any], problems: list[Problem], prefix: str = "") -> None:
    """Text longer than its Sage column (SQLite does not enforce varchar sizes; PostgreSQL refuses to stage it)."""
    for column, size in STAGING_COLUMN_SIZES[table].items():
        value = row.get(column)
        if value is not None and len(str(value)) > size:
            problems.append(Problem(column, value, f"{prefix}{column} is longer than {size} characters"))


def as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str):  # SQLite stores whatever text was bound
        try:
            return datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def utc_now() -> datetime:
    """Naive UTC, whole seconds: what the sandbox stamps into CreateDate/UpdateDate."""
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


def run_in_transaction(conn, work: Callable[[], T]) -> T:
    """Run ``work`` in the caller's transaction, or as its own transaction on an autocommit connection."""
    own_transaction = bool(conn.autocommit)
    if own_transaction:
        conn.autocommit = False
    try:
        result = work()
        if own_transaction:
            conn.commit()
        return result
    except Exception:
        if own_transaction:
            conn.rollback()
        raise
    finally:
        if own_transaction:
            conn.autocommit = True


def read_session(cursor, table: str, session_key: int) -> list[dict[str, Any]]:
    """Write-lock, then read, the new (ProcessStatus 0) rows of one session of a staging table, in RowKey order."""
    # Write-lock first (row locks on PostgreSQL/SQL Server, the write lock on SQLite) so a concurrent run of
    # the same session waits and then finds nothing left to import.
    cursor.execute(f"UPDATE {table} SET ProcessStatus = ProcessStatus WHERE SessionKey = ? AND ProcessStatus = ?",
                   session_key, PROCESS_NEW)
    columns = TABLES_BY_NAME[table].column_names
    cursor.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE SessionKey = ? AND ProcessStatus = ? "
                   "ORDER BY RowKey", session_key, PROCESS_NEW)
    return rows(cursor, columns)


def counts(values: Iterable[Any]) -> dict[Any, int]:
    """How often each value occurs (None included)."""
    found: dict[Any, int] = {}
    for value in values:
        found[value] = found.get(value, 0) + 1
    return found


def delete_rows(cursor, table: str, row_keys: list[int]) -> None:
    for chunk in chunks(row_keys):
        cursor.execute(f"DELETE FROM {table} WHERE RowKey IN ({marks(chunk)})", chunk)


def mark_failed(cursor, table: str, row_keys: list[int]) -> None:
    for chunk in chunks(row_keys):
        cursor.execute(f"UPDATE {table} SET ProcessStatus = ? WHERE RowKey IN ({marks(chunk)})", [PROCESS_ERROR, *chunk])


def write_log(cursor, session_key: int, log: list[tuple[str | None, Problem]],
              status: int = LOG_STATUS_FAILURE) -> None:
    """Append ``tdmMigrationLogWrk`` rows (one per problem) with the given Status (default 1, failure).

    Values are cut to the log's own columns (ColumnID 35, ColumnValue 100, Comment and EntityID 255), as
    the procedures' VARCHAR variables cut them.
    """
    if not log:
        return
    log_rows = [
        (session_key, (entity or "")[:255], (problem.column or "")[:35],
         None if problem.value_text is None else problem.value_text[:100], int(problem.duplicate),
         (problem.comment or "")[:255], status)
        for entity, problem in log
    ]
    insert_rows(cursor, "tdmMigrationLogWrk", ("SessionKey", "EntityID", "ColumnID", "ColumnValue", "Duplicate",
                                               "Comment", "Status"), log_rows)


def finish_session(cursor, table: str, session_key: int, result: ImportResult, *,
                   done: list[tuple[str, int, int]], refused: list[tuple[str, int, list[Problem]]]) -> ImportResult:
    """Close a single-table session: delete processed rows, mark and log refused ones, fill ``result``.

    ``done``: (entity id, RowKey, surrogate key) per imported row; ``refused``: (entity id, RowKey, problems).
    """
    for entity, _row_key, key in done:
        result.processed.append(entity)
        result.keys[entity] = key
    delete_rows(cursor, table, [row_key for _entity, row_key, _key in done])
    mark_failed(cursor, table, [row_key for _entity, row_key, _problems in refused])
    log: list[tuple[str | None, Problem]] = []
    for entity, _row_key, problems in refused:
        log.extend((entity, problem) for problem in problems)
        result.failed.setdefault(entity, []).extend(problem.message() for problem in problems)
    write_log(cursor, session_key, log)
    return result
