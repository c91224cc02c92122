"""The functions a request carries: builders for each, control IDs, look-ups and paginators.

A :class:`Function` is one ``<function controlid=…>`` body. Writes carry a *stable* control ID derived from the
storefront reference (:func:`stable_controlid`): sent with ``uniqueid`` true, a repeat after a lost answer is
refused instead of run twice (developer.intacct.com/web-services/requests: with uniqueid "the controlid
attribute of the <function> element will be checked to determine if the operation was previously executed and
completed"). Reads carry none: the client gives them a fresh control ID on every attempt, so a resent read is
never mistaken for a duplicate.

Shapes follow intacct-sdk-php ``src/Intacct/Functions``: ``Company/ApiSessionCreate.php`` (getAPISession),
``Common/ReadByQuery.php`` (object, query, fields, pagesize ≤ 1000, returnFormat xml, docparid),
``Common/ReadMore.php`` (resultId), ``Common/NewQuery/Query.php`` (select/field, object, docparid, filter,
orderby/order, options/caseinsensitive, pagesize ≤ 2000, offset) and its ``QueryFilter`` operators,
``Common/Read.php`` (object, keys, fields), ``AbstractFunction``'s generic ``create``/``update``.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from storesync.systems.intacct.wire import check_tree, element, fill, format_value

READ_BY_QUERY_MAX_PAGE = 1000  # ReadByQuery::MAX_PAGE_SIZE
QUERY_MAX_PAGE = 2000  # developer.intacct.com/web-services/queries "Using query": pagesize up to 2000
CONTROLID_MAX = 256  # the gateway refuses longer control IDs (docs/intacct.md, envelope)


@dataclass(frozen=True)
class Function:
    """One function: its body element, an optional stable control ID, and the record it is about.

    ``record`` names the storefront record (or what the caller calls it) in errors and outcomes. The body is
    checked for characters XML 1.0 cannot carry when the function is made, so a bad record is refused
    before any request is built (an :class:`~storesync.systems.intacct.wire.IllegalXmlText` naming it).
    """

    body: ET.Element
    controlid: str | None = None
    record: str | None = None

    def __post_init__(self) -> None:
        check_tree(self.body, record=self.label)
        if self.is_write and self.controlid is None:
            # A write resent after a lost answer is refused only if it keeps its control ID.
            raise ValueError(f"the write {self.label} needs a stable control ID (stable_controlid)")
        if self.controlid is not None and not 1 <= len(self.controlid) <= CONTROLID_MAX:
            raise ValueError(f"control ID of {self.label} must be 1 to {CONTROLID_MAX} characters")

    @property
    def name(self) -> str:
        return self.body.tag

    @property
    def label(self) -> str:
        return self.record or self.controlid or self.name

    @property
    def is_write(self) -> bool:
        return self.name in ("create", "update", "delete") or self.name.startswith(("create_", "update_",
                                                                                      "delete_"))

    @property
    def metered_units(self) -> int:
        """API transactions this function is expected to cost: each record of a create/update, one per read
        page, none for getAPISession (third-party definition, unverified: docs/intacct.md "Metering")."""
        if self.name == "getAPISession":
            return 0
        if self.name in ("create", "update"):
            return max(1, len(self.body))
        return 1


def stable_controlid(kind: str, reference: str) -> str:
    """A control ID that is the same on every retry of the same write: ``{kind}:{reference}``.

    Long references keep a readable head and a digest of the whole, so two references never share an ID and
    the gateway's 256-character limit holds.
    """
    if not kind or not reference:
        raise ValueError("a stable control ID needs a kind and a storefront reference")
    plain = f"{kind}:{reference}"
    if len(plain) <= CONTROLID_MAX:
        return plain
    digest = hashlib.sha256(plain.encode("utf-8")).hexdigest()
    return f"{plain[:CONTROLID_MAX - len(digest) - 1]}#{digest}"


# -- session ----------------------------------------------------------------------------------------------------

def get_api_session(locationid: str | None = None) -> Function:
    """``getAPISession`` (ApiSessionCreate.php); alone in its request (developer.intacct.com api-sessions)."""
    return Function(element("getAPISession", {"locationid": locationid}))


# -- reads ------------------------------------------------------------------------------------------------------

def read_by_query(obj: str, query: str = "", *, fields: str | Sequence[str] = "*", page_size: int = 1000,
                  docparid: str | None = None) -> Function:
    if not 1 <= page_size <= READ_BY_QUERY_MAX_PAGE:
        raise ValueError(f"readByQuery page size must be 1 to {READ_BY_QUERY_MAX_PAGE}, got {page_size}")
    field_list = fields if isinstance(fields, str) else ",".join(fields)
    return Function(element("readByQuery", {"object": obj, "query": query, "fields": field_list,
                                            "pagesize": page_size, "returnFormat": "xml", "docparid": docparid}))


def read_more(result_id: str) -> Function:
    return Function(element("readMore", {"resultId": result_id}))


def read(obj: str, keys: Iterable[str | int], *, fields: str | Sequence[str] = "*") -> Function:
    field_list = fields if isinstance(fields, str) else ",".join(fields)
    return Function(element("read", {"object": obj, "keys": ",".join(str(k) for k in keys), "fields": field_list,
                                     "returnFormat": "xml"}))


# query filters (NewQuery/QueryFilter/Filter.php): each returns the condition element.

def _condition(operator: str, field_name: str, *values: Any) -> ET.Element:
    node = ET.Element(operator)
    fill(node, {"field": field_name})
    for value in values:
        node.append(element("value", format_value(value, field_path=f"{field_name} ({operator})")))
    return node


def equal_to(field_name: str, value: Any) -> ET.Element:
    return _condition("equalto", field_name, value)


def greater_than_or_equal_to(field_name: str, value: Any) -> ET.Element:
    return _condition("greaterthanorequalto", field_name, value)


def less_than(field_name: str, value: Any) -> ET.Element:
    return _condition("lessthan", field_name, value)


def is_in(field_name: str, values: Iterable[Any]) -> ET.Element:
    return _condition("in", field_name, *values)


def modified_since(since: datetime, field_name: str = "WHENMODIFIED") -> ET.Element:
    """``WHENMODIFIED >= since`` (timestamps ``mm/dd/yyyy HH:MM:SS``, intacct-sdk-net AbstractDateTimeClass).

    Intacct stamps WHENMODIFIED in its own time zone (unverified which): callers give ``since`` already in
    the server's time and overlap their windows (docs/intacct.md, "Query syntax").
    """
    return greater_than_or_equal_to(field_name, since.replace(tzinfo=None, microsecond=0))


def all_of(*conditions: ET.Element) -> ET.Element:
    return _combine("and", conditions)


def any_of(*conditions: ET.Element) -> ET.Element:
    return _combine("or", conditions)


def _combine(operator: str, conditions: Sequence[ET.Element]) -> ET.Element:
    if len(conditions) == 1:
        return conditions[0]  # and/or need at least two conditions (AndOperator/OrOperator)
    node = ET.Element(operator)
    node.extend(conditions)
    return node


def query(obj: str, select: Sequence[str], *, where: ET.Element | None = None,
          order_by: Sequence[tuple[str, bool]] = (), page_size: int = 2000, offset: int = 0,
          docparid: str | None = None, case_insensitive: bool = False) -> Function:
    """``query`` in Query.php's element order; ``order_by`` is ``(field, descending)`` pairs."""
    if not select:
        raise ValueError("query needs at least one field to select")
    if not 1 <= page_size <= QUERY_MAX_PAGE:
        raise ValueError(f"query page size must be 1 to {QUERY_MAX_PAGE}, got {page_size}")
    if offset < 0:
        raise ValueError("query offset cannot be negative")
    body = ET.Element("query")
    fill(body, {"select": {"field": list(select)}, "object": obj, "docparid": docparid})
    if where is not None:
        ET.SubElement(body, "filter").append(where)
    if order_by:
        orders = ET.SubElement(body, "orderby")
        for name, descending in order_by:
            order = ET.SubElement(orders, "order")
            fill(order, {"field": name})
            ET.SubElement(order, "descending" if descending else "ascending")
    if case_insensitive:
        fill(body, {"options": {"caseinsensitive": True}})
    fill(body, {"pagesize": page_size, "offset": offset})
    return Function(body)


