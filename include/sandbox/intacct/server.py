"""HTTP server emulating Sage Intacct's XML Web Services gateway (docs/intacct.md), plus sandbox endpoints.

API::

    POST /ia/xml/xmlgw.phtml                         the general endpoint (login-authenticated requests)
    POST /tenant/{companyid}/ia/xml/xmlgw.phtml      a company's own endpoint, returned by getAPISession;
                                                     the only place a session ID is accepted

Answers are HTTP 200 with an XML ``<response>`` (failures inside it); 401 with an XML control failure
``XMLGW_JPP0002`` for wrong company credentials (``login_failure="http401"``, the default); 429 with ``GW-0010``
when the company's request budget is spent; 500/502/503 with an HTML body, 524 with none, or a dropped
connection, when a fault is injected. Any other method than POST answers 405.

Sandbox endpoints (loopback only, no credentials; JSON in and out)::

    GET  /_sandbox/state                     record counts per company
    POST /_sandbox/reset                     re-seed every company; sessions, control IDs, meters start afresh
    GET  /_sandbox/metering                  per company: api_transactions, requests, functions, throttled,
                                             and transactions per function
    POST /_sandbox/metering/reset
    GET|POST /_sandbox/faults                fault injection (see .faults)
    GET|POST /_sandbox/limits                concurrency, rate, session duration (see .gateway.Limits)
    POST /_sandbox/sessions/expire           end every session (next session requests fail authentication)
    GET  /_sandbox/records/{companyid}/{OBJECT}
    POST /_sandbox/actions/{companyid}/{action}   set_stock {item, warehouse, on_hand},
                                                  ship_order {docid, tracking_number, ship_via}
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from include.sandbox.faults import Answer, Drop, FaultControls, FaultInjector, Hold, LoseAnswer
from include.sandbox.http_server import AppHTTPServer, HTTPEmulator, KeepAliveHandler
from include.sandbox.intacct.faults import Faults
from include.sandbox.intacct.gateway import Company, Gateway, Limits, throttled_answer
from include.sandbox.intacct.objects import OBJECTS, format_value
from include.sandbox.intacct.seed import SeedSpec, new_company
from include.sandbox.intacct.store import CompanyStore

GENERAL_PATH = "/ia/xml/xmlgw.phtml"
TENANT_PREFIX = "/tenant/"
GATEWAY_FAULT_PAGE = b"<html><head><title>{status}</title></head><body><h1>{status}</h1></body></html>"


class IntacctServer(FaultControls, HTTPEmulator):
    """The emulator as an object: ``start()`` serves on a background thread, ``stop()`` shuts down.

    ``companies`` names the tenants (each seeded alike from the seed arguments); ``user_id``/``user_password``
    sign in to every one; the sender (``sender_id``/``sender_password``) is authorised for all of them except
    those in ``unauthorized_companies``. ``login_failure`` chooses how wrong company credentials are answered:
    ``"http401"`` (HTTP 401, control-level ``XMLGW_JPP0002``, as intacct-sdk-net's
    ``RequestHandlerTest::Mock400LevelErrorWithXmlResponseTest``) or ``"operation"`` (HTTP 200,
    authentication-level ``XL03000006``, as intacct-sdk-php's ``OnlineResponseTest::testAuthenticationFailure``).
    ``clock`` (UTC datetimes) drives session timeouts and the
    ``WHENMODIFIED`` stamps; ``sleep`` serves latency and held answers, so tests can move time instead of
    sleeping.
    """

    thread_name = "intacct-sandbox"

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        companies: Iterable[str] = ("storesync-demo",),
        unauthorized_companies: Iterable[str] = (),
        sender_id: str = "storesync",
        sender_password: str = "sandbox-sender-password",
        user_id: str = "ws_storesync",
        user_password: str = "sandbox-user-password",
        seed: int = 42,
        items: int = 120,
        customers: int = 80,
        customer_emails: Iterable[str] = (),
        limits: Limits | None = None,
        faults: Faults | None = None,
        fault_seed: int | None = None,
        clock: Callable[[], datetime] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        log_requests: bool = False,
        login_failure: str = "http401",
    ) -> None:
        super().__init__(host=host, port=port)
        self.sender_id, self.sender_password = sender_id, sender_password
        self.user_id, self.user_password = user_id, user_password
        self.seed_spec = SeedSpec(seed, items, customers, tuple(customer_emails))
        self.sleep = sleep
        self.log_requests = log_requests
        self._clock = clock
        names = tuple(companies)
        unauthorized = set(unauthorized_companies)
        self.companies = {name: Company(self._new_store(name), {user_id: user_password})
                          for name in (*names, *sorted(unauthorized - set(names)))}
        self.injector = FaultInjector(faults or Faults(), seed=seed if fault_seed is None else fault_seed)
        self.gateway = Gateway(
            self.companies, senders={sender_id: sender_password},
            authorized={sender_id: set(names) - unauthorized}, limits=limits or Limits(),
            endpoint_url=self.tenant_endpoint, clock=clock, session_expires_now=self.injector.session_expires_now,
            login_failure=login_failure)

    def reset(self) -> dict[str, dict[str, int]]:
        """Re-seed every company from the seed arguments; sessions, control IDs and meters start afresh."""
        self.gateway.expire_sessions()
        for name, company in self.companies.items():
            with company.lock:
                company.store = self._new_store(name)
                company.completed_controlids.clear()
                company.result_sets.clear()
                company.last_result_for_object.clear()
                company.meter.update({key: 0 for key in company.meter})
                company.meter_by_function.clear()
        return {name: c.store.counts() for name, c in self.companies.items()}

    def _new_store(self, companyid: str) -> CompanyStore:
        kwargs = {}
        if self._clock is not None:
            kwargs["clock"] = lambda: self._clock().replace(tzinfo=None)
        return new_company(companyid, self.seed_spec, **kwargs)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        return _Handler

    # -- addresses -------------------------------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        """The general endpoint: where a client starts (https://api.intacct.com/ia/xml/xmlgw.phtml)."""
        return f"{self.base_url}{GENERAL_PATH}"

    def tenant_endpoint(self, companyid: str) -> str:
        return f"{self.base_url}{TENANT_PREFIX}{quote(companyid, safe='')}{GENERAL_PATH}"

    # -- inspection and sandbox controls ---------------------------------------------------------------------

    def store(self, companyid: str | None = None) -> CompanyStore:
        return self.companies[companyid or next(iter(self.companies))].store

    def records(self, obj: str, companyid: str | None = None) -> list[dict[str, Any]]:
        company = self.companies[companyid or next(iter(self.companies))]
        with company.lock:
            return company.store.snapshot(obj)

    def metering(self, companyid: str | None = None) -> dict[str, Any]:
        company = self.companies[companyid or next(iter(self.companies))]
        with company.lock:
            return {**company.meter, "by_function": dict(company.meter_by_function)}

    def reset_metering(self) -> None:
        for company in self.companies.values():
            with company.lock:
                company.meter.update({name: 0 for name in company.meter})
                company.meter_by_function.clear()

    def action(self, companyid: str, name: str, **kwargs: Any) -> dict[str, Any]:
        """ERP-side work done in Intacct's UI: ``set_stock`` and ``ship_order``."""
        company = self.companies[companyid]
        with company.lock:
            store = company.store
            if name == "set_stock":
                record = store.set_stock(kwargs["item"], kwargs["warehouse"], Decimal(str(kwargs["on_hand"])))
            elif name == "ship_order":
                record = store.ship_order(kwargs["docid"], kwargs["tracking_number"], kwargs.get("ship_via"))
            else:
                raise KeyError(f"unknown action {name}")
            store.forget()
            return dict(record)

    @property
    def limits(self) -> Limits:
        return self.gateway.limits

    @limits.setter
    def limits(self, limits: Limits) -> None:
        self.gateway.limits = limits

    def expire_sessions(self) -> int:
        return self.gateway.expire_sessions()


def _json_default(value: Any) -> Any:
    return format_value(value)


class _Handler(KeepAliveHandler):
    server: AppHTTPServer[IntacctServer]

    def version_string(self) -> str:
        return "IntacctSandbox/3.0"

    def _handle(self, verb: str) -> None:
        length = self.headers.get("Content-Length")
        try:
            body = self.rfile.read(int(length)) if length else b""
        except ValueError:
            body = b""
        path = urlsplit(self.path).path
        try:
            if path.startswith("/_sandbox/"):
                self._sandbox(verb, path, body)
                return
            tenant = self._tenant(path)
            if tenant is False:
                self._send(404, b"Not Found", "text/plain")
            elif verb != "POST":
                self._send(405, b"Method Not Allowed", "text/plain", {"Allow": "POST"})
            else:
                self._gateway(body, tenant)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:  # noqa: BLE001 - a bug in the emulator still answers like a failing gateway would
            traceback.print_exc(file=sys.stderr)
            self._send(500, GATEWAY_FAULT_PAGE.replace(b"{status}", b"500 Internal Server Error"), "text/html")

    @staticmethod
    def _tenant(path: str) -> str | None | bool:
        if path == GENERAL_PATH:
            return None
        if path.startswith(TENANT_PREFIX) and path.endswith(GENERAL_PATH):
            companyid = unquote(path[len(TENANT_PREFIX):-len(GENERAL_PATH)])
            return companyid if companyid and "/" not in companyid else False
        return False

    def _gateway(self, body: bytes, tenant: str | None) -> None:
        app = self.server.app
        fault = app.injector.decide()
        if isinstance(fault, Answer) and fault.status == 429:
            answer = throttled_answer()
            self._send(answer.status, answer.body, answer.content_type)
            return
        if isinstance(fault, Answer):
            label = {500: "500 Internal Server Error", 502: "502 Bad Gateway", 503: "503 Service Unavailable"}
            self._send(fault.status, GATEWAY_FAULT_PAGE.replace(b"{status}", label[fault.status].encode()),
                       "text/html")
            return
        if isinstance(fault, Drop):
            self.drop_connection()
            return
        latency = app.injector.delay()
        answer = app.gateway.handle(body, self.headers.get("Content-Type", ""), tenant,
                                    while_admitted=(lambda: app.sleep(latency)) if latency else lambda: None)
        if isinstance(fault, Hold):
            app.sleep(fault.seconds)  # executed and committed; the answer comes after the client gave up
        if isinstance(fault, LoseAnswer):
            self._send(524, b"", "text/html")  # executed and committed; the gateway timed out answering
            return
        self._send(answer.status, answer.body, answer.content_type)

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, payload: Any) -> None:
        self._send(status, json.dumps(payload, default=_json_default).encode(), "application/json")

    def _sandbox(self, verb: str, path: str, body: bytes) -> None:
        app = self.server.app
        parts = [unquote(p) for p in path.split("/")[2:]]
        try:
            payload = json.loads(body or b"{}") if verb == "POST" else {}
        except json.JSONDecodeError as error:
            self._json(400, {"message": f"invalid JSON: {error}"})
            return
        try:
            if parts == ["state"]:
                self._json(200, {name: c.store.counts() for name, c in app.companies.items()})
            elif parts == ["reset"] and verb == "POST":
                self._json(200, app.reset())
            elif parts == ["metering"]:
                self._json(200, {name: app.metering(name) for name in app.companies})
            elif parts == ["metering", "reset"] and verb == "POST":
                app.reset_metering()
                self._json(200, {"reset": True})
            elif parts == ["faults"]:
                if verb == "POST":
                    app.faults = Faults(**payload)
                self._json(200, app.faults.as_dict())
            elif parts == ["limits"]:
                if verb == "POST":
                    app.limits = Limits(**payload)
                self._json(200, vars(app.limits))
            elif parts == ["sessions", "expire"] and verb == "POST":
                self._json(200, {"expired": app.expire_sessions()})
            elif len(parts) == 3 and parts[0] == "records" and parts[2] in OBJECTS:
                self._json(200, app.records(parts[2], parts[1]))
            elif len(parts) == 3 and parts[0] == "actions" and verb == "POST":
                self._json(200, app.action(parts[1], parts[2], **payload))
            else:
                self._json(404, {"message": f"{verb} {path} not found"})
        except (KeyError, TypeError, ValueError) as error:
            self._json(400, {"message": str(error)})

