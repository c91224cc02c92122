"""The emulated endpoint's entities and fields, and the field-level checks every PUT goes through.

:data:`SCHEMAS` gives each entity's fields by kind ("text", "money" (rounded half up to cents), "qty",
"bool", "datetime", "int"); a dict is a linked entity, a one-element list a detail collection. :data:`KEYS`
are the key fields, :data:`READ_ONLY` the fields the tenant computes (ignored when a client sends them).
:func:`coerce` checks a client's plain record against its schema: an unknown field is dropped (the least
forgiving choice: the client believes it sent it), a value of the wrong kind an error on that field (422, collected in :class:`Errors`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")
ZERO = Decimal("0")
_NAMESPACE = uuid.UUID("6b1c43d2-4f8e-4a57-9d0e-0a3c0ac0ffee")

ORDER_TYPES = ("SO", "CM")
ORDER_STATUSES = ("Open", "On Hold", "Pending Approval", "Credit Hold", "Back Order", "Shipping", "Completed",
                  "Invoiced", "Canceled")
CLOSED_ORDER_STATUSES = ("Completed", "Invoiced", "Canceled")
CUSTOMER_STATUSES = ("Active", "On Hold", "Credit Hold", "Inactive", "One-Time")
ITEM_STATUSES = ("Active", "Inactive", "No Sales", "No Purchases", "No Request", "To Delete")
PAYMENT_TYPES = ("Payment", "Refund", "Prepayment")
DOCUMENT_TYPES = ("Payment", "Prepayment", "Invoice", "Credit Memo")

ADDRESS = {"AddressLine1": "text", "AddressLine2": "text", "City": "text", "State": "text", "PostalCode": "text",
           "Country": "text"}
#: A document's contact (DocContact in the Default/24.200.001 models): no DisplayName.
CONTACT = {"Attention": "text", "BusinessName": "text", "Email": "text", "Phone1": "text"}

#: Field kinds per entity: "text", "money", "qty", "bool", "datetime", "int"; a dict is a linked entity,
#: a one-element list a detail collection.
SCHEMAS: dict[str, dict[str, Any]] = {
    "SalesOrder": {
        "OrderType": "text", "OrderNbr": "text", "CustomerID": "text", "CustomerOrder": "text",
        "ExternalRef": "text", "Date": "datetime", "RequestedOn": "datetime", "Description": "text",
        "Status": "text", "Hold": "bool", "CurrencyID": "text", "OrderTotal": "money", "TaxTotal": "money",
        "OrderedQty": "qty", "UnpaidBalance": "money", "ShipVia": "text", "PaymentMethod": "text",
        "LastModified": "datetime", "CreatedDate": "datetime",  # SalesOrder.cs: LastModified, not …DateTime
        "DisableAutomaticTaxCalculation": "bool", "IsTaxValid": "bool",
        "Totals": {"Freight": "money", "OverrideFreightAmount": "bool", "LineTotalAmount": "money",
                   "DiscountTotal": "money", "TaxTotal": "money", "UnpaidBalance": "money"},
        "TaxDetails": [{"TaxID": "text", "TaxRate": "qty", "TaxableAmount": "money", "TaxAmount": "money"}],
        "ShipToContact": CONTACT, "BillToContact": CONTACT, "ShipToAddress": ADDRESS, "BillToAddress": ADDRESS,
        "Details": [{"LineNbr": "int", "InventoryID": "text", "WarehouseID": "text", "LineDescription": "text",
                     "UOM": "text", "OrderQty": "qty", "UnitPrice": "money", "DiscountAmount": "money",
                     "ExtendedPrice": "money", "QtyOnShipments": "qty", "OpenQty": "qty"}],
    },
    "Customer": {
        "CustomerID": "text", "CustomerName": "text", "Status": "text", "CustomerClass": "text",
        "CurrencyID": "text", "Email": "text", "LastModifiedDateTime": "datetime", "CreatedDate": "datetime",
        "MainContact": {"DisplayName": "text", "FirstName": "text", "LastName": "text", "Email": "text",
                        "Phone1": "text", "Address": ADDRESS},
    },
    "StockItem": {
        "InventoryID": "text", "Description": "text", "ItemStatus": "text", "DefaultPrice": "money",
        "ItemClass": "text", "BaseUOM": "text", "LastModifiedDateTime": "datetime",
        "WarehouseDetails": [{"WarehouseID": "text", "QtyOnHand": "qty"}],
    },
    "NonStockItem": {
        "InventoryID": "text", "Description": "text", "ItemStatus": "text", "DefaultPrice": "money",
        "ItemClass": "text", "BaseUOM": "text", "LastModifiedDateTime": "datetime",
    },
    "Shipment": {
        "ShipmentNbr": "text", "Type": "text", "Status": "text", "ShipmentDate": "datetime", "CustomerID": "text",
        "WarehouseID": "text", "ShipVia": "text", "ShippedQty": "qty", "LastModifiedDateTime": "datetime",
        "Details": [{"LineNbr": "int", "OrderType": "text", "OrderNbr": "text", "OrderLineNbr": "int",
                     "InventoryID": "text", "WarehouseID": "text", "ShippedQty": "qty"}],
        "Packages": [{"TrackingNbr": "text", "Weight": "qty", "Description": "text"}],
        "Orders": [{"OrderType": "text", "OrderNbr": "text"}],
    },
    "Payment": {
        "Type": "text", "ReferenceNbr": "text", "CustomerID": "text", "PaymentMethod": "text",
        "CashAccount": "text", "PaymentAmount": "money", "PaymentRef": "text", "ApplicationDate": "datetime",
        "CurrencyID": "text", "Description": "text", "Status": "text", "Hold": "bool",
        "AppliedToDocuments": "money", "UnappliedBalance": "money", "LastModifiedDateTime": "datetime",
        "OrdersToApply": [{"OrderType": "text", "OrderNbr": "text", "AppliedToOrder": "money"}],
        "DocumentsToApply": [{"DocType": "text", "ReferenceNbr": "text", "AmountPaid": "money"}],
    },
}
KEYS: dict[str, tuple[str, ...]] = {
    "SalesOrder": ("OrderType", "OrderNbr"), "Customer": ("CustomerID",), "StockItem": ("InventoryID",),
    "NonStockItem": ("InventoryID",), "Shipment": ("ShipmentNbr",), "Payment": ("Type", "ReferenceNbr"),
}
#: The wire name of a field the store keeps under another name (the store stamps every record's
#: LastModifiedDateTime; the SalesOrder model calls it LastModified).
WIRE_ALIASES: dict[str, dict[str, str]] = {"SalesOrder": {"LastModifiedDateTime": "LastModified"}}
#: Fields the tenant computes: what a client sends for them is ignored (as Acumatica ignores read-only fields).
READ_ONLY: dict[str, frozenset[str]] = {
    # TaxTotal is Acumatica's sum of the tax lines (SOOrder.CuryTaxTotal); a client sets tax through TaxDetails
    # with DisableAutomaticTaxCalculation (Default/24.200.001 SalesOrder.cs, TaxDetail.cs).
    "SalesOrder": frozenset({"Status", "OrderTotal", "OrderedQty", "UnpaidBalance", "LastModified", "TaxTotal",
                             "IsTaxValid",
                             "CreatedDate", "Totals.LineTotalAmount", "Totals.DiscountTotal", "Totals.TaxTotal",
                             "Totals.UnpaidBalance", "Details.QtyOnShipments", "Details.OpenQty"}),
    "Customer": frozenset({"LastModifiedDateTime", "CreatedDate", "Email"}),
    "StockItem": frozenset({"LastModifiedDateTime", "WarehouseDetails.QtyOnHand"}),
    "NonStockItem": frozenset({"LastModifiedDateTime"}),
    "Shipment": frozenset({"Status", "LastModifiedDateTime", "ShippedQty", "Type"}),
    "Payment": frozenset({"Status", "LastModifiedDateTime", "AppliedToDocuments", "UnappliedBalance"}),
}
DISPLAY_NAMES = {"SalesOrder": "Sales Order", "Customer": "Customer", "StockItem": "Stock Item",
                 "NonStockItem": "Non-Stock Item",
                 "Shipment": "Shipment", "Payment": "Payment"}
FIELD_LABELS = {"CustomerID": "Customer", "InventoryID": "Inventory ID", "WarehouseID": "Warehouse",
                "OrderQty": "Quantity", "UnitPrice": "Unit Price", "CurrencyID": "Currency", "OrderType": "Order Type",
                "PaymentMethod": "Payment Method", "CashAccount": "Cash Account", "PaymentAmount": "Payment Amount",
                "CustomerName": "Customer Name", "Description": "Description", "OrderNbr": "Order Nbr.",
                "CustomerOrder": "Customer Order Nbr.", "AppliedToOrder": "Applied to Order",
                "ReferenceNbr": "Reference Nbr.", "Country": "Country", "Freight": "Freight",
                "TaxTotal": "Tax Total", "TaxID": "Tax ID", "DefaultPrice": "Default Price", "ShippedQty": "Shipped Qty."}


class StoreError(Exception):
    """Base class of store errors; the message is safe to show to an API client."""


class RecordNotFound(StoreError, LookupError):
    """No record with these keys (HTTP 404)."""


class UnknownEntity(RecordNotFound):
    """Not an entity of the endpoint (HTTP 404)."""


class BadRequest(StoreError, ValueError):
    """The request cannot be understood: an unknown field, a malformed key (HTTP 400)."""


class PreconditionFailed(StoreError, ValueError):
    """``If-None-Match: *`` on a record that exists, or ``If-Match: *`` on one that does not (HTTP 412)."""


class ValidationFailed(StoreError, ValueError):
    """The record was refused (HTTP 422): a summary on the record and a message per bad field path."""

    def __init__(self, record_error: str, field_errors: Mapping[str, str] | None = None) -> None:
        self.record_error = record_error
        self.field_errors = dict(field_errors or {})
        details = "; ".join(f"{path}: {message}" for path, message in self.field_errors.items())
        super().__init__(f"{record_error} {details}".strip())


class ActionError(StoreError, ValueError):
    """An ERP-side sandbox action was refused (HTTP 400 on ``/_sandbox``)."""


@dataclass(frozen=True)
class PaymentMethod:
    method_id: str
    description: str
    cash_accounts: tuple[str, ...]  # the first is the default
    active: bool = True


@dataclass(frozen=True)
class CashAccount:
    account_id: str
    description: str
    currency: str | None = None  # None: any currency (a multi-currency clearing account, assumed)
    active: bool = True


@dataclass
class Reference:
    """A tenant's set-up the documents refer to (filled by the seed)."""

    warehouses: dict[str, str] = field(default_factory=dict)  # id -> description
    currencies: tuple[str, ...] = ()
    customer_classes: tuple[str, ...] = ()
    payment_methods: dict[str, PaymentMethod] = field(default_factory=dict)
    cash_accounts: dict[str, CashAccount] = field(default_factory=dict)
    taxes: dict[str, Decimal] = field(default_factory=dict)  # TaxID -> rate in percent
    automatic_taxes: tuple[str, ...] = ()  # the taxes of the customers' tax zone, applied automatically
    ship_via_freight: dict[str, Decimal] = field(default_factory=dict)  # ShipVia -> freight price per order
    default_warehouse: str = "MAIN"
    default_customer_class: str = "WEB"
    default_currency: str = "USD"


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def record_guid(entity: str, *parts: Any) -> str:
    """A stable GUID for a record or line (the same data always gets the same ids)."""
    return str(uuid.uuid5(_NAMESPACE, "/".join([entity, *map(str, parts)])))


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def parse_instant(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


class Errors:
    """Field errors collected while a record is checked, keyed by dotted path."""

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}

    def add(self, path: str, message: str) -> None:
        self.fields.setdefault(path, message)

    def missing(self, path: str) -> None:
        self.add(path, f"'{FIELD_LABELS.get(path.rsplit('.', 1)[-1], path.rsplit('.', 1)[-1])}' cannot be empty.")

    def not_found(self, path: str, value: Any) -> None:
        label = FIELD_LABELS.get(path.rsplit(".", 1)[-1], path.rsplit(".", 1)[-1])
        self.add(path, f"'{label}' cannot be found in the system. Value: '{value}'.")

    def raise_if_any(self, entity: str, creating: bool) -> None:
        if self.fields:
            verb = "Inserting" if creating else "Updating"
            raise ValidationFailed(f"{verb} '{DISPLAY_NAMES.get(entity, entity)}' record raised at least one error. "
                                   "Please review the errors.", self.fields)


