"""In-memory, thread-safe record store behind the X-Cart 5 REST API emulator.

Holds the three entities the emulator serves (orders, profiles, products) as plain JSON-like dicts
(money as ``Decimal``), each table kept in ascending id order so that ``_cnd[limit]`` paging is a slice.
Records are never mutated in place: an update swaps in a new dict, and every public read hands out a
copy, so callers can neither corrupt the store nor see a half-applied change.

``create_order`` stores what it is given verbatim (only *absent* identity and date keys are filled),
which lets tests inject malformed orders that the HTTP layer would never accept from a client.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

PAYMENT_STATUS_CODES = ("Q", "A", "PP", "P", "D", "C", "R")
SHIPPING_STATUS_CODES = ("N", "P", "S", "D", "WND", "R")

ORDER_UPDATABLE_FIELDS = ("paymentStatus", "shippingStatus", "adminNotes", "trackingNumber")
PROFILE_UPDATABLE_FIELDS = ("login", "email", "firstname", "lastname", "addresses")
PRODUCT_UPDATABLE_FIELDS = ("sku", "name", "price", "quantity", "amount", "enabled")

CENT = Decimal("0.01")


class StoreError(Exception):
    """Base class of store errors; the message is safe to show to an API client."""


class RecordNotFound(StoreError, LookupError):
    """No record with the requested id."""


class InvalidRecord(StoreError, ValueError):
    """A create or update was refused; the message names the field."""


def clone(value: Any) -> Any:
    """Deep copy of JSON-like data (dicts, lists, immutable scalars); much faster than copy.deepcopy."""
    if isinstance(value, dict):
        return {key: clone(item) for key, item in value.items()}
    if isinstance(value, list):
        return [clone(item) for item in value]
    return value


def _as_unix_time(value: Any) -> int | None:
    # bool is an int subclass; a malformed `True` date must not match a filter as 1.
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_money(value: Any, field: str) -> Decimal:
    """A non-negative amount with at most two decimals, as a Decimal quantized to 0.01."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, float, str)):
        raise InvalidRecord(f"{field} must be a number")
    try:
        amount = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise InvalidRecord(f"{field} must be a number") from None
    if not amount.is_finite() or amount < 0:
        raise InvalidRecord(f"{field} must be a non-negative number")
    quantized = amount.quantize(CENT)
    if quantized != amount:
        raise InvalidRecord(f"{field} must have at most two decimals")
    return quantized


class _Table:
    """Records of one entity keyed by integer id, with the ids kept sorted for ordered paging."""

    def __init__(self, id_field: str) -> None:
        self.id_field = id_field
        self.records: dict[int, dict] = {}
        self.ids: list[int] = []
        self.last_id = 0

    def allocate_key(self, record: dict) -> int:
        """The record's own id when it is a free integer, else the next id after the highest one."""
        own_id = record.get(self.id_field)
        if _is_int(own_id):
            if own_id in self.records:
                raise InvalidRecord(f"{self.id_field} {own_id} already exists")
            if own_id <= 0:
                raise InvalidRecord(f"{self.id_field} must be a positive integer")
            return own_id
        return self.last_id + 1

    def insert(self, key: int, record: dict) -> None:
        self.records[key] = record
        if not self.ids or key > self.ids[-1]:
            self.ids.append(key)
        else:
            bisect.insort(self.ids, key)
        self.last_id = max(self.last_id, key)

    def remove(self, key: int) -> None:
        del self.records[key]
        del self.ids[bisect.bisect_left(self.ids, key)]

    def require(self, key: int, entity: str) -> dict:
        try:
            return self.records[key]
        except KeyError:
            raise RecordNotFound(f"{entity} {key} not found") from None

    def page(self, keys: list[int], offset: int, limit: int | None) -> list[dict]:
        end = None if limit is None else offset + limit
        return [clone(self.records[key]) for key in keys[offset:end]]


def _check_paging(offset: int, limit: int | None) -> None:
    if not _is_int(offset) or offset < 0:
        raise InvalidRecord("offset must be a non-negative integer")
    if limit is not None and (not _is_int(limit) or limit < 0):
        raise InvalidRecord("limit must be a non-negative integer")


