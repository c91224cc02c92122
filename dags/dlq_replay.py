"""
### Dead-letter queue replay (an Airflow DAG per configured pair)

Trigger it after fixing the cause of failures (in the storefront, the ERP or a mapping spec). It selects
the open and held DLQ items matching the params (flow, reason code, date range, or explicit item ids),
records the request on each (`requested_by`), and triggers each flow's DAG to re-sync exactly those
source records (`record_keys`; one leg of the customers DAG: `record_keys_by_flow`). The items stay open
until then: records that load resolve their items; records that fail again keep their item (one more
attempt, the new reason); a run that does not reach a record records the failed attempt on its item.
Nothing else is re-synced or reset.
"""

from storesync.replay import build_replay_dags

build_replay_dags(globals(), doc_md=__doc__)
