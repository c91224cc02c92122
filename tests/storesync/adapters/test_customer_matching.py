"""The customers flow's dedup rule, the same for every ERP: e-mail, then name + postal code, else a new id."""

from __future__ import annotations

import pytest

from storesync.adapters.customer_matching import (
    Candidates,
    lookup_values,
    new_customer_id,
    normalised_name,
    normalised_postal,
    owned_fields,
)
from storesync.hooks.errors import PermanentRunError


def customer(email, first="Ann", last="Lee", postal="97201"):
    return {"email": email, "first_name": first, "last_name": last, "billing_address": {"postal_code": postal}}


@pytest.mark.parametrize(("name", "expected"), [
    ("Zoë  O'Brien", "zoe o brien"), ("ANN-MARIE lee", "ann marie lee"), (None, ""), ("  ", ""),
])
def test_names_compare_without_accents_case_or_punctuation(name, expected):
    assert normalised_name(name) == expected


@pytest.mark.parametrize(("code", "expected"), [("sw1a 1aa", "SW1A1AA"), ("97201-1234", "972011234"), (None, "")])
def test_postal_codes_compare_as_letters_and_digits(code, expected):
    assert normalised_postal(code) == expected


def test_email_wins_over_name_and_postal_code_and_the_first_candidate_of_a_key_wins():
    candidates = Candidates()
    candidates.add("C2", name="Ann Lee", postal="97201")
    candidates.add("C1", email=" ANN@example.com ")
    candidates.add("C9", email="ann@example.com")
    assert candidates.match(customer("ann@example.com")) == ("C1", "email")
    assert candidates.match(customer("other@example.com", "ann", "LEE", "97201 ")) == ("C2", "name+postal code")
    assert candidates.match(customer("other@example.com", postal=None)) is None
    assert candidates.decide("42", customer("x@example.com", postal="10001")) == ("XC0000000042", "new")


def test_new_ids_are_stable_and_fit_twelve_characters():
    assert new_customer_id("7") == "XC0000000007" and new_customer_id("guest-abcdefghij") == "XCguest-abcd"


def test_lookup_values_are_the_distinct_emails_and_postal_codes():
    records = [("1", customer(" A@x.com ")), ("2", customer("a@x.com", postal="")), ("3", customer(None, postal="10001"))]
    assert lookup_values(records) == (["a@x.com"], ["10001", "97201"])


def test_owned_fields_default_to_status_and_refuse_unknown_names():
    assert owned_fields({}) == ("status",)
    assert owned_fields({"erp_owned_customer_fields": []}) == ()
    with pytest.raises(PermanentRunError, match="unknown field 'adress'"):
        owned_fields({"erp_owned_customer_fields": ["adress"]})
