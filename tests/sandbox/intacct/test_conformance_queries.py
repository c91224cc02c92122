"""Reads: readByQuery + readMore, query (filter, orderby, offset), read; change tracking by WHENMODIFIED."""

from __future__ import annotations

import pytest

from include.sandbox.intacct import IntacctServer
from tests.sandbox.intacct.api import Client, fn, read_by_query, sales_order


@pytest.fixture
def big(clock):
    with IntacctServer(items=4, customers=24, clock=clock, sleep=lambda s: None) as server:
        yield server


def _query(obj: str, fields: list[str], *, filter_xml: str = "", orderby: str = "", pagesize: int | None = None,
           offset: int | None = None, options: str = "") -> str:
    select = "".join(f"<field>{f}</field>" for f in fields)
    return (f"<query><select>{select}</select><object>{obj}</object>"
            + (f"<filter>{filter_xml}</filter>" if filter_xml else "")
            + (f"<orderby>{orderby}</orderby>" if orderby else "") + options
            + (f"<pagesize>{pagesize}</pagesize>" if pagesize is not None else "")
            + (f"<offset>{offset}</offset>" if offset is not None else "") + "</query>")


def test_readByQuery_pages_with_resultId_and_readMore_until_numremaining_is_0(big):
    """developer.intacct.com/web-services/queries ("Paginate results"): readMore with the resultId of the
    readByQuery response returns the next batch; numremaining="0" on the last; intacct-sdk-php
    Xml/Response/Result.php reads listtype, count, totalcount, numremaining, resultId (ResultTest fixtures:
    listtype "class", resultId "" when nothing remains)."""
    client = Client(big)
    total = len(big.records("CUSTOMER"))
    first = client.call(fn("q", read_by_query("CUSTOMER", fields="CUSTOMERID", pagesize=10))).result()
    data = first.data
    assert (data.get("listtype"), data.get("count"), data.get("totalcount")) == ("customer", "10", str(total))
    assert int(data.get("numremaining")) == total - 10 and data.get("resultId")
    assert {row.tag for row in first.rows()} == {"customer"}
    seen = first.values("CUSTOMERID")
    result_id = data.get("resultId")
    while result_id:
        page = client.call(fn("more", f"<readMore><resultId>{result_id}</resultId></readMore>")).result()
        assert page.function == "readMore" and page.status == "success"
        seen += page.values("CUSTOMERID")
        assert int(page.data.get("numremaining")) == total - len(seen)
        result_id = page.data.get("resultId")
    assert sorted(seen) == sorted(c["CUSTOMERID"] for c in big.records("CUSTOMER"))
    exhausted = client.call(fn("more", f"<readMore><resultId>{data.get('resultId')}</resultId></readMore>"))
    assert exhausted.result().status == "failure"


def test_readByQuery_pagesize_is_between_1_and_1000(client):
    """intacct-sdk-php test/Intacct/Functions/Common/ReadByQueryTest.php::testMaxPageSize/testMinPageSize
    ('Page Size cannot be greater than 1000'); developer.intacct.com object pages: 'between 1 and 1000 items
    (Default: 100)'."""
    replies = client.call(*(fn(str(size), read_by_query("ITEM", pagesize=size)) for size in (0, 1, 1000, 1001)))
    assert [r.status for r in replies.results] == ["failure", "success", "success", "failure"]


def test_readByQuery_query_string_operators(big):
    """developer.intacct.com/web-services/queries ("Supported operators"): <, >, >=, <=, =, like, not like, in,
    not in, IS NULL, IS NOT NULL, AND, OR, NOT; string operands case-sensitive; single quotes in an operand
    escaped with a backslash (object pages: 'Erik\\'s Deli')."""
    client = Client(big)
    client.call(fn("c", "<create><CUSTOMER><CUSTOMERID>Q-1</CUSTOMERID><NAME>Erik's Deli</NAME>"
                        "<CUSTTYPE>WEB</CUSTTYPE></CUSTOMER></create>"))
    customers = big.records("CUSTOMER")

    def ids(query: str) -> list[str]:
        result = client.call(fn("q", read_by_query("CUSTOMER", query, fields="CUSTOMERID", pagesize=1000))).result()
        assert result.status == "success", result.errors
        return sorted(result.values("CUSTOMERID"))

    assert ids("NAME = 'Erik\\'s Deli'") == ["Q-1"]
    assert ids("NAME = 'erik\\'s deli'") == []
    assert ids("CUSTOMERID like 'Q-%'") == ["Q-1"]
    assert ids("CUSTOMERID in ('Q-1', 'C00002')") == ["C00002", "Q-1"]
    assert ids("CUSTTYPE = 'WEB' AND NOT CUSTOMERID = 'Q-1'") == sorted(
        c["CUSTOMERID"] for c in customers if c["CUSTTYPE"] == "WEB" and c["CUSTOMERID"] != "Q-1")
    assert ids("COMMENTS IS NULL AND (CUSTOMERID = 'Q-1' OR CUSTOMERID = 'C00001')") == ["C00001", "Q-1"]
    assert ids("RECORDNO >= 0 AND CUSTOMERID not like 'C%'") == sorted(
        c["CUSTOMERID"] for c in customers if not c["CUSTOMERID"].startswith("C"))
    bad = client.call(fn("q", read_by_query("CUSTOMER", "NOSUCHFIELD = 'x'"))).result()
    assert bad.status == "failure" and bad.errors[0][0] == "Query Failed"


