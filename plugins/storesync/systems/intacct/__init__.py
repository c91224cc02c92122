"""Sage Intacct (XML Web Services): its declaration (data only, stdlib imports: DAG parsing and the provider info
read it).

Everything else Intacct knows lives beside this file: see README.md.
"""

from pathlib import Path

from storesync.systems.spec import ConnectionSpec, QualitySpec, SystemSpec

_FRAMES = "storesync.systems.intacct.quality"

SYSTEM = SystemSpec(
    name="intacct",
    title="Sage Intacct",
    role="erp",
    adapter="storesync.systems.intacct.adapter:IntacctAdapter",
    connection=ConnectionSpec(
        conn_type="intacct",
        hook="storesync.systems.intacct.hook.IntacctHook",
        hook_name="Sage Intacct (XML Web Services)",
        form="storesync.systems.intacct.connection",
    ),
    quality=QualitySpec(
        frames={
            ("product", "raw"): f"{_FRAMES}:raw_intacct_items_frame",
            ("inventory", "raw"): f"{_FRAMES}:raw_intacct_inventory_frame",
            ("erp_customer", "raw"): f"{_FRAMES}:raw_intacct_customers_frame",
            ("shipment", "raw"): f"{_FRAMES}:raw_intacct_shipments_frame",
            ("customer", "target"): f"{_FRAMES}:intacct_customer_frame",
            ("order", "target"): f"{_FRAMES}:intacct_sales_order_frame",
            ("payment", "target"): f"{_FRAMES}:intacct_payment_frame",
            ("refund", "target"): f"{_FRAMES}:intacct_credit_memo_frame",
        },
        field_wording=f"{_FRAMES}:FIELD_WORDING",
    ),
    folder=Path(__file__).parent,
)
