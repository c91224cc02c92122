"""The XML gateway: one request body in, one answer out — envelope, credentials, sessions, functions, limits.

The order of checks follows developer.intacct.com/web-services/error-handling ("Business logic errors": if
the error occurs at the control level no operations are executed; at the authentication level no function
calls are executed; at the content level only that function fails and the others can succeed):

1. the body must be well-formed XML (defusedxml) with the envelope the SDKs write (``Xml/RequestBlock``,
   ``Xml/Request/ControlBlock``, ``OperationBlock``, ``LoginAuthentication``, ``SessionAuthentication``):
   ``request/control(senderid, password, controlid 1–256 chars, uniqueid?, dtdversion 3.0, policyid?,
   includewhitespace?)`` in that order, then ``operation[@transaction]/(authentication, content/function+)``,
   and the legacy order-entry functions' elements in their DTD order; anything else is a control-level
   ``XL03000003`` schema error and nothing runs;
2. the sender ID and password (control level, ``XL03000006``);
3. the company credentials or the session (authentication level, ``XL03000006``), and the sender's
   authorisation for that company (developer.intacct.com/support/faq);
4. the company's request budget: more concurrent requests than ``max_concurrent`` or more than
   ``requests_per_minute`` → HTTP 429 with ``GW-0010`` (docs/intacct.md, "Throttling");
5. each function, in order, in its own savepoint; ``uniqueid`` (true when absent, developer.intacct.com/
   web-services/requests) refuses a function control ID that already executed and completed;
   ``transaction="true"`` rolls every function back when one fails: the failed one reports its error plus
   ``XL03000009``, the others ``aborted`` with ``XL03000009`` (``OnlineClientTest::
   testExecuteBatchTransactionResultException``); functions after the failure are not executed.

Sessions (developer.intacct.com/api/company-console/api-sessions): ``getAPISession`` (alone in its request)
returns a session ID, the company's own endpoint URL and the entity; session-authenticated requests are served
only at that endpoint; every answer's authentication block carries ``sessiontimestamp`` and ``sessiontimeout``
(now + the session duration, renewed by each call that uses the session).
"""

from __future__ import annotations

import secrets
import threading
import time
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from include.sandbox.common import check_count
from include.sandbox.intacct import errors
from include.sandbox.intacct.errors import IntacctError
from include.sandbox.intacct.functions import (
    HANDLERS,
    FunctionContext,
    ResultSet,
    legacy_schema_problem,
    metered_units,
)
from include.sandbox.intacct.store import CompanyStore
from include.sandbox.intacct.xmlio import Node, XMLInputError, parse, serialize

CONTROL_ORDER = ("senderid", "password", "controlid", "uniqueid", "dtdversion", "policyid", "includewhitespace")
CONTROL_REQUIRED = ("senderid", "password", "controlid", "dtdversion")
XML_CONTENT_TYPE = "text/xml; charset=UTF-8"
MAX_RESULT_SETS = 200


@dataclass
class Limits:
    max_concurrent: int = 2  # per company (third-party figure, unverified: docs/intacct.md)
    requests_per_minute: int = 0  # per company; 0 = no rate limit
    session_timeout_s: int = 3600  # the company's session duration

    def __post_init__(self) -> None:
        for name in ("max_concurrent", "requests_per_minute", "session_timeout_s"):
            check_count(name, getattr(self, name))
        if self.max_concurrent < 1 or self.session_timeout_s < 1:
            raise ValueError("max_concurrent and session_timeout_s must be at least 1")


@dataclass
class Session:
    sessionid: str
    companyid: str
    userid: str
    locationid: str | None
    expires_at: datetime


@dataclass
class Company:
    """One tenant: its data, its users, and what the gateway keeps for it."""

    store: CompanyStore
    users: dict[str, str]
    lock: threading.Lock = field(default_factory=threading.Lock)
    completed_controlids: set[str] = field(default_factory=set)
    result_sets: dict[str, ResultSet] = field(default_factory=dict)
    last_result_for_object: dict[str, str] = field(default_factory=dict)
    in_flight: int = 0
    recent: deque = field(default_factory=deque)
    meter: dict[str, int] = field(default_factory=lambda: {
        "api_transactions": 0, "requests": 0, "functions": 0, "throttled": 0})
    meter_by_function: dict[str, int] = field(default_factory=dict)


