"""What people do inside Sage 500, as sandbox helpers for scenario tests and the demo.

The warehouse ships orders and counts stock; the back office edits customers and items and cancels orders.
Each helper writes through the given pyodbc connection with portable SQL, like the rest of the sandbox, and
stamps ``UpdateDate`` on every row it changes so change-tracking extracts see the edit.

Transactions: by default (``commit=True``) a helper is one committed unit of work, like a user saving a
screen (on error it rolls back; either also ends whatever the caller had open on that connection). With
``commit=False`` it only writes inside the caller's open transaction. ``now`` (naive UTC) stamps the rows
(the clock when omitted), so tests are deterministic.

Helpers refuse impossible requests with :class:`ErpActionError` (a ``ValueError``) naming what is wrong:
unknown customer/item/warehouse/order, a quantity above what is open, shipping a closed order, …

- :func:`ship_order`: a shipment (``tsoShipment`` + ``tsoShipLine``) for some or all open quantities of a
  sales order; raises ``tsoSOLineDist.QtyShip``, takes the shipped quantity off ``timWhseBinInvt.QtyOnHand``
  of the line's warehouse (it may go negative, as in Sage; a missing stock row is created), and closes the
  order (``Status 4``) once every line is fully shipped. Shipment ``TranNo`` is the ShipKey, zero-padded to
  10, ``TranID = TranNo + '-SH'`` (*unverified*); ``ShipMethID`` comes from the order.
- :func:`cancel_order`: ``Status 3`` for an open order.
- :func:`set_stock` / :func:`stock_levels`: on-hand and pending decrease per warehouse
  (``timWhseBinInvt.UpdateDate`` is the change stamp; ``timItem.UpdateDate`` is not touched).
- :func:`update_customer_address`, :func:`update_customer_contact`, :func:`set_customer_status`.
- :func:`update_item`, :func:`create_item`.
- Receivables as a clerk keys them (the reconciliation scenario's discrepancies): :func:`post_cash_receipt`
  (a receipt typed in by hand, applied to a sales order or left on account), :func:`set_receipt_date`
  (post-date a receipt: a late posting), :func:`set_sales_order_amount` / :func:`set_sales_order_currency`
  (edit a sales order's total or currency in the ERP only), :func:`enter_sales_order` (a sales order header
  keyed by hand, e.g. with a storefront reference that points nowhere).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from .dialects import to_decimal
from .importing import utc_now
from .schema import allocate_keys, column_sizes, insert_rows

SO_STATUS_OPEN, SO_STATUS_CANCELED, SO_STATUS_CLOSED = 1, 3, 4
CUSTOMER_STATUSES = {1: "active", 2: "inactive", 3: "temporary", 4: "deleted"}
ITEM_STATUSES = {1: "active", 2: "inactive", 3: "discontinued", 4: "deleted"}
ITEM_TYPE_FINISHED_GOOD = 5
LANGUAGE_ENGLISH = 1033
SHIPMENT_TRAN_ID_SUFFIX = "-SH"
ADDRESS_FIELDS = ("AddrName", "AddrLine1", "AddrLine2", "AddrLine3", "AddrLine4", "AddrLine5", "City", "StateID",
                  "PostalCode", "CountryID")
_MONEY, _QTY = Decimal("0.001"), Decimal("0.00000001")  # decimal(15,3), decimal(16,8)

T = TypeVar("T")


class ErpActionError(ValueError):
    """The requested ERP action is impossible; the message names the record and the reason."""


@dataclass
class Shipment:
    """A shipment :func:`ship_order` recorded."""

    ship_key: int
    tran_no: str
    so_tran_no: str
    #: Quantity shipped per SOLineNo, in this shipment.
    lines: dict[int, Decimal] = field(default_factory=dict)
    #: The order is fully shipped and now closed (Status 4).
    order_closed: bool = False


# -- plumbing ----------------------------------------------------------------------------------------------

@contextmanager
def _unit_of_work(conn, commit: bool):
    previous = conn.autocommit
    if previous:
        conn.autocommit = False
    try:
        yield conn.cursor()
        if commit or previous:
            conn.commit()
    except Exception:
        if commit or previous:
            conn.rollback()
        raise
    finally:
        if previous:
            conn.autocommit = True


def _run(conn, commit: bool, work: Callable[[Any], T]) -> T:
    with _unit_of_work(conn, commit) as cursor:
        return work(cursor)


def _decimal(value: Any, what: str, quantum: Decimal) -> Decimal:
    if isinstance(value, float) or isinstance(value, bool):
        raise TypeError(f"{what} must be a Decimal, int or numeric string, not {type(value).__name__}")
    try:
        number = to_decimal(value)
    except (InvalidOperation, ValueError):
        raise ErpActionError(f"{what} {value!r} is not a number") from None
    if number is None:
        raise ErpActionError(f"{what} is required")
    return number.quantize(quantum)


def _fits(table: str, values: Mapping[str, Any]) -> None:
    sizes = column_sizes(table)
    for column, value in values.items():
        if value is not None and column in sizes and len(str(value)) > sizes[column]:
            raise ErpActionError(f"{table}.{column} {value!r} is longer than {sizes[column]} characters")


def _one(cursor, sql: str, *params: Any) -> tuple | None:
    cursor.execute(sql, *params)
    row = cursor.fetchone()
    return None if row is None else tuple(row)


def _customer(cursor, company_id: str, cust_id: str) -> tuple[int, int | None, int | None, str]:
    row = _one(cursor, "SELECT CustKey, PrimaryAddrKey, PrimaryCntctKey, CustName FROM tarCustomer "
               "WHERE CompanyID = ? AND CustID = ?", company_id, cust_id)
    if row is None:
        raise ErpActionError(f"customer {cust_id} does not exist in company {company_id}")
    return row


def _item_key(cursor, company_id: str, item_id: str) -> int:
    row = _one(cursor, "SELECT ItemKey FROM timItem WHERE CompanyID = ? AND ItemID = ?", company_id, item_id)
    if row is None:
        raise ErpActionError(f"item {item_id} does not exist in company {company_id}")
    return row[0]


def _warehouses(cursor, company_id: str) -> dict[str, int]:
    cursor.execute("SELECT WhseID, WhseKey FROM timWarehouse WHERE CompanyID = ? ORDER BY WhseKey", company_id)
    return {str(whse).rstrip(): key for whse, key in cursor.fetchall()}


def _warehouse_key(cursor, company_id: str, whse_id: str) -> int:
    key = _warehouses(cursor, company_id).get(whse_id)
    if key is None:
        raise ErpActionError(f"warehouse {whse_id} does not exist in company {company_id}")
    return key


def _set(cursor, table: str, key_column: str, key: int, values: Mapping[str, Any]) -> None:
    cursor.execute(f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in values)} WHERE {key_column} = ?",
                   [*values.values(), key])


def _write_stock(cursor, whse_key: int, item_key: int, on_hand: Decimal, pending: Decimal | None,
                 now: datetime) -> None:
    exists = _one(cursor, "SELECT PendQtyDecrease FROM timWhseBinInvt WHERE WhseKey = ? AND ItemKey = ?",
                  whse_key, item_key)
    if exists is None:
        insert_rows(cursor, "timWhseBinInvt", ("WhseKey", "ItemKey", "QtyOnHand", "PendQtyDecrease", "UpdateDate"),
                    [(whse_key, item_key, on_hand, pending if pending is not None else Decimal(0).quantize(_QTY), now)])
    elif pending is None:
        cursor.execute("UPDATE timWhseBinInvt SET QtyOnHand = ?, UpdateDate = ? WHERE WhseKey = ? AND ItemKey = ?",
                       on_hand, now, whse_key, item_key)
    else:
        cursor.execute("UPDATE timWhseBinInvt SET QtyOnHand = ?, PendQtyDecrease = ?, UpdateDate = ? "
                       "WHERE WhseKey = ? AND ItemKey = ?", on_hand, pending, now, whse_key, item_key)


# -- sales orders ----------------------------------------------------------------------------------------

def ship_order(conn, *, company_id: str = "SOA", tran_no: str, lines: Mapping[int, Any] | None = None,
               tracking_no: str | None = None, carrier: str | None = None, ship_date: datetime | None = None,
               now: datetime | None = None, commit: bool = True) -> Shipment:
    """Ship sales order ``tran_no``: ``lines`` maps SOLineNo → quantity; None ships everything still open.

    Returns the :class:`Shipment`. Refuses a canceled or closed order, an unknown line, a quantity ≤ 0 or
    above the line's open quantity (``QtyOrd − QtyShip``), and a shipment with nothing to ship.
    """
    now = now or utc_now()
    _fits("tsoShipment", {"TrackingNo": tracking_no, "CarrierID": carrier})

    def work(cursor) -> Shipment:
        # The order refers to its ship method by key (DfltShipMethKey); the shipment keeps the id.
        order = _one(cursor, "SELECT o.SOKey, o.CustKey, o.Status, m.ShipMethID FROM tsoSalesOrder o "
                     "LEFT JOIN tciShipMethod m ON m.ShipMethKey = o.DfltShipMethKey "
                     "WHERE o.CompanyID = ? AND o.TranNo = ?", company_id, tran_no)
        if order is None:
            raise ErpActionError(f"sales order {tran_no} does not exist in company {company_id}")
        so_key, cust_key, status, ship_meth = order
        if status != SO_STATUS_OPEN:
            word = {SO_STATUS_CANCELED: "canceled", SO_STATUS_CLOSED: "closed"}.get(status, f"Status {status}")
            raise ErpActionError(f"sales order {tran_no} is {word} (Status {status}) and cannot be shipped")
        cursor.execute("SELECT l.SOLineNo, l.SOLineKey, l.ItemKey, d.SOLineDistKey, d.QtyOrd, d.QtyShip, d.WhseKey "
                       "FROM tsoSOLine l JOIN tsoSOLineDist d ON d.SOLineKey = l.SOLineKey WHERE l.SOKey = ? "
                       "ORDER BY l.SOLineNo", so_key)
        so_lines = {row[0]: row for row in (tuple(r) for r in cursor.fetchall())}
        open_qty = {no: to_decimal(row[4]) - to_decimal(row[5]) for no, row in so_lines.items()}

        if lines is None:
            wanted = {no: qty for no, qty in open_qty.items() if qty > 0}
        else:
            wanted = {}
            for no, qty in lines.items():
                if no not in so_lines:
                    raise ErpActionError(f"sales order {tran_no} has no line {no}")
                qty = _decimal(qty, f"quantity for line {no}", _QTY)
                if qty <= 0:
                    raise ErpActionError(f"quantity for line {no} of sales order {tran_no} must be greater than 0")
                if qty > open_qty[no]:
                    raise ErpActionError(f"line {no} of sales order {tran_no} has {open_qty[no].normalize()} open, "
                                         f"cannot ship {qty.normalize()}")
                wanted[no] = qty
        if not wanted:
            raise ErpActionError(f"sales order {tran_no} has nothing left to ship")

        ship_key = allocate_keys(conn, "tsoShipment")
        line_key = allocate_keys(conn, "tsoShipLine", len(wanted))
        ship_no = f"{ship_key:010d}"
        insert_rows(cursor, "tsoShipment", ("ShipKey", "CompanyID", "TranNo", "TranID", "TranDate", "SOKey", "CustKey",
                                            "ShipMethID", "CarrierID", "TrackingNo", "CreateDate", "UpdateDate"),
                    [(ship_key, company_id, ship_no, ship_no + SHIPMENT_TRAN_ID_SUFFIX, ship_date or now, so_key,
                      cust_key, ship_meth, carrier, tracking_no, now, now)])
        ship_lines = []
        for offset, (no, qty) in enumerate(sorted(wanted.items())):
            _line_no, _sol_key, item_key, dist_key, _qty_ord, qty_ship, whse_key = so_lines[no]
            ship_lines.append((line_key + offset, ship_key, so_lines[no][1], item_key, whse_key, qty))
            shipped = (to_decimal(qty_ship) + qty).quantize(_QTY)
            cursor.execute("UPDATE tsoSOLineDist SET QtyShip = ?, QtyOpenToShip = QtyOrd - ? WHERE SOLineDistKey = ?",
                           shipped, shipped, dist_key)
            open_qty[no] -= qty
            stock = _one(cursor, "SELECT QtyOnHand FROM timWhseBinInvt WHERE WhseKey = ? AND ItemKey = ?",
                         whse_key, item_key)
            on_hand = to_decimal(stock[0]) if stock else Decimal(0)
            _write_stock(cursor, whse_key, item_key, (on_hand - qty).quantize(_QTY), None, now)
        insert_rows(cursor, "tsoShipLine", ("ShipLineKey", "ShipKey", "SOLineKey", "ItemKey", "WhseKey", "QtyShipped"),
                    ship_lines)
        closed = all(qty <= 0 for qty in open_qty.values())
        _set(cursor, "tsoSalesOrder", "SOKey", so_key,
             {"Status": SO_STATUS_CLOSED, "UpdateDate": now} if closed else {"UpdateDate": now})
        return Shipment(ship_key=ship_key, tran_no=ship_no, so_tran_no=tran_no, lines=dict(sorted(wanted.items())),
                        order_closed=closed)

    return _run(conn, commit, work)


def cancel_order(conn, *, company_id: str = "SOA", tran_no: str, now: datetime | None = None,
                 commit: bool = True) -> None:
    """Cancel an open sales order (Status 3). Refuses closed, already canceled, or partly shipped orders."""
    now = now or utc_now()

    def work(cursor) -> None:
        order = _one(cursor, "SELECT SOKey, Status FROM tsoSalesOrder WHERE CompanyID = ? AND TranNo = ?",
                     company_id, tran_no)
        if order is None:
            raise ErpActionError(f"sales order {tran_no} does not exist in company {company_id}")
        if order[1] != SO_STATUS_OPEN:
            raise ErpActionError(f"sales order {tran_no} is not open (Status {order[1]}) and cannot be canceled")
        shipped = _one(cursor, "SELECT COUNT(*) FROM tsoShipment WHERE SOKey = ?", order[0])[0]
        if shipped:
            raise ErpActionError(f"sales order {tran_no} has shipments and cannot be canceled")
        _set(cursor, "tsoSalesOrder", "SOKey", order[0], {"Status": SO_STATUS_CANCELED, "UpdateDate": now})

    _run(conn, commit, work)


# -- inventory -----------------------------------------------------------------------------------------------

def set_stock(conn, *, company_id: str = "SOA", item_id: str, whse_id: str, qty_on_hand: Any,
              pend_qty_decrease: Any = 0, now: datetime | None = None, commit: bool = True) -> None:
    """Set an item's on-hand (negative allowed, as in Sage) and pending decrease in one warehouse.

    Creates the ``timWhseBinInvt`` row when missing; stamps its ``UpdateDate``.
    """
    now = now or utc_now()
    on_hand = _decimal(qty_on_hand, "qty_on_hand", _QTY)
    pending = _decimal(pend_qty_decrease, "pend_qty_decrease", _QTY)
    if pending < 0:
        raise ErpActionError(f"pend_qty_decrease {pending.normalize()} must not be negative")

    def work(cursor) -> None:
        _write_stock(cursor, _warehouse_key(cursor, company_id, whse_id), _item_key(cursor, company_id, item_id),
                     on_hand, pending, now)

    _run(conn, commit, work)


def stock_levels(conn, *, company_id: str = "SOA", item_id: str) -> dict[str, tuple[Decimal, Decimal]]:
    """{WhseID: (QtyOnHand, PendQtyDecrease)} of one item, for tests and the demo."""
    cursor = conn.cursor()
    item_key = _item_key(cursor, company_id, item_id)
    cursor.execute("SELECT w.WhseID, s.QtyOnHand, s.PendQtyDecrease FROM timWhseBinInvt s "
                   "JOIN timWarehouse w ON w.WhseKey = s.WhseKey WHERE s.ItemKey = ? ORDER BY w.WhseID", item_key)
    return {str(whse).rstrip(): (to_decimal(on_hand), to_decimal(pending)) for whse, on_hand, pending in cursor.fetchall()}


# -- customers -------------------------------------------------------------------------------------------------

def update_customer_address(conn, *, company_id: str = "SOA", cust_id: str, now: datetime | None = None,
                            commit: bool = True, **address_fields: Any) -> None:
    """Change fields of the customer's primary ``tciAddress`` (``AddrName``, ``AddrLine1``…``5``, ``City``,
    ``StateID``, ``PostalCode``, ``CountryID``); stamps the address's and the customer's ``UpdateDate``.
    A customer without a primary address gets one."""
    unknown = sorted(set(address_fields) - set(ADDRESS_FIELDS))
    if unknown or not address_fields:
        raise TypeError(f"address fields to change: {', '.join(ADDRESS_FIELDS)}; got {', '.join(unknown) or 'none'}")
    _fits("tciAddress", address_fields)
    now = now or utc_now()

    def work(cursor) -> None:
        cust_key, addr_key, _cntct_key, name = _customer(cursor, company_id, cust_id)
        customer: dict[str, Any] = {"UpdateDate": now}
        if addr_key is None:
            addr_key = allocate_keys(conn, "tciAddress")
            values = {"AddrName": name, **address_fields}
            insert_rows(cursor, "tciAddress", ("AddrKey", *values, "CreateDate", "UpdateDate"),
                        [(addr_key, *values.values(), now, now)])
            customer["PrimaryAddrKey"] = addr_key
        else:
            _set(cursor, "tciAddress", "AddrKey", addr_key, {**address_fields, "UpdateDate": now})
        _set(cursor, "tarCustomer", "CustKey", cust_key, customer)

    _run(conn, commit, work)


_UNCHANGED: Any = object()


def update_customer_contact(conn, *, company_id: str = "SOA", cust_id: str, email: str | None = _UNCHANGED,
                            phone: str | None = _UNCHANGED, name: str | None = _UNCHANGED,
                            now: datetime | None = None, commit: bool = True) -> None:
    """Change the primary contact's e-mail, phone or name (None clears); stamps contact and customer."""
    values = {column: value for column, value in (("EMailAddr", email), ("Phone", phone), ("Name", name))
              if value is not _UNCHANGED}
    if not values:
        raise TypeError("nothing to change: give email, phone or name")
    _fits("tciContact", values)
    now = now or utc_now()

    def work(cursor) -> None:
        cust_key, _addr_key, cntct_key, cust_name = _customer(cursor, company_id, cust_id)
        customer: dict[str, Any] = {"UpdateDate": now}
        if cntct_key is None:
            cntct_key = allocate_keys(conn, "tciContact")
            row = {"CntctOwnerKey": cust_key, "Name": cust_name, **values}
            insert_rows(cursor, "tciContact", ("CntctKey", *row, "CreateDate", "UpdateDate"),
                        [(cntct_key, *row.values(), now, now)])
            customer["PrimaryCntctKey"] = cntct_key
        else:
            _set(cursor, "tciContact", "CntctKey", cntct_key, {**values, "UpdateDate": now})
        _set(cursor, "tarCustomer", "CustKey", cust_key, customer)

    _run(conn, commit, work)


