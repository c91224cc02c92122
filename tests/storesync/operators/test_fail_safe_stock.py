"""Negative ERP stock (issue 12, item 6): the raw gate quarantines the SKU and publishes 0 for it, alerting once.

Before: the SKU only went to the DLQ, so the storefront kept its older, higher stock (an oversell).
"""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest

from storesync.adapters.stock_levels import sell_nothing
from storesync.config.pairs import INCLUDE_DIR, load_pair
from storesync.flows import get_flow
from storesync.operators import skip_alerts
from storesync.operators.quality import QualityGateOperator
from storesync.store.store import SyncStore


def stock(item_id, *on_hand) -> dict:
    """A raw Sage 500 inventory record as sage500_catalogue.read_inventory yields it."""
    bins = [{"WhseID": f"W{n}", "QtyOnHand": Decimal(q), "PendQtyDecrease": Decimal(0)} for n, q in enumerate(on_hand)]
    available = sum((b["QtyOnHand"] for b in bins), Decimal(0))
    return {"ItemID": item_id, "Status": 1, "warehouses": bins, "QtyAvailable": available, "SafetyStock": Decimal(0),
            "AvailableToSell": max(Decimal(0), available)}


@pytest.fixture
def scope(tmp_path):
    pair = load_pair(INCLUDE_DIR / "pairs" / "xcart-sage500.yaml")
    store = SyncStore(f"sqlite:///{tmp_path / 'sync.db'}")
    store.create_all()
    return SimpleNamespace(pair=pair, flow=pair.flows["inventory"], spec=get_flow("inventory"), dag_id="inventory__x",
                           run_id="run1", store=store)


@pytest.fixture
def alerts(monkeypatch) -> list[dict]:
    sent: list[dict] = []
    monkeypatch.setattr(skip_alerts, "alert", lambda **kwargs: sent.append(kwargs))
    return sent


def gate(scope, records: dict[str, dict], run_id: str = "run1") -> dict:
    scope.run_id = run_id
    scope.store.put_staged(scope.pair.name, "inventory", run_id, "raw", sorted(records.items()))
    operator = QualityGateOperator(task_id="validate_raw", stage="raw", pair_name=scope.pair.name,
                                   flow_name="inventory")
    return operator.run(scope, {})


def test_negative_on_hand_is_quarantined_with_its_reason_and_published_as_zero(scope, alerts):
    records = {"SKU-1": stock("SKU-1", "5", "7"), "SKU-2": stock("SKU-2", "10", "-3")}
    assert records["SKU-2"]["AvailableToSell"] == 7  # what the ERP arithmetic alone would have sold
    gate(scope, records)
    store, pair = scope.store, scope.pair.name

    [item] = store.list_dlq(pair=pair, flow="inventory")
    assert item["record_key"] == "SKU-2" and item["state"] == "open"
    assert "QtyOnHand (negative stock)" in item["reason"] and Decimal(str(item["payload"]["AvailableToSell"])) == 7
    # no outcome yet: the record carries on to the transform and load steps, with nothing to sell
    assert store.get_outcomes(pair, "inventory", "run1", ["SKU-2"]) == {}
    staged = dict(store.iter_staged(pair, "inventory", "run1", "raw"))
    assert Decimal(str(staged["SKU-2"]["AvailableToSell"])) == 0
    assert Decimal(str(staged["SKU-1"]["AvailableToSell"])) == 12


def test_the_alert_is_sent_once_not_on_every_run(scope, alerts):
    gate(scope, {"SKU-2": stock("SKU-2", "-3")}, run_id="run1")
    gate(scope, {"SKU-2": stock("SKU-2", "-3")}, run_id="run2")
    assert [a["kind"] for a in alerts] == ["negative_stock"]
    assert "SKU-2" in alerts[0]["lines"][0] and "0 until the ERP is fixed" in alerts[0]["title"]
    # and the DLQ keeps one open item for it, not one per run
    assert [i["state"] for i in scope.store.list_dlq(pair=scope.pair.name, flow="inventory")] == ["open"]


def test_a_record_without_its_item_is_only_quarantined(scope, alerts):
    good = {f"SKU-{n}": stock(f"SKU-{n}", "1") for n in range(4)}  # 1 bad in 5: under the flow's 25 %
    gate(scope, {"?": stock(None, "-3"), **good})
    assert scope.store.get_outcomes(scope.pair.name, "inventory", "run1", ["?"]) == {"?": "dlq"}
    assert alerts == []


def test_the_fail_safe_applies_to_stock_quantity_failures_only():
    record = stock("SKU-3", "-1")
    on_hand = "expect_column_values_to_be_between(column=min_QtyOnHand, min_value=0)"
    assert sell_nothing(record, [on_hand])["AvailableToSell"] == 0
    assert sell_nothing(record, [on_hand, "expect_column_values_to_not_be_null(column=ItemID)"]) is None
    assert sell_nothing(record, []) is None and sell_nothing(None, [on_hand]) is None


def test_load_keeps_the_dlq_item_of_a_substituted_record_open(scope, alerts, monkeypatch):
    """The substitute loads (0 published), but the item stays open until a run loads the real stock."""
    from storesync.operators import load as load_module

    gate(scope, {"SKU-2": stock("SKU-2", "-3")})
    store, pair = scope.store, scope.pair.name
    store.put_staged(pair, "inventory", "run1", "target", [("SKU-2", {"sku": "SKU-2", "amount": 0})])
    loaded: list = []

    class Target:
        def load(self, entity, records, *, pair, run_id):
            loaded.extend(records)
            return [load_module_outcome(key) for key, _ in records]

    def load_module_outcome(key):
        from storesync.adapters.base import LoadOutcome
        return LoadOutcome(key, "loaded", "stock set to 0", target_id="7")

    scope.target = Target()
    operator = load_module.LoadOperator(task_id="load", pair_name=pair, flow_name="inventory")
    operator.run(scope, {})
    assert loaded == [("SKU-2", {"sku": "SKU-2", "amount": 0})]
    assert [i["state"] for i in store.list_dlq(pair=pair, flow="inventory")] == ["open"]

    # a later run with the stock fixed loads the real figure and resolves the item
    scope.run_id = "run3"
    store.put_staged(pair, "inventory", "run3", "target", [("SKU-2", {"sku": "SKU-2", "amount": 4})])
    operator.run(scope, {})
    assert [i["state"] for i in store.list_dlq(pair=pair, flow="inventory")] == ["resolved"]
