"""
### Shipments: ERP → storefront order status (an Airflow DAG per configured pair)

The warehouse ships web orders in the ERP; every run reads the shipments **changed in the run's interval**
(plus a 15-minute overlap) with their sales order, lines (SKU, quantity) and whether the order is now
completely shipped, and updates the storefront order: the shipment's **tracking number** (with its carrier)
is added once — a re-run never adds it twice — and the shipping status becomes **S** (shipped) when every
line is shipped in full, else **P** (processing: the storefront has no "partially shipped" code, so P with a
tracking number is a partial shipment). An order is never moved backwards (e.g. delivered stays delivered),
and it is only written when something changed.

- Shipments of sales orders that did not come from the storefront (no `XC-` reference) are **skipped** with
  the reason.
- A shipment for an order the storefront does not have, or with a line whose SKU is not on the storefront
  order, goes to the **dead-letter queue** naming the shipment, the order and the line/SKU; a shipment
  without a tracking number or with a bad quantity is stopped by the raw quality gate.
- Re-sync one shipment with params `record_keys: ["<ShipKey>"]`, a range with `resync_from` / `resync_to`.

`extract` → `validate_raw` → `transform` → `validate_target` → `load` → `report`.
"""

from storesync.factory import build_flow_dags

build_flow_dags("shipments", globals(), doc_md=__doc__)
