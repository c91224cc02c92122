"""The benchmark report: targets judged from figures, the table, the Markdown and the JSON it writes."""

from __future__ import annotations

import json

import pytest

from scripts.bench.report import (
    ERROR,
    Item,
    extraction_target_met,
    format_figure,
    incremental_target_met,
    memory_target_met,
    parse_target_met,
    rate_limit_target_met,
    ratio,
    render_markdown,
    render_table,
    transform_target_met,
    write_report,
)

GIB = 1 << 30


def item(**overrides) -> Item:
    fields = dict(key="a", title="Extraction", figure=1.62, unit="× dlt", target="ours ≥ 1.5 × dlt", met=True,
                  sizes={"orders": 100_000}, details={"ours, orders/s": 5000}, notes=["same pages"])
    return Item(**{**fields, **overrides})


@pytest.mark.parametrize(("ours", "dlt", "met"), [(3000, 2000, True), (2999, 2000, False), (100, 0, False)])
def test_extraction_needs_one_and_a_half_times_dlt(ours, dlt, met):
    assert extraction_target_met(ours, dlt) is met


@pytest.mark.parametrize(("achieved", "ceiling", "late", "met"),
                         [(90, 100, 0, True), (89.9, 100, 0, False), (100, 100, 1, False), (10, 0, 0, False)])
def test_rate_limit_needs_ninety_percent_of_the_ceiling_and_no_late_429(achieved, ceiling, late, met):
    assert rate_limit_target_met(achieved, ceiling, late) is met


@pytest.mark.parametrize(("writes", "changed", "wall", "alone", "met"),
                         [(1050, 1000, 3.0, 2.0, True), (1051, 1000, 3.0, 2.0, False), (1000, 1000, 3.1, 2.0, False)])
def test_incremental_bounds_both_the_writes_and_the_wall_time(writes, changed, wall, alone, met):
    assert incremental_target_met(writes, changed, wall, alone) is met


def test_memory_must_stay_under_a_gib_and_not_grow_with_volume():
    assert memory_target_met({500_000: 400 << 20, 1_000_000: 420 << 20})
    assert not memory_target_met({500_000: 400 << 20, 1_000_000: 800 << 20}), "doubling with the volume"
    assert not memory_target_met({500_000: GIB + 1, 1_000_000: GIB + 1}), "over a GiB"
    assert not memory_target_met({})
    assert not memory_target_met({20_000: 400 << 20}), "one volume says nothing about growth"


def test_parse_cost_is_judged_by_the_slowest_file():
    assert parse_target_met({"orders.py": 12.0, "inventory.py": 50.0})
    assert not parse_target_met({"orders.py": 12.0, "dlq_replay.py": 50.1})
    assert not parse_target_met({})


def test_transform_needs_fifty_thousand_lines_per_second():
    assert transform_target_met(50_000) and not transform_target_met(49_999.9)


def test_ratio_of_nothing_is_none():
    assert ratio(3, 0) is None and ratio(3, 2) == 1.5


def test_figures_are_shown_with_their_unit():
    assert format_figure(item(figure=1.62)) == "1.62 × dlt"
    assert format_figure(item(figure=12_345.6, unit="lines/s")) == "12,346 lines/s"
    assert format_figure(item(figure=None)) == "—"


def test_an_item_that_could_not_be_measured_says_why_and_has_no_verdict():
    missing = Item.not_measured("b", "Rate limit", "%", "≥ 90 %", "no Acumatica orders flow yet")
    assert missing.figure is None and missing.met is None
    assert missing.verdict() == "not measured"
    assert missing.notes == ["not measured: no Acumatica orders flow yet"]
    assert Item.not_measured("c", "Inventory", "", "", "error: boom", status=ERROR).verdict() == "ERROR"


def test_the_table_puts_each_target_beside_its_figure_and_verdict():
    text = render_table([item(), item(key="f", title="Transform", figure=8000.0, unit="lines/s",
                                      target="≥ 50,000 lines/s", met=False)])
    lines = text.splitlines()
    assert lines[0].split() == ["item", "figure", "target", "verdict"]
    assert "a. Extraction" in lines[2] and "1.62 × dlt" in lines[2] and lines[2].endswith("met")
    assert "8,000 lines/s" in lines[3] and "≥ 50,000 lines/s" in lines[3] and lines[3].endswith("MISSED")


def test_markdown_has_the_table_and_every_items_sizes_details_and_notes():
    text = render_markdown([item(target="a | b")], {"size": "small", "seconds": 12.3, "finished_at": "now"})
    assert "| a. Extraction | 1.62 × dlt | a \\| b | met |" in text
    assert "- sizes: orders 100,000" in text
    assert "- ours, orders/s: 5,000" in text
    assert "- note: same pages" in text


def test_the_report_is_written_as_json_and_markdown(tmp_path):
    json_path, md_path = write_report([item()], tmp_path / "bench", {"size": "full", "seconds": 60.0})
    report = json.loads(json_path.read_text())
    assert report["meta"]["size"] == "full" and "cores" in report["meta"]["machine"]
    assert report["items"][0] | {"seconds": None} == {
        "key": "a", "title": "Extraction", "figure": 1.62, "unit": "× dlt", "target": "ours ≥ 1.5 × dlt",
        "met": True, "sizes": {"orders": 100_000}, "details": {"ours, orders/s": 5000}, "notes": ["same pages"],
        "status": "measured", "seconds": None}
    assert md_path.read_text().startswith("# Benchmark report (full)")
