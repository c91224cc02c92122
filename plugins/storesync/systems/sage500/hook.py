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
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, NamedTuple

from airflow.providers.odbc.hooks.odbc import OdbcHook
from storesync.hooks.errors import PermanentRecordError, PermanentRunError, SyncError, classify_odbc_error
from storesync.systems.sage500 import import_procedures
from storesync.systems.sage500.connection import UI_FIELD_BEHAVIOUR as SAGE500_UI_FIELD_BEHAVIOUR

# Extras that configure this hook; OdbcHook would otherwise append them to the ODBC connection string.
_HOOK_EXTRAS = frozenset({"dialect", "company_id", "import_procedure"})

DIALECTS = ("mssql", "postgresql", "sqlite")


class MigrationOutputs(NamedTuple):
    """The OUTPUT parameters of a Sage 500 migration procedure (``@oContinue`` … ``@_oRetVal``)."""

    o_continue: int
    o_recs_processed: int
    o_failed_recs: int
    o_total_recs: int
    o_ret_val: int


#: @_oRetVal of the migration procedures: 0 unknown error, 1 success, 2 failure, 3 parameter error.
RET_UNKNOWN_ERR, RET_SUCCESS, RET_FAILURE, RET_PARM_ERR = 0, 1, 2, 3
#: @iRptOption 0 = report all rows: without it the procedure logs no success rows (and with 1, nothing).
RPT_PRINT_ALL = 0
#: A session is processed in calls of a few seconds each; this many calls without finishing is a fault.
MAX_CALLS_PER_SESSION = 10_000


class NativeImportProcedures:
    """Calls Sage 500's own Data Import procedures (SQL Server deployments).

    The migration procedures share one interface (``spSOapiSalesOrdIns``'s interface comment):
    ``(@oContinue OUTPUT, @iCancel, @iSessionKey, @iCompanyID, @iRptOption, @iPrintWarnings, @UseStageTable,
    @oRecsProcessed OUTPUT, @oFailedRecs OUTPUT, @oTotalRecs OUTPUT, @_oRetVal OUTPUT)``. ODBC has no portable
    OUTPUT parameters, so one T-SQL batch declares them, runs the procedure and selects them back: T-SQL is
    fine here, this class is the SQL Server side of the seam.

    Customer payments (``customer_payment``: ``StgCustPmt``) and AR credit memos (``credit_memo``:
    ``StgARCreditMemo``) have no public Sage 500 import procedure: a SQL Server site needs its own
    procedures with the same interface and the sandbox's contract (``include/sandbox/sage500/receivables.py``)
    and adds them here; until then those entities fail with a clear error instead of a guess.
    """

    PROCEDURES = {"sales_order": "spSOapiSalesOrdIns", "customer": "spARapiCustomerIns"}
    BATCH = ("SET NOCOUNT ON; "
             "DECLARE @oContinue SMALLINT = ?, @oRecsProcessed INT = ?, @oFailedRecs INT = ?, @oTotalRecs INT = ?, "
             "@_oRetVal INT; "
             "EXEC {procedure} @oContinue OUTPUT, ?, ?, ?, ?, ?, ?, @oRecsProcessed OUTPUT, @oFailedRecs OUTPUT, "
             "@oTotalRecs OUTPUT, @_oRetVal OUTPUT; "
             "SELECT @oContinue, @oRecsProcessed, @oFailedRecs, @oTotalRecs, @_oRetVal;")

    def call(self, connection, entity: str, session_key: int, *, company_id: str,
             state: MigrationOutputs) -> MigrationOutputs:
        if entity not in self.PROCEDURES:
            raise PermanentRunError(f"no native Sage 500 import procedure for '{entity}' is configured; "
                                    f"known: {', '.join(sorted(self.PROCEDURES))} (see NativeImportProcedures)")
        cursor = connection.cursor()
        cursor.execute(self.BATCH.format(procedure=self.PROCEDURES[entity]),
                       [state.o_continue, state.o_recs_processed, state.o_failed_recs, state.o_total_recs,
                        0, session_key, company_id, RPT_PRINT_ALL, 1, 1])
        row = None
        while True:  # the procedure's own result sets (if any) come first; the outputs are the last one
            if cursor.description is not None:
                row = cursor.fetchone() or row
            if not cursor.nextset():
                break
        if row is None:
            raise PermanentRunError(f"{self.PROCEDURES[entity]} returned no output parameters")
        return MigrationOutputs(*(int(value) if value is not None else 0 for value in row))


_RET_VAL_MEANING = {RET_UNKNOWN_ERR: "unknown error", RET_FAILURE: "failure", RET_PARM_ERR: "parameter error"}



class _ImportProcedures(Mapping):
    """Name -> import procedures class, as registered (``storesync.systems.sage500.import_procedures``)."""

    def __getitem__(self, name: str):
        return import_procedures.procedures_class(name)

    def __iter__(self):
        return iter(import_procedures.registered())

    def __len__(self) -> int:
        return len(import_procedures.registered())


IMPORT_PROCEDURES = _ImportProcedures()


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

    def run_import(self, connection, entity: str, session_key: int) -> MigrationOutputs:
        """Run the Data Import procedure for one staging session (native or emulated): call it again while it
        answers ``@oContinue = 1``, carrying its additive counters; returns the last call's outputs.

        ``@_oRetVal`` other than 1 stops the run: 3 (parameter error) is our fault, 0/2 an ERP-side failure
        whose details are in ``tdmMigrationLogWrk``; either way nothing in the session can be trusted.
        """
        procedures = self.import_procedures
        state = MigrationOutputs(1, 0, 0, 0, RET_UNKNOWN_ERR)
        for _ in range(MAX_CALLS_PER_SESSION):
            state = procedures.call(connection, entity, session_key, company_id=self.company_id, state=state)
            if state.o_ret_val != RET_SUCCESS:
                raise PermanentRunError(
                    f"Sage 500 import procedure for {entity} (session {session_key}) returned @_oRetVal "
                    f"{state.o_ret_val} ({_RET_VAL_MEANING.get(state.o_ret_val, 'undocumented')}); "
                    "see tdmMigrationLogWrk for the session")
            if state.o_continue != 1:
                return state
        raise PermanentRunError(f"Sage 500 import procedure for {entity} (session {session_key}) still asked to "
                                f"continue after {MAX_CALLS_PER_SESSION} calls")

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
