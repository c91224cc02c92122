"""The ops console inside the Airflow UI: overview, dead-letter queue, sync history, reconciliation.

``app`` (the FastAPI app) is registered by ``plugins/storesync_console_plugin.py``; ``data`` reads the sync
store, ``render`` writes the pages, ``dlq_actions`` is the one seam to the DLQ's replay/resolve/ignore.
"""
