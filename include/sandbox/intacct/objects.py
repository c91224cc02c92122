"""The objects the emulator serves, their fields and field types, and how values go to and from text.

Field names are Intacct's integration names (developer.intacct.com object pages; the SDKs' ``CustomerCreate``,
``ItemCreate``, ``OrderEntryTransactionCreate`` fixtures). Owned/nested fields are dotted
(``DISPLAYCONTACT.MAILADDRESS.CITY``): that is how ``lookup``, ``readByQuery`` and ``query`` name them; ``read``
nests them. Dates are ``mm/dd/yyyy`` and timestamps ``mm/dd/yyyy HH:MM:SS`` (the SDKs' ``IaDateFormat`` /
``IaDateTimeFormat`` in ``Functions/Common/Query/Comparison/AbstractDateTimeClass``; ``WHENMODIFIED`` in
``ResultTest::testLegacyReadByQueryClass``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

TEXT, INTEGER, DECIMAL, DATE, TIMESTAMP, BOOLEAN = "text", "integer", "decimal", "date", "timestamp", "boolean"

DATE_FORMAT = "%m/%d/%Y"
TIMESTAMP_FORMAT = "%m/%d/%Y %H:%M:%S"

_CONTACT = {
    "DISPLAYCONTACT.PRINTAS": TEXT, "DISPLAYCONTACT.COMPANYNAME": TEXT, "DISPLAYCONTACT.FIRSTNAME": TEXT,
    "DISPLAYCONTACT.LASTNAME": TEXT, "DISPLAYCONTACT.EMAIL1": TEXT, "DISPLAYCONTACT.PHONE1": TEXT,
    "DISPLAYCONTACT.MAILADDRESS.ADDRESS1": TEXT, "DISPLAYCONTACT.MAILADDRESS.ADDRESS2": TEXT,
    "DISPLAYCONTACT.MAILADDRESS.CITY": TEXT, "DISPLAYCONTACT.MAILADDRESS.STATE": TEXT,
    "DISPLAYCONTACT.MAILADDRESS.ZIP": TEXT, "DISPLAYCONTACT.MAILADDRESS.COUNTRY": TEXT,
    "DISPLAYCONTACT.MAILADDRESS.COUNTRYCODE": TEXT,
}
_AUDIT = {"WHENCREATED": TIMESTAMP, "WHENMODIFIED": TIMESTAMP}


@dataclass(frozen=True)
class ObjectDef:
    name: str
    fields: dict[str, str]
    id_field: str | None = None  # the business key ``update`` and ``read`` accept besides RECORDNO
    writable: frozenset[str] = frozenset()
    required: tuple[str, ...] = ()
    owned: str | None = None  # the owned line object ``read`` nests (SODOCUMENT → SODOCUMENTENTRY …)


def _obj(name: str, fields: dict[str, str], **kwargs: Any) -> ObjectDef:
    return ObjectDef(name, {"RECORDNO": INTEGER, **fields}, **kwargs)


OBJECTS: dict[str, ObjectDef] = {o.name: o for o in (
    _obj("CUSTOMER", {
        "CUSTOMERID": TEXT, "NAME": TEXT, "STATUS": TEXT, "CUSTTYPE": TEXT, "CURRENCY": TEXT, "TERMNAME": TEXT,
        "COMMENTS": TEXT, "ONHOLD": BOOLEAN, **_CONTACT, **_AUDIT},
        id_field="CUSTOMERID", required=("NAME",),
        writable=frozenset({"CUSTOMERID", "NAME", "STATUS", "CUSTTYPE", "CURRENCY", "TERMNAME", "COMMENTS",
                            "ONHOLD", *_CONTACT})),
    _obj("ITEM", {
        "ITEMID": TEXT, "NAME": TEXT, "STATUS": TEXT, "ITEMTYPE": TEXT, "BASEPRICE": DECIMAL,
        "EXTENDED_DESCRIPTION": TEXT, "UOMGRP": TEXT, **_AUDIT},
        id_field="ITEMID", required=("ITEMID", "NAME", "ITEMTYPE"),
        writable=frozenset({"ITEMID", "NAME", "STATUS", "ITEMTYPE", "BASEPRICE", "EXTENDED_DESCRIPTION", "UOMGRP"})),
    _obj("WAREHOUSE", {"WAREHOUSEID": TEXT, "NAME": TEXT, "LOCATIONID": TEXT, "STATUS": TEXT, **_AUDIT},
         id_field="WAREHOUSEID"),
    _obj("LOCATION", {"LOCATIONID": TEXT, "NAME": TEXT, "STATUS": TEXT, **_AUDIT}, id_field="LOCATIONID"),
    _obj("CHECKINGACCOUNT", {"BANKACCOUNTID": TEXT, "BANKNAME": TEXT, "CURRENCY": TEXT, "STATUS": TEXT, **_AUDIT},
         id_field="BANKACCOUNTID"),
    _obj("ITEMWAREHOUSEINFO", {
        "ITEMID": TEXT, "WAREHOUSEID": TEXT, "QTYONHAND": DECIMAL, "QTYONORDER": DECIMAL, "QTYONHOLD": DECIMAL,
        **_AUDIT}),
    _obj("SODOCUMENT", {
        "DOCID": TEXT, "DOCNO": TEXT, "DOCPARID": TEXT, "STATE": TEXT, "CUSTVENDID": TEXT, "CUSTVENDNAME": TEXT,
        "PONUMBER": TEXT, "EXTERNALID": TEXT, "WHENDUE": DATE, "CURRENCY": TEXT, "SUBTOTAL": DECIMAL,
        "TOTAL": DECIMAL, "CREATEDFROM": TEXT, "MESSAGE": TEXT, "SHIPVIA": TEXT, "PRRECORDKEY": INTEGER,
        "TRACKINGNUMBER": TEXT, "WHENPOSTED": DATE, "WHENCREATED": DATE, "WHENMODIFIED": TIMESTAMP},
        id_field="DOCID", owned="SODOCUMENTENTRY"),
    _obj("SODOCUMENTENTRY", {
        "DOCHDRNO": INTEGER, "DOCHDRID": TEXT, "DOCPARID": TEXT, "LINE_NO": INTEGER, "ITEMID": TEXT,
        "ITEMDESC": TEXT, "WAREHOUSEID": TEXT, "QUANTITY": DECIMAL, "UNIT": TEXT, "PRICE": DECIMAL,
        "TOTAL": DECIMAL, "LOCATIONID": TEXT, "DEPARTMENTID": TEXT, "MEMO": TEXT, "SOURCELINEKEY": INTEGER,
        "QTY_CONVERTED": DECIMAL, **_AUDIT}),
    _obj("ARINVOICE", {
        "RECORDID": TEXT, "CUSTOMERID": TEXT, "STATE": TEXT, "TOTALENTERED": DECIMAL, "TOTALPAID": DECIMAL,
        "TOTALDUE": DECIMAL, "CURRENCY": TEXT, "DOCNUMBER": TEXT, "WHENPOSTED": DATE, **_AUDIT}),
    _obj("ARADJUSTMENT", {
        "RECORDID": TEXT, "CUSTOMERID": TEXT, "STATE": TEXT, "TOTALENTERED": DECIMAL, "CURRENCY": TEXT,
        "DOCNUMBER": TEXT, "WHENPOSTED": DATE, **_AUDIT}),
    _obj("ARPYMT", {
        "CUSTOMERID": TEXT, "FINANCIALENTITY": TEXT, "UNDEPOSITEDACCOUNTNO": TEXT, "PAYMENTMETHOD": TEXT,
        "DOCNUMBER": TEXT, "DESCRIPTION": TEXT, "RECEIPTDATE": DATE, "PAYMENTDATE": DATE, "CURRENCY": TEXT,
        "TOTALENTERED": DECIMAL, **_AUDIT}, owned="ARPYMTDETAIL"),
    _obj("ARPYMTDETAIL", {"PAYMENTKEY": INTEGER, "RECORDKEY": INTEGER, "TRX_PAYMENTAMOUNT": DECIMAL, **_AUDIT}),
)}

#: The parent-key field of each owned object (for ``read`` nesting).
OWNER_KEY = {"SODOCUMENTENTRY": "DOCHDRNO", "ARPYMTDETAIL": "PAYMENTKEY"}
#: How ``read`` names an owned collection and its elements.
OWNED_TAGS = {"SODOCUMENTENTRY": ("SODOCUMENTENTRIES", "sodocumententry"),
              "ARPYMTDETAIL": ("ARPYMTDETAILS", "arpymtdetail")}


class FieldValueError(ValueError):
    """A value that does not fit its field's type (names the field)."""


