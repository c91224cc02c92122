"""Make the connection list's Test button work for connections without a port (Airflow 3.3.2 UI bug).

The UI posts ``port: Number(connection.port)`` to ``POST /api/v2/connections/test``, which is ``0`` for a
connection with no port (X-Cart, Acumatica and the sync store have none); the endpoint then takes 0 for "a
different destination than the stored one", refuses to reuse the stored (masked) secret and answers 400.
Fixed upstream in the endpoint (apache/airflow#73298: port 0 compared like a blank port); until the Airflow
in use has that fix, this root middleware turns ``"port": 0`` into ``null`` in that one request, which is what
the fix does. Port 0 addresses nothing, so no real test is changed by it.
"""

from __future__ import annotations

import json
from typing import Any

TEST_PATH = "/api/v2/connections/test"


class PortlessConnectionTestFix:
    """ASGI middleware: rewrites only ``POST /api/v2/connections/test`` bodies whose ``port`` is 0."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope.get("type") != "http" or scope.get("method") != "POST" or not scope.get("path", "").endswith(TEST_PATH):
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away: let the app see it as it is
                await self.app(scope, _replay([message], receive), send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = fix_body(b"".join(chunks))
        headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await self.app({**scope, "headers": headers},
                       _replay([{"type": "http.request", "body": body, "more_body": False}], receive), send)


def fix_body(body: bytes) -> bytes:
    """The request body with ``"port": 0`` as ``null``; any other body unchanged."""
    try:
        document: Any = json.loads(body)
    except ValueError:
        return body
    if isinstance(document, dict) and document.get("port") == 0 and not isinstance(document.get("port"), bool):
        document["port"] = None
        return json.dumps(document).encode()
    return body


def _replay(messages, then):
    """A ``receive`` that hands out ``messages`` first, then waits on the real one (for the disconnect)."""
    pending = list(messages)

    async def receive():
        if pending:
            return pending.pop(0)
        return await then()

    return receive
