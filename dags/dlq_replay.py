"""
### Dead-letter queue replay (an Airflow DAG per configured pair)

Trigger it after fixing the cause of failures (in the storefront, the ERP or a mapping spec). It selects
the open and held DLQ items matching the params (flow, reason code, date range, or explicit item ids),
marks them `replayed` by whoever triggered it, and triggers each flow's DAG to re-sync exactly those
source records (`record_keys`). Records that then load resolve their items; records that fail again
open new items with the new reason. Nothing else is re-synced or reset.
"""

from storesync.replay import build_replay_dags

build_replay_dags(globals(), doc_md=__doc__)
