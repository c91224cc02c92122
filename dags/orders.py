"""
### Orders: storefront → ERP (an Airflow DAG per configured pair)

New and changed web orders of the run's data interval (plus a small overlap) become ERP sales orders.

`extract` → `validate_raw` (Great Expectations) → `transform` (mapping specs) → `validate_target` →
`load` (idempotent: cross-reference + external reference looked up in the ERP) → `write_back` (ERP order
number onto the storefront order) → `report` (counts that reconcile; alerts).

Records that fail a gate or the ERP go to the dead-letter queue (`dlq` table in the sync store) with a
reason naming the order and field; orders with SKUs the ERP does not know are **held** and alerted.
Re-sync a range with the `resync_from` / `resync_to` params; re-runs never create a second sales order.
"""

from storesync.factory import build_flow_dags

build_flow_dags("orders", globals(), doc_md=__doc__)
