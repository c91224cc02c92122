"""HTTP server emulating Acumatica's contract-based REST API (docs/acumatica.md), plus sandbox endpoints.

API::

    POST   /entity/auth/login            {"name", "password", "tenant"?, "branch"?} → 204 + session cookies
    POST   /entity/auth/logout           → 204 (frees the licence's session)
    POST   /identity/connect/token       grant_type=password&client_id&client_secret&username&password&scope=api
    GET    /entity/{endpoint}/{version}/{Entity}?$filter&$expand&$select&$top&$skip
    GET    /entity/{endpoint}/{version}/{Entity}/{key1}[/{key2}]?$expand&$select
    PUT    /entity/{endpoint}/{version}/{Entity}?$expand        (create or update by key fields)
    PUT    /entity/{endpoint}/{version}/InventorySummaryInquiry?$expand=Results
    DELETE /entity/{endpoint}/{version}/{Entity}/{key1}[/{key2}]

Errors: 401 ``{"message": "You are not logged in."}``; 404 ``{"message"}``; 400 ``{"message"}`` for a
malformed query option or body (an unknown field, a bare unwrapped value); 422 the client's record with
``error`` on it and on each bad field; 429 ``{"message"}`` (+ ``Retry-After``) for licence limits; 500
``{"message", "exceptionMessage"}`` and 503 ``{"message"}`` when a fault is injected.

Emulator choices where the contract is silent: a list without ``$top`` returns every match; a login while
already logged in opens another session; the tenant may be left out (the instance has one); ``$expand`` of
a linked entity brings its own linked entities too (``MainContact`` includes ``Address``).

Sandbox endpoints (no login, loopback only; JSON bodies and answers are plain, not wrapped)::

    GET  /_sandbox/state                 record counts
    POST /_sandbox/reset                 re-seed from the seed arguments
    GET|POST /_sandbox/limits            licence limits (see .licence)
    GET|POST /_sandbox/faults            fault injection (see .faults)
    GET  /_sandbox/stats                 counters: requests, 429s by limit, logins, logouts, open sessions …
    POST /_sandbox/stats/reset
    POST /_sandbox/sessions/expire       end every session and token (next requests answer 401)
    GET  /_sandbox/records/{Entity}      every record, full (details and linked entities)
    GET  /_sandbox/inventory             the inventory summary
    POST /_sandbox/actions/{action}      ERP-side actions with JSON keyword arguments: ship_order,
                                         set_stock, update_customer_address, update_customer_contact,
                                         set_customer_status, create_item, update_item, cancel_order,
                                         edit_order, key_payment, set_payment_date
"""

from __future__ import annotations

import dataclasses
import hmac
import inspect
import json
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Iterable
from decimal import Decimal
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from include.sandbox.acumatica import odata
from include.sandbox.acumatica.faults import Answer, Drop, Faults, Hold, fault_injector
from include.sandbox.acumatica.licence import Licence, Limits, Rejection, Stats
from include.sandbox.acumatica.seed import SeedSpec, seed_store
from include.sandbox.acumatica.schema import (
    KEYS,
    SCHEMAS,
    WIRE_ALIASES,
    ActionError,
    BadRequest,
    PreconditionFailed,
    RecordNotFound,
    StoreError,
    ValidationFailed,
)
from include.sandbox.acumatica.store import AcumaticaStore
from include.sandbox.acumatica.wire import BodyError, unwrap_body, with_errors, wrap
from include.sandbox.faults import FaultControls
from include.sandbox.http_server import AppHTTPServer, HTTPEmulator, KeepAliveHandler
from include.sandbox.xcart.server import encode_json

SESSION_COOKIE = "ASP.NET_SessionId"
AUTH_COOKIE = ".ASPXAUTH"
#: Inquiry parameters (Acumatica.Default_24.200.001/Model/InventorySummaryInquiry.cs).
INQUIRIES = {"InventorySummaryInquiry": ("ExpandByLotSerialNbr", "InventoryID", "LocationID", "Subitem",
                                         "WarehouseID")}
ACTIONS = ("ship_order", "set_stock", "update_customer_address", "update_customer_contact", "set_customer_status",
           "create_item", "update_item", "cancel_order", "edit_order", "key_payment", "set_payment_date")


def _on_the_wire(entity: str, record: dict) -> dict:
    """The record under its wire field names (:data:`WIRE_ALIASES`)."""
    aliases = WIRE_ALIASES.get(entity)
    if not aliases:
        return record
    return {aliases.get(name, name): value for name, value in record.items()}


