"""Emulated Sage 500 import procedures: the hook's sandbox mode finds every one of them in this module.

- ``run_sales_order_import``: ``spSOapiSalesOrdIns`` (this module, described below);
- ``run_customer_import``: ``spARapiCustomerIns`` (:mod:`.customers`);
- ``run_customer_payment_import`` and ``run_credit_memo_import``: the sandbox's own receipt and credit-memo
  imports (:mod:`.receivables`; Sage 500 documents no procedure for them).

All share one session contract (:mod:`.importing`) and return an :class:`ImportResult`
(``processed``, ``failed``, ``keys``).

Emulation of Sage 500's Data Import procedure for sales orders, ``spSOapiSalesOrdIns(@iSessionKey)``.

SQLite and PostgreSQL cannot run the real T-SQL procedure, so the sandbox reproduces its contract
(docs/architecture.md) in Python, talking to the database only with portable SQL through the caller's
pyodbc connection. For each staged header of the session with ``ProcessStatus = 0``:

- validate: ``Action`` is insert (0 auto or 1 insert); ``TranNo`` present, unique in the session and not
  already a sales order of the company; ``TranDate`` present; customer exists and is not deleted (Status 4);
  currency in ``tciCurrency``; at least one line; every line has a ``SOLineNo`` (unique in the order), an
  item that exists and is not deleted, a warehouse that exists, ``QtyOrd > 0``, non-negative prices; amounts
  are decimals that fit their Sage column; text fits its Sage column (SQLite does not enforce sizes);
- valid → ``tciAddress`` rows for bill-to/ship-to (when the staged address is empty: the customer's primary
  address, and bill-to for ship-to), ``tsoSalesOrder`` (``TranID = TranNo + '-SO'``, Status 1 open,
  ``OpenAmt = TranAmt``), ``tsoSOLine`` + ``tsoSOLineDist`` with new surrogate keys; its staging rows deleted;
- invalid → its header and lines stay with ``ProcessStatus = 2`` and one ``tdmMigrationLogWrk`` row per
  problem (``EntityID = TranNo``, ``ColumnID``, ``ColumnValue``, ``Comment``, ``Status = 2``).

Staged lines of the session whose TranNo has no header are marked 2 and logged too.

Computed defaults, as Sage fills them: ``ExtAmt = QtyOrd × UnitPrice``; ``UnitPrice`` = the item's
``StdPrice``; ``Description`` = the item's short description; ``TranAmt = Σ ExtAmt + FreightAmt + STaxAmt −
TradeDiscAmt``; missing freight/tax/discount/hold are 0. Values are rounded half-up to the scale of the Sage
column they go into, so SQLite (text decimals) and PostgreSQL store the same numbers.

Simplifications (documented, sandbox only): ids are matched exactly after trimming trailing blanks (SQL
Server's default collation would also ignore case); Action 2/3 (update/delete) are refused; stock
(``timWhseBinInvt``) and credit limits are not touched; countries and states are not validated.

Transactions: like the native procedure called with autocommit off, the emulation runs inside the caller's
open transaction and leaves the commit to the caller; given an autocommit connection it runs as its own
transaction (committed, or rolled back on error). Its first statement write-locks the session's staging rows
so two runs of one session cannot both import them.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Any

from .dialects import to_decimal
from .importing import (
    ACTION_AUTO,
    ACTION_INSERT,
    LOG_STATUS_ERROR,
    PROCESS_DONE,
    PROCESS_ERROR,
    PROCESS_NEW,
    ImportResult,
    run_in_transaction,
    utc_now,
)
from .importing import Amounts as _Amounts
from .importing import Problem as _Problem
from .importing import as_datetime as _as_datetime
from .importing import check_sizes as _check_sizes
from .importing import delete_rows as _delete_rows
from .importing import lookup as _lookup
from .importing import mark_failed as _mark_failed
from .importing import natural_id as _id
from .importing import rows as _rows
from .importing import text as _text
from .importing import write_log as _write_log
from .schema import TABLES_BY_NAME, allocate_keys, insert_rows

#: The call text a SQL Server deployment uses for the real procedures.
NATIVE_PROCEDURES = {"sales_order": "{CALL spSOapiSalesOrdIns (?)}"}

SO_STATUS_OPEN = 1
CUSTOMER_DELETED = ITEM_DELETED = 4
TRAN_ID_SUFFIX = "-SO"  # TranID = TranNo + "-SO": varchar(10) + 3 = Sage's varchar(13)

_HEADER_COLUMNS = TABLES_BY_NAME["StgSalesOrder"].column_names
_LINE_COLUMNS = TABLES_BY_NAME["StgSOLine"].column_names
_ADDRESS_FIELDS = ("Name", "AddrLine1", "AddrLine2", "City", "StateID", "PostalCode", "CountryID")

__all__ = [
    "ACTION_AUTO", "ACTION_INSERT", "LOG_STATUS_ERROR", "NATIVE_PROCEDURES", "PROCESS_DONE", "PROCESS_ERROR",
    "PROCESS_NEW", "ImportResult", "run_credit_memo_import", "run_customer_import", "run_customer_payment_import",
    "run_sales_order_import",
]


def run_sales_order_import(conn, session_key: int, *, company_id: str = "SOA",
                           now: datetime | None = None) -> ImportResult:
    """Emulate ``spSOapiSalesOrdIns(@iSessionKey)`` for one staging session; see the module docstring.

    ``now`` (naive UTC) stamps CreateDate/UpdateDate; the clock is used when omitted.
    """
    return run_in_transaction(conn, lambda: _import_session(conn, int(session_key), company_id, now or utc_now()))


def _import_session(conn, session_key: int, company_id: str, now: datetime) -> ImportResult:
    cursor = conn.cursor()
    # Write-lock the session first (row locks on PostgreSQL/SQL Server, the write lock on SQLite) so a
    # concurrent run of the same session waits and then finds nothing left to import.
    cursor.execute("UPDATE StgSalesOrder SET ProcessStatus = ProcessStatus WHERE SessionKey = ? AND ProcessStatus = ?",
                   session_key, PROCESS_NEW)
    cursor.execute(f"SELECT {', '.join(_HEADER_COLUMNS)} FROM StgSalesOrder WHERE SessionKey = ? AND ProcessStatus = ? "
                   "ORDER BY RowKey", session_key, PROCESS_NEW)
    headers = _rows(cursor, _HEADER_COLUMNS)
    cursor.execute(f"SELECT {', '.join(_LINE_COLUMNS)} FROM StgSOLine WHERE SessionKey = ? AND ProcessStatus = ? "
                   "ORDER BY RowKey", session_key, PROCESS_NEW)
    lines = _rows(cursor, _LINE_COLUMNS)

    lines_by_tran: dict[str | None, list[dict]] = defaultdict(list)
    for line in lines:
        lines_by_tran[_id(line["TranNo"])].append(line)
    header_trans = [_id(h["TranNo"]) for h in headers]
    tran_counts: dict[str | None, int] = defaultdict(int)
    for tran in header_trans:
        tran_counts[tran] += 1

    # Reference data for every id the session mentions, fetched in bulk.
    customers = _lookup(cursor, "SELECT CustID, CustKey, Status, PrimaryAddrKey FROM tarCustomer "
                        "WHERE CompanyID = ? AND CustID IN ({marks})", [company_id],
                        filter(None, (_id(h["CustID"]) for h in headers)),
                        ("CustID", "CustKey", "Status", "PrimaryAddrKey"))
    cursor.execute("SELECT CurrID FROM tciCurrency")
    currencies = {str(row[0]).rstrip() for row in cursor.fetchall()}
    items = _lookup(cursor, "SELECT i.ItemID, i.ItemKey, i.Status, i.StdPrice, d.ShortDesc FROM timItem i "
                    "LEFT JOIN timItemDescription d ON d.ItemKey = i.ItemKey AND d.LanguageID = 1033 "
                    "WHERE i.CompanyID = ? AND i.ItemID IN ({marks})", [company_id],
                    filter(None, (_id(line["ItemID"]) for line in lines)),
                    ("ItemID", "ItemKey", "Status", "StdPrice", "ShortDesc"))
    warehouses = _lookup(cursor, "SELECT WhseID, WhseKey FROM timWarehouse WHERE CompanyID = ? AND WhseID IN ({marks})",
                         [company_id], filter(None, (_id(line["WarehouseID"]) for line in lines)),
                         ("WhseID", "WhseKey"))
    existing = _lookup(cursor, "SELECT TranNo FROM tsoSalesOrder WHERE CompanyID = ? AND TranNo IN ({marks})",
                       [company_id], filter(None, header_trans), ("TranNo",))

    result = ImportResult()
    valid: list[dict[str, Any]] = []  # prepared orders
    failed_headers: list[int] = []  # RowKeys to mark ProcessStatus 2
    failed_lines: list[int] = []
    log: list[tuple[str | None, _Problem]] = []

    for header, tran in zip(headers, header_trans):
        tran_lines = lines_by_tran.get(tran, []) if tran else []
        problems: list[_Problem] = []
        order = _validate(header, tran, tran_lines, tran_counts, company_id, customers, currencies, items,
                          warehouses, existing, problems)
        if problems:
            failed_headers.append(header["RowKey"])
            failed_lines.extend(line["RowKey"] for line in tran_lines)
            entity = tran if tran else f"RowKey {header['RowKey']}"
            log.extend((entity, p) for p in problems)
            result.failed.setdefault(entity, []).extend(p.message() for p in problems)
        else:
            valid.append(order)

    # Lines of the session without a header in it.
    for tran, orphan_lines in lines_by_tran.items():
        if tran is None or tran not in tran_counts:
            entity = tran if tran else "(no TranNo)"
            failed_lines.extend(line["RowKey"] for line in orphan_lines)
            for line in orphan_lines:
                problem = _Problem("TranNo", line["TranNo"],
                                   f"line {line['SOLineNo']}: no sales order header with this TranNo in session {session_key}")
                log.append((entity, problem))
                result.failed.setdefault(entity, []).append(problem.message())

    if valid:
        so_keys = _create_orders(conn, cursor, valid, company_id, now)
        result.processed = [order["TranNo"] for order in valid]
        result.keys = dict(zip(result.processed, so_keys))
        _delete_rows(cursor, "StgSOLine", [line["RowKey"] for order in valid for line in order["staged_lines"]])
        _delete_rows(cursor, "StgSalesOrder", [order["RowKey"] for order in valid])
    _mark_failed(cursor, "StgSalesOrder", failed_headers)
    _mark_failed(cursor, "StgSOLine", sorted(set(failed_lines)))
    if log:
        _write_log(cursor, session_key, log)
    return result


def _validate(header, tran, tran_lines, tran_counts, company_id, customers, currencies, items, warehouses,
              existing, problems: list[_Problem]) -> dict[str, Any]:
    """Check one staged order; returns the prepared order (meaningful only when no problems were added)."""
    _check_sizes("StgSalesOrder", header, problems)
    action = header["Action"]
    if action not in (ACTION_AUTO, ACTION_INSERT):
        problems.append(_Problem("Action", action, "only Action 0 (auto) and 1 (insert) are supported by "
                                 "spSOapiSalesOrdIns in the sandbox"))
    if tran is None:
        problems.append(_Problem("TranNo", header["TranNo"], "TranNo is required"))
    elif tran_counts[tran] > 1:
        problems.append(_Problem("TranNo", tran, f"TranNo appears on {tran_counts[tran]} headers in this session"))
    elif tran in existing:
        problems.append(_Problem("TranNo", tran, f"sales order {tran} already exists in company {company_id}"))

    tran_date = _as_datetime(header["TranDate"])
    if tran_date is None:
        problems.append(_Problem("TranDate", header["TranDate"], "TranDate is required and must be a date"))

    cust_id = _id(header["CustID"])
    customer = customers.get(cust_id) if cust_id else None
    if cust_id is None:
        problems.append(_Problem("CustID", header["CustID"], "CustID is required"))
    elif customer is None:
        problems.append(_Problem("CustID", header["CustID"], f"customer does not exist in company {company_id}"))
    elif customer["Status"] == CUSTOMER_DELETED:
        problems.append(_Problem("CustID", header["CustID"], "customer is deleted (Status 4)"))

    curr_id = _id(header["CurrID"])
    if curr_id not in currencies:
        problems.append(_Problem("CurrID", header["CurrID"], "currency is not defined in tciCurrency"))

    hold = header["Hold"] if header["Hold"] is not None else 0
    if hold not in (0, 1):
        problems.append(_Problem("Hold", header["Hold"], "Hold must be 0 or 1"))

    amounts = _Amounts(problems)
    zero = Decimal("0.000")
    freight = amounts.get("FreightAmt", header["FreightAmt"], "money", default=zero, non_negative=True)
    tax = amounts.get("STaxAmt", header["STaxAmt"], "money", default=zero, non_negative=True)
    discount = amounts.get("TradeDiscAmt", header["TradeDiscAmt"], "money", default=zero, non_negative=True)
    tran_amt = amounts.get("TranAmt", header["TranAmt"], "money", non_negative=True)

    if not tran_lines:
        problems.append(_Problem("TranNo", header["TranNo"], "sales order has no lines in StgSOLine"))
    prepared_lines = []
    line_numbers: dict[Any, int] = defaultdict(int)
    for line in tran_lines:
        line_numbers[line["SOLineNo"]] += 1
    for line in tran_lines:
        prefix = f"line {line['SOLineNo']}: "
        _check_sizes("StgSOLine", line, problems, prefix)
        line_amounts = _Amounts(problems, prefix)
        if line["SOLineNo"] is None:
            problems.append(_Problem("SOLineNo", None, "line without SOLineNo"))
        elif line_numbers[line["SOLineNo"]] > 1:  # reported once, at its first line
            problems.append(_Problem("SOLineNo", line["SOLineNo"],
                                     f"{prefix}SOLineNo appears {line_numbers[line['SOLineNo']]} times in the order"))
            line_numbers[line["SOLineNo"]] = -1
        item = items.get(_id(line["ItemID"]) or "")
        if item is None:
            problems.append(_Problem("ItemID", line["ItemID"], f"{prefix}item does not exist in company {company_id}"))
        elif item["Status"] == ITEM_DELETED:
            problems.append(_Problem("ItemID", line["ItemID"], f"{prefix}item is deleted (Status 4)"))
        warehouse = warehouses.get(_id(line["WarehouseID"]) or "")
        if warehouse is None:
            problems.append(_Problem("WarehouseID", line["WarehouseID"],
                                     f"{prefix}warehouse does not exist in company {company_id}"))
        qty = line_amounts.get("QtyOrd", line["QtyOrd"], "qty", positive=True)
        if line["QtyOrd"] is None:
            problems.append(_Problem("QtyOrd", None, f"{prefix}QtyOrd is required"))
        default_price = to_decimal(item["StdPrice"]) if item and item["StdPrice"] is not None else None
        price = line_amounts.get("UnitPrice", line["UnitPrice"], "price", default=default_price, non_negative=True)
        if price is None and line["UnitPrice"] is None and item is not None:
            problems.append(_Problem("UnitPrice", None, f"{prefix}UnitPrice is required (the item has no StdPrice)"))
        ext = line_amounts.get("ExtAmt", line["ExtAmt"], "money", non_negative=True)
        if ext is None and line["ExtAmt"] is None and qty is not None and price is not None:
            ext = line_amounts.get("ExtAmt", qty * price, "money")
        description = _text(line["Description"])
        if description is None and item:
            description = _text(item["ShortDesc"])
        prepared_lines.append({
            "SOLineNo": line["SOLineNo"], "ItemKey": item["ItemKey"] if item else None, "Description": description,
            "UnitPrice": price, "QtyOrd": qty, "ExtAmt": ext, "WhseKey": warehouse["WhseKey"] if warehouse else None,
        })

    if tran_amt is None and header["TranAmt"] is None and not problems:
        tran_amt = amounts.get("TranAmt", sum((line["ExtAmt"] for line in prepared_lines), Decimal(0))
                               + freight + tax - discount, "money", non_negative=True)

    return {
        "RowKey": header["RowKey"], "TranNo": tran, "TranDate": tran_date, "Customer": customer,
        "CustPONo": _text(header["CustPONo"]), "CurrID": curr_id, "Hold": hold, "TranAmt": tran_amt,
        "FreightAmt": freight, "STaxAmt": tax, "TradeDiscAmt": discount, "ShipMethID": _id(header["ShipMethID"]),
        "BillTo": {f: _text(header[f"BillTo{f}"]) for f in _ADDRESS_FIELDS},
        "ShipTo": {f: _text(header[f"ShipTo{f}"]) for f in _ADDRESS_FIELDS},
        "UserFld": [_text(header[f"UserFld{n}"]) for n in range(1, 5)],
        "lines": prepared_lines, "staged_lines": tran_lines,
    }


def _create_orders(conn, cursor, orders: list[dict[str, Any]], company_id: str, now: datetime) -> list[int]:
    """Insert the valid orders with surrogate keys allocated in one block per table; returns their SOKeys."""
    # (order index, role) of every staged address that is not empty; empty ones fall back (see docstring).
    new_addresses = [(index, role) for index, order in enumerate(orders) for role in ("BillTo", "ShipTo")
                     if any(v is not None and v.strip() for v in order[role].values())]
    line_count = sum(len(order["lines"]) for order in orders)
    so_key = allocate_keys(conn, "tsoSalesOrder", len(orders))
    addr_key = allocate_keys(conn, "tciAddress", len(new_addresses)) if new_addresses else 0
    line_key = allocate_keys(conn, "tsoSOLine", line_count)
    dist_key = allocate_keys(conn, "tsoSOLineDist", line_count)

    address_rows = []
    address_keys: dict[tuple[int, str], int] = {}
    for offset, (index, role) in enumerate(new_addresses):
        a = orders[index][role]
        address_keys[(index, role)] = addr_key + offset
        address_rows.append((addr_key + offset, a["Name"], a["AddrLine1"], a["AddrLine2"], a["City"], a["StateID"],
                             a["PostalCode"], a["CountryID"], now, now))

    order_rows, line_rows, dist_rows = [], [], []
    for offset, order in enumerate(orders):
        key = so_key + offset
        bill_to = address_keys.get((offset, "BillTo"), order["Customer"]["PrimaryAddrKey"])
        ship_to = address_keys.get((offset, "ShipTo"), bill_to)
        order_rows.append((
            key, company_id, order["TranNo"], order["TranNo"] + TRAN_ID_SUFFIX, order["TranDate"],
            order["Customer"]["CustKey"], order["CustPONo"], order["CurrID"], SO_STATUS_OPEN, order["Hold"],
            order["TranAmt"], order["TranAmt"], order["FreightAmt"], order["STaxAmt"], order["TradeDiscAmt"],
            order["ShipMethID"], bill_to, ship_to, *order["UserFld"], now, now,
        ))
        for line in sorted(order["lines"], key=lambda item: item["SOLineNo"]):
            line_rows.append((line_key, key, line["SOLineNo"], line["ItemKey"], line["Description"], line["UnitPrice"]))
            dist_rows.append((dist_key, line_key, line["QtyOrd"], Decimal("0.00000000"), line["ExtAmt"], line["WhseKey"]))
            line_key += 1
            dist_key += 1

    if address_rows:
        insert_rows(cursor, "tciAddress", ("AddrKey", "AddrName", "AddrLine1", "AddrLine2", "City", "StateID",
                                           "PostalCode", "CountryID", "CreateDate", "UpdateDate"), address_rows)
    insert_rows(cursor, "tsoSalesOrder", (
        "SOKey", "CompanyID", "TranNo", "TranID", "TranDate", "CustKey", "CustPONo", "CurrID", "Status", "Hold",
        "TranAmt", "OpenAmt", "FreightAmt", "STaxAmt", "TradeDiscAmt", "ShipMethID", "BillToAddrKey",
        "ShipToAddrKey", "UserFld1", "UserFld2", "UserFld3", "UserFld4", "CreateDate", "UpdateDate"), order_rows)
    insert_rows(cursor, "tsoSOLine", ("SOLineKey", "SOKey", "SOLineNo", "ItemKey", "Description", "UnitPrice"),
                line_rows)
    insert_rows(cursor, "tsoSOLineDist", ("SOLineDistKey", "SOLineKey", "QtyOrd", "QtyShip", "ExtAmt", "WhseKey"),
                dist_rows)
    return [so_key + offset for offset in range(len(orders))]


# The other emulated procedures live in their own modules; the hook finds every one of them here.
from .customers import run_customer_import  # noqa: E402
from .receivables import run_credit_memo_import, run_customer_payment_import  # noqa: E402