def set_customer_status(conn, *, company_id: str = "SOA", cust_id: str, status: int, now: datetime | None = None,
                        commit: bool = True) -> None:
    """Set ``tarCustomer.Status`` (1 active, 2 inactive, 3 temporary, 4 deleted); stamps ``UpdateDate``."""
    if status not in CUSTOMER_STATUSES:
        raise ErpActionError(f"customer status {status!r} is not one of {CUSTOMER_STATUSES}")
    now = now or utc_now()

    def work(cursor) -> None:
        cust_key = _customer(cursor, company_id, cust_id)[0]
        _set(cursor, "tarCustomer", "CustKey", cust_key, {"Status": status, "UpdateDate": now})

    _run(conn, commit, work)


# -- items ---------------------------------------------------------------------------------------------------

def update_item(conn, *, company_id: str = "SOA", item_id: str, description: str | None = None,
                std_price: Any = None, status: int | None = None, now: datetime | None = None,
                commit: bool = True) -> None:
    """Change an item's short description, list price (``StdPrice``) and/or status (1 active, 2 inactive,
    3 discontinued, 4 deleted); stamps ``timItem.UpdateDate`` (even when nothing else is given)."""
    if status is not None and status not in ITEM_STATUSES:
        raise ErpActionError(f"item status {status!r} is not one of {ITEM_STATUSES}")
    price = None if std_price is None else _decimal(std_price, "std_price", _MONEY)
    if price is not None and price < 0:
        raise ErpActionError(f"std_price {price} must not be negative")
    _fits("timItemDescription", {"ShortDesc": description})
    now = now or utc_now()

    def work(cursor) -> None:
        item_key = _item_key(cursor, company_id, item_id)
        values: dict[str, Any] = {}
        if price is not None:
            values["StdPrice"] = price
        if status is not None:
            values["Status"] = status
        _set(cursor, "timItem", "ItemKey", item_key, {**values, "UpdateDate": now})
        if description is not None:
            cursor.execute("UPDATE timItemDescription SET ShortDesc = ? WHERE ItemKey = ? AND LanguageID = ?",
                           description, item_key, LANGUAGE_ENGLISH)
            if cursor.rowcount == 0:
                insert_rows(cursor, "timItemDescription", ("ItemKey", "LanguageID", "ShortDesc", "LongDesc"),
                            [(item_key, LANGUAGE_ENGLISH, description, None)])

    _run(conn, commit, work)


