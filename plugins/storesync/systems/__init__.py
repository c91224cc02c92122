"""The installed systems: the ONE list of them, and lazy lookups of their declarations.

Each name is a folder here whose ``__init__`` declares ``SYSTEM = SystemSpec(...)`` (data only). Importing
this module, or a declaration, imports no hook, client or adapter: DAG parsing and Airflow's provider loading
read declarations. Generic code finds a system only through these functions, never by its name.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from storesync.systems.spec import SystemSpec

#: Installed systems, in the order they are listed (provider info, messages). Adding a system: its folder + here.
INSTALLED = ("xcart", "sage500", "acumatica", "intacct")


class UnknownSystem(KeyError):
    """A system name that is not installed; the message lists the installed ones."""

    def __str__(self) -> str:
        return str(self.args[0])


def system(name: str) -> "SystemSpec":
    """The declaration of installed system ``name``; an unknown name fails listing the valid ones."""
    if name not in INSTALLED:
        raise UnknownSystem(f"unknown system '{name}'; valid: {', '.join(sorted(INSTALLED))}")
    return importlib.import_module(f"{__name__}.{name}").SYSTEM


def systems(role: str | None = None) -> list["SystemSpec"]:
    """Every installed system's declaration (only those standing on ``role``'s side, when given)."""
    found = [system(name) for name in INSTALLED]
    return [spec for spec in found if role is None or spec.role == role]


def names(role: str | None = None) -> list[str]:
    return [spec.name for spec in systems(role)]


def resolve(reference: str) -> Any:
    """The object a ``"module:name"`` reference names, imported now."""
    module_name, _, attribute = reference.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


def mapping_file(name: str) -> Path:
    """The mapping spec a pair names ``<system>/<file>.yaml``: in that system's ``mappings/`` folder."""
    system_name, separator, file_name = name.partition("/")
    if not separator:
        raise ValueError(f"mapping spec '{name}' is not '<system>/<file>'")
    return system(system_name).mappings_dir / file_name


def suite_file(name: str) -> Path:
    """The expectation suite a pair names ``<suite>__<system>.json``: in that system's ``expectations/`` folder."""
    stem, separator, system_name = name.rpartition(".")[0].rpartition("__")
    if not separator or not stem:
        raise ValueError(f"expectation suite '{name}' is not '<suite>__<system>.json'")
    return system(system_name).expectations_dir / name
