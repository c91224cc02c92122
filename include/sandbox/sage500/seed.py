"""Deterministic seed data for the Sage 500 sandbox.

Same ``seed`` and sizes on a fresh database → the same rows, keys and timestamps (timestamps come from a fixed
base date, never from the clock). What gets created for one company:

- currencies USD EUR GBP CAD in ``tciCurrency`` (shared by all companies, inserted when missing);
- warehouses ``MAIN``, ``EAST``, ``WEST``;
- ship methods in ``tciShipMethod`` (:data:`SHIP_METHODS`: the ids the orders mapping stages);
- GL accounts in ``tglAccount`` (:data:`GL_ACCOUNTS`): cash accounts 1010-00 Operating Cash, 1020-00 PayPal
  Clearing, 1030-00 Card Clearing, 1040-00 EUR Bank (EUR only), an inactive cash account 1090-00, and the
  non-cash 1200-00 Accounts Receivable and 4000-00 Sales, so receipts have somewhere to go and something to
  be refused by;
- customer classes ``RETAIL``, ``WHOLESALE`` and ``WEB`` in ``tarCustClass``;
- ``items`` finished goods ``SKU-00001`` … (the storefront emulator's SKUs), with descriptions, a Decimal
  list price (``StdPrice``) and stock per warehouse in ``timWhseBinInvt``; a few are inactive (2) or
  discontinued (3), none deleted, so storefront orders import;
- stock: every item has a row in every warehouse, on hand 1 … 499 with a small ``PendQtyDecrease``, about one
  row in ten at zero, and always (when there are that many items) ``SKU-00001`` at zero in ``EAST``. With
  ``negative_stock=True``, ``SKU-00002`` is at −3 in ``WEST`` too: Sage 500 lets on-hand go negative when
  shipments are recorded before receipts. It is opt-in because the inventory flow refuses negative stock
  (quality gate → DLQ), so a default negative row would put one item in every run's DLQ.
  ``timWhseBinInvt.UpdateDate`` starts at the item's ``UpdateDate``;
- ``customers`` generated customers (e-mails at example.org, which the storefront emulator does not use) with
  an address and a contact, a few inactive (2) or deleted (4), class ``RETAIL``;
- one customer per address in ``customer_emails`` (active, e-mail stored as given) so storefront customers
  can be matched by e-mail; CustIDs ``C00001`` … continue after the generated customers;
- the guest account ``WEBGUEST`` for orders from unknown customers (class ``WEB``, like the e-mail customers).

Rows go in with multi-row INSERT batches (:func:`.schema.insert_rows`): 10,000 items take a few seconds.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from .dialects import Dialect, get_dialect
from .schema import allocate_keys, insert_rows, link_primary_addresses

GUEST_CUSTOMER_ID = "WEBGUEST"
WAREHOUSES = (("MAIN", "Main Warehouse"), ("EAST", "East Coast Distribution"), ("WEST", "West Coast Distribution"))
#: (ShipMethID, ShipMethDesc): the ship methods the orders mapping stages as DfltShipMethID.
SHIP_METHODS = (("UPSGND", "UPS Ground"), ("FDX2D", "FedEx 2Day"), ("USPSPR", "USPS Priority"),
                ("PICKUP", "Local Pickup"), ("OTHER", "Other carrier"))
CURRENCIES = (("USD", "US Dollar", 2), ("EUR", "Euro", 2), ("GBP", "Pound Sterling", 2), ("CAD", "Canadian Dollar", 2))
LANGUAGE_ENGLISH = 1033  # Sage 500 LanguageID for English (US)
ITEM_TYPE_FINISHED_GOOD = 5
_MONEY, _QTY = Decimal("0.001"), Decimal("0.00000001")  # scales of decimal(15,3) and decimal(16,8)
#: (GLAcctNo, Description, AcctTypeID, Status, CurrID): 101 cash, 120 receivables, 401 sales (sandbox codes).
GL_ACCOUNTS = (
    ("1010-00", "Operating Cash", 101, 1, None),
    ("1020-00", "PayPal Clearing", 101, 1, None),
    ("1030-00", "Card Clearing", 101, 1, None),
    ("1040-00", "EUR Bank Account", 101, 1, "EUR"),
    ("1090-00", "Old Bank Account (closed)", 101, 2, None),
    ("1200-00", "Accounts Receivable", 120, 1, None),
    ("4000-00", "Sales", 401, 1, None),
)
#: (CustClassID, CustClassName).
CUSTOMER_CLASSES = (("RETAIL", "Retail customers"), ("WHOLESALE", "Wholesale customers"), ("WEB", "Web store customers"))
#: Fixed stock rows (item number, warehouse, on hand): a zero every seed has, and the opt-in negative on-hand.
ZERO_STOCK = (1, "EAST", 0)
NEGATIVE_STOCK = (2, "WEST", -3)
#: Fixed origin of every seeded timestamp, so seeding never depends on the clock.
SEED_EPOCH = datetime(2024, 1, 1, 8, 0, 0)

_FIRST = ("Ann", "Ben", "Carla", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Keiko", "Liam",
          "Maya", "Noah", "Olga", "Pedro", "Quinn", "Rosa", "Sam", "Tara", "Uma", "Victor", "Wen", "Yusuf", "Zoe")
_LAST = ("Lee", "Novak", "Garcia", "Patel", "Schmidt", "Okafor", "Kim", "Rossi", "Dubois", "Silva", "Tanaka",
         "Murphy", "Ivanova", "Haddad", "Larsen", "Moreau", "Nguyen", "Brown", "Cohen", "Fischer")
_ADJECTIVES = ("Classic", "Deluxe", "Compact", "Heavy-Duty", "Eco", "Premium", "Mini", "Pro", "Ultra", "Smart",
               "Vintage", "Rugged", "Slim", "Portable", "Modular")
_NOUNS = ("Widget", "Gadget", "Lamp", "Kettle", "Backpack", "Notebook", "Headphones", "Chair", "Mug", "Blender",
          "Toolkit", "Jacket", "Speaker", "Bottle", "Clock", "Drill", "Tent", "Scarf", "Keyboard", "Planter")
_MATERIALS = ("steel", "bamboo", "recycled plastic", "oak", "aluminium", "cotton", "ceramic", "glass", "wool")
_STREETS = ("Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Elm St", "Pine Rd", "Lake Blvd", "Hill St", "Park Ave",
            "River Rd")
# (City, StateID, postal code prefix, CountryID): Sage stores 3-letter country ids.
_CITIES = (("Portland", "OR", "972", "USA"), ("Seattle", "WA", "981", "USA"), ("Austin", "TX", "787", "USA"),
           ("Denver", "CO", "802", "USA"), ("Boston", "MA", "021", "USA"), ("Chicago", "IL", "606", "USA"),
           ("Atlanta", "GA", "303", "USA"), ("Toronto", "ON", "M5V", "CAN"), ("Vancouver", "BC", "V6B", "CAN"),
           ("London", "", "EC1", "GBR"))


class AlreadySeededError(RuntimeError):
    """The company already has items: seeding twice would duplicate natural keys."""


def customer_id(n: int) -> str:
    """CustID of the n-th seeded customer (1-based): ``C00001``."""
    return f"C{n:05d}"


def item_id(n: int) -> str:
    """ItemID of the n-th seeded item (1-based), the storefront emulator's SKU: ``SKU-00001``."""
    return f"SKU-{n:05d}"


