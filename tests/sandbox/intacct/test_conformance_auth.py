"""The authentication level: company credentials, API sessions, the tenant endpoint, sliding timeouts."""

from __future__ import annotations

from datetime import timedelta

from include.sandbox.intacct import Faults, IntacctServer, Limits
from tests.sandbox.intacct.api import Client, FakeClock, fn, read_by_query

CREATE = "<create><CUSTOMER><CUSTOMERID>AUTH-1</CUSTOMERID><NAME>Auth Test</NAME></CUSTOMER></create>"


def test_wrong_company_password_is_http_401_with_a_control_failure(server):
    """intacct-sdk-net Intacct.SDK.Tests/Xml/RequestHandlerTest.cs::Mock400LevelErrorWithXmlResponseTest: bad
    company, user or password → HTTP 401 with an XML body: control status failure, errorno XMLGW_JPP0002
    'Sign-in information is incorrect. Please check your request.' (the SDKs parse 4xx bodies that are XML).
    Nothing runs."""
    reply = Client(server, user_password="wrong").call(fn("f1", CREATE))
    assert reply.status == 401 and reply.control_status == "failure" and reply.root.find("operation") is None
    errorno, description, _, _ = reply.errors_at(".")[0]
    assert (errorno, description) == ("XMLGW_JPP0002", "Sign-in information is incorrect. Please check your request.")
    assert not any(c["CUSTOMERID"] == "AUTH-1" for c in server.records("CUSTOMER"))


def test_wrong_company_password_under_operation_in_the_older_gateway_style():
    """intacct-sdk-php test/Intacct/Xml/OnlineResponseTest.php::testAuthenticationFailure: control success,
    operation/authentication status failure, operation/errormessage XL03000006 'Sign-in information is
    incorrect', no result; developer.intacct.com/web-services/error-handling: no function call is executed.
    (IntacctServer(login_failure="operation"); a client must handle both shapes.)"""
    with IntacctServer(items=1, customers=1, login_failure="operation") as server:
        reply = Client(server, user_password="wrong").call(fn("f1", CREATE))
        assert not any(c["CUSTOMERID"] == "AUTH-1" for c in server.records("CUSTOMER"))
    assert reply.status == 200 and reply.control_status == "success" and reply.auth_status == "failure"
    assert reply.results == []
    assert reply.errors_at("operation") == [("XL03000006", "", "Sign-in information is incorrect", "")]


def test_a_sender_not_authorized_for_the_company_fails_at_the_authentication_level():
    """developer.intacct.com/support/faq ("invalid Web Services authorization"): control success,
    authentication failure, XL03000006 'Invalid Web Services Authorization' with description2 naming the sender
    and the company and a correction."""
    with IntacctServer(items=1, customers=1, companies=("main-co",), unauthorized_companies=("other-co",)) as server:
        reply = Client(server, company="other-co").call(fn("f1", read_by_query("CUSTOMER")))
    assert reply.control_status == "success" and reply.auth_status == "failure" and reply.results == []
    errorno, description, description2, correction = reply.errors_at("operation")[0]
    assert (errorno, description) == ("XL03000006", "Invalid Web Services Authorization")
    assert "'storesync'" in description2 and "'other-co'" in description2 and correction


def test_getAPISession_returns_a_session_and_the_company_endpoint_to_switch_to(client, server):
    """intacct-sdk-php src/Intacct/SessionProvider.php reads data/api/sessionid, endpoint and locationid and
    makes the endpoint the client's endpoint URL (test/Intacct/SessionProviderTest.php: the endpoint differs
    from the one the request went to); developer.intacct.com/api/company-console/api-sessions."""
    reply = client.open_session()
    result = reply.result()
    assert (result.status, result.function, result.controlid) == ("success", "getAPISession", "session")
    api = result.data.find("api")
    assert [c.tag for c in api] == ["sessionid", "endpoint", "locationid"]
    assert api.findtext("sessionid") and api.findtext("locationid") == ""
    assert api.findtext("endpoint") == server.tenant_endpoint(client.company) != server.endpoint