def coerce(schema: Mapping[str, Any], value: Any, path: str, entity: str, errors: Errors,
            read_only: frozenset[str], schema_path: str = "") -> dict:
    """A client's plain record checked against the schema: unknown fields dropped, bad types → errors,
    read-only fields dropped. ``id`` and ``delete`` (detail-line markers) pass through."""
    if not isinstance(value, Mapping):
        raise BadRequest(f"{path or entity} must be an object")
    result: dict[str, Any] = {}
    for name, item in value.items():
        where = f"{path}.{name}" if path else name
        schema_name = f"{schema_path}.{name}" if schema_path else name
        if name in ("id", "delete"):
            result[name] = item
            continue
        if name not in schema:
            # Not a field of the endpoint's entity: dropped without a word, the least forgiving choice where
            # the vendor's material is silent (DESIGN §4; docs/acumatica.md, "Unknown fields").
            continue
        if schema_name in read_only:
            continue
        kind = schema[name]
        if isinstance(kind, dict):
            if item is None:
                continue
            result[name] = coerce(kind, item, where, entity, errors, read_only, schema_name)
        elif isinstance(kind, list):
            if item is None:
                continue
            if not isinstance(item, list):
                raise BadRequest(f"{where} must be a list of records")
            result[name] = [coerce(kind[0], line, f"{where}[{index}]", entity, errors, read_only, schema_name)
                            for index, line in enumerate(item)]
        else:
            converted = convert(kind, item, where, errors)
            if converted is not INVALID:
                result[name] = converted
    return result