def test_readByQuery_filters_on_WHENMODIFIED(client, server, clock):
    """intacct-sdk-php ResultTest::testLegacyReadByQueryClass: WHENMODIFIED is 'mm/dd/yyyy HH:MM:SS'; the SDK's
    comparison classes (Query/Comparison/AbstractDateTimeClass, IaDateTimeFormat 'MM/dd/yyyy HH:mm:ss') compare
    it; a change stamps the record (change tracking for delta reads)."""
    clock.advance(3600)
    since = clock.now.strftime("%m/%d/%Y %H:%M:%S")
    client.call(fn("u", "<update><CUSTOMER><CUSTOMERID>C00002</CUSTOMERID><COMMENTS>changed</COMMENTS>"
                        "</CUSTOMER></update>"))
    result = client.call(fn("q", read_by_query("CUSTOMER", f"WHENMODIFIED >= '{since}'", fields="CUSTOMERID,"
                                               "WHENMODIFIED"))).result()
    assert result.values("CUSTOMERID") == ["C00002"]
    assert result.values("WHENMODIFIED") == [since]


def test_query_filter_orderby_pagesize_offset_and_its_data_attributes(big, clock):
    """developer.intacct.com/web-services/queries ("Using query"): <data listtype="APBILL" totalcount offset
    count numremaining>, elements named as the object; filter elements as the SDK's QueryFilter builder writes
    them (intacct-sdk-php test/Intacct/Functions/Common/NewQuery/QueryTest.php::testFilterAndCondition:
    and/greaterthanorequalto/lessthanorequalto; testOrderBy: orderby/order/field + descending)."""
    client = Client(big)
    clock.advance(60)
    client.call(*(fn(f"u{n}", f"<update><CUSTOMER><CUSTOMERID>C0000{n}</CUSTOMERID><COMMENTS>x</COMMENTS>"
                             "</CUSTOMER></update>") for n in range(1, 7)))
    since = clock.now.strftime("%m/%d/%Y %H:%M:%S")
    flt = ("<and><greaterthanorequalto><field>WHENMODIFIED</field><value>" + since + "</value>"
           "</greaterthanorequalto><equalto><field>STATUS</field><value>active</value></equalto></and>")
    order = "<order><field>CUSTOMERID</field><descending/></order>"
    expected = sorted((c["CUSTOMERID"] for c in big.records("CUSTOMER")
                       if c["COMMENTS"] == "x" and c["STATUS"] == "active"), reverse=True)
    first = client.call(fn("q", _query("CUSTOMER", ["CUSTOMERID", "WHENMODIFIED"], filter_xml=flt, orderby=order,
                                       pagesize=4))).result()
    data = first.data
    assert (data.get("listtype"), data.get("totalcount"), data.get("offset"), data.get("count")) == (
        "CUSTOMER", str(len(expected)), "0", str(min(4, len(expected))))
    assert data.get("numremaining") == str(max(0, len(expected) - 4))
    assert {row.tag for row in first.rows()} == {"CUSTOMER"}
    assert [child.tag for child in first.rows()[0]] == ["CUSTOMERID", "WHENMODIFIED"]
    second = client.call(fn("q", _query("CUSTOMER", ["CUSTOMERID"], filter_xml=flt, orderby=order, pagesize=4,
                                        offset=4))).result()
    assert second.data.get("offset") == "4"
    assert first.values("CUSTOMERID") + second.values("CUSTOMERID") == expected


def test_query_pagesize_is_between_1_and_2000_and_offset_not_negative(client):
    """developer.intacct.com (object pages, query): pagesize 'between 1 and 2000 items (Default: 100)', offset
    'Point at which to start indexing into records (Default: 0)'; intacct-sdk-php NewQuery/Query.php refuses a
    negative offset."""
    replies = client.call(*(fn(f"p{size}", _query("ITEM", ["ITEMID"], pagesize=size)) for size in (2000, 2001)),
                          fn("off", _query("ITEM", ["ITEMID"], offset=-1)))
    assert [r.status for r in replies.results] == ["success", "failure", "failure"]


