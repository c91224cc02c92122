"""Sage500Hook: connection string, configuration checks, transactions over the SQLite3 ODBC driver."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from storesync.hooks.errors import PermanentRecordError, PermanentRunError, TransientError
from include.sandbox.sage500.import_procedures import SandboxImportProcedures
from storesync.systems.sage500.hook import NativeImportProcedures, Sage500Hook, to_decimal

SANDBOX_EXTRA = {"driver": "SQLite3", "dialect": "sqlite", "company_id": "SOA", "import_procedure": "sandbox",
                 "placeholder": "?"}


def set_connection(monkeypatch, conn_id: str = "sage_test", **fields) -> None:
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps({"conn_type": "sage500", **fields}))


@pytest.fixture
def sqlite_hook(monkeypatch, tmp_path) -> Sage500Hook:
    """A hook on a fresh SQLite file behind the SQLite3 ODBC driver, with one small table."""
    set_connection(monkeypatch, schema=str(tmp_path / "sage500.db"), extra=SANDBOX_EXTRA)
    hook = Sage500Hook("sage_test")
    with hook.transaction("set up") as connection:
        connection.cursor().execute(
            "CREATE TABLE tarCustomer (CompanyID VARCHAR(3) NOT NULL, CustID VARCHAR(12) NOT NULL, "
            "CustName VARCHAR(40), CreditLimit TEXT)"
        )
    return hook


def count_rows(hook: Sage500Hook) -> int:
    with hook.transaction("count") as connection:
        return hook.fetch_all(connection, "SELECT COUNT(*) AS n FROM tarCustomer")[0]["n"]


# -- connection string and configuration -----------------------------------------------------------

def test_connection_string_has_driver_and_database_but_not_the_hooks_own_extras(monkeypatch):
    set_connection(monkeypatch, host="sql.example.com", schema="mas500_app", login="sage", password="pw-1234567",
                   extra={**SANDBOX_EXTRA, "driver": "ODBC Driver 18 for SQL Server", "dialect": "mssql",
                          "import_procedure": "native", "Encrypt": "yes"})
    conn_str = Sage500Hook("sage_test").odbc_connection_string
    parts = dict(part.split("=", 1) for part in conn_str.rstrip(";").split(";"))
    assert parts["DRIVER"] == "{ODBC Driver 18 for SQL Server}"
    assert parts["DATABASE"] == "mas500_app"
    assert parts["SERVER"] == "sql.example.com"
    assert parts["Encrypt"] == "yes"
    lowered = {key.lower() for key in parts}
    assert not lowered & {"dialect", "company_id", "import_procedure", "placeholder"}
    assert conn_str.endswith(";")


def test_configuration_comes_from_the_extras(monkeypatch):
    set_connection(monkeypatch, schema="db", extra={**SANDBOX_EXTRA, "company_id": "XYZ"})
    hook = Sage500Hook("sage_test")
    assert hook.dialect == "sqlite"
    assert hook.company_id == "XYZ"
    assert isinstance(hook.import_procedures, SandboxImportProcedures)


def test_defaults_are_mssql_native_procedures_and_company_soa(monkeypatch):
    set_connection(monkeypatch, schema="db", extra={"driver": "SQLite3"})
    hook = Sage500Hook("sage_test")
    assert hook.dialect == "mssql"
    assert hook.company_id == "SOA"
    assert isinstance(hook.import_procedures, NativeImportProcedures)


def test_an_unknown_dialect_fails_the_run_listing_the_valid_ones(monkeypatch):
    set_connection(monkeypatch, schema="db", extra={**SANDBOX_EXTRA, "dialect": "oracle"})
    with pytest.raises(PermanentRunError) as raised:
        Sage500Hook("sage_test").dialect
    message = str(raised.value)
    assert "'oracle'" in message and "sage_test" in message
    assert "mssql, postgresql, sqlite" in message


def test_an_unknown_import_procedure_fails_the_run_listing_the_valid_ones(monkeypatch):
    set_connection(monkeypatch, schema="db", extra={**SANDBOX_EXTRA, "import_procedure": "magic"})
    with pytest.raises(PermanentRunError) as raised:
        Sage500Hook("sage_test").import_procedures
    message = str(raised.value)
    assert "'magic'" in message
    assert "native, sandbox" in message


# -- transactions ----------------------------------------------------------------------------------

def test_a_transaction_commits_on_success(sqlite_hook):
    with sqlite_hook.transaction("insert") as connection:
        connection.cursor().execute("INSERT INTO tarCustomer VALUES (?, ?, ?, ?)", ["SOA", "C001", "Ann", "100.00"])
    assert count_rows(sqlite_hook) == 1


def test_a_transaction_rolls_back_and_reraises_an_ordinary_error(sqlite_hook):
    with pytest.raises(ValueError, match="boom"):
        with sqlite_hook.transaction("insert") as connection:
            connection.cursor().execute("INSERT INTO tarCustomer VALUES (?, ?, ?, ?)", ["SOA", "C001", "Ann", "1"])
            raise ValueError("boom")
    assert count_rows(sqlite_hook) == 0


def test_a_transaction_rolls_back_and_reraises_a_classified_error_unchanged(sqlite_hook):
    error = TransientError("try later")
    with pytest.raises(TransientError) as raised:
        with sqlite_hook.transaction("insert") as connection:
            connection.cursor().execute("INSERT INTO tarCustomer VALUES (?, ?, ?, ?)", ["SOA", "C001", "Ann", "1"])
            raise error
    assert raised.value is error
    assert count_rows(sqlite_hook) == 0


def test_a_missing_table_fails_the_run_and_names_the_context(sqlite_hook):
    with pytest.raises(PermanentRunError) as raised:
        with sqlite_hook.transaction("read orders") as connection:
            sqlite_hook.fetch_all(connection, "SELECT * FROM tsoSalesOrder")
    assert str(raised.value).startswith("Sage 500 read orders: ")
    assert "no such table" in str(raised.value)


def test_a_constraint_violation_is_the_records_fault_and_rolls_back_the_batch(sqlite_hook):
    with pytest.raises(PermanentRecordError):
        with sqlite_hook.transaction("insert") as connection:
            cursor = connection.cursor()
            cursor.execute("INSERT INTO tarCustomer VALUES (?, ?, ?, ?)", ["SOA", "C001", "Ann", "1"])
            cursor.execute("INSERT INTO tarCustomer VALUES (?, ?, ?, ?)", ["SOA", None, "Bob", "1"])
    assert count_rows(sqlite_hook) == 0


def test_an_unknown_odbc_driver_fails_the_run_at_connect(monkeypatch, tmp_path):
    set_connection(monkeypatch, schema=str(tmp_path / "x.db"), extra={**SANDBOX_EXTRA, "driver": "No Such Driver"})
    with pytest.raises(PermanentRunError, match="Sage 500 connect"):
        with Sage500Hook("sage_test").transaction("connect"):
            pass


def test_fetch_all_returns_one_dict_per_row_keyed_by_column(sqlite_hook):
    with sqlite_hook.transaction("insert") as connection:
        cursor = connection.cursor()
        for cust_id, name in (("C001", "Ann"), ("C002", "Bob"), ("C003", "Cy")):
            cursor.execute("INSERT INTO tarCustomer VALUES (?, ?, ?, ?)", ["SOA", cust_id, name, "12345678.12345678"])
        cursor.execute("INSERT INTO tarCustomer VALUES (?, ?, ?, ?)", ["XYZ", "C004", "Di", "0"])
    with sqlite_hook.transaction("read") as connection:
        rows = sqlite_hook.fetch_all(
            connection, "SELECT CustID, CustName, CreditLimit FROM tarCustomer WHERE CompanyID = ? ORDER BY CustID",
            ["SOA"],
        )
    assert [row["CustID"] for row in rows] == ["C001", "C002", "C003"]
    assert rows[1] == {"CustID": "C002", "CustName": "Bob", "CreditLimit": "12345678.12345678"}
    assert to_decimal(rows[0]["CreditLimit"]) == Decimal("12345678.12345678")


def test_fetch_all_of_no_rows_is_an_empty_list(sqlite_hook):
    with sqlite_hook.transaction("read") as connection:
        assert sqlite_hook.fetch_all(connection, "SELECT CustID FROM tarCustomer") == []


def test_test_connection_counts_the_companys_customers(sqlite_hook):
    with sqlite_hook.transaction("insert") as connection:
        cursor = connection.cursor()
        cursor.execute("INSERT INTO tarCustomer VALUES (?, ?, ?, ?)", ["SOA", "C001", "Ann", "1"])
        cursor.execute("INSERT INTO tarCustomer VALUES (?, ?, ?, ?)", ["SOA", "C002", "Bob", "1"])
        cursor.execute("INSERT INTO tarCustomer VALUES (?, ?, ?, ?)", ["XYZ", "C003", "Cy", "1"])
    ok, message = sqlite_hook.test_connection()
    assert ok is True
    assert "company SOA has 2 customers" in message


def test_test_connection_reports_a_database_without_sage_tables(monkeypatch, tmp_path):
    set_connection(monkeypatch, schema=str(tmp_path / "empty.db"), extra=SANDBOX_EXTRA)
    ok, reason = Sage500Hook("sage_test").test_connection()
    assert ok is False and "no such table" in reason


def test_ui_field_behaviour_relabels_schema_as_database():
    behaviour = Sage500Hook.get_ui_field_behaviour()
    assert behaviour["relabeling"]["schema"] == "Database"
    assert json.loads(behaviour["placeholders"]["extra"])["import_procedure"] == "native"


# -- to_decimal ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12.30", Decimal("12.30")),
        ("12345678.12345678", Decimal("12345678.12345678")),
        ("-0.005", Decimal("-0.005")),
        (42, Decimal(42)),
        (10**20 + 1, Decimal("100000000000000000001")),
        (0.1, Decimal("0.1")),
        (19.99, Decimal("19.99")),
        (1e-07, Decimal("0.0000001")),
    ],
)
def test_to_decimal_is_exact_for_text_ints_and_floats(value, expected):
    result = to_decimal(value)
    assert isinstance(result, Decimal)
    assert result == expected


def test_to_decimal_keeps_the_scale_of_text():
    assert str(to_decimal("12.30")) == "12.30"


def test_to_decimal_of_a_float_does_not_expose_binary_noise():
    assert to_decimal(0.1) != Decimal(0.1)
    assert str(to_decimal(0.1)) == "0.1"


def test_to_decimal_passes_decimals_and_none_through():
    value = Decimal("7.125")
    assert to_decimal(value) is value
    assert to_decimal(None) is None
