"""Transform: native → canonical → target records through the flow's mapping specs.

A record that cannot be mapped goes to the DLQ with every failing field named; the others continue.
"""

from __future__ import annotations

from typing import Any

from storesync.systems import mapping_file
from storesync.operators.base import RunScope, SyncOperator
from storesync.operators.pending import pending_records


class TransformOperator(SyncOperator):
    ui_color = "#e4dcf3"

    def run(self, scope: RunScope, context) -> dict[str, Any]:
        from storesync.mapping.engine import MappingEngine, RecordMappingError
        from storesync.mapping.spec import load_spec

        to_canonical = MappingEngine(load_spec(mapping_file(scope.flow.mappings["to_canonical"])))
        to_target = MappingEngine(load_spec(mapping_file(scope.flow.mappings["to_target"])))
        base_context = {"pair": scope.pair.name, **scope.flow.options}
        store, target = scope.store, scope.target
        mapped = rejected = 0

        def reject(key: str, stage: str, exc: RecordMappingError, payload: Any) -> None:
            store.quarantine(pair=scope.pair.name, flow=scope.flow.name, entity=scope.spec.entity, record_key=key,
                             stage=stage, reason_code="mapping", reason=str(exc),
                             failed_expectations=[f"{e.field}: {e.reason}" for e in exc.errors], payload=payload,
                             dag_id=scope.dag_id, run_id=scope.run_id)
            store.record_outcomes(scope.pair.name, scope.flow.name, scope.run_id, [(key, "dlq", str(exc))])

        for batch in pending_records(scope, "raw", batch_size=scope.flow.batch_size):
            canonical = []
            for key, raw in batch:
                try:
                    canonical.append((key, to_canonical.map(raw, base_context)))
                except RecordMappingError as exc:
                    rejected += 1
                    reject(key, "transform:canonical", exc, raw)
            contexts = target.prepare(scope.spec.entity, canonical, scope.flow.options) if canonical else {}
            targets = []
            for key, record in canonical:
                try:
                    targets.append((key, to_target.map(record, {**base_context, **contexts[key]})))
                except RecordMappingError as exc:
                    rejected += 1
                    reject(key, "transform:target", exc, record)
            store.put_staged(scope.pair.name, scope.flow.name, scope.run_id, "canonical", canonical)
            store.put_staged(scope.pair.name, scope.flow.name, scope.run_id, "target", targets)
            mapped += len(targets)
        self.log.info("mapped %d records, %d rejected to the DLQ", mapped, rejected)
        return {"mapped": mapped, "rejected": rejected}
