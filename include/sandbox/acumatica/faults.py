"""Acumatica's fault knobs (``POST /_sandbox/faults``) over the shared model (:mod:`include.sandbox.faults`).

Applied to API requests (``/entity/...``, ``/identity/...``) that the licence let in, never to ``/_sandbox``:

- ``error_rate``, ``drop_rate``, ``timeout_rate``: shares of requests answered 500/503, closed without an
  answer, or held ``timeout_hold_s`` (longer than a client waits) and then served: a write still happens
  although its client gave up. One seeded draw per request, so the shares are exact and disjoint.
- ``burst_429``: the next N requests answer 429 + ``Retry-After: burst_retry_after_s`` (counts down).
- ``expire_session_after``: every N-th authenticated request finds its session expired (401) and the
  session is gone, as when an instance recycles its application pool (0 = off).

Latency, the per-minute limit and the concurrency cap are the licence's (:mod:`.licence`): Acumatica documents
how its licence queues and delays requests, which the model's 429s would not match. The answers' shapes are
the server's; the faults are counted in the licence's :class:`~include.sandbox.acumatica.licence.Stats`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from include.sandbox import faults as model
from include.sandbox.acumatica.licence import Stats
from include.sandbox.faults import Answer, Drop, FaultKnobs, Hold

__all__ = ["Answer", "Drop", "Faults", "Hold", "fault_injector"]


@dataclass
class Faults(FaultKnobs):
    ALIASES: ClassVar = {"burst_retry_after_s": "retry_after_s"}

    error_rate: float = 0.0
    drop_rate: float = 0.0
    timeout_rate: float = 0.0
    timeout_hold_s: float = 35.0
    burst_429: int = 0
    burst_retry_after_s: int = 1
    expire_session_after: int = 0


#: The licence's counter for each kind the model counts under another name.
_COUNTERS = {"burst_429": "429_burst", "drop": "drops", "timeout": "timeouts", "session_expiry": "forced_expiries"}


def fault_injector(faults: Faults, *, seed: int, stats: Stats) -> model.FaultInjector:
    """The shared injector, counting into the licence's counters (``error_500``, ``429_burst``, ``drops``…)."""
    return model.FaultInjector(faults, seed=seed, record=lambda kind: stats.add(_COUNTERS.get(kind, kind)))
