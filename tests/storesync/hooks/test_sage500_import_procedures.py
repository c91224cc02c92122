"""Sage500Hook.run_import: the migration procedures' real interface, called again while @oContinue = 1.

Source: the interface comment of a site's copy of spSOapiSalesOrdIns (``chrisdilalla/Tylie-API``,
``database/2018-01-04_02 spSOapiSalesOrdIns_Tylie.sql``): ``@oContinue`` 1 = "Unprocessed rows still exist",
``@oRecsProcessed``/``@oFailedRecs`` additive over calls, ``@oTotalRecs`` kept once set, ``@_oRetVal`` 0 unknown
error / 1 success / 2 failure / 3 parameter error.
"""

from __future__ import annotations

import json

import pytest

from storesync.hooks.errors import PermanentRunError
from storesync.systems.sage500.hook import MigrationOutputs, NativeImportProcedures, Sage500Hook


@pytest.fixture
def hook(monkeypatch) -> Sage500Hook:
    monkeypatch.setenv("AIRFLOW_CONN_SAGE_TEST", json.dumps({"conn_type": "sage500", "schema": "db", "extra": {
        "driver": "SQLite3", "dialect": "sqlite", "company_id": "SOA", "import_procedure": "sandbox"}}))
    return Sage500Hook("sage_test")


class ScriptedProcedures:
    """Answers each call with the next scripted outputs and records the state it was called with."""

    def __init__(self, *answers: MigrationOutputs) -> None:
        self.answers = list(answers)
        self.calls: list[MigrationOutputs] = []

    def call(self, connection, entity, session_key, *, company_id, state):
        self.calls.append(state)
        return self.answers.pop(0)


def test_the_procedure_is_called_again_while_it_answers_continue_and_counters_are_carried(hook, monkeypatch):
    """@oContinue = 1 → call again, passing back @oRecsProcessed/@oFailedRecs/@oTotalRecs (additive)."""
    script = ScriptedProcedures(MigrationOutputs(1, 25, 1, 60, 1), MigrationOutputs(1, 50, 2, 60, 1),
                                MigrationOutputs(0, 60, 2, 60, 1))
    monkeypatch.setattr(Sage500Hook, "import_procedures", property(lambda self: script))
    assert hook.run_import(object(), "sales_order", 7) == MigrationOutputs(0, 60, 2, 60, 1)
    assert script.calls == [MigrationOutputs(1, 0, 0, 0, 0), MigrationOutputs(1, 25, 1, 60, 1),
                            MigrationOutputs(1, 50, 2, 60, 1)]


@pytest.mark.parametrize(("ret_val", "meaning"), [(0, "unknown error"), (2, "failure"), (3, "parameter error")])
def test_a_return_value_other_than_success_fails_the_run(hook, monkeypatch, ret_val, meaning):
    """@_oRetVal 0/2/3: the session cannot be trusted; the run fails naming the value."""
    script = ScriptedProcedures(MigrationOutputs(0, 0, 0, 0, ret_val))
    monkeypatch.setattr(Sage500Hook, "import_procedures", property(lambda self: script))
    with pytest.raises(PermanentRunError, match=f"@_oRetVal {ret_val} \\({meaning}\\)"):
        hook.run_import(object(), "sales_order", 7)


class FakeCursor:
    def __init__(self) -> None:
        self.executed: list[tuple[str, list]] = []
        self.description = None
        self.sets = [[(0, 3, 1, 3, 1)]]

    def execute(self, sql, params):
        self.executed.append((sql, params))
        self.description = [("x",)]
        return self

    def fetchone(self):
        return self.sets[0][0]

    def nextset(self):
        return False


class FakeConnection:
    def __init__(self) -> None:
        self.cursor_ = FakeCursor()

    def cursor(self):
        return self.cursor_


def test_sql_server_gets_one_batch_with_all_eleven_parameters_in_order():
    """The interface order: @oContinue OUTPUT, @iCancel, @iSessionKey, @iCompanyID, @iRptOption, @iPrintWarnings,
    @UseStageTable, @oRecsProcessed OUTPUT, @oFailedRecs OUTPUT, @oTotalRecs OUTPUT, @_oRetVal OUTPUT; the batch
    selects the outputs back (ODBC has no portable OUTPUT parameters)."""
    connection = FakeConnection()
    outputs = NativeImportProcedures().call(connection, "sales_order", 4711, company_id="SOA",
                                            state=MigrationOutputs(1, 5, 1, 9, 0))
    assert outputs == MigrationOutputs(0, 3, 1, 3, 1)
    sql, params = connection.cursor_.executed[0]
    assert ("EXEC spSOapiSalesOrdIns @oContinue OUTPUT, ?, ?, ?, ?, ?, ?, @oRecsProcessed OUTPUT, "
            "@oFailedRecs OUTPUT, @oTotalRecs OUTPUT, @_oRetVal OUTPUT;") in sql
    assert sql.rstrip().endswith("SELECT @oContinue, @oRecsProcessed, @oFailedRecs, @oTotalRecs, @_oRetVal;")
    # carried counters, then @iCancel 0, session, company, @iRptOption 0 (all: success rows are logged too),
    # @iPrintWarnings 1, @UseStageTable 1
    assert params == [1, 5, 1, 9, 0, 4711, "SOA", 0, 1, 1]
