"""Conformance: the licence's request limits, as "License Restrictions for API Users" describes them.

Source: Acumatica/Acumatica-AI-Resources,
``Documentation/IntegrationDevelopmentGuide/IS__con_License_Restrictions_API_Users.md``: every request but a
sign-out enters an internal queue; requests beyond the concurrent limit wait there; past 50 % of the
per-minute limit a request is delayed by (time left of the minute since its first request) / (requests left);
a request is declined only when more than 20 requests are queued or it stayed queued over 10 minutes; the
application "should stay connected and wait for the response". No Retry-After is documented.
"""

from __future__ import annotations

import threading

import pytest

from include.sandbox.acumatica import AcumaticaServer, Limits
from tests.sandbox.acumatica.api import Api, GatedSleep, same_session


@pytest.fixture
def sleep():
    return GatedSleep(gate_timeout=20)


@pytest.fixture
def server(clock, sleep):
    with AcumaticaServer(items=2, customers=2, clock=clock, sleep=sleep) as running:
        yield running


def _hold_one(server, api, sleep) -> tuple[threading.Thread, dict]:
    """One request inside the only core, held there until ``sleep.gate`` is set."""
    sleep.gate = threading.Event()
    results: dict = {}
    worker = threading.Thread(target=lambda: results.setdefault("held", api.get("Customer", "C00001").status))
    worker.start()
    while not sleep.waits:
        threading.Event().wait(0.005)
    return worker, results


def _held_with_a_short_queue_timeout(server, sleep) -> tuple[threading.Thread, Api]:
    """One core, a 0.2 s queue timeout (the guide's 10 minutes, shortened) and a request held in that core;
    returns the held request's thread and a second client on the same session."""
    api = Api(server)
    server.limits = Limits(max_concurrent=1, latency_ms=100, queue_timeout_s=0.2)
    worker, _ = _hold_one(server, api, sleep)
    return worker, same_session(api)


def _wait_for_queue(server, size: int) -> None:
    for _ in range(2000):
        if server.licence.waiting() >= size:
            return
        threading.Event().wait(0.005)
    raise AssertionError(f"the queue never reached {size}")


def test_the_documented_defaults_are_a_queue_of_20_and_10_minutes():
    """"greater than 20, or the request remains in the queue for more than 10 minutes"."""
    assert (Limits().max_queue, Limits().queue_timeout_s) == (20, 600.0)


def test_a_request_beyond_the_concurrent_limit_waits_and_is_served_not_refused(server, sleep):
    """Number of Concurrent Web Services API Requests: "the next concurrent request waits in the queue and is
    processed when one of the previous requests has completed"."""
    api = Api(server)
    server.limits = Limits(max_concurrent=1, latency_ms=100)
    worker, results = _hold_one(server, api, sleep)
    waiting: dict = {}
    second = threading.Thread(target=lambda: waiting.setdefault("status", api.get("Customer", "C00002").status))
    second.start()
    _wait_for_queue(server, 1)
    sleep.gate.set()
    worker.join(20), second.join(20)
    assert results["held"] == 200 and waiting["status"] == 200
    assert server.stats_snapshot()["429"] == 0 and server.stats_snapshot()["queued"] == 1


def test_past_half_the_per_minute_limit_a_request_is_delayed_by_the_guides_formula(server, clock, sleep):
    """Number of Web Services API Requests per Minute: limit 50, 25 processed since 02:40:20, a request at
    02:41:00 → delayed 20 s / 25 = 0.8 s (the guide's own example)."""
    api = Api(server)
    server.limits = Limits(requests_per_minute=50)
    for _ in range(25):
        assert api.get("Customer", "C00001").status == 200
    assert sleep.waits == []  # below 50 % nothing waits
    clock.advance(40)
    assert api.get("Customer", "C00001").status == 200
    assert sleep.waits == [pytest.approx(0.8)]
    assert server.stats_snapshot()["429"] == 0


def test_a_request_is_declined_only_past_20_queued_with_429_and_no_retry_after(server, sleep):
    """Decline of the Requests: declined "only if the number of requests in the internal queue is greater than
    20"; no Retry-After is documented."""
    api = Api(server)
    server.limits = Limits(max_concurrent=1, latency_ms=100)
    worker, _ = _hold_one(server, api, sleep)
    statuses: list[int] = []
    queued = [threading.Thread(target=lambda: statuses.append(api.get("Customer", "C00002").status))
              for _ in range(20)]
    for thread in queued:
        thread.start()
    _wait_for_queue(server, 20)
    declined = same_session(api)
    refused = declined.get("Customer", "C00002")
    sleep.gate.set()
    worker.join(20)
    for thread in queued:
        thread.join(20)
    assert refused.status == 429 and "Retry-After" not in refused.headers
    assert statuses == [200] * 20, "the 20 queued requests are served"


def test_a_request_queued_longer_than_the_timeout_is_declined(server, sleep):
    """Decline of the Requests: "or the request remains in the queue for more than 10 minutes" (shortened)."""
    worker, second = _held_with_a_short_queue_timeout(server, sleep)
    refused = second.get("Customer", "C00002")
    sleep.gate.set()
    worker.join(20)
    assert refused.status == 429 and server.stats_snapshot()["429_queue_timeout"] == 1


def test_sign_out_is_not_queued(server, sleep):
    """"All incoming API requests (except the requests to sign out …, which are processed immediately)"."""
    worker, other = _held_with_a_short_queue_timeout(server, sleep)
    assert other.logout().status == 204
    sleep.gate.set()
    worker.join(20)
