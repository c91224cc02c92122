"""Every Intacct failure mapped to storesync's error taxonomy, in this one place.

Intacct fails at four levels (developer.intacct.com/web-services/error-handling; docs/intacct.md "Failure
layers"):

- **transport**: no XML answer. A connection reset, a timeout, or a gateway fault answered 5xx with an HTML
  body ("Mid-process failures") → :class:`TransientError`. That includes 524 (the gateway gave up while the
  work went on): intacct-sdk-php never retries 524 (``RequestConfig::$noRetryServerErrorCodes``) because a
  blind resend could post twice; our writes carry stable control IDs under ``uniqueid`` so a resend is
  refused as a duplicate and looked up, which makes the retry safe. HTTP 429 (``GW-0010``, with or without
  XML) → :class:`RateLimited`; Intacct documents no Retry-After, so the wait is the client's backoff. Any other
  4xx without XML (a wrong URL: 404, 405) → :class:`PermanentRunError`. A 4xx/5xx that *does* carry XML is
  read as an answer, as the SDK's ``xml_and_http_errors`` middleware does (``Xml/RequestHandler.php``).
- **control** (``response/errormessage``; nothing ran): ``GW-0010`` → rate limited; everything else — wrong
  sender or company credentials (``XL03000006``, HTTP 401 ``XMLGW_JPP0002``), schema errors (``XL03000003``,
  our request is wrong) → :class:`PermanentRunError`: no retry can fix it.
- **authentication** (``operation/errormessage``; no function ran) → :class:`AuthenticationRejected`, a
  :class:`PermanentRunError`: with a session the client renews it once and resends (a session times out,
  api-sessions "Session Lifespan / Timeout"); with a login it is bad credentials or a sender not authorised.
- **function** (``result/errormessage``): that function alone failed; the answer is returned, each outcome
  with its errors, for the caller to send that record to the DLQ (:func:`is_duplicate` spots a repeated
  control ID).

Messages carry Intacct's error numbers and texts and never a request body (it holds the passwords).
"""

from __future__ import annotations

from storesync.hooks.errors import PermanentRunError, RateLimited, TransientError
from storesync.systems.intacct.wire import ErrorDetail, MalformedAnswer, Response, parse_response

THROTTLED = "GW-0010"  # developer.intacct.com/web-services/error-handling "429 errors (GW-0010)"
#: The emulator's errorno for a refused repeat (Intacct publishes none: docs/intacct.md "Unverified items").
DUPLICATE_CONTROL_ID = "XL03000011"
#: A function not run (or undone) because another function of its transaction failed (ResultTest::testStatusAbort).
ROLLED_BACK = "XL03000009"


class AuthenticationRejected(PermanentRunError):
    """The operation's authentication failed: no function ran. Renewable when a session was used."""

    def __init__(self, message: str, *, errors: tuple[ErrorDetail, ...]) -> None:
        super().__init__(message)
        self.errors = errors


def describe(errors: tuple[ErrorDetail, ...]) -> str:
    return "; ".join(str(e) for e in errors) or "no error detail"


def _is_xml(content_type: str) -> bool:
    value = content_type.strip().lower()
    return value.startswith("text/xml") or value.startswith("application/xml")


def classify_answer(status: int, content_type: str, body: bytes, *, what: str) -> Response:
    """The parsed answer of one HTTP exchange, or the classified error it means.

    A throttled answer raises :class:`RateLimited` with no wait of its own (Intacct sends none): the client
    sets its backoff on it. Authentication failures are raised as :class:`AuthenticationRejected`; function
    failures are left in the returned response.
    """
    if status == 429:
        raise _throttled(what)
    if status >= 400 and not _is_xml(content_type):
        if status >= 500 or status == 408:
            raise _with_status(TransientError(f"{what}: Intacct gateway answered HTTP {status} without XML"), status)
        raise _with_status(PermanentRunError(f"{what}: Intacct gateway answered HTTP {status}"), status)
    try:
        response = parse_response(body, http_status=status)
    except MalformedAnswer as error:
        # A truncated or garbled answer most likely broke in transit; what ran is unknown, and a resend is
        # safe (writes carry stable control IDs), so it is worth another attempt.
        raise _with_status(TransientError(f"{what}: HTTP {status}, {error}"), status) from None
    if response.control_status != "success":
        numbers = {e.errorno for e in response.control_errors}
        if THROTTLED in numbers:
            raise _throttled(what)
        raise _with_status(PermanentRunError(
            f"{what}: Intacct refused the request (control level, HTTP {status}): "
            f"{describe(response.control_errors)}"), status)
    if response.auth_status is not None and response.auth_status != "success":
        raise _with_status(AuthenticationRejected(
            f"{what}: Intacct refused the authentication: {describe(response.auth_errors)}",
            errors=response.auth_errors), status)
    if response.auth_status is None:
        raise _with_status(TransientError(f"{what}: the answer has no operation block"), status)
    return response


def is_duplicate(errors: tuple[ErrorDetail, ...]) -> bool:
    """A refusal of a function control ID that already ran (``uniqueid`` true).

    Intacct publishes no errorno for it; the emulator's is ``XL03000011``. Any text that says so counts too,
    but a caller must not rely on this alone: a failed keyed create is always looked up (client.create_once).
    """
    for error in errors:
        text = f"{error.description} {error.description2}".lower()
        if error.errorno == DUPLICATE_CONTROL_ID or ("control id" in text and ("duplicate" in text
                                                                              or "already" in text)):
            return True
    return False


def is_rolled_back_only(errors: tuple[ErrorDetail, ...]) -> bool:
    """Aborted because *another* function of its transaction failed: not this record's fault."""
    return bool(errors) and all(e.errorno == ROLLED_BACK for e in errors)


def _throttled(what: str) -> RateLimited:
    return _with_status(RateLimited(f"{what}: Intacct throttled the request ({THROTTLED})", retry_after=0.0), 429)


def _with_status(error, status: int):
    error.status = status
    return error
