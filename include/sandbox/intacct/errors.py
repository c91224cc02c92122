"""Intacct's error shapes: ``errormessage/error(errorno, description, description2, correction)``.

Where an error number is Intacct's own (seen in the SDKs' response fixtures or on developer.intacct.com) it is
used with its own text; the others are the emulator's choice and listed in docs/intacct.md ("unverified"):

- ``XL03000003`` XML parse/schema error, control level (developer.intacct.com/web-services/error-handling).
- ``XL03000006`` sign-in failures: wrong sender credentials (control level, as the SDK's
  ``AbstractResponseTest::testConstructControlFailure``), wrong company credentials ("Sign-in information is
  incorrect", ``OnlineResponseTest::testAuthenticationFailure``), a sender not authorised for the company
  ("Invalid Web Services Authorization", developer.intacct.com/support/faq).
- ``XL03000009`` "The entire transaction in this operation has been rolled back due to an error."
  (``ResultTest::testStatusAbort``, ``OnlineClientTest::testExecuteBatchTransactionResultException``).
- ``Query Failed`` / "Object definition X not found" (``ResultTest::testGetErrors``).
- ``XMLGW_JPP0002`` "Sign-in information is incorrect. Please check your request." with HTTP 401, control level
  (intacct-sdk-net ``Xml/RequestHandlerTest::Mock400LevelErrorWithXmlResponseTest``).
- ``GW-0010`` throttling, ``GW-0011`` invalid request (developer.intacct.com/web-services/error-handling).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IntacctError:
    errorno: str
    description: str = ""
    description2: str = ""
    correction: str = ""


class FunctionFailed(Exception):
    """A function's failure: its result gets ``status`` failure and these errors; other functions still run."""

    def __init__(self, *errors: IntacctError) -> None:
        super().__init__("; ".join(f"{e.errorno} {e.description2}" for e in errors))
        self.errors = errors


class RequestRejected(Exception):
    """A control-level failure: the response has only the control block and its errormessage; nothing ran."""

    def __init__(self, error: IntacctError) -> None:
        super().__init__(f"{error.errorno} {error.description2}")
        self.error = error


class AuthenticationFailed(Exception):
    """An authentication-level failure: the operation's errormessage, no result, no function ran."""

    def __init__(self, error: IntacctError) -> None:
        super().__init__(f"{error.errorno} {error.description2}")
        self.error = error


ROLLED_BACK = IntacctError(
    "XL03000009", "", "The entire transaction in this operation has been rolled back due to an error.", "")


def schema_error(detail: str) -> RequestRejected:
    return RequestRejected(IntacctError("XL03000003", "", f"XML Parse schema error: {detail}", ""))


def sender_rejected() -> RequestRejected:
    return RequestRejected(IntacctError(
        "XL03000006", "Invalid Web Services Authorization",
        "The Web Services sender ID or password is incorrect.",
        "Check the sender ID and sender password of your Web Services developer license."))


SIGN_IN_INCORRECT = IntacctError("XL03000006", "", "Sign-in information is incorrect", "")


def sign_in_incorrect() -> AuthenticationFailed:
    return AuthenticationFailed(SIGN_IN_INCORRECT)


def sender_not_authorized(senderid: str, companyid: str) -> AuthenticationFailed:
    return AuthenticationFailed(IntacctError(
        "XL03000006", "Invalid Web Services Authorization",
        f"The sender ID '{senderid}' is not authorized to make Web Services requests to company ID '{companyid}'.",
        "Contact the company administrator to grant Web Services authorization to this sender ID."))


def invalid_session(detail: str = "Invalid session") -> AuthenticationFailed:
    return AuthenticationFailed(IntacctError("XL03000006", "", detail, "Get a new session with getAPISession."))


def query_failed(detail: str) -> FunctionFailed:
    return FunctionFailed(IntacctError("Query Failed", "", detail, ""))


def object_not_found(object_name: str) -> FunctionFailed:
    return query_failed(f"Object definition {object_name} not found")


def business(detail: str, correction: str = "", description: str = "") -> FunctionFailed:
    """A business-rule refusal (the errorno of "Could not create/update record" failures in OE and AR)."""
    return FunctionFailed(IntacctError("BL01001973", description, detail, correction))


def duplicate_control_id(controlid: str) -> FunctionFailed:
    # Unverified errorno and text (no public fixture shows this refusal): docs/intacct.md.
    return FunctionFailed(IntacctError(
        "XL03000011", "Duplicate control ID",
        f"A function with control ID '{controlid}' was already executed and completed; uniqueid is true, "
        "so it is not executed again.",
        "Read the record the first execution created, or send a new control ID to execute a new function."))


def throttled() -> IntacctError:
    return IntacctError("GW-0010", "Too many requests: the rate limit for this company has been reached. "
                        "Retry later with backoff.")
