"""
### Reconciliation for finance (an Airflow DAG per pair with a `reconciliation:` section)

Every UTC day, storefront **orders, payments and refunds** are set against the ERP's **sales orders, cash
receipts and credit memos**: one line per document pair, each `matched` or carrying one exception category
(missing in ERP, missing in storefront, amount mismatch, currency mismatch, duplicate, payment without
order, order without payment, refund without credit memo, pending).

`wait_for_flows` (waits, in reschedule mode, until the orders, payments and refunds flows have completed
runs covering the day's end in the sync store) → `reconcile` (reads both systems, matches, stores the day's
lines in `recon_line` / `recon_run`, replacing that day only) → `publish` (the day's CSV and XLSX workbook:
summary, exceptions, all lines, under the pair's `output_dir`).

Re-run a day: clear its run, or trigger with params `{"day": "YYYY-MM-DD"}`; backfill a range with
`airflow backfill create`. Lines still pending (late postings) are re-checked by the following days.
The README's "For finance" section explains every column and category.
"""

from storesync.reconciliation.dag import build_reconciliation_dags

build_reconciliation_dags(globals(), doc_md=__doc__)
