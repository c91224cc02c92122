"""Acumatica's JSON shape on the emulator's side: every field wrapped in ``{"value": …}``.

The store keeps plain records (``{"OrderNbr": "SO000001", "Details": [{…}], "ShipToAddress": {…}}``, money
and quantities as ``Decimal``, dates as ISO 8601 strings). :func:`wrap` turns one into what the API sends:

- a scalar field → ``{"value": v}``; a null field → ``{}`` (Acumatica leaves the value out);
- a linked entity (dict) → a wrapped record with its own ``id``/``rowNumber``/``note``/``custom``;
- a detail collection (list) → a list of wrapped records, ``rowNumber`` counting from 1.

:func:`unwrap_body` reads a client's PUT body back into a plain record and refuses a scalar that is not
wrapped (a connector bug a real instance answers with an error too). ``id`` and ``delete`` (Acumatica's
markers to address or remove a detail line) pass through; ``rowNumber``, ``note``, ``custom``, ``_links``
and ``error`` from a client are ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from include.sandbox.common import clone

#: Keys of a wrapped record that are not fields.
META_KEYS = ("id", "rowNumber", "note", "custom", "_links", "error", "files")


class BodyError(ValueError):
    """The request body is not an Acumatica record; the message names the field."""


def wrap(record: Mapping[str, Any], *, row_number: int = 1, top: bool = True) -> dict:
    """A plain record in Acumatica's wire shape (see the module docstring)."""
    out: dict[str, Any] = {}
    if "id" in record:
        out["id"] = record["id"]
    out["rowNumber"] = row_number
    if top:
        out["note"] = {"value": record.get("note") or ""}
    for name, value in record.items():
        if name in ("id", "note", "error"):
            continue
        if isinstance(value, Mapping):
            out[name] = wrap(value, top=False)
        elif isinstance(value, list):
            out[name] = [wrap(line, row_number=index, top=False) for index, line in enumerate(value, start=1)]
        elif value is None:
            out[name] = {}
        else:
            out[name] = {"value": value}
    out["custom"] = {}
    return out


def unwrap_body(body: Any, *, path: str = "") -> dict:
    """A client's wrapped record as a plain dict; :class:`BodyError` on anything that is not wrapped."""
    if not isinstance(body, Mapping):
        raise BodyError(f"{path or 'the body'} must be a JSON object of wrapped fields")
    plain: dict[str, Any] = {}
    for name, value in body.items():
        where = f"{path}.{name}" if path else name
        if name in ("id", "delete"):
            plain[name] = value
        elif name in META_KEYS:
            continue
        elif isinstance(value, list):
            plain[name] = [unwrap_body(line, path=f"{where}[{index}]") for index, line in enumerate(value)]
        elif isinstance(value, Mapping):
            if is_wrapper(value):
                plain[name] = value.get("value")
            else:
                plain[name] = unwrap_body(value, path=where)
        else:
            raise BodyError(f"field {where} must be wrapped as {{\"value\": …}}, got a bare {type(value).__name__}")
    return plain


def is_wrapper(value: Mapping[str, Any]) -> bool:
    """``{"value": …}`` (optionally with ``error``), or ``{}``, the wrapped null."""
    return set(value) <= {"value", "error"} and ("value" in value or not value)


def with_errors(body: Mapping[str, Any], record_error: str, field_errors: Mapping[str, str]) -> dict:
    """The client's (wrapped) record sent back with ``error`` on it and inside each bad field.

    ``field_errors`` is keyed by path: ``CustomerID``, ``Details[0].InventoryID``, ``ShipToAddress.Country``,
    ``Details[1]`` (the line itself). A field the client left out is added as ``{"error": …}``.
    """
    result = clone(dict(body))
    result["error"] = record_error
    for path, message in field_errors.items():
        _place_error(result, _split_path(path), message)
    return result




def _split_path(path: str) -> list[str | int]:
    parts: list[str | int] = []
    for segment in path.split("."):
        name, _, rest = segment.partition("[")
        if name:
            parts.append(name)
        while rest:
            index, _, rest = rest.partition("]")
            parts.append(int(index))
            rest = rest[1:] if rest.startswith("[") else rest
    return parts


def _place_error(node: Any, parts: Iterable[str | int], message: str) -> None:
    parts = list(parts)
    for position, part in enumerate(parts):
        last = position == len(parts) - 1
        if isinstance(part, int):
            if not isinstance(node, list):
                return
            while len(node) <= part:
                node.append({})
            if last:
                node[part]["error"] = message
                return
            node = node[part]
            continue
        if not isinstance(node, dict):
            return
        if last:
            field = node.get(part)
            if isinstance(field, dict) and not is_wrapper(field):
                field["error"] = message  # a linked entity as a whole
            else:
                node[part] = {**(field if isinstance(field, dict) else {}), "error": message}
            return
        following = parts[position + 1]
        node = node.setdefault(part, [] if isinstance(following, int) else {})
