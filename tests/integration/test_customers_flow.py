"""End to end: the customers DAG (storefront → ERP with matching, then ERP edits back), on both backends."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest

from tests.integration.conftest import END

pytestmark = pytest.mark.integration
EVERYTHING = {"resync_from": "2000-01-01T00:00:00+00:00", "resync_to": END.isoformat()}


def erp_customers(sandbox) -> dict[str, dict]:
    rows = sandbox.erp_rows(
        "SELECT c.CustID, c.CustName, t.EMailAddr, a.AddrLine1, a.City, a.PostalCode, c.Status FROM tarCustomer c "
        "LEFT JOIN tciContact t ON t.CntctKey = c.PrimaryCntctKey LEFT JOIN tciAddress a ON a.AddrKey = c.PrimaryAddrKey")
    return {r[0].strip(): {"name": r[1], "email": (r[2] or "").strip().lower(), "line1": r[3], "city": r[4],
                           "postal": r[5], "status": r[6]} for r in rows}


def profiles(sandbox) -> dict[str, dict]:
    return {p["email"].strip().lower(): p for p in sandbox.xcart.store.list_profiles(offset=0, limit=None)[0]}


def run_counts(sandbox) -> dict[str, dict]:
    store = sandbox.store()
    out = {}
    for flow in ("customers", "customers_from_erp"):
        runs = sorted(store.list_runs(flow=flow), key=lambda r: r["started_at"])
        out[flow] = runs[-1]["counts"] if runs else {}
    return out


def test_every_storefront_customer_exists_once_in_the_erp_and_a_rerun_writes_nothing(sandbox_factory, flow_dag):
    sandbox = sandbox_factory(orders=2)
    dag = flow_dag("customers")
    assert str(dag.test(run_conf=EVERYTHING).state) == "success"
    by_email = Counter(c["email"] for c in erp_customers(sandbox).values() if c["email"])
    for email in profiles(sandbox):
        assert by_email[email] == 1, f"{email} is in the ERP {by_email[email]} times"

    assert str(dag.test(run_conf=EVERYTHING).state) == "success"
    counts = run_counts(sandbox)
    assert counts["customers"]["loaded"] == 0 and counts["customers"]["extracted"] > 0
    assert counts["customers_from_erp"]["loaded"] == 0 and counts["customers_from_erp"]["extracted"] > 0


def test_a_new_storefront_profile_matching_an_erp_customer_by_name_and_postal_code_updates_it(sandbox_factory, flow_dag):
    sandbox = sandbox_factory(orders=2)
    dag = flow_dag("customers")
    assert str(dag.test(run_conf=EVERYTHING).state) == "success"
    before = erp_customers(sandbox)
    cust_id, erp = next((k, v) for k, v in before.items() if v["postal"] and v["email"] and v["name"].count(" ") == 1)
    first, last = erp["name"].split(" ")
    sandbox.xcart.store.create_profile({
        "login": "new.address@example.com", "email": "new.address@example.com", "firstname": first, "lastname": last,
        "addresses": [{"isBilling": True, "isShipping": True, "firstname": first, "lastname": last, "street": "1 New St",
                       "city": "Elsewhere", "state": "OR", "zipcode": erp["postal"], "country": "US"}],
        "addedDate": int(END.timestamp()) - 60, "updateDate": int(END.timestamp()) - 60})
    assert str(dag.test(run_conf=EVERYTHING).state) == "success"
    after = erp_customers(sandbox)
    assert len(after) == len(before), "matched, not created"
    assert after[cust_id]["email"] == "new.address@example.com"


def test_an_erp_address_edit_flows_back_to_that_storefront_account_only(sandbox_factory, flow_dag):
    from include.sandbox.sage500.erp_actions import update_customer_address

    sandbox = sandbox_factory(orders=2)
    dag = flow_dag("customers")
    assert str(dag.test(run_conf=EVERYTHING).state) == "success"
    cust_id, erp = next((k, v) for k, v in sorted(erp_customers(sandbox).items()) if v["email"] in profiles(sandbox))
    before = profiles(sandbox)
    connection = sandbox.erp()
    try:
        update_customer_address(connection, company_id="SOA", cust_id=cust_id, AddrLine1="77 Harbour Road", City="Bristol",
                                now=datetime(2026, 11, 19, 12))
    finally:
        connection.close()
    assert str(dag.test(run_conf=EVERYTHING).state) == "success"
    after = profiles(sandbox)
    changed = {email for email in after if after[email] != before[email]}
    assert changed == {erp["email"]}
    billing = next(a for a in after[erp["email"]]["addresses"] if a.get("isBilling"))
    assert (billing["street"], billing["city"]) == ("77 Harbour Road", "Bristol")



def test_a_storefront_address_edit_reaches_the_erp_but_the_erp_owned_status_is_kept(sandbox_factory, flow_dag):
    sandbox = sandbox_factory(orders=2)
    dag = flow_dag("customers")
    assert str(dag.test(run_conf=EVERYTHING).state) == "success"
    email, profile = sorted(profiles(sandbox).items())[0]
    cust_id = next(k for k, v in erp_customers(sandbox).items() if v["email"] == email)
    status_before = erp_customers(sandbox)[cust_id]["status"]
    address = {**profile["addresses"][0], "street": "12 Quay Street", "city": "Cork"}
    sandbox.xcart.store.update_profile(profile["profileId"], {"addresses": [address, *profile["addresses"][1:]],
                                                               "status": "D"})
    assert str(dag.test(run_conf={**EVERYTHING, "resync_to": "2099-01-01T00:00:00+00:00"}).state) == "success"
    after = erp_customers(sandbox)[cust_id]
    assert (after["line1"], after["city"]) == ("12 Quay Street", "Cork")
    assert after["status"] == status_before, "status is the ERP's to change"