def _in_range(value: int | None, start: int | None, end: int | None) -> bool:
    if value is None:
        return False
    return (start is None or value >= start) and (end is None or value < end)


class XCartStore:
    """Orders, profiles and products of one emulated X-Cart shop.

    ``clock`` returns the current unix time; tests pass a fake one to make ``updateDate`` bumps exact.
    List methods return ``(records, total)`` where ``total`` counts every match, ignoring paging.
    """

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.RLock()
        self._orders = _Table("orderId")
        # (orderDate, updateDate) per order key, as ints or None when the record's value is malformed.
        self._order_dates: dict[int, tuple[int | None, int | None]] = {}
        self._profiles = _Table("profileId")
        self._products = _Table("productId")
        self._product_key_by_sku: dict[str, int] = {}

    # -- whole store -------------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget every record and restart ids at 1."""
        with self._lock:
            self._orders = _Table("orderId")
            self._order_dates = {}
            self._profiles = _Table("profileId")
            self._products = _Table("productId")
            self._product_key_by_sku = {}

    def counts(self) -> dict[str, int]:
        with self._lock:
            return {
                "orders": len(self._orders.records),
                "profiles": len(self._profiles.records),
                "products": len(self._products.records),
            }

    def export(self) -> dict[str, list[dict]]:
        """Every record of every entity in id order (copies), e.g. to compare two seeded stores."""
        with self._lock:
            return {
                "orders": self._orders.page(self._orders.ids, 0, None),
                "profiles": self._profiles.page(self._profiles.ids, 0, None),
                "products": self._products.page(self._products.ids, 0, None),
            }

    def now(self) -> int:
        return int(self._clock())

    # -- orders ------------------------------------------------------------------------------------

    def list_orders(
        self,
        *,
        offset: int = 0,
        limit: int | None = None,
        update_from: int | None = None,
        update_to: int | None = None,
        date_from: int | None = None,
        date_to: int | None = None,
    ) -> tuple[list[dict], int]:
        """Orders in id order; date bounds are unix seconds, ``*_from`` inclusive, ``*_to`` exclusive."""
        _check_paging(offset, limit)
        with self._lock:
            table = self._orders
            if update_from is None and update_to is None and date_from is None and date_to is None:
                keys = table.ids
            else:
                dates = self._order_dates
                keys = [
                    key
                    for key in table.ids
                    if (
                        (date_from is None and date_to is None)
                        or _in_range(dates[key][0], date_from, date_to)
                    )
                    and (
                        (update_from is None and update_to is None)
                        or _in_range(dates[key][1], update_from, update_to)
                    )
                ]
            return table.page(keys, offset, limit), len(keys)

    def get_order(self, order_id: int) -> dict:
        with self._lock:
            return clone(self._orders.require(order_id, "order"))

    def create_order(self, raw: Mapping[str, Any]) -> dict:
        """Store an order verbatim and return it.

        Keys that are present are kept as given, even if malformed. Absent ``orderId`` is assigned
        (next id), absent ``orderNumber`` derived from it, absent ``orderDate``/``updateDate`` set to
        now. A present but non-integer ``orderId`` is kept, and the order is filed under the next id.
        """
        record = clone(dict(raw))
        with self._lock:
            key = self._orders.allocate_key(record)
            record.setdefault("orderId", key)
            record.setdefault("orderNumber", f"{key:06d}")
            now = self.now()
            record.setdefault("orderDate", now)
            record.setdefault("updateDate", record["orderDate"])
            self._insert_order(key, record)
            return clone(record)

    def _insert_order(self, key: int, record: dict) -> None:
        self._orders.insert(key, record)
        self._order_dates[key] = (
            _as_unix_time(record.get("orderDate")),
            _as_unix_time(record.get("updateDate")),
        )

    def update_order(self, order_id: int, changes: Mapping[str, Any]) -> dict:
        """Apply a client's PUT: only status codes, admin notes and tracking number may change.

        ``updateDate`` moves to max(now, previous + 1) when any value actually changes, so a
        change is always visible to an ``updateDate`` filter that starts after the previous value.
        """
        if not isinstance(changes, Mapping):
            raise InvalidRecord("order update must be a JSON object")
        if not changes:
            raise InvalidRecord(f"nothing to update; updatable fields: {', '.join(ORDER_UPDATABLE_FIELDS)}")
        for field, value in changes.items():
            _validate_order_change(field, value)
        with self._lock:
            current = self._orders.require(order_id, "order")
            if all(current.get(field, _MISSING) == value for field, value in changes.items()):
                return clone(current)
            updated = dict(current)
            updated.update(changes)
            previous = _as_unix_time(current.get("updateDate")) or 0
            updated["updateDate"] = max(self.now(), previous + 1)
            self._orders.records[order_id] = updated
            self._order_dates[order_id] = (self._order_dates[order_id][0], updated["updateDate"])
            return clone(updated)

    def delete_order(self, order_id: int) -> None:
        with self._lock:
            self._orders.require(order_id, "order")
            self._orders.remove(order_id)
            del self._order_dates[order_id]

    # -- profiles ----------------------------------------------------------------------------------

    def list_profiles(self, *, offset: int = 0, limit: int | None = None) -> tuple[list[dict], int]:
        _check_paging(offset, limit)
        with self._lock:
            return self._profiles.page(self._profiles.ids, offset, limit), len(self._profiles.ids)

    def get_profile(self, profile_id: int) -> dict:
        with self._lock:
            return clone(self._profiles.require(profile_id, "profile"))

    def create_profile(self, raw: Mapping[str, Any]) -> dict:
        """Store a profile; absent ``profileId`` is assigned, absent ``login`` copies ``email``."""
        record = clone(dict(raw))
        with self._lock:
            key = self._profiles.allocate_key(record)
            record.setdefault("profileId", key)
            record.setdefault("login", record.get("email"))
            record.setdefault("addresses", [])
            record.setdefault("addedDate", self.now())
            self._profiles.insert(key, record)
            return clone(record)

    def find_profile_by_login(self, login: str) -> dict | None:
        with self._lock:
            for record in self._profiles.records.values():
                if record.get("login") == login:
                    return clone(record)
            return None

    def update_profile(self, profile_id: int, changes: Mapping[str, Any]) -> dict:
        _require_known_fields(changes, PROFILE_UPDATABLE_FIELDS, "profile")
        for field, value in changes.items():
            if field == "addresses":
                if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
                    raise InvalidRecord("addresses must be a list of objects")
            elif not isinstance(value, str):
                raise InvalidRecord(f"{field} must be a string")
        with self._lock:
            current = self._profiles.require(profile_id, "profile")
            updated = dict(current)
            updated.update(clone(dict(changes)))
            self._profiles.records[profile_id] = updated
            return clone(updated)

    def delete_profile(self, profile_id: int) -> None:
        with self._lock:
            self._profiles.require(profile_id, "profile")
            self._profiles.remove(profile_id)

    # -- products ----------------------------------------------------------------------------------

    def list_products(self, *, offset: int = 0, limit: int | None = None) -> tuple[list[dict], int]:
        _check_paging(offset, limit)
        with self._lock:
            return self._products.page(self._products.ids, offset, limit), len(self._products.ids)

    def get_product(self, product_id: int) -> dict:
        with self._lock:
            return clone(self._products.require(product_id, "product"))

    def find_product_by_sku(self, sku: str) -> dict | None:
        with self._lock:
            key = self._product_key_by_sku.get(sku)
            return None if key is None else clone(self._products.records[key])

    def create_product(self, raw: Mapping[str, Any]) -> dict:
        """Store a product; absent ``productId`` is assigned; ``quantity`` and ``amount`` mirror each other."""
        record = clone(dict(raw))
        with self._lock:
            sku = record.get("sku")
            if isinstance(sku, str) and sku in self._product_key_by_sku:
                raise InvalidRecord(f"sku {sku!r} already exists")
            key = self._products.allocate_key(record)
            record.setdefault("productId", key)
            if "amount" in record or "quantity" in record:
                stock = record.get("amount", record.get("quantity"))
                record["amount"] = record["quantity"] = stock
            self._products.insert(key, record)
            if isinstance(sku, str):
                self._product_key_by_sku[sku] = key
            return clone(record)

    def update_product(self, product_id: int, changes: Mapping[str, Any]) -> dict:
        _require_known_fields(changes, PRODUCT_UPDATABLE_FIELDS, "product")
        normalized: dict[str, Any] = {}
        for field, value in changes.items():
            if field == "price":
                normalized["price"] = parse_money(value, "price")
            elif field in ("quantity", "amount"):
                if not _is_int(value) or value < 0:
                    raise InvalidRecord(f"{field} must be a non-negative integer")
                normalized["quantity"] = normalized["amount"] = value
            elif field == "enabled":
                if not isinstance(value, bool):
                    raise InvalidRecord("enabled must be true or false")
                normalized["enabled"] = value
            else:
                if not isinstance(value, str) or not value:
                    raise InvalidRecord(f"{field} must be a non-empty string")
                normalized[field] = value
        if "quantity" in changes and "amount" in changes and changes["quantity"] != changes["amount"]:
            raise InvalidRecord("quantity and amount are the same stock figure and must agree")
        with self._lock:
            current = self._products.require(product_id, "product")
            new_sku = normalized.get("sku")
            if new_sku is not None and self._product_key_by_sku.get(new_sku, product_id) != product_id:
                raise InvalidRecord(f"sku {new_sku!r} already exists")
            updated = dict(current)
            updated.update(normalized)
            self._products.records[product_id] = updated
            if new_sku is not None and new_sku != current.get("sku"):
                self._product_key_by_sku.pop(current.get("sku"), None)
                self._product_key_by_sku[new_sku] = product_id
            return clone(updated)

    def delete_product(self, product_id: int) -> None:
        with self._lock:
            record = self._products.require(product_id, "product")
            self._products.remove(product_id)
            if self._product_key_by_sku.get(record.get("sku")) == product_id:
                del self._product_key_by_sku[record["sku"]]

    # -- bulk loading (seeding) --------------------------------------------------------------------

    def bulk_load(
        self,
        *,
        products: Iterable[dict] = (),
        profiles: Iterable[dict] = (),
        orders: Iterable[dict] = (),
    ) -> None:
        """Insert complete records with their own integer ids, without copying them (seeding only)."""
        with self._lock:
            for record in products:
                key = self._products.allocate_key(record)
                self._products.insert(key, record)
                if isinstance(record.get("sku"), str):
                    self._product_key_by_sku[record["sku"]] = key
            for record in profiles:
                self._profiles.insert(self._profiles.allocate_key(record), record)
            for record in orders:
                self._insert_order(self._orders.allocate_key(record), record)


