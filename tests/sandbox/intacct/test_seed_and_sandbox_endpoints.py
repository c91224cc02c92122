"""The seeded company and the sandbox's own HTTP endpoints (faults, limits, metering, records, clerk actions)."""

from __future__ import annotations

import requests

from include.sandbox.intacct import IntacctServer
from tests.sandbox.intacct.api import Client, fn, read_by_query, sales_order


def test_the_same_seed_gives_the_same_company():
    """Deterministic seed (include/sandbox/intacct/seed.py): items and customers come from the Sage 500
    sandbox's generators, so SKUs match the X-Cart emulator's and every run starts from the same data."""
    with IntacctServer(items=5, customers=3, seed=7) as one, IntacctServer(items=5, customers=3, seed=7) as two:
        for obj in ("CUSTOMER", "ITEM", "ITEMWAREHOUSEINFO", "WAREHOUSE", "LOCATION", "CHECKINGACCOUNT"):
            assert one.records(obj) == two.records(obj)
        assert [i["ITEMID"] for i in one.records("ITEM") if i["ITEMTYPE"] == "Inventory"] == [
            f"SKU-{n:05d}" for n in range(1, 6)]


def test_sandbox_endpoints_drive_faults_limits_and_read_metering(server, client):
    """Sandbox endpoints (include/sandbox/intacct/server.py): POST /_sandbox/faults and /_sandbox/limits change
    the running gateway; GET /_sandbox/metering and /_sandbox/records/{company}/{OBJECT} inspect it; POST
    /_sandbox/actions/{company}/ship_order is the warehouse clerk."""
    base = server.base_url
    company = next(iter(server.companies))
    assert requests.post(f"{base}/_sandbox/faults", json={"burst_429": 1}, timeout=5).json()["burst_429"] == 1
    assert client.call(fn("q", read_by_query("CUSTOMER"))).status == 429
    assert requests.post(f"{base}/_sandbox/limits", json={"max_concurrent": 3}, timeout=5).json()[
        "max_concurrent"] == 3
    key = client.call(fn("o", sales_order("C00001", [("SKU-00001", "1", "MAIN", "1.00")]))).result().key
    shipped = requests.post(f"{base}/_sandbox/actions/{company}/ship_order",
                            json={"docid": key, "tracking_number": "TRK-1"}, timeout=5)
    assert shipped.status_code == 200 and shipped.json()["TRACKINGNUMBER"] == "TRK-1"
    records = requests.get(f"{base}/_sandbox/records/{company}/SODOCUMENT", timeout=5).json()
    assert [r["DOCID"] for r in records] == [key] and records[0]["TOTAL"] == "1.00"
    metering = requests.get(f"{base}/_sandbox/metering", timeout=5).json()[company]
    assert metering["api_transactions"] == 1 and metering["by_function"] == {"create_sotransaction": 1}
    bad = requests.post(f"{base}/_sandbox/faults", json={"error_rate": 2}, timeout=5)
    assert bad.status_code == 400


def test_sessions_expire_over_http(server):
    """POST /_sandbox/sessions/expire ends every session: the next session request fails authentication (the
    chaos run's 'session expiry mid-run')."""
    client = Client(server)
    client.open_session()
    assert requests.post(f"{server.base_url}/_sandbox/sessions/expire", timeout=5).json() == {"expired": 1}
    assert client.call(fn("q", read_by_query("CUSTOMER")), session=True).auth_status == "failure"


def test_reset_reseeds_the_company_and_forgets_control_ids(server, client):
    """POST /_sandbox/reset (as the other emulators' reset): the seeded company comes back, and a control ID
    used before the reset may be used again (the new company never executed it)."""
    order = fn("once", sales_order("C00001", [("SKU-00001", "1", "MAIN", "1.00")]))
    assert client.call(order, uniqueid="true").result().status == "success"
    counts = requests.post(f"{server.base_url}/_sandbox/reset", timeout=5).json()
    assert counts[next(iter(server.companies))]["SODOCUMENT"] == 0
    assert client.call(order, uniqueid="true").result().status == "success"


def test_storefront_emails_are_existing_customers(tmp_path):
    """Seed (include/sandbox/intacct/seed.py, like the other ERP sandboxes): every storefront e-mail given is an
    existing customer of class WEB, so customer matching has something to find."""
    with IntacctServer(items=1, customers=2, customer_emails=["ann@example.org", "bo@example.org"]) as server:
        web = {c["DISPLAYCONTACT.EMAIL1"]: c for c in server.records("CUSTOMER") if c["CUSTTYPE"] == "WEB"}
    assert {"ann@example.org", "bo@example.org"} <= set(web)
    assert all(c["STATUS"] == "active" for c in web.values() if c["DISPLAYCONTACT.EMAIL1"])
