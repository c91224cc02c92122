"""What every ERP that receives storefront documents decides the same way, whatever its protocol.

Sales orders, payments and credit memos made from storefront records follow one policy on every ERP; only
the way of asking the ERP (SQL staging, REST, XML) differs, and that stays in each ERP's adapter module.
This module holds the policy, so the next ERP adapter asks its ERP and calls these functions:

- **references**: every document we create carries the storefront id with a prefix per kind
  (``XC-<orderId>`` on sales orders, ``XP-<transactionId>`` on payments, ``XR-<transactionId>`` on credit
  memos); the loader looks it up in the ERP before any create, and a document found is *skipped* and
  cross-referenced, so a retry after a crash creates nothing twice;
- **the buyer's ERP customer** (pair options ``guest_customers``, ``guest_customer_id``): matched by
  e-mail among the ERP's customers, else the generic guest customer, or (``create``) one new customer per
  e-mail, named after the first order that brought it and created before that order;
- **hold for review**: the pair option ``hold_threshold`` reaches the mapping spec's condition as context;
- **order lines**: an order whose SKU the ERP does not know is *held* (never dropped), naming the line;
- **payments and credit memos** go against the web order's sales order: already there → skipped; order not
  in the ERP yet → held (later runs fetch it again); another currency than the order's → DLQ naming
  ``currency`` (never converted); otherwise the ERP adapter creates them;
- **outcomes**: one ``LoadOutcome`` per record with the same wording and reason codes for every ERP, since
  ops, alerts and tests read them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from storesync.adapters.base import LoadOutcome
from storesync.hooks.errors import PermanentRunError

# Storefront document kind -> prefix of the reference our ERP documents carry.
REFERENCE_PREFIXES = {"order": "XC-", "payment": "XP-", "refund": "XR-"}
GUEST_CUSTOMER_MODES = ("generic", "create")
DEFAULTS = {"warehouse_id": "MAIN", "hold_threshold": "5000.00", "guest_customer_id": "WEBGUEST",
            "guest_customers": "generic"}
# Customer ids we give buyers the ERP did not know (option guest_customers: create): "XG" + the id of the
# order that brought them, zero-padded to 10, so the same buyer in a re-run gets the same id (12 characters
# fit Sage 500's CustID and Acumatica's CustomerID alike).
NEW_CUSTOMER_PREFIX = "XG"
NEW_CUSTOMER_ID_LENGTH = 12


def reference(kind: str, source_id: Any) -> str:
    """The reference a document made from storefront record ``source_id`` carries (``XC-1042``)."""
    try:
        prefix = REFERENCE_PREFIXES[kind]
    except KeyError:
        raise KeyError(f"no reference prefix for '{kind}'; valid: {', '.join(sorted(REFERENCE_PREFIXES))}") from None
    return f"{prefix}{str(source_id).strip()}"


# -- orders: options, customers, lines ---------------------------------------------------------------------

@dataclass(frozen=True)
class OrderPolicy:
    """The orders flow's pair options, read once and checked."""

    warehouse_id: str
    hold_threshold: str
    guest_customer_id: str
    create_guests: bool

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> OrderPolicy:
        values = {**DEFAULTS, **{k: v for k, v in options.items() if k in DEFAULTS and v is not None}}
        mode = str(values["guest_customers"])
        if mode not in GUEST_CUSTOMER_MODES:
            # A typo must not silently book every new buyer on the generic customer (or create thousands).
            raise PermanentRunError(f"orders option 'guest_customers': unknown value {mode!r}; "
                                    f"valid: {', '.join(GUEST_CUSTOMER_MODES)}")
        return cls(warehouse_id=str(values["warehouse_id"]), hold_threshold=str(values["hold_threshold"]),
                   guest_customer_id=str(values["guest_customer_id"]), create_guests=mode == "create")

    def context(self) -> dict[str, str]:
        """The mapping context every order shares (the spec's hold condition reads ``hold_threshold``)."""
        return {"warehouse_id": self.warehouse_id, "hold_threshold": self.hold_threshold,
                "guest_customer_id": self.guest_customer_id}


def buyer_email(record: dict[str, Any]) -> str:
    """The canonical order's buyer e-mail, trimmed and lower-cased ("" when there is none)."""
    customer = record.get("customer") if isinstance(record, dict) else None
    return str((customer or {}).get("email") or "").strip().lower()


def buyer_emails(records: Iterable[tuple[str, dict[str, Any]]]) -> list[str]:
    return sorted({buyer_email(record) for _, record in records} - {""})


def new_customer_id(order_key: str) -> str:
    return (f"{NEW_CUSTOMER_PREFIX}{int(order_key):010d}" if order_key.isdigit()
            else f"{NEW_CUSTOMER_PREFIX}{order_key}")[:NEW_CUSTOMER_ID_LENGTH]


def assign_customers(records: list[tuple[str, dict[str, Any]]], known: dict[str, str],
                     policy: OrderPolicy) -> dict[str, dict[str, str]]:
    """Per order: ``customer_id`` (the ERP customer it is booked on) and ``new_customer_id`` (set when that
    customer is to be created with the order, else ""). ``known`` maps lower-case e-mail -> ERP customer id."""
    created: dict[str, str] = {}
    assigned = {}
    for key, record in records:
        email = buyer_email(record)
        if email in known:
            assigned[key] = {"customer_id": known[email], "new_customer_id": ""}
        elif policy.create_guests and email:
            customer_id = created.setdefault(email, new_customer_id(key))
            assigned[key] = {"customer_id": customer_id, "new_customer_id": customer_id}
        else:
            assigned[key] = {"customer_id": policy.guest_customer_id, "new_customer_id": ""}
    return assigned


