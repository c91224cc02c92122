"""Acumatica's JSON on the connector's side: pure helpers, no I/O (docs/acumatica.md, "Transport").

Records in the connector are plain dicts; on the wire every field is ``{"value": …}``:

- :func:`wrap` a plain record for a PUT (recursively: linked entities are dicts, details lists of dicts;
  ``id`` and ``delete`` stay bare, as Acumatica expects them);
- :func:`unwrap` an answer (recursively; ``{}`` is null; ``rowNumber``, ``note``, ``custom``, ``_links`` and
  ``error`` are dropped, ``id`` is kept);
- :func:`loads` / :func:`dumps` JSON with every number a ``Decimal`` (never a float) both ways;
- :func:`odata_string`, :func:`odata_datetime` build ``$filter`` literals;
- :func:`parse_validation_error` reads a 422 answer into the record's error and one message per field path
  (``CustomerID``, ``Details[0].InventoryID``, ``ShipToAddress.Country``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

BARE_KEYS = ("id", "delete")
DROPPED_KEYS = ("rowNumber", "note", "custom", "_links", "error", "files")


def wrap(record: Mapping[str, Any]) -> dict:
    """A plain record in Acumatica's wire shape."""
    wrapped: dict[str, Any] = {}
    for name, value in record.items():
        if name in BARE_KEYS:
            wrapped[name] = value
        elif isinstance(value, Mapping):
            wrapped[name] = wrap(value)
        elif isinstance(value, (list, tuple)):
            wrapped[name] = [wrap(line) for line in value]
        else:
            wrapped[name] = {"value": value}
    return wrapped


def is_wrapper(value: Mapping[str, Any]) -> bool:
    """``{"value": …}`` (maybe with ``error``) or ``{}`` (a null value)."""
    return set(value) <= {"value", "error"} and ("value" in value or not value)


def unwrap(payload: Any) -> Any:
    """A wrapped record (or a list of them) as plain dicts."""
    if isinstance(payload, list):
        return [unwrap(item) for item in payload]
    if not isinstance(payload, Mapping):
        return payload
    plain: dict[str, Any] = {}
    for name, value in payload.items():
        if name in DROPPED_KEYS:
            continue
        if name in BARE_KEYS:
            plain[name] = value
        elif isinstance(value, list):
            plain[name] = [unwrap(item) for item in value]
        elif isinstance(value, Mapping):
            plain[name] = value.get("value") if is_wrapper(value) else unwrap(value)
        else:
            plain[name] = value
    return plain


def loads(text: str | bytes) -> Any:
    """JSON with every number as a ``Decimal`` (integers too: quantities and amounts are never floats)."""
    return json.loads(text, parse_float=Decimal, parse_int=Decimal, parse_constant=Decimal)


def dumps(value: Any) -> str:
    """JSON in which a ``Decimal`` is written as its own digits (``12.30``), never through a float."""
    parts: list[str] = []
    _encode(value, parts)
    return "".join(parts)


def _encode(value: Any, out: list[str]) -> None:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a number Acumatica accepts")
        out.append(str(value))
    elif isinstance(value, float):
        raise TypeError("floats are not sent: use Decimal for money and quantities")
    elif isinstance(value, Mapping):
        out.append("{")
        for index, (key, item) in enumerate(value.items()):
            if index:
                out.append(",")
            out.append(json.dumps(str(key), ensure_ascii=False))
            out.append(":")
            _encode(item, out)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _encode(item, out)
        out.append("]")
    elif isinstance(value, datetime):
        out.append(json.dumps(value.isoformat()))
    else:
        out.append(json.dumps(value, ensure_ascii=False))


def odata_string(text: str) -> str:
    """An OData string literal: single quotes, a quote inside doubled (``O'Brien`` → ``'O''Brien'``)."""
    return "'" + str(text).replace("'", "''") + "'"


def odata_datetime(moment: datetime) -> str:
    """A ``datetimeoffset'…'`` literal (milliseconds, with offset; a naive datetime is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return f"datetimeoffset'{moment.isoformat(timespec='milliseconds')}'"


def parse_validation_error(body: Any) -> tuple[str, dict[str, str]]:
    """(the record's error, {field path: error}) from a 422 answer (wrapped record with ``error`` keys)."""
    if not isinstance(body, Mapping):
        return (str(body) if body else "validation failed"), {}
    field_errors: dict[str, str] = {}
    _collect(body, "", field_errors)
    record_error = body.get("error") or body.get("message") or body.get("exceptionMessage") or ""
    if not record_error and field_errors:
        record_error = "the record was refused"
    return str(record_error), field_errors


def _collect(node: Mapping[str, Any], path: str, out: dict[str, str]) -> None:
    for name, value in node.items():
        if name in DROPPED_KEYS or name in BARE_KEYS:
            continue
        where = f"{path}.{name}" if path else name
        if isinstance(value, list):
            for index, line in enumerate(value):
                if isinstance(line, Mapping):
                    if line.get("error"):
                        out[f"{where}[{index}]"] = str(line["error"])
                    _collect(line, f"{where}[{index}]", out)
        elif isinstance(value, Mapping):
            if is_wrapper(value):
                if value.get("error"):
                    out[where] = str(value["error"])
            else:
                if value.get("error"):
                    out[where] = str(value["error"])
                _collect(value, where, out)
