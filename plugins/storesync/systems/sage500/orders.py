"""Sage 500 as the target of web orders, through the Data Import staging tables.

Loading is idempotent in three layers: the sync store's cross-reference, then the ERP itself (every
order we create carries ``UserFld1 = <source prefix>-<storefront id>``, looked up before staging), and
finally the import procedure's own duplicate-``TranNo`` check.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from storesync.adapters.base import LoadOutcome
from storesync.adapters.documents import (
    ErpDocument,
    OrderPolicy,
    assign_customers,
    buyer_emails,
    created,
    hold_unknown_skus,
    new_customer_refused,
    refused,
    split_existing,
)
from storesync.systems.sage500.staging import messages, outcome_problems, run_session
from storesync.systems.sage500.hook import Sage500Hook

ERP = "Sage 500"
# Staging → ERP document: what identifies an order we created (documents.reference("order", id)).
REFERENCE_COLUMN = "UserFld1"

# The StgSalesOrder / StgSOLine columns spSOapiSalesOrdIns copies into its work tables (the procedure's own
# column lists, docs/sage500.md). Only these are staged: anything else in a mapped record (the storefront
# total TranAmt, kept for the quality gate) would be a column the procedure never reads.
PROCEDURE_HEADER_COLUMNS = frozenset({
    "AckDate", "BillToAddrLine1", "BillToAddrLine2", "BillToAddrLine3", "BillToAddrLine4", "BillToAddrLine5",
    "BillToAddrName", "BillToCity", "BillToCountryID", "BillToPostalCode", "BillToStateID", "BillToCustAddrID",
    "CloseDate", "ContactName", "ConfirmNo", "CurrID", "CustID", "CustClassID", "CustPONo",
    "DfltAcctRefCode", "CurrExchSchdID", "DfltPurchVAddrID", "DfltCommPlanID", "DfltFOBID", "DfltPromDate",
    "DfltRequestDate", "DfltShipDate", "DfltShipMethID", "DfltShipPriority", "DfltShipToAddrLine1",
    "DfltShipToAddrLine2", "DfltShipToAddrLine3", "DfltShipToAddrLine4", "DfltShipToAddrLine5",
    "DfltShipToAddrName", "DfltShipToCity", "DfltShipToCountryID", "DfltShipToPostalCode", "DfltShipToStateID",
    "DfltShipToCustAddrID", "DfltWarehouseID", "Expiration", "FreightAmt", "Hold", "HoldReason", "OpenAmt",
    "PmtTermsID", "PrimarySperID", "RecurSOTranNo", "RequireSOAck", "SalesSourceID", "SOAckFormID", "Status",
    "STaxAmt", "TradeDiscAmt", "TranCmnt", "TranDate", "TranNo", "UserFld1", "UserFld2", "UserFld3", "UserFld4",
})
PROCEDURE_LINE_COLUMNS = frozenset({
    "AcctRefCode", "AmtInvcd", "CloseDate", "CmntOnly", "CommClassID", "CommPlanID", "KitComponent", "Description",
    "ExtAmt", "ExtCmnt", "FOBID", "FreightAmt", "GLAcctNo", "Hold", "HoldReason", "ItemAliasID", "ItemID",
    "OrigOrdered", "OrigPromiseDate", "PromiseDate", "QtyInvcd", "QtyOnBO", "QtyOrd", "QtyRtrnCredit",
    "QtyRtrnReplacement", "QtyShip", "ReqCert", "RequestDate", "ShipDate", "ShipMethID", "ShipPriority",
    "ShipToAddrLine1", "ShipToAddrLine2", "ShipToAddrLine3", "ShipToAddrLine4", "ShipToAddrLine5", "ShipToAddrName",
    "ShipToCity", "ShipToCountryID", "ShipToPostalCode", "ShipToStateID", "SOLineNo", "Status", "STaxClassID",
    "TradeDiscAmt", "TradeDiscPct", "TranNo", "UnitMeasID", "UnitPrice", "UserFld1", "UserFld2", "WarehouseID",
    "DeliveryMeth", "VendorID", "PONumber",
})


def staging_header(header: dict[str, Any]) -> dict[str, Any]:
    """The StgSalesOrder row for a mapped header: the columns the procedure reads, as an insert (Action 1)."""
    return {**{k: v for k, v in header.items() if k in PROCEDURE_HEADER_COLUMNS}, "Action": 1}


def staging_line(line: dict[str, Any]) -> dict[str, Any]:
    return {**{k: v for k, v in line.items() if k in PROCEDURE_LINE_COLUMNS}, "Action": 1}


def _placeholders(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values)


def prepare_orders(hook: Sage500Hook, records: list[tuple[str, dict[str, Any]]], options: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per-record mapping context: the ERP customer (matched by e-mail, else the guest choice) and options."""
    policy = OrderPolicy.from_options(options)
    emails = buyer_emails(records)
    customers = customers_by_email(hook, emails) if emails else {}
    # Late import: sage500_customers imports this module.
    from storesync.systems.sage500.customers import customer_class_id

    base = {"company_id": hook.company_id, "customer_class_id": customer_class_id(options), **policy.context()}
    return {key: {**base, **chosen} for key, chosen in assign_customers(records, customers, policy).items()}


