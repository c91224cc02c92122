"""The seven discrepancies finance must find, made in a synced sandbox through each system's own interface.

Given a sandbox whose flows have run for a day (X-Cart emulator + Sage 500 database), :func:`seed_discrepancies`
creates exactly one of each and returns what it seeded, with the category and line key the day's
reconciliation must report (and nothing else: every other document of the day stays as the sync left it):

=============================  ==========================================================  =========================
discrepancy                    how (interface)                                             reported as
=============================  ==========================================================  =========================
order missing in the ERP       a new storefront order on the day, placed after the sync    missing_in_erp
                               (X-Cart REST ``POST order``; Purchase Order, awaiting pay)
amount mismatch                a web sales order's total edited in the ERP (+10.00)        amount_mismatch
                               (``erp_actions.set_sales_order_amount``)
payment without an order       a card settlement posted to the web clearing account with   payment_without_order
                               no order and no storefront reference
                               (``erp_actions.post_cash_receipt``)
refund without credit memo     a storefront refund on the day after the sync               refund_without_credit_memo
                               (X-Cart REST ``POST payment-transaction``, type refund)
duplicate cash receipt         a web payment keyed again by a clerk: same customer,        duplicate
                               amount, cash account and gateway id, left on account
                               (``erp_actions.post_cash_receipt``)
currency mismatch              a web sales order's currency changed in the ERP             currency_mismatch
                               (``erp_actions.set_sales_order_currency``)
late posting                   a web cash receipt re-dated to the next day                 pending (matched the
                               (``erp_actions.set_receipt_date``)                          next day)
=============================  ==========================================================  =========================

Each discrepancy uses a different web order, chosen deterministically (lowest ERP numbers first), so the
same sandbox always gets the same seeds. ``xcart`` is a :class:`StorefrontRest` (the X-Cart REST API with
the read/write key); ``erp`` a pyodbc connection to the Sage 500 database.

:func:`seed_acumatica_discrepancies` seeds the same seven for X-Cart ↔ Acumatica, the ERP side through the
emulator's clerk actions (``edit_order`` for the tax/amount and currency edits, ``key_payment`` for the
duplicate and the unexplained card settlement in clearing account 10200, ``set_payment_date`` for the late
posting), in-process (:class:`AcumaticaClerk`) or over the sandbox endpoints (the demo).
:func:`seed_sandbox` picks the seeder of a running sandbox's ERP from :data:`SANDBOX_ERPS`.
"""

from __future__ import annotations

import json
import re
import urllib.request
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from include.sandbox.sage500 import erp_actions
from include.sandbox.sage500.dialects import to_decimal

CURRENCIES = ("USD", "EUR", "GBP", "CAD")
AMOUNT_EDIT = Decimal("10.00")
REFUND_AMOUNT = Decimal("5.00")
UNEXPLAINED_RECEIPT = Decimal("42.00")
GUEST_CUSTOMER = "WEBGUEST"


@dataclass(frozen=True)
class Seeded:
    """One discrepancy: what was done, and the line the reconciliation of ``day`` must show for it."""

    name: str
    category: str
    kind: str
    line_key: str
    detail: str


class ScenarioError(RuntimeError):
    """The sandbox has too few documents on the day to seed every discrepancy."""


class StorefrontRest:
    """The storefront's own records as its admin and checkout make them (the emulator's ``/_sandbox/records``);
    money goes out as JSON numbers from ``Decimal``."""

    _DECIMAL = re.compile(r'"\\u0000dec:([-0-9.]+)"')

    def __init__(self, url: str, key: str) -> None:
        self.url, self.key = url.rstrip("/"), key

    def call(self, method: str, path: str, body: Any = None, **query) -> Any:
        # The emulator's own records (/_sandbox/records): a storefront admin's checkout and payment entries,
        # which X-Cart's REST API module does not offer (its complex schema is GET-only).
        order_id = query.get("_cnd[orderId]")
        params = f"?{urlencode({'orderId': order_id})}" if order_id is not None else ""
        data = None if body is None else self._encode(body).encode()
        request = urllib.request.Request(f"{self.url}/_sandbox/records/{path}{params}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null", parse_float=Decimal)

    @classmethod
    def _encode(cls, body: Any) -> str:
        def mark(value: Any) -> Any:
            if isinstance(value, Decimal):
                return f"\u0000dec:{value}"
            if isinstance(value, dict):
                return {key: mark(item) for key, item in value.items()}
            if isinstance(value, list):
                return [mark(item) for item in value]
            return value

        return cls._DECIMAL.sub(lambda m: m.group(1), json.dumps(mark(body)))


