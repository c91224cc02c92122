"""One object serving both alert channels of the sandbox on loopback, recording what arrives.

- **Webhooks**: an HTTP server; every ``POST`` with a JSON body (any path except ``/_sink/…``) is recorded
  as ``{"path", "auth", "body", "received_at"}``. ``auth`` is ``"bearer"``, ``"basic"`` or ``"none"``:
  the token itself is never stored. With ``token`` set, a request without ``Authorization: Bearer
  <token>`` is answered 401 and not recorded.
- **E-mail**: a minimal SMTP server (``socketserver``) speaking EHLO/HELO, AUTH PLAIN/LOGIN (any
  credentials are accepted; only the user name is kept), MAIL FROM, RCPT TO, DATA, RSET, NOOP and QUIT.
  Each message is recorded as ``{"mail_from", "rcpt_to", "auth_user", "subject", "from", "to", "body",
  "received_at"}``. STARTTLS is not offered.

Inspect in-process (``sink.webhooks``, ``sink.emails``, ``sink.messages()``) or over HTTP:
``GET /_sink/messages`` → ``{"webhooks": [...], "emails": [...]}``; ``POST /_sink/reset`` clears both.
"""

from __future__ import annotations

import base64
import binascii
import email
import email.policy
import hmac
import json
import socketserver
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any

from include.sandbox.http_server import AppHTTPServer, Served, ServingThread

MAX_BODY = 10 * 1024 * 1024
MAX_LINE = 64 * 1024