# -- writes -----------------------------------------------------------------------------------------------------

def create(obj: str, record: Mapping[str, Any], *, controlid: str, reference: str) -> Function:
    """Generic ``<create><OBJECT>…</OBJECT></create>``: one record, fields in the mapping's order."""
    return Function(element("create", {obj: record}), controlid=controlid, record=reference)


def update(obj: str, record: Mapping[str, Any], *, controlid: str, reference: str) -> Function:
    return Function(element("update", {obj: record}), controlid=controlid, record=reference)


def legacy(name: str, fields: Mapping[str, Any], *, controlid: str, reference: str,
           attrs: Mapping[str, str] | None = None) -> Function:
    """A legacy function (``create_sotransaction``, ``update_sotransaction key=…``): the caller gives the
    fields in the DTD's order, which the gateway enforces (developer.intacct.com/web-services/functions)."""
    return Function(element(name, fields, attrs), controlid=controlid, record=reference)


# -- look-ups ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Lookup:
    """How to find the record a create made: ``object`` where ``field`` equals ``value``."""

    object: str
    field: str
    value: str
    select: tuple[str, ...] = ("RECORDNO",)
    docparid: str | None = None

    def function(self) -> Function:
        return query(self.object, self.select, where=equal_to(self.field, self.value), page_size=2,
                     docparid=self.docparid)


