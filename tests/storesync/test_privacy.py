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
    "SKU-00012 x 2",
    "٤١١١١١١١١١١١١١١٢",                 # non-ASCII digits failing Luhn
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


# -- every way a person types a card number (issue 14, finding 2: 8 of 9 forms passed the scrub) ---------------

FULL_WIDTH = "".join(chr(0xFF10 + int(d)) for d in VISA)
ARABIC_INDIC = "".join(chr(0x0660 + int(d)) for d in VISA)
DEVANAGARI = "".join(chr(0x0966 + int(d)) for d in VISA)


@pytest.mark.parametrize("written", [
    "4111.1111.1111.1111", "4111/1111/1111/1111", "4111\t1111\t1111\t1111", "4111\n1111\n1111\n1111",
    "4111\r\n1111\r\n1111\r\n1111", "4111  1111  1111  1111", "4111\u00a01111\u00a01111\u00a01111",
    "4111\u20131111\u20131111\u20131111", "4111\u20141111\u20141111\u20141111", "4111\u22121111\u22121111\u22121111",
    "4111 - 1111 - 1111 - 1111", "4111_1111_1111_1111", "4111\\1111\\1111\\1111",
    "4111\u200b1111\u200b1111\u200b1111", "4111\u00ad1111\u00ad1111\u00ad1111", "4111\u30001111\u30001111\u30001111",
    "4111\u20091111\u202f1111\u20071111", "4111\uff0d1111\uff0d1111\uff0d1111", "4111\uff0e1111\uff0e1111\uff0e1111",
    "4111\u00b71111\u00b71111\u00b71111", "4111\u20221111\u20221111\u20221111", "4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
    FULL_WIDTH, "\uff14\uff11\uff11\uff11 \uff11\uff11\uff11\uff11 \uff11\uff11\uff11\uff11 \uff11\uff11\uff11\uff11",
    ARABIC_INDIC, DEVANAGARI, "4111-1111 1111.1111",
], ids=lambda text: text.encode("unicode_escape").decode()[:40])
def test_card_numbers_are_found_whatever_separators_and_digits_a_person_types(written):
    text = f"my card: {written} exp 12/29"
    scrubbed = scrub_card_data(text)
    assert scrubbed == "my card: [card ****1111] exp 12/29"
    assert find_card_data(text) == [written]
    assert scrub_card_data({"cardNumber": written}) == {"cardNumber": "[removed ****1111]"}


def test_every_unicode_dash_is_a_separator():
    import sys
    import unicodedata

    dashes = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Pd"]
    missed = [f"U+{ord(d):04X}" for d in dashes if scrub_card_data(f"4111{d}1111{d}1111{d}1111") != "[card ****1111]"]
    assert not missed, f"dashes not taken as separators: {missed}"


def test_lists_and_reprs_of_dates_are_not_card_numbers():
    # commas are not separators: the repr of a datetime in a log line held a Luhn-valid span once joined
    for text in ("datetime.datetime(2026, 12, 7, 17, 48, 10, 939067, tzinfo=datetime.timezone.utc)",
                 "(2026, 12, 7, 17, 48, 21, 365765)", "ids 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14"):
        assert scrub_card_data(text) == text and find_card_data(text) == []


def test_two_card_numbers_side_by_side_are_masked_as_two():
    assert scrub_card_data(f"{VISA}/{MASTERCARD}") == "[card ****1111]/[card ****0004]"
    assert scrub_card_data("4111 1111 1111 1111 5500 0000 0000 0004") == "[card ****1111] [card ****0004]"


def test_the_scrub_is_iterative():
    import sys

    deep: object = VISA
    for _ in range(sys.getrecursionlimit() * 2):
        deep = [deep]
    from storesync.privacy import HostileStructure, StructureLimits

    scrubbed = scrub_card_data(deep, limits=StructureLimits(max_depth=10**6))
    for _ in range(sys.getrecursionlimit() * 2):
        scrubbed = scrubbed[0]
    assert scrubbed == "[card ****1111]"
    with pytest.raises(HostileStructure, match="nested deeper than 64 levels"):
        scrub_card_data(deep)