def test_a_session_is_served_at_its_endpoint_and_refused_at_the_general_one(client, server):
    """SessionProvider.php switches the client to the endpoint getAPISession returned before any
    session-authenticated request; least forgiving emulation (docs/intacct.md): the general endpoint refuses the
    session at the authentication level, the company's endpoint serves it."""
    client.open_session()
    general = client.call(fn("f1", read_by_query("CUSTOMER")), session=True, url=server.endpoint)
    tenant = client.call(fn("f1", read_by_query("CUSTOMER")), session=True)
    assert general.auth_status == "failure" and general.results == []
    assert general.errors_at("operation")[0][0] == "XL03000006"
    assert tenant.auth_status == "success" and tenant.result().status == "success"


def test_sessiontimeout_slides_with_each_call_and_an_idle_session_expires(server, client, clock):
    """developer.intacct.com/api/company-console/api-sessions ("Session Lifespan / Timeout"): the timeout is the
    session duration plus the current time; a call before it resets it to now plus the duration; once reached,
    the session is gone (the SDK's Authentication.php reads sessiontimeout from every answer)."""
    duration = server.limits.session_timeout_s
    client.open_session()
    clock.advance(duration - 1)
    first = client.call(fn("f1", read_by_query("CUSTOMER", pagesize=1)), session=True)
    assert first.auth_status == "success"
    assert first.root.findtext("operation/authentication/sessiontimeout") == (
        clock.now + timedelta(seconds=duration)).isoformat()
    clock.advance(duration - 1)  # beyond the first timeout, within the renewed one
    assert client.call(fn("f1", read_by_query("CUSTOMER", pagesize=1)), session=True).auth_status == "success"
    clock.advance(duration)
    expired = client.call(fn("f1", read_by_query("CUSTOMER", pagesize=1)), session=True)
    assert expired.auth_status == "failure" and expired.errors_at("operation")[0][0] == "XL03000006"


def test_getAPISession_with_a_locationid_opens_an_entity_session(client):
    """intacct-sdk-php test/Intacct/Functions/Company/ApiSessionCreateTest.php::testWriteXmlWithLocationId and
    developer.intacct.com api-sessions: getAPISession/locationid gives an entity-level session whose answers
    name the entity."""
    reply = client.open_session("100")
    assert reply.result().data.findtext("api/locationid") == "100"
    within = client.call(fn("f1", read_by_query("CUSTOMER", pagesize=1)), session=True)
    assert within.root.findtext("operation/authentication/locationid") == "100"


def test_getAPISession_must_be_alone_in_its_request(client):
    """developer.intacct.com/api/company-console/api-sessions: 'You should always isolate getAPISession in a
    single request'. Least forgiving emulation: mixed in, it fails (its result only); the other function runs."""
    reply = client.call(fn("s", "<getAPISession/>"), fn("q", read_by_query("CUSTOMER", pagesize=1)))
    assert [r.status for r in reply.results] == ["failure", "success"]
    assert reply.result(0).data is None


def test_login_with_an_unknown_entity_fails_authentication(server):
    """intacct-sdk-php src/Intacct/Xml/Request/LoginAuthentication.php writes login/locationid for an entity;
    an entity the company does not have cannot sign in."""
    reply = Client(server, locationid="999").call(fn("f1", read_by_query("CUSTOMER")))
    assert reply.status == 401 and reply.control_status == "failure" and reply.results == []


def test_the_session_expiry_knob_ends_sessions_mid_run():
    """Fault knob (include/sandbox/intacct/faults.py, expire_session_after): the N-th session request finds
    its session expired, as when the session duration is reached; the client gets a new one and goes on."""
    clock = FakeClock()
    with IntacctServer(items=1, customers=1, clock=clock, faults=Faults(expire_session_after=2),
                       limits=Limits(session_timeout_s=3600)) as server:
        client = Client(server)
        client.open_session()
        assert client.call(fn("a", read_by_query("CUSTOMER")), session=True).auth_status == "success"
        assert client.call(fn("b", read_by_query("CUSTOMER")), session=True).auth_status == "failure"
        client.open_session()
        assert client.call(fn("c", read_by_query("CUSTOMER")), session=True).auth_status == "success"
        server.expire_sessions()
        assert client.call(fn("d", read_by_query("CUSTOMER")), session=True).auth_status == "failure"
