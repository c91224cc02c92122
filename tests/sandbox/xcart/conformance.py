"""Helpers of the X-Cart conformance tests: plain HTTP against the emulator, as a probe would send it.

Source of every behaviour: X-Cart 5's own code, read in ``glennmanning1/mostad-xcart`` (paths below are
relative to its ``classes/XLite/``), and ``sql/xlite_data.yaml`` of the same tree.
"""

from __future__ import annotations

import json
from decimal import Decimal

import requests

from include.sandbox.xcart.server import XCartServer

END_TS = 1_731_000_000
DAY = 86_400


def start(**seed) -> XCartServer:
    settings = {"seed": 5, "orders": 40, "products": 12, "profiles": 10, "end_ts": END_TS, **seed}
    return XCartServer(rw_key="rw-key", ro_key="ro-key", **settings).start()


def call(server: XCartServer, method: str, path: str | None, *, key: str | None = "rw-key", form=None,
         json_body=None, **params) -> requests.Response:
    query = {"target": "RESTAPI", **({"_key": key} if key is not None else {}),
             **({"_path": path} if path is not None else {}), **params}
    kwargs = {}
    if form is not None:
        kwargs["data"] = form
    if json_body is not None:
        kwargs["data"] = json.dumps(json_body)
        kwargs["headers"] = {"Content-Type": "application/json"}
    return requests.request(method, server.api_url, params=query, timeout=10, **kwargs)


def body(response: requests.Response):
    return json.loads(response.text, parse_float=Decimal) if response.text.strip() else None


def limit(offset: int, count: int) -> dict[str, int]:
    return {"_cnd[limit][0]": offset, "_cnd[limit][1]": count}


def model(value) -> dict[str, str]:
    """The ``model`` parameter as JSON text, the way ``ASchema::getInput`` decodes it."""
    return {"model": json.dumps(value)}