def create_item(conn, *, company_id: str = "SOA", item_id: str, description: str, std_price: Any,
                status: int = 1, long_description: str | None = None, stock: Mapping[str, Any] | None = None,
                now: datetime | None = None, commit: bool = True) -> int:
    """Create a finished good with a description, list price and a stock row in every warehouse of the
    company (``stock`` maps WhseID → on-hand; others start at 0); returns the new ItemKey."""
    if status not in ITEM_STATUSES:
        raise ErpActionError(f"item status {status!r} is not one of {ITEM_STATUSES}")
    price = _decimal(std_price, "std_price", _MONEY)
    if price < 0:
        raise ErpActionError(f"std_price {price} must not be negative")
    _fits("timItem", {"ItemID": item_id})
    _fits("timItemDescription", {"ShortDesc": description, "LongDesc": long_description})
    quantities = {whse: _decimal(qty, f"stock for {whse}", _QTY) for whse, qty in (stock or {}).items()}
    now = now or utc_now()

    def work(cursor) -> int:
        if _one(cursor, "SELECT ItemKey FROM timItem WHERE CompanyID = ? AND ItemID = ?", company_id, item_id):
            raise ErpActionError(f"item {item_id} already exists in company {company_id}")
        warehouses = _warehouses(cursor, company_id)
        unknown = sorted(set(quantities) - set(warehouses))
        if unknown:
            raise ErpActionError(f"warehouse(s) {', '.join(unknown)} do not exist in company {company_id}")
        item_key = allocate_keys(conn, "timItem")
        insert_rows(cursor, "timItem", ("ItemKey", "CompanyID", "ItemID", "ItemType", "Status", "StdPrice",
                                        "CreateDate", "UpdateDate"),
                    [(item_key, company_id, item_id, ITEM_TYPE_FINISHED_GOOD, status, price, now, now)])
        insert_rows(cursor, "timItemDescription", ("ItemKey", "LanguageID", "ShortDesc", "LongDesc"),
                    [(item_key, LANGUAGE_ENGLISH, description, long_description)])
        zero = Decimal(0).quantize(_QTY)
        insert_rows(cursor, "timWhseBinInvt", ("WhseKey", "ItemKey", "QtyOnHand", "PendQtyDecrease", "UpdateDate"),
                    [(whse_key, item_key, quantities.get(whse, zero), zero, now) for whse, whse_key in warehouses.items()])
        return item_key

    return _run(conn, commit, work)


