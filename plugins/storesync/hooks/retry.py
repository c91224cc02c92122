"""Client-side retry for classified errors: wait out rate limits, back off on transient faults.

Task-level retries (Airflow ``retries`` with exponential backoff) handle outages that last minutes;
this policy absorbs the short blips that would otherwise restart a whole extraction.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from storesync.hooks.errors import RateLimited, TransientError

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class RetryStats:
    """What a client waited for; reported in task summaries. Safe to count from several threads."""

    retries: int = 0
    rate_limited_waits: int = 0
    seconds_waited: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count(self, *, retries: int = 0, rate_limited_waits: int = 0, seconds_waited: float = 0.0) -> None:
        with self._lock:
            self.retries += retries
            self.rate_limited_waits += rate_limited_waits
            self.seconds_waited += seconds_waited


@dataclass
class RetryPolicy:
    """How many transient failures to absorb and how long rate-limit waits may be in total."""

    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 20.0
    max_rate_limit_wait: float = 300.0
    sleep: Callable[[float], None] = time.sleep
    stats: RetryStats = field(default_factory=RetryStats)

    def call(self, fn: Callable[[], T], *, what: str) -> T:
        attempt = 1
        waited_for_limits = 0.0
        while True:
            try:
                return fn()
            except RateLimited as exc:
                if waited_for_limits + exc.retry_after > self.max_rate_limit_wait:
                    raise
                waited_for_limits += exc.retry_after
                self.stats.count(rate_limited_waits=1)
                self._wait(exc.retry_after, f"{what}: rate limited, waiting {exc.retry_after:.1f}s as asked")
            except TransientError as exc:
                if attempt >= self.max_attempts:
                    raise
                delay = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
                delay *= random.uniform(0.5, 1.0)  # jitter spreads out retries of parallel tasks
                attempt += 1
                self.stats.count(retries=1)
                self._wait(delay, f"{what}: transient failure ({exc}); retry {attempt}/{self.max_attempts} in {delay:.2f}s")

    def _wait(self, seconds: float, message: str) -> None:
        log.warning(message)
        self.stats.count(seconds_waited=seconds)
        self.sleep(seconds)
