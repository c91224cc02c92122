"""The quality gate on real suites: exactly the bad records fail, with the right expectations."""

from __future__ import annotations

import logging
from decimal import Decimal

import pandas as pd
import pytest

from storesync.quality import GateError, QualityGateFailed, enforce, run_gate
from storesync.systems.xcart.frames_orders import raw_xcart_orders_frame
from storesync.systems.sage500.frames_orders import sage500_staging_frame
from storesync.quality.suites import suite_from_dict

NOT_NULL_CURRENCY = "expect_column_values_to_not_be_null(column=currency)"
CURRENCY_IN_SET = "expect_column_values_to_be_in_set(column=currency)"
POSITIVE_QUANTITY = "expect_column_values_to_be_between(column=min_quantity, min_value=0, strict_min=True)"
QUANTITY_NOT_NULL = "expect_column_values_to_not_be_null(column=min_quantity)"
TOTAL_DELTA = "expect_column_values_to_be_between(column=total_delta, max_value=0.01)"
LINE_COUNT = "expect_column_values_to_be_between(column=line_count, min_value=1)"
CITY_LENGTH = "expect_column_value_lengths_to_be_between(column=DfltShipToCity, max_value=20)"

pytestmark = pytest.mark.usefixtures("gate_ready")


def test_clean_orders_pass(xcart_orders, raw_suite):
    result = run_gate(raw_xcart_orders_frame(xcart_orders), raw_suite, "orderId")
    assert result.success, result.failures
    assert result.total == 200 and result.passed_keys == [str(n) for n in range(1, 201)]
    assert result.bad_ratio == 0.0
    enforce(result, "orders_raw", max_bad_ratio=0.0)


def test_clean_staging_rows_pass(sage500_orders, target_suite):
    result = run_gate(sage500_staging_frame(sage500_orders), target_suite, "record_key")
    assert result.success, result.failures
    assert result.total == 50


@pytest.fixture
def bad_batch(xcart_orders):
    """200 orders; the ones keyed 4..9 each have one defect."""
    orders = {int(order["orderId"]): order for order in xcart_orders}
    orders[4]["currency"] = None
    # A negative line that keeps every sum consistent, so only the quantity check can catch it.
    orders[5]["items"] = [
        {"sku": "SKU-1", "price": Decimal("55.00"), "quantity": 3},
        {"sku": "SKU-2", "price": Decimal("55.00"), "quantity": -1},
    ]
    orders[6]["currency"] = "XXX"
    orders[7]["total"] = Decimal("123.47")  # 0.02 off: beyond the 0.01 tolerance
    orders[8]["total"] = Decimal("123.455")  # 0.005 off: within tolerance, passes
    orders[9].update(items=[], subtotal=Decimal("3.45"), total=Decimal("13.45"))
    return list(orders.values())


def test_bad_records_fail_with_exactly_their_expectations(bad_batch, raw_suite):
    result = run_gate(raw_xcart_orders_frame(bad_batch), raw_suite, "orderId")

    assert result.failures == {
        "4": [NOT_NULL_CURRENCY],
        "5": [POSITIVE_QUANTITY],
        "6": [CURRENCY_IN_SET],
        "7": [TOTAL_DELTA],
        "9": [LINE_COUNT, QUANTITY_NOT_NULL],
    }
    assert "8" in result.passed_keys
    assert len(result.passed_keys) == 195 and result.total == 200
    assert result.counts_by_expectation == {
        NOT_NULL_CURRENCY: 1,
        POSITIVE_QUANTITY: 1,
        CURRENCY_IN_SET: 1,
        TOTAL_DELTA: 1,
        LINE_COUNT: 1,
        QUANTITY_NOT_NULL: 1,
    }
    assert result.bad_ratio == pytest.approx(5 / 200)
    assert not result.batch_failures


def test_over_long_city_fails_the_staging_gate(sage500_orders, target_suite):
    sage500_orders[3]["DfltShipToCity"] = "Llanfairpwllgwyngyll-on-Sea"  # 27 > varchar(20)
    sage500_orders[7]["lines"][0]["ItemID"] = "I" * 31
    sage500_orders[9]["lines"] = []
    result = run_gate(sage500_staging_frame(sage500_orders), target_suite, "record_key")
    assert result.failures == {
        "0000004": [CITY_LENGTH],
        "0000008": ["expect_column_values_to_be_between(column=max_len_ItemID, max_value=30)"],
        "0000010": [
            "expect_column_values_to_be_between(column=line_count, min_value=1)",
            "expect_column_values_to_not_be_null(column=min_QtyOrd)",
        ],
    }


