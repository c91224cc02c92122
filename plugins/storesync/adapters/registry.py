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


def resolve(registry: dict[str, str], entity: str, what: str):
    """The function registered for ``entity`` (imported on first use); unknown entities list the valid ones."""
    try:
        module_name, name = registry[entity].split(":")
    except KeyError:
        raise KeyError(f"{what}: no handler for entity '{entity}'; valid: {', '.join(sorted(registry))}") from None
    return getattr(importlib.import_module(module_name), name)