@dataclass
class Answer:
    status: int
    body: bytes
    content_type: str = XML_CONTENT_TYPE


class Throttled(Exception):
    pass


class Gateway:
    def __init__(self, companies: dict[str, Company], *, senders: dict[str, str],
                 authorized: dict[str, set[str]], limits: Limits, endpoint_url: Callable[[str], str],
                 clock: Callable[[], datetime] | None = None, monotonic: Callable[[], float] = time.monotonic,
                 session_expires_now: Callable[[], bool] = lambda: False,
                 login_failure: str = "http401") -> None:
        if login_failure not in ("http401", "operation"):
            raise ValueError("login_failure must be http401 or operation")
        self.login_failure = login_failure
        self.companies = companies
        self.senders = senders
        self.authorized = authorized
        self.limits = limits
        self.endpoint_url = endpoint_url  # companyid → the tenant endpoint URL getAPISession hands out
        self.clock = clock or (lambda: datetime.now(timezone.utc).replace(microsecond=0))
        self.monotonic = monotonic
        self.session_expires_now = session_expires_now
        self.sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    # -- sandbox controls ------------------------------------------------------------------------------------

    def expire_sessions(self, companyid: str | None = None) -> int:
        with self._lock:
            doomed = [s for s in self.sessions.values() if companyid in (None, s.companyid)]
            for session in doomed:
                del self.sessions[session.sessionid]
            return len(doomed)

    def open_sessions(self) -> int:
        now = self.clock()
        with self._lock:
            return sum(1 for s in self.sessions.values() if s.expires_at > now)

    # -- the request -----------------------------------------------------------------------------------------

    def handle(self, body: bytes, content_type: str, tenant: str | None,
               while_admitted: Callable[[], None] = lambda: None) -> Answer:
        """``tenant`` is the company of the tenant endpoint the request came to, None for the general one."""
        echo = {"senderid": "", "controlid": "", "uniqueid": "", "dtdversion": ""}
        try:
            if content_type.split(";")[0].strip().lower() not in ("application/xml", "text/xml"):
                raise errors.schema_error(f"Content-Type '{content_type}' is not XML; send application/xml")
            try:
                root = parse(body)
            except XMLInputError as error:
                raise errors.schema_error(str(error)) from None
            control, operation = self._envelope(root)
            echo = self._control(control)
            senderid, password = echo.pop("_senderid"), echo.pop("_password")
            known = self.senders.get(senderid)
            if known is None or not secrets.compare_digest(known.encode(), password.encode()):
                raise errors.sender_rejected()
        except errors.RequestRejected as rejected:
            return Answer(200, serialize(_control_failure(echo, rejected.error)))
        uniqueid = echo["uniqueid"] != "false"  # true when absent (developer.intacct.com/web-services/requests)
        return self._operation(operation, echo, senderid, tenant, uniqueid, while_admitted)

    @staticmethod
    def _envelope(root: ET.Element) -> tuple[ET.Element, ET.Element]:
        if root.tag != "request":
            raise errors.schema_error(f"the root element must be request, not {root.tag}")
        tags = [child.tag for child in root]
        if tags != ["control", "operation"]:
            raise errors.schema_error(f"request must hold control then one operation, got {tags}")
        return root[0], root[1]

    @staticmethod
    def _control(control: ET.Element) -> dict[str, str]:
        tags = [child.tag for child in control]
        position = -1
        for tag in tags:
            if tag not in CONTROL_ORDER:
                raise errors.schema_error(f"element {tag} is not allowed in control")
            index = CONTROL_ORDER.index(tag)
            if index <= position:
                raise errors.schema_error(f"control children must come in the order {', '.join(CONTROL_ORDER)}; "
                                          f"{tag} is out of place")
            position = index
        values = {child.tag: child.text or "" for child in control}
        echo = {"senderid": values.get("senderid", ""), "controlid": values.get("controlid", ""),
                "uniqueid": values.get("uniqueid", ""), "dtdversion": values.get("dtdversion", "")}
        for tag in CONTROL_REQUIRED:
            if tag not in values:
                raise errors.schema_error(f"control is missing its required element {tag}")
        if not 1 <= len(values["controlid"]) <= 256:
            raise errors.schema_error("controlid must be between 1 and 256 characters long")
        if values["dtdversion"] != "3.0":
            raise errors.schema_error(f"dtdversion '{values['dtdversion']}' is not served; use 3.0")
        for flag in ("uniqueid", "includewhitespace"):
            if flag in values and values[flag] not in ("true", "false"):
                raise errors.schema_error(f"{flag} must be true or false")
        echo["_senderid"], echo["_password"] = values["senderid"], values["password"]
        return echo

    def _operation(self, operation: ET.Element, echo: dict[str, str], senderid: str, tenant: str | None,
                   uniqueid: bool, while_admitted: Callable[[], None]) -> Answer:
        try:
            transaction_attr = operation.get("transaction", "false")
            if transaction_attr not in ("true", "false"):
                raise errors.schema_error("operation/@transaction must be true or false")
            tags = [child.tag for child in operation]
            if tags != ["authentication", "content"]:
                raise errors.schema_error(f"operation must hold authentication then content, got {tags}")
            functions = self._functions(operation[1])
            auth = operation[0]
            credentials = self._credentials(auth)
        except errors.RequestRejected as rejected:
            return Answer(200, serialize(_control_failure(echo, rejected.error)))
        ok_control = _control_node(echo, "success")
        try:
            identity = self._authenticate(credentials, senderid, tenant)
        except errors.AuthenticationFailed as failed:
            if failed.error == errors.SIGN_IN_INCORRECT and self.login_failure == "http401":
                return login_rejected_answer()
            response = Node("response").extend([ok_control])
            op = response.add("operation")
            op.kids.append(_auth_node("failure", credentials.get("userid", ""), credentials.get("companyid", ""),
                                      credentials.get("locationid", "")))
            op.kids.append(_errormessage([failed.error]))
            return Answer(200, serialize(response))
        companyid, userid, locationid, session = identity
        company = self.companies[companyid]
        try:
            self._admit(company)
        except Throttled:
            return throttled_answer()
        try:
            while_admitted()
            with company.lock:
                results = self._execute(company, functions, transaction_attr == "true", uniqueid,
                                        userid, locationid, companyid)
        finally:
            with self._lock:
                company.in_flight -= 1
        now = self.clock()
        timeout = now + timedelta(seconds=self.limits.session_timeout_s)
        if session is not None:
            with self._lock:
                session.expires_at = timeout  # sliding: every call pushes the timeout out again
        response = Node("response").extend([ok_control])
        op = response.add("operation")
        op.kids.append(_auth_node("success", userid, companyid, locationid or "", now, timeout))
        op.extend(results)
        return Answer(200, serialize(response))

    @staticmethod
    def _functions(content: ET.Element) -> list[tuple[str, str, ET.Element]]:
        functions = []
        for element in content:
            if element.tag != "function":
                raise errors.schema_error(f"content holds function elements, not {element.tag}")
            controlid = element.get("controlid")
            if controlid is None or not 1 <= len(controlid) <= 256:
                raise errors.schema_error("every function needs a controlid attribute of 1 to 256 characters")
            inner = list(element)
            if len(inner) != 1:
                raise errors.schema_error(f"function {controlid} must hold exactly one function element")
            if inner[0].tag not in HANDLERS:
                raise errors.schema_error(f"element {inner[0].tag} is not a function served by this gateway")
            problem = legacy_schema_problem(inner[0].tag, inner[0])
            if problem:
                raise errors.schema_error(f"function {controlid}: {problem}")
            functions.append((inner[0].tag, controlid, inner[0]))
        if not functions:
            raise errors.schema_error("content must hold at least one function")
        return functions

    @staticmethod
    def _credentials(auth: ET.Element) -> dict[str, str]:
        inner = list(auth)
        if len(inner) != 1 or inner[0].tag not in ("login", "sessionid"):
            raise errors.schema_error("authentication holds either login or sessionid")
        if inner[0].tag == "sessionid":
            return {"sessionid": inner[0].text or ""}
        tags = [c.tag for c in inner[0]]
        if tags not in (["userid", "companyid", "password"], ["userid", "companyid", "password", "locationid"]):
            raise errors.schema_error(f"login holds userid, companyid, password[, locationid], got {tags}")
        values = {c.tag: c.text or "" for c in inner[0]}
        return values

    def _authenticate(self, credentials: dict[str, str], senderid: str,
                      tenant: str | None) -> tuple[str, str, str | None, Session | None]:
        if "sessionid" in credentials:
            with self._lock:
                session = self.sessions.get(credentials["sessionid"])
                if session is not None and (session.expires_at <= self.clock() or self.session_expires_now()):
                    del self.sessions[session.sessionid]
                    session = None
            if session is None:
                raise errors.invalid_session()
            if tenant != session.companyid:
                raise errors.invalid_session(
                    "Invalid session: a session is served only at the endpoint getAPISession returned")
            if session.companyid not in self.authorized.get(senderid, set()):
                raise errors.sender_not_authorized(senderid, session.companyid)
            return session.companyid, session.userid, session.locationid, session
        companyid = credentials["companyid"]
        company = self.companies.get(companyid)
        password = company.users.get(credentials["userid"]) if company else None
        if password is None or not secrets.compare_digest(password.encode(), credentials["password"].encode()):
            raise errors.sign_in_incorrect()
        if tenant is not None and tenant != companyid:
            raise errors.sign_in_incorrect()
        if companyid not in self.authorized.get(senderid, set()):
            raise errors.sender_not_authorized(senderid, companyid)
        locationid = credentials.get("locationid") or None
        if locationid and company.store.by_id("LOCATION", locationid) is None:
            raise errors.sign_in_incorrect()
        return companyid, credentials["userid"], locationid, None

    def _admit(self, company: Company) -> None:
        now = self.monotonic()
        with self._lock:
            company.meter["requests"] += 1
            recent = company.recent
            while recent and recent[0] <= now - 60:
                recent.popleft()
            over_rate = self.limits.requests_per_minute and len(recent) >= self.limits.requests_per_minute
            if company.in_flight >= self.limits.max_concurrent or over_rate:
                company.meter["throttled"] += 1
                raise Throttled
            recent.append(now)
            company.in_flight += 1

    def _new_session(self, companyid: str, userid: str, locationid: str | None) -> tuple[str, str, str]:
        sessionid = secrets.token_urlsafe(24) + ".."
        now = self.clock()
        expires = now + timedelta(seconds=self.limits.session_timeout_s)
        with self._lock:
            for stale in [s.sessionid for s in self.sessions.values() if s.expires_at <= now]:
                del self.sessions[stale]  # an expired session can never come back: forget it
            self.sessions[sessionid] = Session(sessionid, companyid, userid, locationid, expires)
        return sessionid, self.endpoint_url(companyid), locationid or ""

    def _execute(self, company: Company, functions: list[tuple[str, str, ET.Element]], transaction: bool,
                 uniqueid: bool, userid: str, locationid: str | None, companyid: str) -> list[Node]:
        store = company.store

        def new_session(requested: str | None) -> tuple[str, str, str]:
            entity = locationid if requested is None else (requested or None)
            return self._new_session(companyid, userid, entity)

        context = FunctionContext(store, locationid, company.result_sets, new_session,
                                  company.last_result_for_object)
        operation_mark = store.savepoint()
        outcomes: list[dict[str, Any]] = []
        failed = False
        for name, controlid, element in functions:
            outcome: dict[str, Any] = {"name": name, "controlid": controlid, "payload": [], "errors": []}
            outcomes.append(outcome)
            if transaction and failed:
                outcome["status"] = "aborted"  # not executed: the transaction is already lost
                continue
            units = metered_units(name, element)
            company.meter["api_transactions"] += units
            company.meter["functions"] += 1
            company.meter_by_function[name] = company.meter_by_function.get(name, 0) + units
            mark = store.savepoint()
            try:
                if name == "getAPISession" and len(functions) > 1:
                    raise errors.business("getAPISession must be alone in its request.",
                                          "Send getAPISession in a request of its own.")
                if uniqueid and controlid in company.completed_controlids:
                    raise errors.duplicate_control_id(controlid)
                outcome["payload"] = HANDLERS[name](element, context)
                outcome["status"] = "success"
            except errors.FunctionFailed as failure:
                store.rollback(mark)
                outcome["status"], outcome["errors"] = "failure", list(failure.errors)
                failed = True
        if transaction and failed:
            store.rollback(operation_mark)
            for outcome in outcomes:
                if outcome["status"] == "failure":
                    outcome["errors"].append(errors.ROLLED_BACK)
                else:
                    outcome["status"], outcome["payload"], outcome["errors"] = "aborted", [], [errors.ROLLED_BACK]
        else:
            company.completed_controlids.update(o["controlid"] for o in outcomes if o["status"] == "success"
                                                and o["name"] != "getAPISession")
        store.forget()
        while len(company.result_sets) > MAX_RESULT_SETS:
            company.result_sets.pop(next(iter(company.result_sets)))
        return [_result_node(o) for o in outcomes]


