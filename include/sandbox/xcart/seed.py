"""Deterministic seed data for the X-Cart emulator: products, profiles, complex orders, payment transactions.

Everything derives from ``seed`` and ``end_ts``, so the same arguments always give the same shop. The
products, profiles and orders come from ``random.Random(seed)``; everything added later (profile
``updateDate``/``status``, guest orders that reuse a registered e-mail, extra tracking numbers, payment
transactions) comes from a second stream, ``random.Random(f"xcart-extras:{seed}")``, so the records and
fields that existed before keep their values for a given seed (guest orders reusing an e-mail and partial
shipments aside, which change fields of some orders). Money is computed in integer cents and turned into
``Decimal`` quantized to 0.01, so the contract's invariants hold exactly on every seeded order::

    items[].total = price × amount
    subtotal      = Σ items[].total
    total         = subtotal + shippingCost + taxAmount − discountValue

Names and addresses deliberately include non-ASCII letters and apostrophes (the first two profiles are
always "José Müller" and "Zoë O'Brien") so that encoding and quoting bugs surface downstream.

Realistic cases seeded on purpose:

- logins are unique (trimmed, case-insensitive), so a duplicate customer can only come from a guest
  order: about 10 % of guest orders use a registered profile's e-mail (and name), 40 % of those in
  different letter case (``Jose.Muller1@Example.Com``);
- about 35 % of profiles changed after they were added (``updateDate`` > ``addedDate``), about 3 % are
  disabled (``status`` D);
- ``trackingNumbers`` lists every parcel; about 8 % of tracked orders with three or more items have two
  parcels, and about 30 % of orders in shipping status P with two or more items carry one tracking
  number: a partial shipment (X-Cart has no code for it; complete is S);
- payment transactions match each order's ``paymentStatus`` (orders of 0.00 have none):
  Q: a pending (W) sale for Credit Card/PayPal, nothing for Purchase Order/Gift Certificate;
  A: a successful auth of the total; PP: auth of the total plus a capture of a part (Credit Card/PayPal)
  or a sale of a part; P: a sale of the total, or (30 % of card orders) an auth plus a capture of it,
  5 % of card orders after a declined (F) first attempt, 15 % of PayPal sales settled later than they
  started (``updateDate`` > ``date``), and 4 % of delivered orders with a partial refund (status stays P);
  D: one declined (F) sale; C: an auth plus a void of the total; R: a sale plus a refund of the total.
  Every transaction lies between its order's ``orderDate`` and ``updateDate``; ids ascend with ``date``.
  No seeded value contains 13 or more consecutive digits (card numbers are never stored: ``cardLast4``).
"""

from __future__ import annotations

import base64
import gc
import random
import re
import time
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from include.sandbox.xcart.store import CARD_METHODS, CARRIER_BY_SHIPPING_METHOD, PAYMENT_METHODS, XCartStore

DAY = 86_400

CURRENCY_BY_COUNTRY = {"US": "USD", "CA": "CAD", "GB": "GBP", "DE": "EUR", "FR": "EUR", "IE": "EUR"}
PAYMENT_METHOD_WEIGHTS = (60, 28, 7, 5)
# (name, cost in cents, free above this subtotal in cents or None)
SHIPPING_METHODS = (
    ("UPS Ground", 799, 15_000),
    ("FedEx 2Day", 1_995, None),
    ("USPS Priority", 950, 10_000),
    ("Local Pickup", 0, None),
)
SHIPPING_METHOD_WEIGHTS = (45, 20, 28, 7)
GUEST_SHARE = 0.20
GUEST_WITH_PROFILE_EMAIL_SHARE = 0.10
PROFILE_CHANGED_SHARE = 0.35
PROFILE_DISABLED_SHARE = 0.03

FIRST_NAMES = (
    "Ann", "José", "Zoë", "Liam", "Olivia", "Noah", "Émilie", "Björn", "Siobhán", "François",
    "Łukasz", "Søren", "Ngọc", "Renée", "Chloë", "Mateo", "Aoife", "Jürgen", "Ana María", "D'Arcy",
    "Grace", "Ethan", "Mia", "Lucas", "Sophie", "Oliver", "Amélie", "Kai", "Nadia", "Hugo",
)
LAST_NAMES = (
    "Lee", "Müller", "O'Brien", "García", "Smith", "Nuñez", "D'Angelo", "Johansson", "Dubois",
    "Kowalski", "Nguyễn", "Schröder", "O'Connor", "Brontë", "Øvergaard", "Martínez", "MacLeod",
    "Brown", "Wilson", "Taylor", "Çelik", "Fitzgerald", "Łaska", "St. John", "Van der Berg",
)
FIXED_PROFILE_NAMES = (("José", "Müller"), ("Zoë", "O'Brien"))

