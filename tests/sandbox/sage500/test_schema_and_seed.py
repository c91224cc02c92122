"""Schema, key allocation and seed data of the Sage 500 sandbox, on SQLite and PostgreSQL through ODBC."""

from __future__ import annotations

import threading
import time
from contextlib import closing
from decimal import Decimal

import pyodbc
import pytest

from include.sandbox.sage500.dialects import (
    connect,
    temporary_database,
    to_decimal,
)
from include.sandbox.sage500.schema import (
    TABLES,
    KeyAllocationError,
    allocate_keys,
    create_schema,
    drop_schema,
    table_counts,
)
from include.sandbox.sage500.seed import AlreadySeededError, seed_database
from tests.sandbox.sage500.servers import server_params as _server_params


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request, tmp_path):
    """(dialect, connection parameters) of a fresh empty database, dropped afterwards."""
    dialect = request.param
    with temporary_database(dialect, directory=tmp_path, **_server_params(dialect)) as params:
        yield dialect, params


@pytest.fixture
def conn(database):
    dialect, params = database
    connection = connect(dialect, **params)
    create_schema(connection, dialect)
    yield connection
    connection.close()


def _dump(connection) -> dict[str, list[tuple]]:
    cursor = connection.cursor()
    dump = {}
    for table in TABLES:
        order = ", ".join(table.primary_key or table.column_names)
        cursor.execute(f"SELECT {', '.join(table.column_names)} FROM {table.name} ORDER BY {order}")
        dump[table.name] = [tuple(row) for row in cursor.fetchall()]
    return dump


# -- schema ---------------------------------------------------------------------------------------------

def test_creating_the_schema_twice_changes_nothing(database, conn):
    dialect, _ = database
    allocate_keys(conn, "tarCustomer", 5)
    conn.commit()
    before = _dump(conn)
    create_schema(conn, dialect)
    assert _dump(conn) == before
    assert set(table_counts(conn)) == {t.name for t in TABLES}


def test_dropping_the_schema_removes_every_table_and_creating_it_restores_them(database, conn):
    dialect, _ = database
    drop_schema(conn, dialect)
    drop_schema(conn, dialect)  # nothing left to drop: still fine
    with pytest.raises(pyodbc.Error):
        conn.cursor().execute("SELECT COUNT(*) FROM tarCustomer").fetchone()
    conn.rollback()
    create_schema(conn, dialect)
    assert table_counts(conn)["tarCustomer"] == 0


def test_exact_decimals_round_trip_through_staging(conn):
    cursor = conn.cursor()
    values = (Decimal("999999999999.999"), Decimal("12345678.12345678"), Decimal("1234567890.12345"), Decimal("0.001"))
    cursor.execute("INSERT INTO StgSOLine (SessionKey, TranNo, SOLineNo, ExtAmt, QtyOrd, UnitPrice) "
                   "VALUES (?, ?, ?, ?, ?, ?)", 1, "T1", 1, values[0], values[1], values[2])
    cursor.execute("INSERT INTO StgSalesOrder (SessionKey, TranNo, FreightAmt) VALUES (?, ?, ?)", 1, "T1", values[3])
    conn.commit()
    row = cursor.execute("SELECT ExtAmt, QtyOrd, UnitPrice FROM StgSOLine").fetchone()
    assert [to_decimal(v) for v in row] == list(values[:3])
    assert to_decimal(cursor.execute("SELECT FreightAmt FROM StgSalesOrder").fetchone()[0]) == values[3]


def test_staging_rows_get_auto_increment_row_keys_and_default_status(conn):
    cursor = conn.cursor()
    for tran in ("A", "B"):
        cursor.execute("INSERT INTO StgSalesOrder (SessionKey, TranNo) VALUES (?, ?)", 9, tran)
    rows = cursor.execute("SELECT RowKey, ProcessStatus, Action FROM StgSalesOrder ORDER BY RowKey").fetchall()
    assert [tuple(r) for r in rows] == [(1, 0, 1), (2, 0, 1)]


# -- key allocation ----------------------------------------------------------------------------------------

def test_key_allocation_hands_out_consecutive_blocks(conn):
    assert allocate_keys(conn, "tsoSalesOrder", 10) == 1
    assert allocate_keys(conn, "tsoSalesOrder") == 11
    assert allocate_keys(conn, "tsoSOLine", 3) == 1  # one counter per table
    conn.commit()


