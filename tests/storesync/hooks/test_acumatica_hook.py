"""AcumaticaHook and its client against the in-process Acumatica emulator."""

from __future__ import annotations

import json
import logging
import math
from decimal import Decimal

import pytest

from include.sandbox.acumatica import AcumaticaServer, Faults, Limits
from storesync.systems.acumatica.hook import AcumaticaHook, AcumaticaValidationError
from storesync.hooks.errors import PermanentRecordError, PermanentRunError, RateLimited, TransientError
from storesync.hooks.ratelimit import TokenBucket, Unlimited, window_safe_rate
from storesync.hooks.retry import RetryPolicy
from tests.sandbox.acumatica.api import FakeClock

PASSWORD = "s3cret-acu-pass-7781"
CLIENT_SECRET = "oauth-secret-5521-zz"
CUSTOMERS = 10  # + one e-mail customer + WEBGUEST
CONN = "acumatica_test"


def set_connection(monkeypatch, server: AcumaticaServer, *, password: str = PASSWORD, **extra) -> None:
    extras = {"tenant": server.tenant, "page_size": 4, "max_attempts": 2, "retry_base_delay": 0.001, **extra}
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN.upper()}", json.dumps(
        {"conn_type": "acumatica", "host": server.base_url, "login": server.username, "password": password,
         "extra": extras}))


def start(**kwargs) -> AcumaticaServer:
    return AcumaticaServer(items=12, customers=CUSTOMERS, customer_emails=["ann@example.com"], password=PASSWORD,
                           client_secret=CLIENT_SECRET, **kwargs).start()


@pytest.fixture
def server():
    running = start()
    yield running
    running.stop()


def fast_retry(**kwargs) -> RetryPolicy:
    waits: list[float] = []
    return RetryPolicy(**{"max_attempts": 2, "base_delay": 0.001, "sleep": waits.append, **kwargs})


def client_for(monkeypatch, server, **extra):
    set_connection(monkeypatch, server, **extra)
    return AcumaticaHook(CONN).get_client(retry=fast_retry())


# -- session lifecycle ---------------------------------------------------------------------------------------

def test_get_client_does_not_log_in_and_the_first_request_does(monkeypatch, server):
    client = client_for(monkeypatch, server)
    assert server.stats_snapshot()["requests"] == 0 and not client.logged_in
    assert client.get("Customer", "WEBGUEST")["CustomerName"] == "Web Guest"
    assert server.stats_snapshot()["logins"] == 1 and client.logged_in
    client.close()


def test_close_logs_out_once_and_is_idempotent(monkeypatch, server):
    client = client_for(monkeypatch, server)
    client.get("Customer", "WEBGUEST")
    client.close()
    client.close()
    stats = server.stats_snapshot()
    assert (stats["logouts"], stats["open_sessions"]) == (1, 0)
    assert client.stats.logouts == 1


def test_closing_a_client_that_never_logged_in_sends_nothing(monkeypatch, server):
    client_for(monkeypatch, server).close()
    assert server.stats_snapshot()["requests"] == 0


def test_a_failure_inside_with_still_logs_out(monkeypatch, server):
    with pytest.raises(ZeroDivisionError):
        with client_for(monkeypatch, server) as client:
            client.get("Customer", "WEBGUEST")
            1 / 0
    assert server.stats_snapshot()["logouts"] == 1 and server.stats_snapshot()["open_sessions"] == 0


def test_a_failed_logout_only_warns(monkeypatch, server, caplog):
    client = client_for(monkeypatch, server)
    client.get("Customer", "WEBGUEST")
    server.faults = Faults(drop_rate=1.0)  # the instance goes away without answering
    with caplog.at_level(logging.WARNING, logger="storesync.systems.acumatica.hook"):
        client.close()  # must not raise
    assert "logout failed (TransientError)" in caplog.text
    assert not client.logged_in
    assert server.stats_snapshot()["open_sessions"] == 1  # it will time out on the server


