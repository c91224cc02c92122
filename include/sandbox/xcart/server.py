"""HTTP server emulating the X-Cart 5 REST API module, plus sandbox inspection and fault endpoints.

API: X-Cart 5's REST API module as its own source has it — the rules, with their sources, are in
:mod:`include.sandbox.xcart.rest` and docs/xcart.md:

    {GET|POST|PUT|DELETE} /admin.php?target=RESTAPI&_key=<key>&_path=<entity>[/<id>]
        [&_method=…] [&_schema=complex (GET only)] [&_cnd[...]=…] [model=<JSON> | model[field]=…]

Entities: native ``order``, ``profile``, ``product``, ``payment-transaction``,
``payment-backendtransaction``, ``order-status-shipping``, ``order-status-payment``; complex ``order``,
``profile`` (``person``), ``product``. ``X-Result-Count`` is the rows of the response. Money goes out as
JSON numbers with exactly two decimals, written from the ``Decimal`` text, never a float.

Sandbox endpoints (no key, loopback only): ``GET /_sandbox/state`` (counts), ``POST /_sandbox/reset``
(re-seed from the seed arguments), ``GET|POST /_sandbox/faults`` (read or change fault injection),
``GET /_sandbox/faults/stats`` (what was injected so far, by kind), ``/_sandbox/records/<entity>[/<id>]``
(the emulator's own records in its internal shape: how tests place orders and payments).
Request logging is off by default; when on, ``_key`` values are masked.

Fault injection (:class:`Faults`, per server; from the constructor, the command line or
``POST /_sandbox/faults``) applies to ``/admin.php`` requests only: latency, 500/503 errors, timeouts
(the answer is held ``timeout_hold_s``, longer than a client waits, and then served: a write still
happens although its client gave up), dropped connections (closed without an answer), a burst of 429s
for the next N requests, a per-minute rate limit and a concurrency cap (both 429 with ``Retry-After``).
Random choices come from the fault seed, so a run's sequence of faults repeats. Session expiry does not
apply: X-Cart's REST API module authenticates every request by its static ``_key`` and has no session
that could expire (a wrong or revoked key is the 403 above).
"""

from __future__ import annotations

import dataclasses
import hmac
import json
import re
import secrets
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from include.sandbox.faults import FaultControls
from include.sandbox.http_server import AppHTTPServer, HTTPEmulator, KeepAliveHandler
from include.sandbox.xcart import rest
from include.sandbox.xcart.faults import Drop, FaultInjector, Faults, Hold
from include.sandbox.xcart.seed import SeedSpec, seed_store
from include.sandbox.xcart.store import (
    CARRIER_BY_SHIPPING_METHOD,
    PAYMENT_STATUS_CODES,
    PROFILE_STATUS_CODES,
    SHIPPING_STATUS_CODES,
    InvalidRecord,
    RecordNotFound,
    XCartStore,
    normalize_tracking_numbers,
    parse_money,
    validate_login,
)

MAX_PAGE_SIZE = 500
ORDER_MONEY_FIELDS = ("total", "subtotal", "taxAmount", "shippingCost", "discountValue")
_KEY_IN_TEXT = re.compile(r"(_key=)[^&\s\"]*")
_DIGITS = re.compile(r"-?[0-9]+")


# -- JSON with exact money -------------------------------------------------------------------------

_encode_string = json.encoder.encode_basestring  # keeps non-ASCII as UTF-8, like PHP's JSON_UNESCAPED_UNICODE


def encode_json(value: Any) -> str:
    """JSON text in which a ``Decimal`` is written as its own digits (``12.30``), never via float."""
    parts: list[str] = []
    _encode_into(value, parts.append)
    return "".join(parts)


def _encode_into(value: Any, out: Callable[[str], None]) -> None:
    if value is None:
        out("null")
    elif value is True:
        out("true")
    elif value is False:
        out("false")
    elif isinstance(value, str):
        out(_encode_string(value))
    elif isinstance(value, int):
        out(int.__repr__(value))
    elif isinstance(value, Decimal):
        out(str(value) if value.is_finite() else ("NaN" if value.is_nan() else
                                                   ("-Infinity" if value < 0 else "Infinity")))
    elif isinstance(value, float):
        out(json.dumps(value))
    elif isinstance(value, dict):
        out("{")
        first = True
        for key, item in value.items():
            if not first:
                out(",")
            first = False
            out(_encode_string(key if isinstance(key, str) else str(key)))
            out(":")
            _encode_into(item, out)
        out("}")
    elif isinstance(value, (list, tuple)):
        out("[")
        for index, item in enumerate(value):
            if index:
                out(",")
            _encode_into(item, out)
        out("]")
    else:
        raise TypeError(f"cannot encode {type(value).__name__} as JSON")


# -- request errors --------------------------------------------------------------------------------

class _Reply(Exception):
    """Stop handling and answer with this status (and, for 400, an X-REST-Error message)."""

    def __init__(self, status: int, message: str | None = None) -> None:
        super().__init__(message or str(status))
        self.status = status
        self.message = message


def _bad_request(message: str) -> _Reply:
    return _Reply(400, message)