def _name_from_email(email: str) -> str:
    """A readable customer name from an e-mail's local part (``ann.lee5@…`` → ``Ann Lee``)."""
    words = [w for w in re.split(r"[._+\-]+", re.sub(r"\d+", "", email.split("@", 1)[0])) if w]
    return (" ".join(w.capitalize() for w in words) or "Web Customer")[:40]


def _stamp(rng: random.Random, max_days: int) -> tuple[datetime, datetime]:
    """(created, updated): a day within ``max_days`` of :data:`SEED_EPOCH`, updated up to 30 days later."""
    created = SEED_EPOCH + timedelta(days=rng.randrange(max_days), seconds=rng.randrange(86400))
    return created, created + timedelta(days=rng.randrange(30), seconds=rng.randrange(86400))


@dataclass(frozen=True)
class SeededItem:
    """One item of the seeded item master, independent of any ERP's tables (the Acumatica sandbox reuses it)."""

    number: int
    item_id: str
    status: int  # 1 active, 2 inactive, 3 discontinued (Sage 500 codes)
    price: Decimal  # list price, at most two decimals
    created: datetime
    updated: datetime
    short_desc: str
    long_desc: str
    stock: tuple[tuple[str, int, int], ...]  # (warehouse id, on hand, pending decrease) per warehouse


@dataclass(frozen=True)
class SeededCustomer:
    """One seeded customer with its primary address and contact (country as a 3-letter id, as Sage stores it)."""

    customer_id: str
    name: str
    email: str | None
    status: int  # 1 active, 2 inactive, 4 deleted (Sage 500 codes)
    class_id: str
    created: datetime
    updated: datetime
    street: str
    line2: str | None
    city: str
    state: str | None
    postal_code: str
    country: str
    phone: str


