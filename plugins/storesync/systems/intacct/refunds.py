"""Storefront refunds become Intacct credit documents: an Order Entry ``Sales Credit Memo`` that posts an AR
adjustment (a credit) for the web order's customer.

X-Cart refunds name an amount, not items (as for the Acumatica and Sage 500 credit memos), so the credit memo
carries the refunded web order's reference in ``externalid`` (EXTERNALID) and has one line: the
non-inventory refund item (``REFUND``, mapping spec) for the refunded amount, and it is not
converted from the invoice (a converted line must be one of the invoice's lines: ``sourcelinekey``). The
transaction definition is a pair option (``refund_transaction_type``; sites that take goods back use their
return definition). The policy is the shared one (:func:`storesync.adapters.documents.triage_settlements`):

1. a credit memo with ``PONUMBER = XR-<transaction id>`` already there → skipped (one ``query`` per batch);
2. the web order's sales order (``PONUMBER = XC-<order id>``) not in Intacct yet → held;
3. another currency than the order's → DLQ naming ``currency``;
4. otherwise created once (``create_sotransaction``, control ID ``refund:XR-…``, looked up by reference
   after a refusal), for the sales order's customer. A refusal is that refund's DLQ entry with Intacct's
   errorno and description2.
"""

from __future__ import annotations

from typing import Any

from storesync.adapters.base import LoadOutcome
from storesync.adapters.documents import ErpDocument, ErpOrder, Settlement, already_there, triage_settlements
from storesync.hooks.errors import PermanentRecordError
from storesync.systems.intacct import functions as fn
from storesync.systems.intacct.loading import ERP, aborted, as_date, as_money, refused
from storesync.systems.intacct.orders import SALES_ORDER, existing_sales_orders

CREDIT_MEMO = "Sales Credit Memo"


def credit_document(docid: str) -> ErpDocument:
    return ErpDocument(number=docid, target_id=docid, target_ref=docid)


def web_orders(client, references: list[str], order_type: str = SALES_ORDER) -> dict[str, ErpOrder]:
    found = existing_sales_orders(client, references, transaction_type=order_type)
    return {ref: ErpOrder(number=row["DOCID"], currency=row.get("CURRENCY") or "", customer_id=row["CUSTVENDID"])
            for ref, row in found.items()}


def credit_memo_function(key: str, record: dict[str, Any], order: ErpOrder, transaction_type: str,
                         location_id: str | None = None) -> fn.Function:
    day = as_date(record.get("_date"), record=key, field="date")
    line = dict(record.get("_line") or {})
    line["price"] = as_money(line.get("price"), record=key, field="value")
    line["quantity"] = as_money(line.get("quantity"), record=key, field="quantity (refund line)")
    return fn.legacy("create_sotransaction", {
        "transactiontype": transaction_type,
        "datecreated": {"year": day.year, "month": f"{day.month:02d}", "day": f"{day.day:02d}"},
        "customerid": order.customer_id,
        "referenceno": record["referenceno"],
        "message": record.get("message"),
        "externalid": record["_order_reference"],  # the refunded web order, for the reconciliation
        "currency": record["currency"],
        "sotransitems": {"sotransitem": [{"itemid": line["itemid"], "itemdesc": line.get("itemdesc"),
                                          "quantity": line["quantity"], "price": line["price"],
                                          "locationid": location_id}]},
    }, controlid=fn.stable_controlid("refund", record["referenceno"]), reference=key)


def load_credit_memos(client, records: list[tuple[str, dict[str, Any]]],
                      options: dict[str, Any] | None = None) -> list[LoadOutcome]:
    transaction_type = (options or {}).get("refund_transaction_type", CREDIT_MEMO)
    existing = {ref: credit_document(row["DOCID"]) for ref, row in existing_sales_orders(
        client, [r["referenceno"] for _, r in records], transaction_type=transaction_type).items()}
    orders = web_orders(client, [r["_order_reference"] for _, r in records])
    settlements = [Settlement(key=key, reference=r["referenceno"], order_id=r["_order_id"],
                              order_key=r["_order_reference"],
                              order_hint=f"sales order with reference {r['_order_reference']}",
                              currency=r["currency"]) for key, r in records]
    triaged, ready = triage_settlements(settlements, existing, orders, erp=ERP, label="refund", document="credit memo")
    outcomes = {outcome.record_key: outcome for outcome in triaged}
    by_key = dict(records)
    creates: list[fn.KeyedCreate] = []
    for item, order in ready:
        try:
            function = credit_memo_function(item.key, by_key[item.key], order, transaction_type,
                                            (options or {}).get("location_id") or None)
        except PermanentRecordError as exc:
            outcomes[item.key] = LoadOutcome(item.key, "dlq", str(exc), reason_code="invalid_value",
                                             failed=[exc.field or "refund"])
            continue
        creates.append(fn.KeyedCreate(function, fn.Lookup("SODOCUMENT", "PONUMBER", item.reference,
                                                          select=("DOCID", "RECORDNO"), docparid=transaction_type)))
    for create, made in zip(creates, client.create_once(creates)):
        key = create.function.label
        what = f"credit memo {by_key[key]['referenceno']}"
        if made.posted and made.key:
            document = credit_document(made.key)
            outcomes[key] = (LoadOutcome(key, "loaded", f"created {ERP} {what} ({made.key})",
                                         target_id=document.target_id, target_ref=document.target_ref)
                             if made.status == "created" else already_there(key, ERP, "credit memo", document))
        elif made.status == "aborted":
            outcomes[key] = aborted(key, "refund", what)
        else:
            outcomes[key] = refused(key, "refund", what, made.errors)
    return [outcomes[key] for key, _ in records]
