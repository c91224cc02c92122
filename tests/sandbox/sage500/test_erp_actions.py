"""ERP-side helpers (shipping, stock, customer and item edits) and the seed data they rely on, on both dialects."""

from __future__ import annotations

from contextlib import closing
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from include.sandbox.sage500.dialects import (
    connect,
    temporary_database,
    to_decimal,
)
from include.sandbox.sage500.erp_actions import (
    ErpActionError,
    cancel_order,
    create_item,
    set_customer_status,
    set_stock,
    ship_order,
    stock_levels,
    update_customer_address,
    update_customer_contact,
    update_item,
)
from include.sandbox.sage500.procedures import REQUIRED_HEADER_VALUES, REQUIRED_LINE_VALUES, run_sales_order_import
from include.sandbox.sage500.schema import create_schema, table_counts
from include.sandbox.sage500.seed import seed_database
from tests.sandbox.sage500.servers import server_params as _server_params

NOW = datetime(2026, 6, 1, 12, 0, 0)  # later than every seeded timestamp
SHIPPED = datetime(2026, 6, 2, 15, 0, 0)
LATER = datetime(2026, 6, 3, 9, 0, 0)


def _stage(conn, table: str, row: dict[str, Any]) -> None:
    values = {"SessionKey": 1, "ProcessStatus": 0, "Action": 1, **row}
    conn.cursor().execute(f"INSERT INTO {table} ({', '.join(values)}) VALUES ({', '.join('?' for _ in values)})",
                          list(values.values()))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request, tmp_path):
    dialect = request.param
    with temporary_database(dialect, directory=tmp_path, **_server_params(dialect)) as params:
        yield dialect, params


@pytest.fixture
def conn(database):
    """Seeded sandbox (negative stock included) plus sales order W000001: line 1 3 × SKU-00001 from MAIN,
    line 2 2 × SKU-00002 from WEST."""
    dialect, params = database
    connection = connect(dialect, **params)
    create_schema(connection, dialect)
    seed_database(connection, dialect, items=10, customers=5, negative_stock=True)
    _stage(connection, "StgSalesOrder", {"TranNo": "W000001", "TranDate": datetime(2024, 5, 30), "CustID": "C00001",
                                         "CurrID": "USD", "DfltShipMethID": "UPSGND", **REQUIRED_HEADER_VALUES})
    for no, item, qty, whse in ((1, "SKU-00001", "3", "MAIN"), (2, "SKU-00002", "2", "WEST")):
        _stage(connection, "StgSOLine", {"TranNo": "W000001", "SOLineNo": no, "ItemID": item, "QtyOrd": Decimal(qty),
                                         "UnitPrice": Decimal("10"), "WarehouseID": whse, **REQUIRED_LINE_VALUES})
    assert run_sales_order_import(connection, 1, now=NOW).processed == ["W000001"]
    connection.commit()
    yield connection
    connection.close()


def _one(conn, sql: str, *params: Any) -> dict[str, Any] | None:
    cursor = conn.cursor()
    cursor.execute(sql, *params)
    columns = [c[0].lower() for c in cursor.description]
    row = cursor.fetchone()
    return None if row is None else dict(zip(columns, row))


def _all(conn, sql: str, *params: Any) -> list[tuple]:
    return [tuple(r) for r in conn.cursor().execute(sql, *params).fetchall()]


def _shipped(conn) -> dict[int, Decimal]:
    return {no: to_decimal(qty) for no, qty in _all(
        conn, "SELECT l.SOLineNo, d.QtyShip FROM tsoSOLine l JOIN tsoSOLineDist d ON d.SOLineKey = l.SOLineKey")}


def _order(conn) -> dict[str, Any]:
    return _one(conn, "SELECT Status, UpdateDate FROM tsoSalesOrder WHERE TranNo = ?", "W000001")


# -- seed ---------------------------------------------------------------------------------------------------

