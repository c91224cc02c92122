"""Emulated imports of customer payments (cash receipts) and AR credit memos (refunds, returns).

Sage 500 documents no Data Import procedure for receipts or credit memos, so these staging tables and
procedures are the sandbox's own design, shaped like ``spSOapiSalesOrdIns`` (shared session contract in
:mod:`.importing`: rows of one session with ``ProcessStatus = 0``; valid → ERP rows and deleted from staging;
invalid → ``ProcessStatus = 2`` and one ``tdmMigrationLogWrk`` row per problem with ``EntityID = TranNo``;
a re-run of a processed session does nothing). A SQL Server deployment needs a site-specific procedure with
the same contract; the hook's sandbox mode calls these functions.

**Payments**: ``run_customer_payment_import(conn, session_key, *, company_id)`` reads ``StgCustPmt``:

    RowKey(auto), SessionKey, ProcessStatus, Action (0 auto / 1 insert), TranNo varchar(10) (required: the
    receipt number), TranDate, CustID varchar(12), CurrID varchar(3), TranAmt decimal(15,3),
    PmtMethID varchar(15), CashAcctID varchar(100) (GLAcctNo of a cash account, e.g. 1020-00),
    ApplyToTranNo varchar(10) (the sales order's TranNo), TranCmnt varchar(50), UserFld1..4 varchar(15)
    (UserFld1: the external reference, e.g. the storefront's payment id)

Valid → ``tarCustPmt`` (``TranID = TranNo + '-PA'``, ``UnappliedAmt = TranAmt − applied``,
``CashAcctKey`` = the account's GLAcctKey) and, when ``ApplyToTranNo`` is given, one ``tarCustPmtAppl``
(``ApplyToSOKey``, ``ApplAmt = TranAmt``, ``ApplDate = TranDate``) with the order's ``OpenAmt`` reduced by
the amount and its ``UpdateDate`` set. Without ``ApplyToTranNo`` the payment stays unapplied (on account).
``CustID`` and ``CurrID`` default to the order's.

Refused: Action other than 0/1; TranNo missing, repeated in the session or already a payment of the company;
TranDate missing; customer missing, unknown, deleted (Status 4) or not the order's customer; currency unknown
or not the order's; TranAmt missing, not > 0, or above the order's open amount (payments of one session to
one order count together, in staging order); cash account missing, unknown in ``tglAccount``, not active,
not a cash account (``AcctTypeID`` 101) or restricted to another currency; sales order unknown or canceled
(Status 3); ``UserFld1`` repeated in the session or already on a payment of the company; text too long.

*Interpretation* of "the order must be open": an order closed by shipping (Status 4) with an open amount
still takes payments (a capture after shipment is normal for web orders and the sandbox has no invoices to
apply to); canceled orders (3) and orders with nothing open do not.

**Credit memos**: ``run_credit_memo_import(conn, session_key, *, company_id)`` reads ``StgARCreditMemo``:

    RowKey(auto), SessionKey, ProcessStatus, Action, TranNo varchar(10) (required), TranDate, CustID, CurrID,
    TranAmt decimal(15,3) (positive), ApplyToTranNo varchar(10) (the refunded sales order),
    TranCmnt varchar(50) (reason), UserFld1..4 (UserFld1: the external refund id)

Valid → ``tarInvoice`` with ``TranType = 502`` (credit memo; *unverified* code), ``TranID = TranNo + '-CM'``,
``TranAmt`` and ``Balance`` = the amount (stored positive; the type gives the sign), ``ApplyToSOKey``.
The sales order is not changed. Refused like payments (customer, currency, amount > 0, duplicate TranNo and
UserFld1 among credit memos), plus: the amount may not exceed what remains creditable on the order (its
``TranAmt`` minus earlier credit memos for it, this session's included). Any order status may be credited.
Credit memos have no lines here (no restocking); *unverified* simplification.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from .dialects import to_decimal
from .importing import (
    ACTION_AUTO,
    ACTION_INSERT,
    Amounts,
    ImportResult,
    Problem,
    as_datetime,
    check_sizes,
    chunks,
    counts,
    finish_session,
    lookup,
    marks,
    natural_id,
    read_session,
    rows,
    run_in_transaction,
    text,
    utc_now,
)
from .schema import allocate_keys, insert_rows

CREDIT_MEMO_TRAN_TYPE = 502
CREDIT_MEMO_TRAN_ID_SUFFIX = "-CM"
PAYMENT_TRAN_ID_SUFFIX = "-PA"
GL_ACCOUNT_TYPE_CASH = 101
GL_ACCOUNT_ACTIVE = 1
SO_STATUS_CANCELED = 3
CUSTOMER_DELETED = 4
USER_FIELDS = ("UserFld1", "UserFld2", "UserFld3", "UserFld4")

_ORDER_COLUMNS = ("TranNo", "SOKey", "CustKey", "CustID", "CurrID", "Status", "TranAmt", "OpenAmt")
_CUSTOMER_COLUMNS = ("CustID", "CustKey", "Status")


def run_customer_payment_import(conn, session_key: int, *, company_id: str = "SOA",
                                now: datetime | None = None) -> ImportResult:
    """Import the ``StgCustPmt`` rows of one session; see the module docstring.

    ``ImportResult`` is keyed by TranNo (``RowKey n`` when it is missing); ``keys`` gives each CustPmtKey.
    """
    return run_in_transaction(conn, lambda: _import_payments(conn, int(session_key), company_id, now or utc_now()))


def run_credit_memo_import(conn, session_key: int, *, company_id: str = "SOA",
                           now: datetime | None = None) -> ImportResult:
    """Import the ``StgARCreditMemo`` rows of one session; see the module docstring.

    ``ImportResult`` is keyed by TranNo (``RowKey n`` when it is missing); ``keys`` gives each InvcKey.
    """
    return run_in_transaction(conn, lambda: _import_credit_memos(conn, int(session_key), company_id,
                                                                 now or utc_now()))


# -- shared checks --------------------------------------------------------------------------------------

def _orders(cursor, company_id: str, tran_nos: Iterable[str], *, lock: bool) -> dict[str, dict]:
    """Sales orders by TranNo with their customer's CustID; ``lock`` write-locks them first."""
    wanted = sorted(set(tran_nos))
    if lock:
        for chunk in chunks(wanted):
            cursor.execute(f"UPDATE tsoSalesOrder SET Status = Status WHERE CompanyID = ? AND TranNo IN ({marks(chunk)})",
                           [company_id, *chunk])
    return lookup(cursor, "SELECT o.TranNo, o.SOKey, o.CustKey, c.CustID, o.CurrID, o.Status, o.TranAmt, o.OpenAmt "
                  "FROM tsoSalesOrder o JOIN tarCustomer c ON c.CustKey = o.CustKey "
                  "WHERE o.CompanyID = ? AND o.TranNo IN ({marks})", [company_id], wanted, _ORDER_COLUMNS)


