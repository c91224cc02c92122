"""Start the sandbox systems as local processes/databases and describe them as Airflow connections.

Used by ``make demo``, ``make sandbox`` and ``make airflow``: the X-Cart and Acumatica emulators run as their
own HTTP server processes on loopback; the Sage 500 sandbox is a SQLite database reached through the SQLite3
ODBC driver. Connection settings come from ``airflow_settings.yaml`` with the real port and paths filled in.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
import os
import re
import urllib.request
from decimal import Decimal
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import include.sandbox.sage500  # noqa: F401 - registers the emulated import procedures (import_procedure: sandbox)
from include.sandbox.settings import ROOT, connection_env, load_connections

STATE_DIR = ROOT / ".local"


class SandboxXCartClient:
    """Just enough of the X-Cart sandbox for the demo's own set-up and checks (not the pipeline's hook).

    It works on the emulator's own records (``/_sandbox/records``): placing orders and payments is what a
    real store's checkout does, not something its REST API module offers (X-Cart's complex schema is
    GET-only, and orders are not created through it), so set-up never goes through the emulated API.
    ``key`` is kept for callers that pass it; the sandbox endpoints need none.
    """

    def __init__(self, url: str, key: str) -> None:
        self.url, self.key = url, key

    def call(self, method: str, path: str, body=None, **query):
        from urllib.parse import urlencode

        order_id = query.get("_cnd[orderId]")
        params = f"?{urlencode({'orderId': order_id})}" if order_id is not None else ""
        data = None if body is None else json.dumps(body, default=str).encode()
        request = urllib.request.Request(f"{self.url}/_sandbox/records/{path}{params}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null", parse_float=Decimal)

    def all(self, entity: str) -> list[dict]:
        return self.call("GET", entity)

    def profile_emails(self) -> list[str]:
        return [p["email"] for p in sorted(self.all("profile"), key=lambda p: p["profileId"])]


class SandboxAcumaticaClient:
    """The Acumatica emulator's sandbox endpoints, for the demo's own set-up and checks (not the pipeline's
    hook): plain JSON, no login, so they spend none of the licence the flows are measured against."""

    def __init__(self, url: str) -> None:
        self.url = url

    def call(self, method: str, path: str, body=None):
        data = None if body is None else json.dumps(body, default=str).encode()
        request = urllib.request.Request(f"{self.url}/_sandbox/{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null", parse_float=Decimal)

    def action(self, name: str, **arguments):
        """An ERP-side action: ship_order, set_stock, update_customer_address, update_customer_contact,
        set_customer_status, create_item, update_item, cancel_order (see include/sandbox/acumatica/store.py)."""
        return self.call("POST", f"actions/{name}", arguments)

    def records(self, entity: str) -> list[dict]:
        return self.call("GET", f"records/{entity}")

    def inventory(self) -> list[dict]:
        return self.call("GET", "inventory")

    def state(self) -> dict:
        return self.call("GET", "state")

    def stats(self) -> dict:
        return self.call("GET", "stats")

    def limits(self, **changes) -> dict:
        return self.call("POST", "limits", changes) if changes else self.call("GET", "limits")

    def faults(self, **changes) -> dict:
        return self.call("POST", "faults", changes) if changes else self.call("GET", "faults")

    def open_web_orders(self) -> list[dict]:
        """Open SO orders that came from the storefront (CustomerOrder ``XC-…``), oldest first."""
        return [o for o in self.records("SalesOrder") if o["OrderType"] == "SO" and o.get("Status") == "Open"
                and str(o.get("CustomerOrder") or "").startswith("XC-")]

    def ship_some_orders(self, *, count: int, partial: int) -> list[str]:
        """Act as the ERP's warehouse: ship ``count`` open web orders, ``partial`` of them only their first line's
        first unit; every shipment carries a UPS tracking number."""
        shipped = []
        for index, order in enumerate(self.open_web_orders()[:count]):
            lines = {str(order["Details"][0]["LineNbr"]): 1} if index < partial else None
            self.action("ship_order", order_nbr=order["OrderNbr"], lines=lines,
                        tracking_nbr=f"1Z999AA1{index:010d}", ship_via="UPS")
            shipped.append(order["OrderNbr"])
        return shipped


@dataclass
class SandboxOptions:
    seed: int = 42
    orders: int = 300
    products: int = 120
    profiles: int = 80
    days: int = 1
    end_ts: int | None = None
    xcart_port: int = 0
    acumatica_port: int = 0
    intacct_port: int = 0
    customer_overlap: float = 0.75  # share of storefront customers that already exist in the ERP
    alert_http_port: int = 0  # the alert sink's webhook receiver (0: a free port)
    alert_smtp_port: int = 0  # the alert sink's SMTP server


@dataclass
class Sandbox:
    options: SandboxOptions = field(default_factory=SandboxOptions)
    data_dir: Path = STATE_DIR / "data"
    xcart_url: str | None = None
    _xcart: subprocess.Popen | None = None
    acumatica_url: str | None = None
    _acumatica: subprocess.Popen | None = None
    intacct_url: str | None = None  # the gateway's general endpoint
    _intacct: subprocess.Popen | None = None
    alert_sink_url: str | None = None
    alert_smtp_port: int | None = None
    _alert_sink: subprocess.Popen | None = None
    # The Sage 500 database file; None: the one airflow_settings.yaml names (.local/data/sage500.db).
    sage500_file: Path | None = None

    def __post_init__(self) -> None:
        settings = load_connections()
        self.xcart_settings = settings["xcart_default"]
        self.sage_settings = settings["sage500_default"]
        self.acumatica_settings = settings["acumatica_default"]
        self.intacct_settings = settings["intacct_default"]

    # -- X-Cart ----------------------------------------------------------------------------------------
    def start_xcart(self) -> str:
        o = self.options
        env = {**os.environ, "XCART_RW_KEY": self.xcart_settings["password"],
               "XCART_RO_KEY": self.xcart_settings["extra"]["read_only_api_key"],
               "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'plugins'}"}
        args = [sys.executable, "-m", "include.sandbox.xcart", "--port", str(o.xcart_port), "--seed", str(o.seed),
                "--orders", str(o.orders), "--products", str(o.products), "--profiles", str(o.profiles),
                "--days", str(o.days)]
        if o.end_ts:
            args += ["--end-ts", str(o.end_ts)]
        self._xcart = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True,
                                       start_new_session=True)
        line = self._xcart.stdout.readline()
        match = re.search(r"(http://[\d.]+:\d+)", line)
        if not match:
            self.stop()
            raise RuntimeError(f"X-Cart sandbox did not start: {line!r}")
        self.xcart_url = match.group(1)
        return self.xcart_url

    def xcart_client(self) -> SandboxXCartClient:
        return SandboxXCartClient(self.xcart_url, self.xcart_settings["password"])

    def storefront_emails(self) -> list[str]:
        """The share of storefront customers (by e-mail) that the ERP sandbox should already know."""
        emails = self.xcart_client().profile_emails()
        return emails[: int(len(emails) * self.options.customer_overlap)]

    # -- Sage 500 --------------------------------------------------------------------------------------
    @property
    def sage500_path(self) -> Path:
        return self.sage500_file or (ROOT / self.sage_settings["schema"]).resolve()

    def init_sage500(self, customer_emails: list[str]) -> dict[str, int]:
        import pyodbc

        from include.sandbox.sage500.dialects import odbc_connect_string
        from include.sandbox.sage500.schema import create_schema
        from include.sandbox.sage500.seed import seed_database

        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.sage500_path.unlink(missing_ok=True)
        connection = pyodbc.connect(odbc_connect_string("sqlite", database=str(self.sage500_path)))
        try:
            create_schema(connection, "sqlite")
            counts = seed_database(connection, "sqlite", seed=self.options.seed, items=self.options.products,
                                   customer_emails=customer_emails)
            connection.commit()
        finally:
            connection.close()
        return counts

    # -- Acumatica -------------------------------------------------------------------------------------
    def start_acumatica(self, customer_emails: list[str]) -> str:
        """The Acumatica emulator as its own process, seeded like the Sage 500 sandbox (same seed, same items)
        with ``customer_emails`` as existing customers; its API user is the connection's."""
        o = self.options
        self.data_dir.mkdir(parents=True, exist_ok=True)
        emails_file = self.data_dir / "acumatica-customer-emails.txt"
        emails_file.write_text("".join(f"{email}\n" for email in customer_emails), encoding="utf-8")
        settings = self.acumatica_settings
        env = {**os.environ, "ACUMATICA_USERNAME": settings["login"], "ACUMATICA_PASSWORD": settings["password"],
               "ACUMATICA_TENANT": settings.get("extra", {}).get("tenant", "Company"),
               "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'plugins'}"}
        args = [sys.executable, "-m", "include.sandbox.acumatica", "--port", str(o.acumatica_port),
                "--seed", str(o.seed), "--items", str(o.products), "--emails-file", str(emails_file)]
        self._acumatica = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True,
                                           start_new_session=True)
        line = self._acumatica.stdout.readline()
        match = re.search(r"(http://[\d.]+:\d+)", line)
        if not match:
            self.stop()
            raise RuntimeError(f"Acumatica sandbox did not start: {line!r}")
        self.acumatica_url = match.group(1)
        return self.acumatica_url

    def start_intacct(self, customer_emails: list[str]) -> str:
        """The Sage Intacct gateway emulator as its own process, seeded like the Sage 500 sandbox (same seed,
        same items) with ``customer_emails`` as existing customers; sender and user are the connection's."""
        o = self.options
        self.data_dir.mkdir(parents=True, exist_ok=True)
        emails_file = self.data_dir / "intacct-customer-emails.txt"
        emails_file.write_text("".join(f"{email}\n" for email in customer_emails), encoding="utf-8")
        settings = self.intacct_settings
        extra = settings.get("extra", {})
        env = {**os.environ, "INTACCT_SENDER_ID": extra.get("sender_id", ""),
               "INTACCT_SENDER_PASSWORD": extra.get("sender_password", ""), "INTACCT_USER_ID": settings["login"],
               "INTACCT_USER_PASSWORD": settings["password"], "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'plugins'}"}
        args = [sys.executable, "-m", "include.sandbox.intacct", "--port", str(o.intacct_port), "--seed", str(o.seed),
                "--items", str(o.products), "--company", extra.get("company_id", "storesync-demo"),
                "--emails-file", str(emails_file)]
        self._intacct = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True,
                                         start_new_session=True)
        line = self._intacct.stdout.readline()
        match = re.search(r"(http://[\d.]+:\d+\S*)", line)
        if not match:
            self.stop()
            raise RuntimeError(f"Intacct sandbox did not start: {line!r}")
        self.intacct_url = match.group(1)
        return self.intacct_url

    def acumatica_client(self) -> SandboxAcumaticaClient:
        return SandboxAcumaticaClient(self.acumatica_url)

    # -- alert sink (webhook receiver + SMTP server for the alert channels) ------------------------------
    def start_alert_sink(self) -> str:
        o = self.options
        token = load_connections().get("alerts_webhook", {}).get("password", "")
        env = {**os.environ, "ALERTSINK_TOKEN": token, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'plugins'}"}
        args = [sys.executable, "-m", "include.sandbox.alertsink", "--http-port", str(o.alert_http_port),
                "--smtp-port", str(o.alert_smtp_port)]
        self._alert_sink = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True,
                                            start_new_session=True)
        line = self._alert_sink.stdout.readline()
        match = re.search(r"(http://[\d.]+:\d+) , SMTP on [\d.]+:(\d+)", line)
        if not match:
            self.stop()
            raise RuntimeError(f"alert sink did not start: {line!r}")
        self.alert_sink_url, self.alert_smtp_port = match.group(1), int(match.group(2))
        return line.strip()

    def alert_messages(self) -> dict[str, list[dict]]:
        """What the alert sink received: ``{"webhooks": [...], "emails": [...]}``."""
        with urllib.request.urlopen(f"{self.alert_sink_url}/_sink/messages", timeout=10) as response:
            return json.loads(response.read())

    def _ship_some_sage500_orders(self, *, count: int, partial: int) -> list[str]:
        import pyodbc

        from include.sandbox.sage500.erp_actions import ship_order

        connection = pyodbc.connect(f"DRIVER={{SQLite3}};Database={self.sage500_path}")
        try:
            orders = [row[0].strip() for row in connection.execute(
                "SELECT TranNo FROM tsoSalesOrder WHERE UserFld1 LIKE 'XC-%' AND Status = 1 ORDER BY SOKey").fetchall()][:count]
            for index, tran_no in enumerate(orders):
                lines = None
                if index < partial:
                    first = connection.execute(
                        "SELECT l.SOLineNo FROM tsoSOLine l JOIN tsoSalesOrder s ON s.SOKey = l.SOKey "
                        "WHERE s.TranNo = ? ORDER BY l.SOLineNo", tran_no).fetchone()
                    lines = {int(first[0]): 1}
                ship_order(connection, company_id="SOA", tran_no=tran_no, lines=lines,
                           tracking_no=f"1Z999AA1{index:010d}", carrier="UPS", ship_date=datetime.now(timezone.utc).replace(tzinfo=None))
        finally:
            connection.close()
        return orders

    # -- the pair's ERP, whichever it is ------------------------------------------------------------------
    def start_erp(self, system: str) -> str:
        """Start and seed the ERP sandbox of ``system`` (customers overlapping the storefront's); says what it is."""
        emails = self.storefront_emails()
        if system == "sage500":
            counts = self.init_sage500(emails)
            return f"Sage 500 sandbox (SQLite via ODBC): {self.sage500_path.relative_to(ROOT)} {counts}"
        if system == "acumatica":
            url = self.start_acumatica(emails)
            return f"Acumatica sandbox (contract-based REST): {url}/entity/Default/24.200.001 {self.acumatica_client().state()}"
        raise ValueError(f"no sandbox for ERP '{system}'; available: acumatica, sage500")

    def erp_web_order_references(self, system: str) -> list[str]:
        """The storefront reference (``XC-<orderId>``) of every ERP sales order the orders flow created."""
        if system == "acumatica":
            return [str(o["CustomerOrder"]) for o in self.acumatica_client().records("SalesOrder")
                    if o["OrderType"] == "SO" and str(o.get("CustomerOrder") or "").startswith("XC-")]
        import pyodbc

        with pyodbc.connect(f"DRIVER={{SQLite3}};Database={self.sage500_path}") as erp:
            return [row[0].strip() for row in erp.execute("SELECT UserFld1 FROM tsoSalesOrder WHERE UserFld1 LIKE 'XC-%'")]

    def ship_some_orders(self, system: str, *, count: int, partial: int) -> list[str]:
        """Act as the ERP's warehouse: ship ``count`` open web orders, ``partial`` of them only in part."""
        if system == "acumatica":
            return self.acumatica_client().ship_some_orders(count=count, partial=partial)
        return self._ship_some_sage500_orders(count=count, partial=partial)

    # -- everything the configured pairs need -------------------------------------------------------------
    def start_for_pairs(self, pairs, *, keep_erp_data: bool = True) -> list[str]:
        """Start every system the pairs talk to and the alert sink; one line per system saying what runs.

        ``keep_erp_data``: a Sage 500 database left by an earlier run (``make demo``) is kept as it is, so the
        sync store's cross-references still point at its documents; otherwise it is created afresh. The X-Cart
        and Acumatica emulators keep their data in memory: they always start seeded afresh.
        """
        storefronts = {pair.storefront.system for pair in pairs}
        erps = sorted({pair.erp.system for pair in pairs})
        unknown = (storefronts - {"xcart"}) | (set(erps) - {"sage500", "acumatica", "intacct"})
        if unknown:
            raise ValueError(f"no sandbox for {', '.join(sorted(unknown))}; available: xcart, sage500, acumatica, "
                             "intacct")
        lines = [self.start_alert_sink()]  # "alert sink: webhooks on …, SMTP on …"
        if not storefronts:
            return lines
        lines.append(f"X-Cart sandbox (REST API): {self.start_xcart()}")
        emails = self.storefront_emails()
        for system in erps:
            if system == "sage500" and keep_erp_data and self.sage500_path.exists():
                lines.append(f"Sage 500 sandbox (SQLite via ODBC): {self.sage500_path} (kept as it was)")
            elif system == "sage500":
                lines.append(f"Sage 500 sandbox (SQLite via ODBC): {self.sage500_path} (new) "
                             f"{self.init_sage500(emails)}")
            elif system == "intacct":
                lines.append(f"Sage Intacct sandbox (XML gateway): {self.start_intacct(emails)}")
            else:
                lines.append(f"Acumatica sandbox (contract-based REST): {self.start_acumatica(emails)}")
        return lines

    # -- Airflow ---------------------------------------------------------------------------------------
    def connection_env(self) -> dict[str, str]:
        overrides = {"xcart_default": {"host": self.xcart_url}} if self.xcart_url else {}
        if self.sage500_file is not None:
            overrides["sage500_default"] = {"schema": str(self.sage500_file)}
        if self.acumatica_url:
            overrides["acumatica_default"] = {"host": self.acumatica_url}
        if self.intacct_url:
            overrides["intacct_default"] = {"host": self.intacct_url}
        if self.alert_sink_url:
            overrides["alerts_webhook"] = {"host": self.alert_sink_url}
            overrides["alerts_smtp"] = {"port": self.alert_smtp_port}
        return connection_env(overrides)

    def stop(self) -> None:
        for process in (self._alert_sink, self._acumatica, self._intacct, self._xcart):
            if process and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
        self._alert_sink = self._acumatica = self._intacct = self._xcart = None

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
