"""Acumatica adapter: entity → module tables over the contract-based REST API (docs/acumatica.md).

The registered functions receive an ``AcumaticaClient`` (one API session per task): it logs in on the first
request and ``close()`` logs out, which the operators call when the task ends, failed or not.
"""

from __future__ import annotations

from typing import Any

from storesync.adapters.registry import RegistryAdapter

EXTRACTS: dict[str, str] = {
    "product": "storesync.systems.acumatica.catalogue:read_products",
    "inventory": "storesync.systems.acumatica.catalogue:read_inventory",
    "erp_customer": "storesync.systems.acumatica.customers:read_customers",
    "shipment": "storesync.systems.acumatica.shipments:read_shipments",
}
PREPARES: dict[str, str] = {
    "order": "storesync.systems.acumatica.orders:prepare_orders",
    "customer": "storesync.systems.acumatica.customers:prepare_customers",
}
LOADS: dict[str, str] = {
    "order": "storesync.systems.acumatica.orders:load_orders",
    "payment": "storesync.systems.acumatica.payments:load_payments",
    "refund": "storesync.systems.acumatica.payments:load_credit_memos",
    "customer": "storesync.systems.acumatica.customers:load_customers",
}
EXTRACT_KEYS: dict[str, str] = {
    "product": "storesync.systems.acumatica.catalogue:read_products_by_key",
    "inventory": "storesync.systems.acumatica.catalogue:read_inventory_by_key",
    "erp_customer": "storesync.systems.acumatica.customers:read_customers_by_key",
    "shipment": "storesync.systems.acumatica.shipments:read_shipments_by_key",
}
OUT_OF_SCOPE: dict[str, str] = {
    "shipment": "storesync.systems.acumatica.shipments:out_of_scope",
}

# Daily reconciliation for finance: entity -> "module:function(client, options, day_start, day_end)" (the day's
# documents) and "module:function(client, options, storefront_ids)" (documents naming those storefront ids).
RECONCILE: dict[str, str] = {
    "order": "storesync.systems.acumatica.reconcile:read_sales_orders",
    "payment": "storesync.systems.acumatica.reconcile:read_cash_receipts",
    "refund": "storesync.systems.acumatica.reconcile:read_credit_memos",
}
RECONCILE_BY_REF: dict[str, str] = {
    "order": "storesync.systems.acumatica.reconcile:sales_orders_by_ref",
    "payment": "storesync.systems.acumatica.reconcile:cash_receipts_by_ref",
    "refund": "storesync.systems.acumatica.reconcile:credit_memos_by_ref",
}


class AcumaticaAdapter(RegistryAdapter):
    system = "Acumatica"
    EXTRACTS, PREPARES, LOADS, EXTRACT_KEYS, OUT_OF_SCOPE = EXTRACTS, PREPARES, LOADS, EXTRACT_KEYS, OUT_OF_SCOPE
    RECONCILE, RECONCILE_BY_REF = RECONCILE, RECONCILE_BY_REF

    @classmethod
    def make_hook(cls, conn_id: str) -> Any:
        from storesync.systems.acumatica.hook import AcumaticaHook

        return AcumaticaHook(conn_id).get_client()
