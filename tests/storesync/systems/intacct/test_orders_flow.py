"""The orders flow's Intacct half: buyers matched to customers, web orders mapped by the pair's spec posted as
sales orders once, paid ones invoiced, the rest held or sent to the DLQ with the reason: against the emulator."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

from storesync.canonical import PaymentStatus
from storesync.mapping.engine import MappingEngine
from storesync.systems.intacct.orders import load_orders, prepare_orders
from tests.storesync.systems.intacct.support import staged, web_order

SPEC = Path(__file__).resolve().parents[4] / "plugins/storesync/systems/intacct/mappings/order_from_canonical.yaml"
ENGINE = MappingEngine.from_file(SPEC)


def canonical(source_id: str, *lines, paid: bool = False, email: str = "ann@example.com", **changes) -> tuple[str, dict]:
    order = web_order(source_id, *lines)
    order = dataclasses.replace(order, customer=dataclasses.replace(order.customer, email=email), **changes)
    if paid:
        order = dataclasses.replace(order, payment_status=PaymentStatus.PAID)
    return source_id, order.to_dict()


def sync(client, *records, options=None):
    options = options or {}
    contexts = prepare_orders(client, list(records), options)
    return load_orders(client, [(key, staged(ENGINE.map(record, contexts[key]))) for key, record in records], options=options)


def documents(server, doctype: str, reference: str) -> list[dict]:
    return [d for d in server.records("SODOCUMENT") if d["DOCPARID"] == doctype and d["PONUMBER"] == reference]


def test_a_known_buyer_s_order_becomes_a_sales_order_on_their_customer_with_shipping_as_a_line(client, server):
    seeded = server.records("CUSTOMER")[2]
    [outcome] = sync(client, canonical("9", email=seeded["DISPLAYCONTACT.EMAIL1"].upper(),
                                       shipping_amount=Decimal("4.50"), total=Decimal("24.40")))
    [order] = documents(server, "Sales Order", "XC-9")
    assert (outcome.outcome, outcome.target_id, order["CUSTVENDID"]) == ("loaded", order["DOCID"], seeded["CUSTOMERID"])
    lines = [(l["ITEMID"], l["PRICE"]) for l in server.records("SODOCUMENTENTRY") if l["DOCHDRNO"] == order["RECORDNO"]]
    assert lines == [("SKU-00001", Decimal("9.95")), ("SHIPPING", Decimal("4.50"))]
    assert order["TOTAL"] == Decimal("24.40")


def test_an_unknown_buyer_is_booked_on_the_guest_customer_by_default(client, server):
    sync(client, canonical("9", email="nobody@example.com"))
    assert documents(server, "Sales Order", "XC-9")[0]["CUSTVENDID"] == "WEBGUEST"


def test_a_paid_order_is_posted_and_invoiced_and_a_second_run_creates_nothing(client, server):
    [first] = sync(client, canonical("9", paid=True))
    [again] = sync(client, canonical("9", paid=True))
    assert first.outcome == "loaded" and "Sales Invoice" in first.detail
    assert again.outcome == "skipped"
    assert (len(documents(server, "Sales Order", "XC-9")), len(documents(server, "Sales Invoice", "XC-9"))) == (1, 1)


def test_an_order_whose_invoice_is_refused_goes_to_the_dlq_and_is_invoiced_when_replayed(client, server):
    company = next(iter(server.companies))
    server.action(company, "set_stock", item="SKU-00001", warehouse="MAIN", on_hand=0)
    [refused] = sync(client, canonical("9", paid=True))
    assert refused.outcome == "dlq" and "invoice was refused" in refused.detail and "not enough quantity" in refused.detail
    server.action(company, "set_stock", item="SKU-00001", warehouse="MAIN", on_hand=10)
    [replayed] = sync(client, canonical("9", paid=True))
    assert replayed.outcome == "loaded" and len(documents(server, "Sales Invoice", "XC-9")) == 1


def test_an_order_naming_an_unknown_sku_is_held_and_one_with_tax_goes_to_the_dlq_naming_tax(client, server):
    outcomes = sync(client, canonical("1", ("SKU-NOPE", "1", "1.00")),
                    canonical("2", tax_amount=Decimal("1.50"), total=Decimal("21.40")), canonical("3"))
    assert [(o.outcome, o.failed) for o in outcomes] == [("held", ["lines[0].sku"]), ("dlq", ["taxAmount"]),
                                                         ("loaded", [])]
    assert documents(server, "Sales Order", "XC-2") == []


def test_with_guest_customers_created_a_new_buyer_becomes_a_customer_once_for_all_their_orders(client, server):
    options = {"guest_customers": "create"}
    outcomes = sync(client, canonical("11", email="new@example.com"), canonical("12", email="new@example.com"),
                    options=options)
    assert [o.outcome for o in outcomes] == ["loaded", "loaded"]
    created = [c for c in server.records("CUSTOMER") if c["DISPLAYCONTACT.EMAIL1"] == "new@example.com"]
    assert len(created) == 1
    assert {documents(server, "Sales Order", ref)[0]["CUSTVENDID"] for ref in ("XC-11", "XC-12")} == {
        created[0]["CUSTOMERID"]}


def test_with_a_location_option_every_line_of_the_order_and_its_invoice_posts_to_that_entity(client, server):
    """OrderEntryTransactionLineCreate locationid (the entity a line posts to)."""
    [outcome] = sync(client, canonical("9", paid=True), options={"location_id": "200"})
    assert outcome.outcome == "loaded"
    docids = {d["DOCID"] for d in server.records("SODOCUMENT") if d["PONUMBER"] == "XC-9"}
    assert len(docids) == 2
    assert {l["LOCATIONID"] for l in server.records("SODOCUMENTENTRY") if l["DOCHDRID"] in docids} == {"200"}


def test_a_location_intacct_does_not_have_sends_the_order_to_the_dlq_with_intacct_s_reason(client, server):
    [outcome] = sync(client, canonical("9"), options={"location_id": "999"})
    assert outcome.outcome == "dlq" and "Location '999' is not valid" in outcome.detail


def test_paid_orders_of_several_dates_in_one_batch_are_invoiced_in_one_request_each_dated_as_its_order(client, server):
    from datetime import datetime, timezone

    days = [datetime(2026, 11, day, 10, tzinfo=timezone.utc) for day in (3, 4, 5)]
    records = [canonical(str(20 + n), paid=True, order_date=day) for n, day in enumerate(days)]
    before = client.meter.snapshot()
    outcomes = sync(client, *records)
    after = client.meter.snapshot()
    assert [o.outcome for o in outcomes] == ["loaded"] * 3
    invoices = {ref: documents(server, "Sales Invoice", ref) for ref in ("XC-20", "XC-21", "XC-22")}
    assert [len(found) for found in invoices.values()] == [1, 1, 1]
    created = {ref: found[0]["WHENCREATED"] for ref, found in invoices.items()}
    assert [str(created[ref])[:10] for ref in ("XC-20", "XC-21", "XC-22")] == ["2026-11-03", "2026-11-04", "2026-11-05"]
    sent = after["by_function"].get("create_sotransaction", 0) - before["by_function"].get("create_sotransaction", 0)
    assert sent == 6, "three sales orders and three invoices"
    # One request each: buyers by e-mail, sales orders by reference, items, the sales-order creates, invoices by
    # reference, sales orders to convert, their lines, the invoice creates (and the session's sign-in). Grouped
    # by order date, as before, the last four were sent once per date: 17 requests here.
    assert after["requests"] - before["requests"] <= 9, after["by_function"]
