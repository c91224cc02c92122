"""In-memory, thread-safe record store behind the X-Cart 5 REST API emulator.

Holds the entities the emulator serves (orders, profiles, products, payment transactions) as plain
JSON-like dicts (money as ``Decimal``), each table kept in ascending id order so that ``_cnd[limit]``
paging is a slice. Records are never mutated in place: an update swaps in a new dict, and every public
read hands out a copy, so callers can neither corrupt the store nor see a half-applied change.

``create_order`` stores what it is given verbatim (only *absent* identity and date keys are filled),
which lets tests inject malformed orders that the HTTP layer would never accept from a client;
``create_payment_transaction(..., verbatim=True)`` does the same for payment transactions.

Codes (X-Cart 5; the transaction codes are those of ``XLite\\Model\\Payment\\Transaction``):

- order ``paymentStatus``: Q queued, A authorized, PP part-paid, P paid, D declined, C canceled, R refunded;
- order ``shippingStatus``: N new, P processing, S shipped, D delivered, WND will not deliver, R returned.
  X-Cart has no "partially shipped" code: the sandbox (and our flows) read P with at least one entry in
  ``trackingNumbers`` as a partial shipment, and S as complete;
- profile ``status``: E enabled, D disabled;
- payment transaction ``type``: sale, auth, capture, refund, void; ``status``: I initialized,
  P in progress, W waiting (pending), S success, F failed (the gateway declined it), C canceled, V void.
  A declined attempt is status F: X-Cart has no separate "declined" transaction code.

Payment rules (``create_payment_transaction`` without ``verbatim``): ``value`` > 0 with two decimals, the
order must exist and the currency is the order's. "Paid" is the sum of successful sales and captures,
"refunded" of successful refunds. A successful sale/capture may not take paid above the order total, a
successful refund may not exceed paid − refunded, an auth may not exceed the total, a void may not
exceed authorized − voided. Effects on the order's ``paymentStatus`` (and ``updateDate``, bumped as for
any real change): a successful sale or capture sets P when paid reaches the total, else PP; a successful
refund sets R when refunded reaches paid (a partial refund leaves P); a successful auth turns Q or D
into A; a successful void sets C when nothing was paid; a failed sale/auth/capture sets D when nothing
is paid or authorized. Deleting an order deletes its transactions (X-Cart cascades); transactions
themselves cannot be deleted.
"""

from __future__ import annotations

import bisect
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from include.sandbox.common import clone

PAYMENT_STATUS_CODES = ("Q", "A", "PP", "P", "D", "C", "R")
SHIPPING_STATUS_CODES = ("N", "P", "S", "D", "WND", "R")
PROFILE_STATUS_CODES = ("E", "D")
PAYMENT_TRANSACTION_TYPES = ("sale", "auth", "capture", "refund", "void")
PAYMENT_TRANSACTION_STATUSES = ("I", "P", "W", "S", "F", "C", "V")
FINAL_TRANSACTION_STATUSES = ("S", "F", "C", "V")
PAYMENT_METHODS = ("Credit Card", "PayPal", "Purchase Order", "Gift Certificate")
CARD_METHODS = ("Credit Card",)
CARRIER_BY_SHIPPING_METHOD = {"UPS Ground": "UPS", "FedEx 2Day": "FedEx", "USPS Priority": "USPS"}

ORDER_UPDATABLE_FIELDS = ("paymentStatus", "shippingStatus", "adminNotes", "trackingNumber", "trackingNumbers")
PROFILE_UPDATABLE_FIELDS = ("login", "email", "firstname", "lastname", "addresses", "status")
PRODUCT_UPDATABLE_FIELDS = ("sku", "name", "price", "quantity", "amount", "enabled")
PAYMENT_TRANSACTION_UPDATABLE_FIELDS = ("status",)
PAYMENT_TRANSACTION_FIELDS = (
    "transactionId", "orderId", "parentTransactionId", "type", "status", "value", "currency", "method",
    "gatewayTransactionId", "cardLast4", "date", "updateDate",
)
PAYMENT_TRANSACTION_CLIENT_FIELDS = tuple(f for f in PAYMENT_TRANSACTION_FIELDS if f != "updateDate")
# The order address shape; a profile address adds addressId, isBilling and isShipping.
ADDRESS_FIELDS = ("firstname", "lastname", "street", "street2", "city", "state", "zipcode", "country", "phone")
REQUIRED_ADDRESS_FIELDS = ("street", "city", "country")
TRACKING_FIELDS = ("value", "carrier")

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
_COUNTRY = re.compile(r"[A-Z]{2}")
_CURRENCY = re.compile(r"[A-Z]{3}")
_LAST4 = re.compile(r"[0-9]{4}")
_PAN_LIKE = re.compile(r"[0-9](?:[ -]?[0-9]){12,18}")


