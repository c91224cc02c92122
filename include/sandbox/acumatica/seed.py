"""Deterministic seed data for the Acumatica sandbox: the same tenant for the same arguments.

The item master and the customers come from the Sage 500 sandbox's generators
(:func:`include.sandbox.sage500.seed.generate_items` / ``generate_customers``, one ``random.Random(seed)``
drawn in the same order), so for one seed both ERP sandboxes hold the same items ``SKU-00001`` … (the X-Cart
emulator's SKUs), descriptions, list prices and stock per warehouse ``MAIN``/``EAST``/``WEST``, and the same
customers: generated ones (e-mails at example.org, class ``RETAIL``), one per storefront e-mail in
``customer_emails`` (class ``WEB``: the customers both systems already share) and the web guest ``WEBGUEST``.

How Sage 500 values become Acumatica's:

- item status 1 → ``Active``, 2 (inactive) → ``Inactive``, 3 (discontinued) → ``No Purchases``; list
  price → ``DefaultPrice`` (cents); ``BaseUOM`` ``EA``, ``ItemClass`` ``STOCKITEM``; on hand per warehouse
  → ``QtyOnHand`` (Sage's pending decrease has no counterpart: Acumatica derives allocations from open orders);
- customer status 1 → ``Active``, 2 (inactive) and 4 (deleted) → ``Inactive``; 3-letter countries → ISO
  2-letter; names split into ``FirstName``/``LastName`` at the first space;
- timestamps (Sage's, from a fixed 2024 epoch, never the clock) → ``LastModifiedDateTime`` in UTC.

Reference data (the tenant's set-up; docs/acumatica.md lists it): currencies USD EUR GBP CAD, customer
classes RETAIL WHOLESALE WEB, the payment methods and cash accounts of :data:`PAYMENT_METHODS` /
:data:`CASH_ACCOUNTS`, and the non-stock items of :data:`NON_STOCK_ITEMS` (``REFUND``: credit memo lines).
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal

from include.sandbox.acumatica.store import (
    AcumaticaStore,
    CashAccount,
    PaymentMethod,
    Reference,
    iso_utc,
    money,
    record_guid,
)
from include.sandbox.sage500.seed import (
    CURRENCIES,
    CUSTOMER_CLASSES,
    GUEST_CUSTOMER_ID,
    SEED_EPOCH,
    WAREHOUSES,
    SeededCustomer,
    SeededItem,
    generate_customers,
    generate_items,
)

#: Cash accounts: (id, description, currency or None for any, active).
CASH_ACCOUNTS = (
    CashAccount("10100", "Operating Cash"),
    CashAccount("10200", "Card Clearing"),
    CashAccount("10250", "PayPal Clearing"),
    CashAccount("10300", "Gift Certificate Clearing"),
    CashAccount("10400", "EUR Bank Account", currency="EUR"),
    CashAccount("10900", "Old Bank Account (closed)", active=False),
)
#: Payment methods and the cash accounts each may use (the first is its default).
PAYMENT_METHODS = (
    PaymentMethod("CREDITCARD", "Credit card through the storefront's gateway", ("10200", "10400")),
    PaymentMethod("PAYPAL", "PayPal", ("10250",)),
    PaymentMethod("CHECK", "Check or purchase order", ("10100", "10900")),
    PaymentMethod("GIFTCERT", "Gift certificate", ("10300",)),
    PaymentMethod("CASH", "Cash (retired)", ("10100",), active=False),
)
#: Non-stock items (services and charges) every tenant here has: (InventoryID, Description).
NON_STOCK_ITEMS = (("REFUND", "Customer refund (credit memo line)"),)
ITEM_STATUS = {1: "Active", 2: "Inactive", 3: "No Purchases"}
CUSTOMER_STATUS = {1: "Active", 2: "Inactive", 3: "One-Time", 4: "Inactive"}
COUNTRY = {"USA": "US", "CAN": "CA", "GBR": "GB"}
__all__ = ["CASH_ACCOUNTS", "GUEST_CUSTOMER_ID", "NON_STOCK_ITEMS", "PAYMENT_METHODS", "SeedSpec", "reference_data", "seed_store"]


@dataclass(frozen=True)
class SeedSpec:
    """The arguments a store was seeded with, so the same tenant can be rebuilt (``/_sandbox/reset``)."""

    seed: int = 42
    items: int = 120
    customers: int = 80
    customer_emails: tuple[str, ...] = ()
    negative_stock: bool = False


#: Taxes (TaxID -> rate in percent) and the ones the customers' tax zone applies automatically: an order sent
#: without its own tax lines comes out taxed at these rates, as Acumatica computes tax unless told not to.
TAXES = {"WEBTAX": Decimal("8.25"), "EXEMPT": Decimal("0")}
AUTOMATIC_TAXES = ("WEBTAX",)
#: Ship vias and the flat freight price Acumatica computes for an order that does not override it.
SHIP_VIA_FREIGHT = {"UPSGROUND": Decimal("9.95"), "FEDEX2DAY": Decimal("19.95"), "USPSPRIORITY": Decimal("7.95"),
                    "PICKUP": Decimal("0")}


def reference_data() -> Reference:
    return Reference(
        warehouses=dict(WAREHOUSES),
        currencies=tuple(code for code, _name, _digits in CURRENCIES),
        customer_classes=tuple(class_id for class_id, _name in CUSTOMER_CLASSES),
        payment_methods={method.method_id: method for method in PAYMENT_METHODS},
        cash_accounts={account.account_id: account for account in CASH_ACCOUNTS},
        taxes=dict(TAXES),
        automatic_taxes=tuple(AUTOMATIC_TAXES),
        ship_via_freight=dict(SHIP_VIA_FREIGHT),
    )


def seed_store(store: AcumaticaStore, *, seed: int = 42, items: int = 120, customers: int = 80,
               customer_emails: Iterable[str] | None = None, negative_stock: bool = False) -> SeedSpec:
    """Replace the store's contents with the deterministic tenant and return the spec used."""
    if items < 0 or customers < 0:
        raise ValueError("items and customers must be >= 0")
    spec = SeedSpec(seed, items, customers, tuple(customer_emails or ()), negative_stock)
    rng = random.Random(seed)
    seeded_items = generate_items(rng, items, negative_stock=negative_stock)
    seeded_customers = generate_customers(rng, customers, spec.customer_emails)
    store.reset()
    store.configure(reference_data())
    store.bulk_load(
        customers=[_customer(person) for person in seeded_customers],
        items=[_item(item) for item in seeded_items],
        stock=[(item.item_id, warehouse, Decimal(on_hand), _stamp(item.updated))
               for item in seeded_items for warehouse, on_hand, _pending in item.stock],
        non_stock_items=[{"id": record_guid("NonStockItem", item_id), "InventoryID": item_id, "Description": text,
                          "ItemStatus": "Active", "DefaultPrice": money(Decimal(0)), "ItemClass": "NONSTOCK",
                          "BaseUOM": "EA", "LastModifiedDateTime": _stamp(SEED_EPOCH)}
                         for item_id, text in NON_STOCK_ITEMS],
    )
    return spec