def generate_items(rng: random.Random, count: int, *, negative_stock: bool = False) -> list[SeededItem]:
    """The item master ``SKU-00001`` … with stock per warehouse, drawn from ``rng`` (see the module docstring)."""
    fixed_stock = (ZERO_STOCK, NEGATIVE_STOCK) if negative_stock else (ZERO_STOCK,)
    result = []
    for n in range(1, count + 1):
        adjective, noun, material = rng.choice(_ADJECTIVES), rng.choice(_NOUNS), rng.choice(_MATERIALS)
        roll = rng.random()
        status = 2 if roll < 0.02 else 3 if roll < 0.05 else 1
        # 1.99 … 499.99, exact, at the column's scale so SQLite's text reads like PostgreSQL's numeric
        price = (Decimal(rng.randrange(199, 50000)) / 100).quantize(_MONEY)
        created, updated = _stamp(rng, 365)
        short = f"{adjective} {noun}"
        stock = []
        for whse, _desc in WAREHOUSES:
            on_hand = 0 if rng.random() < 0.1 else rng.randrange(1, 500)
            pending = min(on_hand, rng.choice((0, 0, 0, 1, 2, 5)))
            fixed = [qty for number, fixed_whse, qty in fixed_stock if number == n and fixed_whse == whse]
            if fixed:  # after the draws, so the random stream (and every other row) stays the same
                on_hand, pending = fixed[0], 0
            stock.append((whse, on_hand, pending))
        result.append(SeededItem(n, item_id(n), status, price, created, updated, short[:40],
                                 f"{short} made of {material}; catalogue item {item_id(n)}"[:255], tuple(stock)))
    return result


def generate_customers(rng: random.Random, count: int, customer_emails: Iterable[str] | None = None
                       ) -> list[SeededCustomer]:
    """``count`` generated customers (class RETAIL), one per distinct address in ``customer_emails`` and
    ``WEBGUEST`` (class WEB), each with an address and a contact drawn from ``rng``."""
    # (CustID, name, e-mail or None, status); generated ones are RETAIL, the rest WEB.
    people: list[tuple[str, str, str | None, int]] = []
    for n in range(1, count + 1):
        first_name, last_name = rng.choice(_FIRST), rng.choice(_LAST)
        roll = rng.random()
        status = 4 if roll < 0.02 else 2 if roll < 0.05 else 1
        email = f"{first_name.lower()}.{last_name.lower()}.c{n}@example.org"
        people.append((customer_id(n), f"{first_name} {last_name}", email, status))
    seen: set[str] = set()
    for email in customer_emails or ():
        email = email.strip()
        if not email or email.lower() in seen:  # one customer per address, first spelling wins
            continue
        seen.add(email.lower())
        people.append((customer_id(len(people) + 1), _name_from_email(email), email, 1))
    people.append((GUEST_CUSTOMER_ID, "Web Guest", None, 1))

    result = []
    for i, (cust_id, name, email, status) in enumerate(people):
        created, updated = _stamp(rng, 365)
        city, state, postal, country = rng.choice(_CITIES)
        street = f"{rng.randrange(1, 9999)} {rng.choice(_STREETS)}"
        line2 = f"Suite {rng.randrange(100, 999)}" if rng.random() < 0.2 else None
        postal_code = f"{postal}{rng.randrange(0, 100):02d}" if country == "USA" else f"{postal} {rng.randrange(1, 9)}AB"
        phone = f"+1 555 {rng.randrange(100, 999)} {rng.randrange(1000, 9999)}"
        result.append(SeededCustomer(cust_id, name, email, status, "RETAIL" if i < count else "WEB", created, updated,
                                     street, line2, city, state or None, postal_code, country, phone))
    return result


