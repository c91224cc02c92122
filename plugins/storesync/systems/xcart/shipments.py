"""X-Cart as the target of the shipments flow: tracking numbers and shipping status on the storefront order.

For each ERP shipment the order is read in the native schema (``GET order/<id>``: ``shippingStatus`` is the
status row ``{id, code}``, ``trackingNumbers`` the rows ``{tracking_id, value, creationDate}``), the
shipment's tracking numbers (``tracking``, then one per further package in ``more_tracking``) the order
does not have yet are added, and ``shippingStatus`` becomes S (shipped) when the ERP order is completely
shipped, else P. X-Cart has no "partially shipped" code: P with at least one tracking number is how a
partial shipment shows. The order is only ever moved forward (N → P → S): an order already S, D
(delivered), WND (will not deliver) or R (returned) keeps its status.

The write is native (the complex schema is GET-only): ``shippingStatus[id]`` names the status row by
the id this store gave it (read once per task from ``order-status-shipping``: ids are the store's
auto-increment ids), and each new tracking number is a row without ``tracking_id`` (``loadRawFixture``
adds it; rows already there are not sent, as a row without its id would be added twice).
``XLite\Model\OrderTrackingNumber`` has no carrier: the carrier stays in the outcome text only. The
order is written only when something changed, so a re-run changes nothing.

Bad input goes to the DLQ with the record and field named: a shipment for an order X-Cart does not have
(``unknown_order``), a shipment line whose SKU is not on the storefront order (``unknown_line``).
"""

from __future__ import annotations

from typing import Any

from storesync.adapters.base import LoadOutcome
from storesync.hooks.errors import PermanentRecordError

# Forward order of X-Cart shipping statuses this flow may set; anything else (D, WND, R) is past them.
FORWARD = {"N": 0, "P": 1, "S": 2}
SETTABLE = ("P", "S")


def _tracking_key(value: Any) -> str:
    """Tracking numbers compare without case and whitespace (carriers print them either way)."""
    return "".join(str(value or "").split()).upper()


def _sku_key(value: Any) -> str:
    return "-".join(str(value or "").upper().split())


def current_tracking(order: dict[str, Any]) -> list[dict[str, Any]]:
    """The order's tracking numbers as ``{"value"}`` (native rows; a complex record's ``trackingNumber``)."""
    numbers = order.get("trackingNumbers")
    if isinstance(numbers, list):
        return [{"value": entry["value"]} for entry in numbers
                if isinstance(entry, dict) and isinstance(entry.get("value"), str) and entry["value"].strip()]
    single = order.get("trackingNumber")
    return [{"value": single}] if isinstance(single, str) and single.strip() else []


def status_code(order: dict[str, Any]) -> Any:
    """The shipping status code of a native order (``{id, code}``) or of a complex one (the code)."""
    status = order.get("shippingStatus")
    return status.get("code") if isinstance(status, dict) else status


def status_ids(client) -> dict[str, Any]:
    """Shipping status code → this store's id of that status row (``GET order-status-shipping``)."""
    rows, _ = client.request("GET", "order-status-shipping", schema=None)
    return {row["code"]: row["id"] for row in rows or [] if isinstance(row, dict) and row.get("code")}


def next_status(current: Any, wanted: str) -> str | None:
    """The status to set, or None to leave the order as it is (never backwards, never past D/WND/R)."""
    if wanted not in SETTABLE:
        raise ValueError(f"shippingStatus '{wanted}' is not one this flow sets ({', '.join(SETTABLE)})")
    rank = FORWARD.get(str(current) if current is not None else "N")
    if rank is None or rank >= FORWARD[wanted]:
        return None
    return wanted


def unknown_lines(record: dict[str, Any], order: dict[str, Any]) -> list[tuple[int, str]]:
    """(position, SKU) of each shipment line whose SKU is not an item of the storefront order."""
    on_order = {_sku_key(item.get("sku")) for item in order.get("items") or [] if isinstance(item, dict)}
    return [(index, str(line.get("sku"))) for index, line in enumerate(record.get("items") or [])
            if _sku_key(line.get("sku")) not in on_order]


