"""
### Customers, both ways (an Airflow DAG per configured pair)

**to_erp** — storefront registrations and profile changes in the run's interval create or update ERP
customers through the ERP's supported import path. Duplicates are matched before anything is created:
same e-mail first, then same normalised name and postal code; a match is updated, never duplicated.

**from_erp** — then ERP-side edits of the fields the ERP owns (address and status, by default; pair option
`erp_owned_customer_fields`) flow back to the storefront account with the same e-mail. Each field has one
system of record, so the two legs never overwrite each other's fields; echoes end as "already up to date".
"""

from storesync.factory import build_flow_dags

build_flow_dags("customers", globals(), doc_md=__doc__)
