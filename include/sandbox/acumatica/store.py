"""In-memory, thread-safe data and business rules of one emulated Acumatica tenant.

Records are plain dicts (``{"OrderNbr": "SO000001", "Details": [{…}], "ShipToAddress": {…}}``; money and
quantities ``Decimal``, dates ISO 8601 strings with an offset); :mod:`.wire` wraps them for the API. Every
public read hands out a copy. Tests may use the store in-process; the server adds HTTP, sessions and limits.

Entities and their keys (docs/acumatica.md has the field lists):

- ``SalesOrder`` (OrderType, OrderNbr): types ``SO`` (sales order) and ``CM`` (credit memo); numbers are
  assigned per type on create (``SO000001``, ``CM000001``);
- ``Customer`` (CustomerID): given by the client, or assigned (``C00001`` … after the highest) when left out;
- ``StockItem`` (InventoryID): given by the client; ``NonStockItem`` (InventoryID) likewise: services and
  charges (the seed has ``REFUND`` for credit memo lines), sold on order lines but never stocked or allocated;
- ``Shipment`` (ShipmentNbr ``000001`` …), created by the warehouse (:meth:`AcumaticaStore.ship_order`) or
  by a client's PUT with ``Details`` of one order;
- ``Payment`` (Type, ReferenceNbr ``000001`` …, one sequence for every type);
- ``InventorySummaryInquiry``: :meth:`AcumaticaStore.inventory_summary`.

Business rules (what a real tenant does, simplified where noted):

- Sales order lines: ``InventoryID`` must exist and not be ``To Delete`` (and, with ``strict_item_status``,
  not ``Inactive`` or ``No Sales`` either, as a real tenant; the sandbox default accepts them like the Sage 500
  sandbox accepts inactive items, so the two pairs load the same storefront orders); ``WarehouseID`` must
  exist (default ``MAIN``); ``OrderQty`` is required and not negative; ``UnitPrice`` defaults to the item's
  ``DefaultPrice``; ``ExtendedPrice`` = OrderQty × UnitPrice − DiscountAmount (rounded to the cent) unless
  the client sends it; money is rounded to cents (half up).
- ``OrderTotal`` = Σ ExtendedPrice + ``Totals.Freight`` + ``TaxTotal`` (the tax total is kept as sent: the
  storefront computed it). ``UnpaidBalance`` = OrderTotal − what payments applied to it.
- ``Status``: ``On Hold`` when ``Hold`` is true, ``Credit Hold`` for a customer on credit hold, else
  ``Open``; after shipments ``Shipping`` (part shipped) or ``Completed`` (every line fully shipped).
  Completed and canceled orders cannot change.
- ``CustomerOrder`` is unique per customer and order type (the "require unique customer order number"
  setting): a second order with it is refused (422 on the field, naming the existing order).
- Customers must exist and be neither ``Inactive`` nor ``On Hold``; currencies must be known (USD, EUR, GBP, CAD).
- Stock per item and warehouse: ``QtyOnHand`` changes only through shipments (which take the shipped
  quantity off) and the sandbox's stock action; ``QtyAvailable`` = QtyOnHand − the unshipped quantity of
  open ``SO`` orders' lines for that item and warehouse (can be negative, as in a real tenant, when more is
  sold than is on hand). Any change of either stamps the row's ``LastModifiedDateTime``.
- Payments: ``PaymentMethod`` and ``CashAccount`` must exist, be active and belong together (the account
  defaults to the method's); a cash account with a currency takes only payments in it. ``OrdersToApply``
  lines (``SO`` orders for a Payment/Prepayment, ``CM`` orders for a Refund) must name an order of the
  same customer and currency, applying at most its unpaid balance; the applications together may not exceed
  ``PaymentAmount``. Saved payments are ``Balanced`` (``On Hold`` with Hold): the sandbox does not release.
- ``LastModifiedDateTime`` is stamped on every change: max(now, previous + 1 ms), so a delta read from the
  previous value always sees the change. ``clock`` (unix seconds) is injectable.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from include.sandbox.common import clone
from include.sandbox.acumatica.schema import (  # noqa: F401 - re-exported: callers import them from the store
    ADDRESS,
    ActionError,
    BadRequest,
    CLOSED_ORDER_STATUSES,
    CUSTOMER_STATUSES,
    CashAccount,
    DISPLAY_NAMES,
    DOCUMENT_TYPES,
    Errors,
    FIELD_LABELS,
    ITEM_STATUSES,
    KEYS,
    ORDER_TYPES,
    PAYMENT_TYPES,
    PaymentMethod,
    READ_ONLY,
    RecordNotFound,
    Reference,
    SCHEMAS,
    PreconditionFailed,
    StoreError,
    UnknownEntity,
    ValidationFailed,
    ZERO,
    coerce,
    iso_utc,
    money,
    parse_instant,
    record_guid,
)


class _Table:
    """Records of one entity by key tuple, keys kept sorted for stable paging."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, ...], dict] = {}
        self.keys: list[tuple[str, ...]] = []

    def put(self, key: tuple[str, ...], record: dict) -> None:
        if key not in self.records:
            bisect.insort(self.keys, key)
        self.records[key] = record

    def remove(self, key: tuple[str, ...]) -> None:
        del self.records[key]
        del self.keys[bisect.bisect_left(self.keys, key)]

    def ordered(self) -> Iterable[dict]:
        return (self.records[key] for key in self.keys)