def hold_unknown_skus(records: list[tuple[str, Any]], known: set[str], erp: str,
                      skus_of: Callable[[Any], list[str]]) -> tuple[list[LoadOutcome], list[tuple[str, Any]]]:
    """Orders with a SKU the ERP does not know are held (named by line); the others are returned ready."""
    held, ready = [], []
    for key, record in records:
        unknown = [(index, sku) for index, sku in enumerate(skus_of(record)) if sku not in known]
        if unknown:
            fields = [f"lines[{index}].sku" for index, _ in unknown]
            skus = ", ".join(f"'{sku}'" for _, sku in unknown)
            held.append(LoadOutcome(key, "held", f"order {key}: field {fields[0]}: SKU {skus} unknown to {erp}; "
                                    "order held until the item exists", reason_code="unknown_sku", failed=fields))
        else:
            ready.append((key, record))
    return held, ready


def new_customer_refused(key: str, problems: list[str]) -> LoadOutcome:
    return LoadOutcome(key, "dlq", f"order {key}: field customer: the ERP refused the new customer: "
                       + "; ".join(problems), reason_code="erp_rejected", failed=list(problems))


# -- documents the ERP has ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ErpDocument:
    """A document found in (or just created in) the ERP."""

    number: str      # what people see: TranNo, OrderNbr, ReferenceNbr
    target_id: str   # what the cross-reference stores (a surrogate key, or the number)
    target_ref: str  # short code and number, written back to the storefront ("SO W000000012")


@dataclass(frozen=True)
class ErpOrder:
    """The web order's sales order, as payments and credit memos need it."""

    number: str
    currency: str
    customer_id: str
    order_type: str = ""


def already_there(key: str, erp: str, document: str, found: ErpDocument) -> LoadOutcome:
    return LoadOutcome(key, "skipped", f"already in {erp} as {document} {found.number}",
                       target_id=found.target_id, target_ref=found.target_ref)


def created(key: str, erp: str, document: str, found: ErpDocument) -> LoadOutcome:
    return LoadOutcome(key, "loaded", f"created {erp} {document} {found.number}",
                       target_id=found.target_id, target_ref=found.target_ref)


def refused(key: str, label: str, erp: str, what: str, problems: list[str], fields: Iterable[str] = ()) -> LoadOutcome:
    """The ERP refused the record: DLQ, naming the storefront fields behind the refusal when they are known."""
    fields = list(dict.fromkeys(fields))
    named = f"field {', '.join(fields)}: " if fields else ""
    return LoadOutcome(key, "dlq", f"{label} {key}: {named}{erp} {what} refused: " + "; ".join(problems),
                       reason_code="erp_rejected", failed=list(problems))


def split_existing(records: list[tuple[str, Any]], reference_of: Callable[[Any], str],
                   existing: dict[str, ErpDocument], erp: str, document: str) -> tuple[list[LoadOutcome], list]:
    """Records whose reference the ERP already has are skipped (cross-referenced); the rest are returned."""
    skipped, rest = [], []
    for key, record in records:
        found = existing.get(reference_of(record))
        if found:
            skipped.append(already_there(key, erp, document, found))
        else:
            rest.append((key, record))
    return skipped, rest


@dataclass(frozen=True)
class Settlement:
    """What the policy needs of one payment or refund, whatever its target row looks like."""

    key: str
    reference: str   # XP-/XR- reference the ERP document carries
    order_id: str    # storefront order id
    order_key: str   # how the ERP adapter finds the web order's sales order (TranNo, XC- reference)
    order_hint: str  # that sales order in a sentence ("sales order W000000045")
    currency: str


def triage_settlements(settlements: list[Settlement], existing: dict[str, ErpDocument],
                       orders: dict[str, ErpOrder], *, erp: str, label: str,
                       document: str) -> tuple[list[LoadOutcome], list[tuple[Settlement, ErpOrder]]]:
    """Per payment/refund, in this order: already in the ERP → skipped; its order not there yet → held;
    another currency than its order's → DLQ naming currency; else ready to create, with its order."""
    outcomes: list[LoadOutcome] = []
    ready: list[tuple[Settlement, ErpOrder]] = []
    for item in settlements:
        found = existing.get(item.reference)
        order = orders.get(item.order_key)
        if found:
            outcomes.append(already_there(item.key, erp, document, found))
        elif order is None:
            outcomes.append(LoadOutcome(
                item.key, "held", f"{label} {item.key}: field orderId: order {item.order_id} ({item.order_hint}) "
                f"is not in {erp} yet; {label} held until the orders flow loads it",
                reason_code="order_not_in_erp", failed=["orderId"]))
        elif str(item.currency).strip().upper() != order.currency.strip().upper():
            outcomes.append(LoadOutcome(
                item.key, "dlq", f"{label} {item.key}: field currency: {item.currency} differs from sales order "
                f"{order.number} (order {item.order_id}) in {order.currency}; not converted, not posted",
                reason_code="currency_mismatch", failed=["currency"]))
        else:
            ready.append((item, order))
    return outcomes, ready
