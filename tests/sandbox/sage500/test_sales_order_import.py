"""The emulated spSOapiSalesOrdIns, on SQLite and PostgreSQL through ODBC (driven as a caller drives it).

The vendor-cited behaviours have their own tests in test_conformance_sales_order_import.py; these cover the
emulation's mechanics (defaults, rounding, text, sessions, transactions).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pyodbc
import pytest

from include.sandbox.sage500.dialects import (
    connect,
    temporary_database,
    to_decimal,
)
from include.sandbox.sage500.procedures import run_sales_order_import
from include.sandbox.sage500.schema import create_schema, table_counts
from include.sandbox.sage500.seed import seed_database
from tests.sandbox.sage500.servers import server_params as _server_params

SESSION = 4711
NOW = datetime(2024, 6, 1, 12, 0, 0)
EMAIL = "ann.lee1@example.com"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def conn(request, tmp_path):
    """A seeded sandbox (20 items, 5 customers + EMAIL + WEBGUEST) on a connection with autocommit off."""
    dialect = request.param
    with temporary_database(dialect, directory=tmp_path, **_server_params(dialect)) as params:
        connection = connect(dialect, **params)
        create_schema(connection, dialect)
        seed_database(connection, dialect, items=20, customers=5, customer_emails=[EMAIL])
        yield connection
        connection.close()


def _header(tran: str, **overrides: Any) -> dict[str, Any]:
    header = {
        "TranNo": tran, "TranDate": datetime(2024, 5, 31, 9, 30), "CustID": "C00001", "CustPONo": f"WEB-{tran}",
        "CurrID": "USD", "FreightAmt": Decimal("7.50"), "STaxAmt": Decimal("3.10"), "TradeDiscAmt": Decimal("1.00"),
        "DfltShipMethID": "UPSGND", "DfltWarehouseID": "MAIN", "Status": "1", "Hold": "0", "RequireSOAck": "0",
        "BillToAddrName": "Ann Lee", "BillToAddrLine1": "1 Main St", "BillToAddrLine2": None, "BillToCity": "Portland",
        "BillToStateID": "OR", "BillToPostalCode": "97201", "BillToCountryID": "USA",
        "DfltShipToAddrName": "Ann Lee", "DfltShipToAddrLine1": "9 Dock Rd", "DfltShipToAddrLine2": "Unit 4",
        "DfltShipToCity": "Seattle", "DfltShipToStateID": "WA", "DfltShipToPostalCode": "98101",
        "DfltShipToCountryID": "USA",
        "UserFld1": f"XC-{tran}", "UserFld2": None, "UserFld3": None, "UserFld4": None,
    }
    header.update(overrides)
    return header


def _line(no: int, item: str = "SKU-00001", qty: str = "2", price: str = "12.50", ext: str | None = "25.00",
          **overrides: Any) -> dict[str, Any]:
    line = {"SOLineNo": no, "ItemID": item, "Description": f"Line {no}", "QtyOrd": Decimal(qty),
            "UnitPrice": Decimal(price), "ExtAmt": None if ext is None else Decimal(ext), "WarehouseID": "MAIN",
            "CmntOnly": "0", "Hold": "0", "ReqCert": "0", "DeliveryMeth": "1", "Status": "1"}
    line.update(overrides)
    return line


def _stage(conn, tran: str, lines: list[dict], *, session: int = SESSION, **header: Any) -> None:
    """Write one order into the staging tables the way the orders loader does (Action 1, ProcessStatus 0)."""
    cursor = conn.cursor()
    row = {"SessionKey": session, "ProcessStatus": 0, "Action": 1, **_header(tran, **header)}
    cursor.execute(f"INSERT INTO StgSalesOrder ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
                   list(row.values()))
    for line in lines:
        row = {"SessionKey": session, "ProcessStatus": 0, "Action": 1, "TranNo": tran, **line}
        cursor.execute(f"INSERT INTO StgSOLine ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
                       list(row.values()))


def _one(conn, sql: str, *params: Any) -> dict[str, Any]:
    cursor = conn.cursor()
    cursor.execute(sql, *params)
    columns = [c[0].lower() for c in cursor.description]  # PostgreSQL reports lower case
    row = cursor.fetchone()
    return None if row is None else dict(zip(columns, row))


def _all(conn, sql: str, *params: Any) -> list[tuple]:
    return [tuple(r) for r in conn.cursor().execute(sql, *params).fetchall()]


def _same_value(logged: str | None, staged: str | None) -> bool:
    """Logged text equals the staged value; numbers compare by value (PostgreSQL shows the column's scale)."""
    if logged is None or staged is None:
        return logged == staged
    try:
        return Decimal(logged) == Decimal(staged)
    except ArithmeticError:
        return logged == staged


def _two_lines() -> list[dict]:
    return [_line(1), _line(2, item="SKU-00002", qty="1", price="25.00", ext="25.00")]


# -- success ---------------------------------------------------------------------------------------------

def test_a_valid_order_becomes_a_sales_order_with_lines_and_surrogate_keys_and_leaves_staging(conn):
    _stage(conn, "W000001", _two_lines())
    result = run_sales_order_import(conn, SESSION, now=NOW)
    assert result.processed == ["W000001"] and result.failed == {}

    order = _one(conn, "SELECT * FROM tsoSalesOrder WHERE CompanyID = ? AND TranNo = ?", "SOA", "W000001")
    customer = _one(conn, "SELECT CustKey FROM tarCustomer WHERE CustID = ?", "C00001")
    assert order["sokey"] == 1 and order["tranid"] == "W000001-SO"
    assert order["custkey"] == customer["custkey"] and order["status"] == 1 and order["hold"] == 0
    assert order["custpono"] == "WEB-W000001" and order["currid"] == "USD" and order["userfld1"] == "XC-W000001"
    assert to_decimal(order["tranamt"]) == to_decimal(order["openamt"]) == Decimal("59.60")
    assert [to_decimal(order[c]) for c in ("freightamt", "staxamt", "tradediscamt")] == [
        Decimal("7.50"), Decimal("3.10"), Decimal("1.00")]
    assert order["trandate"] == datetime(2024, 5, 31, 9, 30) and order["createdate"] == order["updatedate"] == NOW

    lines = _all(conn, "SELECT l.SOLineKey, l.SOLineNo, i.ItemID, l.Description, l.UnitPrice, d.SOLineDistKey, "
                       "d.QtyOrd, d.QtyShip, d.ExtAmt, w.WhseID FROM tsoSOLine l "
                       "JOIN tsoSOLineDist d ON d.SOLineKey = l.SOLineKey JOIN timItem i ON i.ItemKey = l.ItemKey "
                       "JOIN timWarehouse w ON w.WhseKey = d.WhseKey WHERE l.SOKey = ? ORDER BY l.SOLineNo", order["sokey"])
    assert [(r[0], r[1], r[2], r[3], to_decimal(r[4]), r[5], to_decimal(r[6]), to_decimal(r[7]), to_decimal(r[8]), r[9])
            for r in lines] == [
        (1, 1, "SKU-00001", "Line 1", Decimal("12.5"), 1, Decimal(2), Decimal(0), Decimal("25"), "MAIN"),
        (2, 2, "SKU-00002", "Line 2", Decimal("25"), 2, Decimal(1), Decimal(0), Decimal("25"), "MAIN"),
    ]

    bill = _one(conn, "SELECT AddrName, AddrLine1, City, StateID, PostalCode, CountryID FROM tciAddress WHERE AddrKey = ?",
                order["billtoaddrkey"])
    ship = _one(conn, "SELECT AddrLine1, AddrLine2, City FROM tciAddress WHERE AddrKey = ?", order["dfltshiptoaddrkey"])
    assert list(bill.values()) == ["Ann Lee", "1 Main St", "Portland", "OR", "97201", "USA"]
    assert list(ship.values()) == ["9 Dock Rd", "Unit 4", "Seattle"]

    counts = table_counts(conn)
    assert counts["StgSalesOrder"] == counts["StgSOLine"] == 0
    assert _all(conn, "SELECT EntityID, Status FROM tdmMigrationLogWrk") == [("W000001", 3)]  # the success row


def test_missing_amounts_descriptions_and_addresses_get_sage_defaults(conn):
    addresses = {f"{p}{c}": None for p in ("BillTo", "DfltShipTo")
                 for c in ("AddrName", "AddrLine1", "AddrLine2", "City", "StateID", "PostalCode", "CountryID")}
    _stage(conn, "W000002", [_line(1, qty="3", price="1.10", ext=None, Description=None, UnitPrice=None)],
           FreightAmt=None, STaxAmt=None, TradeDiscAmt=None, **addresses)
    assert run_sales_order_import(conn, SESSION, now=NOW).processed == ["W000002"]

    item = _one(conn, "SELECT i.StdPrice, d.ShortDesc FROM timItem i JOIN timItemDescription d ON d.ItemKey = i.ItemKey "
                      "WHERE i.ItemID = ?", "SKU-00001")
    line = _one(conn, "SELECT l.Description, l.UnitPrice, d.ExtAmt FROM tsoSOLine l "
                      "JOIN tsoSOLineDist d ON d.SOLineKey = l.SOLineKey")
    expected_ext = (to_decimal(item["stdprice"]) * 3).quantize(Decimal("0.001"))
    assert line["description"] == item["shortdesc"]
    assert to_decimal(line["unitprice"]) == to_decimal(item["stdprice"]) and to_decimal(line["extamt"]) == expected_ext
    order = _one(conn, "SELECT o.TranAmt, o.FreightAmt, o.Hold, o.BillToAddrKey, o.DfltShipToAddrKey, c.PrimaryAddrKey "
                       "FROM tsoSalesOrder o JOIN tarCustomer c ON c.CustKey = o.CustKey")
    assert to_decimal(order["tranamt"]) == expected_ext and to_decimal(order["freightamt"]) == 0 and order["hold"] == 0
    assert order["billtoaddrkey"] == order["dfltshiptoaddrkey"] == order["primaryaddrkey"]


def test_amounts_are_rounded_half_up_to_the_sage_column_scale(conn):
    _stage(conn, "W000003", [_line(1, qty="1.123456789", price="0.123456", ext="0.0005")], FreightAmt=Decimal(0),
           STaxAmt=Decimal(0), TradeDiscAmt=Decimal(0))
    run_sales_order_import(conn, SESSION, now=NOW)
    row = _one(conn, "SELECT l.UnitPrice, d.QtyOrd, d.ExtAmt, o.TranAmt FROM tsoSalesOrder o "
                     "JOIN tsoSOLine l ON l.SOKey = o.SOKey JOIN tsoSOLineDist d ON d.SOLineKey = l.SOLineKey")
    assert [to_decimal(v) for v in row.values()] == [
        Decimal("0.12346"), Decimal("1.12345679"), Decimal("0.001"), Decimal("0.001")]


def test_decimals_round_trip_exactly_from_staging_to_the_order(conn):
    qty, price, ext, total = Decimal("12345678.12345678"), Decimal("9999.99999"), Decimal("999999999999.998"), \
        Decimal("999999999999.999")
    _stage(conn, "W000004", [_line(1, qty=str(qty), price=str(price), ext=str(ext))], FreightAmt=Decimal("0.001"),
           STaxAmt=Decimal(0), TradeDiscAmt=Decimal(0))
    assert run_sales_order_import(conn, SESSION, now=NOW).processed == ["W000004"]
    row = _one(conn, "SELECT d.QtyOrd, l.UnitPrice, d.ExtAmt, o.TranAmt, o.FreightAmt FROM tsoSalesOrder o "
                     "JOIN tsoSOLine l ON l.SOKey = o.SOKey JOIN tsoSOLineDist d ON d.SOLineKey = l.SOLineKey")
    assert [to_decimal(v) for v in row.values()] == [qty, price, ext, total, Decimal("0.001")]


def test_quotes_sql_fragments_and_non_ascii_text_are_stored_exactly(conn):
    hostile = "Robert'); DROP TABLE tarCustomer;--"
    _stage(conn, "W000005", [_line(1, Description="Zoë's \"quoted\" ½ Ørsted")], BillToAddrName=hostile,
           BillToAddrLine1="Ørstedsvej 7; --", BillToCity="Zoë Ørsted", DfltShipToAddrName="Zoë Ørsted",
           DfltShipToAddrLine1="1 O'Neil St", CustPONo="PO';--", UserFld2="日本語")
    assert run_sales_order_import(conn, SESSION, now=NOW).processed == ["W000005"]
    order = _one(conn, "SELECT CustPONo, UserFld2, BillToAddrKey, DfltShipToAddrKey FROM tsoSalesOrder")
    assert order["custpono"] == "PO';--" and order["userfld2"] == "日本語"
    bill = _one(conn, "SELECT AddrName, AddrLine1, City FROM tciAddress WHERE AddrKey = ?", order["billtoaddrkey"])
    ship = _one(conn, "SELECT AddrName, AddrLine1 FROM tciAddress WHERE AddrKey = ?", order["dfltshiptoaddrkey"])
    assert list(bill.values()) == [hostile, "Ørstedsvej 7; --", "Zoë Ørsted"]
    assert list(ship.values()) == ["Zoë Ørsted", "1 O'Neil St"]
    assert _one(conn, "SELECT Description FROM tsoSOLine")["description"] == "Zoë's \"quoted\" ½ Ørsted"
    assert table_counts(conn)["tarCustomer"] == 7  # still there


def test_a_customer_can_be_a_storefront_email_customer_or_the_guest(conn):
    email_customer = _one(conn, "SELECT c.CustID FROM tarCustomer c JOIN tciContact t ON t.CntctKey = c.PrimaryCntctKey "
                                "WHERE t.EMailAddr = ?", EMAIL)["custid"]
    _stage(conn, "W000006", [_line(1)], CustID=email_customer)
    _stage(conn, "W000007", [_line(1)], CustID="WEBGUEST")
    assert run_sales_order_import(conn, SESSION, now=NOW).processed == ["W000006", "W000007"]


# -- refusals --------------------------------------------------------------------------------------------

def _delete_customer(conn):
    conn.cursor().execute("UPDATE tarCustomer SET Status = 4 WHERE CustID = ?", "C00002")


def _delete_item(conn):
    conn.cursor().execute("UPDATE timItem SET Status = 4 WHERE ItemID = ?", "SKU-00003")


REFUSALS = {
    "unknown item": ({}, [_line(1, item="SKU-99999")], None, ("ItemID", "SKU-99999", "item does not exist")),
    "deleted item": ({}, [_line(1, item="SKU-00003")], _delete_item, ("ItemID", "SKU-00003", "item does not exist")),
    "unknown customer": ({"CustID": "NOBODY"}, [_line(1)], None, ("CustID", "NOBODY", "Value is not valid")),
    "deleted customer": ({"CustID": "C00002"}, [_line(1)], _delete_customer, ("CustID", "C00002", "Value is not valid")),
    "unknown currency": ({"CurrID": "XBT"}, [_line(1)], None, ("CurrID", "XBT", "currency is not defined")),
    "no lines": ({}, [], None, ("TranNo", "W000010", "has no lines")),
    "unknown warehouse": ({}, [_line(1, WarehouseID="NORTH")], None, ("WarehouseID", "NORTH", "warehouse does not exist")),
    "zero quantity": ({}, [_line(1, qty="0")], None, ("QtyOrd", "0", "must be greater than 0")),
    "negative quantity": ({}, [_line(1, qty="-2")], None, ("QtyOrd", "-2", "must be greater than 0")),
    "missing date": ({"TranDate": None}, [_line(1)], None, ("TranDate", None, "TranDate is required")),
    "update action": ({"Action": 2}, [_line(1)], None, ("Action", "2", "only inserts")),
    "too long PO number": ({"CustPONo": "P" * 16}, [_line(1)], None, ("CustPONo", "P" * 16, "longer than 15")),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_a_refused_order_stays_staged_at_status_2_with_a_log_row_naming_column_and_value(conn, case):
    header, lines, prepare, (column, value, comment) = REFUSALS[case]
    if case == "too long PO number" and "PostgreSQL" in conn.getinfo(pyodbc.SQL_DBMS_NAME):
        pytest.skip("PostgreSQL enforces varchar(15) when staging; only SQLite can hold the value")
    if prepare:
        prepare(conn)
    _stage(conn, "W000010", lines, **header)
    result = run_sales_order_import(conn, SESSION, now=NOW)

    assert result.processed == [] and list(result.failed) == ["W000010"]
    assert any(m.startswith(f"{column}=") and comment in m for m in result.failed["W000010"]), result.failed
    log = _all(conn, "SELECT SessionKey, EntityID, ColumnID, ColumnValue, Comment, Status FROM tdmMigrationLogWrk")
    rows = [r for r in log if r[2] == column]
    line_level = column in ("ItemID", "WarehouseID", "QtyOrd")  # logged against "TranNo|Line n"
    entity = "W000010|Line 1" if line_level else "W000010"
    assert [(r[0], r[1], r[2], r[5]) for r in rows] == [(SESSION, entity, column, 1)]  # 1: failure
    assert _same_value(rows[0][3], value) and comment in rows[0][4]
    assert _all(conn, "SELECT ProcessStatus FROM StgSalesOrder") == [(2,)]
    assert _all(conn, "SELECT DISTINCT ProcessStatus FROM StgSOLine") == ([(2,)] if lines else [])
    assert table_counts(conn)["tsoSalesOrder"] == 0


def test_a_tran_no_that_already_exists_is_refused_as_a_duplicate(conn):
    _stage(conn, "W000011", [_line(1)])
    assert run_sales_order_import(conn, SESSION, now=NOW).processed == ["W000011"]
    _stage(conn, "W000011", [_line(1)], session=SESSION + 1)
    result = run_sales_order_import(conn, SESSION + 1, now=NOW)
    assert result.failed == {"W000011": ["TranNo='W000011': sales order W000011 already exists in company SOA"]}
    assert _all(conn, "SELECT ColumnID, ColumnValue, Status FROM tdmMigrationLogWrk WHERE SessionKey = ?",
                SESSION + 1) == [("TranNo", "W000011", 1)]
    assert table_counts(conn)["tsoSalesOrder"] == 1


def test_the_same_tran_no_twice_in_one_session_imports_the_first_and_refuses_the_second(conn):
    _stage(conn, "W000012", [_line(1)])
    _stage(conn, "W000012", [], CustPONo="second")
    result = run_sales_order_import(conn, SESSION, now=NOW)
    assert result.processed == ["W000012"] and len(result.failed["W000012"]) == 1
    assert "already exists" in result.failed["W000012"][0]
    assert _one(conn, "SELECT CustPONo FROM tsoSalesOrder")["custpono"] == "WEB-W000012"


def test_every_problem_of_an_order_gets_its_own_log_row(conn):
    _stage(conn, "W000013", [_line(1, item="SKU-99999"), _line(2, WarehouseID="XX")], CurrID="XBT")
    run_sales_order_import(conn, SESSION, now=NOW)
    log = _all(conn, "SELECT EntityID, ColumnID, ColumnValue, Status FROM tdmMigrationLogWrk")
    assert sorted(log) == [("W000013", "CurrID", "XBT", 1), ("W000013|Line 1", "ItemID", "SKU-99999", 1),
                           ("W000013|Line 2", "WarehouseID", "XX", 1)]


def test_one_bad_order_does_not_stop_the_good_ones_in_the_same_session(conn):
    _stage(conn, "W000020", [_line(1)])
    _stage(conn, "W000021", [_line(1, item="SKU-99999")])
    _stage(conn, "W000022", _two_lines())
    result = run_sales_order_import(conn, SESSION, now=NOW)
    assert result.processed == ["W000020", "W000022"] and list(result.failed) == ["W000021"]
    assert _all(conn, "SELECT SOKey, TranNo FROM tsoSalesOrder ORDER BY SOKey") == [(1, "W000020"), (2, "W000022")]
    assert _all(conn, "SELECT TranNo, ProcessStatus FROM StgSalesOrder") == [("W000021", 2)]
    assert _all(conn, "SELECT TranNo, ProcessStatus FROM StgSOLine") == [("W000021", 2)]
    assert _all(conn, "SELECT SOLineKey FROM tsoSOLine ORDER BY SOLineKey") == [(1,), (2,), (3,)]


def test_lines_without_a_header_are_logged_and_stop_the_whole_session(conn):
    _stage(conn, "W000030", [_line(1)])
    conn.cursor().execute("INSERT INTO StgSOLine (SessionKey, TranNo, SOLineNo, ItemID, QtyOrd, WarehouseID) "
                          "VALUES (?, ?, ?, ?, ?, ?)", SESSION, "W000031", 1, "SKU-00001", Decimal(1), "MAIN")
    result = run_sales_order_import(conn, SESSION, now=NOW)
    assert result.processed == [] and "no sales order header" in result.failed["W000031"][0]
    assert _all(conn, "SELECT EntityID, ColumnID, ColumnValue, Status FROM tdmMigrationLogWrk") == [
        ("StgSOLine", "TranNo", "W000031", 1)]
    assert table_counts(conn)["tsoSalesOrder"] == 0


# -- sessions and transactions ---------------------------------------------------------------------------

def test_other_sessions_and_already_failed_rows_are_left_alone(conn):
    _stage(conn, "W000040", [_line(1)], session=1)
    _stage(conn, "W000041", [_line(1, item="SKU-99999")])
    first = run_sales_order_import(conn, SESSION, now=NOW)
    again = run_sales_order_import(conn, SESSION, now=NOW)
    assert list(first.failed) == ["W000041"] and again.processed == [] and again.failed == {}
    assert _all(conn, "SELECT SessionKey, TranNo, ProcessStatus FROM StgSalesOrder ORDER BY RowKey") == [
        (1, "W000040", 0), (SESSION, "W000041", 2)]
    assert table_counts(conn)["tdmMigrationLogWrk"] == 2  # the line's failure and the order's


def test_the_import_runs_inside_the_callers_transaction(conn):
    _stage(conn, "W000050", [_line(1)])
    conn.commit()
    assert run_sales_order_import(conn, SESSION, now=NOW).processed == ["W000050"]
    conn.rollback()  # the caller decides: nothing happened
    counts = table_counts(conn)
    assert counts["tsoSalesOrder"] == 0 and counts["StgSalesOrder"] == 1
    assert run_sales_order_import(conn, SESSION, now=NOW).processed == ["W000050"]
    conn.commit()
    assert table_counts(conn)["tsoSalesOrder"] == 1


def test_on_an_autocommit_connection_the_import_is_its_own_committed_transaction(conn):
    _stage(conn, "W000060", [_line(1)])
    conn.commit()
    conn.autocommit = True
    assert run_sales_order_import(conn, SESSION, now=NOW).processed == ["W000060"]
    assert conn.autocommit is True
    conn.autocommit = False
    conn.rollback()  # nothing open any more: the import was committed
    assert table_counts(conn)["tsoSalesOrder"] == 1


def test_surrogate_keys_continue_across_sessions(conn):
    _stage(conn, "W000070", _two_lines())
    run_sales_order_import(conn, SESSION, now=NOW)
    _stage(conn, "W000071", _two_lines(), session=SESSION + 1)
    run_sales_order_import(conn, SESSION + 1, now=NOW)
    assert _all(conn, "SELECT o.SOKey, l.SOLineKey FROM tsoSalesOrder o JOIN tsoSOLine l ON l.SOKey = o.SOKey "
                      "ORDER BY l.SOLineKey") == [(1, 1), (1, 2), (2, 3), (2, 4)]
