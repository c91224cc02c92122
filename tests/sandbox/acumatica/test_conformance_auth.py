"""Conformance: signing in and out, as Acumatica documents it.

Sources: Acumatica's Integration Development Guide in Acumatica/Acumatica-AI-Resources,
``Documentation/IntegrationDevelopmentGuide/IntegrationDev_RESTExample_Basic_Login.md`` ("Sign In to the
Service": POST /entity/auth/login, body name/password/tenant/branch, answers 204 with cookies, 400, 429 or
500), ``IS__con_License_Restrictions_API_Users.md`` (API users, sign-out processed immediately) and
``IS__con_Limitation_of_API_Connections.md`` (a sign-in beyond the limit gets an error); Acumatica's own REST
client, Acumatica/AcumaticaRESTAPIClientForCSharp ``Acumatica.RESTClient/AuthApi/AuthApi.cs``
(``VerifyResponseAsync`` looks for "API Login Limit" and "Invalid credentials" in the body, whatever the status).
"""

from __future__ import annotations

import json

import pytest
import requests

from include.sandbox.acumatica import AcumaticaServer, Limits
from tests.sandbox.acumatica.api import Api

SIGN_IN_CODES = {204, 400, 429, 500}  # "Sign In to the Service", Response Status Codes


@pytest.fixture
def server():
    with AcumaticaServer(items=2, customers=2) as running:
        yield running


def test_sign_in_answers_204_with_the_session_cookies(server):
    """IntegrationDev_RESTExample_Basic_Login.md: 204, "the response headers contain the cookies"."""
    api = Api(server, login=False)
    reply = api.login()
    assert reply.status == 204 and reply.text == ""
    assert api.http.cookies, "cookies authorise the following requests"
    assert api.get("Customer", top=1).status == 200


@pytest.mark.parametrize("wrong", [{"password": "nope"}, {"name": "nobody"}, {"tenant": "Elsewhere"},
                                   {"branch": "NOWHERE"}])
def test_wrong_credentials_are_never_401_and_name_invalid_credentials(server, wrong):
    """IntegrationDev_RESTExample_Basic_Login.md lists 204/400/429/500 only; AuthApi.cs recognises a refused
    sign-in by "Invalid credentials" in the body. The least forgiving documented code is 500."""
    api = Api(server, login=False)
    reply = api.login(wrong.pop("name", None), wrong.pop("password", None), **wrong)
    assert reply.status in SIGN_IN_CODES and reply.status != 401
    assert reply.status == 500 and "Invalid credentials" in json.dumps(reply.body)
    assert server.stats_snapshot()["open_sessions"] == 0


def test_a_malformed_sign_in_is_400(server):
    """IntegrationDev_RESTExample_Basic_Login.md: 400 "The data specified in the request is invalid"."""
    response = requests.post(f"{server.base_url}/entity/auth/login", data=json.dumps({"name": "admin"}),
                             headers={"Content-Type": "application/json"})
    assert response.status_code == 400


def test_a_sign_in_beyond_the_licences_api_users_is_429_api_login_limit_without_retry_after(server):
    """IS__con_License_Restrictions_API_Users.md (Number of Web Services API Users: "an error message is
    returned and the sign-in process is interrupted"); AuthApi.cs maps "API Login Limit" to 429; the guide
    documents no Retry-After."""
    server.limits = Limits(max_sessions=1)
    Api(server)
    refused = Api(server, login=False).login()
    assert refused.status == 429 and "API Login Limit" in refused.body["message"]
    assert "Retry-After" not in refused.headers


def test_a_request_without_a_session_is_401(server):
    """The endpoint's swagger (Default/24.200.001, EndpointDefinitions in AcumaticaRESTAPIClientForCSharp) lists
    401 on every entity operation: not signed in."""
    assert Api(server, login=False).get("Customer").status == 401


def test_sign_out_is_204_and_frees_the_api_user(server):
    """IntegrationDev_RESTExample_Basic_Login.md, Usage Notes: sign out to close the session, else later
    sign-ins may fail; IS__con_License_Restrictions_API_Users.md: an unclosed session holds an API user."""
    server.limits = Limits(max_sessions=1)
    first = Api(server)
    assert first.logout().status == 204
    assert Api(server, login=False).login().status == 204
