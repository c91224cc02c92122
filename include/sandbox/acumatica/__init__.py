"""Acumatica contract-based REST API emulator: a seeded in-memory tenant served over HTTP on loopback.

    from include.sandbox.acumatica import AcumaticaServer
    with AcumaticaServer(items=60, customer_emails=[...]) as server:
        ...  # server.base_url, server.username/password, server.store

or from a shell: ``python -m include.sandbox.acumatica --port 8082``. The wire contract is docs/acumatica.md.
"""

from include.sandbox.acumatica.faults import Faults
from include.sandbox.acumatica.licence import Limits
from include.sandbox.acumatica.seed import SeedSpec, seed_store
from include.sandbox.acumatica.server import AcumaticaServer
from include.sandbox.acumatica.store import (
    ActionError,
    AcumaticaStore,
    BadRequest,
    RecordNotFound,
    StoreError,
    ValidationFailed,
)

__all__ = [
    "AcumaticaServer",
    "AcumaticaStore",
    "ActionError",
    "BadRequest",
    "Faults",
    "Limits",
    "RecordNotFound",
    "SeedSpec",
    "StoreError",
    "ValidationFailed",
    "seed_store",
]
