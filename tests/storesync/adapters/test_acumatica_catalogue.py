"""Acumatica as the source of the products and inventory flows: what is read, in how many requests, and the
raw records it stages (the same canonical products and stock levels as Sage 500's, once mapped)."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest

from storesync.systems.acumatica import catalogue as acumatica_catalogue
from storesync.systems.acumatica.catalogue import read_inventory, read_inventory_by_key, read_products, read_products_by_key
from tests.storesync.adapters.acumatica_source_fake import FakeAcumatica

UTC = timezone.utc
SINCE, UNTIL = datetime(2026, 11, 19, 23, 45, tzinfo=UTC), datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
WAREHOUSES = {"inventory_warehouses": ["MAIN", "EAST", "WEST"], "safety_stock": 0}


def item(inventory_id: str, modified: str, **fields) -> dict:
    return {"InventoryID": inventory_id, "Description": f"Item {inventory_id}", "ItemStatus": "Active",
            "DefaultPrice": Decimal("12.5"), "ItemClass": "STOCK", "BaseUOM": "EA",
            "LastModifiedDateTime": modified, "WarehouseDetails": [{"WarehouseID": "MAIN", "QtyOnHand": Decimal(1)}],
            **fields}


def stock(inventory_id: str, warehouse: str, available, on_hand=None) -> dict:
    return {"InventoryID": inventory_id, "WarehouseID": warehouse, "QtyAvailable": Decimal(str(available)),
            "QtyOnHand": Decimal(str(on_hand if on_hand is not None else available)),
            "LastModifiedDateTime": "2026-11-19T08:00:00+00:00"}


# -- products ----------------------------------------------------------------------------------------------------

def test_products_are_the_stock_items_changed_in_the_window_from_inclusive_to_exclusive():
    client = FakeAcumatica(items=[
        item("SKU-00001", "2026-11-19T23:45:00+00:00"),   # exactly at the start: in
        item("SKU-00002", "2026-11-20T00:30:00+00:00"),
        item("SKU-00003", "2026-11-20T01:00:00+00:00"),   # exactly at the end: the next run's
        item("SKU-00004", "2026-11-18T10:00:00+00:00"),
    ])
    assert [key for key, _ in read_products(client, {}, SINCE, UNTIL)] == ["SKU-00001", "SKU-00002"]
    [request] = client.requests("list", "StockItem")
    assert "LastModifiedDateTime ge" in request["filter"] and "LastModifiedDateTime lt" in request["filter"]
    assert set(request["select"]) >= {"InventoryID", "Description", "ItemStatus", "DefaultPrice"}


def test_a_product_is_staged_with_stripped_text_decimal_price_and_utc_time():
    client = FakeAcumatica(items=[item(" SKU-00009 ", "2026-11-20T01:30:00+01:00", Description="  Blue mug ",
                                       ItemStatus="No Sales", DefaultPrice=Decimal("7.25"))])
    [(key, record)] = read_products(client, {}, SINCE, UNTIL)
    assert key == "SKU-00009"
    assert record == {"InventoryID": "SKU-00009", "Description": "Blue mug", "ItemStatus": "No Sales",
                      "DefaultPrice": Decimal("7.25"), "ItemClass": "STOCK", "BaseUOM": "EA",
                      "LastModifiedDateTime": "2026-11-20T00:30:00+00:00"}


def test_products_can_be_read_by_key_for_a_resync_and_unknown_ids_are_left_out():
    client = FakeAcumatica(items=[item("SKU-00001", "2020-01-01T00:00:00+00:00")])
    assert [key for key, _ in read_products_by_key(client, {}, ["SKU-00001", "NOPE", " "])] == ["SKU-00001"]


# -- inventory ---------------------------------------------------------------------------------------------------

def stocked(rows, **kwargs) -> FakeAcumatica:
    """A fake whose stock items are the items the stock rows name (the inventory lists them first)."""
    items = [{"InventoryID": item} for item in sorted({row["InventoryID"] for row in rows})]
    return FakeAcumatica(items=items, stock=rows, **kwargs)


def test_available_stock_is_summed_over_the_pair_warehouses_only_less_safety_stock():
    client = stocked([
        stock("SKU-00001", "MAIN", 5), stock("SKU-00001", "EAST", "2.5"), stock("SKU-00001", "WEST", 1),
        stock("SKU-00001", "NORTH", 100),                       # not a storefront warehouse
        stock("SKU-00002", "MAIN", 1),
        stock("SKU-00003", "EAST", -4, on_hand=2),               # over-allocated
    ])
    levels = dict(read_inventory(client, {**WAREHOUSES, "safety_stock": 2}, SINCE, UNTIL))
    assert list(levels) == ["SKU-00001", "SKU-00002", "SKU-00003"]
    first = levels["SKU-00001"]
    assert first["QtyAvailable"] == Decimal("8.5") and first["SafetyStock"] == Decimal(2)
    assert first["AvailableToSell"] == Decimal(6), "8.5 - 2, whole units"
    assert [w["WarehouseID"] for w in first["warehouses"]] == ["MAIN", "EAST", "WEST"]
    assert levels["SKU-00002"]["AvailableToSell"] == 0, "never below zero"
    assert levels["SKU-00003"]["QtyAvailable"] == Decimal(-4) and levels["SKU-00003"]["AvailableToSell"] == 0


def test_rows_carry_no_item_so_the_inventory_asks_once_per_item_and_keys_rows_by_the_item_asked():
    """InventorySummaryRow has no InventoryID (Default/24.200.001 model): one inquiry per item after one StockItem
    listing (paged by the real client: test_conformance_inventory.py measures the requests per SKU over HTTP)."""
    client = stocked([stock(f"SKU-{n:05d}", warehouse, n % 7)
                      for n in range(1, 1001) for warehouse in ("MAIN", "EAST", "WEST")])
    levels = dict(read_inventory(client, WAREHOUSES, SINCE, UNTIL))
    assert len(levels) == 1000 and levels["SKU-00008"]["QtyAvailable"] == Decimal(3)
    inquiries = client.requests("inquiry", "InventorySummaryInquiry")
    assert [call["InventoryID"] for call in inquiries] == sorted(levels)
    assert all("WarehouseID" not in call for call in inquiries)  # every warehouse in one answer
    assert [call["select"] for call in client.requests("list", "StockItem")] == [("InventoryID",)]


def test_location_rows_of_one_warehouse_are_summed_and_other_rows_never_count():
    client = stocked([stock("SKU-00001", "MAIN", 3), stock("SKU-00001", "MAIN", 2), stock("SKU-00001", "EAST", 4),
                      stock("SKU-00001", "NORTH", 9), {**stock("SKU-00001", "MAIN", 50), "WarehouseID": None}])
    [(_, level)] = read_inventory(client, WAREHOUSES, SINCE, UNTIL)
    assert level["QtyAvailable"] == Decimal(9) and [w["QtyAvailable"] for w in level["warehouses"]] == [5, 4]


def test_an_instance_that_ignores_the_warehouse_parameter_does_not_make_stock_count_twice():
    client = stocked([stock("SKU-00001", "MAIN", 3), stock("SKU-00001", "EAST", 4)])
    client.ignores_warehouse_parameter = True
    [(_, level)] = read_inventory(client, {"warehouse_id": "MAIN"}, SINCE, UNTIL)
    assert level["QtyAvailable"] == Decimal(3) and len(level["warehouses"]) == 1


def test_without_inventory_warehouses_the_orders_warehouse_feeds_the_storefront():
    client = stocked([stock("SKU-00001", "MAIN", 3), stock("SKU-00001", "CENTRAL", 4)])
    [(_, level)] = read_inventory(client, {"warehouse_id": "CENTRAL"}, SINCE, UNTIL)
    assert level["QtyAvailable"] == Decimal(4)
    assert client.requests("inquiry", "InventorySummaryInquiry") == [{"InventoryID": "SKU-00001",
                                                                      "WarehouseID": "CENTRAL"}]


def test_an_unreadable_quantity_is_staged_as_missing_for_the_gate_to_name():
    client = stocked([stock("SKU-00001", "MAIN", 3), {**stock("SKU-00001", "EAST", 1), "QtyAvailable": "n/a"}])
    [(_, level)] = read_inventory(client, WAREHOUSES, SINCE, UNTIL)
    assert [w["QtyAvailable"] for w in level["warehouses"]] == [Decimal(3), None]
    assert level["QtyAvailable"] == Decimal(3)


def test_stock_can_be_read_by_key_for_a_replay():
    client = stocked([stock("SKU-00001", "MAIN", 3), stock("SKU-00002", "MAIN", 4)])
    assert [(k, v["QtyAvailable"]) for k, v in read_inventory_by_key(client, WAREHOUSES, ["SKU-00002", "NOPE"])] == \
        [("SKU-00002", Decimal(4))]
    assert [call["InventoryID"] for call in client.requests("inquiry", "InventorySummaryInquiry")] == ["SKU-00002", "NOPE"]


@pytest.mark.parametrize(("entity", "function"), [
    ("product", "read_products"), ("inventory", "read_inventory"),
])
def test_the_readers_are_registered_for_the_flows(entity, function):
    from storesync.systems.acumatica import adapter as acumatica
    assert acumatica.EXTRACTS[entity] == f"storesync.systems.acumatica.catalogue:{function}"
    assert acumatica.EXTRACT_KEYS[entity] == f"storesync.systems.acumatica.catalogue:{function}_by_key"
    assert callable(getattr(acumatica_catalogue, function))
