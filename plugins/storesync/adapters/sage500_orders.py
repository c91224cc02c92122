"""Sage 500 as the target of web orders, through the Data Import staging tables.

Loading is idempotent in three layers: the sync store's cross-reference, then the ERP itself (every
order we create carries ``UserFld1 = <source prefix>-<storefront id>``, looked up before staging), and
finally the import procedure's own duplicate-``TranNo`` check.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from storesync.adapters.base import LoadOutcome
from storesync.adapters.sage500_staging import import_session, messages
from storesync.hooks.sage500 import Sage500Hook

# Staging → ERP document: what identifies an order we created.
REFERENCE_COLUMN = "UserFld1"


def _placeholders(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values)


def prepare_orders(hook: Sage500Hook, records: list[tuple[str, dict[str, Any]]], options: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per-record mapping context: the ERP customer (matched by e-mail, else the guest account) and options."""
    emails = sorted({((r.get("customer") or {}).get("email") or "").strip().lower() for _, r in records} - {""})
    customers = customers_by_email(hook, emails) if emails else {}
    guest = options.get("guest_customer_id", "WEBGUEST")
    base = {
        "company_id": hook.company_id,
        "warehouse_id": options.get("warehouse_id", "MAIN"),
        "hold_threshold": str(options.get("hold_threshold", "5000.00")),
        "guest_customer_id": guest,
    }
    # Pair option guest_customers: "generic" (default) books unknown buyers on the generic customer;
    # "create" creates one ERP customer per new e-mail (the first order's id names it), in the load step.
    create = str(options.get("guest_customers", "generic")) == "create"
    new_ids: dict[str, str] = {}
    contexts = {}
    for key, record in records:
        email = ((record.get("customer") or {}).get("email") or "").strip().lower()
        if email in customers:
            contexts[key] = {**base, "customer_id": customers[email], "new_customer_id": ""}
        elif create and email:
            cust_id = new_ids.setdefault(email, f"XG{int(key):010d}" if key.isdigit() else f"XG{key}"[:12])
            contexts[key] = {**base, "customer_id": cust_id, "new_customer_id": cust_id}
        else:
            contexts[key] = {**base, "customer_id": guest, "new_customer_id": ""}
    return contexts


def _create_customers(hook: Sage500Hook, connection, records: list[tuple[str, dict[str, Any]]]) -> dict[str, list[str]]:
    """ERP customers for the buyers the prepare step chose to create, staged in the orders' transaction.

    Returns import problems per CustID; the orders of a customer that could not be created go to the DLQ.
    """
    wanted: dict[str, dict[str, Any]] = {}
    for _, record in records:
        new = record.get("_new_customer")
        if new and new.get("CustID") not in wanted:
            wanted[new["CustID"]] = new
    if not wanted:
        return {}
    existing = {row["CustID"].strip() for chunk in chunks(list(wanted), 500) for row in hook.fetch_all(
        connection, f"SELECT CustID FROM tarCustomer WHERE CompanyID = ? AND CustID IN ({_placeholders(chunk)})",
        [hook.company_id, *chunk])}
    rows = [dict(row) for cust_id, row in wanted.items() if cust_id not in existing]
    if not rows:
        return {}
    return messages(import_session(hook, connection, "customer", {"StgCustomer": [{**row, "Action": 1} for row in rows]}))