def test_a_logout_refused_for_a_moment_is_retried_so_the_session_is_freed_now(monkeypatch, server):
    client = client_for(monkeypatch, server)
    client.get("Customer", "WEBGUEST")
    server.faults = Faults(burst_429=1)  # the logout's first attempt meets a 429
    client.close()
    stats = server.stats_snapshot()
    assert (stats["429_burst"], stats["logouts"], stats["open_sessions"]) == (1, 1, 0)
    assert client.stats.logouts == 1 and client.retry.stats.rate_limited_waits == 1


def test_an_expired_session_is_logged_in_again_once_and_the_request_repeated(monkeypatch, server):
    client = client_for(monkeypatch, server)
    client.get("Customer", "WEBGUEST")
    server.expire_sessions()
    assert client.get("Customer", "C00001")["CustomerID"] == "C00001"
    assert client.stats.relogins == 1 and server.stats_snapshot()["logins"] == 2
    client.close()


def test_sessions_expiring_every_few_requests_are_survived(monkeypatch, server):
    server.faults = Faults(expire_session_after=3)
    client = client_for(monkeypatch, server)
    ids = [c["CustomerID"] for c in client.list("Customer", page_size=2)]
    assert len(ids) == CUSTOMERS + 2
    assert client.stats.relogins == server.stats_snapshot()["forced_expiries"] > 0
    client.close()
    assert server.stats_snapshot()["open_sessions"] == 0


def test_wrong_credentials_fail_the_run_without_the_password(monkeypatch, server):
    wrong = "not-the-password-9931"
    set_connection(monkeypatch, server, password=wrong)
    client = AcumaticaHook(CONN).get_client(retry=fast_retry())
    with pytest.raises(PermanentRunError) as raised:
        client.get("Customer", "C00001")
    # Acumatica answers a bad sign-in 500 "Invalid credentials" (never 401): permanent, never retried as a 500.
    assert "Invalid credentials" in str(raised.value) and server.username in str(raised.value)
    assert wrong not in str(raised.value) and PASSWORD not in str(raised.value)
    assert server.stats_snapshot()["failed_logins"] == 1  # not retried


def test_the_licence_session_limit_is_waited_out_like_any_429(monkeypatch, server):
    server.limits = Limits(max_sessions=1)
    holder = client_for(monkeypatch, server)
    holder.get("Customer", "WEBGUEST")

    def sleep(seconds):  # instead of sleeping, the other task finishes and logs out
        holder.close()

    set_connection(monkeypatch, server)
    waiting = AcumaticaHook(CONN).get_client(retry=RetryPolicy(max_attempts=1, sleep=sleep))
    assert waiting.get("Customer", "C00001")["CustomerID"] == "C00001"
    assert waiting.stats.rate_limited == 1 and waiting.retry.stats.rate_limited_waits == 1
    waiting.close()


# -- OAuth -----------------------------------------------------------------------------------------------------

def test_oauth2_uses_a_bearer_token_and_holds_no_session(monkeypatch, server):
    set_connection(monkeypatch, server, auth="oauth2", client_id=server.client_id, client_secret=CLIENT_SECRET)
    with AcumaticaHook(CONN).get_client(retry=fast_retry()) as client:
        assert client.get("Customer", "C00001")["CustomerID"] == "C00001"
        assert server.stats_snapshot()["open_sessions"] == 0 and server.stats_snapshot()["tokens_issued"] == 1
        server.expire_sessions()  # the token is revoked: the client asks for a new one
        assert client.get("Customer", "C00002")["CustomerID"] == "C00002"
        assert client.stats.relogins == 1
    assert server.stats_snapshot()["logouts"] == 0


def test_oauth2_with_a_wrong_client_secret_fails_the_run_without_it(monkeypatch, server):
    set_connection(monkeypatch, server, auth="oauth2", client_id=server.client_id, client_secret="wrong-secret-1")
    with pytest.raises(PermanentRunError, match="invalid_client") as raised:
        AcumaticaHook(CONN).get_client(retry=fast_retry()).get("Customer", "C00001")
    assert "wrong-secret-1" not in str(raised.value)