class StoreError(Exception):
    """Base class of store errors; the message is safe to show to an API client."""


class RecordNotFound(StoreError, LookupError):
    """No record with the requested id."""


class InvalidRecord(StoreError, ValueError):
    """A create or update was refused; the message names the field."""


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


def login_key(login: str) -> str:
    """How X-Cart compares logins (e-mail addresses): trimmed and case-insensitive."""
    return login.strip().casefold()


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


def _filter_by_dates(keys: list[int], dates: dict[int, tuple[int | None, int | None]], date_from: int | None,
                     date_to: int | None, update_from: int | None, update_to: int | None) -> list[int]:
    """The keys whose (date, updateDate) lie in the given ranges (``*_from`` inclusive, ``*_to`` exclusive).

    A bound that is None is open; a malformed (None) date never matches a range that is asked for.
    """
    if date_from is not None or date_to is not None:
        low, high = date_from, date_to
        keys = [key for key in keys if (value := dates[key][0]) is not None
                and (low is None or value >= low) and (high is None or value < high)]
    if update_from is not None or update_to is not None:
        low, high = update_from, update_to
        keys = [key for key in keys if (value := dates[key][1]) is not None
                and (low is None or value >= low) and (high is None or value < high)]
    return keys


def _bumped(current: Mapping[str, Any], now: int) -> int:
    """The ``updateDate`` of a real change: max(now, previous + 1), so a filter from the old value sees it."""
    previous = _as_unix_time(current.get("updateDate")) or 0
    return max(now, previous + 1)


