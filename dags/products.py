"""
### Products and pricing: ERP → storefront (an Airflow DAG per configured pair)

Items created or changed in the ERP during the run's data interval (item master: SKU, description,
list price, status) create or update storefront products. Items the ERP retires (inactive, discontinued,
deleted) are **disabled**, never deleted. Only products whose storefront fields would change are written.

`extract` → `validate_raw` → `transform` → `validate_target` → `load` → `report`.
For an initial load, trigger once with `resync_from` set to a date before the catalogue's first change.
"""

from storesync.factory import build_flow_dags

build_flow_dags("products", globals(), doc_md=__doc__)