# -- response pieces ------------------------------------------------------------------------------------------

def _control_node(echo: dict[str, str], status: str) -> Node:
    control = Node("control")
    control.add("status", status)
    for name in ("senderid", "controlid", "uniqueid", "dtdversion"):
        control.add(name, echo.get(name, ""))
    return control


def _errormessage(errs: list[IntacctError]) -> Node:
    message = Node("errormessage")
    for error in errs:
        node = message.add("error")
        node.add("errorno", error.errorno)
        node.add("description", error.description)
        node.add("description2", error.description2)
        node.add("correction", error.correction)
    return message


def _control_failure(echo: dict[str, str], error: IntacctError) -> Node:
    return Node("response").extend([_control_node(echo, "failure"), _errormessage([error])])


def _auth_node(status: str, userid: str, companyid: str, locationid: str, timestamp: datetime | None = None,
               timeout: datetime | None = None) -> Node:
    auth = Node("authentication")
    auth.add("status", status)
    auth.add("userid", userid)
    auth.add("companyid", companyid)
    auth.add("locationid", locationid)
    if timestamp is not None and timeout is not None:
        auth.add("sessiontimestamp", timestamp.isoformat(timespec="seconds"))
        auth.add("sessiontimeout", timeout.isoformat(timespec="seconds"))
    return auth


