"""Conventions: what a pair file need not say, derived from the flow and the systems the pair names.

A flow's mapping specs and expectation suites are found by name: the source system's spec turns its record
into the canonical one, the target system's spec turns the canonical record into its own::

    <source system folder>/mappings/<source record>_to_canonical.yaml      (role to_canonical)
    <target system folder>/mappings/<target record>_from_canonical.yaml    (role to_target)
    <source system folder>/expectations/<raw suite>__<source system>.json  (stage raw)
    <target system folder>/expectations/<target suite>__<target system>.json (stage target)

(a system's folder is ``plugins/storesync/systems/<system>/``; pairs name the files ``<system>/<file>.yaml``
and ``<suite>__<system>.json``, resolved by ``storesync.systems.mapping_file`` / ``suite_file``)

Record and suite names belong to the flow, never to a system, so a new system brings files under these
names and pairs using it need not list them. Each flow also has a conventional schedule (staggered within
the hour so that a full sync runs in dependency order) and batch size. A pair file states only what differs;
what it states wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FlowConvention:
    source_record: str  # the record the source system's to_canonical spec reads
    target_record: str  # the record the target system's from_canonical spec writes
    raw_suite: str  # the expectation suite of the source's raw records, per source system
    target_suite: str  # the expectation suite of the target payloads, per target system
    schedule: str = "@hourly"
    batch_size: int = 200
    extract_overlap_minutes: int = 15


CONVENTIONS: dict[str, FlowConvention] = {
    # hourly, before the orders run of the hour
    "products": FlowConvention("item", "product", "items_raw", "products_target", schedule="5 * * * *",
                               batch_size=500),
    # stock drifts fastest: every quarter hour; a full snapshot, so no overlap
    "inventory": FlowConvention("inventory", "inventory", "inventory_raw", "inventory_target",
                                schedule="*/15 * * * *", batch_size=1000, extract_overlap_minutes=0),
    # storefront -> ERP leg; the DAG runs customers_from_erp after it, on the same schedule
    "customers": FlowConvention("customer", "customer", "customers_raw", "customers_target", schedule="2 * * * *"),
    "customers_from_erp": FlowConvention("customer", "customer_update", "erp_customers_raw", "customer_updates_target",
                                         schedule="2 * * * *"),
    "orders": FlowConvention("order", "order", "orders_raw", "orders_target"),
    "shipments": FlowConvention("shipment", "shipment", "shipments_raw", "shipments_target", schedule="*/30 * * * *"),
    # after the orders run of the hour: payments and refunds apply to the orders it created
    "payments": FlowConvention("payment", "payment", "payment_transactions_raw", "payments_target",
                               schedule="10 * * * *"),
    "refunds": FlowConvention("refund", "refund", "payment_transactions_raw", "refunds_target", schedule="15 * * * *"),
}


def flow_defaults(flow: str, source_system: str, target_system: str) -> dict[str, Any]:
    """The conventional settings of ``flow`` between these systems (a flow without a convention gets none)."""
    convention = CONVENTIONS.get(flow)
    if convention is None:
        return {}
    return {
        "schedule": convention.schedule,
        "batch_size": convention.batch_size,
        "extract_overlap_minutes": convention.extract_overlap_minutes,
        "mappings": {
            "to_canonical": f"{source_system}/{convention.source_record}_to_canonical.yaml",
            "to_target": f"{target_system}/{convention.target_record}_from_canonical.yaml",
        },
        "expectations": {
            "raw": f"{convention.raw_suite}__{source_system}.json",
            "target": f"{convention.target_suite}__{target_system}.json",
        },
    }