def seed_discrepancies(xcart, erp, *, day: date, company_id: str = "SOA", clearing_account: str = "1030-00",
                       latest: datetime | None = None) -> list[Seeded]:
    """Seed the seven discrepancies on ``day`` (UTC); storefront documents are dated at noon, or at ``latest``
    when that is earlier (the storefront's "now")."""
    start = datetime.combine(day, time(), tzinfo=timezone.utc)
    moment = min(start + timedelta(hours=12), latest or start + timedelta(hours=12))
    if moment.date() != day:
        raise ScenarioError(f"no moment on {day} before {latest} to date the storefront documents at")
    naive = moment.replace(tzinfo=None)
    orders, receipts = _web_orders(erp, company_id, start), _web_receipts(erp, company_id, start)
    used: set[str] = set()
    seeded: list[Seeded] = []

    # Late posting: the first web receipt of the day is re-dated to the next day.
    late = _take(receipts, used, "a web cash receipt for the late posting")
    erp_actions.set_receipt_date(erp, company_id=company_id, tran_no=late["TranNo"],
                                 tran_date=(start + timedelta(days=1, hours=9)).replace(tzinfo=None))
    seeded.append(Seeded("late_posting", "pending", "payment", f"payment:{late['ref']}",
                         f"cash receipt {late['TranNo']} re-dated to {day + timedelta(days=1)}"))

    # Duplicate: a clerk keys a web payment again from the gateway's settlement report.
    original = _take([r for r in receipts if r["TranCmnt"]], used, "a web cash receipt with a gateway id")
    duplicate_no = f"M{original['TranNo'][1:]}"
    erp_actions.post_cash_receipt(erp, company_id=company_id, tran_no=duplicate_no, cust_id=original["CustID"],
                                  amount=original["TranAmt"], curr_id=original["CurrID"],
                                  cash_acct_no=original["GLAcctNo"], tran_date=naive, pmt_meth_id=original["PmtMethID"],
                                  tran_cmnt=original["TranCmnt"])
    seeded.append(Seeded("duplicate_cash_receipt", "duplicate", "payment", f"payment:erp:{duplicate_no}",
                         f"cash receipt {duplicate_no} repeats {original['TranNo']} (gateway id {original['TranCmnt']})"))

    # Amount mismatch and currency mismatch: two more web orders edited in the ERP only.
    edited = _take(orders, used, "a web sales order for the amount edit")
    erp_actions.set_sales_order_amount(erp, company_id=company_id, tran_no=edited["TranNo"],
                                       amount=edited["TranAmt"] + AMOUNT_EDIT)
    seeded.append(Seeded("amount_mismatch", "amount_mismatch", "order", f"order:{edited['ref']}",
                         f"sales order {edited['TranNo']} total {edited['TranAmt']} → {edited['TranAmt'] + AMOUNT_EDIT}"))
    recurrenced = _take(orders, used, "a web sales order for the currency edit")
    currency = next(c for c in CURRENCIES if c != recurrenced["CurrID"])
    erp_actions.set_sales_order_currency(erp, company_id=company_id, tran_no=recurrenced["TranNo"], curr_id=currency)
    seeded.append(Seeded("currency_mismatch", "currency_mismatch", "order", f"order:{recurrenced['ref']}",
                         f"sales order {recurrenced['TranNo']} currency {recurrenced['CurrID']} → {currency}"))

    # Payment without an order: a card settlement in the web clearing account that no order explains.
    orphan_no = f"U{day:%y%m%d}001"
    erp_actions.post_cash_receipt(erp, company_id=company_id, tran_no=orphan_no, cust_id=GUEST_CUSTOMER,
                                  amount=UNEXPLAINED_RECEIPT, curr_id="USD", cash_acct_no=clearing_account,
                                  tran_date=naive, pmt_meth_id="CREDITCARD", tran_cmnt=f"DEP-{day:%Y%m%d}-01")
    seeded.append(Seeded("payment_without_order", "payment_without_order", "payment", f"payment:erp:{orphan_no}",
                         f"cash receipt {orphan_no} of {UNEXPLAINED_RECEIPT} USD in {clearing_account}, no order"))

    # Refund without credit memo: the storefront refunds part of a paid order after the refunds flow ran.
    refund = _refund_a_paid_order(xcart, orders, used, moment)
    seeded.append(Seeded("refund_without_credit_memo", "refund_without_credit_memo", "refund",
                         f"refund:b{refund['transactionId']}",  # a backend transaction's flow key
                         f"storefront refund {refund['transactionId']} of {refund['value']} on order {refund['orderId']}"))

    # Order missing in the ERP: a storefront order placed after the orders flow ran, awaiting payment.
    order = _new_unpaid_order(xcart, orders[0]["ref"], moment)
    seeded.append(Seeded("order_missing_in_erp", "missing_in_erp", "order", f"order:{order['orderId']}",
                         f"storefront order {order['orderId']} placed after the sync"))
    return seeded


