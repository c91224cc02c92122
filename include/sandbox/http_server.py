"""The serving machinery the sandbox emulators share: a server on a background thread, and a foreground loop.

- ``Served``: the base of anything with ``start()``/``stop()``; ``with`` starts it and stops it again.
- ``AppHTTPServer``: a ``ThreadingHTTPServer`` that carries the emulator object (``server.app``) to its
  request handlers.
- ``KeepAliveHandler``: the base of the emulators' request handlers: HTTP/1.1 keep-alive, every method
  answered by ``_handle(verb)``, request lines logged only when the emulator's ``log_requests`` is on, and
  ``drop_connection`` for an injected drop.
- ``ServingThread``: one ``socketserver`` server running ``serve_forever`` on a daemon thread until
  ``stop()``.
- ``HTTPEmulator``: the base of an emulator served by one ``AppHTTPServer``: ``start()``/``stop()``, a
  context manager, ``port`` and ``base_url``. A subclass names its request handler in ``_handler_class``.
- ``serve_until_signal``: what ``python -m include.sandbox.<emulator>`` does once its arguments are
  parsed: start, print one line, serve until SIGINT or SIGTERM, stop, exit status 0.
"""

from __future__ import annotations

import signal
import socket
import socketserver
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Generic, Self, TypeVar

App = TypeVar("App")


class Served:
    """Started with ``start()`` (which returns it), stopped with ``stop()``; a context manager doing both."""

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class AppHTTPServer(ThreadingHTTPServer, Generic[App]):
    daemon_threads = True  # a keep-alive connection left open must not hold the process at exit

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], app: App) -> None:
        self.app = app
        super().__init__(address, handler)


class KeepAliveHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive, as the real services answer; GET, POST, PUT and DELETE go to ``_handle``."""

    protocol_version = "HTTP/1.1"
    timeout = 60  # idle keep-alive connections give their thread back
    # Headers and body go out in two writes; with Nagle on, the body waits for the client's delayed ACK
    # (~40 ms per request on Linux), which no real web server imposes.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, verb: str) -> None:
        raise NotImplementedError

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        """The request line only (never headers or bodies: they carry passwords, cookies and tokens), to stderr,
        when the emulator's ``log_requests`` is on; ``mask_log`` hides what the line itself may carry."""
        if getattr(getattr(self.server, "app", None), "log_requests", False):
            message = self.mask_log(format % args)
            sys.stderr.write(f"{self.address_string()} [{self.log_date_time_string()}] {message}\n")

    def mask_log(self, message: str) -> str:
        return message

    def drop_connection(self) -> None:
        """Close the socket without a byte of answer (the client sees the connection end): an injected drop."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class ServingThread:
    """``server.serve_forever`` on a daemon thread, from construction until ``stop()``."""

    def __init__(self, server: socketserver.BaseServer, *, name: str) -> None:
        self.server = server
        # The poll interval bounds how long shutdown() waits for the serving loop to notice.
        self.thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, name=name,
                                       daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


class HTTPEmulator(Served):
    """An emulator served by one ``AppHTTPServer``: ``start()`` serves on a background thread, ``stop()`` ends it.

    The serving thread is named ``{thread_name}-{port}``.
    """

    thread_name: ClassVar[str]

    def __init__(self, *, host: str, port: int) -> None:
        self.host = host
        self._requested_port = port  # 0 picks a free port when the server binds; ``port`` is the bound one
        self._serving: ServingThread | None = None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        # A method, so that a subclass (the bench's counting X-Cart server) can serve another handler.
        raise NotImplementedError

    def start(self) -> Self:
        if self._serving is not None:
            raise RuntimeError("server already started")
        httpd = AppHTTPServer((self.host, self._requested_port), self._handler_class(), self)
        self._serving = ServingThread(httpd, name=f"{self.thread_name}-{httpd.server_address[1]}")
        return self

    def stop(self) -> None:
        if self._serving is None:
            return
        self._serving.stop()
        self._serving = None

    @property
    def port(self) -> int:
        if self._serving is None:
            raise RuntimeError("server not started")
        return self._serving.port

    @property
    def base_url(self) -> str:
        """``http://host:port``: the instance URL (what an Airflow HTTP connection's host and port describe)."""
        return f"http://{self.host}:{self.port}"


S = TypeVar("S", bound=Served)


def serve_until_signal(server: S, banner: Callable[[S], str]) -> int:
    """Start ``server``, print ``banner(server)``, serve until SIGINT or SIGTERM, stop it; returns exit status 0.

    The line is flushed at once: scripts and tests starting the emulator as a process read it to learn the
    address (a port of 0 picks a free one).
    """
    stop_requested = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Installed before the server starts, so that a signal arriving meanwhile still stops it cleanly.
        signal.signal(signum, lambda *_: stop_requested.set())
    server.start()
    print(banner(server), flush=True)
    try:
        # A timed wait keeps the main thread responsive to signals.
        while not stop_requested.wait(0.5):
            pass
    finally:
        server.stop()
    return 0
