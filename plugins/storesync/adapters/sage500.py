"""Sage 500 adapter: one object per task that dispatches each entity to the module that knows it.

Registries (entity → ``module:function``) keep the adapter free of per-entity branches; adding an
entity is a module plus one line here.
"""

from __future__ import annotations

from storesync.adapters.registry import RegistryAdapter
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

# Daily reconciliation for finance: entity -> "module:function(hook, options, day_start, day_end)" (the day's
# documents) and "module:function(hook, options, storefront_ids)" (documents naming those storefront ids).
RECONCILE = {
    "order": "storesync.adapters.sage500_reconcile:read_sales_orders",
    "payment": "storesync.adapters.sage500_reconcile:read_cash_receipts",
    "refund": "storesync.adapters.sage500_reconcile:read_credit_memos",
}
RECONCILE_BY_REF = {
    "order": "storesync.adapters.sage500_reconcile:sales_orders_by_ref",
    "payment": "storesync.adapters.sage500_reconcile:cash_receipts_by_ref",
    "refund": "storesync.adapters.sage500_reconcile:credit_memos_by_ref",
}


class Sage500Adapter(RegistryAdapter):
    system = "Sage 500"
    EXTRACTS, PREPARES, LOADS, EXTRACT_KEYS, OUT_OF_SCOPE = EXTRACTS, PREPARES, LOADS, EXTRACT_KEYS, OUT_OF_SCOPE
    RECONCILE, RECONCILE_BY_REF = RECONCILE, RECONCILE_BY_REF

    @classmethod
    def make_hook(cls, conn_id: str) -> Sage500Hook:
        return Sage500Hook(conn_id)
