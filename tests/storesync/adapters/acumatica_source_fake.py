"""An in-memory stand-in for ``AcumaticaClient`` for the unit tests of the catalogue, customers and shipments
adapters: plain records in and out, the filters those adapters send, the inventory inquiry, and 422 refusals.

``$filter`` is read the narrow way the readers write it: terms ``Path op literal`` (``eq``, ``ge``, ``lt``;
literals ``'text'`` or ``datetimeoffset'…'``) joined by ``and`` inside ``or``; text compares without regard to
case, like the real instance's database. Anything else fails the test.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from storesync.systems.acumatica.hook import AcumaticaPreconditionFailed
from storesync.hooks.errors import PermanentRecordError

KEYS = {"StockItem": ("InventoryID",), "Customer": ("CustomerID",), "SalesOrder": ("OrderType", "OrderNbr"),
        "Shipment": ("ShipmentNbr",)}
_TERM = re.compile(r"^\s*([A-Za-z_]\w*(?:/[A-Za-z_]\w*)*) (eq|ge|lt) (datetimeoffset)?'((?:[^']|'')*)'\s*$")


class Refused(PermanentRecordError):
    """What the hook raises on 422: the record's error and the errors per dotted field path."""

    def __init__(self, record_error: str, field_errors: dict[str, str]) -> None:
        super().__init__(f"422: {record_error}")
        self.record_error = record_error
        self.field_errors = field_errors


def _value(record: Any, path: tuple[str, ...]) -> Any:
    for name in path:
        record = record.get(name) if isinstance(record, dict) else None
    return record


def _term(text: str) -> Callable[[dict], bool]:
    match = _TERM.match(text)
    assert match, f"the fake understands only Path eq|ge|lt 'literal' terms, got {text!r}"
    path, op, is_date, literal = tuple(match.group(1).split("/")), match.group(2), match.group(3), match.group(4)
    literal = literal.replace("''", "'")
    if is_date:
        moment = datetime.fromisoformat(literal)
        compare = {"eq": lambda v: v == moment, "ge": lambda v: v >= moment, "lt": lambda v: v < moment}[op]
        return lambda record: _value(record, path) is not None and compare(datetime.fromisoformat(_value(record, path)))
    assert op == "eq", f"text is only compared with eq here, got {text!r}"
    return lambda record: str(_value(record, path) or "").lower() == literal.lower()


def parse_filter(text: str) -> Callable[[dict], bool]:
    alternatives = [[_term(term) for term in part.split(" and ")] for part in text.split(" or ")]
    return lambda record: any(all(test(record) for test in terms) for terms in alternatives)


class FakeAcumatica:
    def __init__(self, *, items=(), customers=(), sales_orders=(), shipments=(), stock=()) -> None:
        self.records: dict[str, list[dict[str, Any]]] = {
            "StockItem": [copy.deepcopy(r) for r in items],
            "Customer": [copy.deepcopy(r) for r in customers],
            "SalesOrder": [copy.deepcopy(r) for r in sales_orders],
            "Shipment": [copy.deepcopy(r) for r in shipments],
        }
        self.stock = [dict(row) for row in stock]  # InventorySummaryInquiry rows
        self.ignores_warehouse_parameter = False
        self.calls: list[tuple[str, str, Any]] = []
        self.modes: list[str] = []  # the mode of each put
        self.refuse: Callable[[dict], tuple[str, dict[str, str]] | None] = lambda body: None

    # -- the client interface ------------------------------------------------------------------------------
    def list(self, entity: str, *, filter=None, expand=(), select=(), page_size=None) -> Iterator[dict]:
        self.calls.append(("list", entity, {"filter": filter, "expand": tuple(expand), "select": tuple(select)}))
        keep = parse_filter(filter) if filter else (lambda record: True)
        rows = sorted(self.records[entity], key=lambda r: tuple(str(r.get(k)) for k in KEYS[entity]))
        for record in rows:
            if keep(record):
                yield self._shaped(record, expand)

    def get(self, entity: str, *keys, expand=()) -> dict | None:
        self.calls.append(("get", entity, keys))
        for record in self.records[entity]:
            if tuple(str(record.get(k)) for k in KEYS[entity]) == tuple(str(k) for k in keys):
                return self._shaped(record, expand)
        return None

    def put(self, entity: str, record: dict, *, expand=(), mode: str = "any") -> dict:
        self.calls.append(("put", entity, copy.deepcopy(record)))
        self.modes.append(mode)
        refusal = self.refuse(record)
        if refusal:
            raise Refused(*refusal)
        key = tuple(str(record.get(k)) for k in KEYS[entity])
        current = next((r for r in self.records[entity] if tuple(str(r.get(k)) for k in KEYS[entity]) == key), None)
        if (mode == "insert" and current is not None) or (mode == "update" and current is None):
            raise AcumaticaPreconditionFailed(f"HTTP 412 PUT {entity} ({mode})", record_key="/".join(key))
        if current is None:
            current = {}
            self.records[entity].append(current)
        _merge(current, copy.deepcopy(record))  # PUT updates what it is sent and keeps the rest
        return copy.deepcopy(current)

    def inquiry(self, entity: str, parameters: dict, results: str = "Results") -> list[dict]:
        assert entity == "InventorySummaryInquiry" and results == "Results"
        self.calls.append(("inquiry", entity, dict(parameters)))
        if not parameters.get("InventoryID"):
            return []  # the inquiry answers for one item; without one, nothing
        rows = [r for r in self.stock if r["InventoryID"] == parameters["InventoryID"]]
        if parameters.get("WarehouseID") and not self.ignores_warehouse_parameter:
            rows = [r for r in rows if r["WarehouseID"] == parameters["WarehouseID"]]
        # InventorySummaryRow carries no InventoryID (Default/24.200.001 model): the fake drops it as well.
        return [{k: v for k, v in r.items() if k != "InventoryID"} for r in rows]

    def close(self) -> None:
        self.calls.append(("close", "", None))

    # -- for assertions --------------------------------------------------------------------------------------
    def requests(self, method: str, entity: str) -> list[Any]:
        return [detail for called, name, detail in self.calls if called == method and name == entity]

    @staticmethod
    def _shaped(record: dict, expand) -> dict:
        """Details and linked records only when expanded, like the real API."""
        shaped = copy.deepcopy(record)
        expanded = {path.split("/")[0] for path in expand}
        for name, value in record.items():
            if isinstance(value, (list, dict)) and name not in expanded:
                shaped.pop(name)
        contact = shaped.get("MainContact")
        if isinstance(contact, dict) and "MainContact/Address" not in expand:
            contact.pop("Address", None)
        return shaped


def _merge(current: dict, sent: dict) -> None:
    for name, value in sent.items():
        if isinstance(value, dict) and isinstance(current.get(name), dict):
            _merge(current[name], value)
        else:
            current[name] = value
