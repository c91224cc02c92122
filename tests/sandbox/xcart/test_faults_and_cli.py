"""The X-Cart emulator's fault injection and its command line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from include.sandbox.xcart.server import FaultInjector, Faults, XCartServer

END_TS = 1_731_000_000
REPO_ROOT = Path(__file__).resolve().parents[3]


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def post_json(url: str, payload: object) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def order_url(server: XCartServer, order_id: int = 1) -> str:
    return f"{server.api_url}?target=RESTAPI&_key={server.ro_key}&_path=order/{order_id}"


@pytest.fixture
def server():
    with XCartServer(seed=1, orders=5, products=5, profiles=2, end_ts=END_TS) as running:
        yield running


def test_requests_over_the_per_minute_limit_get_429_with_retry_after(server):
    server.faults = Faults(rate_limit_per_minute=3)
    assert [get(order_url(server))[0] for _ in range(3)] == [200, 200, 200]
    status, headers, _ = get(order_url(server))
    assert status == 429
    assert 1 <= int(headers["Retry-After"]) <= 60


def test_rate_limit_window_frees_up_as_requests_age():
    now = [1_000.0]
    injector = FaultInjector(Faults(rate_limit_per_minute=2), seed=1, clock=lambda: now[0])
    assert injector.before_request() is None
    now[0] += 20
    assert injector.before_request() is None
    now[0] += 10
    assert injector.before_request() == (429, {"Retry-After": "30"})
    now[0] += 30
    assert injector.before_request() is None


def test_error_rate_one_answers_every_api_request_with_500_or_503(server):
    server.faults = Faults(error_rate=1.0)
    statuses = {get(order_url(server, n))[0] for n in range(1, 6)}
    assert statuses <= {500, 503} and statuses
    server.faults = Faults()
    assert get(order_url(server))[0] == 200


def test_fault_decisions_repeat_for_the_same_fault_seed():
    def decisions(seed: int) -> list:
        injector = FaultInjector(Faults(error_rate=0.5), seed=seed)
        return [injector.before_request() for _ in range(40)]

    assert decisions(9) == decisions(9)
    assert decisions(9) != decisions(10)
    statuses = [None if decision is None else decision[0] for decision in decisions(9)]
    assert set(statuses) == {None, 500, 503}


def test_latency_delays_each_api_request(server):
    server.faults = Faults(latency_ms=150)
    started = time.perf_counter()
    assert get(order_url(server))[0] == 200
    assert time.perf_counter() - started >= 0.15


def test_faults_can_be_read_and_changed_over_http(server):
    status, body = post_json(f"{server.base_url}/_sandbox/faults", {"rate_limit_per_minute": 1, "latency_ms": 5})
    assert status == 200
    assert json.loads(body) == {"latency_ms": 5, "error_rate": 0.0, "rate_limit_per_minute": 1}
    assert server.faults.rate_limit_per_minute == 1
    assert [get(order_url(server))[0] for _ in range(2)] == [200, 429]
    status, _, body = get(f"{server.base_url}/_sandbox/faults")
    assert status == 200 and json.loads(body)["latency_ms"] == 5


@pytest.mark.parametrize("payload", [{"error_rate": 2}, {"latency_ms": -1}, {"timeouts": True}, [1]])
def test_invalid_fault_settings_get_400(server, payload):
    status, body = post_json(f"{server.base_url}/_sandbox/faults", payload)
    assert status == 400 and body == b"null"
    assert server.faults == Faults()


def test_sandbox_endpoints_are_exempt_from_faults(server):
    server.faults = Faults(error_rate=1.0, rate_limit_per_minute=1)
    for _ in range(3):
        assert get(f"{server.base_url}/_sandbox/state")[0] == 200


def test_faults_can_be_set_in_the_constructor():
    with XCartServer(orders=1, products=1, profiles=0, end_ts=END_TS, rate_limit_per_minute=1) as limited:
        assert [get(order_url(limited))[0] for _ in range(2)] == [200, 429]


def test_cli_prints_only_the_url_and_stops_cleanly_on_sigterm():
    env = {**os.environ, "PYTHONPATH": f"{REPO_ROOT}{os.pathsep}{REPO_ROOT / 'plugins'}"}
    process = subprocess.Popen(
        [sys.executable, "-m", "include.sandbox.xcart", "--port", "0", "--seed", "3", "--orders", "25",
         "--end-ts", str(END_TS), "--rw-key", "cli-rw-SECRET", "--ro-key", "cli-ro-SECRET"],
        cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        line = process.stdout.readline()
        assert "http://127.0.0.1:" in line and "SECRET" not in line
        api_url = line.split()[3].split("?")[0]
        status, _, body = get(f"{api_url}?target=RESTAPI&_key=cli-ro-SECRET&_path=order/25")
        assert status == 200 and json.loads(body)["order_id"] == 25  # the native schema's field name
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0
    assert out == "" and "SECRET" not in err


def test_cli_refuses_to_start_without_keys():
    env = {key: value for key, value in os.environ.items() if key not in ("XCART_RW_KEY", "XCART_RO_KEY")}
    env["PYTHONPATH"] = f"{REPO_ROOT}{os.pathsep}{REPO_ROOT / 'plugins'}"
    result = subprocess.run([sys.executable, "-m", "include.sandbox.xcart", "--port", "0", "--orders", "1"],
                            cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "keys are required" in result.stderr
