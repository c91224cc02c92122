"""Malformed function bodies fail their own function with an Intacct error; the gateway never answers 500."""

from __future__ import annotations

import pytest

from include.sandbox.intacct import IntacctServer
from tests.sandbox.intacct.api import Client, fn

_ORDER = ("<create_sotransaction><transactiontype>Sales Order</transactiontype><datecreated><year>2026</year>"
          "<month>2</month><day>3</day></datecreated><customerid>C00001</customerid><sotransitems>{}"
          "</sotransitems></create_sotransaction>")
MALFORMED = [
    "<readByQuery/>",
    "<readByQuery><object>CUSTOMER</object><query>NAME = 'x' AND</query></readByQuery>",
    "<readByQuery><object>CUSTOMER</object><query>((NAME = 'x')</query></readByQuery>",
    "<readByQuery><object>CUSTOMER</object><query>RECORDNO &gt; 'abc'</query></readByQuery>",
    "<readMore><resultId>unknown</resultId></readMore>",
    "<query><select><count><field>RECORDNO</field></count></select><object>CUSTOMER</object></query>",
    "<query><select><field>RECORDNO</field></select><object>CUSTOMER</object><filter><between><field>RECORDNO"
    "</field><value>1</value></between></filter></query>",
    "<create><CUSTOMER/></create>",
    "<create><ARPYMT><ARPYMTDETAILS><X/></ARPYMTDETAILS></ARPYMT></create>",
    "<update><CUSTOMER><NAME>no key</NAME></CUSTOMER></update>",
    _ORDER.format("<sotransitem><itemid>SKU-00001</itemid><quantity>NaN</quantity></sotransitem>"),
    _ORDER.format("<sotransitem><itemid>SKU-00001</itemid><quantity>1e400</quantity></sotransitem>"),
    _ORDER.format("<sotransitem><itemid>SKU-00001</itemid><warehouseid>MAIN</warehouseid><quantity>99999999999999"
                  "</quantity><price>99999999999999</price></sotransitem>"),
    "<update_sotransaction key=\"x\"><updatesotransitems><updatesotransitem line_num=\"a\"><itemid>SKU-00001"
    "</itemid><quantity>1</quantity></updatesotransitem></updatesotransitems></update_sotransaction>",
]
# What the DTD refuses in a legacy function fails the whole request (control level), not the function.
SCHEMA_INVALID = [
    "<create_sotransaction/>",
    "<update_sotransaction/>",
    _ORDER.format("<sotransitem><quantity>1</quantity><itemid>SKU-00001</itemid></sotransitem>"),
    _ORDER.format("<sotransitem><itemid>SKU-00001</itemid></sotransitem>"),
    "<update_sotransaction key=\"x\"><updatesotransitems><updatesotransitem><itemid>SKU-00001</itemid>"
    "<quantity>1</quantity></updatesotransitem></updatesotransitems></update_sotransaction>",
]


@pytest.fixture(scope="module")
def shared_client():
    # One server for the module: every body below fails, so nothing changes between the cases.
    with IntacctServer(items=2, customers=1) as server:
        yield Client(server)


@pytest.mark.parametrize("body", MALFORMED)
def test_a_malformed_function_fails_alone_with_an_intacct_error(shared_client, body):
    """developer.intacct.com/web-services/error-handling: content-level problems fail only that function, with
    errormessage/error (errorno, description2 naming the field or record); the next function still runs."""
    reply = shared_client.call(fn("bad", body), fn("good", "<readByQuery><object>ITEM</object><query/></readByQuery>"))
    assert reply.status == 200
    assert [r.status for r in reply.results] == ["failure", "success"]
    errorno, _, description2, _ = reply.result(0).errors[0]
    assert errorno and description2


@pytest.mark.parametrize("body", SCHEMA_INVALID)
def test_a_dtd_violation_in_a_legacy_function_fails_the_request(shared_client, body):
    """developer.intacct.com/web-services/functions (legacy functions: required sub-elements in the correct
    order) and web-services/error-handling (schema errors: control failure XL03000003, nothing executed)."""
    reply = shared_client.call(fn("good", "<readByQuery><object>ITEM</object><query/></readByQuery>"), fn("bad", body))
    assert reply.status == 200 and reply.control_status == "failure" and reply.results == []
    assert reply.errors_at(".")[0][0] == "XL03000003"