def test_seeding_gives_cash_accounts_customer_classes_and_stock_with_zero_and_negative_on_hand(conn):
    accounts = _all(conn, "SELECT GLAcctNo, Description, AcctTypeID, Status FROM tglAccount ORDER BY GLAcctNo")
    assert [a[:2] for a in accounts if a[2] == 101 and a[3] == 1] == [
        ("1010-00", "Operating Cash"), ("1020-00", "PayPal Clearing"), ("1030-00", "Card Clearing"),
        ("1040-00", "EUR Bank Account")]
    assert _all(conn, "SELECT CustClassID FROM tarCustClass ORDER BY CustClassID") == [("RETAIL",), ("WEB",),
                                                                                       ("WHOLESALE",)]
    classes = _all(conn, "SELECT c.CustID, k.CustClassID FROM tarCustomer c JOIN tarCustClass k "
                         "ON k.CustClassKey = c.CustClassKey ORDER BY c.CustKey")
    assert classes[0] == ("C00001", "RETAIL") and classes[-1] == ("WEBGUEST", "WEB")
    assert stock_levels(conn, item_id="SKU-00001")["EAST"] == (Decimal(0), Decimal(0))
    assert stock_levels(conn, item_id="SKU-00002")["WEST"] == (Decimal(-3), Decimal(0))
    assert all(len(stock_levels(conn, item_id=f"SKU-{n:05d}")) == 3 for n in range(1, 11))
    assert _one(conn, "SELECT COUNT(*) AS n FROM timWhseBinInvt WHERE UpdateDate IS NULL")["n"] == 0


def test_negative_stock_is_opt_in_and_leaves_every_other_row_as_it_was(database, tmp_path):
    dialect, params = database
    server = {k: v for k, v in params.items() if k != "database"}
    dumps = []
    for negative in (False, True):
        with temporary_database(dialect, directory=tmp_path, **server) as own:
            with closing(connect(dialect, **own)) as connection:
                create_schema(connection, dialect)
                seed_database(connection, dialect, items=10, customers=3, negative_stock=negative)
                dumps.append(_all(connection, "SELECT WhseKey, ItemKey, QtyOnHand FROM timWhseBinInvt "
                                              "ORDER BY ItemKey, WhseKey"))
    changed = [(a, b) for a, b in zip(*dumps) if a != b]
    assert len(changed) == 1 and to_decimal(changed[0][1][2]) == -3
    assert min(to_decimal(row[2]) for row in dumps[0]) == 0


# -- shipments ---------------------------------------------------------------------------------------------

def test_a_partial_shipment_records_lines_raises_qty_shipped_takes_stock_and_keeps_the_order_open(conn):
    main_before = stock_levels(conn, item_id="SKU-00001")["MAIN"][0]
    shipment = ship_order(conn, tran_no="W000001", lines={1: 2}, tracking_no="1Z999AA10123456784", carrier="UPS",
                          ship_date=SHIPPED, now=SHIPPED)
    assert (shipment.ship_key, shipment.tran_no, shipment.lines, shipment.order_closed) == (
        1, "0000000001", {1: Decimal(2)}, False)
    header = _one(conn, "SELECT s.TranNo, s.TranID, s.TranDate, s.ShipMethID, s.CarrierID, s.TrackingNo, o.TranNo "
                        "AS SOTranNo, c.CustID, s.CreateDate FROM tsoShipment s JOIN tsoSalesOrder o ON o.SOKey = s.SOKey "
                        "JOIN tarCustomer c ON c.CustKey = s.CustKey")
    assert list(header.values()) == ["0000000001", "0000000001-SH", SHIPPED, "UPSGND", "UPS", "1Z999AA10123456784",
                                     "W000001", "C00001", SHIPPED]
    lines = _all(conn, "SELECT sl.ShipKey, l.SOLineNo, i.ItemID, w.WhseID, sl.QtyShipped FROM tsoShipLine sl "
                       "JOIN tsoSOLine l ON l.SOLineKey = sl.SOLineKey JOIN timItem i ON i.ItemKey = sl.ItemKey "
                       "JOIN timWarehouse w ON w.WhseKey = sl.WhseKey")
    assert [(r[0], r[1], r[2], r[3], to_decimal(r[4])) for r in lines] == [(1, 1, "SKU-00001", "MAIN", Decimal(2))]
    assert _shipped(conn) == {1: Decimal(2), 2: Decimal(0)}
    assert stock_levels(conn, item_id="SKU-00001")["MAIN"][0] == main_before - 2
    assert _order(conn) == {"status": 1, "updatedate": SHIPPED}


