"""Write-back: the target's document reference goes back onto the source record (e.g. ERP order number)."""

from __future__ import annotations

from typing import Any

from storesync.operators.base import RunScope, SyncOperator


class WriteBackOperator(SyncOperator):
    ui_color = "#f7e1e1"

    # Records per step: the raw records, outcomes and references of one page at a time, so memory does not
    # grow with the run.
    page_size = 1000

    def run(self, scope: RunScope, context) -> dict[str, Any]:
        written = noted = 0
        page: list[tuple[str, Any]] = []
        for record in scope.store.iter_staged(scope.pair.name, scope.flow.name, scope.run_id, "raw",
                                              batch_size=self.page_size):
            page.append(record)
            if len(page) >= self.page_size:
                done, seen = self._write_page(scope, page)
                written, noted, page = written + done, noted + seen, []
        if page:
            done, seen = self._write_page(scope, page)
            written, noted = written + done, noted + seen
        self.log.info("wrote %d references back; %d were already there", written, noted - written)
        return {"written_back": written, "already_written": noted - written}

    def _write_page(self, scope: RunScope, page: list[tuple[str, Any]]) -> tuple[int, int]:
        """Write back the references of one page's settled records; returns (written, settled with a reference)."""
        store = scope.store
        pair, flow, entity = scope.pair.name, scope.flow.name, scope.spec.entity
        outcomes = store.get_outcomes(pair, flow, scope.run_id, [key for key, _ in page])
        raw = {key: payload for key, payload in page if outcomes.get(key) in ("loaded", "skipped")}
        refs = store.get_xref(pair, entity, sorted(raw))
        items = [(key, refs[key][1], raw[key]) for key in sorted(raw) if key in refs]
        if not items:
            return 0, 0
        concurrency = scope.pair.endpoint(scope.spec.source).write_concurrency
        return scope.source.write_back(entity, items, concurrency=concurrency), len(items)
