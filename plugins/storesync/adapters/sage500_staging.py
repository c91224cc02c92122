"""Sage 500's Data Import protocol, once: stage rows under a new session, run the import procedure, read
what it refused from ``tdmMigrationLogWrk``, and clear the session (processed rows are gone already;
refused rows, at ProcessStatus 2, are reported and removed so a retry starts clean).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from storesync.hooks.sage500 import Sage500Hook

LOG_TABLE = "tdmMigrationLogWrk"


def insert_rows(cursor, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
    if not rows:
        return
    columns = list(rows[0])
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    cursor.executemany(sql, [[row.get(c) for c in columns] for row in rows])


def import_session(hook: Sage500Hook, connection, entity: str,
                   staged: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, list[tuple[str, str]]]:
    """Stage ``{table: rows}`` (in order) as one session and import it; returns the problems per EntityID
    as ``(column, message)`` pairs. Runs inside the caller's transaction."""
    session_key = secrets.randbelow(2**31 - 2) + 1
    cursor = connection.cursor()
    for table, rows in staged.items():
        insert_rows(cursor, table, [{**row, "SessionKey": session_key, "ProcessStatus": 0} for row in rows])
    hook.run_import(connection, entity, session_key)
    problems: dict[str, list[tuple[str, str]]] = {}
    for row in hook.fetch_all(connection, f"SELECT EntityID, ColumnID, ColumnValue, Comment FROM {LOG_TABLE} "
                                          "WHERE SessionKey = ? ORDER BY EntryNo", [session_key]):
        column = str(row["ColumnID"] or "").strip()
        text = f"{column}={row['ColumnValue']!r}: {row['Comment']}" if column else str(row["Comment"])
        problems.setdefault(str(row["EntityID"]).strip(), []).append((column, text))
    for table in reversed(list(staged)):
        cursor.execute(f"DELETE FROM {table} WHERE SessionKey = ?", session_key)
    cursor.execute(f"DELETE FROM {LOG_TABLE} WHERE SessionKey = ?", session_key)
    return problems


def messages(problems: dict[str, list[tuple[str, str]]]) -> dict[str, list[str]]:
    return {entity: [text for _, text in found] for entity, found in problems.items()}