# -- receivables and sales order edits made by hand (the reconciliation's discrepancies) ----------------------

PAYMENT_TRAN_ID_SUFFIX = "-PA"
SALES_ORDER_TRAN_ID_SUFFIX = "-SO"
GL_ACCOUNT_TYPE_CASH, GL_ACCOUNT_ACTIVE = 101, 1


def _sales_order(cursor, company_id: str, tran_no: str) -> tuple[int, int, Any, Any, str]:
    row = _one(cursor, "SELECT SOKey, Status, TranAmt, OpenAmt, CurrID FROM tsoSalesOrder "
               "WHERE CompanyID = ? AND TranNo = ?", company_id, tran_no)
    if row is None:
        raise ErpActionError(f"sales order {tran_no} does not exist in company {company_id}")
    return row


def _currency(cursor, curr_id: str) -> str:
    code = str(curr_id).strip().upper()
    if _one(cursor, "SELECT CurrID FROM tciCurrency WHERE CurrID = ?", code) is None:
        raise ErpActionError(f"currency {curr_id} is not defined in tciCurrency")
    return code


def post_cash_receipt(conn, *, company_id: str = "SOA", tran_no: str, cust_id: str, amount: Any, curr_id: str,
                      cash_acct_no: str, tran_date: datetime, pmt_meth_id: str | None = None,
                      tran_cmnt: str | None = None, apply_to_tran_no: str | None = None,
                      user_fields: Mapping[str, str | None] | None = None, now: datetime | None = None,
                      commit: bool = True) -> int:
    """A customer payment (``tarCustPmt``) keyed by hand; returns its CustPmtKey.

    Applied to sales order ``apply_to_tran_no`` (``tarCustPmtAppl``, the order's ``OpenAmt`` goes down) or,
    without one, left on account (``UnappliedAmt`` = the amount). ``user_fields`` sets ``UserFld1..4`` (a
    clerk usually leaves them empty). Refuses: an unknown customer, currency or receipt number already used,
    a cash account that is unknown, inactive or not a cash account, an amount not above 0, and an
    application to a canceled order or above its open amount.
    """
    value = _decimal(amount, "amount", _MONEY)
    if value <= 0:
        raise ErpActionError(f"receipt amount {value} must be greater than 0")
    users = dict(user_fields or {})
    unknown = sorted(set(users) - {"UserFld1", "UserFld2", "UserFld3", "UserFld4"})
    if unknown:
        raise ErpActionError(f"unknown user field(s) {', '.join(unknown)}; valid: UserFld1..UserFld4")
    _fits("tarCustPmt", {"TranNo": tran_no, "PmtMethID": pmt_meth_id, "TranCmnt": tran_cmnt, **users})
    now = now or utc_now()

    def work(cursor) -> int:
        cust_key = _customer(cursor, company_id, cust_id)[0]
        currency = _currency(cursor, curr_id)
        if _one(cursor, "SELECT CustPmtKey FROM tarCustPmt WHERE CompanyID = ? AND TranNo = ?", company_id, tran_no):
            raise ErpActionError(f"customer payment {tran_no} already exists in company {company_id}")
        account = _one(cursor, "SELECT GLAcctKey, AcctTypeID, Status FROM tglAccount WHERE CompanyID = ? AND GLAcctNo = ?",
                       company_id, cash_acct_no)
        if account is None:
            raise ErpActionError(f"GL account {cash_acct_no} does not exist in company {company_id}")
        if account[1] != GL_ACCOUNT_TYPE_CASH or account[2] != GL_ACCOUNT_ACTIVE:
            raise ErpActionError(f"GL account {cash_acct_no} is not an active cash account")
        order = None
        if apply_to_tran_no is not None:
            order = _sales_order(cursor, company_id, apply_to_tran_no)
            if order[1] == SO_STATUS_CANCELED:
                raise ErpActionError(f"sales order {apply_to_tran_no} is canceled")
            if value > to_decimal(order[3]):
                raise ErpActionError(f"receipt of {value} exceeds the open amount {to_decimal(order[3])} of sales "
                                     f"order {apply_to_tran_no}")
        key = allocate_keys(conn, "tarCustPmt")
        fields = {f"UserFld{n}": users.get(f"UserFld{n}") for n in range(1, 5)}
        insert_rows(cursor, "tarCustPmt", ("CustPmtKey", "CompanyID", "TranNo", "TranID", "TranDate", "CustKey", "CurrID",
                                           "TranAmt", "UnappliedAmt", "PmtMethID", "CashAcctKey", "TranCmnt", *fields,
                                           "CreateDate", "UpdateDate"),
                    [(key, company_id, tran_no, tran_no + PAYMENT_TRAN_ID_SUFFIX, tran_date, cust_key, currency, value,
                      Decimal(0).quantize(_MONEY) if order else value, pmt_meth_id, account[0], tran_cmnt,
                      *fields.values(), now, now)])
        if order is not None:
            insert_rows(cursor, "tarCustPmtAppl", ("CustPmtApplKey", "CustPmtKey", "ApplyToSOKey", "ApplyToInvcKey",
                                                   "ApplAmt", "ApplDate", "CreateDate", "UpdateDate"),
                        [(allocate_keys(conn, "tarCustPmtAppl"), key, order[0], None, value, tran_date, now, now)])
            _set(cursor, "tsoSalesOrder", "SOKey", order[0],
                 {"OpenAmt": (to_decimal(order[3]) - value).quantize(_MONEY), "UpdateDate": now})
        return key

    return _run(conn, commit, work)


