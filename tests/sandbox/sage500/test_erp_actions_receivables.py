"""Clerk actions behind the reconciliation's discrepancies: a receipt keyed by hand, a re-dated receipt, a sales
order's total or currency edited in the ERP only, a sales order header keyed by hand; each refuses what Sage
500 would, on both dialects."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from include.sandbox.sage500.dialects import connect, temporary_database, to_decimal
from include.sandbox.sage500.erp_actions import (
    ErpActionError,
    enter_sales_order,
    post_cash_receipt,
    set_receipt_date,
    set_sales_order_amount,
    set_sales_order_currency,
)
from include.sandbox.sage500.schema import create_schema
from include.sandbox.sage500.seed import seed_database
from tests.sandbox.sage500.servers import server_params

DAY = datetime(2026, 11, 19, 12)
NOW = datetime(2026, 11, 19, 13)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def conn(request, tmp_path):
    dialect = request.param
    with temporary_database(dialect, directory=tmp_path, **server_params(dialect)) as params:
        connection = connect(dialect, **params)
        create_schema(connection, dialect)
        seed_database(connection, dialect, items=3, customers=2)
        connection.commit()
        enter_sales_order(connection, tran_no="W000000012", cust_id="WEBGUEST", amount="100.00", curr_id="USD",
                          tran_date=DAY, user_fld1="XC-12", now=NOW)
        yield connection
        connection.close()


def row(conn, sql: str, *params) -> tuple:
    return tuple(conn.cursor().execute(sql, *params).fetchone())


def test_a_sales_order_keyed_by_hand_is_open_with_its_reference_and_nothing_paid(conn):
    status, total, open_amount, ref, tran_id = row(
        conn, "SELECT Status, TranAmt, OpenAmt, UserFld1, TranID FROM tsoSalesOrder WHERE TranNo = 'W000000012'")
    assert (status, to_decimal(total), to_decimal(open_amount), ref.strip(), tran_id.strip()) == (
        1, Decimal("100.000"), Decimal("100.000"), "XC-12", "W000000012-SO")
    with pytest.raises(ErpActionError, match="already exists"):
        enter_sales_order(conn, tran_no="W000000012", cust_id="WEBGUEST", amount="1", curr_id="USD", tran_date=DAY)
    with pytest.raises(ErpActionError, match="currency XYZ is not defined"):
        enter_sales_order(conn, tran_no="W000000099", cust_id="WEBGUEST", amount="1", curr_id="XYZ", tran_date=DAY)


def test_a_receipt_applied_to_an_order_lowers_its_open_amount_and_one_on_account_stays_unapplied(conn):
    applied = post_cash_receipt(conn, tran_no="P000000055", cust_id="WEBGUEST", amount="60.00", curr_id="USD",
                                cash_acct_no="1030-00", tran_date=DAY, tran_cmnt="ch_55", apply_to_tran_no="W000000012",
                                user_fields={"UserFld1": "XP-55"}, now=NOW)
    on_account = post_cash_receipt(conn, tran_no="M000000055", cust_id="WEBGUEST", amount="60.00", curr_id="USD",
                                   cash_acct_no="1030-00", tran_date=DAY, tran_cmnt="ch_55", now=NOW)
    assert to_decimal(row(conn, "SELECT OpenAmt FROM tsoSalesOrder WHERE TranNo = 'W000000012'")[0]) == Decimal("40.000")
    assert to_decimal(row(conn, "SELECT UnappliedAmt FROM tarCustPmt WHERE CustPmtKey = ?", on_account)[0]) == \
        Decimal("60.000")
    assert row(conn, "SELECT COUNT(*) FROM tarCustPmtAppl WHERE CustPmtKey = ?", applied)[0] == 1
    assert row(conn, "SELECT COUNT(*) FROM tarCustPmtAppl WHERE CustPmtKey = ?", on_account)[0] == 0
    assert row(conn, "SELECT a.GLAcctNo FROM tarCustPmt p JOIN tglAccount a ON a.GLAcctKey = p.CashAcctKey "
                     "WHERE p.CustPmtKey = ?", applied)[0].strip() == "1030-00"


@pytest.mark.parametrize("changes, message", [
    ({"tran_no": "P000000055"}, "already exists"),
    ({"cash_acct_no": "1200-00"}, "is not an active cash account"),
    ({"cash_acct_no": "9999-99"}, "does not exist"),
    ({"amount": "0"}, "must be greater than 0"),
    ({"apply_to_tran_no": "W000000012", "amount": "100.01"}, "exceeds the open amount"),
    ({"cust_id": "NOBODY"}, "customer NOBODY does not exist"),
    ({"user_fields": {"UserFld9": "x"}}, "unknown user field"),
])
def test_a_receipt_keyed_by_hand_refuses_what_sage_would(conn, changes, message):
    post_cash_receipt(conn, tran_no="P000000055", cust_id="WEBGUEST", amount="1.00", curr_id="USD",
                      cash_acct_no="1030-00", tran_date=DAY)
    arguments = {"tran_no": "P000000077", "cust_id": "WEBGUEST", "amount": "1.00", "curr_id": "USD",
                 "cash_acct_no": "1030-00", "tran_date": DAY, **changes}
    with pytest.raises(ErpActionError, match=message):
        post_cash_receipt(conn, **arguments)


def test_a_receipt_can_be_re_dated(conn):
    post_cash_receipt(conn, tran_no="P000000055", cust_id="WEBGUEST", amount="1.00", curr_id="USD",
                      cash_acct_no="1030-00", tran_date=DAY)
    set_receipt_date(conn, tran_no="P000000055", tran_date=datetime(2026, 11, 20, 9), now=NOW)
    assert str(row(conn, "SELECT TranDate FROM tarCustPmt WHERE TranNo = 'P000000055'")[0]).startswith("2026-11-20")
    with pytest.raises(ErpActionError, match="does not exist"):
        set_receipt_date(conn, tran_no="P000000404", tran_date=DAY)


def test_a_sales_orders_total_edit_moves_its_open_amount_and_cannot_go_below_what_was_paid(conn):
    post_cash_receipt(conn, tran_no="P000000055", cust_id="WEBGUEST", amount="30.00", curr_id="USD",
                      cash_acct_no="1030-00", tran_date=DAY, apply_to_tran_no="W000000012")
    set_sales_order_amount(conn, tran_no="W000000012", amount="110.00", now=NOW)
    total, open_amount = row(conn, "SELECT TranAmt, OpenAmt FROM tsoSalesOrder WHERE TranNo = 'W000000012'")
    assert (to_decimal(total), to_decimal(open_amount)) == (Decimal("110.000"), Decimal("80.000"))
    with pytest.raises(ErpActionError, match="below the 30.000 already paid"):
        set_sales_order_amount(conn, tran_no="W000000012", amount="29.99")


def test_a_sales_orders_currency_edit_needs_a_known_currency(conn):
    set_sales_order_currency(conn, tran_no="W000000012", curr_id="eur", now=NOW)
    assert row(conn, "SELECT CurrID FROM tsoSalesOrder WHERE TranNo = 'W000000012'")[0].strip() == "EUR"
    with pytest.raises(ErpActionError, match="currency ZZZ is not defined"):
        set_sales_order_currency(conn, tran_no="W000000012", curr_id="ZZZ")
