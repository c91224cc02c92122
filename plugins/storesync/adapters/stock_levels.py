"""What the storefront may sell of an item: the inventory flow's rule, for every ERP.

The pair names the warehouses that feed the storefront (option ``inventory_warehouses``; default the orders'
``warehouse_id``, else MAIN) and a safety stock it keeps back (``safety_stock``, per SKU). Each ERP adapter
reads its own notion of *available* per warehouse (Sage 500: QtyOnHand - PendQtyDecrease; Acumatica:
QtyAvailable); the sum over the pair's warehouses, less the safety stock, floored at zero and to a whole
unit, is what the storefront shows.
"""

from __future__ import annotations

from collections.abc import Iterable
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
