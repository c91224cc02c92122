"""Card data never enters the sync store: scrub it from records as they are extracted.

No card number (PAN) or card security code is ever stored (docs: DESIGN §2 "No card number or CVV is
ever stored: only gateway transaction ids and last four digits"). Storefronts do leak them: a customer
types a card number into the order notes or an address line, a payment module puts ``cardNumber`` /
``cvv`` into the order. ``scrub_card_data`` runs on every record before it is staged, so raw staging,
DLQ payloads, reasons, logs and everything downstream only ever see the masked form.

- In any string, every Luhn-valid sequence of 13–19 digits — contiguous or in groups separated by what a
  person types between groups: any whitespace (spaces, double spaces, tabs, newlines, non-breaking and other
  Unicode spaces), any dash (hyphen, en and em dash, minus sign, full-width hyphen), dots, slashes,
  backslashes, underscores, middle dots and bullets, invisible joiners (zero-width space, soft hyphen),
  up to four of them between two groups — becomes ``[card ****<last4>]``. Digits are any Unicode decimal
  digits (full-width ``４１１１``, Arabic-Indic, Devanagari, …), read as their values. Digit runs are bounded
  by non-digits, so a 12- or 20-digit number is never a match; inside a longer run of separated groups,
  spans of whole groups are checked, so a PAN written right after a phone number is still found. A number
  in a free-text "CVV 123" / "security code: 1234" loses its digits.
- Every key that names card data (``cardNumber``, ``card_number``, ``pan``, ``cvv``, ``cvv2``, ``cvc``,
  ``securityCode``, track data, … case and punctuation ignored, also as a suffix such as
  ``billingCardNumber``) has its value replaced: ``"[removed]"``, or ``"[removed ****<last4>]"`` for a
  card number with at least four digits.
- Integers of 13–19 digits that pass Luhn are masked like text; money (``Decimal``), booleans and
  shorter numbers are left alone, so totals and ids are untouched.

The bias is towards masking: a code that merely looks like a card (about one in ten random 16-digit
numbers passes Luhn) is masked too. On the corpus of ``test_false_positive_rate_on_numbers_that_are_not_cards``
(tests/storesync/test_privacy.py: 3,100 values) no phone number (800, eight formats), order id (600) or date,
amount and postcode (600) is masked; 26 of 300 IBANs (8.7 %) and 42 of 800 carrier tracking numbers (5.2 %)
written in free text are, since 14-22 digits in groups hold a Luhn-valid span about one time in ten: 68 of
3,100 overall (2.2 %), the same as before the separators were widened. Tracking numbers under tracking
fields are never touched. ``find_card_data`` returns what would be masked.

The walk is iterative and bounded (``StructureLimits``: depth, members, keys per object, characters): a
record nested deeper than any real one (PHP emits JSON up to 512 levels) raises ``HostileStructure`` naming
the path, which the extract step sends to the DLQ, instead of a ``RecursionError`` that stopped the window.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

__all__ = ["scrub_card_data", "find_card_data", "luhn_valid", "is_card_key", "REMOVED", "HostileStructure",
           "StructureLimits", "check_structure"]

REMOVED = "[removed]"
MIN_PAN_DIGITS, MAX_PAN_DIGITS = 13, 19

# What people type between the groups of a card number. \s is Unicode whitespace (NBSP, tabs, newlines, U+3000
# ideographic space, ...); the dashes are every character of Unicode category Pd plus the minus signs; then dots,
# slashes, commas, underscores, bullets and middle dots (ASCII and full-width), and the invisible characters a
# copy and paste brings along (zero-width space and joiners, word joiner, BOM, soft hyphen).
_DASHES = ("\\-\u058a\u05be\u1400\u1806\u2010-\u2015\u2e17\u2e1a\u2e3a\u2e3b\u2e40\u2e5d\u301c\u3030"
           "\u30a0\ufe31\ufe32\ufe58\ufe63\uff0d\U00010ead\u2212\u2043\u207b\u208b")
# Not commas: digits in lists and in the reprs of dates and tuples ("2026, 12, 7, 17, 48, 10") join into runs
# that hold a Luhn-valid span, and nobody writes a card number with commas.
_PUNCTUATION = "./\\\\_\u00b7\u2022\u2027\u2219\u30fb\uff0e\uff0f\uff3c\uff3f\uff65"
_INVISIBLE = "\u00ad\u200b-\u200d\u2060\ufeff"
_SEPARATOR = f"[\\s{_DASHES}{_PUNCTUATION}{_INVISIBLE}]"
MAX_SEPARATOR_CHARS = 4  # " - ", "  ", " / ", "\r\n": a wider gap joins two numbers no person wrote as one
# Maximal runs of digits (any script: \d is Unicode), groups joined by up to four separator characters.
_DIGITS = re.compile(r"\d+")
_DIGIT_RUN = re.compile(rf"(?<!\d)\d+(?:{_SEPARATOR}{{1,{MAX_SEPARATOR_CHARS}}}\d+)*(?!\d)")
# A card security code written out in free text: "CVV 123", "cvc2: 1234", "security code #987".
_CODE_IN_TEXT = re.compile(
    r"(?i)\b(cvv2?|cvc2?|cvn|csc|cid|card\s+code|security\s+code|card\s+verification(?:\s+(?:code|value))?)"
    r"(\s*[:#=]?\s*)\d{3,4}(?!\d)"
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


def ascii_digits(digits: str) -> str:
    """Decimal digits of any script as ASCII digits ("４１" -> "41")."""
    return digits if digits.isascii() else "".join(str(unicodedata.decimal(char)) for char in digits)


_NOT_KEY_CHARS = re.compile(r"[^a-z0-9]")
# Card data has digits (a PAN 13+, a written-out security code 3+): a string with fewer needs no scan.
_THREE_DIGITS = re.compile(r"\d\D*\d\D*\d")
_NOT_DIGITS = re.compile(r"\D+")
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
        groups = [(offset + m.start(), offset + m.end(), ascii_digits(m.group())) for m in _DIGITS.finditer(run.group())]
        # Spans (first group, last group) that are card numbers; spans sharing a group are merged into one
        # block, so no part of a number is left readable, while two numbers side by side stay two.
        blocks: list[list[int]] = []
        for first in range(len(groups)):
            digits = ""
            for last in range(first, len(groups)):
                digits += groups[last][2]
                if len(digits) > MAX_PAN_DIGITS:
                    break
                if len(digits) >= MIN_PAN_DIGITS and luhn_valid(digits):
                    if blocks and first <= blocks[-1][1]:
                        blocks[-1][1] = max(blocks[-1][1], last)
                    else:
                        blocks.append([first, last])
        for first, last in blocks:
            found.append((groups[first][0], groups[last][1], "".join(g[2] for g in groups[first:last + 1])))
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
        digits = ascii_digits(_NOT_DIGITS.sub("", _int_text(value) if isinstance(value, int) else value))
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


@dataclass(frozen=True)
class StructureLimits:
    """How big one record may be. Far above any real order (depth < 10, a few hundred members), far below
    what would exhaust the interpreter (PHP emits JSON nested up to 512 levels; Python recursion stops near 1000)."""

    max_depth: int = 64
    max_members: int = 200_000       # values in the whole record
    max_keys: int = 10_000           # keys of one object
    max_text_chars: int = 16_000_000  # characters of all strings and keys


LIMITS = StructureLimits()


class HostileStructure(ValueError):
    """A record exceeds ``StructureLimits``; ``path`` names where (``$.customFields.a.a``), ``field`` the top field."""

    def __init__(self, path: str, reason: str) -> None:
        self.path, self.reason = path, reason
        self.field = path.split(".")[1].split("[")[0] if "." in path else "$"
        super().__init__(f"field {self.field}: {reason} at {path}")

    def __reduce__(self):
        return (type(self), (self.path, self.reason))


# Paths are kept as (parent, key) chains and written out only for the error message: formatting one per
# member would double the cost of scrubbing ordinary records.
def _path_text(chain: tuple | None) -> str:
    keys = []
    while chain is not None:
        chain, key = chain
        keys.append(f"[{key}]" if isinstance(key, int) else f".{str(key)[:40]}")
    text = "$" + "".join(reversed(keys))
    return text if len(text) <= 200 else text[:90] + " … " + text[-90:]


def _refuse(chain: tuple | None, reason: str) -> HostileStructure:
    return HostileStructure(_path_text(chain), reason)


def _is_container(value: Any) -> bool:
    return isinstance(value, (dict, list, tuple))


def _enter(container: Any, depth: int, chain: tuple | None, members: int, limits: StructureLimits) -> int:
    """Check one container against the limits; returns the members counted so far."""
    if depth > limits.max_depth:
        raise _refuse(chain, f"nested deeper than {limits.max_depth} levels")
    size = len(container)
    if size > limits.max_keys and isinstance(container, dict):
        raise _refuse(chain, f"{size} keys in one object (at most {limits.max_keys})")
    members += size
    if members > limits.max_members:
        raise _refuse(chain, f"more than {limits.max_members} values in one record")
    return members


def _too_much_text(chain: tuple | None, limits: StructureLimits) -> HostileStructure:
    return _refuse(chain, f"more than {limits.max_text_chars} characters of text in one record")


def check_structure(value: Any, limits: StructureLimits = LIMITS) -> None:
    """Raise ``HostileStructure`` when ``value`` exceeds ``limits``; walks iteratively, copies nothing."""
    members = chars = 0
    stack: list[tuple[Any, int, tuple | None]] = [(value, 1, None)]
    while stack:
        node, depth, chain = stack.pop()
        if isinstance(node, str):
            chars += len(node)
        elif _is_container(node):
            members = _enter(node, depth, chain, members, limits)
            for key, item in (node.items() if isinstance(node, dict) else enumerate(node)):
                if isinstance(key, str):
                    chars += len(key)
                if isinstance(item, str):
                    chars += len(item)
                elif _is_container(item):
                    stack.append((item, depth + 1, (chain, key)))
        if chars > limits.max_text_chars:
            raise _too_much_text(chain, limits)


def scrub_card_data(value: Any, *, limits: StructureLimits = LIMITS) -> Any:
    """A deep copy of a JSON-like value with card numbers and security codes masked or removed.

    Values under tracking-number fields are kept: a carrier's number is not a card number. The walk is
    iterative (an explicit stack) and bounded by ``limits``: ``HostileStructure`` when a record exceeds them.
    """
    kind = type(value)
    if kind is str:
        if len(value) > limits.max_text_chars:
            raise _too_much_text(None, limits)
        return _scrub_text(value)
    if kind in _PLAIN:
        return value
    if not _is_container(value):
        return _scrub_scalar(value)
    root: Any = {} if isinstance(value, dict) else []
    # (source container, its copy to fill, depth, path chain, scrub?): under a tracking field values are copied as
    # they are. Tuples are filled as lists and turned into tuples at the end, deepest first.
    stack: list[tuple[Any, Any, int, tuple | None, bool]] = [(value, root, 1, None, True)]
    tuples: list[tuple[Any, Any, list]] = [(None, None, root)] if isinstance(value, tuple) else []
    members = chars = 0
    max_chars = limits.max_text_chars
    plain, short_int, has_digits, key_rule = _PLAIN, _SHORT_INT, _has_three_digits, _key_rule
    while stack:
        source, copy, depth, chain, scrub = stack.pop()
        members = _enter(source, depth, chain, members, limits)
        if type(source) is dict or isinstance(source, dict):
            for key, item in source.items():
                card_kind = None
                new_key = key
                keep = not scrub
                if type(key) is str:
                    chars += len(key)
                    if scrub:
                        keep, card_kind, new_key = key_rule(key)
                if card_kind is not None and not keep and item is not None and item != "":
                    copy[new_key] = _removed(card_kind, item)
                    continue
                kind = type(item)
                if kind is str:
                    chars += len(item)
                    copy[new_key] = _scrub_text(item) if not keep and has_digits(item) else item
                elif kind in plain or (kind is int and -short_int < item < short_int):
                    copy[new_key] = item
                elif kind is dict or kind is list or _is_container(item):
                    child: Any = {} if isinstance(item, dict) else []
                    copy[new_key] = child
                    stack.append((item, child, depth + 1, (chain, key), not keep))
                    if isinstance(item, tuple):
                        tuples.append((copy, new_key, child))
                else:
                    copy[new_key] = item if keep else _scrub_scalar(item)
        else:
            append = copy.append
            for index, item in enumerate(source):
                kind = type(item)
                if kind is str:
                    chars += len(item)
                    append(_scrub_text(item) if scrub and has_digits(item) else item)
                elif kind in plain or (kind is int and -short_int < item < short_int):
                    append(item)
                elif kind is dict or kind is list or _is_container(item):
                    child = {} if isinstance(item, dict) else []
                    append(child)
                    stack.append((item, child, depth + 1, (chain, index), scrub))
                    if isinstance(item, tuple):
                        tuples.append((copy, index, child))
                else:
                    append(_scrub_scalar(item) if scrub else item)
        if chars > max_chars:
            raise _too_much_text(chain, limits)
    for parent, slot, items in reversed(tuples):  # deepest first: a tuple's members are final before it is
        if parent is None:
            root = tuple(items)
        else:
            parent[slot] = tuple(items)
    return root


def _scrub_scalar(value: Any) -> Any:
    """Subclasses of str and ints: the general rules."""
    if isinstance(value, str):
        return _scrub_text(value)
    if isinstance(value, int) and not isinstance(value, bool) and MIN_PAN_DIGITS <= len(_int_text(value)) <= MAX_PAN_DIGITS:
        digits = _int_text(value)
        return _mask(digits) if luhn_valid(digits) else value
    return value


def _int_text(value: int) -> str:
    # Only magnitudes that can have 13-19 digits are printed (huge ints cannot be turned into text).
    return str(abs(value)) if abs(value) < 10**MAX_PAN_DIGITS else ""
