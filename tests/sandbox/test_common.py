"""The sandbox's small shared helpers (include/sandbox/common.py)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from decimal import Decimal

import pytest

from include.sandbox.common import (
    add_dataclass_options,
    check_count,
    check_seconds,
    check_share,
    clone,
    dataclass_defaults,
    dataclass_from_options,
    nonblank_lines,
)


def test_clone_copies_nested_records_so_changing_the_copy_leaves_the_original():
    original = {"order": {"lines": [{"sku": "A", "qty": 1}], "total": Decimal("1.10")}}
    copy = clone(original)
    copy["order"]["lines"][0]["qty"] = 5
    copy["order"]["lines"].append({"sku": "B"})
    assert original == {"order": {"lines": [{"sku": "A", "qty": 1}], "total": Decimal("1.10")}}


def test_a_count_is_a_whole_number_of_at_least_zero():
    assert check_count("burst_429", 3) == 3
    for bad in (-1, 1.5, True, "2"):
        with pytest.raises(ValueError, match="burst_429 must be a non-negative integer"):
            check_count("burst_429", bad)
    with pytest.raises(ValueError, match=r"max_queue must be a non-negative integer \(0 = no limit\)"):
        check_count("max_queue", -1, note="0 = no limit")


def test_a_share_is_a_number_from_zero_to_one_kept_as_a_float():
    assert check_share("error_rate", Decimal("0.25")) == 0.25 and check_share("error_rate", 1) == 1.0
    for bad in (-0.1, 1.01, False, "0.1"):
        with pytest.raises(ValueError, match="error_rate must be a number between 0 and 1"):
            check_share("error_rate", bad)


def test_seconds_are_above_zero_and_at_most_the_bound_when_one_is_given():
    assert check_seconds("timeout_hold_s", 2) == 2.0 and check_seconds("queue_timeout_s", 10**6) == 10**6
    with pytest.raises(ValueError, match=r"timeout_hold_s must be a number of seconds above 0 \(at most 3600\)"):
        check_seconds("timeout_hold_s", 3601, most=3600)
    for bad in (0, -1, True, None):
        with pytest.raises(ValueError, match="queue_timeout_s must be a number of seconds above 0"):
            check_seconds("queue_timeout_s", bad)


@dataclass
class Settings:
    latency_ms: int = 0
    error_rate: float = 0.0


def test_a_settings_dataclass_becomes_typed_command_line_options_and_back():
    parser = argparse.ArgumentParser()
    add_dataclass_options(parser, Settings, dest_prefix="fault")
    assert dataclass_defaults(Settings) == {"latency_ms": 0, "error_rate": 0.0}
    assert dataclass_from_options(Settings, parser.parse_args([]), dest_prefix="fault") == Settings()
    args = parser.parse_args(["--latency-ms", "20", "--error-rate", "0.5"])
    assert dataclass_from_options(Settings, args, dest_prefix="fault") == Settings(latency_ms=20, error_rate=0.5)


def test_a_list_file_gives_its_stripped_lines_without_the_blank_ones(tmp_path):
    emails = tmp_path / "emails.txt"
    emails.write_text(" a@example.com \n\n   \nb@example.com\n", encoding="utf-8")
    assert nonblank_lines(emails) == ["a@example.com", "b@example.com"]
    assert nonblank_lines(None) == []
