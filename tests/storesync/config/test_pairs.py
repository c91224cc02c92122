"""Pair configs: the shipped pair loads; invalid files fail naming the file, the field and valid values."""

from __future__ import annotations

import copy
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from storesync.config.pairs import INCLUDE_DIR, PairConfigError, load_pair, load_pairs
from storesync.systems import mapping_file, suite_file

SHIPPED = INCLUDE_DIR / "pairs" / "xcart-sage500.yaml"


@pytest.fixture
def shipped_raw() -> dict:
    return yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))


def write_pair(tmp_path: Path, raw: dict, name: str = "broken.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def error_for(tmp_path: Path, raw: dict, name: str = "broken.yaml") -> str:
    with pytest.raises(PairConfigError) as raised:
        load_pair(write_pair(tmp_path, raw, name))
    return str(raised.value)


# -- the shipped pair ------------------------------------------------------------------------------

def test_the_shipped_pair_loads_and_names_its_dags():
    pair = load_pair(SHIPPED)
    assert pair.name == "xcart-sage500"
    assert pair.dag_id("orders") == "orders__xcart__sage500"
    assert (pair.storefront.system, pair.erp.system) == ("xcart", "sage500")
    assert pair.endpoint("storefront").conn_id == "xcart_default"
    assert pair.endpoint("erp").conn_id == "sage500_default"
    assert pair.store_conn_id == "storesync_db"


def test_the_shipped_orders_flow_has_its_schedule_ratio_and_files():
    flow = load_pair(SHIPPED).flows["orders"]
    assert flow.schedule == "@hourly"
    assert flow.start_date == datetime(2026, 11, 1, tzinfo=timezone.utc)
    assert flow.max_bad_ratio == 0.25
    assert (mapping_file(flow.mappings["to_canonical"])).is_file()
    assert (suite_file(flow.expectations["raw"])).is_file()
    assert Decimal(flow.options["hold_threshold"]) == Decimal("5000.00")


def test_the_shipped_retries_are_read():
    retries = load_pair(SHIPPED).retries
    assert (retries.count, retries.delay_seconds, retries.max_delay_seconds) == (3, 30, 900)


def test_load_pairs_reads_every_yaml_file_of_a_directory(tmp_path, shipped_raw):
    second = copy.deepcopy(shipped_raw)
    second["name"] = "other"
    write_pair(tmp_path, shipped_raw, "a.yaml")
    write_pair(tmp_path, second, "b.yaml")
    (tmp_path / "notes.txt").write_text("not a pair")
    assert [p.name for p in load_pairs(str(tmp_path))] == ["xcart-sage500", "other"]


def test_a_minimal_pair_gets_defaults(tmp_path):
    pair = load_pair(write_pair(tmp_path, {
        "name": "mini", "storefront": {"system": "xcart"}, "erp": {"system": "sage500"}, "flows": {"orders": {}},
    }))
    assert pair.storefront.conn_id == "xcart_default"
    assert pair.erp.conn_id == "sage500_default"
    flow = pair.flows["orders"]
    assert flow.schedule == "@hourly" and flow.max_bad_ratio == 0.05 and flow.batch_size == 200
    assert flow.start_date.tzinfo is not None


# -- errors name the file, the field and the valid values ------------------------------------------

def test_an_unknown_top_level_key_is_named_with_the_valid_keys(tmp_path, shipped_raw):
    shipped_raw["schedule"] = "@daily"
    message = error_for(tmp_path, shipped_raw)
    assert message.startswith("broken.yaml: ")
    assert "field 'schedule' is not known" in message
    for valid in ("alerts", "erp", "flows", "name", "storefront"):
        assert valid in message


def test_write_concurrency_defaults_to_one_request_in_flight(tmp_path, shipped_raw):
    shipped_raw["storefront"].pop("write_concurrency", None)
    assert load_pair(write_pair(tmp_path, shipped_raw)).endpoint("storefront").write_concurrency == 1
    shipped_raw["storefront"]["write_concurrency"] = 4
    assert load_pair(write_pair(tmp_path, shipped_raw)).endpoint("storefront").write_concurrency == 4


@pytest.mark.parametrize("value", [0, 11, "4", 2.5, True])
def test_write_concurrency_outside_one_to_ten_is_rejected_naming_the_field(tmp_path, shipped_raw, value):
    shipped_raw["storefront"]["write_concurrency"] = value
    message = error_for(tmp_path, shipped_raw)
    assert "field 'storefront.write_concurrency' must be a whole number from 1 to 10" in message
    assert repr(value) in message


def test_an_unknown_storefront_system_lists_the_valid_storefronts(tmp_path, shipped_raw):
    shipped_raw["storefront"]["system"] = "magento"
    message = error_for(tmp_path, shipped_raw)
    assert "broken.yaml" in message
    assert "'storefront.system'" in message and "'magento'" in message
    assert "valid: xcart" in message


def test_an_erp_cannot_stand_on_the_storefront_side(tmp_path, shipped_raw):
    shipped_raw["storefront"]["system"] = "sage500"
    assert "valid: xcart" in error_for(tmp_path, shipped_raw)


def test_an_unknown_erp_system_lists_the_valid_erps(tmp_path, shipped_raw):
    shipped_raw["erp"]["system"] = "sap"
    message = error_for(tmp_path, shipped_raw)
    assert "'erp.system'" in message and "sage500" in message


def test_a_missing_storefront_system_is_required(tmp_path, shipped_raw):
    del shipped_raw["storefront"]["system"]
    assert "field 'storefront.system' is required" in error_for(tmp_path, shipped_raw)


def test_an_unknown_flow_name_lists_the_known_flows(tmp_path, shipped_raw):
    shipped_raw["flows"]["invoices"] = {"schedule": "@daily"}
    message = error_for(tmp_path, shipped_raw)
    assert "broken.yaml" in message
    from storesync.flows import FLOWS

    assert f"field 'flows.invoices' is not known; valid: {', '.join(sorted(FLOWS))}" in message


def test_an_unknown_flow_field_lists_the_valid_flow_fields(tmp_path, shipped_raw):
    shipped_raw["flows"]["orders"]["shedule"] = "@daily"
    message = error_for(tmp_path, shipped_raw)
    assert "field 'flows.orders.shedule' is not known" in message
    assert "schedule" in message and "max_bad_ratio" in message


def test_a_missing_mapping_file_names_the_role_and_the_path(tmp_path, shipped_raw):
    shipped_raw["flows"]["orders"].setdefault("mappings", {})["to_canonical"] = "xcart/no_such_mapping.yaml"
    message = error_for(tmp_path, shipped_raw)
    assert "broken.yaml" in message
    assert "'flows.orders.mappings.to_canonical'" in message
    assert "plugins/storesync/systems/xcart/mappings/no_such_mapping.yaml" in message


def test_a_missing_expectation_suite_names_the_stage_and_the_path(tmp_path, shipped_raw):
    shipped_raw["flows"]["orders"].setdefault("expectations", {})["raw"] = "nope__xcart.json"
    message = error_for(tmp_path, shipped_raw)
    assert "'flows.orders.expectations.raw'" in message
    assert "plugins/storesync/systems/xcart/expectations/nope__xcart.json" in message


def test_an_expectation_suite_not_named_for_a_system_names_the_stage(tmp_path, shipped_raw):
    shipped_raw["flows"]["orders"].setdefault("expectations", {})["raw"] = "nope.json"
    message = error_for(tmp_path, shipped_raw)
    assert "'flows.orders.expectations.raw'" in message and "'nope.json' is not '<suite>__<system>.json'" in message


@pytest.mark.parametrize("ratio", [1.5, -0.1])
def test_max_bad_ratio_outside_zero_to_one_is_rejected(tmp_path, shipped_raw, ratio):
    shipped_raw["flows"]["orders"]["max_bad_ratio"] = ratio
    message = error_for(tmp_path, shipped_raw)
    assert "broken.yaml" in message
    assert "'flows.orders.max_bad_ratio'" in message and "between 0 and 1" in message


@pytest.mark.parametrize("ratio", [0, 1])
def test_max_bad_ratio_bounds_are_allowed(tmp_path, shipped_raw, ratio):
    shipped_raw["flows"]["orders"]["max_bad_ratio"] = ratio
    assert load_pair(write_pair(tmp_path, shipped_raw)).flows["orders"].max_bad_ratio == ratio


def test_an_unknown_retry_field_lists_the_valid_ones(tmp_path, shipped_raw):
    shipped_raw.setdefault("retries", {})["attempts"] = 5
    message = error_for(tmp_path, shipped_raw)
    assert "field 'retries.attempts' is not known" in message and "delay_seconds" in message


def test_a_section_that_is_not_a_mapping_is_rejected(tmp_path, shipped_raw):
    shipped_raw["flows"] = ["orders"]
    assert "field 'flows' must be a mapping" in error_for(tmp_path, shipped_raw)


def test_a_missing_name_is_required(tmp_path, shipped_raw):
    del shipped_raw["name"]
    assert "broken.yaml: field 'name' is required" in error_for(tmp_path, shipped_raw)


def test_invalid_yaml_names_the_file(tmp_path):
    path = tmp_path / "garbled.yaml"
    path.write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(PairConfigError, match=r"^garbled\.yaml: not valid YAML"):
        load_pair(path)
