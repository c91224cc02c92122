"""Deterministic seed data for the X-Cart emulator: products, customer profiles and complex orders.

Everything derives from one ``random.Random(seed)`` and ``end_ts``, so the same arguments always give
the same shop. Money is computed in integer cents and turned into ``Decimal`` quantized to 0.01, so
the contract's invariants hold exactly on every seeded order::

    items[].total = price × amount
    subtotal      = Σ items[].total
    total         = subtotal + shippingCost + taxAmount − discountValue

Names deliberately include non-ASCII letters and apostrophes (the first two profiles are always
"José Müller" and "Zoë O'Brien") so that encoding and quoting bugs surface downstream.
"""

from __future__ import annotations

import random
import time
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from include.sandbox.xcart.store import XCartStore

DAY = 86_400

CURRENCY_BY_COUNTRY = {"US": "USD", "CA": "CAD", "GB": "GBP", "DE": "EUR", "FR": "EUR", "IE": "EUR"}
PAYMENT_METHODS = ("Credit Card", "PayPal", "Purchase Order", "Gift Certificate")
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
    generator = _ShopGenerator(random.Random(seed), spec)
    product_records = generator.products()
    profile_records = generator.profiles()
    order_records = generator.orders(product_records, profile_records)
    store.reset()
    store.bulk_load(products=product_records, profiles=profile_records, orders=order_records)
    return spec


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
            records.append({
                "profileId": profile_id,
                "login": email,
                "email": email,
                "firstname": firstname,
                "lastname": lastname,
                "addresses": addresses,
                "addedDate": self.window_start - rng.randint(DAY, 365 * DAY),
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
        rng = self.rng
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
