"""The client against Acumatica's sign-in codes, its licence queue and PUT preconditions (the emulator follows
the vendor: tests/sandbox/acumatica/test_conformance_*.py)."""

from __future__ import annotations

import json

import pytest

from include.sandbox.acumatica import AcumaticaServer, Faults, Limits
from storesync.systems.acumatica.hook import AcumaticaHook, AcumaticaPreconditionFailed
from storesync.hooks.errors import PermanentRunError, TransientError
from storesync.hooks.retry import RetryPolicy
from tests.sandbox.acumatica.api import Api

CONN = "acumatica_signin"
PASSWORD = "signin-pass-5150"


@pytest.fixture
def server():
    with AcumaticaServer(items=3, customers=3, password=PASSWORD) as running:
        yield running


def client(monkeypatch, server, *, password=PASSWORD, sleep=None, attempts=3, **extra):
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN.upper()}", json.dumps(
        {"conn_type": "acumatica", "host": server.base_url, "login": server.username, "password": password,
         "extra": {"tenant": server.tenant, **extra}}))
    waits: list[float] = []

    def wait(seconds: float) -> None:
        waits.append(seconds)
        if sleep:
            sleep()

    made = AcumaticaHook(CONN).get_client(retry=RetryPolicy(max_attempts=attempts, base_delay=0.001, sleep=wait))
    made.waits = waits
    return made


def test_a_bad_password_answered_500_invalid_credentials_is_permanent_and_tried_once(monkeypatch, server):
    acu = client(monkeypatch, server, password="wrong-0001")
    with pytest.raises(PermanentRunError) as raised:
        acu.get("Customer", "C00001")
    assert "Invalid credentials" in str(raised.value) and "wrong-0001" not in str(raised.value)
    assert server.stats_snapshot()["failed_logins"] == 1 and acu.waits == []


def test_api_login_limit_is_waited_out_then_the_sign_in_succeeds(monkeypatch, server):
    server.limits = Limits(max_sessions=1)
    holder = Api(server)
    acu = client(monkeypatch, server, sleep=holder.logout)  # the other application signs out meanwhile
    assert acu.get("Customer", "C00001")["CustomerID"] == "C00001"
    assert acu.waits == [1.0] and acu.stats.rate_limited == 1  # no Retry-After: the backoff's first step
    acu.close()


def test_another_500_at_sign_in_is_transient_and_retried(monkeypatch, server):
    server.faults = Faults(error_rate=1.0)
    acu = client(monkeypatch, server, sleep=lambda: setattr(server, "faults", Faults()))
    assert acu.get("Customer", "C00002")["CustomerID"] == "C00002"
    assert len(acu.waits) == 1
    acu.close()


def test_a_429_without_retry_after_backs_off_exponentially_and_a_retry_after_is_obeyed(monkeypatch, server):
    acu = client(monkeypatch, server)
    assert [acu._throttle("x", None).retry_after for _ in range(8)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert acu._throttle("x", "7").retry_after == 7


def test_the_read_timeout_outlasts_the_licence_queue(monkeypatch, server):
    """A queued request may wait 10 minutes before it is served ("License Restrictions for API Users")."""
    acu = client(monkeypatch, server)
    assert acu.timeout >= 600 and acu.connect_timeout <= 30


def test_put_insert_refuses_an_existing_record_with_412(monkeypatch, server):
    with client(monkeypatch, server) as acu:
        with pytest.raises(AcumaticaPreconditionFailed) as raised:
            acu.put("Customer", {"CustomerID": "C00001", "CustomerName": "Overwritten?"}, mode="insert")
        assert raised.value.status == 412
    assert server.store.get("Customer", ["C00001"])["CustomerName"] != "Overwritten?"


def test_put_update_refuses_a_missing_record_and_creates_nothing(monkeypatch, server):
    with client(monkeypatch, server) as acu:
        with pytest.raises(AcumaticaPreconditionFailed):
            acu.put("Customer", {"CustomerID": "GONE01", "CustomerName": "Gone"}, mode="update")
        assert acu.put("Customer", {"CustomerID": "C00002", "CustomerName": "Kept"}, mode="update")["CustomerName"] == "Kept"
    assert server.store.find("Customer", ["GONE01"]) is None


def test_a_queued_request_is_served_not_failed(monkeypatch, server):
    """One core, a slow request in it: the client's next request waits in Acumatica's queue and succeeds."""
    import threading

    server.limits = Limits(max_concurrent=1, latency_ms=150)
    first, second = client(monkeypatch, server), client(monkeypatch, server)
    results = []
    threads = [threading.Thread(target=lambda c=c: results.append(c.get("Customer", "C00001")["CustomerID"]))
               for c in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert results == ["C00001", "C00001"] and server.stats_snapshot()["429"] == 0
    first.close(), second.close()


def test_transient_errors_still_surface_when_attempts_run_out(monkeypatch, server):
    server.faults = Faults(error_rate=1.0)
    acu = client(monkeypatch, server, attempts=2)
    with pytest.raises(TransientError):
        acu.get("Customer", "C00001")
