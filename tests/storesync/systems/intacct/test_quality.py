"""The Intacct pair's quality gates: suites are current, and good staged records pass while broken ones fail
naming the Intacct field (records mapped by the pair's specs and read from the emulator)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from storesync.mapping.engine import MappingEngine
from storesync.systems.intacct.catalogue import read_inventory_by_key
from storesync.systems.intacct.quality import (
    FRAME_BUILDERS,
    intacct_credit_memo_frame,
    intacct_payment_frame,
    intacct_sales_order_frame,
    raw_intacct_inventory_frame,
)
from tests.storesync.systems.intacct.support import staged, web_order

INTACCT = Path(__file__).resolve().parents[4] / "plugins/storesync/systems/intacct"
SUITES = INTACCT / "expectations"


def gate(builder, records: dict, suite: str):
    from storesync.quality.gate import run_gate

    frame = builder(list(records.values()))
    frame["record_key"] = list(records)
    return run_gate(frame, SUITES / f"{suite}.json", key_column="record_key")


def changed(record: dict, path: str, value) -> dict:
    record = copy.deepcopy(record)
    *parents, last = path.split(".")
    node = record
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    node[last] = value
    return record


def mapped(spec: str, record: dict, context: dict | None = None) -> dict:
    return staged(MappingEngine.from_file(INTACCT / "mappings" / f"{spec}.yaml").map(record, context or {}))


def test_the_suite_files_are_what_build_suites_writes():
    from storesync.systems.intacct.expectations.build_suites import main

    assert main(["--check"]) == 0


def test_every_frame_builder_names_a_suite_file_and_a_function():
    import importlib

    for (system, entity, stage), target in FRAME_BUILDERS.items():
        module, name = target.split(":")
        assert callable(getattr(importlib.import_module(module), name)), target
    names = {p.stem for p in SUITES.glob("*.json")}
    assert len(names) == len(FRAME_BUILDERS)


def test_sales_orders_pass_and_broken_ones_fail_naming_the_field():
    context = {"customer_id": "C00001", "new_customer_id": "", "warehouse_id": "MAIN"}
    order = mapped("order_from_canonical", web_order("5").to_dict(), context)
    records = {"1": order, "2": changed(order, "lines", []), "3": changed(order, "customerid", "C" * 21),
               "4": changed(order, "lines.0.quantity", "0")}
    result = gate(intacct_sales_order_frame, records, "orders_target__intacct")
    assert result.passed_keys == ["1"]
    assert any("line_count" in d for d in result.failures["2"])
    assert any("len_customerid" in d for d in result.failures["3"])
    assert any("min_quantity" in d for d in result.failures["4"])


def test_payments_pass_and_ones_with_no_single_place_for_the_money_fail():
    payment = mapped("payment_from_canonical", {
        "source_id": "501", "order_source_id": "9", "amount": Decimal("19.90"), "currency": "USD",
        "method": "Credit Card", "occurred_at": datetime(2026, 11, 4, tzinfo=UTC), "gateway_transaction_id": "ch_1"})
    records = {"1": payment, "2": changed(payment, "FINANCIALENTITY", "BOA-OPERATING"), "3": changed(payment, "_amount", "0.00")}
    result = gate(intacct_payment_frame, records, "payments_target__intacct")
    assert result.passed_keys == ["1"]
    assert any("deposit_targets" in d for d in result.failures["2"])
    assert any("amount" in d for d in result.failures["3"])


def test_credit_memos_pass_and_a_negative_refund_fails():
    memo = mapped("refund_from_canonical", {
        "source_id": "701", "order_source_id": "9", "amount": Decimal("4.95"), "currency": "USD", "reason": "damaged",
        "occurred_at": datetime(2026, 11, 5, tzinfo=UTC), "gateway_transaction_id": "re_1"})
    result = gate(intacct_credit_memo_frame, {"1": memo, "2": changed(memo, "_line.price", "-4.95")},
                  "refunds_target__intacct")
    assert result.passed_keys == ["1"]


def test_stock_read_from_intacct_passes_and_negative_on_hand_fails(client, server):
    server.action(next(iter(server.companies)), "set_stock", item="SKU-00001", warehouse="MAIN", on_hand=3)
    [(key, stock)] = list(read_inventory_by_key(client, {}, ["SKU-00001"]))
    good = staged(stock)
    bad = changed(good, "warehouses.0.QTYONHAND", "-2")
    result = gate(raw_intacct_inventory_frame, {"1": good, "2": bad}, "inventory_raw__intacct")
    assert result.passed_keys == ["1"] and any("min_QtyOnHand" in d for d in result.failures["2"])
