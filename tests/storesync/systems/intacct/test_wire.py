"""The XML layer: hostile text goes out escaped and comes back exactly; what XML cannot carry is refused."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
import xml.etree.ElementTree as ET

import defusedxml.ElementTree as SafeET
import pytest

from storesync.systems.intacct import functions as fn
from storesync.systems.intacct.wire import (
    Credentials,
    IllegalXmlText,
    MalformedAnswer,
    element,
    envelope,
    format_value,
    login_authentication,
    parse_response,
    row_fields,
    session_authentication,
    to_bytes,
)

HOSTILE = [
    "O'Brien & Sons <b>bold</b>",
    'say "hi" & <script>alert(1)</script>',
    "end of CDATA ]]> and <![CDATA[ start",
    "</NAME><STATUS>inactive</STATUS>",
    "&amp; is already an entity; &#7; is not a character",
    "tab\there, line\nfeed, carriage\rreturn, CRLF\r\nend",
    "Zoë Ångström, 東京, Ελληνικά, emoji 🚀",
    "  leading and trailing spaces  ",
]
CREDENTIALS = Credentials("sender", "sender-secret", "user", "company", "user-secret", entity_id="100")


def _round_trip(value: str) -> str:
    document = to_bytes(element("NAME", value))
    return SafeET.fromstring(document).text


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_text_comes_back_exactly_after_writing_and_parsing(value):
    assert _round_trip(value) == value


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_text_in_an_attribute_comes_back_exactly(value):
    document = to_bytes(element("function", None, {"controlid": value}))
    assert SafeET.fromstring(document).get("controlid") == value


def test_a_cdata_terminator_is_written_escaped_so_no_markup_can_follow_it():
    document = to_bytes(element("NAME", "a]]>b"))
    assert b"]]>" not in document and b"]]&gt;" in document


def test_markup_in_a_value_is_text_and_adds_no_element():
    document = to_bytes(element("CUSTOMER", {"NAME": "</NAME><STATUS>inactive</STATUS>"}))
    parsed = SafeET.fromstring(document)
    assert [child.tag for child in parsed] == ["NAME"]


def test_a_carriage_return_is_written_as_a_character_reference_because_parsers_turn_raw_ones_into_line_feeds():
    assert b"&#13;" in to_bytes(element("NOTE", "a\r\nb"))
    assert SafeET.fromstring(b"<NOTE>a\r\nb</NOTE>").text == "a\nb"  # what a raw CR would have become


def test_documents_are_utf8_with_a_declaration():
    document = to_bytes(element("NAME", "Zoë"))
    assert document.startswith(b'<?xml version="1.0" encoding="UTF-8"?>') and "Zoë".encode() in document


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x0b", "\x0c", "\x1b", "\x1f", "\ufffe", "\uffff", "\ud800"])
def test_a_character_xml_cannot_carry_is_refused_naming_the_record_and_the_field(char):
    with pytest.raises(IllegalXmlText) as refused:
        fn.create("CUSTOMER", {"CUSTOMERID": "C-17", "DISPLAYCONTACT": {"PRINTAS": f"bell{char}here"}},
                  controlid="customer:xcart:17", reference="xcart:17")
    message = str(refused.value)
    assert "record xcart:17" in message and "create/CUSTOMER/DISPLAYCONTACT/PRINTAS" in message
    assert refused.value.record_key == "xcart:17" and refused.value.field == "create/CUSTOMER/DISPLAYCONTACT/PRINTAS"
    assert f"U+{ord(char):04X}" in message


def test_the_field_path_of_a_repeated_element_says_which_one():
    with pytest.raises(IllegalXmlText, match=r"sotransitem\[2\]/memo"):
        fn.legacy("create_sotransaction", {"sotransitems": {"sotransitem": [
            {"itemid": "A", "memo": "fine"}, {"itemid": "B", "memo": "not\x01fine"}]}},
            controlid="order:xcart:9", reference="xcart:9")


def test_tab_line_feed_and_carriage_return_are_allowed():
    function = fn.create("CUSTOMER", {"NAME": "a\tb\nc\rd"}, controlid="c:1", reference="1")
    assert function.body.find("CUSTOMER/NAME").text == "a\tb\nc\rd"


def test_values_are_written_in_intacct_formats():
    assert format_value(Decimal("19.90")) == "19.90"
    assert format_value(Decimal("1E+2")) == "100"
    assert format_value(True) == "true" and format_value(False) == "false"
    assert format_value(date(2026, 1, 5)) == "01/05/2026"
    assert format_value(datetime(2026, 1, 5, 7, 8, 9)) == "01/05/2026 07:08:09"


def test_a_float_is_refused_because_money_travels_as_decimal():
    with pytest.raises(TypeError, match="Decimal"):
        element("CUSTOMER", {"CREDITLIMIT": 10.1})


def test_none_values_are_left_out_and_lists_repeat_the_element():
    node = element("ARPYMT", {"FINANCIALENTITY": None, "ARPYMTDETAILS": {"ARPYMTDETAIL": [{"RECORDKEY": 1},
                                                                                         {"RECORDKEY": 2}]}})
    assert [child.tag for child in node] == ["ARPYMTDETAILS"]
    assert [d.findtext("RECORDKEY") for d in node.findall("ARPYMTDETAILS/ARPYMTDETAIL")] == ["1", "2"]


def test_the_envelope_has_the_control_block_in_the_sdk_order_and_one_operation():
    """intacct-sdk-php Xml/Request/ControlBlock.php writes senderid, password, controlid, uniqueid, dtdversion,
    includewhitespace; OperationBlock.php writes operation[@transaction]/(authentication, content/function+)."""
    body = fn.read_by_query("CUSTOMER", page_size=5).body
    document = envelope(CREDENTIALS, controlid="req-1", authentication=login_authentication(CREDENTIALS),
                        functions=[("f-1", body)], transaction=True, uniqueid=True)
    root = SafeET.fromstring(document)
    assert [c.tag for c in root.find("control")] == ["senderid", "password", "controlid", "uniqueid", "dtdversion",
                                                    "includewhitespace"]
    assert root.findtext("control/dtdversion") == "3.0" and root.findtext("control/uniqueid") == "true"
    assert root.find("operation").get("transaction") == "true"
    assert [c.tag for c in root.find("operation/authentication/login")] == ["userid", "companyid", "password",
                                                                           "locationid"]
    assert root.find("operation/content/function").get("controlid") == "f-1"
    assert root.find("operation/content/function/readByQuery/pagesize").text == "5"


def test_a_session_request_carries_the_session_id_and_no_user_password():
    document = envelope(CREDENTIALS, controlid="r", authentication=session_authentication("S-1"),
                        functions=[("f", ET.Element("readMore"))])
    assert b"<sessionid>S-1</sessionid>" in document and b"user-secret" not in document


def test_an_answer_is_read_at_its_three_failure_levels():
    """developer.intacct.com/web-services/error-handling: control errors under <response>, authentication
    errors under <operation>, function errors under <result>; each error has errorno, description,
    description2, correction (intacct-sdk-php Xml/Response/ErrorMessage.php)."""
    answer = parse_response(
        b"<response><control><status>success</status></control><operation><authentication><status>success"
        b"</status><sessiontimeout>2026-12-07T11:00:00+00:00</sessiontimeout></authentication>"
        b"<result><status>failure</status><function>create</function><controlid>c1</controlid><errormessage>"
        b"<error><errorno>BL01001973</errorno><description></description><description2>Item &lt;X&gt; is not "
        b"valid</description2><correction>Use a valid item</correction></error></errormessage></result>"
        b"<result><status>success</status><function>readByQuery</function><controlid>c2</controlid>"
        b'<data listtype="customer" count="1" totalcount="3" numremaining="2" resultId="R1"><customer>'
        b"<CUSTOMERID>C1</CUSTOMERID><DISPLAYCONTACT><EMAIL1>a@b.c</EMAIL1></DISPLAYCONTACT></customer></data>"
        b"</result></operation></response>")
    assert (answer.control_status, answer.auth_status) == ("success", "success")
    failed, read = answer.results
    assert not failed.ok and failed.errors[0].errorno == "BL01001973"
    assert failed.errors[0].description2 == "Item <X> is not valid" and failed.errors[0].correction
    assert read.ok and read.attribute("numremaining") == "2" and read.attribute("resultId") == "R1"
    assert read.rows() == [{"CUSTOMERID": "C1", "DISPLAYCONTACT": {"EMAIL1": "a@b.c"}}]
    assert answer.sessiontimeout == "2026-12-07T11:00:00+00:00"


def test_repeated_children_of_a_record_become_a_list():
    row = SafeET.fromstring(b"<a><L><X>1</X></L><L><X>2</X></L></a>")
    assert row_fields(row) == {"L": [{"X": "1"}, {"X": "2"}]}


def test_an_answer_with_a_dtd_or_entities_is_refused_not_expanded():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
            b"<response>&b;</response>")
    with pytest.raises(MalformedAnswer):
        parse_response(bomb)


def test_an_answer_that_is_not_xml_is_malformed():
    with pytest.raises(MalformedAnswer):
        parse_response(b"<html><body>502 Bad Gateway")
