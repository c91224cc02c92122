"""The functions of a request's ``<content>``: each reads its XML, runs on the company store, writes its result.

A handler gets the function's element (the child of ``<function controlid=…>``) and a ``FunctionContext``;
it returns the result's payload nodes (``<data …>`` or ``<key>``) or raises ``errors.FunctionFailed``.
``METERED`` says how many API transactions a function costs (docs/intacct.md, "Metering").

Shapes, from the SDKs (intacct-sdk-php ``src/Intacct/Functions`` and their ``test/`` fixtures):
``readByQuery(object, fields, query, pagesize, returnFormat, docparid)`` → ``<data listtype="customer"
count totalcount numremaining resultId>`` with lower-case record elements (``ResultTest``,
``OnlineClientTest::testLogger``); ``readMore(resultId | object)``; ``query(select/field, object, docparid,
filter, orderby/order, options, pagesize, offset)`` → ``<data listtype="APBILL" totalcount offset count
numremaining>`` (developer.intacct.com/web-services/queries); ``read(object, keys, fields, docparid)`` →
``<data listtype="CUSTOMER" count>`` (``ResultTest::testReadClass``); ``create``/``update`` of ``CUSTOMER``,
``ITEM``, ``ARPYMT``; ``create_sotransaction`` / ``update_sotransaction key=`` → ``<key>`` (the legacy
functions' key result, ``ResultTest::testLegacyCreateClassKey``); ``getAPISession`` → ``<data><api>``.
"""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from include.sandbox.intacct import errors
from include.sandbox.intacct.objects import (
    DECIMAL,
    INTEGER,
    OBJECTS,
    OWNED_TAGS,
    TEXT,
    ObjectDef,
    FieldValueError,
    format_value,
    parse_value,
)
from include.sandbox.intacct.query import Context, filter_predicate, order_key, parse_query_string
from include.sandbox.intacct.store import CompanyStore, Record
from include.sandbox.intacct.xmlio import Node

READ_BY_QUERY_MAX = 1000
QUERY_MAX = 2000
DEFAULT_PAGE = 100


@dataclass
class ResultSet:
    """What a readByQuery left for readMore: the matching records' rendered rows, in order."""

    object_name: str
    tag: str
    rows: list[Node]
    page_size: int
    position: int = 0


@dataclass
class FunctionContext:
    store: CompanyStore
    entity: str | None  # the session's entity (locationid), None at the top level
    result_sets: dict[str, ResultSet]
    new_session: Callable[[str | None], tuple[str, str, str]]  # locationid → (sessionid, endpoint, locationid)
    last_result_for_object: dict[str, str] = field(default_factory=dict)


Handler = Callable[[ET.Element, FunctionContext], list[Node]]


def _child(element: ET.Element, tag: str) -> ET.Element | None:
    return next((c for c in element if c.tag == tag), None)


def _text(element: ET.Element, tag: str) -> str | None:
    found = _child(element, tag)
    return None if found is None else (found.text or "").strip()


def _object(name: str | None) -> ObjectDef:
    if not name:
        raise errors.query_failed("The object element is required")
    obj = OBJECTS.get(name.upper())
    if obj is None:
        raise errors.object_not_found(name)
    return obj


def _page_size(text: str | None, maximum: int) -> int:
    if text is None or text == "":
        return DEFAULT_PAGE
    try:
        size = int(text)
    except ValueError:
        raise errors.query_failed(f"pagesize '{text}' is not an integer") from None
    if not 1 <= size <= maximum:
        raise errors.query_failed(f"pagesize must be between 1 and {maximum}, got {size}")
    return size


def _docparid_filter(obj: ObjectDef, docparid: str | None) -> Callable[[Record], bool]:
    if not docparid:
        return lambda r: True
    if "DOCPARID" not in obj.fields:
        raise errors.query_failed(f"docparid does not apply to {obj.name}")
    return lambda r: r.get("DOCPARID") == docparid


def _flat_row(tag: str, record: Record, fields: list[str]) -> Node:
    node = Node(tag)
    for name in fields:
        node.add(name, format_value(record.get(name)))
    return node


def _nested_row(tag: str, record: Record, fields: list[str]) -> Node:
    """``read``'s shape: dotted fields become nested elements (DISPLAYCONTACT/MAILADDRESS/CITY)."""
    node = Node(tag)
    parents: dict[str, Node] = {}
    for name in fields:
        parts = name.split(".")
        parent, path = node, ""
        for part in parts[:-1]:
            path = f"{path}.{part}" if path else part
            if path not in parents:
                parents[path] = parent.add(part)
            parent = parents[path]
        parent.add(parts[-1], format_value(record.get(name)))
    return node


