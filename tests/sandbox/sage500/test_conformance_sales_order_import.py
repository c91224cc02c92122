"""Conformance: the emulated spSOapiSalesOrdIns against a site's copy of the standard procedure.

Source (cited as SP below): repository ``chrisdilalla/Tylie-API``, file
``database/2018-01-04_02 spSOapiSalesOrdIns_Tylie.sql`` (commit 6ebb09ab), a site's copy of Sage 500's
``spSOapiSalesOrdIns`` with its interface comment ("MIGRATION SP INTERFACE PARAMETERS"), its constants
(RET_*, ProcessingStatus, MIG_STAT_*, RPT_*, SOStatus_*), the column lists it copies from StgSalesOrder and
StgSOLine, its validations and its ``tdmMigrationLogWrk`` inserts. STGLINE below: the same repository's
``database/1-Tylie tables.sql``, a site's copy of the StgSOLine table. Each test names the part it checks;
docs/sage500.md maps every connector statement to these tests.

These run on SQLite (the embedded sandbox); the emulation is dialect-neutral SQL, exercised on PostgreSQL by
test_sales_order_import.py.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from include.sandbox.sage500.dialects import connect, to_decimal
from include.sandbox.sage500.procedures import (
    REQUIRED_HEADER_VALUES,
    REQUIRED_LINE_VALUES,
    MigrationOutputs,
    spSOapiSalesOrdIns,
)
from include.sandbox.sage500.schema import TABLES_BY_NAME, column_sizes, create_schema
from include.sandbox.sage500.seed import seed_database

SESSION = 900
NOW = datetime(2024, 6, 1, 12, 0, 0)
ALL, NONE, GOOD, BAD = 0, 1, 2, 3  # @iRptOption (SP: RPT_PRINT_*)


@pytest.fixture
def conn(tmp_path):
    connection = connect("sqlite", database=str(tmp_path / "sage500.db"))
    create_schema(connection, "sqlite")
    seed_database(connection, "sqlite", items=10, customers=3, customer_emails=["ann@example.com"])
    yield connection
    connection.close()


def _stage(conn, tran: str, lines: int | list[dict] = 1, *, session: int = SESSION, **header: Any) -> None:
    row = {"SessionKey": session, "ProcessStatus": 0, "Action": 1, "TranNo": tran, "TranDate": datetime(2024, 5, 31),
           "CustID": "C00001", "CurrID": "USD", "FreightAmt": Decimal("0"), "STaxAmt": Decimal("0"),
           "TradeDiscAmt": Decimal("0"), "UserFld1": f"XC-{tran}", **REQUIRED_HEADER_VALUES, **header}
    row = {k: v for k, v in row.items() if v is not _DROP}
    cursor = conn.cursor()
    cursor.execute(f"INSERT INTO StgSalesOrder ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
                   list(row.values()))
    for line in (lines if isinstance(lines, list) else [{} for _ in range(lines)]):
        values = {"SessionKey": session, "ProcessStatus": 0, "Action": 1, "TranNo": tran, "SOLineNo": 1,
                  "ItemID": "SKU-00001", "QtyOrd": Decimal(2), "UnitPrice": Decimal("10"), "WarehouseID": "MAIN",
                  **REQUIRED_LINE_VALUES, **line}
        values = {k: v for k, v in values.items() if v is not _DROP}
        cursor.execute(f"INSERT INTO StgSOLine ({', '.join(values)}) VALUES ({', '.join('?' for _ in values)})",
                       list(values.values()))


_DROP = object()  # leave the column out of the staged row


def _call(conn, *, rpt: int = ALL, cancel: int = 0, state: MigrationOutputs | None = None, use_stage: int = 1,
          max_rows: int = 25) -> MigrationOutputs:
    state = state or MigrationOutputs(0, 0, 0, 0, 0)
    return spSOapiSalesOrdIns(conn, state.o_continue, cancel, SESSION, "SOA", rpt, 1, use_stage,
                              state.o_recs_processed, state.o_failed_recs, state.o_total_recs, now=NOW,
                              max_rows_per_call=max_rows)


def _log(conn) -> list[tuple]:
    rows = conn.cursor().execute("SELECT EntityID, ColumnID, ColumnValue, Duplicate, Status FROM tdmMigrationLogWrk "
                                 "WHERE SessionKey = ?", SESSION).fetchall()
    return sorted(tuple(r) for r in rows)


def _one(conn, sql: str, *params: Any) -> tuple:
    return tuple(conn.cursor().execute(sql, *params).fetchone())


# -- the interface -------------------------------------------------------------------------------------------

def test_the_procedure_takes_the_migration_interface_and_answers_through_its_outputs(conn):
    """SP, interface comment: (@oContinue, @iCancel, @iSessionKey, @iCompanyID, @iRptOption, @iPrintWarnings,
    @UseStageTable, @oRecsProcessed, @oFailedRecs, @oTotalRecs, @_oRetVal); RET_SUCCESS = 1."""
    _stage(conn, "W1")
    _stage(conn, "W2", CustID="NOBODY")
    outputs = _call(conn)
    assert outputs == MigrationOutputs(o_continue=0, o_recs_processed=2, o_failed_recs=1, o_total_recs=2, o_ret_val=1)


def test_one_call_processes_a_share_and_asks_to_be_called_again_while_rows_remain(conn):
    """SP: @MAX_ROWS_PER_RUN / @MIGRATE_SECS response-time loop; "IF @UseStageTable = 1 AND (SELECT COUNT(*) FROM
    StgSalesOrder … ProcessStatus = @NOT_PROCESSED) > 0 SELECT @oContinue = 1"; @oRecsProcessed and @oFailedRecs are
    additive, @oTotalRecs is set only when it comes in NULL or zero."""
    for tran in ("W1", "W2", "W3"):
        _stage(conn, tran)
    first = _call(conn, max_rows=2)
    assert first == MigrationOutputs(1, 2, 0, 3, 1)
    second = _call(conn, state=first, max_rows=2)
    assert second == MigrationOutputs(0, 3, 0, 3, 1)
    assert conn.cursor().execute("SELECT COUNT(*) FROM tsoSalesOrder").fetchone()[0] == 3


def test_total_recs_is_kept_when_the_caller_passes_it_in(conn):
    """SP: "@oTotalRecs … Set to total number of rows to be processed, but only when the value is NULL or zero"."""
    _stage(conn, "W1")
    assert _call(conn, state=MigrationOutputs(1, 5, 1, 9, 1)) == MigrationOutputs(0, 6, 1, 9, 1)


def test_cancel_processes_nothing_and_logs_an_info_row(conn):
    """SP: "IF @iCancel = 1 … spdmCreateMigrationLogEntry … @iStatus = @MIG_STAT_INFO … SELECT @_oRetVal =
    @RET_SUCCESS"; MIG_STAT_INFO = 0."""
    _stage(conn, "W1")
    assert _call(conn, cancel=1) == MigrationOutputs(0, 0, 0, 0, 1)
    assert [row[4] for row in _log(conn)] == [0]
    assert _one(conn, "SELECT ProcessStatus FROM StgSalesOrder") == (0,)


