"""Storefront customers become Intacct customers (matched first, created once, updated without the ERP's own
fields), and Intacct's customer edits are read back: against the emulator."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from storesync.mapping.engine import MappingEngine
from storesync.systems.intacct.customers import (
    load_customers,
    prepare_customers,
    read_customers,
    read_customers_by_key,
)
from tests.storesync.systems.intacct.support import staged

SPEC = Path(__file__).resolve().parents[4] / "plugins/storesync/systems/intacct/mappings/customer_from_canonical.yaml"
ENGINE = MappingEngine.from_file(SPEC)


def storefront(key: str, email: str, first: str = "Ann", last: str = "Lee", postal: str | None = "97201",
               status: str = "active", region: str | None = "OR") -> tuple[str, dict]:
    return key, {"source_system": "xcart", "source_id": key, "email": email, "first_name": first, "last_name": last,
                 "phone": "+1 503 555 0100", "status": status,
                 "billing_address": {"name": f"{first} {last}", "line1": "9 Elm St", "line2": "", "city": "Portland",
                                     "region": region, "postal_code": postal, "country": "US"}}


def sync(client, *records, options=None):
    """The customers flow's target half: prepare (match), map with the pair's spec, load."""
    contexts = prepare_customers(client, list(records), options or {})
    mapped = [(key, staged(ENGINE.map(record, contexts[key]))) for key, record in records]
    return contexts, load_customers(client, mapped, options=options or {})


def customer(server, customer_id: str) -> dict:
    return next(c for c in server.records("CUSTOMER") if c["CUSTOMERID"] == customer_id)


def test_a_storefront_customer_intacct_does_not_know_is_created_with_its_contact_and_address(client, server):
    """developer.intacct.com customers "Create Customer": CUSTOMERID, NAME, DISPLAYCONTACT (PRINTAS, EMAIL1,
    MAILADDRESS ADDRESS1, CITY, STATE, ZIP, COUNTRYCODE)."""
    contexts, [outcome] = sync(client, storefront("5", "new.person@example.com"))
    assert contexts["5"] == {"customer_id": "XC0000000005", "match": "new", "action": "create"}
    assert (outcome.outcome, outcome.target_id) == ("loaded", "XC0000000005")
    made = customer(server, "XC0000000005")
    assert (made["NAME"], made["DISPLAYCONTACT.EMAIL1"], made["DISPLAYCONTACT.MAILADDRESS.ZIP"],
            made["DISPLAYCONTACT.MAILADDRESS.STATE"], made["STATUS"]) == (
        "Ann Lee", "new.person@example.com", "97201", "OR", "active")


def test_a_customer_is_matched_by_email_whatever_its_case_and_updated_without_the_status_intacct_owns(client, server):
    seeded = server.records("CUSTOMER")[0]
    email = seeded["DISPLAYCONTACT.EMAIL1"]
    before = len(server.records("CUSTOMER"))
    contexts, [outcome] = sync(client, storefront("8", f"  {email.upper()} ", first="Zoë", status="inactive"))
    assert contexts["8"]["customer_id"] == seeded["CUSTOMERID"] and contexts["8"]["action"] == "update"
    assert outcome.outcome == "loaded" and "matched by email" in outcome.detail
    after = customer(server, seeded["CUSTOMERID"])
    assert (after["NAME"], after["STATUS"]) == ("Zoë Lee", "active")
    assert len(server.records("CUSTOMER")) == before  # nothing was created


def test_an_address_without_a_state_clears_the_state_intacct_had(client, server):
    seeded = server.records("CUSTOMER")[0]
    assert seeded["DISPLAYCONTACT.MAILADDRESS.STATE"]
    sync(client, storefront("8", seeded["DISPLAYCONTACT.EMAIL1"], region=None))
    assert customer(server, seeded["CUSTOMERID"])["DISPLAYCONTACT.MAILADDRESS.STATE"] is None


def test_a_customer_intacct_refuses_goes_to_the_dlq_with_its_errorno_and_description2_and_the_rest_load(client, server):
    _, good = storefront("1", "one@example.com")
    _, also_good = storefront("3", "three@example.com")
    bad = ENGINE.map(storefront("2", "two@example.com")[1],
                     {"customer_id": "NOSUCH", "action": "update", "match": "email"})
    outcomes = load_customers(client, [
        ("1", ENGINE.map(good, {"customer_id": "XC0000000001", "action": "create", "match": "new"})),
        ("2", bad),
        ("3", ENGINE.map(also_good, {"customer_id": "XC0000000003", "action": "create", "match": "new"})),
    ])
    assert [o.outcome for o in outcomes] == ["loaded", "dlq", "loaded"]
    assert outcomes[1].reason_code == "erp_rejected"
    assert "BL" in outcomes[1].detail and "NOSUCH does not exist" in outcomes[1].detail
    assert outcomes[1].failed and outcomes[1].failed[0] in outcomes[1].detail


def test_a_customer_created_before_is_not_created_again_when_its_create_is_resent(client, server):
    key, record = storefront("5", "again@example.com")
    mapped = ENGINE.map(record, {"customer_id": "XC0000000005", "action": "create", "match": "new"})
    load_customers(client, [(key, mapped)])
    [outcome] = load_customers(client, [(key, mapped)])
    assert outcome.outcome == "loaded" and "earlier attempt" in outcome.detail
    assert [c["CUSTOMERID"] for c in server.records("CUSTOMER")].count("XC0000000005") == 1


def test_the_customers_intacct_changed_in_the_window_are_read_back_and_the_others_are_not(client, server, clock):
    clock.advance(3600)
    start = clock()
    sync(client, storefront("5", "recent@example.com"))
    rows = list(read_customers(client, {}, start, start + timedelta(minutes=5)))
    assert [key for key, _ in rows] == ["XC0000000005"]
    assert rows[0][1]["DISPLAYCONTACT"]["EMAIL1"] == "recent@example.com"
    assert list(read_customers(client, {}, start - timedelta(days=1), start)) == []


def test_named_customers_are_read_whatever_their_dates_and_unknown_ids_are_left_out(client, server):
    seeded = [c["CUSTOMERID"] for c in server.records("CUSTOMER")[:2]]
    found = [key for key, _ in read_customers_by_key(client, {}, [*seeded, "NOSUCH", " "])]
    assert found == seeded
