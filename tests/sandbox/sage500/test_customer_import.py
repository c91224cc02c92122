"""The emulated spARapiCustomerIns (StgCustomer), on SQLite and PostgreSQL through ODBC."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pyodbc
import pytest

from include.sandbox.sage500.dialects import (
    connect,
    temporary_database,
)
from include.sandbox.sage500.procedures import run_customer_import
from include.sandbox.sage500.schema import STAGING_COLUMN_SIZES, create_schema, table_counts
from include.sandbox.sage500.seed import seed_database
from tests.sandbox.sage500.servers import server_params as _server_params

SESSION = 515
NOW = datetime(2024, 6, 1, 12, 0, 0)
LATER = datetime(2024, 6, 2, 8, 30, 0)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def conn(request, tmp_path):
    """A seeded sandbox (10 items, customers C00001…C00005 + WEBGUEST) with autocommit off."""
    dialect = request.param
    with temporary_database(dialect, directory=tmp_path, **_server_params(dialect)) as params:
        connection = connect(dialect, **params)
        create_schema(connection, dialect)
        seed_database(connection, dialect, items=10, customers=5)
        yield connection
        connection.close()


def _customer(cust_id: str, **overrides: Any) -> dict[str, Any]:
    row = {"CustID": cust_id, "CustName": "Ann Lee", "CustClassID": None, "AddrName": None,
           "AddrLine1": "1 Main St", "AddrLine2": "Apt 2", "City": "Portland", "StateID": "OR", "PostalCode": "97201",
           "CountryID": "USA", "EMailAddr": "ann.lee@example.com", "Phone": "+1 503 555 0100", "Status": None,
           "UserFld1": "XC-17"}
    row.update(overrides)
    return row


def _stage(conn, row: dict[str, Any], *, action: int = 0, session: int = SESSION) -> None:
    """Write one customer into StgCustomer the way a customers loader would (ProcessStatus 0)."""
    values = {"SessionKey": session, "ProcessStatus": 0, "Action": action, **row}
    conn.cursor().execute(f"INSERT INTO StgCustomer ({', '.join(values)}) VALUES ({', '.join('?' for _ in values)})",
                          list(values.values()))


def _one(conn, sql: str, *params: Any) -> dict[str, Any] | None:
    cursor = conn.cursor()
    cursor.execute(sql, *params)
    columns = [c[0].lower() for c in cursor.description]  # PostgreSQL reports lower case
    row = cursor.fetchone()
    return None if row is None else dict(zip(columns, row))


def _all(conn, sql: str, *params: Any) -> list[tuple]:
    return [tuple(r) for r in conn.cursor().execute(sql, *params).fetchall()]


_FULL_CUSTOMER = ("SELECT c.CustKey, c.CustName, c.Status, c.UserFld1, c.CreateDate, c.UpdateDate, k.CustClassID, "
                  "a.AddrName, a.AddrLine1, a.AddrLine2, a.City, a.StateID, a.PostalCode, a.CountryID, "
                  "a.UpdateDate AS AddrUpdateDate, t.Name, t.EMailAddr, t.Phone, t.CntctOwnerKey, "
                  "t.UpdateDate AS CntctUpdateDate FROM tarCustomer c "
                  "LEFT JOIN tarCustClass k ON k.CustClassKey = c.CustClassKey "
                  "LEFT JOIN tciAddress a ON a.AddrKey = c.PrimaryAddrKey "
                  "LEFT JOIN tciContact t ON t.CntctKey = c.PrimaryCntctKey WHERE c.CompanyID = ? AND c.CustID = ?")


# -- inserts and updates ----------------------------------------------------------------------------------

def test_a_new_customer_gets_a_customer_row_a_primary_address_and_a_contact_with_the_email(conn):
    _stage(conn, _customer("XC000017"))
    result = run_customer_import(conn, SESSION, now=NOW)
    assert result.processed == ["XC000017"] and result.failed == {}

    customer = _one(conn, _FULL_CUSTOMER, "SOA", "XC000017")
    assert result.keys == {"XC000017": customer["custkey"]}
    assert customer["custkey"] == 7  # after the 6 seeded customers: keys come from tciSurrogateKey
    assert (customer["custname"], customer["status"], customer["userfld1"], customer["custclassid"]) == (
        "Ann Lee", 1, "XC-17", "WEB")
    assert customer["createdate"] == customer["updatedate"] == NOW
    assert [customer[c] for c in ("addrname", "addrline1", "addrline2", "city", "stateid", "postalcode",
                                  "countryid")] == ["Ann Lee", "1 Main St", "Apt 2", "Portland", "OR", "97201", "USA"]
    assert (customer["name"], customer["emailaddr"], customer["phone"], customer["cntctownerkey"]) == (
        "Ann Lee", "ann.lee@example.com", "+1 503 555 0100", customer["custkey"])
    assert table_counts(conn)["StgCustomer"] == 0


def test_auto_action_updates_an_existing_customer_and_null_columns_keep_their_values(conn):
    before = _one(conn, _FULL_CUSTOMER, "SOA", "C00002")
    _stage(conn, {"CustID": "C00002", "CustName": "Renamed Customer", "AddrLine1": "77 New Rd", "AddrLine2": "",
                  "City": "Austin", "EMailAddr": "new@example.com", "Status": 2})
    result = run_customer_import(conn, SESSION, now=LATER)
    assert result.processed == ["C00002"] and result.keys == {"C00002": before["custkey"]}

    after = _one(conn, _FULL_CUSTOMER, "SOA", "C00002")
    assert (after["custname"], after["status"], after["addrline1"], after["addrline2"], after["city"]) == (
        "Renamed Customer", 2, "77 New Rd", "", "Austin")
    assert after["emailaddr"] == "new@example.com" and after["name"] == "Renamed Customer"
    for kept in ("stateid", "postalcode", "countryid", "phone", "createdate", "custclassid"):
        assert after[kept] == before[kept], kept
    assert after["updatedate"] == after["addrupdatedate"] == after["cntctupdatedate"] == LATER
    assert table_counts(conn)["tarCustomer"] == 6, "no new customer"


def test_explicit_update_action_changes_only_what_is_staged(conn):
    before = _one(conn, _FULL_CUSTOMER, "SOA", "C00003")
    _stage(conn, {"CustID": "C00003", "Phone": "+1 555 000 1111", "CustClassID": "WHOLESALE"}, action=2)
    assert run_customer_import(conn, SESSION, now=LATER).processed == ["C00003"]
    after = _one(conn, _FULL_CUSTOMER, "SOA", "C00003")
    assert after["phone"] == "+1 555 000 1111" and after["custclassid"] == "WHOLESALE"
    assert after["custname"] == before["custname"] and after["addrline1"] == before["addrline1"]
    assert after["updatedate"] == LATER and after["addrupdatedate"] == before["addrupdatedate"]


def test_an_insert_and_an_update_in_one_session_are_both_processed_in_staging_order(conn):
    _stage(conn, _customer("XC000020"), action=1)
    _stage(conn, {"CustID": "C00001", "City": "Boston"})
    _stage(conn, _customer("XC000021", CustClassID="RETAIL", Status=3))
    result = run_customer_import(conn, SESSION, now=NOW)
    assert result.processed == ["XC000020", "C00001", "XC000021"]
    assert _one(conn, _FULL_CUSTOMER, "SOA", "XC000021")["custclassid"] == "RETAIL"
    assert _one(conn, _FULL_CUSTOMER, "SOA", "XC000021")["status"] == 3
    assert _one(conn, _FULL_CUSTOMER, "SOA", "C00001")["city"] == "Boston"


def test_hostile_and_non_ascii_text_is_stored_exactly(conn):
    hostile = "Robert'); DROP TABLE tarCustomer;--"
    _stage(conn, _customer("XC000030", CustName=hostile, AddrLine1="Ørstedsvej 7; --", City="Zoë"))
    assert run_customer_import(conn, SESSION, now=NOW).processed == ["XC000030"]
    customer = _one(conn, _FULL_CUSTOMER, "SOA", "XC000030")
    assert (customer["custname"], customer["addrline1"], customer["city"]) == (hostile, "Ørstedsvej 7; --", "Zoë")


# -- refusals --------------------------------------------------------------------------------------------

def _delete(conn):
    conn.cursor().execute("UPDATE tarCustomer SET Status = 4 WHERE CustID = ?", "C00004")


REFUSALS = {
    "delete action": (_customer("XC000040"), 3, None, ("Action", "3", "only Action 0 (auto), 1 (insert) and 2")),
    "missing CustID": (_customer(None), 0, None, ("CustID", None, "CustID is required")),
    "insert of an existing CustID": (_customer("C00001"), 1, None, ("CustID", "C00001", "already exists")),
    "update of a missing CustID": (_customer("XC000041"), 2, None, ("CustID", "XC000041", "does not exist")),
    "deleted customer": (_customer("C00004"), 0, _delete, ("CustID", "C00004", "is deleted (Status 4)")),
    "new customer without a name": (_customer("XC000042", CustName=None), 0, None,
                                    ("CustName", None, "required for a new customer")),
    "blank name on update": ({"CustID": "C00001", "CustName": "  "}, 2, None, ("CustName", "  ", "cannot be blank")),
    "unknown status": (_customer("XC000043", Status=4), 0, None, ("Status", "4", "Status must be 1 (active)")),
    "unknown class": (_customer("XC000044", CustClassID="VIP"), 0, None, ("CustClassID", "VIP", "class does not exist")),
    "too long name": (_customer("XC000045", CustName="N" * 41), 0, None, ("CustName", "N" * 41, "longer than 40")),
    "too long e-mail": (_customer("XC000046", EMailAddr="a" * 251 + "@x.org"), 0, None,
                        ("EMailAddr", "a" * 251 + "@x.org", "longer than 256")),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_a_refused_customer_stays_staged_at_status_2_with_a_log_row_naming_column_and_value(conn, case):
    row, action, prepare, (column, value, comment) = REFUSALS[case]
    if case.startswith("too long") and "PostgreSQL" in conn.getinfo(pyodbc.SQL_DBMS_NAME):
        pytest.skip("PostgreSQL enforces the varchar size when staging; only SQLite can hold the value")
    if prepare:
        prepare(conn)
    before = table_counts(conn)["tarCustomer"]
    _stage(conn, row, action=action)
    result = run_customer_import(conn, SESSION, now=NOW)

    entity = row["CustID"] or "RowKey 1"
    assert result.processed == [] and list(result.failed) == [entity]
    assert any(m.startswith(f"{column}=") and comment in m for m in result.failed[entity]), result.failed
    log = _all(conn, "SELECT SessionKey, EntityID, ColumnID, ColumnValue, Comment, Status FROM tdmMigrationLogWrk "
                     "ORDER BY ColumnID")
    rows = [r for r in log if r[2] == column]
    logged_value = None if value is None else value[:100]  # ColumnValue is varchar(100)
    assert [(r[0], r[1], r[2], r[3], r[5]) for r in rows] == [(SESSION, entity, column, logged_value, 1)]  # 1: failure
    assert comment in rows[0][4]
    assert _all(conn, "SELECT ProcessStatus FROM StgCustomer") == [(2,)]
    assert table_counts(conn)["tarCustomer"] == before


def test_a_custid_twice_in_one_session_refuses_both_rows(conn):
    _stage(conn, _customer("XC000050"))
    _stage(conn, _customer("XC000050", CustName="Other"))
    result = run_customer_import(conn, SESSION, now=NOW)
    assert result.processed == [] and len(result.failed["XC000050"]) == 2
    assert all("appears on 2 rows" in m for m in result.failed["XC000050"])


def test_one_bad_customer_does_not_stop_the_good_ones(conn):
    _stage(conn, _customer("XC000060"))
    _stage(conn, _customer("XC000061", CustClassID="VIP"))
    _stage(conn, _customer("XC000062"))
    result = run_customer_import(conn, SESSION, now=NOW)
    assert result.processed == ["XC000060", "XC000062"] and list(result.failed) == ["XC000061"]
    assert _all(conn, "SELECT CustID, ProcessStatus FROM StgCustomer") == [("XC000061", 2)]


# -- sessions ----------------------------------------------------------------------------------------------

def test_re_running_a_processed_session_does_nothing(conn):
    _stage(conn, _customer("XC000070"))
    _stage(conn, _customer("XC000071", Status=9))
    first = run_customer_import(conn, SESSION, now=NOW)
    conn.commit()
    counts = table_counts(conn)
    again = run_customer_import(conn, SESSION, now=LATER)
    assert first.processed == ["XC000070"] and list(first.failed) == ["XC000071"]
    assert (again.processed, again.failed, again.keys) == ([], {}, {})
    assert table_counts(conn) == counts
    assert _one(conn, _FULL_CUSTOMER, "SOA", "XC000070")["updatedate"] == NOW


def test_other_sessions_are_left_alone(conn):
    _stage(conn, _customer("XC000080"), session=1)
    assert run_customer_import(conn, SESSION, now=NOW).processed == []
    assert _all(conn, "SELECT SessionKey, CustID, ProcessStatus FROM StgCustomer") == [(1, "XC000080", 0)]


def test_on_an_autocommit_connection_the_import_commits_itself(conn):
    _stage(conn, _customer("XC000090"))
    conn.commit()
    conn.autocommit = True
    assert run_customer_import(conn, SESSION, now=NOW).processed == ["XC000090"]
    assert conn.autocommit is True
    conn.autocommit = False
    conn.rollback()
    assert _one(conn, _FULL_CUSTOMER, "SOA", "XC000090") is not None


def test_staging_sizes_follow_sage_500():
    sizes = STAGING_COLUMN_SIZES["StgCustomer"]
    assert {k: sizes[k] for k in ("CustID", "CustName", "AddrLine1", "AddrLine2", "City", "PostalCode", "StateID",
                                  "CountryID", "EMailAddr")} == {
        "CustID": 12, "CustName": 40, "AddrLine1": 40, "AddrLine2": 40, "City": 20, "PostalCode": 10, "StateID": 3,
        "CountryID": 3, "EMailAddr": 256}
