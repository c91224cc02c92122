"""Reading Acumatica's item master and stock: the source side of the products and inventory flows.

**Products** are the ``StockItem`` records changed in the window (``$filter`` on ``LastModifiedDateTime``,
from inclusive, to exclusive), paged by the client and ordered by ``InventoryID``; ``$select`` keeps each page
to the fields the mapping reads.

**Inventory** is a full snapshot per run, like Sage 500's (push-changes-only skips the SKUs whose stock did
not change, downstream): what the storefront may sell is Acumatica's ``QtyAvailable`` summed over the pair's
warehouses, less the safety stock (:class:`storesync.adapters.stock_levels.StockRule`).

Where it comes from (Default/24.200.001 models in Acumatica/AcumaticaRESTAPIClientForCSharp):

- ``InventorySummaryInquiry`` (parameters InventoryID, WarehouseID, LocationID, Subitem, ExpandByLotSerialNbr)
  answers ``Results`` rows (``InventorySummaryRow``: WarehouseID, LocationID, QtyOnHand, QtyAvailable,
  QtyAvailableForShipment, …) that carry **no InventoryID**: a row says nothing about which item it is, so
  the inquiry is asked **per item** and its rows are that item's. Rows may come per location: they are summed
  per warehouse; a row of another warehouse (or a blank total row) is never counted.
- ``StockItem?$expand=WarehouseDetails`` pages many items at once, but ``StockItemWarehouseDetail`` has
  ``QtyOnHand`` only, no availability: publishing on-hand stock would sell what open orders already hold.
  It is not used.

Cost, measured by tests/storesync/adapters/test_acumatica_catalogue.py against the emulator: one ``GET
StockItem`` page per ``page_size`` items (``$select=InventoryID``) plus **one inquiry per item**, i.e.
1 + 1/page_size requests per SKU (1.002 at the default 500): 10,000 SKUs are about 10,020 requests, 35 minutes
at a licence of 300 requests a minute. The reads of one run are the largest request load of the pair; see
docs/acumatica.md for the alternatives a site can set up (a generic inquiry over INSiteStatus).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from storesync.systems.acumatica.reads import changed_between, number, pick, text
from storesync.adapters.stock_levels import StockRule

ITEM_FIELDS = ("InventoryID", "Description", "ItemStatus", "DefaultPrice", "ItemClass", "BaseUOM",
               "LastModifiedDateTime")
INQUIRY = "InventorySummaryInquiry"


def _item(record: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    item = pick(record, ITEM_FIELDS, texts=("InventoryID", "Description", "ItemStatus", "ItemClass", "BaseUOM"),
                numbers=("DefaultPrice",), times=("LastModifiedDateTime",))
    return item["InventoryID"] or "", item


def read_products(client, options: dict[str, Any], since: datetime, until: datetime) -> Iterator[tuple[str, dict]]:
    for record in client.list("StockItem", filter=changed_between(since, until), select=ITEM_FIELDS):
        yield _item(record)


def read_products_by_key(client, options: dict[str, Any], keys: list[str]) -> Iterator[tuple[str, dict]]:
    """The named items (re-sync, DLQ replay), whatever their dates; unknown ids are left out (and reported)."""
    for key in dict.fromkeys(k.strip() for k in keys if k.strip()):
        record = client.get("StockItem", key)
        if record is not None:
            yield _item(record)


def _stock_rows(client, rule: StockRule, item_id: str) -> list[dict[str, Any]]:
    """One item's stock per pair warehouse, from one inquiry (its rows, per location, summed by warehouse)."""
    parameters = {"InventoryID": item_id}
    if len(rule.warehouses) == 1:
        parameters["WarehouseID"] = rule.warehouses[0]  # a smaller answer; the rows are still checked below
    totals: dict[str, dict[str, Any]] = {}
    for row in client.inquiry(INQUIRY, parameters):
        warehouse = text(row.get("WarehouseID"))
        if not warehouse or not rule.covers(warehouse):
            continue  # another warehouse, or a total row: never counted twice
        entry = totals.setdefault(warehouse.upper(), {"WarehouseID": warehouse, "QtyOnHand": Decimal(0),
                                                      "QtyAvailable": Decimal(0)})
        for name in ("QtyOnHand", "QtyAvailable"):
            quantity = number(row.get(name))
            # An unreadable quantity poisons the warehouse's sum: the raw gate sends the item to the DLQ.
            entry[name] = None if quantity is None or entry[name] is None else entry[name] + quantity
    order = [warehouse.upper() for warehouse in rule.warehouses]
    return [totals[key] for key in sorted(totals, key=order.index)]


def _stock(item_id: str, rows: list[dict[str, Any]], rule: StockRule) -> dict[str, Any]:
    # An unreadable quantity counts as nothing here and the raw gate sends the item to the DLQ naming it.
    available = rule.available(row["QtyAvailable"] for row in rows if row["QtyAvailable"] is not None)
    return {
        "InventoryID": item_id,
        "warehouses": rows,
        "QtyAvailable": available,
        "SafetyStock": rule.safety_stock,
        "AvailableToSell": rule.to_sell(available),
    }


def read_inventory(client, options: dict[str, Any], since: datetime, until: datetime) -> Iterator[tuple[str, dict]]:
    """Stock per item over the pair's warehouses, in InventoryID order (see the module docstring)."""
    rule = StockRule.from_options(options)
    items = [text(record.get("InventoryID")) for record in client.list("StockItem", select=("InventoryID",))]
    for item_id in sorted({item for item in items if item}):
        rows = _stock_rows(client, rule, item_id)
        if rows:
            yield item_id, _stock(item_id, rows, rule)


def read_inventory_by_key(client, options: dict[str, Any], keys: list[str]) -> Iterator[tuple[str, dict]]:
    """The named items' stock (re-sync, DLQ replay): one inquiry per item."""
    rule = StockRule.from_options(options)
    for key in dict.fromkeys(k.strip() for k in keys if k.strip()):
        rows = _stock_rows(client, rule, key)
        if rows:
            yield key, _stock(key, rows, rule)
