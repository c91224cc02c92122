"""X-Cart 5 REST API module: an Airflow hook and the small client it builds.

Requests go to ``{store}/admin.php?target=RESTAPI&_key=<key>&_path=<entity>[/<id>]``. The API key is a
query parameter, so it is masked as a secret and never put into an error message or log line: errors
name the method and ``_path`` only.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

import requests

from airflow.providers.http.hooks.http import HttpHook
from storesync.hooks.errors import PermanentRunError, TransientError, classify_http_status
from storesync.hooks.http_session import settle_environment
from storesync.hooks.pagination import OffsetPaginator
from storesync.hooks.ratelimit import Unlimited, limiter_from_extras
from storesync.hooks.retry import RetryPolicy
from storesync.forms import form_extras
from storesync.systems.xcart.connection import UI_FIELD_BEHAVIOUR as XCART_UI_FIELD_BEHAVIOUR

# Connection extras that configure the client; everything else HttpHook would send as headers.
_CLIENT_EXTRAS = ("read_only_api_key", "page_size", "timeout", "max_attempts", "retry_base_delay", "requests_per_minute",
                  "max_concurrency")


class XCartClient:
    """One store's REST API: requests, error classification, pagination. Holds no connection lookup."""

    def __init__(
        self,
        session: requests.Session,
        *,
        base_url: str,
        api_key: str,
        page_size: int = 250,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        limiter=None,
    ) -> None:
        self._session = session
        self.limiter = limiter or Unlimited()
        self._endpoint = base_url.rstrip("/") + "/admin.php"
        self._api_key = api_key
        self.page_size = page_size
        self.timeout = timeout
        self.retry = retry or RetryPolicy()

    def request(
        self, method: str, path: str, *, params: Mapping[str, Any] | None = None, body: Any = None,
        schema: str | None = "complex",
    ) -> tuple[Any, Mapping[str, str]]:
        """Send one request with retries; return the decoded JSON body and the headers.

        ``schema`` is sent as ``_schema`` on GET only: X-Cart's complex schema refuses every other method
        with 403 (``Core/Schema/Complex.php::isForbid``), so writes always go in the native schema.
        """
        return self.retry.call(lambda: self._send(method, path, params, body, schema), what=f"{method} {path}")

    def _send(self, method: str, path: str, params: Mapping[str, Any] | None, body: Any,
              schema: str | None) -> tuple[Any, Mapping[str, str]]:
        query = {"target": "RESTAPI", "_key": self._api_key, "_path": path}
        if method == "GET" and schema:
            query["_schema"] = schema
        query.update(params or {})
        # The module reads its input from the ``model`` parameter (JSON text) of a form body: PHP parses
        # no JSON body, and X-Cart parse_str()s a PUT body (Controller/Admin/RESTAPI.php::processPut).
        data = None if body is None else {"model": json.dumps(body, default=_json_default)}
        self.limiter.acquire()
        try:
            response = self._session.request(method, self._endpoint, params=query, data=data, timeout=self.timeout)
        except (requests.Timeout, requests.ConnectionError) as exc:
            # str(exc) would contain the URL and with it the API key.
            raise TransientError(f"X-Cart {method} {path}: {type(exc).__name__}") from None
        error = classify_http_status(
            response.status_code,
            message=f"X-Cart {method} {path}: HTTP {response.status_code} {response.headers.get('X-REST-Error', '')}".strip(),
            retry_after=response.headers.get("Retry-After"),
        )
        if error is not None:
            raise error
        text = response.text
        # NaN/Infinity (not JSON, but some encoders write them) become Decimal too: a float NaN cannot be staged.
        payload = json.loads(text, parse_float=Decimal, parse_constant=Decimal) if text.strip() else None
        return payload, response.headers

    def iter_records(self, entity: str, *, conditions: Mapping[str, Any] | None = None,
                     schema: str | None = "complex", key_field: str | None = None) -> Iterator[dict]:
        """Yield every record of ``entity`` matching ``conditions``, page by page.

        X-Cart's ``X-Result-Count`` is the number of rows in that response (``count($data)`` in
        ``Core/Printer/Base/HTTP.php``), not a total: the pages end with the first short one. With
        ``key_field`` the extraction checks itself (see :class:`OffsetPaginator`): a page that repeats
        or shifts rows is read again and a run that cannot account for its rows fails naming them.

        The next page is requested as soon as the current one has arrived, while the caller works through
        it: the store spends the time encoding the next page that the caller spends staging this one. A
        failed request raises where its page would have started.
        """
        from concurrent.futures import ThreadPoolExecutor

        paginator = OffsetPaginator(page_size=self.page_size)

        def fetch(page: dict[str, int]):
            return self.request("GET", entity, params={**(conditions or {}), **page}, schema=schema)

        page = paginator.first()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="xcart-page") as reader:
            pending = reader.submit(fetch, page)
            while pending is not None:
                records, _ = pending.result()
                records = records if isinstance(records, list) else []
                current = page
                page = paginator.next(page, received=len(records))
                pending = reader.submit(fetch, page) if page is not None else None
                if key_field is not None:
                    records = paginator.check(current, records, key_field, refetch=lambda: fetch(current)[0])
                yield from records

    def get(self, entity: str, record_id: str | int, *, schema: str | None = "complex") -> Any:
        payload, _ = self.request("GET", f"{entity}/{record_id}", schema=schema)
        return payload

    def find(self, entity: str, record_id: str | int, *, schema: str | None = "complex") -> dict | None:
        """The record, or None when the store has no such id: X-Cart answers ``null`` (200) for an id it
        does not find (``Native::findForGetOne``), 404 for an entity it does not know."""
        try:
            record = self.get(entity, record_id, schema=schema)
        except PermanentRunError as exc:
            if getattr(exc, "status", None) == 404:
                return None
            raise
        return record if isinstance(record, dict) else None

    def update(self, entity: str, record_id: str | int, changes: Mapping[str, Any]) -> dict:
        """``PUT <entity>/<id>`` in the native schema: field names and association shapes of the model."""
        payload, _ = self.request("PUT", f"{entity}/{record_id}", body=dict(changes), schema=None)
        return payload

    def create(self, entity: str, record: Mapping[str, Any]) -> dict:
        """``POST <entity>/0``: a single create (``POST <entity>`` would read the input as a list of rows)."""
        payload, _ = self.request("POST", f"{entity}/0", body=dict(record), schema=None)
        return payload


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value) if value == value.to_integral_value() else str(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


class XCartHook(HttpHook):
    """Connection → ``XCartClient``.

    Connection fields: host is the store URL (scheme and path allowed), password the read/write REST API
    key; extras ``read_only_api_key`` (used when ``read_only=True``), ``page_size``, ``timeout``,
    ``max_attempts``, ``retry_base_delay`` (seconds before the first retry of a transient failure, doubling
    after; default 0.5), and the request budget ``requests_per_minute`` / ``max_concurrency`` (see ratelimit).
    """

    conn_name_attr = "xcart_conn_id"
    default_conn_name = "xcart_default"
    conn_type = "xcart"
    hook_name = "X-Cart (REST API module)"

    def __init__(self, xcart_conn_id: str = default_conn_name, *, read_only: bool = False, **kwargs: Any) -> None:
        super().__init__(method="GET", http_conn_id=xcart_conn_id, **kwargs)
        self.xcart_conn_id = xcart_conn_id
        self.read_only = read_only

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        form = XCART_UI_FIELD_BEHAVIOUR
        return {**form, "placeholders": {**form["placeholders"], "extra": json.dumps(
            {"read_only_api_key": "…", "page_size": 250, "timeout": 30})}}

    def _configure_session_from_extra(self, session, connection, extra_options):
        session = super()._configure_session_from_extra(session, connection, extra_options)
        for name in _CLIENT_EXTRAS:  # client settings and keys must never travel as headers
            session.headers.pop(name, None)
        return session

    def get_client(self, *, retry: RetryPolicy | None = None, slots: int = 1) -> XCartClient:
        """The client of this connection; ``slots``: pool slots the task holds (its share of the request budget)."""
        connection = self.get_connection(self.xcart_conn_id)
        extra = form_extras(connection.extra_dejson)
        key = extra.get("read_only_api_key") if self.read_only else connection.password
        if not key:
            which = "extra 'read_only_api_key'" if self.read_only else "password (read/write API key)"
            raise PermanentRunError(f"connection '{self.xcart_conn_id}' has no {which}")
        _mask(key)
        session = settle_environment(self.get_conn(), self.base_url)
        policy = retry or RetryPolicy(max_attempts=int(extra.get("max_attempts", 4)),
                                      base_delay=float(extra.get("retry_base_delay", 0.5)))
        return XCartClient(
            session,
            base_url=self.base_url,
            api_key=key,
            page_size=int(extra.get("page_size", 250)),
            timeout=float(extra.get("timeout", 30)),
            retry=policy,
            limiter=limiter_from_extras(extra, slots=slots),
        )

    def test_connection(self) -> tuple[bool, str]:
        try:
            _, headers = self.get_client(retry=RetryPolicy(max_attempts=1)).request(
                "GET", "order", params={"_cnd[limit][0]": 0, "_cnd[limit][1]": 1}
            )
        except Exception as exc:  # noqa: BLE001 - the UI wants the reason, not a traceback
            return False, str(exc)
        # X-Result-Count counts the rows of this response (at most 1 here), not the store's orders.
        return True, "X-Cart REST API reachable"


def _mask(secret: str) -> None:
    try:
        from airflow.sdk.log import mask_secret
    except ImportError:  # pragma: no cover - older SDK layout
        from airflow.sdk.execution_time.secrets_masker import mask_secret
    mask_secret(secret)
