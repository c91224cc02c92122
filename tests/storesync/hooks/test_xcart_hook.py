"""XCartHook and its client against a real in-process X-Cart emulator."""

from __future__ import annotations

import json
import socket
from decimal import Decimal

import pytest

from include.sandbox.xcart.server import Faults, XCartServer
from storesync.hooks.errors import PermanentRunError, RateLimited, TransientError
from storesync.hooks.retry import RetryPolicy
from storesync.systems.xcart.hook import XCartHook

END_TS = 1_731_000_000
RW_KEY = "rw-key-5f2c9a7e1b"
RO_KEY = "ro-key-8d41b6c03e"
ORDERS = 40
PAGE_SIZE = 7


def set_connection(monkeypatch, conn_id: str = "xcart_test", **fields) -> None:
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps({"conn_type": "xcart", **fields}))


@pytest.fixture(scope="module")
def server():
    """Shared, read-mostly emulator; tests that change faults or records use ``fresh_server``."""
    with XCartServer(port=0, rw_key=RW_KEY, ro_key=RO_KEY, orders=ORDERS, seed=7, days=1, end_ts=END_TS) as running:
        yield running


@pytest.fixture
def fresh_server():
    with XCartServer(port=0, rw_key=RW_KEY, ro_key=RO_KEY, orders=12, seed=3, days=1, end_ts=END_TS) as running:
        yield running


def connect(monkeypatch, server: XCartServer, *, password: str = RW_KEY, **extra) -> None:
    extras = {"read_only_api_key": RO_KEY, "page_size": PAGE_SIZE, "max_attempts": 2, **extra}
    set_connection(monkeypatch, host=server.base_url, password=password, extra=extras)


def fast_retry(**kwargs) -> RetryPolicy:
    return RetryPolicy(**{"max_attempts": 2, "base_delay": 0.001, **kwargs})


# -- reading ---------------------------------------------------------------------------------------

def test_iter_records_yields_every_order_exactly_once_in_id_order_across_pages(monkeypatch, server):
    connect(monkeypatch, server)
    client = XCartHook("xcart_test").get_client()
    assert client.page_size == PAGE_SIZE
    ids = [order["orderId"] for order in client.iter_records("order")]
    expected = [order["orderId"] for order in server.store.list_orders()[0]]
    assert len(expected) == ORDERS and ORDERS % PAGE_SIZE != 0
    assert ids == expected
    assert ids == sorted(set(ids))


