"""Order entry: sales orders, their states and line numbers, conversion to invoices, returns, stock, tracking."""

from __future__ import annotations

from decimal import Decimal

from tests.sandbox.intacct.api import fn, read_by_query, sales_order


def _doc(server, docid: str) -> dict:
    return next(d for d in server.records("SODOCUMENT") if d["DOCID"] == docid)


def _lines(server, docid: str) -> list[dict]:
    document = _doc(server, docid)
    return [line for line in server.records("SODOCUMENTENTRY") if line["DOCHDRNO"] == document["RECORDNO"]]


def _stock(server, item: str, warehouse: str) -> dict:
    return next(r for r in server.records("ITEMWAREHOUSEINFO") if (r["ITEMID"], r["WAREHOUSEID"]) == (item, warehouse))


def _update(key: str, body: str) -> str:
    return f'<update_sotransaction key="{key}">{body}</update_sotransaction>'


def test_create_sotransaction_creates_a_sales_order_and_answers_its_key(client, server):
    """intacct-sdk-php test/Intacct/Functions/OrderEntry/OrderEntryTransactionCreateTest.php (transactiontype,
    datecreated year/month/day, customerid, documentno, referenceno, externalid, currency, state, sotransitems/
    sotransitem itemid, warehouseid, quantity, unit, price); the legacy functions answer <key> (ResultTest::
    testLegacyCreateClassKey), '<transactiontype>-<documentno>' as update_sotransaction's key
    (OrderEntryTransactionUpdateTest: key="Sales Order-SO0001"). referenceno is SODOCUMENT.PONUMBER."""
    on_hold = _stock(server, "SKU-00001", "MAIN")["QTYONHOLD"]
    reply = client.call(fn("o", sales_order("C00001", [("SKU-00001", "2", "MAIN", "19.99"),
                                                      ("SKU-00002", "1", "EAST", None)],
                                            documentno="XC-1042", referenceno="XC-1042", state="Pending",
                                            extra="<externalid>1042</externalid><currency>USD</currency>")))
    result = reply.result()
    assert (result.status, result.key) == ("success", "Sales Order-XC-1042")
    document = _doc(server, "Sales Order-XC-1042")
    base_price = next(i["BASEPRICE"] for i in server.records("ITEM") if i["ITEMID"] == "SKU-00002")
    assert (document["DOCPARID"], document["DOCNO"], document["STATE"]) == ("Sales Order", "XC-1042", "Pending")
    assert (document["PONUMBER"], document["EXTERNALID"], document["CUSTVENDID"]) == ("XC-1042", "1042", "C00001")
    assert document["TOTAL"] == Decimal("39.98") + base_price
    assert [(line["LINE_NO"], line["ITEMID"], line["PRICE"]) for line in _lines(server, document["DOCID"])] == [
        (0, "SKU-00001", Decimal("19.99")), (1, "SKU-00002", base_price)]
    assert _stock(server, "SKU-00001", "MAIN")["QTYONHOLD"] == on_hold + 2


def test_a_documentno_is_unique_per_transaction_definition(client):
    """Sage Intacct's refusal 'Transaction with the number … already exists' (POR 'Accounting Integrations –
    Common Errors', Sage Intacct section); the connector looks orders up by number before creating."""
    order = fn("o", sales_order("C00001", [("SKU-00001", "1", "MAIN", "1.00")], documentno="XC-7"))
    client.call(order)
    again = client.call(order).result()
    assert again.status == "failure" and "XC-7" in again.errors[0][2] and "already exists" in again.errors[0][2]


def test_an_invalid_item_or_customer_fails_the_function_naming_it(client, server):
    """'Item ID 'XXX' is not valid' (POR 'Accounting Integrations – Common Errors', Sage Intacct section);
    error shape from intacct-sdk-php Xml/Response/ErrorMessage.php (errorno, description, description2,
    correction)."""
    bad_item = client.call(fn("o", sales_order("C00001", [("NOPE-1", "1", "MAIN", "1.00")]))).result()
    bad_customer = client.call(fn("o", sales_order("NOBODY", [("SKU-00001", "1", "MAIN", "1.00")]))).result()
    assert bad_item.status == "failure" and "NOPE-1" in bad_item.errors[0][2]
    assert bad_customer.status == "failure" and "NOBODY" in bad_customer.errors[0][2]
    assert server.records("SODOCUMENT") == []


