"""Acumatica: its declaration (data only, stdlib imports: DAG parsing and the provider info read it).

Everything else Acumatica knows lives beside this file: see README.md.
"""

from pathlib import Path

from storesync.systems.spec import ConnectionSpec, QualitySpec, SystemSpec

SYSTEM = SystemSpec(
    name="acumatica",
    title="Acumatica",
    role="erp",
    adapter="storesync.systems.acumatica.adapter:AcumaticaAdapter",
    connection=ConnectionSpec(
        conn_type="acumatica",
        hook="storesync.systems.acumatica.hook.AcumaticaHook",
        hook_name="Acumatica",
        form="storesync.systems.acumatica.connection",
    ),
    quality=QualitySpec(
        frames={
            ("product", "raw"): "storesync.systems.acumatica.frames_catalogue:raw_acumatica_items_frame",
            ("inventory", "raw"): "storesync.systems.acumatica.frames_catalogue:raw_acumatica_inventory_frame",
            ("erp_customer", "raw"): "storesync.systems.acumatica.frames_catalogue:raw_acumatica_customers_frame",
            ("customer", "target"): "storesync.systems.acumatica.frames_catalogue:acumatica_customer_frame",
            ("shipment", "raw"): "storesync.systems.acumatica.frames_catalogue:raw_acumatica_shipments_frame",
            ("order", "target"): "storesync.systems.acumatica.frames_documents:acumatica_sales_order_frame",
            ("payment", "target"): "storesync.systems.acumatica.frames_documents:acumatica_payment_frame",
            ("refund", "target"): "storesync.systems.acumatica.frames_documents:acumatica_credit_memo_frame",
        },
        field_wording="storesync.systems.acumatica.wording:FIELD_WORDING",
    ),
    folder=Path(__file__).parent,
)
