"""Malformed and adversarial X-Cart orders, for property tests and for end-to-end runs.

Every hostile order starts as a *valid* complex-schema order (X-Cart's Complex.php convertModelOrder,
docs/xcart.md) and is then
mutated one to a few times. A mutation is ``(op, path, value)`` applied by :func:`apply_mutation`:

- ``set``: put a hostile value at a field path (wrong type, huge or control-character text, SQL/XML
  fragments, lone surrogates, mojibake, NaN/Infinity/huge/negative numbers, nested garbage);
- ``drop``: delete the key at the path;
- ``embed``: splice a hostile fragment into the field's existing text (keeps the order plausible);
- ``extra``: add an unknown key with a hostile name and value at the top level or in a nested object;
- ``spray``: splice one hostile fragment into *every* text field and the id at once, so a single order
  reaches every column the gates, the mapping and the ERP see.

Paths cover the order header, its lines, ``customerInfo`` and both addresses, and the containers
themselves (``items``, ``customerInfo``, … replaced wholesale).

The same mutation functions drive two generators:

- :func:`hostile_orders` — Hypothesis strategies (shrinkable), for the property tests;
- :func:`generate_hostile_orders` — a plain ``random.Random(seed)`` generator, for the end-to-end test
  (deterministic without Hypothesis).
"""

from __future__ import annotations

import copy
import random
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Callable, Sequence

from hypothesis import strategies as st

# ----------------------------------------------------------------------------------------- shape

ORDER_SCALARS = (
    "orderId", "orderNumber", "total", "subtotal", "taxAmount", "shippingCost", "discountValue", "currency",
    "shippingStatus", "paymentStatus", "orderDate", "updateDate", "trackingNumber", "adminNotes",
    "paymentMethod", "shippingMethod",
)
ITEM_FIELDS = ("sku", "productId", "name", "price", "quantity")
CUSTOMER_FIELDS = ("profileId", "login", "email", "firstname", "lastname")
ADDRESS_FIELDS = ("country", "state", "city", "address", "firstname", "lastname", "zipcode")
CONTAINERS = ("items", "customerInfo", "billingInfo", "shippingInfo")

Path = tuple  # of str keys and int list indexes

FIELD_PATHS: tuple[Path, ...] = (
    *((name,) for name in ORDER_SCALARS),
    *(("items", index, name) for index in (0, 1) for name in ITEM_FIELDS),
    *(("customerInfo", name) for name in CUSTOMER_FIELDS),
    *((info, name) for info in ("billingInfo", "shippingInfo") for name in ADDRESS_FIELDS),
)
CONTAINER_PATHS: tuple[Path, ...] = (*((name,) for name in CONTAINERS), ("items", 0), ("items", 1))
ALL_PATHS: tuple[Path, ...] = FIELD_PATHS + CONTAINER_PATHS
# Fields whose valid value is text: the ones `embed` splices fragments into.
TEXT_PATHS: tuple[Path, ...] = tuple(
    path for path in FIELD_PATHS
    if path[-1] in {"orderNumber", "currency", "shippingStatus", "paymentStatus", "trackingNumber", "adminNotes",
                    "paymentMethod", "shippingMethod", "sku", "name", "login", "email", "firstname", "lastname",
                    "address", "city", "state", "zipcode", "country"}
)
# Objects an `extra` key can be added to.
OBJECT_PATHS: tuple[Path, ...] = ((), ("customerInfo",), ("billingInfo",), ("shippingInfo",), ("items", 0))

# Every field name a DLQ reason may legitimately name: the X-Cart order's fields, the canonical Order's
# fields and the Sage 500 staging columns.
SOURCE_FIELD_NAMES = frozenset(ORDER_SCALARS + ITEM_FIELDS + CUSTOMER_FIELDS + ADDRESS_FIELDS + CONTAINERS)
CANONICAL_FIELD_NAMES = frozenset({
    "source_id", "order_number", "order_date", "updated_at", "currency", "customer", "billing_address",
    "shipping_address", "lines", "line_no", "sku", "description", "quantity", "unit_price", "line_total",
    "subtotal", "shipping_amount", "tax_amount", "discount_amount", "total", "payment_status",
    "fulfilment_status", "payment_method", "shipping_method", "name", "line1", "line2", "city", "region",
    "postal_code", "country", "email", "first_name", "last_name", "is_guest",
})
TARGET_FIELD_NAMES = frozenset({
    "TranNo", "TranDate", "CustID", "CustPONo", "CurrID", "FreightAmt", "STaxAmt", "TradeDiscAmt", "TranAmt",
    "DfltShipMethID", "DfltWarehouseID", "Status", "Hold", "RequireSOAck", "UserFld1", "SOLineNo", "ItemID",
    "Description", "QtyOrd", "UnitPrice", "ExtAmt", "WarehouseID", "CmntOnly", "ReqCert", "DeliveryMeth",
    *(f"{side}{column}" for side in ("BillTo", "DfltShipTo")
      for column in ("AddrName", "AddrLine1", "AddrLine2", "City", "StateID", "PostalCode", "CountryID")),
})
KNOWN_FIELD_NAMES = SOURCE_FIELD_NAMES | CANONICAL_FIELD_NAMES | TARGET_FIELD_NAMES


