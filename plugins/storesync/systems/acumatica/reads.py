"""Reading Acumatica for the ERP → storefront flows: the change window and the plain values we stage.

The client hands back plain records (numbers as ``Decimal``, dates as ISO-8601 text, a null field as
``None``). Raw records are staged with text stripped, numbers as ``Decimal`` and times as ISO-8601 UTC
text, so every reader stages the same kinds of values and the gates and mappings read them one way.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from storesync.systems.acumatica.wire import odata_datetime

CHANGED = "LastModifiedDateTime"


def changed_between(since: datetime, until: datetime) -> str:
    """``$filter`` for records changed in [since, until): from inclusive, to exclusive, like every reader."""
    return f"{CHANGED} ge {odata_datetime(since)} and {CHANGED} lt {odata_datetime(until)}"


def any_of(field: str, values: Sequence[str], literal) -> str:
    """``field eq a or field eq b …``: OData has no ``in`` in Acumatica's dialect."""
    return " or ".join(f"{field} eq {literal(value)}" for value in values)


def chunks(values: Sequence[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield list(values[start:start + size])


def text(value: Any) -> str | None:
    """Text stripped; blank is None (Acumatica sends an empty field as null or as "")."""
    if value is None:
        return None
    stripped = str(value).strip()
    return stripped or None


def number(value: Any) -> Decimal | None:
    """A quantity or amount as ``Decimal``; None when absent or unreadable (the gate then names the field)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def timestamp(value: Any) -> str | None:
    """An Acumatica date as ISO-8601 UTC text; text that is not a date is kept for the mapping to name."""
    if value is None:
        return None
    if isinstance(value, str):
        stripped = value.strip()
        if not stripped:
            return None
        try:
            value = datetime.fromisoformat(stripped)
        except ValueError:
            return stripped
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat()


def pick(record: Any, fields: Sequence[str], *, texts: Sequence[str] = (), numbers: Sequence[str] = (),
         times: Sequence[str] = ()) -> dict[str, Any]:
    """The named fields of a client record, each converted by its kind (anything else as it came)."""
    record = record if isinstance(record, dict) else {}
    picked = {}
    for name in fields:
        value = record.get(name)
        if name in texts:
            value = text(value)
        elif name in numbers:
            value = number(value)
        elif name in times:
            value = timestamp(value)
        picked[name] = value
    return picked