class _Reply(Exception):
    """Stop handling and answer ``status`` with a JSON body."""

    def __init__(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


def _message(status: int, text: str, **headers: str) -> _Reply:
    return _Reply(status, {"message": text}, headers)


class AcumaticaServer(FaultControls, HTTPEmulator):
    """The emulator as an object: ``start()`` serves on a background thread, ``stop()`` shuts down.

    Without ``store`` a new store is seeded from the seed arguments; with one, it is served as is
    (``reset()`` re-seeds it from the seed arguments either way). ``clock`` (monotonic seconds) drives the
    licence's window, session idle time and token expiry, and ``sleep`` serves latency and held answers, so
    tests can move time instead of sleeping.
    """

    thread_name = "acumatica-sandbox"

    def __init__(
        self,
        store: AcumaticaStore | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        username: str = "admin",
        password: str = "sandbox-password",
        tenant: str = "Company",
        branches: Iterable[str] = ("HEADOFFICE",),
        client_id: str = "storesync@Company",
        client_secret: str = "sandbox-client-secret",
        endpoint: str = "Default",
        versions: Iterable[str] = ("24.200.001",),
        seed: int = 42,
        items: int = 120,
        customers: int = 80,
        customer_emails: Iterable[str] = (),
        limits: Limits | None = None,
        faults: Faults | None = None,
        fault_seed: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        log_requests: bool = False,
    ) -> None:
        super().__init__(host=host, port=port)
        self.username, self.password, self.tenant = username, password, tenant
        self.branches = tuple(branches)
        self.client_id, self.client_secret = client_id, client_secret
        self.endpoint, self.versions = endpoint, tuple(versions)
        self.log_requests = log_requests
        self.sleep = sleep  # latency and held ("timed out") answers wait through it
        self.seed_spec = SeedSpec(seed, items, customers, tuple(customer_emails))
        if store is None:
            store = AcumaticaStore()
            seed_store(store, seed=seed, items=items, customers=customers, customer_emails=customer_emails)
        self.store = store
        self.stats = Stats(clock)
        self.licence = Licence(limits or Limits(), stats=self.stats, clock=clock)
        self.injector = fault_injector(faults or Faults(), seed=seed if fault_seed is None else fault_seed,
                                       stats=self.stats)

    # -- lifecycle: start(), stop(), port and base_url (the instance URL) come from HTTPEmulator -----------

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        return _Handler

    def entity_url(self, entity: str = "", version: str | None = None) -> str:
        return f"{self.base_url}/entity/{self.endpoint}/{version or self.versions[0]}/{entity}".rstrip("/")

    # -- sandbox controls ----------------------------------------------------------------------------------

    @property
    def limits(self) -> Limits:
        return self.licence.limits

    @limits.setter
    def limits(self, limits: Limits) -> None:
        self.licence.limits = limits

    def stats_snapshot(self) -> dict[str, int]:
        open_sessions = self.licence.open_sessions()  # first: it expires idle sessions, which the counters count
        counts = self.stats.snapshot()
        counts["open_sessions"] = open_sessions
        return counts

    def reset(self) -> dict[str, int]:
        spec = self.seed_spec
        seed_store(self.store, seed=spec.seed, items=spec.items, customers=spec.customers,
                   customer_emails=spec.customer_emails, negative_stock=spec.negative_stock)
        return self.store.counts()

    def expire_sessions(self) -> int:
        """End every session and token now (the next API request of each client answers 401)."""
        return self.licence.expire()

    def credentials_ok(self, name: Any, password: Any, tenant: Any, branch: Any) -> bool:
        if not isinstance(name, str) or not isinstance(password, str):
            return False
        ok = hmac.compare_digest(name.encode(), self.username.encode())
        ok &= hmac.compare_digest(password.encode(), self.password.encode())
        ok &= tenant in (None, "", self.tenant)
        ok &= branch in (None, "", *self.branches)
        return bool(ok)


class _Handler(KeepAliveHandler):
    server: AppHTTPServer[AcumaticaServer]

    def version_string(self) -> str:
        return "AcumaticaSandbox/24.200"

    # -- plumbing ------------------------------------------------------------------------------------------

    def _handle(self, verb: str) -> None:
        body = self._read_body()
        url = urlsplit(self.path)
        path = url.path
        try:
            if path.startswith("/entity/") or path.startswith("/identity/"):
                self._api(verb, path, parse_qs(url.query, keep_blank_values=True), body)
            elif path.startswith("/_sandbox/"):
                self._sandbox(verb, path, body)
            else:
                raise _message(404, f"{path} not found")
        except _Reply as reply:
            try:
                self._send(reply.status, reply.body, reply.headers)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up (a held answer): nobody to tell
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as error:  # noqa: BLE001 - a bug in the emulator still answers like the server would
            traceback.print_exc(file=sys.stderr)
            self._send(500, {"message": "An error has occurred.", "exceptionMessage": type(error).__name__})

    def _read_body(self) -> bytes:
        length = self.headers.get("Content-Length")
        try:
            return self.rfile.read(int(length)) if length else b""
        except ValueError:
            return b""

    def _send(self, status: int, body: Any = None, headers: dict[str, str] | None = None,
              cookies: Iterable[str] = ()) -> None:
        data = b"" if body is None else encode_json(body).encode("utf-8")
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        for cookie in cookies:
            self.send_header("Set-Cookie", cookie)
        self.end_headers()
        if data:
            self.wfile.write(data)

    def _json_body(self, body: bytes) -> Any:
        if not body.strip():
            raise _message(400, "The request body must be a JSON object.")
        try:
            return json.loads(body.decode("utf-8"), parse_float=Decimal)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise _message(400, f"The request body is not valid JSON: {error}") from None

    # -- API: admission, faults, auth ----------------------------------------------------------------------

    def _api(self, verb: str, path: str, params: dict[str, list[str]], body: bytes) -> None:
        app = self.server.app
        # Sign-outs skip the licence's queue: "processed immediately" (License Restrictions for API Users); the
        # network's faults still reach them.
        queued = not (path == "/entity/auth/logout" and verb == "POST")
        admitted = app.licence.admit() if queued else 0.0
        if isinstance(admitted, Rejection):
            raise self._rejection(admitted)
        try:
            if admitted:
                app.sleep(admitted)  # the licence's per-minute delay, served inside the request's core
            fault = app.injector.decide()
            if isinstance(fault, Drop):
                self.drop_connection()
                return
            if isinstance(fault, Answer):
                if fault.status == 429:
                    raise _message(429, "API request limit exceeded (injected burst).",
                                   **{"Retry-After": str(fault.retry_after)})
                if fault.status == 503:
                    raise _message(503, "The service is unavailable.")
                raise _Reply(500, {"message": "An error has occurred.",
                                   "exceptionMessage": "Injected server fault."})
            if isinstance(fault, Hold):
                app.sleep(fault.seconds)  # then serve it: the client gave up, a write still happens
            latency = app.limits.latency_ms
            if latency:
                app.sleep(latency / 1000)
            if path == "/entity/auth/login" and verb == "POST":
                self._login(body)
            elif not queued:
                self._logout()
            elif path == "/identity/connect/token" and verb == "POST":
                self._token(body)
            elif path.startswith("/entity/auth/") or path.startswith("/identity/"):
                raise _message(404, f"{verb} {path} not found")
            else:
                credential = self._authenticate()
                self._entity(verb, path, params, body, credential)
        finally:
            if queued:
                app.licence.release()

    @staticmethod
    def _rejection(rejected: Rejection) -> _Reply:
        # Acumatica documents no Retry-After for licence refusals; none is sent unless a knob asks for one.
        headers = {"Retry-After": str(rejected.retry_after)} if rejected.retry_after is not None else {}
        return _Reply(rejected.status, {"message": rejected.message}, headers)

    def _cookies(self) -> dict[str, str]:
        cookie = SimpleCookie()
        try:
            cookie.load(self.headers.get("Cookie", ""))
        except CookieError:
            return {}
        return {name: morsel.value for name, morsel in cookie.items()}

    def _bearer(self) -> str | None:
        header = self.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        return token.strip() if scheme.lower() == "bearer" and token.strip() else None

    def _authenticate(self) -> str:
        app = self.server.app
        cookies = self._cookies()
        session = cookies.get(AUTH_COOKIE) or cookies.get(SESSION_COOKIE)
        credential = app.licence.authenticate(session, self._bearer())
        if credential is None:
            app.stats.add("401")
            raise _message(401, "You are not logged in.")
        if app.injector.session_expires_now():
            app.licence.expire(credential)
            app.stats.add("401")
            raise _message(401, "You are not logged in.")
        return credential

    def _login(self, body: bytes) -> None:
        """Sign-in answers 204, 400, 429 or 500 ("Sign In to the Service", Integration Development Guide), never
        401. A malformed body is 400; wrong credentials, tenant or branch are the least forgiving of the
        documented codes, 500 with "Invalid credentials" in the body (the text Acumatica's own REST client looks
        for: AuthApi.cs VerifyResponseAsync), so a client that retries every 500 retries a bad password."""
        app = self.server.app
        credentials = self._json_body(body)
        if not isinstance(credentials, dict) or not isinstance(credentials.get("name"), str) or not isinstance(
                credentials.get("password"), str):
            app.stats.add("failed_logins")
            raise _message(400, "The data specified in the request is invalid: name and password are required.")
        if not app.credentials_ok(credentials.get("name"), credentials.get("password"), credentials.get("tenant"),
                                  credentials.get("branch")):
            app.stats.add("failed_logins")
            raise _Reply(500, {"message": "An error has occurred.",
                               "exceptionMessage": "Invalid credentials. Please try again.",
                               "exceptionType": "PX.Data.PXException"})
        session = app.licence.open_session()
        if isinstance(session, Rejection):
            raise self._rejection(session)
        cookies = [f"{SESSION_COOKIE}={session}; path=/; HttpOnly; SameSite=Lax",
                   f"{AUTH_COOKIE}={session}; path=/; HttpOnly"]
        self._send(204, None, cookies=cookies)

    def _logout(self) -> None:
        cookies = self._cookies()
        self.server.app.licence.close_session(cookies.get(AUTH_COOKIE) or cookies.get(SESSION_COOKIE))
        expired = [f"{name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/" for name in (SESSION_COOKIE, AUTH_COOKIE)]
        self._send(204, None, cookies=expired)

    def _token(self, body: bytes) -> None:
        app = self.server.app
        form = {name: values[-1] for name, values in parse_qs(body.decode("utf-8", "replace")).items()}
        if form.get("grant_type") != "password":
            raise _Reply(400, {"error": "unsupported_grant_type"})
        client_ok = hmac.compare_digest(form.get("client_id", "").encode(), app.client_id.encode()) and \
            hmac.compare_digest(form.get("client_secret", "").encode(), app.client_secret.encode())
        if not client_ok:
            app.stats.add("failed_logins")
            raise _Reply(400, {"error": "invalid_client"})
        if not app.credentials_ok(form.get("username"), form.get("password"), None, None):
            app.stats.add("failed_logins")
            raise _Reply(400, {"error": "invalid_grant", "error_description": "invalid_username_or_password"})
        token, lifetime = app.licence.issue_token()
        self._send(200, {"access_token": token, "expires_in": lifetime, "token_type": "Bearer", "scope": "api"})

    # -- API: entities -------------------------------------------------------------------------------------

    def _entity(self, verb: str, path: str, params: dict[str, list[str]], body: bytes, credential: str) -> None:
        app = self.server.app
        segments = [unquote(part) for part in path.split("/")[2:]]
        if len(segments) < 3 or segments[0] != app.endpoint or segments[1] not in app.versions:
            raise _message(404, f"No endpoint {'/'.join(segments[:2])}; this instance serves "
                                f"{app.endpoint}/{', '.join(app.versions)}.")
        entity, keys = segments[2], segments[3:]
        if entity in INQUIRIES:
            if verb != "PUT" or keys:
                raise _message(400, f"{entity} is an inquiry: PUT its parameters to /{entity}?$expand=Results.")
            self._inquiry(entity, params, body)
            return
        if entity not in SCHEMAS:
            raise _message(404, f"The entity {entity!r} is not part of the {app.endpoint} endpoint.")
        schema = SCHEMAS[entity]
        try:
            expand, select = self._expand_select(schema, params)
            if verb == "GET" and not keys:
                self._list(entity, schema, params, expand, select)
            elif verb == "GET":
                # GET {Entity}/{id} (the session entity id) or GET {Entity}/{key1}/{key2} (the swagger's two
                # "Retrieves a record by …" operations, Default/24.200.001 swagger.json).
                record = self._by_id(entity, keys) or app.store.get(entity, keys)
                self._send(200, self._out(entity, record, expand, select))
            elif verb == "PUT":
                if keys:
                    raise _message(400, f"PUT creates or updates by key fields in the body: /{entity}, no keys in "
                                        "the URL.")
                wrapped = self._json_body(body)
                try:
                    plain = unwrap_body(wrapped)
                except BodyError as error:
                    raise _message(400, str(error)) from None
                mode = ("insert" if self.headers.get("If-None-Match", "").strip() == "*" else
                        "update" if self.headers.get("If-Match", "").strip() == "*" else "any")
                try:
                    saved = app.store.put(entity, plain, mode=mode)
                except PreconditionFailed as error:
                    raise _message(412, str(error)) from None
                except ValidationFailed as error:
                    raise _Reply(422, with_errors(wrapped, error.record_error, error.field_errors)) from None
                self._send(200, self._out(entity, saved, expand, select))
            elif verb == "DELETE":
                if not keys:
                    raise _message(400, f"DELETE needs the record's keys: /{entity}/{'/'.join(KEYS[entity])}.")
                found = self._by_id(entity, keys)
                if found is not None:
                    keys = [found[name] for name in KEYS[entity]]
                try:
                    app.store.delete(entity, keys)
                except ValidationFailed as error:
                    raise _message(422, str(error)) from None
                self._send(204)
            else:
                raise _message(405, f"{verb} is not supported on {entity}.")
        except RecordNotFound as error:
            raise _message(404, str(error)) from None
        except (BadRequest, odata.QueryError) as error:
            raise _message(400, str(error)) from None

    def _by_id(self, entity: str, keys: list[str]) -> dict | None:
        if len(keys) != 1:
            return None
        try:
            uuid.UUID(keys[0])
        except ValueError:
            return None
        return self.server.app.store.get_by_id(entity, keys[0])

    def _out(self, entity: str, record: dict, expand: list[str], select: list[str], row_number: int = 1) -> dict:
        """A top-level record as sent: wrapped, with ``_links`` (``self``, ``files:put``) as every top-level
        entity carries them (Entity.cs ``_links``; the answers quoted in RESTClientTests/ErrorMessagesTests.cs)."""
        app = self.server.app
        out = wrap(odata.shape(_on_the_wire(entity, record), SCHEMAS[entity], expand=expand, select=select),
                   row_number=row_number)
        if record.get("id"):
            base = f"/entity/{app.endpoint}/{app.versions[0]}"
            out["_links"] = {"self": f"{base}/{entity}/{record['id']}",
                             "files:put": f"{base}/files/{entity}/{record['id']}/{{filename}}"}
        return out

    @staticmethod
    def _param(params: dict[str, list[str]], name: str) -> str | None:
        values = params.get(name)
        return values[-1] if values else None

    def _expand_select(self, schema: dict, params: dict[str, list[str]]) -> tuple[list[str], list[str]]:
        expand = odata.split_list(self._param(params, "$expand"))
        select = odata.split_list(self._param(params, "$select"))
        for option, paths in (("$expand", expand), ("$select", select)):
            for path in paths:
                odata.check_path(schema, path.split("/"), option)
        for path in expand:
            if not isinstance(schema[path.split("/")[0]], (dict, list)):
                raise odata.QueryError(f"$expand: {path.split('/')[0]!r} is a field, not a detail or linked entity")
        return expand, select

    def _int_option(self, params: dict[str, list[str]], name: str) -> int | None:
        text = self._param(params, name)
        if text in (None, ""):
            return None
        if not text.strip().isdigit():
            raise odata.QueryError(f"{name} must be a non-negative integer, got {text!r}")
        return int(text)

    def _list(self, entity: str, schema: dict, params: dict[str, list[str]], expand: list[str],
              select: list[str]) -> None:
        top, skip = self._int_option(params, "$top"), self._int_option(params, "$skip") or 0
        text = self._param(params, "$filter")
        condition = None
        if text not in (None, ""):
            condition = odata.parse_filter(text)
            for names in odata.paths_in(condition):
                odata.check_path(schema, names, "$filter")
        predicate = None if condition is None else (
            lambda record: odata.matches(condition, _on_the_wire(entity, record)))
        page = self.server.app.store.select(entity, predicate, skip=skip, top=top)
        self._send(200, [self._out(entity, record, expand, select, row_number=index)
                         for index, record in enumerate(page, start=1)])

    def _inquiry(self, entity: str, params: dict[str, list[str]], body: bytes) -> None:
        """``PUT InventorySummaryInquiry?$expand=Results``: parameters and rows as the Default/24.200.001 models
        define them (AcumaticaRESTAPIClientForCSharp, Acumatica.Default_24.200.001/Model/InventorySummaryInquiry.cs
        and InventorySummaryRow.cs). A row has no InventoryID: the inquiry answers for the one item its
        parameters name, and without an item it answers no rows (the Inventory Summary form needs one)."""
        try:
            parameters = unwrap_body(self._json_body(body) if body.strip() else {})
        except BodyError as error:
            raise _message(400, str(error)) from None
        allowed = INQUIRIES[entity]
        unknown = sorted(set(parameters) - set(allowed) - {"id"})
        if unknown:
            raise _message(400, f"{entity} has no parameter {', '.join(unknown)}; parameters: {', '.join(allowed)}")
        item = parameters.get("InventoryID") or None
        rows = []
        if item:
            for row in self.server.app.store.inventory_summary(item, parameters.get("WarehouseID") or None):
                rows.append({"WarehouseID": row["WarehouseID"], "LocationID": row.get("LocationID"),
                             "BaseUOM": row.get("BaseUOM"), "QtyOnHand": row["QtyOnHand"],
                             "QtyAvailable": row["QtyAvailable"], "QtyAvailableForShipment": row["QtyAvailable"],
                             "QtyNotAvailable": Decimal(0)})
        answer: dict[str, Any] = {name: parameters.get(name) for name in allowed}
        if "Results" in odata.split_list(self._param(params, "$expand")):
            answer["Results"] = [wrap(row, row_number=index, top=False) for index, row in enumerate(rows, start=1)]
        out = wrap({k: v for k, v in answer.items() if k != "Results"})
        if "Results" in answer:
            out["Results"] = answer["Results"]
        self._send(200, out)

    # -- /_sandbox -----------------------------------------------------------------------------------------

    def _sandbox(self, verb: str, path: str, body: bytes) -> None:
        app = self.server.app
        route = (verb, path)
        if route == ("GET", "/_sandbox/state"):
            self._send(200, app.store.counts())
        elif route == ("POST", "/_sandbox/reset"):
            self._send(200, app.reset())
        elif route == ("GET", "/_sandbox/limits"):
            self._send(200, app.limits.as_dict())
        elif route == ("POST", "/_sandbox/limits"):
            app.limits = self._replace(app.limits, body)
            self._send(200, app.limits.as_dict())
        elif route == ("GET", "/_sandbox/faults"):
            self._send(200, app.faults.as_dict())
        elif route == ("POST", "/_sandbox/faults"):
            app.faults = self._replace(app.faults, body)
            self._send(200, app.faults.as_dict())
        elif route == ("GET", "/_sandbox/stats"):
            self._send(200, app.stats_snapshot())
        elif route == ("POST", "/_sandbox/stats/reset"):
            app.stats.reset()
            self._send(200, app.stats_snapshot())
        elif route == ("POST", "/_sandbox/sessions/expire"):
            self._send(200, {"expired": app.expire_sessions()})
        elif verb == "GET" and path.startswith("/_sandbox/records/"):
            entity = unquote(path[len("/_sandbox/records/"):])
            try:
                self._send(200, app.store.records(entity))
            except RecordNotFound as error:
                raise _message(404, str(error)) from None
        elif route == ("GET", "/_sandbox/inventory"):
            self._send(200, app.store.inventory_summary())
        elif verb == "POST" and path.startswith("/_sandbox/actions/"):
            self._action(path[len("/_sandbox/actions/"):], body)
        else:
            raise _message(404, f"{verb} {path} not found")

    def _replace(self, current: Any, body: bytes) -> Any:
        changes = self._json_body(body) if body.strip() else {}
        if not isinstance(changes, dict):
            raise _message(400, "The body must be a JSON object of settings.")
        known = {field.name for field in dataclasses.fields(current)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise _message(400, f"unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        changes = {k: float(v) if isinstance(v, Decimal) else v for k, v in changes.items()}
        try:
            return dataclasses.replace(current, **changes)
        except ValueError as error:
            raise _message(400, str(error)) from None

    def _action(self, name: str, body: bytes) -> None:
        if name not in ACTIONS:
            raise _message(404, f"no sandbox action {name!r}; actions: {', '.join(ACTIONS)}")
        arguments = self._json_body(body) if body.strip() else {}
        if not isinstance(arguments, dict):
            raise _message(400, "The body must be a JSON object of keyword arguments.")
        method = getattr(self.server.app.store, name)
        try:
            inspect.signature(method).bind(**arguments)
        except TypeError as error:
            raise _message(400, f"{name}: {error}") from None
        try:
            self._send(200, method(**arguments))
        except (ActionError, StoreError) as error:
            raise _message(400, f"{name}: {error}") from None