def test_shipping_the_rest_closes_the_order_and_stock_may_go_negative(conn):
    ship_order(conn, tran_no="W000001", lines={1: 2}, tracking_no="T1", carrier="UPS", ship_date=SHIPPED, now=SHIPPED)
    rest = ship_order(conn, tran_no="W000001", tracking_no="T2", carrier="FedEx", ship_date=LATER, now=LATER)
    assert (rest.tran_no, rest.lines, rest.order_closed) == ("0000000002", {1: Decimal(1), 2: Decimal(2)}, True)
    assert _shipped(conn) == {1: Decimal(3), 2: Decimal(2)}
    assert _order(conn) == {"status": 4, "updatedate": LATER}
    assert stock_levels(conn, item_id="SKU-00002")["WEST"][0] == Decimal(-5), "−3 seeded, 2 shipped"
    assert _all(conn, "SELECT TranNo, TrackingNo FROM tsoShipment ORDER BY ShipKey") == [("0000000001", "T1"),
                                                                                         ("0000000002", "T2")]
    assert _one(conn, "SELECT b.UpdateDate FROM timWhseBinInvt b JOIN timItem i ON i.ItemKey = b.ItemKey "
                      "JOIN timWarehouse w ON w.WhseKey = b.WhseKey WHERE i.ItemID = ? AND w.WhseID = ?",
                "SKU-00002", "WEST")["updatedate"] == LATER


@pytest.mark.parametrize("lines, message", [
    ({1: 4}, "line 1 of sales order W000001 has 3 open, cannot ship 4"),
    ({1: 0}, "must be greater than 0"),
    ({9: 1}, "sales order W000001 has no line 9"),
])
def test_impossible_shipments_are_refused_and_change_nothing(conn, lines, message):
    with pytest.raises(ErpActionError, match=message):
        ship_order(conn, tran_no="W000001", lines=lines, now=SHIPPED)
    assert table_counts(conn)["tsoShipment"] == 0 and _shipped(conn) == {1: Decimal(0), 2: Decimal(0)}


def test_a_closed_or_canceled_order_cannot_be_shipped(conn):
    ship_order(conn, tran_no="W000001", now=SHIPPED)
    with pytest.raises(ErpActionError, match="W000001 is closed"):
        ship_order(conn, tran_no="W000001", now=LATER)
    with pytest.raises(ErpActionError, match="W999999 does not exist"):
        ship_order(conn, tran_no="W999999")
    with pytest.raises(ErpActionError, match="not open"):
        cancel_order(conn, tran_no="W000001")


def test_cancelling_an_open_order_sets_status_3_and_bumps_update_date(conn):
    cancel_order(conn, tran_no="W000001", now=LATER)
    assert _order(conn) == {"status": 3, "updatedate": LATER}
    with pytest.raises(ErpActionError, match="is canceled"):
        ship_order(conn, tran_no="W000001")


def test_helpers_commit_their_own_work_unless_told_not_to(conn, database):
    dialect, params = database
    ship_order(conn, tran_no="W000001", lines={1: 1}, now=SHIPPED)
    set_stock(conn, item_id="SKU-00003", whse_id="MAIN", qty_on_hand=5, now=SHIPPED, commit=False)
    with closing(connect(dialect, **params)) as other:
        assert table_counts(other)["tsoShipment"] == 1, "committed: another connection sees it"
    conn.rollback()
    assert _one(conn, "SELECT COUNT(*) AS n FROM timWhseBinInvt WHERE UpdateDate = ?", SHIPPED)["n"] == 1, \
        "only the shipment's stock row: the uncommitted set_stock was rolled back"


# -- stock -------------------------------------------------------------------------------------------------

