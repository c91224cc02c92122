"""Client-side rate limiting keeps a task inside its share of the connection's request budget."""

from __future__ import annotations

import random

import pytest

from storesync.hooks.ratelimit import HEADROOM, TokenBucket, Unlimited, limiter_from_extras, window_safe_rate


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


def test_each_task_gets_its_share_of_the_connection_budget_less_the_headroom():
    limiter = limiter_from_extras({"requests_per_minute": 600, "max_concurrency": 3})
    assert limiter.rate_per_minute == window_safe_rate(200) == pytest.approx(200 * (1 - HEADROOM) - 1)
    assert window_safe_rate(1) == 0.5  # a tiny share still gets a positive rate


def test_a_task_holding_several_pool_slots_gets_as_many_shares_and_never_more_than_the_whole():
    extras = {"requests_per_minute": 600, "max_concurrency": 3}
    assert limiter_from_extras(extras, slots=2).rate_per_minute == window_safe_rate(400)
    assert limiter_from_extras(extras, slots=5).rate_per_minute == window_safe_rate(600)


def test_a_task_s_bucket_starts_empty_and_saves_up_at_most_one_request():
    clock = FakeClock()
    limiter = limiter_from_extras({"requests_per_minute": 600})
    limiter.clock, limiter.sleep, limiter._updated = clock, clock.sleep, clock.now
    limiter.acquire()
    assert clock.slept == [pytest.approx(60 / limiter.rate_per_minute)]
    clock.now += 3600  # an hour idle
    limiter.acquire()
    limiter.acquire()
    assert len(clock.slept) == 2, "after idling, one request goes at once and the next waits its turn"


def busiest_minute(arrivals: list[float]) -> int:
    """The most requests any sliding 60-second window holds (what the servers' per-minute limits count)."""
    arrivals, most, first = sorted(arrivals), 0, 0
    for last, at in enumerate(arrivals):
        while at - arrivals[first] >= 60:
            first += 1
        most = max(most, last - first + 1)
    return most


def test_tasks_that_follow_each_other_pause_and_arrive_unevenly_never_fill_a_sliding_minute_past_the_limit():
    """Simulated time: tasks of one pool slot, one after the other, each with a new bucket from the extras,
    pausing now and then (a batch boundary, a 429 waited out), their requests reaching the server 0–300 ms late."""
    rng = random.Random(5)
    clock = FakeClock()
    limit, arrivals = 300, []
    for _task in range(8):
        bucket = limiter_from_extras({"requests_per_minute": limit, "max_concurrency": 1})
        bucket.clock, bucket.sleep, bucket._updated = clock, clock.sleep, clock.now
        for _ in range(rng.randint(50, 400)):
            bucket.acquire()
            arrivals.append(clock.now + rng.uniform(0, 0.3))
            clock.now += 0.01 if rng.random() > 0.01 else rng.uniform(1, 15)  # the request; now and then a pause
    assert clock.now > 5 * 60  # several minutes of traffic
    assert limit * 0.8 < busiest_minute(arrivals) <= limit  # near the limit, never past it


def test_a_bucket_that_saves_up_a_second_of_tokens_would_overfill_the_minute_after_a_pause():
    """Why the bucket saves at most one token: the old burst of a second's worth went over the limit."""
    clock = FakeClock()
    limit, arrivals = 300, []
    bucket = TokenBucket(rate_per_minute=limit, burst=limit / 60, clock=clock, sleep=clock.sleep)
    for step in range(600):
        bucket.acquire()
        arrivals.append(clock.now)
        clock.now += 2.0 if step == 400 else 0.01
    assert busiest_minute(arrivals) > limit


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
    from storesync.systems.xcart.hook import XCartClient

    class CountingLimiter:
        calls = 0

        def acquire(self) -> None:
            CountingLimiter.calls += 1

    # 25 orders in pages of 10: X-Cart's count header is the rows of one response, so paging stops at the
    # short third page (10, 10, 5) — three requests, three tokens.
    with XCartServer(rw_key="rw-k", ro_key="ro-k", orders=25) as server:
        client = XCartClient(requests.Session(), base_url=server.base_url, api_key="rw-k", page_size=10,
                             retry=RetryPolicy(max_attempts=3, base_delay=0.001), limiter=CountingLimiter())
        assert len(list(client.iter_records("order"))) == 25
        assert CountingLimiter.calls == 3
        server.faults = Faults(error_rate=1.0)
        with pytest.raises(TransientError):
            client.get("order", 1)
        assert CountingLimiter.calls == 6, "retries draw from the same budget as first attempts"
