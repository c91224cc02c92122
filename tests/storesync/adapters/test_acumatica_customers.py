"""Acumatica customers: storefront customers matched (never duplicated) and written with PUT, ERP-owned fields
left alone, refusals naming the field; and the ERP's edits read back for the storefront."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from storesync.systems.acumatica.customers import (
    MATCH_CHUNK,
    customer_body,
    load_customers,
    prepare_customers,
    read_customers,
    read_customers_by_key,
)
from storesync.hooks.errors import PermanentRunError
from tests.storesync.adapters.acumatica_source_fake import FakeAcumatica

UTC = timezone.utc


def erp_customer(customer_id: str, name: str, email: str | None, postal: str | None = "97201", **fields) -> dict:
    first, _, last = name.partition(" ")
    return {"CustomerID": customer_id, "CustomerName": name, "Status": "Active", "CustomerClass": "DEFAULT",
            "LastModifiedDateTime": "2026-11-19T10:00:00+00:00",
            "MainContact": {"Email": email, "FirstName": first, "LastName": last, "Phone1": "+1 503 555 0100",
                            "Address": {"AddressLine1": "1 Main St", "AddressLine2": None, "City": "Portland",
                                        "State": "OR", "PostalCode": postal, "Country": "US"}},
            **fields}


def storefront(key: str, email: str, first: str = "Ann", last: str = "Lee", postal: str | None = "97201") -> tuple[str, dict]:
    return key, {"source_system": "xcart", "source_id": key, "email": email, "first_name": first, "last_name": last,
                 "phone": None, "status": "active",
                 "billing_address": {"name": f"{first} {last}", "line1": "9 Elm St", "line2": "", "city": "Portland",
                                     "region": "OR", "postal_code": postal, "country": "US"}}


def mapped(customer_id: str, action: str, match: str, **fields) -> dict:
    """A target record as acumatica/customer_from_canonical.yaml gives it."""
    return {"CustomerID": customer_id, "_action": action, "_match": match, "CustomerName": "Ann Lee", "Status": "Active",
            "MainContact": {"Email": "ann@example.com", "FirstName": "Ann", "LastName": "Lee", "Phone1": None,
                            "Address": {"AddressLine1": "9 Elm St", "AddressLine2": "", "City": "Portland",
                                        "State": "OR", "PostalCode": "97201", "Country": "US"}},
            **fields}


# -- matching ----------------------------------------------------------------------------------------------------

def test_a_customer_is_matched_by_email_whatever_its_case_then_by_name_and_postal_code_else_new():
    client = FakeAcumatica(customers=[
        erp_customer("C001", "Ann Lee", "Ann@Example.com"),
        erp_customer("C002", "Bob Stone", "bob.old@example.com", postal="sw1a 1aa"),
        erp_customer("C003", "Bob Stone", "bob.other@example.com", postal="SW1A 2AA"),
    ])
    contexts = prepare_customers(client, [
        storefront("5", " ann@example.COM "),
        storefront("6", "bob.new@example.com", "Bob", "Stone", postal="SW1A 1AA"),
        storefront("42", "new@example.com", "Cy", "Twombly"),
    ], {})
    assert contexts == {
        "5": {"customer_id": "C001", "match": "email", "action": "update"},
        "6": {"customer_id": "C002", "match": "name+postal code", "action": "update"},
        "42": {"customer_id": "XC0000000042", "match": "new", "action": "create"},
    }


def test_candidates_are_read_a_few_values_per_request():
    client = FakeAcumatica()
    records = [storefront(str(n), f"buyer{n}@example.com", postal=f"{97000 + n}") for n in range(1, 46)]
    prepare_customers(client, records, {})
    filters = [call["filter"] for call in client.requests("list", "Customer")]
    per_request = -(-45 // MATCH_CHUNK)
    assert len(filters) == 2 * per_request
    assert all(f.count(" eq ") <= MATCH_CHUNK for f in filters)
    assert sum("MainContact/Email eq 'buyer" in f for f in filters) == per_request
    assert sum("MainContact/Address/PostalCode eq" in f for f in filters) == per_request


def test_the_same_name_without_a_postal_code_is_not_a_match():
    client = FakeAcumatica(customers=[erp_customer("C002", "Bob Stone", None, postal=None)])
    contexts = prepare_customers(client, [storefront("7", "bob@example.com", "Bob", "Stone", postal=None)], {})
    assert contexts["7"]["match"] == "new"


# -- loading -----------------------------------------------------------------------------------------------------

def test_a_new_customer_is_created_with_everything_the_storefront_knows_and_no_empty_field():
    client = FakeAcumatica()
    [outcome] = load_customers(client, [("42", mapped("XC0000000042", "create", "new"))], {})
    assert outcome.outcome == "loaded" and outcome.target_id == "XC0000000042"
    assert outcome.detail == "created Acumatica customer XC0000000042"
    [body] = client.requests("put", "Customer")
    assert body["Status"] == "Active" and body["MainContact"]["Email"] == "ann@example.com"
    assert "Phone1" not in body["MainContact"] and "AddressLine2" not in body["MainContact"]["Address"]
    assert not any(name.startswith("_") for name in body)


def test_an_update_never_sends_what_the_erp_owns_so_acumatica_keeps_it():
    client = FakeAcumatica(customers=[erp_customer("C001", "Ann Lee", "ann@example.com", Status="Credit Hold")])
    [outcome] = load_customers(client, [("5", mapped("C001", "update", "email", Status="Active"))],
                               {"erp_owned_customer_fields": ["status", "phone"]})
    assert outcome.outcome == "loaded" and outcome.detail == "updated (matched by email) Acumatica customer C001"
    [body] = client.requests("put", "Customer")
    assert "Status" not in body and "Phone1" not in body["MainContact"]
    saved = client.get("Customer", "C001", expand=("MainContact", "MainContact/Address"))
    assert saved["Status"] == "Credit Hold"
    assert saved["MainContact"]["Address"]["AddressLine1"] == "9 Elm St", "the shared address follows the storefront"
    assert saved["MainContact"]["Phone1"] == "+1 503 555 0100"


def test_owning_the_address_keeps_the_whole_address_out_of_an_update_but_not_out_of_a_create():
    owned = ("address", "status")
    assert "Address" not in customer_body(mapped("C001", "update", "email"), owned)["MainContact"]
    assert customer_body(mapped("XC1", "create", "new"), owned)["MainContact"]["Address"]["City"] == "Portland"


def test_an_updated_address_is_replaced_whole_so_a_move_abroad_leaves_no_old_state_but_unknown_fields_stay():
    """PUT keeps every field it is not sent (docs/acumatica.md): an address sent without its empty State would
    keep the old one (München, IL), which then flows back to the storefront and is pushed again next run."""
    client = FakeAcumatica(customers=[erp_customer("C001", "Ann Lee", "ann@example.com", postal="60699")])
    moved = mapped("C001", "update", "email")
    moved["MainContact"]["Address"] = {"AddressLine1": "6631 Maple Drive", "AddressLine2": None, "City": "München",
                                       "State": "", "PostalCode": "80331", "Country": "DE"}
    [outcome] = load_customers(client, [("9", moved)], {})
    assert outcome.outcome == "loaded"
    [body] = client.requests("put", "Customer")
    assert body["MainContact"]["Address"]["State"] == "", "the empty state is sent, so it clears the old one"
    assert "AddressLine2" not in body["MainContact"]["Address"], "an unknown field is left to Acumatica"
    assert "Phone1" not in body["MainContact"], "outside the address an empty value still keeps the ERP's"
    saved = client.get("Customer", "C001", expand=("MainContact", "MainContact/Address"))["MainContact"]["Address"]
    assert (saved["City"], saved["State"], saved["Country"]) == ("München", "", "DE")


def test_creates_never_overwrite_and_updates_never_create_through_put_preconditions():
    """If-None-Match: * / If-Match: * (ApiClientExtensions.cs ComposePutHeaders): a create meeting a customer
    with that id, or an update of a customer deleted meanwhile, goes to the DLQ instead of writing."""
    client = FakeAcumatica(customers=[erp_customer("C001", "Ann Lee", "ann@example.com")])
    clash, gone = load_customers(client, [("1", mapped("C001", "create", "new")),
                                          ("2", mapped("C999", "update", "email"))], {})
    assert client.modes == ["insert", "update"]
    assert (clash.outcome, gone.outcome) == ("dlq", "dlq") and "412" in clash.detail and "412" in gone.detail
    assert client.get("Customer", "C999") is None


def test_a_refusal_goes_to_the_dlq_naming_every_field_acumatica_named_and_the_rest_load():
    client = FakeAcumatica()
    client.refuse = lambda body: (("Inserting 'Customer' record raised at least one error.",
                                   {"MainContact.Email": "'Email' is not a valid e-mail address.",
                                    "MainContact.Address.State": "'State' cannot be found in the system."})
                                  if body["CustomerID"] == "XC0000000007" else None)
    refused, loaded = load_customers(client, [("7", mapped("XC0000000007", "create", "new")),
                                              ("8", mapped("XC0000000008", "create", "new"))], {})
    assert refused.outcome == "dlq" and refused.reason_code == "erp_rejected"
    assert refused.detail.startswith("customer 7: Acumatica refused customer XC0000000007: ")
    assert "field MainContact.Email: 'Email' is not a valid e-mail address." in refused.detail
    assert refused.failed == ["MainContact.Address.State: 'State' cannot be found in the system.",
                              "MainContact.Email: 'Email' is not a valid e-mail address."]
    assert loaded.outcome == "loaded"


def test_an_unknown_erp_owned_field_fails_the_run_naming_the_valid_ones():
    with pytest.raises(PermanentRunError, match="unknown field 'credit'; valid: address, status, name, email, phone"):
        load_customers(FakeAcumatica(), [("5", mapped("C001", "update", "email"))], {"erp_owned_customer_fields": ["credit"]})


def test_a_created_customer_is_found_by_email_next_time_and_updated_not_duplicated():
    client = FakeAcumatica()
    record = storefront("42", "ann@example.com")
    context = prepare_customers(client, [record], {})["42"]
    load_customers(client, [("42", mapped(context["customer_id"], context["action"], context["match"]))], {})
    again = prepare_customers(client, [record], {})["42"]
    assert again == {"customer_id": "XC0000000042", "match": "email", "action": "update"}
    assert len(client.records["Customer"]) == 1


# -- ERP -> storefront -------------------------------------------------------------------------------------------

def test_erp_edits_are_the_customers_changed_in_the_window_with_contact_and_address():
    client = FakeAcumatica(customers=[
        erp_customer("C001", "Ann Lee", " ann@example.com ", LastModifiedDateTime="2026-11-19T10:00:00+00:00"),
        erp_customer("C002", "Bob Stone", None, LastModifiedDateTime="2026-11-18T10:00:00+00:00"),
    ])
    [(key, record)] = read_customers(client, {}, datetime(2026, 11, 19, tzinfo=UTC), datetime(2026, 11, 20, tzinfo=UTC))
    assert key == "C001"
    assert record == {"CustomerID": "C001", "CustomerName": "Ann Lee", "Status": "Active", "CustomerClass": "DEFAULT",
                      "LastModifiedDateTime": "2026-11-19T10:00:00+00:00",
                      "MainContact": {"Email": "ann@example.com", "Phone1": "+1 503 555 0100", "FirstName": "Ann",
                                      "LastName": "Lee",
                                      "Address": {"AddressLine1": "1 Main St", "AddressLine2": None, "City": "Portland",
                                                  "State": "OR", "PostalCode": "97201", "Country": "US"}}}
    [request] = client.requests("list", "Customer")
    assert set(request["expand"]) == {"MainContact", "MainContact/Address"}


def test_customers_can_be_read_by_key_for_a_replay():
    client = FakeAcumatica(customers=[erp_customer("C001", "Ann Lee", "ann@example.com")])
    assert [key for key, _ in read_customers_by_key(client, {}, ["C001", "C999"])] == ["C001"]
