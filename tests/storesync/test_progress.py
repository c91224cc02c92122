"""Progress lines of long tasks: done, of how many, rate, every few seconds; nothing in between."""

from __future__ import annotations

from storesync.progress import Progress


class Log:
    def __init__(self):
        self.lines: list[str] = []

    def info(self, fmt: str, *args) -> None:
        self.lines.append(fmt % args)


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_with_a_total_logs_share_rate_and_time_left_every_interval():
    log, clock = Log(), Clock()
    progress = Progress(log, "load order", total=10_000, every=5, clock=clock)
    for _ in range(4):
        clock.now += 1
        progress.add(500)
    assert log.lines == []  # 4 s: nothing yet
    clock.now += 1
    progress.add(500)  # 5 s, 2,500 done
    assert log.lines == ["load order: 2,500 of 10,000 records (25 %, 500/s, about 15 s left)"]
    clock.now += 2
    progress.add(1000)
    assert len(log.lines) == 1  # 2 s since the last line
    clock.now += 13
    progress.add(6_500)
    progress.finish()
    assert log.lines[-1] == "load order: 10,000 of 10,000 records (100 %, 500/s), finished"


def test_progress_without_a_total_logs_count_and_rate():
    log, clock = Log(), Clock()
    progress = Progress(log, "extract order", every=5, clock=clock)
    for _ in range(12):
        clock.now += 0.5
        progress.add()
    assert log.lines == ["extract order: 10 records (2/s)"]
    progress.finish()
    assert log.lines[-1] == "extract order: 12 records (2/s), finished"