STREET_NAMES = (
    "Main St", "Oak Avenue", "Rue de l'Église", "Königstraße", "High Street", "Maple Drive",
    "Calle de Alcalá", "O'Connell Street", "Queen's Road", "Elm Court", "Boulevard Saint-Michel",
)
# country -> [(city, state, zipcode, tax rate in basis points)]
CITIES = {
    "US": [
        ("Portland", "OR", "97201", 0), ("Seattle", "WA", "98101", 1_025), ("Austin", "TX", "78701", 825),
        ("New York", "NY", "10001", 888), ("Boston", "MA", "02108", 625), ("Denver", "CO", "80202", 881),
    ],
    "CA": [("Toronto", "ON", "M5H 2N2", 1_300), ("Montréal", "QC", "H2Y 1C6", 1_498),
           ("Vancouver", "BC", "V6B 1A1", 1_200)],
    "GB": [("London", "", "SW1A 1AA", 2_000), ("Manchester", "", "M1 1AE", 2_000)],
    "DE": [("München", "", "80331", 1_900), ("Köln", "", "50667", 1_900)],
    "FR": [("Saint-Étienne", "", "42000", 2_000), ("Paris", "", "75001", 2_000)],
    "IE": [("Dún Laoghaire", "", "A96 K7W2", 2_300)],
}
COUNTRIES = tuple(CITIES)
COUNTRY_WEIGHTS = (55, 12, 12, 8, 8, 5)
PHONE_PREFIX = {"US": "+1 503 555", "CA": "+1 416 555", "GB": "+44 20 7946", "DE": "+49 89 1234",
                "FR": "+33 1 4020", "IE": "+353 1 555"}

PRODUCT_ADJECTIVES = ("Ergonomic", "Rustic", "Crème", "Deluxe", "Compact", "Artisan", "Nordic",
                      "Vintage", "Smart", "Café", "Heavy-Duty", "Children's")
PRODUCT_NOUNS = ("Widget", "Mug", "Backpack", "Lamp", "Desk Organizer", "Kettle", "Notebook",
                 "Headphones", "Throw Blanket", "Water Bottle", "Chef's Knife", "Planter")
PRICE_BANDS_CENTS = ((299, 4_999), (5_000, 19_999), (20_000, 49_999))
PRICE_BAND_WEIGHTS = (70, 25, 5)
ADMIN_NOTES = ("", "", "", "", "", "Gift wrap requested", "Customer called — leave at the back door",
               "Fraud check passed", "Rush: customer's event on Friday")


@dataclass(frozen=True)
class SeedSpec:
    """The arguments a store was seeded with, ``end_ts`` resolved, so the same shop can be rebuilt."""

    seed: int = 42
    orders: int = 200
    products: int = 120
    profiles: int = 80
    days: int = 30
    end_ts: int | None = None


def default_end_ts() -> int:
    """Now, rounded down to the hour, so reseeding within the same hour yields the same data."""
    return int(time.time()) // 3600 * 3600


def seed_store(
    store: XCartStore,
    *,
    seed: int = 42,
    orders: int = 200,
    products: int = 120,
    profiles: int = 80,
    days: int = 30,
    end_ts: int | None = None,
) -> SeedSpec:
    """Replace the store's contents with a deterministic shop and return the spec used.

    Order and update dates are unix seconds in ``[end_ts - days, end_ts)``; order ids ascend with
    ``orderDate``. Profiles were added before the window, so every order postdates its customer.
    """
    if min(orders, products, profiles) < 0 or days <= 0:
        raise ValueError("sizes must be non-negative and days positive")
    if orders and not products:
        raise ValueError("orders need at least one product")
    spec = SeedSpec(seed, orders, products, profiles, days, default_end_ts() if end_ts is None else end_ts)
    # The cyclic garbage collector would walk the growing heap again and again while millions of small
    # records are built; pause it, then freeze what exists so that no later collection (which could land in
    # the middle of a client's request) walks the seeded shop. Seeded records hold no reference cycles:
    # reference counting frees them when the store is reset.
    collecting = gc.isenabled()
    gc.disable()
    try:
        _seed(store, seed, spec)
    finally:
        if collecting:
            gc.enable()
    gc.freeze()
    return spec


