"""Dates outside a configurable plausible range go to the DLQ naming the field (issue 14, finding 8: orders dated
1900 and 9999 loaded without a check)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from types import SimpleNamespace

import pytest

from storesync.config.pairs import INCLUDE_DIR, load_pair
from storesync.flows import get_flow
from storesync.operators.quality import QualityGateOperator
from storesync.store.store import SyncStore
from tests.storesync.operators.test_quality_gate_slices import seeded_orders

WINDOW_END = dt.datetime(2025, 11, 20, tzinfo=dt.timezone.utc)


def date_c(moment: dt.datetime) -> str:
    """X-Cart's ``date('c')`` text of an instant, with a store's non-UTC offset."""
    return moment.astimezone(dt.timezone(dt.timedelta(hours=-5))).isoformat()


def gate(tmp_path, pair_file: str, flow: str, records: list[tuple[str, dict]], **options):
    pair = load_pair(INCLUDE_DIR / "pairs" / pair_file)
    store = SyncStore(f"sqlite:///{tmp_path / 'sync.db'}")
    store.create_all()
    store.put_staged(pair.name, flow, "run1", "raw", records)
    config = pair.flows[flow]
    scope = SimpleNamespace(pair=pair, flow=replace(config, options={**config.options, **options}),
                            spec=get_flow(flow), dag_id=f"{flow}__x", run_id="run1", store=store, until=WINDOW_END)
    result = QualityGateOperator(task_id="validate_raw", stage="raw", pair_name=pair.name, flow_name=flow).run(scope, {})
    return result, {item["record_key"]: item for item in store.list_dlq(pair=pair.name, flow=flow)}


@pytest.mark.parametrize("pair_file", ["xcart-sage500.yaml", "xcart-acumatica.yaml"])
def test_orders_dated_1900_or_9999_or_next_month_go_to_the_dlq_naming_orderDate(tmp_path, pair_file):
    orders = seeded_orders(20)  # four bad: under the 25 % the flow tolerates
    dates = {1: dt.datetime(1900, 1, 1), 2: dt.datetime(9999, 12, 31), 3: WINDOW_END + dt.timedelta(days=30),
             4: dt.datetime(1999, 12, 31, 23, 59)}
    for index, when in dates.items():
        orders[index]["orderDate"] = date_c(when.replace(tzinfo=dt.timezone.utc))
    orders[5]["orderDate"] = date_c(WINDOW_END + dt.timedelta(hours=20))  # clock drift: plausible
    bad = {str(orders[i]["orderId"]) for i in dates}

    result, dlq = gate(tmp_path, pair_file, "orders", [(str(o["orderId"]), o) for o in orders])

    assert set(dlq) == bad and result["failed"] == len(bad)
    for item in dlq.values():
        assert item["reason"].count("field orderDate:") == 1, item["reason"]
        assert "min_value=2000-01-01" in item["reason"] and "max_value=2025-11-22" in item["reason"]


def test_the_range_is_configurable_per_flow(tmp_path):
    orders = seeded_orders(6)
    orders[1]["orderDate"] = date_c(dt.datetime(1990, 6, 1, tzinfo=dt.timezone.utc))
    orders[2]["orderDate"] = date_c(WINDOW_END + dt.timedelta(days=5))
    result, dlq = gate(tmp_path, "xcart-sage500.yaml", "orders", [(str(o["orderId"]), o) for o in orders],
                       earliest_date="1980-01-01", latest_days_ahead=7)
    assert dlq == {} and result["failed"] == 0
    with pytest.raises(Exception, match="earliest_date"):
        gate(tmp_path / "x", "xcart-sage500.yaml", "orders", [(str(o["orderId"]), o) for o in orders],
             earliest_date="last tuesday")


def test_payment_transactions_with_implausible_dates_go_to_the_dlq_naming_date(tmp_path):
    from include.sandbox.xcart.seed import seed_store
    from include.sandbox.xcart.store import XCartStore

    store = XCartStore()
    seed_store(store, seed=7, orders=12, products=20, profiles=10, days=1, end_ts=int(WINDOW_END.timestamp()))
    transactions = store.list_payment_transactions(offset=0, limit=None)[0][:8]
    transactions[0]["date"] = int(dt.datetime(9999, 1, 1, tzinfo=dt.timezone.utc).timestamp())
    result, dlq = gate(tmp_path, "xcart-sage500.yaml", "payments",
                       [(str(t["transactionId"]), t) for t in transactions])
    assert set(dlq) == {str(transactions[0]["transactionId"])}
    assert "field date (transaction time):" in next(iter(dlq.values()))["reason"]
