"""Sage 500 documents for the reconciliation, read through ODBC from a seeded SQLite sandbox: the day's sales
orders, cash receipts and credit memos with their storefront references, lookups by reference, keyset paging,
and unreadable values becoming problems."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from storesync.systems.sage500 import reconcile as sage500_reconcile
START = datetime(2026, 11, 19, tzinfo=timezone.utc)
END = datetime(2026, 11, 20, tzinfo=timezone.utc)
NOON = datetime(2026, 11, 19, 12)
NEXT = datetime(2026, 11, 20, 9)


@pytest.fixture
def sage(monkeypatch, tmp_path):
    """A Sage 500 sandbox with web sales orders, receipts and a credit memo, and an adapter on it."""
    from include.sandbox.sage500.dialects import connect
    from include.sandbox.sage500.erp_actions import enter_sales_order, post_cash_receipt
    from include.sandbox.sage500.receivables import run_credit_memo_import
    from include.sandbox.sage500.schema import create_schema
    from include.sandbox.sage500.seed import seed_database
    from storesync.systems.sage500.adapter import Sage500Adapter

    database = str(tmp_path / "sage500.db")
    connection = connect("sqlite", database=database)
    create_schema(connection, "sqlite")
    seed_database(connection, "sqlite", seed=7, items=5, customers=3)
    enter_sales_order(connection, tran_no="W000000012", cust_id="WEBGUEST", amount="100.00", curr_id="USD",
                      tran_date=NOON, user_fld1="XC-12")
    enter_sales_order(connection, tran_no="W000000013", cust_id="WEBGUEST", amount="20.00", curr_id="EUR",
                      tran_date=NOON, user_fld1="XC-13")
    enter_sales_order(connection, tran_no="0000004711", cust_id="WEBGUEST", amount="50.00", curr_id="USD",
                      tran_date=NOON)
    enter_sales_order(connection, tran_no="W000000014", cust_id="WEBGUEST", amount="9.00", curr_id="USD",
                      tran_date=NEXT, user_fld1="XC-14")
    post_cash_receipt(connection, tran_no="P000000055", cust_id="WEBGUEST", amount="100.00", curr_id="USD",
                      cash_acct_no="1030-00", tran_date=NOON, pmt_meth_id="CREDITCARD", tran_cmnt="ch_55",
                      apply_to_tran_no="W000000012", user_fields={"UserFld1": "XP-55", "UserFld2": "XC-12"})
    post_cash_receipt(connection, tran_no="M000000055", cust_id="WEBGUEST", amount="100.00", curr_id="USD",
                      cash_acct_no="1030-00", tran_date=NOON, pmt_meth_id="CREDITCARD", tran_cmnt="ch_55")
    post_cash_receipt(connection, tran_no="P000000056", cust_id="WEBGUEST", amount="20.00", curr_id="EUR",
                      cash_acct_no="1020-00", tran_date=NEXT, user_fields={"UserFld1": "XP-56", "UserFld2": "XC-13"})
    connection.cursor().execute(
        "INSERT INTO StgARCreditMemo (SessionKey, ProcessStatus, Action, TranNo, TranDate, CurrID, TranAmt, "
        "ApplyToTranNo, TranCmnt, UserFld1, UserFld2) VALUES (3, 0, 1, 'R000000057', ?, 'USD', '5.00', 'W000000012', "
        "'re_57', 'XR-57', 'XC-12')", NOON)
    connection.commit()
    run_credit_memo_import(connection, 3)
    connection.commit()
    connection.close()
    monkeypatch.setenv("AIRFLOW_CONN_SAGE_RECON", json.dumps({"conn_type": "sage500", "schema": database, "extra": {
        "driver": "SQLite3", "dialect": "sqlite", "company_id": "SOA", "import_procedure": "sandbox", "placeholder": "?"}}))
    adapter = Sage500Adapter(conn_id="sage_recon")
    adapter.database = database
    return adapter


def test_the_days_sales_orders_carry_their_storefront_reference_amount_and_currency(sage):
    orders = {d.doc_id: d for d in sage.reconcile("order", START, END)}
    assert set(orders) == {"W000000012", "W000000013", "0000004711"}, "the next day's order is not the day's"
    web = orders["W000000012"]
    assert (web.side, web.store_ref, web.order_ref, web.amount, web.currency, web.date) == (
        "erp", "12", "12", Decimal("100.00"), "USD", date(2026, 11, 19))
    assert orders["0000004711"].store_ref is None, "an ERP order of its own names no storefront order"


def test_cash_receipts_carry_reference_gateway_id_account_and_the_order_they_are_applied_to(sage):
    receipts = {d.doc_id: d for d in sage.reconcile("payment", START, END)}
    assert set(receipts) == {"P000000055", "M000000055"}
    synced = receipts["P000000055"]
    assert (synced.store_ref, synced.order_ref, synced.erp_order_id, synced.account, synced.method,
            synced.gateway_id) == ("55", "12", "W000000012", "1030-00", "CREDITCARD", "ch_55")
    keyed = receipts["M000000055"]
    assert (keyed.store_ref, keyed.order_ref, keyed.erp_order_id, keyed.gateway_id) == (None, None, None, "ch_55")


def test_credit_memos_carry_their_refund_reference_and_the_refunded_order(sage):
    [memo] = sage.reconcile("refund", START, END)
    assert (memo.doc_id, memo.store_ref, memo.order_ref, memo.erp_order_id, memo.amount) == (
        "R000000057", "57", "12", "W000000012", Decimal("5.00"))


def test_lookups_by_storefront_id_find_documents_of_any_date(sage):
    assert [d.doc_id for d in sage.reconcile_by_ref("order", ["14", "12", "999"])] == ["W000000012", "W000000014"]
    [late] = sage.reconcile_by_ref("payment", ["56"])
    assert (late.doc_id, late.date, late.order_ref) == ("P000000056", date(2026, 11, 20), "13")
    assert [d.doc_id for d in sage.reconcile_by_ref("refund", ["57"])] == ["R000000057"]


def test_the_day_is_read_in_keyset_pages(sage, monkeypatch):
    monkeypatch.setattr(sage500_reconcile, "PAGE", 1)
    assert {d.doc_id for d in sage.reconcile("order", START, END)} == {"W000000012", "W000000013", "0000004711"}


def test_values_that_cannot_be_read_become_problems_on_the_document(sage):
    from include.sandbox.sage500.dialects import connect

    connection = connect("sqlite", database=sage.database)
    connection.cursor().execute("UPDATE tsoSalesOrder SET TranAmt = 'n/a', CurrID = 'XX' WHERE TranNo = 'W000000013'")
    connection.cursor().execute("UPDATE tsoSalesOrder SET UserFld1 = 'XC-' WHERE TranNo = '0000004711'")
    connection.commit()
    connection.close()
    orders = {d.doc_id: d for d in sage.reconcile("order", START, END)}
    broken = orders["W000000013"]
    assert broken.amount is None and [str(p) for p in broken.problems] == [
        "field TranAmt: 'n/a' is not a number", "field CurrID: 'XX' is not an ISO 4217 currency code"]
    assert [str(p) for p in orders["0000004711"].problems] == ["field UserFld1: reference 'XC-' names no storefront id"]
