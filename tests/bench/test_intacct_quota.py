"""Benchmark item g, the Intacct quota cost, at a tiny size: its figures come from the emulator's meter and add up.

The targets are not asserted here (the benchmark reports them); what is asserted is that the item counts what
the emulator counted, for both clients, and judges the target from those counts.
"""

from __future__ import annotations

import pytest

from scripts.bench import intacct_quota as quota
from scripts.bench.report import intacct_quota_target_met

ORDERS = 12
BATCH = 5


@pytest.fixture(scope="module")
def skus() -> list[str]:
    server, found = quota.start_emulator()
    server.stop()
    return found


@pytest.fixture(scope="module")
def records(skus):
    return quota.canonical_orders(ORDERS, skus=skus, paid_share=0.25)


@pytest.fixture(scope="module")
def ours(records):
    return quota.run_ours(records, batch_size=BATCH)


@pytest.fixture(scope="module")
def naive(records):
    return quota.run_naive(records)


def test_the_orders_are_a_fixed_draw_with_the_asked_share_paid(records, skus):
    assert records == quota.canonical_orders(ORDERS, skus=skus, paid_share=0.25)
    assert sum(record["payment_status"] == "paid" for _, record in records) == 3
    assert {line["sku"] for _, record in records for line in record["lines"]} <= set(skus)


def test_both_clients_load_every_order(ours, naive):
    assert ours.outcomes == {"loaded": ORDERS} and naive.outcomes == {"loaded": ORDERS}


def test_the_naive_client_sends_one_function_per_request(naive):
    assert naive.requests == naive.functions


def test_the_naive_client_costs_three_transactions_per_order_and_two_more_per_paid_one(naive):
    # per order: customer query, sales order query, create; per paid order: lines query, invoice create
    assert naive.transactions == 3 * ORDERS + 2 * 3
    assert naive.by_function == {"create_sotransaction": ORDERS + 3, "getAPISession": 0, "query": 2 * ORDERS + 3}


def test_the_transactions_are_the_sum_of_the_emulator_s_per_function_counts(ours, naive):
    for cost in (ours, naive):
        assert cost.transactions == sum(cost.by_function.values())


def test_the_client_s_own_meter_expects_what_the_emulator_counted_and_nothing_was_throttled(ours, naive):
    for cost in (ours, naive):
        assert (cost.client_transactions, cost.throttled) == (cost.transactions, 0)


def test_ours_creates_each_order_and_each_paid_order_s_invoice_once(ours):
    assert ours.by_function["create_sotransaction"] == ORDERS + 3


def test_ours_sends_many_functions_per_request(ours):
    # 3 batches of at most 5: a session, then every batch's look-ups and creates share requests
    assert ours.requests < ours.functions
    assert ours.requests < 3 * ORDERS


def test_per_order_figures_are_the_counts_over_the_orders(ours):
    assert ours.transactions_per_order == ours.transactions / ORDERS
    assert ours.requests_per_order == ours.requests / ORDERS


def test_the_item_reports_both_runs_and_judges_the_unpaid_line():
    item = quota.run(orders=8, say=lambda message: None)
    unpaid = item.details["ours, no order paid"]
    assert item.key == "g" and item.figure == unpaid["transactions per order"]
    assert item.met is intacct_quota_target_met(unpaid["transactions per order"], unpaid["requests per order"])
    assert item.details["naive, no order paid"]["requests"] == item.details["naive, no order paid"]["functions"]
    assert set(item.details) >= {"ours, 25% paid", "naive, 25% paid", "ours, 25% paid, against the target"}


@pytest.mark.parametrize(("transactions", "requests", "met"),
                         [(1.1, 0.05, True), (1.1001, 0.01, False), (1.0, 0.0501, False)])
def test_the_quota_target_bounds_transactions_and_requests_per_order(transactions, requests, met):
    assert intacct_quota_target_met(transactions, requests) is met