class AcumaticaStore:
    """The data of one tenant; see the module docstring for the rules.

    ``clock`` returns unix seconds (``LastModifiedDateTime``, default dates); ``strict_item_status`` refuses
    order lines for ``Inactive``/``No Sales`` items as a real tenant does.
    """

    def __init__(self, *, clock: Callable[[], float] = time.time, strict_item_status: bool = False) -> None:
        self._clock = clock
        self.strict_item_status = strict_item_status
        self._lock = threading.RLock()
        self.reset()

    # -- whole store -------------------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget every record and the reference data; numbering restarts at 1."""
        with self._lock:
            self.reference = Reference()
            self._tables = {entity: _Table() for entity in KEYS}
            self._stock: dict[tuple[str, str], dict[str, Any]] = {}  # (item, warehouse) -> QtyOnHand, stamp
            self._allocated: dict[tuple[str, str], Decimal] = {}
            self._numbers: dict[str, int] = {}
            # (OrderType, CustomerID, CustomerOrder folded) -> OrderNbr: the unique customer order number rule
            self._customer_orders: dict[tuple[str, str, str], str] = {}

    def configure(self, reference: Reference) -> None:
        with self._lock:
            self.reference = reference

    def counts(self) -> dict[str, int]:
        with self._lock:
            counts = {entity: len(table.records) for entity, table in self._tables.items()}
            counts["StockRows"] = len(self._stock)
            return counts

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), timezone.utc)

    def _stamp(self, previous: str | None = None) -> str:
        now = self.now()
        moment = now.replace(microsecond=now.microsecond // 1000 * 1000)
        if previous:
            floor = parse_instant(previous) + timedelta(milliseconds=1)
            moment = max(moment, floor)
        return iso_utc(moment)

    def _today(self) -> str:
        return datetime.combine(self.now().date(), datetime.min.time(), timezone.utc).isoformat()

    # -- generic reads -----------------------------------------------------------------------------------

    def _table(self, entity: str) -> _Table:
        try:
            return self._tables[entity]
        except KeyError:
            raise UnknownEntity(f"entity {entity!r} is not part of the endpoint") from None

    def records(self, entity: str) -> list[dict]:
        """Every record of the entity in key order (full records, with details and linked entities)."""
        with self._lock:
            return [self._view(entity, record) for record in self._table(entity).ordered()]

    def select(self, entity: str, predicate: Callable[[dict], bool] | None = None, *, skip: int = 0,
               top: int | None = None) -> list[dict]:
        """One page of the records matching ``predicate`` (called with the full record), in key order; only
        the page is copied, so paging through a large table stays cheap."""
        with self._lock:
            computed = entity == "StockItem"  # its WarehouseDetails are computed, so test the view
            page, matched = [], 0
            for record in self._table(entity).ordered():
                candidate = self._view(entity, record) if computed else record
                if predicate is not None and not predicate(candidate):
                    continue
                matched += 1
                if matched <= skip:
                    continue
                if top is not None and len(page) >= top:
                    break
                page.append(candidate if computed else self._view(entity, record))
            return page

    def get(self, entity: str, keys: Sequence[str]) -> dict:
        with self._lock:
            table = self._table(entity)
            key = self._key_tuple(entity, keys)
            record = table.records.get(key)
            if record is None:
                raise RecordNotFound(f"{entity} {'/'.join(keys)} not found")
            return self._view(entity, record)

    def find(self, entity: str, keys: Sequence[str]) -> dict | None:
        try:
            return self.get(entity, keys)
        except RecordNotFound:
            return None

    def _key_tuple(self, entity: str, keys: Sequence[str]) -> tuple[str, ...]:
        names = KEYS[entity]
        if len(keys) != len(names):
            raise BadRequest(f"{entity} is read by {len(names)} key(s): {', '.join(names)}")
        return tuple(keys)

    def _view(self, entity: str, record: dict) -> dict:
        view = clone(record)
        if entity == "StockItem":
            # StockItemWarehouseDetail (Default/24.200.001 model) carries QtyOnHand, not availability.
            view["WarehouseDetails"] = [{"WarehouseID": warehouse,
                                         "QtyOnHand": self._stock[(record["InventoryID"], warehouse)]["QtyOnHand"]}
                                        for warehouse in self._warehouses_of(record["InventoryID"])]
        return view

    def _warehouses_of(self, inventory_id: str) -> list[str]:
        return [warehouse for warehouse in sorted(self.reference.warehouses) if (inventory_id, warehouse) in self._stock]

    def _stock_row(self, inventory_id: str, warehouse: str) -> dict:
        row = self._stock[(inventory_id, warehouse)]
        on_hand = row["QtyOnHand"]
        return {"WarehouseID": warehouse, "QtyOnHand": on_hand,
                "QtyAvailable": on_hand - self._allocated.get((inventory_id, warehouse), ZERO),
                "LastModifiedDateTime": row["LastModifiedDateTime"]}

    # -- generic writes ----------------------------------------------------------------------------------

    def put(self, entity: str, record: Mapping[str, Any], *, mode: str = "any") -> dict:
        """Create, or update the record matched by ``id`` or else by key fields; the saved record (full).

        ``mode`` is what the client's precondition header asks (AcumaticaRESTAPIClientForCSharp,
        ApiClientExtensions.cs ComposePutHeaders): ``insert`` (``If-None-Match: *``) refuses a record that
        matches an existing one, ``update`` (``If-Match: *``) one that matches none; both with
        :class:`PreconditionFailed` (HTTP 412). ValidationFailed/BadRequest on other refusals."""
        handlers = {"SalesOrder": self._put_sales_order, "Customer": self._put_customer,
                    "StockItem": self._put_stock_item, "NonStockItem": self._put_non_stock_item,
                    "Payment": self._put_payment, "Shipment": self._put_shipment}
        if entity not in handlers:
            raise UnknownEntity(f"entity {entity!r} is not part of the endpoint")
        errors = Errors()
        plain = coerce(SCHEMAS[entity], record, "", entity, errors, READ_ONLY[entity])
        with self._lock:
            matched = self._record_by_id(entity, plain.get("id"))
            if matched is not None:  # the id names the record: its keys, whatever the body says
                plain.update({name: matched[name] for name in KEYS[entity]})
            else:
                plain.pop("id", None)
                key = tuple(plain.get(name) for name in KEYS[entity])
                if entity == "SalesOrder" and key[0] is None:
                    key = ("SO", key[1])
                if entity == "Payment" and key[0] is None:
                    key = ("Payment", key[1])
                matched = self._tables[entity].records.get(key) if all(key) else None
            if mode == "insert" and matched is not None:
                raise PreconditionFailed(f"{DISPLAY_NAMES[entity]} {'/'.join(matched[n] for n in KEYS[entity])} "
                                         "already exists (If-None-Match: *).")
            if mode == "update" and matched is None:
                raise PreconditionFailed(f"No {DISPLAY_NAMES[entity]} matches the record (If-Match: *).")
            return handlers[entity](plain, errors)

    def _record_by_id(self, entity: str, record_id: Any) -> dict | None:
        if not isinstance(record_id, str) or not record_id:
            return None
        return next((record for record in self._tables[entity].records.values() if record.get("id") == record_id),
                    None)

    def get_by_id(self, entity: str, record_id: str) -> dict | None:
        """The record whose session entity id is ``record_id`` (``GET {Entity}/{id}``), or None."""
        with self._lock:
            record = self._record_by_id(entity, record_id)
            return None if record is None else self._view(entity, record)

    def delete(self, entity: str, keys: Sequence[str]) -> None:
        with self._lock:
            table = self._table(entity)
            key = self._key_tuple(entity, keys)
            record = table.records.get(key)
            if record is None:
                raise RecordNotFound(f"{entity} {'/'.join(keys)} not found")
            name = DISPLAY_NAMES[entity]
            if entity == "SalesOrder":
                if any(line.get("QtyOnShipments") for line in record.get("Details", [])):
                    raise ValidationFailed(f"The {name} {'/'.join(key)} has shipments and cannot be deleted.")
                if record["UnpaidBalance"] != record["OrderTotal"]:
                    raise ValidationFailed(f"The {name} {'/'.join(key)} has payments applied and cannot be deleted.")
                self._set_allocation(record, None)
                self._index_customer_order(record, None)
            elif entity == "Customer":
                if any(o["CustomerID"] == key[0] for o in self._tables["SalesOrder"].records.values()) or any(
                        p["CustomerID"] == key[0] for p in self._tables["Payment"].records.values()):
                    raise ValidationFailed(f"The {name} {key[0]} has documents and cannot be deleted.")
            elif entity in ("StockItem", "NonStockItem"):
                if any(line["InventoryID"] == key[0] for o in self._tables["SalesOrder"].records.values()
                       for line in o.get("Details", [])):
                    raise ValidationFailed(f"The {name} {key[0]} is used on sales orders and cannot be deleted.")
                for stock_key in [k for k in self._stock if k[0] == key[0]]:
                    del self._stock[stock_key]
            elif entity == "Payment":
                self._apply_to_orders(record, sign=-1)
            elif entity == "Shipment":
                raise ValidationFailed(f"The {name} {key[0]} is confirmed and cannot be deleted.")
            table.remove(key)

    # -- reference checks --------------------------------------------------------------------------------

    def _check_currency(self, value: Any, path: str, errors: Errors) -> None:
        if value is not None and value not in self.reference.currencies:
            errors.not_found(path, value)

    def _check_address(self, address: Mapping[str, Any] | None, path: str, errors: Errors) -> None:
        country = (address or {}).get("Country")
        if country is not None and not (isinstance(country, str) and len(country) == 2 and country.isalpha()
                                        and country.isupper()):
            errors.add(f"{path}.Country", f"'Country' cannot be found in the system. Value: '{country}'.")

    def _customer(self, customer_id: Any, path: str, errors: Errors, *, for_document: bool) -> dict | None:
        if customer_id in (None, ""):
            errors.missing(path)
            return None
        customer = self._tables["Customer"].records.get((customer_id,))
        if customer is None:
            errors.not_found(path, customer_id)
            return None
        if for_document and customer["Status"] in ("Inactive", "On Hold"):
            errors.add(path, f"The customer status is '{customer['Status']}'.")
        return customer

    @staticmethod
    def _non_negative(record: Mapping[str, Any], name: str, path: str, errors: Errors) -> None:
        value = record.get(name)
        if isinstance(value, Decimal) and value < 0:
            errors.add(path, f"'{FIELD_LABELS.get(name, name)}' cannot be negative.")

    def _next_number(self, sequence: str, width: int, prefix: str = "") -> str:
        number = self._numbers.get(sequence, 0) + 1
        self._numbers[sequence] = number
        return f"{prefix}{number:0{width}d}"

    # -- sales orders ------------------------------------------------------------------------------------

    def _put_sales_order(self, plain: dict, errors: Errors) -> dict:
        order_type = plain.get("OrderType") or "SO"
        if order_type not in ORDER_TYPES:
            errors.not_found("OrderType", order_type)
            errors.raise_if_any("SalesOrder", True)
        table = self._tables["SalesOrder"]
        order_nbr = plain.get("OrderNbr")
        current = table.records.get((order_type, order_nbr)) if order_nbr else None
        if order_nbr and current is None:
            errors.add("OrderNbr", f"Sales order {order_type} {order_nbr} cannot be found; leave OrderNbr out to "
                                   "create an order (numbering is automatic).")
            errors.raise_if_any("SalesOrder", True)
        creating = current is None
        if current is not None and current["Status"] in CLOSED_ORDER_STATUSES:
            raise ValidationFailed(f"The sales order {order_type} {order_nbr} is {current['Status']} and cannot be "
                                   "changed.")
        record = self._merge(current, plain) if current else plain
        record["OrderType"] = order_type
        customer_changed = creating or ("CustomerID" in plain and plain["CustomerID"] != current["CustomerID"])
        customer = self._customer(record.get("CustomerID"), "CustomerID", errors, for_document=customer_changed)
        if creating:
            record.setdefault("CurrencyID", (customer or {}).get("CurrencyID") or self.reference.default_currency)
            record.setdefault("Date", self._today())
            record.setdefault("Hold", False)
            if customer is not None:
                self._default_addresses(record, customer)
        self._check_currency(record.get("CurrencyID"), "CurrencyID", errors)
        for name in ("ShipToAddress", "BillToAddress"):
            self._check_address(record.get(name), name, errors)
        totals = record.setdefault("Totals", {})
        self._non_negative(totals, "Freight", "Totals.Freight", errors)
        self._check_customer_order(record, errors)
        self._order_lines(record, errors)
        self._check_tax_details(record, errors)
        errors.raise_if_any("SalesOrder", creating)

        # Computed fields.
        lines = record["Details"]
        line_total = sum((line["ExtendedPrice"] for line in lines), ZERO)
        freight = self._freight(record)
        tax = self._tax(record, line_total)
        totals.update({"Freight": money(freight), "LineTotalAmount": money(line_total),
                       "DiscountTotal": money(sum((line.get("DiscountAmount") or ZERO for line in lines), ZERO)),
                       "TaxTotal": money(tax)})
        record["TaxTotal"] = money(tax)
        record["OrderTotal"] = money(line_total + freight + tax)
        record["OrderedQty"] = sum((line["OrderQty"] for line in lines), ZERO)
        applied = ZERO if creating else current["OrderTotal"] - current["UnpaidBalance"]
        if applied > record["OrderTotal"]:
            raise ValidationFailed(f"The order total {record['OrderTotal']} would be below the {applied} already paid.",
                                   {"OrderTotal": "The total cannot be less than the payments applied."})
        record["UnpaidBalance"] = record["OrderTotal"] - applied
        totals["UnpaidBalance"] = record["UnpaidBalance"]
        record["Status"] = self._order_status(record, customer)
        if creating:
            record["OrderNbr"] = self._next_number(f"SalesOrder/{order_type}", 6, order_type)
            record["id"] = record_guid("SalesOrder", order_type, record["OrderNbr"])
            record["CreatedDate"] = self._stamp()
        for line in lines:
            line.setdefault("id", record_guid("SalesOrder", order_type, record["OrderNbr"], line["LineNbr"]))
        if current is not None and _same(current, record, ignore=("LastModifiedDateTime",)):
            return self._view("SalesOrder", current)
        record["LastModifiedDateTime"] = self._stamp(current and current.get("LastModifiedDateTime"))
        self._set_allocation(current, record)
        self._index_customer_order(current, record)
        table.put((order_type, record["OrderNbr"]), record)
        return self._view("SalesOrder", record)

    def _freight(self, record: dict) -> Decimal:
        """Totals.Freight: what the client set when ``Totals.OverrideFreightAmount`` is true, else the freight
        price Acumatica computes from the ship via (Totals.cs: "Override Freight Price … the system will preserve
        the manually entered Freight Price"); the sandbox's ship vias charge a flat price per order."""
        totals = record["Totals"]
        if totals.get("OverrideFreightAmount"):
            return money(totals.get("Freight") or ZERO)
        return money(self.reference.ship_via_freight.get(record.get("ShipVia") or "", ZERO))

    def _tax(self, record: dict, taxable: Decimal) -> Decimal:
        """TaxTotal = Σ TaxDetails.TaxAmount. With ``DisableAutomaticTaxCalculation`` the tax lines are the
        client's ("the system does not need to calculate taxes, because they are already calculated",
        SalesOrder.cs); otherwise Acumatica recomputes them from the tax zone (the sandbox: every line taxable
        at each automatic tax's rate)."""
        if not record.get("DisableAutomaticTaxCalculation"):
            record["TaxDetails"] = [
                {"TaxID": tax_id, "TaxRate": self.reference.taxes[tax_id], "TaxableAmount": money(taxable),
                 "TaxAmount": money(taxable * self.reference.taxes[tax_id] / 100)}
                for tax_id in self.reference.automatic_taxes if tax_id in self.reference.taxes]
        record["IsTaxValid"] = True
        return money(sum((line.get("TaxAmount") or ZERO for line in record.get("TaxDetails") or []), ZERO))

    def _check_tax_details(self, record: dict, errors: Errors) -> None:
        if not record.get("DisableAutomaticTaxCalculation"):
            return
        for index, line in enumerate(record.get("TaxDetails") or []):
            where = f"TaxDetails[{index}]"
            if not line.get("TaxID"):
                errors.missing(f"{where}.TaxID")
            elif line["TaxID"] not in self.reference.taxes:
                errors.not_found(f"{where}.TaxID", line["TaxID"])
            self._non_negative(line, "TaxAmount", f"{where}.TaxAmount", errors)
            line.setdefault("TaxRate", self.reference.taxes.get(line.get("TaxID"), ZERO))

    def _merge(self, current: dict, changes: dict) -> dict:
        """Apply a PUT to a stored record: fields replace, linked entities merge, detail lines are matched by
        ``id`` or line number (``delete: true`` removes one), other lines are added."""
        record = clone(current)
        for name, value in changes.items():
            if name in ("id", "delete"):
                continue
            if isinstance(value, dict) and isinstance(record.get(name), dict):
                record[name] = self._merge(record[name], value)
            elif isinstance(value, list) and isinstance(record.get(name), list):
                lines = record[name]
                for change in value:
                    match = next((line for line in lines if change.get("id") and line.get("id") == change["id"]
                                  or change.get("LineNbr") is not None and line.get("LineNbr") == change["LineNbr"]
                                  or change.get("TaxID") is not None and line.get("TaxID") == change["TaxID"]),
                                 None)
                    if match is None:
                        if not change.get("delete"):
                            lines.append({k: v for k, v in change.items() if k != "delete"})
                    elif change.get("delete"):
                        lines.remove(match)
                    else:
                        if "ExtendedPrice" not in change and {"OrderQty", "UnitPrice", "DiscountAmount"} & set(change):
                            match.pop("ExtendedPrice", None)  # derived from them unless set by hand
                        match.update({k: v for k, v in change.items() if k not in ("id", "delete")})
            else:
                record[name] = value
        return record

    def _default_addresses(self, record: dict, customer: dict) -> None:
        contact = customer.get("MainContact") or {}
        address = contact.get("Address") or {}
        for name in ("BillToAddress", "ShipToAddress"):
            if name not in record:
                record[name] = {field_name: address.get(field_name) for field_name in ADDRESS}
        for name in ("BillToContact", "ShipToContact"):
            if name not in record:
                record[name] = {"BusinessName": customer.get("CustomerName"),
                                "Attention": contact.get("DisplayName") or customer.get("CustomerName"),
                                "Email": contact.get("Email"), "Phone1": contact.get("Phone1")}

    @staticmethod
    def _customer_order_key(order: dict | None) -> tuple[str, str, str] | None:
        if order is None or not order.get("CustomerOrder"):
            return None
        return order["OrderType"], order.get("CustomerID") or "", order["CustomerOrder"].casefold()

    def _check_customer_order(self, record: dict, errors: Errors) -> None:
        key = self._customer_order_key(record)
        other = self._customer_orders.get(key) if key else None
        if other is not None and other != record.get("OrderNbr"):
            errors.add("CustomerOrder", f"Document with the Customer Order Nbr. '{record['CustomerOrder']}' already "
                                        f"exists for customer '{record.get('CustomerID')}': {record['OrderType']} "
                                        f"{other}.")

    def _index_customer_order(self, before: dict | None, after: dict | None) -> None:
        old, new = self._customer_order_key(before), self._customer_order_key(after)
        if old is not None and self._customer_orders.get(old) == before["OrderNbr"]:
            del self._customer_orders[old]
        if new is not None:
            self._customer_orders[new] = after["OrderNbr"]

    def _order_lines(self, record: dict, errors: Errors) -> None:
        lines = record.setdefault("Details", [])
        used = {line["LineNbr"] for line in lines if isinstance(line.get("LineNbr"), int)}
        next_nbr = max(used, default=0) + 1
        items, services = self._tables["StockItem"].records, self._tables["NonStockItem"].records
        for index, line in enumerate(lines):
            where = f"Details[{index}]"
            if not isinstance(line.get("LineNbr"), int):
                line["LineNbr"] = next_nbr
                next_nbr += 1
            inventory_id = line.get("InventoryID")
            item = (items.get((inventory_id,)) or services.get((inventory_id,))) if inventory_id else None
            if not inventory_id:
                errors.missing(f"{where}.InventoryID")
            elif item is None:
                errors.not_found(f"{where}.InventoryID", inventory_id)
            elif item["ItemStatus"] == "To Delete" or (
                    self.strict_item_status and item["ItemStatus"] in ("Inactive", "No Sales")):
                errors.add(f"{where}.InventoryID", f"The item {inventory_id} has the status '{item['ItemStatus']}' "
                                                   "and cannot be sold.")
            warehouse = line.setdefault("WarehouseID", self.reference.default_warehouse)
            if warehouse not in self.reference.warehouses:
                errors.not_found(f"{where}.WarehouseID", warehouse)
            if line.get("OrderQty") is None:
                errors.missing(f"{where}.OrderQty")
            if item is not None:
                if line.get("UnitPrice") is None:
                    line["UnitPrice"] = item["DefaultPrice"]
                line.setdefault("LineDescription", item["Description"])
                line.setdefault("UOM", item.get("BaseUOM") or "EA")
            for name in ("OrderQty", "UnitPrice", "DiscountAmount", "ExtendedPrice"):
                self._non_negative(line, name, f"{where}.{name}", errors)
            quantity, price = line.get("OrderQty"), line.get("UnitPrice")
            line.setdefault("QtyOnShipments", ZERO)
            if isinstance(quantity, Decimal) and isinstance(price, Decimal):
                if line.get("ExtendedPrice") is None:
                    line["ExtendedPrice"] = money(quantity * price - (line.get("DiscountAmount") or ZERO))
                line["OpenQty"] = max(ZERO, quantity - line["QtyOnShipments"])
                if quantity < line["QtyOnShipments"]:
                    errors.add(f"{where}.OrderQty", "The quantity cannot be less than the quantity on shipments.")
            elif "ExtendedPrice" not in line:
                line["ExtendedPrice"] = ZERO

    def _order_status(self, record: dict, customer: dict | None) -> str:
        lines = record["Details"]
        shipped = [line["QtyOnShipments"] for line in lines]
        if lines and all(line["QtyOnShipments"] >= line["OrderQty"] for line in lines) and any(shipped):
            return "Completed"
        if any(shipped):
            return "Shipping"
        if record.get("Hold"):
            return "On Hold"
        if customer is not None and customer.get("Status") == "Credit Hold":
            return "Credit Hold"
        return "Open"

    def _allocation(self, order: dict | None) -> dict[tuple[str, str], Decimal]:
        if order is None or order["OrderType"] != "SO" or order["Status"] in CLOSED_ORDER_STATUSES:
            return {}
        result: dict[tuple[str, str], Decimal] = {}
        stock_items = self._tables["StockItem"].records
        for line in order.get("Details", []):
            open_qty = line["OrderQty"] - line["QtyOnShipments"]
            if open_qty > 0 and (line["InventoryID"],) in stock_items:  # non-stock items hold no stock
                key = (line["InventoryID"], line["WarehouseID"])
                result[key] = result.get(key, ZERO) + open_qty
        return result

    def _set_allocation(self, before: dict | None, after: dict | None) -> None:
        """Move stock allocations from an order's old state to its new one; stamp the rows that changed."""
        old, new = self._allocation(before), self._allocation(after)
        for key in set(old) | set(new):
            delta = new.get(key, ZERO) - old.get(key, ZERO)
            if not delta:
                continue
            self._allocated[key] = self._allocated.get(key, ZERO) + delta
            row = self._stock.setdefault(key, {"QtyOnHand": ZERO, "LastModifiedDateTime": None})
            row["LastModifiedDateTime"] = self._stamp(row["LastModifiedDateTime"])

    # -- customers ---------------------------------------------------------------------------------------

    def _put_customer(self, plain: dict, errors: Errors) -> dict:
        table = self._tables["Customer"]
        customer_id = plain.get("CustomerID")
        current = table.records.get((customer_id,)) if customer_id else None
        creating = current is None
        record = self._merge(current, plain) if current else plain
        if creating:
            if not customer_id:
                customer_id = self._next_customer_id()
            record["CustomerID"] = customer_id
            record.setdefault("Status", "Active")
            record.setdefault("CustomerClass", self.reference.default_customer_class)
            record.setdefault("CurrencyID", self.reference.default_currency)
            if not record.get("CustomerName"):
                errors.missing("CustomerName")
        elif "CustomerName" in plain and not plain["CustomerName"]:
            errors.missing("CustomerName")
        if len(customer_id) > 30:
            errors.add("CustomerID", "'Customer ID' is longer than 30 characters.")
        if record.get("Status") not in CUSTOMER_STATUSES:
            errors.add("Status", f"'Status' must be one of {', '.join(CUSTOMER_STATUSES)}.")
        if record.get("CustomerClass") not in self.reference.customer_classes:
            errors.not_found("CustomerClass", record.get("CustomerClass"))
        self._check_currency(record.get("CurrencyID"), "CurrencyID", errors)
        contact = record.setdefault("MainContact", {})
        email = contact.get("Email")
        if email and (email.count("@") != 1 or email.startswith("@") or email.endswith("@") or " " in email.strip()):
            errors.add("MainContact.Email", f"'{email}' is not a valid e-mail address.")
        self._check_address(contact.get("Address"), "MainContact.Address", errors)
        errors.raise_if_any("Customer", creating)
        contact.setdefault("DisplayName", record["CustomerName"])
        record["Email"] = contact.get("Email")
        if creating:
            record["id"] = record_guid("Customer", customer_id)
            record["CreatedDate"] = self._stamp()
        elif _same(current, record, ignore=("LastModifiedDateTime",)):
            return self._view("Customer", current)
        record["LastModifiedDateTime"] = self._stamp(current and current.get("LastModifiedDateTime"))
        table.put((customer_id,), record)
        return self._view("Customer", record)

    def _next_customer_id(self) -> str:
        highest = max((int(key[0][1:]) for key in self._tables["Customer"].records
                       if key[0][:1] == "C" and key[0][1:].isdigit()), default=0)
        return f"C{highest + 1:05d}"

    # -- stock items -------------------------------------------------------------------------------------

    def _put_stock_item(self, plain: dict, errors: Errors) -> dict:
        table = self._tables["StockItem"]
        inventory_id = plain.get("InventoryID")
        if not inventory_id:
            errors.missing("InventoryID")
            errors.raise_if_any("StockItem", True)
        if (inventory_id,) in self._tables["NonStockItem"].records:
            errors.add("InventoryID", f"{inventory_id} is a non-stock item.")
            errors.raise_if_any("StockItem", True)
        current = table.records.get((inventory_id,))
        creating = current is None
        warehouses = [line.get("WarehouseID") for line in plain.pop("WarehouseDetails", [])]
        record = self._merge(current, plain) if current else plain
        if creating:
            record.setdefault("ItemStatus", "Active")
            record.setdefault("ItemClass", "STOCKITEM")
            record.setdefault("BaseUOM", "EA")
            record.setdefault("DefaultPrice", ZERO)
            if not record.get("Description"):
                errors.missing("Description")
        if record.get("ItemStatus") not in ITEM_STATUSES:
            errors.add("ItemStatus", f"'Item Status' must be one of {', '.join(ITEM_STATUSES)}.")
        self._non_negative(record, "DefaultPrice", "DefaultPrice", errors)
        for index, warehouse in enumerate(warehouses):
            if warehouse not in self.reference.warehouses:
                errors.not_found(f"WarehouseDetails[{index}].WarehouseID", warehouse)
        errors.raise_if_any("StockItem", creating)
        new_rows = [w for w in (list(self.reference.warehouses) if creating else []) + warehouses
                    if (inventory_id, w) not in self._stock]
        if not creating and not new_rows and _same(current, record, ignore=("LastModifiedDateTime",)):
            return self._view("StockItem", current)
        record["id"] = record_guid("StockItem", inventory_id)
        record["LastModifiedDateTime"] = self._stamp(current and current.get("LastModifiedDateTime"))
        for warehouse in dict.fromkeys(new_rows):
            self._stock[(inventory_id, warehouse)] = {"QtyOnHand": ZERO, "LastModifiedDateTime": self._stamp()}
        table.put((inventory_id,), record)
        return self._view("StockItem", record)

    def _put_non_stock_item(self, plain: dict, errors: Errors) -> dict:
        """A service or charge item (e.g. ``REFUND`` for credit memo lines): sold, never stocked."""
        table = self._tables["NonStockItem"]
        inventory_id = plain.get("InventoryID")
        if not inventory_id:
            errors.missing("InventoryID")
            errors.raise_if_any("NonStockItem", True)
        if (inventory_id,) in self._tables["StockItem"].records:
            errors.add("InventoryID", f"{inventory_id} is a stock item.")
            errors.raise_if_any("NonStockItem", True)
        current = table.records.get((inventory_id,))
        creating = current is None
        record = self._merge(current, plain) if current else plain
        if creating:
            record.setdefault("ItemStatus", "Active")
            record.setdefault("ItemClass", "NONSTOCK")
            record.setdefault("BaseUOM", "EA")
            record.setdefault("DefaultPrice", ZERO)
            if not record.get("Description"):
                errors.missing("Description")
        if record.get("ItemStatus") not in ITEM_STATUSES:
            errors.add("ItemStatus", f"'Item Status' must be one of {', '.join(ITEM_STATUSES)}.")
        self._non_negative(record, "DefaultPrice", "DefaultPrice", errors)
        errors.raise_if_any("NonStockItem", creating)
        if not creating and _same(current, record, ignore=("LastModifiedDateTime",)):
            return self._view("NonStockItem", current)
        record["id"] = record_guid("NonStockItem", inventory_id)
        record["LastModifiedDateTime"] = self._stamp(current and current.get("LastModifiedDateTime"))
        table.put((inventory_id,), record)
        return self._view("NonStockItem", record)

    def inventory_summary(self, inventory_id: str | None = None, warehouse_id: str | None = None) -> list[dict]:
        """Stock rows (item, warehouse) with QtyOnHand, QtyAvailable and LastModifiedDateTime, in key order."""
        with self._lock:
            rows = []
            for (item, warehouse) in sorted(self._stock):
                if (inventory_id and item != inventory_id) or (warehouse_id and warehouse != warehouse_id):
                    continue
                row = self._stock_row(item, warehouse)
                record = self._tables["StockItem"].records.get((item,)) or {}
                rows.append({"InventoryID": item, **row, "BaseUOM": record.get("BaseUOM")})
            return rows

    # -- payments ----------------------------------------------------------------------------------------

    def _put_payment(self, plain: dict, errors: Errors) -> dict:
        table = self._tables["Payment"]
        payment_type = plain.get("Type") or "Payment"
        if payment_type not in PAYMENT_TYPES:
            errors.add("Type", f"'Type' must be one of {', '.join(PAYMENT_TYPES)}.")
            errors.raise_if_any("Payment", True)
        reference_nbr = plain.get("ReferenceNbr")
        current = table.records.get((payment_type, reference_nbr)) if reference_nbr else None
        if reference_nbr and current is None:
            errors.add("ReferenceNbr", f"Payment {payment_type} {reference_nbr} cannot be found; leave ReferenceNbr "
                                       "out to create one (numbering is automatic).")
            errors.raise_if_any("Payment", True)
        creating = current is None
        if not creating:
            changed = set(plain) - {"Type", "ReferenceNbr", "Description", "Hold", "PaymentRef", "OrdersToApply",
                                    "DocumentsToApply", "id"}
            if changed:
                raise ValidationFailed("Only Description, Hold, PaymentRef and new applications of a saved payment "
                                       "can change.", {name: "The field cannot be changed." for name in sorted(changed)})
        record = self._merge(current, plain) if current else plain
        record["Type"] = payment_type
        customer = self._customer(record.get("CustomerID"), "CustomerID", errors, for_document=creating)
        method = self.reference.payment_methods.get(record.get("PaymentMethod"))
        if not record.get("PaymentMethod"):
            errors.missing("PaymentMethod")
        elif method is None:
            errors.not_found("PaymentMethod", record["PaymentMethod"])
        elif not method.active:
            errors.add("PaymentMethod", f"The payment method {method.method_id} is inactive.")
        if method is not None and not record.get("CashAccount"):
            record["CashAccount"] = method.cash_accounts[0]
        account = self.reference.cash_accounts.get(record.get("CashAccount"))
        if record.get("CashAccount") and account is None:
            errors.not_found("CashAccount", record["CashAccount"])
        elif account is not None:
            if not account.active:
                errors.add("CashAccount", f"The cash account {account.account_id} is inactive.")
            elif method is not None and account.account_id not in method.cash_accounts:
                errors.add("CashAccount", f"The cash account {account.account_id} is not allowed for the payment "
                                          f"method {method.method_id}.")
        if creating:
            record.setdefault("CurrencyID", (account and account.currency) or (customer or {}).get("CurrencyID")
                              or self.reference.default_currency)
            record.setdefault("ApplicationDate", self._today())
            record.setdefault("Hold", False)
        self._check_currency(record.get("CurrencyID"), "CurrencyID", errors)
        if account is not None and account.currency and record.get("CurrencyID") != account.currency:
            errors.add("CurrencyID", f"The cash account {account.account_id} takes {account.currency} only.")
        amount = record.get("PaymentAmount")
        if amount is None:
            errors.missing("PaymentAmount")
        elif amount <= 0:
            errors.add("PaymentAmount", "'Payment Amount' must be greater than 0.")
        new_applications = self._check_applications(record, current, errors)
        errors.raise_if_any("Payment", creating)
        applied = sum((line["AppliedToOrder"] for line in record.get("OrdersToApply", [])), ZERO) + sum(
            (line["AmountPaid"] for line in record.get("DocumentsToApply", [])), ZERO)
        record["AppliedToDocuments"] = applied
        record["UnappliedBalance"] = amount - applied
        record["Status"] = "On Hold" if record.get("Hold") else "Balanced"
        if creating:
            record["ReferenceNbr"] = self._next_number("Payment", 6)
            record["id"] = record_guid("Payment", payment_type, record["ReferenceNbr"])
        elif _same(current, record, ignore=("LastModifiedDateTime",)):
            return self._view("Payment", current)
        record["LastModifiedDateTime"] = self._stamp(current and current.get("LastModifiedDateTime"))
        table.put((payment_type, record["ReferenceNbr"]), record)
        self._apply_to_orders({"OrdersToApply": new_applications}, sign=1)
        return self._view("Payment", record)

    def _check_applications(self, record: dict, current: dict | None, errors: Errors) -> list[dict]:
        """Check the payment's applications; the order applications that are new (to apply to the orders)."""
        order_type = "CM" if record["Type"] == "Refund" else "SO"
        existing = len((current or {}).get("OrdersToApply", []))
        lines = record.setdefault("OrdersToApply", [])
        planned: dict[tuple[str, str], Decimal] = {}
        for index, line in enumerate(lines):
            if index < existing:
                continue
            where = f"OrdersToApply[{index}]"
            line.setdefault("OrderType", order_type)
            if line["OrderType"] != order_type:
                errors.add(f"{where}.OrderType", f"A {record['Type']} applies to {order_type} orders only.")
                continue
            order = self._tables["SalesOrder"].records.get((line["OrderType"], line.get("OrderNbr")))
            if not line.get("OrderNbr"):
                errors.missing(f"{where}.OrderNbr")
                continue
            if order is None:
                errors.not_found(f"{where}.OrderNbr", line["OrderNbr"])
                continue
            if order["CustomerID"] != record.get("CustomerID"):
                errors.add(f"{where}.OrderNbr", f"The order {order['OrderNbr']} belongs to customer "
                                                f"{order['CustomerID']}, not {record.get('CustomerID')}.")
                continue
            if order["Status"] == "Canceled":
                errors.add(f"{where}.OrderNbr", f"The order {order['OrderNbr']} is canceled.")
                continue
            if order.get("CurrencyID") != record.get("CurrencyID"):
                errors.add(f"{where}.OrderNbr", f"The order {order['OrderNbr']} is in {order.get('CurrencyID')}, "
                                                f"the payment in {record.get('CurrencyID')}.")
                continue
            key = (order["OrderType"], order["OrderNbr"])
            unpaid = order["UnpaidBalance"] - planned.get(key, ZERO)
            if line.get("AppliedToOrder") is None:
                line["AppliedToOrder"] = min(unpaid, max(ZERO, (record.get("PaymentAmount") or ZERO) - sum(
                    planned.values(), ZERO)))
            applied = line["AppliedToOrder"]
            if applied <= 0:
                errors.add(f"{where}.AppliedToOrder", "'Applied to Order' must be greater than 0.")
            elif applied > unpaid:
                errors.add(f"{where}.AppliedToOrder", f"The amount {applied} exceeds the unpaid balance {unpaid} of "
                                                      f"order {order['OrderNbr']}.")
            planned[key] = planned.get(key, ZERO) + applied
        for index, line in enumerate(record.setdefault("DocumentsToApply", [])):
            where = f"DocumentsToApply[{index}]"
            doc_type = line.get("DocType")
            if doc_type not in DOCUMENT_TYPES:
                errors.add(f"{where}.DocType", f"'Doc. Type' must be one of {', '.join(DOCUMENT_TYPES)}.")
                continue
            target = self._tables["Payment"].records.get((doc_type, line.get("ReferenceNbr")))
            if target is None:  # the sandbox keeps no AR invoices or credit memos
                errors.not_found(f"{where}.ReferenceNbr", line.get("ReferenceNbr"))
            elif target["CustomerID"] != record.get("CustomerID"):
                errors.add(f"{where}.ReferenceNbr", f"The document belongs to customer {target['CustomerID']}.")
            if line.get("AmountPaid") is None or line["AmountPaid"] <= 0:
                errors.add(f"{where}.AmountPaid", "'Amount Paid' must be greater than 0.")
        total = sum((line.get("AppliedToOrder") or ZERO for line in record["OrdersToApply"]), ZERO) + sum(
            (line.get("AmountPaid") or ZERO for line in record["DocumentsToApply"]), ZERO)
        amount = record.get("PaymentAmount")
        if isinstance(amount, Decimal) and total > amount:
            errors.add("PaymentAmount", f"The document is out of balance: {total} is applied, more than the "
                                        f"payment amount {amount}.")
        return [line for index, line in enumerate(record["OrdersToApply"]) if index >= existing]

    def _apply_to_orders(self, payment: dict, *, sign: int) -> None:
        for line in payment.get("OrdersToApply", []):
            key = (line["OrderType"], line["OrderNbr"])
            order = self._tables["SalesOrder"].records.get(key)
            if order is None:
                continue
            updated = clone(order)
            updated["UnpaidBalance"] = order["UnpaidBalance"] - sign * line["AppliedToOrder"]
            updated.setdefault("Totals", {})["UnpaidBalance"] = updated["UnpaidBalance"]
            updated["LastModifiedDateTime"] = self._stamp(order.get("LastModifiedDateTime"))
            self._tables["SalesOrder"].put(key, updated)

    # -- shipments ---------------------------------------------------------------------------------------

    def _put_shipment(self, plain: dict, errors: Errors) -> dict:
        if plain.get("ShipmentNbr"):
            current = self._tables["Shipment"].records.get((plain["ShipmentNbr"],))
            if current is None:
                raise RecordNotFound(f"Shipment {plain['ShipmentNbr']} not found")
            raise ValidationFailed(f"The shipment {plain['ShipmentNbr']} is confirmed and cannot be changed.")
        orders = {(line.get("OrderType") or "SO", line.get("OrderNbr")) for line in plain.get("Details", [])}
        if len(orders) != 1:
            errors.add("Details", "A shipment in the sandbox ships lines of exactly one sales order.")
            errors.raise_if_any("Shipment", True)
        (order_type, order_nbr), = orders
        lines: dict[int, Decimal] = {}
        for index, line in enumerate(plain["Details"]):
            if line.get("OrderLineNbr") is None or line.get("ShippedQty") is None:
                errors.missing(f"Details[{index}].{'OrderLineNbr' if line.get('OrderLineNbr') is None else 'ShippedQty'}")
            else:
                lines[line["OrderLineNbr"]] = lines.get(line["OrderLineNbr"], ZERO) + line["ShippedQty"]
        errors.raise_if_any("Shipment", True)
        packages = plain.get("Packages") or []
        try:
            return self.ship_order(order_type=order_type, order_nbr=order_nbr, lines=lines,
                                   tracking_nbrs=[p.get("TrackingNbr") for p in packages if p.get("TrackingNbr")],
                                   ship_via=plain.get("ShipVia"), shipment_date=plain.get("ShipmentDate"))
        except ActionError as error:
            raise ValidationFailed(str(error), {"Details": str(error)}) from None

    def ship_order(self, *, order_type: str = "SO", order_nbr: str, lines: Mapping[Any, Any] | None = None,
                   tracking_nbr: str | None = None, tracking_nbrs: Sequence[str] | None = None,
                   ship_via: str | None = None, shipment_date: str | None = None,
                   weight: Any = None) -> dict:
        """The warehouse ships an order: all open quantities, or ``lines`` {LineNbr: quantity}; a confirmed
        Shipment with one package per tracking number. Takes the quantities off stock, adds them to the
        lines' QtyOnShipments and moves the order to Shipping or Completed."""
        with self._lock:
            key = (order_type, order_nbr)
            order = self._tables["SalesOrder"].records.get(key)
            if order is None:
                raise ActionError(f"sales order {order_type} {order_nbr} not found")
            if order_type != "SO":
                raise ActionError(f"only SO orders are shipped, not {order_type}")
            if order["Status"] in CLOSED_ORDER_STATUSES or order["Status"] in ("On Hold", "Credit Hold"):
                raise ActionError(f"sales order {order_type} {order_nbr} is {order['Status']} and cannot be shipped")
            wanted: dict[int, Decimal] = {}
            by_nbr = {line["LineNbr"]: line for line in order["Details"]}
            if lines is None:
                wanted = {nbr: line["OrderQty"] - line["QtyOnShipments"] for nbr, line in by_nbr.items()
                          if line["OrderQty"] > line["QtyOnShipments"]}
            else:
                for raw_nbr, raw_qty in lines.items():
                    try:
                        nbr, quantity = int(raw_nbr), Decimal(str(raw_qty))
                    except (ValueError, ArithmeticError):
                        raise ActionError(f"line {raw_nbr!r}: quantity {raw_qty!r} is not a number") from None
                    line = by_nbr.get(nbr)
                    if line is None:
                        raise ActionError(f"sales order {order_nbr} has no line {nbr}")
                    open_qty = line["OrderQty"] - line["QtyOnShipments"]
                    if quantity <= 0 or quantity > open_qty:
                        raise ActionError(f"line {nbr}: quantity {quantity} must be above 0 and at most the open "
                                          f"{open_qty}")
                    wanted[nbr] = quantity
            if not wanted:
                raise ActionError(f"sales order {order_nbr} has nothing left to ship")
            updated = clone(order)
            details = []
            for position, (nbr, quantity) in enumerate(sorted(wanted.items()), start=1):
                line = next(line for line in updated["Details"] if line["LineNbr"] == nbr)
                line["QtyOnShipments"] += quantity
                line["OpenQty"] = max(ZERO, line["OrderQty"] - line["QtyOnShipments"])
                if (line["InventoryID"],) in self._tables["StockItem"].records:
                    stock = self._stock.setdefault((line["InventoryID"], line["WarehouseID"]),
                                                   {"QtyOnHand": ZERO, "LastModifiedDateTime": None})
                    stock["QtyOnHand"] -= quantity
                    stock["LastModifiedDateTime"] = self._stamp(stock["LastModifiedDateTime"])
                details.append({"LineNbr": position, "OrderType": order_type, "OrderNbr": order_nbr,
                                "OrderLineNbr": nbr, "InventoryID": line["InventoryID"],
                                "WarehouseID": line["WarehouseID"], "ShippedQty": quantity})
            customer = self._tables["Customer"].records.get((order["CustomerID"],))
            updated["Status"] = self._order_status(updated, customer)
            updated["LastModifiedDateTime"] = self._stamp(order["LastModifiedDateTime"])
            self._set_allocation(order, updated)
            self._tables["SalesOrder"].put(key, updated)
            numbers = list(tracking_nbrs or ()) + ([tracking_nbr] if tracking_nbr else [])
            shipment_nbr = self._next_number("Shipment", 6)
            shipment = {
                "id": record_guid("Shipment", shipment_nbr), "ShipmentNbr": shipment_nbr, "Type": "Shipment",
                "Status": "Confirmed",
                "ShipmentDate": shipment_date or self._today(), "CustomerID": order["CustomerID"],
                "WarehouseID": details[0]["WarehouseID"], "ShipVia": ship_via or order.get("ShipVia"),
                "ShippedQty": sum((d["ShippedQty"] for d in details), ZERO),
                "Details": details,
                "Packages": [{"TrackingNbr": number, "Weight": None if weight is None else Decimal(str(weight)),
                              "Description": None} for number in numbers],
                "Orders": [{"OrderType": order_type, "OrderNbr": order_nbr}],
                "LastModifiedDateTime": self._stamp(),
            }
            self._tables["Shipment"].put((shipment_nbr,), shipment)
            return clone(shipment)

    # -- ERP-side actions (the sandbox's warehouse, sales and credit staff) ----------------------------------

    def set_stock(self, *, inventory_id: str, warehouse_id: str, qty_on_hand: Any) -> dict:
        """A stock count: set QtyOnHand of an item in a warehouse (a physical inventory adjustment)."""
        with self._lock:
            if (inventory_id,) not in self._tables["StockItem"].records:
                raise ActionError(f"stock item {inventory_id} not found")
            if warehouse_id not in self.reference.warehouses:
                raise ActionError(f"warehouse {warehouse_id} not found")
            try:
                quantity = Decimal(str(qty_on_hand))
            except ArithmeticError:
                raise ActionError(f"quantity {qty_on_hand!r} is not a number") from None
            row = self._stock.setdefault((inventory_id, warehouse_id), {"QtyOnHand": ZERO,
                                                                        "LastModifiedDateTime": None})
            if row["QtyOnHand"] != quantity or row["LastModifiedDateTime"] is None:
                row["QtyOnHand"] = quantity
                row["LastModifiedDateTime"] = self._stamp(row["LastModifiedDateTime"])
            return {"InventoryID": inventory_id, **self._stock_row(inventory_id, warehouse_id)}

    def update_customer_address(self, *, customer_id: str, **address: Any) -> dict:
        """Change fields of a customer's main address (AddressLine1, AddressLine2, City, State, PostalCode,
        Country)."""
        unknown = sorted(set(address) - set(ADDRESS))
        if unknown or not address:
            raise ActionError(f"address fields: {', '.join(ADDRESS)}; got {', '.join(unknown) or 'none'}")
        return self._erp_put("Customer", {"CustomerID": customer_id, "MainContact": {"Address": address}},
                             must_exist=True)

    def update_customer_contact(self, *, customer_id: str, **contact: Any) -> dict:
        """Change the main contact's e-mail, phone or names (Email, Phone1, FirstName, LastName, DisplayName)."""
        allowed = ("Email", "Phone1", "FirstName", "LastName", "DisplayName")
        unknown = sorted(set(contact) - set(allowed))
        if unknown or not contact:
            raise ActionError(f"contact fields: {', '.join(allowed)}; got {', '.join(unknown) or 'none'}")
        return self._erp_put("Customer", {"CustomerID": customer_id, "MainContact": contact}, must_exist=True)

    def set_customer_status(self, *, customer_id: str, status: str) -> dict:
        return self._erp_put("Customer", {"CustomerID": customer_id, "Status": status}, must_exist=True)

    def create_item(self, *, inventory_id: str, description: str, default_price: Any, item_status: str = "Active",
                    stock: Mapping[str, Any] | None = None) -> dict:
        """A new stock item (in every warehouse, on hand 0 unless ``stock`` {warehouse: quantity} says)."""
        with self._lock:
            if (inventory_id,) in self._tables["StockItem"].records:
                raise ActionError(f"stock item {inventory_id} already exists")
            self._erp_put("StockItem", {"InventoryID": inventory_id, "Description": description,
                                        "DefaultPrice": default_price, "ItemStatus": item_status})
            for warehouse, quantity in (stock or {}).items():
                self.set_stock(inventory_id=inventory_id, warehouse_id=warehouse, qty_on_hand=quantity)
            return self.get("StockItem", [inventory_id])

    def update_item(self, *, inventory_id: str, default_price: Any = None, item_status: str | None = None,
                    description: str | None = None) -> dict:
        changes = {"DefaultPrice": default_price, "ItemStatus": item_status, "Description": description}
        changes = {name: value for name, value in changes.items() if value is not None}
        if not changes:
            raise ActionError("nothing to change: default_price, item_status or description")
        return self._erp_put("StockItem", {"InventoryID": inventory_id, **changes}, must_exist=True)

    def cancel_order(self, *, order_type: str = "SO", order_nbr: str) -> dict:
        """Cancel an open order that has nothing shipped and nothing paid."""
        with self._lock:
            key = (order_type, order_nbr)
            order = self._tables["SalesOrder"].records.get(key)
            if order is None:
                raise ActionError(f"sales order {order_type} {order_nbr} not found")
            if order["Status"] in CLOSED_ORDER_STATUSES or any(line["QtyOnShipments"] for line in order["Details"]):
                raise ActionError(f"sales order {order_nbr} is {order['Status']} and cannot be canceled")
            if order["UnpaidBalance"] != order["OrderTotal"]:
                raise ActionError(f"sales order {order_nbr} has payments applied and cannot be canceled")
            updated = clone(order)
            updated["Status"] = "Canceled"
            updated["LastModifiedDateTime"] = self._stamp(order["LastModifiedDateTime"])
            self._set_allocation(order, updated)
            self._tables["SalesOrder"].put(key, updated)
            return self._view("SalesOrder", updated)

    def edit_order(self, *, order_type: str = "SO", order_nbr: str, tax_total: Any = None, freight: Any = None,
                   currency_id: str | None = None) -> dict:
        """A sales clerk edits an open order's tax total, freight or currency (the total follows): the tax as one
        manual tax line of the order's first tax (or the tenant's first tax), the freight overridden."""
        changes: dict[str, Any] = {"CurrencyID": currency_id}
        if tax_total is not None:
            with self._lock:
                order = self._tables["SalesOrder"].records.get((order_type, order_nbr)) or {}
                lines = order.get("TaxDetails") or []
                tax_id = lines[0]["TaxID"] if lines else next(iter(self.reference.taxes), None)
                taxable = (order.get("Totals") or {}).get("LineTotalAmount")
            if tax_id is None:
                raise ActionError("the tenant has no tax to put the tax total on")
            changes["DisableAutomaticTaxCalculation"] = True
            changes["TaxDetails"] = [{"TaxID": tax_id, "TaxableAmount": taxable, "TaxAmount": tax_total}] + [
                {"TaxID": line["TaxID"], "delete": True} for line in lines[1:]]
        if freight is not None:
            changes["Totals"] = {"Freight": freight, "OverrideFreightAmount": True}
        changes = {name: value for name, value in changes.items() if value is not None}
        if not changes:
            raise ActionError("nothing to change: tax_total, freight or currency_id")
        return self._erp_put("SalesOrder", {"OrderType": order_type, "OrderNbr": order_nbr, **changes},
                             must_exist=True)

    def key_payment(self, *, customer_id: str, payment_method: str, amount: Any, cash_account: str | None = None,
                    currency_id: str | None = None, application_date: str | None = None,
                    description: str | None = None, payment_ref: str | None = None,
                    payment_type: str = "Payment") -> dict:
        """A clerk keys a payment by hand (from a bank or gateway statement), applied to no order."""
        record = {"Type": payment_type, "CustomerID": customer_id, "PaymentMethod": payment_method,
                  "PaymentAmount": amount, "CashAccount": cash_account, "CurrencyID": currency_id,
                  "ApplicationDate": application_date, "Description": description, "PaymentRef": payment_ref}
        try:
            return self.put("Payment", {name: value for name, value in record.items() if value is not None})
        except (ValidationFailed, BadRequest) as error:
            raise ActionError(str(error)) from None

    def set_payment_date(self, *, payment_type: str = "Payment", reference_nbr: str, application_date: str) -> dict:
        """Re-date a saved payment (a clerk posts it to another day); the API refuses this change."""
        with self._lock:
            key = (payment_type, reference_nbr)
            payment = self._tables["Payment"].records.get(key)
            if payment is None:
                raise ActionError(f"payment {payment_type} {reference_nbr} not found")
            try:
                moment = parse_instant(str(application_date))
            except ValueError:
                raise ActionError(f"application_date {application_date!r} is not an ISO 8601 date") from None
            updated = clone(payment)
            updated["ApplicationDate"] = moment.isoformat()
            updated["LastModifiedDateTime"] = self._stamp(payment.get("LastModifiedDateTime"))
            self._tables["Payment"].put(key, updated)
            return self._view("Payment", updated)

    def _erp_put(self, entity: str, record: dict, *, must_exist: bool = False) -> dict:
        with self._lock:
            keys = [record[name] for name in KEYS[entity]]
            if must_exist and self.find(entity, keys) is None:
                raise ActionError(f"{entity} {'/'.join(keys)} not found")
            try:
                return self.put(entity, record)
            except (ValidationFailed, BadRequest) as error:
                raise ActionError(str(error)) from None

    # -- seeding and inspection ----------------------------------------------------------------------------

    def bulk_load(self, *, customers: Iterable[dict] = (), items: Iterable[dict] = (),
                  stock: Iterable[tuple[str, str, Decimal, str]] = (), non_stock_items: Iterable[dict] = ()) -> None:
        """Insert complete records as they are (seeding only): customers, stock items, stock rows
        (InventoryID, WarehouseID, QtyOnHand, LastModifiedDateTime) and non-stock items."""
        with self._lock:
            for record in non_stock_items:
                self._tables["NonStockItem"].put((record["InventoryID"],), record)
            for record in customers:
                self._tables["Customer"].put((record["CustomerID"],), record)
            for record in items:
                self._tables["StockItem"].put((record["InventoryID"],), record)
            for inventory_id, warehouse, on_hand, stamp in stock:
                self._stock[(inventory_id, warehouse)] = {"QtyOnHand": on_hand, "LastModifiedDateTime": stamp}

    def export(self) -> dict[str, list[dict]]:
        """Every record of every entity in key order, plus the inventory summary (copies)."""
        with self._lock:
            data = {entity: self.records(entity) for entity in KEYS}
            data["InventorySummary"] = self.inventory_summary()
            return data


def _same(current: dict, record: dict, *, ignore: Sequence[str]) -> bool:
    """Whether a PUT changed nothing (a field sent as null equals a field never set)."""
    return ({k: v for k, v in _without_nulls(current).items() if k not in ignore}
            == {k: v for k, v in _without_nulls(record).items() if k not in ignore})


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_nulls(item) for item in value]
    return value
