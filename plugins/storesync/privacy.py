"""Card data never enters the sync store: scrub it from records as they are extracted.

No card number (PAN) or card security code is ever stored (docs: DESIGN §2 "No card number or CVV is
ever stored: only gateway transaction ids and last four digits"). Storefronts do leak them: a customer
types a card number into the order notes or an address line, a payment module puts ``cardNumber`` /
``cvv`` into the order. ``scrub_card_data`` runs on every record before it is staged, so raw staging,
DLQ payloads, reasons, logs and everything downstream only ever see the masked form.

- In any string, every Luhn-valid sequence of 13–19 digits — contiguous or in groups separated by one
  space or dash (``4111 1111 1111 1111``, ``3782-822463-10005``) — becomes ``[card ****<last4>]``.
  Digit runs are bounded by non-digits, so a 12- or 20-digit number is never a match; inside a longer
  run of separated groups, spans of whole groups are checked, so a PAN written right after a phone
  number is still found. A number in a free-text "CVV 123" / "security code: 1234" loses its digits.
- Every key that names card data (``cardNumber``, ``card_number``, ``pan``, ``cvv``, ``cvv2``, ``cvc``,
  ``securityCode``, track data, … case and punctuation ignored, also as a suffix such as
  ``billingCardNumber``) has its value replaced: ``"[removed]"``, or ``"[removed ****<last4>]"`` for a
  card number with at least four digits.
- Integers of 13–19 digits that pass Luhn are masked like text; money (``Decimal``), booleans and
  shorter numbers are left alone, so totals and ids are untouched.

The bias is towards masking: a code that merely looks like a card (about one in ten random 16-digit
numbers passes Luhn) is masked too. ``find_card_data`` returns what would be masked, for scans.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from typing import Any

__all__ = ["scrub_card_data", "find_card_data", "luhn_valid", "is_card_key", "REMOVED"]

REMOVED = "[removed]"
MIN_PAN_DIGITS, MAX_PAN_DIGITS = 13, 19

# Maximal runs of ASCII digits, groups joined by exactly one space or dash.
_DIGITS = re.compile(r"[0-9]+")
_DIGIT_RUN = re.compile(r"(?<![0-9])[0-9]+(?:[ \-][0-9]+)*(?![0-9])")
# A card security code written out in free text: "CVV 123", "cvc2: 1234", "security code #987".
_CODE_IN_TEXT = re.compile(
    r"(?i)\b(cvv2?|cvc2?|cvn|csc|cid|card\s+code|security\s+code|card\s+verification(?:\s+(?:code|value))?)"
    r"(\s*[:#=]?\s*)[0-9]{3,4}(?![0-9])"
)

# Key names, lower-case with everything but letters and digits removed.
_NUMBER_KEYS = frozenset({"pan", "primaryaccountnumber", "creditcard", "cardnumber", "cardno", "cardnum",
                          "ccnumber", "ccnum", "ccno", "creditcardnumber", "creditcardno"})
_NUMBER_SUFFIXES = ("cardnumber", "cardno", "cardnum", "ccnumber", "ccnum")
_SECRET_KEYS = frozenset({"cvv", "cvv2", "cvc", "cvc2", "cvn", "ccv", "csc", "cvd", "securitycode",
                          "cardsecuritycode", "cardcode", "cardverificationcode", "cardverificationvalue",
                          "cardcvv", "cardcvc", "cardpin", "pinblock", "trackdata", "track1", "track2",
                          "magstripe"})
_SECRET_SUFFIXES = ("cvv", "cvv2", "cvc", "cvc2", "securitycode", "verificationcode", "verificationvalue",
                    "trackdata")


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check on a string of digits."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = ord(char) - 48
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


_NOT_KEY_CHARS = re.compile(r"[^a-z0-9]")
# Card data has digits (a PAN 13+, a written-out security code 3+): a string with fewer needs no scan.
_THREE_DIGITS = re.compile(r"[0-9][^0-9]*[0-9][^0-9]*[0-9]")
_NOT_DIGITS = re.compile(r"[^0-9]+")
_has_three_digits = _THREE_DIGITS.search


def _normalised_key(key: str) -> str:
    return _NOT_KEY_CHARS.sub("", key.lower())


def is_card_key(key: Any) -> str | None:
    """``"number"`` for keys naming a card number, ``"secret"`` for security codes and track data, else None."""
    if not isinstance(key, str):
        return None
    return _card_key_kind(key)


# Records of one source repeat the same few dozen field names millions of times: classify each name once.
@lru_cache(maxsize=4096)
def _card_key_kind(key: str) -> str | None:
    name = _normalised_key(key)
    if name in _NUMBER_KEYS or name.endswith(_NUMBER_SUFFIXES):
        return "number"
    if name in _SECRET_KEYS or name.endswith(_SECRET_SUFFIXES):
        return "secret"
    return None


def _card_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, digits) of every card number in ``text``, left to right, not overlapping.

    Within one run of digit groups, every span of whole groups with 13-19 digits that passes Luhn is
    card data; overlapping or touching spans are masked as one block (never half a number left readable).
    """
    found: list[tuple[int, int, str]] = []
    for run in _DIGIT_RUN.finditer(text):
        offset = run.start()
        groups = [(offset + m.start(), offset + m.end(), m.group()) for m in _DIGITS.finditer(run.group())]
        covered = [False] * len(groups)
        for first in range(len(groups)):
            digits = ""
            for last in range(first, len(groups)):
                digits += groups[last][2]
                if len(digits) > MAX_PAN_DIGITS:
                    break
                if len(digits) >= MIN_PAN_DIGITS and luhn_valid(digits):
                    covered[first:last + 1] = [True] * (last + 1 - first)
        block: list[tuple[int, int, str]] = []
        for group, is_card in zip([*groups, None], [*covered, False]):
            if is_card:
                block.append(group)
            elif block:
                found.append((block[0][0], block[-1][1], "".join(g[2] for g in block)))
                block = []
    return found


