"""Fault injection for the Acumatica emulator (``POST /_sandbox/faults``), seeded so a run's faults repeat.

Applied to API requests (``/entity/...``, ``/identity/...``) that the licence let in, never to ``/_sandbox``:

- ``error_rate``, ``drop_rate``, ``timeout_rate``: shares of requests answered 500/503, closed without an
  answer, or held ``timeout_hold_s`` (longer than a client waits) and then served: a write still happens
  although its client gave up. One seeded draw per request, so the shares are exact and disjoint.
- ``burst_429``: the next N requests answer 429 + ``Retry-After: burst_retry_after_s`` (counts down).
- ``expire_session_after``: every N-th authenticated request finds its session expired (401) and the
  session is gone, as when an instance recycles its application pool (0 = off).
"""

from __future__ import annotations

import dataclasses
import random
import threading
from dataclasses import dataclass
from typing import Any

from include.sandbox.acumatica.licence import Stats


@dataclass
class Faults:
    error_rate: float = 0.0
    drop_rate: float = 0.0
    timeout_rate: float = 0.0
    timeout_hold_s: float = 35.0
    burst_429: int = 0
    burst_retry_after_s: int = 1
    expire_session_after: int = 0

    def __post_init__(self) -> None:
        for name in ("error_rate", "drop_rate", "timeout_rate"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise ValueError(f"{name} must be a number between 0 and 1")
            setattr(self, name, float(value))
        if self.error_rate + self.drop_rate + self.timeout_rate > 1 + 1e-9:
            raise ValueError("error_rate + drop_rate + timeout_rate must not exceed 1")
        for name in ("burst_429", "burst_retry_after_s", "expire_session_after"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer")
        hold = self.timeout_hold_s
        if isinstance(hold, bool) or not isinstance(hold, (int, float)) or not 0 < hold <= 3600:
            raise ValueError("timeout_hold_s must be a number of seconds above 0 (at most 3600)")
        self.timeout_hold_s = float(hold)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Drop:
    """Close the connection without an answer."""


@dataclass(frozen=True)
class Hold:
    """Hold the request this long, then serve it."""

    seconds: float


@dataclass(frozen=True)
class Answer:
    """Answer with this status instead of serving the request."""

    status: int
    retry_after: int | None = None


class FaultInjector:
    def __init__(self, faults: Faults, *, seed: int, stats: Stats) -> None:
        self._lock = threading.Lock()
        self._faults = faults
        self._rng = random.Random(seed)
        self._stats = stats
        self._authenticated = 0

    @property
    def faults(self) -> Faults:
        return self._faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        with self._lock:
            self._faults = faults
            self._authenticated = 0

    def before_request(self) -> Answer | Drop | Hold | None:
        with self._lock:
            faults = self._faults
            if faults.burst_429:
                faults.burst_429 -= 1
                self._stats.add("429_burst")
                return Answer(429, faults.burst_retry_after_s)
            if not (faults.error_rate or faults.drop_rate or faults.timeout_rate):
                return None
            draw = self._rng.random()
            if draw < faults.error_rate:
                status = self._rng.choice((500, 503))
                self._stats.add(f"error_{status}")
                return Answer(status)
            if draw < faults.error_rate + faults.drop_rate:
                self._stats.add("drops")
                return Drop()
            if draw < faults.error_rate + faults.drop_rate + faults.timeout_rate:
                self._stats.add("timeouts")
                return Hold(faults.timeout_hold_s)
            return None

    def session_expires_now(self) -> bool:
        """Count an authenticated request; True when it is the N-th and its session must expire."""
        with self._lock:
            every = self._faults.expire_session_after
            if not every:
                return False
            self._authenticated += 1
            if self._authenticated >= every:
                self._authenticated = 0
                self._stats.add("forced_expiries")
                return True
            return False