class XCartStore:
    """Orders, profiles, products and payment transactions of one emulated X-Cart shop.

    ``clock`` returns the current unix time; tests pass a fake one to make ``updateDate`` bumps exact.
    List methods return ``(records, total)`` where ``total`` counts every match, ignoring paging.
    """

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.RLock()
        self.reset()

    # -- whole store -------------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget every record and restart ids at 1."""
        with self._lock:
            self._orders = _Table("orderId")
            # (orderDate, updateDate) per order key, as ints or None when the record's value is malformed.
            self._order_dates: dict[int, tuple[int | None, int | None]] = {}
            # The keys of the last date filter asked for, until an order changes: a client paging through a
            # window asks the same filter for every page, which a database answers from an index.
            self._order_filter: tuple[tuple[int | None, ...], list[int]] | None = None
            self._profiles = _Table("profileId")
            self._profile_key_by_login: dict[str, int] = {}
            self._last_address_id = 0
            self._products = _Table("productId")
            self._product_key_by_sku: dict[str, int] = {}
            self._payments = _Table("transactionId")
            # (date, updateDate) per transaction key, and the transaction keys of each (integer) orderId.
            self._payment_dates: dict[int, tuple[int | None, int | None]] = {}
            self._payment_keys_by_order: dict[int, list[int]] = {}

    def counts(self) -> dict[str, int]:
        with self._lock:
            return {
                "orders": len(self._orders.records),
                "profiles": len(self._profiles.records),
                "products": len(self._products.records),
                "payment_transactions": len(self._payments.records),
            }

    def export(self) -> dict[str, list[dict]]:
        """Every record of every entity in id order (copies), e.g. to compare two seeded stores."""
        with self._lock:
            return {
                "orders": self._orders.page(self._orders.ids, 0, None),
                "profiles": self._profiles.page(self._profiles.ids, 0, None),
                "products": self._products.page(self._products.ids, 0, None),
                "payment_transactions": self._payments.page(self._payments.ids, 0, None),
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
                keys = self._orders_between(date_from, date_to, update_from, update_to)
            return table.page(keys, offset, limit), len(keys)

    def _orders_between(self, *bounds: int | None) -> list[int]:
        if self._order_filter is None or self._order_filter[0] != bounds:
            self._order_filter = (bounds, _filter_by_dates(self._orders.ids, self._order_dates, *bounds))
        return self._order_filter[1]

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
        self._order_filter = None
        self._orders.insert(key, record)
        self._order_dates[key] = (
            _as_unix_time(record.get("orderDate")),
            _as_unix_time(record.get("updateDate")),
        )

    def update_order(self, order_id: int, changes: Mapping[str, Any]) -> dict:
        """Apply a client's PUT: status codes, admin notes and tracking numbers may change.

        ``trackingNumbers`` replaces the list (entries ``{"value", "carrier"}``; an absent carrier is the
        order's shipping method's); ``trackingNumber`` always mirrors the first entry's value (or null).
        A PUT of ``trackingNumber`` alone replaces the first entry (null clears the list). When both are
        sent they must agree. ``updateDate`` moves to max(now, previous + 1) when any value actually
        changes, so a change is always visible to an ``updateDate`` filter that starts after the previous value.
        """
        if not isinstance(changes, Mapping):
            raise InvalidRecord("order update must be a JSON object")
        if not changes:
            raise InvalidRecord(f"nothing to update; updatable fields: {', '.join(ORDER_UPDATABLE_FIELDS)}")
        for field, value in changes.items():
            _validate_order_change(field, value)
        with self._lock:
            current = self._orders.require(order_id, "order")
            normalized = dict(changes)
            default_carrier = CARRIER_BY_SHIPPING_METHOD.get(current.get("shippingMethod"))
            if "trackingNumbers" in changes:
                numbers = normalize_tracking_numbers(changes["trackingNumbers"], default_carrier)
                first = numbers[0]["value"] if numbers else None
                if "trackingNumber" in changes and changes["trackingNumber"] != first:
                    raise InvalidRecord("trackingNumber must equal the first of trackingNumbers (or be left out)")
                normalized["trackingNumbers"] = numbers
                normalized["trackingNumber"] = first
            elif "trackingNumber" in changes:
                value = changes["trackingNumber"]
                existing = tracking_numbers_of(current)
                if not value:
                    normalized["trackingNumbers"] = []
                else:
                    carrier = existing[0]["carrier"] if existing else default_carrier
                    normalized["trackingNumbers"] = [{"value": value, "carrier": carrier}] + [
                        entry for entry in existing[1:] if entry["value"] != value]
            return self._apply_order_changes(order_id, current, normalized)

    def _apply_order_changes(self, order_id: int, current: dict, changes: Mapping[str, Any]) -> dict:
        if all(current.get(field, _MISSING) == value for field, value in changes.items()):
            return clone(current)
        updated = dict(current)
        updated.update(clone(dict(changes)))
        updated["updateDate"] = _bumped(current, self.now())
        self._orders.records[order_id] = updated
        self._order_dates[order_id] = (self._order_dates[order_id][0], updated["updateDate"])
        self._order_filter = None
        return clone(updated)

    def delete_order(self, order_id: int) -> None:
        """Delete an order and, as X-Cart's cascade does, its payment transactions."""
        with self._lock:
            self._orders.require(order_id, "order")
            self._orders.remove(order_id)
            del self._order_dates[order_id]
            self._order_filter = None
            for key in self._payment_keys_by_order.pop(order_id, []):
                self._payments.remove(key)
                del self._payment_dates[key]

    # -- profiles ----------------------------------------------------------------------------------

    def list_profiles(
        self,
        *,
        offset: int = 0,
        limit: int | None = None,
        update_from: int | None = None,
        update_to: int | None = None,
    ) -> tuple[list[dict], int]:
        """Profiles in id order; ``update_from`` inclusive, ``update_to`` exclusive (unix seconds)."""
        _check_paging(offset, limit)
        with self._lock:
            table = self._profiles
            if update_from is None and update_to is None:
                keys = table.ids
            else:
                keys = [key for key in table.ids
                        if _in_range(_as_unix_time(table.records[key].get("updateDate")), update_from, update_to)]
            return table.page(keys, offset, limit), len(keys)

    def get_profile(self, profile_id: int) -> dict:
        with self._lock:
            return clone(self._profiles.require(profile_id, "profile"))

    def create_profile(self, raw: Mapping[str, Any]) -> dict:
        """Store a profile and return it.

        Absent ``profileId`` is assigned, absent ``login`` copies ``email``, absent ``addedDate`` is now,
        absent ``updateDate`` is ``addedDate``, absent ``status`` is E; addresses without an
        ``addressId`` get the next free one. A login already taken (compared trimmed and
        case-insensitively) is refused. Other values are kept as given (the HTTP layer validates them).
        """
        record = clone(dict(raw))
        with self._lock:
            key = self._profiles.allocate_key(record)
            record.setdefault("profileId", key)
            record.setdefault("login", record.get("email"))
            login = record["login"]
            if isinstance(login, str) and login_key(login) in self._profile_key_by_login:
                raise InvalidRecord(f"login {login.strip()!r} already exists")
            addresses = record.setdefault("addresses", [])
            if isinstance(addresses, list):
                for address in addresses:
                    if isinstance(address, dict):
                        if not _is_int(address.get("addressId")):
                            self._last_address_id += 1
                            address["addressId"] = self._last_address_id
                        self._last_address_id = max(self._last_address_id, address["addressId"])
            record.setdefault("addedDate", self.now())
            record.setdefault("updateDate", record["addedDate"])
            record.setdefault("status", "E")
            self._insert_profile(key, record)
            return clone(record)

    def _insert_profile(self, key: int, record: dict) -> None:
        login = record.get("login")
        if isinstance(login, str):
            if login_key(login) in self._profile_key_by_login:
                raise InvalidRecord(f"login {login.strip()!r} already exists")
            self._profile_key_by_login[login_key(login)] = key
        self._profiles.insert(key, record)
        for address in record.get("addresses") or ():
            if isinstance(address, dict) and _is_int(address.get("addressId")):
                self._last_address_id = max(self._last_address_id, address["addressId"])

    def find_profile_by_login(self, login: str) -> dict | None:
        """The profile whose login matches, compared trimmed and case-insensitively (as X-Cart does)."""
        with self._lock:
            key = self._profile_key_by_login.get(login_key(login))
            return None if key is None else clone(self._profiles.records[key])

    def update_profile(self, profile_id: int, changes: Mapping[str, Any]) -> dict:
        """Apply a client's PUT of names, login/e-mail, addresses or status.

        ``login`` and ``email`` are the same value in X-Cart 5 (the login is the e-mail address): either
        sets both, trimmed; both in one PUT must agree. It must stay unique, compared case-insensitively.
        ``addresses`` replaces the list (see :func:`normalize_addresses`). ``updateDate`` is bumped like an
        order's when any value actually changes.
        """
        _require_known_fields(changes, PROFILE_UPDATABLE_FIELDS, "profile")
        normalized: dict[str, Any] = {}
        for field, value in changes.items():
            if field in ("firstname", "lastname"):
                if not isinstance(value, str):
                    raise InvalidRecord(f"{field} must be a string")
                normalized[field] = value
            elif field == "status":
                if value not in PROFILE_STATUS_CODES:
                    raise InvalidRecord(f"status {value!r} is not one of {', '.join(PROFILE_STATUS_CODES)}")
                normalized[field] = value
        if "login" in changes or "email" in changes:
            logins = {validate_login(changes[field], field) for field in ("login", "email") if field in changes}
            if len(logins) > 1:
                raise InvalidRecord("login and email are the same address and must agree")
            normalized["login"] = normalized["email"] = logins.pop()
        with self._lock:
            current = self._profiles.require(profile_id, "profile")
            if "addresses" in changes:
                own_ids = {a.get("addressId") for a in current.get("addresses") or () if isinstance(a, dict)}
                normalized["addresses"] = self._assign_address_ids(normalize_addresses(changes["addresses"], own_ids))
            new_login = normalized.get("login")
            if new_login is not None and self._profile_key_by_login.get(login_key(new_login), profile_id) != profile_id:
                raise InvalidRecord(f"login {new_login!r} already exists")
            if all(current.get(field, _MISSING) == value for field, value in normalized.items()):
                return clone(current)
            updated = dict(current)
            updated.update(normalized)
            updated["updateDate"] = _bumped(current, self.now())
            self._profiles.records[profile_id] = updated
            old_login = current.get("login")
            if new_login is not None:
                if isinstance(old_login, str) and self._profile_key_by_login.get(login_key(old_login)) == profile_id:
                    del self._profile_key_by_login[login_key(old_login)]
                self._profile_key_by_login[login_key(new_login)] = profile_id
            return clone(updated)

    def _assign_address_ids(self, addresses: list[dict]) -> list[dict]:
        for address in addresses:
            if address["addressId"] is None:
                self._last_address_id += 1
                address["addressId"] = self._last_address_id
        return addresses

    def new_addresses(self, raw: Any) -> list[dict]:
        """Validated addresses of a new profile, with fresh ``addressId`` values (for the HTTP POST)."""
        addresses = normalize_addresses(raw, set())
        with self._lock:
            return self._assign_address_ids(addresses)

    def delete_profile(self, profile_id: int) -> None:
        with self._lock:
            record = self._profiles.require(profile_id, "profile")
            self._profiles.remove(profile_id)
            login = record.get("login")
            if isinstance(login, str) and self._profile_key_by_login.get(login_key(login)) == profile_id:
                del self._profile_key_by_login[login_key(login)]

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

    # -- payment transactions ----------------------------------------------------------------------

    def list_payment_transactions(
        self,
        *,
        offset: int = 0,
        limit: int | None = None,
        order_id: int | None = None,
        date_from: int | None = None,
        date_to: int | None = None,
        update_from: int | None = None,
        update_to: int | None = None,
    ) -> tuple[list[dict], int]:
        """Transactions in id order, optionally of one order; date bounds as for orders."""
        _check_paging(offset, limit)
        with self._lock:
            table = self._payments
            keys = table.ids if order_id is None else sorted(self._payment_keys_by_order.get(order_id, ()))
            if not (date_from is None and date_to is None and update_from is None and update_to is None):
                keys = _filter_by_dates(keys, self._payment_dates, date_from, date_to, update_from, update_to)
            return table.page(keys, offset, limit), len(keys)

    def get_payment_transaction(self, transaction_id: int) -> dict:
        with self._lock:
            return clone(self._payments.require(transaction_id, "payment-transaction"))

    def payment_summary(self, order_id: int) -> dict[str, Decimal]:
        """Sums of the order's successful transactions: paid (sales + captures), refunded, authorized, voided."""
        with self._lock:
            return self._summary(order_id)

    def _summary(self, order_id: int) -> dict[str, Decimal]:
        sums = dict.fromkeys(PAYMENT_TRANSACTION_TYPES, ZERO)
        records = self._payments.records
        for key in self._payment_keys_by_order.get(order_id, ()):
            record = records[key]
            value = record.get("value")
            if record.get("status") == "S" and record.get("type") in sums and isinstance(value, Decimal):
                sums[record["type"]] += value
        return {"paid": sums["sale"] + sums["capture"], "refunded": sums["refund"],
                "authorized": sums["auth"], "voided": sums["void"]}

    def create_payment_transaction(self, raw: Mapping[str, Any], *, verbatim: bool = False) -> dict:
        """Record a payment transaction and apply its effect on the order (see the module docstring).

        ``orderId``, ``type`` and ``value`` are required; ``status`` defaults to S, ``currency`` and
        ``method`` to the order's, ``date`` to now; ``updateDate`` is always max(now, date). With
        ``verbatim=True`` the record is stored as given (absent id and dates filled) without checks or
        effects, e.g. to inject a malformed or orphaned transaction.
        """
        if verbatim:
            record = clone(dict(raw))
            with self._lock:
                key = self._payments.allocate_key(record)
                record.setdefault("transactionId", key)
                record.setdefault("date", self.now())
                record.setdefault("updateDate", record["date"])
                self._insert_payment(key, record)
                return clone(record)
        if not isinstance(raw, Mapping):
            raise InvalidRecord("payment-transaction must be a JSON object")
        unknown = sorted(set(raw) - set(PAYMENT_TRANSACTION_CLIENT_FIELDS))
        if unknown:
            raise InvalidRecord(f"payment-transaction field(s) {', '.join(map(repr, unknown))} unknown; "
                                f"allowed: {', '.join(PAYMENT_TRANSACTION_CLIENT_FIELDS)}")
        for field in ("transactionId", "orderId", "parentTransactionId", "date"):
            value = raw.get(field)
            if value is not None and (not _is_int(value) or value <= 0):
                raise InvalidRecord(f"{field} must be a positive integer")
        if raw.get("orderId") is None:
            raise InvalidRecord("orderId is required")
        tx_type = raw.get("type")
        if tx_type not in PAYMENT_TRANSACTION_TYPES:
            raise InvalidRecord(f"type {tx_type!r} is not one of {', '.join(PAYMENT_TRANSACTION_TYPES)}")
        status = raw.get("status", "S")
        if status not in PAYMENT_TRANSACTION_STATUSES:
            raise InvalidRecord(f"status {status!r} is not one of {', '.join(PAYMENT_TRANSACTION_STATUSES)}")
        if "value" not in raw:
            raise InvalidRecord("value is required")
        value = parse_money(raw["value"], "value")
        if value <= 0:
            raise InvalidRecord("value must be greater than 0")
        gateway_id = raw.get("gatewayTransactionId")
        if gateway_id is not None:
            if not isinstance(gateway_id, str) or not gateway_id.strip():
                raise InvalidRecord("gatewayTransactionId must be a non-empty string or null")
            if _PAN_LIKE.search(gateway_id):
                raise InvalidRecord("gatewayTransactionId looks like a card number; card numbers are never stored")
        last4 = raw.get("cardLast4")
        if last4 is not None and (not isinstance(last4, str) or not _LAST4.fullmatch(last4)):
            raise InvalidRecord("cardLast4 must be exactly 4 digits or null (never a card number)")
        with self._lock:
            order_id = raw["orderId"]
            order = self._orders.records.get(order_id)
            if order is None:
                raise InvalidRecord(f"orderId {order_id} not found")
            total = order.get("total")
            if not isinstance(total, Decimal) or not total.is_finite():
                raise InvalidRecord(f"order {order_id} has no valid total")
            currency = raw.get("currency", order.get("currency"))
            if not isinstance(currency, str) or not _CURRENCY.fullmatch(currency):
                raise InvalidRecord("currency must be a three-letter ISO 4217 code")
            if currency != order.get("currency"):
                raise InvalidRecord(f"currency {currency} differs from order {order_id}'s {order.get('currency')}")
            method = raw.get("method", order.get("paymentMethod"))
            if method not in PAYMENT_METHODS:
                raise InvalidRecord(f"method {method!r} is not one of {', '.join(PAYMENT_METHODS)}")
            if last4 is not None and method not in CARD_METHODS:
                raise InvalidRecord(f"cardLast4 is only for card payments, not {method}")
            parent_id = raw.get("parentTransactionId")
            if parent_id is not None:
                parent = self._payments.records.get(parent_id)
                if parent is None or parent.get("orderId") != order_id:
                    raise InvalidRecord(f"parentTransactionId {parent_id} is not a transaction of order {order_id}")
            record = {"transactionId": None, "orderId": order_id, "parentTransactionId": parent_id,
                      "type": tx_type, "status": status, "value": value, "currency": currency, "method": method,
                      "gatewayTransactionId": gateway_id, "cardLast4": last4}
            key = self._payments.allocate_key(dict(raw))
            record["transactionId"] = key
            now = self.now()
            record["date"] = raw.get("date") or now
            record["updateDate"] = max(now, record["date"])
            new_status = self._payment_effect(order, tx_type, status, value)
            self._insert_payment(key, record)
            if new_status is not None:
                self._apply_order_changes(order_id, order, {"paymentStatus": new_status})
            return clone(record)

    def update_payment_transaction(self, transaction_id: int, changes: Mapping[str, Any]) -> dict:
        """Settle a transaction that is not final yet (I, P, W) by a PUT of its ``status``.

        S, F, C and V are final (400). The new status has the same checks and order effects as a POST
        of the transaction with it; ``updateDate`` is bumped.
        """
        _require_known_fields(changes, PAYMENT_TRANSACTION_UPDATABLE_FIELDS, "payment-transaction")
        status = changes["status"]
        if status not in PAYMENT_TRANSACTION_STATUSES:
            raise InvalidRecord(f"status {status!r} is not one of {', '.join(PAYMENT_TRANSACTION_STATUSES)}")
        with self._lock:
            current = self._payments.require(transaction_id, "payment-transaction")
            if current.get("status") == status:
                return clone(current)
            if current.get("status") in FINAL_TRANSACTION_STATUSES:
                raise InvalidRecord(f"status {current.get('status')} is final; only I, P and W may change")
            order_id = current.get("orderId")
            order = self._orders.records.get(order_id) if _is_int(order_id) else None
            new_status = None
            if order is not None and isinstance(current.get("value"), Decimal):
                new_status = self._payment_effect(order, current.get("type"), status, current["value"])
            updated = dict(current)
            updated["status"] = status
            updated["updateDate"] = _bumped(current, self.now())
            self._payments.records[transaction_id] = updated
            self._payment_dates[transaction_id] = (self._payment_dates[transaction_id][0], updated["updateDate"])
            if new_status is not None:
                self._apply_order_changes(order_id, order, {"paymentStatus": new_status})
            return clone(updated)

    def delete_payment_transaction(self, transaction_id: int) -> None:
        with self._lock:
            self._payments.require(transaction_id, "payment-transaction")
        raise InvalidRecord("payment transactions cannot be deleted; post a void or a refund instead")

    def _payment_effect(self, order: dict, tx_type: str, status: str, value: Decimal) -> str | None:
        """Check a transaction about to take ``status`` against the order; the order's new paymentStatus."""
        order_id, total = order.get("orderId"), order.get("total")
        if not isinstance(total, Decimal):
            raise InvalidRecord(f"order {order_id} has no valid total")
        summary = self._summary(order_id)
        paid, refunded = summary["paid"], summary["refunded"]
        outstanding_auth = summary["authorized"] - summary["voided"]
        current = order.get("paymentStatus")
        if status == "S":
            if tx_type in ("sale", "capture"):
                if paid + value > total:
                    raise InvalidRecord(f"{tx_type} of {value} would take order {order_id}'s payments to "
                                        f"{paid + value}, above its total {total}")
                return "P" if paid + value >= total else "PP"
            if tx_type == "refund":
                if value > paid - refunded:
                    raise InvalidRecord(f"refund of {value} exceeds what order {order_id} has paid and not "
                                        f"refunded ({paid - refunded})")
                return "R" if refunded + value >= paid else None
            if tx_type == "auth":
                if value > total:
                    raise InvalidRecord(f"auth of {value} exceeds order {order_id}'s total {total}")
                return "A" if paid == 0 and current in ("Q", "D") else None
            if tx_type == "void":
                if value > outstanding_auth:
                    raise InvalidRecord(f"void of {value} exceeds order {order_id}'s open authorization "
                                        f"({outstanding_auth})")
                return "C" if paid == 0 else None
        elif status == "F" and tx_type in ("sale", "auth", "capture"):
            if paid == 0 and outstanding_auth <= 0:
                return "D"
        return None

    def _insert_payment(self, key: int, record: dict) -> None:
        self._payments.insert(key, record)
        self._payment_dates[key] = (_as_unix_time(record.get("date")), _as_unix_time(record.get("updateDate")))
        order_id = record.get("orderId")
        if _is_int(order_id):
            keys = self._payment_keys_by_order.setdefault(order_id, [])
            if not keys or key > keys[-1]:
                keys.append(key)
            else:
                bisect.insort(keys, key)

    # -- bulk loading (seeding) --------------------------------------------------------------------

    def bulk_load(
        self,
        *,
        products: Iterable[dict] = (),
        profiles: Iterable[dict] = (),
        orders: Iterable[dict] = (),
        payment_transactions: Iterable[dict] = (),
    ) -> None:
        """Insert complete records with their own integer ids, without copying them (seeding only)."""
        with self._lock:
            for record in products:
                key = self._products.allocate_key(record)
                self._products.insert(key, record)
                if isinstance(record.get("sku"), str):
                    self._product_key_by_sku[record["sku"]] = key
            for record in profiles:
                self._insert_profile(self._profiles.allocate_key(record), record)
            for record in orders:
                self._insert_order(self._orders.allocate_key(record), record)
            for record in payment_transactions:
                self._insert_payment(self._payments.allocate_key(record), record)


_MISSING = object()


def _require_known_fields(changes: Any, allowed: tuple[str, ...], entity: str) -> None:
    if not isinstance(changes, Mapping):
        raise InvalidRecord(f"{entity} update must be a JSON object")
    if not changes:
        raise InvalidRecord(f"nothing to update; updatable fields: {', '.join(allowed)}")
    for field in changes:
        if field not in allowed:
            raise InvalidRecord(f"{entity} field {field!r} cannot be updated; updatable: {', '.join(allowed)}")


def validate_login(value: Any, field: str = "login") -> str:
    """A login (e-mail address) as stored: a trimmed string with one @ and text on both sides."""
    if not isinstance(value, str):
        raise InvalidRecord(f"{field} must be a string")
    login = value.strip()
    local, at, domain = login.partition("@")
    if not at or not local or not domain or "@" in domain or any(ch.isspace() for ch in login):
        raise InvalidRecord(f"{field} {value!r} is not an e-mail address")
    return login


def normalize_addresses(value: Any, own_ids: set) -> list[dict]:
    """A profile's address list as a client sends it, checked and completed (``addressId`` None = new).

    Each address is an object with the order address fields (``street``, ``city`` and a two-letter
    ``country`` required; the others strings, absent or null stored as ""), ``isBilling``/``isShipping``
    booleans (default false; at most one address of each kind) and optionally the ``addressId`` of one of the profile's
    current addresses. Unknown fields are refused.
    """
    if not isinstance(value, list):
        raise InvalidRecord("addresses must be a list of objects")
    allowed = set(ADDRESS_FIELDS) | {"addressId", "isBilling", "isShipping"}
    result, seen_ids = [], set()
    for index, address in enumerate(value):
        where = f"addresses[{index}]"
        if not isinstance(address, dict):
            raise InvalidRecord(f"{where} must be an object")
        unknown = sorted(set(address) - allowed)
        if unknown:
            raise InvalidRecord(f"{where}: unknown field(s) {', '.join(map(repr, unknown))}; "
                                f"allowed: {', '.join(sorted(allowed))}")
        address_id = address.get("addressId")
        if address_id is not None:
            if not _is_int(address_id) or address_id not in own_ids:
                raise InvalidRecord(f"{where}.addressId {address_id!r} is not an address of this profile; "
                                    "leave it out for a new address")
            if address_id in seen_ids:
                raise InvalidRecord(f"{where}.addressId {address_id} appears twice")
            seen_ids.add(address_id)
        normalized: dict[str, Any] = {"addressId": address_id}
        for flag in ("isBilling", "isShipping"):
            flag_value = address.get(flag, False)
            if not isinstance(flag_value, bool):
                raise InvalidRecord(f"{where}.{flag} must be true or false")
            normalized[flag] = flag_value
        for field in ADDRESS_FIELDS:
            text = address.get(field)
            if field in REQUIRED_ADDRESS_FIELDS and (not isinstance(text, str) or not text.strip()):
                raise InvalidRecord(f"{where}.{field} is required (a non-empty string)")
            if text is not None and not isinstance(text, str):
                raise InvalidRecord(f"{where}.{field} must be a string")
            normalized[field] = text or ""
        if not _COUNTRY.fullmatch(normalized["country"]):
            raise InvalidRecord(f"{where}.country must be a two-letter country code like US or DE")
        result.append(normalized)
    for flag in ("isBilling", "isShipping"):
        if sum(1 for address in result if address[flag]) > 1:
            raise InvalidRecord(f"at most one address may have {flag} true")
    return result


def normalize_tracking_numbers(value: Any, default_carrier: str | None) -> list[dict]:
    """``trackingNumbers`` as a client sends it: a list of ``{"value", "carrier"}`` objects, values unique."""
    if not isinstance(value, list):
        raise InvalidRecord("trackingNumbers must be a list of {value, carrier} objects")
    result, seen = [], set()
    for index, entry in enumerate(value):
        where = f"trackingNumbers[{index}]"
        if not isinstance(entry, dict):
            raise InvalidRecord(f"{where} must be an object with a value")
        unknown = sorted(set(entry) - set(TRACKING_FIELDS))
        if unknown:
            raise InvalidRecord(f"{where}: unknown field(s) {', '.join(map(repr, unknown))}; allowed: value, carrier")
        number = entry.get("value")
        if not isinstance(number, str) or not number.strip():
            raise InvalidRecord(f"{where}.value must be a non-empty string")
        number = number.strip()
        if number in seen:
            raise InvalidRecord(f"{where}.value {number!r} appears twice")
        seen.add(number)
        carrier = entry.get("carrier", default_carrier)
        if carrier is not None and not isinstance(carrier, str):
            raise InvalidRecord(f"{where}.carrier must be a string or null")
        result.append({"value": number, "carrier": carrier})
    return result


def tracking_numbers_of(order: Mapping[str, Any]) -> list[dict]:
    """An order's tracking numbers; for an order stored without the list, derived from ``trackingNumber``."""
    numbers = order.get("trackingNumbers")
    if isinstance(numbers, list):
        return [dict(entry) for entry in numbers if isinstance(entry, dict) and isinstance(entry.get("value"), str)]
    single = order.get("trackingNumber")
    if isinstance(single, str) and single:
        return [{"value": single, "carrier": CARRIER_BY_SHIPPING_METHOD.get(order.get("shippingMethod"))}]
    return []


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
    elif field == "trackingNumbers":
        normalize_tracking_numbers(value, None)
    else:
        raise InvalidRecord(
            f"order field {field!r} cannot be updated; updatable: {', '.join(ORDER_UPDATABLE_FIELDS)}"
        )