def test_key_allocation_for_an_unknown_table_names_the_fix(conn):
    with pytest.raises(KeyAllocationError, match="no row for table tsoNope; create the schema"):
        allocate_keys(conn, "tsoNope")
    conn.rollback()


def test_concurrent_connections_never_receive_the_same_key(database, conn):
    dialect, params = database
    allocated: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            with closing(connect(dialect, **params)) as own:
                for _ in range(15):
                    first = allocate_keys(own, "tsoSalesOrder", 3)
                    time.sleep(0.001)  # hold the lock a moment so allocators really overlap
                    own.commit()
                    with lock:
                        allocated.extend(range(first, first + 3))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(allocated) == list(range(1, 4 * 15 * 3 + 1))


# -- seed -------------------------------------------------------------------------------------------------

def test_seeding_is_deterministic(database, conn, tmp_path):
    dialect, params = database
    seed_database(conn, dialect, seed=7, items=30, customers=12, customer_emails=["ann.lee3@example.com"])
    server = {k: v for k, v in params.items() if k != "database"}
    with temporary_database(dialect, directory=tmp_path, **server) as other_params:
        with closing(connect(dialect, **other_params)) as other:
            create_schema(other, dialect)
            seed_database(other, dialect, seed=7, items=30, customers=12, customer_emails=["ann.lee3@example.com"])
            assert _dump(other) == _dump(conn)


def test_a_different_seed_gives_different_data(database, conn, tmp_path):
    dialect, params = database
    seed_database(conn, dialect, seed=1, items=30, customers=12)
    server = {k: v for k, v in params.items() if k != "database"}
    with temporary_database(dialect, directory=tmp_path, **server) as other_params:
        with closing(connect(dialect, **other_params)) as other:
            create_schema(other, dialect)
            seed_database(other, dialect, seed=2, items=30, customers=12)
            assert _dump(other)["timItem"] != _dump(conn)["timItem"]


def test_seeded_items_are_the_storefront_skus_with_prices_and_stock_in_every_warehouse(database, conn):
    dialect, _ = database
    counts = seed_database(conn, dialect, items=25, customers=3)
    assert counts["timItem"] == 25 and counts["timWhseBinInvt"] == 75
    cursor = conn.cursor()
    ids = [r[0] for r in cursor.execute("SELECT ItemID FROM timItem WHERE CompanyID = ? ORDER BY ItemKey", "SOA")]
    assert ids == [f"SKU-{n:05d}" for n in range(1, 26)]
    assert sorted(r[0] for r in cursor.execute("SELECT WhseID FROM timWarehouse")) == ["EAST", "MAIN", "WEST"]
    assert sorted(r[0] for r in cursor.execute("SELECT CurrID FROM tciCurrency")) == ["CAD", "EUR", "GBP", "USD"]
    prices = [to_decimal(r[0]) for r in cursor.execute("SELECT StdPrice FROM timItem")]
    assert all(isinstance(p, Decimal) and Decimal("1.99") <= p <= Decimal("499.99") for p in prices)
    assert cursor.execute("SELECT COUNT(*) FROM timItem WHERE Status = 4").fetchone()[0] == 0
    described = cursor.execute("SELECT COUNT(*) FROM timItemDescription WHERE LanguageID = 1033 "
                               "AND ShortDesc IS NOT NULL").fetchone()[0]
    assert described == 25


def test_storefront_emails_become_active_customers_found_by_email_plus_a_guest(database, conn):
    dialect, _ = database
    emails = ["Ann.Lee1@example.com", "bo.zhang2@example.com", "ann.lee1@EXAMPLE.com"]  # last: same address
    counts = seed_database(conn, dialect, customers=4, customer_emails=emails)
    assert counts["tarCustomer"] == 4 + 2 + 1
    cursor = conn.cursor()
    # The query the orders adapter uses to match storefront customers.
    rows = cursor.execute(
        "SELECT c.CustID, c.CustName, t.EMailAddr, c.Status FROM tarCustomer c "
        "JOIN tciContact t ON t.CntctKey = c.PrimaryCntctKey "
        "WHERE c.CompanyID = ? AND LOWER(t.EMailAddr) IN (?, ?) ORDER BY c.CustKey",
        "SOA", "ann.lee1@example.com", "bo.zhang2@example.com").fetchall()
    assert [tuple(r) for r in rows] == [("C00005", "Ann Lee", "Ann.Lee1@example.com", 1),
                                        ("C00006", "Bo Zhang", "bo.zhang2@example.com", 1)]
    guest = cursor.execute("SELECT CustName, Status, PrimaryAddrKey FROM tarCustomer WHERE CustID = ?", "WEBGUEST").fetchone()
    assert guest[0] == "Web Guest" and guest[1] == 1 and guest[2] is not None


