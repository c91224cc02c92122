"""Sage 500 adapter: one object per task that dispatches each entity to the module that knows it.

Registries (entity → ``module:function``) keep the adapter free of per-entity branches; adding an
entity is a module plus one line here.
"""

from __future__ import annotations

from typing import Any

from storesync.adapters.base import LoadOutcome
from storesync.adapters.registry import resolve
from storesync.hooks.sage500 import Sage500Hook

EXTRACTS = {
    "product": "storesync.adapters.sage500_catalogue:read_products",
    "inventory": "storesync.adapters.sage500_catalogue:read_inventory",
}
PREPARES = {
    "order": "storesync.adapters.sage500_orders:prepare_orders",
}
LOADS = {
    "order": "storesync.adapters.sage500_orders:load_orders",
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
        return resolve(LOADS, entity, "Sage 500 load")(self.hook, records)
