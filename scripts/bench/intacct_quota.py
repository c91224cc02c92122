"""g. Intacct quota cost: metered API transactions and HTTP requests per order over a backfill, ours vs naive.

Intacct bills API transactions per month (a create or update per record, a read per page), so what a backfill
costs is a product figure. Both runs read the figures from the emulator's own counters
(``IntacctServer.metering``: ``api_transactions``, ``requests``, ``functions``), never from the client, on a
fresh emulator each:

- **ours**: the orders flow's Intacct half as the pipeline runs it, in batches of the orders flow's
  ``batch_size`` (``storesync.config.conventions``): ``prepare_orders`` (buyers matched by e-mail), the pair's
  mapping, then ``load_orders`` (look-up by reference, SKU check, creates many to a request, paid orders
  converted to invoices) over the production :class:`IntacctClient`.
- **naive**: the client people write first, one function per request (:class:`NaiveClient`): per order the
  buyer's customer by e-mail, the sales order by reference, then its create; a paid order's lines, then its
  invoice. It uses the connector's builders (``prepare_orders``, ``mapped_order_function``,
  ``invoice_function``), and skips the SKU check ours makes (so it is, if anything, cheaper than a faithful one).

Two lines each: no order paid, and 25 % paid (each paid order costs an invoice create and its look-ups). The
orders are canonical web orders drawn from a fixed seed over the emulator's seeded items and customers, 10 % by
buyers Intacct does not know (booked on the guest customer), dated ``ORDERS_PER_DAY`` a day in date order, as a
backfill reads them; every used item gets ample stock in ``MAIN`` so no invoice is refused for quantity.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from scripts.bench.report import Item, intacct_quota_target_met, ratio
from scripts.bench.systems import ROOT

TITLE = "Intacct quota cost (orders backfill)"
TARGET = "≤ 1.1 transactions and ≤ 0.05 requests per order"
UNIT = "transactions/order"
SPEC = ROOT / "plugins" / "storesync" / "systems" / "intacct" / "mappings" / "order_from_canonical.yaml"
ORDERS_PER_DAY = 100
KNOWN_BUYERS = 300
PAID_SHARE = 0.25
FIRST_DAY = datetime(2026, 10, 1, 9, 0, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Cost:
    """One run's figures, from the emulator's meter."""

    orders: int
    transactions: int
    requests: int
    functions: int
    by_function: dict[str, int]
    outcomes: dict[str, int]
    throttled: int = 0
    #: what the client's own meter expected the run to cost (``Function.metered_units``): a cross-check
    client_transactions: int | None = None

    @property
    def transactions_per_order(self) -> float:
        return self.transactions / self.orders

    @property
    def requests_per_order(self) -> float:
        return self.requests / self.orders

    def summary(self) -> dict[str, Any]:
        return {"transactions": self.transactions, "requests": self.requests, "functions": self.functions,
                "transactions per order": round(self.transactions_per_order, 4),
                "requests per order": round(self.requests_per_order, 4),
                "transactions by function": self.by_function, "outcomes": self.outcomes,
                "throttled (429)": self.throttled, "client meter's transactions": self.client_transactions}


# -- the orders -------------------------------------------------------------------------------------------

def buyer_emails(count: int = KNOWN_BUYERS) -> list[str]:
    return [f"buyer{index:04d}@example.com" for index in range(count)]


def canonical_orders(count: int, *, skus: Sequence[str], paid_share: float, seed: int = 7) -> list[tuple[str, dict]]:
    """``count`` canonical web orders (key, ``Order.to_dict()``): 1–3 lines of ``skus``, shipping, no tax or
    discount (the connector does not carry those yet), exactly ``round(count × paid_share)`` paid."""
    from storesync.canonical import Address, CustomerRef, FulfilmentStatus, Order, OrderLine, PaymentStatus

    rng = random.Random(seed)
    emails = buyer_emails()
    paid = set(rng.sample(range(count), round(count * paid_share)))
    orders = []
    for index in range(count):
        source_id = str(100_000 + index)
        known = rng.random() >= 0.10
        email = rng.choice(emails) if known else f"guest{index}@example.net"
        address = Address("Ann Lee", "1 Main St", "", "Springfield", "IL", "62701", "US")
        lines = []
        for number, sku in enumerate(rng.sample(list(skus), rng.randint(1, 3)), start=1):
            quantity, price = Decimal(rng.randint(1, 3)), Decimal(rng.randint(500, 9_999)) / 100
            lines.append(OrderLine(number, sku, f"Item {sku}", quantity, price, quantity * price))
        subtotal = sum((line.line_total for line in lines), Decimal(0))
        shipping = Decimal("4.95")
        placed = FIRST_DAY + timedelta(days=index // ORDERS_PER_DAY, minutes=index % ORDERS_PER_DAY)
        order = Order(source_system="xcart", source_id=source_id, order_number=f"W{source_id}", order_date=placed,
                      updated_at=placed, currency="USD",
                      customer=CustomerRef(str(index), email, "Ann", "Lee", not known),
                      billing_address=address, shipping_address=address, lines=tuple(lines), subtotal=subtotal,
                      shipping_amount=shipping, tax_amount=Decimal(0), discount_amount=Decimal(0),
                      total=subtotal + shipping,
                      payment_status=PaymentStatus.PAID if index in paid else PaymentStatus.PENDING,
                      fulfilment_status=FulfilmentStatus.NEW, payment_method=None, shipping_method=None)
        orders.append((source_id, order.to_dict()))
    return orders


def _staged(record: dict[str, Any]) -> dict[str, Any]:
    """A mapped record as the sync store hands it to a loader (JSON: money and dates as text)."""
    from storesync.store.types import json_default

    return json.loads(json.dumps(record, default=json_default))


# -- the emulator and the clients -------------------------------------------------------------------------

def start_emulator(*, items: int = 60):
    """A fresh in-process emulator knowing the buyers; returns it and the active stocked SKUs orders may use."""
    from include.sandbox.intacct import IntacctServer

    server = IntacctServer(items=items, customers=40, customer_emails=buyer_emails(), sleep=lambda seconds: None)
    server.start()
    company = next(iter(server.companies))
    skus = sorted(row["ITEMID"] for row in server.records("ITEM")
                  if row["STATUS"] == "active" and row["ITEMTYPE"] == "Inventory")
    for sku in skus:  # paid orders are invoiced: no invoice may fail for want of stock
        server.action(company, "set_stock", item=sku, warehouse="MAIN", on_hand=1_000_000)
    server.reset_metering()
    return server, skus


def production_client(server, *, max_functions_per_request: int | None = None):
    """The connector's client on the emulator, as the hook builds it (no budget limiter: one task)."""
    import requests

    from storesync.systems.intacct.client import IntacctClient
    from storesync.systems.intacct.wire import Credentials

    credentials = Credentials(sender_id=server.sender_id, sender_password=server.sender_password,
                              user_id=server.user_id, company_id=next(iter(server.companies)),
                              user_password=server.user_password)
    kwargs = {} if max_functions_per_request is None else {"max_functions_per_request": max_functions_per_request}
    return IntacctClient(requests.Session(), endpoint=server.endpoint, credentials=credentials, **kwargs)