def test_update_sotransaction_line_num_is_1_based(client, server):
    """intacct-sdk-php test/Intacct/Functions/OrderEntry/OrderEntryTransactionUpdateTest.php:
    updatesotransitems/updatesotransitem line_num="1" updates the first line, a plain sotransitem adds one;
    developer.intacct.com/web-services/functions ("Working with transaction lines and legacy functions"): the
    object-specific update uses a one-based index, the generic read LINE_NO from 0."""
    key = client.call(fn("o", sales_order("C00001", [("SKU-00001", "1", "MAIN", "5.00"),
                                                      ("SKU-00002", "1", "MAIN", "6.00")]))).result().key
    body = ("<updatesotransitems><updatesotransitem line_num=\"1\"><itemid>SKU-00001</itemid>"
            "<quantity>4</quantity></updatesotransitem><sotransitem><itemid>SKU-00003</itemid>"
            "<warehouseid>MAIN</warehouseid><quantity>1</quantity><price>1.50</price></sotransitem>"
            "</updatesotransitems>")
    assert client.call(fn("u", _update(key, body))).result().status == "success"
    lines = _lines(server, key)
    assert [(line["LINE_NO"], line["ITEMID"], line["QUANTITY"]) for line in lines] == [
        (0, "SKU-00001", Decimal("4")), (1, "SKU-00002", Decimal("1")), (2, "SKU-00003", Decimal("1"))]
    assert _doc(server, key)["TOTAL"] == Decimal("27.50")
    zero = client.call(fn("u", _update(key, "<updatesotransitems><updatesotransitem line_num=\"0\"><itemid>"
                                            "SKU-00001</itemid><quantity>1</quantity></updatesotransitem>"
                                            "</updatesotransitems>"))).result()
    assert zero.status == "failure" and "numbered from 1" in zero.errors[0][2]


def test_state_changes_and_the_states_that_refuse_updates(client, server):
    """DESIGN.md §8 (Intacct's SODOCUMENT STATE: Draft, Pending, Closed, In Progress, Converted, Partially
    Converted): update_sotransaction sets Draft/Pending/Closed (OrderEntryTransactionUpdateTest writes
    <state>Pending</state>); once Converted or Closed the order cannot be updated."""
    key = client.call(fn("o", sales_order("C00001", [("SKU-00001", "1", "MAIN", "5.00")], state="Draft"))
                      ).result().key
    assert _doc(server, key)["STATE"] == "Draft"
    assert client.call(fn("p", _update(key, "<state>Pending</state>"))).result().status == "success"
    assert client.call(fn("d", _update(key, "<state>Draft</state>"))).result().status == "failure"
    assert client.call(fn("c", _update(key, "<state>Closed</state>"))).result().status == "success"
    closed = client.call(fn("x", _update(key, "<referenceno>again</referenceno>"))).result()
    assert _doc(server, key)["STATE"] == "Closed" and closed.status == "failure"
    bogus = client.call(fn("o2", sales_order("C00001", [("SKU-00001", "1", "MAIN", "5.00")],
                                            state="Converted"))).result()
    assert bogus.status == "failure"


def test_converting_an_order_to_an_invoice_with_createdfrom(client, server):
    """intacct-sdk-php OrderEntryTransactionCreateTest (createdfrom 'Sales Quote-Q1002'): a document is converted
    by creating the next transaction type with createdfrom '<type>-<docno>'. The order becomes Converted
    (Partially Converted while quantity is left), the invoice posts an AR invoice (PRRECORDKEY → ARINVOICE with
    TOTALDUE), ships stock (QTYONHAND down) and releases the order's hold."""
    stock = _stock(server, "SKU-00001", "MAIN")
    on_hand, on_hold = stock["QTYONHAND"], stock["QTYONHOLD"]
    order = client.call(fn("o", sales_order("C00001", [("SKU-00001", "3", "MAIN", "10.00")], documentno="XC-9",
                                            referenceno="XC-9"))).result().key
    part = client.call(fn("i1", sales_order("C00001", [("SKU-00001", "1", "MAIN", "10.00")],
                                            transactiontype="Sales Invoice", createdfrom=order))).result()
    assert part.status == "success" and _doc(server, order)["STATE"] == "Partially Converted"
    assert _stock(server, "SKU-00001", "MAIN")["QTYONHOLD"] == on_hold + 2
    rest = client.call(fn("i2", sales_order("C00001", [("SKU-00001", "2", "MAIN", "10.00")],
                                            transactiontype="Sales Invoice", createdfrom=order))).result()
    assert rest.status == "success" and _doc(server, order)["STATE"] == "Converted"
    invoice = _doc(server, rest.key)
    ar = next(a for a in server.records("ARINVOICE") if a["RECORDNO"] == invoice["PRRECORDKEY"])
    assert (invoice["CREATEDFROM"], ar["TOTALDUE"], ar["STATE"], ar["CUSTOMERID"]) == (
        order, Decimal("20.00"), "Posted", "C00001")
    assert _stock(server, "SKU-00001", "MAIN")["QTYONHAND"] == on_hand - 3
    assert _stock(server, "SKU-00001", "MAIN")["QTYONHOLD"] == on_hold
    over = client.call(fn("i3", sales_order("C00001", [("SKU-00001", "1", "MAIN", "10.00")],
                                            transactiontype="Sales Invoice", createdfrom=order))).result()
    assert over.status == "failure"
    frozen = client.call(fn("u", _update(order, "<state>Closed</state>"))).result()
    assert frozen.status == "failure" and "Converted" in frozen.errors[0][2]


