"""The serving machinery the emulators share: HTTPEmulator's lifecycle, its handler, serve_until_signal."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler
from types import SimpleNamespace

import pytest

from include.sandbox import http_server
from include.sandbox.http_server import (
    AppHTTPServer,
    HTTPEmulator,
    KeepAliveHandler,
    Served,
    ServingThread,
    serve_until_signal,
)


class _GreetingHandler(KeepAliveHandler):
    server: AppHTTPServer[Greeter]

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - keep test output quiet
        pass

    def _handle(self, verb: str) -> None:
        body = f"{verb} {self.server.app.greeting}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _ShoutingHandler(_GreetingHandler):
    def _handle(self, verb: str) -> None:
        self.server.app.greeting = self.server.app.greeting.upper()
        super()._handle(verb)


class Greeter(HTTPEmulator):
    thread_name = "greeter-sandbox"

    def __init__(self, greeting: str = "hello", *, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(host=host, port=port)
        self.greeting = greeting
        self.handler: type[BaseHTTPRequestHandler] = _GreetingHandler

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        return self.handler


def fetch(url: str, method: str = "GET") -> str:
    with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=5) as response:
        return response.read().decode()


def refuses_connections(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return True
    return False


def test_the_handlers_reach_the_emulator_through_server_app():
    with Greeter("hi there") as greeter:
        assert fetch(greeter.base_url + "/") == "GET hi there"


def test_every_method_the_emulators_answer_goes_to_handle():
    with Greeter() as greeter:
        for method in ("GET", "POST", "PUT", "DELETE"):
            assert fetch(greeter.base_url, method) == f"{method} hello"


class _LoggingHandler(KeepAliveHandler):
    """The base's own request logging, with a secret in the query masked."""

    server: AppHTTPServer[Greeter]

    def mask_log(self, message: str) -> str:
        return message.replace("s3cret", "***")

    def _handle(self, verb: str) -> None:
        if self.path.startswith("/drop"):
            self.drop_connection()
            return
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()


def test_request_lines_are_logged_only_when_the_emulator_asks_and_masked_as_it_says(capfd):
    greeter = Greeter()
    greeter.handler = _LoggingHandler  # looked up when the server starts
    with greeter:
        fetch(f"{greeter.base_url}/quiet?key=s3cret")
        greeter.log_requests = True
        fetch(f"{greeter.base_url}/loud?key=s3cret")
    logged = capfd.readouterr().err
    assert "/loud?key=***" in logged
    assert "/quiet" not in logged and "s3cret" not in logged


def test_a_dropped_request_gets_its_connection_closed_without_an_answer():
    greeter = Greeter()
    greeter.handler = _LoggingHandler
    with greeter:
        client = http.client.HTTPConnection("127.0.0.1", greeter.port, timeout=5)
        try:
            client.request("GET", "/drop")
            with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
                client.getresponse()
        finally:
            client.close()


def test_port_and_base_url_name_the_bound_port_and_exist_only_while_serving():
    greeter = Greeter()
    with pytest.raises(RuntimeError, match="server not started"):
        greeter.port
    with greeter:
        assert greeter.port > 0  # port 0 asked for a free one
        assert greeter.base_url == f"http://127.0.0.1:{greeter.port}"
        port = greeter.port
    with pytest.raises(RuntimeError, match="server not started"):
        greeter.base_url
    assert refuses_connections(port)


def test_start_returns_the_emulator_and_refuses_a_second_start():
    greeter = Greeter()
    assert greeter.start() is greeter
    try:
        with pytest.raises(RuntimeError, match="server already started"):
            greeter.start()
    finally:
        greeter.stop()


def test_stop_ends_the_named_daemon_thread_and_may_be_repeated():
    greeter = Greeter().start()
    name = f"greeter-sandbox-{greeter.port}"
    [thread] = [t for t in threading.enumerate() if t.name == name]
    assert thread.daemon  # a server left running must not keep the process alive
    greeter.stop()
    assert not thread.is_alive()
    greeter.stop()  # a no-op, as in fixtures that stop in a finally


def test_stop_does_not_wait_for_an_idle_keep_alive_connection():
    greeter = Greeter().start()
    client = http.client.HTTPConnection("127.0.0.1", greeter.port, timeout=5)
    try:
        client.request("GET", "/")
        assert client.getresponse().read() == b"GET hello"
        assert client.sock is not None  # http.client closes it after an answer without keep-alive
        stopping = threading.Thread(target=greeter.stop, daemon=True)
        stopping.start()
        stopping.join(timeout=3)
        assert not stopping.is_alive()
    finally:
        client.close()


def test_a_stopped_emulator_starts_again_on_the_port_asked_for():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    greeter = Greeter(port=free_port)
    for _ in range(2):
        with greeter:
            assert greeter.port == free_port
            assert fetch(greeter.base_url) == "GET hello"


def test_the_handler_class_is_looked_up_when_the_server_starts():
    # A subclass may serve another handler (scripts/bench/xcart_process.py counts the requests it serves).
    greeter = Greeter()
    greeter.handler = _ShoutingHandler
    with greeter:
        assert fetch(greeter.base_url) == "GET HELLO"


def test_serving_thread_serves_until_stopped():
    server = AppHTTPServer(("127.0.0.1", 0), _GreetingHandler, Greeter("plain"))
    serving = ServingThread(server, name="plain-serving")
    assert serving.port == server.server_address[1]
    assert fetch(f"http://127.0.0.1:{serving.port}/") == "GET plain"
    serving.stop()
    assert not serving.thread.is_alive()
    assert refuses_connections(serving.port)


# -- serve_until_signal -----------------------------------------------------------------------------

class _Unexpected(Exception):
    pass


@pytest.fixture
def signal_guard():
    """Signals that serve_until_signal fails to catch raise _Unexpected here; pytest's handlers come back after."""
    def unexpected(signum, _frame):
        raise _Unexpected(signal.Signals(signum).name)

    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    for signum in saved:
        signal.signal(signum, unexpected)
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


class _Recorder(Served):
    """Records start/stop; its banner sends ``signum`` to this process shortly after it is printed."""

    def __init__(self, signum: signal.Signals) -> None:
        self.signum = signum
        self.calls: list[str] = []

    def start(self) -> _Recorder:
        self.calls.append("start")
        return self

    def stop(self) -> None:
        self.calls.append("stop")


def banner(recorder: _Recorder) -> str:
    recorder.calls.append("banner")
    threading.Timer(0.05, os.kill, (os.getpid(), recorder.signum)).start()
    return f"recorder serving until {recorder.signum.name}"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_serve_until_signal_prints_the_banner_then_stops_on_the_signal_with_status_0(signum, signal_guard,
                                                                                     capsys):
    recorder = _Recorder(signum)
    assert serve_until_signal(recorder, banner) == 0
    assert recorder.calls == ["start", "banner", "stop"]
    assert capsys.readouterr().out == f"recorder serving until {signum.name}\n"


def test_serve_until_signal_stops_the_server_when_the_wait_is_interrupted(signal_guard, monkeypatch):
    recorder = _Recorder(signal.SIGTERM)

    class InterruptedEvent(threading.Event):
        def wait(self, timeout=None):
            raise KeyboardInterrupt

    monkeypatch.setattr(http_server, "threading", SimpleNamespace(Event=InterruptedEvent))
    with pytest.raises(KeyboardInterrupt):
        serve_until_signal(recorder, lambda _: "serving")
    assert recorder.calls == ["start", "stop"]
