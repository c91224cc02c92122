"""
### Inventory: ERP → storefront (an Airflow DAG per configured pair)

The ERP is the system of record for stock. Every run reads a snapshot of available quantity per SKU,
Σ(QtyOnHand − PendQtyDecrease) over the warehouses the pair names, less the pair's safety stock, and
writes **only the SKUs whose quantity changed** since the last push. SKUs the storefront does not sell are
reported (`not_in_storefront`), never created. Negative stock in the ERP goes to the dead-letter queue.

`extract` → `validate_raw` → `transform` → `validate_target` → `load` → `report`.
"""

from storesync.factory import build_flow_dags

build_flow_dags("inventory", globals(), doc_md=__doc__)
