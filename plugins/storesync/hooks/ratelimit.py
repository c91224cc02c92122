"""Client-side rate limiting: stay inside a connection's request budget instead of provoking 429s.

A connection declares its budget in its extras: ``requests_per_minute`` for the whole deployment and
``max_concurrency``, the number of tasks that may talk to it at once (enforced across workers by an
Airflow pool of that many slots, named in the pair config). Each task process therefore spends
``requests_per_minute / max_concurrency``, so the deployment as a whole never exceeds the budget, and
retries draw from the same bucket as first attempts, so they cannot burn the quota that throttled them.

The servers count a **sliding** 60-second window (Acumatica's licence, X-Cart's limit): any 60 seconds may hold
at most the limit. A bucket lets through its rate plus whatever it had saved up, so a task's bucket saves at
most one token and starts empty: a task that idled (a pause between batches, a 429 waited out) or that starts
right after another task of the same slot cannot add a burst on top of a full minute. That bounds a task to
its rate + 1 in any minute; requests also reach the server some milliseconds after they leave, unevenly, so
the rate is :data:`HEADROOM` below the share, less that one request.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class TokenBucket:
    """``rate_per_minute`` tokens a minute, at most ``burst`` saved up; ``acquire`` waits for one. The bucket
    starts with ``initial`` tokens (default: full)."""

    rate_per_minute: float
    burst: float = 1.0
    initial: float | None = None
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    waited_seconds: float = 0.0
    _tokens: float = field(init=False)
    _updated: float = field(init=False)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if self.rate_per_minute <= 0:
            raise ValueError(f"rate_per_minute must be positive, got {self.rate_per_minute}")
        self._tokens = self.burst if self.initial is None else min(self.burst, max(0.0, self.initial))
        self._updated = self.clock()

    def acquire(self) -> None:
        while True:
            with self._lock:
                now = self.clock()
                self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate_per_minute / 60.0)
                self._updated = now
                if self._tokens >= 1.0 - 1e-9:  # a wait of exactly the missing share may round just short
                    self._tokens = max(0.0, self._tokens - 1.0)
                    return
                wait = (1.0 - self._tokens) * 60.0 / self.rate_per_minute
            self.waited_seconds += wait
            self.sleep(wait)


class Unlimited:
    """The limiter of a connection that declares no budget."""

    waited_seconds = 0.0

    def acquire(self) -> None:
        return None


#: Share of a task's budget left unspent, for the spread of arrival times at the server.
HEADROOM = 0.02


def window_safe_rate(share_per_minute: float) -> float:
    """The bucket rate that keeps a task within ``share_per_minute`` in every sliding minute (module docstring)."""
    return max(share_per_minute * (1 - HEADROOM) - 1, share_per_minute / 2)


def limiter_from_extras(extras: Mapping[str, Any], *, slots: int = 1):
    """This task's share of the connection's budget, from the connection extras: ``slots`` of its pool's
    ``max_concurrency`` (a task keeping several requests in flight holds as many slots)."""
    per_minute = extras.get("requests_per_minute")
    if not per_minute:
        return Unlimited()
    concurrency = max(1, int(extras.get("max_concurrency", 1)))
    share = float(per_minute) * min(max(1, slots), concurrency) / concurrency
    return TokenBucket(rate_per_minute=window_safe_rate(share), burst=1.0, initial=0.0)
