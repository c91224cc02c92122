"""One Intacct company's data in memory, with an undo journal so that a request can be rolled back.

Records are flat dicts keyed by Intacct field names (dotted for nested fields, see ``objects``). Every change
goes through ``insert``/``change``, which log how to undo it: ``savepoint()`` marks the log, ``rollback(mark)``
undoes back to it. The gateway takes a savepoint around each function (a failed function leaves nothing
behind) and around the whole operation when ``transaction="true"`` (all or nothing).

Business rules (order entry, AR payments, customers, items) live here, on plain values; the XML side is
``functions``. Where Intacct's rule is not public the choice is marked *(unverified)* and listed in
docs/intacct.md.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from include.sandbox.intacct import errors
from include.sandbox.intacct.objects import OBJECTS, OWNER_KEY

Record = dict[str, Any]
CENT = Decimal("0.01")

#: Sales order STATE labels and the codes Intacct stores for them (DESIGN.md §8; the docs' state filters use
#: the labels, which is what reads return).
STATE_CODES = {"Draft": "I", "Pending": "O", "Closed": "D", "In Progress": "G", "Converted": "C",
               "Partially Converted": "P"}
ORDER_OPEN_STATES = ("Pending", "Partially Converted")
#: States whose document can no longer be edited by update_sotransaction.
FROZEN_STATES = ("In Progress", "Converted", "Partially Converted", "Closed")

PAYMENT_METHODS = ("Printed Check", "Cash", "EFT", "Credit Card", "Online Charge Card", "Online ACH Debit",
                   "Online")
ITEM_TYPES = ("Inventory", "Non-Inventory", "Non-Inventory (Sales only)", "Non-Inventory (Purchase only)", "Kit")


@dataclass(frozen=True)
class TransactionDefinition:
    """An Order Entry transaction definition (``transactiontype`` / ``DOCPARID``) of a standard company."""

    name: str
    prefix: str  # document numbering: SO0001, INV0001 …
    # "order" holds stock; "invoice" ships it and posts an AR invoice; "return" receives it back and posts a
    # credit (AR adjustment); "credit" posts a credit only (a price adjustment, nothing comes back).
    kind: str
    converts_from: tuple[str, ...] = ()


TRANSACTION_DEFINITIONS = {d.name: d for d in (
    TransactionDefinition("Sales Order", "SO", "order"),
    TransactionDefinition("Sales Invoice", "INV", "invoice", converts_from=("Sales Order",)),
    TransactionDefinition("Sales Return", "SR", "return", converts_from=("Sales Invoice",)),
    TransactionDefinition("Sales Credit Memo", "CM", "credit", converts_from=("Sales Invoice",)),
)}


def money(value: Decimal) -> Decimal:
    try:
        return value.quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise errors.business(f"The amount {value} is out of range.", "Check quantities and prices.") from None


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


@dataclass
class CompanySettings:
    companyid: str
    base_currency: str = "USD"
    currencies: tuple[str, ...] = ("USD", "EUR", "GBP", "CAD")
    undeposited_accounts: tuple[str, ...] = ("1010",)  # the undeposited-funds GL account(s)
    departments: tuple[str, ...] = ("SALES", "WEB")
    custom_fields: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: {"SODOCUMENT": ("TRACKINGNUMBER",)})
    allow_negative_inventory: bool = False


class CompanyStore:
    def __init__(self, settings: CompanySettings, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.settings = settings
        self.clock = clock
        self.tables: dict[str, dict[int, Record]] = {name: {} for name in OBJECTS}
        self._by_id: dict[str, dict[str, int]] = {name: {} for name in OBJECTS}
        self._next_recordno = 1
        self._sequences: dict[str, int] = {}
        self._journal: list[Callable[[], None]] = []

    # -- journal ---------------------------------------------------------------------------------------------

    def savepoint(self) -> int:
        return len(self._journal)

    def rollback(self, mark: int) -> None:
        while len(self._journal) > mark:
            self._journal.pop()()

    def forget(self) -> None:
        """Drop the undo log (the request is over; what it did stays)."""
        self._journal.clear()

    def _counter(self, name: str) -> int:
        value = self._sequences.get(name, 0) + 1
        self._sequences[name] = value
        self._journal.append(lambda: self._sequences.__setitem__(name, value - 1))
        return value

    # -- records ---------------------------------------------------------------------------------------------

    def insert(self, obj: str, values: Record) -> Record:
        recordno = self._next_recordno
        self._next_recordno += 1
        now = self.clock()
        record: Record = {name: None for name in OBJECTS[obj].fields}
        record.update(values)
        record["RECORDNO"] = recordno
        record["WHENCREATED"] = record.get("WHENCREATED") or (
            now.date() if OBJECTS[obj].fields.get("WHENCREATED") == "date" else now)
        record["WHENMODIFIED"] = now
        self.tables[obj][recordno] = record
        key = self._key(obj, record)
        if key is not None:
            self._by_id[obj][key] = recordno

        def undo() -> None:
            self.tables[obj].pop(recordno, None)
            if key is not None:
                self._by_id[obj].pop(key, None)
            self._next_recordno = min(self._next_recordno, recordno)
        self._journal.append(undo)
        return record

    def change(self, obj: str, record: Record, values: Record, *, touch: bool = True) -> Record:
        before = dict(record)
        old_key = self._key(obj, record)
        record.update(values)
        if touch:
            record["WHENMODIFIED"] = self.clock()
        new_key = self._key(obj, record)
        if new_key != old_key:
            self._by_id[obj].pop(old_key, None)
            if new_key is not None:
                self._by_id[obj][new_key] = record["RECORDNO"]

        def undo() -> None:
            record.clear()
            record.update(before)
            self._by_id[obj].pop(new_key, None)
            if old_key is not None:
                self._by_id[obj][old_key] = record["RECORDNO"]
        self._journal.append(undo)
        return record

    def delete(self, obj: str, record: Record) -> None:
        recordno = record["RECORDNO"]
        key = self._key(obj, record)
        del self.tables[obj][recordno]
        if key is not None:
            self._by_id[obj].pop(key, None)

        def undo() -> None:
            self.tables[obj][recordno] = record
            self.tables[obj] = dict(sorted(self.tables[obj].items()))
            if key is not None:
                self._by_id[obj][key] = recordno
        self._journal.append(undo)

    @staticmethod
    def _key(obj: str, record: Record) -> str | None:
        if obj == "ITEMWAREHOUSEINFO":
            return f"{record['ITEMID']}\x00{record['WAREHOUSEID']}"
        id_field = OBJECTS[obj].id_field
        return record.get(id_field) if id_field else None

    def get(self, obj: str, recordno: int) -> Record | None:
        return self.tables[obj].get(recordno)

    def by_id(self, obj: str, key: str) -> Record | None:
        recordno = self._by_id[obj].get(key)
        return None if recordno is None else self.tables[obj][recordno]

    def rows(self, obj: str) -> list[Record]:
        return list(self.tables[obj].values())  # insertion order is RECORDNO order

    def owned(self, obj: str, parent_recordno: int) -> list[Record]:
        key = OWNER_KEY[obj]
        return [r for r in self.tables[obj].values() if r[key] == parent_recordno]

    def snapshot(self, obj: str) -> list[Record]:
        """Deep copies of every record of ``obj`` (the tests' inspection API)."""
        return copy.deepcopy(self.rows(obj))

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.tables.items()}

    # -- customers and items ---------------------------------------------------------------------------------

    def create_customer(self, values: Record) -> Record:
        values = dict(values)
        if not values.get("NAME"):
            raise errors.business("Required field NAME is missing for CUSTOMER.", "Provide the customer name.")
        customer_id = values.get("CUSTOMERID")
        if customer_id is None:
            customer_id = values["CUSTOMERID"] = f"CUST-{self._counter('CUSTOMER'):05d}"
        if self.by_id("CUSTOMER", customer_id) is not None:
            raise errors.business(f"Another Customer with the given value(s) {customer_id} already exists",
                                  "Use a unique Customer ID.")
        self._check_status("CUSTOMER", customer_id, values.setdefault("STATUS", "active"))
        self._check_currency("CUSTOMER", customer_id, values.get("CURRENCY"))
        values.setdefault("DISPLAYCONTACT.PRINTAS", values["NAME"])
        values.setdefault("ONHOLD", False)
        return self.insert("CUSTOMER", values)

    def update_record(self, obj: str, key_values: Record, values: Record) -> Record:
        record = self._find_for_update(obj, key_values)
        label = record[OBJECTS[obj].id_field]
        values = {k: v for k, v in values.items() if k not in ("RECORDNO", OBJECTS[obj].id_field)}
        if "STATUS" in values:
            self._check_status(obj, label, values["STATUS"])
        if obj == "CUSTOMER":
            self._check_currency(obj, label, values.get("CURRENCY"))
            if "NAME" in values and not values["NAME"]:
                raise errors.business(f"CUSTOMER {label}: NAME cannot be empty.")
        if obj == "ITEM":
            self._check_item_values(label, values)
        return self.change(obj, record, values)

    def _find_for_update(self, obj: str, key_values: Record) -> Record:
        id_field = OBJECTS[obj].id_field
        if key_values.get("RECORDNO") is not None:
            record = self.get(obj, key_values["RECORDNO"])
            shown = key_values["RECORDNO"]
        elif key_values.get(id_field):
            record = self.by_id(obj, key_values[id_field])
            shown = key_values[id_field]
        else:
            raise errors.business(f"Either RECORDNO or {id_field} is required to update {obj}.")
        if record is None:
            raise errors.business(f"{obj} {shown} does not exist.", f"Check the {obj} key.")
        return record

    def create_item(self, values: Record) -> Record:
        values = dict(values)
        for name in OBJECTS["ITEM"].required:
            if not values.get(name):
                raise errors.business(f"Required field {name} is missing for ITEM.")
        if self.by_id("ITEM", values["ITEMID"]) is not None:
            raise errors.business(f"Another Item with the given value(s) {values['ITEMID']} already exists")
        values.setdefault("STATUS", "active")
        self._check_status("ITEM", values["ITEMID"], values["STATUS"])
        self._check_item_values(values["ITEMID"], values)
        return self.insert("ITEM", values)

    def _check_item_values(self, label: str, values: Record) -> None:
        if "ITEMTYPE" in values and values["ITEMTYPE"] not in ITEM_TYPES:
            raise errors.business(f"ITEM {label}: ITEMTYPE '{values['ITEMTYPE']}' is not valid.",
                                  "Use one of: " + ", ".join(ITEM_TYPES))
        price = values.get("BASEPRICE")
        if price is not None and price < 0:
            raise errors.business(f"ITEM {label}: BASEPRICE cannot be negative.")

    @staticmethod
    def _check_status(obj: str, label: str, status: Any) -> None:
        if status not in ("active", "inactive"):
            raise errors.business(f"{obj} {label}: STATUS '{status}' is not valid.", "Use active or inactive.")

    def _check_currency(self, obj: str, label: str, currency: Any) -> None:
        if currency is not None and currency not in self.settings.currencies:
            raise errors.business(f"{obj} {label}: currency '{currency}' is not valid in this company.")

    # -- stock -----------------------------------------------------------------------------------------------

    def stock_row(self, item_id: str, warehouse_id: str, *, create: bool = True) -> Record | None:
        row = self.by_id("ITEMWAREHOUSEINFO", f"{item_id}\x00{warehouse_id}")
        if row is None and create:
            row = self.insert("ITEMWAREHOUSEINFO", {"ITEMID": item_id, "WAREHOUSEID": warehouse_id,
                                                    "QTYONHAND": Decimal(0), "QTYONORDER": Decimal(0),
                                                    "QTYONHOLD": Decimal(0)})
        return row

    def set_stock(self, item_id: str, warehouse_id: str, on_hand: Decimal) -> Record:
        if self.by_id("ITEM", item_id) is None:
            raise KeyError(f"item {item_id} does not exist")
        if self.by_id("WAREHOUSE", warehouse_id) is None:
            raise KeyError(f"warehouse {warehouse_id} does not exist")
        row = self.stock_row(item_id, warehouse_id)
        return self.change("ITEMWAREHOUSEINFO", row, {"QTYONHAND": Decimal(on_hand)})

    def _move_stock(self, item_id: str, warehouse_id: str, *, on_hand: Decimal = Decimal(0),
                    on_hold: Decimal = Decimal(0)) -> None:
        if not on_hand and not on_hold:
            return
        row = self.stock_row(item_id, warehouse_id)
        new_on_hand = row["QTYONHAND"] + on_hand
        if on_hand < 0 and new_on_hand < 0 and not self.settings.allow_negative_inventory:
            raise errors.business(
                f"There is not enough quantity for Item ID '{item_id}' Quantity needed : {-on_hand} and "
                f"Quantity available : {row['QTYONHAND']} .", "Receive stock into the warehouse first.",
                "Could not create Document record!")
        self.change("ITEMWAREHOUSEINFO", row, {"QTYONHAND": new_on_hand,
                                               "QTYONHOLD": max(Decimal(0), row["QTYONHOLD"] + on_hold)})

    def _hold(self, document: Record, sign: int) -> None:
        """Add (sign 1) or release (sign -1) the stock an open sales order holds: its unconverted quantity."""
        if document["STATE"] not in ORDER_OPEN_STATES:
            return
        for line in self.owned("SODOCUMENTENTRY", document["RECORDNO"]):
            if self._is_inventory(line["ITEMID"]) and line["WAREHOUSEID"]:
                remaining = line["QUANTITY"] - (line["QTY_CONVERTED"] or 0)
                self._move_stock(line["ITEMID"], line["WAREHOUSEID"], on_hold=sign * remaining)

    def _is_inventory(self, item_id: str) -> bool:
        item = self.by_id("ITEM", item_id)
        return item is not None and item["ITEMTYPE"] == "Inventory"

    # -- order entry -----------------------------------------------------------------------------------------

    def create_document(self, header: Record, lines: list[Record], *, entity: str | None = None) -> Record:
        """create_sotransaction: a sales order, an invoice (possibly converted from an order) or a return."""
        txn_name = header.get("DOCPARID")
        definition = TRANSACTION_DEFINITIONS.get(txn_name or "")
        if definition is None:
            raise errors.business(f"Transaction type '{txn_name}' is not a valid Order Entry transaction "
                                  "definition.", "Use one of: " + ", ".join(TRANSACTION_DEFINITIONS),
                                  "Could not create Document record!")
        customer = self.by_id("CUSTOMER", header.get("CUSTVENDID") or "")
        if customer is None or customer["STATUS"] != "active":
            raise errors.business(f"Customer ID '{header.get('CUSTVENDID')}' is not valid.",
                                  "Use an active customer.", "Could not create Document record!")
        if customer["ONHOLD"] and definition.kind in ("order", "invoice"):
            # Least forgiving reading of the customer's "On hold" flag: no new sales to it (docs/intacct.md).
            raise errors.business(f"Customer ID '{customer['CUSTOMERID']}' is on hold; no sales transactions can be "
                                  "created for it.", "Take the customer off hold first.",
                                  "Could not create Document record!")
        if not lines:
            raise errors.business("A transaction must have at least one line item.", "",
                                  "Could not create Document record!")
        currency = header.get("CURRENCY") or customer["CURRENCY"] or self.settings.base_currency
        self._check_currency("SODOCUMENT", header.get("DOCNO") or txn_name, currency)
        state = header.get("STATE") or "Pending"
        allowed_states = ("Draft", "Pending", "Closed") if definition.kind == "order" else ("Pending", "Draft")
        if state not in allowed_states:
            raise errors.business(f"State '{state}' is not valid for a new {txn_name}.",
                                  "Use " + " or ".join(allowed_states), "Could not create Document record!")
        source = None
        if header.get("CREATEDFROM"):
            source = self._conversion_source(definition, header["CREATEDFROM"], customer["CUSTOMERID"])
        docno = header.get("DOCNO") or f"{definition.prefix}{self._counter(txn_name):04d}"
        docid = f"{txn_name}-{docno}"
        if self.by_id("SODOCUMENT", docid) is not None:
            raise errors.business(f"Transaction with the number '{docno}' already exists",
                                  "Use a unique document number.", "Could not create Document record!")
        document = self.insert("SODOCUMENT", {
            **header, "DOCID": docid, "DOCNO": docno, "DOCPARID": txn_name, "STATE": state,
            "CUSTVENDNAME": customer["NAME"], "CURRENCY": currency,
        })
        total = Decimal(0)
        for line_no, line in enumerate(lines):
            total += self._add_line(document, line_no, line, entity=entity)
        self.change("SODOCUMENT", document, {"SUBTOTAL": money(total), "TOTAL": money(total)}, touch=False)
        if source is not None:
            self._convert(source, document)
        self._post(definition, document, customer)
        if definition.kind == "order" and state != "Draft":
            self._hold(document, 1)
        return document

    def _conversion_source(self, definition: TransactionDefinition, created_from: str, customer_id: str) -> Record:
        source = self.by_id("SODOCUMENT", created_from)
        if source is None or source["DOCPARID"] not in definition.converts_from:
            raise errors.business(f"The source document '{created_from}' does not exist or cannot be converted "
                                  f"to a {definition.name}.", "", "Could not create Document record!")
        if source["CUSTVENDID"] != customer_id:
            raise errors.business(f"The source document '{created_from}' belongs to another customer.", "",
                                  "Could not create Document record!")
        if source["DOCPARID"] == "Sales Order" and source["STATE"] not in ORDER_OPEN_STATES:
            raise errors.business(f"The source document '{created_from}' is in state '{source['STATE']}' and "
                                  "cannot be converted.", "Convert a Pending or Partially Converted order.",
                                  "Could not create Document record!")
        return source

    def _add_line(self, document: Record, line_no: int, line: Record, *, entity: str | None) -> Decimal:
        item_id = line.get("ITEMID")
        item = self.by_id("ITEM", item_id or "")
        label = f"line {line_no + 1}"
        if item is None or item["STATUS"] != "active":
            raise errors.business(f"Item ID '{item_id}' is not valid ({label}).", "Use an active item.",
                                  "Could not create Document record!")
        quantity = line.get("QUANTITY")
        if quantity is None or quantity <= 0:
            raise errors.business(f"Quantity is required and must be positive on {label} (item {item_id}).", "",
                                  "Could not create Document record!")
        warehouse = line.get("WAREHOUSEID")
        if item["ITEMTYPE"] == "Inventory" and not warehouse:
            raise errors.business(f"Warehouse is required for inventory item '{item_id}' on {label}.", "",
                                  "Could not create Document record!")
        if warehouse and self.by_id("WAREHOUSE", warehouse) is None:
            raise errors.business(f"Warehouse '{warehouse}' is not valid on {label}.", "",
                                  "Could not create Document record!")
        location = line.get("LOCATIONID") or entity
        if location and self.by_id("LOCATION", location) is None:
            raise errors.business(f"Location '{location}' is not valid on {label}.", "",
                                  "Could not create Document record!")
        department = line.get("DEPARTMENTID")
        if department and department not in self.settings.departments:
            raise errors.business(f"Department '{department}' is not valid on {label}.", "",
                                  "Could not create Document record!")
        price = line.get("PRICE")
        if price is None:
            price = item["BASEPRICE"] or Decimal(0)
        if price < 0:
            raise errors.business(f"Price cannot be negative on {label}.", "", "Could not create Document record!")
        total = money(quantity * price)
        self.insert("SODOCUMENTENTRY", {
            "DOCHDRNO": document["RECORDNO"], "DOCHDRID": document["DOCID"], "DOCPARID": document["DOCPARID"],
            "LINE_NO": line_no, "ITEMID": item_id, "ITEMDESC": line.get("ITEMDESC") or item["NAME"],
            "WAREHOUSEID": warehouse, "QUANTITY": quantity, "UNIT": line.get("UNIT") or "Each", "PRICE": price,
            "TOTAL": total, "LOCATIONID": location, "DEPARTMENTID": department, "MEMO": line.get("MEMO"),
            "SOURCELINEKEY": line.get("SOURCELINEKEY"), "QTY_CONVERTED": Decimal(0),
        })
        return total

    def _convert(self, source: Record, target: Record) -> None:
        """Count the target's lines against the source's (by ``sourcelinekey``, else by item) and move its state."""
        if source["DOCPARID"] == "Sales Order":
            self._hold(source, -1)
        source_lines = self.owned("SODOCUMENTENTRY", source["RECORDNO"])
        for line in self.owned("SODOCUMENTENTRY", target["RECORDNO"]):
            candidates = ([s for s in source_lines if s["RECORDNO"] == line["SOURCELINEKEY"]]
                          if line["SOURCELINEKEY"] is not None else
                          [s for s in source_lines if s["ITEMID"] == line["ITEMID"]
                           and s["QUANTITY"] - s["QTY_CONVERTED"] > 0])
            if not candidates:
                raise errors.business(f"Line {line['LINE_NO'] + 1} (item {line['ITEMID']}) has no matching line "
                                      f"left in {source['DOCID']}.", "", "Could not create Document record!")
            source_line = candidates[0]
            remaining = source_line["QUANTITY"] - source_line["QTY_CONVERTED"]
            if line["QUANTITY"] > remaining:
                raise errors.business(f"Line {line['LINE_NO'] + 1}: quantity {line['QUANTITY']} of item "
                                      f"{line['ITEMID']} exceeds the {remaining} left to convert in "
                                      f"{source['DOCID']}.", "", "Could not create Document record!")
            self.change("SODOCUMENTENTRY", source_line, {"QTY_CONVERTED": source_line["QTY_CONVERTED"]
                                                         + line["QUANTITY"]})
            if line["SOURCELINEKEY"] is None:
                self.change("SODOCUMENTENTRY", line, {"SOURCELINEKEY": source_line["RECORDNO"]}, touch=False)
        done = all(s["QTY_CONVERTED"] >= s["QUANTITY"] for s in source_lines)
        self.change("SODOCUMENT", source, {"STATE": "Converted" if done else "Partially Converted"})
        if source["DOCPARID"] == "Sales Order":
            self._hold(source, 1)  # what is left of a partially converted order stays held

    def _post(self, definition: TransactionDefinition, document: Record, customer: Record) -> None:
        """Invoices ship stock and post an AR invoice; returns receive stock and post an AR adjustment (credit)."""
        if definition.kind == "order" or document["STATE"] == "Draft":
            return
        sign = -1 if definition.kind == "invoice" else 1
        for line in self.owned("SODOCUMENTENTRY", document["RECORDNO"]):
            if definition.kind != "credit" and self._is_inventory(line["ITEMID"]):
                self._move_stock(line["ITEMID"], line["WAREHOUSEID"], on_hand=sign * line["QUANTITY"])
        common = {"RECORDID": document["DOCNO"], "CUSTOMERID": customer["CUSTOMERID"], "CURRENCY":
                  document["CURRENCY"], "DOCNUMBER": document["DOCID"], "WHENPOSTED": document["WHENCREATED"]}
        if definition.kind == "invoice":
            posted = self.insert("ARINVOICE", {**common, "STATE": "Posted", "TOTALENTERED": document["TOTAL"],
                                               "TOTALPAID": Decimal("0.00"), "TOTALDUE": document["TOTAL"]})
        else:
            posted = self.insert("ARADJUSTMENT", {**common, "STATE": "Posted", "TOTALENTERED": -document["TOTAL"]})
        self.change("SODOCUMENT", document, {"PRRECORDKEY": posted["RECORDNO"],
                                             "WHENPOSTED": document["WHENCREATED"]}, touch=False)

    def _unpost(self, document: Record) -> None:
        """Undo what posting did (stock and the AR record): Intacct deletes the AR transaction of an updated
        document and creates it anew, with a new RECORDNO (developer.intacct.com/api/order-entry/
        order-entry-transactions, "About related OE and AR record numbers")."""
        if document["PRRECORDKEY"] is None:
            return
        definition = TRANSACTION_DEFINITIONS[document["DOCPARID"]]
        posted_obj = "ARINVOICE" if definition.kind == "invoice" else "ARADJUSTMENT"
        posted = self.get(posted_obj, document["PRRECORDKEY"])
        if posted is not None and posted_obj == "ARINVOICE" and posted["TOTALPAID"]:
            raise errors.business(f"The transaction '{document['DOCID']}' has payments applied to its AR invoice "
                                  "and cannot be updated.", "Reverse the payments first.",
                                  "Could not update Document record!")
        if definition.kind != "credit":
            sign = 1 if definition.kind == "invoice" else -1
            for line in self.owned("SODOCUMENTENTRY", document["RECORDNO"]):
                if self._is_inventory(line["ITEMID"]):
                    self._move_stock(line["ITEMID"], line["WAREHOUSEID"], on_hand=sign * line["QUANTITY"])
        if posted is not None:
            self.delete(posted_obj, posted)
        self.change("SODOCUMENT", document, {"PRRECORDKEY": None}, touch=False)

    def update_document(self, docid: str, header: Record, line_updates: dict[int, Record],
                        new_lines: list[Record], *, entity: str | None = None) -> Record:
        """update_sotransaction key="<type>-<docno>": header fields, state, lines (``line_num`` 1-based)."""
        document = self.by_id("SODOCUMENT", docid)
        if document is None:
            raise errors.business(f"The transaction '{docid}' does not exist.", "Check the key.",
                                  "Could not update Document record!")
        if document["STATE"] in FROZEN_STATES:
            raise errors.business(f"The transaction '{docid}' is in state '{document['STATE']}' and cannot be "
                                  "updated.", "Only Draft and Pending transactions can be edited.",
                                  "Could not update Document record!")
        new_state = header.get("STATE", document["STATE"])
        allowed = ("Draft", "Pending", "Closed") if document["DOCPARID"] == "Sales Order" else ("Draft", "Pending")
        if new_state not in allowed:
            raise errors.business(f"State '{new_state}' cannot be set by update_sotransaction.",
                                  "Use " + ", ".join(allowed), "Could not update Document record!")
        if document["STATE"] == "Pending" and new_state == "Draft":
            raise errors.business(f"The transaction '{docid}' is Pending and cannot go back to Draft.", "",
                                  "Could not update Document record!")
        if document["CREATEDFROM"] and (line_updates or new_lines):
            raise errors.business(f"The lines of '{docid}' were converted from {document['CREATEDFROM']} and "
                                  "cannot be changed here.", "Change the source document's remaining lines.",
                                  "Could not update Document record!")
        self._hold(document, -1)
        self._unpost(document)
        lines = self.owned("SODOCUMENTENTRY", document["RECORDNO"])
        for line_num, values in sorted(line_updates.items()):
            if not 1 <= line_num <= len(lines):
                raise errors.business(f"Line number {line_num} does not exist in '{docid}' (it has {len(lines)} "
                                      "lines, numbered from 1).", "", "Could not update Document record!")
            line = lines[line_num - 1]
            merged = {**line, **{k: v for k, v in values.items() if v is not None}}
            self._check_line_values(merged, line_num, entity=entity)
            merged["TOTAL"] = money(merged["QUANTITY"] * merged["PRICE"])
            self.change("SODOCUMENTENTRY", line, {k: merged[k] for k in (
                "ITEMID", "WAREHOUSEID", "QUANTITY", "UNIT", "PRICE", "TOTAL", "LOCATIONID", "DEPARTMENTID",
                "MEMO", "ITEMDESC")})
        for offset, values in enumerate(new_lines):
            self._add_line(document, len(lines) + offset, values, entity=entity)
        total = money(sum((line["TOTAL"] for line in self.owned("SODOCUMENTENTRY", document["RECORDNO"])),
                          Decimal(0)))
        self.change("SODOCUMENT", document, {**header, "STATE": new_state, "SUBTOTAL": total, "TOTAL": total})
        self._hold(document, 1)
        if document["DOCPARID"] != "Sales Order":
            definition = TRANSACTION_DEFINITIONS[document["DOCPARID"]]
            self._post(definition, document, self.by_id("CUSTOMER", document["CUSTVENDID"]))
        return document

    def _check_line_values(self, line: Record, line_num: int, *, entity: str | None) -> None:
        item = self.by_id("ITEM", line["ITEMID"] or "")
        if item is None or item["STATUS"] != "active":
            raise errors.business(f"Item ID '{line['ITEMID']}' is not valid (line {line_num}).", "",
                                  "Could not update Document record!")
        if line["QUANTITY"] is None or line["QUANTITY"] <= 0:
            raise errors.business(f"Quantity must be positive on line {line_num}.", "",
                                  "Could not update Document record!")
        if line["WAREHOUSEID"] and self.by_id("WAREHOUSE", line["WAREHOUSEID"]) is None:
            raise errors.business(f"Warehouse '{line['WAREHOUSEID']}' is not valid on line {line_num}.", "",
                                  "Could not update Document record!")
        if line["PRICE"] is None or line["PRICE"] < 0:
            raise errors.business(f"Price must not be negative on line {line_num}.", "",
                                  "Could not update Document record!")

    def ship_order(self, docid: str, tracking_number: str, ship_via: str | None = None) -> Record:
        """A warehouse clerk records the shipment: the site's TRACKINGNUMBER custom field and SHIPVIA."""
        document = self.by_id("SODOCUMENT", docid)
        if document is None:
            raise KeyError(f"document {docid} does not exist")
        values: Record = {"TRACKINGNUMBER": tracking_number}
        if ship_via is not None:
            values["SHIPVIA"] = ship_via
        return self.change("SODOCUMENT", document, values)

    # -- AR payments -----------------------------------------------------------------------------------------

    def create_payment(self, header: Record, details: list[Record]) -> Record:
        customer_id = header.get("CUSTOMERID")
        customer = self.by_id("CUSTOMER", customer_id or "")
        if customer is None:
            raise errors.business(f"Customer ID '{customer_id}' is not valid.", "", "Could not create ARPYMT record!")
        method = header.get("PAYMENTMETHOD")
        if method not in PAYMENT_METHODS:
            raise errors.business(f"PAYMENTMETHOD '{method}' is not valid.", "Use one of: " + ", ".join(
                PAYMENT_METHODS), "Could not create ARPYMT record!")
        bank, undeposited = header.get("FINANCIALENTITY"), header.get("UNDEPOSITEDACCOUNTNO")
        if bool(bank) == bool(undeposited):
            raise errors.business("Provide either FINANCIALENTITY (a bank account) or UNDEPOSITEDACCOUNTNO "
                                  "(undeposited funds), not both and not neither.", "",
                                  "Could not create ARPYMT record!")
        if bank and self.by_id("CHECKINGACCOUNT", bank) is None:
            raise errors.business(f"FINANCIALENTITY '{bank}' is not a valid bank account.", "",
                                  "Could not create ARPYMT record!")
        if undeposited and undeposited not in self.settings.undeposited_accounts:
            raise errors.business(f"UNDEPOSITEDACCOUNTNO '{undeposited}' is not the undeposited funds account.",
                                  "", "Could not create ARPYMT record!")
        if header.get("RECEIPTDATE") is None:
            raise errors.business("RECEIPTDATE is required (mm/dd/yyyy).", "", "Could not create ARPYMT record!")
        if not details:
            raise errors.business("ARPYMTDETAILS must name at least one invoice to apply the payment to.", "",
                                  "Could not create ARPYMT record!")
        currency = header.get("CURRENCY")
        applied: dict[int, Decimal] = {}
        total = Decimal(0)
        for index, detail in enumerate(details, start=1):
            key, amount = detail.get("RECORDKEY"), detail.get("TRX_PAYMENTAMOUNT")
            invoice = self.get("ARINVOICE", key) if key is not None else None
            if invoice is None:
                raise errors.business(f"ARPYMTDETAIL {index}: RECORDKEY '{key}' is not an AR invoice.", "",
                                      "Could not create ARPYMT record!")
            if invoice["CUSTOMERID"] != customer_id:
                raise errors.business(f"ARPYMTDETAIL {index}: invoice {invoice['RECORDID']} belongs to customer "
                                      f"{invoice['CUSTOMERID']}, not {customer_id}.", "",
                                      "Could not create ARPYMT record!")
            if amount is None or amount <= 0:
                raise errors.business(f"ARPYMTDETAIL {index}: TRX_PAYMENTAMOUNT must be positive.", "",
                                      "Could not create ARPYMT record!")
            currency = currency or invoice["CURRENCY"]
            if invoice["CURRENCY"] != currency:
                raise errors.business(f"ARPYMTDETAIL {index}: invoice {invoice['RECORDID']} is in "
                                      f"{invoice['CURRENCY']}, the payment in {currency}.", "",
                                      "Could not create ARPYMT record!")
            applied[key] = applied.get(key, Decimal(0)) + amount
            if applied[key] > invoice["TOTALDUE"]:
                raise errors.business(f"ARPYMTDETAIL {index}: the amount {applied[key]} exceeds the amount due "
                                      f"{invoice['TOTALDUE']} on invoice {invoice['RECORDID']}.", "",
                                      "Could not create ARPYMT record!")
            total += amount
        payment = self.insert("ARPYMT", {**header, "CURRENCY": currency, "TOTALENTERED": money(total),
                                         "PAYMENTDATE": header.get("PAYMENTDATE") or header["RECEIPTDATE"]})
        for detail in details:
            self.insert("ARPYMTDETAIL", {"PAYMENTKEY": payment["RECORDNO"], "RECORDKEY": detail["RECORDKEY"],
                                         "TRX_PAYMENTAMOUNT": detail["TRX_PAYMENTAMOUNT"]})
        for key, amount in applied.items():
            invoice = self.get("ARINVOICE", key)
            due = invoice["TOTALDUE"] - amount
            self.change("ARINVOICE", invoice, {"TOTALPAID": invoice["TOTALPAID"] + amount, "TOTALDUE": due,
                                               "STATE": "Paid" if due == 0 else "Partially Paid"})
        return payment

