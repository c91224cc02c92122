"""Sage 500 adapter: one object per task that dispatches each entity to the module that knows it.

Registries (entity → ``module:function``) keep the adapter free of per-entity branches; adding an
entity is a module plus one line here.
"""

from __future__ import annotations

from storesync.adapters.registry import RegistryAdapter
from storesync.systems.sage500.hook import Sage500Hook

EXTRACTS = {
    "product": "storesync.systems.sage500.catalogue:read_products",
    "inventory": "storesync.systems.sage500.catalogue:read_inventory",
    "erp_customer": "storesync.systems.sage500.customers:read_customers",
    "shipment": "storesync.systems.sage500.shipments:read_shipments",
}
PREPARES = {
    "order": "storesync.systems.sage500.orders:prepare_orders",
    "customer": "storesync.systems.sage500.customers:prepare_customers",
}
LOADS = {
    "order": "storesync.systems.sage500.orders:load_orders",
    "customer": "storesync.systems.sage500.customers:load_customers",
    "payment": "storesync.systems.sage500.payments:load_payments",
    "refund": "storesync.systems.sage500.payments:load_credit_memos",
}
# Reads of named records (re-sync, DLQ replay): entity -> "module:function(hook, options, keys)".
EXTRACT_KEYS = {
    "shipment": "storesync.systems.sage500.shipments:read_shipments_by_key",
}
# Extracted records that are not the flow's to carry (skipped at once, with the reason):
# entity -> "module:function(record, options) -> reason | None".
OUT_OF_SCOPE = {
    "shipment": "storesync.systems.sage500.shipments:out_of_scope",
}

# Daily reconciliation for finance: entity -> "module:function(hook, options, day_start, day_end)" (the day's
# documents) and "module:function(hook, options, storefront_ids)" (documents naming those storefront ids).
RECONCILE = {
    "order": "storesync.systems.sage500.reconcile:read_sales_orders",
    "payment": "storesync.systems.sage500.reconcile:read_cash_receipts",
    "refund": "storesync.systems.sage500.reconcile:read_credit_memos",
}
RECONCILE_BY_REF = {
    "order": "storesync.systems.sage500.reconcile:sales_orders_by_ref",
    "payment": "storesync.systems.sage500.reconcile:cash_receipts_by_ref",
    "refund": "storesync.systems.sage500.reconcile:credit_memos_by_ref",
}


class Sage500Adapter(RegistryAdapter):
    system = "Sage 500"
    EXTRACTS, PREPARES, LOADS, EXTRACT_KEYS, OUT_OF_SCOPE = EXTRACTS, PREPARES, LOADS, EXTRACT_KEYS, OUT_OF_SCOPE
    RECONCILE, RECONCILE_BY_REF = RECONCILE, RECONCILE_BY_REF

    @classmethod
    def make_hook(cls, conn_id: str) -> Sage500Hook:
        return Sage500Hook(conn_id)
