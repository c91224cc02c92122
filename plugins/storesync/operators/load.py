"""Load: target records into the target system, idempotently, one outcome per record.

``create_once`` flows consult the sync store's cross-reference before anything is sent; the adapter then
checks the target itself for the external reference, so a retry after a crash between "created in the
ERP" and "recorded here" still creates nothing twice. ``upsert`` flows send every record whose payload
differs from what was last pushed (when the flow pushes changes only) and let the adapter update or create.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import Any

from storesync.alerts import alert
from storesync.operators import unchanged as unchanged_source
from storesync.operators.base import RunScope, SyncOperator
from storesync.operators.pending import pending_records
from storesync.progress import Progress


def fingerprint(payload: Any) -> str:
    """Stable digest of a target payload's data (Decimals and dates as text, keys sorted).

    Top-level keys starting with "_" steer the loader (e.g. insert vs update) and are not data: a record
    pushed once as an insert and seen again as an update is unchanged.
    """
    if isinstance(payload, dict):
        payload = {k: v for k, v in payload.items() if not str(k).startswith("_")}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


class LoadOperator(SyncOperator):
    ui_color = "#d5e8f7"

    def run(self, scope: RunScope, context) -> dict[str, Any]:
        store, target, spec = scope.store, scope.target, scope.spec
        pair, flow, entity = scope.pair.name, scope.flow.name, spec.entity
        counts = Counter({"loaded": 0, "skipped": 0, "held": 0, "dlq": 0})
        source_config = unchanged_source.config_digest(scope) if spec.skip_unchanged_source else None
        by_reason: Counter[str] = Counter()
        held_details: list[str] = []
        progress = Progress(self.log, f"load {entity}", total=store.count_staged(pair, flow, scope.run_id, "target"))
        # Records a gate of this run quarantined and still passed on (a fail-safe substitute, e.g. 0 stock for
        # negative ERP stock: operators.quality.FAIL_SAFE) load, but their DLQ item stays open: the source is
        # not fixed until a run loads the real record.
        substituted = {item["record_key"] for item in store.list_dlq(pair=pair, flow=flow, state="open")
                       if item.get("run_id") == scope.run_id}
        for batch in pending_records(scope, "target", batch_size=scope.flow.batch_size):
            outcomes: list[tuple[str, str, str]] = []
            fresh = batch
            if spec.load_mode == "create_once":
                known = store.get_xref(pair, entity, [key for key, _ in batch])
                outcomes += [(key, "skipped", f"already loaded as {known[key][1]}") for key, _ in batch if key in known]
                by_reason["already_loaded"] += len(outcomes)
                fresh = [(key, record) for key, record in batch if key not in known]
            prints = {key: fingerprint(record) for key, record in fresh} if spec.push_changes_only else {}
            if prints:
                last = store.get_fingerprints(pair, entity, list(prints))
                unchanged = {key for key, digest in prints.items() if last.get(key) == digest}
                outcomes += [(key, "skipped", "unchanged since last push") for key in sorted(unchanged)]
                by_reason["unchanged"] += len(unchanged)
                fresh = [(key, record) for key, record in fresh if key not in unchanged]
            pushed: dict[str, str] = {}
            # Cross-references and DLQ resolutions of the batch are written together (one transaction each),
            # right after the target confirmed the batch: per-record transactions cost more than the ERP.
            xrefs: list[tuple[str, str, str | None]] = []
            settled: list[str] = []
            payloads = dict(fresh)
            results = target.load(entity, fresh, pair=pair, run_id=scope.run_id) if fresh else []
            for result in results:
                if result.outcome in ("loaded", "skipped") and result.target_id is not None:
                    xrefs.append((result.record_key, result.target_id, result.target_ref))
                if result.outcome in ("loaded", "skipped"):
                    settled.append(result.record_key)
                    if result.record_key in prints:
                        pushed[result.record_key] = prints[result.record_key]
                else:
                    store.quarantine(pair=pair, flow=flow, entity=entity, record_key=result.record_key, stage="load",
                                     reason_code=result.reason_code or "rejected", reason=result.detail,
                                     failed_expectations=result.failed, payload=payloads.get(result.record_key),
                                     dag_id=scope.dag_id, run_id=scope.run_id,
                                     state="held" if result.outcome == "held" else "open")
                    if result.outcome == "held":
                        held_details.append(result.detail)
                if result.reason_code:
                    by_reason[result.reason_code] += 1
                outcomes.append((result.record_key, result.outcome, result.detail))
            store.put_xrefs(pair, entity, xrefs, scope.run_id)
            store.resolve_dlq_for_keys(pair, flow, [key for key in settled if key not in substituted], by="load",
                                       run_id=scope.run_id)
            store.put_fingerprints(pair, entity, pushed, scope.run_id)
            if source_config is not None:
                unchanged_source.remember_pushed(store, scope, pushed, source_config)
            store.record_outcomes(pair, flow, scope.run_id, outcomes)
            counts.update(outcome for _, outcome, _ in outcomes)
            progress.add(len(batch))
        progress.finish()
        self.log.info("load finished: %s; by reason: %s", dict(counts), dict(by_reason))
        if held_details:
            alert(kind="held", pair=scope.pair, dag_id=scope.dag_id, run_id=scope.run_id,
                  title=f"{len(held_details)} {entity}(s) held: unknown to the target",
                  lines=held_details, context=context)
        return {**counts, "by_reason": dict(by_reason)}
