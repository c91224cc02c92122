"""Licence limits (sessions, concurrent requests, requests per minute, latency) and fault injection, over HTTP."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from include.sandbox.acumatica import AcumaticaServer, Faults, Limits
from tests.sandbox.acumatica.api import Api, GatedSleep


@pytest.fixture
def sleep():
    return GatedSleep(gate_timeout=10)


@pytest.fixture
def server(clock, sleep):
    with AcumaticaServer(items=4, customers=2, clock=clock, sleep=sleep, fault_seed=11) as running:
        yield running


# Per-minute delays, the queue and its 429s: test_conformance_licence.py (the guide's model replaced the
# sliding-window 429s and the concurrency 429s that used to be tested here).

# -- latency ------------------------------------------------------------------------------------------------------

def test_latency_is_added_to_every_api_request_but_not_to_sandbox_endpoints(server, sleep):
    server.limits = Limits(latency_ms=40)
    api = Api(server)
    api.get("Customer", "C00001")
    api.sandbox("GET", "stats")
    assert sleep.waits == [0.04, 0.04]  # the login and the read


# -- faults -------------------------------------------------------------------------------------------------------

def test_server_errors_come_at_the_configured_rate_and_the_same_seed_repeats_the_sequence(clock, sleep):
    sequences = []
    for _ in range(2):
        with AcumaticaServer(items=2, customers=1, clock=clock, sleep=sleep, fault_seed=5) as server:
            api = Api(server)
            server.faults = Faults(error_rate=0.3)
            sequence = [api.get("Customer", "C00001").status for _ in range(200)]
            sequences.append(sequence)
            stats = server.stats_snapshot()
            assert stats["error_500"] + stats["error_503"] == sum(1 for s in sequence if s >= 500)
    assert sequences[0] == sequences[1]
    errors = sum(1 for status in sequences[0] if status in (500, 503))
    assert 40 <= errors <= 80  # 30 % of 200, give or take the draw
    assert {500, 503} <= set(sequences[0])


def test_a_500_has_the_message_and_exception_message_of_the_real_thing(server):
    api = Api(server)
    server.faults = Faults(error_rate=1.0)
    bodies = {reply.status: reply.body for reply in (api.get("Customer") for _ in range(20))}
    assert set(bodies[500]) == {"message", "exceptionMessage"}
    assert set(bodies[503]) == {"message"}


def test_a_dropped_connection_gets_no_answer(server):
    api = Api(server)
    server.faults = Faults(drop_rate=1.0)
    with pytest.raises(requests.ConnectionError):
        api.http.get(api.url("/entity/Default/24.200.001/Customer"))
    assert server.stats_snapshot()["drops"] == 1


def test_a_timed_out_request_is_held_and_then_served_so_a_write_still_happens(server, sleep):
    api = Api(server)
    server.faults = Faults(timeout_rate=1.0, timeout_hold_s=2.5)
    reply = api.put("Customer", {"CustomerID": {"value": "LATE1"}, "CustomerName": {"value": "Late Writer"}})
    assert reply.status == 200
    assert sleep.waits == [2.5]
    assert server.store.find("Customer", ["LATE1"]) is not None
    assert server.stats_snapshot()["timeouts"] == 1


def test_an_answer_whose_client_gave_up_is_dropped_quietly(server, sleep, capsys):
    api = Api(server)
    server.faults = Faults(timeout_rate=1.0)
    sleep.gate = threading.Event()  # the held request waits here until released
    with pytest.raises(requests.Timeout):
        api.http.get(api.url("/entity/Default/24.200.001/Customer/NOPE"), timeout=0.2)
    sleep.gate.set()  # served now: a 404 for a client that hung up
    time.sleep(0.3)
    assert "Traceback" not in capsys.readouterr().err


def test_a_burst_of_429s_counts_down(server):
    api = Api(server)
    server.faults = Faults(burst_429=2, burst_retry_after_s=4)
    replies = [api.get("Customer", "C00001") for _ in range(3)]
    assert [r.status for r in replies] == [429, 429, 200]
    assert replies[0].headers["Retry-After"] == "4"
    assert server.faults.burst_429 == 0 and server.stats_snapshot()["429_burst"] == 2


def test_sessions_are_forced_to_expire_every_n_authenticated_requests(server):
    api = Api(server)
    server.faults = Faults(expire_session_after=3)
    assert statuses_with_relogin(api, 7) == [200, 200, 401, 200, 200, 401, 200]
    stats = server.stats_snapshot()
    assert stats["forced_expiries"] == 2 and stats["open_sessions"] == 1


def statuses_with_relogin(api: Api, count: int) -> list[int]:
    result = []
    for _ in range(count):
        status = api.get("Customer", "C00001").status
        result.append(status)
        if status == 401:
            assert api.login().status == 204
    return result


# -- sandbox endpoints for limits, faults and stats ---------------------------------------------------------------

def test_limits_and_faults_are_read_and_changed_over_http(server):
    api = Api(server, login=False)
    assert api.sandbox("GET", "limits").body["max_sessions"] == 2
    changed = api.sandbox("POST", "limits", {"requests_per_minute": 600, "max_sessions": 5})
    assert changed.body["requests_per_minute"] == 600 and server.limits.max_sessions == 5
    assert api.sandbox("POST", "faults", {"error_rate": 0.25}).body["error_rate"] == 0.25
    assert server.faults.error_rate == 0.25


@pytest.mark.parametrize("path, body, fragment", [
    ("limits", {"max_session": 1}, "unknown setting"),
    ("limits", {"max_sessions": -1}, "non-negative"),
    ("faults", {"error_rate": 2}, "between 0 and 1"),
    ("faults", {"error_rate": 0.6, "drop_rate": 0.6}, "must not exceed 1"),
])
def test_a_bad_limit_or_fault_setting_is_a_400_and_changes_nothing(server, path, body, fragment):
    before = (server.limits, server.faults)
    reply = Api(server, login=False).sandbox("POST", path, body)
    assert reply.status == 400 and fragment in reply.body["message"]
    assert (server.limits, server.faults) == before


def test_stats_count_requests_logins_logouts_and_open_sessions_and_reset(server):
    api = Api(server)
    api.get("Customer")
    Api(server, login=False).login("admin", "wrong")
    stats = api.sandbox("GET", "stats").body
    assert (stats["requests"], stats["logins"], stats["failed_logins"], stats["open_sessions"]) == (3, 1, 1, 1)
    api.logout()
    assert api.sandbox("GET", "stats").body["logouts"] == 1
    reset = api.sandbox("POST", "stats/reset").body
    assert reset["requests"] == 0 and reset["open_sessions"] == 0