def test_caller_built_temporary_tables_are_answered_with_a_parameter_error(conn):
    """SP: RET_PARM_ERR = 3. The sandbox does not emulate @UseStageTable = 0 (callers' #temp tables) and answers it
    with the parameter error (docs/sage500.md: sandbox choice, least forgiving)."""
    _stage(conn, "W1")
    assert _call(conn, use_stage=0).o_ret_val == 3
    assert _one(conn, "SELECT COUNT(*) FROM tsoSalesOrder") == (0,)


# -- the log ---------------------------------------------------------------------------------------------------

def test_the_log_has_the_procedures_columns(conn):
    """SP: "INSERT tdmMigrationLogWrk (ColumnID, ColumnValue, Duplicate, Comment, EntityID, Status, SessionKey)";
    widths from the SPs' work tables: EntityID varchar(255), ColumnID varchar(35); @ColumnValue VARCHAR(100)."""
    table = TABLES_BY_NAME["tdmMigrationLogWrk"]
    assert set(table.column_names) == {"SessionKey", "EntityID", "ColumnID", "ColumnValue", "Duplicate", "Comment",
                                       "Status"}
    assert {k: v for k, v in column_sizes("tdmMigrationLogWrk").items()} == {
        "EntityID": 255, "ColumnID": 35, "ColumnValue": 100, "Comment": 255}


