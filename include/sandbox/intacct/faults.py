"""Fault injection for the Intacct emulator (``POST /_sandbox/faults``), seeded so a run's faults repeat.

Applied to gateway requests (``/ia/xml/xmlgw.phtml`` and the tenant endpoints), never to ``/_sandbox``:

- ``latency_ms``: every request waits this long while it holds its company's concurrency slot.
- ``error_rate``, ``drop_rate``, ``timeout_rate``: shares of requests answered 500/502/503 with an HTML body
  (no XML: a gateway fault, developer.intacct.com/web-services/error-handling "Mid-process failures"), closed
  without an answer, or executed and then held ``timeout_hold_s`` before the answer (the work is committed
  although the client gave up). One seeded draw per request, so the shares are exact and disjoint.
- ``gateway_timeout_rate``: share of requests executed and committed, then answered HTTP 524 with no body —
  the gateway's own timeout while the work went through. intacct-sdk-net ``RequestConfig`` lists 524 in
  ``NoRetryServerErrorCodes`` by default (``RequestHandlerTest::MockDefaultNo524RetryTest``): retrying blindly
  could post twice.
- ``burst_429``: the next N requests answer HTTP 429 with ``GW-0010`` (counts down).
- ``expire_session_after``: every N-th session-authenticated request finds its session expired (0 = off).
"""

from __future__ import annotations

import dataclasses
import random
import threading
from dataclasses import dataclass
from typing import Any


@dataclass
class Faults:
    latency_ms: int = 0
    error_rate: float = 0.0
    drop_rate: float = 0.0
    timeout_rate: float = 0.0
    timeout_hold_s: float = 35.0
    gateway_timeout_rate: float = 0.0
    burst_429: int = 0
    expire_session_after: int = 0

    def __post_init__(self) -> None:
        for name in ("error_rate", "drop_rate", "timeout_rate", "gateway_timeout_rate"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise ValueError(f"{name} must be a number between 0 and 1")
            setattr(self, name, float(value))
        if self.error_rate + self.drop_rate + self.timeout_rate + self.gateway_timeout_rate > 1 + 1e-9:
            raise ValueError("error_rate + drop_rate + timeout_rate + gateway_timeout_rate must not exceed 1")
        for name in ("latency_ms", "burst_429", "expire_session_after"):
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
class Fault:
    kind: str  # "429", "5xx", "drop", "hold", "524"
    status: int = 0
    seconds: float = 0.0


class FaultInjector:
    def __init__(self, faults: Faults, *, seed: int) -> None:
        self._lock = threading.Lock()
        self._faults = faults
        self._rng = random.Random(seed)
        self._session_requests = 0
        self.counts: dict[str, int] = {}

    @property
    def faults(self) -> Faults:
        return self._faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        with self._lock:
            self._faults = faults
            self._session_requests = 0

    def _count(self, name: str) -> None:
        self.counts[name] = self.counts.get(name, 0) + 1

    def draw(self) -> Fault | None:
        with self._lock:
            faults = self._faults
            if faults.burst_429:
                faults.burst_429 -= 1
                self._count("429_burst")
                return Fault("429", 429)
            if not (faults.error_rate or faults.drop_rate or faults.timeout_rate or faults.gateway_timeout_rate):
                return None
            draw = self._rng.random()
            if draw < faults.error_rate:
                status = self._rng.choice((500, 502, 503))
                self._count(f"error_{status}")
                return Fault("5xx", status)
            if draw < faults.error_rate + faults.drop_rate:
                self._count("drops")
                return Fault("drop")
            if draw < faults.error_rate + faults.drop_rate + faults.timeout_rate:
                self._count("timeouts")
                return Fault("hold", seconds=faults.timeout_hold_s)
            if draw < faults.error_rate + faults.drop_rate + faults.timeout_rate + faults.gateway_timeout_rate:
                self._count("gateway_timeouts")
                return Fault("524", 524)
            return None

    def session_expires_now(self) -> bool:
        with self._lock:
            every = self._faults.expire_session_after
            if not every:
                return False
            self._session_requests += 1
            if self._session_requests >= every:
                self._session_requests = 0
                self._count("forced_expiries")
                return True
            return False
