"""One reconciliation day end to end with stand-in adapters: the day read through the RECONCILE tables, the
lookups the matching asks for, the sync's dead-letter reason on a missing document, the day stored, the
files published; and a late posting carried into the next day."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from storesync.config.pairs import INCLUDE_DIR, load_pair
from storesync.reconciliation.model import Document, Problem
from storesync.reconciliation.service import publish_day, reconcile_day
from storesync.store.store import SyncStore

DAY = date(2026, 11, 19)
NEXT = DAY + timedelta(days=1)


class Documents:
    """An adapter's reconciliation side over a list of documents (``reconcile`` by date, by reference by id)."""

    def __init__(self, side: str, documents: list[Document]) -> None:
        self.side, self.documents = side, documents
        self.asked: list[tuple[str, list[str]]] = []

    def reconcile(self, kind, day_start, day_end):
        return [d for d in self.documents if d.kind == kind and d.date == day_start.date()]

    def reconcile_by_ref(self, kind, ids):
        self.asked.append((kind, list(ids)))
        key = (lambda d: d.doc_id) if self.side == "storefront" else (lambda d: d.store_ref)
        return [d for d in self.documents if d.kind == kind and key(d) in ids]


def s(kind, doc_id, amount, day=DAY, order="12", **kw):
    return Document("storefront", kind, doc_id, day, Decimal(amount), "USD", store_ref=doc_id, order_ref=order,
                    method="Credit Card", **kw)


def e(kind, doc_id, ref, amount, day=DAY, **kw):
    return Document("erp", kind, doc_id, day, Decimal(amount), "USD", store_ref=ref, order_ref="12", **kw)


@pytest.fixture
def pair(tmp_path):
    from dataclasses import replace

    shipped = load_pair(INCLUDE_DIR / "pairs" / "xcart-sage500.yaml")
    return replace(shipped, reconciliation=replace(shipped.reconciliation, output_dir=str(tmp_path / "out")))


@pytest.fixture
def store(tmp_path):
    store = SyncStore(f"sqlite:///{tmp_path / 'sync.db'}")
    store.create_all()
    return store


def test_a_day_is_read_matched_explained_stored_and_published(pair, store, tmp_path):
    storefront = Documents("storefront", [s("order", "12", "100.00", marked_paid=True, paid=Decimal("100.00")),
                                          s("payment", "55", "100.00"), s("order", "13", "7.00", order="13")])
    erp = Documents("erp", [e("order", "W000000012", "12", "100.00"),
                            e("payment", "P000000055", "55", "100.00", day=NEXT)])
    counts = reconcile_day(pair, DAY, store=store, storefront=storefront, erp=erp, dag_id="d", run_id="r")
    assert counts["by_status"]["matched"] == 1 and counts["by_status"]["pending"] == 1
    assert counts["by_status"]["missing_in_erp"] == 1 and counts["lines"] == 3
    assert ("payment", ["55"]) in erp.asked, "the counterpart dated on another day is looked up"
    lines = {row["line_key"]: row for row in store.reconciliation_lines(pair.name, DAY)}
    assert lines["payment:55"]["status"] == "pending" and lines["payment:55"]["erp_date"] == NEXT

    published = publish_day(pair, DAY, store=store)
    folder = tmp_path / "out" / pair.name / DAY.isoformat()
    assert sorted(p.name for p in folder.iterdir()) == [f"reconciliation__{pair.name}__{DAY}.csv",
                                                        f"reconciliation__{pair.name}__{DAY}.xlsx"]
    assert published["by_status"] == {"matched": 1, "missing_in_erp": 1, "pending": 1}
    assert store.reconciliation_run(pair.name, DAY)["files"] == published["files"]

    next_counts = reconcile_day(pair, NEXT, store=store, storefront=storefront, erp=erp)
    assert next_counts["carried_pending"] == 1
    [line] = store.reconciliation_lines(pair.name, NEXT)
    assert (line["line_key"], line["status"], line["pending_since"]) == ("payment:55", "matched", DAY)


def test_an_order_the_sync_holds_is_not_posted_with_its_amount_in_the_difference(pair, store):
    """Issue 15: held and DLQ'd orders were reported missing_in_erp (or currency_mismatch with no amount), so
    unposted sales dropped out of the difference totals."""
    store.quarantine(pair.name, "orders", "order", "13", stage="load", reason_code="unknown_sku",
                     reason="order 13: field lines[0].sku: SKU 'SKU-99999' unknown to Sage 500", state="held")
    store.quarantine(pair.name, "orders", "order", "14", stage="gate:raw", reason_code="quality:raw",
                     reason="order 14: currency 'XXX' is not an ISO 4217 code")
    bad_currency = Document("storefront", "order", "14", DAY, Decimal("20.00"), "XXX", store_ref="14", order_ref="14",
                            method="Credit Card")
    bad_currency = bad_currency.with_problem(Problem("currency", "'XXX' is not an ISO 4217 currency code", "currency"))
    reconcile_day(pair, DAY, store=store, erp=Documents("erp", []),
                  storefront=Documents("storefront", [s("order", "13", "7.00", order="13"), bad_currency]))
    lines = {row["line_key"]: row for row in store.reconciliation_lines(pair.name, DAY)}
    held, rejected = lines["order:13"], lines["order:14"]
    assert (held["status"], held["difference"]) == ("not_posted", Decimal("7.00"))
    assert "not posted: the orders flow held it" in held["reason"]
    assert "SKU 'SKU-99999' unknown to Sage 500" in held["reason"]
    assert (rejected["status"], rejected["difference"]) == ("not_posted", Decimal("20.00"))
    assert "the orders flow rejected it" in rejected["reason"]


def test_a_payment_without_order_keeps_its_category_and_gets_the_dlq_reason(pair, store):
    store.quarantine(pair.name, "payments", "payment", "55", stage="load", reason_code="no_order",
                     reason="payment 55: order 404 unknown", state="held")
    reconcile_day(pair, DAY, store=store, erp=Documents("erp", []),
                  storefront=Documents("storefront", [s("payment", "55", "9.00", order="404")]))
    [line] = store.reconciliation_lines(pair.name, DAY)
    assert line["status"] == "payment_without_order" and "payments flow held it" in line["reason"]


def test_one_label_per_payment_method_whichever_system_named_it(pair, store):
    """Issue 15: the same method appeared as CREDITCARD (Sage 500's code) and as Credit Card."""
    erp_only = e("payment", "P000000077", None, "30.00", method="CREDITCARD", account="1030-00")
    reconcile_day(pair, DAY, store=store, storefront=Documents("storefront", [s("payment", "55", "10.00")]),
                  erp=Documents("erp", [e("payment", "P000000055", "55", "10.00", method="CREDITCARD"), erp_only]))
    methods = {row["line_key"]: row["payment_method"] for row in store.reconciliation_lines(pair.name, DAY)}
    assert set(methods.values()) == {"Credit Card"}, methods


def test_publishing_a_day_that_was_never_reconciled_fails_clearly(pair, store):
    with pytest.raises(ValueError, match="has not been reconciled yet"):
        publish_day(pair, DAY, store=store)
