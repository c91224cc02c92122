"""Paid web orders' sales orders are converted to invoices, once, as Intacct sites run Order Entry: against the
emulator."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from storesync.systems.intacct.orders import invoice_paid_orders
from tests.storesync.systems.intacct.support import post_orders, web_order

DAY = date(2026, 11, 4)


def documents(server, doctype: str, reference: str) -> list[dict]:
    return [d for d in server.records("SODOCUMENT") if d["DOCPARID"] == doctype and d["PONUMBER"] == reference]


def test_a_paid_order_s_sales_order_becomes_an_invoice_that_posts_an_ar_invoice_for_its_total(client, server):
    """developer.intacct.com order-entry-transactions: create_sotransaction createdfrom + sourcelinekey."""
    post_orders(client, web_order("9", ("SKU-00001", "2", "9.95"), ("SKU-00002", "1", "0.10")))
    [outcome] = invoice_paid_orders(client, ["XC-9"], day=DAY)
    [invoice] = documents(server, "Sales Invoice", "XC-9")
    [order] = documents(server, "Sales Order", "XC-9")
    assert (outcome.status, outcome.docid) == ("created", invoice["DOCID"])
    assert (invoice["CREATEDFROM"], invoice["TOTAL"], order["STATE"]) == (order["DOCID"], Decimal("20.00"), "Converted")
    [ar_invoice] = [r for r in server.records("ARINVOICE") if r["RECORDNO"] == invoice["PRRECORDKEY"]]
    assert ar_invoice["TOTALDUE"] == Decimal("20.00")


def test_an_order_invoiced_before_is_found_by_its_reference_and_not_invoiced_again(client, server):
    post_orders(client, web_order("9"))
    invoice_paid_orders(client, ["XC-9"], day=DAY)
    server.reset_metering()
    [outcome] = invoice_paid_orders(client, ["XC-9"], day=DAY)
    assert outcome.status == "existing" and len(documents(server, "Sales Invoice", "XC-9")) == 1
    assert server.metering()["by_function"] == {"query": 1}


def test_a_paid_order_intacct_has_no_sales_order_for_fails_alone_and_the_others_are_invoiced(client, server):
    post_orders(client, web_order("1"), web_order("3"))
    outcomes = invoice_paid_orders(client, ["XC-1", "XC-2", "XC-3"], day=DAY)
    assert [o.status for o in outcomes] == ["created", "failed", "created"]
    assert "no Sales Order with reference XC-2" in outcomes[1].reason


def test_an_invoice_intacct_refuses_carries_its_errorno_for_the_dlq(client, server):
    server.action(next(iter(server.companies)), "set_stock", item="SKU-00001", warehouse="MAIN", on_hand=0)
    post_orders(client, web_order("4", ("SKU-00001", "5", "1.00")))  # an order may be taken without stock
    [outcome] = invoice_paid_orders(client, ["XC-4"], day=DAY)
    assert outcome.status == "failed" and outcome.errors and outcome.errors[0].errorno in outcome.reason
    assert "not enough quantity" in outcome.reason
