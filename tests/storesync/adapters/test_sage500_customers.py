"""The Sage 500 customers loader against the sandbox's spARapiCustomerIns (SQLite through ODBC).

What it must do, from the vendor procedure (docs/sage500.md rows 10, 16-18): stage the customer, its primary
address and its primary contact on one StgCustomer row with a customer class for new customers, and count a
customer as written only when the procedure logged its success row (Status 3).
"""

from __future__ import annotations

import json

import pytest

from storesync.systems.sage500 import customers as sage500_customers
from storesync.systems.sage500.staging import SessionLog, outcome_problems


@pytest.fixture
def hook(monkeypatch, tmp_path):
    from include.sandbox.sage500.dialects import connect
    from include.sandbox.sage500.schema import create_schema
    from include.sandbox.sage500.seed import seed_database
    from storesync.systems.sage500.hook import Sage500Hook

    database = str(tmp_path / "sage500.db")
    connection = connect("sqlite", database=database)
    create_schema(connection, "sqlite")
    seed_database(connection, "sqlite", seed=7, items=3, customers=3)
    connection.close()
    monkeypatch.setenv("AIRFLOW_CONN_SAGE_TEST", json.dumps({"conn_type": "sage500", "schema": database, "extra": {
        "driver": "SQLite3", "dialect": "sqlite", "company_id": "SOA", "import_procedure": "sandbox",
        "placeholder": "?"}}))
    return Sage500Hook("sage_test")


def mapped(cust_id: str, action: int = 1, **fields) -> dict:
    """A record as plugins/storesync/systems/sage500/mappings/customer_from_canonical.yaml produces it."""
    return {"CustID": cust_id, "_action": action, "_match": "new" if action == 1 else "email",
            "CustName": "Ann Lee", "CustClassID": "WEB", "Name": "Ann Lee", "EMailAddr": "ann@example.com",
            "Phone": "+1 503 555 0100", "AddrLine1": "1 Main St", "AddrLine2": None, "City": "Portland",
            "StateID": "OR", "PostalCode": "97201", "CountryID": "USA", "Status": "1", **fields}


def _one(hook, sql: str, *params):
    with hook.transaction("test read") as connection:
        rows = hook.fetch_all(connection, sql, list(params))
    return rows[0] if rows else None


def test_a_new_customer_is_created_with_its_class_primary_address_and_contact(hook):
    [outcome] = sage500_customers.load_customers(hook, [("17", mapped("XC0000000017"))])
    assert (outcome.outcome, outcome.target_id) == ("loaded", "XC0000000017")
    row = _one(hook, "SELECT k.CustClassID, a.AddrName, a.AddrLine1, t.Name, t.EMailAddr FROM tarCustomer c "
                     "JOIN tarCustClass k ON k.CustClassKey = c.CustClassKey JOIN tciAddress a ON a.AddrKey = "
                     "c.PrimaryAddrKey JOIN tciContact t ON t.CntctKey = c.PrimaryCntctKey WHERE c.CustID = ?",
               "XC0000000017")
    assert (row["CustClassID"], row["AddrName"], row["AddrLine1"], row["Name"], row["EMailAddr"]) == (
        "WEB", "Ann Lee", "1 Main St", "Ann Lee", "ann@example.com")


def test_an_update_keeps_the_customers_class_and_the_fields_the_erp_owns(hook):
    before = _one(hook, "SELECT CustID, CustClassKey, Status FROM tarCustomer WHERE CustID = ?", "C00001")
    [outcome] = sage500_customers.load_customers(
        hook, [("1", mapped("C00001", action=2, CustClassID="RETAIL", Status="2", City="Boston"))],
        {"erp_owned_customer_fields": ["status"]})
    assert outcome.outcome == "loaded"
    after = _one(hook, "SELECT c.CustClassKey, c.Status, a.City FROM tarCustomer c JOIN tciAddress a "
                       "ON a.AddrKey = c.PrimaryAddrKey WHERE c.CustID = ?", "C00001")
    assert (after["CustClassKey"], after["Status"], after["City"]) == (before["CustClassKey"], before["Status"], "Boston")


def test_a_customer_the_procedure_refuses_goes_to_the_dlq_with_its_log_message(hook):
    [outcome] = sage500_customers.load_customers(hook, [("18", mapped("XC0000000018", CustClassID="VIP"))])
    assert outcome.outcome == "dlq" and outcome.reason_code == "erp_rejected"
    assert "CustClassID='VIP'" in outcome.detail


def test_a_customer_without_a_success_row_is_not_counted_as_written():
    """Sage logs a second staged row of a CustID as a warning only (Status 2) and writes nothing for it: no
    Status 3 row means not written, whatever else the log says."""
    log = SessionLog(warnings={"C1": ["CustID='C1': duplicate"]}, succeeded={"C2"})
    assert outcome_problems(log, "C1", "customer") == ["CustID='C1': duplicate"]
    assert outcome_problems(log, "C2", "customer") is None
    assert outcome_problems(log, "C3", "customer") == ["import procedure left the customer unprocessed without a message"]


def test_the_customer_class_of_new_customers_is_a_pair_option():
    assert sage500_customers.customer_class_id({"customer_class_id": "ONLINE"}) == "ONLINE"
    assert sage500_customers.customer_class_id({}) == "WEB"