def test_enforce_raises_naming_expectations_counts_and_threshold(xcart_orders, raw_suite):
    for order in xcart_orders[:7]:
        order["currency"] = "ZZZ"
    for order in xcart_orders[7:12]:
        order["currency"] = None
    result = run_gate(raw_xcart_orders_frame(xcart_orders), raw_suite, "orderId")

    enforce(result, "orders_raw", max_bad_ratio=0.06)  # 12/200 = 6.0% is not above 6%
    with pytest.raises(QualityGateFailed) as caught:
        enforce(result, "orders_raw", max_bad_ratio=0.05)
    message = str(caught.value)
    assert message == (
        f"quality gate 'orders_raw' failed: 12 of 200 records (6.0%) > max 5.0%: "
        f"{CURRENCY_IN_SET} ×7, {NOT_NULL_CURRENCY} ×5"
    )
    assert caught.value.result is result and caught.value.max_bad_ratio == 0.05


def test_every_failing_row_is_reported_not_a_sample(make_xcart_order, raw_suite):
    orders = [make_xcart_order(n) for n in range(1, 1001)]
    for order in orders[::2]:
        order["currency"] = "XXX"
    result = run_gate(raw_xcart_orders_frame(orders), raw_suite, "orderId")
    assert len(result.failures) == 500  # GX's partial lists stop at 20
    assert set(result.failures) == {str(n) for n in range(1, 1001, 2)}


def test_empty_frame_passes(raw_suite):
    result = run_gate(raw_xcart_orders_frame([]), raw_suite, "orderId")
    assert (result.total, result.passed_keys, result.failures, result.bad_ratio) == (0, [], {}, 0.0)
    enforce(result, "orders_raw", max_bad_ratio=0.0)


def test_duplicate_keys_fail_uniqueness(xcart_orders, raw_suite):
    xcart_orders[1]["orderId"] = 1
    result = run_gate(raw_xcart_orders_frame(xcart_orders), raw_suite, "orderId")
    assert result.failures == {"1": ["expect_column_values_to_be_unique(column=orderId)"]}
    assert "1" not in result.passed_keys


def test_table_level_failure_fails_the_whole_batch(xcart_orders):
    suite = suite_from_dict(
        {
            "name": "needs_many_rows",
            "expectations": [
                {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 500}},
                {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "currency"}},
            ],
        }
    )
    xcart_orders[0]["currency"] = None
    result = run_gate(raw_xcart_orders_frame(xcart_orders[:3]), suite, "orderId")
    row_count = "expect_table_row_count_to_be_between(min_value=500)"
    assert result.batch_failures == [row_count]
    assert result.passed_keys == []
    assert result.failures == {"1": [row_count, NOT_NULL_CURRENCY], "2": [row_count], "3": [row_count]}
    assert result.counts_by_expectation == {row_count: 3, NOT_NULL_CURRENCY: 1}


MIXED_SUITE = {
    "name": "mixed",
    # Columns interleaved on purpose: GX reports results grouped by column, and the result keeps
    # that order (descriptions per key, counts), which the row-level pass must reproduce.
    "expectations": [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "currency"}},
        {"type": "expect_column_values_to_be_between", "kwargs": {"column": "total_delta", "max_value": 0.01}},
        {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "orderId"}},
        {
            "type": "expect_column_values_to_be_in_set",
            "kwargs": {"column": "currency", "value_set": ["USD", "EUR"], "mostly": 0.75},
        },
        {"type": "expect_column_values_to_be_between", "kwargs": {"column": "line_count", "min_value": 1}},
        {"type": "expect_column_mean_to_be_between", "kwargs": {"column": "total_delta", "max_value": 0.005}},
        {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "currency", "value_set": ["USD"]}},
        {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1, "max_value": 100}},
    ],
}
MEAN_DELTA = "expect_column_mean_to_be_between(column=total_delta, max_value=0.005)"
UNIQUE_ID = "expect_column_values_to_be_unique(column=orderId)"


def _mixed_batch(make_xcart_order, order_4_total: Decimal) -> list[dict]:
    orders = [make_xcart_order(n) for n in range(1, 11)]
    orders[1]["currency"] = None
    # Two of the nine non-null currencies are not USD/EUR: the mostly=0.75 check still passes.
    orders[2]["currency"] = "XXX"
    orders[7]["currency"] = "GBP"
    orders[3]["total"] = order_4_total
    orders[4].update(items=[], subtotal=Decimal("3.45"), total=Decimal("13.45"))
    orders[6]["orderId"] = 6  # two rows keyed "6"
    return orders


