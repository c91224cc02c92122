"""The X-Cart emulator's extra fault knobs: timeouts, dropped connections, 429 bursts, a concurrency cap,
their seeded randomness and counters, the command line, and a client that absorbs them."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from include.sandbox.xcart.server import Drop, FaultInjector, Faults, Hold, XCartServer

END_TS = 1_731_000_000
REPO_ROOT = Path(__file__).resolve().parents[3]


def request(url: str, *, method: str = "GET", body: object = None, timeout: float = 10, raw: bytes | None = None):
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    req = urllib.request.Request(url, data=data, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def order_url(server: XCartServer, order_id: int = 1, *, key: str | None = None, **query: str) -> str:
    extra = "".join(f"&{name}={value}" for name, value in query.items())
    return f"{server.api_url}?target=RESTAPI&_key={key or server.ro_key}&_path=order/{order_id}{extra}"


@pytest.fixture
def server():
    with XCartServer(seed=1, orders=5, products=5, profiles=2, end_ts=END_TS) as running:
        yield running


# -- timeouts ----------------------------------------------------------------------------------------

def test_a_timeout_holds_the_answer_past_the_clients_timeout(server):
    server.faults = Faults(timeout_rate=1.0, timeout_hold_s=2)
    started = time.monotonic()
    with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
        request(order_url(server), timeout=1)
    assert 0.9 <= time.monotonic() - started < 2, "the client gave up before the held answer came"
    assert server.fault_stats()["timeout"] == 1


def test_a_timed_out_write_still_happens_after_its_client_gave_up(server):
    server.faults = Faults(timeout_rate=1.0, timeout_hold_s=0.8)
    with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
        # A native write: the model travels as form-encoded JSON text (X-Cart's ASchema::getInput).
        request(order_url(server, 2, key=server.rw_key), method="PUT", timeout=0.3,
                raw=urllib.parse.urlencode({"model": json.dumps({"adminNotes": "late"})}).encode())
    assert server.store.get_order(2)["adminNotes"] != "late"
    deadline = time.monotonic() + 5
    while server.store.get_order(2)["adminNotes"] != "late":
        assert time.monotonic() < deadline, "the held PUT was never applied"
        time.sleep(0.05)


def test_timeout_hold_defaults_to_35_seconds_and_is_configurable():
    assert Faults().timeout_hold_s == 35.0
    assert Faults(timeout_hold_s=2).timeout_hold_s == 2.0
    assert FaultInjector(Faults(timeout_rate=1.0, timeout_hold_s=2), seed=1).before_request() == Hold(2.0)


# -- dropped connections -----------------------------------------------------------------------------

def test_a_dropped_request_gets_its_connection_closed_without_an_answer(server):
    server.faults = Faults(drop_rate=1.0)
    connection = http.client.HTTPConnection(server.host, server.port, timeout=5)
    try:
        connection.request("GET", order_url(server).split(f":{server.port}", 1)[1])
        with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
            connection.getresponse()
    finally:
        connection.close()
    assert server.fault_stats()["drop"] == 1
    server.faults = Faults()
    assert request(order_url(server))[0] == 200


# -- 429 bursts and the concurrency cap --------------------------------------------------------------

def test_a_burst_answers_the_next_n_requests_429_with_retry_after_and_counts_down(server):
    server.faults = Faults(burst_429=3, retry_after_s=2)
    answers = [request(order_url(server)) for _ in range(4)]
    assert [status for status, _, _ in answers] == [429, 429, 429, 200]
    assert all(headers["Retry-After"] == "2" for _, headers, _ in answers[:3])
    assert server.faults.burst_429 == 0
    assert server.fault_stats()["burst_429"] == 3


def test_a_burst_can_be_started_over_http_and_reading_shows_what_is_left(server):
    status, _, body = request(f"{server.base_url}/_sandbox/faults", method="POST", body={"burst_429": 2})
    assert status == 200 and json.loads(body)["burst_429"] == 2
    assert request(order_url(server))[0] == 429
    _, _, body = request(f"{server.base_url}/_sandbox/faults")
    assert json.loads(body)["burst_429"] == 1
    assert request(order_url(server))[0] == 429
    _, _, body = request(f"{server.base_url}/_sandbox/faults")
    assert "burst_429" not in json.loads(body), "a knob back at its default is not listed"
    assert request(order_url(server))[0] == 200


def test_requests_in_flight_above_the_cap_get_429(server):
    server.faults = Faults(max_concurrency=2, latency_ms=600, retry_after_s=1)
    statuses: list[int] = []
    threads = [threading.Thread(target=lambda: statuses.append(request(order_url(server))[0])) for _ in range(5)]
    for thread in threads:
        thread.start()
        time.sleep(0.02)
    for thread in threads:
        thread.join(10)
    assert Counter(statuses) == {200: 2, 429: 3}
    assert server.fault_stats()["concurrency_429"] == 3
    server.faults = Faults(max_concurrency=2)
    assert [request(order_url(server))[0] for _ in range(3)] == [200, 200, 200], "finished requests free their slot"


# -- seeded randomness, validation, counters ---------------------------------------------------------

def _kind(decision) -> str:
    if decision is None:
        return "ok"
    if isinstance(decision, Drop):
        return "drop"
    if isinstance(decision, Hold):
        return "timeout"
    return str(decision[0])


def test_error_drop_and_timeout_shares_are_exact_disjoint_and_repeat_for_the_same_seed():
    faults = dict(error_rate=0.10, drop_rate=0.02, timeout_rate=0.05, timeout_hold_s=2)

    def decisions(seed: int) -> list[str]:
        injector = FaultInjector(Faults(**faults), seed=seed)
        return [_kind(injector.before_request()) for _ in range(5000)]

    first = decisions(11)
    assert first == decisions(11)
    assert first != decisions(12)
    counts = Counter(first)
    assert 400 <= counts["500"] + counts["503"] <= 600
    assert 60 <= counts["drop"] <= 140
    assert 190 <= counts["timeout"] <= 310


def test_only_error_rate_draws_the_same_sequence_as_before_the_extra_knobs():
    """A seed that reproduced a run before the extra knobs still does (one draw per request)."""
    import random

    rng = random.Random(5)
    expected = []
    for _ in range(200):
        expected.append(str(rng.choice((500, 503))) if rng.random() < 0.3 else "ok")
    injector = FaultInjector(Faults(error_rate=0.3), seed=5)
    assert [_kind(injector.before_request()) for _ in range(200)] == expected


@pytest.mark.parametrize("settings", [
    {"error_rate": 0.6, "timeout_rate": 0.5}, {"drop_rate": 1.5}, {"timeout_hold_s": 0}, {"burst_429": -1},
    {"max_concurrency": 1.5}, {"retry_after_s": True}, {"timeout_rate": "0.1"},
])
def test_invalid_extra_settings_are_refused(server, settings):
    with pytest.raises(ValueError):
        Faults(**settings)
    status, _, body = request(f"{server.base_url}/_sandbox/faults", method="POST", body=settings)
    assert status == 400 and body == b"null"


def test_fault_stats_count_requests_and_each_injected_fault_over_http(server):
    server.faults = Faults(burst_429=1)
    request(order_url(server))
    server.faults = Faults(error_rate=1.0)
    request(order_url(server))
    status, _, body = request(f"{server.base_url}/_sandbox/faults/stats")
    stats = json.loads(body)
    assert status == 200
    assert stats["requests"] == 2 and stats["burst_429"] == 1 and stats["429"] == 1
    assert stats["error_500"] + stats["error_503"] == 1
    server.reset_fault_stats()
    assert server.fault_stats()["requests"] == 0


def test_extra_faults_can_be_set_in_the_constructor():
    with XCartServer(orders=1, products=1, profiles=0, end_ts=END_TS, burst_429=1, max_concurrency=3,
                     timeout_rate=0.5, timeout_hold_s=3, drop_rate=0.1, retry_after_s=4) as server:
        assert server.faults == Faults(burst_429=1, max_concurrency=3, timeout_rate=0.5, timeout_hold_s=3,
                                       drop_rate=0.1, retry_after_s=4)
        status, headers, _ = request(order_url(server))
        assert status == 429 and headers["Retry-After"] == "4"


def test_cli_takes_the_extra_fault_flags():
    env = {**os.environ, "PYTHONPATH": f"{REPO_ROOT}{os.pathsep}{REPO_ROOT / 'plugins'}"}
    process = subprocess.Popen(
        [sys.executable, "-m", "include.sandbox.xcart", "--port", "0", "--orders", "3", "--end-ts", str(END_TS),
         "--rw-key", "cli-rw", "--ro-key", "cli-ro", "--burst-429", "2", "--retry-after-s", "3",
         "--max-concurrency", "4", "--timeout-rate", "0.05", "--timeout-hold-s", "2", "--drop-rate", "0.01",
         "--fault-seed", "9"],
        cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        line = process.stdout.readline()
        base = line.split()[3].split("/admin.php")[0]
        _, _, body = request(f"{base}/_sandbox/faults")
        assert json.loads(body) == {"latency_ms": 0, "error_rate": 0.0, "rate_limit_per_minute": 0,
                                    "timeout_rate": 0.05, "timeout_hold_s": 2.0, "drop_rate": 0.01,
                                    "burst_429": 2, "max_concurrency": 4, "retry_after_s": 3}
        status, headers, _ = request(f"{base}/admin.php?target=RESTAPI&_key=cli-ro&_path=order/1")
        assert status == 429 and headers["Retry-After"] == "3"
    finally:
        process.terminate()
        process.communicate(timeout=10)


# -- the pipeline's client absorbs all of it ---------------------------------------------------------

def test_the_xcart_client_reads_every_order_through_errors_timeouts_drops_and_bursts():
    import requests

    from storesync.hooks.retry import RetryPolicy
    from storesync.systems.xcart.hook import XCartClient

    with XCartServer(seed=4, orders=60, products=10, profiles=5, end_ts=END_TS, fault_seed=4, error_rate=0.2,
                     timeout_rate=0.1, timeout_hold_s=0.6, drop_rate=0.1, burst_429=2) as server:
        policy = RetryPolicy(max_attempts=12, base_delay=0.01, max_delay=0.05)
        client = XCartClient(requests.Session(), base_url=server.base_url, api_key=server.ro_key, page_size=5,
                             timeout=0.3, retry=policy)
        ids = [order["orderId"] for order in client.iter_records("order")]
        stats = server.fault_stats()
    assert ids == list(range(1, 61))
    injected = stats["error_500"] + stats["error_503"] + stats["timeout"] + stats["drop"]
    assert injected > 0 and stats["burst_429"] == 2
    assert policy.stats.retries == injected, "every injected failure was retried once"
    assert policy.stats.rate_limited_waits == 2


def test_the_hook_takes_the_retry_delay_from_the_connection_and_sends_no_client_extra_as_header(monkeypatch):
    from storesync.hooks.errors import TransientError
    from storesync.systems.xcart.hook import XCartHook

    with XCartServer(seed=4, orders=3, products=2, profiles=1, end_ts=END_TS, error_rate=1.0) as server:
        monkeypatch.setenv("AIRFLOW_CONN_XCART_FAULTS", json.dumps({
            "conn_type": "xcart", "host": server.base_url, "password": server.rw_key,
            "extra": {"read_only_api_key": server.ro_key, "timeout": 0.5, "max_attempts": 8, "retry_base_delay": 0.01}}))
        client = XCartHook("xcart_faults", read_only=True).get_client()
        assert (client.timeout, client.retry.max_attempts, client.retry.base_delay) == (0.5, 8, 0.01)
        assert not {"timeout", "max_attempts", "retry_base_delay"} & {h.lower() for h in client._session.headers}
        with pytest.raises(TransientError):
            client.get("order", 1)
    assert client.retry.stats.retries == 7
    assert client.retry.stats.seconds_waited <= sum(0.01 * 2 ** k for k in range(7)), "backed off from 10 ms"
