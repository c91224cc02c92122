"""End to end: the inventory flow skips, at extraction, the SKUs whose stock is what it last pushed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.integration.conftest import END

pytestmark = pytest.mark.integration
PAIR = "xcart-sage500"


def set_on_hand(sandbox, item_id: str, warehouse: str, quantity: int) -> None:
    connection = sandbox.erp()
    try:
        connection.cursor().execute(
            "UPDATE timWhseBinInvt SET QtyOnHand = ? WHERE ItemKey = (SELECT ItemKey FROM timItem WHERE ItemID = ?) "
            "AND WhseKey = (SELECT WhseKey FROM timWarehouse WHERE WhseID = ?)", quantity, item_id, warehouse)
        connection.commit()
    finally:
        connection.close()


def stock_on_storefront(sandbox) -> dict[str, int]:
    return {p["sku"]: p["amount"] for p in sandbox.xcart.store.list_products(offset=0, limit=None)[0]}


def open_dlq_keys(sandbox) -> set[str]:
    return {item["record_key"] for item in sandbox.store().list_dlq(pair=PAIR, flow="inventory", state="open")}


def last_outcomes(sandbox) -> dict[str, dict]:
    store = sandbox.store()
    run = sorted(store.list_runs(flow="inventory"), key=lambda r: r["started_at"])[-1]
    return {o["record_key"]: o for o in store.list_outcomes(PAIR, "inventory", run["run_id"])}


def test_only_changed_or_failed_skus_pass_the_gates_and_a_resync_skips_nothing(sandbox_factory, flow_dag):
    sandbox = sandbox_factory(orders=2)
    dag = flow_dag("inventory")
    # Negative stock: the raw gate quarantines the SKU (its DLQ item stays open) and publishes the fail-safe 0.
    set_on_hand(sandbox, "SKU-00007", "EAST", -3)
    assert str(dag.test(logical_date=END).state) == "success"
    first = last_outcomes(sandbox)
    assert first["SKU-00007"]["outcome"] == "loaded"
    assert stock_on_storefront(sandbox)["SKU-00007"] == 0
    assert open_dlq_keys(sandbox) == {"SKU-00007"}

    set_on_hand(sandbox, "SKU-00005", "MAIN", 321)
    assert str(dag.test(logical_date=END).state) == "success"
    second = last_outcomes(sandbox)
    assert set(second) == set(first), "every SKU is still extracted and accounted for"
    decided_at_extraction = {k for k, o in second.items() if o["detail"] == "unchanged at the source since its last push"}
    assert decided_at_extraction == set(first) - {"SKU-00005", "SKU-00007"}
    assert second["SKU-00005"]["outcome"] == "loaded"
    assert second["SKU-00007"]["detail"] != "unchanged at the source since its last push", \
        "a record that failed a gate is processed again"
    assert open_dlq_keys(sandbox) == {"SKU-00007"}, "its DLQ item stays open until the ERP's stock is fixed"
    assert stock_on_storefront(sandbox)["SKU-00005"] >= 321

    resync = {"resync_from": "2000-01-01T00:00:00+00:00", "resync_to": END.isoformat()}
    assert str(dag.test(run_conf=resync).state) == "success"
    third = last_outcomes(sandbox)
    assert not any(o["detail"] == "unchanged at the source since its last push" for o in third.values())
    # Every target payload equals the one last pushed, the fail-safe 0 of SKU-00007 included: nothing is written.
    assert {k for k, o in third.items() if o["detail"] == "unchanged since last push"} == set(first)
    assert open_dlq_keys(sandbox) == {"SKU-00007"}


def describe_every_item_in_the_window(sandbox, item_id: str, text: str) -> None:
    """An ERP user edits one item's description; every item's UpdateDate falls in the window the products runs
    for END read ([21:50, 23:05) the day before: the hour to 23:05 and 15 minutes of overlap)."""
    connection = sandbox.erp()
    try:
        cursor = connection.cursor()
        cursor.execute("UPDATE timItemDescription SET LongDesc = ? WHERE ItemKey = "
                       "(SELECT ItemKey FROM timItem WHERE ItemID = ?)", text, item_id)
        cursor.execute("UPDATE timItem SET UpdateDate = ?", (END - timedelta(minutes=90)).replace(tzinfo=None))
        connection.commit()
    finally:
        connection.close()


def test_a_record_holding_card_data_is_staged_scrubbed_on_every_run_and_processed_again(sandbox_factory, flow_dag):
    sandbox = sandbox_factory(orders=2)
    dag = flow_dag("products")
    describe_every_item_in_the_window(sandbox, "SKU-00003", "Gift box; paid with card 4111 1111 1111 1111 by the buyer")
    for _ in range(2):
        assert str(dag.test(logical_date=END).state) == "success"
    store = sandbox.store()
    run = sorted(store.list_runs(flow="products"), key=lambda r: r["started_at"])[-1]
    outcomes = {o["record_key"]: o for o in store.list_outcomes(PAIR, "products", run["run_id"])}
    unchanged = {k for k, o in outcomes.items() if o["detail"] == "unchanged at the source since its last push"}
    assert len(outcomes) > 10 and "SKU-00003" in outcomes
    assert unchanged == set(outcomes) - {"SKU-00003"}, "its source payload is not the scrubbed one pushed"
    staged = store.get_staged(PAIR, "products", run["run_id"], "raw", ["SKU-00003"])["SKU-00003"]
    assert "1111 1111" not in str(staged) and "[card ****1111]" in staged["LongDesc"]