def test_a_failure_is_logged_with_status_1_and_the_rows_stay_at_process_status_2(conn):
    """SP: MIG_STAT_FAILURE = 1; "UPDATE StgSalesOrder SET ProcessStatus = @GENRL_PROC_ERR" (= 2) and the same for
    its StgSOLine rows; the CustID check logs ColumnID 'CustID' with the staged value and Duplicate 0."""
    _stage(conn, "W1", CustID="NOBODY")
    _call(conn)
    assert _log(conn) == [("W1", "CustID", "NOBODY", 0, 1)]
    assert _one(conn, "SELECT ProcessStatus FROM StgSalesOrder") == (2,)
    assert _one(conn, "SELECT ProcessStatus FROM StgSOLine") == (2,)


def test_a_success_is_logged_with_status_3_and_its_staging_rows_are_deleted(conn):
    """SP: MIG_STAT_SUCCESSFUL = 3 logged with @iEntityID = @TranNo, @iColumnID = ''; "DELETE StgSalesOrder WHERE
    RowKey = @RowKey" and its StgSOLine rows (successful rows are deleted, not set to PROCESSED)."""
    _stage(conn, "W1")
    _call(conn)
    assert _log(conn) == [("W1", "", None, 0, 3)]
    assert _one(conn, "SELECT COUNT(*) FROM StgSalesOrder") == (0,) and _one(conn, "SELECT COUNT(*) FROM StgSOLine") == (0,)


@pytest.mark.parametrize(("rpt", "expected"), [(NONE, []), (GOOD, [3]), (BAD, [1]), (ALL, [1, 3])])
def test_the_report_option_decides_which_rows_are_logged(conn, rpt, expected):
    """SP: RPT_PRINT_ALL 0, NONE 1, SUCCESSFUL 2, UNSUCCESSFUL 3, and the "IF (@iRptOption = @RPT_PRINT_ALL OR
    (@iRptOption = @RPT_PRINT_UNSUCCESSFUL AND …) OR (@iRptOption = @RPT_PRINT_SUCCESSFUL AND …))" guards."""
    _stage(conn, "W1")
    _stage(conn, "W2", CustID="NOBODY")
    _call(conn, rpt=rpt)
    assert sorted(row[4] for row in _log(conn)) == expected


def test_a_line_failure_names_the_line_and_fails_the_order(conn):
    """SP: @lEntityID = TranNo + '|Line ' + the procedure's line number; a child failure ends with an entity row
    for the order with MIG_STAT_FAILURE (string 430046)."""
    _stage(conn, "W1", [{}, {"ItemID": "NOPE"}])
    _call(conn)
    log = _log(conn)
    assert ("W1|Line 2", "ItemID", "NOPE", 0, 1) in log and ("W1", "", None, 0, 1) in log
    assert _one(conn, "SELECT COUNT(*) FROM tsoSalesOrder") == (0,)


