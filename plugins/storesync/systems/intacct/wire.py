"""Intacct's XML wire format: requests built with the stdlib element API, answers parsed with defusedxml.

The request envelope is the one Intacct's SDKs write (intacct-sdk-php ``Xml/RequestBlock.php``,
``Xml/Request/ControlBlock.php``, ``OperationBlock.php``, ``LoginAuthentication.php``,
``SessionAuthentication.php``)::

    <request>
      <control>senderid, password, controlid, uniqueid, dtdversion 3.0, includewhitespace</control>
      <operation transaction="true|false">
        <authentication><login>userid, companyid, password[, locationid]</login> | <sessionid/></authentication>
        <content><function controlid="…">one function</function>…</content>
      </operation>
    </request>

Text safety. Values are element text or attribute values set through the element API, never spliced into
markup, so ``<``, ``&``, quotes and ``]]>`` are escaped by the serializer (``>`` too, so a CDATA terminator
cannot appear). A carriage return in text is written as ``&#13;``: an XML parser turns a raw CR or CRLF into
LF (XML 1.0 §2.11), and the value must come back exactly. Characters XML 1.0 cannot carry at all (§2.2: control
characters other than tab, LF and CR, lone surrogates, U+FFFE/U+FFFF) are refused with an error naming the
record and the field, before anything is sent: stripping them silently would post a different name than the
storefront holds.

Answers are parsed with defusedxml (no DTDs, entities or external references). Every ``error`` carries
``errorno, description, description2, correction`` (intacct-sdk-php ``Xml/Response/ErrorMessage.php``).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from storesync.hooks.errors import PermanentRecordError

DTD_VERSION = "3.0"
DATE_FORMAT = "%m/%d/%Y"  # intacct-sdk-net AbstractDateTimeClass.IaDateFormat
TIMESTAMP_FORMAT = "%m/%d/%Y %H:%M:%S"  # ... IaDateTimeFormat (WHENMODIFIED)

# XML 1.0 §2.2 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
_ILLEGAL_XML_CHAR = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class IllegalXmlText(PermanentRecordError):
    """A value holds a character XML 1.0 cannot carry: the record goes to the DLQ, nothing is sent."""


def illegal_character(text: str) -> tuple[int, str] | None:
    """Position and character of the first character XML 1.0 cannot carry, or None."""
    found = _ILLEGAL_XML_CHAR.search(text)
    return None if found is None else (found.start(), found.group())


def check_text(value: str, *, record: str, field_path: str) -> str:
    problem = illegal_character(value)
    if problem is not None:
        position, char = problem
        raise IllegalXmlText(
            f"record {record}: field {field_path} holds U+{ord(char):04X} at position {position}, a character "
            "XML 1.0 cannot carry; fix the value at its source (it is not stripped silently)",
            record_key=record, field=field_path)
    return value


def check_tree(element: ET.Element, *, record: str) -> None:
    """Refuse any tag, attribute or text in ``element`` that XML 1.0 cannot carry, naming the field's path."""

    def walk(node: ET.Element, path: str) -> None:
        for name, value in node.attrib.items():
            check_text(value, record=record, field_path=f"{path}/@{name}")
        if node.text:
            check_text(node.text, record=record, field_path=path)
        counts: dict[str, int] = {}
        for child in node:
            counts[child.tag] = counts.get(child.tag, 0) + 1
        seen: dict[str, int] = {}
        for child in node:
            seen[child.tag] = seen.get(child.tag, 0) + 1
            suffix = f"[{seen[child.tag]}]" if counts[child.tag] > 1 else ""
            walk(child, f"{path}/{child.tag}{suffix}")

    walk(element, element.tag)


# -- values -----------------------------------------------------------------------------------------------------

def format_value(value: Any, *, record: str = "?", field_path: str = "?") -> str:
    """A Python value as Intacct text: Decimal in plain notation, dates mm/dd/yyyy, booleans true/false.

    Floats are refused: money is Decimal from the storefront to the wire (a float cannot say 0.10 exactly).
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise PermanentRecordError(f"record {record}: field {field_path} is {value}, not a number",
                                       record_key=record, field=field_path)
        return format(value, "f")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        raise TypeError(f"record {record}: field {field_path} is a float; send money and quantities as Decimal")
    if isinstance(value, datetime):
        return value.strftime(TIMESTAMP_FORMAT)
    if isinstance(value, date):
        return value.strftime(DATE_FORMAT)
    if isinstance(value, str):
        return value
    raise TypeError(f"record {record}: field {field_path} has a value of type {type(value).__name__}")


def element(tag: str, content: Any = None, attrs: Mapping[str, str] | None = None) -> ET.Element:
    """An element from a Python value: a mapping gives children in its order (None values are left out), a
    list or tuple repeats the tag's children, anything else becomes the text."""
    node = ET.Element(tag, dict(attrs or {}))
    fill(node, content)
    return node


def fill(node: ET.Element, content: Any) -> ET.Element:
    if content is None:
        return node
    if isinstance(content, ET.Element):
        node.append(content)
    elif isinstance(content, Mapping):
        for tag, value in content.items():
            if value is None:
                continue
            if isinstance(value, (list, tuple)):
                for item in value:
                    node.append(item if isinstance(item, ET.Element) else element(tag, item))
            else:
                node.append(value if isinstance(value, ET.Element) and value.tag == tag else element(tag, value))
    else:
        node.text = format_value(content, field_path=node.tag)
    return node


# -- requests ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Credentials:
    sender_id: str
    sender_password: str
    user_id: str
    company_id: str
    user_password: str
    entity_id: str | None = None


