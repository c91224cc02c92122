"""Acumatica contract-based REST API: an Airflow hook and the client it builds (docs/acumatica.md).

``AcumaticaHook(conn_id).get_client()`` returns an :class:`AcumaticaClient` that has not logged in yet: the
first request logs in (cookie session, or an OAuth 2.0 token), ``close()`` logs out, because every open
session holds one of the licence's few API sessions. Records in and out are plain dicts (the client wraps
and unwraps ``{"value": …}``; numbers are ``Decimal``; dates stay ISO strings).

Errors, in the shared taxonomy (:mod:`storesync.hooks.errors`):

- 422 → :class:`AcumaticaValidationError` (a ``PermanentRecordError``) with ``record_error`` and
  ``field_errors`` keyed by dotted path (``Details[0].InventoryID``); its message names the entity, the
  record's reference when it has one, and every field;
- 429 (licence limits) → ``RateLimited``. Acumatica queues requests beyond the licence and delays them
  (up to 10 minutes in its queue) and declines one with 429 only past the queue, with no documented
  ``Retry-After`` ("License Restrictions for API Users"): the client therefore waits long for an answer
  (``timeout``, default 630 s: the queue's 10 minutes and the request's own time) and backs a 429 off
  exponentially (1, 2, 4 … 60 s) unless a ``Retry-After`` says otherwise. 5xx, timeouts and dropped
  connections → ``TransientError`` retried with backoff (both through the connection's ``RetryPolicy``);
- sign-in answers 204, 400, 429 or 500, never 401 ("Sign In to the Service"). 400, or any answer naming
  "Invalid credentials" (the text Acumatica's own client looks for, even on a 500), is a ``PermanentRunError``
  for the run (never retried: a bad password retried locks the user out); "API Login Limit" or 429 is
  ``RateLimited``; another 5xx is transient;
- 401 on a request → the session expired: log in again once and repeat the request; 401 again right after a
  fresh login is a ``PermanentRunError``;
- 412 on a ``put`` with ``mode="insert"`` (``If-None-Match: *``) or ``"update"`` (``If-Match: *``) →
  :class:`AcumaticaPreconditionFailed` (a ``PermanentRecordError``): the record exists / does not;
- 404 on ``get`` (or a 500 "No entity satisfies the condition") → None; elsewhere, like 403/405, a
  ``PermanentRunError`` (wrong URL, endpoint or version).

Budget: the connection's ``requests_per_minute`` and ``max_concurrency`` give each task a token bucket of
``requests_per_minute / max_concurrency`` (see :mod:`storesync.hooks.ratelimit`); logins and logouts draw
from it too, as the licence counts them. Secrets (password, client secret, session cookies, tokens) are
registered with Airflow's secrets masker and never put in a message.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests

from airflow.sdk import BaseHook
from storesync.systems.acumatica import wire
from storesync.hooks.errors import (
    PermanentRecordError,
    PermanentRunError,
    RateLimited,
    TransientError,
    classify_http_status,
    parse_retry_after,
)
from storesync.hooks.http_session import settle_environment
from storesync.hooks.pagination import OffsetPaginator
from storesync.hooks.ratelimit import Unlimited, limiter_from_extras
from storesync.hooks.retry import RetryPolicy
from storesync.forms import form_extras
from storesync.systems.acumatica.connection import AUTH_MODES, CONNECTION_FIELDS, UI_FIELD_BEHAVIOUR

log = logging.getLogger(__name__)

DEFAULT_ENDPOINT, DEFAULT_VERSION = "Default", "24.200.001"
#: Fields that identify a record in an error message, per entity (the first one present is used).
REFERENCE_FIELDS = {
    "SalesOrder": ("CustomerOrder", "OrderNbr", "ExternalRef"),
    "Customer": ("CustomerID", "CustomerName"),
    "StockItem": ("InventoryID",),
    "Payment": ("PaymentRef", "ReferenceNbr"),
    "Shipment": ("ShipmentNbr",),
}
class AcumaticaPreconditionFailed(PermanentRecordError):
    """412: ``If-None-Match: *`` met an existing record, or ``If-Match: *`` found none."""

    def __init__(self, message: str, *, record_key: str | None = None) -> None:
        super().__init__(message, record_key=record_key)
        self.status = 412


#: PUT modes and the precondition header each sends (AcumaticaRESTAPIClientForCSharp,
#: Acumatica.RESTClient.ContractBasedApi/ApiClientExtensions.cs: PutMethod, ComposePutHeaders).
PUT_MODES = {"any": {}, "insert": {"If-None-Match": "*"}, "update": {"If-Match": "*"}}
#: Backoff of a 429 that carries no Retry-After: base * 2^n seconds, capped.
THROTTLE_BASE_S, THROTTLE_CAP_S = 1.0, 60.0


class AcumaticaValidationError(PermanentRecordError):
    """Acumatica refused a record (422): ``record_error`` and ``field_errors`` {dotted path: message}."""

    def __init__(self, message: str, *, entity: str, record_error: str, field_errors: Mapping[str, str],
                 record_key: str | None = None) -> None:
        first = next(iter(field_errors), None)
        super().__init__(message, record_key=record_key, field=first)
        self.entity = entity
        self.record_error = record_error
        self.field_errors = dict(field_errors)
        self.status = 422


@dataclass
class ClientStats:
    """What one client did: HTTP requests sent (logins and logouts included), logins, re-logins after an
    expired session (401), logouts, and 429 answers received (each waited for by the retry policy)."""

    requests: int = 0
    logins: int = 0
    relogins: int = 0
    logouts: int = 0
    rate_limited: int = 0


class AcumaticaClient:
    """One API session against one instance; see the module docstring. Not shared between threads."""

    def __init__(
        self,
        session: requests.Session,
        *,
        base_url: str,
        username: str,
        password: str,
        tenant: str | None = None,
        branch: str | None = None,
        endpoint: str = DEFAULT_ENDPOINT,
        version: str = DEFAULT_VERSION,
        auth: str = "cookie",
        client_id: str | None = None,
        client_secret: str | None = None,
        page_size: int = 500,
        timeout: float = 630.0,
        connect_timeout: float = 10.0,
        throttle_base: float = THROTTLE_BASE_S,
        retry: RetryPolicy | None = None,
        limiter=None,
    ) -> None:
        if auth not in AUTH_MODES:
            raise PermanentRunError(f"Acumatica auth {auth!r} is not one of {', '.join(AUTH_MODES)}")
        self._session = session
        self.base_url = base_url.rstrip("/")
        self._username, self._password = username, password
        self.tenant, self.branch = tenant, branch
        self.endpoint, self.version = endpoint, version
        self.auth = auth
        self._client_id, self._client_secret = client_id, client_secret
        self.page_size = page_size
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.throttle_base = throttle_base
        self._throttled = 0  # 429s in a row, for the backoff of those without Retry-After
        self.retry = retry or RetryPolicy()
        self.limiter = limiter or Unlimited()
        self.stats = ClientStats()
        self._logged_in = False
        self._token: str | None = None

    # -- session -------------------------------------------------------------------------------------------

    @property
    def logged_in(self) -> bool:
        return self._logged_in

    def __enter__(self) -> AcumaticaClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Log out if logged in (frees the licence's session), retried like any request. Idempotent; a logout that
        still fails only warns."""
        if not self._logged_in:
            return
        self._logged_in = False
        if self.auth == "oauth2":
            self._token = None  # tokens are not API sessions: nothing to free
            return
        try:
            # Retried like any request (5xx, timeouts, drops, 429s): a session left open holds one of the
            # licence's few API sessions until the server's idle timeout (10 minutes by default).
            self.retry.call(self._logout, what="Acumatica logout")
            self.stats.logouts += 1
        except Exception as exc:  # noqa: BLE001 - closing must never fail the task
            log.warning("Acumatica logout failed (%s%s); the session ends when it times out on the server",
                        type(exc).__name__, f", HTTP {exc.status}" if getattr(exc, "status", None) else "")
        finally:
            self._session.cookies.clear()

    def _logout(self) -> None:
        response = self._send("POST", f"{self.base_url}/entity/auth/logout", what="logout")
        self._raise_for_status(response, "logout")

    def _login(self) -> None:
        if self.auth == "oauth2":
            self._login_oauth()
        else:
            self._login_cookie()
        self._logged_in = True
        self.stats.logins += 1

    def _login_cookie(self) -> None:
        self._session.cookies.clear()
        body = {"name": self._username, "password": self._password}
        body.update({key: value for key, value in (("tenant", self.tenant), ("branch", self.branch)) if value})
        response = self._send("POST", f"{self.base_url}/entity/auth/login", what="login", data=wire.dumps(body),
                              headers={"Content-Type": "application/json"})
        if response.status_code < 300:
            self._throttled = 0
        else:
            self._login_refused(response)
        self._raise_for_status(response, "login")
        for cookie in self._session.cookies:
            _mask(cookie.value)

    def _login_refused(self, response: requests.Response) -> None:
        """Classify a refused sign-in (see the module docstring); returns only for a transient 5xx."""
        status, text = response.status_code, _message_of(response, every=True)
        folded = text.lower()
        if "api login limit" in folded or status == 429:
            self.stats.rate_limited += status != 429  # _send counted the 429s already
            raise self._throttle(f"Acumatica login: HTTP {status} {text}".strip(), response.headers.get("Retry-After"),
                                 status=status)
        if "invalid credentials" in folded or status in (400, 401, 403):
            raise PermanentRunError(
                f"Acumatica login as {self._username!r} (tenant {self.tenant or '-'}, branch {self.branch or '-'}) "
                f"refused: HTTP {status} {text}; check the connection's login, password, tenant and branch")

    def _throttle(self, message: str, retry_after: str | None, *, status: int = 429) -> RateLimited:
        """A 429 as ``RateLimited``: its Retry-After when it has one, else an exponential backoff."""
        wait = (parse_retry_after(retry_after) if retry_after is not None
                else min(THROTTLE_CAP_S, self.throttle_base * 2 ** self._throttled))
        self._throttled += 1
        error = RateLimited(message, retry_after=wait)
        error.status = status
        return error

    def _login_oauth(self) -> None:
        form = {"grant_type": "password", "client_id": self._client_id or "", "client_secret": self._client_secret or "",
                "username": self._username, "password": self._password, "scope": "api"}
        response = self._send("POST", f"{self.base_url}/identity/connect/token", what="token", data=form)
        if response.status_code in (400, 401, 403):
            reason = _safe_json(response).get("error", "") if response.content else ""
            raise PermanentRunError(f"Acumatica OAuth token for {self._username!r} refused: HTTP "
                                    f"{response.status_code} {reason}; check the login, password, client_id and "
                                    "client_secret")
        self._raise_for_status(response, "token")
        token = _safe_json(response).get("access_token")
        if not token:
            raise PermanentRunError("Acumatica token endpoint answered without an access_token")
        _mask(token)
        self._token = token

    # -- requests ------------------------------------------------------------------------------------------

    def _send(self, method: str, url: str, *, what: str, params: Mapping[str, Any] | None = None,
              data: Any = None, headers: Mapping[str, str] | None = None) -> requests.Response:
        self.limiter.acquire()
        self.stats.requests += 1
        all_headers = {"Accept": "application/json", **(headers or {})}
        if self._token and self.auth == "oauth2" and what not in ("token",):
            all_headers["Authorization"] = f"Bearer {self._token}"
        try:
            response = self._session.request(method, url, params=params, data=data, headers=all_headers,
                                             timeout=(self.connect_timeout, self.timeout))
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise TransientError(f"Acumatica {what}: {type(exc).__name__}") from None
        if response.status_code == 429:
            self.stats.rate_limited += 1
        return response

    def _raise_for_status(self, response: requests.Response, what: str) -> None:
        if response.status_code == 429:
            raise self._throttle(f"Acumatica {what}: HTTP 429 {_message_of(response)}".strip(),
                                 response.headers.get("Retry-After"))
        if response.status_code < 400:
            self._throttled = 0
        error = classify_http_status(response.status_code,
                                     message=f"Acumatica {what}: HTTP {response.status_code} {_message_of(response)}".strip(),
                                     retry_after=response.headers.get("Retry-After"))
        if error is not None:
            raise error

    def _authorized(self, method: str, url: str, *, what: str, params: Mapping[str, Any] | None,
                    body: Any, extra_headers: Mapping[str, str] | None = None) -> requests.Response:
        """Send with the session, logging in first if needed, and once more after a 401 (expired session)."""
        data = None if body is None else wire.dumps(body)
        headers = {"Content-Type": "application/json"} if data is not None else None
        if extra_headers:
            headers = {**(headers or {}), **extra_headers}
        if not self._logged_in:
            self._login()
        response = self._send(method, url, what=what, params=params, data=data, headers=headers)
        if response.status_code != 401:
            return response
        self._logged_in = False
        self.stats.relogins += 1
        log.info("Acumatica %s: session expired (401); logging in again", what)
        self._login()
        response = self._send(method, url, what=what, params=params, data=data, headers=headers)
        if response.status_code == 401:
            self._logged_in = False
            raise PermanentRunError(f"Acumatica {what}: HTTP 401 right after a fresh login as {self._username!r}; "
                                    "the user may lack API access rights")
        return response

    def _call(self, method: str, entity: str, keys: Sequence[str] = (), *, params: Mapping[str, Any] | None = None,
              body: Any = None, allow_404: bool = False, record: Mapping[str, Any] | None = None,
              headers: Mapping[str, str] | None = None) -> Any:
        url = self._entity_url(entity, keys)
        what = f"{method} {entity}" + (f"/{'/'.join(keys)}" if keys else "")

        def attempt() -> Any:
            response = self._authorized(method, url, what=what, params=params, body=body, extra_headers=headers)
            if allow_404 and (response.status_code == 404 or (
                    response.status_code == 500 and "no entity satisfies the condition"
                    in _message_of(response, every=True).lower())):
                return None
            if response.status_code == 422:
                raise self._validation_error(entity, response, record)
            if response.status_code == 412:
                reference = _reference(entity, record)
                raise AcumaticaPreconditionFailed(
                    f"Acumatica {what}{' ' + reference if reference else ''}: HTTP 412 {_message_of(response)} "
                    f"({', '.join(f'{k}: {v}' for k, v in (headers or {}).items())})", record_key=reference)
            self._raise_for_status(response, what)
            return wire.loads(response.content) if response.content.strip() else None

        return self.retry.call(attempt, what=f"Acumatica {what}")

    def _entity_url(self, entity: str, keys: Sequence[str]) -> str:
        path = "/".join(quote(str(part), safe="") for part in (entity, *keys))
        return f"{self.base_url}/entity/{self.endpoint}/{self.version}/{path}"

    def _validation_error(self, entity: str, response: requests.Response,
                          record: Mapping[str, Any] | None) -> AcumaticaValidationError:
        body = _safe_json(response, default=None)
        record_error, field_errors = wire.parse_validation_error(body)
        record_error = record_error or "HTTP 422"
        reference = _reference(entity, record)
        details = "; ".join(f"{path}: {message}" for path, message in field_errors.items())
        name = f"{entity} {reference}" if reference else entity
        message = f"Acumatica refused {name}: {record_error}" + (f" [{details}]" if details else "")
        return AcumaticaValidationError(message, entity=entity, record_error=record_error,
                                        field_errors=field_errors, record_key=reference)

    # -- the API -------------------------------------------------------------------------------------------

    def list(self, entity: str, *, filter: str | None = None, expand: Sequence[str] = (),  # noqa: A002
             select: Sequence[str] = (), page_size: int | None = None) -> Iterator[dict]:
        """Every record matching ``filter`` (OData), page by page (``$top``/``$skip``) in key order."""
        size = page_size or self.page_size
        options: dict[str, Any] = {}
        if filter:
            options["$filter"] = filter
        if expand:
            options["$expand"] = ",".join(expand)
        if select:
            options["$select"] = ",".join(select)
        paginator = OffsetPaginator(page_size=size, offset_param="$skip", count_param="$top")
        page = paginator.first()
        while page is not None:
            records = self._call("GET", entity, params={**options, **page}) or []
            for record in records:
                yield wire.unwrap(record)
            page = paginator.next(page, received=len(records), total=None)

    def get(self, entity: str, *keys: str, expand: Sequence[str] = ()) -> dict | None:
        """The record with these key values, or None when there is none (404)."""
        params = {"$expand": ",".join(expand)} if expand else None
        payload = self._call("GET", entity, keys, params=params, allow_404=True)
        return None if payload is None else wire.unwrap(payload)

    def put(self, entity: str, record: Mapping[str, Any], *, expand: Sequence[str] = (), mode: str = "any") -> dict:
        """Create, or update the record matched by ``id`` or by the entity's key fields; the saved record as
        Acumatica answers it. ``mode="insert"`` refuses to touch an existing record, ``"update"`` to create one
        (412 → :class:`AcumaticaPreconditionFailed`)."""
        if mode not in PUT_MODES:
            raise ValueError(f"put mode {mode!r}: one of {', '.join(PUT_MODES)}")
        params = {"$expand": ",".join(expand)} if expand else None
        payload = self._call("PUT", entity, params=params, body=wire.wrap(record), record=record,
                             headers=PUT_MODES[mode])
        return wire.unwrap(payload)

    def delete(self, entity: str, *keys: str) -> None:
        try:
            self._call("DELETE", entity, keys)
        except PermanentRunError as exc:
            if getattr(exc, "status", None) == 404:
                raise PermanentRecordError(f"Acumatica DELETE {entity}/{'/'.join(keys)}: no such record",
                                           record_key="/".join(keys)) from None
            raise

    def inquiry(self, entity: str, parameters: Mapping[str, Any], *, results: str = "Results") -> list[dict]:
        """Run an inquiry (``PUT {entity}?$expand=Results``) and return its result rows."""
        payload = self._call("PUT", entity, params={"$expand": results}, body=wire.wrap(parameters),
                             record=parameters)
        return list(wire.unwrap(payload or {}).get(results) or [])