_MISSING = object()


def _require_known_fields(changes: Any, allowed: tuple[str, ...], entity: str) -> None:
    if not isinstance(changes, Mapping):
        raise InvalidRecord(f"{entity} update must be a JSON object")
    if not changes:
        raise InvalidRecord(f"nothing to update; updatable fields: {', '.join(allowed)}")
    for field in changes:
        if field not in allowed:
            raise InvalidRecord(f"{entity} field {field!r} cannot be updated; updatable: {', '.join(allowed)}")


def _validate_order_change(field: str, value: Any) -> None:
    if field == "paymentStatus":
        if value not in PAYMENT_STATUS_CODES:
            raise InvalidRecord(
                f"paymentStatus {value!r} is not one of {', '.join(PAYMENT_STATUS_CODES)}"
            )
    elif field == "shippingStatus":
        if value not in SHIPPING_STATUS_CODES:
            raise InvalidRecord(
                f"shippingStatus {value!r} is not one of {', '.join(SHIPPING_STATUS_CODES)}"
            )
    elif field == "adminNotes":
        if not isinstance(value, str):
            raise InvalidRecord("adminNotes must be a string")
    elif field == "trackingNumber":
        if value is not None and not isinstance(value, str):
            raise InvalidRecord("trackingNumber must be a string or null")
    else:
        raise InvalidRecord(
            f"order field {field!r} cannot be updated; updatable: {', '.join(ORDER_UPDATABLE_FIELDS)}"
        )
