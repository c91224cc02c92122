"""X-Cart: its declaration (data only, stdlib imports: DAG parsing and the provider info read it).

Everything else X-Cart knows lives beside this file: see README.md.
"""

from pathlib import Path

from storesync.systems.spec import ConnectionSpec, QualitySpec, SystemSpec

SYSTEM = SystemSpec(
    name="xcart",
    title="X-Cart",
    role="storefront",
    adapter="storesync.systems.xcart.adapter:XCartAdapter",
    connection=ConnectionSpec(
        conn_type="xcart",
        hook="storesync.systems.xcart.hook.XCartHook",
        hook_name="X-Cart (REST API module)",
        form="storesync.systems.xcart.connection",
    ),
    quality=QualitySpec(
        frames={
            ("order", "raw"): "storesync.systems.xcart.frames_orders:raw_xcart_orders_frame",
            ("product", "target"): "storesync.systems.xcart.frames_catalogue:xcart_products_frame",
            ("inventory", "target"): "storesync.systems.xcart.frames_catalogue:xcart_inventory_frame",
            ("customer", "raw"): "storesync.systems.xcart.frames_customers:raw_xcart_profiles_frame",
            ("erp_customer", "target"): "storesync.systems.xcart.frames_customers:xcart_profile_updates_frame",
            ("shipment", "target"): "storesync.systems.xcart.frames_shipments:xcart_shipments_frame",
            ("payment", "raw"): "storesync.systems.xcart.frames_payments:raw_xcart_payment_transactions_frame",
            ("refund", "raw"): "storesync.systems.xcart.frames_payments:raw_xcart_payment_transactions_frame",
        },
        field_wording="storesync.systems.xcart.wording:FIELD_WORDING",
        date_columns={("order", "raw"): "orderDate", ("payment", "raw"): "date", ("refund", "raw"): "date"},
    ),
    folder=Path(__file__).parent,
    order_reference_prefix="XC-",
)
