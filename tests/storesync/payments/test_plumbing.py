"""The pieces around the payments flows: import procedures by entity, and one alert per declined payment."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest

from storesync.adapters.skips import AlertingSkip
from storesync.hooks.errors import PermanentRunError
from include.sandbox.sage500.import_procedures import SandboxImportProcedures
from storesync.systems.sage500.hook import MigrationOutputs, NativeImportProcedures


def test_the_sandbox_has_a_procedure_for_payments_and_credit_memos():
    module = importlib.import_module(SandboxImportProcedures.MODULE)
    for entity in ("customer_payment", "credit_memo"):
        assert callable(getattr(module, SandboxImportProcedures.FUNCTIONS[entity]))


def test_a_native_site_without_its_own_receivables_procedure_fails_clearly():
    with pytest.raises(PermanentRunError, match="no native Sage 500 import procedure for 'customer_payment'"):
        NativeImportProcedures().call(object(), "customer_payment", 1, company_id="SOA",
                                      state=MigrationOutputs(1, 0, 0, 0, 0))


@pytest.fixture
def scope(tmp_path, monkeypatch):
    from storesync.operators import skip_alerts
    from storesync.store import SyncStore

    store = SyncStore(f"sqlite:///{tmp_path / 'sync.db'}")
    store.create_all()
    sent = []
    monkeypatch.setattr(skip_alerts, "alert", lambda **kwargs: sent.append(kwargs))

    def make(run_id: str):
        return SimpleNamespace(store=store, pair=SimpleNamespace(name="p"), dag_id="payments__x__y", run_id=run_id,
                               spec=SimpleNamespace(entity="payment"))

    make.sent = sent
    return make


def test_declined_payments_are_alerted_in_one_message_and_only_once(scope):
    from storesync.operators.skip_alerts import SkipAlerts

    alerts = SkipAlerts(scope("run-1"))
    alerts.note("12", AlertingSkip("payment 12: declined", "declined_payment"))
    alerts.note("3", AlertingSkip("payment 3: voided", "declined_payment"))
    alerts.note("4", "payment 4: authorized, not captured")  # plain skip: no alert
    assert alerts.send(context=None) == {"declined_payment": 2}
    [message] = scope.sent
    assert message["kind"] == "declined_payment" and message["run_id"] == "run-1"
    assert message["lines"] == ["payment 3: voided", "payment 12: declined"]
    assert message["title"].startswith("2 payment(s) declined, failed or voided")

    again = SkipAlerts(scope("run-2"))  # an overlapping window sees them again, plus a new one
    again.note("12", AlertingSkip("payment 12: declined", "declined_payment"))
    again.note("13", AlertingSkip("payment 13: declined", "declined_payment"))
    assert again.send(context=None) == {"declined_payment": 1}
    assert scope.sent[-1]["lines"] == ["payment 13: declined"]

    quiet = SkipAlerts(scope("run-3"))
    quiet.note("12", AlertingSkip("payment 12: declined", "declined_payment"))
    assert quiet.send(context=None) == {} and len(scope.sent) == 2
