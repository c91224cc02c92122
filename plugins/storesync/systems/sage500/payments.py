"""Sage 500 as the target of storefront payments (customer payments) and refunds (AR credit memos).

Staging path. Sage 500 documents a Data Import path for sales orders (``StgSalesOrder`` +
``spSOapiSalesOrdIns``) and customers, but public material is silent on receipts and credit memos: there
is no documented ``StgCustPmt`` table or receipt/credit-memo import procedure. We keep the supported
shape anyway — rows into a staging table, then an import procedure for that session that validates and
posts them — through the sandbox's own ``StgCustPmt`` / ``StgARCreditMemo`` tables and procedures
(``include/sandbox/sage500/receivables.py``; hook entities ``customer_payment`` and ``credit_memo``).
Writing ``tarCustPmt`` / ``tarInvoice`` directly was rejected: it would bypass the ERP's own checks
(open amount, cash account, customer) and its key allocation. A SQL Server site provides procedures
with the same contract (``NativeImportProcedures`` in :mod:`storesync.systems.sage500.hook`).

What a record becomes:

- a payment (successful X-Cart sale or capture) → ``StgCustPmt`` → ``tarCustPmt`` applied to the web
  order's sales order (``tarCustPmtAppl``; the order's ``OpenAmt`` goes down by the amount), posted to the
  GL cash account the mapping spec's ``cash_accounts`` lookup gives for the payment method;
- a refund (successful X-Cart refund) → ``StgARCreditMemo`` → ``tarInvoice`` TranType 502 for the
  order's customer, applied to the order (``ApplyToSOKey``). The payment it refunds stays as it was.

Both are found through the web order's sales order (``ApplyToTranNo`` = ``W`` + the storefront order id
zero-padded to 9, as the orders flow numbers it); the customer is the order's (``CustID`` is filled here
from the ERP, never guessed from the storefront). Per record, in this order:

1. already in Sage 500 (``UserFld1`` = ``XP-<transactionId>`` on ``tarCustPmt`` / ``XR-<transactionId>`` on
   a credit memo) → skipped, cross-referenced: a retry after a crash creates nothing twice;
2. the order is not in Sage 500 yet → **held** (the flow fetches held records again every run and
   applies them once the orders flow has loaded the order);
3. the transaction's currency is not the sales order's → DLQ naming ``currency`` (never converted);
4. otherwise staged; the import procedure's refusals (amount above the open amount, canceled order,
   inactive cash account, …) go to the DLQ naming the storefront field behind the Sage column.

``UserFld1`` is varchar(15), so it holds the short storefront reference; the full gateway transaction id
goes to ``TranCmnt`` (varchar(50)); ``UserFld2`` carries the order's reference ``XC-<orderId>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from storesync.adapters.base import LoadOutcome
from storesync.adapters.documents import ErpDocument, ErpOrder, Settlement, created, refused, triage_settlements
from storesync.systems.sage500.orders import chunks
from storesync.systems.sage500.staging import import_session
from storesync.systems.sage500.hook import Sage500Hook

ERP = "Sage 500"
REFERENCE_COLUMN = "UserFld1"
CREDIT_MEMO_TRAN_TYPE = 502  # tarInvoice TranType the sandbox reads as a credit memo (unverified code)

# Sage staging column -> the storefront field a person fixes (named in DLQ reasons).
SOURCE_FIELDS = {
    "TranAmt": "value", "CurrID": "currency", "ApplyToTranNo": "orderId", "CustID": "orderId (the order's customer)",
    "CashAcctID": "method (cash account)", "PmtMethID": "method", "TranNo": "transactionId",
    "UserFld1": "transactionId", "UserFld2": "orderId", "TranCmnt": "gatewayTransactionId", "TranDate": "date",
}


@dataclass(frozen=True)
class Document:
    """What one kind of receivables document looks like in Sage 500 and in our messages."""

    label: str           # "payment" / "refund": the storefront record, as reasons name it
    document: str        # "customer payment" / "credit memo"
    staging: str         # staging table
    import_entity: str   # Sage500Hook.run_import entity
    table: str           # the ERP table the import writes
    key_column: str      # its surrogate key
    ref_code: str        # short document code for cross-references ("PA P000000123")
    filter_sql: str = ""
    filter_params: tuple = ()


PAYMENT = Document("payment", "customer payment", "StgCustPmt", "customer_payment", "tarCustPmt", "CustPmtKey", "PA")
CREDIT_MEMO = Document("refund", "credit memo", "StgARCreditMemo", "credit_memo", "tarInvoice", "InvcKey", "CM",
                       filter_sql=" AND TranType = ?", filter_params=(CREDIT_MEMO_TRAN_TYPE,))


def load_payments(hook: Sage500Hook, records: list[tuple[str, dict[str, Any]]]) -> list[LoadOutcome]:
    return load_documents(hook, records, PAYMENT)


def load_credit_memos(hook: Sage500Hook, records: list[tuple[str, dict[str, Any]]]) -> list[LoadOutcome]:
    return load_documents(hook, records, CREDIT_MEMO)


def load_documents(hook: Sage500Hook, records: list[tuple[str, dict[str, Any]]], doc: Document) -> list[LoadOutcome]:
    """Target records ``{"row": {staging columns}, "order_id": <storefront order id>}`` → one outcome each."""
    with hook.transaction(f"{doc.document} import") as connection:
        existing = existing_documents(hook, connection, doc, [r["row"][REFERENCE_COLUMN] for _, r in records])
        orders = sales_orders(hook, connection, [r["row"]["ApplyToTranNo"] for _, r in records])
        settlements = [Settlement(key=key, reference=r["row"][REFERENCE_COLUMN], order_id=r["order_id"],
                                  order_key=r["row"]["ApplyToTranNo"],
                                  order_hint=f"sales order {r['row']['ApplyToTranNo']}", currency=r["row"]["CurrID"])
                       for key, r in records]
        outcomes, ready = triage_settlements(settlements, existing, orders, erp=ERP, label=doc.label,
                                             document=doc.document)
        by_key = dict(records)
        to_stage = [(item.key, {**by_key[item.key], "row": {**by_key[item.key]["row"], "CustID": order.customer_id}})
                    for item, order in ready]
        if to_stage:
            outcomes.extend(_stage_and_import(hook, connection, to_stage, doc))
    return outcomes


def existing_documents(hook: Sage500Hook, connection, doc: Document, references: list[str]) -> dict[str, ErpDocument]:
    """Documents we created, by external reference (``UserFld1``)."""
    found: dict[str, ErpDocument] = {}
    for chunk in chunks(sorted(set(references)), 500):
        rows = hook.fetch_all(
            connection,
            f"SELECT {doc.key_column} AS DocKey, TranNo, {REFERENCE_COLUMN} AS Ref FROM {doc.table} "
            f"WHERE CompanyID = ?{doc.filter_sql} AND {REFERENCE_COLUMN} IN ({', '.join('?' for _ in chunk)})",
            [hook.company_id, *doc.filter_params, *chunk],
        )
        for row in rows:
            tran_no = str(row["TranNo"]).strip()
            found[str(row["Ref"]).strip()] = ErpDocument(number=tran_no, target_id=str(row["DocKey"]),
                                                         target_ref=f"{doc.ref_code} {tran_no}")
    return found


def sales_orders(hook: Sage500Hook, connection, tran_nos: list[str]) -> dict[str, ErpOrder]:
    """Sales orders by TranNo with their currency and customer."""
    found: dict[str, ErpOrder] = {}
    for chunk in chunks(sorted(set(tran_nos)), 500):
        rows = hook.fetch_all(
            connection,
            "SELECT o.TranNo, o.CurrID, c.CustID FROM tsoSalesOrder o JOIN tarCustomer c ON c.CustKey = o.CustKey "
            f"WHERE o.CompanyID = ? AND o.TranNo IN ({', '.join('?' for _ in chunk)})",
            [hook.company_id, *chunk],
        )
        for row in rows:
            tran = str(row["TranNo"]).strip()
            found[tran] = ErpOrder(number=tran, currency=str(row["CurrID"]).strip().upper(),
                                   customer_id=str(row["CustID"]).strip())
    return found


def _stage_and_import(hook: Sage500Hook, connection, records, doc: Document) -> list[LoadOutcome]:
    cursor = connection.cursor()
    tran_nos = [r["row"]["TranNo"] for _, r in records]
    # Rows a crashed earlier attempt left behind would collide with ours: they are ours to clear.
    for chunk in chunks(tran_nos, 500):
        cursor.execute(f"DELETE FROM {doc.staging} WHERE TranNo IN ({', '.join('?' for _ in chunk)}) "
                       "AND ProcessStatus IN (0, 2)", chunk)
    messages = import_session(hook, connection, doc.import_entity,
                              {doc.staging: [{**r["row"], "Action": 1} for _, r in records]})
    created_docs = existing_documents(hook, connection, doc, [r["row"][REFERENCE_COLUMN] for _, r in records])

    outcomes = []
    for key, record in records:
        row = record["row"]
        found = created_docs.get(row[REFERENCE_COLUMN])
        if found:
            outcomes.append(created(key, ERP, doc.document, found))
            continue
        problems = messages.get(row["TranNo"]) or [("", "the import procedure left it unprocessed without a message")]
        fields = sorted({SOURCE_FIELDS.get(column, column) for column, _ in problems if column})
        outcomes.append(refused(key, doc.label, ERP, f"{doc.document} import", [text for _, text in problems], fields))
    return outcomes