def _field_list(obj: ObjectDef, text: str | None) -> list[str]:
    if text is None or text.strip() in ("", "*"):
        return list(obj.fields)
    names = [name.strip() for name in text.split(",") if name.strip()]
    for name in names:
        if name not in obj.fields:
            raise errors.query_failed(f"Invalid field {name} for object {obj.name}")
    return names


# -- reads ---------------------------------------------------------------------------------------------------

def read_by_query(element: ET.Element, ctx: FunctionContext) -> list[Node]:
    obj = _object(_text(element, "object"))
    if _child(element, "query") is None:
        raise errors.query_failed("The query element is required (it may be empty)")
    fmt = _text(element, "returnFormat")
    if fmt not in (None, "", "xml"):
        raise errors.query_failed(f"returnFormat '{fmt}' is not served by this gateway; use xml")
    fields = _field_list(obj, _text(element, "fields"))
    size = _page_size(_text(element, "pagesize"), READ_BY_QUERY_MAX)
    predicate = parse_query_string(_text(element, "query") or "", Context(obj))
    by_type = _docparid_filter(obj, _text(element, "docparid"))
    tag = obj.name.lower()
    rows = [_flat_row(tag, r, fields) for r in ctx.store.rows(obj.name) if by_type(r) and predicate(r)]
    result = ResultSet(obj.name, tag, rows, size)
    return [_next_page(result, ctx)]


def _next_page(result: ResultSet, ctx: FunctionContext) -> Node:
    page = result.rows[result.position:result.position + result.page_size]
    result.position += len(page)
    remaining = len(result.rows) - result.position
    result_id = ""
    if remaining:
        result_id = secrets.token_hex(12)
        ctx.result_sets[result_id] = result
        ctx.last_result_for_object[result.object_name] = result_id
    data = Node("data", attrs={"listtype": result.tag, "count": str(len(page)),
                               "totalcount": str(len(result.rows)), "numremaining": str(remaining),
                               "resultId": result_id})
    return data.extend(page)


def read_more(element: ET.Element, ctx: FunctionContext) -> list[Node]:
    result_id = _text(element, "resultId")
    if not result_id:
        object_name = (_text(element, "object") or "").upper()
        result_id = ctx.last_result_for_object.get(object_name, "")
        if not object_name:
            raise errors.query_failed("readMore needs a resultId or an object")
    result = ctx.result_sets.pop(result_id, None)
    if result is None:
        raise errors.query_failed(f"There are no more records for resultId '{result_id}' (it is unknown, "
                                  "exhausted or expired)")
    ctx.last_result_for_object.pop(result.object_name, None)
    return [_next_page(result, ctx)]


def query(element: ET.Element, ctx: FunctionContext) -> list[Node]:
    obj = _object(_text(element, "object"))
    select = _child(element, "select")
    if select is None or not list(select):
        raise errors.query_failed("select with at least one field is required")
    fields = []
    for child in select:
        if child.tag != "field":
            raise errors.query_failed(f"select/{child.tag} (aggregate functions) is not served by this emulator")
        name = (child.text or "").strip()
        if name not in obj.fields:
            raise errors.query_failed(f"Invalid field {name} for object {obj.name}")
        fields.append(name)
    options = _child(element, "options")
    case_insensitive = options is not None and _text(options, "caseinsensitive") == "true"
    context = Context(obj, case_insensitive=case_insensitive)
    filter_element = _child(element, "filter")
    predicate: Callable[[Record], bool] = lambda r: True
    if filter_element is not None:
        conditions = list(filter_element)
        if len(conditions) != 1:
            raise errors.query_failed("filter holds exactly one condition (combine several with and/or)")
        predicate = filter_predicate(conditions[0], context)
    orders: list[tuple[str, bool]] = []
    orderby = _child(element, "orderby")
    if orderby is not None:
        for order in orderby:
            name = (_text(order, "field") or "")
            context.field(name)
            orders.append((name, _child(order, "descending") is not None))
    size = _page_size(_text(element, "pagesize"), QUERY_MAX)
    offset_text = _text(element, "offset")
    try:
        offset = int(offset_text) if offset_text else 0
    except ValueError:
        raise errors.query_failed(f"offset '{offset_text}' is not an integer") from None
    if offset < 0:
        raise errors.query_failed("offset cannot be negative")
    by_type = _docparid_filter(obj, _text(element, "docparid"))
    matches = order_key(orders)([r for r in ctx.store.rows(obj.name) if by_type(r) and predicate(r)])
    page = matches[offset:offset + size]
    data = Node("data", attrs={"listtype": obj.name, "totalcount": str(len(matches)), "offset": str(offset),
                               "count": str(len(page)),
                               "numremaining": str(max(0, len(matches) - offset - len(page)))})
    return [data.extend(_flat_row(obj.name, r, fields) for r in page)]


