"""Write-back: the target's document reference goes back onto the source record (e.g. ERP order number)."""

from __future__ import annotations

from typing import Any

from storesync.operators.base import RunScope, SyncOperator


class WriteBackOperator(SyncOperator):
    ui_color = "#f7e1e1"

    def run(self, scope: RunScope, context) -> dict[str, Any]:
        store = scope.store
        pair, flow, entity = scope.pair.name, scope.flow.name, scope.spec.entity
        settled = {row["record_key"] for row in store.list_outcomes(pair, flow, scope.run_id)
                   if row["outcome"] in ("loaded", "skipped")}
        raw = {key: payload for key, payload in store.iter_staged(pair, flow, scope.run_id, "raw") if key in settled}
        refs = store.get_xref(pair, entity, sorted(raw))
        items = [(key, refs[key][1], raw[key]) for key in sorted(raw) if key in refs]
        written = scope.source.write_back(entity, items) if items else 0
        self.log.info("wrote %d references back; %d were already there", written, len(items) - written)
        return {"written_back": written, "already_written": len(items) - written}
