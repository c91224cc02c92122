"""X-Cart 5 REST API module emulator: a seeded in-memory shop served over HTTP on loopback.

Entities: ``order``, ``profile`` (customers), ``product``, ``payment-transaction``.

    from include.sandbox.xcart import XCartServer
    with XCartServer(orders=50, end_ts=1_731_000_000) as server:
        ...  # server.api_url, server.rw_key, server.ro_key, server.store

or from a shell: ``python -m include.sandbox.xcart --port 8081 --rw-key … --ro-key …``.
"""

from include.sandbox.xcart.seed import SeedSpec, seed_store
from include.sandbox.xcart.faults import Faults
from include.sandbox.xcart.server import XCartServer, encode_json
from include.sandbox.xcart.store import InvalidRecord, RecordNotFound, StoreError, XCartStore

__all__ = [
    "Faults",
    "InvalidRecord",
    "RecordNotFound",
    "SeedSpec",
    "StoreError",
    "XCartServer",
    "XCartStore",
    "encode_json",
    "seed_store",
]
