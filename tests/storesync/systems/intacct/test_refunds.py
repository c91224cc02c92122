"""Storefront refunds become Intacct credit memos for the web order's customer, posted once as AR credits:
against the emulator."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from storesync.mapping.engine import MappingEngine
from storesync.systems.intacct.refunds import load_credit_memos
from tests.storesync.systems.intacct.support import post_orders, staged, web_order

SPEC = Path(__file__).resolve().parents[4] / "plugins/storesync/systems/intacct/mappings/refund_from_canonical.yaml"
ENGINE = MappingEngine.from_file(SPEC)


def refund(source_id: str, order_id: str, amount: str, currency: str = "USD"):
    return source_id, staged(ENGINE.map({"source_system": "xcart", "source_id": source_id, "order_source_id": order_id,
                                  "amount": Decimal(amount), "currency": currency, "reason": "damaged",
                                  "occurred_at": datetime(2026, 11, 5, 8, 0, tzinfo=UTC),
                                  "gateway_transaction_id": f"re_{source_id}"}))


def credit_memos(server) -> list[dict]:
    return [d for d in server.records("SODOCUMENT") if d["DOCPARID"] == "Sales Credit Memo"]


def test_a_refund_becomes_a_credit_memo_for_the_order_s_customer_that_posts_an_ar_credit(client, server):
    """create_sotransaction (OrderEntryTransactionCreate) of the credit definition; posting makes an AR
    adjustment (developer.intacct.com order-entry-transactions "About related OE and AR record numbers")."""
    post_orders(client, web_order("9"), customer_id="C00002")
    [outcome] = load_credit_memos(client, [refund("701", "9", "4.95")])
    [memo] = credit_memos(server)
    assert (outcome.outcome, outcome.target_id) == ("loaded", memo["DOCID"])
    assert (memo["PONUMBER"], memo["CUSTVENDID"], memo["TOTAL"], memo["MESSAGE"]) == ("XR-701", "C00002",
                                                                                      Decimal("4.95"), "re_701")
    assert memo["EXTERNALID"] == "XC-9"
    [credit] = [r for r in server.records("ARADJUSTMENT") if r["RECORDNO"] == memo["PRRECORDKEY"]]
    assert credit["TOTALENTERED"] == Decimal("-4.95")


def test_a_refund_posted_before_is_skipped_and_not_posted_again(client, server):
    post_orders(client, web_order("9"))
    load_credit_memos(client, [refund("701", "9", "4.95")])
    [outcome] = load_credit_memos(client, [refund("701", "9", "4.95")])
    assert outcome.outcome == "skipped" and len(credit_memos(server)) == 1


def test_a_refund_for_an_order_not_in_intacct_is_held_and_one_in_another_currency_goes_to_the_dlq(client, server):
    post_orders(client, web_order("9"))
    outcomes = load_credit_memos(client, [refund("701", "8", "1.00"), refund("702", "9", "1.00", currency="EUR")])
    assert [(o.outcome, o.failed) for o in outcomes] == [("held", ["orderId"]), ("dlq", ["currency"])]
    assert credit_memos(server) == []


def test_a_credit_memo_intacct_refuses_goes_to_the_dlq_with_its_errorno_and_the_others_post(client, server):
    post_orders(client, web_order("1"), web_order("2"))
    outcomes = load_credit_memos(client, [refund("801", "1", "1.00"), refund("802", "2", "-3.00"),
                                          refund("803", "2", "2.00")], options={})
    assert [o.outcome for o in outcomes] == ["loaded", "dlq", "loaded"]
    assert outcomes[1].reason_code == "erp_rejected" and outcomes[1].failed[0] in outcomes[1].detail
    assert sorted(m["PONUMBER"] for m in credit_memos(server)) == ["XR-801", "XR-803"]
