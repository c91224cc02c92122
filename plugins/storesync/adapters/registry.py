"""System name → adapter class, resolved lazily so DAG parsing never imports a connector."""

from __future__ import annotations

import importlib
from typing import Any

ADAPTERS = {
    "xcart": "storesync.adapters.xcart:XCartAdapter",
    "sage500": "storesync.adapters.sage500:Sage500Adapter",
}


def get_adapter(system: str, conn_id: str, **kwargs: Any):
    """Instantiate the adapter registered for ``system`` on connection ``conn_id``."""
    try:
        target = ADAPTERS[system]
    except KeyError:
        raise KeyError(f"no adapter for system '{system}'; available: {', '.join(sorted(ADAPTERS))}") from None
    module_name, class_name = target.split(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls(conn_id=conn_id, **kwargs)