def format_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.strftime(TIMESTAMP_FORMAT)
    if isinstance(value, date):
        return value.strftime(DATE_FORMAT)
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def parse_value(field: str, kind: str, text: str) -> Any:
    """A field's text as its typed value; raises ``FieldValueError`` naming the field."""
    if text == "":
        return None
    try:
        if kind == INTEGER:
            return int(text)
        if kind == DECIMAL:
            value = Decimal(text.strip())
            # Intacct's amounts and quantities are fixed-precision columns: nothing beyond 15 integer digits.
            if not value.is_finite() or value.adjusted() >= 15 or value.as_tuple().exponent < -10:
                raise InvalidOperation
            return value
        if kind == DATE:
            return datetime.strptime(text.strip(), DATE_FORMAT).date()
        if kind == TIMESTAMP:
            stripped = text.strip()
            try:
                return datetime.strptime(stripped, TIMESTAMP_FORMAT)
            except ValueError:
                return datetime.strptime(stripped, DATE_FORMAT)
        if kind == BOOLEAN:
            lowered = text.strip().lower()
            if lowered not in ("true", "false"):
                raise ValueError
            return lowered == "true"
    except (ValueError, InvalidOperation, ArithmeticError):
        expected = {INTEGER: "an integer", DECIMAL: "a number within 15 digits and 10 decimals",
                    DATE: "a date mm/dd/yyyy", TIMESTAMP: "a date-time mm/dd/yyyy HH:MM:SS",
                    BOOLEAN: "true or false"}[kind]
        raise FieldValueError(f"Field {field}: '{text}' is not {expected}") from None
    return text
