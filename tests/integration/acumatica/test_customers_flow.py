"""End to end: the customers DAG of pair xcart-acumatica (storefront → Acumatica with matching, then Acumatica's
edits back), the real DAG run by Airflow against the X-Cart and Acumatica emulators, on both backends."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

import pytest

from tests.integration.conftest import END

pytestmark = pytest.mark.integration
PAIR = "xcart-acumatica"
EVERYTHING = {"resync_from": "2000-01-01T00:00:00+00:00", "resync_to": END.isoformat()}
# Acumatica stamps its changes (ours and its users') inside the re-sync range.
ERP_TIME = datetime(2026, 11, 19, 12, tzinfo=timezone.utc)


def erp_clock() -> float:
    return ERP_TIME.timestamp()


def run(dag, conf: dict):
    dag_run = dag.test(run_conf=conf)
    assert str(dag_run.state) == "success", f"{dag.dag_id} ended {dag_run.state}"


def erp_customers(sandbox) -> dict[str, dict]:
    return {c["CustomerID"]: c for c in sandbox.acumatica.store.records("Customer")}


def email_of(customer: dict) -> str:
    return str((customer.get("MainContact") or {}).get("Email") or "").strip().lower()


def address_of(customer: dict) -> dict:
    return (customer.get("MainContact") or {}).get("Address") or {}


def profiles(sandbox) -> dict[str, dict]:
    return {p["email"].strip().lower(): p for p in sandbox.xcart.store.list_profiles(offset=0, limit=None)[0]}


def run_counts(sandbox) -> dict[str, dict]:
    store = sandbox.store()
    counts = {}
    for flow in ("customers", "customers_from_erp"):
        runs = sorted(store.list_runs(pair=PAIR, flow=flow), key=lambda r: r["started_at"])
        counts[flow] = runs[-1]["counts"] if runs else {}
    return counts


def test_every_storefront_customer_exists_once_in_acumatica_and_a_rerun_writes_nothing(
        acumatica_sandbox_factory, flow_dag):
    sandbox = acumatica_sandbox_factory(orders=2, erp_clock=erp_clock)
    known_before = {email_of(c) for c in erp_customers(sandbox).values()}
    dag = flow_dag("customers", erp="acumatica")
    run(dag, EVERYTHING)
    by_email = Counter(email_of(c) for c in erp_customers(sandbox).values() if email_of(c))
    storefront = profiles(sandbox)
    for email in storefront:
        assert by_email[email] == 1, f"{email} is in Acumatica {by_email[email]} times"
    created = {email for email in storefront if email not in known_before}
    assert created, "a quarter of the storefront's customers are new to the ERP"
    assert all(cid.startswith("XC") for cid, c in erp_customers(sandbox).items() if email_of(c) in created)

    run(dag, EVERYTHING)
    counts = run_counts(sandbox)
    assert counts["customers"]["loaded"] == 0 and counts["customers"]["extracted"] > 0
    assert counts["customers_from_erp"]["loaded"] == 0 and counts["customers_from_erp"]["extracted"] > 0


def test_a_new_storefront_profile_matching_a_customer_by_name_and_postal_code_updates_it(
        acumatica_sandbox_factory, flow_dag):
    sandbox = acumatica_sandbox_factory(orders=2, erp_clock=erp_clock)
    dag = flow_dag("customers", erp="acumatica")
    run(dag, EVERYTHING)
    before = erp_customers(sandbox)
    customer_id, erp = next((k, v) for k, v in sorted(before.items())
                            if address_of(v).get("PostalCode") and email_of(v) and v["CustomerName"].count(" ") == 1)
    first, last = erp["CustomerName"].split(" ")
    stamp = int(END.timestamp()) - 60
    sandbox.xcart.store.create_profile({
        "login": "new.address@example.com", "email": "new.address@example.com", "firstname": first, "lastname": last,
        "addresses": [{"isBilling": True, "isShipping": True, "firstname": first, "lastname": last,
                       "street": "1 New St", "city": "Elsewhere", "state": "OR",
                       "zipcode": address_of(erp)["PostalCode"], "country": "US"}],
        "addedDate": stamp, "updateDate": stamp})
    run(dag, EVERYTHING)
    after = erp_customers(sandbox)
    assert len(after) == len(before), "matched, not created"
    assert email_of(after[customer_id]) == "new.address@example.com"
    assert address_of(after[customer_id])["AddressLine1"] == "1 New St"


def test_an_acumatica_address_edit_flows_back_to_that_storefront_account_only(acumatica_sandbox_factory, flow_dag):
    sandbox = acumatica_sandbox_factory(orders=2, erp_clock=erp_clock)
    dag = flow_dag("customers", erp="acumatica")
    run(dag, EVERYTHING)
    storefront = profiles(sandbox)
    customer_id, erp = next((k, v) for k, v in sorted(erp_customers(sandbox).items()) if email_of(v) in storefront)
    before = profiles(sandbox)
    sandbox.acumatica.store.update_customer_address(customer_id=customer_id, AddressLine1="77 Harbour Road",
                                                   City="Bristol")
    run(dag, EVERYTHING)
    after = profiles(sandbox)
    assert {email for email in after if after[email] != before[email]} == {email_of(erp)}
    billing = next(a for a in after[email_of(erp)]["addresses"] if a.get("isBilling"))
    assert (billing["street"], billing["city"]) == ("77 Harbour Road", "Bristol")
    assert run_counts(sandbox)["customers_from_erp"]["loaded"] == 1


def test_a_storefront_address_edit_reaches_acumatica_but_the_erp_owned_status_is_never_overwritten(
        acumatica_sandbox_factory, flow_dag):
    sandbox = acumatica_sandbox_factory(orders=2, erp_clock=erp_clock)
    dag = flow_dag("customers", erp="acumatica")
    run(dag, EVERYTHING)
    email, profile = sorted(profiles(sandbox).items())[0]
    customer_id = next(k for k, v in erp_customers(sandbox).items() if email_of(v) == email)
    sandbox.acumatica.store.set_customer_status(customer_id=customer_id, status="Credit Hold")
    address = {**profile["addresses"][0], "street": "12 Quay Street", "city": "Cork"}
    sandbox.xcart.store.update_profile(profile["profileId"], {"addresses": [address, *profile["addresses"][1:]],
                                                               "status": "D"})
    run(dag, {**EVERYTHING, "resync_to": "2099-01-01T00:00:00+00:00"})
    after = erp_customers(sandbox)[customer_id]
    assert (address_of(after)["AddressLine1"], address_of(after)["City"]) == ("12 Quay Street", "Cork")
    assert after["Status"] == "Credit Hold", "status is Acumatica's to change"
    assert profiles(sandbox)[email]["status"] == "E", "the ERP's status (credit hold still buys) flows back"
