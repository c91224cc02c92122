"""
### Refunds: storefront → ERP (an Airflow DAG per configured pair)

Refund transactions changed in the run's data interval (plus a small overlap) — X-Cart's
`payment-transaction` of type `refund` — become ERP **AR credit memos** for the order's customer, applied
to the web order's sales order, for the exact refunded amount (full or partial).

`extract` → `validate_raw` (Great Expectations) → `transform` (mapping specs) → `validate_target` →
`load` (idempotent: cross-reference + `UserFld1 = XR-<transactionId>` looked up in the ERP) → `report`.

- Every payment transaction is extracted; those that are not refunds are skipped at once ("the payments
  flow handles it"), failed refunds are skipped (nothing was paid back) and pending ones wait for success.
- A refund for an order the ERP does not have yet is **held** and fetched again by every run; a currency
  other than the order's goes to the dead-letter queue naming `currency`.
- Staging path: Sage 500 documents no credit-memo import, so credit memos go through a staging table and
  import procedure of the same shape as the sales order import (`StgARCreditMemo`; see
  `storesync/systems/sage500/payments.py` and the README).

Runs after the orders flow. Re-sync a range with `resync_from` / `resync_to`, or refunds by id with
`record_keys`; re-runs never create a second credit memo.
"""

from storesync.factory import build_flow_dags

build_flow_dags("refunds", globals(), doc_md=__doc__)
