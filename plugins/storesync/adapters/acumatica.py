"""Acumatica adapter: entity → module tables over the contract-based REST API (docs/acumatica.md).

The registered functions receive an ``AcumaticaClient`` (one API session per task): it logs in on the first
request and ``close()`` logs out, which the operators call when the task ends, failed or not.
"""

from __future__ import annotations

from typing import Any

from storesync.adapters.registry import RegistryAdapter

EXTRACTS: dict[str, str] = {
}
PREPARES: dict[str, str] = {
}
LOADS: dict[str, str] = {
}
EXTRACT_KEYS: dict[str, str] = {
}
OUT_OF_SCOPE: dict[str, str] = {
}


class AcumaticaAdapter(RegistryAdapter):
    system = "Acumatica"
    EXTRACTS, PREPARES, LOADS, EXTRACT_KEYS, OUT_OF_SCOPE = EXTRACTS, PREPARES, LOADS, EXTRACT_KEYS, OUT_OF_SCOPE

    @classmethod
    def make_hook(cls, conn_id: str) -> Any:
        from storesync.hooks.acumatica import AcumaticaHook

        return AcumaticaHook(conn_id).get_client()
