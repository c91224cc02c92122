"""The Sage 500 orders loader against the sandbox's spSOapiSalesOrdIns (SQLite through ODBC).

What it must do, from the vendor procedure (docs/sage500.md): stage only the columns the procedure reads,
with the values it requires; read the outcome from tdmMigrationLogWrk as Sage writes it (Status 1 failure,
3 success; line rows as ``TranNo|Line n``).
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from storesync.systems.sage500 import orders as sage500_orders
@pytest.fixture
def hook(monkeypatch, tmp_path):
    from include.sandbox.sage500.dialects import connect
    from include.sandbox.sage500.schema import create_schema
    from include.sandbox.sage500.seed import seed_database
    from storesync.systems.sage500.hook import Sage500Hook

    database = str(tmp_path / "sage500.db")
    connection = connect("sqlite", database=database)
    create_schema(connection, "sqlite")
    seed_database(connection, "sqlite", seed=7, items=10, customers=3)
    connection.close()
    monkeypatch.setenv("AIRFLOW_CONN_SAGE_TEST", json.dumps({"conn_type": "sage500", "schema": database, "extra": {
        "driver": "SQLite3", "dialect": "sqlite", "company_id": "SOA", "import_procedure": "sandbox",
        "placeholder": "?"}}))
    return Sage500Hook("sage_test")


def mapped(order_id: int, **header) -> dict:
    """A record as plugins/storesync/systems/sage500/mappings/order_from_canonical.yaml produces it."""
    tran = f"W{order_id:09d}"
    return {
        "header": {
            "TranNo": tran, "TranDate": date(2026, 11, 19), "CustID": "WEBGUEST", "CustPONo": str(order_id),
            "CurrID": "USD", "FreightAmt": Decimal("5.00"), "STaxAmt": Decimal("2.00"), "TradeDiscAmt": Decimal("0"),
            "TranAmt": Decimal("27.00"), "DfltShipMethID": "UPSGND", "DfltWarehouseID": "MAIN", "Status": "1",
            "Hold": "0", "RequireSOAck": "0", "BillToAddrName": "Ann Lee", "BillToAddrLine1": "1 Main St",
            "BillToCity": "Portland", "BillToCountryID": "USA", "DfltShipToAddrName": "Ann Lee",
            "DfltShipToAddrLine1": "9 Dock Rd", "DfltShipToCity": "Seattle", "DfltShipToCountryID": "USA",
            "UserFld1": f"XC-{order_id}", **header,
        },
        "lines": [{"TranNo": tran, "SOLineNo": 1, "ItemID": "SKU-00001", "Description": "Widget",
                   "QtyOrd": Decimal(2), "UnitPrice": Decimal("10.00"), "ExtAmt": Decimal("20.00"),
                   "WarehouseID": "MAIN", "CmntOnly": "0", "Hold": "0", "ReqCert": "0", "DeliveryMeth": "1",
                   "Status": "1"}],
    }


def test_only_the_columns_the_procedure_reads_are_staged():
    """spSOapiSalesOrdIns's StgSalesOrder column list has no TranAmt: the storefront total stays out of staging."""
    row = sage500_orders.staging_header(mapped(1)["header"])
    assert "TranAmt" not in row and row["Action"] == 1
    assert {"BillToAddrName", "DfltShipToAddrLine1", "DfltShipMethID", "DfltWarehouseID", "Status", "Hold",
            "RequireSOAck"} <= set(row)
    assert set(row) - {"Action"} <= sage500_orders.PROCEDURE_HEADER_COLUMNS


def test_an_order_is_created_open_with_its_ship_method_and_ship_to_by_key(hook):
    [outcome] = sage500_orders.load_orders(hook, [("1", mapped(1))])
    assert outcome.outcome == "loaded" and outcome.target_ref == "SO W000000001"
    with hook.transaction("check") as connection:
        [order] = hook.fetch_all(connection, "SELECT o.Status, o.Hold, m.ShipMethID, a.AddrLine1, o.TranAmt "
                                             "FROM tsoSalesOrder o JOIN tciShipMethod m ON m.ShipMethKey = o.DfltShipMethKey "
                                             "JOIN tciAddress a ON a.AddrKey = o.DfltShipToAddrKey")
        assert (order["Status"], order["Hold"], order["ShipMethID"], order["AddrLine1"]) == (1, 0, "UPSGND", "9 Dock Rd")
        assert Decimal(str(order["TranAmt"])) == Decimal("27.00")  # the procedure's own total matches ours
        # the session is cleared: nothing left in staging or in the log
        assert hook.fetch_all(connection, "SELECT COUNT(*) AS n FROM tdmMigrationLogWrk")[0]["n"] == 0
        assert hook.fetch_all(connection, "SELECT COUNT(*) AS n FROM StgSalesOrder")[0]["n"] == 0


def test_a_refusal_is_read_from_the_failure_rows_including_line_rows(hook):
    """Status 1 rows, the line's (EntityID 'TranNo|Line 1') grouped under its order, go to the DLQ reason."""
    bad = mapped(2)
    bad["lines"][0]["WarehouseID"] = "NOWHERE"
    outcomes = {o.record_key: o for o in sage500_orders.load_orders(hook, [("1", mapped(1)), ("2", bad)])}
    assert outcomes["1"].outcome == "loaded"
    assert outcomes["2"].outcome == "dlq"
    assert "Line 1: WarehouseID='NOWHERE'" in outcomes["2"].detail


def test_a_header_the_procedure_refuses_names_the_column(hook):
    outcomes = sage500_orders.load_orders(hook, [("3", mapped(3, RequireSOAck=None))])
    [outcome] = outcomes
    assert outcome.outcome == "dlq" and "RequireSOAck" in outcome.detail and "Sage 500 import refused" in outcome.detail
