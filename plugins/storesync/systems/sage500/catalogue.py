"""Reading Sage 500's item master and stock: the source side of the products and inventory flows.

Both reads page by ``ItemKey`` (keyset, never OFFSET) so a catalogue of any size streams in constant
memory. Sage stores local times without a zone; the sandbox and this adapter treat them as UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from storesync.adapters.stock_levels import StockRule
from storesync.systems.sage500.hook import Sage500Hook, to_decimal

PAGE = 1000
ITEM_STATUS = {1: "active", 2: "inactive", 3: "discontinued", 4: "deleted"}


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def _marks(values) -> str:
    return ", ".join("?" for _ in values)


_ITEM_COLUMNS = "i.ItemKey, i.ItemID, i.Status, i.StdPrice, i.UpdateDate"
_WITH_DESCRIPTIONS = (", d.ShortDesc, d.LongDesc", " LEFT JOIN timItemDescription d ON d.ItemKey = i.ItemKey")


def iter_item_pages(hook: Sage500Hook, connection, *, descriptions: bool = True, since: datetime | None = None,
                    until: datetime | None = None) -> Iterator[list[dict[str, Any]]]:
    """Pages of items (key, id, status, price, descriptions when asked), changed in [since, until) when given."""
    extra_columns, join = _WITH_DESCRIPTIONS if descriptions else ("", "")
    window = ""
    params: list[Any] = []
    if since is not None and until is not None:
        window = " AND i.UpdateDate >= ? AND i.UpdateDate < ?"
        params = [_naive_utc(since), _naive_utc(until)]
    last_key = 0
    while True:
        rows = hook.fetch_all(
            connection,
            f"SELECT {_ITEM_COLUMNS}{extra_columns} FROM timItem i{join} "
            f"WHERE i.CompanyID = ? AND i.ItemKey > ?{window} ORDER BY i.ItemKey {hook.first_rows(PAGE)}",
            [hook.company_id, last_key, *params],
        )
        if not rows:
            return
        yield rows
        last_key = int(rows[-1]["ItemKey"])


def read_products(hook: Sage500Hook, options: dict[str, Any], since: datetime, until: datetime) -> Iterator[tuple[str, dict]]:
    with hook.transaction("item master read") as connection:
        for page in iter_item_pages(hook, connection, since=since, until=until):
            for row in page:
                item_id = str(row["ItemID"]).strip()
                yield item_id, {
                    "ItemKey": int(row["ItemKey"]),
                    "ItemID": item_id,
                    "Status": int(row["Status"]) if row["Status"] is not None else None,
                    "StdPrice": to_decimal(row["StdPrice"]),
                    "ShortDesc": (row["ShortDesc"] or "").strip() or None,
                    "LongDesc": row["LongDesc"],
                    "UpdateDate": row["UpdateDate"],
                }


def read_inventory(hook: Sage500Hook, options: dict[str, Any], since: datetime, until: datetime) -> Iterator[tuple[str, dict]]:
    """Stock per item over the pair's warehouses: a full snapshot (stock has no reliable change date).

    ``available`` is Sage's own notion, Σ(QtyOnHand − PendQtyDecrease) over those warehouses; the safety
    stock the pair keeps back is subtracted and the result floored at zero for the storefront
    (:class:`storesync.adapters.stock_levels.StockRule`).
    """
    rule = StockRule.from_options(options)
    warehouses = list(rule.warehouses)
    with hook.transaction("stock read") as connection:
        for page in iter_item_pages(hook, connection, descriptions=False):
            live = [row for row in page if row["Status"] != 4]
            keys = [int(row["ItemKey"]) for row in live]
            stock: dict[int, list[dict[str, Any]]] = {key: [] for key in keys}
            if keys:
                for row in hook.fetch_all(
                    connection,
                    "SELECT b.ItemKey, w.WhseID, b.QtyOnHand, b.PendQtyDecrease FROM timWhseBinInvt b "
                    "JOIN timWarehouse w ON w.WhseKey = b.WhseKey "
                    f"WHERE w.CompanyID = ? AND w.WhseID IN ({_marks(warehouses)}) AND b.ItemKey IN ({_marks(keys)}) "
                    "ORDER BY b.ItemKey, w.WhseID",
                    [hook.company_id, *warehouses, *keys],
                ):
                    stock[int(row["ItemKey"])].append({
                        "WhseID": str(row["WhseID"]).strip(),
                        "QtyOnHand": to_decimal(row["QtyOnHand"]) or Decimal(0),
                        "PendQtyDecrease": to_decimal(row["PendQtyDecrease"]) or Decimal(0),
                    })
            for row in live:
                item_id = str(row["ItemID"]).strip()
                bins = stock[int(row["ItemKey"])]
                available = rule.available(b["QtyOnHand"] - b["PendQtyDecrease"] for b in bins)
                yield item_id, {
                    "ItemID": item_id,
                    "Status": int(row["Status"]),
                    "warehouses": bins,
                    "QtyAvailable": available,
                    "SafetyStock": rule.safety_stock,
                    "AvailableToSell": rule.to_sell(available),
                }
