"""Reading Acumatica's item master and stock: the source side of the products and inventory flows.

**Products** are the ``StockItem`` records changed in the window (``$filter`` on ``LastModifiedDateTime``,
from inclusive, to exclusive), paged by the client and ordered by ``InventoryID``; ``$select`` keeps each page
to the fields the mapping reads.

**Inventory** is a full snapshot per run, like Sage 500's (push-changes-only skips the SKUs whose stock did
not change, downstream): what the storefront may sell is Acumatica's ``QtyAvailable`` summed over the pair's
warehouses, less the safety stock (:class:`storesync.adapters.stock_levels.StockRule`). It is read with
``InventorySummaryInquiry``, one request per pair warehouse, rather than ``StockItem?$expand=WarehouseDetails``:

- requests: the inquiry answers a whole warehouse at once, so 100,000 SKUs in three warehouses take three
  requests; the StockItem list pages (``$top``), so the same catalogue takes 100 requests at 1,000 per page
  (and every licence-limited request counts);
- meaning: ``WarehouseDetails`` carries only ``QtyOnHand``; the inquiry carries ``QtyAvailable`` (on hand less
  what open orders and shipments have allocated), Acumatica's own availability, as Sage's
  QtyOnHand − PendQtyDecrease is Sage's. Publishing on-hand stock would sell what is promised already.

The price: one response holds a whole warehouse (about 100 bytes a row), read into memory at once.
An item with no row in the pair's warehouses has nothing to publish and is not reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from storesync.adapters.acumatica_reads import changed_between, number, pick, text
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


def _stock_rows(client, rule: StockRule, parameters: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """Inquiry rows per item, one request per pair warehouse; rows of other warehouses are never counted."""
    by_item: dict[str, list[dict[str, Any]]] = {}
    for warehouse in rule.warehouses:
        for row in client.inquiry(INQUIRY, {**parameters, "WarehouseID": warehouse}):
            if str(row.get("WarehouseID") or "").strip().upper() != warehouse.upper():
                continue  # an instance that ignored the parameter must not make us count a warehouse twice
            by_item.setdefault(text(row.get("InventoryID")) or "", []).append({
                "WarehouseID": text(row.get("WarehouseID")),
                "QtyOnHand": number(row.get("QtyOnHand")),
                "QtyAvailable": number(row.get("QtyAvailable")),
            })
    return by_item


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
    by_item = _stock_rows(client, rule, {})
    for item_id in sorted(by_item):
        yield item_id, _stock(item_id, by_item[item_id], rule)


def read_inventory_by_key(client, options: dict[str, Any], keys: list[str]) -> Iterator[tuple[str, dict]]:
    """The named items' stock (re-sync, DLQ replay): one inquiry per item and pair warehouse."""
    rule = StockRule.from_options(options)
    for key in dict.fromkeys(k.strip() for k in keys if k.strip()):
        rows = _stock_rows(client, rule, {"InventoryID": key}).get(key)
        if rows:
            yield key, _stock(key, rows, rule)
