"""Deterministic seed data for the Intacct sandbox: the same company for the same arguments.

The item master and the customers come from the Sage 500 sandbox's generators
(:func:`include.sandbox.sage500.seed.generate_items` / ``generate_customers``, one ``random.Random(seed)``
drawn in the same order), so for one seed every ERP sandbox holds the same items ``SKU-00001`` … (the X-Cart
emulator's SKUs), descriptions, list prices and stock per warehouse ``MAIN``/``EAST``/``WEST``, and the same
customers (one per storefront e-mail in ``customer_emails`` plus generated ones, and the web guest).

How Sage 500 values become Intacct's: item status 1 → ``active``, 2 and 3 → ``inactive``; every seeded item is
``ITEMTYPE`` ``Inventory`` with its list price as ``BASEPRICE``; on hand per warehouse → ``ITEMWAREHOUSEINFO``
``QTYONHAND`` (negative figures are clamped to 0: a standard company does not allow negative inventory);
customer status 1 → ``active``, the others → ``inactive``; 3-letter countries → ISO 2-letter ``COUNTRYCODE``;
timestamps from the fixed 2024 epoch, never the clock.

Reference data: locations (entities) ``100`` (US) and ``200`` (Canada), warehouses ``MAIN``/``EAST``/``WEST``
in location 100, bank accounts (``FINANCIALENTITY``) ``BOA-OPERATING`` (USD) and ``BOA-EUR`` (EUR),
undeposited funds account ``1010``, departments ``SALES``/``WEB``, the non-inventory item ``SHIPPING``
(freight lines) and ``REFUND`` (credit lines).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from include.sandbox.intacct.store import CompanySettings, CompanyStore, money
from include.sandbox.sage500.seed import SEED_EPOCH, WAREHOUSES, generate_customers, generate_items

LOCATIONS = (("100", "United States"), ("200", "Canada"))
BANK_ACCOUNTS = (("BOA-OPERATING", "Bank of America operating", "USD"), ("BOA-EUR", "Bank of America EUR", "EUR"))
NON_INVENTORY_ITEMS = (("SHIPPING", "Shipping and handling"), ("REFUND", "Customer refund (credit line)"))
COUNTRY = {"USA": "US", "CAN": "CA", "GBR": "GB"}


@dataclass(frozen=True)
class SeedSpec:
    seed: int = 42
    items: int = 120
    customers: int = 80
    customer_emails: tuple[str, ...] = ()


def new_company(companyid: str, spec: SeedSpec, **store_kwargs) -> CompanyStore:
    store = CompanyStore(CompanySettings(companyid), **store_kwargs)
    seed_store(store, spec)
    return store


def seed_store(store: CompanyStore, spec: SeedSpec) -> None:
    """Fill an empty store with the deterministic company (records stamped from the seed epoch)."""
    if spec.items < 0 or spec.customers < 0:
        raise ValueError("items and customers must be >= 0")
    rng = random.Random(spec.seed)
    items = generate_items(rng, spec.items)
    customers = generate_customers(rng, spec.customers, spec.customer_emails)

    def load(obj: str, values: dict, stamp=SEED_EPOCH) -> dict:
        record = store.insert(obj, values)
        record["WHENCREATED"] = stamp if obj != "SODOCUMENT" else stamp.date()
        record["WHENMODIFIED"] = stamp
        return record

    for location_id, name in LOCATIONS:
        load("LOCATION", {"LOCATIONID": location_id, "NAME": name, "STATUS": "active"})
    for warehouse_id, name in WAREHOUSES:
        load("WAREHOUSE", {"WAREHOUSEID": warehouse_id, "NAME": name, "LOCATIONID": "100", "STATUS": "active"})
    for account_id, name, currency in BANK_ACCOUNTS:
        load("CHECKINGACCOUNT", {"BANKACCOUNTID": account_id, "BANKNAME": name, "CURRENCY": currency,
                                 "STATUS": "active"})
    for item_id, name in NON_INVENTORY_ITEMS:
        load("ITEM", {"ITEMID": item_id, "NAME": name, "STATUS": "active", "ITEMTYPE": "Non-Inventory (Sales only)",
                      "BASEPRICE": Decimal("0.00"), "UOMGRP": "Count"})
    for item in items:
        load("ITEM", {"ITEMID": item.item_id, "NAME": item.short_desc, "EXTENDED_DESCRIPTION": item.long_desc,
                      "STATUS": "active" if item.status == 1 else "inactive", "ITEMTYPE": "Inventory",
                      "BASEPRICE": money(item.price), "UOMGRP": "Count"}, item.updated)
        for warehouse_id, on_hand, _pending in item.stock:
            load("ITEMWAREHOUSEINFO", {"ITEMID": item.item_id, "WAREHOUSEID": warehouse_id,
                                       "QTYONHAND": Decimal(max(on_hand, 0)), "QTYONORDER": Decimal(0),
                                       "QTYONHOLD": Decimal(0)}, item.updated)
    for person in customers:
        first, _, last = person.name.partition(" ")
        load("CUSTOMER", {
            "CUSTOMERID": person.customer_id, "NAME": person.name,
            "STATUS": "active" if person.status == 1 else "inactive", "CUSTTYPE": person.class_id,
            "CURRENCY": "USD", "ONHOLD": False, "DISPLAYCONTACT.PRINTAS": person.name,
            "DISPLAYCONTACT.FIRSTNAME": first or None, "DISPLAYCONTACT.LASTNAME": last or None,
            "DISPLAYCONTACT.EMAIL1": person.email, "DISPLAYCONTACT.PHONE1": person.phone,
            "DISPLAYCONTACT.MAILADDRESS.ADDRESS1": person.street,
            "DISPLAYCONTACT.MAILADDRESS.ADDRESS2": person.line2,
            "DISPLAYCONTACT.MAILADDRESS.CITY": person.city, "DISPLAYCONTACT.MAILADDRESS.STATE": person.state,
            "DISPLAYCONTACT.MAILADDRESS.ZIP": person.postal_code,
            "DISPLAYCONTACT.MAILADDRESS.COUNTRYCODE": COUNTRY.get(person.country, person.country[:2]),
        }, person.updated)
    store.forget()