def seed_sandbox(sandbox, erp_system: str, *, day: date, latest: datetime | None = None) -> list[Seeded]:
    """Seed the discrepancies in a running local sandbox (``include.sandbox.runtime.Sandbox``: the demo).

    ERPs are looked up in :data:`SANDBOX_ERPS`; a pair whose ERP has no seeder yet gets none (an empty list),
    so the demo's reconciliation step runs for every pair.
    """
    seed = SANDBOX_ERPS.get(erp_system)
    if seed is None:
        return []
    client = sandbox.xcart_client()
    return seed(sandbox, StorefrontRest(client.url, client.key), day=day, latest=latest)


def _seed_sage500_sandbox(sandbox, xcart: StorefrontRest, *, day: date, latest: datetime | None) -> list[Seeded]:
    import pyodbc

    from include.sandbox.sage500.dialects import odbc_connect_string

    connection = pyodbc.connect(odbc_connect_string("sqlite", database=str(sandbox.sage500_path)))
    try:
        return seed_discrepancies(xcart, connection, day=day, latest=latest)
    finally:
        connection.close()


def _seed_acumatica_sandbox(sandbox, xcart: StorefrontRest, *, day: date, latest: datetime | None) -> list[Seeded]:
    return seed_acumatica_discrepancies(xcart, sandbox.acumatica_client(), day=day, latest=latest)


# ERP system -> how to seed a running Sandbox's ERP (each speaks its ERP's own interface).
SANDBOX_ERPS = {"sage500": _seed_sage500_sandbox, "acumatica": _seed_acumatica_sandbox}


# -- Acumatica ----------------------------------------------------------------------------------------------------

class AcumaticaClerk:
    """The Acumatica emulator's ERP-side actions and records in-process (tests), shaped like the sandbox
    endpoints' client (``include.sandbox.runtime.SandboxAcumaticaClient``) the demo uses."""

    def __init__(self, store) -> None:
        self.store = store

    def action(self, name: str, **arguments):
        return getattr(self.store, name)(**arguments)

    def records(self, entity: str) -> list[dict]:
        return self.store.records(entity)


ACUMATICA_CLOSED_ORDERS = ("Completed", "Invoiced", "Canceled")
ACUMATICA_CARD_METHOD, ACUMATICA_CARD_CLEARING = "CREDITCARD", "10200"