def test_seeding_a_seeded_company_again_is_refused(database, conn):
    dialect, _ = database
    seed_database(conn, dialect, items=3, customers=2)
    with pytest.raises(AlreadySeededError, match="company SOA already has items"):
        seed_database(conn, dialect, items=3, customers=2)
    assert table_counts(conn)["timItem"] == 3


def test_ten_thousand_items_seed_with_stock_in_every_warehouse(database, conn):
    dialect, _ = database
    counts = seed_database(conn, dialect, items=10_000, customers=500)
    assert counts["timItem"] == 10_000 and counts["timWhseBinInvt"] == 30_000


def test_a_sandbox_with_the_old_layout_is_upgraded_in_place(tmp_path):
    """Issue 12 changed the layout (vendor staging columns, order references by key); an existing sandbox keeps
    its orders: old ship-to and ship-method references are carried over, staging and log tables recreated."""
    from include.sandbox.sage500.dialects import connect as connect_sqlite

    connection = connect_sqlite("sqlite", database=str(tmp_path / "old.db"))
    cursor = connection.cursor()
    cursor.execute("CREATE TABLE tsoSalesOrder (SOKey INTEGER NOT NULL, CompanyID CHAR(3) NOT NULL, TranNo VARCHAR(10) "
                   "NOT NULL, TranID VARCHAR(13) NOT NULL, TranDate TIMESTAMP NOT NULL, CustKey INTEGER NOT NULL, "
                   "CustPONo VARCHAR(15), CurrID VARCHAR(3) NOT NULL, Status SMALLINT NOT NULL, Hold SMALLINT, "
                   "TranAmt TEXT NOT NULL, OpenAmt TEXT NOT NULL, FreightAmt TEXT NOT NULL, STaxAmt TEXT NOT NULL, "
                   "TradeDiscAmt TEXT NOT NULL, ShipMethID VARCHAR(15), BillToAddrKey INTEGER, ShipToAddrKey INTEGER, "
                   "UserFld1 VARCHAR(15), UserFld2 VARCHAR(15), UserFld3 VARCHAR(15), UserFld4 VARCHAR(15), "
                   "CreateDate TIMESTAMP, UpdateDate TIMESTAMP, PRIMARY KEY (SOKey))")
    cursor.execute("INSERT INTO tsoSalesOrder VALUES (1, 'SOA', 'W1', 'W1-SO', '2024-05-31 00:00:00', 1, NULL, 'USD', 1, "
                   "0, '10', '10', '0', '0', '0', 'UPSGND', 5, 6, 'XC-1', NULL, NULL, NULL, NULL, NULL)")
    cursor.execute("CREATE TABLE tsoSOLine (SOLineKey INTEGER NOT NULL, SOKey INTEGER NOT NULL, SOLineNo INTEGER NOT NULL, "
                   "ItemKey INTEGER NOT NULL, Description VARCHAR(40), UnitPrice TEXT NOT NULL, PRIMARY KEY (SOLineKey))")
    cursor.execute("INSERT INTO tsoSOLine VALUES (1, 1, 1, 1, 'x', '10')")
    cursor.execute("CREATE TABLE StgSalesOrder (RowKey INTEGER PRIMARY KEY AUTOINCREMENT, SessionKey INTEGER NOT NULL, "
                   "ProcessStatus SMALLINT, Action SMALLINT, TranNo VARCHAR(10), TranAmt TEXT, ShipMethID VARCHAR(15))")
    connection.commit()

    create_schema(connection, "sqlite")
    create_schema(connection, "sqlite")  # and again: nothing left to do

    order = connection.cursor().execute(
        "SELECT o.DfltShipToAddrKey, m.ShipMethID, o.RequireSOAck FROM tsoSalesOrder o "
        "JOIN tciShipMethod m ON m.ShipMethKey = o.DfltShipMethKey").fetchone()
    assert tuple(order) == (6, "UPSGND", 0)
    assert tuple(connection.cursor().execute("SELECT CmntOnly, Status FROM tsoSOLine").fetchone()) == (0, 1)
    columns = {c[0] for c in connection.cursor().execute("SELECT * FROM StgSalesOrder WHERE 1 = 0").description}
    assert "DfltShipMethID" in columns and "TranAmt" not in columns
    connection.close()
