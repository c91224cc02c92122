"""Sync store: staged records, cross-reference, dead-letter queue, outcomes and runs (SQLAlchemy Core).

    from storesync.store import SyncStore
    store = SyncStore("sqlite:///.local/data/sync.db")
    store.create_all()   # applies pending schema migrations (storesync.store.migrate)

See "Sync store" in docs/architecture.md for the contract.
"""

from .schema import DLQ_ACTIVE_STATES, DLQ_STATES, OUTCOMES, STAGES, metadata
from .store import DlqStateError, SyncStore, XrefConflict
from .types import ExactDecimal, JsonDocument, UtcDateTime

__all__ = [
    "SyncStore",
    "XrefConflict",
    "DlqStateError",
    "ExactDecimal",
    "JsonDocument",
    "UtcDateTime",
    "metadata",
    "STAGES",
    "DLQ_STATES",
    "DLQ_ACTIVE_STATES",
    "OUTCOMES",
]
