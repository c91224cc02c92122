"""Extract: native records of the run's window from the source system into the sync store (stage ``raw``)."""

from __future__ import annotations

import itertools
from typing import Any

from storesync.operators.base import RunScope, SyncOperator, named_record_keys

STAGE = "raw"


class ExtractOperator(SyncOperator):
    """Pulls every record changed in the window (plus overlap) and stages it; XCom gets the count only."""

    ui_color = "#d7ecd9"
    flush_every = 1000

    def run(self, scope: RunScope, context) -> dict[str, Any]:
        # Imported when the task runs: DAG files import this module, and the scrub compiles its patterns.
        from storesync.operators import unchanged
        from storesync.operators.skip_alerts import SkipAlerts
        from storesync.privacy import HostileStructure, check_structure, scrub_card_data
        from storesync.progress import Progress

        store = scope.store
        # A retried attempt, or a cleared and re-run DAG run, starts from a clean slate for this run;
        # other runs are untouched.
        store.delete_staged(scope.pair.name, scope.flow.name, scope.run_id)
        store.delete_outcomes(scope.pair.name, scope.flow.name, scope.run_id)
        store.start_run(pair=scope.pair.name, flow=scope.flow.name, dag_id=scope.dag_id, run_id=scope.run_id,
                        interval_start=scope.since, interval_end=scope.until)
        source = scope.source
        keys = named_record_keys(context, scope.flow.name)
        if keys is not None:
            # Re-sync or replay of named records: fetch exactly those, whatever their dates.
            records = source.extract_keys(scope.spec.entity, keys)
        else:
            records = source.extract(scope.spec.entity, scope.since, scope.until)
            if scope.spec.retry_held:
                held = sorted({i["record_key"] for i in store.list_dlq(pair=scope.pair.name, flow=scope.flow.name, state="held")})
                if held:
                    self.log.info("also fetching %d held %s records again", len(held), scope.spec.entity)
                    records = itertools.chain(records, source.extract_keys(scope.spec.entity, held))
        batch: list[tuple[str, dict]] = []
        # A source may say a record is not this flow's to carry (e.g. a shipment of an order that did not come
        # from the storefront): it is staged like any other and skipped at once with the reason, never dropped.
        out_of_scope = getattr(source, "out_of_scope", None)
        skip_alerts = SkipAlerts(scope)
        # Records equal to the ones last pushed are staged and decided at once (see operators.unchanged).
        source_config = unchanged.config_digest(scope) if unchanged.applies(scope, context) else None
        same_as_pushed = 0

        def flush(batch: list[tuple[str, dict]]) -> None:
            """Stage a batch of records as the source returned them, scrubbed, with the outcomes decided at once."""
            nonlocal same_as_pushed
            same = set()
            hostile: dict[str, HostileStructure] = {}
            if source_config is not None:
                # Fingerprinting walks the record too: bound it first (the scrub bounds the other records).
                for key, record in batch:
                    try:
                        check_structure(record)
                    except HostileStructure as exc:
                        hostile[str(key)] = exc
                # Fingerprinted before the scrub: a record equal to the (scrubbed) payload last pushed holds no
                # card data, so it is staged as it is; a record the scrub would change never matches and is scrubbed.
                clean = [(key, record) for key, record in batch if str(key) not in hostile]
                same = set(unchanged.unchanged_keys(store, scope, unchanged.fingerprints(clean, source_config)))
            staged: list[tuple[str, dict]] = []
            skipped: list[tuple[str, str, str]] = []
            for key, record in batch:
                problem = hostile.get(str(key))
                if problem is None and str(key) not in same:
                    try:
                        key, record = scrub_card_data(key), scrub_card_data(record)  # no card data is ever staged
                    except HostileStructure as exc:
                        problem = exc
                if problem is not None:
                    # One record too deep or too big for any real order must not stop the window: it goes to
                    # the DLQ with the reason, staged as a stub so the run's counts still reconcile.
                    key = scrub_card_data(str(key))
                    staged.append((key, self._quarantine_hostile(store, scope, key, record, problem)))
                    skipped.append((key, "dlq", f"record {key}: {problem}"))
                    continue
                staged.append((key, record))
                reason = out_of_scope(scope.spec.entity, record) if out_of_scope else None
                if reason:
                    skipped.append((key, "skipped", reason))
                    skip_alerts.note(key, reason)  # e.g. a declined payment: skipped, and alerted once per run
                elif str(key) in same:
                    skipped.append((key, "skipped", unchanged.REASON))
                    same_as_pushed += 1
            store.put_staged(scope.pair.name, scope.flow.name, scope.run_id, STAGE, staged)
            store.record_outcomes(scope.pair.name, scope.flow.name, scope.run_id, skipped)

        progress = Progress(self.log, f"extract {scope.spec.entity}", total=len(keys) if keys else None)
        for item in records:
            progress.add()
            batch.append(item)
            if len(batch) >= self.flush_every:
                flush(batch)
                batch = []
        if batch:
            flush(batch)
        progress.finish()
        if source_config is not None:
            self.log.info("%d records unchanged at the source since their last push: skipped", same_as_pushed)
        skip_alerts.send(context)
        extracted = store.count_staged(scope.pair.name, scope.flow.name, scope.run_id, STAGE)
        if keys:
            missing = sorted(set(keys) - {k for k, _ in store.iter_staged(scope.pair.name, scope.flow.name, scope.run_id, STAGE)})
            self.log.info("extracted %d of %d requested %s records; not found at the source: %s",
                          extracted, len(keys), scope.spec.entity, missing or "none")
            return {"extracted": extracted, "requested": len(keys), "not_found": missing}
        self.log.info("extracted %d %s records changed in [%s, %s)", extracted, scope.spec.entity, scope.since, scope.until)
        return {"extracted": extracted, "since": scope.since.isoformat(), "until": scope.until.isoformat()}

    def _quarantine_hostile(self, store, scope: RunScope, key: str, record: Any, problem) -> dict[str, Any]:
        """DLQ item for a record refused for its structure; returns the stub staged in its place."""
        from storesync.privacy import scrub_card_data

        fields = sorted(str(name) for name in record)[:50] if isinstance(record, dict) else []
        stub = {"hostile_structure": str(problem), "path": problem.path,
                "top_level_fields": scrub_card_data(fields)}
        self.log.warning("record %s refused: %s", key, problem)
        store.quarantine(pair=scope.pair.name, flow=scope.flow.name, entity=scope.spec.entity, record_key=key,
                         stage="extract", reason_code="hostile_structure",
                         reason=f"record {key}: {problem}; the rest of the window is extracted",
                         failed_expectations=[problem.field], payload=stub, dag_id=scope.dag_id, run_id=scope.run_id)
        return stub
