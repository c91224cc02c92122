"""Sage 500's Data Import protocol, once: stage rows under a new session, run the import procedure (called
again while it answers ``@oContinue = 1``), read the outcome from ``tdmMigrationLogWrk`` as the procedures
write it, and clear the session (processed rows are gone already; refused rows, at ProcessStatus 2, are
reported and removed so a retry starts clean).

The log (docs/sage500.md): ``Status`` 0 info, 1 failure, 2 warning, 3 success; ``EntityID`` varchar(255) names
the document (``TranNo``) or one of its lines (``TranNo|Line 2``); rows have no order of their own.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from storesync.systems.sage500.hook import Sage500Hook

LOG_TABLE = "tdmMigrationLogWrk"
LOG_INFO, LOG_FAILURE, LOG_WARNING, LOG_SUCCESS = 0, 1, 2, 3


@dataclass
class SessionLog:
    """What the import procedure wrote about one session, per document (``EntityID`` before any ``|``)."""

    problems: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # Status 1: (column, message)
    warnings: dict[str, list[str]] = field(default_factory=dict)  # Status 2
    succeeded: set[str] = field(default_factory=set)  # Status 3


def insert_rows(cursor, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
    if not rows:
        return
    columns = list(rows[0])
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    cursor.executemany(sql, [[row.get(c) for c in columns] for row in rows])


def _message(row: Mapping[str, Any]) -> tuple[str, str]:
    column = str(row["ColumnID"] or "").strip()
    entity = str(row["EntityID"] or "").strip()
    where = f"{entity.split('|', 1)[1].strip()}: " if "|" in entity else ""
    comment = str(row["Comment"] or "").strip()
    return column, (f"{where}{column}={row['ColumnValue']!r}: {comment}" if column else f"{where}{comment}")


def run_session(hook: Sage500Hook, connection, entity: str,
                staged: Mapping[str, Sequence[Mapping[str, Any]]]) -> SessionLog:
    """Stage ``{table: rows}`` (in order) as one session, import it and read its log. Runs inside the caller's
    transaction."""
    session_key = secrets.randbelow(2**31 - 2) + 1
    cursor = connection.cursor()
    for table, rows in staged.items():
        insert_rows(cursor, table, [{**row, "SessionKey": session_key, "ProcessStatus": 0} for row in rows])
    hook.run_import(connection, entity, session_key)
    log = SessionLog()
    for row in hook.fetch_all(connection, f"SELECT EntityID, ColumnID, ColumnValue, Comment, Status FROM {LOG_TABLE} "
                                          "WHERE SessionKey = ?", [session_key]):
        document = str(row["EntityID"] or "").split("|", 1)[0].strip()
        status = int(row["Status"]) if row["Status"] is not None else LOG_INFO
        if status == LOG_FAILURE:
            log.problems.setdefault(document, []).append(_message(row))
        elif status == LOG_WARNING:
            log.warnings.setdefault(document, []).append(_message(row)[1])
        elif status == LOG_SUCCESS:
            log.succeeded.add(document)
    for table in reversed(list(staged)):
        cursor.execute(f"DELETE FROM {table} WHERE SessionKey = ?", session_key)
    cursor.execute(f"DELETE FROM {LOG_TABLE} WHERE SessionKey = ?", session_key)
    return log


def import_session(hook: Sage500Hook, connection, entity: str,
                   staged: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, list[tuple[str, str]]]:
    """:func:`run_session`, returning only the failures per document as ``(column, message)`` pairs."""
    return run_session(hook, connection, entity, staged).problems


def messages(problems: dict[str, list[tuple[str, str]]]) -> dict[str, list[str]]:
    return {entity: [text for _, text in found] for entity, found in problems.items()}


def outcome_problems(log: SessionLog, entity_id: str, what: str) -> list[str] | None:
    """None when the log has the entity's success row (Status 3), else why not, as the procedure logged it:
    its failures (Status 1), then its warnings (Status 2, e.g. a staged row Sage ignored as a duplicate)."""
    if entity_id in log.succeeded:
        return None
    found = [text for _, text in log.problems.get(entity_id, [])] + log.warnings.get(entity_id, [])
    return found or [f"import procedure left the {what} unprocessed without a message"]
