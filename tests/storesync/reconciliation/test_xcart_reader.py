"""X-Cart documents for the reconciliation: the day's orders, captured payments and refunds, what each order
had captured, lookups by id, and records that cannot be read becoming documents with problems."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

from storesync.systems.xcart import reconcile as xcart_reconcile
from storesync.systems.xcart.adapter import XCartAdapter

START = datetime(2026, 11, 19, tzinfo=timezone.utc)
END = datetime(2026, 11, 20, tzinfo=timezone.utc)
NOON = int(START.timestamp()) + 12 * 3600
NEXT_NOON = NOON + 86_400


BACKEND = ("capture", "refund", "void")


class FakeClient:
    """X-Cart as the readers see it (X-Cart 5's RESTAPI module and payment models): complex orders with
    ``_cnd[date]`` inclusive at both ends; native ``payment-transaction`` (sale/auth; ``_cnd[order]`` is the
    order number; associations on a single GET) and ``payment-backendtransaction`` (read whole, no ``_cnd``;
    its ``payment_transaction`` on a single GET). ``tx`` rows of a backend kind name their ``parent``."""

    page_size = 50

    def __init__(self, orders: list[dict], transactions: list[dict]) -> None:
        self.orders, self.transactions = orders, transactions
        self.queries: list[tuple[str, dict]] = []
        self.finds: list[tuple[str, str]] = []

    def _payments(self):
        return [t for t in self.transactions if t["type"] not in BACKEND]

    def _backends(self):
        return [t for t in self.transactions if t["type"] in BACKEND]

    def _number(self, order_id):
        return next((o.get("orderNumber", str(o["orderId"])) for o in self.orders if o["orderId"] == order_id), None)

    def _native(self, t):
        return {"transaction_id": t["transactionId"], "date": t["date"], "status": t["status"], "value": t["value"],
                "type": t["type"], "method_name": "CreditCard", "method_local_name": t.get("method"),
                "note": "", "public_id": str(t["transactionId"])}

    def _native_backend(self, t):
        return {"id": t["transactionId"], "date": t["date"], "status": t["status"], "value": t["value"],
                "type": {"capture": "capturePart", "refund": "refundPart", "void": "void"}[t["type"]]}

    def iter_records(self, entity: str, *, conditions=None, schema="complex", key_field=None):
        conditions = conditions or {}
        self.queries.append((entity, dict(conditions)))
        if entity == "order":
            for record in self.orders:
                when = record.get("orderDate")
                if "_cnd[date][0]" in conditions and not conditions["_cnd[date][0]"] <= when <= conditions["_cnd[date][1]"]:
                    continue
                yield record
            return
        assert entity == "payment-transaction" and schema is None
        rows = sorted(self._payments(), key=lambda t: t["transactionId"], reverse="_cnd[orderBy][1]" in conditions)
        for t in rows:
            if "_cnd[order]" in conditions and self._number(t["orderId"]) != conditions["_cnd[order]"]:
                continue
            yield self._native(t)

    def request(self, method, path, *, params=None, body=None, schema="complex"):
        assert (method, path, schema, params) == ("GET", "payment-backendtransaction", None, None)
        return [self._native_backend(t) for t in self._backends()], {}

    def find(self, entity: str, record_id, *, schema="complex"):
        self.finds.append((entity, str(record_id)))
        if entity == "order":
            return next((r for r in self.orders if str(r.get("orderId")) == str(record_id)), None)
        if entity == "payment-transaction":
            t = next((t for t in self._payments() if str(t["transactionId"]) == str(record_id)), None)
            if t is None:
                return None
            return {**self._native(t), "order": {"order_id": t["orderId"], "orderNumber": self._number(t["orderId"])},
                    "currency": {"code": t["currency"]},
                    "backend_transactions": [self._native_backend(b) for b in self._backends()
                                             if b.get("parent") == t["transactionId"]]}
        t = next((t for t in self._backends() if str(t["transactionId"]) == str(record_id)), None)
        return None if t is None else {**self._native_backend(t), "payment_transaction": {"transaction_id": t["parent"]}}


def order(order_id: int, total="30.00", status="P", when=NOON, **fields) -> dict:
    return {"orderId": order_id, "orderNumber": f"{order_id:05d}", "total": Decimal(total), "currency": "USD",
            "paymentStatus": status, "paymentMethod": "Credit Card", "orderDate": when, **fields}


def tx(tid: int, order_id: int, kind="sale", status="S", value="30.00", when=NOON, parent=None, **fields) -> dict:
    return {"transactionId": tid, "orderId": order_id, "type": kind, "status": status, "value": Decimal(value),
            "currency": "USD", "method": "Credit Card", "date": when, "parent": parent, **fields}


def adapter(orders, transactions) -> tuple[XCartAdapter, FakeClient]:
    client = FakeClient(orders, transactions)
    return XCartAdapter(conn_id="unused", client=client), client


def test_the_days_orders_carry_total_currency_method_and_what_was_captured():
    shop, _ = adapter([order(1), order(2, status="Q"), order(3, when=NEXT_NOON)],
                      [tx(10, 1, "auth", value="30.00"), tx(11, 1, "capture", value="30.00", when=NEXT_NOON, parent=10)])
    documents = {d.doc_id: d for d in shop.reconcile("order", START, END)}
    assert set(documents) == {"1", "2"}, "orders placed on another day are not the day's"
    first = documents["1"]
    assert (first.date, first.amount, first.currency, first.method) == (date(2026, 11, 19), Decimal("30.00"), "USD",
                                                                       "Credit Card")
    assert first.marked_paid is True and first.paid == Decimal("30.00"), "a capture after the day still counts"
    assert documents["2"].marked_paid is False and documents["2"].paid == Decimal("0.00")


def test_an_order_claiming_payment_with_none_in_the_window_is_asked_about_by_its_number():
    """XLite\\Model\\Repo\\Payment\\Transaction::prepareCndOrder matches the order *number*."""
    shop, client = adapter([order(1)], [tx(11, 1, when=NEXT_NOON + 30 * 86_400)])
    [document] = shop.reconcile("order", START, END)
    assert document.paid == Decimal("30.00")
    assert ("payment-transaction", {"_cnd[order]": "00001"}) in client.queries


def test_an_order_marked_paid_with_nothing_captured_has_paid_zero():
    shop, _ = adapter([order(1)], [tx(11, 1, "sale", status="F")])
    [document] = shop.reconcile("order", START, END)
    assert document.marked_paid and document.paid == Decimal("0.00")
    assert document.status_note == "payment status P"


def test_payments_are_successful_sales_and_captures_and_refunds_are_successful_refunds():
    transactions = [tx(10, 1, "sale"), tx(11, 1, "auth"), tx(12, 1, "capture", value="5.00", parent=11),
                    tx(13, 1, "sale", "F"), tx(14, 1, "sale", "W"), tx(15, 1, "void", parent=11),
                    tx(16, 1, "refund", value="4.00", parent=10), tx(17, 1, "refund", "F", parent=10),
                    tx(18, 1, "sale", when=NEXT_NOON)]
    shop, _ = adapter([order(1)], transactions)
    payments = shop.reconcile("payment", START, END)
    refunds = shop.reconcile("refund", START, END)
    # Captures and refunds are backend transactions: their keys are b<id> (xcart_transactions).
    assert sorted(p.doc_id for p in payments) == ["10", "b12"]
    assert [r.doc_id for r in refunds] == ["b16"]
    first = next(p for p in payments if p.doc_id == "10")
    # The gateway id is a TransactionData cell; the fake serves none here.
    assert (first.order_ref, first.gateway_id, first.store_ref) == ("1", None, "10")
    assert refunds[0].amount == Decimal("4.00") and refunds[0].kind == "refund"


def test_unreadable_records_become_documents_with_the_problem_named():
    broken_order = {"orderId": 5, "currency": "ZZZ", "paymentStatus": "Q", "orderDate": NOON}
    odd_tx = {"transactionId": 20, "orderId": 5, "type": "chargeback", "status": "S", "value": "x", "currency": "USD",
              "date": NOON}
    shop, _ = adapter([broken_order], [odd_tx])
    [document] = shop.reconcile("order", START, END)
    assert document.amount is None and document.currency == "ZZZ"
    assert {p.about for p in document.problems} == {"amount", "currency"}
    assert "field total: the amount is missing" in [str(p) for p in document.problems]
    [payment] = shop.reconcile("payment", START, END)
    assert payment.amount is None
    assert any("'chargeback' is not an X-Cart transaction type" in str(p) for p in payment.problems)


def test_lookups_by_id_read_one_record_each_and_skip_ids_x_cart_cannot_have():
    shop, client = adapter([order(1), order(2)], [tx(10, 1), tx(16, 1, "refund", value="2.00", parent=10)])
    assert [d.doc_id for d in shop.reconcile_by_ref("order", ["2", "abc", "-1", "404"])] == ["2"]
    assert client.finds == [("order", "2"), ("order", "404")]
    assert [d.doc_id for d in shop.reconcile_by_ref("payment", ["10", "b16"])] == ["10"], "a refund is not a payment"
    assert [d.doc_id for d in shop.reconcile_by_ref("refund", ["10", "b16", "16"])] == ["b16"]


def test_the_readers_are_registered_for_every_kind():
    assert set(xcart_reconcile.KIND_TYPES) == {"payment", "refund"}
    from storesync.systems.xcart.adapter import RECONCILE, RECONCILE_BY_REF

    assert set(RECONCILE) == set(RECONCILE_BY_REF) == {"order", "payment", "refund"}
