"""Sage 500 ERP through ODBC: an Airflow hook on ``OdbcHook``.

Sage 500 is a SQL Server database; supported writes go through its Data Import staging tables and import
procedures. The same hook talks to a real Sage 500 (SQL Server ODBC driver, native procedures) or to the
sandbox (SQLite or PostgreSQL ODBC driver, procedures emulated in Python): only the connection differs.

Connection: host/port/schema(database)/login/password as for any ODBC source; extras ``driver``,
``dialect`` (mssql | postgresql | sqlite), ``company_id`` (Sage ``CompanyID``, default ``SOA``) and
``import_procedure`` (native | sandbox).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from airflow.providers.odbc.hooks.odbc import OdbcHook
from storesync.hooks.errors import PermanentRecordError, PermanentRunError, SyncError, classify_odbc_error
from storesync.provider import SAGE500_UI_FIELD_BEHAVIOUR

# Extras that configure this hook; OdbcHook would otherwise append them to the ODBC connection string.
_HOOK_EXTRAS = frozenset({"dialect", "company_id", "import_procedure"})

DIALECTS = ("mssql", "postgresql", "sqlite")


class NativeImportProcedures:
    """Calls Sage 500's own Data Import procedures (SQL Server deployments).

    Customer payments (``customer_payment``: ``StgCustPmt``) and AR credit memos (``credit_memo``:
    ``StgARCreditMemo``) have no public Sage 500 import procedure: a SQL Server site needs its own
    procedures with the sandbox's contract (``include/sandbox/sage500/receivables.py``: the session's rows
    with ProcessStatus 0; valid → ``tarCustPmt`` + ``tarCustPmtAppl`` / ``tarInvoice`` TranType 502 and
    the rows deleted; invalid → ProcessStatus 2 and ``tdmMigrationLogWrk`` rows with EntityID = TranNo)
    and adds their calls here; until then those entities fail with a clear error instead of a guess.
    """

    CALLS = {"sales_order": "{CALL spSOapiSalesOrdIns (?)}", "customer": "{CALL spARapiCustomerIns (?)}"}

    def run(self, connection, entity: str, session_key: int, *, company_id: str) -> None:
        if entity not in self.CALLS:
            raise PermanentRunError(f"no native Sage 500 import procedure for '{entity}' is configured; "
                                    f"known: {', '.join(sorted(self.CALLS))} (see NativeImportProcedures)")
        cursor = connection.cursor()
        cursor.execute(self.CALLS[entity], session_key)
        while cursor.nextset():  # drain result sets so the procedure runs to completion
            pass


class SandboxImportProcedures:
    """The sandbox's Python emulation of the same procedures, run through the same ODBC connection."""

    MODULE = "include.sandbox.sage500.procedures"
    FUNCTIONS = {"sales_order": "run_sales_order_import", "customer": "run_customer_import",
                 "customer_payment": "run_customer_payment_import", "credit_memo": "run_credit_memo_import"}

    def run(self, connection, entity: str, session_key: int, *, company_id: str) -> None:
        module = importlib.import_module(self.MODULE)
        getattr(module, self.FUNCTIONS[entity])(connection, session_key, company_id=company_id)


IMPORT_PROCEDURES = {"native": NativeImportProcedures, "sandbox": SandboxImportProcedures}


