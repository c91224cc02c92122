"""RetryPolicy: back off on transient faults, wait out rate limits, give up at the limits."""

from __future__ import annotations

import pytest

from storesync.hooks.errors import PermanentRecordError, PermanentRunError, RateLimited, TransientError
from storesync.hooks.retry import RetryPolicy


class Script:
    """A callable that raises the scripted exceptions in order, then returns ``result``."""

    def __init__(self, *outcomes, result="done"):
        self.outcomes = list(outcomes)
        self.result = result
        self.calls = 0

    def __call__(self):
        self.calls += 1
        if self.outcomes:
            raise self.outcomes.pop(0)
        return self.result


@pytest.fixture
def slept():
    return []


def policy(slept, **kwargs) -> RetryPolicy:
    return RetryPolicy(sleep=slept.append, **kwargs)


def test_a_call_that_succeeds_is_not_retried_and_never_sleeps(slept):
    fn = Script()
    retry = policy(slept)
    assert retry.call(fn, what="GET order") == "done"
    assert fn.calls == 1 and slept == []
    assert retry.stats.retries == 0 and retry.stats.seconds_waited == 0


def test_transient_errors_are_retried_until_the_call_succeeds(slept):
    fn = Script(TransientError("503"), TransientError("503"))
    retry = policy(slept, max_attempts=3)
    assert retry.call(fn, what="GET order") == "done"
    assert fn.calls == 3
    assert len(slept) == 2
    assert retry.stats.retries == 2


def test_transient_errors_are_reraised_after_max_attempts(slept):
    last = TransientError("third")
    fn = Script(TransientError("first"), TransientError("second"), last)
    with pytest.raises(TransientError) as raised:
        policy(slept, max_attempts=3).call(fn, what="GET order")
    assert raised.value is last
    assert fn.calls == 3
    assert len(slept) == 2


def test_max_attempts_of_one_means_no_retry(slept):
    fn = Script(TransientError("503"))
    with pytest.raises(TransientError):
        policy(slept, max_attempts=1).call(fn, what="GET order")
    assert fn.calls == 1 and slept == []


def test_backoff_grows_exponentially_with_jitter_and_is_capped(slept):
    fn = Script(*[TransientError("x") for _ in range(5)])
    retry = policy(slept, max_attempts=6, base_delay=1.0, max_delay=5.0)
    retry.call(fn, what="GET order")
    ceilings = [1.0, 2.0, 4.0, 5.0, 5.0]
    assert len(slept) == len(ceilings)
    for delay, ceiling in zip(slept, ceilings):
        assert ceiling * 0.5 <= delay <= ceiling


@pytest.mark.parametrize("error", [PermanentRecordError("bad field"), PermanentRunError("403"), ValueError("bug")])
def test_errors_that_are_not_transient_propagate_at_once(slept, error):
    fn = Script(error)
    with pytest.raises(type(error)):
        policy(slept).call(fn, what="PUT order/1")
    assert fn.calls == 1 and slept == []


def test_rate_limits_are_waited_exactly_as_long_as_the_server_asked(slept):
    fn = Script(RateLimited("429", retry_after=12.0), RateLimited("429", retry_after=3.0))
    retry = policy(slept)
    assert retry.call(fn, what="GET order") == "done"
    assert slept == [12.0, 3.0]
    assert retry.stats.rate_limited_waits == 2
    assert retry.stats.retries == 0


def test_rate_limits_do_not_count_as_attempts(slept):
    fn = Script(*[RateLimited("429", retry_after=1.0) for _ in range(5)])
    retry = policy(slept, max_attempts=1)
    assert retry.call(fn, what="GET order") == "done"
    assert fn.calls == 6


def test_rate_limits_between_transient_errors_do_not_reset_or_use_up_attempts(slept):
    fn = Script(
        TransientError("503"), RateLimited("429", retry_after=2.0), RateLimited("429", retry_after=2.0),
        TransientError("500"),
    )
    with pytest.raises(TransientError, match="500"):
        policy(slept, max_attempts=2).call(fn, what="GET order")
    assert fn.calls == 4


def test_total_rate_limit_wait_is_capped_and_then_the_rate_limit_is_raised(slept):
    fn = Script(*[RateLimited("429", retry_after=100.0) for _ in range(10)])
    with pytest.raises(RateLimited):
        policy(slept, max_rate_limit_wait=250.0).call(fn, what="GET order")
    assert slept == [100.0, 100.0]
    assert fn.calls == 3


def test_a_zero_rate_limit_budget_raises_the_first_rate_limit_without_waiting(slept):
    fn = Script(RateLimited("429", retry_after=1.0))
    with pytest.raises(RateLimited):
        policy(slept, max_rate_limit_wait=0).call(fn, what="GET order")
    assert slept == []


def test_a_wait_that_exactly_fills_the_budget_is_allowed(slept):
    fn = Script(RateLimited("429", retry_after=30.0), RateLimited("429", retry_after=30.0))
    assert policy(slept, max_rate_limit_wait=60.0).call(fn, what="GET order") == "done"
    assert slept == [30.0, 30.0]


def test_stats_count_retries_waits_and_seconds_across_calls(slept):
    retry = policy(slept, base_delay=0.25, max_attempts=4)
    retry.call(Script(TransientError("503"), RateLimited("429", retry_after=4.0)), what="GET order")
    retry.call(Script(RateLimited("429", retry_after=6.0), TransientError("500")), what="GET order")
    assert retry.stats.retries == 2
    assert retry.stats.rate_limited_waits == 2
    assert retry.stats.seconds_waited == pytest.approx(sum(slept))
    assert 10.0 + 2 * 0.125 <= retry.stats.seconds_waited <= 10.0 + 2 * 0.25


def test_each_policy_keeps_its_own_stats():
    first, second = RetryPolicy(sleep=lambda s: None), RetryPolicy(sleep=lambda s: None)
    first.call(Script(TransientError("x")), what="a")
    assert first.stats.retries == 1 and second.stats.retries == 0