def names_a_field(reason: str) -> bool:
    """True when ``reason`` names at least one field of the order, its canonical form or its target rows."""
    import re

    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", reason or ""))
    return bool(words & KNOWN_FIELD_NAMES)


# --------------------------------------------------------------------------------- valid orders

def clean_order(order_id: int | None, *, timestamp: int, skus: Sequence[str] = ("SKU-00001", "SKU-00002"),
                quantities: Sequence[int] = (2, 1), prices: Sequence[str] = ("24.25", "5.00")) -> dict[str, Any]:
    """A valid complex-schema order as X-Cart builds it (Complex.php convertModelOrder): items with
    ``quantity`` and no line total, subtotal = total - shipping, ``date('c')`` dates, addresses with
    ``address``; totals add up, one line per SKU."""
    items = []
    for position, (sku, quantity, price) in enumerate(zip(skus, quantities, prices), start=1):
        price = Decimal(price)
        items.append({"sku": sku, "productId": position, "name": f"Widget {position}", "price": price,
                      "quantity": quantity})
    items_sum = sum((item["price"] * item["quantity"] for item in items), Decimal("0.00"))
    shipping, tax, discount = Decimal("7.99"), Decimal("3.10"), Decimal("1.00")
    total = items_sum + shipping + tax - discount
    person = {"firstname": "Ann", "lastname": "Lee"}
    address = {"country": "US", "state": "OR", "city": "Portland", "address": "1 Main St", **person,
               "zipcode": "97201"}
    date_c = datetime.fromtimestamp(timestamp, timezone(timedelta(hours=-5))).isoformat()
    order = {
        "orderId": order_id, "orderNumber": f"{order_id or 0:06d}", "total": total,
        "subtotal": total - shipping, "taxAmount": tax, "shippingCost": shipping, "discountValue": discount,
        "currency": "USD", "items": items, "shippingStatus": "N", "paymentStatus": "P",
        "orderDate": date_c, "updateDate": date_c, "trackingNumber": "", "adminNotes": "",
        "customerInfo": {"profileId": 5, "login": "ann@example.com", "email": "ann@example.com", **person},
        "billingInfo": dict(address), "shippingInfo": dict(address),
        "paymentMethod": "Credit Card", "shippingMethod": "UPS Ground",
    }
    if order_id is None:
        del order["orderId"], order["orderNumber"]
    return order


# ------------------------------------------------------------------------------ hostile values