def _references(staged: list[dict[str, Any]], cursor, company_id: str, *, lock_orders: bool):
    """Orders, customers and currencies every staged row mentions, fetched in bulk."""
    orders = _orders(cursor, company_id, filter(None, (natural_id(r["ApplyToTranNo"]) for r in staged)),
                     lock=lock_orders)
    cust_ids = {natural_id(r["CustID"]) for r in staged} | {str(o["CustID"]).rstrip() for o in orders.values()}
    customers = lookup(cursor, "SELECT CustID, CustKey, Status FROM tarCustomer WHERE CompanyID = ? "
                       "AND CustID IN ({marks})", [company_id], filter(None, cust_ids), _CUSTOMER_COLUMNS)
    cursor.execute("SELECT CurrID FROM tciCurrency")
    currencies = {str(row[0]).rstrip() for row in cursor.fetchall()}
    return orders, customers, currencies


def _check_document(row: dict[str, Any], table: str, kind: str, *, tran: str | None, tran_counts: dict,
                    existing_trans: dict, ref: str | None, ref_counts: dict, existing_refs: dict,
                    orders: dict, customers: dict, currencies: set[str], company_id: str,
                    problems: list[Problem]) -> dict[str, Any]:
    """Checks a payment and a credit memo share; returns what was resolved (meaningful without problems)."""
    check_sizes(table, row, problems)
    action = row["Action"]
    if action not in (ACTION_AUTO, ACTION_INSERT):
        problems.append(Problem("Action", action, f"{kind}s can only be inserted: Action 0 (auto) or 1 (insert)"))
    if tran is None:
        problems.append(Problem("TranNo", row["TranNo"], "TranNo is required"))
    elif tran_counts[tran] > 1:
        problems.append(Problem("TranNo", tran, f"TranNo appears on {tran_counts[tran]} rows in this session"))
    elif tran in existing_trans:
        problems.append(Problem("TranNo", tran, f"{kind} {tran} already exists in company {company_id}"))
    tran_date = as_datetime(row["TranDate"])
    if tran_date is None:
        problems.append(Problem("TranDate", row["TranDate"], "TranDate is required and must be a date"))

    apply_to = natural_id(row["ApplyToTranNo"])
    order = orders.get(apply_to) if apply_to else None
    if apply_to and order is None:
        problems.append(Problem("ApplyToTranNo", row["ApplyToTranNo"],
                                f"sales order does not exist in company {company_id}"))

    cust_id = natural_id(row["CustID"]) or (str(order["CustID"]).rstrip() if order else None)
    customer = customers.get(cust_id) if cust_id else None
    if cust_id is None:
        problems.append(Problem("CustID", row["CustID"], "CustID is required when ApplyToTranNo is empty"))
    elif customer is None:
        problems.append(Problem("CustID", row["CustID"], f"customer does not exist in company {company_id}"))
    elif customer["Status"] == CUSTOMER_DELETED:
        problems.append(Problem("CustID", cust_id, "customer is deleted (Status 4)"))
    elif order is not None and customer["CustKey"] != order["CustKey"]:
        problems.append(Problem("CustID", cust_id, f"sales order {apply_to} belongs to customer "
                                f"{str(order['CustID']).rstrip()}"))

    order_currency = str(order["CurrID"]).rstrip() if order else None
    curr_id = natural_id(row["CurrID"]) or order_currency
    if curr_id is None:
        problems.append(Problem("CurrID", row["CurrID"], "CurrID is required when ApplyToTranNo is empty"))
    elif curr_id not in currencies:
        problems.append(Problem("CurrID", row["CurrID"], "currency is not defined in tciCurrency"))
    elif order_currency is not None and curr_id != order_currency:
        problems.append(Problem("CurrID", row["CurrID"], f"sales order {apply_to} is in {order_currency}"))

    amount = Amounts(problems).get("TranAmt", row["TranAmt"], "money", positive=True)
    if row["TranAmt"] is None:
        problems.append(Problem("TranAmt", None, "TranAmt is required"))

    if ref is not None:
        if ref_counts[ref] > 1:
            problems.append(Problem("UserFld1", ref, f"external reference appears on {ref_counts[ref]} rows in this "
                                    "session"))
        elif ref in existing_refs:
            problems.append(Problem("UserFld1", ref, f"a {kind} with external reference {ref} already exists in "
                                    f"company {company_id} (TranNo {str(existing_refs[ref]['TranNo']).rstrip()})"))
    return {"RowKey": row["RowKey"], "TranNo": tran, "TranDate": tran_date, "order": order, "customer": customer,
            "CurrID": curr_id, "TranAmt": amount, "TranCmnt": text(row["TranCmnt"]),
            "user": [text(row[c]) for c in USER_FIELDS]}


