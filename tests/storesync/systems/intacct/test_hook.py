"""IntacctHook: the connection becomes a client; credentials stay in the XML body and are masked."""

from __future__ import annotations

import json

import pytest

from storesync.hooks.errors import PermanentRunError
from storesync.hooks.ratelimit import TokenBucket, Unlimited, window_safe_rate
from storesync.systems.intacct import hook as hook_module
from storesync.provider import get_provider_info
from storesync.systems.intacct.connection import CONNECTION_FIELDS
from storesync.systems.intacct.hook import IntacctHook
from tests.storesync.systems.intacct.support import CONN_ID, connect


@pytest.fixture
def masked(monkeypatch) -> list[str]:
    secrets: list[str] = []
    monkeypatch.setattr(hook_module, "_mask", secrets.append)
    return secrets


def test_test_connection_signs_in_and_says_so_without_secrets(monkeypatch, server, masked):
    connect(monkeypatch, server)
    ok, message = IntacctHook(CONN_ID).test_connection()
    assert ok and next(iter(server.companies)) in message
    assert all(secret not in message for secret in masked)


def test_test_connection_reports_bad_credentials(monkeypatch, server, masked):
    connect(monkeypatch, server, user_password="wrong-secret-42")
    ok, message = IntacctHook(CONN_ID).test_connection()
    assert not ok and "XMLGW_JPP0002" in message and "wrong-secret-42" not in message


def test_both_passwords_and_the_session_id_are_masked(monkeypatch, server, masked):
    connect(monkeypatch, server)
    client = IntacctHook(CONN_ID).get_client()
    client.open_session()
    assert server.user_password in masked and server.sender_password in masked
    assert client._sessionid in masked


def test_credentials_never_travel_as_http_basic_auth_or_headers(monkeypatch, server, masked):
    """HttpHook would turn login/password into Basic auth and unknown extras into headers (DESIGN.md §9)."""
    connect(monkeypatch, server)
    session = IntacctHook(CONN_ID).get_client()._http
    assert session.auth is None
    header_text = json.dumps(dict(session.headers))
    assert server.sender_password not in header_text and "sender_id" not in header_text


def test_a_connection_without_sender_credentials_fails_naming_what_is_missing(monkeypatch, server):
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", json.dumps({
        "conn_type": "intacct", "host": server.endpoint, "login": "user", "password": "pw",
        "extra": {"company_id": "storesync-demo", "sender_id": ""}}))
    with pytest.raises(PermanentRunError, match="sender_id.*sender_password"):
        IntacctHook(CONN_ID).get_client()


def test_the_request_budget_comes_from_the_connection_and_is_shared_by_its_tasks(monkeypatch, server):
    """storesync.hooks.ratelimit: each of max_concurrency tasks spends its share of requests_per_minute."""
    connect(monkeypatch, server, requests_per_minute=120, max_concurrency=2)
    limiter = IntacctHook(CONN_ID).get_client().limiter
    assert isinstance(limiter, TokenBucket) and limiter.rate_per_minute == window_safe_rate(60)
    connect(monkeypatch, server)
    assert isinstance(IntacctHook(CONN_ID).get_client().limiter, Unlimited)


def test_connection_extras_configure_the_client(monkeypatch, server):
    connect(monkeypatch, server, page_size=250, timeout=12, max_attempts=2, entity_id="200")
    client = IntacctHook(CONN_ID).get_client()
    assert (client.page_size, client.timeout, client.retry.max_attempts, client.entity_id) == (250, 12.0, 2, "200")
    assert client.endpoint == server.endpoint


def test_the_connection_form_declares_every_extra_the_hook_reads_with_the_sender_password_secret():
    [entry] = [t for t in get_provider_info()["connection-types"] if t["connection-type"] == "intacct"]
    fields = entry["conn-fields"]
    assert entry["connection-type"] == IntacctHook.conn_type == "intacct"
    assert entry["hook-class-name"] == "storesync.systems.intacct.hook.IntacctHook"
    assert {"sender_id", "sender_password", "company_id", "entity_id", "page_size", "timeout", "max_attempts",
            "requests_per_minute", "max_concurrency"} <= set(fields) == set(CONNECTION_FIELDS)
    assert fields["sender_password"]["schema"]["format"] == "password"
