"""Conformance: stock through ``InventorySummaryInquiry`` and ``StockItem.WarehouseDetails``.

Sources: Acumatica/AcumaticaRESTAPIClientForCSharp, ``Acumatica.Default_24.200.001/Model/InventorySummaryInquiry.cs``
(parameters ExpandByLotSerialNbr, InventoryID, LocationID, Subitem, WarehouseID; ``Results``),
``InventorySummaryRow.cs`` (BaseUOM, EstimatedTotalCost, EstimatedUnitCost, ExpirationDate, LocationID,
LotSerialNbr, QtyAvailable, QtyAvailableForShipment, QtyNotAvailable, QtyOnHand, Subitem, WarehouseID: **no
InventoryID**), ``StockItemWarehouseDetail.cs`` (QtyOnHand, no availability), and the swagger's
``PUT /InventorySummaryInquiry`` (an inquiry is read by PUT with ``$expand=Results``).
"""

from __future__ import annotations

import json

import pytest

from include.sandbox.acumatica import AcumaticaServer
from tests.sandbox.acumatica.api import value, wrapped

ROW_FIELDS = {"BaseUOM", "EstimatedTotalCost", "EstimatedUnitCost", "ExpirationDate", "LocationID", "LotSerialNbr",
              "QtyAvailable", "QtyAvailableForShipment", "QtyNotAvailable", "QtyOnHand", "Subitem", "WarehouseID"}


@pytest.fixture
def server():
    with AcumaticaServer(seed=3, items=5, customers=2) as running:
        yield running


def test_summary_rows_carry_no_inventory_id_only_the_row_models_fields(api):
    """InventorySummaryRow.cs has no InventoryID."""
    reply = api.put("InventorySummaryInquiry", wrapped(InventoryID="SKU-00001"), expand="Results")
    assert reply.status == 200 and reply.body["Results"]
    for row in reply.body["Results"]:
        fields = set(row) - {"id", "rowNumber", "custom", "note", "_links"}
        assert "InventoryID" not in row and fields <= ROW_FIELDS


def test_the_inquiry_answers_for_the_item_it_names_and_no_rows_without_one(api):
    """InventorySummaryInquiry.cs: InventoryID is a parameter; rows that cannot say their item only make sense
    for the one asked (least forgiving where the guide is silent: no item, no rows)."""
    assert api.put("InventorySummaryInquiry", {}, expand="Results").body["Results"] == []
    one = api.put("InventorySummaryInquiry", wrapped(InventoryID="SKU-00002", WarehouseID="MAIN"),
                  expand="Results").body["Results"]
    assert [value(row, "WarehouseID") for row in one] == ["MAIN"]


def test_the_models_other_parameters_are_accepted(api):
    """InventorySummaryInquiry.cs: ExpandByLotSerialNbr, LocationID, Subitem."""
    reply = api.put("InventorySummaryInquiry", wrapped(InventoryID="SKU-00001", ExpandByLotSerialNbr=False,
                                                       LocationID=None, Subitem=None), expand="Results")
    assert reply.status == 200, reply.text


def test_results_come_only_when_expanded(api):
    """swagger: ``$expand`` — "The linked and detail entities that should be expanded"."""
    assert "Results" not in api.put("InventorySummaryInquiry", wrapped(InventoryID="SKU-00001")).body


def test_stock_item_warehouse_details_have_on_hand_but_no_availability(api):
    """StockItemWarehouseDetail.cs: QtyOnHand; no QtyAvailable."""
    item = api.get("StockItem", "SKU-00001", expand="WarehouseDetails").body
    assert item["WarehouseDetails"]
    for row in item["WarehouseDetails"]:
        assert "QtyOnHand" in row and "QtyAvailable" not in row and "LastModifiedDateTime" not in row


def test_the_connectors_stock_read_costs_one_inquiry_per_sku_plus_the_listing_pages(monkeypatch, server):
    """Measured: the inventory reader through the real client against the emulator. N SKUs at page size P cost
    ceil((N+1)/P) StockItem pages (the last one short or empty) + N inquiries, plus the sign-in: 1.002
    requests per SKU at the default page size of 500."""
    from datetime import datetime, timezone

    from storesync.systems.acumatica.catalogue import read_inventory
    from storesync.systems.acumatica.hook import AcumaticaHook

    monkeypatch.setenv("AIRFLOW_CONN_ACU_STOCK", json.dumps({
        "conn_type": "acumatica", "host": server.base_url, "login": server.username, "password": server.password,
        "extra": {"tenant": server.tenant, "page_size": 2}}))
    server.stats.reset()
    skus = len(server.store.records("StockItem"))
    moment = datetime(2026, 1, 1, tzinfo=timezone.utc)
    with AcumaticaHook("acu_stock").get_client() as client:
        levels = dict(read_inventory(client, {"inventory_warehouses": ["MAIN", "EAST", "WEST"]}, moment, moment))
    requests = server.stats_snapshot()["requests"]  # the sign-out is not queued, so not counted
    pages = skus // 2 + 1
    assert len(levels) == skus == 5
    assert requests == 1 + pages + skus  # sign-in + 3 pages + 5 inquiries = 9 for 5 SKUs
    expected = {row["InventoryID"]: 0 for row in server.store.inventory_summary()}
    for row in server.store.inventory_summary():
        expected[row["InventoryID"]] += row["QtyAvailable"]
    assert {sku: level["QtyAvailable"] for sku, level in levels.items()} == expected
