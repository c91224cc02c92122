"""Load: target records into the target system, idempotently, one outcome per record.

Before anything is sent, the sync store's cross-reference is consulted; the adapter then checks the
target itself for the external reference, so a retry after a crash between "created in the ERP" and
"recorded here" still creates nothing twice.
"""

from __future__ import annotations

from typing import Any

from storesync.alerts import alert
from storesync.operators.base import RunScope, SyncOperator
from storesync.operators.pending import pending_records


class LoadOperator(SyncOperator):
    ui_color = "#d5e8f7"

    def run(self, scope: RunScope, context) -> dict[str, Any]:
        store, target = scope.store, scope.target
        pair, flow, entity = scope.pair.name, scope.flow.name, scope.spec.entity
        counts = {"loaded": 0, "skipped": 0, "held": 0, "dlq": 0}
        held_details: list[str] = []
        for batch in pending_records(scope, "target", batch_size=scope.flow.batch_size):
            known = store.get_xref(pair, entity, [key for key, _ in batch])
            outcomes = [(key, "skipped", f"already loaded as {known[key][1]}") for key, _ in batch if key in known]
            fresh = [(key, record) for key, record in batch if key not in known]
            for result in target.load(entity, fresh, pair=pair, run_id=scope.run_id) if fresh else []:
                if result.target_id is not None:
                    store.put_xref(pair, entity, result.record_key, result.target_id, result.target_ref, scope.run_id)
                    store.resolve_dlq_for(pair, flow, result.record_key, by="load")
                else:
                    store.quarantine(pair=pair, flow=flow, entity=entity, record_key=result.record_key, stage="load",
                                     reason_code=result.reason_code or "rejected", reason=result.detail,
                                     failed_expectations=result.failed, payload=dict(fresh).get(result.record_key),
                                     dag_id=scope.dag_id, run_id=scope.run_id,
                                     state="held" if result.outcome == "held" else "open")
                    if result.outcome == "held":
                        held_details.append(result.detail)
                outcomes.append((result.record_key, result.outcome, result.detail))
            store.record_outcomes(pair, flow, scope.run_id, outcomes)
            for _, outcome, _ in outcomes:
                counts[outcome] += 1
        self.log.info("load finished: %s", counts)
        if held_details:
            alert(kind="held", pair=scope.pair, dag_id=scope.dag_id, run_id=scope.run_id,
                  title=f"{len(held_details)} {entity}(s) held: unknown to the ERP",
                  lines=held_details, context=context)
        return counts
