"""Reading Sage 500 shipments: the source side of the shipments flow (ERP → storefront order status).

A shipment (``tsoShipment`` + ``tsoShipLine``) is read with its sales order (``tsoSalesOrder``: the
storefront reference in ``UserFld1``), its lines (SKU from ``timItem``, the sales order line number, the
quantity shipped) and whether the order is now completely shipped: every line's ``tsoSOLineDist.QtyShip``
has reached ``QtyOrd``. "Now" is the moment of the read, so a partial shipment read again after the order
was completed reports ``OrderComplete: true``; the X-Cart load never moves an order backwards, so that is
harmless.

Shipments are paged by ``ShipKey`` (keyset, never OFFSET) through the dialect's ``first_rows`` clause, so
the SQL is the same on SQL Server, PostgreSQL and SQLite. Sage stores local times without a zone; the
sandbox and this adapter treat them as UTC, and the raw record carries them as ISO-8601 UTC text.

Shipments of sales orders that did not come from the storefront (no ``XC-`` reference) are still
extracted, and then skipped at once with a reason (:func:`out_of_scope`), so every shipment the ERP
made in the window is accounted for.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

from storesync.adapters.shipment_scope import not_from_storefront
from storesync.systems.sage500.hook import Sage500Hook, to_decimal

PAGE = 500

_HEADER_SQL = (
    "SELECT s.ShipKey, s.TranNo, s.TranDate, s.SOKey, s.ShipMethID, s.CarrierID, s.TrackingNo, s.CreateDate, "
    "s.UpdateDate, o.TranNo AS SOTranNo, o.UserFld1, o.CustPONo, o.Status AS SOStatus "
    "FROM tsoShipment s LEFT JOIN tsoSalesOrder o ON o.SOKey = s.SOKey "
)


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values)


def _chunks(values: Sequence[Any], size: int = 500):
    for start in range(0, len(values), size):
        yield list(values[start:start + size])


def utc_iso(value: Any) -> str | None:
    """A Sage timestamp (naive, UTC by convention; SQLite returns text) as ISO-8601 UTC text."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            return text  # left as it is: the mapping names the field when it cannot read it
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat()


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def read_shipments(hook: Sage500Hook, options: dict[str, Any], since: datetime, until: datetime) -> Iterator[tuple[str, dict]]:
    """Shipments whose ``UpdateDate`` lies in [since, until), one raw record each, keyed by ShipKey."""
    window = [_naive_utc(since), _naive_utc(until)]
    with hook.transaction("shipment read") as connection:
        last_key = 0
        while True:
            headers = hook.fetch_all(
                connection,
                _HEADER_SQL + "WHERE s.CompanyID = ? AND s.ShipKey > ? AND s.UpdateDate >= ? AND s.UpdateDate < ? "
                f"ORDER BY s.ShipKey {hook.first_rows(PAGE)}",
                [hook.company_id, last_key, *window],
            )
            if not headers:
                return
            yield from _records(hook, connection, headers)
            last_key = int(headers[-1]["ShipKey"])


def read_shipments_by_key(hook: Sage500Hook, options: dict[str, Any], keys: list[str]) -> Iterator[tuple[str, dict]]:
    """The named shipments (re-sync, DLQ replay), whatever their dates; unknown or non-numeric keys are skipped."""
    ship_keys = sorted({int(k) for k in keys if str(k).strip().isdigit()})
    with hook.transaction("shipment read by key") as connection:
        for chunk in _chunks(ship_keys):
            headers = hook.fetch_all(
                connection,
                _HEADER_SQL + f"WHERE s.CompanyID = ? AND s.ShipKey IN ({_marks(chunk)}) ORDER BY s.ShipKey",
                [hook.company_id, *chunk],
            )
            yield from _records(hook, connection, headers)


