"""Shipments flow, unit level: the Sage 500 read (keyset paging, completeness, scope), the X-Cart load rules,
the mapping specs and the gate frames."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from storesync.systems.sage500 import shipments as sage500_shipments
from storesync.systems.xcart import shipments as xcart_shipments
from storesync.systems.xcart.shipments import load_shipments, next_status
from storesync.config.pairs import INCLUDE_DIR
from storesync.hooks.errors import PermanentRecordError
from storesync.systems import mapping_file, suite_file

UTC = timezone.utc


# -- X-Cart load ----------------------------------------------------------------------------------------------

STATUS_IDS = {"N": 11, "P": 12, "S": 13, "D": 14, "WND": 15, "R": 16}  # a store's own ids, not 1..6


class FakeClient:
    """The calls the loader makes, against native orders kept in a dict, applied as X-Cart's loadRawFixture
    does: ``shippingStatus`` is found by its row ``id``; a tracking row without ``tracking_id`` is added."""

    def __init__(self, orders: dict[int, dict], refuse: bool = False) -> None:
        self.orders = orders
        self.puts: list[tuple[str, dict]] = []
        self.refuse = refuse
        self.status_reads = 0

    def find(self, entity: str, record_id, *, schema="complex"):
        assert entity == "order" and schema is None, "the loader reads the native order"
        order = self.orders.get(int(record_id))
        return json.loads(json.dumps(order)) if order is not None else None

    def request(self, method, path, *, params=None, body=None, schema="complex"):
        assert (method, path, schema) == ("GET", "order-status-shipping", None)
        self.status_reads += 1
        return [{"id": ident, "code": code, "position": ident} for code, ident in STATUS_IDS.items()], {}

    def update(self, entity: str, record_id, changes: dict) -> dict:
        if self.refuse:
            raise PermanentRecordError("400 X-REST-Error: Integrity constraint violation")
        self.puts.append((str(record_id), json.loads(json.dumps(changes))))
        order = self.orders[int(record_id)]
        if "shippingStatus" in changes:
            code = next(c for c, i in STATUS_IDS.items() if i == changes["shippingStatus"]["id"])
            order["shippingStatus"] = {"id": changes["shippingStatus"]["id"], "code": code}
        for row in changes.get("trackingNumbers", []):
            assert "tracking_id" not in row
            order["trackingNumbers"].append({"tracking_id": 900 + len(order["trackingNumbers"]), "value": row["value"]})
        return order


class FakeAdapter:
    def __init__(self, client: FakeClient) -> None:
        self.client = client
        self._cache = {}

    def cached(self, name, build):
        if name not in self._cache:
            self._cache[name] = build()
        return self._cache[name]


def order(order_id: int = 17, status: str = "N", tracking=(), skus=("SKU-00001", "SKU-00002")) -> dict:
    """A native X-Cart order (XLite\\Model\\Order with its associations)."""
    return {"order_id": order_id, "shippingStatus": {"id": STATUS_IDS[status], "code": status},
            "items": [{"sku": s, "amount": 1} for s in skus],
            "trackingNumbers": [{"tracking_id": 100 + i, "value": v} for i, v in enumerate(tracking)]}


def shipment(order_id: int = 17, tracking: str = "1Z001", complete: bool = True, skus=("SKU-00001",),
             carrier: str | None = "UPS") -> dict:
    return {"orderId": order_id, "shipment": "501", "erp_order_number": "W000000017",
            "tracking": {"value": tracking, "carrier": carrier}, "shippingStatus": "S" if complete else "P",
            "items": [{"sku": s, "amount": "1.00000000"} for s in skus]}


def load(client: FakeClient, *records: dict):
    return load_shipments(FakeAdapter(client), [(str(500 + i), r) for i, r in enumerate(records)])


def status_of(client: FakeClient, order_id: int = 17) -> str:
    return client.orders[order_id]["shippingStatus"]["code"]


def test_a_complete_shipment_adds_its_tracking_number_and_ships_the_order():
    """Native write: the status row by this store's id, the new tracking row without id (no carrier field on
    XLite\\Model\\OrderTrackingNumber: the carrier is named in the outcome only)."""
    client = FakeClient({17: order()})
    [outcome] = load(client, shipment())
    assert outcome.outcome == "loaded" and outcome.target_id == "17"
    assert client.puts == [("17", {"trackingNumbers": [{"value": "1Z001"}], "shippingStatus": {"id": 13}})]
    assert "N → S" in outcome.detail and "1Z001 (UPS)" in outcome.detail


def test_a_rerun_changes_nothing_and_sends_nothing():
    client = FakeClient({17: order()})
    load(client, shipment())
    [outcome] = load(client, shipment())
    assert outcome.outcome == "skipped" and "already up to date" in outcome.detail
    assert len(client.puts) == 1


def test_a_tracking_number_written_differently_is_still_the_same_parcel():
    client = FakeClient({17: order(status="S", tracking=("1z 001",))})
    [outcome] = load(client, shipment(tracking="1Z001"))
    assert outcome.outcome == "skipped" and client.puts == []


def test_a_partial_shipment_sets_processing_and_a_second_parcel_keeps_the_first():
    client = FakeClient({17: order()})
    load(client, shipment(tracking="1Z001", complete=False))
    assert status_of(client) == "P"
    load(client, shipment(tracking="1Z002", complete=True, skus=("SKU-00002",), carrier=None))
    # Only the new row is sent: a row already there, sent without its id, would be added a second time.
    assert client.puts[-1][1] == {"trackingNumbers": [{"value": "1Z002"}], "shippingStatus": {"id": 13}}
    assert [row["value"] for row in client.orders[17]["trackingNumbers"]] == ["1Z001", "1Z002"]


def test_a_shipment_of_several_packages_adds_each_number_once_in_one_write():
    client = FakeClient({17: order(tracking=("1Z002",))})
    record = {**shipment(tracking="1Z001"), "more_tracking": [{"value": "1z 002", "carrier": "UPS"},
                                                             {"value": "1Z003", "carrier": "UPS"}]}
    [outcome] = load(client, record)
    assert client.puts == [("17", {"trackingNumbers": [{"value": "1Z001"}, {"value": "1Z003"}],
                                   "shippingStatus": {"id": 13}})]
    assert "tracking 1Z001 (UPS) added" in outcome.detail and "tracking 1Z003 (UPS) added" in outcome.detail
    [again] = load(client, record)
    assert again.outcome == "skipped" and "1Z001, 1z 002, 1Z003 present" in again.detail and len(client.puts) == 1


def test_status_ids_are_read_from_the_store_once_per_task():
    """Status rows are the store's auto-increment rows (sql/xlite_data.yaml fixtures): read, not assumed."""
    client = FakeClient({17: order(), 18: order(order_id=18)})
    load(client, shipment(), shipment(order_id=18, tracking="1Z777"))
    assert client.status_reads == 1 and status_of(client, 18) == "S"