def read(element: ET.Element, ctx: FunctionContext) -> list[Node]:
    obj = _object(_text(element, "object"))
    fields = _field_list(obj, _text(element, "fields"))
    keys_text = _text(element, "keys") or ""
    by_type = _docparid_filter(obj, _text(element, "docparid"))
    records = []
    for key in (k.strip() for k in keys_text.split(",") if k.strip()):
        # A key is a RECORDNO, or the object's ID (CUSTOMERID, ITEMID, an SODOCUMENT's DOCID): unverified which
        # the real gateway takes for each object (docs/intacct.md).
        record = ctx.store.get(obj.name, int(key)) if key.isdigit() else (
            ctx.store.by_id(obj.name, key) if obj.id_field else None)
        if record is not None and by_type(record):
            records.append(record)
    data = Node("data", attrs={"listtype": obj.name, "count": str(len(records))})
    for record in records:
        row = _nested_row(obj.name, record, fields)
        if obj.owned:
            collection, line_tag = OWNED_TAGS[obj.owned]
            lines = row.add(collection)
            for line in ctx.store.owned(obj.owned, record["RECORDNO"]):
                lines.kids.append(_nested_row(line_tag, line, list(OBJECTS[obj.owned].fields)))
        data.kids.append(row)
    return [data]


# -- writes: generic create/update ---------------------------------------------------------------------------

def _flatten(element: ET.Element, obj: ObjectDef, *, skip: tuple[str, ...] = ()) -> Record:
    """A record element's fields (nested elements → dotted names), typed; unknown fields fail the function."""
    values: Record = {}

    def walk(node: ET.Element, prefix: str) -> None:
        for child in node:
            name = f"{prefix}{child.tag}"
            if name in skip:
                continue
            if len(child):
                walk(child, name + ".")
                continue
            if name not in obj.fields:
                raise errors.business(f"{obj.name}: field {name} is not a field of {obj.name}.",
                                      f"Remove {name} or check its spelling.")
            if name not in obj.writable and obj.writable:
                raise errors.business(f"{obj.name}: field {name} is read-only.")
            try:
                values[name] = parse_value(name, obj.fields[name], child.text or "")
            except FieldValueError as error:
                raise errors.business(f"{obj.name}: {error}") from None
    walk(element, "")
    return values


def _records_of(element: ET.Element, allowed: tuple[str, ...], verb: str) -> list[ET.Element]:
    records = list(element)
    if not records:
        raise errors.business(f"{verb} needs at least one object element.")
    for record in records:
        if record.tag not in OBJECTS:
            raise errors.object_not_found(record.tag)
        if record.tag not in allowed:
            raise errors.business(f"{verb} of {record.tag} is not served by this emulator.")
    if len({r.tag for r in records}) > 1:
        raise errors.business(f"All objects in one {verb} must be of the same type.")
    return records


def _written(records: list[Record], obj: str, id_field: str | None) -> list[Node]:
    data = Node("data", attrs={"listtype": "objects", "count": str(len(records))})
    for record in records:
        row = data.add(obj.lower())
        row.add("RECORDNO", str(record["RECORDNO"]))
        if id_field:
            row.add(id_field, format_value(record[id_field]))
    return [data]


def create(element: ET.Element, ctx: FunctionContext) -> list[Node]:
    records = _records_of(element, ("CUSTOMER", "ITEM", "ARPYMT"), "create")
    obj = records[0].tag
    created = []
    for record in records:
        if obj == "ARPYMT":
            created.append(_create_payment(record, ctx))
            continue
        values = _flatten(record, OBJECTS[obj])
        created.append(ctx.store.create_customer(values) if obj == "CUSTOMER" else ctx.store.create_item(values))
    return _written(created, obj, OBJECTS[obj].id_field)


