"""Reading Intacct's item master, prices and stock: the source side of the products and inventory flows.

**Products** are the ``ITEM`` records changed in the window (``query`` with ``WHENMODIFIED >= since`` and
``< until``, ordered by RECORDNO so that offsets are stable), a page of up to 2000 per request. The price
the storefront shows is the item's ``BASEPRICE`` (the base price on the item, as intacct-sdk-php
``InventoryControl/ItemCreate.php`` writes it; the emulator's choice in docs/intacct.md "Prices"). Sites that sell off an Order Entry price list (``SOPRICELIST``
entries) are not served yet: the emulator has no price list object, noted in docs/intacct.md.

**Inventory** is a full snapshot per run, read in one paged ``query`` on ``ITEMWAREHOUSEINFO`` (the item's
per-warehouse quantities: ITEMID, WAREHOUSEID, QTYONHAND, QTYONORDER, QTYONHOLD) with ``WAREHOUSEID in``
the pair's warehouses: about 2000 stock rows a request, far cheaper than one read per item. What the
storefront may sell of a warehouse is ``QTYONHAND - QTYONHOLD`` (on hand less what open sales orders hold;
QTYONORDER is stock *coming in* on purchase orders and is not sellable yet), summed over the pair's
warehouses less the safety stock (:class:`storesync.adapters.stock_levels.StockRule`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from storesync.adapters.stock_levels import StockRule
from storesync.systems.intacct import functions as fn
from storesync.systems.intacct.loading import changed_between, decimal, rows_where_in, text

ITEM_FIELDS = ("RECORDNO", "ITEMID", "NAME", "STATUS", "ITEMTYPE", "BASEPRICE", "EXTENDED_DESCRIPTION", "UOMGRP",
               "WHENMODIFIED")
STOCK_FIELDS = ("ITEMID", "WAREHOUSEID", "QTYONHAND", "QTYONORDER", "QTYONHOLD")


def _item(row: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    item = {name: row.get(name) for name in ITEM_FIELDS}
    item["BASEPRICE"] = decimal(item["BASEPRICE"])
    return text(item["ITEMID"]) or "", item


def read_products(client, options: dict[str, Any], since: datetime, until: datetime) -> Iterator[tuple[str, dict]]:
    """Items Intacct changed in [since, until), with their list price (Decimal)."""
    for row in client.iter_rows(fn.QueryPaginator("ITEM", list(ITEM_FIELDS), where=changed_between(since, until))):
        yield _item(row)


def read_products_by_key(client, options: dict[str, Any], keys: list[str]) -> Iterator[tuple[str, dict]]:
    """The named items (re-sync, DLQ replay), whatever their dates; unknown ids are left out."""
    for row in rows_where_in(client, "ITEM", ITEM_FIELDS, "ITEMID", [k.strip() for k in keys if k and k.strip()]):
        yield _item(row)


def _warehouse_row(row: dict[str, Any]) -> dict[str, Any]:
    on_hand, on_hold = decimal(row.get("QTYONHAND")), decimal(row.get("QTYONHOLD"))
    # An unreadable quantity poisons the row's availability: the raw gate then sends the item to the DLQ.
    available = None if on_hand is None else on_hand - (on_hold or Decimal(0))
    return {"WAREHOUSEID": text(row.get("WAREHOUSEID")), "QTYONHAND": on_hand, "QTYONHOLD": on_hold,
            "QTYONORDER": decimal(row.get("QTYONORDER")), "QtyAvailable": available}


def _stock(item_id: str, rows: list[dict[str, Any]], rule: StockRule) -> dict[str, Any]:
    order = [w.upper() for w in rule.warehouses]
    rows = sorted(rows, key=lambda r: order.index(r["WAREHOUSEID"].upper()))
    available = rule.available(r["QtyAvailable"] for r in rows if r["QtyAvailable"] is not None)
    return {"ITEMID": item_id, "warehouses": rows, "QtyAvailable": available, "SafetyStock": rule.safety_stock,
            "AvailableToSell": rule.to_sell(available)}


def _stock_by_item(rows: Iterator[dict[str, Any]], rule: StockRule) -> dict[str, list[dict[str, Any]]]:
    by_item: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        item_id = text(row.get("ITEMID"))
        if item_id and rule.covers(row.get("WAREHOUSEID")):  # checked again: ids may differ in case
            by_item.setdefault(item_id, []).append(_warehouse_row(row))
    return by_item


def read_inventory(client, options: dict[str, Any], since: datetime, until: datetime) -> Iterator[tuple[str, dict]]:
    """Stock per item over the pair's warehouses, in ITEMID order (see the module docstring)."""
    rule = StockRule.from_options(options)
    paginator = fn.QueryPaginator("ITEMWAREHOUSEINFO", list(STOCK_FIELDS),
                                  where=fn.is_in("WAREHOUSEID", rule.warehouses))
    by_item = _stock_by_item(client.iter_rows(paginator), rule)
    for item_id in sorted(by_item):
        yield item_id, _stock(item_id, by_item[item_id], rule)


def read_inventory_by_key(client, options: dict[str, Any], keys: list[str]) -> Iterator[tuple[str, dict]]:
    """The named items' stock (re-sync, DLQ replay); items without stock rows are left out."""
    rule = StockRule.from_options(options)
    wanted = [k.strip() for k in keys if k and k.strip()]
    rows = (row for row in rows_where_in(client, "ITEMWAREHOUSEINFO", STOCK_FIELDS, "ITEMID", wanted))
    by_item = _stock_by_item(rows, rule)
    for item_id in dict.fromkeys(wanted):
        if item_id in by_item:
            yield item_id, _stock(item_id, by_item[item_id], rule)