# -- the server ------------------------------------------------------------------------------------

class XCartServer(FaultControls, HTTPEmulator):
    """The emulator as an object: ``start()`` serves on a background thread, ``stop()`` shuts down.

    Without ``store`` a new store is seeded from the seed arguments; with one, it is served as is.
    ``POST /_sandbox/reset`` (and ``reset()``) re-seeds from the seed arguments either way.
    Keys default to random tokens; read them from ``rw_key``/``ro_key``.
    """

    thread_name = "xcart-sandbox"

    def __init__(
        self,
        store: XCartStore | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        rw_key: str | None = None,
        ro_key: str | None = None,
        seed: int = 42,
        orders: int = 200,
        products: int = 120,
        profiles: int = 80,
        days: int = 30,
        end_ts: int | None = None,
        latency_ms: int = 0,
        error_rate: float = 0.0,
        rate_limit_per_minute: int = 0,
        timeout_rate: float = 0.0,
        timeout_hold_s: float = 35.0,
        drop_rate: float = 0.0,
        burst_429: int = 0,
        max_concurrency: int = 0,
        retry_after_s: int = 1,
        fault_seed: int | None = None,
        log_requests: bool = False,
    ) -> None:
        self.rw_key = rw_key or secrets.token_urlsafe(18)
        self.ro_key = ro_key or secrets.token_urlsafe(18)
        if hmac.compare_digest(self.rw_key, self.ro_key):
            raise ValueError("the read/write and read-only keys must differ")
        super().__init__(host=host, port=port)
        self.log_requests = log_requests
        if store is None:
            store = XCartStore()
            self.seed_spec = seed_store(store, seed=seed, orders=orders, products=products,
                                        profiles=profiles, days=days, end_ts=end_ts)
        else:
            self.seed_spec = SeedSpec(seed, orders, products, profiles, days, end_ts)
        self.store = store
        self.injector = FaultInjector(
            Faults(latency_ms=latency_ms, error_rate=error_rate, rate_limit_per_minute=rate_limit_per_minute,
                   timeout_rate=timeout_rate, timeout_hold_s=timeout_hold_s, drop_rate=drop_rate,
                   burst_429=burst_429, max_concurrency=max_concurrency, retry_after_s=retry_after_s),
            seed=seed if fault_seed is None else fault_seed,
        )

    # -- lifecycle: start(), stop(), port and base_url come from HTTPEmulator ----------------------

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        return _Handler

    @property
    def api_url(self) -> str:
        """The REST endpoint without query string: ``{base_url}/admin.php``."""
        return f"{self.base_url}/admin.php"

    # -- sandbox controls --------------------------------------------------------------------------

    def fault_stats(self) -> dict[str, int]:
        """API requests seen and faults injected since the start (or ``reset_fault_stats``), by kind."""
        return self.injector.stats()

    def reset_fault_stats(self) -> None:
        self.injector.reset_stats()

    def reset(self) -> dict[str, int]:
        spec = self.seed_spec
        self.seed_spec = seed_store(self.store, seed=spec.seed, orders=spec.orders, products=spec.products,
                                    profiles=spec.profiles, days=spec.days, end_ts=spec.end_ts)
        return self.store.counts()

    def key_role(self, key: str | None) -> str | None:
        """``"rw"``, ``"ro"`` or None for a missing or wrong key (compared in constant time)."""
        if not key:
            return None
        if hmac.compare_digest(key.encode(), self.rw_key.encode()):
            return "rw"
        if hmac.compare_digest(key.encode(), self.ro_key.encode()):
            return "ro"
        return None

    def admit(self) -> tuple[int, dict[str, str]] | None:
        return self.injector.admit()

    def release(self) -> None:
        self.injector.release()

    def before_request(self) -> tuple[int, dict[str, str]] | Drop | Hold | None:
        return self.injector.before_request()


# -- request handling ------------------------------------------------------------------------------

def _last(params: dict[str, list[str]], name: str) -> str | None:
    # PHP (and so X-Cart) lets the last occurrence of a repeated parameter win.
    values = params.get(name)
    return values[-1] if values else None


def _int_param(params: dict[str, list[str]], name: str) -> int | None:
    text = _last(params, name)
    if text is None or text == "":
        return None
    if not _DIGITS.fullmatch(text.strip()):
        raise _bad_request(f"{name} must be an integer, got {text!r}")
    return int(text)


