"""Web orders become Intacct sales orders: looked up by reference first, created once, refused ones reported."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from include.sandbox.intacct import Faults
from storesync.canonical import Address, CustomerRef, FulfilmentStatus, Order, OrderLine, PaymentStatus
from storesync.systems.intacct.hook import IntacctHook
from storesync.systems.intacct.orders import SalesOrderSettings, load_sales_orders, sales_order_function
from tests.storesync.systems.intacct.support import CONN_ID, Waits, connect, fast_retry

HOSTILE = "Zoë's \"deluxe\" <mug> & ]]> saucer\r\n中文"
ADDRESS = Address("Ann O'Brien", "1 Main St", "", "Springfield", "IL", "62701", "US")


def _order(source_id: str, *lines: tuple[str, str, str, str]) -> Order:
    """lines: (sku, description, quantity, unit price)."""
    order_lines = tuple(OrderLine(i + 1, sku, text, Decimal(qty), Decimal(price), Decimal(qty) * Decimal(price))
                        for i, (sku, text, qty, price) in enumerate(lines or [("SKU-00001", "Mug", "2", "9.95")]))
    subtotal = sum((line.line_total for line in order_lines), Decimal(0))
    return Order(source_system="xcart", source_id=source_id, order_number=f"W{source_id}",
                 order_date=datetime(2026, 11, 3, 15, 4, 5, tzinfo=UTC), updated_at=datetime(2026, 11, 3, tzinfo=UTC),
                 currency="USD", customer=CustomerRef("7", "ann@example.com", "Ann", "O'Brien", False),
                 billing_address=ADDRESS, shipping_address=ADDRESS, lines=order_lines, subtotal=subtotal,
                 shipping_amount=Decimal(0), tax_amount=Decimal(0), discount_amount=Decimal(0), total=subtotal,
                 payment_status=PaymentStatus.PENDING, fulfilment_status=FulfilmentStatus.NEW,
                 payment_method=None, shipping_method=None)


def _load(client, *orders: Order):
    return load_sales_orders(client, orders, customer_id=lambda order: "C00001")


def _document(server, reference: str) -> list[dict]:
    return [d for d in server.records("SODOCUMENT") if d.get("PONUMBER") == reference]


def test_an_order_becomes_a_sales_order_carrying_its_reference_lines_and_exact_prices(client, server):
    """intacct-sdk-php OrderEntryTransactionCreateTest: referenceno, datecreated year/month/day, sotransitem
    itemid, itemdesc, warehouseid, quantity, price; referenceno reads back as SODOCUMENT.PONUMBER."""
    order = _order("17", ("SKU-00001", HOSTILE, "2", "9.95"), ("SKU-00002", "Plate", "1", "0.10"))
    [outcome] = _load(client, order)
    [document] = _document(server, "XC-17")
    assert (outcome.status, outcome.docid) == ("created", document["DOCID"])
    assert (document["DOCPARID"], document["STATE"], document["CUSTVENDID"]) == ("Sales Order", "Pending", "C00001")
    assert document["WHENCREATED"].isoformat() == "2026-11-03"
    lines = [line for line in server.records("SODOCUMENTENTRY") if line["DOCHDRNO"] == document["RECORDNO"]]
    assert [(line["ITEMID"], line["ITEMDESC"], line["QUANTITY"], line["PRICE"]) for line in lines] == [
        ("SKU-00001", HOSTILE, Decimal("2"), Decimal("9.95")), ("SKU-00002", "Plate", Decimal("1"), Decimal("0.10"))]
    assert document["TOTAL"] == Decimal("20.00")


def test_orders_already_in_intacct_are_found_by_reference_and_not_sent_again(client, server):
    _load(client, _order("1"), _order("2"))
    server.reset_metering()
    outcomes = _load(client, _order("1"), _order("2"), _order("3"))
    assert [o.status for o in outcomes] == ["existing", "existing", "created"]
    assert [len(_document(server, f"XC-{n}")) for n in (1, 2, 3)] == [1, 1, 1]
    assert server.metering()["by_function"] == {"query": 1, "create_sotransaction": 1}


def test_the_look_up_before_create_is_one_query_for_the_whole_batch(client, server):
    client.open_session()
    server.reset_metering()
    outcomes = _load(client, *[_order(str(n)) for n in range(20)])
    assert all(o.status == "created" for o in outcomes)
    metered = server.metering()
    assert metered["by_function"] == {"query": 1, "create_sotransaction": 20}
    assert metered["requests"] == 2  # one look-up request, one request of twenty creates


def test_an_order_intacct_refuses_fails_alone_with_intacct_s_reason_for_the_dlq(client, server):
    outcomes = _load(client, _order("5"), _order("6", ("SKU-NOPE", "Ghost", "1", "1.00")), _order("7"))
    assert [o.status for o in outcomes] == ["created", "failed", "created"]
    failed = outcomes[1]
    assert failed.reference == "XC-6" and "SKU-NOPE" in failed.reason and failed.errors[0].errorno in failed.reason
    assert _document(server, "XC-6") == []


def test_an_order_whose_text_xml_cannot_carry_fails_naming_the_canonical_field_and_sends_nothing(client, server):
    outcomes = _load(client, _order("8", ("SKU-00001", "bell\x07here", "1", "1.00")))
    assert outcomes[0].status == "failed" and "lines[0].description" in outcomes[0].reason
    assert "U+0007" in outcomes[0].reason and _document(server, "XC-8") == []


def test_a_batch_whose_answer_was_lost_is_already_posted_on_retry_never_twice(monkeypatch, server):
    """The emulator's gateway_timeout_rate commits the request, then answers 524 without a body."""
    connect(monkeypatch, server)
    client = IntacctHook(CONN_ID).get_client(retry=fast_retry(Waits(during=lambda: setattr(server, "faults",
                                                                                            Faults()))))
    client.open_session()
    # Per call of the client: the look-up goes through, the creates run but their answer is lost (524).
    faults_per_call = iter([Faults(), Faults(gateway_timeout_rate=1.0)])
    execute = client.execute

    def execute_under_faults(functions, **kwargs):
        server.faults = next(faults_per_call, Faults())
        return execute(functions, **kwargs)
    monkeypatch.setattr(client, "execute", execute_under_faults)
    outcomes = _load(client, _order("40"), _order("41"))
    assert [o.status for o in outcomes] == ["already_posted", "already_posted"]
    assert [len(_document(server, ref)) for ref in ("XC-40", "XC-41")] == [1, 1]
    assert outcomes[0].docid == _document(server, "XC-40")[0]["DOCID"]


def test_a_reference_twice_in_one_batch_is_refused():
    with pytest.raises(ValueError, match="XC-9"):
        load_sales_orders(None, [_order("9"), _order("9")], customer_id=lambda order: "C00001")


def test_the_create_is_written_in_the_sdk_order_with_a_control_id_from_the_reference():
    function = sales_order_function(_order("12"), customer_id="C1", settings=SalesOrderSettings())
    assert [c.tag for c in function.body] == ["transactiontype", "datecreated", "customerid", "referenceno",
                                              "currency", "state", "sotransitems"]
    assert [c.tag for c in function.body.find("sotransitems/sotransitem")] == ["itemid", "itemdesc", "warehouseid",
                                                                               "quantity", "price"]
    assert function.controlid == "sales-order:XC-12" and function.record == "XC-12"