def login_authentication(credentials: Credentials) -> ET.Element:
    """``<login>`` (intacct-sdk-php ``LoginAuthentication.php``): userid, companyid, password[, locationid]."""
    login = element("login", {"userid": credentials.user_id, "companyid": credentials.company_id,
                              "password": credentials.user_password, "locationid": credentials.entity_id or None})
    return element("authentication", login)


def session_authentication(sessionid: str) -> ET.Element:
    """``<sessionid>`` (intacct-sdk-php ``SessionAuthentication.php``)."""
    return element("authentication", {"sessionid": sessionid})


def envelope(credentials: Credentials, *, controlid: str, authentication: ET.Element,
             functions: Iterable[tuple[str, ET.Element]], transaction: bool = False,
             uniqueid: bool = True) -> bytes:
    """The request document: control block in ``ControlBlock.php``'s order, one operation, the functions."""
    request = ET.Element("request")
    fill(request, {"control": {
        "senderid": credentials.sender_id, "password": credentials.sender_password, "controlid": controlid,
        "uniqueid": uniqueid, "dtdversion": DTD_VERSION, "includewhitespace": False}})
    operation = ET.SubElement(request, "operation", {"transaction": "true" if transaction else "false"})
    operation.append(authentication)
    content = ET.SubElement(operation, "content")
    for function_controlid, body in functions:
        wrapper = ET.SubElement(content, "function", {"controlid": function_controlid})
        wrapper.append(body)
    return to_bytes(request)


def to_bytes(root: ET.Element) -> bytes:
    """UTF-8 document; a CR in text becomes ``&#13;`` (the serializer already writes CR in attributes so).

    ``ET.tostring`` leaves a raw CR only where text holds one (tags and escaped attributes never do), so
    replacing every raw CR is exact.
    """
    text = ET.tostring(root, encoding="unicode").replace("\r", "&#13;")
    return ('<?xml version="1.0" encoding="UTF-8"?>' + text).encode("utf-8")


# -- answers ----------------------------------------------------------------------------------------------------

class MalformedAnswer(ValueError):
    """The gateway's answer is not a well-formed, safe XML ``<response>``."""


@dataclass(frozen=True)
class ErrorDetail:
    errorno: str
    description: str = ""
    description2: str = ""
    correction: str = ""

    def __str__(self) -> str:
        return " ".join(part for part in (self.errorno, self.description, self.description2, self.correction)
                        if part)


@dataclass
class Result:
    """One function's ``<result>``: status (success, failure, aborted), its errors and its payload."""

    status: str
    function: str
    controlid: str
    errors: tuple[ErrorDetail, ...]
    element: ET.Element

    @property
    def ok(self) -> bool:
        return self.status == "success"

    @property
    def data(self) -> ET.Element | None:
        return self.element.find("data")

    @property
    def key(self) -> str | None:
        """``<key>`` of the legacy functions (``create_sotransaction``: ``Sales Order-SO0001``)."""
        found = self.element.find("key")
        return None if found is None else (found.text or "")

    def attribute(self, name: str, default: str = "") -> str:
        data = self.data
        return default if data is None else data.get(name, default)

    def rows(self) -> list[dict[str, Any]]:
        data = self.data
        return [] if data is None else [row_fields(row) for row in data]


@dataclass
class Response:
    http_status: int
    control_status: str
    control_errors: tuple[ErrorDetail, ...]
    auth_status: str | None
    auth_errors: tuple[ErrorDetail, ...]
    results: list[Result] = field(default_factory=list)
    sessiontimeout: str | None = None


def errors_of(parent: ET.Element | None) -> tuple[ErrorDetail, ...]:
    if parent is None:
        return ()
    return tuple(ErrorDetail(*((error.findtext(name) or "").strip()
                               for name in ("errorno", "description", "description2", "correction")))
                 for error in parent.findall("errormessage/error"))


def parse_response(body: bytes, *, http_status: int = 200) -> Response:
    """Parse a gateway answer; failures sit at three levels (developer.intacct.com/web-services/error-handling):
    ``response/errormessage`` (control: nothing ran), ``operation/errormessage`` (authentication: no function
    ran), ``result/errormessage`` (that function only)."""
    try:
        root = SafeET.fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, ET.ParseError) as error:
        raise MalformedAnswer(f"the answer is not safe, well-formed XML ({type(error).__name__})") from None
    if root.tag != "response":
        raise MalformedAnswer(f"the answer's root is <{root.tag}>, not <response>")
    operation = root.find("operation")
    authentication = None if operation is None else operation.find("authentication")
    response = Response(
        http_status=http_status,
        control_status=(root.findtext("control/status") or "").strip(),
        control_errors=errors_of(root),
        auth_status=None if authentication is None else (authentication.findtext("status") or "").strip(),
        auth_errors=errors_of(operation),
        sessiontimeout=None if authentication is None else authentication.findtext("sessiontimeout"),
    )
    if operation is not None:
        for result in operation.findall("result"):
            response.results.append(Result(
                status=(result.findtext("status") or "").strip(),
                function=(result.findtext("function") or "").strip(),
                controlid=result.findtext("controlid") or "",
                errors=errors_of(result),
                element=result,
            ))
    return response


def row_fields(row: ET.Element) -> Any:
    """A record element as plain values: leaves → text (exactly as sent, never stripped), nested elements →
    dicts, repeated children → lists. Numbers stay text; callers convert (money to Decimal)."""
    children = list(row)
    if not children:
        return row.text or ""
    fields: dict[str, Any] = {}
    for child in children:
        value = row_fields(child)
        if child.tag in fields:
            previous = fields[child.tag]
            fields[child.tag] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            fields[child.tag] = value
    return fields