@pytest.mark.parametrize(("current", "wanted", "expected"), [
    ("N", "P", "P"), ("N", "S", "S"), ("P", "S", "S"), (None, "P", "P"),
    ("P", "P", None), ("S", "S", None), ("S", "P", None), ("D", "S", None), ("WND", "S", None), ("R", "P", None),
])
def test_an_order_only_moves_forward(current, wanted, expected):
    assert next_status(current, wanted) == expected


def test_a_delivered_order_gets_the_tracking_number_but_stays_delivered():
    client = FakeClient({17: order(status="D")})
    [outcome] = load(client, shipment(tracking="1Z009"))
    assert client.puts == [("17", {"trackingNumbers": [{"value": "1Z009"}]})]
    assert "stays D" in outcome.detail


def test_an_unknown_order_goes_to_the_dlq_naming_the_order():
    client = FakeClient({})
    [outcome] = load(client, shipment(order_id=99))
    assert outcome.outcome == "dlq" and outcome.reason_code == "unknown_order"
    assert outcome.detail.startswith("shipment 500: field order_reference: X-Cart has no order 99")
    assert "W000000017" in outcome.detail


def test_a_line_whose_sku_is_not_on_the_order_goes_to_the_dlq_naming_line_and_sku():
    client = FakeClient({17: order()})
    [outcome] = load(client, shipment(skus=("sku-00002", "SKU-00077")))
    assert outcome.outcome == "dlq" and outcome.reason_code == "unknown_line"
    assert "line 2 (field lines[1].sku): SKU 'SKU-00077' not on X-Cart order 17" in outcome.detail
    assert outcome.failed == ["lines[1].sku: SKU 'SKU-00077' not on order 17"]
    assert client.puts == []


