"""Intacct's items, list prices and stock per warehouse are read for the storefront: against the emulator."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from storesync.systems.intacct import functions as fn
from storesync.systems.intacct.catalogue import (
    read_inventory,
    read_inventory_by_key,
    read_products,
    read_products_by_key,
)
from tests.storesync.systems.intacct.support import post_orders, web_order

EVER = datetime(1970, 1, 1, tzinfo=timezone.utc)


def company(server) -> str:
    return next(iter(server.companies))


def test_items_changed_in_the_window_are_read_with_their_list_price_as_decimal(client, server, clock):
    clock.advance(3600)
    start = clock()
    [changed] = client.execute([fn.update("ITEM", {"ITEMID": "SKU-00002", "BASEPRICE": Decimal("12.10")},
                                          controlid="item-update:test", reference="SKU-00002")])
    assert changed.ok
    items = list(read_products(client, {}, start, start + timedelta(minutes=1)))
    assert [key for key, _ in items] == ["SKU-00002"]
    assert items[0][1]["BASEPRICE"] == Decimal("12.10") and items[0][1]["ITEMTYPE"] == "Inventory"
    assert list(read_products(client, {}, start + timedelta(minutes=1), start + timedelta(minutes=2))) == []


def test_every_item_is_read_in_one_request_per_page(client, server):
    client.open_session()
    server.reset_metering()
    items = list(read_products(client, {}, EVER, datetime.now(timezone.utc) + timedelta(days=1)))
    assert len(items) == len(server.records("ITEM"))
    assert server.metering()["by_function"] == {"query": 1}


def test_named_items_are_read_whatever_their_dates_and_unknown_ids_are_left_out(client):
    assert [key for key, _ in read_products_by_key(client, {}, ["SKU-00003", "NOPE", "SKU-00001"])] == [
        "SKU-00001", "SKU-00003"]


def test_what_the_storefront_may_sell_is_on_hand_less_what_open_orders_hold_over_the_pair_s_warehouses(client, server):
    for warehouse, on_hand in (("MAIN", 10), ("EAST", 5), ("WEST", 100)):
        server.action(company(server), "set_stock", item="SKU-00001", warehouse=warehouse, on_hand=on_hand)
    post_orders(client, web_order("1", ("SKU-00001", "3", "9.95")))  # a pending sales order holds 3 at MAIN
    options = {"inventory_warehouses": ["MAIN", "EAST"], "safety_stock": 2}
    stock = dict(read_inventory(client, options, EVER, EVER))["SKU-00001"]
    assert [(row["WAREHOUSEID"], row["QtyAvailable"]) for row in stock["warehouses"]] == [
        ("MAIN", Decimal(7)), ("EAST", Decimal(5))]
    assert (stock["QtyAvailable"], stock["AvailableToSell"]) == (Decimal(12), Decimal(10))


def test_the_whole_stock_snapshot_is_one_query_per_page_not_one_read_per_item(client, server):
    client.open_session()
    server.reset_metering()
    stock = dict(read_inventory(client, {"inventory_warehouses": ["MAIN", "EAST", "WEST"]}, EVER, EVER))
    assert len(stock) == 6  # every inventory item of the seeded company; SHIPPING and REFUND hold no stock
    assert server.metering()["by_function"] == {"query": 1}


def test_named_items_stock_is_read_and_items_without_stock_are_left_out(client, server):
    server.action(company(server), "set_stock", item="SKU-00002", warehouse="MAIN", on_hand=4)
    stock = dict(read_inventory_by_key(client, {"warehouse_id": "MAIN"}, ["SKU-00002", "SHIPPING", "NOPE"]))
    assert list(stock) == ["SKU-00002"] and stock["SKU-00002"]["AvailableToSell"] == Decimal(4)
