"""Canonical payments and refunds (docs/architecture.md, "Canonical shapes of the remaining entities").

Same conventions as :mod:`storesync.canonical`: frozen dataclasses, money as ``Decimal`` (strings in
JSON), timezone-aware UTC timestamps, ``from_dict`` accepts the JSON form or the mapping engine's typed
values and names the offending field. No card data: ``card_last4`` is the only card detail there is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from storesync.canonical import _Reader, _to_dict
from storesync.errors import InvalidValue


class PaymentKind(StrEnum):
    CAPTURE = "capture"
    SALE = "sale"
    REFUND = "refund"
    VOID = "void"
    AUTH = "auth"


class TransactionStatus(StrEnum):
    SUCCEEDED = "succeeded"
    DECLINED = "declined"
    FAILED = "failed"
    PENDING = "pending"
    VOIDED = "voided"


def _last4(reader: _Reader) -> str | None:
    value = reader.optional_text("card_last4")
    if value is not None and not (len(value) == 4 and value.isdigit()):
        raise InvalidValue(reader.name("card_last4"), "****", "expected exactly the last four digits of the card")
    return value


@dataclass(frozen=True, slots=True)
class Payment:
    source_system: str
    source_id: str  # the storefront's transaction id
    order_source_id: str
    kind: PaymentKind
    status: TransactionStatus
    amount: Decimal
    currency: str
    method: str
    gateway_transaction_id: str | None
    card_last4: str | None
    occurred_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return _to_dict(self)

    @classmethod
    def from_dict(cls, data: Any, *, field: str = "") -> Payment:
        reader = _Reader(data, field, cls)
        return cls(
            source_system=reader.text("source_system"),
            source_id=reader.text("source_id"),
            order_source_id=reader.text("order_source_id"),
            kind=reader.choice("kind", PaymentKind),
            status=reader.choice("status", TransactionStatus),
            amount=reader.decimal("amount"),
            currency=reader.text("currency"),
            method=reader.text("method"),
            gateway_transaction_id=reader.optional_text("gateway_transaction_id"),
            card_last4=_last4(reader),
            occurred_at=reader.timestamp("occurred_at"),
        )


@dataclass(frozen=True, slots=True)
class Refund:
    source_system: str
    source_id: str  # the storefront's refund transaction id
    order_source_id: str
    amount: Decimal
    currency: str
    method: str
    reason: str | None
    occurred_at: datetime
    gateway_transaction_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _to_dict(self)

    @classmethod
    def from_dict(cls, data: Any, *, field: str = "") -> Refund:
        reader = _Reader(data, field, cls)
        return cls(
            source_system=reader.text("source_system"),
            source_id=reader.text("source_id"),
            order_source_id=reader.text("order_source_id"),
            amount=reader.decimal("amount"),
            currency=reader.text("currency"),
            method=reader.text("method"),
            reason=reader.optional_text("reason"),
            occurred_at=reader.timestamp("occurred_at"),
            gateway_transaction_id=reader.optional_text("gateway_transaction_id"),
        )
