"""ERP-side clerk actions the reconciliation scenario uses, through the sandbox endpoint: editing an open
order's tax or currency, keying a payment by hand (on account) and re-dating a saved payment."""

from __future__ import annotations

from decimal import Decimal

import pytest

from include.sandbox.acumatica import AcumaticaServer
from tests.sandbox.acumatica.api import Api


@pytest.fixture
def server():
    with AcumaticaServer(items=4, customers=2, customer_emails=["ann@example.com"]) as running:
        yield running


@pytest.fixture
def api(server):
    return Api(server, login=False)


def open_order(server, *, tax="1.50") -> dict:
    return server.store.put("SalesOrder", {"CustomerID": "C00001", "CustomerOrder": "XC-7", "CurrencyID": "USD",
                                           "DisableAutomaticTaxCalculation": True,
                                           "TaxDetails": [{"TaxID": "WEBTAX", "TaxAmount": Decimal(tax)}],
                                           "Details": [
                                               {"InventoryID": "SKU-00001", "OrderQty": Decimal(2),
                                                "UnitPrice": Decimal("10.00")}]})


def test_a_clerk_raises_an_orders_tax_and_the_total_and_unpaid_balance_follow(server, api):
    order = open_order(server)
    assert order["OrderTotal"] == Decimal("21.50")
    reply = api.sandbox("POST", "actions/edit_order", {"order_nbr": order["OrderNbr"], "tax_total": "11.50"})
    assert reply.status == 200, reply.text
    saved = server.store.get("SalesOrder", ["SO", order["OrderNbr"]])
    assert (saved["OrderTotal"], saved["UnpaidBalance"], saved["TaxTotal"]) == (
        Decimal("31.50"), Decimal("31.50"), Decimal("11.50"))
    assert saved["LastModifiedDateTime"] > order["LastModifiedDateTime"]


def test_a_clerk_changes_an_orders_currency_but_not_to_an_unknown_one(server, api):
    order = open_order(server)
    changed = api.sandbox("POST", "actions/edit_order", {"order_nbr": order["OrderNbr"], "currency_id": "EUR"})
    assert changed.status == 200, changed.text
    assert server.store.get("SalesOrder", ["SO", order["OrderNbr"]])["CurrencyID"] == "EUR"
    refused = api.sandbox("POST", "actions/edit_order", {"order_nbr": order["OrderNbr"], "currency_id": "ZZZ"})
    assert refused.status == 400 and "CurrencyID" in refused.body["message"]
    nothing = api.sandbox("POST", "actions/edit_order", {"order_nbr": order["OrderNbr"]})
    assert nothing.status == 400 and "nothing to change" in nothing.body["message"]


def test_a_payment_keyed_by_hand_is_on_account_with_the_date_and_description_given(server, api):
    reply = api.sandbox("POST", "actions/key_payment", {
        "customer_id": "WEBGUEST", "payment_method": "CREDITCARD", "amount": "42.00", "cash_account": "10200",
        "currency_id": "USD", "application_date": "2026-11-19T12:00:00+00:00", "description": "ch_3PdupGateway"})
    assert reply.status == 200, reply.text
    saved = server.store.get("Payment", ["Payment", reply.body["ReferenceNbr"]])
    assert (saved["PaymentAmount"], saved["CashAccount"], saved["Description"], saved["UnappliedBalance"]) == (
        Decimal("42.00"), "10200", "ch_3PdupGateway", Decimal("42.00"))
    assert saved["ApplicationDate"].startswith("2026-11-19") and not saved.get("PaymentRef")


def test_a_payment_keyed_by_hand_follows_the_payment_rules(api):
    refused = api.sandbox("POST", "actions/key_payment", {"customer_id": "WEBGUEST", "payment_method": "PAYPAL",
                                                          "amount": "5.00", "cash_account": "10200"})
    assert refused.status == 400 and "not allowed for the payment method PAYPAL" in refused.body["message"]


def test_a_saved_payment_is_re_dated_which_the_api_itself_refuses(server, api):
    keyed = server.store.key_payment(customer_id="WEBGUEST", payment_method="CREDITCARD", amount="9.99",
                                     application_date="2026-11-19T12:00:00+00:00")
    reply = api.sandbox("POST", "actions/set_payment_date", {"reference_nbr": keyed["ReferenceNbr"],
                                                             "application_date": "2026-11-20T09:00:00+00:00"})
    assert reply.status == 200, reply.text
    saved = server.store.get("Payment", ["Payment", keyed["ReferenceNbr"]])
    assert saved["ApplicationDate"].startswith("2026-11-20T09:00")
    assert saved["LastModifiedDateTime"] > keyed["LastModifiedDateTime"]
    missing = api.sandbox("POST", "actions/set_payment_date", {"reference_nbr": "999999",
                                                               "application_date": "2026-11-20"})
    assert missing.status == 400 and "not found" in missing.body["message"]
    bad = api.sandbox("POST", "actions/set_payment_date", {"reference_nbr": keyed["ReferenceNbr"],
                                                           "application_date": "next tuesday"})
    assert bad.status == 400 and "ISO 8601" in bad.body["message"]
