"""Exact money arithmetic helpers: parse anything number-like to ``Decimal``, round money half-up.

Floats are accepted only through ``str()`` (their shortest repr), so ``0.1`` becomes ``Decimal("0.1")``
rather than the binary expansion. Booleans, ``None``, NaN and infinities are refused: they are never a
legitimate amount and would otherwise slip through ``Decimal``'s permissive constructor.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any

from storesync.errors import InvalidValue, kind_of

# A private context so rounding does not depend on whatever another library did to the thread's context.
_MONEY_CONTEXT = Context(prec=28, rounding=ROUND_HALF_UP, traps=[InvalidOperation])
_EXPONENTS = {places: Decimal(1).scaleb(-places) for places in range(0, 9)}


def to_decimal(value: Any, *, field: str) -> Decimal:
    """Parse ``value`` into a finite ``Decimal`` or raise ``InvalidValue`` naming ``field``."""
    kind = value.__class__
    if kind is Decimal:
        number = value
    elif kind is int:
        return Decimal(value)
    elif kind is str:
        number = _parse_text(value, field)
    elif kind is float:
        number = Decimal(str(value))
    elif isinstance(value, int) and not isinstance(value, bool):
        return Decimal(int(value))
    elif isinstance(value, Decimal):
        number = value
    elif isinstance(value, float):
        number = Decimal(str(value))
    else:
        raise InvalidValue(field, value, f"expected a number, got {kind_of(value)}")
    if not number.is_finite():
        raise InvalidValue(field, value, "not a finite number")
    return number


def quantize_money(d: Decimal, places: int = 2, *, field: str = "amount") -> Decimal:
    """Round ``d`` to ``places`` decimal places, half away from zero (the usual commercial rounding)."""
    if d.__class__ is not Decimal:
        d = to_decimal(d, field=field)
    exponent = _EXPONENTS.get(places)
    if exponent is None:
        exponent = Decimal(1).scaleb(-places)
    try:
        return d.quantize(exponent, context=_MONEY_CONTEXT)
    except InvalidOperation:
        raise InvalidValue(field, d, f"too large to hold with {places} decimal places") from None


def parse_money(value: Any, *, field: str, places: int = 2) -> Decimal:
    """``to_decimal`` then ``quantize_money``: the usual way an amount enters the system."""
    return quantize_money(to_decimal(value, field=field), places, field=field)


def _parse_text(text: str, field: str) -> Decimal:
    stripped = text.strip()
    # Decimal() also accepts "1_000"; no system we talk to writes numbers that way, so it is garbage here.
    if not stripped or "_" in stripped:
        raise InvalidValue(field, text, "not a number")
    try:
        return Decimal(stripped)
    except InvalidOperation:
        raise InvalidValue(field, text, "not a number") from None