def _staged_ids(staged: list[dict[str, Any]]):
    trans = [natural_id(r["TranNo"]) for r in staged]
    refs = [natural_id(r["UserFld1"]) for r in staged]
    return trans, counts(trans), refs, counts(refs)


# -- payments -------------------------------------------------------------------------------------------

def _import_payments(conn, session_key: int, company_id: str, now: datetime) -> ImportResult:
    cursor = conn.cursor()
    staged = read_session(cursor, "StgCustPmt", session_key)
    trans, tran_counts, refs, ref_counts = _staged_ids(staged)
    orders, customers, currencies = _references(staged, cursor, company_id, lock_orders=True)
    accounts = lookup(cursor, "SELECT GLAcctNo, GLAcctKey, AcctTypeID, Status, CurrID FROM tglAccount "
                      "WHERE CompanyID = ? AND GLAcctNo IN ({marks})", [company_id],
                      filter(None, (natural_id(r["CashAcctID"]) for r in staged)),
                      ("GLAcctNo", "GLAcctKey", "AcctTypeID", "Status", "CurrID"))
    existing_trans = lookup(cursor, "SELECT TranNo FROM tarCustPmt WHERE CompanyID = ? AND TranNo IN ({marks})",
                            [company_id], filter(None, trans), ("TranNo",))
    existing_refs = lookup(cursor, "SELECT UserFld1, TranNo FROM tarCustPmt WHERE CompanyID = ? "
                           "AND UserFld1 IN ({marks})", [company_id], filter(None, refs), ("UserFld1", "TranNo"))
    open_amounts = {o["SOKey"]: to_decimal(o["OpenAmt"]) for o in orders.values()}

    valid: list[dict[str, Any]] = []
    refused: list[tuple[str, int, list[Problem]]] = []
    for row, tran, ref in zip(staged, trans, refs):
        problems: list[Problem] = []
        payment = _check_document(row, "StgCustPmt", "payment", tran=tran, tran_counts=tran_counts,
                                  existing_trans=existing_trans, ref=ref, ref_counts=ref_counts,
                                  existing_refs=existing_refs, orders=orders, customers=customers,
                                  currencies=currencies, company_id=company_id, problems=problems)
        payment["PmtMethID"] = text(row["PmtMethID"])
        payment["account"] = _check_cash_account(row, accounts, payment["CurrID"], company_id, problems)
        order, amount = payment["order"], payment["TranAmt"]
        if order is not None:
            open_amount = open_amounts[order["SOKey"]]
            apply_to = str(order["TranNo"]).rstrip()
            if order["Status"] == SO_STATUS_CANCELED:
                problems.append(Problem("ApplyToTranNo", row["ApplyToTranNo"],
                                        f"sales order {apply_to} is canceled (Status 3)"))
            elif amount is not None and amount > open_amount:
                problems.append(Problem("TranAmt", row["TranAmt"], f"TranAmt exceeds the open amount {open_amount} "
                                        f"of sales order {apply_to}"))
            elif not problems:
                open_amounts[order["SOKey"]] = open_amount - amount
        if problems:
            refused.append((tran or f"RowKey {row['RowKey']}", row["RowKey"], problems))
        else:
            valid.append(payment)

    done = _create_payments(conn, cursor, valid, company_id, open_amounts, now) if valid else []
    return finish_session(cursor, "StgCustPmt", session_key, ImportResult(), done=done, refused=refused)


