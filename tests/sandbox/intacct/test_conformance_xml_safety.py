"""Text hostile to XML: escaped on the way in, stored exactly, escaped on the way out; never injected."""

from __future__ import annotations

import subprocess
import sys

from tests.sandbox.intacct.api import esc, fn, read_by_query

HOSTILE = ("Zoë & \"Ann\" O'Brien <b>bold</b> ]]> tab\there\nline two\r\nCRLF "
           "</NAME><STATUS>inactive</STATUS> 中文 🚀 &amp; literal")


def test_hostile_names_round_trip_exactly(client, server):
    """developer.intacct.com/web-services/queries ("Illegal characters in XML": < and & must be escaped; >
    should be); XML 1.0 §2.11: a parser turns CR and CRLF into LF, so a CR survives only as &#13; — the
    emulator writes it that way so that what a client reads back is what it stored."""
    body = (f"<create><CUSTOMER><CUSTOMERID>X-1</CUSTOMERID><NAME>{esc(HOSTILE)}</NAME>"
            f"<COMMENTS>{esc(HOSTILE)}</COMMENTS></CUSTOMER></create>")
    assert client.call(fn("c", body)).result().status == "success"
    stored = next(c for c in server.records("CUSTOMER") if c["CUSTOMERID"] == "X-1")
    assert stored["NAME"] == HOSTILE and stored["COMMENTS"] == HOSTILE and stored["STATUS"] == "active"
    read = client.call(fn("q", read_by_query("CUSTOMER", "CUSTOMERID = 'X-1'", fields="NAME,COMMENTS"))).result()
    assert read.values("NAME") == [HOSTILE] and read.values("COMMENTS") == [HOSTILE]


def test_hostile_text_in_an_order_round_trips(client, server):
    """create_sotransaction's referenceno and message carry storefront text (OrderEntryTransactionCreateTest);
    they come back unchanged in reads."""
    reference = "XC-<1>&\"2\"'"
    body = ("<create_sotransaction><transactiontype>Sales Order</transactiontype><datecreated><year>2026</year>"
            "<month>12</month><day>07</day></datecreated><customerid>C00001</customerid>"
            f"<referenceno>{esc(reference)}</referenceno><message>{esc(HOSTILE)}</message>"
            "<sotransitems><sotransitem><itemid>SKU-00001</itemid><warehouseid>MAIN</warehouseid>"
            "<quantity>1</quantity></sotransitem></sotransitems></create_sotransaction>")
    key = client.call(fn("o", body)).result().key
    quoted = reference.replace("'", "\\'")  # readByQuery escapes a quote in an operand with a backslash
    read = client.call(fn("q", read_by_query("SODOCUMENT", f"PONUMBER = '{quoted}'", fields="DOCID,MESSAGE"))).result()
    assert read.values("DOCID") == [key] and read.values("MESSAGE") == [HOSTILE]


def test_a_cdata_section_is_text_not_markup(client, server):
    """XML 1.0 §2.7: CDATA content is character data; a client may send names that way and they are stored as
    the characters they are."""
    body = ("<create><CUSTOMER><CUSTOMERID>X-2</CUSTOMERID><NAME><![CDATA[a < b && <c/>]]></NAME></CUSTOMER>"
            "</create>")
    assert client.call(fn("c", body)).result().status == "success"
    assert next(c for c in server.records("CUSTOMER") if c["CUSTOMERID"] == "X-2")["NAME"] == "a < b && <c/>"


def test_control_characters_cannot_travel_in_xml_and_fail_the_request(client, server):
    """XML 1.0 §2.2 (Char excludes U+0001–U+0008, U+000B, U+000C, U+000E–U+001F even as character references):
    such a request is not well formed, a control-level XL03000003 failure
    (developer.intacct.com/web-services/error-handling); nothing is created. The client must drop them."""
    body = "<create><CUSTOMER><CUSTOMERID>X-3</CUSTOMERID><NAME>bell&#7;here</NAME></CUSTOMER></create>"
    reply = client.call(fn("c", body))
    assert reply.control_status == "failure" and reply.errors_at(".")[0][0] == "XL03000003"
    assert not any(c["CUSTOMERID"] == "X-3" for c in server.records("CUSTOMER"))


def test_the_emulator_runs_as_a_process_and_prints_its_endpoint(tmp_path):
    """`python -m include.sandbox.intacct --port 0` (as the other emulators): one banner line naming the general
    endpoint and no secret; SIGTERM stops it with exit status 0."""
    process = subprocess.Popen([sys.executable, "-m", "include.sandbox.intacct", "--port", "0", "--items", "2",
                                "--customers", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert line.startswith("Intacct sandbox serving http://127.0.0.1:") and "/ia/xml/xmlgw.phtml" in line
        assert "sandbox-sender-password" not in line and "sandbox-user-password" not in line
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