def test_lines_without_a_header_end_the_call_before_anything_is_processed(conn):
    """SP: the @Rec_Exist check: StgSOLine rows whose TranNo is not in StgSalesOrder for the session are logged
    (EntityID 'StgSOLine', ColumnID 'TranNo', MIG_STAT_FAILURE) and the procedure returns RET_SUCCESS at once."""
    _stage(conn, "W1")
    conn.cursor().execute("INSERT INTO StgSOLine (SessionKey, TranNo, ItemID, QtyOrd) VALUES (?, ?, ?, ?)",
                          SESSION, "W9", "SKU-00001", Decimal(1))
    assert _call(conn) == MigrationOutputs(0, 0, 0, 0, 1)
    assert _log(conn) == [("StgSOLine", "TranNo", "W9", 0, 1)]
    assert _one(conn, "SELECT COUNT(*) FROM tsoSalesOrder") == (0,)


# -- the staging columns it reads -------------------------------------------------------------------------------

def test_staging_has_the_columns_the_procedure_reads_and_not_the_ones_it_never_reads(conn):
    """SP: the "INSERT INTO #StgSalesOrder (…) SELECT … FROM StgSalesOrder" column list (BillToAddrName,
    BillToAddrLine1..5, DfltShipTo*, DfltShipMethID, DfltWarehouseID, Status, Hold, HoldReason, RequireSOAck,
    UserFld1..4, …); TranAmt, ShipMethID and a ship-to without the Dflt prefix are not in it."""
    header = set(TABLES_BY_NAME["StgSalesOrder"].column_names)
    assert {"BillToAddrName", *(f"BillToAddrLine{n}" for n in range(1, 6)), "DfltShipToAddrName",
            *(f"DfltShipToAddrLine{n}" for n in range(1, 6)), "DfltShipToCity", "DfltShipToStateID",
            "DfltShipToPostalCode", "DfltShipToCountryID", "DfltShipMethID", "DfltWarehouseID", "Status", "Hold",
            "HoldReason", "RequireSOAck", "OpenAmt", *(f"UserFld{n}" for n in range(1, 5))} <= header
    assert not {"TranAmt", "ShipMethID", "BillToName", "ShipToName", "ShipToAddrLine1", "ShipToCity"} & header


def test_staged_line_columns_follow_the_sites_stgsoline(conn):
    """STGLINE: CmntOnly varchar(3), Hold varchar(3), ReqCert varchar(3), DeliveryMeth varchar(25), Status
    varchar(25), KitComponent varchar(3); SP reads them in "INSERT INTO #StgSOLine"."""
    sizes = column_sizes("StgSOLine")
    assert {k: sizes[k] for k in ("CmntOnly", "Hold", "ReqCert", "DeliveryMeth", "Status", "KitComponent")} == {
        "CmntOnly": 3, "Hold": 3, "ReqCert": 3, "DeliveryMeth": 25, "Status": 25, "KitComponent": 3}


@pytest.mark.parametrize("column", ["Hold", "RequireSOAck"])
@pytest.mark.parametrize("value", [_DROP, "2", "Y"])
def test_hold_and_require_ack_are_required_yes_no_values(conn, column, value):
    """SP: "--Validate @Hold … NOT IN ('0', '1')) OR ((@Hold IS NULL) AND @Action <> @REC_UPDATE)" and the same
    for @RequireSOAck: MIG_STAT_FAILURE with ColumnID 'Hold' / 'RequireSOAck'."""
    _stage(conn, "W1", **{column: value})
    _call(conn)
    assert [(row[1], row[4]) for row in _log(conn)] == [(column, 1)]


def test_a_blank_status_imports_the_order_closed(conn):
    """SP: "Default SO Status if the Status if blank … CASE WHEN @SetupStepKey = @SOInsertion_OPEN THEN
    @SOStatus_OPEN ELSE @SOStatus_CLOSED": with no migration step set up for the session, closed (4)."""
    _stage(conn, "W1", Status=_DROP)
    _call(conn)
    assert _one(conn, "SELECT Status, CloseDate FROM tsoSalesOrder") == (4, datetime(2024, 5, 31))


