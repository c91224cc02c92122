"""Pair files by convention: what the DAG factory sees of the shipped pairs is what it saw of the long files;
a pair states only what differs, and what it states wins.

``data/resolved_pairs.json`` was written from the 144-line pair files before they were shortened (commit
"pair config: snapshot of the resolved shipped pairs"); ``resolved`` is everything a ``PairConfig`` carries.
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from storesync.config.conventions import CONVENTIONS
from storesync.config.pairs import INCLUDE_DIR, PROJECT_ROOT, PairConfig, PairConfigError, load_pair
from storesync.flows import FLOWS, SYSTEMS

SNAPSHOT = Path(__file__).parent / "data" / "resolved_pairs.json"
# The pairs that had long files before the conventions (xcart-intacct was written short from the start).
SNAPSHOTTED = ("xcart-sage500", "xcart-acumatica")


def plain(value):
    """JSON-able form that keeps types apart (Decimal and datetime as tagged text)."""
    if dataclasses.is_dataclass(value):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, Path):
        return value.resolve().relative_to(PROJECT_ROOT).as_posix()
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    return value


def resolved(pair: PairConfig) -> dict:
    return plain(pair)


def write_snapshot() -> None:
    pairs = {name: resolved(load_pair(INCLUDE_DIR / "pairs" / f"{name}.yaml")) for name in SNAPSHOTTED}
    SNAPSHOT.write_text(json.dumps(pairs, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def test_the_shipped_pairs_resolve_to_the_snapshot_of_the_long_files():
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    for name in SNAPSHOTTED:
        assert resolved(load_pair(INCLUDE_DIR / "pairs" / f"{name}.yaml")) == expected[name], name


# -- the conventions ---------------------------------------------------------------------------------

def write_pair(tmp_path: Path, raw: dict) -> Path:
    path = tmp_path / "conventional.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def test_every_flow_has_a_convention():
    assert set(CONVENTIONS) == set(FLOWS)


@pytest.mark.parametrize("shipped", SNAPSHOTTED)
def test_a_pair_naming_only_its_systems_gets_the_files_of_those_systems(tmp_path, shipped):
    long = json.loads(SNAPSHOT.read_text(encoding="utf-8"))[shipped]
    storefront, erp = long["storefront"]["system"], long["erp"]["system"]
    pair = load_pair(write_pair(tmp_path, {"name": "p", "storefront": {"system": storefront},
                                           "erp": {"system": erp}, "flows": {name: {} for name in FLOWS}}))
    for name, flow in pair.flows.items():
        assert (flow.mappings, flow.expectations, flow.schedule, flow.batch_size) == (
            long["flows"][name]["mappings"], long["flows"][name]["expectations"], long["flows"][name]["schedule"],
            long["flows"][name]["batch_size"]), name
        sides = {"storefront": storefront, "erp": erp}
        assert flow.mappings["to_canonical"].startswith(f"{sides[FLOWS[name].source]}/")
        assert flow.mappings["to_target"].startswith(f"{sides[FLOWS[name].target]}/")


def test_the_flow_section_wins_over_flow_defaults_which_win_over_the_convention(tmp_path):
    pair = load_pair(write_pair(tmp_path, {
        "name": "p", "storefront": {"system": "xcart"}, "erp": {"system": "sage500"},
        "start_date": "2026-05-01", "flow_defaults": {"batch_size": 50, "max_bad_ratio": 0.5},
        "flows": {"products": {}, "inventory": {"batch_size": 7, "start_date": "2026-06-01",
                                                "mappings": {"to_target": "xcart/product_from_canonical.yaml"}}},
        "reconciliation": {"after": ["products"]}}))
    products, inventory = pair.flows["products"], pair.flows["inventory"]
    assert (products.batch_size, products.max_bad_ratio, products.schedule) == (50, 0.5, "5 * * * *")
    assert (inventory.batch_size, inventory.max_bad_ratio) == (7, 0.5)
    assert inventory.mappings == {"to_canonical": "sage500/inventory_to_canonical.yaml",
                                  "to_target": "xcart/product_from_canonical.yaml"}
    assert products.start_date == pair.reconciliation.start_date == datetime(2026, 5, 1, tzinfo=timezone.utc)
    assert inventory.start_date == datetime(2026, 6, 1, tzinfo=timezone.utc)


def test_a_file_missing_by_convention_names_the_field_the_path_and_the_convention(tmp_path, monkeypatch):
    monkeypatch.setitem(CONVENTIONS, "orders", dataclasses.replace(CONVENTIONS["orders"], target_record="sales_doc"))
    with pytest.raises(PairConfigError) as raised:
        load_pair(write_pair(tmp_path, {"name": "p", "storefront": {"system": "xcart"},
                                        "erp": {"system": "sage500"}, "flows": {"orders": {}}}))
    assert str(raised.value) == (
        "conventional.yaml: field 'flows.orders.mappings.to_target': no file "
        "plugins/storesync/systems/sage500/mappings/sales_doc_from_canonical.yaml (the convention for flow orders from xcart to "
        "sage500; name another file in the pair)")


@pytest.mark.parametrize("section, expected", [
    ({"flow_defaults": {"schedule": "@daily"}},
     "field 'flow_defaults.schedule' is not known; valid: batch_size, catchup, extract_overlap_minutes, max_bad_ratio"),
    ({"flow_defaults": {"max_bad_ratio": 2}}, "field 'flow_defaults.max_bad_ratio': 2.0 is not between 0 and 1"),
    ({"start_date": "soon"}, "field 'start_date': 'soon' is not an ISO date or date-time"),
])
def test_bad_pair_wide_settings_name_the_field_and_valid_values(tmp_path, section, expected):
    with pytest.raises(PairConfigError) as raised:
        load_pair(write_pair(tmp_path, {"name": "p", "storefront": {"system": "xcart"}, "erp": {"system": "sage500"},
                                        "flows": {"orders": {}}, **section}))
    assert str(raised.value) == f"conventional.yaml: {expected}"


def test_the_config_names_no_system():
    """Systems are data (registered, named in pair files); the config code derives from them, never names them."""
    names = re.compile(r"\b(" + "|".join(map(re.escape, SYSTEMS)) + r")\b", re.I)
    for path in (PROJECT_ROOT / "plugins" / "storesync" / "config").glob("*.py"):
        assert not names.findall(path.read_text(encoding="utf-8")), path.name