def test_an_invoice_cannot_ship_more_than_is_on_hand(client, server):
    """Sage Intacct's 'There is not enough quantity for Item ID … Quantity needed : … and Quantity available : …'
    (ServiceTitan 'Intacct integration error messages'); a standard company does not allow negative inventory."""
    server.action(next(iter(server.companies)), "set_stock", item="SKU-00004", warehouse="WEST", on_hand=1)
    result = client.call(fn("i", sales_order("C00001", [("SKU-00004", "2", "WEST", "1.00")],
                                             transactiontype="Sales Invoice"))).result()
    assert result.status == "failure" and "not enough quantity" in result.errors[0][2]
    assert _stock(server, "SKU-00004", "WEST")["QTYONHAND"] == 1


def test_a_sales_return_credits_the_customer_and_restocks(client, server):
    """Credit documents (docs/intacct.md, "Returns and credit memos"): a 'Sales Return' transaction converted
    from the invoice posts an AR adjustment (negative TOTALENTERED) and receives the goods back."""
    on_hand = _stock(server, "SKU-00002", "MAIN")["QTYONHAND"]
    invoice = client.call(fn("i", sales_order("C00002", [("SKU-00002", "2", "MAIN", "7.50")],
                                              transactiontype="Sales Invoice"))).result().key
    result = client.call(fn("r", sales_order("C00002", [("SKU-00002", "1", "MAIN", "7.50")],
                                             transactiontype="Sales Return", createdfrom=invoice))).result()
    assert result.status == "success" and result.key.startswith("Sales Return-")
    credit = next(a for a in server.records("ARADJUSTMENT") if a["RECORDNO"] == _doc(server, result.key)["PRRECORDKEY"])
    assert (credit["TOTALENTERED"], credit["CUSTOMERID"]) == (Decimal("-7.50"), "C00002")
    assert _stock(server, "SKU-00002", "MAIN")["QTYONHAND"] == on_hand - 1


def test_tracking_numbers_live_in_the_sites_custom_field_and_show_in_reads(client, server):
    """create_sotransaction customfields/customfield(customfieldname, customfieldvalue)
    (OrderEntryTransactionCreateTest); Intacct has no standard tracking field on sales documents, so the
    emulated site records it in custom field TRACKINGNUMBER with SHIPVIA (docs/intacct.md, "Shipping")."""
    key = client.call(fn("o", sales_order("C00001", [("SKU-00001", "1", "MAIN", "1.00")]))).result().key
    server.action(next(iter(server.companies)), "ship_order", docid=key, tracking_number="1Z999AA10123456784",
                  ship_via="UPS Ground")
    result = client.call(fn("q", read_by_query("SODOCUMENT", f"DOCID = '{key}'",
                                               fields="DOCID,TRACKINGNUMBER,SHIPVIA"))).result()
    assert result.values("TRACKINGNUMBER") == ["1Z999AA10123456784"] and result.values("SHIPVIA") == ["UPS Ground"]
    unknown = client.call(fn("o", sales_order("C00001", [("SKU-00001", "1", "MAIN", "1.00")], extra=(
        "<customfields><customfield><customfieldname>NOSUCHFIELD</customfieldname><customfieldvalue>x"
        "</customfieldvalue></customfield></customfields>")))).result()
    assert unknown.status == "failure" and "NOSUCHFIELD" in unknown.errors[0][2]


def test_updating_an_invoice_recreates_its_ar_invoice_under_a_new_recordno(client, server):
    """developer.intacct.com/api/order-entry/order-entry-transactions ("About related OE and AR record
    numbers"): when a transaction is updated in Order Entry the related AR transaction is deleted and recreated
    with a new RECORDNO; integrations find it again through PRRECORDKEY."""
    key = client.call(fn("i", sales_order("C00001", [("SKU-00001", "1", "MAIN", "8.00")],
                                          transactiontype="Sales Invoice"))).result().key
    before = _doc(server, key)["PRRECORDKEY"]
    body = ("<updatesotransitems><updatesotransitem line_num=\"1\"><itemid>SKU-00001</itemid><warehouseid>MAIN"
            "</warehouseid><quantity>2</quantity><price>8.00</price></updatesotransitem></updatesotransitems>")
    assert client.call(fn("u", _update(key, body))).result().status == "success"
    after = _doc(server, key)["PRRECORDKEY"]
    invoices = {a["RECORDNO"]: a for a in server.records("ARINVOICE")}
    assert after != before and before not in invoices
    assert invoices[after]["TOTALDUE"] == Decimal("16.00")