def test_status_1_imports_an_open_order_and_other_values_are_refused(conn):
    """SP: SOStatus constants '0' not active, '1' open, '3' canceled, '4' closed are accepted; anything else is
    logged as 'SO Status' (RPT_STRINGNO_AS_LIST ': Open[1], Closed[4]')."""
    _stage(conn, "W1", Status="1")
    _stage(conn, "W2", Status="2")
    _call(conn)
    assert _one(conn, "SELECT TranNo, Status FROM tsoSalesOrder") == ("W1", 1)
    assert [(row[0], row[1]) for row in _log(conn) if row[4] == 1] == [("W2", "SO Status")]


@pytest.mark.parametrize(("column", "value", "logged"), [
    ("CmntOnly", _DROP, "CmntOnly"), ("ReqCert", "x", "ReqCert"), ("Hold", _DROP, "Hold"),
    ("DeliveryMeth", _DROP, "DeliveryMeth"), ("DeliveryMeth", "5", "DeliveryMeth"), ("Status", _DROP, "SO Line Status"),
    ("Status", "3", "SO Line Status"),
])
def test_line_flags_are_required(conn, column, value, logged):
    """SP, line loop: CmntOnly, ReqCert, Hold required '0'/'1'; DeliveryMeth required '1'..'4'; SO line Status
    required '1' or '2' (a blank one defaults to closed 4, which the check then refuses)."""
    _stage(conn, "W1", [{column: value}])
    _call(conn)
    assert ("W1|Line 1", logged) in [(row[0], row[1]) for row in _log(conn)]
    assert _one(conn, "SELECT COUNT(*) FROM tsoSalesOrder") == (0,)


def test_action_auto_or_null_is_taken_as_insert(conn):
    """SP: "UPDATE StgSalesOrder SET Action = @REC_INSERT WHERE Action = @REC_AUTO OR Action IS NULL"."""
    _stage(conn, "W1", Action=0)
    _stage(conn, "W2", Action=None)
    assert _call(conn).o_failed_recs == 0
    assert _one(conn, "SELECT COUNT(*) FROM tsoSalesOrder") == (2,)


# -- what it writes -----------------------------------------------------------------------------------------

def test_the_order_refers_to_ship_method_ship_to_and_warehouse_by_key(conn):
    """SP: #tsoAPIValid (the tsoSalesOrder work row) carries DfltShipMethKey, DfltShipToAddrKey, DfltWhseKey,
    BillToAddrKey; spsoGetSalesOrdDflts resolves @DfltShipMethID, the DfltShipTo* address and @DfltWarehouseID."""
    _stage(conn, "W1", [{"WarehouseID": None}], DfltShipMethID="FDX2D", DfltWarehouseID="EAST",
           BillToAddrName="Ann Lee", BillToAddrLine1="1 Main St", DfltShipToAddrName="Bo Lee",
           DfltShipToAddrLine1="9 Dock Rd", DfltShipToAddrLine3="Gate 3", DfltShipToCity="Seattle")
    _call(conn)
    meth, ship_to, bill_to, whse = _one(conn, "SELECT DfltShipMethKey, DfltShipToAddrKey, BillToAddrKey, DfltWhseKey "
                                              "FROM tsoSalesOrder")
    assert _one(conn, "SELECT ShipMethID FROM tciShipMethod WHERE ShipMethKey = ?", meth) == ("FDX2D",)
    assert _one(conn, "SELECT AddrName, AddrLine1, AddrLine3, City FROM tciAddress WHERE AddrKey = ?", ship_to) == (
        "Bo Lee", "9 Dock Rd", "Gate 3", "Seattle")
    assert _one(conn, "SELECT AddrName FROM tciAddress WHERE AddrKey = ?", bill_to) == ("Ann Lee",)
    assert _one(conn, "SELECT WhseID FROM timWarehouse WHERE WhseKey = ?", whse) == ("EAST",)
    # a line without its own warehouse ships from the order's default warehouse
    assert _one(conn, "SELECT w.WhseID FROM tsoSOLineDist d JOIN timWarehouse w ON w.WhseKey = d.WhseKey") == ("EAST",)