def update(element: ET.Element, ctx: FunctionContext) -> list[Node]:
    records = _records_of(element, ("CUSTOMER", "ITEM"), "update")
    obj = records[0].tag
    definition = OBJECTS[obj]
    updated = []
    for record in records:
        key_values = {}
        recordno = _text(record, "RECORDNO")
        if recordno:
            try:
                key_values["RECORDNO"] = int(recordno)
            except ValueError:
                raise errors.business(f"{obj}: RECORDNO '{recordno}' is not a record number.") from None
        key_values[definition.id_field] = _text(record, definition.id_field)
        values = _flatten(record, definition, skip=("RECORDNO",))
        updated.append(ctx.store.update_record(obj, key_values, values))
    return _written(updated, obj, definition.id_field)


_PAYMENT_HEADER = {"CUSTOMERID": TEXT, "FINANCIALENTITY": TEXT, "UNDEPOSITEDACCOUNTNO": TEXT,
                   "PAYMENTMETHOD": TEXT, "DOCNUMBER": TEXT, "DESCRIPTION": TEXT, "RECEIPTDATE": "date",
                   "PAYMENTDATE": "date", "CURRENCY": TEXT}


def _create_payment(element: ET.Element, ctx: FunctionContext) -> Record:
    header: Record = {}
    details: list[Record] = []
    for child in element:
        if child.tag == "ARPYMTDETAILS":
            for index, detail in enumerate(child, start=1):
                if detail.tag != "ARPYMTDETAIL":
                    raise errors.business(f"ARPYMTDETAILS holds ARPYMTDETAIL elements, not {detail.tag}.")
                values: Record = {}
                for part in detail:
                    kind = {"RECORDKEY": INTEGER, "TRX_PAYMENTAMOUNT": DECIMAL}.get(part.tag)
                    if kind is None:
                        raise errors.business(f"ARPYMTDETAIL {index}: field {part.tag} is not served by this "
                                              "emulator (RECORDKEY, TRX_PAYMENTAMOUNT).")
                    try:
                        values[part.tag] = parse_value(part.tag, kind, part.text or "")
                    except FieldValueError as error:
                        raise errors.business(f"ARPYMTDETAIL {index}: {error}") from None
                details.append(values)
            continue
        kind = _PAYMENT_HEADER.get(child.tag)
        if kind is None:
            raise errors.business(f"ARPYMT: field {child.tag} is not a field of ARPYMT.")
        try:
            header[child.tag] = parse_value(child.tag, kind, child.text or "")
        except FieldValueError as error:
            raise errors.business(f"ARPYMT: {error}") from None
    return ctx.store.create_payment(header, details)


# -- order entry (legacy functions) --------------------------------------------------------------------------

_LINE_FIELDS = {"itemid": ("ITEMID", TEXT), "itemdesc": ("ITEMDESC", TEXT), "warehouseid": ("WAREHOUSEID", TEXT),
                "quantity": ("QUANTITY", DECIMAL), "unit": ("UNIT", TEXT), "price": ("PRICE", DECIMAL),
                "locationid": ("LOCATIONID", TEXT), "departmentid": ("DEPARTMENTID", TEXT),
                "memo": ("MEMO", TEXT), "sourcelinekey": ("SOURCELINEKEY", INTEGER)}
# Line elements of the DTD the emulator accepts without modelling them (docs/intacct.md).
_LINE_IGNORED = {"bundlenumber", "taxable", "discountpercent", "discsurchargememo", "itemdetails",
                 "revrectemplate", "revrecstartdate", "revrecenddate", "renewalmacro", "projectid", "customerid",
                 "vendorid", "employeeid", "classid", "contractid", "fulfillmentstatus", "taskno",
                 "billingtemplate", "customfields"}
_HEADER_FIELDS = {"customerid": ("CUSTVENDID", TEXT), "documentno": ("DOCNO", TEXT),
                  "referenceno": ("PONUMBER", TEXT), "message": ("MESSAGE", TEXT),
                  "shippingmethod": ("SHIPVIA", TEXT), "externalid": ("EXTERNALID", TEXT),
                  "currency": ("CURRENCY", TEXT), "state": ("STATE", TEXT), "createdfrom": ("CREATEDFROM", TEXT)}
_HEADER_IGNORED = {"dateposted", "origdocdate", "termname", "shipto", "billto", "supdocid", "basecurr",
                   "exchratedate", "exchratetype", "exchrate", "vsoepricelist", "projectid", "subtotals",
                   "updatesubtotals", "nogl", "payment"}