def test_mixed_failures_give_exactly_the_one_pass_result(make_xcart_order):
    # 0.02 off on one of 10 rows: that row fails, the mean (0.002) does not.
    orders = _mixed_batch(make_xcart_order, Decimal("123.47"))
    result = run_gate(raw_xcart_orders_frame(orders), suite_from_dict(MIXED_SUITE), "orderId")

    assert list(result.failures.items()) == [
        ("2", [NOT_NULL_CURRENCY]),
        ("3", [CURRENCY_IN_SET]),
        ("4", [TOTAL_DELTA]),
        ("5", [LINE_COUNT]),
        ("6", [UNIQUE_ID]),
        ("8", [CURRENCY_IN_SET]),
    ]
    assert result.passed_keys == ["1", "9", "10"]
    assert list(result.counts_by_expectation.items()) == [
        (NOT_NULL_CURRENCY, 1),
        (CURRENCY_IN_SET, 2),
        (TOTAL_DELTA, 1),
        (UNIQUE_ID, 2),
        (LINE_COUNT, 1),
    ]
    assert result.batch_failures == [] and result.total == 10 and result.suite_name == "mixed"


def test_mixed_failures_with_a_batch_level_failure(make_xcart_order):
    # 1.00 off: the mean (0.1) fails too, which fails every record.
    orders = _mixed_batch(make_xcart_order, Decimal("124.45"))
    result = run_gate(raw_xcart_orders_frame(orders), suite_from_dict(MIXED_SUITE), "orderId")

    assert list(result.failures.items()) == [
        ("1", [MEAN_DELTA]),
        ("2", [NOT_NULL_CURRENCY, MEAN_DELTA]),
        ("3", [CURRENCY_IN_SET, MEAN_DELTA]),
        ("4", [TOTAL_DELTA, MEAN_DELTA]),
        ("5", [MEAN_DELTA, LINE_COUNT]),
        ("6", [MEAN_DELTA, UNIQUE_ID]),
        ("8", [CURRENCY_IN_SET, MEAN_DELTA]),
        ("9", [MEAN_DELTA]),
        ("10", [MEAN_DELTA]),
    ]
    assert result.passed_keys == []
    assert list(result.counts_by_expectation.items()) == [
        (NOT_NULL_CURRENCY, 1),
        (CURRENCY_IN_SET, 2),
        (TOTAL_DELTA, 1),
        (MEAN_DELTA, 10),
        (UNIQUE_ID, 2),
        (LINE_COUNT, 1),
    ]
    assert result.batch_failures == [MEAN_DELTA]


@pytest.fixture
def validate_calls(monkeypatch):
    """(result format, expectation count) of every GX validate call the gate makes."""
    from great_expectations.datasource.fluent.interfaces import Batch

    calls = []
    validate = Batch.validate

    def spy(self, expect, *, result_format, **kwargs):
        calls.append((result_format["result_format"], len(expect.expectations)))
        return validate(self, expect, result_format=result_format, **kwargs)

    monkeypatch.setattr(Batch, "validate", spy)
    return calls


def test_a_passing_batch_skips_the_row_level_pass(xcart_orders, raw_suite, validate_calls):
    from storesync.quality import load_suite

    result = run_gate(raw_xcart_orders_frame(xcart_orders), raw_suite, "orderId")
    assert result.success
    assert validate_calls == [("BOOLEAN_ONLY", len(load_suite(raw_suite).expectations))]


def test_the_row_level_pass_reruns_only_the_failed_expectations(bad_batch, raw_suite, validate_calls):
    from storesync.quality import load_suite

    suite = load_suite(raw_suite)
    before = suite.to_json_dict()
    result = run_gate(raw_xcart_orders_frame(bad_batch), suite, "orderId")
    assert len(result.counts_by_expectation) == 6
    assert validate_calls == [("BOOLEAN_ONLY", len(before["expectations"])), ("COMPLETE", 6)]
    assert suite.to_json_dict() == before  # the cached suite is not trimmed to the failed ones


def test_suite_naming_a_missing_column_is_a_gate_error_not_bad_records(xcart_orders):
    suite = suite_from_dict(
        {"name": "typo", "expectations": [{"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "curency"}}]}
    )
    with pytest.raises(GateError, match="curency"):
        run_gate(raw_xcart_orders_frame(xcart_orders[:3]), suite, "orderId")


def test_missing_key_column_is_a_gate_error(raw_suite):
    with pytest.raises(GateError, match="'order_id' is not in the frame"):
        run_gate(pd.DataFrame({"orderId": ["1"]}), raw_suite, "order_id")


def test_enforce_validates_threshold():
    from storesync.quality import GateResult

    with pytest.raises(ValueError, match="between 0 and 1"):
        enforce(GateResult(total=1), "x", max_bad_ratio=5)


def test_gx_is_quiet(xcart_orders, raw_suite, capsys):
    run_gate(raw_xcart_orders_frame(xcart_orders[:5]), raw_suite, "orderId")
    captured = capsys.readouterr()
    assert "Calculating Metrics" not in captured.err + captured.out  # no progress bars
    assert logging.getLogger("great_expectations").getEffectiveLevel() >= logging.WARNING
    # This module sets its own logger to INFO on import; Airflow's handlers would print it.
    assert logging.getLogger("great_expectations.data_context.types.base").getEffectiveLevel() >= logging.WARNING
