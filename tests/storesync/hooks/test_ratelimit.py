"""Client-side rate limiting keeps a task inside its share of the connection's request budget."""

from __future__ import annotations

import pytest

from storesync.hooks.ratelimit import TokenBucket, Unlimited, limiter_from_extras


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_a_bucket_spaces_requests_evenly_at_its_rate():
    clock = FakeClock()
    bucket = TokenBucket(rate_per_minute=60, burst=1, clock=clock, sleep=clock.sleep)
    for _ in range(5):
        bucket.acquire()
    assert clock.now == pytest.approx(4.0)  # the first is free, then one a second
    assert bucket.waited_seconds == pytest.approx(4.0)


def test_a_bucket_lets_a_burst_through_then_waits():
    clock = FakeClock()
    bucket = TokenBucket(rate_per_minute=600, burst=5, clock=clock, sleep=clock.sleep)
    for _ in range(5):
        bucket.acquire()
    assert clock.slept == []
    bucket.acquire()
    assert clock.slept == [pytest.approx(0.1)]


def test_idle_time_refills_the_bucket_only_up_to_its_burst():
    clock = FakeClock()
    bucket = TokenBucket(rate_per_minute=60, burst=2, clock=clock, sleep=clock.sleep)
    clock.now = 3600
    for _ in range(3):
        bucket.acquire()
    assert clock.slept == [pytest.approx(1.0)]


def test_each_task_gets_its_share_of_the_connection_budget():
    limiter = limiter_from_extras({"requests_per_minute": 600, "max_concurrency": 3})
    assert limiter.rate_per_minute == 200


def test_a_connection_without_a_budget_is_not_limited():
    assert isinstance(limiter_from_extras({}), Unlimited)


def test_a_non_positive_rate_is_refused():
    with pytest.raises(ValueError, match="rate_per_minute"):
        TokenBucket(rate_per_minute=0)


def test_the_x_cart_client_takes_a_token_before_every_request_including_retries():
    import requests

    from include.sandbox.xcart.server import Faults, XCartServer
    from storesync.hooks.errors import TransientError
    from storesync.hooks.retry import RetryPolicy
    from storesync.hooks.xcart import XCartClient

    class CountingLimiter:
        calls = 0

        def acquire(self) -> None:
            CountingLimiter.calls += 1

    with XCartServer(rw_key="rw-k", ro_key="ro-k", orders=30) as server:
        client = XCartClient(requests.Session(), base_url=server.base_url, api_key="rw-k", page_size=10,
                             retry=RetryPolicy(max_attempts=3, base_delay=0.001), limiter=CountingLimiter())
        assert len(list(client.iter_records("order"))) == 30
        assert CountingLimiter.calls == 3
        server.faults = Faults(error_rate=1.0)
        with pytest.raises(TransientError):
            client.get("order", 1)
        assert CountingLimiter.calls == 6, "retries draw from the same budget as first attempts"