def test_query_or_in_like_isnull_and_caseinsensitive(big):
    """intacct-sdk-php NewQuery/QueryFilter/Filter.php operators (equalto, notequalto, lessthan…, between, in,
    notin, like, notlike, isnull, isnotnull) and QueryTest::testFilterOrCondition; options/caseinsensitive
    (QueryTest::testAllParams, developer.intacct.com/web-services/queries 'case-insensitive queries')."""
    client = Client(big)

    def ids(filter_xml: str, options: str = "") -> list[str]:
        result = client.call(fn("q", _query("CUSTOMER", ["CUSTOMERID"], filter_xml=filter_xml, options=options,
                                            pagesize=2000))).result()
        assert result.status == "success", result.errors
        return sorted(result.values("CUSTOMERID"))

    assert ids("<or><equalto><field>CUSTOMERID</field><value>C00001</value></equalto>"
               "<in><field>CUSTOMERID</field><value>C00003</value><value>C00004</value></in></or>") == [
        "C00001", "C00003", "C00004"]
    assert ids("<like><field>CUSTOMERID</field><value>c0000%</value></like>") == []
    assert len(ids("<like><field>CUSTOMERID</field><value>c0000%</value></like>",
                   "<options><caseinsensitive>true</caseinsensitive></options>")) == 9
    assert ids("<and><isnotnull><field>COMMENTS</field></isnotnull>"
               "<equalto><field>STATUS</field><value>active</value></equalto></and>") == []
    bad = client.call(fn("q", _query("CUSTOMER", ["NOPE"]))).result()
    assert bad.status == "failure" and bad.errors[0][0] == "Query Failed"


def test_read_nests_owned_lines_and_numbers_them_from_0(client, server):
    """intacct-sdk-php ResultTest::testReadClass (<data listtype="CUSTOMER" count="1"><CUSTOMER>…); DESIGN.md §8:
    document line numbers are 0-based in reads (1-based in update_sotransaction's line_num)."""
    key = client.call(fn("o", sales_order("C00001", [("SKU-00001", "1", "MAIN", "2.00"),
                                                      ("SKU-00002", "3", "MAIN", "4.00")]))).result().key
    recordno = next(d["RECORDNO"] for d in server.records("SODOCUMENT") if d["DOCID"] == key)
    result = client.call(fn("r", f"<read><object>SODOCUMENT</object><keys>{recordno}</keys><fields>*</fields>"
                                 "</read>")).result()
    assert (result.data.get("listtype"), result.data.get("count")) == ("SODOCUMENT", "1")
    document = result.rows()[0]
    assert document.tag == "SODOCUMENT" and document.findtext("DOCID") == key
    lines = document.findall("SODOCUMENTENTRIES/sodocumententry")
    assert [line.findtext("LINE_NO") for line in lines] == ["0", "1"]
    assert [line.findtext("ITEMID") for line in lines] == ["SKU-00001", "SKU-00002"]


def test_readByQuery_docparid_selects_one_transaction_definition(client):
    """developer.intacct.com order-entry-transactions (readByQuery docparid: 'the document type, e.g. Sales
    Order'); intacct-sdk-php ReadByQueryTest::testParamOverrides writes docparid."""
    order = client.call(fn("o", sales_order("C00001", [("SKU-00001", "2", "MAIN", "3.00")]))).result().key
    client.call(fn("i", sales_order("C00001", [("SKU-00001", "2", "MAIN", "3.00")], transactiontype="Sales Invoice",
                                    createdfrom=order)))
    orders = client.call(fn("q", read_by_query("SODOCUMENT", "", fields="DOCID", docparid="Sales Order"))).result()
    invoices = client.call(fn("q", read_by_query("SODOCUMENT", "", fields="DOCID",
                                                 docparid="Sales Invoice"))).result()
    assert orders.values("DOCID") == [order]
    assert invoices.values("DOCID") == ["Sales Invoice-INV0001"]


def test_readMore_by_object_continues_the_last_readByQuery_of_that_object(big):
    """developer.intacct.com/web-services/queries ("Paginate results"): readMore takes either the object name
    or the resultId (intacct-sdk-php Functions/Common/ReadMore.php writes resultId)."""
    client = Client(big)
    first = client.call(fn("q", read_by_query("CUSTOMER", fields="CUSTOMERID", pagesize=20))).result()
    more = client.call(fn("m", "<readMore><object>CUSTOMER</object></readMore>")).result()
    assert more.status == "success"
    assert sorted(first.values("CUSTOMERID") + more.values("CUSTOMERID")) == sorted(
        c["CUSTOMERID"] for c in big.records("CUSTOMER"))


def test_read_accepts_the_document_id_as_key(client, server):
    """developer.intacct.com order-entry-transactions ("Get Order Entry Transaction", read with docparid); the
    emulator accepts a RECORDNO or the object's ID (DOCID here) as key (docs/intacct.md, unverified which)."""
    key = client.call(fn("o", sales_order("C00001", [("SKU-00001", "1", "MAIN", "2.00")]))).result().key
    result = client.call(fn("r", f"<read><object>SODOCUMENT</object><keys>{key}</keys><fields>*</fields>"
                                 "<docparid>Sales Order</docparid></read>")).result()
    assert result.values("DOCID") == [key]
