"""X-Cart documents for the reconciliation: the day's orders, captured payments and refunds, what each order
had captured, lookups by id, and records that cannot be read becoming documents with problems."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

from storesync.adapters import xcart_reconcile
from storesync.adapters.xcart import XCartAdapter

START = datetime(2026, 11, 19, tzinfo=timezone.utc)
END = datetime(2026, 11, 20, tzinfo=timezone.utc)
NOON = int(START.timestamp()) + 12 * 3600
NEXT_NOON = NOON + 86_400


class FakeClient:
    """``iter_records`` with X-Cart's date and order filters, and ``find`` by id, over records in lists."""

    def __init__(self, orders: list[dict], transactions: list[dict]) -> None:
        self.records = {"order": orders, "payment-transaction": transactions}
        self.queries: list[tuple[str, dict]] = []
        self.finds: list[tuple[str, str]] = []

    def iter_records(self, entity: str, *, conditions=None):
        conditions = conditions or {}
        self.queries.append((entity, dict(conditions)))
        field = "orderDate" if entity == "order" else "date"
        for record in self.records[entity]:
            when = record.get(field)
            if "_cnd[date][0]" in conditions and not conditions["_cnd[date][0]"] <= when < conditions["_cnd[date][1]"]:
                continue
            if "_cnd[orderId]" in conditions and record.get("orderId") != conditions["_cnd[orderId]"]:
                continue
            yield record

    def find(self, entity: str, record_id):
        self.finds.append((entity, str(record_id)))
        key = "orderId" if entity == "order" else "transactionId"
        return next((r for r in self.records[entity] if str(r.get(key)) == str(record_id)), None)


def order(order_id: int, total="30.00", status="P", when=NOON, **fields) -> dict:
    return {"orderId": order_id, "total": Decimal(total), "currency": "USD", "paymentStatus": status,
            "paymentMethod": "Credit Card", "orderDate": when, **fields}


def tx(tid: int, order_id: int, kind="sale", status="S", value="30.00", when=NOON, **fields) -> dict:
    return {"transactionId": tid, "orderId": order_id, "type": kind, "status": status, "value": Decimal(value),
            "currency": "USD", "method": "Credit Card", "gatewayTransactionId": f"ch_{tid}", "date": when, **fields}


def adapter(orders, transactions) -> tuple[XCartAdapter, FakeClient]:
    client = FakeClient(orders, transactions)
    return XCartAdapter(conn_id="unused", client=client), client


def test_the_days_orders_carry_total_currency_method_and_what_was_captured():
    shop, _ = adapter([order(1), order(2, status="Q"), order(3, when=NEXT_NOON)],
                      [tx(10, 1, "auth", value="30.00"), tx(11, 1, "capture", value="30.00", when=NEXT_NOON)])
    documents = {d.doc_id: d for d in shop.reconcile("order", START, END)}
    assert set(documents) == {"1", "2"}, "orders placed on another day are not the day's"
    first = documents["1"]
    assert (first.date, first.amount, first.currency, first.method) == (date(2026, 11, 19), Decimal("30.00"), "USD",
                                                                       "Credit Card")
    assert first.marked_paid is True and first.paid == Decimal("30.00"), "a capture after the day still counts"
    assert documents["2"].marked_paid is False and documents["2"].paid == Decimal("0.00")


def test_an_order_claiming_payment_with_none_in_the_window_is_asked_about_by_id():
    shop, client = adapter([order(1)], [tx(11, 1, when=NEXT_NOON + 30 * 86_400)])
    [document] = shop.reconcile("order", START, END)
    assert document.paid == Decimal("30.00")
    assert ("payment-transaction", {"_cnd[orderId]": 1}) in client.queries


def test_an_order_marked_paid_with_nothing_captured_has_paid_zero():
    shop, _ = adapter([order(1)], [tx(11, 1, "sale", status="F")])
    [document] = shop.reconcile("order", START, END)
    assert document.marked_paid and document.paid == Decimal("0.00")
    assert document.status_note == "payment status P"


def test_payments_are_successful_sales_and_captures_and_refunds_are_successful_refunds():
    transactions = [tx(10, 1, "sale"), tx(11, 1, "auth"), tx(12, 1, "capture", value="5.00"), tx(13, 1, "sale", "F"),
                    tx(14, 1, "sale", "W"), tx(15, 1, "void"), tx(16, 1, "refund", value="4.00"),
                    tx(17, 1, "refund", "F"), tx(18, 1, "sale", when=NEXT_NOON)]
    shop, _ = adapter([order(1)], transactions)
    payments = shop.reconcile("payment", START, END)
    refunds = shop.reconcile("refund", START, END)
    assert [p.doc_id for p in payments] == ["10", "12"]
    assert [r.doc_id for r in refunds] == ["16"]
    assert (payments[0].order_ref, payments[0].gateway_id, payments[0].store_ref) == ("1", "ch_10", "10")
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
    shop, client = adapter([order(1), order(2)], [tx(10, 1), tx(16, 1, "refund", value="2.00")])
    assert [d.doc_id for d in shop.reconcile_by_ref("order", ["2", "abc", "-1", "404"])] == ["2"]
    assert client.finds == [("order", "2"), ("order", "404")]
    assert [d.doc_id for d in shop.reconcile_by_ref("payment", ["10", "16"])] == ["10"], "a refund is not a payment"
    assert [d.doc_id for d in shop.reconcile_by_ref("refund", ["10", "16"])] == ["16"]


def test_the_readers_are_registered_for_every_kind():
    assert set(xcart_reconcile.KIND_TYPES) == {"payment", "refund"}
    from storesync.adapters.xcart import RECONCILE, RECONCILE_BY_REF

    assert set(RECONCILE) == set(RECONCILE_BY_REF) == {"order", "payment", "refund"}
