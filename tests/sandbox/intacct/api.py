"""A raw client for the Intacct emulator's tests: XML envelopes built by hand, answers parsed with defusedxml.

The envelopes are written the way the SDKs write them (intacct-sdk-php ``Xml/RequestBlock``,
``Xml/Request/ControlBlock``, ``OperationBlock``, ``LoginAuthentication``, ``SessionAuthentication``), so the
tests exercise the emulator exactly as a client would, never through its Python internals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
import xml.etree.ElementTree as ET

import defusedxml.ElementTree as SafeET
import requests


def esc(text: str) -> str:
    """Escape text for an XML element (a CR as a character reference, so that it survives parsing)."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            .replace("\r", "&#13;"))


class FakeClock:
    """UTC time the test moves by hand (session timeouts, WHENMODIFIED stamps)."""

    def __init__(self, start: datetime = datetime(2026, 12, 7, 10, 0, 0, tzinfo=timezone.utc)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def fn(controlid: str, inner: str) -> str:
    return f'<function controlid="{esc(controlid)}">{inner}</function>'


@dataclass
class Result:
    status: str
    function: str
    controlid: str
    errors: list[tuple[str, str, str, str]]
    element: ET.Element

    @property
    def data(self) -> ET.Element | None:
        return self.element.find("data")

    @property
    def key(self) -> str | None:
        found = self.element.find("key")
        return None if found is None else found.text

    def rows(self) -> list[ET.Element]:
        return [] if self.data is None else list(self.data)

    def values(self, name: str) -> list[str]:
        return [row.findtext(name) for row in self.rows()]


@dataclass
class Reply:
    status: int
    headers: dict
    text: str
    root: ET.Element | None = None
    results: list[Result] = field(default_factory=list)

    @property
    def control_status(self) -> str | None:
        return None if self.root is None else self.root.findtext("control/status")

    @property
    def auth_status(self) -> str | None:
        return None if self.root is None else self.root.findtext("operation/authentication/status")

    def errors_at(self, path: str) -> list[tuple[str, str, str, str]]:
        return [] if self.root is None else [_error(e) for e in self.root.findall(f"{path}/errormessage/error")]

    def result(self, index: int = 0) -> Result:
        return self.results[index]


def _error(element: ET.Element) -> tuple[str, str, str, str]:
    return tuple(element.findtext(name) or "" for name in ("errorno", "description", "description2", "correction"))


def parse_reply(response: requests.Response) -> Reply:
    reply = Reply(response.status_code, dict(response.headers), response.text)
    if response.headers.get("Content-Type", "").startswith("text/xml"):
        reply.root = SafeET.fromstring(response.content)
        for element in reply.root.findall("operation/result"):
            reply.results.append(Result(element.findtext("status"), element.findtext("function"),
                                        element.findtext("controlid"),
                                        [_error(e) for e in element.findall("errormessage/error")], element))
    return reply


class Client:
    def __init__(self, server, *, sender_password: str | None = None, user_password: str | None = None,
                 company: str | None = None, locationid: str | None = None) -> None:
        self.server = server
        self.http = requests.Session()
        self.sender_password = sender_password or server.sender_password
        self.user_password = user_password or server.user_password
        self.company = company or next(iter(server.companies))
        self.locationid = locationid
        self.sessionid: str | None = None
        self.session_endpoint: str | None = None
        self._request_number = 0

    def control(self, controlid: str | None = None, uniqueid: str | None = "false") -> str:
        self._request_number += 1
        unique = "" if uniqueid is None else f"<uniqueid>{uniqueid}</uniqueid>"
        return (f"<control><senderid>{esc(self.server.sender_id)}</senderid>"
                f"<password>{esc(self.sender_password)}</password>"
                f"<controlid>{esc(controlid or f'request-{self._request_number}')}</controlid>{unique}"
                "<dtdversion>3.0</dtdversion><includewhitespace>false</includewhitespace></control>")

    def login_xml(self) -> str:
        location = "" if self.locationid is None else f"<locationid>{esc(self.locationid)}</locationid>"
        return (f"<authentication><login><userid>{esc(self.server.user_id)}</userid>"
                f"<companyid>{esc(self.company)}</companyid><password>{esc(self.user_password)}</password>"
                f"{location}</login></authentication>")

    def envelope(self, functions: str, *, session: bool = False, transaction: bool = False,
                 uniqueid: str | None = "false", control: str | None = None) -> bytes:
        auth = (f"<authentication><sessionid>{esc(self.sessionid or '')}</sessionid></authentication>"
                if session else self.login_xml())
        operation = (f'<operation transaction="{"true" if transaction else "false"}">{auth}'
                     f"<content>{functions}</content></operation>")
        control = control or self.control(uniqueid=uniqueid)
        body = f'<?xml version="1.0" encoding="UTF-8"?><request>{control}{operation}</request>'
        return body.encode("utf-8")

    def post(self, body: bytes, *, url: str | None = None, content_type: str = "application/xml",
             timeout: float = 10) -> Reply:
        response = self.http.post(url or self.server.endpoint, data=body, headers={"Content-Type": content_type},
                                  timeout=timeout)
        return parse_reply(response)

    def call(self, *functions: str, session: bool = False, transaction: bool = False,
             uniqueid: str | None = "false", url: str | None = None, timeout: float = 10) -> Reply:
        if session and url is None:
            url = self.session_endpoint
        return self.post(self.envelope("".join(functions), session=session, transaction=transaction,
                                       uniqueid=uniqueid), url=url, timeout=timeout)

    def open_session(self, locationid: str | None = None) -> Reply:
        inner = "<getAPISession/>" if locationid is None else (
            f"<getAPISession><locationid>{esc(locationid)}</locationid></getAPISession>")
        reply = self.call(fn("session", inner))
        api = reply.result().data.find("api")
        self.sessionid = api.findtext("sessionid")
        self.session_endpoint = api.findtext("endpoint")
        return reply


def read_by_query(obj: str, query: str = "", *, fields: str = "*", pagesize: int | None = None,
                  docparid: str | None = None) -> str:
    size = "" if pagesize is None else f"<pagesize>{pagesize}</pagesize>"
    doc = "" if docparid is None else f"<docparid>{esc(docparid)}</docparid>"
    return (f"<readByQuery><object>{obj}</object><fields>{esc(fields)}</fields><query>{esc(query)}</query>"
            f"{size}<returnFormat>xml</returnFormat>{doc}</readByQuery>")


def sales_order(customer: str, lines: list[tuple[str, str, str | None, str | None]], *,
                documentno: str | None = None, referenceno: str | None = None, state: str | None = None,
                transactiontype: str = "Sales Order", createdfrom: str | None = None,
                extra: str = "") -> str:
    """create_sotransaction; lines are (itemid, quantity, warehouseid, price)."""
    items = "".join(
        "<sotransitem>" f"<itemid>{esc(item)}</itemid>"
        + (f"<warehouseid>{warehouse}</warehouseid>" if warehouse else "")
        + f"<quantity>{quantity}</quantity><unit>Each</unit>"
        + (f"<price>{price}</price>" if price is not None else "")
        + "</sotransitem>" for item, quantity, warehouse, price in lines)
    return ("<create_sotransaction>"
            f"<transactiontype>{esc(transactiontype)}</transactiontype>"
            "<datecreated><year>2026</year><month>12</month><day>07</day></datecreated>"
            + (f"<createdfrom>{esc(createdfrom)}</createdfrom>" if createdfrom else "")
            + f"<customerid>{esc(customer)}</customerid>"
            + (f"<documentno>{esc(documentno)}</documentno>" if documentno else "")
            + (f"<referenceno>{esc(referenceno)}</referenceno>" if referenceno else "")
            + extra
            + (f"<state>{state}</state>" if state else "")
            + f"<sotransitems>{items}</sotransitems></create_sotransaction>")