def customers_by_email(hook: Sage500Hook, emails: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    with hook.transaction("customer lookup") as connection:
        for chunk in chunks(emails, 500):
            rows = hook.fetch_all(
                connection,
                "SELECT c.CustID, t.EMailAddr FROM tarCustomer c JOIN tciContact t ON t.CntctKey = c.PrimaryCntctKey "
                f"WHERE c.CompanyID = ? AND c.Status <> 4 AND LOWER(t.EMailAddr) IN ({_placeholders(chunk)}) "
                "ORDER BY c.CustKey",
                [hook.company_id, *chunk],
            )
            for row in rows:
                found.setdefault(row["EMailAddr"].strip().lower(), row["CustID"].strip())
    return found


def load_orders(hook: Sage500Hook, records: list[tuple[str, dict[str, Any]]]) -> list[LoadOutcome]:
    outcomes: list[LoadOutcome] = []
    with hook.transaction("sales order import") as connection:
        existing = existing_orders(hook, connection, [r["header"][REFERENCE_COLUMN] for _, r in records])
        to_stage = []
        for key, record in records:
            found = existing.get(record["header"][REFERENCE_COLUMN])
            if found:
                outcomes.append(LoadOutcome(key, "skipped", f"already in Sage 500 as sales order {found['TranNo'].strip()}",
                                            target_id=str(found["SOKey"]), target_ref=f"SO {found['TranNo'].strip()}"))
            else:
                to_stage.append((key, record))
        held, to_stage = _hold_unknown_items(hook, connection, to_stage)
        outcomes.extend(held)
        refused = _create_customers(hook, connection, to_stage)
        for key, record in [(k, r) for k, r in to_stage if (r.get("_new_customer") or {}).get("CustID") in refused]:
            problems = refused[record["_new_customer"]["CustID"]]
            outcomes.append(LoadOutcome(key, "dlq", f"order {key}: field customer: the ERP refused the new customer: "
                                        + "; ".join(problems), reason_code="erp_rejected", failed=problems))
        to_stage = [(k, r) for k, r in to_stage if (r.get("_new_customer") or {}).get("CustID") not in refused]
        if to_stage:
            outcomes.extend(_stage_and_import(hook, connection, to_stage))
    return outcomes


def existing_orders(hook: Sage500Hook, connection, references: list[str]) -> dict[str, dict[str, Any]]:
    """Sales orders we created, by external reference (``UserFld1``)."""
    found: dict[str, dict[str, Any]] = {}
    for chunk in chunks(references, 500):
        rows = hook.fetch_all(
            connection,
            f"SELECT SOKey, TranNo, {REFERENCE_COLUMN} AS Ref FROM tsoSalesOrder "
            f"WHERE CompanyID = ? AND {REFERENCE_COLUMN} IN ({_placeholders(chunk)})",
            [hook.company_id, *chunk],
        )
        for row in rows:
            found[row["Ref"].strip()] = row
    return found


def _hold_unknown_items(hook: Sage500Hook, connection, records):
    item_ids = sorted({line["ItemID"] for _, r in records for line in r["lines"]})
    known: set[str] = set()
    for chunk in chunks(item_ids, 500):
        rows = hook.fetch_all(
            connection,
            f"SELECT ItemID FROM timItem WHERE CompanyID = ? AND Status <> 4 AND ItemID IN ({_placeholders(chunk)})",
            [hook.company_id, *chunk],
        )
        known.update(row["ItemID"].strip() for row in rows)
    held, ready = [], []
    for key, record in records:
        unknown = [(i, line["ItemID"]) for i, line in enumerate(record["lines"]) if line["ItemID"] not in known]
        if unknown:
            fields = [f"lines[{i}].sku" for i, _ in unknown]
            skus = ", ".join(f"'{sku}'" for _, sku in unknown)
            held.append(LoadOutcome(key, "held", f"order {key}: field {fields[0]}: SKU {skus} unknown to Sage 500; order held until the item exists",
                                    reason_code="unknown_sku", failed=fields))
        else:
            ready.append((key, record))
    return held, ready


def _stage_and_import(hook: Sage500Hook, connection, records) -> list[LoadOutcome]:
    tran_nos = [r["header"]["TranNo"] for _, r in records]
    cursor = connection.cursor()
    # Rows a crashed earlier attempt left behind would collide with ours: they are ours to clear.
    for chunk in chunks(tran_nos, 500):
        marks = _placeholders(chunk)
        cursor.execute(f"DELETE FROM StgSOLine WHERE TranNo IN ({marks}) AND ProcessStatus IN (0, 2)", chunk)
        cursor.execute(f"DELETE FROM StgSalesOrder WHERE TranNo IN ({marks}) AND ProcessStatus IN (0, 2)", chunk)
    refused = messages(import_session(hook, connection, "sales_order", {
        "StgSalesOrder": [{**r["header"], "Action": 1} for _, r in records],
        "StgSOLine": [{**line, "Action": 1} for _, r in records for line in r["lines"]],
    }))
    created = existing_orders(hook, connection, [r["header"][REFERENCE_COLUMN] for _, r in records])

    outcomes = []
    for key, record in records:
        header = record["header"]
        doc = created.get(header[REFERENCE_COLUMN])
        if doc:
            outcomes.append(LoadOutcome(key, "loaded", f"created Sage 500 sales order {doc['TranNo'].strip()}",
                                        target_id=str(doc["SOKey"]), target_ref=f"SO {doc['TranNo'].strip()}"))
        else:
            problems = refused.get(header["TranNo"], ["import procedure left the order unprocessed without a message"])
            outcomes.append(LoadOutcome(key, "dlq", f"order {key}: Sage 500 import refused: " + "; ".join(problems),
                                        reason_code="erp_rejected", failed=problems))
    return outcomes


def chunks(values: Sequence[Any], size: int):
    for start in range(0, len(values), size):
        yield list(values[start:start + size])