def seed_database(conn, dialect: str | Dialect, *, seed: int = 42, items: int = 120, customers: int = 80,
                  company_id: str = "SOA", customer_emails: Iterable[str] | None = None,
                  negative_stock: bool = False) -> dict[str, int]:
    """Fill an empty sandbox company with deterministic data; returns rows created per table.

    ``negative_stock``: also seed the negative on-hand row (:data:`NEGATIVE_STOCK`, see the module docstring).

    Commits on success, rolls back on error. Raises :class:`AlreadySeededError` if the company has items.
    """
    d = get_dialect(dialect)
    if items < 0 or customers < 0:
        raise ValueError("items and customers must be >= 0")
    rng = random.Random(seed)
    cursor = conn.cursor()
    counts: dict[str, int] = {}

    def insert(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        counts[table] = counts.get(table, 0) + insert_rows(cursor, table, columns, rows,
                                                            max_parameters=d.max_parameters)

    try:
        if cursor.execute("SELECT COUNT(*) FROM timItem WHERE CompanyID = ?", company_id).fetchone()[0]:
            raise AlreadySeededError(f"company {company_id} already has items; drop the schema to reseed")

        known = {row[0] for row in cursor.execute("SELECT CurrID FROM tciCurrency").fetchall()}
        insert("tciCurrency", ("CurrID", "CurrName", "DigitsAfterDecimal"),
               [c for c in CURRENCIES if c[0] not in known])

        # Warehouses.
        first = allocate_keys(conn, "timWarehouse", len(WAREHOUSES))
        whse_keys = [first + i for i in range(len(WAREHOUSES))]
        insert("timWarehouse", ("WhseKey", "CompanyID", "WhseID", "Description", "CreateDate", "UpdateDate"),
               [(key, company_id, whse, desc, SEED_EPOCH, SEED_EPOCH)
                for key, (whse, desc) in zip(whse_keys, WAREHOUSES)])

        # Ship methods.
        first = allocate_keys(conn, "tciShipMethod", len(SHIP_METHODS))
        insert("tciShipMethod", ("ShipMethKey", "CompanyID", "ShipMethID", "ShipMethDesc", "CreateDate", "UpdateDate"),
               [(first + i, company_id, ship_meth_id, desc, SEED_EPOCH, SEED_EPOCH)
                for i, (ship_meth_id, desc) in enumerate(SHIP_METHODS)])

        # GL accounts and customer classes.
        first = allocate_keys(conn, "tglAccount", len(GL_ACCOUNTS))
        insert("tglAccount", ("GLAcctKey", "CompanyID", "GLAcctNo", "Description", "AcctTypeID", "Status", "CurrID",
                              "CreateDate", "UpdateDate"),
               [(first + i, company_id, *account, SEED_EPOCH, SEED_EPOCH) for i, account in enumerate(GL_ACCOUNTS)])
        first = allocate_keys(conn, "tarCustClass", len(CUSTOMER_CLASSES))
        class_keys = {class_id: first + i for i, (class_id, _name) in enumerate(CUSTOMER_CLASSES)}
        insert("tarCustClass", ("CustClassKey", "CompanyID", "CustClassID", "CustClassName", "CreateDate", "UpdateDate"),
               [(class_keys[class_id], company_id, class_id, name, SEED_EPOCH, SEED_EPOCH)
                for class_id, name in CUSTOMER_CLASSES])

        # Items, descriptions, stock.
        item_rows, desc_rows, stock_rows = [], [], []
        first = allocate_keys(conn, "timItem", items) if items else 0
        whse_key_by_id = {whse: key for key, (whse, _desc) in zip(whse_keys, WAREHOUSES)}
        for item in generate_items(rng, items, negative_stock=negative_stock):
            key = first + item.number - 1
            item_rows.append((key, company_id, item.item_id, ITEM_TYPE_FINISHED_GOOD, item.status, item.price,
                              item.created, item.updated))
            desc_rows.append((key, LANGUAGE_ENGLISH, item.short_desc, item.long_desc))
            for whse, on_hand, pending in item.stock:
                stock_rows.append((whse_key_by_id[whse], key, Decimal(on_hand).quantize(_QTY),
                                   Decimal(pending).quantize(_QTY), item.updated))
        insert("timItem", ("ItemKey", "CompanyID", "ItemID", "ItemType", "Status", "StdPrice", "CreateDate",
                           "UpdateDate"), item_rows)
        insert("timItemDescription", ("ItemKey", "LanguageID", "ShortDesc", "LongDesc"), desc_rows)
        insert("timWhseBinInvt", ("WhseKey", "ItemKey", "QtyOnHand", "PendQtyDecrease", "UpdateDate"), stock_rows)

        # Customers with their primary address and contact.
        people = generate_customers(rng, customers, customer_emails)
        count = len(people)
        cust_first = allocate_keys(conn, "tarCustomer", count)
        addr_first = allocate_keys(conn, "tciAddress", count)
        cntct_first = allocate_keys(conn, "tciContact", count)
        addresses, contacts, customer_rows = [], [], []
        for i, person in enumerate(people):
            cust_key, addr_key, cntct_key = cust_first + i, addr_first + i, cntct_first + i
            addresses.append((addr_key, person.name, person.street, person.line2, person.city, person.state,
                              person.postal_code, person.country, person.created, person.updated))
            contacts.append((cntct_key, cust_key, person.name, person.email, person.phone, person.created,
                             person.updated))
            customer_rows.append((cust_key, company_id, person.customer_id, person.name, addr_key, cntct_key,
                                  class_keys[person.class_id], person.status, person.created, person.updated))
        insert("tciAddress", ("AddrKey", "AddrName", "AddrLine1", "AddrLine2", "City", "StateID", "PostalCode",
                              "CountryID", "CreateDate", "UpdateDate"), addresses)
        insert("tciContact", ("CntctKey", "CntctOwnerKey", "Name", "EMailAddr", "Phone", "CreateDate", "UpdateDate"),
               contacts)
        insert("tarCustomer", ("CustKey", "CompanyID", "CustID", "CustName", "PrimaryAddrKey", "PrimaryCntctKey",
                               "CustClassKey", "Status", "CreateDate", "UpdateDate"), customer_rows)
        link_primary_addresses(conn)
        conn.commit()
    except Exception:
        conn.rollback()
        raise
    return counts