def _result_node(outcome: dict[str, Any]) -> Node:
    result = Node("result")
    result.add("status", outcome["status"])
    result.add("function", outcome["name"])
    result.add("controlid", outcome["controlid"])
    if outcome["errors"]:
        result.kids.append(_errormessage(outcome["errors"]))
    result.extend(outcome["payload"])
    return result


def login_rejected_answer() -> Answer:
    """HTTP 401 with a bare control failure ``XMLGW_JPP0002`` (intacct-sdk-net
    ``Xml/RequestHandlerTest::Mock400LevelErrorWithXmlResponseTest``: wrong company, user or password)."""
    response = Node("response")
    response.add("control").add("status", "failure")
    response.add("errormessage").add("error").extend([
        Node("errorno", "XMLGW_JPP0002"),
        Node("description", "Sign-in information is incorrect. Please check your request.")])
    return Answer(401, serialize(response))


def throttled_answer() -> Answer:
    """HTTP 429 with a ``GW-0010`` gateway error (developer.intacct.com/web-services/error-handling)."""
    error = errors.throttled()
    response = Node("response")
    response.add("control").add("status", "failure")
    response.add("errormessage").add("error").extend([Node("errorno", error.errorno),
                                                      Node("description", error.description)])
    return Answer(429, serialize(response))
