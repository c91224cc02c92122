"""The Sage 500 hook runs the import procedures registered under the connection's name; production registers
only Sage 500's own (native), an emulation is registered by whoever provides it."""

from __future__ import annotations

import pytest

from storesync.systems.sage500 import import_procedures


def test_production_registers_only_the_native_procedures(monkeypatch):
    monkeypatch.delenv(import_procedures.ENVIRONMENT, raising=False)
    monkeypatch.setattr(import_procedures, "_REGISTERED", dict(import_procedures._REGISTERED))
    import_procedures._REGISTERED.pop("sandbox", None)
    assert set(import_procedures.registered()) == {"native"}
    with pytest.raises(KeyError):
        import_procedures.procedures_class("sandbox")


def test_the_environment_registers_procedures_by_name(monkeypatch):
    monkeypatch.setenv(import_procedures.ENVIRONMENT,
                       "site=storesync.systems.sage500.hook:NativeImportProcedures; other=json:JSONDecoder")
    assert import_procedures.procedures_class("site").__name__ == "NativeImportProcedures"
    assert import_procedures.procedures_class("other").__name__ == "JSONDecoder"


def test_a_malformed_environment_entry_is_refused_naming_it(monkeypatch):
    monkeypatch.setenv(import_procedures.ENVIRONMENT, "sandbox")
    with pytest.raises(ValueError, match="'sandbox' is not 'name=module:Class'"):
        import_procedures.registered()


def test_importing_the_sandbox_registers_its_emulation(monkeypatch):
    monkeypatch.delenv(import_procedures.ENVIRONMENT, raising=False)
    import include.sandbox.sage500  # noqa: F401 - registration happens on import (already done is fine)

    assert import_procedures.procedures_class("sandbox").__name__ == "SandboxImportProcedures"
