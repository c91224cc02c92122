"""Which ERP shipments the storefront cares about: those of sales orders the orders flow made from web orders.

Such a sales order carries the storefront reference ``<prefix><orderId>`` (pair option
``storefront_reference_prefix``, default ``XC-``) in the ERP field each adapter knows (Sage 500 ``UserFld1``,
Acumatica ``CustomerOrder``). A shipment of any other sales order (a phone order, another channel) is still
extracted and then skipped with the reason, so every shipment the ERP made in the window is accounted for.
"""

from __future__ import annotations

from typing import Any

DEFAULT_REFERENCE_PREFIX = "XC-"


def reference_prefix(options: dict[str, Any]) -> str:
    return str(options.get("storefront_reference_prefix", DEFAULT_REFERENCE_PREFIX))


def is_storefront_reference(reference: Any, options: dict[str, Any]) -> bool:
    return str(reference or "").strip().upper().startswith(reference_prefix(options).upper())


def not_from_storefront(shipment: str, sales_order: str, field: str, reference: Any, options: dict[str, Any]) -> str | None:
    """The skip reason for ``shipment`` of ``sales_order`` whose ``field`` holds ``reference``, or None for a web order.

    ``shipment`` and ``sales_order`` name the ERP documents as ops would look them up.
    """
    if is_storefront_reference(reference, options):
        return None
    text = str(reference or "").strip()
    shown = f"{field} '{text}'" if text else f"{field} empty"
    return (f"shipment {shipment}: sales order {sales_order} did not come from the storefront "
            f"({shown}, no {reference_prefix(options)} reference); nothing to update on the storefront")