def test_set_stock_changes_one_warehouse_and_bumps_that_rows_update_date(conn):
    item_before = _one(conn, "SELECT UpdateDate FROM timItem WHERE ItemID = ?", "SKU-00004")["updatedate"]
    others = {w: v for w, v in stock_levels(conn, item_id="SKU-00004").items() if w != "EAST"}
    set_stock(conn, item_id="SKU-00004", whse_id="EAST", qty_on_hand=Decimal("12.5"), pend_qty_decrease=2, now=LATER)
    levels = stock_levels(conn, item_id="SKU-00004")
    assert levels["EAST"] == (Decimal("12.5"), Decimal(2))
    assert {w: v for w, v in levels.items() if w != "EAST"} == others
    rows = _all(conn, "SELECT w.WhseID, b.UpdateDate FROM timWhseBinInvt b JOIN timWarehouse w ON w.WhseKey = b.WhseKey "
                      "JOIN timItem i ON i.ItemKey = b.ItemKey WHERE i.ItemID = ? AND b.UpdateDate > ?",
                "SKU-00004", SHIPPED)
    assert rows == [("EAST", LATER)]
    assert _one(conn, "SELECT UpdateDate FROM timItem WHERE ItemID = ?", "SKU-00004")["updatedate"] == item_before


def test_set_stock_allows_negative_on_hand_and_creates_a_missing_row(conn):
    conn.cursor().execute("DELETE FROM timWhseBinInvt WHERE ItemKey = (SELECT ItemKey FROM timItem WHERE ItemID = ?) "
                          "AND WhseKey = (SELECT WhseKey FROM timWarehouse WHERE WhseID = ?)", "SKU-00005", "WEST")
    conn.commit()
    set_stock(conn, item_id="SKU-00005", whse_id="WEST", qty_on_hand=-4, now=LATER)
    assert stock_levels(conn, item_id="SKU-00005")["WEST"] == (Decimal(-4), Decimal(0))


@pytest.mark.parametrize("kwargs, error, message", [
    ({"item_id": "NOPE", "whse_id": "MAIN", "qty_on_hand": 1}, ErpActionError, "item NOPE does not exist"),
    ({"item_id": "SKU-00001", "whse_id": "NORTH", "qty_on_hand": 1}, ErpActionError, "warehouse NORTH does not exist"),
    ({"item_id": "SKU-00001", "whse_id": "MAIN", "qty_on_hand": 1.5}, TypeError, "must be a Decimal"),
    ({"item_id": "SKU-00001", "whse_id": "MAIN", "qty_on_hand": 1, "pend_qty_decrease": -1}, ErpActionError,
     "must not be negative"),
])
def test_set_stock_refuses_what_cannot_be_stored(conn, kwargs, error, message):
    with pytest.raises(error, match=message):
        set_stock(conn, **kwargs)


# -- customers and items -----------------------------------------------------------------------------------

_CUSTOMER = ("SELECT c.Status, c.UpdateDate, a.AddrLine1, a.City, a.PostalCode, a.UpdateDate AS AddrUpdateDate, "
             "t.EMailAddr, t.Phone, t.UpdateDate AS CntctUpdateDate FROM tarCustomer c "
             "JOIN tciAddress a ON a.AddrKey = c.PrimaryAddrKey JOIN tciContact t ON t.CntctKey = c.PrimaryCntctKey "
             "WHERE c.CustID = ?")


def test_updating_a_customer_address_changes_the_primary_address_and_bumps_both_update_dates(conn):
    before = _one(conn, _CUSTOMER, "C00002")
    update_customer_address(conn, cust_id="C00002", AddrLine1="500 Market St", City="Denver", now=LATER)
    after = _one(conn, _CUSTOMER, "C00002")
    assert (after["addrline1"], after["city"], after["postalcode"]) == ("500 Market St", "Denver", before["postalcode"])
    assert after["updatedate"] == after["addrupdatedate"] == LATER
    assert after["cntctupdatedate"] == before["cntctupdatedate"]