INVALID = object()


def convert(kind: str, value: Any, where: str, errors: Errors) -> Any:
    if value is None:
        return None
    if kind == "text":
        if isinstance(value, str):
            return value
        if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            return str(value)
        errors.add(where, "The value must be text.")
    elif kind in ("money", "qty"):
        if isinstance(value, bool):
            errors.add(where, "The value must be a number.")
        elif isinstance(value, (int, Decimal, float)):
            number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
            if not number.is_finite():
                errors.add(where, "The value must be a finite number.")
            else:
                return money(number) if kind == "money" else number
        elif isinstance(value, str):
            try:
                number = Decimal(value.strip())
            except ArithmeticError:
                number = None
            if number is None or not number.is_finite():
                errors.add(where, f"'{value}' is not a number.")
            else:
                return money(number) if kind == "money" else number
        else:
            errors.add(where, "The value must be a number.")
    elif kind == "int":
        if isinstance(value, (int, Decimal)) and not isinstance(value, bool) and Decimal(value) == int(value):
            return int(value)
        errors.add(where, "The value must be a whole number.")
    elif kind == "bool":
        if isinstance(value, bool):
            return value
        errors.add(where, "The value must be true or false.")
    elif kind == "datetime":
        if isinstance(value, str):
            try:
                return parse_instant(value.strip()).isoformat()
            except ValueError:
                pass
        errors.add(where, f"'{value}' is not a date and time (ISO 8601).")
    return INVALID
