"""Helpers of the Intacct connector's tests: a hand-moved clock, a connection naming the emulator, fast retries."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from include.sandbox.intacct import IntacctServer
from storesync.hooks.retry import RetryPolicy

CONN_ID = "intacct_test"


class FakeClock:
    """The emulator's UTC clock, moved by hand (session timeouts, WHENMODIFIED stamps)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 7, 10, 0, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def connect(monkeypatch, server: IntacctServer, *, user_password: str | None = None,
            sender_password: str | None = None, **extra) -> None:
    """Point the connection ``intacct_test`` at ``server`` (an ``AIRFLOW_CONN_*`` variable, as tasks see it)."""
    extras = {"sender_id": server.sender_id, "sender_password": sender_password or server.sender_password,
              "company_id": next(iter(server.companies)), **extra}
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", json.dumps({
        "conn_type": "intacct", "host": server.endpoint, "login": server.user_id,
        "password": user_password or server.user_password, "extra": extras}))


class Waits(list):
    """A RetryPolicy's sleep that records what it was asked to wait, and can run something while "waiting"."""

    def __init__(self, during=None) -> None:
        super().__init__()
        self.during = during

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
        if self.during is not None:
            self.during()


def fast_retry(waits: Waits | None = None, **kwargs) -> RetryPolicy:
    return RetryPolicy(**{"max_attempts": 3, "base_delay": 0.001, "sleep": waits if waits is not None else Waits(),
                          **kwargs})

def web_order(source_id: str, *lines: tuple[str, str, str], currency: str = "USD"):
    """A canonical web order; lines: (sku, quantity, unit price), one mug when none are given."""
    from decimal import Decimal

    from storesync.canonical import Address, CustomerRef, FulfilmentStatus, Order, OrderLine, PaymentStatus

    address = Address("Ann Lee", "1 Main St", "", "Springfield", "IL", "62701", "US")
    order_lines = tuple(OrderLine(i + 1, sku, f"Item {sku}", Decimal(qty), Decimal(price), Decimal(qty) * Decimal(price))
                        for i, (sku, qty, price) in enumerate(lines or [("SKU-00001", "2", "9.95")]))
    subtotal = sum((line.line_total for line in order_lines), Decimal(0))
    return Order(source_system="xcart", source_id=source_id, order_number=f"W{source_id}",
                 order_date=datetime(2026, 11, 3, 15, 4, 5, tzinfo=timezone.utc),
                 updated_at=datetime(2026, 11, 3, tzinfo=timezone.utc), currency=currency,
                 customer=CustomerRef("7", "ann@example.com", "Ann", "Lee", False), billing_address=address,
                 shipping_address=address, lines=order_lines, subtotal=subtotal, shipping_amount=Decimal(0),
                 tax_amount=Decimal(0), discount_amount=Decimal(0), total=subtotal,
                 payment_status=PaymentStatus.PENDING, fulfilment_status=FulfilmentStatus.NEW, payment_method=None,
                 shipping_method=None)


def post_orders(client, *orders, customer_id: str = "C00001"):
    """Web orders posted as Intacct sales orders (the orders flow's loader), one outcome each."""
    from storesync.systems.intacct.orders import load_sales_orders

    return load_sales_orders(client, orders, customer_id=lambda order: customer_id)


def staged(record):
    """A mapped record as the sync store gives it back to a loader: JSON (money and dates as text)."""
    import json

    from storesync.store.types import json_default

    return json.loads(json.dumps(record, default=json_default))