SQL_FRAGMENTS = (
    "'; DROP TABLE tsoSalesOrder;--", "' OR '1'='1", "1 OR 1=1", "\\'; EXEC xp_cmdshell('dir');--",
    "Robert'); DELETE FROM StgSalesOrder WHERE ('1'='1", "%' AND 1=0 UNION SELECT CustID FROM tarCustomer --",
    "?", "??", "$1", ":name", "'' ; SELECT pg_sleep(1);--", "/* */", "\";--", "`; SHUTDOWN;",
)
XML_FRAGMENTS = (
    "<![CDATA[", "]]>", "<![CDATA[<b>x</b>]]>", "&lt;", "&amp;lt;", "&#0;", "&#x0;", "<script>alert(1)</script>",
    "<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>", "</order>",
    "<order><orderId>1</orderId></order>", '"><img src=x onerror=alert(1)>',
)
ENCODING_FRAGMENTS = (
    "\ud800", "\udfff", "a\udc80b", "\ud83d", "Zo\u00c3\u00ab", "Stra\u00c3\u0178e", "M\u00c3\u00bcller", "\u00c3\u00a9",
    "\ufffd", "\ufeff", "\u202eevil\u202c", "\u200b", "\u0301", "e\u0301", "\U0001f4a5", "\uffff", "\U0010ffff",
    "caf\xe9", "\xff\xfe",
)
CONTROL_FRAGMENTS = (
    "\x00", "a\x00b", "\r\n", "\n", "\t", "\x1b[31m", "\x07", "\x08", "\x7f", "\x85", "\u2028", "\u2029", "\x0b\x0c",
)
HOSTILE_KEYS = (
    "", " ", "__proto__", "constructor", "orderid", "ORDERID", "order Id", "'; DROP TABLE x;--", "\x00", "\ud800",
    "<![CDATA[", "$where", "items[]", "a.b", "null", "0",
)
SPECIAL_NUMBERS = (
    0, -1, -0.0, 0.0, -1.5, 0.001, 1e-9, 1e308, -1e308, 1.7976931348623157e308, 5e-324, 2**31, 2**63, -(2**63) - 1,
    10**30, -(10**30), 10**400, float("nan"), float("inf"), float("-inf"), Decimal("NaN"), Decimal("Infinity"),
    Decimal("-Infinity"), Decimal("1E+400"), Decimal("-0.001"), Decimal("12.345"), Decimal("0.1") + Decimal("0.2"),
    0.1 + 0.2, True, False,
)
NUMERIC_TEXT = ("12.30", "1e5", "0x10", " 7 ", "1,000.00", "٣", "NaN", "Infinity", "-0", "", " ", "1_000", "+5")
FRAGMENTS = SQL_FRAGMENTS + XML_FRAGMENTS + ENCODING_FRAGMENTS + CONTROL_FRAGMENTS + NUMERIC_TEXT
HUGE_FILLS = ("A", "é", "'", "<", "\x00", "\U0001f4a5", "1", " ", "\ud800", "Ã©")


def huge_text(fill: str, size: int) -> str:
    """At least 10,000 characters."""
    return fill * max(size, 10_000)


def nested_garbage(depth: int, leaf: Any = None) -> Any:
    """``depth`` levels of alternating lists and objects around ``leaf``."""
    value = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"x": value}
    return value


# --------------------------------------------------------------------------- mutation functions


def _parent(order: Any, path: Path) -> tuple[Any, Any] | None:
    """(container, last step) for ``path`` in ``order``, or None when the path no longer exists."""
    current = order
    for step in path[:-1]:
        if isinstance(step, int):
            if not isinstance(current, list) or not -len(current) <= step < len(current):
                return None
        elif not isinstance(current, dict) or step not in current:
            return None
        current = current[step]
    last = path[-1]
    if isinstance(last, int):
        return (current, last) if isinstance(current, list) and -len(current) <= last < len(current) else None
    return (current, last) if isinstance(current, dict) else None


def set_value(order: dict, path: Path, value: Any) -> None:
    found = _parent(order, path)
    if found is not None:
        container, key = found
        container[key] = value


def drop_value(order: dict, path: Path) -> None:
    found = _parent(order, path)
    if found is not None:
        container, key = found
        if isinstance(container, dict):
            container.pop(key, None)
        else:
            del container[key]


def embed_fragment(order: dict, path: Path, fragment: str, where: str = "end") -> None:
    """Splice ``fragment`` into the text at ``path`` (start, middle or end); non-text is replaced by it."""
    found = _parent(order, path)
    if found is None:
        return
    container, key = found
    current = container[key] if not isinstance(container, dict) or key in container else None
    text = current if isinstance(current, str) else ""
    middle = len(text) // 2
    container[key] = {"start": fragment + text, "middle": text[:middle] + fragment + text[middle:]}.get(
        where, text + fragment)


def add_extra_key(order: dict, path: Path, key: str, value: Any) -> None:
    target = order
    if path:
        found = _parent(order, path)
        if found is None:
            return
        container, last = found
        target = container[last] if not isinstance(container, dict) or last in container else None
    if isinstance(target, dict) and key not in ("orderId", "updateDate"):
        target[key] = value


def spray_fragment(order: dict, fragment: str, where: str = "end") -> None:
    for path in TEXT_PATHS:
        embed_fragment(order, path, fragment, where)
    if isinstance(order.get("orderId"), int | str) and not isinstance(order.get("orderId"), bool):
        order["orderId"] = f"{order['orderId']}{fragment}"


