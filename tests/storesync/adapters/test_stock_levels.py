"""What the storefront may sell: the ERP's availability over the pair's warehouses, less safety stock."""

from __future__ import annotations

from decimal import Decimal

import pytest

from storesync.adapters.stock_levels import StockRule


def test_the_pair_warehouses_come_from_the_inventory_option_else_the_orders_warehouse_else_main():
    assert StockRule.from_options({"inventory_warehouses": ["MAIN", " EAST "]}).warehouses == ("MAIN", "EAST")
    assert StockRule.from_options({"warehouse_id": "CENTRAL"}).warehouses == ("CENTRAL",)
    assert StockRule.from_options({}).warehouses == ("MAIN",)


def test_a_warehouse_id_matches_whatever_its_padding_or_case():
    rule = StockRule.from_options({"inventory_warehouses": ["MAIN"]})
    assert rule.covers("main  ") and not rule.covers("MAINX") and not rule.covers(None)


@pytest.mark.parametrize(("available", "safety", "expected"), [
    ("10", "0", 10), ("10", "3", 7), ("2", "5", 0), ("7.9", "0", 7), ("-4", "0", 0),
])
def test_what_may_be_sold_is_available_less_safety_stock_in_whole_units_never_negative(available, safety, expected):
    rule = StockRule.from_options({"safety_stock": safety})
    assert rule.to_sell(rule.available([Decimal(available)])) == Decimal(expected)