def test_a_refused_update_goes_to_the_dlq():
    [outcome] = load(FakeClient({17: order()}, refuse=True), shipment())
    assert outcome.outcome == "dlq" and outcome.reason_code == "target_rejected" and "order 17" in outcome.detail


# -- Sage 500 read ---------------------------------------------------------------------------------------------

def test_out_of_scope_only_for_existing_orders_without_the_storefront_reference():
    options = {"storefront_reference_prefix": "XC-"}
    assert sage500_shipments.out_of_scope({"ShipKey": 1, "SOTranNo": "W000000017", "UserFld1": "XC-17"}, options) is None
    assert sage500_shipments.out_of_scope({"ShipKey": 1, "SOTranNo": None, "UserFld1": None}, options) is None
    reason = sage500_shipments.out_of_scope({"ShipKey": 4, "SOTranNo": "0000700001", "UserFld1": None}, options)
    assert reason.startswith("shipment 4: sales order 0000700001 did not come from the storefront")
    assert "UserFld1 'AMZ-9'" in sage500_shipments.out_of_scope(
        {"ShipKey": 5, "SOTranNo": "X1", "UserFld1": "AMZ-9"}, options)


@pytest.mark.parametrize(("value", "expected"), [
    (None, None), ("", None),
    (datetime(2026, 11, 20, 0, 5), "2026-11-20T00:05:00+00:00"),
    ("2026-11-20 00:05:00", "2026-11-20T00:05:00+00:00"),
    ("2026-11-20T00:05:00+01:00", "2026-11-19T23:05:00+00:00"),
    ("garbage", "garbage"),
])
def test_sage_times_become_utc_iso_text(value, expected):
    assert sage500_shipments.utc_iso(value) == expected


@pytest.fixture
def sandbox_hook(monkeypatch, tmp_path):
    """A Sage500Hook on a seeded SQLite sandbox with three web orders taken to sales orders."""
    from include.sandbox.sage500.dialects import connect
    from include.sandbox.sage500.schema import create_schema
    from include.sandbox.sage500.seed import seed_database
    from include.sandbox.sage500.procedures import run_sales_order_import
    from storesync.systems.sage500.hook import Sage500Hook

    database = str(tmp_path / "sage500.db")
    connection = connect("sqlite", database=database)
    create_schema(connection, "sqlite")
    seed_database(connection, "sqlite", seed=7, items=10, customers=5)
    cursor = connection.cursor()
    cust_id = cursor.execute("SELECT CustID FROM tarCustomer ORDER BY CustKey").fetchone()[0]
    for number in (1, 2, 3):
        tran = f"W{number:09d}"
        cursor.execute("INSERT INTO StgSalesOrder (SessionKey, ProcessStatus, Action, TranNo, TranDate, CustID, CurrID, "
                       "Hold, RequireSOAck, Status, UserFld1) VALUES (7, 0, 1, ?, ?, ?, 'USD', '0', '0', '1', ?)", tran,
                       datetime(2026, 11, 19), cust_id,
                       f"XC-{number}" if number != 3 else None)
        for line_no, item in ((1, "SKU-00001"), (2, "SKU-00002")):
            cursor.execute("INSERT INTO StgSOLine (SessionKey, ProcessStatus, Action, TranNo, SOLineNo, ItemID, QtyOrd, "
                           "WarehouseID, CmntOnly, Hold, ReqCert, DeliveryMeth, Status) "
                           "VALUES (7, 0, 1, ?, ?, ?, '3', 'MAIN', '0', '0', '0', '1', '1')", tran, line_no, item)
    connection.commit()
    run_sales_order_import(connection, 7)
    connection.commit()
    connection.close()
    monkeypatch.setenv("AIRFLOW_CONN_SAGE_TEST", json.dumps({"conn_type": "sage500", "schema": database, "extra": {
        "driver": "SQLite3", "dialect": "sqlite", "company_id": "SOA", "import_procedure": "sandbox", "placeholder": "?"}}))
    hook = Sage500Hook("sage_test")
    hook.sandbox_database = database
    return hook


def ship(hook, tran: str, minute: int, lines=None, tracking="1Z"):
    from include.sandbox.sage500.dialects import connect
    from include.sandbox.sage500.erp_actions import ship_order

    at = datetime(2026, 11, 20, 0, minute)
    connection = connect("sqlite", database=hook.sandbox_database)
    try:
        return ship_order(connection, tran_no=tran, lines=lines, tracking_no=f"{tracking}{minute}", carrier="UPS",
                          ship_date=at, now=at)
    finally:
        connection.close()


