"""Which import procedures the Sage 500 hook runs: the seam between production and an emulation of them.

Production runs Sage 500's own Data Import procedures (``native``: ``hook.NativeImportProcedures``). Anything
else is registered by whoever provides it, by name and ``"module:Class"`` reference, so production code never
imports it: the sandbox registers its Python emulation as ``sandbox`` when its package is imported, and a
process that never imports the sandbox (an Airflow worker against the sandbox database) gets the same
registration from the environment, ``STORESYNC_SAGE500_IMPORT_PROCEDURES="name=module:Class;…"``. A SQL Server
site with its own procedures for payments and credit memos registers them the same way.

Stdlib only: the connection form and the provider info may read the names.
"""

from __future__ import annotations

import importlib
import os

ENVIRONMENT = "STORESYNC_SAGE500_IMPORT_PROCEDURES"

_REGISTERED: dict[str, str] = {"native": "storesync.systems.sage500.hook:NativeImportProcedures"}


def register(name: str, reference: str) -> None:
    """Make ``import_procedure: <name>`` on a connection run the class ``reference`` (``"module:Class"``)."""
    if ":" not in reference:
        raise ValueError(f"import procedures '{name}': reference '{reference}' is not 'module:Class'")
    _REGISTERED[name] = reference


def registered() -> dict[str, str]:
    """Name -> ``"module:Class"``: the registered ones, then those the environment names."""
    found = dict(_REGISTERED)
    for entry in filter(None, (part.strip() for part in os.environ.get(ENVIRONMENT, "").split(";"))):
        name, separator, reference = entry.partition("=")
        if not separator or ":" not in reference:
            raise ValueError(f"{ENVIRONMENT}: '{entry}' is not 'name=module:Class'")
        found[name.strip()] = reference.strip()
    return found


def procedures_class(name: str):
    """The class registered as ``name``; an unknown name raises KeyError (the caller lists ``registered()``)."""
    module_name, _, class_name = registered()[name].partition(":")
    return getattr(importlib.import_module(module_name), class_name)