@pytest.mark.parametrize("extra, fragment", [
    ({"auth": "kerberos"}, "auth"),
    ({"auth": "oauth2"}, "client_id"),
])
def test_a_misconfigured_connection_fails_before_any_request(monkeypatch, server, extra, fragment):
    set_connection(monkeypatch, server, **extra)
    with pytest.raises(PermanentRunError, match=fragment):
        AcumaticaHook(CONN).get_client()
    assert server.stats_snapshot()["requests"] == 0


def test_a_connection_without_a_login_names_what_is_missing(monkeypatch, server):
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN.upper()}", json.dumps({"conn_type": "acumatica", "host": server.base_url}))
    with pytest.raises(PermanentRunError, match="login and a password"):
        AcumaticaHook(CONN).get_client()


# -- reading and writing ---------------------------------------------------------------------------------------

def test_list_pages_with_top_and_skip_and_yields_every_record_once_in_key_order(monkeypatch, server):
    client = client_for(monkeypatch, server)
    ids = [c["CustomerID"] for c in client.list("Customer", page_size=4)]
    assert ids == [c["CustomerID"] for c in server.store.records("Customer")]
    pages = math.ceil(len(ids) / 4) + (len(ids) % 4 == 0)
    assert client.stats.requests == 1 + pages  # the login and one request per page
    client.close()


def test_list_passes_filter_expand_and_select(monkeypatch, server):
    client = client_for(monkeypatch, server)
    found = list(client.list("Customer", filter="MainContact/Email eq 'ANN@example.com'", expand=["MainContact"]))
    assert [c["MainContact"]["Email"] for c in found] == ["ann@example.com"]
    slim = list(client.list("StockItem", select=["InventoryID"], page_size=50))
    assert all(set(item) == {"id", "InventoryID"} for item in slim) and len(slim) == 12
    client.close()


def test_get_returns_none_for_a_missing_record(monkeypatch, server):
    with client_for(monkeypatch, server) as client:
        assert client.get("Customer", "NOPE") is None


def test_an_unknown_entity_fails_the_run(monkeypatch, server):
    with client_for(monkeypatch, server) as client, pytest.raises(PermanentRunError, match="404"):
        list(client.list("Invoice"))


def test_a_put_round_trips_plain_records_with_exact_decimals(monkeypatch, server):
    order = {"CustomerID": "C00011", "CustomerOrder": "XC-77", "DisableAutomaticTaxCalculation": True,
             "TaxDetails": [{"TaxID": "WEBTAX", "TaxAmount": Decimal("0.70")}],
             "Totals": {"Freight": Decimal("4.95"), "OverrideFreightAmount": True},
             "ShipToAddress": {"City": "Zoë's Town", "Country": "US"},
             "Details": [{"InventoryID": "SKU-00002", "OrderQty": Decimal("3"), "UnitPrice": Decimal("0.10")}]}
    with client_for(monkeypatch, server) as client:
        saved = client.put("SalesOrder", order, expand=["Details", "Totals", "ShipToAddress"])
        assert saved["OrderNbr"] == "SO000001"
        assert saved["OrderTotal"] == Decimal("0.30") + Decimal("4.95") + Decimal("0.70")
        assert saved["ShipToAddress"]["City"] == "Zoë's Town"
        assert saved["Details"][0]["ExtendedPrice"] == Decimal("0.30")
        again = client.get("SalesOrder", "SO", "SO000001", expand=["Details"])
        assert again["Details"][0]["UnitPrice"] == Decimal("0.10")
        assert not any(isinstance(v, float) for v in again.values())


