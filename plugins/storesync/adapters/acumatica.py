"""Acumatica adapter: entity → module tables over the contract-based REST API (docs/acumatica.md).

The registered functions receive an ``AcumaticaClient`` (one API session per task): it logs in on the first
request and ``close()`` logs out, which the operators call when the task ends, failed or not.
"""

from __future__ import annotations

from typing import Any

from storesync.adapters.registry import RegistryAdapter

EXTRACTS: dict[str, str] = {
    "product": "storesync.adapters.acumatica_catalogue:read_products",
    "inventory": "storesync.adapters.acumatica_catalogue:read_inventory",
    "erp_customer": "storesync.adapters.acumatica_customers:read_customers",
    "shipment": "storesync.adapters.acumatica_shipments:read_shipments",
}
PREPARES: dict[str, str] = {
    "order": "storesync.adapters.acumatica_orders:prepare_orders",
    "customer": "storesync.adapters.acumatica_customers:prepare_customers",
}
LOADS: dict[str, str] = {
    "order": "storesync.adapters.acumatica_orders:load_orders",
    "payment": "storesync.adapters.acumatica_payments:load_payments",
    "refund": "storesync.adapters.acumatica_payments:load_credit_memos",
    "customer": "storesync.adapters.acumatica_customers:load_customers",
}
EXTRACT_KEYS: dict[str, str] = {
    "product": "storesync.adapters.acumatica_catalogue:read_products_by_key",
    "inventory": "storesync.adapters.acumatica_catalogue:read_inventory_by_key",
    "erp_customer": "storesync.adapters.acumatica_customers:read_customers_by_key",
    "shipment": "storesync.adapters.acumatica_shipments:read_shipments_by_key",
}
OUT_OF_SCOPE: dict[str, str] = {
    "shipment": "storesync.adapters.acumatica_shipments:out_of_scope",
}

# Daily reconciliation for finance: entity -> "module:function(client, options, day_start, day_end)" (the day's
# documents) and "module:function(client, options, storefront_ids)" (documents naming those storefront ids).
RECONCILE: dict[str, str] = {
    "order": "storesync.adapters.acumatica_reconcile:read_sales_orders",
    "payment": "storesync.adapters.acumatica_reconcile:read_cash_receipts",
    "refund": "storesync.adapters.acumatica_reconcile:read_credit_memos",
}
RECONCILE_BY_REF: dict[str, str] = {
    "order": "storesync.adapters.acumatica_reconcile:sales_orders_by_ref",
    "payment": "storesync.adapters.acumatica_reconcile:cash_receipts_by_ref",
    "refund": "storesync.adapters.acumatica_reconcile:credit_memos_by_ref",
}


class AcumaticaAdapter(RegistryAdapter):
    system = "Acumatica"
    EXTRACTS, PREPARES, LOADS, EXTRACT_KEYS, OUT_OF_SCOPE = EXTRACTS, PREPARES, LOADS, EXTRACT_KEYS, OUT_OF_SCOPE
    RECONCILE, RECONCILE_BY_REF = RECONCILE, RECONCILE_BY_REF

    @classmethod
    def make_hook(cls, conn_id: str) -> Any:
        from storesync.hooks.acumatica import AcumaticaHook

        return AcumaticaHook(conn_id).get_client()