def seed_acumatica_discrepancies(xcart, acumatica, *, day: date, latest: datetime | None = None) -> list[Seeded]:
    """The seven discrepancies of :func:`seed_discrepancies`, the ERP side made in Acumatica by its clerks.

    ``acumatica`` has ``action(name, **arguments)`` and ``records(entity)``: an :class:`AcumaticaClerk` or
    the sandbox endpoints' client. Amount mismatch: the order's tax total edited (+10.00, ``edit_order``);
    currency mismatch: ``edit_order`` with another currency; late posting: ``set_payment_date`` to the next
    day; duplicate and payment without order: payments keyed by hand (``key_payment``, on account), the
    duplicate with the original's customer, amount, method, cash account and gateway id (``Description``),
    the unexplained one a card settlement of WEBGUEST in the card clearing account 10200.
    """
    start = datetime.combine(day, time(), tzinfo=timezone.utc)
    moment = min(start + timedelta(hours=12), latest or start + timedelta(hours=12))
    if moment.date() != day:
        raise ScenarioError(f"no moment on {day} before {latest} to date the storefront documents at")
    orders = _acumatica_web_orders(acumatica, start)
    receipts = _acumatica_web_receipts(acumatica, start, {o["OrderNbr"]: o["order"] for o in
                                                          _acumatica_web_orders(acumatica, None)})
    used: set[str] = set()
    seeded: list[Seeded] = []

    late = _take(receipts, used, "a web payment for the late posting")
    next_day = (start + timedelta(days=1, hours=9)).isoformat()
    acumatica.action("set_payment_date", payment_type=late["Type"], reference_nbr=late["ReferenceNbr"],
                     application_date=next_day)
    seeded.append(Seeded("late_posting", "pending", "payment", f"payment:{late['ref']}",
                         f"payment {late['ReferenceNbr']} re-dated to {day + timedelta(days=1)}"))

    original = _take([r for r in receipts if r["Description"]], used, "a web payment with a gateway id")
    duplicate = acumatica.action(
        "key_payment", customer_id=original["CustomerID"], payment_method=original["PaymentMethod"],
        amount=str(original["PaymentAmount"]), cash_account=original["CashAccount"],
        currency_id=original["CurrencyID"], application_date=moment.isoformat(), description=original["Description"])
    seeded.append(Seeded("duplicate_cash_receipt", "duplicate", "payment", f"payment:erp:{duplicate['ReferenceNbr']}",
                         f"payment {duplicate['ReferenceNbr']} repeats {original['ReferenceNbr']} "
                         f"(gateway id {original['Description']})"))

    editable = [o for o in orders if o["Status"] not in ACUMATICA_CLOSED_ORDERS]
    edited = _take(editable, used, "an open web sales order for the amount edit")
    changed = acumatica.action("edit_order", order_type="SO", order_nbr=edited["OrderNbr"],
                               tax_total=str(edited["TaxTotal"] + AMOUNT_EDIT))
    seeded.append(Seeded("amount_mismatch", "amount_mismatch", "order", f"order:{edited['ref']}",
                         f"sales order {edited['OrderNbr']} total {edited['OrderTotal']} → {changed['OrderTotal']}"))
    recurrenced = _take(editable, used, "an open web sales order for the currency edit")
    currency = next(c for c in CURRENCIES if c != recurrenced["CurrencyID"])
    acumatica.action("edit_order", order_type="SO", order_nbr=recurrenced["OrderNbr"], currency_id=currency)
    seeded.append(Seeded("currency_mismatch", "currency_mismatch", "order", f"order:{recurrenced['ref']}",
                         f"sales order {recurrenced['OrderNbr']} currency {recurrenced['CurrencyID']} → {currency}"))

    orphan = acumatica.action(
        "key_payment", customer_id=GUEST_CUSTOMER, payment_method=ACUMATICA_CARD_METHOD,
        amount=str(UNEXPLAINED_RECEIPT), cash_account=ACUMATICA_CARD_CLEARING, currency_id="USD",
        application_date=moment.isoformat(), description=f"DEP-{day:%Y%m%d}-01")
    seeded.append(Seeded("payment_without_order", "payment_without_order", "payment",
                         f"payment:erp:{orphan['ReferenceNbr']}",
                         f"payment {orphan['ReferenceNbr']} of {UNEXPLAINED_RECEIPT} USD in {ACUMATICA_CARD_CLEARING}, "
                         "no order"))

    refund = _refund_a_paid_order(xcart, orders, used, moment)
    seeded.append(Seeded("refund_without_credit_memo", "refund_without_credit_memo", "refund",
                         f"refund:b{refund['transactionId']}",  # a backend transaction's flow key
                         f"storefront refund {refund['transactionId']} of {refund['value']} on order {refund['orderId']}"))

    order = _new_unpaid_order(xcart, orders[0]["ref"], moment)
    seeded.append(Seeded("order_missing_in_erp", "missing_in_erp", "order", f"order:{order['orderId']}",
                         f"storefront order {order['orderId']} placed after the sync"))
    return seeded