@dataclass(frozen=True)
class KeyedCreate:
    """A create with a stable control ID and the look-up that finds what it made."""

    function: Function
    lookup: Lookup

    def __post_init__(self) -> None:
        if self.function.controlid is None:
            raise ValueError(f"the create of {self.function.label} needs a stable control ID")


# -- paging -----------------------------------------------------------------------------------------------------

@dataclass
class ReadByQueryPaginator:
    """``readByQuery`` then ``readMore(resultId)`` while ``numremaining`` > 0 (ReadMore.php; developer.intacct.com
    web-services/queries "Paginate results"). ``next`` answers the next request, or None when done."""

    object: str
    query: str = ""
    fields: str | Sequence[str] = "*"
    page_size: int = READ_BY_QUERY_MAX_PAGE
    docparid: str | None = None
    totalcount: int | None = field(default=None, init=False)
    #: a readByQuery result set is fixed when it is made: the pages must add up to its totalcount.
    exact_total: ClassVar[bool] = True

    def first(self) -> Function:
        return read_by_query(self.object, self.query, fields=self.fields, page_size=self.page_size,
                             docparid=self.docparid)

    def next(self, result) -> Function | None:
        if self.totalcount is None:
            self.totalcount = int(result.attribute("totalcount", "0") or 0)
        remaining = int(result.attribute("numremaining", "0") or 0)
        result_id = result.attribute("resultId")
        return read_more(result_id) if remaining > 0 and result_id else None


@dataclass
class QueryPaginator:
    """``query`` pages by ``offset`` (stateless: a resent page is the same page); ordered by ``order_by`` so
    that offsets are stable (RECORDNO by default)."""

    object: str
    select: Sequence[str]
    where: ET.Element | None = None
    order_by: Sequence[tuple[str, bool]] = (("RECORDNO", False),)
    page_size: int = QUERY_MAX_PAGE
    docparid: str | None = None
    totalcount: int | None = field(default=None, init=False)

    def page(self, offset: int) -> Function:
        return query(self.object, self.select, where=self.where, order_by=self.order_by,
                     page_size=self.page_size, offset=offset, docparid=self.docparid)

    def first(self) -> Function:
        return self.page(0)

    def next(self, result) -> Function | None:
        if self.totalcount is None:
            self.totalcount = int(result.attribute("totalcount", "0") or 0)
        count = int(result.attribute("count", "0") or 0)
        remaining = int(result.attribute("numremaining", "0") or 0)
        if remaining <= 0 or count <= 0:
            return None
        return self.page(int(result.attribute("offset", "0") or 0) + count)
