"""Reading Intacct shipments: the source side of the shipments flow (ERP → storefront tracking and status).

Standard Intacct Order Entry has no shipment object the XML API reads: sites record the carrier on the
document (``SHIPVIA``, the ``shippingmethod`` of create_sotransaction) and the tracking number in a custom
field of the transaction (here ``TRACKINGNUMBER``: the pair names it, option ``tracking_field``; the
emulated site's choice, docs/intacct.md "Shipping and tracking"). So a
shipment is a sales document (pair option ``shipment_transaction_types``, default the sales order and the
invoice) whose tracking field is set and which changed in the window (``WHENMODIFIED``): one ``query`` per
page, then one ``query`` for the lines of the page's documents (``SODOCUMENTENTRY`` by DOCHDRID).

A document's tracking number covers the whole document, so its shipment is ``complete`` with every line's
quantity. The record: DOCID, DOCPARID, PONUMBER (the storefront reference), TRACKINGNUMBER, SHIPVIA, STATE,
WHENMODIFIED (a datetime) and ``lines`` [{ITEMID, QUANTITY (Decimal)}]. Every such document is extracted;
:func:`out_of_scope` skips, with the reason, those that did not come from the storefront.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from storesync.adapters.shipment_scope import not_from_storefront
from storesync.systems.intacct import functions as fn
from storesync.systems.intacct.loading import changed_between, decimal, rows_where_in, text, timestamp
from storesync.systems.intacct.orders import SALES_INVOICE, SALES_ORDER, order_lines

DEFAULT_TYPES = (SALES_ORDER, SALES_INVOICE)
DEFAULT_TRACKING_FIELD = "TRACKINGNUMBER"


def _settings(options: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    return (str(options.get("tracking_field", DEFAULT_TRACKING_FIELD)),
            tuple(options.get("shipment_transaction_types") or DEFAULT_TYPES))


def _is_set(field: str) -> ET.Element:
    node = ET.Element("isnotnull")  # QueryFilter isNotNull (intacct-sdk-php NewQuery/QueryFilter/Filter.php)
    ET.SubElement(node, "field").text = field
    return node


def _select(tracking: str) -> list[str]:
    return ["RECORDNO", "DOCID", "DOCPARID", "PONUMBER", "STATE", "SHIPVIA", tracking, "WHENMODIFIED"]


def _shipments(client, rows: list[dict[str, Any]], tracking: str) -> Iterator[tuple[str, dict[str, Any]]]:
    lines = order_lines(client, [row["DOCID"] for row in rows]) if rows else {}
    for row in rows:
        record = {"DOCID": row["DOCID"], "DOCPARID": row.get("DOCPARID"), "PONUMBER": text(row.get("PONUMBER")),
                  "TRACKINGNUMBER": text(row.get(tracking)), "SHIPVIA": text(row.get("SHIPVIA")),
                  "STATE": row.get("STATE"), "WHENMODIFIED": timestamp(row.get("WHENMODIFIED")), "complete": True,
                  "lines": [{"ITEMID": line["ITEMID"], "QUANTITY": decimal(line.get("QUANTITY"))}
                            for line in lines.get(row["DOCID"], [])]}
        yield row["DOCID"], record


def read_shipments(client, options: dict[str, Any], since: datetime, until: datetime) -> Iterator[tuple[str, dict]]:
    """Documents given a tracking number (or changed after one) in [since, until), with their lines."""
    tracking, types = _settings(options)
    paginator = fn.QueryPaginator("SODOCUMENT", _select(tracking), where=fn.all_of(
        changed_between(since, until), _is_set(tracking), fn.is_in("DOCPARID", types)))
    page: list[dict[str, Any]] = []
    for row in client.iter_rows(paginator):
        page.append(row)
        if len(page) == paginator.page_size:
            yield from _shipments(client, page, tracking)
            page = []
    yield from _shipments(client, page, tracking)


def read_shipments_by_key(client, options: dict[str, Any], keys: list[str]) -> Iterator[tuple[str, dict]]:
    """The named documents' shipments (re-sync, DLQ replay); documents without tracking are left out."""
    tracking, _ = _settings(options)
    rows = [row for row in rows_where_in(client, "SODOCUMENT", _select(tracking), "DOCID",
                                         [k.strip() for k in keys if k and k.strip()]) if text(row.get(tracking))]
    yield from _shipments(client, rows, tracking)


def out_of_scope(record: dict[str, Any], options: dict[str, Any]) -> str | None:
    """Why a shipment is not the storefront's business (a document without a storefront reference), else None."""
    if not isinstance(record, dict) or not record.get("DOCID"):
        return None
    return not_from_storefront(str(record["DOCID"]), str(record["DOCID"]), "PONUMBER", record.get("PONUMBER"),
                               options)
