"""Intacct's sales orders, AR payments and credit memos of a day (or of named storefront ids) are read as
reconciliation documents, each tied to its storefront reference and web order: against the emulator."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from storesync.systems.intacct.orders import invoice_paid_orders
from storesync.systems.intacct.payments import load_payments
from storesync.systems.intacct.reconcile import (
    cash_receipts_by_ref,
    credit_memos_by_ref,
    read_cash_receipts,
    read_credit_memos,
    read_sales_orders,
    sales_orders_by_ref,
)
from storesync.systems.intacct.refunds import load_credit_memos
from tests.storesync.systems.intacct.support import post_orders, web_order
from tests.storesync.systems.intacct.test_payments import payment
from tests.storesync.systems.intacct.test_refunds import refund

DAY = (datetime(2026, 11, 3, tzinfo=UTC), datetime(2026, 11, 4, tzinfo=UTC))  # the web orders' date
NEXT = (datetime(2026, 11, 4, tzinfo=UTC), datetime(2026, 11, 5, tzinfo=UTC))  # payments are received on 11/04
REFUNDS = (datetime(2026, 11, 5, tzinfo=UTC), datetime(2026, 11, 6, tzinfo=UTC))


def paid_and_refunded(client) -> str:
    [order] = post_orders(client, web_order("9"))
    invoice_paid_orders(client, ["XC-9"], day=date(2026, 11, 4))
    load_payments(client, [payment("501", "9", "19.90")])
    load_credit_memos(client, [refund("701", "9", "4.95")])
    return order.docid


def test_the_day_s_sales_orders_are_read_with_their_storefront_order_and_total(client):
    docid = paid_and_refunded(client)
    [document] = read_sales_orders(client, {}, *DAY)
    assert (document.doc_id, document.store_ref, document.order_ref) == (docid, "9", "9")
    assert (document.date, document.amount, document.currency) == (date(2026, 11, 3), Decimal("19.90"), "USD")
    assert read_sales_orders(client, {}, *NEXT) == []


def test_the_day_s_ar_payments_are_read_with_their_storefront_payment_web_order_and_account(client, server):
    docid = paid_and_refunded(client)
    [document] = read_cash_receipts(client, {}, *NEXT)
    assert (document.store_ref, document.order_ref, document.erp_order_id) == ("501", "9", docid)
    assert (document.amount, document.account, document.gateway_id, document.method) == (
        Decimal("19.90"), "1010", "ch_501", "Credit Card")
    assert read_cash_receipts(client, {}, *DAY) == []


def test_the_day_s_credit_memos_are_read_with_the_refund_and_the_refunded_order(client):
    docid = paid_and_refunded(client)
    [document] = read_credit_memos(client, {}, *REFUNDS)
    assert (document.store_ref, document.order_ref, document.erp_order_id) == ("701", "9", docid)
    assert (document.amount, document.gateway_id) == (Decimal("4.95"), "re_701")


def test_documents_are_found_by_storefront_id_whatever_their_date(client):
    paid_and_refunded(client)
    assert [d.store_ref for d in sales_orders_by_ref(client, {}, ["9", "10"])] == ["9"]
    assert [d.store_ref for d in cash_receipts_by_ref(client, {}, ["501"])] == ["501"]
    assert [d.store_ref for d in credit_memos_by_ref(client, {}, ["701", "702"])] == ["701"]