def test_a_sales_credit_memo_credits_without_moving_stock(client, server):
    """developer.intacct.com order-entry-transactions: 'Sales Credit Memo' is one of the transaction definitions
    that create the corresponding AR transaction; a credit memo converted from the invoice credits the customer
    (negative AR adjustment) and, unlike a return, receives nothing back into stock."""
    invoice = client.call(fn("i", sales_order("C00002", [("SKU-00002", "1", "MAIN", "9.00")],
                                              transactiontype="Sales Invoice"))).result().key
    on_hand = _stock(server, "SKU-00002", "MAIN")["QTYONHAND"]
    memo = client.call(fn("m", sales_order("C00002", [("SKU-00002", "1", "MAIN", "9.00")],
                                           transactiontype="Sales Credit Memo", createdfrom=invoice))).result()
    assert memo.status == "success" and memo.key.startswith("Sales Credit Memo-")
    credit = next(a for a in server.records("ARADJUSTMENT") if a["RECORDNO"] == _doc(server, memo.key)["PRRECORDKEY"])
    assert credit["TOTALENTERED"] == Decimal("-9.00")
    assert _stock(server, "SKU-00002", "MAIN")["QTYONHAND"] == on_hand


def test_no_sales_documents_for_a_customer_on_hold(client, server):
    """CUSTOMER.ONHOLD (intacct-sdk-php CustomerCreateTest writes <ONHOLD>): least forgiving emulation, no new
    sales order or invoice for a customer on hold (docs/intacct.md, unverified)."""
    client.call(fn("h", "<update><CUSTOMER><CUSTOMERID>C00003</CUSTOMERID><ONHOLD>true</ONHOLD></CUSTOMER></update>"))
    result = client.call(fn("o", sales_order("C00003", [("SKU-00001", "1", "MAIN", "1.00")]))).result()
    assert result.status == "failure" and "on hold" in result.errors[0][2]


def test_legacy_function_elements_must_come_in_dtd_order(client, server):
    """developer.intacct.com/web-services/functions: object-specific (legacy) functions have a unique body
    structure whose sub-elements must be in the correct order (generic functions take theirs in any order); the
    order is the SDK's (OrderEntryTransactionCreateTest). A DTD violation fails the whole request at the control
    level (XL03000003), so nothing in it runs."""
    swapped = sales_order("C00001", [("SKU-00001", "1", "MAIN", "1.00")]).replace(
        "<customerid>C00001</customerid>", "").replace("<transactiontype>", "<customerid>C00001</customerid>"
                                                        "<transactiontype>", 1)
    reply = client.call(fn("ok", "<create><CUSTOMER><CUSTOMERID>ORD-1</CUSTOMERID><NAME>n</NAME></CUSTOMER>"
                                 "</create>"), fn("o", swapped))
    assert reply.control_status == "failure" and "out of order" in reply.errors_at(".")[0][2]
    assert server.records("SODOCUMENT") == [] and not any(c["CUSTOMERID"] == "ORD-1"
                                                            for c in server.records("CUSTOMER"))
    generic = client.call(fn("g", "<create><CUSTOMER><NAME>Any order</NAME><CUSTOMERID>ORD-2</CUSTOMERID>"
                                  "</CUSTOMER></create>"))
    assert generic.result().status == "success"


def test_a_line_s_locationid_names_the_entity_it_posts_to_and_an_unknown_one_fails(client, server):
    """intacct-sdk-php src/Intacct/Functions/OrderEntry/OrderEntryTransactionLineCreate.php writes
    <locationid> after <price> (and <discsurchargememo>), before <departmentid>: the line's location (entity)."""
    line = ("<sotransitem><itemid>SKU-00001</itemid><warehouseid>MAIN</warehouseid><quantity>1</quantity>"
            "<price>1.00</price><locationid>{}</locationid></sotransitem>")
    head = ("<create_sotransaction><transactiontype>Sales Order</transactiontype>"
            "<datecreated><year>2026</year><month>12</month><day>07</day></datecreated>"
            "<customerid>C00001</customerid><sotransitems>{}</sotransitems></create_sotransaction>")
    made = client.call(fn("a", head.format(line.format("200")))).result()
    assert made.status == "success"
    assert [l["LOCATIONID"] for l in _lines(server, made.key)] == ["200"]
    refused = client.call(fn("b", head.format(line.format("999")))).result()
    assert refused.status == "failure" and "Location '999' is not valid" in refused.errors[0][2]
