"""Source fingerprints: the same record under the same configuration is unchanged; anything else is not."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from types import SimpleNamespace

from storesync.config.pairs import INCLUDE_DIR, load_pair
from storesync.flows import get_flow
from storesync.operators import unchanged


def scope(**options):
    pair = load_pair(INCLUDE_DIR / "pairs" / "xcart-sage500.yaml")
    flow = pair.flows["inventory"]
    return SimpleNamespace(pair=pair, flow=replace(flow, options={**flow.options, **options}),
                           spec=get_flow("inventory"))


RECORD = {"ItemID": "SKU-00001", "AvailableToSell": Decimal("12"), "warehouses": [{"WhseID": "MAIN"}]}


def test_the_same_record_under_the_same_configuration_has_the_same_fingerprint():
    config = unchanged.config_digest(scope())
    assert unchanged.fingerprints([("SKU-00001", RECORD)], config) == \
        unchanged.fingerprints([("SKU-00001", dict(reversed(list(RECORD.items()))))], config)


def test_a_record_read_back_from_staging_has_the_fingerprint_it_had_when_extracted():
    # remember_pushed fingerprints the staged copy (dates as ISO text); the next extraction fingerprints the record
    # as the source gives it (a datetime from SQL Server or PostgreSQL): the two must agree, or nothing is skipped.
    import datetime as dt
    import json

    from storesync.store.types import serialize_json

    config = unchanged.config_digest(scope())
    record = {**RECORD, "UpdateDate": dt.datetime(2026, 11, 24, 9, 30, tzinfo=dt.timezone.utc),
              "Since": dt.date(2026, 1, 2)}
    staged = json.loads(serialize_json(record), parse_float=Decimal)
    assert unchanged.fingerprints([("SKU-00001", staged)], config) == unchanged.fingerprints([("SKU-00001", record)], config)


def test_a_changed_record_or_a_changed_option_changes_the_fingerprint():
    config = unchanged.config_digest(scope())
    before = unchanged.fingerprints([("SKU-00001", RECORD)], config)["SKU-00001"]
    assert unchanged.fingerprints([("SKU-00001", {**RECORD, "AvailableToSell": Decimal("13")})], config)["SKU-00001"] != before
    other = unchanged.config_digest(scope(safety_stock=2))
    assert other != config
    assert unchanged.fingerprints([("SKU-00001", RECORD)], other)["SKU-00001"] != before


def test_resyncs_and_replays_skip_nothing():
    inventory, orders = scope(), SimpleNamespace(spec=get_flow("orders"))
    assert unchanged.applies(inventory, {"params": {}})
    assert not unchanged.applies(inventory, {"params": {"record_keys": ["SKU-00001"]}})
    assert not unchanged.applies(inventory, {"params": {"resync_from": "2026-11-01"}})
    assert not unchanged.applies(orders, {"params": {}}), "orders always flow: their payload depends on the ERP too"