def new_tracking(numbers: list[dict[str, Any]], shipment_tracking: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Entries (``{"value", "carrier"?}``) of the shipment's tracking numbers the order does not have yet."""
    known = {_tracking_key(n["value"]) for n in numbers}
    added = []
    for tracking in shipment_tracking:
        if _tracking_key(tracking["value"]) in known:
            continue
        known.add(_tracking_key(tracking["value"]))
        entry = {"value": str(tracking["value"]).strip()}
        if tracking.get("carrier"):  # no carrier in the ERP: X-Cart takes the order's shipping method's
            entry["carrier"] = str(tracking["carrier"]).strip()
        added.append(entry)
    return added


def load_shipments(adapter, records: list[tuple[str, dict[str, Any]]]) -> list[LoadOutcome]:
    client = adapter.client
    outcomes = []
    for key, record in records:
        order_id = str(record["orderId"])
        erp = f"ERP shipment {record.get('shipment') or key}"  # the pair names the ERP
        if record.get("erp_order_number"):
            erp += f" of sales order {record['erp_order_number']}"
        order = client.find("order", order_id, schema=None)
        if order is None:
            outcomes.append(LoadOutcome(
                key, "dlq", f"shipment {key}: field order_reference: X-Cart has no order {order_id} ({erp})",
                reason_code="unknown_order", failed=[f"order_reference: no X-Cart order {order_id}"]))
            continue
        missing = unknown_lines(record, order)
        if missing:
            fields = [f"lines[{index}].sku" for index, _ in missing]
            described = "; ".join(f"line {index + 1} (field lines[{index}].sku): SKU '{sku}'" for index, sku in missing)
            outcomes.append(LoadOutcome(
                key, "dlq", f"shipment {key}: {described} not on X-Cart order {order_id} ({erp})",
                reason_code="unknown_line", failed=[f"{field}: SKU '{sku}' not on order {order_id}"
                                                    for field, (_, sku) in zip(fields, missing)]))
            continue

        changes: dict[str, Any] = {}
        notes = []
        shipment_tracking = [record["tracking"], *(record.get("more_tracking") or [])]
        numbers = current_tracking(order)
        added = new_tracking(numbers, shipment_tracking)
        if added:
            changes["trackingNumbers"] = [{"value": entry["value"]} for entry in added]
            notes += [f"tracking {entry['value']}" + (f" ({entry['carrier']})" if "carrier" in entry else "") + " added"
                      for entry in added]
        current = status_code(order)
        status = next_status(current, record["shippingStatus"])
        if status is not None:
            ids = adapter.cached("shipping_status_ids", lambda: status_ids(client))
            if status not in ids:
                outcomes.append(LoadOutcome(key, "dlq", f"shipment {key}: this store has no shipping status {status}",
                                            reason_code="target_rejected", failed=[f"shippingStatus: no status {status}"]))
                continue
            changes["shippingStatus"] = {"id": ids[status]}
            notes.append(f"shippingStatus {current} → {status}")
        elif current != record["shippingStatus"]:
            notes.append(f"shippingStatus stays {current} (not moved back to {record['shippingStatus']})")
        if "trackingNumbers" not in changes and "shippingStatus" not in changes:
            present = ", ".join(str(t["value"]) for t in shipment_tracking)
            outcomes.append(LoadOutcome(key, "skipped", f"X-Cart order {order_id} already up to date ("
                                        f"tracking {present} present, shippingStatus {current})",
                                        target_id=order_id, target_ref=f"order {order_id}"))
            continue
        try:
            client.update("order", order_id, changes)
        except PermanentRecordError as exc:
            outcomes.append(LoadOutcome(key, "dlq", f"shipment {key}: X-Cart refused the update of order {order_id}: {exc}",
                                        reason_code="target_rejected", failed=[str(exc)]))
            continue
        outcomes.append(LoadOutcome(key, "loaded", f"order {order_id}: " + "; ".join(notes),
                                    target_id=order_id, target_ref=f"order {order_id}"))
    return outcomes