def _on_day(value: Any, start: datetime | None) -> bool:
    if start is None:
        return True
    if not value:
        return False
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return start <= moment < start + timedelta(days=1)


def _acumatica_web_orders(acumatica, start: datetime | None) -> list[dict[str, Any]]:
    """Web sales orders (CustomerOrder ``XC-…``) dated on the day (any day with ``start`` None), by number."""
    found = []
    for record in acumatica.records("SalesOrder"):
        reference = str(record.get("CustomerOrder") or "")
        if record.get("OrderType") != "SO" or not reference.startswith("XC-") or not _on_day(record.get("Date"), start):
            continue
        found.append({"OrderNbr": record["OrderNbr"], "ref": reference[3:], "order": reference[3:],
                      "Status": record.get("Status"), "CurrencyID": record.get("CurrencyID"),
                      "OrderTotal": Decimal(str(record["OrderTotal"])),
                      "TaxTotal": Decimal(str(record.get("TaxTotal") or 0))})
    return sorted(found, key=lambda o: o["OrderNbr"])


def _acumatica_web_receipts(acumatica, start: datetime, web_orders: dict[str, str]) -> list[dict[str, Any]]:
    """Web payments (PaymentRef ``XP-…``) applied on the day, by number; ``order`` is the storefront order of
    the sales order they are applied to."""
    found = []
    for record in acumatica.records("Payment"):
        reference = str(record.get("PaymentRef") or "")
        if record.get("Type") not in ("Payment", "Prepayment") or not reference.startswith("XP-") \
                or not _on_day(record.get("ApplicationDate"), start):
            continue
        applied = [line.get("OrderNbr") for line in record.get("OrdersToApply") or []
                   if (line.get("OrderType") or "SO") == "SO"]
        found.append({"Type": record["Type"], "ReferenceNbr": record["ReferenceNbr"], "ref": reference[3:],
                      "order": web_orders.get(applied[0], "") if applied else "",
                      "PaymentAmount": Decimal(str(record["PaymentAmount"])), "CurrencyID": record.get("CurrencyID"),
                      "Description": record.get("Description"), "PaymentMethod": record.get("PaymentMethod"),
                      "CashAccount": record.get("CashAccount"), "CustomerID": record.get("CustomerID")})
    return sorted(found, key=lambda r: r["ReferenceNbr"])


# -- finding candidates ----------------------------------------------------------------------------------------

def _day_window(start: datetime) -> list[datetime]:
    return [start.replace(tzinfo=None), (start + timedelta(days=1)).replace(tzinfo=None)]