class AcumaticaHook(BaseHook):
    """Connection → :class:`AcumaticaClient` (see the module docstring).

    Connection: host = instance URL (``https://example.acumatica.com/instance``; without a scheme, https),
    login/password = the API user; extras ``tenant``, ``branch``, ``endpoint`` (Default), ``version``
    (24.200.001), ``auth`` (``cookie`` | ``oauth2``), ``client_id``/``client_secret`` (OAuth), ``page_size``,
    ``timeout``, ``max_attempts``, ``retry_base_delay``, ``max_rate_limit_wait`` (seconds of 429 waits per request
    before giving up; default 300), ``requests_per_minute`` and ``max_concurrency``.
    """

    conn_name_attr = "acumatica_conn_id"
    default_conn_name = "acumatica_default"
    conn_type = "acumatica"
    hook_name = "Acumatica"

    def __init__(self, acumatica_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.acumatica_conn_id = acumatica_conn_id

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        return {**UI_FIELD_BEHAVIOUR,
                "placeholders": {**UI_FIELD_BEHAVIOUR["placeholders"],
                                 "extra": wire.dumps({"tenant": "Company", "auth": "cookie", "page_size": 500,
                                                      "requests_per_minute": 300, "max_concurrency": 2})}}

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """The extras as declarative form fields (what the provider info lists under ``conn-fields``)."""
        return {name: dict(spec) for name, spec in CONNECTION_FIELDS.items()}

    def get_conn(self) -> AcumaticaClient:
        return self.get_client()

    def get_client(self, *, retry: RetryPolicy | None = None, limiter=None,
                   session: requests.Session | None = None) -> AcumaticaClient:
        """A client for the connection, not logged in yet."""
        connection = self.get_connection(self.acumatica_conn_id)
        extra = form_extras(connection.extra_dejson)
        where = f"connection '{self.acumatica_conn_id}'"
        if not connection.host:
            raise PermanentRunError(f"{where} has no host (the instance URL)")
        if not connection.login or not connection.password:
            raise PermanentRunError(f"{where} needs a login and a password (the API user)")
        _mask(connection.password)
        auth = str(extra.get("auth") or "cookie").lower()
        if auth not in AUTH_MODES:
            raise PermanentRunError(f"{where}: extra 'auth' is {auth!r}; valid: {', '.join(AUTH_MODES)}")
        client_secret = extra.get("client_secret")
        if client_secret:
            _mask(client_secret)
        if auth == "oauth2" and not (extra.get("client_id") and client_secret):
            raise PermanentRunError(f"{where}: auth oauth2 needs extras 'client_id' and 'client_secret'")
        policy = retry or RetryPolicy(max_attempts=int(extra.get("max_attempts", 4)),
                                      base_delay=float(extra.get("retry_base_delay", 0.5)),
                                      max_rate_limit_wait=float(extra.get("max_rate_limit_wait", 300)))
        base_url = _base_url(connection.host, connection.schema, connection.port)
        return AcumaticaClient(
            session or settle_environment(requests.Session(), base_url),
            base_url=base_url,
            username=connection.login,
            password=connection.password,
            tenant=extra.get("tenant") or None,
            branch=extra.get("branch") or None,
            endpoint=str(extra.get("endpoint") or DEFAULT_ENDPOINT),
            version=str(extra.get("version") or DEFAULT_VERSION),
            auth=auth,
            client_id=extra.get("client_id"),
            client_secret=client_secret,
            page_size=int(extra.get("page_size", 500)),
            timeout=float(extra.get("timeout", 630)),
            connect_timeout=float(extra.get("connect_timeout", 10)),
            throttle_base=float(extra.get("throttle_base", THROTTLE_BASE_S)),
            retry=policy,
            limiter=limiter or limiter_from_extras(extra),
        )

    def test_connection(self) -> tuple[bool, str]:
        """Log in, read one customer, log out."""
        try:
            with self.get_client(retry=RetryPolicy(max_attempts=1, max_rate_limit_wait=0)) as client:
                records = client.list("Customer", select=["CustomerID"], page_size=1)
                first = next(records, None)
                records.close()
        except Exception as exc:  # noqa: BLE001 - the UI wants the reason, not a traceback
            return False, str(exc)
        read = f"first customer {first.get('CustomerID')}" if first else "no customers"
        return True, f"Acumatica {client.endpoint}/{client.version} reachable; logged in, read {read}, logged out"


def _base_url(host: str, scheme: str | None, port: int | None) -> str:
    url = host.strip().rstrip("/")
    if "://" not in url:
        url = f"{scheme or 'https'}://{url}"
    if port and url.count(":") < 2:
        head, slash, tail = url.partition("://")[2].partition("/")
        url = f"{url.partition('://')[0]}://{head}:{port}" + (f"/{tail}" if slash else "")
    return url


def _safe_json(response: requests.Response, default: Any = None) -> Any:
    try:
        return wire.loads(response.content)
    except ValueError:
        return {} if default is None else default


def _message_of(response: requests.Response, *, every: bool = False) -> str:
    """The server's message from an error body (never a header: Set-Cookie must not reach a log); with
    ``every``, the message and the exception's message both (a 500's "An error has occurred." says little)."""
    body = _safe_json(response) if response.content else {}
    if isinstance(body, Mapping):
        if every:
            parts = [str(body.get(name)) for name in ("message", "exceptionMessage", "error") if body.get(name)]
            text = " ".join(dict.fromkeys(parts))
        else:
            text = body.get("message") or body.get("exceptionMessage") or body.get("error") or ""
        return " ".join(str(text).split())[:300]
    if every and response.content:
        return " ".join(response.text.split())[:300]
    return ""


def _reference(entity: str, record: Mapping[str, Any] | None) -> str | None:
    return next((str(record[name]) for name in REFERENCE_FIELDS.get(entity, ())
                 if record and record.get(name) not in (None, "")), None)


def _mask(secret: str) -> None:
    try:
        from airflow.sdk.log import mask_secret
    except ImportError:  # pragma: no cover - older SDK layout
        from airflow.sdk.execution_time.secrets_masker import mask_secret
    mask_secret(secret)


__all__ = ["AcumaticaClient", "AcumaticaHook", "AcumaticaPreconditionFailed", "AcumaticaValidationError",
           "ClientStats"]
