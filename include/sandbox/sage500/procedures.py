"""Emulated Sage 500 import procedures: the hook's sandbox mode finds every one of them in this module.

- ``spSOapiSalesOrdIns``: the standard sales-order migration procedure, with its real interface (this module,
  described below); ``run_sales_order_import`` drives it the way a caller does (repeat while ``@oContinue = 1``);
- ``spARapiCustomerIns``: the standard customer migration procedure with the same interface (:mod:`.customers`);
  ``run_customer_import`` drives it;
- ``run_customer_payment_import`` and ``run_credit_memo_import``: the sandbox's own receipt and credit-memo
  imports (:mod:`.receivables`; Sage 500 documents no procedure for them).

**spSOapiSalesOrdIns.** Source: a site's copy of the standard procedure, ``chrisdilalla/Tylie-API``
``database/2018-01-04_02 spSOapiSalesOrdIns_Tylie.sql`` (its interface comment, constants, the staging
columns it copies, its validations and what it writes to ``tdmMigrationLogWrk``); docs/sage500.md lists every
fact with its line of evidence. SQLite and PostgreSQL cannot run T-SQL, so the sandbox reproduces the contract
in Python, talking to the database only with portable SQL through the caller's pyodbc connection:

- interface ``(@oContinue OUTPUT, @iCancel, @iSessionKey, @iCompanyID, @iRptOption, @iPrintWarnings,
  @UseStageTable, @oRecsProcessed OUTPUT, @oFailedRecs OUTPUT, @oTotalRecs OUTPUT, @_oRetVal OUTPUT)``;
  outputs come back as :class:`MigrationOutputs`. ``@oRecsProcessed``/``@oFailedRecs`` are additive over calls;
  ``@oTotalRecs`` is set only when it comes in NULL or 0. One call processes at most ``max_rows_per_call``
  headers (the real one stops after ``@MIGRATE_SECS`` = 2 s) and sets ``@oContinue = 1`` while rows of the session
  remain at ProcessStatus 0; ``@_oRetVal`` 1 success (also when rows failed), 0 unknown error, 3 parameter error;
- ``@iCancel = 1``: an info row (Status 0) is logged and nothing is processed;
- staged lines whose TranNo has no header in the session: one failure row each (EntityID ``StgSOLine``,
  ColumnID ``TranNo``) and the call ends without processing anything;
- header checks (failure rows with EntityID = TranNo): TranNo, CustID (must exist), ``Hold`` and
  ``RequireSOAck`` required and '0'/'1', ``Status`` one of 0/1/3/4 (a blank Status becomes 4 closed: without a
  migration step set up for the session the procedure defaults to closed); then CurrID, DfltShipMethID,
  DfltWarehouseID must exist when given, TranNo must not exist yet, amounts fit their columns;
- line checks (EntityID ``TranNo|Line n``, n = the procedure's own line number): ``CmntOnly``, ``ReqCert``, ``Hold``
  required '0'/'1', ``DeliveryMeth`` required 1–4, ``Status`` required 1 (open) or 2 (closed) (blank becomes 4,
  which fails), item and warehouse exist, QtyOrd > 0; a line failure adds an entity row (Status 1) for the order;
- success: ``tsoSalesOrder`` (DfltShipMethKey, DfltWhseKey, BillToAddrKey, DfltShipToAddrKey, Hold, HoldReason,
  RequireSOAck, Status), ``tsoSOLine`` (SOLineNo 1, 2, … in staging order, CmntOnly, Status) and, except for
  comment lines, ``tsoSOLineDist`` (QtyOrd, QtyOpenToShip, ExtAmt, FreightAmt: the header freight allocated
  by amount, Status); one success row (Status 3, ColumnID '') when ``@iRptOption`` is 0 (all) or 2 (good);
  the staging rows are deleted;
- failure: header and lines stay with ``ProcessStatus = 2``; failure rows only when ``@iRptOption`` is 0 or 3
  (``@iRptOption = 1``, print none, logs nothing at all).

Computed values, as Sage fills them: ``ExtAmt = QtyOrd × UnitPrice`` when not staged; ``UnitPrice`` = the
item's ``StdPrice`` when not staged; ``Description`` = the item's short description; ``TranAmt = Σ ExtAmt +
FreightAmt + STaxAmt − TradeDiscAmt``; ``OpenAmt`` = the staged OpenAmt, else TranAmt. Values are rounded
half-up to the scale of the Sage column they go into.

Simplifications (documented, sandbox only): Action 2/3 (update/delete) are refused (the real procedure needs
a Data Import job's updatable-column list for updates); yes/no and list texts ('Yes', 'Open') are not
translated: staged values must be the database values; stock and credit limits are not touched;
``@UseStageTable = 0`` (caller-built temp tables) is answered with a parameter error.

Transactions: the emulation runs inside the caller's open transaction and leaves the commit to the caller;
given an autocommit connection it runs as its own transaction. Its first statement write-locks the session's
staging rows so two runs of one session cannot both import them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .dialects import to_decimal
from .importing import (
    ACTION_AUTO,
    ACTION_INSERT,
    LOG_STATUS_ERROR,
    LOG_STATUS_FAILURE,
    LOG_STATUS_INFO,
    LOG_STATUS_SUCCESS,
    LOG_STATUS_WARNING,
    PROCESS_DONE,
    PROCESS_ERROR,
    PROCESS_NEW,
    RET_FAILURE,
    RET_PARM_ERR,
    RET_SUCCESS,
    RET_UNKNOWN_ERR,
    RPT_PRINT_ALL,
    RPT_PRINT_NONE,
    RPT_PRINT_SUCCESSFUL,
    RPT_PRINT_UNSUCCESSFUL,
    ImportResult,
    MigrationOutputs,
    run_in_transaction,
    utc_now,
)
from .importing import Amounts as _Amounts
from .importing import Problem as _Problem
from .importing import as_datetime as _as_datetime
from .importing import check_sizes as _check_sizes
from .importing import chunks as _chunks
from .importing import delete_rows as _delete_rows
from .importing import lookup as _lookup
from .importing import marks as _marks
from .importing import mark_failed as _mark_failed
from .importing import natural_id as _id
from .importing import rows as _rows
from .importing import text as _text
from .importing import write_log as _write_log
from .schema import TABLES_BY_NAME, allocate_keys, insert_rows

#: How a SQL Server deployment calls the real procedure: the hook's native seam sends this batch.
NATIVE_PROCEDURES = {"sales_order": "spSOapiSalesOrdIns", "customer": "spARapiCustomerIns"}

#: Headers one call processes; the real procedure stops after 2 seconds (@MIGRATE_SECS) instead.
MAX_ROWS_PER_CALL = 25

SO_STATUS_NOT_ACTIVE, SO_STATUS_OPEN, SO_STATUS_CANCELED, SO_STATUS_CLOSED = 0, 1, 3, 4
_HEADER_STATUSES = {"0": 0, "1": 1, "3": 3, "4": 4}
_LINE_STATUSES = {"1": 1, "2": 2}
_DELIVERY_METHODS = {"1", "2", "3", "4"}
CUSTOMER_DELETED = ITEM_DELETED = 4
TRAN_ID_SUFFIX = "-SO"  # TranID = TranNo + "-SO": varchar(10) + 3 = Sage's varchar(13) (*unverified* suffix)
CHILD_FAILURE_COMMENT = "One or more detail lines failed validation."  # string 430046 (*unverified* text)

_HEADER_COLUMNS = TABLES_BY_NAME["StgSalesOrder"].column_names
_LINE_COLUMNS = TABLES_BY_NAME["StgSOLine"].column_names
_ADDRESS_FIELDS = ("AddrName", "AddrLine1", "AddrLine2", "AddrLine3", "AddrLine4", "AddrLine5", "City", "StateID",
                   "PostalCode", "CountryID")

__all__ = [
    "ACTION_AUTO", "ACTION_INSERT", "LOG_STATUS_ERROR", "LOG_STATUS_FAILURE", "LOG_STATUS_INFO",
    "LOG_STATUS_SUCCESS", "LOG_STATUS_WARNING", "MAX_ROWS_PER_CALL", "MigrationOutputs", "NATIVE_PROCEDURES",
    "PROCESS_DONE", "PROCESS_ERROR", "PROCESS_NEW", "REQUIRED_HEADER_VALUES", "REQUIRED_LINE_VALUES", "RET_FAILURE", "RET_PARM_ERR", "RET_SUCCESS", "RET_UNKNOWN_ERR",
    "RPT_PRINT_ALL", "RPT_PRINT_NONE", "RPT_PRINT_SUCCESSFUL", "RPT_PRINT_UNSUCCESSFUL",
    "ImportResult", "run_credit_memo_import", "run_customer_import", "run_customer_payment_import",
    "run_sales_order_import", "spARapiCustomerIns", "spSOapiSalesOrdIns",
]


#: Values a caller stages for the columns the procedure requires on insert (an open order, not on hold, no
#: acknowledgement; item lines, shipped, open). Tests and tools that stage orders by hand use them.
REQUIRED_HEADER_VALUES = {"Status": "1", "Hold": "0", "RequireSOAck": "0"}
REQUIRED_LINE_VALUES = {"CmntOnly": "0", "Hold": "0", "ReqCert": "0", "DeliveryMeth": "1", "Status": "1"}


def spSOapiSalesOrdIns(conn, o_continue: int | None, i_cancel: int, i_session_key: int | None,  # noqa: N802
                       i_company_id: str | None, i_rpt_option: int = RPT_PRINT_NONE, i_print_warnings: int = 1,
                       use_stage_table: int = 1, o_recs_processed: int | None = None,
                       o_failed_recs: int | None = None, o_total_recs: int | None = None, *,
                       now: datetime | None = None, max_rows_per_call: int = MAX_ROWS_PER_CALL,
                       collect: ImportResult | None = None) -> MigrationOutputs:
    """One call of the procedure; see the module docstring. ``collect`` gathers what happened (tests)."""
    recs, failed, total = o_recs_processed or 0, o_failed_recs or 0, o_total_recs or 0
    if i_session_key is None or not _id(i_company_id) or use_stage_table != 1 or i_rpt_option not in (0, 1, 2, 3):
        return MigrationOutputs(0, recs, failed, total, RET_PARM_ERR)
    return run_in_transaction(conn, lambda: _call(
        conn, int(i_cancel or 0), int(i_session_key), _id(i_company_id), int(i_rpt_option), recs, failed, total,
        now or utc_now(), max(1, int(max_rows_per_call)), collect if collect is not None else ImportResult()))


def run_sales_order_import(conn, session_key: int, *, company_id: str = "SOA", now: datetime | None = None,
                           max_rows_per_call: int = MAX_ROWS_PER_CALL) -> ImportResult:
    """Call :func:`spSOapiSalesOrdIns` as a caller does (all rows reported, repeated while ``@oContinue = 1``)."""
    result = ImportResult()
    outputs = MigrationOutputs(1, 0, 0, 0, RET_SUCCESS)
    while outputs.o_continue == 1:
        outputs = spSOapiSalesOrdIns(conn, outputs.o_continue, 0, session_key, company_id, RPT_PRINT_ALL, 1, 1,
                                     outputs.o_recs_processed, outputs.o_failed_recs, outputs.o_total_recs,
                                     now=now, max_rows_per_call=max_rows_per_call, collect=result)
    if outputs.o_ret_val != RET_SUCCESS:
        raise RuntimeError(f"spSOapiSalesOrdIns returned {outputs.o_ret_val}")
    return result


def _reports(rpt_option: int, failed: bool) -> bool:
    return rpt_option == RPT_PRINT_ALL or rpt_option == (RPT_PRINT_UNSUCCESSFUL if failed else RPT_PRINT_SUCCESSFUL)


def _call(conn, cancel: int, session_key: int, company_id: str, rpt_option: int, recs: int, failed: int,
          total: int, now: datetime, max_rows: int, result: ImportResult) -> MigrationOutputs:
    cursor = conn.cursor()
    if cancel == 1:
        if rpt_option != RPT_PRINT_NONE:
            _write_log(cursor, session_key, [("", _Problem("", None, "Processing was cancelled."))], LOG_STATUS_INFO)
        return MigrationOutputs(0, recs, failed, total, RET_SUCCESS)
    # Write-lock the session first (row locks on PostgreSQL/SQL Server, the write lock on SQLite) so a
    # concurrent run of the same session waits and then finds nothing left to import.
    cursor.execute("UPDATE StgSalesOrder SET ProcessStatus = ProcessStatus WHERE SessionKey = ? AND ProcessStatus = ?",
                   session_key, PROCESS_NEW)
    cursor.execute("UPDATE StgSOLine SET ProcessStatus = ProcessStatus WHERE SessionKey = ? AND ProcessStatus = ?",
                   session_key, PROCESS_NEW)

    # Lines whose TranNo has no header in the session: logged, and the call ends having processed nothing.
    cursor.execute("SELECT TranNo FROM StgSOLine WHERE SessionKey = ? AND (TranNo IS NULL OR TranNo NOT IN "
                   "(SELECT TranNo FROM StgSalesOrder WHERE SessionKey = ? AND TranNo IS NOT NULL)) ORDER BY RowKey",
                   session_key, session_key)
    orphans = [row[0] for row in cursor.fetchall()]
    if orphans:
        if _reports(rpt_option, failed=True):
            _write_log(cursor, session_key, [
                ("StgSOLine", _Problem("TranNo", (_text(tran) or "").strip() or "(Blank)",
                                       "Sales order line has no sales order header record in this session."))
                for tran in orphans])
        for tran in orphans:
            key = (_text(tran) or "").strip() or "(no TranNo)"
            result.failed.setdefault(key, []).append("TranNo: no sales order header in the session")
        return MigrationOutputs(0, recs, failed, total, RET_SUCCESS)

    if not total:
        total = int(cursor.execute("SELECT COUNT(*) FROM StgSalesOrder WHERE ProcessStatus = ? AND SessionKey = ?",
                                   PROCESS_NEW, session_key).fetchone()[0])
    # Action NULL/0 (automatic) is taken as insert, as the procedure does before it reads the rows.
    cursor.execute("UPDATE StgSalesOrder SET Action = ? WHERE SessionKey = ? AND (Action = ? OR Action IS NULL)",
                   ACTION_INSERT, session_key, ACTION_AUTO)
    cursor.execute(f"SELECT {', '.join(_HEADER_COLUMNS)} FROM StgSalesOrder WHERE SessionKey = ? AND ProcessStatus = ? "
                   "ORDER BY Action, RowKey", session_key, PROCESS_NEW)
    headers = _rows(cursor, _HEADER_COLUMNS)[:max_rows]
    if not headers:
        return MigrationOutputs(0, recs, failed, total, RET_SUCCESS)
    header_trans = [_id(h["TranNo"]) for h in headers]
    lines_by_tran: dict[str | None, list[dict]] = defaultdict(list)
    for chunk in _chunks(sorted({t for t in header_trans if t})):
        cursor.execute(f"SELECT {', '.join(_LINE_COLUMNS)} FROM StgSOLine WHERE SessionKey = ? AND ProcessStatus = ? "
                       f"AND TranNo IN ({_marks(chunk)}) ORDER BY RowKey", [session_key, PROCESS_NEW, *chunk])
        for line in _rows(cursor, _LINE_COLUMNS):
            lines_by_tran[_id(line["TranNo"])].append(line)
    lines = [line for tran in header_trans for line in lines_by_tran.get(tran, [])]

    refs = _References(cursor, company_id, headers, lines)
    orders: list[dict[str, Any]] = []
    seen: set[str] = set()
    for header, tran in zip(headers, header_trans):
        tran_lines = lines_by_tran.get(tran, []) if tran else []
        header_problems: list[_Problem] = []
        line_problems: list[tuple[str, _Problem]] = []
        order = _validate(header, tran, tran_lines, company_id, refs, seen, header_problems, line_problems)
        entity = tran or ""
        recs += 1
        if header_problems or line_problems:
            failed += 1
            log = [(entity, p) for p in header_problems] + line_problems
            if not header_problems:  # a child failure ends with an entity row for the order
                log.append((entity, _Problem("", None, CHILD_FAILURE_COMMENT)))
            if _reports(rpt_option, failed=True):
                _write_log(cursor, session_key, log)
            _mark_failed(cursor, "StgSalesOrder", [header["RowKey"]])
            _mark_failed(cursor, "StgSOLine", [line["RowKey"] for line in tran_lines])
            result.failed.setdefault(entity or f"RowKey {header['RowKey']}", []).extend(
                p.message() for _e, p in log if p.column or p.comment != CHILD_FAILURE_COMMENT)
        else:
            if tran:
                seen.add(tran)
            orders.append(order)
    if orders:
        so_keys = _create_orders(conn, cursor, orders, company_id, now)
        for order, key in zip(orders, so_keys):
            result.processed.append(order["TranNo"])
            result.keys[order["TranNo"]] = key
        if _reports(rpt_option, failed=False):
            _write_log(cursor, session_key, [(order["TranNo"], _Problem("", None, "")) for order in orders],
                       LOG_STATUS_SUCCESS)
        _delete_rows(cursor, "StgSOLine", [line["RowKey"] for order in orders for line in order["staged_lines"]])
        _delete_rows(cursor, "StgSalesOrder", [order["RowKey"] for order in orders])
    remaining = int(cursor.execute("SELECT COUNT(*) FROM StgSalesOrder WHERE SessionKey = ? AND ProcessStatus = ?",
                                   session_key, PROCESS_NEW).fetchone()[0])
    return MigrationOutputs(1 if remaining else 0, recs, failed, total, RET_SUCCESS)


class _References:
    """Reference data for every id the processed headers and lines mention, fetched in bulk."""

    def __init__(self, cursor, company_id: str, headers: list[dict], lines: list[dict]) -> None:
        self.customers = _lookup(cursor, "SELECT CustID, CustKey, Status, PrimaryAddrKey FROM tarCustomer "
                                 "WHERE CompanyID = ? AND CustID IN ({marks})", [company_id],
                                 filter(None, (_id(h["CustID"]) for h in headers)),
                                 ("CustID", "CustKey", "Status", "PrimaryAddrKey"))
        cursor.execute("SELECT CurrID FROM tciCurrency")
        self.currencies = {str(row[0]).rstrip() for row in cursor.fetchall()}
        self.items = _lookup(cursor, "SELECT i.ItemID, i.ItemKey, i.Status, i.StdPrice, d.ShortDesc FROM timItem i "
                             "LEFT JOIN timItemDescription d ON d.ItemKey = i.ItemKey AND d.LanguageID = 1033 "
                             "WHERE i.CompanyID = ? AND i.ItemID IN ({marks})", [company_id],
                             filter(None, (_id(line["ItemID"]) for line in lines)),
                             ("ItemID", "ItemKey", "Status", "StdPrice", "ShortDesc"))
        warehouse_ids = {*filter(None, (_id(line["WarehouseID"]) for line in lines)),
                         *filter(None, (_id(h["DfltWarehouseID"]) for h in headers))}
        self.warehouses = _lookup(cursor, "SELECT WhseID, WhseKey FROM timWarehouse WHERE CompanyID = ? "
                                  "AND WhseID IN ({marks})", [company_id], warehouse_ids, ("WhseID", "WhseKey"))
        self.ship_methods = _lookup(cursor, "SELECT ShipMethID, ShipMethKey FROM tciShipMethod WHERE CompanyID = ? "
                                    "AND ShipMethID IN ({marks})", [company_id],
                                    filter(None, (_id(h["DfltShipMethID"]) for h in headers)),
                                    ("ShipMethID", "ShipMethKey"))
        self.existing = _lookup(cursor, "SELECT TranNo FROM tsoSalesOrder WHERE CompanyID = ? AND TranNo IN ({marks})",
                                [company_id], filter(None, (_id(h["TranNo"]) for h in headers)), ("TranNo",))


def _yes_no(value: Any, column: str, problems: list, entity: str | None = None) -> int:
    """A staged yes/no column: required, '0' or '1' (the procedure's check after its Yes/No translation)."""
    text = None if value is None else str(value).strip()
    if text in ("0", "1"):
        return int(text)
    comment = f"{column} is required." if value is None else f"{column} must be Yes [1] or No [0]."
    problem = _Problem(column, value, comment)
    problems.append(problem if entity is None else (entity, problem))
    return 0


def _validate(header, tran, tran_lines, company_id, refs: _References, seen: set[str],
              problems: list[_Problem], line_problems: list[tuple[str, _Problem]]) -> dict[str, Any]:
    """Check one staged order; returns the prepared order (meaningful only when no problems were added)."""
    _check_sizes("StgSalesOrder", header, problems)
    if header["Action"] != ACTION_INSERT:
        problems.append(_Problem("Action", header["Action"], "only inserts (Action 1) are emulated"))
    if tran is None:
        problems.append(_Problem("TranNo", header["TranNo"], "TranNo is required."))
    tran_date = _as_datetime(header["TranDate"])
    if tran_date is None:
        problems.append(_Problem("TranDate", header["TranDate"], "TranDate is required and must be a date"))

    cust_id = _id(header["CustID"])
    customer = refs.customers.get(cust_id) if cust_id else None
    if cust_id is None:
        problems.append(_Problem("CustID", header["CustID"], "CustID is required."))
    elif customer is None or customer["Status"] == CUSTOMER_DELETED:
        problems.append(_Problem("CustID", header["CustID"], f"Value is not valid in company {company_id}; "
                                 "see Maintain Customers for valid values."))

    hold = _yes_no(header["Hold"], "Hold", problems)
    require_ack = _yes_no(header["RequireSOAck"], "RequireSOAck", problems)
    status_text = (_text(header["Status"]) or "").strip() or str(SO_STATUS_CLOSED)
    status = _HEADER_STATUSES.get(status_text)
    if status is None:
        problems.append(_Problem("SO Status", header["Status"], "Valid values are: Open[1], Closed[4]"))
    if problems:  # the procedure stops at these before calling its order APIs
        return {}

    curr_id = _id(header["CurrID"])
    if curr_id not in refs.currencies:
        problems.append(_Problem("CurrID", header["CurrID"], "currency is not defined in tciCurrency"))
    ship_meth_id = _id(header["DfltShipMethID"])
    ship_method = refs.ship_methods.get(ship_meth_id) if ship_meth_id else None
    if ship_meth_id and ship_method is None:
        problems.append(_Problem("DfltShipMethID", header["DfltShipMethID"],
                                 f"ship method does not exist in company {company_id}"))
    whse_id = _id(header["DfltWarehouseID"])
    dflt_whse = refs.warehouses.get(whse_id) if whse_id else None
    if whse_id and dflt_whse is None:
        problems.append(_Problem("DfltWarehouseID", header["DfltWarehouseID"],
                                 f"warehouse does not exist in company {company_id}"))
    if tran in refs.existing or tran in seen:
        problems.append(_Problem("TranNo", tran, f"sales order {tran} already exists in company {company_id}"))

    amounts = _Amounts(problems)
    zero = Decimal("0.000")
    freight = amounts.get("FreightAmt", header["FreightAmt"], "money", default=zero, non_negative=True)
    tax = amounts.get("STaxAmt", header["STaxAmt"], "money", default=zero, non_negative=True)
    discount = amounts.get("TradeDiscAmt", header["TradeDiscAmt"], "money", default=zero, non_negative=True)
    open_amt = amounts.get("OpenAmt", header["OpenAmt"], "money", non_negative=True)
    if not tran_lines:
        problems.append(_Problem("TranNo", header["TranNo"], "sales order has no lines in StgSOLine"))

    prepared_lines = []
    for number, line in enumerate(tran_lines, start=1):
        entity = f"{tran}|Line {number}"
        found: list[_Problem] = []
        _check_sizes("StgSOLine", line, found)
        comment_only = _yes_no(line["CmntOnly"], "CmntOnly", found)
        delivery = (_text(line["DeliveryMeth"]) or "").strip()
        if delivery not in _DELIVERY_METHODS:
            found.append(_Problem("DeliveryMeth", line["DeliveryMeth"], "DeliveryMeth is required: 1, 2, 3 or 4."))
        _yes_no(line["ReqCert"], "ReqCert", found)
        line_hold = _yes_no(line["Hold"], "Hold", found)
        line_status = _LINE_STATUSES.get((_text(line["Status"]) or "").strip() or str(SO_STATUS_CLOSED))
        if line_status is None:
            found.append(_Problem("SO Line Status", line["Status"], "Valid values are: Open[1], Closed[2]"))
        item = refs.items.get(_id(line["ItemID"]) or "")
        if not comment_only and (item is None or item["Status"] == ITEM_DELETED):
            found.append(_Problem("ItemID", line["ItemID"], f"item does not exist in company {company_id}"))
        warehouse = refs.warehouses.get(_id(line["WarehouseID"]) or "") if _id(line["WarehouseID"]) else dflt_whse
        if not comment_only and warehouse is None:
            found.append(_Problem("WarehouseID", line["WarehouseID"],
                                  f"warehouse does not exist in company {company_id}"))
        line_amounts = _Amounts(found)
        qty = line_amounts.get("QtyOrd", line["QtyOrd"], "qty", positive=not comment_only)
        if line["QtyOrd"] is None and not comment_only:
            found.append(_Problem("QtyOrd", None, "QtyOrd is required"))
        default_price = to_decimal(item["StdPrice"]) if item and item["StdPrice"] is not None else None
        price = line_amounts.get("UnitPrice", line["UnitPrice"], "price", default=default_price, non_negative=True)
        ext = line_amounts.get("ExtAmt", line["ExtAmt"], "money", non_negative=True)
        if ext is None and line["ExtAmt"] is None and qty is not None and price is not None:
            ext = line_amounts.get("ExtAmt", qty * price, "money")
        description = _text(line["Description"])
        if description is None and item:
            description = _text(item["ShortDesc"])
        line_problems.extend((entity, problem) for problem in found)
        prepared_lines.append({
            "SOLineNo": number, "CmntOnly": comment_only, "ItemKey": item["ItemKey"] if item else None,
            "Description": description, "UnitPrice": price, "QtyOrd": qty or Decimal(0), "ExtAmt": ext or Decimal(0),
            "WhseKey": warehouse["WhseKey"] if warehouse else None, "Status": line_status, "Hold": line_hold,
            "DeliveryMeth": int(delivery) if delivery in _DELIVERY_METHODS else 1,
            "UserFld1": _text(line["UserFld1"]), "UserFld2": _text(line["UserFld2"]),
        })
    if problems or line_problems:
        return {}

    goods = sum((line["ExtAmt"] for line in prepared_lines), Decimal(0))
    tran_amt = amounts.get("TranAmt", goods + freight + tax - discount, "money", non_negative=True)
    _allocate_freight(prepared_lines, freight)
    return {
        "RowKey": header["RowKey"], "TranNo": tran, "TranDate": tran_date, "Customer": customer,
        "CustPONo": _text(header["CustPONo"]), "CurrID": curr_id, "Status": status, "Hold": hold,
        "HoldReason": _text(header["HoldReason"]), "RequireSOAck": require_ack, "TranAmt": tran_amt,
        "OpenAmt": open_amt if open_amt is not None else tran_amt, "FreightAmt": freight, "STaxAmt": tax,
        "TradeDiscAmt": discount, "ShipMethKey": ship_method["ShipMethKey"] if ship_method else None,
        "WhseKey": dflt_whse["WhseKey"] if dflt_whse else None, "TranCmnt": _text(header["TranCmnt"]),
        "BillTo": {f: _text(header[f"BillTo{f}"]) for f in _ADDRESS_FIELDS},
        "ShipTo": {f: _text(header[f"DfltShipTo{f}"]) for f in _ADDRESS_FIELDS},
        "UserFld": [_text(header[f"UserFld{n}"]) for n in range(1, 5)],
        "lines": prepared_lines, "staged_lines": tran_lines,
    }


def _allocate_freight(lines: list[dict[str, Any]], freight: Decimal) -> None:
    """Spread the header freight over the item lines by amount (``spsoAllocateFrght``, method 1 amount);
    the rounding remainder goes to the last line so the lines add up to the header."""
    goods = [line for line in lines if not line["CmntOnly"]]
    for line in lines:
        line["FreightAmt"] = Decimal("0.000")
    base = sum((line["ExtAmt"] for line in goods), Decimal(0))
    if not goods or not freight:
        return
    left = freight
    for line in goods[:-1]:
        share = (freight * line["ExtAmt"] / base if base else freight / len(goods)).quantize(
            Decimal("0.001"), rounding=ROUND_HALF_UP)
        line["FreightAmt"] = share
        left -= share
    goods[-1]["FreightAmt"] = left


def _create_orders(conn, cursor, orders: list[dict[str, Any]], company_id: str, now: datetime) -> list[int]:
    """Insert the valid orders with surrogate keys allocated in one block per table; returns their SOKeys."""
    # (order index, role) of every staged address that is not empty; empty ones fall back: bill-to to the
    # customer's primary address, ship-to to the bill-to.
    new_addresses = [(index, role) for index, order in enumerate(orders) for role in ("BillTo", "ShipTo")
                     if any(v is not None and v.strip() for v in order[role].values())]
    line_count = sum(len(order["lines"]) for order in orders)
    dist_count = sum(1 for order in orders for line in order["lines"] if not line["CmntOnly"])
    so_key = allocate_keys(conn, "tsoSalesOrder", len(orders))
    addr_key = allocate_keys(conn, "tciAddress", len(new_addresses)) if new_addresses else 0
    line_key = allocate_keys(conn, "tsoSOLine", line_count) if line_count else 0
    dist_key = allocate_keys(conn, "tsoSOLineDist", dist_count) if dist_count else 0

    address_rows = []
    address_keys: dict[tuple[int, str], int] = {}
    for offset, (index, role) in enumerate(new_addresses):
        a = orders[index][role]
        address_keys[(index, role)] = addr_key + offset
        address_rows.append((addr_key + offset, a["AddrName"], a["AddrLine1"], a["AddrLine2"], a["AddrLine3"],
                             a["AddrLine4"], a["AddrLine5"], a["City"], a["StateID"], a["PostalCode"], a["CountryID"],
                             now, now))

    order_rows, line_rows, dist_rows = [], [], []
    for offset, order in enumerate(orders):
        key = so_key + offset
        bill_to = address_keys.get((offset, "BillTo"), order["Customer"]["PrimaryAddrKey"])
        ship_to = address_keys.get((offset, "ShipTo"), bill_to)
        closed = order["Status"] == SO_STATUS_CLOSED
        order_rows.append((
            key, company_id, order["TranNo"], order["TranNo"] + TRAN_ID_SUFFIX, order["TranDate"],
            order["Customer"]["CustKey"], order["CustPONo"], order["CurrID"], order["Status"], order["Hold"],
            order["HoldReason"], order["RequireSOAck"], order["TranDate"] if closed else None,
            order["TranDate"] if closed else None, order["TranAmt"], order["OpenAmt"], order["FreightAmt"],
            order["STaxAmt"], order["TradeDiscAmt"], order["ShipMethKey"], order["WhseKey"], bill_to, ship_to,
            order["TranCmnt"], *order["UserFld"], now, now,
        ))
        for line in order["lines"]:
            line_rows.append((line_key, key, line["SOLineNo"], line["ItemKey"], line["Description"],
                              line["UnitPrice"], line["CmntOnly"], 0, line["Status"], line["UserFld1"],
                              line["UserFld2"]))
            if not line["CmntOnly"]:
                dist_rows.append((dist_key, line_key, line["QtyOrd"], Decimal("0.00000000"), line["QtyOrd"],
                                  line["ExtAmt"], line["FreightAmt"], line["DeliveryMeth"], line["Hold"],
                                  line["Status"], line["WhseKey"]))
                dist_key += 1
            line_key += 1

    if address_rows:
        insert_rows(cursor, "tciAddress", ("AddrKey", "AddrName", "AddrLine1", "AddrLine2", "AddrLine3", "AddrLine4",
                                           "AddrLine5", "City", "StateID", "PostalCode", "CountryID", "CreateDate",
                                           "UpdateDate"), address_rows)
    insert_rows(cursor, "tsoSalesOrder", (
        "SOKey", "CompanyID", "TranNo", "TranID", "TranDate", "CustKey", "CustPONo", "CurrID", "Status", "Hold",
        "HoldReason", "RequireSOAck", "AckDate", "CloseDate", "TranAmt", "OpenAmt", "FreightAmt", "STaxAmt",
        "TradeDiscAmt", "DfltShipMethKey", "DfltWhseKey", "BillToAddrKey", "DfltShipToAddrKey", "TranCmnt",
        "UserFld1", "UserFld2", "UserFld3", "UserFld4", "CreateDate", "UpdateDate"), order_rows)
    if line_rows:
        insert_rows(cursor, "tsoSOLine", ("SOLineKey", "SOKey", "SOLineNo", "ItemKey", "Description", "UnitPrice",
                                          "CmntOnly", "ReqCert", "Status", "UserFld1", "UserFld2"), line_rows)
    if dist_rows:
        insert_rows(cursor, "tsoSOLineDist", ("SOLineDistKey", "SOLineKey", "QtyOrd", "QtyShip", "QtyOpenToShip",
                                              "ExtAmt", "FreightAmt", "DeliveryMeth", "Hold", "Status", "WhseKey"),
                    dist_rows)
    return [so_key + offset for offset in range(len(orders))]


# The other emulated procedures live in their own modules; the hook finds every one of them here.
from .customers import run_customer_import, spARapiCustomerIns  # noqa: E402
from .receivables import run_credit_memo_import, run_customer_payment_import  # noqa: E402
