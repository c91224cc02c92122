"""Sage 500: its declaration (data only, stdlib imports: DAG parsing and the provider info read it).

Everything else Sage 500 knows lives beside this file: see README.md.
"""

from pathlib import Path

from storesync.systems.spec import ConnectionSpec, QualitySpec, SystemSpec

SYSTEM = SystemSpec(
    name="sage500",
    title="Sage 500",
    role="erp",
    adapter="storesync.systems.sage500.adapter:Sage500Adapter",
    connection=ConnectionSpec(
        conn_type="sage500",
        hook="storesync.systems.sage500.hook.Sage500Hook",
        hook_name="Sage 500 ERP (ODBC)",
        form="storesync.systems.sage500.connection",
    ),
    quality=QualitySpec(
        frames={
            ("order", "target"): "storesync.systems.sage500.frames_orders:sage500_staging_frame",
            ("product", "raw"): "storesync.systems.sage500.frames_catalogue:raw_sage500_items_frame",
            ("inventory", "raw"): "storesync.systems.sage500.frames_catalogue:raw_sage500_inventory_frame",
            ("customer", "target"): "storesync.systems.sage500.frames_customers:sage500_customer_staging_frame",
            ("erp_customer", "raw"): "storesync.systems.sage500.frames_customers:raw_sage500_customers_frame",
            ("shipment", "raw"): "storesync.systems.sage500.frames_shipments:raw_sage500_shipments_frame",
            ("payment", "target"): "storesync.systems.sage500.frames_payments:sage500_customer_payment_frame",
            ("refund", "target"): "storesync.systems.sage500.frames_payments:sage500_credit_memo_frame",
        },
        field_wording="storesync.systems.sage500.wording:FIELD_WORDING",
    ),
    folder=Path(__file__).parent,
)