def _records(hook: Sage500Hook, connection, headers: list[dict[str, Any]]) -> Iterator[tuple[str, dict]]:
    ship_keys = [int(h["ShipKey"]) for h in headers]
    lines: dict[int, list[dict[str, Any]]] = {key: [] for key in ship_keys}
    for row in hook.fetch_all(
        connection,
        "SELECT l.ShipLineKey, l.ShipKey, l.QtyShipped, i.ItemID, sl.SOLineNo, w.WhseID "
        "FROM tsoShipLine l LEFT JOIN timItem i ON i.ItemKey = l.ItemKey "
        "LEFT JOIN tsoSOLine sl ON sl.SOLineKey = l.SOLineKey "
        "LEFT JOIN timWarehouse w ON w.WhseKey = l.WhseKey "
        f"WHERE l.ShipKey IN ({_marks(ship_keys)}) ORDER BY l.ShipKey, l.ShipLineKey",
        ship_keys,
    ):
        lines[int(row["ShipKey"])].append({
            "ShipLineKey": int(row["ShipLineKey"]),
            "SOLineNo": int(row["SOLineNo"]) if row["SOLineNo"] is not None else None,
            "ItemID": _text(row["ItemID"]),
            "WhseID": _text(row["WhseID"]),
            "QtyShipped": to_decimal(row["QtyShipped"]),
        })
    progress = order_progress(hook, connection, sorted({int(h["SOKey"]) for h in headers if h["SOKey"] is not None}))
    for header in headers:
        ship_key = int(header["ShipKey"])
        so_key = int(header["SOKey"]) if header["SOKey"] is not None else None
        ordered, shipped, open_lines = progress.get(so_key, (Decimal(0), Decimal(0), None))
        yield str(ship_key), {
            "ShipKey": ship_key,
            "TranNo": _text(header["TranNo"]),
            "TranDate": utc_iso(header["TranDate"]),
            "ShipMethID": _text(header["ShipMethID"]),
            "CarrierID": _text(header["CarrierID"]),
            "TrackingNo": _text(header["TrackingNo"]),
            "CreateDate": utc_iso(header["CreateDate"]),
            "UpdateDate": utc_iso(header["UpdateDate"]),
            "SOKey": so_key,
            "SOTranNo": _text(header["SOTranNo"]),
            "UserFld1": _text(header["UserFld1"]),
            "CustPONo": _text(header["CustPONo"]),
            "SOStatus": int(header["SOStatus"]) if header["SOStatus"] is not None else None,
            # The sales order as of this read: every line shipped in full (QtyShip >= QtyOrd) = complete.
            "OrderQtyOrd": ordered,
            "OrderQtyShip": shipped,
            "OrderLinesOpen": open_lines,
            "OrderComplete": open_lines == 0,
            "lines": lines[ship_key],
        }


def order_progress(hook: Sage500Hook, connection, so_keys: list[int]) -> dict[int, tuple[Decimal, Decimal, int]]:
    """Per sales order: (Σ QtyOrd, Σ QtyShip, number of lines not yet shipped in full)."""
    progress: dict[int, tuple[Decimal, Decimal, int]] = {}
    for chunk in _chunks(so_keys):
        for row in hook.fetch_all(
            connection,
            "SELECT l.SOKey, d.QtyOrd, d.QtyShip FROM tsoSOLine l JOIN tsoSOLineDist d ON d.SOLineKey = l.SOLineKey "
            f"WHERE l.SOKey IN ({_marks(chunk)})",
            chunk,
        ):
            ordered, shipped = to_decimal(row["QtyOrd"]) or Decimal(0), to_decimal(row["QtyShip"]) or Decimal(0)
            total_ordered, total_shipped, open_lines = progress.get(int(row["SOKey"]), (Decimal(0), Decimal(0), 0))
            progress[int(row["SOKey"])] = (total_ordered + ordered, total_shipped + shipped,
                                           open_lines + (1 if shipped < ordered else 0))
    return progress


def out_of_scope(record: dict[str, Any], options: dict[str, Any]) -> str | None:
    """Why a shipment is not the storefront's business (its sales order did not come from it), else None.

    Only a sales order that exists and carries no storefront reference is out of scope; a shipment whose
    sales order is missing, or whose reference is broken, stays in and the quality gate names the field.
    """
    if not isinstance(record, dict) or not record.get("SOTranNo"):
        return None
    return not_from_storefront(str(record.get("ShipKey")), record["SOTranNo"], "UserFld1", record.get("UserFld1"), options)