class AlertSink(Served):
    """``start()`` serves both protocols on background threads; ``stop()`` shuts them down."""

    def __init__(self, *, host: str = "127.0.0.1", http_port: int = 0, smtp_port: int = 0,
                 token: str | None = None) -> None:
        self.host = host
        self._ports = (http_port, smtp_port)
        self._token = token
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._webhooks: list[dict[str, Any]] = []
        self._emails: list[dict[str, Any]] = []
        self.rejected = 0
        self._http: ServingThread | None = None
        self._smtp: ServingThread | None = None

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> AlertSink:
        if self._http is not None:
            raise RuntimeError("alert sink already started")
        self._http = ServingThread(AppHTTPServer((self.host, self._ports[0]), _HTTPHandler, self),
                                   name="alertsink-http")
        self._smtp = ServingThread(_SMTPServer((self.host, self._ports[1]), _SMTPHandler, self),
                                   name="alertsink-smtp")
        return self

    def stop(self) -> None:
        for serving in (self._http, self._smtp):
            if serving is not None:
                serving.stop()
        self._http = self._smtp = None

    # -- addresses ---------------------------------------------------------------------------------
    @property
    def http_port(self) -> int:
        if self._http is None:
            raise RuntimeError("alert sink not started")
        return self._http.port

    @property
    def smtp_port(self) -> int:
        if self._smtp is None:
            raise RuntimeError("alert sink not started")
        return self._smtp.port

    @property
    def http_url(self) -> str:
        return f"http://{self.host}:{self.http_port}"

    # -- recorded messages -------------------------------------------------------------------------
    @property
    def webhooks(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(item) for item in self._webhooks]

    @property
    def emails(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(item) for item in self._emails]

    def messages(self) -> dict[str, list[dict[str, Any]]]:
        with self._lock:
            return {"webhooks": [dict(i) for i in self._webhooks], "emails": [dict(i) for i in self._emails]}

    def reset(self) -> None:
        with self._lock:
            self._webhooks.clear()
            self._emails.clear()
            self.rejected = 0

    def wait_for(self, *, webhooks: int = 0, emails: int = 0, timeout: float = 5.0) -> bool:
        """Block until at least that many of each arrived (or ``timeout``); True if they did."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self._webhooks) < webhooks or len(self._emails) < emails:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
        return True

    def _record(self, bucket: str, item: dict[str, Any]) -> None:
        item["received_at"] = time.time()
        with self._changed:
            (self._webhooks if bucket == "webhooks" else self._emails).append(item)
            self._changed.notify_all()

    def _authorized(self, header: str | None) -> bool:
        if self._token is None:
            return True
        expected = f"Bearer {self._token}".encode()
        return bool(header) and hmac.compare_digest(header.encode(), expected)


# -- HTTP: webhook receiver and inspection ----------------------------------------------------------

class _HTTPHandler(BaseHTTPRequestHandler):
    server: AppHTTPServer[AlertSink]
    server_version = "storesync-alertsink/1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet: headers may carry tokens
        pass

    def _reply(self, status: int, body: Any) -> None:
        data = json.dumps(body, default=str).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        if self.path.split("?")[0] == "/_sink/messages":
            self._reply(200, self.server.app.messages())
        else:
            self._reply(404, {"error": "not found; GET /_sink/messages lists what arrived"})

    def do_POST(self) -> None:  # noqa: N802
        sink = self.server.app
        path = self.path.split("?")[0]
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._reply(413, {"error": "body too large"})
            return
        raw = self.rfile.read(length) if length else b""
        if path == "/_sink/reset":
            sink.reset()
            self._reply(200, {"ok": True})
            return
        if path.startswith("/_sink/"):
            self._reply(404, {"error": "not found"})
            return
        header = self.headers.get("Authorization")
        if not sink._authorized(header):
            with sink._lock:
                sink.rejected += 1
            self._reply(401, {"error": "missing or wrong bearer token"})
            return
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            self._reply(400, {"error": "body is not JSON"})
            return
        scheme = (header or "").split(" ", 1)[0].lower()
        sink._record("webhooks", {"path": path, "auth": scheme if scheme in ("bearer", "basic") else "none",
                                  "body": body})
        self._reply(200, {"ok": True})


# -- SMTP: just enough of RFC 5321 for smtplib ------------------------------------------------------

class _SMTPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type, sink: AlertSink) -> None:
        self.sink = sink
        super().__init__(address, handler)


class _SMTPHandler(socketserver.StreamRequestHandler):
    server: _SMTPServer
    timeout = 30

    def send(self, line: str) -> None:
        self.wfile.write(line.encode("ascii") + b"\r\n")
        self.wfile.flush()

    def readline(self) -> str | None:
        raw = self.rfile.readline(MAX_LINE)
        if not raw:
            return None
        return raw.decode("utf-8", "replace").rstrip("\r\n")

    def handle(self) -> None:
        self.reset()
        self.auth_user: str | None = None
        self.send("220 alertsink storesync sandbox ESMTP")
        while True:
            line = self.readline()
            if line is None:
                return
            verb, _, arg = line.partition(" ")
            verb = verb.upper()
            if verb == "EHLO":
                self.send("250-alertsink")
                self.send("250-8BITMIME")
                self.send(f"250-SIZE {MAX_BODY}")
                self.send("250 AUTH PLAIN LOGIN")
            elif verb == "HELO":
                self.send("250 alertsink")
            elif verb == "AUTH":
                self.auth(arg)
            elif verb == "MAIL" and arg.upper().startswith("FROM:"):
                self.reset()
                self.mail_from = _address(arg[5:])
                self.send("250 2.1.0 OK")
            elif verb == "RCPT" and arg.upper().startswith("TO:"):
                if self.mail_from is None:
                    self.send("503 5.5.1 MAIL first")
                    continue
                self.rcpt_to.append(_address(arg[3:]))
                self.send("250 2.1.5 OK")
            elif verb == "DATA":
                if not self.rcpt_to:
                    self.send("503 5.5.1 RCPT first")
                    continue
                self.send("354 End data with <CR><LF>.<CR><LF>")
                data = self.read_data()
                if data is None:
                    return
                self.deliver(data)
                self.send("250 2.0.0 OK queued")
                self.reset()
            elif verb == "RSET":
                self.reset()
                self.send("250 2.0.0 OK")
            elif verb == "NOOP":
                self.send("250 2.0.0 OK")
            elif verb == "QUIT":
                self.send("221 2.0.0 Bye")
                return
            elif verb == "STARTTLS":
                self.send("454 4.7.0 TLS not available in the sandbox")
            else:
                self.send("502 5.5.2 Command not recognized")

    def reset(self) -> None:
        self.mail_from: str | None = None
        self.rcpt_to: list[str] = []

    def auth(self, arg: str) -> None:
        mechanism, _, initial = arg.partition(" ")
        mechanism = mechanism.upper()
        try:
            if mechanism == "PLAIN":
                if not initial:
                    self.send("334 ")
                    initial = self.readline() or ""
                parts = base64.b64decode(initial, validate=True).split(b"\0")
                user = parts[1] if len(parts) == 3 else b""
            elif mechanism == "LOGIN":
                if not initial:  # the user name may come with the command (smtplib sends it so)
                    self.send("334 " + base64.b64encode(b"Username:").decode())
                    initial = self.readline() or ""
                user = base64.b64decode(initial, validate=True)
                self.send("334 " + base64.b64encode(b"Password:").decode())
                base64.b64decode(self.readline() or "", validate=True)  # accepted, never kept
            else:
                self.send("504 5.5.4 Unrecognized authentication type")
                return
        except (binascii.Error, ValueError):
            self.send("501 5.5.2 Cannot decode response")
            return
        self.auth_user = user.decode("utf-8", "replace")
        self.send("235 2.7.0 Authentication successful")

    def read_data(self) -> bytes | None:
        lines: list[bytes] = []
        size = 0
        while True:
            raw = self.rfile.readline(MAX_LINE)
            if not raw:
                return None
            if raw in (b".\r\n", b".\n"):
                return b"".join(lines)
            if raw.startswith(b".."):
                raw = raw[1:]  # dot-stuffing
            size += len(raw)
            if size <= MAX_BODY:
                lines.append(raw)

    def deliver(self, data: bytes) -> None:
        message = email.message_from_bytes(data, policy=email.policy.default)
        part = message.get_body(preferencelist=("plain", "html")) if message.is_multipart() else message
        try:
            body = part.get_content() if part is not None else ""
        except (LookupError, ValueError):
            body = data.decode("utf-8", "replace")
        self.server.sink._record("emails", {
            "mail_from": self.mail_from, "rcpt_to": list(self.rcpt_to), "auth_user": self.auth_user,
            "subject": str(message.get("Subject", "")), "from": str(message.get("From", "")),
            "to": str(message.get("To", "")), "body": body,
        })


def _address(text: str) -> str:
    text = text.strip()
    if text.startswith("<"):
        text = text[1:].split(">", 1)[0]
    else:
        text = text.split(" ", 1)[0]
    return text
