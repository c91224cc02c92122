"""Quality gate: a Great Expectations suite over one stage; failing records go to the DLQ row by row.

The task fails (without retries: the data would not change) only when the bad share of the batch is above
the flow's ``max_bad_ratio``; the exception names each failed expectation and its count.
"""

from __future__ import annotations

import importlib
from typing import Any

from storesync.config.pairs import INCLUDE_DIR
from storesync.hooks.errors import PermanentRunError
from storesync.operators.base import RunScope, SyncOperator
from storesync.operators.pending import pending_records

# (source or target system, entity, stage) -> frame builder turning staged payloads into one row each
FRAME_BUILDERS = {
    ("xcart", "order", "raw"): "storesync.quality.frames:raw_xcart_orders_frame",
    ("sage500", "order", "target"): "storesync.quality.frames:sage500_staging_frame",
}


def frame_builder(system: str, entity: str, stage: str):
    try:
        module_name, name = FRAME_BUILDERS[(system, entity, stage)].split(":")
    except KeyError:
        valid = ", ".join("/".join(k) for k in sorted(FRAME_BUILDERS))
        raise KeyError(f"no quality frame for {system}/{entity}/{stage}; available: {valid}") from None
    return getattr(importlib.import_module(module_name), name)


class QualityGateOperator(SyncOperator):
    template_fields = (*SyncOperator.template_fields, "stage")
    ui_color = "#fdf0d5"

    def __init__(self, *, stage: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stage = stage

    def run(self, scope: RunScope, context) -> dict[str, Any]:
        from storesync.quality.gate import QualityGateFailed, enforce, run_gate

        side = scope.spec.source if self.stage == "raw" else scope.spec.target
        system = scope.pair.endpoint(side).system
        suite_path = INCLUDE_DIR / "expectations" / scope.flow.expectations[self.stage]
        records = [item for batch in pending_records(scope, self.stage) for item in batch]
        frame = frame_builder(system, scope.spec.entity, self.stage)([payload for _, payload in records])
        frame["record_key"] = [key for key, _ in records]
        result = run_gate(frame, suite_path, key_column="record_key")

        store = scope.store
        payloads = dict(records)
        for key, failed in sorted(result.failures.items()):
            reason = f"{scope.spec.entity} {key}: failed {', '.join(failed)}"
            store.quarantine(pair=scope.pair.name, flow=scope.flow.name, entity=scope.spec.entity, record_key=key,
                             stage=f"gate:{self.stage}", reason_code=f"quality:{self.stage}", reason=reason,
                             failed_expectations=failed, payload=payloads.get(key), dag_id=scope.dag_id,
                             run_id=scope.run_id)
        store.record_outcomes(scope.pair.name, scope.flow.name, scope.run_id,
                              [(key, "dlq", f"quality gate {self.stage}") for key in result.failures])
        self.log.info("quality gate %s: %d records, %d failed; by expectation: %s",
                      suite_path.name, result.total, len(result.failures), result.counts_by_expectation)
        try:
            enforce(result, suite_path.stem, scope.flow.max_bad_ratio)
        except QualityGateFailed as exc:
            raise PermanentRunError(str(exc)) from None
        return {"checked": result.total, "failed": len(result.failures)}
