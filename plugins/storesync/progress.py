"""Progress lines for long tasks: records done, of how many when known, and the rate, every few seconds.

    progress = Progress(self.log, "extract orders", total=None)
    for record in records:
        progress.add()
    progress.finish()

A task log then reads ``extract orders: 12,000 records (2,410/s)`` or ``load orders: 3,000 of 10,000 records
(30 %, 410/s, about 17 s left)`` every ``every`` seconds, and once at the end; short tasks log only the end.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class Progress:
    def __init__(self, log, what: str, *, total: int | None = None, every: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.log, self.what, self.total, self.every, self.clock = log, what, total, every, clock
        self.done = 0
        self.started = self.last = clock()

    def add(self, count: int = 1) -> None:
        self.done += count
        now = self.clock()
        if now - self.last >= self.every:
            self.last = now
            self.log.info("%s", self.line(now))

    def finish(self) -> None:
        self.log.info("%s, finished", self.line(self.clock()))

    def line(self, now: float) -> str:
        elapsed = max(now - self.started, 1e-9)
        rate = self.done / elapsed
        if self.total:
            share = min(100, int(self.done * 100 / self.total))
            text = f"{self.what}: {self.done:,} of {self.total:,} records ({share} %, {rate:,.0f}/s"
            left = self.total - self.done
            if 0 < left and rate > 0:
                text += f", about {left / rate:,.0f} s left"
            return text + ")"
        return f"{self.what}: {self.done:,} records ({rate:,.0f}/s)"
