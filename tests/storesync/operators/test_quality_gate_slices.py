"""A quality gate over a run larger than one slice checks every record once and quarantines exactly the bad ones."""

from __future__ import annotations

from types import SimpleNamespace

from storesync.config.pairs import INCLUDE_DIR, load_pair
from storesync.flows import get_flow
from storesync.operators.quality import QualityGateOperator
from storesync.store.store import SyncStore


def seeded_orders(count: int) -> list[dict]:
    """Seeded orders as X-Cart serves them (the complex schema), the way the extract stages them."""
    from include.sandbox.xcart.rest import complex_order
    from include.sandbox.xcart.seed import seed_store
    from include.sandbox.xcart.store import XCartStore

    store = XCartStore()
    seed_store(store, seed=7, orders=count, products=20, profiles=10, days=1, end_ts=1_763_596_800)
    return [complex_order(order, product_of=store.find_product_by_sku)
            for order in store.list_orders(offset=0, limit=None)[0]]


def test_a_gate_in_slices_quarantines_exactly_the_bad_records_and_counts_each_record_once(tmp_path):
    pair = load_pair(INCLUDE_DIR / "pairs" / "xcart-sage500.yaml")
    store = SyncStore(f"sqlite:///{tmp_path / 'sync.db'}")
    store.create_all()
    orders = seeded_orders(10)  # two bad of the nine checked: under the 25 % the flow tolerates
    orders[1]["currency"] = None
    orders[5]["currency"] = "XXX"
    bad = {str(orders[1]["orderId"]), str(orders[5]["orderId"])}
    store.put_staged(pair.name, "orders", "run1", "raw", [(str(o["orderId"]), o) for o in orders])
    store.record_outcomes(pair.name, "orders", "run1", [(str(orders[9]["orderId"]), "skipped", "decided earlier")])
    scope = SimpleNamespace(pair=pair, flow=pair.flows["orders"], spec=get_flow("orders"), dag_id="orders__x",
                            run_id="run1", store=store)
    gate = QualityGateOperator(task_id="validate_raw", stage="raw", pair_name=pair.name, flow_name="orders")
    gate.chunk_size = 2  # five slices of at most two records

    result = gate.run(scope, {})

    assert result == {"checked": 9, "failed": 2}
    quarantined = {item["record_key"]: item for item in store.list_dlq(pair=pair.name, flow="orders")}
    assert set(quarantined) == bad
    assert all("currency" in item["reason"] for item in quarantined.values())
    assert {k for k, o in store.get_outcomes(pair.name, "orders", "run1", bad).items() if o == "dlq"} == bad