class NaiveClient:
    """One function per request, every time: what a first integration does (the session is still reused)."""

    def __init__(self, server) -> None:
        self._client = production_client(server, max_functions_per_request=1)

    @property
    def inner(self):
        """The underlying client, for the connector's read helpers (at one function per request)."""
        return self._client

    def call(self, function):
        outcome = self._client.execute_one(function)
        if not outcome.ok:
            raise RuntimeError(f"naive client: {function.name} {function.label} failed: {outcome.errors}")
        return outcome


def meter(server, orders: int, outcomes: Counter, client) -> Cost:
    metering = server.metering()
    return Cost(orders=orders, transactions=metering["api_transactions"], requests=metering["requests"],
                functions=metering["functions"], by_function=dict(sorted(metering["by_function"].items())),
                outcomes=dict(sorted(outcomes.items())), throttled=metering["throttled"],
                client_transactions=client.meter.snapshot()["metered_units"])


# -- the two backfills ------------------------------------------------------------------------------------

def run_ours(records: list[tuple[str, dict]], *, batch_size: int, options: dict[str, Any] | None = None) -> Cost:
    from storesync.mapping.engine import MappingEngine
    from storesync.systems.intacct.orders import load_orders, prepare_orders

    options = options or {}
    engine = MappingEngine.from_file(SPEC)
    server, _ = start_emulator()
    try:
        client = production_client(server)
        outcomes: Counter = Counter()
        for start in range(0, len(records), batch_size):
            batch = records[start:start + batch_size]
            contexts = prepare_orders(client, batch, options)
            mapped = [(key, _staged(engine.map(record, contexts[key]))) for key, record in batch]
            outcomes.update(outcome.outcome for outcome in load_orders(client, mapped, options=options))
        return meter(server, len(records), outcomes, client)
    finally:
        server.stop()