class Sage500Hook(OdbcHook):
    """Connection → pyodbc connection, plus Sage 500 specifics: company, dialect, import procedures."""

    conn_name_attr = "sage500_conn_id"
    default_conn_name = "sage500_default"
    conn_type = "sage500"
    hook_name = "Sage 500 ERP (ODBC)"

    def __init__(self, sage500_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(odbc_conn_id=sage500_conn_id, **kwargs)
        self.sage500_conn_id = sage500_conn_id

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        return {
            **SAGE500_UI_FIELD_BEHAVIOUR,
            "placeholders": {
                **SAGE500_UI_FIELD_BEHAVIOUR["placeholders"],
                "extra": json.dumps(
                    {"driver": "ODBC Driver 18 for SQL Server", "dialect": "mssql", "company_id": "SOA",
                     "import_procedure": "native", "placeholder": "?"}
                ),
            },
        }

    # -- configuration -------------------------------------------------------------------------------
    @property
    def company_id(self) -> str:
        return str(self.connection_extra_lower.get("company_id") or "SOA")

    @property
    def dialect(self) -> str:
        dialect = str(self.connection_extra_lower.get("dialect") or "mssql").lower()
        if dialect not in DIALECTS:
            raise PermanentRunError(
                f"connection '{self.sage500_conn_id}': unknown dialect '{dialect}'; valid: {', '.join(DIALECTS)}"
            )
        return dialect

    @property
    def import_procedures(self):
        name = str(self.connection_extra_lower.get("import_procedure") or "native").lower()
        try:
            return IMPORT_PROCEDURES[name]()
        except KeyError:
            raise PermanentRunError(
                f"connection '{self.sage500_conn_id}': unknown import_procedure '{name}'; "
                f"valid: {', '.join(sorted(IMPORT_PROCEDURES))}"
            ) from None

    @property
    def odbc_connection_string(self) -> str:
        full = super().odbc_connection_string
        return ";".join(
            part for part in full.split(";") if part and part.split("=", 1)[0].lower() not in _HOOK_EXTRAS
        ) + ";"

    # -- transport -----------------------------------------------------------------------------------
    @contextmanager
    def transaction(self, what: str) -> Iterator[Any]:
        """A pyodbc connection in one transaction: committed on success, rolled back and classified on error."""
        try:
            connection = self.get_conn()
        except Exception as exc:  # pyodbc.Error, but pyodbc stays an implementation detail here
            error = classify_odbc_error(exc, context=f"Sage 500 connect ({what})")
            if isinstance(error, PermanentRecordError):  # no record is involved in connecting (e.g. 01000 no driver)
                error = PermanentRunError(str(error))
            raise error from None
        connection.autocommit = False
        try:
            yield connection
            connection.commit()
        except SyncError:
            connection.rollback()
            raise
        except Exception as exc:
            connection.rollback()
            if type(exc).__module__ == "pyodbc":
                raise classify_odbc_error(exc, context=f"Sage 500 {what}") from exc
            raise
        finally:
            connection.close()

    def fetch_all(self, connection, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Run a query and return rows as dicts, values as the driver gives them (see ``to_decimal`` for money)."""
        cursor = connection.cursor()
        cursor.execute(sql, list(params))
        columns = [c[0] for c in cursor.description]
        return [Row(zip(columns, row)) for row in cursor.fetchall()]

    def first_rows(self, count: int) -> str:
        """The dialect's clause that keeps the first ``count`` rows of an ORDER BY query (keyset paging)."""
        count = int(count)
        if self.dialect == "mssql":
            return f"OFFSET 0 ROWS FETCH NEXT {count} ROWS ONLY"
        return f"LIMIT {count}"

    def run_import(self, connection, entity: str, session_key: int) -> None:
        """Run the Data Import procedure for one staging session (native or emulated)."""
        self.import_procedures.run(connection, entity, session_key, company_id=self.company_id)

    def test_connection(self) -> tuple[bool, str]:
        try:
            with self.transaction("test connection") as connection:
                rows = self.fetch_all(
                    connection, "SELECT COUNT(*) AS n FROM tarCustomer WHERE CompanyID = ?", [self.company_id]
                )
        except Exception as exc:  # noqa: BLE001 - the UI wants the reason
            return False, str(exc)
        return True, f"Sage 500 reachable; company {self.company_id} has {rows[0]['n']} customers"


class Row(dict):
    """A result row keyed by column name as the driver reports it, also matched case-insensitively.

    SQL Server and SQLite return column names as written; PostgreSQL folds unquoted ones to lower case.
    """

    def __missing__(self, key: str) -> Any:
        lowered = str(key).lower()
        for name, value in self.items():
            if name.lower() == lowered:
                return value
        raise KeyError(key)

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default


def to_decimal(value: Any) -> Decimal | None:
    """Exact Decimal from whatever the ODBC driver returned (Decimal, int, or text for SQLite)."""
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value))