def _check_cash_account(row: dict[str, Any], accounts: dict, curr_id: str | None, company_id: str,
                        problems: list[Problem]) -> dict | None:
    acct_no = natural_id(row["CashAcctID"])
    account = accounts.get(acct_no) if acct_no else None
    if acct_no is None:
        problems.append(Problem("CashAcctID", row["CashAcctID"], "CashAcctID is required"))
    elif account is None:
        problems.append(Problem("CashAcctID", row["CashAcctID"], f"GL account does not exist in company {company_id}"))
    elif account["Status"] != GL_ACCOUNT_ACTIVE:
        problems.append(Problem("CashAcctID", acct_no, f"GL account is not active (Status {account['Status']})"))
    elif account["AcctTypeID"] != GL_ACCOUNT_TYPE_CASH:
        problems.append(Problem("CashAcctID", acct_no, "GL account is not a cash account"))
    elif account["CurrID"] is not None and curr_id and str(account["CurrID"]).rstrip() != curr_id:
        problems.append(Problem("CashAcctID", acct_no, f"cash account takes {str(account['CurrID']).rstrip()} only, "
                                f"not {curr_id}"))
    return account


def _create_payments(conn, cursor, payments: list[dict[str, Any]], company_id: str,
                     open_amounts: dict[int, Decimal], now: datetime) -> list[tuple[str, int, int]]:
    applied = [p for p in payments if p["order"] is not None]
    pmt_key = allocate_keys(conn, "tarCustPmt", len(payments))
    appl_key = allocate_keys(conn, "tarCustPmtAppl", len(applied)) if applied else 0
    payment_rows, appl_rows, done = [], [], []
    for offset, p in enumerate(payments):
        key = pmt_key + offset
        unapplied = Decimal("0.000") if p["order"] is not None else p["TranAmt"]
        payment_rows.append((key, company_id, p["TranNo"], p["TranNo"] + PAYMENT_TRAN_ID_SUFFIX, p["TranDate"],
                             p["customer"]["CustKey"], p["CurrID"], p["TranAmt"], unapplied, p["PmtMethID"],
                             p["account"]["GLAcctKey"], p["TranCmnt"], *p["user"], now, now))
        if p["order"] is not None:
            appl_rows.append((appl_key, key, p["order"]["SOKey"], None, p["TranAmt"], p["TranDate"], now, now))
            appl_key += 1
        done.append((p["TranNo"], p["RowKey"], key))
    insert_rows(cursor, "tarCustPmt", ("CustPmtKey", "CompanyID", "TranNo", "TranID", "TranDate", "CustKey", "CurrID",
                                       "TranAmt", "UnappliedAmt", "PmtMethID", "CashAcctKey", "TranCmnt", *USER_FIELDS,
                                       "CreateDate", "UpdateDate"), payment_rows)
    if appl_rows:
        insert_rows(cursor, "tarCustPmtAppl", ("CustPmtApplKey", "CustPmtKey", "ApplyToSOKey", "ApplyToInvcKey",
                                               "ApplAmt", "ApplDate", "CreateDate", "UpdateDate"), appl_rows)
    # Exact amounts computed here: SQL arithmetic on SQLite's text decimals would go through floats.
    for so_key in sorted({p["order"]["SOKey"] for p in applied}):
        cursor.execute("UPDATE tsoSalesOrder SET OpenAmt = ?, UpdateDate = ? WHERE SOKey = ?",
                       open_amounts[so_key], now, so_key)
    return done


