"""A small in-memory stand-in for ``AcumaticaClient`` (the interface of storesync.systems.acumatica.hook), for the
document loaders' unit tests: plain records in and out, Acumatica numbering, the customer-order uniqueness
rule of the SO/CM order types, and 422 refusals (the hook's ``AcumaticaValidationError``) with field errors.

``$filter`` support is deliberately narrow: ``Path eq 'text'`` terms joined by ``or`` (what the loaders
send), compared without regard to case like the real instance's database. Anything else fails the test.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator
from typing import Any

from storesync.systems.acumatica.hook import AcumaticaPreconditionFailed, AcumaticaValidationError
from storesync.hooks.retry import RetryPolicy

_TERM = re.compile(r"^\s*([A-Za-z_][\w]*(?:/[A-Za-z_][\w]*)*) eq '((?:[^']|'')*)'\s*$")
KEYS = {"SalesOrder": ("OrderType", "OrderNbr"), "Payment": ("Type", "ReferenceNbr"), "Customer": ("CustomerID",),
        "StockItem": ("InventoryID",)}


def parse_filter(text: str) -> list[tuple[tuple[str, ...], str]]:
    terms = []
    for term in text.split(" or "):
        match = _TERM.match(term)
        assert match, f"the fake understands only \"Path eq 'text'\" terms joined by or, got {term!r}"
        terms.append((tuple(match.group(1).split("/")), match.group(2).replace("''", "'")))
    return terms


def _value(record: dict[str, Any], path: tuple[str, ...]) -> Any:
    for name in path:
        record = record.get(name) if isinstance(record, dict) else None
    return record


class FakeAcumatica:
    def __init__(self, *, customers=(), items=(), sales_orders=(), payments=()) -> None:
        self.records: dict[str, list[dict[str, Any]]] = {
            "Customer": [copy.deepcopy(c) for c in customers],
            "StockItem": [copy.deepcopy(i) for i in items],
            "SalesOrder": [copy.deepcopy(o) for o in sales_orders],
            "Payment": [copy.deepcopy(p) for p in payments],
        }
        self.calls: list[tuple[str, str, Any]] = []  # (method, entity, filter or body)
        # entity -> fn(body) -> (record error, {path: message}) to refuse with, or None to accept
        self.validators: dict[str, Callable[[dict], tuple[str, dict[str, str]] | None]] = {}
        self.before_put: Callable[[str, dict], None] | None = None
        self.after_put: Callable[[str, dict], None] | None = None  # e.g. lose the answer of a saved PUT
        # The hook's client retries transient failures through its policy; no real waiting here.
        self.retry = RetryPolicy(max_attempts=3, sleep=lambda seconds: None)
        self._numbers = {"SO": 0, "CM": 0, "Payment": 0}

    # -- the client interface ----------------------------------------------------------------------------
    def list(self, entity: str, *, filter=None, expand=(), select=(), page_size=None) -> Iterator[dict]:
        self.calls.append(("list", entity, filter))
        terms = parse_filter(filter) if filter else []
        for record in self.records[entity]:
            if not terms or any(str(_value(record, path) or "").lower() == text.lower() for path, text in terms):
                yield copy.deepcopy(record)

    def get(self, entity: str, *keys, expand=()) -> dict | None:
        self.calls.append(("get", entity, keys))
        for record in self.records[entity]:
            if tuple(str(record.get(k)) for k in KEYS[entity]) == tuple(str(k) for k in keys):
                return copy.deepcopy(record)
        return None

    def put(self, entity: str, record: dict, *, expand=(), mode: str = "any") -> dict:
        if mode == "insert" and entity in ("Customer",) and self.get(entity, record.get("CustomerID")) is not None:
            raise AcumaticaPreconditionFailed(f"HTTP 412 PUT {entity}: exists (If-None-Match: *)")
        return self.retry.call(lambda: self._put_once(entity, record), what=f"PUT {entity}")

    def _put_once(self, entity: str, record: dict) -> dict:
        self.calls.append(("put", entity, copy.deepcopy(record)))
        if self.before_put:
            self.before_put(entity, record)
        refusal = self.validators.get(entity, lambda body: None)(record) or self._unique(entity, record)
        if refusal:
            record_error, field_errors = refusal
            raise AcumaticaValidationError(f"Acumatica refused {entity}: {record_error}", entity=entity,
                                           record_error=record_error, field_errors=field_errors)
        saved = copy.deepcopy(record)
        if entity == "SalesOrder":
            saved["OrderNbr"] = self.number(saved["OrderType"])
            saved.setdefault("Status", "On Hold" if saved.get("Hold") else "Open")
        elif entity == "Payment":
            saved["ReferenceNbr"] = self.number("Payment")
            saved.setdefault("Status", "Open")
        self.records[entity].append(saved)
        if self.after_put:
            self.after_put(entity, saved)
        return copy.deepcopy(saved)

    def close(self) -> None:
        self.calls.append(("close", "", None))

    # -- helpers for tests --------------------------------------------------------------------------------
    def number(self, series: str) -> str:
        self._numbers[series] += 1
        prefix = {"SO": "SO", "CM": "CM", "Payment": ""}[series]
        return f"{prefix}{self._numbers[series]:06d}"

    def _unique(self, entity: str, record: dict) -> tuple[str, dict[str, str]] | None:
        if entity != "SalesOrder":
            return None
        for other in self.records["SalesOrder"]:
            if (other["OrderType"], other.get("CustomerID"), other.get("CustomerOrder")) == (
                    record.get("OrderType"), record.get("CustomerID"), record.get("CustomerOrder")):
                return ("Document with this customer order number already exists.",
                        {"CustomerOrder": f"Document {other['OrderNbr']} already has customer order number "
                                          f"{record['CustomerOrder']}."})
        return None

    def puts(self, entity: str) -> list[dict]:
        return [body for method, name, body in self.calls if method == "put" and name == entity]

    def filters(self, entity: str) -> list[str]:
        return [text for method, name, text in self.calls if method == "list" and name == entity]
