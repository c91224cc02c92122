"""Card data scrubbing: Luhn-valid 13–19 digit numbers in text, card keys, and what must stay untouched."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from storesync.privacy import REMOVED, find_card_data, is_card_key, luhn_valid, scrub_card_data

# Well-known test PANs (all Luhn-valid).
VISA, MASTERCARD, AMEX, DISCOVER, VISA_13, UNIONPAY_19 = (
    "4111111111111111", "5500000000000004", "378282246310005", "6011111111111117", "4222222222222",
    "6212345678901265",
)


@pytest.mark.parametrize("digits", [VISA, MASTERCARD, AMEX, DISCOVER, VISA_13, "4012888888881881", "5105105105105100"])
def test_luhn_accepts_test_card_numbers(digits):
    assert luhn_valid(digits)


@pytest.mark.parametrize("digits", ["4111111111111112", "5500000000000005", "378282246310006", "1234567812345678"])
def test_luhn_rejects_near_misses(digits):
    assert not luhn_valid(digits)


@pytest.mark.parametrize(("text", "expected"), [
    (f"card {VISA} thanks", "card [card ****1111] thanks"),
    ("pay with 4111 1111 1111 1111 please", "pay with [card ****1111] please"),
    ("5500-0000-0000-0004", "[card ****0004]"),
    ("Amex 3782-822463-10005.", "Amex [card ****0005]."),
    ("378282246310005", "[card ****0005]"),
    (f"13 digits {VISA_13}", "13 digits [card ****2222]"),
    (f"({VISA})", "([card ****1111])"),
    (f"{VISA}/{MASTERCARD}", "[card ****1111]/[card ****0004]"),
    ("call 503 555 0100 4111 1111 1111 1111", "call 503 [card ****1111]"),  # a card right after a phone number
    ("4111 1111 1111 1111 1234", "[card ****1111] 1234"),
])
def test_card_numbers_in_text_are_masked_keeping_the_last_four(text, expected):
    assert scrub_card_data(text) == expected
    assert find_card_data(scrub_card_data(text)) == []


@pytest.mark.parametrize("text", [
    "4111111111111112",                 # fails Luhn
    "411111111111",                     # 12 digits
    "41111111111111111111",             # 20 digits
    "94001118992238574232",             # a 20-digit tracking number
    "9400111899223857423261",           # 22 digits (USPS)
    "Order 000017, total 123.45 USD",
    "+1 503 555 0100",
    "4111.1111.1111.1111",              # dots are not separators
    "4111  1111  1111  1111",           # neither are double spaces
    "SKU-00012 x 2",
    "٤١١١١١١١١١١١١١١١",                 # non-ASCII digits
    "",
])
def test_other_numbers_are_not_touched(text):
    assert scrub_card_data(text) == text
    assert find_card_data(text) == []


def test_security_codes_written_in_text_lose_their_digits():
    assert scrub_card_data("exp 12/29 CVV: 123") == f"exp 12/29 CVV: {REMOVED}"
    assert scrub_card_data("cvc2 9876 ok") == f"cvc2 {REMOVED} ok"
    assert scrub_card_data("security code #321") == f"security code #{REMOVED}"
    assert scrub_card_data("CVV 12345") == "CVV 12345"  # not a security code
    assert find_card_data("cvv 123") == ["cvv 123"]


@pytest.mark.parametrize(("key", "kind"), [
    ("cardNumber", "number"), ("card_number", "number"), ("CARD-NUMBER", "number"), ("pan", "number"),
    ("PAN", "number"), ("billingCardNumber", "number"), ("cc_number", "number"), ("creditCardNumber", "number"),
    ("cvv", "secret"), ("CVV2", "secret"), ("cvc", "secret"), ("securityCode", "secret"),
    ("card_security_code", "secret"), ("track2", "secret"),
    ("cardType", None), ("cardHolder", None), ("last4", None), ("panel", None), ("company", None),
    ("transactionId", None), ("orderId", None), ("paymentMethod", None), (7, None),
])
def test_card_keys(key, kind):
    assert is_card_key(key) == kind


def test_card_keys_lose_their_values_and_card_numbers_keep_the_last_four():
    record = {"paymentInfo": {"cardNumber": "4111 1111 1111 1111", "cvv": "123", "CVV2": 987, "pan": 5500000000000004,
                              "securityCode": "4321", "cardType": "VISA", "last4": "1111", "transactionId": "ch_3N9"},
              "card_number": {"nested": VISA}, "cvc": None, "Pan": ""}
    assert scrub_card_data(record) == {
        "paymentInfo": {"cardNumber": "[removed ****1111]", "cvv": REMOVED, "CVV2": REMOVED, "pan": "[removed ****0004]",
                        "securityCode": REMOVED, "cardType": "VISA", "last4": "1111", "transactionId": "ch_3N9"},
        "card_number": REMOVED, "cvc": None, "Pan": "",
    }


def test_nested_structures_are_scrubbed_and_the_input_is_not_modified():
    order = {
        "orderId": 17, "orderNumber": "000017", "total": Decimal("123.45"), "subtotal": Decimal("110.00"),
        "orderDate": 1731000000, "adminNotes": f"customer read out {VISA} on the phone",
        "items": [{"itemId": 1, "sku": "SKU-00012", "price": Decimal("55.00"), "amount": 2, "name": "Widget"}],
        "billingInfo": {"street": "1 Main St", "street2": f"PAN {MASTERCARD}", "phone": "+1 503 555 0100"},
        "customerInfo": {"firstname": AMEX, "profileId": 5},
        "payments": [{"cards": [{"cardNumber": DISCOVER}]}, (f"x {VISA}",)],
        f"key {VISA}": "keys are text too",
    }
    before = copy.deepcopy(order)
    scrubbed = scrub_card_data(order)
    assert order == before, "the input must not change"
    assert scrubbed["adminNotes"] == "customer read out [card ****1111] on the phone"
    assert scrubbed["billingInfo"] == {"street": "1 Main St", "street2": "PAN [card ****0004]", "phone": "+1 503 555 0100"}
    assert scrubbed["customerInfo"] == {"firstname": "[card ****0005]", "profileId": 5}
    assert scrubbed["payments"] == [{"cards": [{"cardNumber": "[removed ****1117]"}]}, ("x [card ****1111]",)]
    assert scrubbed["key [card ****1111]"] == "keys are text too"
    for name in ("orderId", "orderNumber", "total", "subtotal", "orderDate", "items"):
        assert scrubbed[name] == order[name], name
    assert scrubbed["items"] is not order["items"], "a deep copy"
    assert find_card_data(repr(scrubbed)) == []


def test_totals_ids_and_other_numbers_are_untouched():
    values = [17, 0, -1, 1731000000, 411111111111, Decimal("4111111111111111"), 4111111111111112, True, None, 1.5,
              10**400, Decimal("NaN"), 41111111111111111111]
    assert scrub_card_data(values) == values


def test_a_card_number_as_a_json_number_is_masked():
    assert scrub_card_data({"note": 4111111111111111}) == {"note": "[card ****1111]"}


def test_huge_and_hostile_text_is_handled():
    text = ("1 " * 20_000) + VISA + "\x00\ud800" + "<![CDATA[" * 100
    scrubbed = scrub_card_data(text)
    assert VISA not in scrubbed and "[card ****1111]" in scrubbed
    assert scrub_card_data("1" * 50_000) == "1" * 50_000


def test_carrier_tracking_numbers_are_kept_even_when_they_pass_the_luhn_check():
    from storesync.privacy import scrub_card_data

    record = {"TrackingNo": "4111111111111111", "trackingNumbers": [{"value": "378282246310005", "carrier": "FedEx"}],
              "note": "paid with 4111 1111 1111 1111"}
    scrubbed = scrub_card_data(record)
    assert scrubbed["TrackingNo"] == "4111111111111111"
    assert scrubbed["trackingNumbers"] == record["trackingNumbers"]
    assert "4111 1111 1111 1111" not in scrubbed["note"]
