"""Suite files: they load, they match their generator, and broken files name themselves."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import pytest

from storesync.quality import SuiteError, load_suite
from storesync.systems import suite_file

REPO = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.usefixtures("gate_ready")


def test_shipped_suites_load(raw_suite, target_suite):
    assert load_suite(raw_suite).name == "orders_raw__xcart"
    assert load_suite(target_suite).name == "orders_target__sage500"
    assert load_suite(raw_suite) is load_suite(str(raw_suite))  # cached per path


def test_suite_files_match_build_suites(raw_suite):
    # The JSON files are generated; a hand edit or a forgotten regeneration shows up here.
    script = REPO / "include" / "expectations" / "build_suites.py"
    spec = importlib.util.spec_from_file_location("build_suites", script)
    build_suites = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_suites)
    for name in build_suites.SUITES:
        path = suite_file(f"{name}.json")
        assert path.read_text(encoding="utf-8") == build_suites.render(build_suites.build(name)), (
            f"{path.name} is out of date: run python include/expectations/build_suites.py"
        )


def test_suite_round_trips_through_json(raw_suite):
    suite = load_suite(raw_suite)
    document = json.loads(raw_suite.read_text())
    assert [e["type"] for e in suite.to_json_dict()["expectations"]] == [e["type"] for e in document["expectations"]]


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "not valid JSON"),
        ('{"name": "s", "expectations": [{"type": "expect_column_values_to_be_purple", "kwargs": {"column": "a"}}]}',
         "expectation #1 (expect_column_values_to_be_purple)"),
        ('{"name": "s", "expectations": [{"type": "expect_column_values_to_not_be_null", "kwargs": {}}]}',
         "expectation #1 (expect_column_values_to_not_be_null): 1 validation error"),
        ('{"name": "s", "expectations": []}', "non-empty 'expectations'"),
        ('{"expectations": [{"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "a"}}]}', "'name'"),
        ('{"name": "s", "expectation": []}', "non-empty 'expectations'"),
    ],
)
def test_broken_suite_errors_name_the_file(tmp_path, content, message):
    path = tmp_path / "broken_suite.json"
    path.write_text(content)
    with pytest.raises(SuiteError) as caught:
        load_suite(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_missing_suite_file(tmp_path):
    with pytest.raises(SuiteError, match="not found: .*nope.json"):
        load_suite(tmp_path / "nope.json")


def test_edited_suite_file_is_reloaded(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"name": "one", "expectations": [{"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "a"}}]}))
    assert load_suite(path).name == "one"
    path.write_text(json.dumps({"name": "two", "expectations": [{"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "a"}}]}))
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000_000))
    assert load_suite(path).name == "two"