# Element order of the legacy (object-specific) functions: "each object-specific function has a unique body
# structure and the sub-elements must be in the correct order" (developer.intacct.com/web-services/functions).
# The orders are those the SDK writes (intacct-sdk-php OrderEntryTransactionCreate/Update(Test),
# OrderEntryTransactionLineCreate/Update); ``sourcelinekey``'s place after ``price`` is unverified.
_LINE_ORDER = ("bundlenumber", "itemid", "itemdesc", "taxable", "warehouseid", "quantity", "unit",
               "discountpercent", "price", "sourcelinekey", "discsurchargememo", "locationid", "departmentid", "memo",
               "itemdetails", "customfields", "revrectemplate", "revrecstartdate", "revrecenddate", "renewalmacro",
               "projectid", "customerid", "vendorid", "employeeid", "classid", "contractid", "fulfillmentstatus",
               "taskno", "billingtemplate")
_CREATE_ORDER = ("transactiontype", "datecreated", "dateposted", "createdfrom", "customerid", "documentno",
                 "origdocdate", "referenceno", "termname", "datedue", "message", "shippingmethod", "shipto",
                 "billto", "supdocid", "externalid", "basecurr", "currency", "exchratedate", "exchratetype",
                 "exchrate", "vsoepricelist", "customfields", "state", "projectid", "sotransitems", "subtotals")
_UPDATE_ORDER = ("datecreated", "dateposted", "referenceno", "termname", "datedue", "origdocdate", "message",
                 "shippingmethod", "shipto", "billto", "supdocid", "basecurr", "currency", "exchratedate",
                 "exchratetype", "exchrate", "vsoepricelist", "customfields", "state", "projectid",
                 "updatesotransitems", "updatesubtotals")


def _order_problem(element: ET.Element, order: tuple[str, ...], required: tuple[str, ...], where: str) -> str | None:
    position = -1
    for child in element:
        if child.tag not in order:
            return f"element {child.tag} is not allowed in {where}"
        index = order.index(child.tag)
        if index <= position:
            return f"element {child.tag} is out of order in {where} (expected order: {', '.join(order)})"
        position = index
    present = {child.tag for child in element}
    missing = [tag for tag in required if tag not in present]
    return f"{where} is missing its required element {missing[0]}" if missing else None


def legacy_schema_problem(name: str, element: ET.Element) -> str | None:
    """What the DTD would refuse in a legacy order-entry function (None when it is valid)."""
    if name == "create_sotransaction":
        problem = _order_problem(element, _CREATE_ORDER, ("transactiontype", "datecreated", "customerid",
                                                          "sotransitems"), name)
        items = _child(element, "sotransitems")
        lines = [] if items is None else list(items)
        if problem is None and items is not None:
            if not lines or any(line.tag != "sotransitem" for line in lines):
                return "sotransitems holds one or more sotransitem elements"
            for line in lines:
                problem = problem or _order_problem(line, _LINE_ORDER, ("itemid", "quantity"), "sotransitem")
        return problem
    if name == "update_sotransaction":
        if not element.get("key"):
            return "update_sotransaction needs its key attribute"
        problem = _order_problem(element, _UPDATE_ORDER, (), name)
        items = _child(element, "updatesotransitems")
        for line in ([] if items is None else list(items)):
            if line.tag not in ("updatesotransitem", "sotransitem"):
                return f"updatesotransitems cannot hold {line.tag}"
            if line.tag == "updatesotransitem" and line.get("line_num") is None:
                return "updatesotransitem needs its line_num attribute"
            problem = problem or _order_problem(line, _LINE_ORDER, ("itemid", "quantity"), line.tag)
        return problem
    return None


def _date(element: ET.Element, label: str) -> date:
    parts = {c.tag: (c.text or "").strip() for c in element}
    try:
        return date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
    except (KeyError, ValueError):
        raise errors.business(f"{label} needs a valid year, month and day (got {parts}).", "",
                              "Could not create Document record!") from None


def _line(element: ET.Element, label: str) -> Record:
    values: Record = {}
    for child in element:
        if child.tag in _LINE_IGNORED:
            continue
        spec = _LINE_FIELDS.get(child.tag)
        if spec is None:
            raise errors.business(f"{label}: element {child.tag} is not allowed in a transaction line.")
        name, kind = spec
        try:
            values[name] = parse_value(child.tag, kind, (child.text or "").strip() if kind != TEXT else
                                       child.text or "")
        except FieldValueError as error:
            raise errors.business(f"{label}: {error}") from None
    return values


