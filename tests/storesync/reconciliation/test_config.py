"""The ``reconciliation:`` section of a pair file: the shipped pair has one; mistakes fail naming the file, the
field and the valid values; a pair without the section gets no reconciliation."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from storesync.config.pairs import INCLUDE_DIR, PairConfigError, load_pair

SHIPPED = INCLUDE_DIR / "pairs" / "xcart-sage500.yaml"


def write(tmp_path: Path, **section) -> Path:
    raw = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    raw["reconciliation"] = {**raw["reconciliation"], **section}
    path = tmp_path / "pair.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def error(tmp_path: Path, **section) -> str:
    with pytest.raises(PairConfigError) as raised:
        load_pair(write(tmp_path, **section))
    return str(raised.value)


def test_the_shipped_pair_reconciles_after_orders_payments_and_refunds():
    config = load_pair(SHIPPED).reconciliation
    assert config.after == ("orders", "payments", "refunds")
    assert config.amount_tolerance == Decimal("0.00") and config.catchup is False
    assert config.clearing_accounts == ("1030-00", "1020-00")
    assert config.output_dir == ".local/out/reconciliation"


def test_a_pair_without_the_section_has_no_reconciliation(tmp_path):
    raw = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    del raw["reconciliation"]
    path = tmp_path / "pair.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    assert load_pair(path).reconciliation is None


@pytest.mark.parametrize("section, message", [
    ({"after": ["orders", "paymnts"]}, "field 'reconciliation.after[1]': unknown flow 'paymnts'; valid (the pair's "
                                       "flows): customers, customers_from_erp, inventory, orders, payments,"),
    ({"after": []}, "field 'reconciliation.after': must be a non-empty list"),
    ({"poke_interval_seconds": 0}, "field 'reconciliation.poke_interval_seconds': must be a positive number"),
    ({"wait_timeout_seconds": "soon"}, "field 'reconciliation.wait_timeout_seconds': must be a positive number"),
    ({"pending_lookback_days": 2.5}, "field 'reconciliation.pending_lookback_days': must be a positive whole number"),
    ({"amount_tolerance": 0.01}, "field 'reconciliation.amount_tolerance': must be a decimal amount as text"),
    ({"amount_tolerance": "-1"}, "field 'reconciliation.amount_tolerance': must be 0 or more"),
    ({"clearing_accounts": "1030-00"}, "field 'reconciliation.clearing_accounts': must be a list"),
    ({"output_dir": ""}, "field 'reconciliation.output_dir': must be non-empty text"),
    ({"catchup": "yes"}, "field 'reconciliation.catchup': must be true or false"),
    ({"start_date": "someday"}, "field 'reconciliation.start_date': 'someday' is not an ISO date"),
    ({"scheduel": "@daily"}, "field 'reconciliation.scheduel' is not known; valid: after, amount_tolerance,"),
])
def test_mistakes_name_the_file_the_field_and_what_is_valid(tmp_path, section, message):
    text = error(tmp_path, **section)
    assert text.startswith("pair.yaml: ") and message in text