def run_naive(records: list[tuple[str, dict]], *, options: dict[str, Any] | None = None) -> Cost:
    from storesync.mapping.engine import MappingEngine
    from storesync.systems.intacct import functions as fn
    from storesync.systems.intacct.loading import as_date
    from storesync.systems.intacct.orders import (
        DOCUMENT_FIELDS,
        invoice_function,
        mapped_order_function,
        order_lines,
        prepare_orders,
        settings_from_options,
    )

    options = options or {}
    settings = settings_from_options(options)
    engine = MappingEngine.from_file(SPEC)
    server, _ = start_emulator()
    try:
        naive = NaiveClient(server)
        outcomes: Counter = Counter()
        for key, record in records:
            context = prepare_orders(naive.inner, [(key, record)], options)[key]  # one customer query
            mapped = _staged(engine.map(record, context))
            reference = mapped["referenceno"]
            found = naive.call(fn.query("SODOCUMENT", DOCUMENT_FIELDS, where=fn.equal_to("PONUMBER", reference),
                                        docparid=settings.transaction_type)).rows()
            if found:
                outcomes["skipped"] += 1
                continue
            docid = naive.call(mapped_order_function(key, mapped, settings)).key
            if mapped.get("_paid"):
                lines = order_lines(naive.inner, [docid]).get(docid, [])  # one query
                order = {"DOCID": docid, "CUSTVENDID": mapped["customerid"], "CURRENCY": mapped["currency"]}
                day = as_date(mapped["datecreated"], record=key, field="orderDate")
                naive.call(invoice_function(order, lines, reference=reference, day=day, settings=settings))
            outcomes["loaded"] += 1
        return meter(server, len(records), outcomes, naive.inner)
    finally:
        server.stop()


# -- the item ---------------------------------------------------------------------------------------------

def measure(orders: int, *, batch_size: int, paid_share: float, say: Callable[[str], None] = print
            ) -> dict[str, Cost]:
    """Ours and naive over the same ``orders`` canonical orders, ``paid_share`` of them paid."""
    server, skus = start_emulator()
    server.stop()
    records = canonical_orders(orders, skus=skus, paid_share=paid_share)
    costs = {}
    for name, run in (("ours", lambda: run_ours(records, batch_size=batch_size)),
                      ("naive", lambda: run_naive(records))):
        started = time.perf_counter()
        costs[name] = run()
        cost = costs[name]
        say(f"  g. {name}, {paid_share:.0%} paid: {cost.transactions:,} transactions, {cost.requests:,} requests "
            f"for {orders:,} orders ({cost.transactions_per_order:.3f} / {cost.requests_per_order:.4f} per order, "
            f"{time.perf_counter() - started:.1f} s)")
    return costs


def run(*, orders: int, say=print) -> Item:
    from storesync.config.conventions import CONVENTIONS

    started = time.perf_counter()
    batch_size = CONVENTIONS["orders"].batch_size
    unpaid = measure(orders, batch_size=batch_size, paid_share=0.0, say=say)
    paid = measure(orders, batch_size=batch_size, paid_share=PAID_SHARE, say=say)
    ours, ours_paid = unpaid["ours"], paid["ours"]
    # The target is per order of a backfill of orders; the paid line is judged against it too, but
    # alone in the details: an invoice is a second document, so 25 % paid cannot cost less than 1.25.
    met = intacct_quota_target_met(ours.transactions_per_order, ours.requests_per_order)
    paid_met = intacct_quota_target_met(ours_paid.transactions_per_order, ours_paid.requests_per_order)
    notes = ["figure and verdict: ours with no order paid; the paid line is judged in the details",
             f"with {PAID_SHARE:.0%} paid each paid order adds its invoice create (a floor of "
             f"{1 + PAID_SHARE:.2f} transactions per order) and ours adds, per order date in a batch, the "
             "invoice, sales order and line look-ups and the invoice creates' request",
             "naive: one function per request (customer, sales order look-up, create; paid: lines, invoice); "
             "it skips the SKU check ours makes",
             f"orders dated {ORDERS_PER_DAY} a day, in date order"]
    not_loaded = {name: cost.outcomes for name, cost in
                  (("ours, unpaid", ours), ("ours, paid", ours_paid), ("naive, unpaid", unpaid["naive"]),
                   ("naive, paid", paid["naive"]))
                  if set(cost.outcomes) != {"loaded"}}
    if not_loaded:
        notes.append(f"not every order was loaded: {not_loaded}")
    return Item(
        key="g", title=TITLE, figure=ours.transactions_per_order, unit=UNIT, target=TARGET, met=met,
        sizes={"orders": orders, "batch size": batch_size, "paid share (second line)": f"{PAID_SHARE:.0%}"},
        details={
            "ours, no order paid": ours.summary(),
            "naive, no order paid": unpaid["naive"].summary(),
            f"ours, {PAID_SHARE:.0%} paid": ours_paid.summary(),
            f"ours, {PAID_SHARE:.0%} paid, against the target": (
                f"{'met' if paid_met else 'MISSED'} ({ours_paid.transactions_per_order:.3f} transactions, "
                f"{ours_paid.requests_per_order:.4f} requests per order)"),
            f"naive, {PAID_SHARE:.0%} paid": paid["naive"].summary(),
            "naive ÷ ours, transactions (unpaid, paid)": (
                f"{ratio(unpaid['naive'].transactions, ours.transactions):.2f}, "
                f"{ratio(paid['naive'].transactions, ours_paid.transactions):.2f}"),
            "naive ÷ ours, requests (unpaid, paid)": (
                f"{ratio(unpaid['naive'].requests, ours.requests):.1f}, "
                f"{ratio(paid['naive'].requests, ours_paid.requests):.1f}"),
        },
        notes=notes, seconds=time.perf_counter() - started,
    )
