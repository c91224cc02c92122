"""The Test button fix: ``"port": 0`` becomes ``null`` in ``POST /api/v2/connections/test`` bodies only."""

from __future__ import annotations

import json

from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from storesync.console.connection_test_fix import PortlessConnectionTestFix, fix_body


def _echo_app() -> FastAPI:
    app = FastAPI()

    async def echo(request: Request):
        return {"body": (await request.body()).decode()}

    app.add_api_route("/api/v2/connections/test", echo, methods=["POST"])
    app.add_api_route("/api/v2/connections", echo, methods=["POST"])
    app.add_middleware(PortlessConnectionTestFix)
    return app


def test_port_zero_becomes_null_on_the_test_endpoint_only():
    client = TestClient(_echo_app())
    body = {"connection_id": "c", "conn_type": "xcart", "host": "h", "password": "***", "port": 0}
    fixed = json.loads(client.post("/api/v2/connections/test", json=body).json()["body"])
    assert fixed == {**body, "port": None}
    untouched = json.loads(client.post("/api/v2/connections", json=body).json()["body"])
    assert untouched["port"] == 0


def test_real_ports_and_other_bodies_are_left_alone():
    assert json.loads(fix_body(b'{"port": 5432}'))["port"] == 5432
    assert fix_body(b'{"port": false}') == b'{"port": false}'
    assert fix_body(b"not json") == b"not json"
    assert fix_body(b"[0]") == b"[0]"
