"""What the storefront may sell of an item: the inventory flow's rule, for every ERP.

The pair names the warehouses that feed the storefront (option ``inventory_warehouses``; default the orders'
``warehouse_id``, else MAIN) and a safety stock it keeps back (``safety_stock``, per SKU). Each ERP adapter
reads its own notion of *available* per warehouse (Sage 500: QtyOnHand - PendQtyDecrease; Acumatica:
QtyAvailable); the sum over the pair's warehouses, less the safety stock, floored at zero and to a whole
unit, is what the storefront shows.

When the ERP's stock itself is wrong (negative on-hand: shipped before received), the raw quality gate puts
the item in the DLQ, and :func:`sell_nothing` is its fail-safe: the storefront is told 0 for that SKU rather
than keeping its older, higher figure (an oversell), until the ERP is fixed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Any

DEFAULT_WAREHOUSE = "MAIN"


@dataclass(frozen=True)
class StockRule:
    warehouses: tuple[str, ...]
    safety_stock: Decimal

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> StockRule:
        warehouses = options.get("inventory_warehouses") or [options.get("warehouse_id", DEFAULT_WAREHOUSE)]
        return cls(warehouses=tuple(str(w).strip() for w in warehouses),
                   safety_stock=Decimal(str(options.get("safety_stock", 0))))

    def covers(self, warehouse_id: Any) -> bool:
        """Whether a warehouse feeds the storefront (ERP ids may come padded or in another case)."""
        return str(warehouse_id or "").strip().upper() in {w.upper() for w in self.warehouses}

    @staticmethod
    def available(quantities: Iterable[Decimal]) -> Decimal:
        """The ERP's availability summed over the pair's warehouses (the caller picks the rows)."""
        return sum(quantities, Decimal(0))

    def to_sell(self, available: Decimal) -> Decimal:
        """What the storefront shows: available less safety stock, never below zero, whole units."""
        return max(Decimal(0), available - self.safety_stock).to_integral_value(rounding=ROUND_FLOOR)


#: Raw inventory frame columns whose failure means "the ERP's quantities are wrong", not "the record is unusable".
STOCK_QUANTITY_COLUMNS = ("min_QtyOnHand", "min_PendQtyDecrease", "min_QtyAvailable", "AvailableToSell")
#: Alert kind (sent once per SKU and reason: operators.skip_alerts) for SKUs published as 0 this way.
NEGATIVE_STOCK_ALERT = "negative_stock"


def sell_nothing(payload: Any, failed: Sequence[str]) -> dict[str, Any] | None:
    """The raw inventory record to publish instead of a quarantined one: nothing to sell.

    Only when every failed expectation is about the stock quantities and the record still names its item;
    otherwise None (the record is unusable and is only quarantined).
    """
    if not isinstance(payload, dict) or not failed:
        return None
    if not all(any(f"column={column}," in text or f"column={column})" in text for column in STOCK_QUANTITY_COLUMNS)
               for text in failed):
        return None
    return {**payload, "AvailableToSell": 0}
