"""The canonical model every adapter converts to and from (hub and spoke).

Frozen dataclasses with an exact JSON round trip: ``to_dict()`` gives plain JSON types (money as
strings, timestamps as ISO-8601 with offset), ``from_dict()`` accepts that form *or* the typed values the
mapping engine produces (``Decimal``, ``datetime``) and raises ``InvalidValue`` naming the offending field
(e.g. ``lines[2].quantity``). Timestamps are timezone-aware UTC; naive ones are refused because guessing a
zone silently shifts order dates.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any

from storesync.errors import InvalidValue
from storesync.money import to_decimal


class PaymentStatus(StrEnum):
    PENDING = "pending"
    AUTHORIZED = "authorized"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


class FulfilmentStatus(StrEnum):
    NEW = "new"
    PROCESSING = "processing"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    NOT_DELIVERABLE = "not_deliverable"
    RETURNED = "returned"


@dataclass(frozen=True, slots=True)
class Address:
    name: str
    line1: str
    line2: str
    city: str
    region: str
    postal_code: str
    country: str  # ISO-3166 alpha-2

    def to_dict(self) -> dict[str, Any]:
        return _to_dict(self)

    @classmethod
    def from_dict(cls, data: Any, *, field: str = "address") -> Address:
        reader = _Reader(data, field, cls)
        return cls(
            name=reader.text("name"),
            line1=reader.text("line1"),
            line2=reader.text("line2", default=""),
            city=reader.text("city"),
            region=reader.text("region", default=""),
            postal_code=reader.text("postal_code", default=""),
            country=reader.text("country"),
        )


@dataclass(frozen=True, slots=True)
class CustomerRef:
    source_id: str | None
    email: str | None
    first_name: str
    last_name: str
    is_guest: bool

    def to_dict(self) -> dict[str, Any]:
        return _to_dict(self)

    @classmethod
    def from_dict(cls, data: Any, *, field: str = "customer") -> CustomerRef:
        reader = _Reader(data, field, cls)
        return cls(
            source_id=reader.optional_text("source_id"),
            email=reader.optional_text("email"),
            first_name=reader.text("first_name", default=""),
            last_name=reader.text("last_name", default=""),
            is_guest=reader.boolean("is_guest"),
        )


@dataclass(frozen=True, slots=True)
class OrderLine:
    line_no: int
    sku: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    line_total: Decimal

    def to_dict(self) -> dict[str, Any]:
        return _to_dict(self)

    @classmethod
    def from_dict(cls, data: Any, *, field: str = "line") -> OrderLine:
        reader = _Reader(data, field, cls)
        return cls(
            line_no=reader.integer("line_no"),
            sku=reader.text("sku"),
            description=reader.text("description", default=""),
            quantity=reader.decimal("quantity"),
            unit_price=reader.decimal("unit_price"),
            line_total=reader.decimal("line_total"),
        )


@dataclass(frozen=True, slots=True)
class Order:
    source_system: str
    source_id: str
    order_number: str
    order_date: datetime
    updated_at: datetime
    currency: str
    customer: CustomerRef
    billing_address: Address
    shipping_address: Address
    lines: tuple[OrderLine, ...]
    subtotal: Decimal
    shipping_amount: Decimal
    tax_amount: Decimal
    discount_amount: Decimal
    total: Decimal
    payment_status: PaymentStatus
    fulfilment_status: FulfilmentStatus
    payment_method: str | None
    shipping_method: str | None
    erp_reference: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _to_dict(self)

    @classmethod
    def from_dict(cls, data: Any, *, field: str = "") -> Order:
        reader = _Reader(data, field, cls)
        return cls(
            source_system=reader.text("source_system"),
            source_id=reader.text("source_id"),
            order_number=reader.text("order_number"),
            order_date=reader.timestamp("order_date"),
            updated_at=reader.timestamp("updated_at"),
            currency=reader.text("currency"),
            customer=CustomerRef.from_dict(reader.child("customer"), field=reader.name("customer")),
            billing_address=Address.from_dict(
                reader.child("billing_address"), field=reader.name("billing_address")
            ),
            shipping_address=Address.from_dict(
                reader.child("shipping_address"), field=reader.name("shipping_address")
            ),
            lines=tuple(
                OrderLine.from_dict(line, field=f"{reader.name('lines')}[{index}]")
                for index, line in enumerate(reader.sequence("lines"))
            ),
            subtotal=reader.decimal("subtotal"),
            shipping_amount=reader.decimal("shipping_amount"),
            tax_amount=reader.decimal("tax_amount"),
            discount_amount=reader.decimal("discount_amount"),
            total=reader.decimal("total"),
            payment_status=reader.choice("payment_status", PaymentStatus),
            fulfilment_status=reader.choice("fulfilment_status", FulfilmentStatus),
            payment_method=reader.optional_text("payment_method"),
            shipping_method=reader.optional_text("shipping_method"),
            erp_reference=reader.optional_text("erp_reference"),
        )


_MISSING = object()
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _to_dict(instance: Any) -> dict[str, Any]:
    names = _FIELD_NAMES.get(type(instance))
    if names is None:
        names = _FIELD_NAMES[type(instance)] = tuple(f.name for f in fields(instance))
    return {name: _jsonable(getattr(instance, name)) for name in names}


def _jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_jsonable(item) for item in value]
    if hasattr(value, "to_dict"):
        return value.to_dict()
    return value


class _Reader:
    """Reads typed fields out of one dict, naming ``<prefix>.<key>`` in every error."""

    __slots__ = ("data", "prefix")

    def __init__(self, data: Any, prefix: str, target: type) -> None:
        if not isinstance(data, dict):
            raise InvalidValue(prefix or target.__name__, data, f"expected an object for {target.__name__}")
        known = _FIELD_NAMES.get(target)
        if known is None:
            known = _FIELD_NAMES[target] = tuple(f.name for f in fields(target))
        unknown = [key for key in data if key not in known]
        self.data = data
        self.prefix = prefix
        if unknown:
            raise InvalidValue(
                self.name(unknown[0]), data[unknown[0]], f"unknown field; valid: {', '.join(known)}"
            )

    def name(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix else key

    def _get(self, key: str, default: Any = _MISSING) -> Any:
        value = self.data.get(key, _MISSING)
        if value is _MISSING or value is None:
            if default is not _MISSING:
                return default
            raise InvalidValue(self.name(key), None, "missing")
        return value

    def text(self, key: str, default: Any = _MISSING) -> str:
        value = self._get(key, default)
        if not isinstance(value, str):
            raise InvalidValue(self.name(key), value, "expected text")
        return value

    def optional_text(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise InvalidValue(self.name(key), value, "expected text or null")
        return value

    def integer(self, key: str) -> int:
        value = self._get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidValue(self.name(key), value, "expected a whole number")
        return value

    def boolean(self, key: str) -> bool:
        value = self._get(key)
        if not isinstance(value, bool):
            raise InvalidValue(self.name(key), value, "expected true or false")
        return value

    def decimal(self, key: str) -> Decimal:
        return to_decimal(self._get(key), field=self.name(key))

    def timestamp(self, key: str) -> datetime:
        value = self._get(key)
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                raise InvalidValue(self.name(key), value, "not an ISO-8601 timestamp") from None
        if not isinstance(value, datetime):
            raise InvalidValue(self.name(key), value, "expected a timestamp")
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidValue(self.name(key), value, "timestamp has no time zone")
        return value if value.tzinfo is UTC else value.astimezone(UTC)

    def choice(self, key: str, enum: type[StrEnum]) -> Any:
        value = self._get(key)
        try:
            return enum(value)
        except ValueError:
            valid = ", ".join(member.value for member in enum)
            raise InvalidValue(self.name(key), value, f"unknown {enum.__name__}; valid: {valid}") from None

    def child(self, key: str) -> Any:
        return self._get(key)

    def sequence(self, key: str) -> list[Any]:
        value = self._get(key)
        if not isinstance(value, list | tuple):
            raise InvalidValue(self.name(key), value, "expected a list")
        return value