def test_hostile_structures_are_refused_naming_the_field_and_the_limit():
    from storesync.privacy import HostileStructure, StructureLimits, check_structure

    deep: object = {"a": 1}
    for _ in range(400):
        deep = {"a": deep}
    record = {"orderId": 5, "customFields": deep}
    with pytest.raises(HostileStructure) as caught:
        scrub_card_data(record)
    assert caught.value.field == "customFields" and "deeper than 64" in str(caught.value)
    with pytest.raises(HostileStructure):
        check_structure(record)
    limits = StructureLimits(max_keys=100, max_members=1000, max_text_chars=10_000)
    with pytest.raises(HostileStructure, match="101 keys in one object"):
        scrub_card_data({"x": {str(n): n for n in range(101)}}, limits=limits)
    with pytest.raises(HostileStructure, match="more than 1000 values"):
        scrub_card_data({"x": [[0] * 100 for _ in range(10)]}, limits=limits)
    with pytest.raises(HostileStructure, match="characters of text"):
        scrub_card_data({"x": ["a" * 6000, "b" * 6000]}, limits=limits)
    ordinary = {"items": [{"sku": f"S{n}", "qty": n} for n in range(500)], "notes": "x" * 5000}
    assert scrub_card_data(ordinary, limits=StructureLimits()) == ordinary
    check_structure(ordinary)


# -- the false-positive rate: numbers people write that are not card numbers -----------------------------------

def _not_cards() -> dict[str, list[str]]:
    """A corpus of values that are not card numbers, generated from a fixed seed, in the forms they are written."""
    import random

    rng = random.Random(14)
    digits = lambda n: "".join(rng.choice("0123456789") for _ in range(n))  # noqa: E731
    phones = []
    for _ in range(100):
        area, mid, end = digits(3), digits(3), digits(4)
        phones += [f"+1 {area} {mid} {end}", f"({area}) {mid}-{end}", f"{area}.{mid}.{end}", f"+1-{area}-{mid}-{end}",
                   f"+44 20 {digits(4)} {digits(4)}", f"+49 (0)30 {digits(8)}", f"call me on {area} {mid} {end} or "
                   f"{digits(3)} {digits(3)} {digits(4)}", f"+33 6 {digits(2)} {digits(2)} {digits(2)} {digits(2)}"]
    order_ids = []
    for _ in range(100):
        order_ids += [f"Order #{digits(6)}", f"re: order {digits(8)} and {digits(5)}", f"INV-{digits(10)}",
                      f"PO {digits(4)}/{digits(4)}/{digits(3)}", f"SO{digits(9)}", f"ref {digits(12)}"]
    dates_amounts = []
    for _ in range(100):
        dates_amounts += [f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/20{digits(2)} {digits(2)}:{digits(2)}",
                          f"20{digits(2)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{digits(2)}:{digits(2)}:00Z",
                          f"total 1,{digits(3)},{digits(3)}.{digits(2)} USD", f"qty 2 x 1{digits(2)}.{digits(2)}",
                          f"zip {digits(5)}-{digits(4)}", f"{digits(4)} {digits(3)} {digits(2)}"]
    ibans = [f"GB{digits(2)} WEST {digits(4)} {digits(4)} {digits(4)} {digits(2)}" for _ in range(300)]
    tracking_text = []
    for _ in range(100):
        tracking_text += [f"shipped UPS 1Z{rng.choice('ABCDEFX')}{digits(2)}{rng.choice('ABCDEFXY')}{digits(10)}",
                          f"FedEx {digits(12)}", f"fedex ground {digits(15)}", f"USPS {digits(20)}",
                          f"USPS {digits(22)}", f"USPS tracking {' '.join(digits(4) for _ in range(5))} {digits(2)}",
                          f"DHL {digits(10)}", f"DHL eCommerce GM{digits(16)}"]
    return {"phone numbers": phones, "order ids": order_ids, "dates, amounts, postcodes": dates_amounts,
            "IBANs in free text": ibans, "tracking numbers in free text": tracking_text}


def test_false_positive_rate_on_numbers_that_are_not_cards():
    corpus = _not_cards()
    total = sum(len(values) for values in corpus.values())
    lines, masked_all = [], 0
    for kind, values in corpus.items():
        masked = [value for value in values if scrub_card_data(value) != value]
        masked_all += len(masked)
        lines.append(f"{kind}: {len(masked)} of {len(values)} masked ({len(masked) / len(values):.1%})")
        if "free text" not in kind:
            assert not masked, f"{kind} masked: {masked[:5]}"
        else:  # 14-22 digits in groups: about one span in ten passes Luhn, as for any number of a card's length
            assert len(masked) / len(values) < 0.25, kind
    rate = masked_all / total
    print(f"\ncard scrub false positives on {total} values that are not cards: {masked_all} ({rate:.2%}); "
          + "; ".join(lines))
    assert rate < 0.06
    # under a tracking field the same values are never touched
    tracking_fields = [{"trackingNumber": value} for value in corpus["tracking numbers in free text"]]
    assert scrub_card_data(tracking_fields) == tracking_fields
