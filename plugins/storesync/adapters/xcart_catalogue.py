"""X-Cart as the target of the products and inventory flows: the catalogue by SKU, created and updated.

Products are never deleted: an item the ERP retires is disabled. Stock is only written for products the
store has; a SKU the storefront lacks is reported (outcome ``skipped``, reason ``not_in_storefront``),
never invented.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from storesync.adapters.base import LoadOutcome
from storesync.hooks.errors import PermanentRecordError
from storesync.hooks.xcart import XCartClient

PRODUCT_FIELDS = ("name", "price", "enabled")


class Catalogue:
    """The store's products by SKU, read once per task and kept current as we write."""

    def __init__(self, client: XCartClient) -> None:
        self.client = client
        self.by_sku = {str(p["sku"]).strip().upper(): p for p in client.iter_records("product") if p.get("sku")}

    def get(self, sku: str) -> dict[str, Any] | None:
        return self.by_sku.get(sku.strip().upper())

    def remember(self, product: dict[str, Any]) -> None:
        self.by_sku[str(product["sku"]).strip().upper()] = product


def _same(current: Any, wanted: Any) -> bool:
    if isinstance(wanted, Decimal) or isinstance(current, Decimal):
        try:
            return Decimal(str(current)) == Decimal(str(wanted))
        except Exception:  # noqa: BLE001 - unparseable means different
            return False
    return current == wanted


def catalogue_of(adapter) -> Catalogue:
    return adapter.cached("catalogue", lambda: Catalogue(adapter.client))


def load_products(adapter, records: list[tuple[str, dict[str, Any]]]) -> list[LoadOutcome]:
    catalogue = catalogue_of(adapter)
    outcomes = []
    for key, record in records:
        try:
            current = catalogue.get(record["sku"])
            if current is None:
                created = catalogue.client.create("product", {"sku": record["sku"], "amount": 0,
                                                              **{f: record[f] for f in PRODUCT_FIELDS}})
                catalogue.remember(created)
                outcomes.append(LoadOutcome(key, "loaded", f"created product {created['productId']} (disabled until stocked)"
                                            if not record["enabled"] else f"created product {created['productId']}",
                                            target_id=str(created["productId"]), target_ref=record["sku"]))
                continue
            changes = {f: record[f] for f in PRODUCT_FIELDS if not _same(current.get(f), record[f])}
            if not changes:
                outcomes.append(LoadOutcome(key, "skipped", "storefront already up to date",
                                            target_id=str(current["productId"]), target_ref=record["sku"]))
                continue
            updated = catalogue.client.update("product", current["productId"], changes)
            catalogue.remember(updated)
            outcomes.append(LoadOutcome(key, "loaded", f"updated {', '.join(sorted(changes))}",
                                        target_id=str(current["productId"]), target_ref=record["sku"]))
        except PermanentRecordError as exc:
            outcomes.append(LoadOutcome(key, "dlq", f"product {key}: X-Cart refused it: {exc}", reason_code="target_rejected"))
    return outcomes


def load_inventory(adapter, records: list[tuple[str, dict[str, Any]]]) -> list[LoadOutcome]:
    catalogue = catalogue_of(adapter)
    outcomes = []
    for key, record in records:
        current = catalogue.get(record["sku"])
        if current is None:
            outcomes.append(LoadOutcome(key, "skipped", f"SKU {record['sku']} is not in the storefront: stock not pushed",
                                        reason_code="not_in_storefront"))
            continue
        amount = int(record["amount"])
        if int(current.get("amount") or 0) == amount:
            outcomes.append(LoadOutcome(key, "skipped", "storefront stock already equal"))
            continue
        try:
            catalogue.remember(catalogue.client.update("product", current["productId"], {"amount": amount}))
        except PermanentRecordError as exc:
            outcomes.append(LoadOutcome(key, "dlq", f"inventory {key}: X-Cart refused amount {amount}: {exc}",
                                        reason_code="target_rejected"))
            continue
        outcomes.append(LoadOutcome(key, "loaded", f"stock {current.get('amount')} → {amount}"))
    return outcomes