def set_receipt_date(conn, *, company_id: str = "SOA", tran_no: str, tran_date: datetime,
                     now: datetime | None = None, commit: bool = True) -> None:
    """Change a customer payment's ``TranDate`` (a receipt posted late, or post-dated)."""
    now = now or utc_now()

    def work(cursor) -> None:
        row = _one(cursor, "SELECT CustPmtKey FROM tarCustPmt WHERE CompanyID = ? AND TranNo = ?", company_id, tran_no)
        if row is None:
            raise ErpActionError(f"customer payment {tran_no} does not exist in company {company_id}")
        _set(cursor, "tarCustPmt", "CustPmtKey", row[0], {"TranDate": tran_date, "UpdateDate": now})

    _run(conn, commit, work)


def set_sales_order_amount(conn, *, company_id: str = "SOA", tran_no: str, amount: Any, now: datetime | None = None,
                           commit: bool = True) -> None:
    """Edit a sales order's total (``TranAmt``) in the ERP; its ``OpenAmt`` moves by the same difference.

    Refuses a total below what receipts already paid on the order (``TranAmt - OpenAmt``) or below 0.
    """
    value = _decimal(amount, "amount", _MONEY)
    now = now or utc_now()

    def work(cursor) -> None:
        so_key, _status, old_total, open_amount, _curr = _sales_order(cursor, company_id, tran_no)
        old_total, open_amount = to_decimal(old_total), to_decimal(open_amount)
        paid = old_total - open_amount
        if value < 0 or value < paid:
            raise ErpActionError(f"sales order {tran_no} total {value} is below 0 or below the {paid} already paid")
        _set(cursor, "tsoSalesOrder", "SOKey", so_key,
             {"TranAmt": value, "OpenAmt": (open_amount + value - old_total).quantize(_MONEY), "UpdateDate": now})

    _run(conn, commit, work)