def find_card_data(text: Any) -> list[str]:
    """Every card number (as written, separators included) and free-text security code in ``text``."""
    text = text if isinstance(text, str) else str(text)
    found = [text[start:end] for start, end, _ in _card_spans(text)]
    found.extend(match.group() for match in _CODE_IN_TEXT.finditer(text))
    return found


def _mask(digits: str) -> str:
    return f"[card ****{digits[-4:]}]"


def _scrub_text(text: str) -> str:
    if not _THREE_DIGITS.search(text):
        return text
    # A card number needs 13 digits; an id or a price with fewer cannot hold one (a written-out code still can).
    spans = _card_spans(text) if len(_NOT_DIGITS.sub("", text)) >= MIN_PAN_DIGITS else []
    if spans:
        parts, position = [], 0
        for start, end, digits in spans:
            parts += [text[position:start], _mask(digits)]
            position = end
        parts.append(text[position:])
        text = "".join(parts)
    if _CODE_IN_TEXT.search(text):
        text = _CODE_IN_TEXT.sub(lambda m: f"{m.group(1)}{m.group(2)}{REMOVED}", text)
    return text


def _removed(kind: str, value: Any) -> str:
    if kind == "number" and isinstance(value, (str, int)) and not isinstance(value, bool):
        digits = re.sub(r"[^0-9]", "", str(value))
        if len(digits) >= 4:
            return f"[removed ****{digits[-4:]}]"
    return REMOVED


# Fields whose values are carrier tracking numbers: long digit strings that pass the Luhn check about one
# time in ten (FedEx Ground, USPS) without being card numbers. Their values are kept verbatim.
_TRACKING_KEY = re.compile(r"tracking(no|nbr|num|number|numbers|id)?$")  # TrackingNbr: Acumatica packages


def is_tracking_key(key: Any) -> bool:
    return isinstance(key, str) and _is_tracking_name(key)


@lru_cache(maxsize=4096)
def _is_tracking_name(key: str) -> bool:
    return bool(_TRACKING_KEY.search(_normalised_key(key)))


@lru_cache(maxsize=4096)
def _key_rule(key: str) -> tuple[bool, str | None, str]:
    """(tracking field?, card key kind, the key as stored) of a field name, worked out once per name."""
    return _is_tracking_name(key), _card_key_kind(key), _scrub_text(key)


# Types whose values carry no card data and are kept as they are (bool before int: True is an int too).
_PLAIN = frozenset({type(None), bool, float, Decimal})
_SHORT_INT = 10 ** (MIN_PAN_DIGITS - 1)  # ints below this in magnitude have fewer digits than any card number


def scrub_card_data(value: Any) -> Any:
    """A deep copy of a JSON-like value with card numbers and security codes masked or removed.

    Values under tracking-number fields are kept: a carrier's number is not a card number.
    """
    kind = type(value)
    if kind is str:
        return _scrub_text(value)
    if kind is dict:
        return _scrub_dict(value)
    if kind is list:
        return [_scrub_item(item) for item in value]
    if kind in _PLAIN:
        return value
    return _scrub_other(value)


def _scrub_item(item: Any) -> Any:
    """``scrub_card_data`` of one member, with the common plain cases decided without a further call."""
    kind = type(item)
    if kind is str:
        return _scrub_text(item) if _has_three_digits(item) else item
    if kind in _PLAIN or (kind is int and -_SHORT_INT < item < _SHORT_INT):
        return item
    return scrub_card_data(item)


def _scrub_dict(value: dict) -> dict:
    scrubbed = {}
    for key, item in value.items():
        if isinstance(key, str):
            tracking, kind, new_key = _key_rule(key)
            if tracking:
                scrubbed[key] = item
                continue
        else:
            kind, new_key = None, key
        removable = kind is not None and item is not None and not (isinstance(item, str) and not item)
        scrubbed[new_key] = _removed(kind, item) if removable else _scrub_item(item)
    return scrubbed


def _scrub_other(value: Any) -> Any:
    """Subclasses of the JSON types, tuples and ints: the general rules."""
    if isinstance(value, str):
        return _scrub_text(value)
    if isinstance(value, dict):
        return _scrub_dict(value)
    if isinstance(value, list):
        return [scrub_card_data(item) for item in value]
    if isinstance(value, tuple):
        return tuple(scrub_card_data(item) for item in value)
    if isinstance(value, int) and not isinstance(value, bool) and MIN_PAN_DIGITS <= len(_int_text(value)) <= MAX_PAN_DIGITS:
        digits = _int_text(value)
        return _mask(digits) if luhn_valid(digits) else value
    return value


def _int_text(value: int) -> str:
    # Only magnitudes that can have 13-19 digits are printed (huge ints cannot be turned into text).
    return str(abs(value)) if abs(value) < 10**MAX_PAN_DIGITS else ""