def test_an_unknown_ship_method_is_refused(conn):
    """SP passes @DfltShipMethID to spsoGetSalesOrdDflts with @BlankInvalidReference from the session's step
    parameters (none here): an invalid reference fails the order (message text *unverified*)."""
    _stage(conn, "W1", DfltShipMethID="CARRIER PIGEON")
    _call(conn)
    assert [(row[1], row[4]) for row in _log(conn)] == [("DfltShipMethID", 1)]


def test_hold_reason_and_acknowledgement_reach_the_order(conn):
    """SP: @lHold, @HoldReason and @RequireSOAck are passed to spsoGetSalesOrdDflts; tsoSalesOrder has Hold,
    HoldReason, RequireSOAck."""
    _stage(conn, "W1", Hold="1", HoldReason="Review total", RequireSOAck="1")
    _call(conn)
    assert _one(conn, "SELECT Hold, HoldReason, RequireSOAck FROM tsoSalesOrder") == (1, "Review total", 1)


def test_lines_get_status_and_comment_flag_and_distributions_get_freight_and_status(conn):
    """SP: #tsoSOLine has CmntOnly, Status (NOT NULL); #tsoSOLineDist has FreightAmt, Status, QtyOpenToShip;
    "spsoAllocateFrght @SOKey, @FreightAmt, … @AllocateMeth_AMT" spreads the header freight by amount."""
    _stage(conn, "W1", [{"QtyOrd": Decimal(1), "UnitPrice": Decimal("30")}, {"QtyOrd": Decimal(1),
                                                                         "UnitPrice": Decimal("10")}],
           FreightAmt=Decimal("10.00"))
    _call(conn)
    rows = conn.cursor().execute("SELECT l.SOLineNo, l.CmntOnly, l.Status, d.FreightAmt, d.Status, d.QtyOpenToShip "
                                 "FROM tsoSOLine l JOIN tsoSOLineDist d ON d.SOLineKey = l.SOLineKey "
                                 "ORDER BY l.SOLineNo").fetchall()
    assert [(r[0], r[1], r[2], to_decimal(r[3]), r[4], to_decimal(r[5])) for r in rows] == [
        (1, 0, 1, Decimal("7.5"), 1, Decimal(1)), (2, 0, 1, Decimal("2.5"), 1, Decimal(1))]


def test_a_comment_line_has_no_distribution(conn):
    """SP: "IF @lCmntOnly <> 1 -- Do not create SO line dist record for Comment only item"."""
    _stage(conn, "W1", [{}, {"CmntOnly": "1", "ItemID": None, "QtyOrd": None, "Description": "Gift wrap"}])
    _call(conn)
    assert [tuple(r) for r in conn.cursor().execute("SELECT SOLineNo, CmntOnly FROM tsoSOLine ORDER BY SOLineNo")] == [
        (1, 0), (2, 1)]
    assert _one(conn, "SELECT COUNT(*) FROM tsoSOLineDist") == (1,)


def test_line_numbers_are_the_procedures_own(conn):
    """SP: "SELECT @SOLineNo = @SOLineNo + 1" per staged line in RowKey order; the staged SOLineNo is kept only as
    @OrigSOLineNo (kit components)."""
    _stage(conn, "W1", [{"SOLineNo": 7}, {"SOLineNo": 7, "ItemID": "SKU-00002"}])
    _call(conn)
    assert [tuple(r) for r in conn.cursor().execute(
        "SELECT l.SOLineNo, i.ItemID FROM tsoSOLine l JOIN timItem i ON i.ItemKey = l.ItemKey ORDER BY l.SOLineNo")] == [
        (1, "SKU-00001"), (2, "SKU-00002")]