def set_sales_order_currency(conn, *, company_id: str = "SOA", tran_no: str, curr_id: str,
                             now: datetime | None = None, commit: bool = True) -> None:
    """Change a sales order's currency (``CurrID``, a currency of ``tciCurrency``); amounts stay as they are."""
    now = now or utc_now()

    def work(cursor) -> None:
        so_key = _sales_order(cursor, company_id, tran_no)[0]
        _set(cursor, "tsoSalesOrder", "SOKey", so_key, {"CurrID": _currency(cursor, curr_id), "UpdateDate": now})

    _run(conn, commit, work)


def enter_sales_order(conn, *, company_id: str = "SOA", tran_no: str, cust_id: str, amount: Any, curr_id: str,
                      tran_date: datetime, user_fld1: str | None = None, cust_po_no: str | None = None,
                      now: datetime | None = None, commit: bool = True) -> int:
    """A sales order header keyed by hand (no lines: what the sandbox needs of it); returns its SOKey.

    ``user_fld1`` is the external reference field the orders flow fills with ``XC-<orderId>``.
    """
    value = _decimal(amount, "amount", _MONEY)
    if value < 0:
        raise ErpActionError(f"sales order amount {value} must not be negative")
    _fits("tsoSalesOrder", {"TranNo": tran_no, "UserFld1": user_fld1, "CustPONo": cust_po_no})
    now = now or utc_now()

    def work(cursor) -> int:
        cust_key = _customer(cursor, company_id, cust_id)[0]
        currency = _currency(cursor, curr_id)
        if _one(cursor, "SELECT SOKey FROM tsoSalesOrder WHERE CompanyID = ? AND TranNo = ?", company_id, tran_no):
            raise ErpActionError(f"sales order {tran_no} already exists in company {company_id}")
        key = allocate_keys(conn, "tsoSalesOrder")
        zero = Decimal(0).quantize(_MONEY)
        insert_rows(cursor, "tsoSalesOrder", ("SOKey", "CompanyID", "TranNo", "TranID", "TranDate", "CustKey",
                                              "CustPONo", "CurrID", "Status", "Hold", "TranAmt", "OpenAmt",
                                              "FreightAmt", "STaxAmt", "TradeDiscAmt", "UserFld1", "CreateDate",
                                              "UpdateDate"),
                    [(key, company_id, tran_no, tran_no + SALES_ORDER_TRAN_ID_SUFFIX, tran_date, cust_key, cust_po_no,
                      currency, SO_STATUS_OPEN, 0, value, value, zero, zero, zero, user_fld1, now, now)])
        return key

    return _run(conn, commit, work)
