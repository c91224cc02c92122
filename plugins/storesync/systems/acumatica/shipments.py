"""Reading Acumatica shipments: the source side of the shipments flow (ERP → storefront order status).

A ``Shipment`` changed in the window is read with its ``Details`` (InventoryID, ShippedQty, the sales order
of each line), ``Packages`` (TrackingNbr) and ``Orders``; then its sales order (a few per ``$filter``
request, with ``Details``) gives the storefront reference (``CustomerOrder``, ``XC-<orderId>`` on web orders)
and whether the order is now completely shipped: every line's ``QtyOnShipments`` has reached ``OrderQty``.
"Now" is the moment of the read, as with Sage 500: a partial shipment read again after the order was
completed reports complete, which the X-Cart load (never backwards) makes harmless. ``QtyOnShipments``
also counts shipments not confirmed yet, so an order whose remaining lines sit on an open shipment reads
as complete a little early.

The raw record is the shipment as Acumatica has it plus ``SalesOrder`` (that summary), ``TrackingNbr`` (the
first package's tracking number) and ``AdditionalTrackingNbrs`` (``[{"TrackingNbr"}]``, every other package's
number once, in package order): a shipment of three boxes publishes three numbers on the storefront order.

Every shipment of the window is extracted; :func:`out_of_scope` then skips, with the reason, those that are
not the storefront's business: shipments of sales orders that did not come from it
(:mod:`storesync.adapters.shipment_scope`), transfers between warehouses, and shipments that have not left
the warehouse (Open, On Hold): confirming one moves its ``LastModifiedDateTime``, so a later run reads it again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from storesync.systems.acumatica.reads import any_of, changed_between, chunks, number, pick, text
from storesync.adapters.shipment_scope import not_from_storefront
from storesync.systems.acumatica.wire import odata_string

EXPAND = ("Details", "Packages", "Orders")
# Shipments whose sales orders are read together; 20 order numbers per $filter keep the URL short.
PAGE = 200
ORDER_CHUNK = 20
CUSTOMER_SHIPMENT = "Shipment"
SHIPPED = ("Confirmed", "Completed", "Invoiced", "Partially Invoiced")

HEADER_FIELDS = ("ShipmentNbr", "Type", "Status", "ShipmentDate", "CustomerID", "ShipVia", "LastModifiedDateTime")
LINE_FIELDS = ("LineNbr", "OrderType", "OrderNbr", "InventoryID", "ShippedQty")
PACKAGE_FIELDS = ("TrackingNbr", "Weight")
ORDER_FIELDS = ("OrderType", "OrderNbr")


def _lines(record: Any, name: str) -> list[dict[str, Any]]:
    found = record.get(name) if isinstance(record, dict) else None
    return [line for line in found if isinstance(line, dict)] if isinstance(found, list) else []


def order_keys(shipment: dict[str, Any]) -> list[tuple[str, str]]:
    """The (OrderType, OrderNbr) of the sales orders a shipment ships, in order of appearance."""
    keys: dict[tuple[str, str], None] = {}
    for line in [*_lines(shipment, "Orders"), *_lines(shipment, "Details")]:
        order_type, order_nbr = text(line.get("OrderType")), text(line.get("OrderNbr"))
        if order_nbr:
            keys.setdefault((order_type or "SO", order_nbr), None)
    return list(keys)


def order_progress(order: dict[str, Any]) -> dict[str, Any]:
    """A sales order as the shipments flow needs it: reference, status, and how much of it is shipped."""
    lines = _lines(order, "Details")
    ordered = [number(line.get("OrderQty")) or Decimal(0) for line in lines]
    shipped = [number(line.get("QtyOnShipments")) or Decimal(0) for line in lines]
    open_lines = sum(1 for qty, done in zip(ordered, shipped) if done < qty)
    return {
        "OrderType": text(order.get("OrderType")),
        "OrderNbr": text(order.get("OrderNbr")),
        "CustomerOrder": text(order.get("CustomerOrder")),
        "Status": text(order.get("Status")),
        "OrderQty": sum(ordered, Decimal(0)),
        "QtyOnShipments": sum(shipped, Decimal(0)),
        "LinesOpen": open_lines,
        # Every line shipped in full; an order without lines is not "complete".
        "Complete": bool(lines) and open_lines == 0,
    }


def sales_orders(client, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    """The named sales orders' progress, by (OrderType, OrderNbr); orders Acumatica lacks are absent."""
    wanted = set(keys)
    numbers = sorted({order_nbr for _, order_nbr in wanted})
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for chunk in chunks(numbers, ORDER_CHUNK):
        for order in client.list("SalesOrder", filter=any_of("OrderNbr", chunk, odata_string), expand=("Details",)):
            progress = order_progress(order)
            key = (progress["OrderType"] or "SO", progress["OrderNbr"])
            if key in wanted:  # the same number under another order type is another document
                found[key] = progress
    return found


