"""The flows the product knows, declared as data: entity, direction, and how loading behaves.

A flow's DAG is the same task shape for every pair; only the adapters and specs behind it change.

- ``create_once`` flows create documents (sales orders, receipts, credit memos): a record already
  cross-referenced is never sent again.
- ``upsert`` flows mirror state (products, stock): every changed record is written again, and with
  ``push_changes_only`` a record whose target payload equals what was last pushed is skipped. With
  ``skip_unchanged_source`` as well, a source record equal to the one whose target payload was last pushed
  (same mappings, suites and options) is skipped at extraction already, so gates, transform and load only see
  what changed (for flows whose target payload depends on the source record alone).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass



class _Systems(Mapping):
    """Installed system name -> which side of a pair it can stand on (its declared role)."""

    def __getitem__(self, name: str) -> str:
        from storesync.systems import INSTALLED, system

        if name not in INSTALLED:
            raise KeyError(name)
        return system(name).role

    def __iter__(self):
        from storesync.systems import INSTALLED

        return iter(INSTALLED)

    def __len__(self) -> int:
        from storesync.systems import INSTALLED

        return len(INSTALLED)


# system name -> which side of a pair it can stand on (from the registry: storesync.systems)
SYSTEMS = _Systems()
LOAD_MODES = ("create_once", "upsert")


@dataclass(frozen=True)
class FlowSpec:
    name: str
    entity: str
    source: str  # "storefront" or "erp"
    target: str
    description: str
    load_mode: str = "create_once"
    push_changes_only: bool = False
    skip_unchanged_source: bool = False
    write_back: bool = False
    # Flows that must run before this one in a full sync (the demo's order, and asset dependencies).
    after: tuple[str, ...] = ()
    # A flow that moves data both ways is one DAG whose legs (flows of their own, each with its own
    # pair-config section, staging and DLQ scope) run one after the other; ``leg_label`` names the group.
    legs: tuple[str, ...] = ()
    # Held records (waiting for something in the target, e.g. the order a payment applies to) are fetched
    # again by every run until they load: held means waiting, never dropped.
    retry_held: bool = False
    leg_label: str | None = None
    part_of: str | None = None

    def __post_init__(self) -> None:
        if self.load_mode not in LOAD_MODES:
            raise ValueError(f"flow {self.name}: load_mode '{self.load_mode}' not one of {', '.join(LOAD_MODES)}")
        if self.skip_unchanged_source and not self.push_changes_only:
            raise ValueError(f"flow {self.name}: skip_unchanged_source needs push_changes_only")

    @property
    def has_write_back(self) -> bool:
        return self.write_back


FLOWS = {
    "products": FlowSpec(
        name="products", entity="product", source="erp", target="storefront", load_mode="upsert",
        push_changes_only=True, skip_unchanged_source=True,
        description="Item master and list prices from the ERP create and update storefront products; "
                    "inactive or discontinued items are disabled, never deleted.",
    ),
    "inventory": FlowSpec(
        name="inventory", entity="inventory", source="erp", target="storefront", load_mode="upsert",
        push_changes_only=True, skip_unchanged_source=True, after=("products",),
        description="Available quantity per SKU from the ERP (the system of record); only changed SKUs are written.",
    ),
    "customers": FlowSpec(
        name="customers", entity="customer", source="storefront", target="erp", load_mode="upsert",
        push_changes_only=True, legs=("customers", "customers_from_erp"), leg_label="to_erp",
        description="Storefront registrations create or update ERP customers (matched by e-mail, then name + "
                    "postal code); ERP edits of address and status flow back to the storefront.",
    ),
    "customers_from_erp": FlowSpec(
        name="customers_from_erp", entity="erp_customer", source="erp", target="storefront", load_mode="upsert",
        push_changes_only=True, part_of="customers", leg_label="from_erp",
        description="ERP-side customer edits (address, status) flow back to the storefront account.",
    ),
    "orders": FlowSpec(
        name="orders", entity="order", source="storefront", target="erp", write_back=True,
        after=("products", "customers"),
        description="New and changed web orders become ERP sales orders; the ERP order number is written back.",
    ),
    "shipments": FlowSpec(
        name="shipments", entity="shipment", source="erp", target="storefront", load_mode="upsert",
        after=("orders",),
        description="ERP shipments of web orders add their tracking numbers to the storefront order and move it "
                    "to processing (partial) or shipped (complete), never backwards.",
    ),
    "payments": FlowSpec(
        name="payments", entity="payment", source="storefront", target="erp", load_mode="create_once",
        retry_held=True, after=("orders",),
        description="Captured storefront payments become ERP customer payments applied to the web order's sales "
                    "order; declined ones are alerted, payments for orders the ERP lacks wait (held).",
    ),
    "refunds": FlowSpec(
        name="refunds", entity="refund", source="storefront", target="erp", load_mode="create_once",
        retry_held=True, after=("orders",),
        description="Storefront refunds become ERP credit memos for the order's customer, applied to the order.",
    ),
}


def get_flow(name: str) -> FlowSpec:
    if name not in FLOWS:
        raise KeyError(f"unknown flow '{name}'; valid: {', '.join(sorted(FLOWS))}")
    return FLOWS[name]


def dependency_order(names: list[str]) -> list[str]:
    """``names`` sorted so that every flow comes after the flows it depends on."""
    ordered: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in ordered:
            return
        if name in visiting:
            raise ValueError(f"flow dependency cycle through '{name}'")
        visiting.add(name)
        for dependency in get_flow(name).after:
            if dependency in names:
                visit(dependency)
        visiting.discard(name)
        ordered.append(name)

    for name in sorted(names):
        visit(name)
    return ordered