def test_the_read_pages_by_shipkey_within_the_window_and_knows_when_the_order_is_complete(sandbox_hook, monkeypatch):
    monkeypatch.setattr(sage500_shipments, "PAGE", 2)
    first = ship(sandbox_hook, "W000000001", 1, lines={1: 3})          # line 1 of 2: partial
    second = ship(sandbox_hook, "W000000002", 2)                        # everything: complete
    third = ship(sandbox_hook, "W000000003", 3)                         # not a web order
    fourth = ship(sandbox_hook, "W000000001", 4, lines={2: 1})         # still partial (2 of 3 open)
    ship(sandbox_hook, "W000000001", 30, lines={2: 2})                  # outside the window
    records = dict(sage500_shipments.read_shipments(
        sandbox_hook, {}, datetime(2026, 11, 20, 0, 0, tzinfo=UTC), datetime(2026, 11, 20, 0, 10, tzinfo=UTC)))
    assert list(records) == [str(s.ship_key) for s in (first, second, third, fourth)]
    one = records[str(first.ship_key)]
    assert one["UserFld1"] == "XC-1" and one["SOTranNo"] == "W000000001" and one["TrackingNo"] == "1Z1"
    assert one["CarrierID"] == "UPS" and one["TranDate"] == "2026-11-20T00:01:00+00:00"
    # "now": the order was completed by the 00:30 shipment, so its earlier shipments read as complete.
    assert one["OrderComplete"] is True
    assert [(l["SOLineNo"], l["ItemID"], l["QtyShipped"]) for l in one["lines"]] == [(1, "SKU-00001", Decimal("3"))]
    assert records[str(second.ship_key)]["OrderComplete"] is True
    assert records[str(third.ship_key)]["UserFld1"] is None
    assert sage500_shipments.out_of_scope(records[str(third.ship_key)], {}) is not None

    by_key = dict(sage500_shipments.read_shipments_by_key(sandbox_hook, {}, [str(fourth.ship_key), "999", "x"]))
    assert list(by_key) == [str(fourth.ship_key)]


def test_a_partial_shipment_reads_as_incomplete(sandbox_hook):
    partial = ship(sandbox_hook, "W000000002", 1, lines={1: 1, 2: 3})
    [(key, record)] = sage500_shipments.read_shipments(
        sandbox_hook, {}, datetime(2026, 11, 20, tzinfo=UTC), datetime(2026, 11, 21, tzinfo=UTC))
    assert key == str(partial.ship_key)
    assert record["OrderComplete"] is False and record["OrderLinesOpen"] == 1


# -- specs and frames -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def engines():
    from storesync.mapping import MappingEngine, load_spec

    return (MappingEngine(load_spec(mapping_file("sage500/shipment_to_canonical.yaml"))),
            MappingEngine(load_spec(mapping_file("xcart/shipment_from_canonical.yaml"))))


RAW = {"ShipKey": 12, "TranNo": "0000000012", "TranDate": "2026-11-20T00:10:00+00:00", "CarrierID": "UPS ",
       "TrackingNo": " 1Z999 ", "SOTranNo": "W000000017", "UserFld1": "XC-17", "OrderComplete": False,
       "lines": [{"SOLineNo": 1, "ItemID": "sku-00012", "QtyShipped": "2.00000000"}]}


def test_specs_map_a_sage_shipment_to_the_canonical_shape_and_an_xcart_order_update(engines):
    to_canonical, to_target = engines
    canonical = to_canonical.map(RAW, {})
    assert canonical == {
        "source_system": "sage500", "source_id": "12", "order_reference": "17", "erp_order_number": "W000000017",
        "tracking_number": "1Z999", "carrier": "UPS", "shipped_at": datetime(2026, 11, 20, 0, 10, tzinfo=UTC),
        "complete": False, "lines": [{"sku": "SKU-00012", "quantity": Decimal("2.00000000")}]}
    target = to_target.map(canonical, {})
    assert target["orderId"] == 17 and target["shippingStatus"] == "P"
    assert target["tracking"] == {"value": "1Z999", "carrier": "UPS"}
    assert target["items"] == [{"sku": "SKU-00012", "amount": Decimal("2.00000000")}]
    assert to_target.map({**canonical, "complete": True}, {})["shippingStatus"] == "S"