def test_iter_records_with_an_order_date_window_returns_exactly_the_matching_orders(monkeypatch, server):
    """X-Cart's ``_cnd[date]`` is inclusive at both ends (XLite\Model\Repo\Order::prepareCndDate)."""
    connect(monkeypatch, server)
    client = XCartHook("xcart_test").get_client()
    all_orders = server.store.list_orders()[0]
    dates = sorted(o["orderDate"] for o in all_orders)
    start, end = dates[len(dates) // 4], dates[len(dates) // 2]
    got = list(client.iter_records("order", conditions={"_cnd[date][0]": start, "_cnd[date][1]": end}))
    assert [o["orderId"] for o in got] == [o["orderId"] for o in all_orders if start <= o["orderDate"] <= end]


def test_iter_records_reads_past_pages_whose_result_count_is_the_page_size(monkeypatch, server):
    """X-Result-Count is the rows of each page: a reader that took it for a total stopped after page one."""
    connect(monkeypatch, server, page_size=7)
    client = XCartHook("xcart_test").get_client()
    assert len(list(client.iter_records("order"))) == ORDERS


def test_an_empty_window_yields_nothing(monkeypatch, server):
    connect(monkeypatch, server)
    client = XCartHook("xcart_test").get_client()
    assert list(client.iter_records("order", conditions={"_cnd[date][0]": END_TS + 86_400})) == []


def test_money_is_parsed_as_exact_decimals_never_floats(monkeypatch, server):
    connect(monkeypatch, server)
    order = XCartHook("xcart_test").get_client().get("order", 1)
    stored = server.store.get_order(1)

    def floats(value):
        if isinstance(value, float):
            yield value
        elif isinstance(value, dict):
            for item in value.values():
                yield from floats(item)
        elif isinstance(value, list):
            for item in value:
                yield from floats(item)

    assert list(floats(order)) == []
    for name in ("total", "taxAmount", "shippingCost", "discountValue"):
        assert isinstance(order[name], Decimal)
        assert order[name] == Decimal(str(stored[name]))
    # X-Cart's complex subtotal is total - shipping (Complex.php convertModelOrder); items carry no line total.
    assert isinstance(order["subtotal"], Decimal)
    assert order["subtotal"] == Decimal(str(stored["total"])) - Decimal(str(stored["shippingCost"]))
    items = sum((item["price"] * item["quantity"] for item in order["items"]), Decimal(0))
    assert order["subtotal"] == items + order["taxAmount"] - order["discountValue"]
    assert order["total"] == order["subtotal"] + order["shippingCost"]


# -- keys and writes -------------------------------------------------------------------------------

def test_the_read_write_key_may_update_an_order(monkeypatch, fresh_server):
    connect(monkeypatch, fresh_server)
    updated = XCartHook("xcart_test").get_client().update("order", 3, {"adminNotes": "ERP SO-0003"})
    assert updated["adminNotes"] == "ERP SO-0003"
    assert fresh_server.store.get_order(3)["adminNotes"] == "ERP SO-0003"


def test_read_only_hook_uses_the_read_only_key_and_a_put_fails_with_403(monkeypatch, fresh_server):
    connect(monkeypatch, fresh_server)
    client = XCartHook("xcart_test", read_only=True).get_client(retry=fast_retry())
    assert client.get("order", 2)["orderId"] == 2
    before = fresh_server.store.get_order(2)["adminNotes"]
    with pytest.raises(PermanentRunError, match="403") as raised:
        client.update("order", 2, {"adminNotes": "should not be written"})
    assert RO_KEY not in str(raised.value)
    assert fresh_server.store.get_order(2)["adminNotes"] == before


def test_read_only_hook_works_even_when_the_password_is_not_a_valid_key(monkeypatch, server):
    connect(monkeypatch, server, password="not-a-key-at-all")
    assert XCartHook("xcart_test", read_only=True).get_client().get("order", 1)["orderId"] == 1


def test_read_only_hook_without_a_read_only_key_fails_naming_the_extra(monkeypatch, server):
    set_connection(monkeypatch, host=server.base_url, password=RW_KEY, extra={})
    with pytest.raises(PermanentRunError, match="read_only_api_key"):
        XCartHook("xcart_test", read_only=True).get_client()


def test_a_connection_without_a_password_fails_before_any_request(monkeypatch, server):
    set_connection(monkeypatch, host=server.base_url, extra={"read_only_api_key": RO_KEY})
    with pytest.raises(PermanentRunError, match="password"):
        XCartHook("xcart_test").get_client()


def test_a_wrong_key_fails_the_run_without_revealing_the_key(monkeypatch, server):
    wrong = "wrong-key-3e9d0c7a55"
    connect(monkeypatch, server, password=wrong)
    with pytest.raises(PermanentRunError) as raised:
        list(XCartHook("xcart_test").get_client(retry=fast_retry()).iter_records("order"))
    error = raised.value
    assert "403" in str(error)
    assert wrong not in str(error) and wrong not in repr(error.args)
    assert error.__cause__ is None or wrong not in str(error.__cause__)


def test_an_unknown_entity_fails_the_run(monkeypatch, server):
    connect(monkeypatch, server)
    with pytest.raises(PermanentRunError, match="404"):
        XCartHook("xcart_test").get_client(retry=fast_retry()).get("invoice", 1)


# -- faults ----------------------------------------------------------------------------------------

def test_server_errors_are_retried_then_raised_as_transient_after_max_attempts(monkeypatch, fresh_server):
    connect(monkeypatch, fresh_server)
    fresh_server.faults = Faults(error_rate=1.0)
    retry = fast_retry()
    client = XCartHook("xcart_test").get_client(retry=retry)
    with pytest.raises(TransientError) as raised:
        client.get("order", 1)
    assert not isinstance(raised.value, RateLimited)
    assert RW_KEY not in str(raised.value)
    assert retry.stats.retries == 1


def test_max_attempts_comes_from_the_connection_extra(monkeypatch, server):
    connect(monkeypatch, server, max_attempts=3)
    assert XCartHook("xcart_test").get_client().retry.max_attempts == 3


def test_a_429_is_waited_for_as_long_as_retry_after_says_and_then_the_request_succeeds(monkeypatch, fresh_server):
    connect(monkeypatch, fresh_server)
    fresh_server.faults = Faults(rate_limit_per_minute=1)
    waits = []

    def sleep(seconds):  # instead of sleeping, let the rate-limit window pass
        waits.append(seconds)
        fresh_server.faults = Faults()

    retry = RetryPolicy(max_attempts=1, sleep=sleep)
    client = XCartHook("xcart_test").get_client(retry=retry)
    assert client.get("order", 1)["orderId"] == 1
    assert client.get("order", 2)["orderId"] == 2  # the second request in the window was throttled
    assert len(waits) == 1 and 1 <= waits[0] <= 60
    assert retry.stats.rate_limited_waits == 1 and retry.stats.retries == 0


def test_a_429_is_raised_as_rate_limited_when_no_rate_limit_wait_is_allowed(monkeypatch, fresh_server):
    connect(monkeypatch, fresh_server)
    fresh_server.faults = Faults(rate_limit_per_minute=1)
    waits = []
    client = XCartHook("xcart_test").get_client(retry=RetryPolicy(max_rate_limit_wait=0, sleep=waits.append))
    client.get("order", 1)
    with pytest.raises(RateLimited) as raised:
        client.get("order", 2)
    assert 1 <= raised.value.retry_after <= 60
    assert waits == []


# -- test_connection, session, UI ------------------------------------------------------------------

def test_test_connection_reports_success(monkeypatch, server):
    connect(monkeypatch, server)
    ok, message = XCartHook("xcart_test").test_connection()
    assert ok is True
    assert "reachable" in message


def test_test_connection_reports_a_wrong_key_as_failure(monkeypatch, server):
    connect(monkeypatch, server, password="wrong-key-3e9d0c7a55")
    ok, reason = XCartHook("xcart_test").test_connection()
    assert ok is False and "403" in reason and "wrong-key-3e9d0c7a55" not in reason


def test_test_connection_reports_a_dead_port_as_failure_without_the_key(monkeypatch):
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    set_connection(monkeypatch, host=f"http://127.0.0.1:{dead_port}", password=RW_KEY, extra={"timeout": 2})
    ok, reason = XCartHook("xcart_test").test_connection()
    assert ok is False
    assert "ConnectionError" in reason
    assert RW_KEY not in reason


def test_client_extras_are_not_sent_as_http_headers_but_other_extras_are(monkeypatch, server):
    connect(monkeypatch, server, timeout=5, **{"X-Trace": "abc"})
    headers = XCartHook("xcart_test").get_conn().headers
    for name in ("read_only_api_key", "page_size", "timeout", "max_attempts"):
        assert name not in headers
    assert RO_KEY not in headers.values()
    assert headers["X-Trace"] == "abc"


def test_ui_field_behaviour_relabels_host_and_password():
    behaviour = XCartHook.get_ui_field_behaviour()
    assert behaviour["relabeling"]["host"] == "Store URL"
    assert "API key" in behaviour["relabeling"]["password"]
    assert {"login", "schema"} <= set(behaviour["hidden_fields"])
    assert "read_only_api_key" in json.loads(behaviour["placeholders"]["extra"])
