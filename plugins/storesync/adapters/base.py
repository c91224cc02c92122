"""What every adapter gives the generic operators.

A *source* adapter extracts native records for an entity and a time window and can write the target's
reference back; a *target* adapter prepares per-record mapping context (lookups against the target) and
loads mapped records idempotently, reporting one ``LoadOutcome`` per record.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

OUTCOMES = ("loaded", "skipped", "held", "dlq")


@dataclass(frozen=True)
class LoadOutcome:
    record_key: str
    outcome: str
    detail: str
    target_id: str | None = None
    target_ref: str | None = None
    reason_code: str | None = None
    failed: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome '{self.outcome}' is not one of {', '.join(OUTCOMES)}")


class SourceAdapter(Protocol):
    def extract(self, entity: str, since: datetime, until: datetime) -> Iterator[tuple[str, dict[str, Any]]]: ...

    def write_back(self, entity: str, items: Iterable[tuple[str, str, dict[str, Any]]], *, concurrency: int = 1) -> int: ...


class TargetAdapter(Protocol):
    def prepare(
        self, entity: str, records: list[tuple[str, dict[str, Any]]], options: dict[str, Any]
    ) -> dict[str, dict[str, Any]]: ...

    def load(self, entity: str, records: list[tuple[str, dict[str, Any]]], *, pair: str, run_id: str) -> list[LoadOutcome]: ...