# -- credit memos ---------------------------------------------------------------------------------------

def _import_credit_memos(conn, session_key: int, company_id: str, now: datetime) -> ImportResult:
    cursor = conn.cursor()
    staged = read_session(cursor, "StgARCreditMemo", session_key)
    trans, tran_counts, refs, ref_counts = _staged_ids(staged)
    orders, customers, currencies = _references(staged, cursor, company_id, lock_orders=False)
    existing_trans = lookup(cursor, "SELECT TranNo FROM tarInvoice WHERE CompanyID = ? AND TranType = ? "
                            "AND TranNo IN ({marks})", [company_id, CREDIT_MEMO_TRAN_TYPE], filter(None, trans),
                            ("TranNo",))
    existing_refs = lookup(cursor, "SELECT UserFld1, TranNo FROM tarInvoice WHERE CompanyID = ? AND TranType = ? "
                           "AND UserFld1 IN ({marks})", [company_id, CREDIT_MEMO_TRAN_TYPE], filter(None, refs),
                           ("UserFld1", "TranNo"))
    creditable = {o["SOKey"]: to_decimal(o["TranAmt"]) for o in orders.values()}
    so_keys = sorted(creditable)
    for chunk in chunks(so_keys):  # earlier credit memos, summed exactly here (not with SQL SUM over text)
        cursor.execute(f"SELECT ApplyToSOKey, TranAmt FROM tarInvoice WHERE CompanyID = ? AND TranType = ? "
                       f"AND ApplyToSOKey IN ({marks(chunk)})", [company_id, CREDIT_MEMO_TRAN_TYPE, *chunk])
        for memo in rows(cursor, ("ApplyToSOKey", "TranAmt")):
            creditable[memo["ApplyToSOKey"]] -= to_decimal(memo["TranAmt"])

    valid: list[dict[str, Any]] = []
    refused: list[tuple[str, int, list[Problem]]] = []
    for row, tran, ref in zip(staged, trans, refs):
        problems: list[Problem] = []
        memo = _check_document(row, "StgARCreditMemo", "credit memo", tran=tran, tran_counts=tran_counts,
                               existing_trans=existing_trans, ref=ref, ref_counts=ref_counts,
                               existing_refs=existing_refs, orders=orders, customers=customers,
                               currencies=currencies, company_id=company_id, problems=problems)
        order, amount = memo["order"], memo["TranAmt"]
        if order is not None and amount is not None:
            remaining = creditable[order["SOKey"]]
            if amount > remaining:
                problems.append(Problem("TranAmt", row["TranAmt"], f"TranAmt exceeds the {remaining} still creditable "
                                        f"on sales order {str(order['TranNo']).rstrip()}"))
            elif not problems:
                creditable[order["SOKey"]] = remaining - amount
        if problems:
            refused.append((tran or f"RowKey {row['RowKey']}", row["RowKey"], problems))
        else:
            valid.append(memo)

    done: list[tuple[str, int, int]] = []
    if valid:
        key = allocate_keys(conn, "tarInvoice", len(valid))
        memo_rows = []
        for offset, m in enumerate(valid):
            memo_rows.append((key + offset, company_id, CREDIT_MEMO_TRAN_TYPE, m["TranNo"],
                              m["TranNo"] + CREDIT_MEMO_TRAN_ID_SUFFIX, m["TranDate"], m["customer"]["CustKey"],
                              m["CurrID"], m["TranAmt"], m["TranAmt"],
                              m["order"]["SOKey"] if m["order"] is not None else None, m["TranCmnt"], *m["user"],
                              now, now))
            done.append((m["TranNo"], m["RowKey"], key + offset))
        insert_rows(cursor, "tarInvoice", ("InvcKey", "CompanyID", "TranType", "TranNo", "TranID", "TranDate",
                                           "CustKey", "CurrID", "TranAmt", "Balance", "ApplyToSOKey", "TranCmnt",
                                           *USER_FIELDS, "CreateDate", "UpdateDate"), memo_rows)
    return finish_session(cursor, "StgARCreditMemo", session_key, ImportResult(), done=done, refused=refused)
