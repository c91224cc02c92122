"""The Intacct pair's mapping specs load, and map what the adapter's readers really read from the emulator."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from storesync.mapping.engine import MappingEngine
from storesync.systems.intacct.catalogue import read_inventory_by_key, read_products_by_key
from storesync.systems.intacct.customers import read_customers_by_key

MAPPINGS = Path(__file__).resolve().parents[4] / "plugins/storesync/systems/intacct/mappings"


def engine(name: str) -> MappingEngine:
    return MappingEngine.from_file(MAPPINGS / f"{name}.yaml")


@pytest.mark.parametrize("path", sorted(MAPPINGS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_spec_compiles(path):
    assert MappingEngine.from_file(path).spec.name.startswith("intacct_")


def test_an_intacct_item_becomes_a_product_with_its_exact_list_price(client):
    [(key, item)] = list(read_products_by_key(client, {}, ["SKU-00001"]))
    product = engine("item_to_canonical").map(item)
    assert product["sku"] == "SKU-00001" and product["list_price"] == item["BASEPRICE"]
    assert isinstance(product["list_price"], Decimal) and product["active"] is (item["STATUS"] == "active")


def test_intacct_stock_becomes_an_inventory_level_in_whole_units(client, server):
    server.action(next(iter(server.companies)), "set_stock", item="SKU-00001", warehouse="MAIN", on_hand=7)
    [(key, stock)] = list(read_inventory_by_key(client, {"safety_stock": 2}, ["SKU-00001"]))
    assert engine("inventory_to_canonical").map(stock)["available"] == 5


def test_an_intacct_customer_becomes_a_canonical_customer_with_its_address(client, server):
    seeded = server.records("CUSTOMER")[0]
    [(key, customer)] = list(read_customers_by_key(client, {}, [seeded["CUSTOMERID"]]))
    canonical = engine("customer_to_canonical").map(customer)
    assert canonical["email"] == seeded["DISPLAYCONTACT.EMAIL1"].lower()
    assert canonical["billing_address"]["postal_code"] == seeded["DISPLAYCONTACT.MAILADDRESS.ZIP"]
    assert canonical["status"] == seeded["STATUS"]


def test_a_new_web_buyer_is_named_after_the_buyer_not_the_billing_address():
    from dataclasses import replace

    from storesync.canonical import Address
    from tests.storesync.systems.intacct.support import web_order

    order = web_order("17")  # buyer Ann Lee
    order = replace(order, billing_address=Address("Accounts Payable", "1 Main St", "", "Springfield", "IL",
                                                   "62701", "US"))
    mapped = engine("order_from_canonical").map(order.to_dict(), {"customer_id": "WEBGUEST", "new_customer_id": "XG1",
                                                        "warehouse_id": "MAIN"})
    assert mapped["_buyer_name"] == "Ann Lee"