def test_a_refused_record_raises_a_validation_error_naming_the_entity_the_record_and_each_field(monkeypatch, server):
    with client_for(monkeypatch, server) as client:
        with pytest.raises(AcumaticaValidationError) as raised:
            client.put("SalesOrder", {"CustomerID": "NOPE", "CustomerOrder": "XC-13",
                                      "Details": [{"InventoryID": "SKU-00001", "OrderQty": Decimal("1")},
                                                  {"InventoryID": "GONE", "OrderQty": Decimal("-1")}]})
    error = raised.value
    assert isinstance(error, PermanentRecordError)
    assert set(error.field_errors) == {"CustomerID", "Details[1].InventoryID", "Details[1].OrderQty"}
    assert error.record_key == "XC-13" and error.field == "CustomerID"
    for part in ("SalesOrder", "XC-13", "CustomerID", "Details[1].InventoryID"):
        assert part in str(error)
    assert client.retry.stats.retries == 0  # a refusal is not retried


def test_delete_and_inquiry(monkeypatch, server):
    with client_for(monkeypatch, server) as client:
        client.put("Customer", {"CustomerID": "TEMP1", "CustomerName": "Temporary"})
        client.delete("Customer", "TEMP1")
        assert client.get("Customer", "TEMP1") is None
        with pytest.raises(PermanentRecordError, match="TEMP1"):
            client.delete("Customer", "TEMP1")
        rows = client.inquiry("InventorySummaryInquiry", {"InventoryID": "SKU-00003"})
        assert sorted(row["WarehouseID"] for row in rows) == ["EAST", "MAIN", "WEST"]
        assert all(isinstance(row["QtyAvailable"], Decimal) for row in rows)


# -- faults and limits -----------------------------------------------------------------------------------------

def test_a_429_is_waited_for_as_retry_after_says(monkeypatch, server):
    client = client_for(monkeypatch, server)
    client.get("Customer", "WEBGUEST")
    server.faults = Faults(burst_429=2, burst_retry_after_s=3)
    waits = []
    client.retry = RetryPolicy(max_attempts=1, sleep=waits.append)
    assert client.get("Customer", "C00001")["CustomerID"] == "C00001"
    assert waits == [3, 3] and client.stats.rate_limited == 2
    client.close()


def test_a_429_beyond_the_allowed_wait_is_raised_as_rate_limited(monkeypatch, server):
    client = client_for(monkeypatch, server)
    server.faults = Faults(burst_429=1, burst_retry_after_s=30)
    client.retry = RetryPolicy(max_rate_limit_wait=10, sleep=lambda s: None)
    with pytest.raises(RateLimited) as raised:
        client.get("Customer", "C00001")
    assert raised.value.retry_after == 30


def test_server_errors_are_retried_then_raised_as_transient(monkeypatch, server):
    client = client_for(monkeypatch, server)
    client.get("Customer", "WEBGUEST")
    server.faults = Faults(error_rate=1.0)
    with pytest.raises(TransientError) as raised:
        client.get("Customer", "C00001")
    assert not isinstance(raised.value, RateLimited)
    assert client.retry.stats.retries == 1
    server.faults = Faults()
    client.close()


def test_dropped_connections_are_transient_and_a_retry_succeeds(monkeypatch, server):
    client = client_for(monkeypatch, server)
    client.get("Customer", "WEBGUEST")
    server.faults = Faults(drop_rate=0.5)
    client.retry = RetryPolicy(max_attempts=10, base_delay=0.001, sleep=lambda s: None)
    got = [client.get("Customer", f"C0000{n}")["CustomerID"] for n in range(1, 8)]
    assert got == [f"C0000{n}" for n in range(1, 8)]
    assert server.stats_snapshot()["drops"] > 0 and client.retry.stats.retries == server.stats_snapshot()["drops"]
    server.faults = Faults()
    client.close()


def test_the_request_budget_comes_from_the_connection_extras(monkeypatch, server):
    set_connection(monkeypatch, server, requests_per_minute=300, max_concurrency=3)
    limiter = AcumaticaHook(CONN).get_client().limiter
    assert isinstance(limiter, TokenBucket) and limiter.rate_per_minute == window_safe_rate(100)  # 300 / 3 tasks
    set_connection(monkeypatch, server)
    assert isinstance(AcumaticaHook(CONN).get_client().limiter, Unlimited)