def tracking_numbers(packages: list[dict[str, Any]]) -> list[str]:
    """The packages' tracking numbers, each once (two packages may share one label), blanks left out."""
    numbers: dict[str, None] = {}
    for package in packages:
        if package.get("TrackingNbr"):
            numbers.setdefault(package["TrackingNbr"], None)
    return list(numbers)


def shipment_record(shipment: dict[str, Any], orders: dict[tuple[str, str], dict[str, Any]]) -> dict[str, Any]:
    record = pick(shipment, HEADER_FIELDS, texts=("ShipmentNbr", "Type", "Status", "CustomerID", "ShipVia"),
                  times=("ShipmentDate", "LastModifiedDateTime"))
    record["Details"] = [pick(line, LINE_FIELDS, texts=("OrderType", "OrderNbr", "InventoryID"), numbers=("ShippedQty",))
                         for line in _lines(shipment, "Details")]
    record["Packages"] = [pick(package, PACKAGE_FIELDS, texts=("TrackingNbr",), numbers=("Weight",))
                          for package in _lines(shipment, "Packages")]
    keys = order_keys(shipment)
    record["Orders"] = [{"OrderType": order_type, "OrderNbr": order_nbr} for order_type, order_nbr in keys]
    record["SalesOrder"] = orders.get(keys[0]) if keys else None
    numbers = tracking_numbers(record["Packages"])
    record["TrackingNbr"] = numbers[0] if numbers else None
    record["AdditionalTrackingNbrs"] = [{"TrackingNbr": number} for number in numbers[1:]]
    return record


def _records(client, shipments: list[dict[str, Any]]) -> Iterator[tuple[str, dict]]:
    orders = sales_orders(client, [key for shipment in shipments for key in order_keys(shipment)])
    for shipment in shipments:
        record = shipment_record(shipment, orders)
        yield record["ShipmentNbr"] or "", record


def read_shipments(client, options: dict[str, Any], since: datetime, until: datetime) -> Iterator[tuple[str, dict]]:
    """Shipments whose ``LastModifiedDateTime`` lies in [since, until), one raw record each, keyed by ShipmentNbr."""
    page: list[dict[str, Any]] = []
    for shipment in client.list("Shipment", filter=changed_between(since, until), expand=EXPAND):
        page.append(shipment)
        if len(page) >= PAGE:
            yield from _records(client, page)
            page = []
    if page:
        yield from _records(client, page)


def read_shipments_by_key(client, options: dict[str, Any], keys: list[str]) -> Iterator[tuple[str, dict]]:
    """The named shipments (re-sync, DLQ replay), whatever their dates; unknown numbers are left out."""
    shipments = [found for key in dict.fromkeys(k.strip() for k in keys if k.strip())
                 if (found := client.get("Shipment", key, expand=EXPAND)) is not None]
    yield from _records(client, shipments)


def out_of_scope(record: dict[str, Any], options: dict[str, Any]) -> str | None:
    """Why a shipment is not the storefront's business, else None.

    A shipment whose sales order is missing, or whose reference is broken, stays in and the quality gate
    names the field.
    """
    if not isinstance(record, dict):
        return None
    shipment_nbr = record.get("ShipmentNbr")
    order = record.get("SalesOrder")
    if isinstance(order, dict) and order.get("OrderNbr"):
        reason = not_from_storefront(str(shipment_nbr), order["OrderNbr"], "CustomerOrder", order.get("CustomerOrder"), options)
        if reason:
            return reason
    kind = record.get("Type")
    if kind and kind != CUSTOMER_SHIPMENT:
        return f"shipment {shipment_nbr}: Type '{kind}' is not a shipment to a customer; nothing to update on the storefront"
    status = record.get("Status")
    if status not in SHIPPED:
        return (f"shipment {shipment_nbr}: Status '{status}' (not {', '.join(SHIPPED)}): nothing has left the warehouse "
                f"yet; it is read again when confirmed")
    return None
