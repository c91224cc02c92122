"""Storefront payments become Intacct AR payments (``ARPYMT``) applied to the web order's invoice.

Intacct sites take the money against the AR invoice, so a payment waits for its order's ``Sales Invoice``
(the orders flow converts a paid order's sales order: :func:`storesync.systems.intacct.orders.invoice_paid_orders`),
found by the storefront reference it carries (``PONUMBER = XC-<order id>``); the invoice's ``PRRECORDKEY`` is
the AR invoice the payment is applied to. The policy is the shared one
(:func:`storesync.adapters.documents.triage_settlements`); per record, in this order:

1. already in Intacct (an ``ARPYMT`` whose ``DOCNUMBER`` is ``XP-<transaction id>``, one ``query`` per batch)
   → skipped with its RECORDNO: a retry after a crash posts nothing twice;
2. the order's invoice is not in Intacct yet → **held** (fetched again every run);
3. another currency than the invoice's → DLQ naming ``currency`` (never converted);
4. the money must land in exactly one place: a bank account (``FINANCIALENTITY``) or undeposited funds
   (``UNDEPOSITEDACCOUNTNO``), chosen by payment method in the pair's mapping spec; neither or both → DLQ
   naming ``method`` before anything is sent;
5. otherwise created once (``create`` ARPYMT with one ``ARPYMTDETAIL`` (RECORDKEY, TRX_PAYMENTAMOUNT),
   control ID ``payment:XP-…``, ``client.create_once``). developer.intacct.com api/accounts-receivable/
   ar-payments "Create AR Payment": PAYMENTMETHOD, CUSTOMERID, FINANCIALENTITY or UNDEPOSITEDACCOUNTNO,
   RECEIPTDATE, DOCNUMBER (reference number), DESCRIPTION, CURRENCY, ARPYMTDETAILS. A refusal (an amount
   above what is due, an unknown account) is that payment's DLQ entry with Intacct's errorno and description2.
"""

from __future__ import annotations

from typing import Any

from storesync.adapters.base import LoadOutcome
from storesync.adapters.documents import ErpDocument, ErpOrder, Settlement, already_there, triage_settlements
from storesync.hooks.errors import PermanentRecordError
from storesync.systems.intacct import functions as fn
from storesync.systems.intacct.loading import ERP, aborted, as_date, as_money, refused, rows_where_in, text
from storesync.systems.intacct.orders import SALES_INVOICE, existing_sales_orders

OBJECT = "ARPYMT"
HEADER_ORDER = ("FINANCIALENTITY", "UNDEPOSITEDACCOUNTNO", "PAYMENTMETHOD", "CUSTOMERID", "DOCNUMBER", "DESCRIPTION",
                "RECEIPTDATE", "CURRENCY")


def existing_payments(client, references: list[str]) -> dict[str, ErpDocument]:
    """AR payments we created, by their storefront reference (``DOCNUMBER``)."""
    found: dict[str, ErpDocument] = {}
    for row in rows_where_in(client, OBJECT, ("RECORDNO", "DOCNUMBER"), "DOCNUMBER", references):
        found.setdefault(row["DOCNUMBER"], payment_document(row["RECORDNO"]))
    return found


def payment_document(recordno: str) -> ErpDocument:
    return ErpDocument(number=recordno, target_id=recordno, target_ref=f"ARPYMT {recordno}")


def invoices(client, order_references: list[str], invoice_type: str = SALES_INVOICE) -> dict[str, ErpOrder]:
    """The web orders' invoices, by order reference: DOCID, currency, customer and the AR invoice's RECORDNO."""
    found = existing_sales_orders(client, order_references, transaction_type=invoice_type)
    return {ref: ErpOrder(number=row["DOCID"], currency=row.get("CURRENCY") or "", customer_id=row["CUSTVENDID"],
                          order_type=row.get("PRRECORDKEY") or "") for ref, row in found.items()}


def payment_function(key: str, record: dict[str, Any], invoice: ErpOrder) -> fn.Function:
    """The ``create`` of one ARPYMT applied to ``invoice``'s AR invoice (the module docstring, step 4–5)."""
    bank, undeposited = text(record.get("FINANCIALENTITY")), text(record.get("UNDEPOSITEDACCOUNTNO"))
    if bool(bank) == bool(undeposited):
        where = "both a bank account and undeposited funds" if bank else "neither a bank account nor undeposited funds"
        raise PermanentRecordError(f"payment {key}: field method: the mapping gives {where} for method "
                                   f"{record.get('_method')!r}; name exactly one", record_key=key, field="method")
    if not invoice.order_type:
        raise PermanentRecordError(f"payment {key}: field orderId: invoice {invoice.number} has no AR invoice "
                                   "(it is not posted)", record_key=key, field="orderId")
    header = {name: record.get(name) for name in HEADER_ORDER}
    header.update({"CUSTOMERID": invoice.customer_id,
                   "RECEIPTDATE": as_date(record.get("RECEIPTDATE"), record=key, field="date")})
    header["ARPYMTDETAILS"] = {"ARPYMTDETAIL": [{
        "RECORDKEY": invoice.order_type, "TRX_PAYMENTAMOUNT": as_money(record.get("_amount"), record=key, field="value")}]}
    return fn.create(OBJECT, header, controlid=fn.stable_controlid("payment", record["DOCNUMBER"]), reference=key)


def load_payments(client, records: list[tuple[str, dict[str, Any]]],
                  options: dict[str, Any] | None = None) -> list[LoadOutcome]:
    invoice_type = (options or {}).get("invoice_type", SALES_INVOICE)
    existing = existing_payments(client, [r["DOCNUMBER"] for _, r in records])
    found = invoices(client, [r["_order_reference"] for _, r in records], invoice_type)
    settlements = [Settlement(key=key, reference=r["DOCNUMBER"], order_id=r["_order_id"],
                              order_key=r["_order_reference"],
                              order_hint=f"{invoice_type} with reference {r['_order_reference']}",
                              currency=r["CURRENCY"]) for key, r in records]
    triaged, ready = triage_settlements(settlements, existing, found, erp=ERP, label="payment", document="AR payment")
    outcomes = {outcome.record_key: outcome for outcome in triaged}
    by_key = dict(records)
    creates: list[fn.KeyedCreate] = []
    for item, invoice in ready:
        try:
            function = payment_function(item.key, by_key[item.key], invoice)
        except PermanentRecordError as exc:
            outcomes[item.key] = LoadOutcome(item.key, "dlq", str(exc), reason_code="invalid_value",
                                             failed=[exc.field or "payment"])
            continue
        creates.append(fn.KeyedCreate(function, fn.Lookup(OBJECT, "DOCNUMBER", item.reference)))
    for create, made in zip(creates, client.create_once(creates)):
        key = create.function.label
        what = f"AR payment {by_key[key]['DOCNUMBER']}"
        if made.posted and made.key:
            document = payment_document(made.key)
            outcomes[key] = (LoadOutcome(key, "loaded", f"created {ERP} {what} (RECORDNO {made.key})",
                                         target_id=document.target_id, target_ref=document.target_ref)
                             if made.status == "created" else already_there(key, ERP, "AR payment", document))
        elif made.status == "aborted":
            outcomes[key] = aborted(key, "payment", what)
        else:
            outcomes[key] = refused(key, "payment", what, made.errors)
    return [outcomes[key] for key, _ in records]
