"""AR payments applied to invoices; customers and items (create, update, read back); stock per warehouse."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tests.sandbox.intacct.api import fn, read_by_query, sales_order


def _invoice(client, server, customer: str = "C00001", amount: str = "30.00") -> dict:
    key = client.call(fn("i", sales_order(customer, [("SKU-00001", "1", "MAIN", amount)],
                                          transactiontype="Sales Invoice"))).result().key
    document = next(d for d in server.records("SODOCUMENT") if d["DOCID"] == key)
    return next(a for a in server.records("ARINVOICE") if a["RECORDNO"] == document["PRRECORDKEY"])


def _payment(customer: str, details: list[tuple[int, str]], *, bank: str | None = "BOA-OPERATING",
             undeposited: str | None = None, method: str = "Credit Card", receipt: str = "12/07/2026",
             docnumber: str = "XP-1") -> str:
    account = (f"<FINANCIALENTITY>{bank}</FINANCIALENTITY>" if bank else "") + (
        f"<UNDEPOSITEDACCOUNTNO>{undeposited}</UNDEPOSITEDACCOUNTNO>" if undeposited else "")
    lines = "".join(f"<ARPYMTDETAIL><RECORDKEY>{key}</RECORDKEY><TRX_PAYMENTAMOUNT>{amount}</TRX_PAYMENTAMOUNT>"
                    "</ARPYMTDETAIL>" for key, amount in details)
    return (f"<create><ARPYMT>{account}<PAYMENTMETHOD>{method}</PAYMENTMETHOD><CUSTOMERID>{customer}</CUSTOMERID>"
            f"<DOCNUMBER>{docnumber}</DOCNUMBER><RECEIPTDATE>{receipt}</RECEIPTDATE>"
            f"<ARPYMTDETAILS>{lines}</ARPYMTDETAILS></ARPYMT></create>")


def test_an_ar_payment_applied_to_an_invoice_pays_it(client, server):
    """developer.intacct.com/api/accounts-receivable/ar-payments ("Create AR Payment"): <create><ARPYMT> with
    FINANCIALENTITY, PAYMENTMETHOD, CUSTOMERID, DOCNUMBER, RECEIPTDATE (mm/dd/yyyy) and ARPYMTDETAILS/
    ARPYMTDETAIL(RECORDKEY = the ARINVOICE record number, TRX_PAYMENTAMOUNT); a partial payment leaves the rest
    due (the 'waterfall' application)."""
    invoice = _invoice(client, server)
    part = client.call(fn("p1", _payment("C00001", [(invoice["RECORDNO"], "10.00")]))).result()
    assert part.status == "success" and part.data.get("listtype") == "objects"
    assert part.rows()[0].tag == "arpymt" and part.rows()[0].findtext("RECORDNO")
    after = next(a for a in server.records("ARINVOICE") if a["RECORDNO"] == invoice["RECORDNO"])
    assert (after["TOTALPAID"], after["TOTALDUE"], after["STATE"]) == (Decimal("10.00"), Decimal("20.00"),
                                                                     "Partially Paid")
    rest = client.call(fn("p2", _payment("C00001", [(invoice["RECORDNO"], "20.00")], bank=None,
                                         undeposited="1010", method="Cash", docnumber="XP-2"))).result()
    assert rest.status == "success"
    paid = next(a for a in server.records("ARINVOICE") if a["RECORDNO"] == invoice["RECORDNO"])
    assert (paid["TOTALDUE"], paid["STATE"]) == (Decimal("0.00"), "Paid")
    payments = server.records("ARPYMT")
    assert [(p["FINANCIALENTITY"], p["UNDEPOSITEDACCOUNTNO"], p["RECEIPTDATE"]) for p in payments] == [
        ("BOA-OPERATING", None, date(2026, 12, 7)), (None, "1010", date(2026, 12, 7))]
    assert [(d["RECORDKEY"], d["TRX_PAYMENTAMOUNT"]) for d in server.records("ARPYMTDETAIL")] == [
        (invoice["RECORDNO"], Decimal("10.00")), (invoice["RECORDNO"], Decimal("20.00"))]


def test_an_ar_payment_names_a_bank_account_or_undeposited_funds_not_both(client, server):
    """developer.intacct.com ar-payments: FINANCIALENTITY (bank account) or UNDEPOSITEDACCOUNTNO (undeposited
    funds GL account) says where the money goes; least forgiving emulation: exactly one of them."""
    invoice = _invoice(client, server)
    both = client.call(fn("b", _payment("C00001", [(invoice["RECORDNO"], "1.00")], undeposited="1010"))).result()
    neither = client.call(fn("n", _payment("C00001", [(invoice["RECORDNO"], "1.00")], bank=None))).result()
    wrong_bank = client.call(fn("w", _payment("C00001", [(invoice["RECORDNO"], "1.00")], bank="NOBANK"))).result()
    assert [r.status for r in (both, neither, wrong_bank)] == ["failure"] * 3
    assert server.records("ARPYMT") == []


def test_an_ar_payment_is_refused_for_more_than_is_due_or_another_customers_invoice(client, server):
    """developer.intacct.com ar-payments: the payment is applied to the customer's own invoice; an amount above
    what is due cannot be applied (least forgiving: refused rather than left as an overpayment)."""
    invoice = _invoice(client, server, amount="5.00")
    over = client.call(fn("o", _payment("C00001", [(invoice["RECORDNO"], "5.01")]))).result()
    other = client.call(fn("x", _payment("C00002", [(invoice["RECORDNO"], "1.00")]))).result()
    assert over.status == "failure" and "exceeds" in over.errors[0][2]
    assert other.status == "failure" and "C00002" in other.errors[0][2]


def test_receiptdate_must_be_mm_dd_yyyy(client, server):
    """DESIGN.md §8 and developer.intacct.com ar-payments: RECEIPTDATE is a date in mm/dd/yyyy; the SDK's date
    format is 'MM/dd/yyyy' (intacct-sdk-net Functions/Common/Query/Comparison/AbstractDateTimeClass.cs)."""
    invoice = _invoice(client, server)
    iso = client.call(fn("d", _payment("C00001", [(invoice["RECORDNO"], "1.00")], receipt="2026-12-07"))).result()
    assert iso.status == "failure" and "RECEIPTDATE" in iso.errors[0][2]
    unknown_method = client.call(fn("m", _payment("C00001", [(invoice["RECORDNO"], "1.00")],
                                                  method="Bitcoin"))).result()
    assert unknown_method.status == "failure" and "PAYMENTMETHOD" in unknown_method.errors[0][2]


def test_create_customer_answers_recordno_and_customerid_and_reads_back(client, server):
    """intacct-sdk-php test/Intacct/Functions/AccountsReceivable/CustomerCreateTest.php (<create><CUSTOMER>
    CUSTOMERID, NAME, DISPLAYCONTACT/PRINTAS, EMAIL1, MAILADDRESS/ADDRESS1 …); readByQuery names nested fields
    with dots (DISPLAYCONTACT.EMAIL1)."""
    body = ("<create><CUSTOMER><CUSTOMERID>WEB-42</CUSTOMERID><NAME>Ann Lee</NAME><DISPLAYCONTACT>"
            "<PRINTAS>Ann Lee</PRINTAS><EMAIL1>ann@example.org</EMAIL1><MAILADDRESS><ADDRESS1>1 Main St</ADDRESS1>"
            "<CITY>Austin</CITY><COUNTRYCODE>US</COUNTRYCODE></MAILADDRESS></DISPLAYCONTACT></CUSTOMER></create>")
    result = client.call(fn("c", body)).result()
    row = result.rows()[0]
    assert (result.data.get("listtype"), row.tag, row.findtext("CUSTOMERID")) == ("objects", "customer", "WEB-42")
    read = client.call(fn("q", read_by_query("CUSTOMER", "DISPLAYCONTACT.EMAIL1 = 'ann@example.org'",
                                             fields="CUSTOMERID,DISPLAYCONTACT.MAILADDRESS.CITY"))).result()
    assert read.values("CUSTOMERID") == ["WEB-42"] and read.values("DISPLAYCONTACT.MAILADDRESS.CITY") == ["Austin"]
    unknown = client.call(fn("c", "<create><CUSTOMER><NAME>X</NAME><SHOESIZE>9</SHOESIZE></CUSTOMER></create>"))
    assert unknown.result().status == "failure" and "SHOESIZE" in unknown.result().errors[0][2]


def test_update_customer_by_customerid(client, server):
    """intacct-sdk-php test/Intacct/Functions/AccountsReceivable/CustomerUpdateTest.php: <update><CUSTOMER>
    keyed by CUSTOMERID; an unknown customer fails."""
    ok = client.call(fn("u", "<update><CUSTOMER><CUSTOMERID>C00001</CUSTOMERID><DISPLAYCONTACT><PHONE1>555-0100"
                             "</PHONE1></DISPLAYCONTACT></CUSTOMER></update>")).result()
    missing = client.call(fn("u", "<update><CUSTOMER><CUSTOMERID>NOPE</CUSTOMERID><NAME>x</NAME></CUSTOMER>"
                                  "</update>")).result()
    assert ok.status == "success" and missing.status == "failure"
    assert next(c for c in server.records("CUSTOMER") if c["CUSTOMERID"] == "C00001")["DISPLAYCONTACT.PHONE1"] == (
        "555-0100")


def test_create_and_update_an_item_and_its_price(client, server):
    """intacct-sdk-php test/Intacct/Functions/InventoryControl/ItemCreateTest.php (<create><ITEM> ITEMID, NAME,
    ITEMTYPE Inventory) and ItemUpdateTest; the item's base price is BASEPRICE (docs/intacct.md, "Prices")."""
    created = client.call(fn("c", "<create><ITEM><ITEMID>NEW-1</ITEMID><NAME>New thing</NAME>"
                                  "<ITEMTYPE>Inventory</ITEMTYPE><BASEPRICE>12.50</BASEPRICE></ITEM></create>"))
    updated = client.call(fn("u", "<update><ITEM><ITEMID>NEW-1</ITEMID><BASEPRICE>13.00</BASEPRICE></ITEM>"
                                  "</update>"))
    bad_type = client.call(fn("c", "<create><ITEM><ITEMID>NEW-2</ITEMID><NAME>x</NAME><ITEMTYPE>Gizmo</ITEMTYPE>"
                                   "</ITEM></create>"))
    assert created.result().status == "success" and updated.result().status == "success"
    assert bad_type.result().status == "failure"
    assert next(i for i in server.records("ITEM") if i["ITEMID"] == "NEW-1")["BASEPRICE"] == Decimal("13.00")


def test_stock_per_warehouse_reads_from_ITEMWAREHOUSEINFO(client, server):
    """Stock per warehouse (docs/intacct.md, "Stock"): ITEMWAREHOUSEINFO rows (ITEMID, WAREHOUSEID, QTYONHAND,
    QTYONHOLD, QTYONORDER, WHENMODIFIED) queried with the query function; a clerk's count change shows."""
    server.action(next(iter(server.companies)), "set_stock", item="SKU-00003", warehouse="EAST", on_hand=17)
    query = ("<query><select><field>ITEMID</field><field>WAREHOUSEID</field><field>QTYONHAND</field>"
             "<field>QTYONHOLD</field></select><object>ITEMWAREHOUSEINFO</object><filter><equalto><field>ITEMID"
             "</field><value>SKU-00003</value></equalto></filter><orderby><order><field>WAREHOUSEID</field>"
             "<ascending/></order></orderby></query>")
    result = client.call(fn("s", query)).result()
    assert result.values("WAREHOUSEID") == ["EAST", "MAIN", "WEST"]
    assert result.values("QTYONHAND")[0] == "17"
