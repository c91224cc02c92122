"""The request envelope and the control level: what is refused before anything runs."""

from __future__ import annotations

import requests

from tests.sandbox.intacct.api import Client, esc, fn, read_by_query

CREATE_CUSTOMER = "<create><CUSTOMER><CUSTOMERID>ENV-1</CUSTOMERID><NAME>Envelope Test</NAME></CUSTOMER></create>"


def _customers(server) -> set[str]:
    return {c["CUSTOMERID"] for c in server.records("CUSTOMER")}


def test_a_successful_response_echoes_the_control_block_and_carries_the_session_stamps(client, clock):
    """intacct-sdk-php test/Intacct/Xml/OnlineResponseTest.php::testGetters and Xml/Response/Control.php: the
    control block echoes status, senderid, controlid, uniqueid, dtdversion; Xml/Response/Authentication.php reads
    status, userid, companyid, locationid, sessiontimestamp, sessiontimeout."""
    reply = client.call(fn("f1", read_by_query("CUSTOMER", pagesize=1)), uniqueid="false")
    root = reply.root
    assert reply.status == 200 and reply.headers["Content-Type"].startswith("text/xml")
    assert [c.tag for c in root.find("control")] == ["status", "senderid", "controlid", "uniqueid", "dtdversion"]
    assert root.findtext("control/status") == "success"
    assert root.findtext("control/senderid") == client.server.sender_id
    assert root.findtext("control/controlid") == "request-1"
    assert root.findtext("control/uniqueid") == "false" and root.findtext("control/dtdversion") == "3.0"
    auth = root.find("operation/authentication")
    assert auth.findtext("userid") == client.server.user_id and auth.findtext("companyid") == client.company
    assert auth.findtext("sessiontimestamp") == clock.now.isoformat()


def test_control_children_out_of_order_fail_the_control_level_and_nothing_runs(client, server):
    """intacct-sdk-php src/Intacct/Xml/Request/ControlBlock.php::writeXml writes senderid, password, controlid,
    uniqueid, dtdversion[, policyid], includewhitespace in that order (the DTD's); developer.intacct.com/
    web-services/error-handling: a schema error is a control failure and no operation is executed."""
    control = (f"<control><password>{esc(server.sender_password)}</password><senderid>{server.sender_id}</senderid>"
               "<controlid>c1</controlid><uniqueid>false</uniqueid><dtdversion>3.0</dtdversion></control>")
    reply = client.post(client.envelope(fn("f1", CREATE_CUSTOMER), control=control))
    assert reply.control_status == "failure"
    assert reply.root.find("operation") is None
    assert reply.errors_at(".")[0][0] == "XL03000003"
    assert "ENV-1" not in _customers(server)


def test_dtdversion_other_than_3_0_is_refused_at_the_control_level(client, server):
    """intacct-sdk-php ControlBlock.php sets dtdversion 3.0 (setDtdVersion('3.0')); developer.intacct.com/
    web-services/requests: 3.0 is the version whose generic functions (create, query …) exist."""
    control = client.control().replace("<dtdversion>3.0</dtdversion>", "<dtdversion>2.1</dtdversion>")
    reply = client.post(client.envelope(fn("f1", CREATE_CUSTOMER), control=control))
    assert reply.control_status == "failure" and reply.errors_at(".")[0][0] == "XL03000003"
    assert "ENV-1" not in _customers(server)


def test_request_controlid_must_be_1_to_256_characters(client):
    """intacct-sdk-php ControlBlock.php::setControlId: 'Request Control ID must be between 1 and 256 characters
    in length'."""
    too_long = client.post(client.envelope(fn("f1", read_by_query("CUSTOMER")), control=client.control("x" * 257)))
    longest = client.post(client.envelope(fn("f1", read_by_query("CUSTOMER")), control=client.control("x" * 256)))
    empty = client.post(client.envelope(fn("f1", read_by_query("CUSTOMER")),
                                        control=client.control().replace(
                                            "<controlid>request-3</controlid>", "<controlid></controlid>")))
    assert too_long.control_status == "failure" and too_long.errors_at(".")[0][0] == "XL03000003"
    assert longest.control_status == "success" and longest.result().status == "success"
    assert empty.control_status == "failure"


def test_wrong_sender_password_is_a_control_failure_with_XL03000006(server):
    """intacct-sdk-php test/Intacct/Xml/AbstractResponseTest.php::testConstructControlFailure: a sender-level
    refusal is control status failure with errorno XL03000006 in errormessage directly under response."""
    client = Client(server, sender_password="not-the-sender-password")
    reply = client.call(fn("f1", CREATE_CUSTOMER))
    assert reply.control_status == "failure" and reply.root.find("operation") is None
    errorno, _, description2, _ = reply.errors_at(".")[0]
    assert errorno == "XL03000006" and description2
    assert "not-the-sender-password" not in reply.text
    assert "ENV-1" not in _customers(server)


def test_malformed_xml_is_a_control_failure_with_XL03000003(client):
    """developer.intacct.com/web-services/error-handling, "XML validation errors": control status failure,
    errorno XL03000003 'XML Parse schema error …'; the SDK's OnlineResponseTest::testResponseExceptionWithErrors
    shows the control block with empty senderid/controlid when the request could not be read."""
    reply = client.post(b"<request><control><senderid>x</senderid></request>")
    assert reply.status == 200 and reply.control_status == "failure"
    assert reply.root.findtext("control/senderid") == ""
    errorno, _, description2, _ = reply.errors_at(".")[0]
    assert errorno == "XL03000003" and description2.startswith("XML Parse schema error")


def test_entity_declarations_are_refused_not_expanded(client):
    """defusedxml (the brief: requests are parsed with it): a DTD with entities (billion laughs) is an XML error,
    answered like any malformed request (XL03000003 control failure)."""
    bomb = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
            b"<request>&b;</request>")
    reply = client.post(bomb)
    assert reply.control_status == "failure" and reply.errors_at(".")[0][0] == "XL03000003"


def test_content_type_must_be_xml(client):
    """developer.intacct.com/web-services ("Content-Type"): all data is sent as XML with Content-Type
    application/xml; JSON is not accepted. Least forgiving reading: any non-XML type is refused."""
    reply = client.post(client.envelope(fn("f1", read_by_query("CUSTOMER"))), content_type="application/json")
    assert reply.control_status == "failure" and reply.errors_at(".")[0][0] == "XL03000003"


def test_only_post_is_served(server):
    """developer.intacct.com/web-services ("Endpoint"): HTTP GET requests are not supported; use POST only."""
    response = requests.get(server.endpoint, timeout=5)
    assert response.status_code == 405 and "<response>" not in response.text


def test_a_function_without_controlid_fails_the_whole_request(client, server):
    """intacct-sdk-php src/Intacct/Functions/AbstractFunction.php always writes function/@controlid (1–256
    characters, setControlId); the DTD requires it, so its absence is a schema error at the control level."""
    reply = client.post(client.envelope(f"<function>{CREATE_CUSTOMER}</function>"))
    assert reply.control_status == "failure" and reply.root.find("operation") is None
    assert "ENV-1" not in _customers(server)


def test_an_unknown_function_element_fails_the_whole_request(client, server):
    """The DTD (Intacct/intacct_dtd, dtdversion 3.0) lists the function elements; an unknown one is a schema
    error, so no function of the request runs (developer.intacct.com/web-services/error-handling)."""
    reply = client.call(fn("f1", CREATE_CUSTOMER), fn("f2", "<frobnicate/>"))
    assert reply.control_status == "failure"
    assert "ENV-1" not in _customers(server)
