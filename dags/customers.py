"""
### Customers, both ways (an Airflow DAG per configured pair)

**to_erp** — storefront registrations and profile changes in the run's interval create or update ERP
customers through the ERP's supported import path. Duplicates are matched before anything is created:
same e-mail first, then same normalised name and postal code; a match is updated, never duplicated.

**from_erp** — then ERP-side edits (address and status) flow back to the storefront account with the same
e-mail. Fields the ERP owns (pair option `erp_owned_customer_fields`, e.g. status) are never written by
the storefront; shared fields (address) follow the latest edit, the storefront's winning a same-interval
conflict because its leg runs first. Echoes of our own writes end as "already up to date".
"""

from storesync.factory import build_flow_dags

build_flow_dags("customers", globals(), doc_md=__doc__)
