"""The flows the product knows, declared as data: entity, direction, and the adapters' roles.

A flow's DAG is the same task shape for every pair; only the adapters and specs behind it change.
"""

from __future__ import annotations

from dataclasses import dataclass

# system name -> which side of a pair it can stand on
SYSTEMS = {"xcart": "storefront", "clarity": "storefront", "sage500": "erp", "intacct": "erp",
           "acumatica": "erp", "dynamicssl": "erp"}


@dataclass(frozen=True)
class FlowSpec:
    name: str
    entity: str
    source: str  # "storefront" or "erp"
    target: str
    description: str

    @property
    def has_write_back(self) -> bool:
        return self.source == "storefront"


FLOWS = {
    "orders": FlowSpec(
        name="orders",
        entity="order",
        source="storefront",
        target="erp",
        description="New and changed web orders become ERP sales orders; the ERP order number is written back.",
    ),
}


def get_flow(name: str) -> FlowSpec:
    if name not in FLOWS:
        raise KeyError(f"unknown flow '{name}'; valid: {', '.join(sorted(FLOWS))}")
    return FLOWS[name]
