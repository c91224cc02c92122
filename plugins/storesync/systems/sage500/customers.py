"""Sage 500 customers: matching storefront customers, writing them through ``StgCustomer``, reading ERP edits.

Matching (dedup) is the rule of :mod:`storesync.adapters.customer_matching` (the same e-mail, then the
same normalised name and postal code; a match is updated, never duplicated; otherwise a new customer
``XC<profile id, 10 digits>`` is inserted); this module reads the candidates from Sage. Fields the ERP owns
(pair option ``erp_owned_customer_fields``, e.g. status) are staged NULL on an update, which the import
procedure reads as "keep the ERP's value"; they only flow the other way. Shared fields (address) follow the latest edit on either side.

One StgCustomer row is the customer, its primary address (Sage names it after ``CustName``) and its primary
contact (``Name``, ``EMailAddr``, ``Phone``); a new customer needs a customer class (pair option
``customer_class_id``, default ``WEB``), an existing one keeps its own. The outcome is read from the log as
spARapiCustomerIns writes it (docs/sage500.md): created or updated only with its success row (Status 3);
failures (Status 1) and warnings (Status 2, e.g. a second row of a CustID that Sage ignored) go to the DLQ.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from storesync.adapters.base import LoadOutcome
from storesync.adapters.customer_matching import Candidates, lookup_values, owned_fields
from storesync.systems.sage500.catalogue import _naive_utc
from storesync.systems.sage500.orders import _placeholders, chunks
from storesync.systems.sage500.staging import outcome_problems, run_session
from storesync.systems.sage500.hook import Sage500Hook

# The primary address's columns we stage (its name is CustName's, set by the procedure).
ADDRESS_COLUMNS = ("AddrLine1", "AddrLine2", "City", "StateID", "PostalCode", "CountryID")
OWNED_COLUMNS = {"address": ADDRESS_COLUMNS, "status": ("Status",), "name": ("CustName", "Name"),
                 "email": ("EMailAddr",), "phone": ("Phone",)}
#: The class of customers we create when the pair names none (the sandbox's seed has it; a real company must).
DEFAULT_CUSTOMER_CLASS_ID = "WEB"
PAGE = 1000
READ_COLUMNS = ("CustKey", "CustID", "CustName", "Status", "EMailAddr", "Phone", "AddrName", "AddrLine1", "AddrLine2",
                "City", "StateID", "PostalCode", "CountryID")


def _existing_customers(hook: Sage500Hook, emails: list[str], postals: list[str]) -> Candidates:
    candidates = Candidates()
    base = ("SELECT c.CustID, c.CustName, t.EMailAddr, a.PostalCode FROM tarCustomer c "
            "LEFT JOIN tciContact t ON t.CntctKey = c.PrimaryCntctKey LEFT JOIN tciAddress a ON a.AddrKey = c.PrimaryAddrKey "
            "WHERE c.CompanyID = ? AND c.Status <> 4 AND ")
    with hook.transaction("customer match") as connection:
        for chunk in chunks(emails, 500):
            for row in hook.fetch_all(connection, base + f"LOWER(t.EMailAddr) IN ({_placeholders(chunk)}) ORDER BY c.CustKey",
                                      [hook.company_id, *chunk]):
                candidates.add(row["CustID"].strip(), email=row["EMailAddr"])
        # Postal codes are stored as typed; compare them normalised in Python over the candidates.
        for chunk in chunks(postals, 500):
            for row in hook.fetch_all(connection, base + f"a.PostalCode IN ({_placeholders(chunk)}) ORDER BY c.CustKey",
                                      [hook.company_id, *chunk]):
                candidates.add(row["CustID"].strip(), name=row["CustName"], postal=row["PostalCode"])
    return candidates


def prepare_customers(hook: Sage500Hook, records: list[tuple[str, dict[str, Any]]], options: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per customer: the CustID to write (matched or new), the rule that matched, and insert/update."""
    candidates = _existing_customers(hook, *lookup_values(records))
    class_id = customer_class_id(options)
    contexts = {}
    for key, record in records:
        cust_id, rule = candidates.decide(key, record)
        contexts[key] = {"cust_id": cust_id, "match": rule, "action": 1 if rule == "new" else 2,
                         "cust_class_id": class_id}
    return contexts


def customer_class_id(options: dict[str, Any] | None) -> str:
    """The customer class of the customers we create (spARapiCustomerIns takes a new customer's defaults from it)."""
    return str((options or {}).get("customer_class_id") or DEFAULT_CUSTOMER_CLASS_ID)


def load_customers(hook: Sage500Hook, records: list[tuple[str, dict[str, Any]]], options: dict[str, Any] | None = None) -> list[LoadOutcome]:
    owned = [column for field in owned_fields(options) for column in OWNED_COLUMNS[field]]
    rows, matches = [], []
    for _, record in records:
        row = dict(record)
        matches.append(row.pop("_match", "new"))
        row["Action"] = row.pop("_action", 0)
        if row["Action"] == 2:
            # NULL keeps the ERP's value: the fields it owns, and the class (ours is only for new customers).
            row.update({column: None for column in (*owned, "CustClassID")})
        rows.append(row)
    outcomes = []
    with hook.transaction("customer import") as connection:
        log = run_session(hook, connection, "customer", {"StgCustomer": rows})
    for (key, record), match in zip(records, matches):
        cust_id = record["CustID"]
        problems = outcome_problems(log, cust_id, "customer")
        if problems is not None:
            outcomes.append(LoadOutcome(key, "dlq", f"customer {key}: Sage 500 import refused: " + "; ".join(problems),
                                        reason_code="erp_rejected", failed=problems))
        else:
            verb = "created" if record.get("_action") == 1 else f"updated (matched by {match})"
            outcomes.append(LoadOutcome(key, "loaded", f"{verb} Sage 500 customer {cust_id}", target_id=cust_id, target_ref=cust_id))
    return outcomes


def read_customers(hook: Sage500Hook, options: dict[str, Any], since: datetime, until: datetime) -> Iterator[tuple[str, dict]]:
    """Customers (with primary address and e-mail) the ERP changed in the window, by keyset on CustKey."""
    last_key = 0
    window = [_naive_utc(since), _naive_utc(until), _naive_utc(since), _naive_utc(until)]
    with hook.transaction("customer read") as connection:
        while True:
            rows = hook.fetch_all(
                connection,
                "SELECT c.CustKey, c.CustID, c.CustName, c.Status, t.EMailAddr, t.Phone, a.AddrName, a.AddrLine1, "
                "a.AddrLine2, a.City, a.StateID, a.PostalCode, a.CountryID FROM tarCustomer c "
                "LEFT JOIN tciContact t ON t.CntctKey = c.PrimaryCntctKey "
                "LEFT JOIN tciAddress a ON a.AddrKey = c.PrimaryAddrKey "
                "WHERE c.CompanyID = ? AND c.CustKey > ? AND ((c.UpdateDate >= ? AND c.UpdateDate < ?) "
                "OR (a.UpdateDate >= ? AND a.UpdateDate < ?)) "
                f"ORDER BY c.CustKey {hook.first_rows(PAGE)}",
                [hook.company_id, last_key, *window],
            )
            if not rows:
                return
            for row in rows:
                # Named explicitly: PostgreSQL reports column names in lower case.
                record = {name: (row[name].strip() if isinstance(row[name], str) else row[name]) for name in READ_COLUMNS}
                record["CustKey"] = int(record["CustKey"])
                record["Status"] = int(record["Status"]) if record["Status"] is not None else None
                yield record["CustID"], record
            last_key = int(rows[-1]["CustKey"])
