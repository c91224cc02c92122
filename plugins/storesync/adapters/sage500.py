"""Sage 500 adapter: one object per task that dispatches each entity to the module that knows it.

Registries (entity → ``module:function``) keep the adapter free of per-entity branches; adding an
entity is a module plus one line here.
"""

from __future__ import annotations

import inspect
from typing import Any

from storesync.adapters.base import LoadOutcome
from storesync.adapters.registry import resolve
from storesync.hooks.sage500 import Sage500Hook

EXTRACTS = {
    "product": "storesync.adapters.sage500_catalogue:read_products",
    "inventory": "storesync.adapters.sage500_catalogue:read_inventory",
    "erp_customer": "storesync.adapters.sage500_customers:read_customers",
    "shipment": "storesync.adapters.sage500_shipments:read_shipments",
}
PREPARES = {
    "order": "storesync.adapters.sage500_orders:prepare_orders",
    "customer": "storesync.adapters.sage500_customers:prepare_customers",
}
LOADS = {
    "order": "storesync.adapters.sage500_orders:load_orders",
    "customer": "storesync.adapters.sage500_customers:load_customers",
    "payment": "storesync.adapters.sage500_payments:load_payments",
    "refund": "storesync.adapters.sage500_payments:load_credit_memos",
}
# Reads of named records (re-sync, DLQ replay): entity -> "module:function(hook, options, keys)".
EXTRACT_KEYS = {
    "shipment": "storesync.adapters.sage500_shipments:read_shipments_by_key",
}
# Extracted records that are not the flow's to carry (skipped at once, with the reason):
# entity -> "module:function(record, options) -> reason | None".
OUT_OF_SCOPE = {
    "shipment": "storesync.adapters.sage500_shipments:out_of_scope",
}


class Sage500Adapter:
    def __init__(self, *, conn_id: str, hook: Sage500Hook | None = None, options: dict | None = None) -> None:
        self.conn_id = conn_id
        self.hook = hook or Sage500Hook(conn_id)
        self.options = options or {}

    def extract(self, entity: str, since, until):
        return resolve(EXTRACTS, entity, "Sage 500 extract")(self.hook, self.options, since, until)

    def prepare(self, entity: str, records: list[tuple[str, dict[str, Any]]], options: dict[str, Any]) -> dict[str, dict[str, Any]]:
        if entity not in PREPARES:
            return {key: {} for key, _ in records}
        return resolve(PREPARES, entity, "Sage 500 prepare")(self.hook, records, options)

    def load(self, entity: str, records: list[tuple[str, dict[str, Any]]], *, pair: str, run_id: str) -> list[LoadOutcome]:
        load = resolve(LOADS, entity, "Sage 500 load")
        if "options" in inspect.signature(load).parameters:
            return load(self.hook, records, options=self.options)
        return load(self.hook, records)

    def extract_keys(self, entity: str, keys: list[str]):
        """The named records, whatever their dates; keys Sage does not have are left out (and reported)."""
        return resolve(EXTRACT_KEYS, entity, "Sage 500 extract by key")(self.hook, self.options, keys)

    def out_of_scope(self, entity: str, record: dict[str, Any]) -> str | None:
        """Why an extracted record is not this flow's to carry (it is skipped with that reason), or None."""
        if entity not in OUT_OF_SCOPE:
            return None
        return resolve(OUT_OF_SCOPE, entity, "Sage 500 scope")(record, self.options)