MUTATIONS: dict[str, Callable[..., None]] = {
    "set": lambda order, path, value, extra: set_value(order, path, value),
    "drop": lambda order, path, value, extra: drop_value(order, path),
    "embed": lambda order, path, value, extra: embed_fragment(order, path, value, extra or "end"),
    "extra": lambda order, path, value, extra: add_extra_key(order, path, extra, value),
    "spray": lambda order, path, value, extra: spray_fragment(order, value, extra or "end"),
}


def apply_mutation(order: dict, mutation: tuple) -> dict:
    """Apply ``(op, path, value, extra)`` in place and return the order."""
    op, path, value, extra = mutation
    MUTATIONS[op](order, path, value, extra)
    return order


def mutate(order: dict, mutations: Sequence[tuple]) -> dict:
    order = copy.deepcopy(order)
    for mutation in mutations:
        apply_mutation(order, mutation)
    return order


# ------------------------------------------------------------------------ Hypothesis strategies

# Any code point, lone surrogates (category Cs) and control characters included.
any_character = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=())
# The characters that break encoders, hashes and drivers, which `any_character` rarely picks.
nasty_character = st.characters(categories=["Cs", "Cc", "Cf", "Co", "Zl", "Zp"])


def hostile_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(any_character, max_size=30),
        st.text(nasty_character, min_size=1, max_size=8),
        st.sampled_from(FRAGMENTS),
        st.builds(huge_text, st.one_of(st.sampled_from(HUGE_FILLS), any_character), st.integers(10_000, 40_000)),
        st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(any_character, max_size=4)), min_size=1,
                 max_size=5).map("".join),
        st.sampled_from(FRAGMENTS).map(lambda fragment: fragment * 2_000),
    )


def hostile_numbers() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(SPECIAL_NUMBERS),
        st.integers(min_value=-(10**40), max_value=10**40),
        st.floats(allow_nan=True, allow_infinity=True),
        st.decimals(allow_nan=False, allow_infinity=False),
        st.sampled_from(NUMERIC_TEXT),
    )


def hostile_scalars() -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), st.booleans(), hostile_numbers(), hostile_text())


def hostile_values() -> st.SearchStrategy[Any]:
    """Any JSON-like value a broken or malicious storefront could send in place of a field."""
    small = st.one_of(st.none(), st.booleans(), st.sampled_from(SPECIAL_NUMBERS), st.sampled_from(FRAGMENTS),
                      st.text(any_character, max_size=5))
    garbage = st.recursive(
        small,
        lambda children: st.one_of(st.lists(children, max_size=3),
                                   st.dictionaries(st.one_of(st.sampled_from(HOSTILE_KEYS + ITEM_FIELDS),
                                                             st.text(any_character, max_size=5)),
                                                   children, max_size=3)),
        max_leaves=8,
    )
    return st.one_of(
        hostile_scalars(),
        garbage,
        st.builds(nested_garbage, st.integers(1, 60), small),
        st.just([]), st.just({}), st.just([{}]),
    )


def mutations() -> st.SearchStrategy[tuple]:
    return st.one_of(
        st.tuples(st.just("set"), st.sampled_from(ALL_PATHS), hostile_values(), st.none()),
        st.tuples(st.just("drop"), st.sampled_from(ALL_PATHS), st.none(), st.none()),
        st.tuples(st.just("embed"), st.sampled_from(TEXT_PATHS), hostile_text(),
                  st.sampled_from(("start", "middle", "end"))),
        st.tuples(st.just("extra"), st.sampled_from(OBJECT_PATHS), hostile_values(),
                  st.one_of(st.sampled_from(HOSTILE_KEYS), st.text(any_character, max_size=8))),
        st.tuples(st.just("spray"), st.just(()), st.one_of(st.sampled_from(FRAGMENTS), st.text(nasty_character, min_size=1, max_size=3)),
                  st.sampled_from(("start", "middle", "end"))),
    )


def base_orders(timestamp: int = 1_790_000_000) -> st.SearchStrategy[dict]:
    return st.builds(
        lambda order_id, lines, guest: _with_guest(
            clean_order(order_id, timestamp=timestamp, skus=[f"SKU-{n:05d}" for n in range(1, lines + 1)],
                        quantities=[n for n in range(1, lines + 1)], prices=["9.99"] * lines), guest),
        st.integers(1, 10**6), st.integers(1, 3), st.booleans(),
    )