def _parse_json_body(body: bytes) -> Any:
    if not body.strip():
        raise _bad_request("request body must be a JSON object")
    try:
        return json.loads(body.decode("utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _bad_request(f"request body is not valid JSON: {error}") from None


def _parse_json_object(body: bytes) -> dict:
    value = _parse_json_body(body)
    if not isinstance(value, dict):
        raise _bad_request("request body must be a JSON object")
    return value


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _new_order(body: dict) -> dict:
    """A client's order POST, checked where the fields are known and completed with X-Cart defaults."""
    record = dict(body)
    for field in ("orderId", "orderDate", "updateDate"):
        if field in record and (not _is_int(record[field]) or record[field] <= 0):
            raise InvalidRecord(f"{field} must be a positive integer")
    for field in ORDER_MONEY_FIELDS:
        if field in record:
            record[field] = parse_money(record[field], field)
    record.setdefault("paymentStatus", "Q")
    record.setdefault("shippingStatus", "N")
    if record["paymentStatus"] not in PAYMENT_STATUS_CODES:
        raise InvalidRecord(f"paymentStatus {record['paymentStatus']!r} is not one of "
                            f"{', '.join(PAYMENT_STATUS_CODES)}")
    if record["shippingStatus"] not in SHIPPING_STATUS_CODES:
        raise InvalidRecord(f"shippingStatus {record['shippingStatus']!r} is not one of "
                            f"{', '.join(SHIPPING_STATUS_CODES)}")
    items = record.setdefault("items", [])
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise InvalidRecord("items must be a list of objects")
    for info in ("customerInfo", "billingInfo", "shippingInfo"):
        if info in record and not isinstance(record[info], dict):
            raise InvalidRecord(f"{info} must be an object")
    tracking = record.setdefault("trackingNumber", None)
    if tracking is not None and not isinstance(tracking, str):
        raise InvalidRecord("trackingNumber must be a string or null")
    carrier = CARRIER_BY_SHIPPING_METHOD.get(record.get("shippingMethod"))
    if "trackingNumbers" in record:
        record["trackingNumbers"] = normalize_tracking_numbers(record["trackingNumbers"], carrier)
        first = record["trackingNumbers"][0]["value"] if record["trackingNumbers"] else None
        if "trackingNumber" in body and tracking != first:
            raise InvalidRecord("trackingNumber must equal the first of trackingNumbers (or be left out)")
        record["trackingNumber"] = first
    else:
        record["trackingNumbers"] = [{"value": tracking, "carrier": carrier}] if tracking else []
    record.setdefault("adminNotes", "")
    return record


PROFILE_CLIENT_FIELDS = ("profileId", "login", "email", "firstname", "lastname", "addresses", "status")


def _new_profile(store: XCartStore, body: dict) -> dict:
    """A client's profile POST: ``login``/``email`` (one e-mail address, trimmed, unique ignoring case) required."""
    unknown = sorted(set(body) - set(PROFILE_CLIENT_FIELDS))
    if unknown:
        raise InvalidRecord(f"profile field(s) {', '.join(map(repr, unknown))} unknown; "
                            f"allowed: {', '.join(PROFILE_CLIENT_FIELDS)}")
    record = dict(body)
    if "profileId" in record and (not _is_int(record["profileId"]) or record["profileId"] <= 0):
        raise InvalidRecord("profileId must be a positive integer")
    if "login" not in record and "email" not in record:
        raise InvalidRecord("login or email is required")
    logins = {validate_login(record[field], field) for field in ("login", "email") if field in record}
    if len(logins) > 1:
        raise InvalidRecord("login and email are the same address and must agree")
    login = logins.pop()
    for field in ("firstname", "lastname"):
        if not isinstance(record.setdefault(field, ""), str):
            raise InvalidRecord(f"{field} must be a string")
    if record.setdefault("status", "E") not in PROFILE_STATUS_CODES:
        raise InvalidRecord(f"status {record['status']!r} is not one of {', '.join(PROFILE_STATUS_CODES)}")
    if store.find_profile_by_login(login) is not None:
        raise InvalidRecord(f"login {login!r} already exists")
    record["addresses"] = store.new_addresses(record.get("addresses", []))
    record["login"] = record["email"] = login
    return record


def _new_product(body: dict) -> dict:
    record = dict(body)
    if "productId" in record and (not _is_int(record["productId"]) or record["productId"] <= 0):
        raise InvalidRecord("productId must be a positive integer")
    if not isinstance(record.get("sku"), str) or not record["sku"]:
        raise InvalidRecord("sku is required")
    if not isinstance(record.setdefault("name", record["sku"]), str):
        raise InvalidRecord("name must be a string")
    if "price" not in record:
        raise InvalidRecord("price is required")
    record["price"] = parse_money(record["price"], "price")
    stock = record.get("amount", record.get("quantity", 0))
    if not _is_int(stock) or stock < 0:
        raise InvalidRecord("amount must be a non-negative integer")
    if "amount" in record and "quantity" in record and record["amount"] != record["quantity"]:
        raise InvalidRecord("quantity and amount are the same stock figure and must agree")
    record["amount"] = record["quantity"] = stock
    if not isinstance(record.setdefault("enabled", True), bool):
        raise InvalidRecord("enabled must be true or false")
    return record


class _Handler(KeepAliveHandler):
    server: AppHTTPServer[XCartServer]

    def version_string(self) -> str:
        return "XCartSandbox/5"

    def mask_log(self, message: str) -> str:
        return _KEY_IN_TEXT.sub(r"\1***", message)  # the request line carries the API key in its query

    # -- plumbing ----------------------------------------------------------------------------------

    def _handle(self, verb: str) -> None:
        body = self._read_body()
        url = urlsplit(self.path)
        try:
            if url.path == "/admin.php":
                self._api(verb, parse_qs(url.query, keep_blank_values=True), body)
            elif url.path.startswith("/_sandbox/"):
                self._sandbox(verb, url.path, body)
            else:
                raise _Reply(404)
        except _Reply as reply:
            self._reply_error(reply)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (a held "timeout" answer): nobody to tell
        except Exception:
            traceback.print_exc(file=sys.stderr)
            self._send(500, b"null")

    def _read_body(self) -> bytes:
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        try:
            return self.rfile.read(int(length))
        except ValueError:
            return b""

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_json(self, value: Any, headers: dict[str, str] | None = None) -> None:
        self._send(200, encode_json(value).encode("utf-8"), headers)

    def _reply_error(self, reply: _Reply) -> None:
        if reply.status == 403:
            self._send(403, b"")
        elif reply.status == 400:
            # Header values must be single-line latin-1; keep the message readable and safe.
            message = " ".join((reply.message or "bad request").split())[:500]
            self._send(400, b"null", {"X-REST-Error": message.encode("ascii", "backslashreplace").decode()})
        else:
            self._send(reply.status, b"null")

    # -- /admin.php --------------------------------------------------------------------------------

    def _api(self, verb: str, params: dict[str, list[str]], body: bytes) -> None:
        app = self.server.app
        if _last(params, "target") != "RESTAPI":
            raise _Reply(404)
        rejected = app.admit()
        if rejected is not None:
            self._send(rejected[0], b"", rejected[1])
            return
        try:
            fault = app.before_request()
            if isinstance(fault, Drop):
                self.drop_connection()
                return
            if isinstance(fault, Hold):
                time.sleep(fault.seconds)  # then serve it: the client has given up, the write still happens
            elif fault is not None:
                status, headers = fault
                self._send(status, b"", headers)
                return
            self._serve_api(verb, params, body)
        finally:
            app.release()

    def _serve_api(self, verb: str, params: dict[str, list[str]], body: bytes) -> None:
        """One request as ``Controller/Admin/RESTAPI.php`` handles it (see :mod:`include.sandbox.xcart.rest`)."""
        app = self.server.app
        data = rest.request_data(urlsplit(self.path).query, body, verb=verb,
                                 content_type=self.headers.get("Content-Type") or "")
        method = str(data.get("_method") or self.headers.get("X-HTTP-Method-Override") or verb).strip().upper()
        if method not in rest.ALLOWED_METHODS:
            method = "GET"
        schema = str(data.get("_schema") or "").strip().lower()
        if schema not in ("", "default", "complex"):
            raise _Reply(404)  # no schema class owns it: checkAccess fails without a schema -> 404
        path = str(data.get("_path") or "")
        parts = path.split("/")
        raw_entity = parts[0].strip().lower()
        one = len(parts) > 1
        record_id = parts[1].strip() if one else None
        if schema == "complex":
            entity = rest.COMPLEX_ENTITIES.get(raw_entity)
            forbid = entity is not None or method != "GET"
            valid = entity is not None and method == "GET"
        else:
            entity = raw_entity if raw_entity in rest.NATIVE_ENTITIES else None
            forbid = valid = entity is not None
        role = app.key_role(data.get("_key") if isinstance(data.get("_key"), str) else None)
        allowed = role == "rw" or (role == "ro" and method == "GET")
        if not (allowed and valid):
            raise _Reply(403 if forbid else 404)
        try:
            result, count = _process(app.store, schema or "default", entity, method, record_id, data)
        except rest.Fatal:
            self._send(500, b"")
            return
        except (rest.RestError, InvalidRecord) as error:
            raise _bad_request(str(error)) from None
        headers = {"X-Result-Count": str(1 if one else count)}
        self._send_json(result, headers)

    def _sandbox_records(self, verb: str, path: str, body: bytes) -> None:
        """The sandbox's own records (``/_sandbox/records/<entity>[/<id>]``, the emulator's internal shapes):
        how tests and demos place orders and payments that a real store gets from its checkout, never
        part of the emulated API. GET lists (``?orderId=`` for payment transactions), POST creates, PUT
        updates."""
        store = self.server.app.store
        entity, _, raw_id = path.partition("/")
        handlers = _ENTITY_HANDLERS.get(entity)
        if handlers is None:
            raise _Reply(404)
        query = parse_qs(urlsplit(self.path).query)
        try:
            if verb == "GET" and not raw_id:
                if entity == "payment-transaction" and query.get("orderId"):
                    rows = store.list_payment_transactions(order_id=int(query["orderId"][-1]))[0]
                else:
                    rows = handlers.list(store, {}, 0, None)[0]
                self._send_json(rows)
            elif verb == "GET":
                self._send_json(handlers.get(store, int(raw_id)))
            elif verb == "POST":
                self._send_json(handlers.create(store, _parse_json_object(body)))
            elif verb == "PUT" and raw_id:
                self._send_json(handlers.update(store, int(raw_id), _parse_json_body(body)))
            else:
                raise _Reply(405)
        except ValueError:
            raise _bad_request(f"bad id {raw_id!r}") from None
        except RecordNotFound:
            raise _Reply(404) from None
        except InvalidRecord as error:
            raise _bad_request(str(error)) from None

    # -- /_sandbox ---------------------------------------------------------------------------------

    def _sandbox(self, verb: str, path: str, body: bytes) -> None:
        app = self.server.app
        if path == "/_sandbox/state" and verb == "GET":
            self._send_json(app.store.counts())
        elif path == "/_sandbox/reset" and verb == "POST":
            self._send_json(app.reset())
        elif path == "/_sandbox/faults" and verb == "GET":
            self._send_json(app.faults.as_dict())
        elif path == "/_sandbox/faults/stats" and verb == "GET":
            self._send_json(app.fault_stats())
        elif path == "/_sandbox/faults" and verb == "POST":
            changes = _parse_json_object(body) if body.strip() else {}
            known = {field.name for field in dataclasses.fields(Faults)}
            unknown = sorted(set(changes) - known)
            if unknown:
                raise _bad_request(f"unknown fault setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
            try:
                app.faults = dataclasses.replace(app.faults, **changes)
            except ValueError as error:
                raise _bad_request(str(error)) from None
            self._send_json(app.faults.as_dict())
        elif path.startswith("/_sandbox/records/"):
            self._sandbox_records(verb, path[len("/_sandbox/records/"):], body)
        elif path in ("/_sandbox/state", "/_sandbox/reset", "/_sandbox/faults", "/_sandbox/faults/stats"):
            raise _Reply(405)
        else:
            raise _Reply(404)


# -- entity dispatch -------------------------------------------------------------------------------

@dataclass(frozen=True)
class _EntityHandlers:
    list: Callable[[XCartStore, dict[str, list[str]], int, int], tuple[list[dict], int]]
    get: Callable[[XCartStore, int], dict]
    create: Callable[[XCartStore, dict], dict]
    update: Callable[[XCartStore, int, Any], dict]
    delete: Callable[[XCartStore, int], None]


def _list_orders(store: XCartStore, params: dict[str, list[str]], offset: int, count: int):
    return store.list_orders(
        offset=offset,
        limit=count,
        update_from=_int_param(params, "_cnd[updateDate][0]"),
        update_to=_int_param(params, "_cnd[updateDate][1]"),
        date_from=_int_param(params, "_cnd[date][0]"),
        date_to=_int_param(params, "_cnd[date][1]"),
    )


def _list_profiles(store: XCartStore, params: dict[str, list[str]], offset: int, count: int):
    return store.list_profiles(
        offset=offset,
        limit=count,
        update_from=_int_param(params, "_cnd[updateDate][0]"),
        update_to=_int_param(params, "_cnd[updateDate][1]"),
    )


def _list_payment_transactions(store: XCartStore, params: dict[str, list[str]], offset: int, count: int):
    order_id = _int_param(params, "_cnd[orderId]")
    if order_id is not None and order_id <= 0:
        raise _bad_request("_cnd[orderId] must be a positive integer")
    return store.list_payment_transactions(
        offset=offset,
        limit=count,
        order_id=order_id,
        update_from=_int_param(params, "_cnd[updateDate][0]"),
        update_to=_int_param(params, "_cnd[updateDate][1]"),
        date_from=_int_param(params, "_cnd[date][0]"),
        date_to=_int_param(params, "_cnd[date][1]"),
    )


_ENTITY_HANDLERS: dict[str, _EntityHandlers] = {
    "order": _EntityHandlers(
        list=_list_orders,
        get=XCartStore.get_order,
        create=lambda store, body: store.create_order(_new_order(body)),
        update=XCartStore.update_order,
        delete=XCartStore.delete_order,
    ),
    "profile": _EntityHandlers(
        list=_list_profiles,
        get=XCartStore.get_profile,
        create=lambda store, body: store.create_profile(_new_profile(store, body)),
        update=XCartStore.update_profile,
        delete=XCartStore.delete_profile,
    ),
    "product": _EntityHandlers(
        list=lambda store, params, offset, count: store.list_products(offset=offset, limit=count),
        get=XCartStore.get_product,
        create=lambda store, body: store.create_product(_new_product(body)),
        update=XCartStore.update_product,
        delete=XCartStore.delete_product,
    ),
    "payment-transaction": _EntityHandlers(
        list=_list_payment_transactions,
        get=XCartStore.get_payment_transaction,
        create=XCartStore.create_payment_transaction,
        update=XCartStore.update_payment_transaction,
        delete=XCartStore.delete_payment_transaction,
    ),
}


# -- the REST API module's processing (vendor rules in include.sandbox.xcart.rest) ---------------------

def _count(result: Any) -> int:
    """PHP's ``count($data)``: rows of an array, 0 for null, 1 for anything else."""
    if result is None:
        return 0
    return len(result) if isinstance(result, (list, dict)) else 1


def _record_id(record_id: str | None) -> int | None:
    """The id of ``<entity>/<id>`` as ``find()`` would look it up; None when no row can have it."""
    text = (record_id or "").strip()
    return int(text) if text.isascii() and text.isdigit() and int(text) > 0 else None


def _process(store: XCartStore, schema: str, entity: str, method: str, record_id: str | None,
             data: dict) -> tuple[Any, int]:
    one = record_id is not None
    if method == "GET":
        if one:
            key = _record_id(record_id)
            record = _find(store, entity, key) if key is not None else None
            return (_shape(store, schema, entity, record, associations=True) if record is not None else None), 1
        cnd = data.get("_cnd")
        rows = _search(store, entity, cnd if isinstance(cnd, dict) else {}, bool(cnd))
        result = [_shape(store, schema, entity, row, associations=False) for row in rows]
        return result, len(result)
    payload = rest.model_input(data)
    if payload is None:
        # ASchema::prepareInput(array $data) given null: a PHP type error, not an exception.
        raise rest.Fatal()
    if method == "POST":
        if one:
            created = _create(store, entity, payload)
            result = _shape(store, schema, entity, created, associations=True) if created is not None else None
        else:
            result = [_shape(store, schema, entity, _create(store, entity, row), associations=False)
                      for row in rest.rows_of(payload) if isinstance(row, dict)]
        return result, _count(result)
    if method == "PUT":
        if one:
            key = _record_id(record_id)
            record = _find(store, entity, key) if key is not None else None
            if record is None or not isinstance(payload, dict):
                return None, 0
            updated = _update(store, entity, key, record, payload)
            return _shape(store, schema, entity, updated, associations=True), 1
        result = []
        for row in rest.rows_of(payload):
            key = _record_id(str(row.get(_PRIMARY_KEYS[entity], ""))) if isinstance(row, dict) else None
            record = _find(store, entity, key) if key is not None else None
            if record is not None:
                result.append(_shape(store, schema, entity, _update(store, entity, key, record, row),
                                     associations=False))
        return result, len(result)
    # DELETE
    if one:
        key = _record_id(record_id)
        record = _find(store, entity, key) if key is not None else None
        if record is None:
            return None, 0
        _delete(store, entity, key)
        return True, 1
    raise rest.RestError("DELETE of a whole entity is not emulated (it deletes every row in X-Cart)")


_PRIMARY_KEYS = {"order": "order_id", "profile": "profile_id", "product": "product_id",
                 "payment-transaction": "transaction_id", "payment-backendtransaction": "id",
                 "order-status-shipping": "id", "order-status-payment": "id"}
_PAYMENT_TYPES = ("sale", "auth")


def _transactions(store: XCartStore) -> list[dict]:
    return store.list_payment_transactions(offset=0, limit=None)[0]


def _root(record: dict, by_id: dict[int, dict]) -> dict | None:
    """The payment transaction (sale or auth) a capture/refund/void belongs to."""
    seen = set()
    parent = by_id.get(record.get("parentTransactionId"))
    while parent is not None and parent.get("type") not in _PAYMENT_TYPES and id(parent) not in seen:
        seen.add(id(parent))
        parent = by_id.get(parent.get("parentTransactionId"))
    return parent


def _status_rows(entity: str) -> list[dict]:
    ids = rest.SHIPPING_STATUS_IDS if entity == "order-status-shipping" else rest.PAYMENT_STATUS_IDS
    return [{"id": ident, "code": code, "position": ident * 10} for code, ident in ids.items()]


def _find(store: XCartStore, entity: str, key: int) -> dict | None:
    try:
        if entity == "order":
            return store.get_order(key)
        if entity == "profile":
            return store.get_profile(key)
        if entity == "product":
            return store.get_product(key)
        if entity in ("payment-transaction", "payment-backendtransaction"):
            record = store.get_payment_transaction(key)
            is_payment = record.get("type") in _PAYMENT_TYPES
            return record if is_payment == (entity == "payment-transaction") else None
    except RecordNotFound:
        return None
    if entity.startswith("order-status-"):
        return next((row for row in _status_rows(entity) if row["id"] == key), None)
    return None


def _all(store: XCartStore, entity: str) -> list[dict]:
    if entity == "order":
        return store.list_orders(offset=0, limit=None)[0]
    if entity == "profile":
        return store.list_profiles(offset=0, limit=None)[0]
    if entity == "product":
        return store.list_products(offset=0, limit=None)[0]
    if entity == "payment-transaction":
        return [row for row in _transactions(store) if row.get("type") in _PAYMENT_TYPES]
    if entity == "payment-backendtransaction":
        return [row for row in _transactions(store) if row.get("type") not in _PAYMENT_TYPES]
    return _status_rows(entity)


def _search(store: XCartStore, entity: str, cnd: dict, searched: bool) -> list[dict]:
    rows = _all(store, entity)
    if not searched:
        return rows  # findAllForREST(): every row, no limit
    if entity not in rest.SEARCH_CONDITIONS:
        raise rest.Fatal()  # the repository has no search(): a call to an undefined method
    cnd = rest.known_conditions(entity, cnd)
    if entity == "order":
        rows = _search_orders(rows, cnd)
        if "orderBy" in cnd:
            rows = rest.sort_rows(rows, cnd["orderBy"], rest.ORDER_SORT_FIELDS, _sort_key)
    elif entity == "payment-transaction":
        rows = _search_transactions(store, rows, cnd)
    elif entity == "product":
        if cnd.get("SKU"):
            rows = [row for row in rows if row.get("sku") == cnd["SKU"]]
    elif entity == "profile":
        if cnd.get("login"):
            rows = [row for row in rows if str(row.get("login") or "").lower() == str(cnd["login"]).lower()]
    return rest.frame(rows, cnd["limit"]) if "limit" in cnd else rows


def _sort_key(row: dict, field: str) -> tuple:
    # X-Cart's columns hold one type each; the sandbox's records endpoint accepts hostile values of any type
    # (a text orderDate), so numbers and text sort in separate groups instead of failing the whole search.
    value = row.get(field)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (False, 0, value, "")
    return (value is None, 1, 0, "" if value is None else str(value))


def _search_orders(rows: list[dict], cnd: dict) -> list[dict]:
    if cnd.get("orderId"):
        rows = [row for row in rows if str(row.get("orderId")) == str(cnd["orderId"])]
    if cnd.get("orderNumber"):
        rows = [row for row in rows if str(row.get("orderNumber")) == str(cnd["orderNumber"])]
    for name in ("paymentStatus", "shippingStatus"):
        value = cnd.get(name)
        if value:
            ids = rest.PAYMENT_STATUS_IDS if name == "paymentStatus" else rest.SHIPPING_STATUS_IDS
            wanted = [value] if not isinstance(value, dict) else list(value.values())
            codes = {code for code, ident in ids.items() if str(ident) in map(str, wanted)} | set(map(str, wanted))
            rows = [row for row in rows if row.get(name) in codes]
    date = cnd.get("date")
    if isinstance(date, dict) and date:
        start, end = rest.as_pair(date)
        start, end = rest.to_int(start) or None, rest.to_int(end) or None
        rows = [row for row in rows if isinstance(row.get("orderDate"), int)
                and (start is None or row["orderDate"] >= start) and (end is None or row["orderDate"] <= end)]
    return rows


def _search_transactions(store: XCartStore, rows: list[dict], cnd: dict) -> list[dict]:
    if cnd.get("order"):
        numbers = {}
        rows = [row for row in rows if _order_number(store, row.get("orderId"), numbers) == str(cnd["order"])]
    status = cnd.get("status")
    if status:
        wanted = set(map(str, status.values())) if isinstance(status, dict) else {str(status)}
        rows = [row for row in rows if row.get("status") in wanted]
    # "date" takes a date-range text in the admin's date format (unverified here): an array filters nothing.
    if "orderBy" in cnd:
        order_by = cnd["orderBy"]
        if isinstance(order_by, str):
            order_by = dict(enumerate(order_by.split(" ", 1)))
        fields = {"t.transaction_id": "transactionId", "t.date": "date"}
        rows = rest.sort_rows(rows, order_by, fields, _sort_key)
    return rows


def _order_number(store: XCartStore, order_id: Any, cache: dict) -> str | None:
    if order_id not in cache:
        try:
            cache[order_id] = str(store.get_order(order_id).get("orderNumber")) if isinstance(order_id, int) else None
        except RecordNotFound:
            cache[order_id] = None
    return cache[order_id]


def _product_by_sku(store: XCartStore, sku: Any) -> dict | None:
    return store.find_product_by_sku(sku) if isinstance(sku, str) else None


def complex_order_of(store: XCartStore, record: dict) -> dict:
    """A sandbox order record as ``_schema=complex`` serves it, with its products and profile from ``store``
    (tests that place orders through the store use it to know what the connector receives)."""
    return rest.complex_order(
        record, product_of=lambda sku: _product_by_sku(store, sku),
        profile_of=lambda profile_id: _find(store, "profile", profile_id)
        if isinstance(profile_id, int) and not isinstance(profile_id, bool) else None)


def _shape(store: XCartStore, schema: str, entity: str, record: dict, *, associations: bool) -> Any:
    if schema == "complex":
        if entity == "order":
            return complex_order_of(store, record)
        if entity == "product":
            return rest.complex_product(record)
        return rest.complex_profile(record)
    if entity == "order":
        return rest.native_order(record, associations=associations)
    if entity == "product":
        return rest.native_product(record, associations=associations)
    if entity == "profile":
        return rest.native_profile(record, associations=associations)
    if entity in ("payment-transaction", "payment-backendtransaction"):
        transactions = {row["transactionId"]: row for row in _transactions(store)} if associations or \
            entity == "payment-backendtransaction" else {}
        if entity == "payment-transaction":
            if not associations:
                return rest.native_transaction(record, order=None, backends=[], associations=False)
            backends = [rest.native_backend(row, record, associations=False) for row in transactions.values()
                        if row.get("type") not in _PAYMENT_TYPES and _root(row, transactions) is not None
                        and _root(row, transactions)["transactionId"] == record["transactionId"]]
            order = _find(store, "order", record.get("orderId")) if isinstance(record.get("orderId"), int) else None
            return rest.native_transaction(record, order=order, backends=backends, associations=True)
        return rest.native_backend(record, _root(record, transactions), associations=associations)
    return record  # status rows


# -- native writes ----------------------------------------------------------------------------------

def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value) if value is not None else ""


def _status_code(kind: str, value: Any, order_id: int) -> str | None:
    """A to-one status association as loadRawFixture takes it: an array found by its ``id``."""
    if not isinstance(value, dict):
        return None  # not an array: assembleAssociationsFromRecord drops it
    ids = rest.SHIPPING_STATUS_IDS if kind == "shipping" else rest.PAYMENT_STATUS_IDS
    ident = value.get("id")
    if ident in (None, ""):
        # No identifier: loadFixture makes a new status row, whose code collides on flush.
        raise rest.RestError(f"An exception occurred while executing 'INSERT INTO xc_order_{kind}_statuses': "
                             "Integrity constraint violation: Duplicate entry for key 'code'")
    code = next((code for code, number in ids.items() if str(number) == str(ident).strip()), None)
    if code is None:
        raise rest.RestError(f"order {order_id}: {kind} status id {ident!r} not found")
    return code


def _update(store: XCartStore, entity: str, key: int, record: dict, payload: dict) -> dict:
    if entity == "order":
        changes: dict[str, Any] = {}
        if "adminNotes" in payload:
            changes["adminNotes"] = _text(payload["adminNotes"])
        for kind in ("shipping", "payment"):
            name = f"{kind}Status"
            if name in payload:
                code = _status_code(kind, payload[name], key)
                if code is not None:
                    changes[name] = code
        if isinstance(payload.get("trackingNumbers"), (dict, list)):
            current = record.get("trackingNumbers")
            if not isinstance(current, list):
                current = [{"value": record["trackingNumber"], "carrier": None}] if record.get("trackingNumber") else []
            numbers = [dict(entry) for entry in current]
            for row in rest.rows_of(payload["trackingNumbers"]):
                if not isinstance(row, dict):
                    continue
                ident = str(row.get("tracking_id") or "").strip()
                index = next((i for i in range(len(numbers)) if str(rest.tracking_id(key, i)) == ident), None)
                if index is not None:
                    if "value" in row:
                        numbers[index]["value"] = _text(row["value"])
                else:  # no (or another order's) tracking_id: loadFixtures adds a new row
                    numbers.append({"value": _text(row.get("value")), "carrier": None})
            if numbers != current:
                changes["trackingNumbers"] = numbers
        return store.update_order(key, changes) if changes else record
    if entity == "product":
        changes = {}
        for field in ("sku", "price", "enabled"):
            if field in payload:
                changes[field] = _product_value(field, payload[field])
        if "amount" in payload:
            changes["amount"] = _product_value("amount", payload["amount"])
        for row in rest.rows_of(payload.get("translations")):
            if isinstance(row, dict) and str(row.get("label_id") or "") == str(key) and "name" in row:
                changes["name"] = _text(row["name"])
        return store.update_product(key, changes) if changes else record
    if entity == "profile":
        changes = {}
        if "login" in payload:
            changes["login"] = _text(payload["login"])
        if "status" in payload:
            changes["status"] = _text(payload["status"])
        if isinstance(payload.get("addresses"), (dict, list)):
            addresses = [dict(a) for a in record.get("addresses") or () if isinstance(a, dict)]
            for row in rest.rows_of(payload["addresses"]):
                if not isinstance(row, dict):
                    continue
                target = next((a for a in addresses if str(a.get("addressId")) == str(row.get("address_id"))), None)
                if target is None:
                    continue  # unverified: a new address is not emulated
                for field in rest.NATIVE_ADDRESS_FIELDS:
                    if field in row:
                        target[field] = _text(row[field])
            if addresses != record.get("addresses"):
                changes["addresses"] = [{k: v for k, v in a.items()} for a in addresses]
        return store.update_profile(key, changes) if changes else record
    if entity == "payment-transaction" and "status" in payload:
        return store.update_payment_transaction(key, {"status": _text(payload["status"])})
    return record


def _product_value(field: str, value: Any) -> Any:
    if field == "amount":
        number = rest.to_int(value)
        if number < 0:
            raise InvalidRecord("amount must not be negative")
        return number
    if field == "enabled":
        return value if isinstance(value, bool) else str(value).strip().lower() in ("1", "true")
    if field == "price":
        return parse_money(str(value) if not isinstance(value, (Decimal, int)) else value, "price")
    return _text(value)


def _create(store: XCartStore, entity: str, payload: Any) -> dict | None:
    if not isinstance(payload, dict):
        return None
    if entity == "product":
        record = {"sku": _text(payload.get("sku")), "enabled": True, "amount": 0}
        for field in ("price", "enabled", "amount"):
            if field in payload:
                record[field] = _product_value(field, payload[field])
        names = [row.get("name") for row in rest.rows_of(payload.get("translations")) if isinstance(row, dict)]
        record["name"] = _text(names[0]) if names else record["sku"]
        if "price" not in record:
            record["price"] = Decimal("0.00")
        return store.create_product(_new_product(record))
    raise rest.RestError(f"creating {entity} through the REST API is not emulated")


def _delete(store: XCartStore, entity: str, key: int) -> None:
    if entity == "order":
        store.delete_order(key)
    elif entity == "profile":
        store.delete_profile(key)
    elif entity == "product":
        store.delete_product(key)
    else:
        raise rest.RestError(f"deleting {entity} is not emulated")