def test_a_shipment_without_tracking_number_cannot_be_mapped_naming_the_field(engines):
    from storesync.mapping import RecordMappingError

    with pytest.raises(RecordMappingError) as caught:
        engines[0].map({**RAW, "TrackingNo": None}, {})
    assert "tracking_number" in str(caught.value)


def test_frames_flag_what_the_suites_check():
    from storesync.quality.frames_shipments import order_reference
    from storesync.systems.sage500.frames_shipments import raw_sage500_shipments_frame
    from storesync.systems.xcart.frames_shipments import xcart_shipments_frame

    assert [order_reference(v) for v in ("XC-17", " XC-17 ", "XC-", "XC-1a", None, 17)] == ["17", "17", None, None, None, None]
    raw = raw_sage500_shipments_frame([RAW, {**RAW, "TrackingNo": None, "UserFld1": "XC-",
                                             "lines": [{"ItemID": None, "QtyShipped": "0"}]}, "junk"])
    assert raw["order_reference"].tolist()[0] == "17" and raw["order_reference"].isna().tolist() == [False, True, True]
    assert raw["TrackingNo"].isna().tolist() == [False, True, True]
    assert raw["min_QtyShipped"].tolist()[:2] == [2.0, 0.0] and raw["missing_sku_count"].tolist()[:2] == [0.0, 1.0]
    assert raw["line_count"].tolist() == [1.0, 1.0, 0.0]
    target = xcart_shipments_frame([{"orderId": 17, "tracking": {"value": "1Z"}, "shippingStatus": "S",
                                     "items": [{"sku": "A", "amount": "1"}]}, {"tracking": {"value": " "}}])
    assert target["tracking_value"].isna().tolist() == [False, True]
    assert target["shippingStatus"].tolist()[0] == "S" and target["orderId"].isna().tolist() == [False, True]


def test_the_shipments_suites_pass_good_records_and_name_bad_ones():
    from storesync.quality import run_gate
    from storesync.systems.sage500.frames_shipments import raw_sage500_shipments_frame

    frame = raw_sage500_shipments_frame([RAW, {**RAW, "ShipKey": 13, "TrackingNo": None},
                                         {**RAW, "ShipKey": 14, "lines": [{"ItemID": "A", "QtyShipped": "-1"}]}])
    frame["record_key"] = ["12", "13", "14"]
    result = run_gate(frame, suite_file("shipments_raw__sage500.json"), key_column="record_key")
    assert sorted(result.passed_keys) == ["12"]
    assert any("TrackingNo" in d for d in result.failures["13"])
    assert any("min_QtyShipped" in d for d in result.failures["14"])


def test_a_luhn_valid_tracking_number_passes_extract_unmasked_and_the_gate_still_stops_a_masked_one():
    from storesync.privacy import luhn_valid, scrub_card_data
    from storesync.quality import run_gate
    from storesync.systems.sage500.frames_shipments import raw_sage500_shipments_frame

    fedex_ground = next(str(n) for n in range(612345678901230, 612345678901240) if luhn_valid(str(n)))
    staged = scrub_card_data({**RAW, "ShipKey": 15, "TrackingNo": fedex_ground})
    assert staged["TrackingNo"] == fedex_ground, "a carrier's number is not card data"
    masked = {**RAW, "ShipKey": 16, "TrackingNo": "[card ****1234]"}  # what an older scrub would have left
    frame = raw_sage500_shipments_frame([RAW, staged, masked])
    frame["record_key"] = ["12", "15", "16"]
    result = run_gate(frame, suite_file("shipments_raw__sage500.json"), key_column="record_key")
    assert sorted(result.passed_keys) == ["12", "15"]
    assert any("tracking_masked" in d for d in result.failures["16"])


def test_the_loader_is_registered_for_the_flow():
    from storesync.systems.sage500 import adapter as sage500
    from storesync.systems.xcart import adapter as xcart
    from storesync.flows import get_flow
    from storesync.operators.quality import FRAME_BUILDERS

    spec = get_flow("shipments")
    assert (spec.source, spec.target, spec.load_mode, spec.after) == ("erp", "storefront", "upsert", ("orders",))
    assert xcart.LOADS["shipment"].endswith(":load_shipments")
    assert sage500.EXTRACTS["shipment"].endswith(":read_shipments")
    assert ("sage500", "shipment", "raw") in FRAME_BUILDERS and ("xcart", "shipment", "target") in FRAME_BUILDERS
    assert xcart_shipments.SETTABLE == ("P", "S")