def test_updating_a_customer_contact_and_status_bumps_update_date(conn):
    update_customer_contact(conn, cust_id="C00003", email="c3@example.net", phone=None, now=SHIPPED)
    after = _one(conn, _CUSTOMER, "C00003")
    assert (after["emailaddr"], after["phone"], after["cntctupdatedate"], after["updatedate"]) == (
        "c3@example.net", None, SHIPPED, SHIPPED)
    set_customer_status(conn, cust_id="C00003", status=2, now=LATER)
    after = _one(conn, _CUSTOMER, "C00003")
    assert (after["status"], after["updatedate"]) == (2, LATER)


@pytest.mark.parametrize("call, error, message", [
    (lambda c: update_customer_address(c, cust_id="NOBODY", City="X"), ErpActionError, "customer NOBODY does not exist"),
    (lambda c: update_customer_address(c, cust_id="C00001", Town="X"), TypeError, "got Town"),
    (lambda c: update_customer_address(c, cust_id="C00001", City="C" * 21), ErpActionError, "longer than 20"),
    (lambda c: set_customer_status(c, cust_id="C00001", status=7), ErpActionError, "customer status 7"),
    (lambda c: update_customer_contact(c, cust_id="C00001"), TypeError, "nothing to change"),
])
def test_customer_edits_refuse_unknown_customers_fields_and_values(conn, call, error, message):
    with pytest.raises(error, match=message):
        call(conn)


def test_updating_an_item_changes_description_price_status_and_bumps_update_date(conn):
    update_item(conn, item_id="SKU-00006", description="Renamed Lamp", std_price=Decimal("19.99"), status=3, now=LATER)
    item = _one(conn, "SELECT i.StdPrice, i.Status, i.UpdateDate, d.ShortDesc FROM timItem i JOIN timItemDescription d "
                      "ON d.ItemKey = i.ItemKey WHERE i.ItemID = ?", "SKU-00006")
    assert (to_decimal(item["stdprice"]), item["status"], item["updatedate"], item["shortdesc"]) == (
        Decimal("19.99"), 3, LATER, "Renamed Lamp")
    update_item(conn, item_id="SKU-00006", now=datetime(2026, 7, 1))  # a save without changes still stamps
    assert _one(conn, "SELECT UpdateDate FROM timItem WHERE ItemID = ?", "SKU-00006")["updatedate"] == datetime(2026, 7, 1)
    with pytest.raises(ErpActionError, match="item status 9"):
        update_item(conn, item_id="SKU-00006", status=9)
    with pytest.raises(ErpActionError, match="item NOPE does not exist"):
        update_item(conn, item_id="NOPE", status=1)


def test_creating_an_item_gives_it_a_description_price_and_stock_in_every_warehouse(conn):
    key = create_item(conn, item_id="SKU-NEW-1", description="Brand New Kettle", std_price="49.50",
                      stock={"MAIN": 7}, now=LATER)
    item = _one(conn, "SELECT i.ItemKey, i.ItemType, i.Status, i.StdPrice, i.CreateDate, i.UpdateDate, d.ShortDesc "
                      "FROM timItem i JOIN timItemDescription d ON d.ItemKey = i.ItemKey WHERE i.ItemID = ?", "SKU-NEW-1")
    assert (item["itemkey"], item["itemtype"], item["status"], to_decimal(item["stdprice"]), item["createdate"],
            item["updatedate"], item["shortdesc"]) == (key, 5, 1, Decimal("49.5"), LATER, LATER, "Brand New Kettle")
    assert key == 11, "after the 10 seeded items, from tciSurrogateKey"
    assert stock_levels(conn, item_id="SKU-NEW-1") == {"EAST": (0, 0), "MAIN": (7, 0), "WEST": (0, 0)}
    with pytest.raises(ErpActionError, match="SKU-NEW-1 already exists"):
        create_item(conn, item_id="SKU-NEW-1", description="Again", std_price=1)
    with pytest.raises(ErpActionError, match="warehouse.*NORTH"):
        create_item(conn, item_id="SKU-NEW-2", description="X", std_price=1, stock={"NORTH": 1})

