"""Failure classification: each Intacct failure level maps to one class of storesync's error taxonomy."""

from __future__ import annotations

import pytest

from storesync.hooks.errors import PermanentRunError, RateLimited, TransientError
from storesync.systems.intacct.classify import (
    AuthenticationRejected,
    classify_answer,
    is_duplicate,
    is_rolled_back_only,
)
from storesync.systems.intacct.wire import ErrorDetail

XML = "text/xml; charset=UTF-8"
GW_0010 = (b"<response><control><status>failure</status></control><errormessage><error><errorno>GW-0010</errorno>"
           b"<description>Too many requests</description></error></errormessage></response>")


def _classify(status: int, body: bytes, content_type: str = XML):
    return classify_answer(status, content_type, body, what="test request")


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_gateway_fault_without_xml_is_transient(status):
    """developer.intacct.com/web-services/error-handling "Mid-process failures": no XML, an HTTP error code."""
    with pytest.raises(TransientError) as raised:
        _classify(status, b"<html><body>Bad Gateway</body></html>", "text/html")
    assert not isinstance(raised.value, RateLimited) and raised.value.status == status


def test_a_524_is_transient_because_every_write_is_keyed_and_a_resend_is_refused_as_a_duplicate():
    """intacct-sdk-php RequestConfig::$noRetryServerErrorCodes = [524]: the work may have gone through."""
    with pytest.raises(TransientError):
        _classify(524, b"", "text/html")


@pytest.mark.parametrize("content_type", [XML, "text/html"])
def test_http_429_is_rate_limited_with_or_without_its_gw_0010_body(content_type):
    """developer.intacct.com/web-services/error-handling "429 errors (GW-0010)"."""
    with pytest.raises(RateLimited):
        _classify(429, GW_0010, content_type)


def test_gw_0010_in_a_control_block_is_rate_limited_whatever_the_status():
    with pytest.raises(RateLimited):
        _classify(200, GW_0010)


@pytest.mark.parametrize("status", [404, 405, 400])
def test_a_client_error_without_xml_fails_the_run(status):
    with pytest.raises(PermanentRunError):
        _classify(status, b"Not Found", "text/plain")


def test_wrong_company_credentials_answered_401_with_xml_fail_the_run():
    """intacct-sdk-net RequestHandlerTest::Mock400LevelErrorWithXmlResponseTest: HTTP 401, control failure
    XMLGW_JPP0002; the SDK reads an XML error body as an answer (Xml/RequestHandler.php)."""
    body = (b"<response><control><status>failure</status></control><errormessage><error><errorno>XMLGW_JPP0002"
            b"</errorno><description>Sign-in information is incorrect. Please check your request.</description>"
            b"</error></errormessage></response>")
    with pytest.raises(PermanentRunError, match="XMLGW_JPP0002") as raised:
        _classify(401, body)
    assert not isinstance(raised.value, AuthenticationRejected)


def test_a_control_level_schema_error_fails_the_run():
    body = (b"<response><control><status>failure</status></control><errormessage><error><errorno>XL03000003"
            b"</errorno><description2>XML Parse schema error</description2></error></errormessage></response>")
    with pytest.raises(PermanentRunError, match="XL03000003"):
        _classify(200, body)


def test_an_authentication_failure_is_its_own_class_so_the_client_can_renew_a_session():
    """intacct-sdk-php OnlineResponseTest::testAuthenticationFailure: operation/authentication failure,
    operation/errormessage, no result."""
    body = (b"<response><control><status>success</status></control><operation><authentication><status>failure"
            b"</status></authentication><errormessage><error><errorno>XL03000006</errorno><description2>Invalid "
            b"session</description2></error></errormessage></operation></response>")
    with pytest.raises(AuthenticationRejected) as raised:
        _classify(200, body)
    assert isinstance(raised.value, PermanentRunError) and raised.value.errors[0].errorno == "XL03000006"


def test_a_garbled_answer_is_transient():
    with pytest.raises(TransientError):
        _classify(200, b"<response><control><status>succ")


def test_function_failures_are_left_in_the_answer():
    body = (b"<response><control><status>success</status></control><operation><authentication><status>success"
            b"</status></authentication><result><status>failure</status><function>create</function><controlid>c"
            b"</controlid><errormessage><error><errorno>BL01001973</errorno></error></errormessage></result>"
            b"</operation></response>")
    assert _classify(200, body).results[0].errors[0].errorno == "BL01001973"


def test_a_refused_repeat_of_a_control_id_is_recognised_by_number_or_by_text():
    assert is_duplicate((ErrorDetail("XL03000011", "Duplicate control ID"),))
    assert is_duplicate((ErrorDetail("XL99", "", "A function with control ID 'x' was already executed"),))
    assert not is_duplicate((ErrorDetail("BL01001973", "", "Item X is not valid"),))


def test_only_a_rolled_back_notice_means_another_function_failed():
    rolled = ErrorDetail("XL03000009", "", "The entire transaction in this operation has been rolled back")
    assert is_rolled_back_only((rolled,))
    assert not is_rolled_back_only((ErrorDetail("BL01001973"), rolled))
    assert not is_rolled_back_only(())