def _header(element: ET.Element, ctx: FunctionContext, *, skip: set[str]) -> Record:
    header: Record = {}
    for child in element:
        tag = child.tag
        if tag in skip or tag in _HEADER_IGNORED:
            continue
        if tag in ("datecreated", "datedue"):
            header["WHENCREATED" if tag == "datecreated" else "WHENDUE"] = _date(child, tag)
            continue
        if tag == "customfields":
            allowed = ctx.store.settings.custom_fields.get("SODOCUMENT", ())
            for custom in child:
                name = _text(custom, "customfieldname") or ""
                if name not in allowed:
                    raise errors.business(f"Custom field '{name}' is not defined for this transaction.",
                                          "Define the custom field in the company first.")
                header[name] = _text(custom, "customfieldvalue")
            continue
        spec = _HEADER_FIELDS.get(tag)
        if spec is None:
            raise errors.business(f"Element {tag} is not allowed in this Order Entry function.")
        header[spec[0]] = child.text or None
    return header


def create_sotransaction(element: ET.Element, ctx: FunctionContext) -> list[Node]:
    header = _header(element, ctx, skip={"transactiontype", "sotransitems"})
    header["DOCPARID"] = _text(element, "transactiontype")
    if "WHENCREATED" not in header:
        raise errors.business("datecreated is required.", "", "Could not create Document record!")
    items = _child(element, "sotransitems")
    lines = []
    if items is not None:
        for index, item in enumerate(items, start=1):
            if item.tag != "sotransitem":
                raise errors.business(f"sotransitems holds sotransitem elements, not {item.tag}.")
            lines.append(_line(item, f"sotransitem {index}"))
    document = ctx.store.create_document(header, lines, entity=ctx.entity)
    return [Node("key", document["DOCID"])]


def update_sotransaction(element: ET.Element, ctx: FunctionContext) -> list[Node]:
    key = element.get("key")
    if not key:
        raise errors.business("update_sotransaction needs its key attribute (\"<type>-<document number>\").")
    header = _header(element, ctx, skip={"updatesotransitems"})
    for forbidden in ("CUSTVENDID", "DOCNO", "CREATEDFROM", "EXTERNALID"):
        if forbidden in header:
            raise errors.business(f"{forbidden} cannot be changed by update_sotransaction.")
    line_updates: dict[int, Record] = {}
    new_lines: list[Record] = []
    items = _child(element, "updatesotransitems")
    if items is not None:
        for item in items:
            if item.tag == "updatesotransitem":
                try:
                    line_num = int(item.get("line_num", ""))
                except ValueError:
                    raise errors.business("updatesotransitem needs a numeric line_num attribute (1-based).") from None
                line_updates[line_num] = _line(item, f"updatesotransitem line_num {line_num}")
            elif item.tag == "sotransitem":
                new_lines.append(_line(item, f"new sotransitem {len(new_lines) + 1}"))
            else:
                raise errors.business(f"updatesotransitems cannot hold {item.tag}.")
    document = ctx.store.update_document(key, header, line_updates, new_lines, entity=ctx.entity)
    return [Node("key", document["DOCID"])]


def get_api_session(element: ET.Element, ctx: FunctionContext) -> list[Node]:
    location = _child(element, "locationid")
    requested = None if location is None else (location.text or "").strip()
    if requested and ctx.store.by_id("LOCATION", requested) is None:
        raise errors.business(f"Location ID '{requested}' is not a valid entity.", "", "Could not create session")
    sessionid, endpoint, locationid = ctx.new_session(requested)
    data = Node("data")
    api = data.add("api")
    api.add("sessionid", sessionid)
    api.add("endpoint", endpoint)
    api.add("locationid", locationid)
    return [data]


HANDLERS: dict[str, Handler] = {
    "getAPISession": get_api_session, "readByQuery": read_by_query, "readMore": read_more, "query": query,
    "read": read, "create": create, "update": update, "create_sotransaction": create_sotransaction,
    "update_sotransaction": update_sotransaction,
}


def metered_units(name: str, element: ET.Element) -> int:
    """API transactions a function costs (docs/intacct.md "Metering"): each record of a create/update, one per
    read page, none for getAPISession."""
    if name == "getAPISession":
        return 0
    if name in ("create", "update"):
        return max(1, len(list(element)))
    return 1

