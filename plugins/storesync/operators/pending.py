"""Records of a run that no step has decided yet (no outcome recorded), read from the sync store."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from storesync.operators.base import RunScope


def pending_records(scope: RunScope, stage: str, *, batch_size: int = 1000) -> Iterator[list[tuple[str, Any]]]:
    """Batches of (key, payload) at ``stage`` whose record has no outcome in this run."""
    store = scope.store
    decided = {row["record_key"] for row in store.list_outcomes(scope.pair.name, scope.flow.name, scope.run_id)}
    batch: list[tuple[str, Any]] = []
    for key, payload in store.iter_staged(scope.pair.name, scope.flow.name, scope.run_id, stage, batch_size=batch_size):
        if key in decided:
            continue
        batch.append((key, payload))
        if len(batch) >= batch_size:
            yield batch
            batch = []
    if batch:
        yield batch