def _rows(erp, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = erp.cursor()
    cursor.execute(sql, params)
    columns = [c[0].lower() for c in cursor.description]
    return [dict(zip(columns, row)) for row in cursor.fetchall()]


def _text(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None


def _web_orders(erp, company_id: str, start: datetime) -> list[dict[str, Any]]:
    rows = _rows(erp, "SELECT TranNo, UserFld1, TranAmt, CurrID FROM tsoSalesOrder WHERE CompanyID = ? "
                 "AND TranDate >= ? AND TranDate < ? AND UserFld1 LIKE 'XC-%' ORDER BY TranNo",
                 [company_id, *_day_window(start)])
    return [{"TranNo": _text(r["tranno"]), "ref": _text(r["userfld1"])[3:], "order": _text(r["userfld1"])[3:],
             "TranAmt": to_decimal(r["tranamt"]), "CurrID": _text(r["currid"])} for r in rows]


def _web_receipts(erp, company_id: str, start: datetime) -> list[dict[str, Any]]:
    rows = _rows(erp, "SELECT p.TranNo, p.UserFld1, p.UserFld2, p.TranAmt, p.CurrID, p.TranCmnt, p.PmtMethID, "
                 "a.GLAcctNo, c.CustID FROM tarCustPmt p JOIN tglAccount a ON a.GLAcctKey = p.CashAcctKey "
                 "JOIN tarCustomer c ON c.CustKey = p.CustKey WHERE p.CompanyID = ? AND p.TranDate >= ? "
                 "AND p.TranDate < ? AND p.UserFld1 LIKE 'XP-%' ORDER BY p.TranNo",
                 [company_id, *_day_window(start)])
    return [{"TranNo": _text(r["tranno"]), "ref": _text(r["userfld1"])[3:], "order": (_text(r["userfld2"]) or "")[3:],
             "TranAmt": to_decimal(r["tranamt"]), "CurrID": _text(r["currid"]), "TranCmnt": _text(r["trancmnt"]),
             "PmtMethID": _text(r["pmtmethid"]), "GLAcctNo": _text(r["glacctno"]), "CustID": _text(r["custid"])}
            for r in rows]


def _take(candidates: list[dict[str, Any]], used: set[str], what: str) -> dict[str, Any]:
    """The first candidate whose web order no other discrepancy uses (and mark that order used)."""
    for candidate in candidates:
        if candidate["order"] and candidate["order"] not in used:
            used.add(candidate["order"])
            return candidate
    raise ScenarioError(f"the day has no {what} left (seed more orders)")


def _refund_a_paid_order(xcart, orders: list[dict[str, Any]], used: set[str], moment: datetime) -> dict[str, Any]:
    for order in orders:
        if order["order"] in used:
            continue
        transactions = xcart.call("GET", "payment-transaction", **{"_cnd[orderId]": order["order"]}) or []
        paid = [t for t in transactions if t.get("type") in ("sale", "capture") and t.get("status") == "S"]
        refunded = sum((Decimal(str(t["value"])) for t in transactions
                        if t.get("type") == "refund" and t.get("status") == "S"), Decimal(0))
        captured = sum((Decimal(str(t["value"])) for t in paid), Decimal(0))
        if not paid or captured - refunded < REFUND_AMOUNT:
            continue
        payment = paid[0]
        used.add(order["order"])
        gateway = {"Credit Card": f"re_3PrecoSeed{payment['transactionId']}",
                   "PayPal": f"PAYID-MRECOSEED{payment['transactionId']}"}.get(payment.get("method"))
        return xcart.call("POST", "payment-transaction", {
            "orderId": int(order["order"]), "type": "refund", "status": "S", "value": REFUND_AMOUNT,
            "parentTransactionId": payment["transactionId"], "date": int(moment.timestamp()),
            "gatewayTransactionId": gateway})
    raise ScenarioError("the day has no paid web order left to refund (seed more orders)")


def _new_unpaid_order(xcart, template_id: str, moment: datetime) -> dict[str, Any]:
    template = xcart.call("GET", f"order/{template_id}")
    order = {key: value for key, value in template.items()
             if key not in ("orderId", "orderNumber", "trackingNumber", "trackingNumbers")}
    stamp = int(moment.timestamp())
    order.update({"paymentStatus": "Q", "shippingStatus": "N", "paymentMethod": "Purchase Order",
                  "orderDate": stamp, "updateDate": stamp, "adminNotes": ""})
    return xcart.call("POST", "order", order)
