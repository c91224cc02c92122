"""The seeded tenant (shared with the Sage 500 sandbox's generators), the sandbox endpoints and process mode."""

from __future__ import annotations

import random
import subprocess
import sys
from decimal import Decimal

import pytest

from include.sandbox.acumatica import AcumaticaServer, AcumaticaStore, seed_store
from include.sandbox.acumatica.seed import CASH_ACCOUNTS, PAYMENT_METHODS
from include.sandbox.sage500.seed import generate_items
from tests.conftest import ROOT
from tests.sandbox.acumatica.api import Api

EMAILS = ["ann@example.com", "ANN@example.com", "zoe.o'brien@example.com"]


def seeded(**kwargs) -> AcumaticaStore:
    store = AcumaticaStore()
    seed_store(store, **kwargs)
    return store


def test_the_same_seed_gives_the_same_tenant_and_another_seed_another():
    assert seeded(seed=3, items=15, customers=4).export() == seeded(seed=3, items=15, customers=4).export()
    assert seeded(seed=3, items=15).export()["StockItem"] != seeded(seed=4, items=15).export()["StockItem"]


def test_the_item_master_and_stock_are_the_sage_500_sandboxs_for_the_same_seed():
    store = seeded(seed=7, items=25, customers=3)
    sage_items = generate_items(random.Random(7), 25)
    assert [i["InventoryID"] for i in store.records("StockItem")] == [f"SKU-{n:05d}" for n in range(1, 26)]
    for item, sage in zip(store.records("StockItem"), sage_items):
        assert item["Description"] == sage.short_desc
        assert item["DefaultPrice"] == sage.price and item["DefaultPrice"].as_tuple().exponent == -2
        stock = {row["WarehouseID"]: row["QtyOnHand"] for row in item["WarehouseDetails"]}
        assert stock == {warehouse: on_hand for warehouse, on_hand, _pending in sage.stock}
    assert {i["ItemStatus"] for i in store.records("StockItem")} <= {"Active", "Inactive", "No Purchases"}


def test_one_customer_per_storefront_email_and_the_web_guest():
    store = seeded(seed=7, items=3, customers=4, customer_emails=EMAILS)
    customers = store.records("Customer")
    web = [c for c in customers if c["CustomerClass"] == "WEB"]
    assert [c["Email"] for c in web] == ["ann@example.com", "zoe.o'brien@example.com", None]
    assert web[-1]["CustomerID"] == "WEBGUEST"
    assert all(c["MainContact"]["Address"]["Country"] in ("US", "CA", "GB") for c in customers)
    assert [c["CustomerID"] for c in customers if c["CustomerClass"] == "RETAIL"] == [f"C0000{n}" for n in range(1, 5)]


def test_reference_data_is_there_for_the_payment_mapping():
    store = seeded(items=1, customers=1)
    assert set(store.reference.payment_methods) == {m.method_id for m in PAYMENT_METHODS}
    assert store.reference.payment_methods["CREDITCARD"].cash_accounts[0] == "10200"
    assert store.reference.payment_methods["PAYPAL"].cash_accounts[0] == "10250"
    assert store.reference.payment_methods["CHECK"].cash_accounts[0] == "10100"
    assert {a.account_id for a in CASH_ACCOUNTS} == set(store.reference.cash_accounts)
    assert set(store.reference.warehouses) == {"MAIN", "EAST", "WEST"}


def test_a_new_customer_without_an_id_gets_the_next_number():
    store = seeded(items=1, customers=3, customer_emails=["x@example.com"])
    saved = store.put("Customer", {"CustomerName": "Web Buyer", "MainContact": {"Email": "w@example.com"}})
    assert saved["CustomerID"] == "C00005" and saved["Status"] == "Active" and saved["CustomerClass"] == "WEB"


@pytest.fixture
def server():
    with AcumaticaServer(items=6, customers=2, customer_emails=["ann@example.com"]) as running:
        yield running


def test_state_records_and_inventory_endpoints(server):
    api = Api(server, login=False)
    state = api.sandbox("GET", "state").body
    assert state["StockItem"] == 6 and state["Customer"] == 4
    customers = api.sandbox("GET", "records/Customer").body
    assert [c["CustomerID"] for c in customers] == ["C00001", "C00002", "C00003", "WEBGUEST"]
    assert "MainContact" in customers[0]  # full records, plain JSON
    assert len(api.sandbox("GET", "inventory").body) == 18
    assert api.sandbox("GET", "records/Invoice").status == 404


def test_erp_actions_through_the_sandbox_endpoint(server):
    api = Api(server, login=False)
    reply = api.sandbox("POST", "actions/update_customer_address", {"customer_id": "C00003", "City": "Austin",
                                                                    "PostalCode": "78701"})
    assert reply.status == 200, reply.text
    assert server.store.get("Customer", ["C00003"])["MainContact"]["Address"]["City"] == "Austin"
    api.sandbox("POST", "actions/set_customer_status", {"customer_id": "C00003", "status": "Credit Hold"})
    assert server.store.get("Customer", ["C00003"])["Status"] == "Credit Hold"
    created = api.sandbox("POST", "actions/create_item", {"inventory_id": "SKU-90001", "description": "New Lamp",
                                                          "default_price": "19.90", "stock": {"MAIN": 5}})
    assert created.status == 200, created.text
    assert server.store.inventory_summary("SKU-90001", "MAIN")[0]["QtyOnHand"] == 5
    api.sandbox("POST", "actions/update_item", {"inventory_id": "SKU-90001", "default_price": "17.50",
                                                "item_status": "Inactive"})
    item = server.store.get("StockItem", ["SKU-90001"])
    assert (item["DefaultPrice"], item["ItemStatus"]) == (Decimal("17.50"), "Inactive")


@pytest.mark.parametrize("action, body, fragment", [
    ("set_customer_status", {"customer_id": "C00001", "status": "Sleeping"}, "Status"),
    ("set_customer_status", {"customer_id": "NOPE", "status": "Active"}, "not found"),
    ("set_stock", {"inventory_id": "SKU-00001", "warehouse_id": "NORTH", "qty_on_hand": 1}, "NORTH"),
    ("set_stock", {"inventory_id": "SKU-00001"}, "missing"),
    ("ship_order", {"order_nbr": "SO000123"}, "not found"),
])
def test_a_refused_action_is_a_400_with_the_reason(server, action, body, fragment):
    reply = Api(server, login=False).sandbox("POST", f"actions/{action}", body)
    assert reply.status == 400 and fragment in reply.body["message"]


def test_reset_reseeds_the_tenant(server):
    server.store.put("Customer", {"CustomerID": "TEMP", "CustomerName": "Temporary"})
    assert Api(server, login=False).sandbox("POST", "reset").body["Customer"] == 4
    assert server.store.find("Customer", ["TEMP"]) is None


def test_process_mode_prints_its_url_first_and_serves_until_terminated():
    process = subprocess.Popen([sys.executable, "-m", "include.sandbox.acumatica", "--port", "0", "--items", "3",
                                "--customers", "1"], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                               env={"PYTHONPATH": f"{ROOT}:{ROOT / 'plugins'}", "PATH": "/usr/bin:/bin"})
    try:
        line = process.stdout.readline()
        assert line.startswith("Acumatica sandbox serving http://127.0.0.1:")
        url = line.split()[3]
        import requests

        assert requests.get(f"{url}/_sandbox/state", timeout=10).json()["StockItem"] == 3
        assert "sandbox-password" not in line
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
