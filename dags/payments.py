"""
### Payments: storefront → ERP (an Airflow DAG per configured pair)

Payment transactions changed in the run's data interval (plus a small overlap) — X-Cart's
`payment-transaction` — become ERP **customer payments** applied to the web order's sales order (its open
amount goes down), posted to the GL cash account the mapping spec assigns to the payment method.

`extract` → `validate_raw` (Great Expectations) → `transform` (mapping specs) → `validate_target` →
`load` (idempotent: cross-reference + `UserFld1 = XP-<transactionId>` looked up in the ERP) → `report`.

- Only successful sales and captures are posted. Authorizations are skipped ("authorized, not captured"),
  pending transactions wait for their success, refunds are left to the **refunds** flow (the payment stays
  posted; the refund becomes a credit memo). Declined, failed and voided transactions are never posted:
  skipped with the reason, and one `declined_payment` alert per run lists the new ones.
- A payment for an order the ERP does not have yet is **held** and fetched again by every run; it is
  applied once the orders flow has loaded the order. A currency other than the order's goes to the
  dead-letter queue naming `currency`.
- No card number is ever staged: only `cardLast4` and the gateway's transaction id.

Runs after the orders flow. Re-sync a range with `resync_from` / `resync_to`, or transactions by id with
`record_keys`; re-runs never post a payment twice.
"""

from storesync.factory import build_flow_dags

build_flow_dags("payments", globals(), doc_md=__doc__)
