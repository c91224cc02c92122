"""X-Cart as the target of the products and inventory flows: the catalogue by SKU, created and updated.

Products are never deleted: an item the ERP retires is disabled. Stock is only written for products the
store has; a SKU the storefront lacks is reported (outcome ``skipped``, reason ``not_in_storefront``),
never invented.

The catalogue is read in the complex schema (stock is ``quantity`` there: ``Core/Schema/Complex/Product``),
written in the native one (the complex schema is GET-only): ``price``, ``enabled``, ``amount`` (the stock)
are fields of ``XLite\Model\Product``; the name lives on its translation, written as
``translations[][label_id, name]`` with the label id read from the product's native record (a translation
row without its id would be added as a second one). A create is ``POST product/0``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from storesync.adapters.base import LoadOutcome
from storesync.hooks.errors import PermanentRecordError
from storesync.systems.xcart.hook import XCartClient

PRODUCT_FIELDS = ("name", "price", "enabled")
NATIVE_FIELDS = ("price", "enabled")
LANGUAGE = "en"


def from_native(native: dict[str, Any], name: Any = None) -> dict[str, Any]:
    """A native product as the catalogue keeps it (the complex schema's names)."""
    translations = [t for t in native.get("translations") or [] if isinstance(t, dict)]
    return {"productId": native.get("product_id"), "sku": native.get("sku"), "price": native.get("price"),
            "enabled": native.get("enabled"), "quantity": native.get("amount"),
            "name": translations[0].get("name") if translations else name}


def native_changes(client, product_id: Any, changes: dict[str, Any]) -> dict[str, Any]:
    """Our field changes as a native PUT body; a name change asks the product's translation id first."""
    body = {field: changes[field] for field in NATIVE_FIELDS if field in changes}
    if "name" in changes:
        native = client.find("product", product_id, schema=None) or {}
        translation = next((t for t in native.get("translations") or []
                            if isinstance(t, dict) and t.get("code") == LANGUAGE), None)
        if translation is None:
            raise PermanentRecordError(f"product {product_id} has no '{LANGUAGE}' translation to rename")
        body["translations"] = [{"label_id": translation.get("label_id"), "name": changes["name"]}]
    return body


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
                created = from_native(catalogue.client.create("product", {
                    "sku": record["sku"], "amount": 0, "price": record["price"], "enabled": record["enabled"],
                    "translations": [{"code": LANGUAGE, "name": record["name"]}]}), record["name"])
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
            updated = catalogue.client.update("product", current["productId"],
                                              native_changes(catalogue.client, current["productId"], changes))
            catalogue.remember(from_native(updated, record["name"]))
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
        if int(current.get("quantity") or 0) == amount:
            outcomes.append(LoadOutcome(key, "skipped", "storefront stock already equal"))
            continue
        try:
            catalogue.remember(from_native(catalogue.client.update("product", current["productId"], {"amount": amount}),
                                           current.get("name")))
        except PermanentRecordError as exc:
            outcomes.append(LoadOutcome(key, "dlq", f"inventory {key}: X-Cart refused amount {amount}: {exc}",
                                        reason_code="target_rejected"))
            continue
        outcomes.append(LoadOutcome(key, "loaded", f"stock {current.get('quantity')} → {amount}"))
    return outcomes