def _with_guest(order: dict, guest: bool) -> dict:
    if guest:  # X-Cart's anonymous checkout profile: its own id, no flag (Complex.php convertModelOrder)
        order["customerInfo"].update(profileId=900_000 + order["customerInfo"]["profileId"])
    return order


def hostile_orders(timestamp: int = 1_790_000_000) -> st.SearchStrategy[dict]:
    """A valid order with one to four hostile mutations, or (rarely) not an object at all."""
    mutated = st.builds(mutate, base_orders(timestamp), st.lists(mutations(), min_size=1, max_size=4))
    return st.one_of(mutated, mutated, mutated, mutated, mutated, mutated, mutated, mutated, hostile_values())


# ----------------------------------------------------------------------- seeded plain generator


def random_text(rng: random.Random) -> str:
    kind = rng.randrange(5)
    if kind == 0:
        return "".join(_random_char(rng) for _ in range(rng.randint(0, 30)))
    if kind == 1:
        return rng.choice(FRAGMENTS)
    if kind == 2:
        return huge_text(rng.choice(HUGE_FILLS), rng.randint(10_000, 40_000))
    if kind == 3:
        return "".join(rng.choice(FRAGMENTS) if rng.random() < 0.6 else _random_char(rng)
                       for _ in range(rng.randint(1, 5)))
    return rng.choice(FRAGMENTS) * 2_000


def _random_char(rng: random.Random) -> str:
    pick = rng.random()
    if pick < 0.3:
        return chr(rng.randint(0, 0x1F))  # control characters, NUL included
    if pick < 0.45:
        return chr(rng.randint(0xD800, 0xDFFF))  # lone surrogates
    if pick < 0.6:
        return chr(rng.randint(0x80, 0xFF))  # latin-1 range (mojibake material)
    return chr(rng.randint(0x20, 0x10FFFF))


def random_number(rng: random.Random) -> Any:
    kind = rng.randrange(5)
    if kind == 0:
        return rng.choice(SPECIAL_NUMBERS)
    if kind == 1:
        return rng.randint(-(10**40), 10**40)
    if kind == 2:
        return rng.choice((-1, 1)) * rng.random() * 10 ** rng.randint(-5, 300)
    if kind == 3:
        return Decimal(rng.randint(-10**9, 10**9)).scaleb(-rng.randint(0, 6))
    return rng.choice(NUMERIC_TEXT)


def random_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(9 if depth < 3 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice((True, False))
    if kind in (2, 3):
        return random_number(rng)
    if kind in (4, 5):
        return random_text(rng)
    if kind == 6:
        return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if kind == 7:
        return {rng.choice(HOSTILE_KEYS + ITEM_FIELDS): random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))}
    return nested_garbage(rng.randint(1, 60), rng.choice((None, 1, "x", [])))


def random_mutation(rng: random.Random) -> tuple:
    op = rng.choice(("set", "set", "drop", "embed", "embed", "extra", "spray"))
    if op == "set":
        return ("set", rng.choice(ALL_PATHS), random_value(rng), None)
    if op == "drop":
        return ("drop", rng.choice(ALL_PATHS), None, None)
    if op == "embed":
        return ("embed", rng.choice(TEXT_PATHS), random_text(rng), rng.choice(("start", "middle", "end")))
    if op == "spray":
        fragment = rng.choice(FRAGMENTS) if rng.random() < 0.7 else "".join(_random_char(rng) for _ in range(2))
        return ("spray", (), fragment, rng.choice(("start", "middle", "end")))
    key = rng.choice(HOSTILE_KEYS) if rng.random() < 0.7 else "".join(_random_char(rng) for _ in range(5))
    return ("extra", rng.choice(OBJECT_PATHS), random_value(rng), key)


def generate_hostile_orders(count: int, *, seed: int, templates: Sequence[dict],
                            keep: Callable[[dict, dict], None] | None = None) -> list[dict]:
    """``count`` hostile orders derived from ``templates`` (valid orders), deterministic for a seed.

    ``keep(template, order)`` may restore fields after mutation (e.g. the timestamps an end-to-end run
    filters on).
    """
    rng = random.Random(seed)
    orders = []
    for _ in range(count):
        template = rng.choice(templates)
        order = mutate(template, [random_mutation(rng) for _ in range(rng.randint(1, 4))])
        if keep is not None:
            keep(template, order)
        orders.append(order)
    return orders