def _create_customers(hook: Sage500Hook, connection, records: list[tuple[str, dict[str, Any]]]) -> dict[str, list[str]]:
    """ERP customers for the buyers the prepare step chose to create, staged in the orders' transaction.

    Returns import problems per CustID; the orders of a customer that could not be created go to the DLQ.
    """
    wanted: dict[str, dict[str, Any]] = {}
    for _, record in records:
        cust_id = _new_cust_id(record)
        if cust_id and cust_id not in wanted:
            wanted[cust_id] = record["_new_customer"]
    if not wanted:
        return {}
    existing = {row["CustID"].strip() for chunk in chunks(list(wanted), 500) for row in hook.fetch_all(
        connection, f"SELECT CustID FROM tarCustomer WHERE CompanyID = ? AND CustID IN ({_placeholders(chunk)})",
        [hook.company_id, *chunk])}
    rows = [dict(row) for cust_id, row in wanted.items() if cust_id not in existing]
    if not rows:
        return {}
    log = run_session(hook, connection, "customer", {"StgCustomer": [{**row, "Action": 1} for row in rows]})
    # Created only with the procedure's success row (Status 3); anything else refuses the customer's orders.
    refused_ids = {row["CustID"]: outcome_problems(log, row["CustID"], "customer") for row in rows}
    return {cust_id: problems for cust_id, problems in refused_ids.items() if problems is not None}


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
        skipped, to_stage = split_existing(records, lambda r: r["header"][REFERENCE_COLUMN],
                                           {ref: _document(row) for ref, row in existing.items()}, ERP, "sales order")
        outcomes.extend(skipped)
        held, to_stage = _hold_unknown_items(hook, connection, to_stage)
        outcomes.extend(held)
        refused_customers = _create_customers(hook, connection, to_stage)
        for key, record in [(k, r) for k, r in to_stage if _new_cust_id(r) in refused_customers]:
            outcomes.append(new_customer_refused(key, refused_customers[_new_cust_id(record)]))
        to_stage = [(k, r) for k, r in to_stage if _new_cust_id(r) not in refused_customers]
        if to_stage:
            outcomes.extend(_stage_and_import(hook, connection, to_stage))
    return outcomes


def _new_cust_id(record: dict[str, Any]) -> str | None:
    """The CustID to create with this order; None when it books on a known or the generic customer."""
    return (record.get("_new_customer") or {}).get("CustID") or None


def _document(row: dict[str, Any]) -> ErpDocument:
    tran_no = row["TranNo"].strip()
    return ErpDocument(number=tran_no, target_id=str(row["SOKey"]), target_ref=f"SO {tran_no}")


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
    return hold_unknown_skus(records, known, ERP, lambda record: [line["ItemID"] for line in record["lines"]])


def _stage_and_import(hook: Sage500Hook, connection, records) -> list[LoadOutcome]:
    tran_nos = [r["header"]["TranNo"] for _, r in records]
    cursor = connection.cursor()
    # Rows a crashed earlier attempt left behind would collide with ours: they are ours to clear.
    for chunk in chunks(tran_nos, 500):
        marks = _placeholders(chunk)
        cursor.execute(f"DELETE FROM StgSOLine WHERE TranNo IN ({marks}) AND ProcessStatus IN (0, 2)", chunk)
        cursor.execute(f"DELETE FROM StgSalesOrder WHERE TranNo IN ({marks}) AND ProcessStatus IN (0, 2)", chunk)
    log = run_session(hook, connection, "sales_order", {
        "StgSalesOrder": [staging_header(r["header"]) for _, r in records],
        "StgSOLine": [staging_line(line) for _, r in records for line in r["lines"]],
    })
    refused_rows = messages(log.problems)
    created_orders = existing_orders(hook, connection, [r["header"][REFERENCE_COLUMN] for _, r in records])

    outcomes = []
    for key, record in records:
        header = record["header"]
        doc = created_orders.get(header[REFERENCE_COLUMN])
        # Created = the procedure logged success (Status 3) for the TranNo and the order is there.
        if doc and header["TranNo"] in log.succeeded:
            outcomes.append(created(key, ERP, "sales order", _document(doc)))
        else:
            problems = refused_rows.get(header["TranNo"],
                                        ["import procedure left the order unprocessed without a message"])
            outcomes.append(refused(key, "order", ERP, "import", problems))
    return outcomes


def chunks(values: Sequence[Any], size: int):
    for start in range(0, len(values), size):
        yield list(values[start:start + size])