def _seed(store: XCartStore, seed: int, spec: SeedSpec) -> None:
    generator = _ShopGenerator(random.Random(seed), spec)
    product_records = generator.products()
    profile_records = generator.profiles()
    order_records = generator.orders(product_records, profile_records)
    extras = _ExtrasGenerator(random.Random(f"xcart-extras:{seed}"), spec)
    extras.profile_changes(profile_records)
    extras.guests_with_profile_emails(order_records, profile_records)
    extras.extra_tracking_numbers(order_records)
    payment_records = extras.payment_transactions(order_records)
    store.reset()
    store.bulk_load(products=product_records, profiles=profile_records, orders=order_records,
                    payment_transactions=payment_records)


def cents(amount: int) -> Decimal:
    """Integer cents as a Decimal with exactly two decimals."""
    return Decimal(amount).scaleb(-2)


def _ascii_slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(ch for ch in folded.lower() if ch.isalnum())


class _ShopGenerator:
    def __init__(self, rng: random.Random, spec: SeedSpec) -> None:
        self.rng = rng
        self.spec = spec
        self.window_start = spec.end_ts - spec.days * DAY

    def address(self, firstname: str, lastname: str, country: str | None = None) -> dict:
        rng = self.rng
        country = country or rng.choices(COUNTRIES, COUNTRY_WEIGHTS)[0]
        city, state, zipcode, _ = rng.choice(CITIES[country])
        return {
            "firstname": firstname,
            "lastname": lastname,
            "street": f"{rng.randint(1, 9999)} {rng.choice(STREET_NAMES)}",
            "street2": f"Apt {rng.randint(1, 40)}" if rng.random() < 0.2 else "",
            "city": city,
            "state": state,
            "zipcode": zipcode,
            "country": country,
            "phone": f"{PHONE_PREFIX[country]} {rng.randint(0, 9999):04d}",
        }

    def products(self) -> list[dict]:
        rng = self.rng
        records = []
        for product_id in range(1, self.spec.products + 1):
            stock = 0 if rng.random() < 0.05 else rng.randint(1, 500)
            records.append({
                "productId": product_id,
                "sku": f"SKU-{product_id:05d}",
                "name": f"{rng.choice(PRODUCT_ADJECTIVES)} {rng.choice(PRODUCT_NOUNS)}",
                "price": cents(rng.randint(*rng.choices(PRICE_BANDS_CENTS, PRICE_BAND_WEIGHTS)[0])),
                "quantity": stock,
                "amount": stock,
                "enabled": rng.random() >= 0.05,
            })
        return records

    def profiles(self) -> list[dict]:
        rng = self.rng
        records = []
        for profile_id in range(1, self.spec.profiles + 1):
            if profile_id <= len(FIXED_PROFILE_NAMES):
                firstname, lastname = FIXED_PROFILE_NAMES[profile_id - 1]
            else:
                firstname, lastname = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            email = f"{_ascii_slug(firstname)}.{_ascii_slug(lastname)}{profile_id}@example.com"
            billing = self.address(firstname, lastname)
            addresses = [{"addressId": profile_id * 10 + 1, "isBilling": True, "isShipping": True, **billing}]
            if rng.random() < 0.15:
                shipping = self.address(firstname, lastname, billing["country"])
                addresses[0]["isShipping"] = False
                addresses.append({"addressId": profile_id * 10 + 2, "isBilling": False, "isShipping": True,
                                  **shipping})
            added = self.window_start - rng.randint(DAY, 365 * DAY)
            records.append({
                "profileId": profile_id,
                "login": email,
                "email": email,
                "firstname": firstname,
                "lastname": lastname,
                "addresses": addresses,
                "addedDate": added,
                "updateDate": added,  # changed by _ExtrasGenerator.profile_changes
                "status": "E",
            })
        return records

    def orders(self, products: list[dict], profiles: list[dict]) -> list[dict]:
        rng = self.rng
        spec = self.spec
        span = spec.days * DAY
        order_dates = sorted(self.window_start + rng.randrange(span) for _ in range(spec.orders))
        sellable = [p for p in products if p["enabled"]] or products
        catalog = [(p["sku"], p["name"], p["price"], int(p["price"] * 100)) for p in sellable]
        addresses_by_profile = {
            p["profileId"]: (
                next(a for a in p["addresses"] if a["isBilling"]),
                next(a for a in p["addresses"] if a["isShipping"]),
            )
            for p in profiles
        }
        records = []
        item_id = 0
        for order_id, order_date in enumerate(order_dates, start=1):
            if profiles and rng.random() >= GUEST_SHARE:
                profile = rng.choice(profiles)
                customer = {
                    "profileId": profile["profileId"],
                    "login": profile["login"],
                    "email": profile["email"],
                    "firstname": profile["firstname"],
                    "lastname": profile["lastname"],
                    "anonymous": False,
                }
                billing_address, shipping_address = addresses_by_profile[profile["profileId"]]
                billing = _without_address_flags(billing_address)
                shipping = _without_address_flags(shipping_address)
            else:
                firstname, lastname = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                email = f"{_ascii_slug(firstname)}.{_ascii_slug(lastname)}.guest{order_id}@example.net"
                customer = {"profileId": None, "login": email, "email": email, "firstname": firstname,
                            "lastname": lastname, "anonymous": True}
                billing = self.address(firstname, lastname)
                shipping = dict(billing) if rng.random() < 0.85 else self.address(
                    firstname, lastname, billing["country"])

            items = []
            subtotal = 0
            for sku, name, price, price_cents in rng.sample(catalog, min(rng.randint(1, 5), len(catalog))):
                amount = rng.randint(1, 3) if rng.random() < 0.9 else rng.randint(4, 12)
                line_cents = price_cents * amount
                subtotal += line_cents
                item_id += 1
                items.append({"itemId": item_id, "sku": sku, "name": name, "price": price,
                              "amount": amount, "total": cents(line_cents)})

            roll = rng.random()
            if roll < 0.12:
                discount = (subtotal + 5) // 10  # 10 % off, rounded half up to the cent
            elif roll < 0.20:
                discount = min(500, subtotal)
            else:
                discount = 0
            shipping_method, shipping_cents, free_above = rng.choices(SHIPPING_METHODS, SHIPPING_METHOD_WEIGHTS)[0]
            if free_above is not None and subtotal >= free_above:
                shipping_cents = 0
            tax_rate_bp = _tax_rate(shipping["country"], shipping["city"])
            tax = ((subtotal - discount) * tax_rate_bp + 5_000) // 10_000
            total = subtotal + shipping_cents + tax - discount

            country = billing["country"]
            currency = "USD" if rng.random() < 0.1 else CURRENCY_BY_COUNTRY[country]
            payment_status, shipping_status, update_delay = self.statuses(spec.end_ts - order_date)
            if shipping_method == "Local Pickup" and shipping_status == "S":
                shipping_status = "D"
            tracking = (self.tracking_number(shipping_method)
                        if shipping_status in ("S", "D", "R") and shipping_method != "Local Pickup" else None)
            records.append({
                "orderId": order_id,
                "orderNumber": f"{order_id:06d}",
                "total": cents(total),
                "subtotal": cents(subtotal),
                "taxAmount": cents(tax),
                "shippingCost": cents(shipping_cents),
                "discountValue": cents(discount),
                "currency": currency,
                "items": items,
                "shippingStatus": shipping_status,
                "paymentStatus": payment_status,
                "orderDate": order_date,
                "updateDate": min(order_date + update_delay, spec.end_ts - 1),
                "trackingNumber": tracking,
                "trackingNumbers": [] if tracking is None else [
                    {"value": tracking, "carrier": CARRIER_BY_SHIPPING_METHOD[shipping_method]}],
                "adminNotes": rng.choice(ADMIN_NOTES),
                "customerInfo": customer,
                "billingInfo": billing,
                "shippingInfo": shipping,
                "paymentMethod": rng.choices(PAYMENT_METHODS, PAYMENT_METHOD_WEIGHTS)[0],
                "shippingMethod": shipping_method,
            })
        return records

    def statuses(self, age: int) -> tuple[str, str, int]:
        """(paymentStatus, shippingStatus, seconds from orderDate to updateDate) plausible for the age."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.04:
            return "C", "N", rng.randint(600, 2 * DAY)
        if roll < 0.06:
            return "D", "N", rng.randint(5, 120)
        if roll < 0.08 and age > 5 * DAY:
            return "R", rng.choice(("R", "D")), rng.randint(3 * DAY, 5 * DAY)
        if roll < 0.10:
            return "PP", "P", rng.randint(600, DAY)
        if age < 6 * 3600:
            return rng.choice(("Q", "A", "P", "P")), "N", 0 if rng.random() < 0.5 else rng.randint(5, 600)
        if age < 2 * DAY:
            return "P", rng.choice(("N", "P", "P", "S")), rng.randint(600, DAY)
        if age < 6 * DAY:
            return "P", rng.choice(("P", "S", "S", "D")), rng.randint(DAY, 3 * DAY)
        shipping_status = rng.choices(("D", "S", "WND"), (85, 12, 3))[0]
        return "P", shipping_status, rng.randint(DAY, 5 * DAY)

    def tracking_number(self, shipping_method: str) -> str:
        return tracking_number(self.rng, shipping_method)


def tracking_number(rng: random.Random, shipping_method: str) -> str:
    """A carrier-shaped tracking number: UPS 1Z…, FedEx 12 digits, USPS 22 digits starting 9400."""
    if shipping_method == "UPS Ground":
        return f"1Z{rng.randrange(16**6):06X}{rng.randrange(10**10):010d}"
    if shipping_method == "FedEx 2Day":
        return f"{rng.randrange(10**12):012d}"
    return f"9400{rng.randrange(10**18):018d}"


def _tax_rate(country: str, city: str) -> int:
    for candidate_city, _, _, rate in CITIES.get(country, ()):
        if candidate_city == city:
            return rate
    return 0


def _without_address_flags(address: dict) -> dict:
    return {key: value for key, value in address.items()
            if key not in ("addressId", "isBilling", "isShipping")}


_STRIPE_FIX = str.maketrans("+/", "XQ")  # base64 text made alphanumeric, like gateway ids
_LONG_DIGIT_RUN = re.compile(r"[0-9]{8}")


class _ExtrasGenerator:
    """Everything seeded after the first version, from its own random stream (see the module docstring)."""

    def __init__(self, rng: random.Random, spec: SeedSpec) -> None:
        self.rng = rng
        self.spec = spec

    def profile_changes(self, profiles: list[dict]) -> None:
        rng, end_ts = self.rng, self.spec.end_ts
        for profile in profiles:
            added = profile["addedDate"]
            if rng.random() < PROFILE_CHANGED_SHARE:
                profile["updateDate"] = rng.randrange(added + 1, end_ts)
            if profile["profileId"] > len(FIXED_PROFILE_NAMES) and rng.random() < PROFILE_DISABLED_SHARE:
                profile["status"] = "D"
                if profile["updateDate"] == added:
                    profile["updateDate"] = rng.randrange(added + 1, end_ts)

    def guests_with_profile_emails(self, orders: list[dict], profiles: list[dict]) -> None:
        """About 10 % of guest orders check out with a registered profile's e-mail (and name)."""
        rng = self.rng
        if not profiles:
            return
        for order in orders:
            customer = order["customerInfo"]
            if not customer["anonymous"] or rng.random() >= GUEST_WITH_PROFILE_EMAIL_SHARE:
                continue
            profile = rng.choice(profiles)
            email = profile["email"]
            if rng.random() < 0.4:
                email = email.upper() if rng.random() < 0.3 else email.title()
            customer["email"] = customer["login"] = email
            for target in (customer, order["billingInfo"], order["shippingInfo"]):
                target["firstname"], target["lastname"] = profile["firstname"], profile["lastname"]

    def extra_tracking_numbers(self, orders: list[dict]) -> None:
        """Second parcels on some shipped orders; one parcel on some orders still processing (partial)."""
        rng = self.rng
        for order in orders:
            method = order["shippingMethod"]
            carrier = CARRIER_BY_SHIPPING_METHOD.get(method)
            if carrier is None:
                continue
            numbers = order["trackingNumbers"]
            if numbers and len(order["items"]) >= 3 and rng.random() < 0.08:
                numbers.append({"value": tracking_number(rng, method), "carrier": carrier})
            elif not numbers and order["shippingStatus"] == "P" and len(order["items"]) >= 2 and rng.random() < 0.3:
                numbers.append({"value": tracking_number(rng, method), "carrier": carrier})
                order["trackingNumber"] = numbers[0]["value"]

    def gateway_id(self, method: str, tx_type: str) -> str | None:
        """A gateway reference shaped like the method's: Stripe ``ch_3P…``/``re_3P…``, PayPal ``PAYID-M…``."""
        rng = self.rng
        while True:
            if method == "Credit Card":
                prefix = "re_3P" if tx_type in ("refund", "void") else "ch_3P"
                candidate = prefix + base64.b64encode(rng.randbytes(17)).decode()[:22].translate(_STRIPE_FIX)
            elif method == "PayPal":
                candidate = "PAYID-M" + base64.b64encode(rng.randbytes(18)).decode()[:23].upper().translate(_STRIPE_FIX)
            else:
                return None  # offline methods have no gateway
            if not _LONG_DIGIT_RUN.search(candidate):
                return candidate

    def payment_transactions(self, orders: list[dict]) -> list[dict]:
        rng = self.rng
        pending: list[tuple[int, int, int, dict, dict | None]] = []  # (date, orderId, seq, record, parent)
        for order in orders:
            total = int(order["total"].scaleb(2))
            status = order["paymentStatus"]
            if total <= 0 or (status == "PP" and total < 2):
                continue
            order_id, method, currency = order["orderId"], order["paymentMethod"], order["currency"]
            start, end = order["orderDate"], order["updateDate"]
            online = method in ("Credit Card", "PayPal")
            card = f"{rng.randrange(10_000):04d}" if method in CARD_METHODS else None
            first = min(start + rng.randint(1, 90), end)
            made: list[tuple[int, int, dict, dict | None]] = []

            def add(tx_type: str, tx_status: str, amount: int, date: int, *, parent: dict | None = None,
                    updated: int | None = None, last4: str | None = card) -> dict:
                record = {
                    "transactionId": None, "orderId": order_id, "parentTransactionId": None, "type": tx_type,
                    "status": tx_status, "value": cents(amount), "currency": currency, "method": method,
                    "gatewayTransactionId": self.gateway_id(method, tx_type), "cardLast4": last4,
                    "date": date, "updateDate": date if updated is None else updated,
                }
                made.append((date, len(made), record, parent))
                return record

            if status == "Q":
                if online:
                    add("sale", "W", total, first)
            elif status == "A":
                add("auth", "S", total, first)
            elif status == "PP":
                part = rng.randint(max(1, total * 2 // 10), max(1, total * 8 // 10))
                part = min(max(part, 1), total - 1)
                if online:
                    auth = add("auth", "S", total, first)
                    add("capture", "S", part, end, parent=auth)
                else:
                    add("sale", "S", part, first)
            elif status == "P":
                paid_date = first
                if method == "Credit Card" and rng.random() < 0.05:
                    add("sale", "F", total, first, last4=f"{rng.randrange(10_000):04d}")
                    paid_date = min(first + rng.randint(30, 300), end)
                if method == "Credit Card" and rng.random() < 0.3:
                    auth = add("auth", "S", total, paid_date)
                    payment = add("capture", "S", total, max(paid_date, end), parent=auth)
                elif method == "PayPal" and rng.random() < 0.15:
                    payment = add("sale", "S", total, paid_date, updated=end)
                else:
                    payment = add("sale", "S", total, paid_date)
                if order["shippingStatus"] == "D" and total >= 2 and rng.random() < 0.04:
                    item_total = int(rng.choice(order["items"])["total"].scaleb(2))
                    refund = item_total if item_total < total else rng.randint(total // 10 or 1, total // 2 or 1)
                    add("refund", "S", min(max(refund, 1), total - 1), end, parent=payment)
            elif status == "D":
                add("sale", "F", total, first)
            elif status == "C":
                auth = add("auth", "S", total, first)
                add("void", "S", total, end, parent=auth)
            elif status == "R":
                sale = add("sale", "S", total, first)
                add("refund", "S", total, end, parent=sale)
            pending.extend((date, order_id, seq, record, parent) for date, seq, record, parent in made)

        pending.sort(key=lambda entry: (entry[0], entry[1], entry[2]))
        records = []
        for transaction_id, (_, _, _, record, _) in enumerate(pending, start=1):
            record["transactionId"] = transaction_id
            records.append(record)
        for _, _, _, record, parent in pending:
            if parent is not None:
                record["parentTransactionId"] = parent["transactionId"]
        return records
