"""What the adapter's loaders share: Intacct's refusal as a DLQ reason, per-record outcomes, value helpers.

Every loader ends each record with one :class:`~storesync.adapters.base.LoadOutcome`. A function Intacct
refused is that record's DLQ entry, its reason carrying Intacct's ``errorno`` and ``description2`` (the
specific text: developer.intacct.com/web-services/error-handling) so a person sees what Intacct said; the
other functions of the request went on (the client sends them unrelated, never in a transaction).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from storesync.adapters.base import LoadOutcome
from storesync.hooks.errors import PermanentRecordError
from storesync.systems.intacct import functions as fn
from storesync.systems.intacct.wire import ErrorDetail

ERP = "Intacct"
#: Values per ``in`` look-up: one query page (≤ 2000 rows) never fills and the request stays readable.
LOOKUP_CHUNK = 200


def dlq_reason(errors: Sequence[ErrorDetail]) -> str:
    """``errorno description2 correction`` of each error (description when there is no description2)."""
    text = "; ".join(" ".join(part for part in (e.errorno, e.description2 or e.description, e.correction) if part)
                     for e in errors)
    return text or "refused by Intacct without an error detail"


def refused(key: str, label: str, what: str, errors: Sequence[ErrorDetail]) -> LoadOutcome:
    """The DLQ outcome of a record Intacct refused: its errorno and description2 are the reason."""
    return LoadOutcome(key, "dlq", f"{label} {key}: {ERP} refused {what}: {dlq_reason(errors)}",
                       reason_code="erp_rejected", failed=[e.errorno for e in errors if e.errorno] or [what])


def aborted(key: str, label: str, what: str) -> LoadOutcome:
    """Not run because another function of its transaction failed: held, to be sent again (not its fault)."""
    return LoadOutcome(key, "held", f"{label} {key}: {what} was not run by {ERP} (its request was rolled back); "
                       "sent again next run", reason_code="erp_aborted")


def chunks(values: Sequence[str], size: int = LOOKUP_CHUNK) -> Iterator[list[str]]:
    unique = list(dict.fromkeys(v for v in values if v))
    for start in range(0, len(unique), size):
        yield unique[start:start + size]


@dataclass
class CaseInsensitivePaginator(fn.QueryPaginator):
    """A ``query`` paginator with ``options/caseinsensitive`` (Query.php): e-mails match whatever their case."""

    def page(self, offset: int) -> fn.Function:
        return fn.query(self.object, self.select, where=self.where, order_by=self.order_by,
                        page_size=self.page_size, offset=offset, docparid=self.docparid, case_insensitive=True)


def rows_where_in(client, obj: str, select: Sequence[str], field: str, values: Iterable[str], *,
                  docparid: str | None = None, case_insensitive: bool = False) -> Iterator[dict[str, Any]]:
    """Rows of ``obj`` whose ``field`` is one of ``values``: one ``query`` per chunk, in RECORDNO order."""
    kind = CaseInsensitivePaginator if case_insensitive else fn.QueryPaginator
    for chunk in chunks(list(values)):
        yield from client.iter_rows(kind(obj, list(select), where=fn.is_in(field, chunk), docparid=docparid))


def update_controlid(kind: str, key: str) -> str:
    """A control ID for an update, new on every load call but kept by the client's retries of it.

    Updates are idempotent (the same values twice leave the same record), so they need no key across runs;
    a fixed one would make Intacct refuse a later, legitimate update as a repeat (``uniqueid`` remembers it).
    """
    return fn.stable_controlid(kind, f"{key}@{uuid.uuid4().hex[:12]}")


def server_time(moment: datetime) -> datetime:
    """A window bound as Intacct compares WHENMODIFIED: naive, in UTC (the pair overlaps its windows because
    the company's own time zone is unverified: docs/intacct.md "Query syntax")."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.replace(tzinfo=None, microsecond=0)


def changed_between(since: datetime, until: datetime, field: str = "WHENMODIFIED"):
    """``since <= WHENMODIFIED < until`` as a query filter."""
    return fn.all_of(fn.modified_since(server_time(since), field), fn.less_than(field, server_time(until)))


def as_date(value: Any, *, record: str, field: str) -> date:
    """A staged date (records come back from the sync store as JSON: ``"2026-11-04"`` or an ISO timestamp) or
    a date/datetime, as a date; anything else raises :class:`PermanentRecordError` naming the field."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except (TypeError, ValueError):
        raise PermanentRecordError(f"record {record}: field {field}: {value!r} is not a date", record_key=record,
                                   field=field) from None


def as_money(value: Any, *, record: str, field: str) -> Decimal:
    """A staged amount (JSON keeps money as text: ``"12.30"``) or a Decimal, as a Decimal; never a float."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        try:
            number = Decimal(str(value).strip())
            if number.is_finite():
                return number
        except InvalidOperation:
            pass
    raise PermanentRecordError(f"record {record}: field {field}: {value!r} is not an amount", record_key=record,
                               field=field)


def decimal(value: Any) -> Decimal | None:
    """Intacct's number text as Decimal (money is never float); empty → None; unreadable → None (the raw
    quality gate names the field)."""
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        return None


def nested(record: dict[str, Any]) -> dict[str, Any]:
    """Dotted field names (``DISPLAYCONTACT.MAILADDRESS.CITY``) as the nested elements a create/update sends;
    ``_`` fields (they steer the loader) and None values left out, the mapping's field order kept."""
    body: dict[str, Any] = {}
    for name, value in record.items():
        if name.startswith("_") or value is None:
            continue
        *parents, last = name.split(".")
        node = body
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return body


def unflatten(row: dict[str, Any]) -> dict[str, Any]:
    """A read row's dotted names as nested dicts (how mapping specs' paths walk), None values kept."""
    record: dict[str, Any] = {}
    for name, value in row.items():
        *parents, last = name.split(".")
        node = record
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return record


def flatten(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A mapped record (the mapping engine nests dotted names) as dotted names again, in order."""
    flat: dict[str, Any] = {}
    for name, value in record.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{name}."))
        else:
            flat[f"{prefix}{name}"] = value
    return flat


def text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    stripped = str(value).strip()
    return stripped or None


def timestamp(value: Any) -> datetime | None:
    """``mm/dd/yyyy HH:MM:SS`` (or a date alone) as a UTC datetime (the company's time zone is unverified:
    the same assumption as :func:`server_time`); None when empty or unreadable."""
    raw = text(value)
    if raw is None:
        return None
    for form in ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y"):
        try:
            return datetime.strptime(raw, form).replace(tzinfo=timezone.utc)
        except ValueError:
            continue
    return None
