"""Bad and hostile orders the sandbox can inject, each with the outcome the pipeline must produce.

Shared by the demo and the integration tests so both prove the same behaviour: every bad order ends in
the dead-letter queue (or on hold) with a reason naming the order and the field, and hostile-but-valid
text is loaded byte for byte.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Scenario:
    name: str
    expect: str  # "dlq", "held" or "loaded"
    field: str  # the field the reason must name (for dlq/held)
    mutate: Callable[[dict[str, Any]], None]


def recompute_totals(order: dict[str, Any]) -> None:
    """Make line totals, subtotal and total consistent again after a mutation (numeric items only)."""
    subtotal = Decimal("0")
    for item in order["items"]:
        try:
            item["total"] = (Decimal(str(item["price"])) * Decimal(str(item["amount"]))).quantize(Decimal("0.01"))
        except Exception:  # noqa: BLE001 - a deliberately non-numeric amount keeps its old total
            pass
        subtotal += Decimal(str(item["total"]))
    order["subtotal"] = subtotal
    order["total"] = (subtotal + Decimal(str(order["shippingCost"])) + Decimal(str(order["taxAmount"]))
                      - Decimal(str(order["discountValue"])))


def _set_item(field_name: str, value: Any, *, recompute: bool = True) -> Callable[[dict], None]:
    def mutate(order: dict) -> None:
        order["items"][0][field_name] = value
        if recompute:
            recompute_totals(order)
    return mutate


def _drop(field_name: str) -> Callable[[dict], None]:
    return lambda order: order.pop(field_name, None)


def _set(field_name: str, value: Any) -> Callable[[dict], None]:
    return lambda order: order.__setitem__(field_name, value)


def _total_off_by(delta: str) -> Callable[[dict], None]:
    def mutate(order: dict) -> None:
        order["total"] = Decimal(str(order["total"])) + Decimal(delta)
    return mutate


def _long_city(order: dict) -> None:
    order["shippingInfo"]["city"] = "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch"


def _no_items(order: dict) -> None:
    order["items"] = []
    recompute_totals(order)


def _hostile_text(order: dict) -> None:
    for info in ("billingInfo", "shippingInfo"):
        order[info]["firstname"] = "Zoë'); DROP TABLE x;--"
        order[info]["lastname"] = "Ørsted-O'Brien"
        order[info]["street"] = '1 "Quoted" Straße'
    order["customerInfo"]["firstname"] = "Zoë'); DROP TABLE x;--"


SCENARIOS = [
    Scenario("missing currency", "dlq", "currency", _drop("currency")),
    Scenario("unknown currency", "dlq", "currency", _set("currency", "XXX")),
    Scenario("zero quantity", "dlq", "quantity", _set_item("amount", 0)),
    Scenario("negative quantity", "dlq", "quantity", _set_item("amount", -2)),
    Scenario("non-numeric quantity", "dlq", "quantity", _set_item("amount", "two", recompute=False)),
    Scenario("totals do not add up", "dlq", "total", _total_off_by("5.00")),
    Scenario("no order lines", "dlq", "line", _no_items),
    Scenario("city longer than Sage 500 column", "dlq", "city", _long_city),
    Scenario("SKU unknown to the ERP", "held", "sku", _set_item("sku", "SKU-99999", recompute=False)),
    Scenario("quotes, SQL and non-ASCII text", "loaded", "", _hostile_text),
]


def build_order(template: dict[str, Any], scenario: Scenario, *, timestamp: int) -> dict[str, Any]:
    """A new order (no id: the store assigns one) derived from a clean template and mutated."""
    order = copy.deepcopy(template)
    for key in ("orderId", "orderNumber"):
        order.pop(key, None)
    order["orderDate"] = order["updateDate"] = timestamp
    order["adminNotes"] = f"sandbox scenario: {scenario.name}"
    scenario.mutate(order)
    return order
