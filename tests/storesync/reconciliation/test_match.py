"""Matching the documents of a day: every category, late postings carried forward, bad input as exceptions."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from storesync.reconciliation.match import Carried, lookups_needed, match, number_lines
from storesync.reconciliation.model import (
    CATEGORIES,
    Document,
    Line,
    MatchSettings,
    Problem,
    read_amount,
    read_currency,
)

DAY = date(2026, 11, 19)
NEXT = DAY + timedelta(days=1)
BEFORE = DAY - timedelta(days=1)
SETTINGS = MatchSettings(cash_accounts={"Credit Card": "1030-00", "PayPal": "1020-00"},
                         clearing_accounts=frozenset({"1030-00", "1020-00"}))


# -- documents as the readers make them ---------------------------------------------------------------------

def s_order(oid="12", total="100.00", currency="USD", day=DAY, paid=None, marked_paid=True, **kw) -> Document:
    return Document("storefront", "order", oid, day, Decimal(total) if total is not None else None, currency,
                    store_ref=oid, order_ref=oid, method=kw.pop("method", "Credit Card"), marked_paid=marked_paid,
                    paid=Decimal(total or "0") if paid is None else Decimal(paid), **kw)


def e_order(no="W000000012", sid="12", total="100.00", currency="USD", day=DAY, **kw) -> Document:
    return Document("erp", "order", no, day, Decimal(total) if total is not None else None, currency,
                    store_ref=sid, order_ref=sid, **kw)


def s_pay(tid="55", oid="12", value="100.00", currency="USD", day=DAY, kind="payment", **kw) -> Document:
    return Document("storefront", kind, tid, day, Decimal(value) if value is not None else None, currency,
                    store_ref=tid, order_ref=oid, method=kw.pop("method", "Credit Card"),
                    gateway_id=kw.pop("gateway_id", f"ch_{tid}"), **kw)


def e_pay(no="P000000055", sid="55", value="100.00", currency="USD", day=DAY, kind="payment", **kw) -> Document:
    return Document("erp", kind, no, day, Decimal(value) if value is not None else None, currency,
                    store_ref=sid, order_ref=kw.pop("order_ref", "12"), erp_order_id=kw.pop("so", "W000000012"),
                    method=kw.pop("method", "CREDITCARD"), account=kw.pop("account", "1030-00"),
                    gateway_id=kw.pop("gateway_id", f"ch_{sid}" if sid else None), **kw)


def run(storefront=(), erp=(), *, other_storefront=(), other_erp=(), carried=(), settings=SETTINGS, day=DAY):
    storefront, erp = list(storefront), list(erp)
    result = match(day, storefront_day=[d for d in storefront if d.date in (day, None)],
                   erp_day=[d for d in erp if d.date in (day, None)],
                   storefront_other=[d for d in storefront if d.date not in (day, None)] + list(other_storefront),
                   erp_other=[d for d in erp if d.date not in (day, None)] + list(other_erp),
                   carried=carried, settings=settings)
    return number_lines(result.lines), result.out_of_scope


def statuses(lines: list[Line]) -> dict[str, str]:
    return {line.line_key: line.status for line in lines}


def clean_day() -> tuple[list[Document], list[Document]]:
    storefront = [s_order("12"), s_pay("55", "12"), s_order("13", "20.00", method="PayPal"),
                  s_pay("56", "13", "20.00", method="PayPal"), s_pay("57", "13", "5.00", kind="refund")]
    erp = [e_order("W000000012", "12"), e_pay("P000000055", "55"),
           e_order("W000000013", "13", "20.00"), e_pay("P000000056", "56", "20.00", account="1020-00",
                                                       method="PAYPAL", order_ref="13", so="W000000013"),
           e_pay("R000000057", "57", "5.00", kind="refund", order_ref="13", so="W000000013", account=None)]
    return storefront, erp


# -- matched ------------------------------------------------------------------------------------------------

def test_a_clean_day_is_all_matched_with_both_amounts_and_no_difference():
    lines, out = run(*clean_day())
    assert statuses(lines) == {"order:12": "matched", "order:13": "matched", "payment:55": "matched",
                               "payment:56": "matched", "refund:57": "matched"}
    assert out == []
    order = next(line for line in lines if line.line_key == "order:12")
    assert (order.store_total, order.erp_total, order.difference) == (Decimal("100.00"), Decimal("100.00"), 0)
    assert (order.store_paid, order.erp_received) == (None, None), "money columns belong to the line's kind"
    payment = next(line for line in lines if line.line_key == "payment:56")
    assert (payment.store_paid, payment.erp_received, payment.account, payment.payment_method) == (
        Decimal("20.00"), Decimal("20.00"), "1020-00", "PayPal")
    assert (payment.store_order_id, payment.erp_document_id, payment.erp_sales_order_id) == (
        "13", "P000000056", "W000000013")
    refund = next(line for line in lines if line.line_key == "refund:57")
    assert (refund.store_refunded, refund.erp_credited, refund.account) == (Decimal("5.00"), Decimal("5.00"), "1030-00")


def test_lines_are_numbered_in_kind_then_order_then_document_order():
    lines, _ = run(*clean_day())
    assert [line.line_no for line in lines] == [1, 2, 3, 4, 5]
    assert [line.line_key for line in lines] == ["order:12", "order:13", "payment:55", "payment:56", "refund:57"]


def test_amounts_within_the_tolerance_match_and_beyond_it_do_not():
    storefront, erp = [s_order("12", "100.00")], [e_order(total="100.004")]
    assert statuses(run(storefront, erp)[0]) == {"order:12": "amount_mismatch"}
    loose = MatchSettings(amount_tolerance=Decimal("0.01"))
    assert statuses(run(storefront, erp, settings=loose)[0]) == {"order:12": "matched"}


# -- each exception category --------------------------------------------------------------------------------

def test_a_storefront_order_without_a_sales_order_is_missing_in_erp():
    lines, _ = run([s_order("12")], [])
    [line] = lines
    assert line.status == "missing_in_erp"
    assert (line.store_total, line.erp_total, line.difference) == (Decimal("100.00"), None, Decimal("100.00"))
    assert "storefront order 12" in line.reason and "no ERP sales order" in line.reason


def test_a_storefront_payment_without_a_cash_receipt_is_missing_in_erp():
    lines, _ = run([s_order("12"), s_pay("55", "12")], [e_order()])
    assert statuses(lines)["payment:55"] == "missing_in_erp"


def test_a_refund_without_a_credit_memo_is_its_own_category():
    lines, _ = run([s_order(), s_pay("57", "12", "5.00", kind="refund")], [e_order()])
    line = next(line for line in lines if line.kind == "refund")
    assert line.status == "refund_without_credit_memo"
    assert (line.store_refunded, line.erp_credited, line.difference) == (Decimal("5.00"), None, Decimal("5.00"))


def test_a_sales_order_naming_a_storefront_order_that_does_not_exist_is_missing_in_storefront():
    lines, _ = run([], [e_order("W000099999", "99999")])
    [line] = lines
    assert line.status == "missing_in_storefront"
    assert "names storefront order 99999, which the storefront does not have" in line.reason
    assert (line.erp_total, line.difference, line.store_document_id) == (Decimal("100.00"), Decimal("-100.00"), None)


def test_a_cash_receipt_naming_no_storefront_payment_but_a_web_order_is_missing_in_storefront():
    receipt = e_pay("P000000900", sid=None, gateway_id=None)
    lines, out = run([s_order()], [e_order(), receipt])
    assert statuses(lines)["payment:erp:P000000900"] == "missing_in_storefront"
    assert out == []


def test_different_amounts_are_an_amount_mismatch_with_the_difference():
    lines, _ = run([s_order("12", "100.00")], [e_order(total="110.00")])
    [line] = lines
    assert line.status == "amount_mismatch" and line.difference == Decimal("-10.00")
    assert "a difference of -10.00 USD" in line.reason


def test_different_currencies_are_a_currency_mismatch_without_a_difference():
    lines, _ = run([s_order("12", currency="USD")], [e_order(currency="EUR")])
    [line] = lines
    assert line.status == "currency_mismatch"
    assert (line.currency, line.erp_currency, line.difference) == ("USD", "EUR", None)


def test_a_second_cash_receipt_with_the_same_reference_is_a_duplicate():
    storefront = [s_order(), s_pay("55", "12")]
    erp = [e_order(), e_pay("P000000055", "55"), e_pay("P000000955", "55")]
    lines, _ = run(storefront, erp)
    assert statuses(lines) == {"order:12": "matched", "payment:55": "matched", "payment:erp:P000000955": "duplicate"}
    duplicate = next(line for line in lines if line.status == "duplicate")
    assert (duplicate.erp_received, duplicate.difference, duplicate.store_document_id) == (
        Decimal("100.00"), Decimal("-100.00"), "55")
    assert "already matched with cash receipt P000000055" in duplicate.reason


def test_a_receipt_keyed_by_hand_with_the_gateway_id_is_a_duplicate_of_the_referenced_one():
    keyed = e_pay("0000000777", sid=None, gateway_id="ch_55", order_ref=None, so=None)
    lines, _ = run([s_order(), s_pay("55", "12")], [e_order(), e_pay("P000000055", "55"), keyed])
    assert statuses(lines)["payment:55"] == "matched", "the document with the reference keeps the match"
    assert statuses(lines)["payment:erp:0000000777"] == "duplicate"
    assert "carries its gateway transaction id" in next(l for l in lines if l.status == "duplicate").reason


def test_a_receipt_keyed_by_hand_with_the_gateway_id_alone_is_matched_to_its_payment():
    keyed = e_pay("0000000777", sid=None, gateway_id="ch_55")
    lines, _ = run([s_order(), s_pay("55", "12")], [e_order(), keyed])
    assert statuses(lines) == {"order:12": "matched", "payment:55": "matched"}


def test_two_sales_orders_for_one_storefront_order_are_one_match_and_one_duplicate():
    lines, _ = run([s_order()], [e_order("W000000012"), e_order("W000000112")])
    assert statuses(lines) == {"order:12": "matched", "order:erp:W000000112": "duplicate"}


def test_a_storefront_payment_repeating_a_gateway_transaction_is_a_duplicate():
    storefront = [s_order(total="200.00"), s_pay("55", "12", gateway_id="ch_X"), s_pay("58", "12", gateway_id="ch_X")]
    erp = [e_order(total="200.00"), e_pay("P000000055", "55", gateway_id="ch_X"),
           e_pay("P000000058", "58", gateway_id="ch_X")]
    assert statuses(run(storefront, erp)[0]) == {"order:12": "matched", "payment:55": "matched",
                                                 "payment:58": "duplicate"}


def test_a_storefront_payment_whose_order_does_not_exist_is_a_payment_without_order():
    lines, _ = run([s_pay("55", "404")], [])
    [line] = lines
    assert line.status == "payment_without_order"
    assert "its order 404 does not exist in the storefront" in line.reason


def test_a_payment_naming_no_order_is_a_payment_without_order_even_when_the_erp_has_a_receipt():
    lines, _ = run([s_pay("55", None)], [e_pay("P000000055", "55")])
    assert statuses(lines) == {"payment:55": "payment_without_order"}


def test_an_unidentified_receipt_in_a_web_clearing_account_is_a_payment_without_order():
    receipt = e_pay("0000000901", sid=None, gateway_id="bank-ref-1", order_ref=None, so=None, account="1030-00")
    lines, out = run([], [receipt])
    [line] = lines
    assert line.status == "payment_without_order" and line.line_key == "payment:erp:0000000901"
    assert "web clearing account 1030-00" in line.reason and line.difference == Decimal("-100.00")
    assert out == []


def test_an_order_marked_paid_with_nothing_captured_is_an_order_without_payment():
    lines, _ = run([s_order("12", paid="0", status_note="payment status P")], [e_order()])
    [line] = lines
    assert line.status == "order_without_payment"
    assert "marks order 12 paid (payment status P) but holds no captured payment" in line.reason


def test_an_unpaid_order_that_is_not_marked_paid_is_matched():
    lines, _ = run([s_order("12", paid="0", marked_paid=False)], [e_order()])
    assert statuses(lines) == {"order:12": "matched"}


# -- pending: late postings ------------------------------------------------------------------------------------

def test_a_receipt_posted_the_next_day_is_pending_with_the_days_side_only():
    late = e_pay("P000000055", "55", day=NEXT)
    lines, _ = run([s_order(), s_pay("55", "12")], [e_order()], other_erp=[late])
    payment = next(line for line in lines if line.kind == "payment")
    assert payment.status == "pending"
    assert (payment.store_paid, payment.erp_received, payment.difference) == (Decimal("100.00"), None, Decimal("100.00"))
    assert (payment.erp_document_id, payment.erp_date, payment.pending_since) == ("P000000055", NEXT, DAY)
    assert "dated 2026-11-20, after 2026-11-19" in payment.reason


def test_the_next_day_re_checks_the_carried_line_and_matches_it():
    carried = [Carried("payment", "55", DAY, "12")]
    lines, _ = run([], [e_pay("P000000055", "55")], day=NEXT,
                   other_storefront=[s_pay("55", "12"), s_order("12")], carried=carried)
    assert statuses(lines) == {"payment:55": "matched"}
    [line] = lines
    assert (line.store_paid, line.erp_received, line.pending_since) == (Decimal("100.00"), Decimal("100.00"), DAY)
    assert "was pending since 2026-11-19" in line.reason


def test_a_carried_line_whose_counterpart_is_still_later_stays_pending():
    carried = [Carried("payment", "55", BEFORE, "12")]
    lines, _ = run([], [], other_storefront=[s_pay("55", "12", day=BEFORE), s_order("12", day=BEFORE)],
                   other_erp=[e_pay("P000000055", "55", day=NEXT)], carried=carried)
    [line] = lines
    assert line.status == "pending" and line.pending_since == BEFORE
    assert line.store_paid == Decimal("100.00") and line.erp_received is None


def test_a_carried_line_whose_counterpart_vanished_becomes_an_exception():
    carried = [Carried("payment", "55", BEFORE, "12")]
    lines, _ = run([], [], other_storefront=[s_pay("55", "12", day=BEFORE), s_order("12", day=BEFORE)],
                   carried=carried)
    assert statuses(lines) == {"payment:55": "missing_in_erp"}


def test_an_erp_document_dated_before_its_storefront_document_is_pending_on_the_erp_day():
    lines, _ = run([], [e_pay("P000000055", "55")], other_storefront=[s_pay("55", "12", day=NEXT), s_order()])
    [line] = lines
    assert line.status == "pending"
    assert (line.store_paid, line.erp_received, line.difference) == (None, Decimal("100.00"), Decimal("-100.00"))


def test_a_pair_dated_on_two_days_is_compared_on_the_later_one_without_a_carried_line():
    lines, _ = run([s_pay("55", "12")], [], other_storefront=[s_order(day=BEFORE)],
                   other_erp=[e_pay("P000000055", "55", day=BEFORE)])
    assert statuses(lines) == {"payment:55": "matched"}


# -- bad input --------------------------------------------------------------------------------------------------

def test_a_storefront_order_with_a_missing_total_is_an_amount_exception_with_the_field_named():
    problems: list[Problem] = []
    total = read_amount(None, "total", problems)
    order = Document("storefront", "order", "12", DAY, total, "USD", store_ref="12", order_ref="12",
                     problems=tuple(problems))
    lines, _ = run([order], [])
    [line] = lines
    assert line.status == "amount_mismatch" and line.difference is None
    assert "field total: the amount is missing" in line.reason and "the ERP has no sales order" in line.reason


def test_an_unknown_currency_is_a_currency_exception_naming_the_code():
    problems: list[Problem] = []
    currency = read_currency("ZZZ", "currency", problems)
    order = Document("storefront", "order", "12", DAY, Decimal("10.00"), currency, store_ref="12", order_ref="12",
                     problems=tuple(problems))
    lines, _ = run([order], [e_order(total="10.00")])
    [line] = lines
    assert line.status == "currency_mismatch"
    assert "field currency: 'ZZZ' is not an ISO 4217 currency code" in line.reason


def test_an_erp_amount_that_is_not_a_number_is_an_amount_exception():
    problems: list[Problem] = []
    amount = read_amount("12,50", "TranAmt", problems)
    receipt = Document("erp", "payment", "P000000055", DAY, amount, "USD", store_ref="55", order_ref="12",
                       problems=tuple(problems))
    lines, _ = run([s_order(), s_pay("55", "12", "12.50")], [e_order(), receipt])
    line = next(line for line in lines if line.kind == "payment")
    assert line.status == "amount_mismatch" and line.difference is None
    assert "cash receipt P000000055: field TranAmt: '12,50' is not a number" in line.reason


@pytest.mark.parametrize("value, problem", [
    (None, "the amount is missing"), ("", "the amount is missing"), ("abc", "is not a number"),
    ("NaN", "is not a finite number"), ("1.23456", "more than 4 decimal places"), (True, "is not an amount"),
    ("1e20", "too large"),
])
def test_unreadable_amounts_become_none_with_a_problem(value, problem):
    problems: list[Problem] = []
    assert read_amount(value, "total", problems) is None
    assert problem in str(problems[0]) and problems[0].about == "amount"


def test_readable_amounts_are_exact_decimals_with_cents_when_nothing_is_lost():
    problems: list[Problem] = []
    assert str(read_amount("12.300", "x", problems)) == "12.30"
    assert str(read_amount(Decimal("0.0125"), "x", problems)) == "0.0125"
    assert str(read_amount(7, "x", problems)) == "7.00"
    assert problems == []


def test_erp_documents_with_no_storefront_trace_are_not_the_pairs_and_are_returned_apart():
    own_order = Document("erp", "order", "0000004711", DAY, Decimal("50.00"), "USD")
    own_receipt = e_pay("0000004712", sid=None, gateway_id=None, order_ref=None, so=None, account="1010-00")
    lines, out = run([], [own_order, own_receipt])
    assert lines == [] and [d.doc_id for d in out] == ["0000004711", "0000004712"]


# -- what to fetch ----------------------------------------------------------------------------------------------

def test_lookups_ask_for_counterparts_orders_of_payments_and_carried_documents():
    storefront = [s_order("12"), s_pay("55", "12"), s_pay("56", "404")]
    erp = [e_order("W000000099", "99"), e_pay("P000000060", "60")]
    wanted = lookups_needed(storefront, erp, [Carried("refund", "70", BEFORE, "13")])
    assert wanted.storefront == {"order": {"99", "404", "13"}, "payment": {"60"}, "refund": {"70"}}
    assert wanted.erp == {"order": {"12", "99"}, "payment": {"55", "56", "60"}, "refund": {"70"}}
    assert not wanted.minus(wanted)


def test_every_category_is_reachable_from_the_matching():
    reached = set()
    cases = [
        run([s_order()], [e_order()]), run([s_order()], []), run([], [e_order("W1", "99")]),
        run([s_order()], [e_order(total="1.00")]), run([s_order()], [e_order(currency="EUR")]),
        run([s_order()], [e_order("W1"), e_order("W2")]), run([s_pay("5", "404")], []),
        run([s_order(paid="0")], [e_order()]), run([s_order(), s_pay("5", kind="refund")], [e_order()]),
        run([s_order(), s_pay("5")], [e_order()], other_erp=[e_pay("P5", "5", day=NEXT)]),
    ]
    for lines, _ in cases:
        reached |= {line.status for line in lines}
    # not_posted is the service's: a missing ERP document the DLQ explains (test_service covers it).
    assert reached | {"not_posted"} == set(CATEGORIES)