def _stamp(moment: datetime) -> str:
    return iso_utc(moment.replace(tzinfo=timezone.utc))


def _item(item: SeededItem) -> dict:
    return {
        "id": record_guid("StockItem", item.item_id),
        "InventoryID": item.item_id,
        "Description": item.short_desc,
        "ItemStatus": ITEM_STATUS[item.status],
        "DefaultPrice": money(item.price),
        "ItemClass": "STOCKITEM",
        "BaseUOM": "EA",
        "LastModifiedDateTime": _stamp(item.updated),
    }


def _customer(person: SeededCustomer) -> dict:
    first, _, last = person.name.partition(" ")
    return {
        "id": record_guid("Customer", person.customer_id),
        "CustomerID": person.customer_id,
        "CustomerName": person.name,
        "Status": CUSTOMER_STATUS[person.status],
        "CustomerClass": person.class_id,
        "CurrencyID": "USD",
        "Email": person.email,
        "CreatedDate": _stamp(person.created),
        "LastModifiedDateTime": _stamp(person.updated),
        "MainContact": {
            "DisplayName": person.name,
            "FirstName": first or None,
            "LastName": last or None,
            "Email": person.email,
            "Phone1": person.phone,
            "Address": {
                "AddressLine1": person.street,
                "AddressLine2": person.line2,
                "City": person.city,
                "State": person.state,
                "PostalCode": person.postal_code,
                "Country": COUNTRY.get(person.country, person.country[:2]),
            },
        },
    }
