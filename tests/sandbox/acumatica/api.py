"""A raw HTTP client for the Acumatica emulator's tests: wrapped JSON in, status and wrapped JSON out."""

from __future__ import annotations

import json
import threading
from decimal import Decimal
from typing import Any

import requests

from include.sandbox.xcart.server import encode_json

VERSION = "24.200.001"


class FakeClock:
    """Monotonic seconds the test moves by hand (the licence's window, session idle time, token expiry)."""

    def __init__(self, start: float = 10_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class GatedSleep:
    """Stands in for the server's sleep: records the waits; while ``gate`` (an Event) is set up, a waiting request
    is held until the gate opens or ``gate_timeout`` seconds pass (so a failing test cannot hang)."""

    def __init__(self, gate_timeout: float) -> None:
        self.waits: list[float] = []
        self.gate: threading.Event | None = None
        self.gate_timeout = gate_timeout

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if self.gate is not None:
            self.gate.wait(self.gate_timeout)


class Reply:
    def __init__(self, response: requests.Response) -> None:
        self.status = response.status_code
        self.headers = response.headers
        self.text = response.text
        self.body = json.loads(response.text, parse_float=Decimal) if response.text.strip() else None


def wrapped(**fields: Any) -> dict:
    """A wrapped record from keyword fields; nested dicts and lists are wrapped too."""
    def wrap(value: Any) -> Any:
        if isinstance(value, dict):
            return {name: wrap(item) if isinstance(item, (dict, list)) else {"value": item}
                    for name, item in value.items()}
        if isinstance(value, list):
            return [wrap(line) for line in value]
        return {"value": value}
    return wrap(fields)


def value(record: dict, name: str) -> Any:
    """A field's value from a wrapped record (None for the wrapped null ``{}``)."""
    return record[name].get("value")


class Api:
    """One client (its own cookie jar) against one emulator."""

    def __init__(self, server, *, login: bool = True) -> None:
        self.server = server
        self.http = requests.Session()
        if login:
            reply = self.login()
            assert reply.status == 204, reply.text

    def url(self, path: str) -> str:
        return f"{self.server.base_url}{path}"

    def login(self, name: str | None = None, password: str | None = None, **extra: Any) -> Reply:
        body = {"name": name or self.server.username, "password": password or self.server.password,
                "tenant": self.server.tenant, **extra}
        return Reply(self.http.post(self.url("/entity/auth/login"), data=json.dumps(body),
                                    headers={"Content-Type": "application/json"}))

    def logout(self) -> Reply:
        return Reply(self.http.post(self.url("/entity/auth/logout")))

    def get(self, entity: str, *keys: str, **options: Any) -> Reply:
        path = "/".join([entity, *keys])
        params = {f"${name}": option for name, option in options.items()}
        return Reply(self.http.get(self.url(f"/entity/Default/{VERSION}/{path}"), params=params))

    def put(self, entity: str, body: Any, *, headers: dict[str, str] | None = None, **options: Any) -> Reply:
        params = {f"${name}": option for name, option in options.items()}
        data = body if isinstance(body, (str, bytes)) else encode_json(body)
        return Reply(self.http.put(self.url(f"/entity/Default/{VERSION}/{entity}"), params=params, data=data,
                                   headers={"Content-Type": "application/json", **(headers or {})}))

    def delete(self, entity: str, *keys: str) -> Reply:
        return Reply(self.http.delete(self.url(f"/entity/Default/{VERSION}/{'/'.join([entity, *keys])}")))

    def sandbox(self, method: str, path: str, body: Any = None) -> Reply:
        data = None if body is None else encode_json(body)
        return Reply(self.http.request(method, self.url(f"/_sandbox/{path}"), data=data))


def same_session(api: Api) -> Api:
    """A second client that sends ``api``'s session cookies without logging in: another request on one session."""
    other = Api(api.server, login=False)
    other.http.cookies.update(api.http.cookies)
    return other
