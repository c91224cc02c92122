"""Client-side rate limiting: stay inside a connection's request budget instead of provoking 429s.

A connection declares its budget in its extras: ``requests_per_minute`` for the whole deployment and
``max_concurrency``, the number of tasks that may talk to it at once (enforced across workers by an
Airflow pool of that many slots, named in the pair config). Each task process therefore spends
``requests_per_minute / max_concurrency``, so the deployment as a whole never exceeds the budget, and
retries draw from the same bucket as first attempts, so they cannot burn the quota that throttled them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class TokenBucket:
    """``rate_per_minute`` tokens a minute, at most ``burst`` saved up; ``acquire`` waits for one."""

    rate_per_minute: float
    burst: float = 1.0
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    waited_seconds: float = 0.0
    _tokens: float = field(init=False)
    _updated: float = field(init=False)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if self.rate_per_minute <= 0:
            raise ValueError(f"rate_per_minute must be positive, got {self.rate_per_minute}")
        self._tokens = self.burst
        self._updated = self.clock()

    def acquire(self) -> None:
        while True:
            with self._lock:
                now = self.clock()
                self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate_per_minute / 60.0)
                self._updated = now
                if self._tokens >= 1.0:
                    self._tokens -= 1.0
                    return
                wait = (1.0 - self._tokens) * 60.0 / self.rate_per_minute
            self.waited_seconds += wait
            self.sleep(wait)


class Unlimited:
    """The limiter of a connection that declares no budget."""

    waited_seconds = 0.0

    def acquire(self) -> None:
        return None


def limiter_from_extras(extras: Mapping[str, Any]):
    """This task's share of the connection's budget, from the connection extras."""
    per_minute = extras.get("requests_per_minute")
    if not per_minute:
        return Unlimited()
    share = float(per_minute) / max(1, int(extras.get("max_concurrency", 1)))
    return TokenBucket(rate_per_minute=share, burst=max(1.0, share / 60.0))