def test_a_task_spending_its_share_of_the_licence_gets_no_429_after_the_first_minute(monkeypatch):
    """Simulated time: the emulator's per-minute window and the client's token bucket share one clock that
    only sleeping moves, so three minutes of steady load run in a moment."""
    clock = FakeClock()
    limit, tasks = 120, 2
    server = start(clock=clock, sleep=clock.advance,
                   limits=Limits(requests_per_minute=limit, max_sessions=0, max_concurrent=0))
    try:
        set_connection(monkeypatch, server, requests_per_minute=limit, max_concurrency=tasks)
        share = limit / tasks
        budget = [TokenBucket(rate_per_minute=share, burst=max(1.0, share / 60), clock=clock, sleep=clock.advance)
                  for _ in range(tasks)]
        clients = [AcumaticaHook(CONN).get_client(limiter=bucket,
                                                  retry=RetryPolicy(max_attempts=1, sleep=clock.advance))
                   for bucket in budget]
        start_time, rejected_after_first_minute = clock.now, None
        for step in range(3 * limit):
            client = min(clients, key=lambda c: c.limiter._updated)  # the task whose turn comes next
            client.get("Customer", "WEBGUEST")
            if rejected_after_first_minute is None and clock.now - start_time >= 60:
                rejected_after_first_minute = server.stats_snapshot()["429"]
        for client in clients:
            client.close()
        assert clock.now - start_time >= 150  # the budget really paced the tasks
        assert rejected_after_first_minute is not None
        # Acumatica delays rather than refuses (License Restrictions for API Users): no 429 at all.
        assert server.stats_snapshot()["429"] == rejected_after_first_minute == 0
    finally:
        server.stop()


# -- test_connection, logging, UI --------------------------------------------------------------------------------

def test_test_connection_logs_in_reads_and_logs_out(monkeypatch, server):
    set_connection(monkeypatch, server)
    ok, message = AcumaticaHook(CONN).test_connection()
    assert ok is True and "C00001" in message
    stats = server.stats_snapshot()
    assert (stats["logins"], stats["logouts"], stats["open_sessions"]) == (1, 1, 0)


def test_test_connection_reports_bad_credentials_without_the_password(monkeypatch, server):
    set_connection(monkeypatch, server, password="bad-pass-0042")
    ok, reason = AcumaticaHook(CONN).test_connection()
    assert ok is False and "Invalid credentials" in reason and "bad-pass-0042" not in reason


def test_no_secret_cookie_or_token_reaches_the_logs(monkeypatch, server, caplog):
    caplog.set_level(logging.DEBUG)
    set_connection(monkeypatch, server)
    client = AcumaticaHook(CONN).get_client(retry=fast_retry())
    client.get("Customer", "C00001")
    cookies = [cookie.value for cookie in client._session.cookies]
    server.expire_sessions()
    client.get("Customer", "C00002")
    client.close()
    set_connection(monkeypatch, server, auth="oauth2", client_id=server.client_id, client_secret=CLIENT_SECRET)
    oauth = AcumaticaHook(CONN).get_client(retry=fast_retry())
    oauth.get("Customer", "C00001")
    token = oauth._token
    oauth.close()
    set_connection(monkeypatch, server, password="wrong-pass-1234")
    AcumaticaHook(CONN).test_connection()
    assert cookies and token
    assert "session expired (401); logging in again" in caplog.text  # the log was captured
    for secret in (PASSWORD, CLIENT_SECRET, token, "wrong-pass-1234", *cookies):
        assert secret not in caplog.text


def test_the_ui_form_has_the_extras_and_masks_the_client_secret():
    fields = AcumaticaHook.get_connection_form_widgets()
    assert fields["client_secret"]["schema"]["format"] == "password"
    assert {"tenant", "branch", "endpoint", "version", "auth", "page_size", "requests_per_minute",
            "max_concurrency"} <= set(fields)
    behaviour = AcumaticaHook.get_ui_field_behaviour()
    assert behaviour["relabeling"]["host"] == "Instance URL"
    assert "tenant" in json.loads(behaviour["placeholders"]["extra"])
