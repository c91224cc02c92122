"""Records of a run that no step has decided yet (no outcome recorded), read from the sync store."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from storesync.operators.base import RunScope


def pending_records(scope: RunScope, stage: str, *, batch_size: int = 1000) -> Iterator[list[tuple[str, Any]]]:
    """Batches of (key, payload) at ``stage`` whose record has no outcome in this run.

    The store filters the decided records out, page by page, so a backfill of any size streams in the
    memory of one batch.
    """
    return scope.store.iter_undecided_pages(scope.pair.name, scope.flow.name, scope.run_id, stage,
                                            batch_size=batch_size)
