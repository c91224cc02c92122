"""Logging in to the emulator: cookie sessions, OAuth tokens, logout, idle expiry and the session limit."""

from __future__ import annotations

import pytest
import requests

from include.sandbox.acumatica import AcumaticaServer, Limits
from tests.sandbox.acumatica.api import Api


@pytest.fixture
def server(clock):
    limits = Limits(max_sessions=2, session_idle_timeout_s=600, token_lifetime_s=3600)
    with AcumaticaServer(items=5, customers=2, limits=limits, clock=clock) as running:
        yield running


def test_without_logging_in_every_entity_request_is_401(server):
    api = Api(server, login=False)
    reply = api.get("Customer")
    assert reply.status == 401 and reply.body == {"message": "You are not logged in."}
    assert server.stats_snapshot()["401"] == 1


def test_login_sets_the_session_cookies_and_logout_ends_the_session(server):
    api = Api(server, login=False)
    assert api.login().status == 204
    assert {".ASPXAUTH", "ASP.NET_SessionId"} <= set(api.http.cookies.keys())
    assert api.get("Customer").status == 200
    assert server.stats_snapshot()["open_sessions"] == 1
    assert api.logout().status == 204
    assert server.stats_snapshot()["open_sessions"] == 0
    assert api.get("Customer").status == 401


@pytest.mark.parametrize("credentials", [
    {"password": "wrong"}, {"name": "someone"}, {"tenant": "OtherCompany"}, {"branch": "NOWHERE"},
])
def test_wrong_credentials_tenant_or_branch_are_500_invalid_credentials_and_open_no_session(server, credentials):
    """Sign-in never answers 401 ("Sign In to the Service": 204/400/429/500); see test_conformance_auth."""
    api = Api(server, login=False)
    name = credentials.pop("name", None)
    password = credentials.pop("password", None)
    reply = api.login(name, password, **credentials)
    assert reply.status == 500 and "Invalid credentials" in reply.body["exceptionMessage"]
    assert server.stats_snapshot()["open_sessions"] == 0
    assert server.stats_snapshot()["failed_logins"] == 1


def test_a_login_beyond_the_licences_sessions_is_429_until_one_logs_out(server):
    first, second = Api(server), Api(server)
    third = Api(server, login=False)
    refused = third.login()
    assert refused.status == 429 and "API Login Limit" in refused.body["message"]
    assert "Retry-After" not in refused.headers  # none documented
    first.logout()
    assert third.login().status == 204
    assert server.stats_snapshot()["429_sessions"] == 1
    second.logout(), third.logout()


def test_an_idle_session_expires_and_frees_its_place(server, clock):
    idle, busy = Api(server), Api(server)
    clock.advance(400)
    assert busy.get("Customer").status == 200
    clock.advance(300)  # idle for 700 s, busy for 300 s
    assert idle.get("Customer").status == 401
    assert busy.get("Customer").status == 200
    assert server.stats_snapshot()["expired_sessions"] == 1
    assert Api(server, login=False).login().status == 204  # the expired session no longer counts


def test_one_stats_reading_after_the_idle_timeout_counts_the_session_expired_and_not_open(server, clock):
    Api(server)
    clock.advance(700)
    stats = server.stats_snapshot()
    assert (stats["open_sessions"], stats["expired_sessions"]) == (0, 1)


def test_expiring_every_session_through_the_sandbox_endpoint(server):
    api = Api(server)
    assert api.sandbox("POST", "sessions/expire").body == {"expired": 1}
    assert api.get("Customer").status == 401


def token(server, **overrides):
    form = {"grant_type": "password", "client_id": server.client_id, "client_secret": server.client_secret,
            "username": server.username, "password": server.password, "scope": "api", **overrides}
    return requests.post(f"{server.base_url}/identity/connect/token", data=form)


def test_an_oauth_token_authorizes_requests_without_holding_a_session(server):
    reply = token(server)
    assert reply.status_code == 200
    body = reply.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert requests.get(f"{server.base_url}/entity/Default/24.200.001/Customer", headers=headers).status_code == 200
    assert server.stats_snapshot()["open_sessions"] == 0


def test_an_expired_token_is_401(server, clock):
    access = token(server).json()["access_token"]
    clock.advance(3601)
    reply = requests.get(f"{server.base_url}/entity/Default/24.200.001/Customer",
                         headers={"Authorization": f"Bearer {access}"})
    assert reply.status_code == 401


@pytest.mark.parametrize("overrides, error", [
    ({"client_secret": "nope"}, "invalid_client"),
    ({"password": "nope"}, "invalid_grant"),
    ({"grant_type": "client_credentials"}, "unsupported_grant_type"),
])
def test_a_refused_token_request_is_400_with_the_oauth_error(server, overrides, error):
    reply = token(server, **overrides)
    assert reply.status_code == 400 and reply.json()["error"] == error
