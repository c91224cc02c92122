"""The document policy every ERP adapter shares: references, the buyer's customer, unknown SKUs, payments
and credit memos against their order, and the wording of each outcome."""

from __future__ import annotations

import pytest

from storesync.adapters import documents
from storesync.adapters.documents import (
    ErpDocument,
    ErpOrder,
    OrderPolicy,
    Settlement,
    assign_customers,
    hold_unknown_skus,
    reference,
    refused,
    split_existing,
    triage_settlements,
)
from storesync.hooks.errors import PermanentRunError


def order(email: str | None) -> dict:
    return {"customer": {"email": email}}


def test_references_carry_the_storefront_id_with_the_kinds_prefix():
    assert [reference(kind, " 45 ") for kind in ("order", "payment", "refund")] == ["XC-45", "XP-45", "XR-45"]
    with pytest.raises(KeyError, match="valid: order, payment, refund"):
        reference("shipment", "1")


def test_order_options_default_like_the_pair_files_and_reach_the_mapping_as_context():
    policy = OrderPolicy.from_options({"hold_threshold": "250.00"})
    assert policy.context() == {"warehouse_id": "MAIN", "hold_threshold": "250.00", "guest_customer_id": "WEBGUEST"}
    assert policy.create_guests is False
    assert OrderPolicy.from_options({"guest_customers": "create"}).create_guests is True


def test_an_unknown_guest_customer_mode_fails_the_run_naming_the_valid_ones():
    with pytest.raises(PermanentRunError, match="'guest_customers': unknown value 'crate'; valid: generic, create"):
        OrderPolicy.from_options({"guest_customers": "crate"})


def test_known_buyers_keep_their_customer_and_unknown_ones_book_on_the_generic_customer():
    records = [("1", order(" Ann@Example.com ")), ("2", order("new@example.com")), ("3", order(None))]
    chosen = assign_customers(records, {"ann@example.com": "C0001"}, OrderPolicy.from_options({}))
    assert chosen == {"1": {"customer_id": "C0001", "new_customer_id": ""},
                      "2": {"customer_id": "WEBGUEST", "new_customer_id": ""},
                      "3": {"customer_id": "WEBGUEST", "new_customer_id": ""}}


def test_creating_guests_gives_one_new_customer_per_email_named_after_its_first_order():
    records = [("17", order("new@example.com")), ("18", order("NEW@example.com")), ("19", order(None)),
               ("x-9", order("other@example.com"))]
    chosen = assign_customers(records, {}, OrderPolicy.from_options({"guest_customers": "create"}))
    assert chosen["17"] == chosen["18"] == {"customer_id": "XG0000000017", "new_customer_id": "XG0000000017"}
    assert chosen["19"] == {"customer_id": "WEBGUEST", "new_customer_id": ""}, "no e-mail: nothing to create"
    assert chosen["x-9"]["customer_id"] == "XGx-9"
    assert all(len(c["customer_id"]) <= documents.NEW_CUSTOMER_ID_LENGTH for c in chosen.values())


def test_an_order_with_skus_the_erp_lacks_is_held_naming_each_line():
    records = [("5", ["A", "NOPE", "B", "GONE"]), ("6", ["A"])]
    held, ready = hold_unknown_skus(records, {"A", "B"}, "Acumatica", lambda skus: skus)
    assert ready == [("6", ["A"])]
    [outcome] = held
    assert (outcome.record_key, outcome.outcome, outcome.reason_code) == ("5", "held", "unknown_sku")
    assert outcome.failed == ["lines[1].sku", "lines[3].sku"]
    assert outcome.detail == ("order 5: field lines[1].sku: SKU 'NOPE', 'GONE' unknown to Acumatica; "
                              "order held until the item exists")


def test_a_document_the_erp_already_has_is_skipped_with_its_number_and_cross_reference():
    found = ErpDocument(number="SO000123", target_id="SO/SO000123", target_ref="SO SO000123")
    skipped, rest = split_existing([("1", "XC-1"), ("2", "XC-2")], lambda ref: ref, {"XC-1": found},
                                   "Acumatica", "sales order")
    assert rest == [("2", "XC-2")]
    [outcome] = skipped
    assert (outcome.outcome, outcome.detail) == ("skipped", "already in Acumatica as sales order SO000123")
    assert (outcome.target_id, outcome.target_ref) == ("SO/SO000123", "SO SO000123")


def test_a_refusal_names_the_fields_once_each_and_keeps_every_problem():
    outcome = refused("7", "order", "Acumatica", "sales order", ["City too long", "City again"],
                      ["shippingInfo.city", "shippingInfo.city"])
    assert outcome.outcome == "dlq" and outcome.reason_code == "erp_rejected"
    assert outcome.detail == ("order 7: field shippingInfo.city: Acumatica sales order refused: City too long; "
                              "City again")
    assert outcome.failed == ["City too long", "City again"]


def settlement(key: str, currency: str = "USD", order_key: str = "XC-45") -> Settlement:
    return Settlement(key=key, reference=f"XP-{key}", order_id="45", order_key=order_key,
                      order_hint=f"sales order with CustomerOrder {order_key}", currency=currency)


def test_payments_are_skipped_held_refused_for_currency_or_ready_in_that_order():
    existing = {"XP-1": ErpDocument("000001", "Payment/000001", "PMT 000001")}
    orders = {"XC-45": ErpOrder(number="SO000045", currency="USD", customer_id="C0001", order_type="SO")}
    items = [settlement("1", currency="EUR"), settlement("2", order_key="XC-99"), settlement("3", currency="EUR"),
             settlement("4", currency=" usd ")]
    outcomes, ready = triage_settlements(items, existing, orders, erp="Acumatica", label="payment", document="payment")
    by_key = {o.record_key: o for o in outcomes}
    assert by_key["1"].outcome == "skipped", "already there wins over any other check"
    held = by_key["2"]
    assert (held.outcome, held.reason_code, held.failed) == ("held", "order_not_in_erp", ["orderId"])
    assert by_key["2"].detail == ("payment 2: field orderId: order 45 (sales order with CustomerOrder XC-99) is not in "
                                  "Acumatica yet; payment held until the orders flow loads it")
    assert (by_key["3"].outcome, by_key["3"].reason_code) == ("dlq", "currency_mismatch")
    assert by_key["3"].detail == ("payment 3: field currency: EUR differs from sales order SO000045 (order 45) in USD; "
                                  "not converted, not posted")
    assert [(item.key, order.number) for item, order in ready] == [("4", "SO000045")]
