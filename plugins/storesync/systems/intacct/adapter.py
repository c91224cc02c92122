"""Intacct adapter: entity → ``module:function`` tables over the XML gateway (docs/intacct.md).

The registered functions receive an :class:`~storesync.systems.intacct.client.IntacctClient` (one API session
per task, opened on the first request; Intacct sessions time out on their own, so there is nothing to log
out of). The signatures are the registry's (``storesync.adapters.registry.RegistryAdapter``).

Pair options read here: ``warehouse_id`` / ``inventory_warehouses`` / ``safety_stock`` (stock),
``guest_customers`` / ``guest_customer_id`` (orders), ``erp_owned_customer_fields`` (customers),
``order_transaction_type`` / ``invoice_type`` / ``refund_transaction_type`` (Order Entry definitions),
``location_id`` (the entity documents' lines post to), ``tracking_field`` / ``shipment_transaction_types``
(shipments), ``storefront_reference_prefix`` / ``reference_prefixes``.
"""

from __future__ import annotations

from typing import Any

from storesync.adapters.registry import RegistryAdapter

_PACKAGE = "storesync.systems.intacct"

EXTRACTS: dict[str, str] = {
    "product": f"{_PACKAGE}.catalogue:read_products",
    "inventory": f"{_PACKAGE}.catalogue:read_inventory",
    "erp_customer": f"{_PACKAGE}.customers:read_customers",
    "shipment": f"{_PACKAGE}.shipments:read_shipments",
}
EXTRACT_KEYS: dict[str, str] = {
    "product": f"{_PACKAGE}.catalogue:read_products_by_key",
    "inventory": f"{_PACKAGE}.catalogue:read_inventory_by_key",
    "erp_customer": f"{_PACKAGE}.customers:read_customers_by_key",
    "shipment": f"{_PACKAGE}.shipments:read_shipments_by_key",
}
PREPARES: dict[str, str] = {
    "order": f"{_PACKAGE}.orders:prepare_orders",
    "customer": f"{_PACKAGE}.customers:prepare_customers",
}
LOADS: dict[str, str] = {
    "order": f"{_PACKAGE}.orders:load_orders",
    "payment": f"{_PACKAGE}.payments:load_payments",
    "refund": f"{_PACKAGE}.refunds:load_credit_memos",
    "customer": f"{_PACKAGE}.customers:load_customers",
}
OUT_OF_SCOPE: dict[str, str] = {
    "shipment": f"{_PACKAGE}.shipments:out_of_scope",
}
RECONCILE: dict[str, str] = {
    "order": f"{_PACKAGE}.reconcile:read_sales_orders",
    "payment": f"{_PACKAGE}.reconcile:read_cash_receipts",
    "refund": f"{_PACKAGE}.reconcile:read_credit_memos",
}
RECONCILE_BY_REF: dict[str, str] = {
    "order": f"{_PACKAGE}.reconcile:sales_orders_by_ref",
    "payment": f"{_PACKAGE}.reconcile:cash_receipts_by_ref",
    "refund": f"{_PACKAGE}.reconcile:credit_memos_by_ref",
}


class IntacctAdapter(RegistryAdapter):
    system = "Intacct"
    EXTRACTS, PREPARES, LOADS, EXTRACT_KEYS, OUT_OF_SCOPE = EXTRACTS, PREPARES, LOADS, EXTRACT_KEYS, OUT_OF_SCOPE
    RECONCILE, RECONCILE_BY_REF = RECONCILE, RECONCILE_BY_REF

    @classmethod
    def make_hook(cls, conn_id: str) -> Any:
        from storesync.systems.intacct.hook import IntacctHook  # not at import: DAG files parse fast

        return IntacctHook(conn_id).get_client()
