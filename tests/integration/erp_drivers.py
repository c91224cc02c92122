"""What a pair-level test needs from an ERP sandbox, one driver per ERP: read a comparable snapshot of
the ERP's state, make the changes an ERP user would make (stock, items, customer addresses, shipping), and
read the documents the flows write (web orders' sales orders, payments, credit memos) as plain dicts with the
same keys for every ERP.

Tests written against a driver hold for every ERP: the pair scenario and the flows' shared scenarios run once
per ERP (the ``erp_factory`` fixture); what only one ERP has is tested in that ERP's own module.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from decimal import Decimal
from typing import Protocol

import pytest


class ErpDriver(Protocol):
    """Snapshots are plain, comparable values: ``{kind: {erp id: tuple of what matters}}``."""

    def snapshot(self) -> dict[str, dict]: ...

    def available(self, warehouses: tuple[str, ...]) -> dict[str, Decimal]: ...

    def add_stock(self, sku: str, warehouse: str, delta: int, *, now: datetime) -> None: ...

    def create_item(self, sku: str, description: str, price: str, stock: dict[str, int], *, now: datetime) -> None: ...

    def web_customer_ids(self) -> list[str]: ...

    def storefront_profile_id(self, customer_id: str) -> int: ...

    def move_customer(self, customer_id: str, *, line1: str, city: str, now: datetime) -> None: ...

    def open_web_orders(self) -> list[tuple[str, int]]:
        """(ERP order id, storefront order id) of open sales orders created by the orders flow, oldest first."""

    def ship(self, order_id: str, *, partial: bool, tracking: str, now: datetime) -> None:
        """Ship the whole order, or one unit of its first line when ``partial``."""

    def customer_city(self, snapshot: dict, customer_id: str) -> str: ...

    def document_amount(self, snapshot: dict, kind: str, document_id: str) -> Decimal: ...

    # -- what the flows wrote: by storefront id (orders) or by our reference (XP-/XR- documents) -------------
    # A sales order: number, xref (what the cross-reference stores), document (what a payment is applied to),
    # customer, reference (the storefront's id or number the ERP keeps), currency, total, tax, open, hold,
    # lines [(sku, quantity)], modified (the ERP's change stamp: a record that changed has a new one).

    def web_order_refs(self) -> Counter:
        """Storefront order ids of the sales orders that carry one, counted (a duplicate counts twice)."""

    def web_orders(self) -> dict[str, dict]: ...

    def external_reference(self, order: dict) -> str:
        """What the sales order of storefront ``order`` keeps as its external reference."""

    def ship_to(self, order_id: str) -> list[tuple[str, str]]:
        """(ship-to name, first address line) of each sales order of storefront order ``order_id``, as stored."""

    def customers_by_email(self) -> dict[str, str]: ...

    def customer(self, customer_id: str) -> dict:
        """name and email."""

    def payments(self) -> dict[str, dict]:
        """number, amount, currency, account, comment, customer, applied [(document, amount)], modified."""

    def payment_texts(self) -> list[tuple]:
        """The free text every ERP payment (ours or not) keeps: its comment and reference fields, as stored."""

    def credit_memos(self) -> dict[str, dict]:
        """amount, currency, order_ref, customer, order_customer, comment, lines [(item, amount)], modified."""

    def refund_lines(self, amount: Decimal) -> list[tuple]: ...

    def missing_order_hint(self, order_id: str) -> str:
        """How a payment held for a web order the ERP lacks names that order's sales order."""

    def document_counts(self, kind: str) -> Counter:
        """ERP documents of ``kind`` (order, payment, refund) per reference we give them (XC-/XP-/XR-<id>),
        counted: a document made twice counts twice (``payments()`` and ``credit_memos()`` would fold them)."""


class Sage500Driver:
    name, label, pair = "sage500", "Sage 500", "xcart-sage500"
    company = "SOA"
    # payment method -> cash account (tglAccount.GLAcctNo), as sage500/payment_from_canonical.yaml maps them
    cash_accounts = {"Credit Card": "1030-00", "PayPal": "1020-00", "Purchase Order": "1010-00",
                     "Gift Certificate": "1010-00"}
    city_field = "ShipToCity"  # the column a too-long shipping city is refused for
    payment_created = "created Sage 500 customer payment {number}"

    def __init__(self, sandbox) -> None:
        self.sandbox = sandbox

    def _act(self, action, **kwargs) -> None:
        connection = self.sandbox.erp()
        try:
            action(connection, company_id=self.company, **kwargs)
        finally:
            connection.close()

    def snapshot(self) -> dict[str, dict]:
        rows = self.sandbox.erp_rows
        return {
            "customers": {r[0].strip(): r[1:] for r in rows(
                "SELECT c.CustID, c.CustName, c.Status, a.AddrLine1, a.City, a.PostalCode FROM tarCustomer c "
                "LEFT JOIN tciAddress a ON a.AddrKey = c.PrimaryAddrKey")},
            "sales_orders": {r[0].strip(): r[1:] for r in rows("SELECT TranNo, Status, OpenAmt FROM tsoSalesOrder")},
            "payments": {r[0].strip(): r[1:] for r in rows("SELECT TranNo, TranAmt FROM tarCustPmt")},
            "credit_memos": {r[0].strip(): r[1:] for r in rows(
                "SELECT TranNo, TranAmt FROM tarInvoice WHERE TranType = 502")},
            "items": {r[0].strip(): r[1:] for r in rows("SELECT ItemID, Status, StdPrice FROM timItem")},
        }

    def available(self, warehouses: tuple[str, ...]) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = {}
        marks = ", ".join("?" for _ in warehouses)
        for item_id, on_hand, pending in self.sandbox.erp_rows(
                "SELECT i.ItemID, b.QtyOnHand, b.PendQtyDecrease FROM timWhseBinInvt b "
                "JOIN timItem i ON i.ItemKey = b.ItemKey JOIN timWarehouse w ON w.WhseKey = b.WhseKey "
                f"WHERE w.WhseID IN ({marks})", *warehouses):
            sku = item_id.strip()
            totals[sku] = totals.get(sku, Decimal(0)) + Decimal(str(on_hand)) - Decimal(str(pending))
        return totals

    def add_stock(self, sku: str, warehouse: str, delta: int, *, now: datetime) -> None:
        from include.sandbox.sage500.erp_actions import set_stock, stock_levels

        connection = self.sandbox.erp()
        try:
            on_hand = stock_levels(connection, company_id=self.company, item_id=sku)[warehouse][0]
            set_stock(connection, company_id=self.company, item_id=sku, whse_id=warehouse,
                      qty_on_hand=on_hand + delta, now=now)
        finally:
            connection.close()

    def create_item(self, sku: str, description: str, price: str, stock: dict[str, int], *, now: datetime) -> None:
        from include.sandbox.sage500.erp_actions import create_item

        self._act(create_item, item_id=sku, description=description, std_price=price, stock=stock, now=now)

    def web_customer_ids(self) -> list[str]:
        return sorted(k for k in self.snapshot()["customers"] if k.startswith("XC"))

    def storefront_profile_id(self, customer_id: str) -> int:
        return int(customer_id[2:])

    def move_customer(self, customer_id: str, *, line1: str, city: str, now: datetime) -> None:
        from include.sandbox.sage500.erp_actions import update_customer_address

        self._act(update_customer_address, cust_id=customer_id, AddrLine1=line1, City=city, now=now)

    def open_web_orders(self) -> list[tuple[str, int]]:
        return [(tran_no.strip(), int(reference.strip()[3:])) for tran_no, reference in self.sandbox.erp_rows(
            "SELECT TranNo, UserFld1 FROM tsoSalesOrder WHERE Status = 1 AND UserFld1 LIKE 'XC-%' ORDER BY SOKey")]

    def ship(self, order_id: str, *, partial: bool, tracking: str, now: datetime) -> None:
        from include.sandbox.sage500.erp_actions import ship_order

        self._act(ship_order, tran_no=order_id, lines={1: 1} if partial else None, tracking_no=tracking,
                  carrier="UPS", ship_date=now)

    def customer_city(self, snapshot: dict, customer_id: str) -> str:
        return snapshot["customers"][customer_id][3]

    def document_amount(self, snapshot: dict, kind: str, document_id: str) -> Decimal:
        return Decimal(str(snapshot[kind][document_id][-1]))

    def web_order_refs(self) -> Counter:
        rows = self.sandbox.erp_rows("SELECT UserFld1 FROM tsoSalesOrder WHERE UserFld1 LIKE 'XC-%'")
        return Counter(row[0].strip()[3:] for row in rows)

    def web_orders(self) -> dict[str, dict]:
        rows = self.sandbox.erp_rows
        lines: dict[int, list] = {}
        for so_key, item_id, quantity in rows(
                "SELECT l.SOKey, i.ItemID, d.QtyOrd FROM tsoSOLine l JOIN timItem i ON i.ItemKey = l.ItemKey "
                "JOIN tsoSOLineDist d ON d.SOLineKey = l.SOLineKey ORDER BY l.SOKey, l.SOLineNo, d.SOLineDistKey"):
            lines.setdefault(so_key, []).append((item_id.strip(), Decimal(str(quantity))))
        return {ref.strip()[3:]: {
            "number": tran_no.strip(), "xref": str(so_key), "document": so_key, "customer": cust_id.strip(),
            "reference": (cust_po or "").strip(), "currency": currency.strip(), "total": Decimal(str(total)),
            "tax": Decimal(str(tax)), "open": Decimal(str(open_amount)), "hold": bool(hold),
            "lines": lines.get(so_key, []), "modified": updated,
        } for ref, tran_no, so_key, cust_id, cust_po, currency, total, tax, open_amount, hold, updated in rows(
            "SELECT s.UserFld1, s.TranNo, s.SOKey, c.CustID, s.CustPONo, s.CurrID, s.TranAmt, s.STaxAmt, s.OpenAmt, "
            "s.Hold, s.UpdateDate FROM tsoSalesOrder s JOIN tarCustomer c ON c.CustKey = s.CustKey "
            "WHERE s.UserFld1 LIKE 'XC-%'")}

    def external_reference(self, order: dict) -> str:
        return str(order["orderId"])  # CustPONo

    def ship_to(self, order_id: str) -> list[tuple[str, str]]:
        return self.sandbox.erp_rows(
            "SELECT a.AddrName, a.AddrLine1 FROM tsoSalesOrder s JOIN tciAddress a ON a.AddrKey = s.DfltShipToAddrKey "
            "WHERE s.UserFld1 = ?", f"XC-{order_id}")

    def customers_by_email(self) -> dict[str, str]:
        return {str(email or "").strip().lower(): cust_id.strip() for cust_id, email in self.sandbox.erp_rows(
            "SELECT c.CustID, t.EMailAddr FROM tarCustomer c JOIN tciContact t ON t.CntctKey = c.PrimaryCntctKey")}

    def customer(self, customer_id: str) -> dict:
        [(name, email)] = self.sandbox.erp_rows(
            "SELECT c.CustName, t.EMailAddr FROM tarCustomer c JOIN tciContact t ON t.CntctKey = c.PrimaryCntctKey "
            "WHERE c.CustID = ?", customer_id)
        return {"name": name.strip(), "email": email.strip()}

    def payments(self) -> dict[str, dict]:
        rows = self.sandbox.erp_rows
        applied: dict[int, list] = {}
        for payment_key, so_key, amount in rows(
                "SELECT CustPmtKey, ApplyToSOKey, ApplAmt FROM tarCustPmtAppl ORDER BY CustPmtApplKey"):
            applied.setdefault(payment_key, []).append((so_key, Decimal(str(amount))))
        return {ref.strip(): {
            "number": tran_no.strip(), "amount": Decimal(str(amount)), "currency": currency.strip(),
            "account": account.strip(), "comment": comment, "customer": cust_id.strip(),
            "applied": applied.get(key, []), "modified": updated,
        } for ref, tran_no, amount, currency, account, comment, cust_id, key, updated in rows(
            "SELECT p.UserFld1, p.TranNo, p.TranAmt, p.CurrID, a.GLAcctNo, p.TranCmnt, c.CustID, p.CustPmtKey, "
            "p.UpdateDate FROM tarCustPmt p JOIN tglAccount a ON a.GLAcctKey = p.CashAcctKey "
            "JOIN tarCustomer c ON c.CustKey = p.CustKey")}

    def payment_texts(self) -> list[tuple]:
        return self.sandbox.erp_rows("SELECT TranCmnt, UserFld1, UserFld2 FROM tarCustPmt")

    def credit_memos(self) -> dict[str, dict]:
        """Credit memos through the sales order they are applied to (a memo without one is not listed)."""
        return {ref.strip(): {
            "amount": Decimal(str(amount)), "currency": currency.strip(), "order_ref": order_ref.strip(),
            "customer": cust_id.strip(), "order_customer": order_cust_id.strip(), "comment": comment,
            "lines": [], "modified": updated,
        } for ref, amount, currency, cust_id, order_ref, order_cust_id, comment, updated in self.sandbox.erp_rows(
            "SELECT i.UserFld1, i.TranAmt, i.CurrID, c.CustID, o.UserFld1, oc.CustID, i.TranCmnt, i.UpdateDate "
            "FROM tarInvoice i JOIN tarCustomer c ON c.CustKey = i.CustKey "
            "JOIN tsoSalesOrder o ON o.SOKey = i.ApplyToSOKey JOIN tarCustomer oc ON oc.CustKey = o.CustKey "
            "WHERE i.TranType = 502")}

    def refund_lines(self, amount: Decimal) -> list[tuple]:
        return []  # a Sage 500 credit memo (tarInvoice) is a header: the amount is all it carries

    def document_counts(self, kind: str) -> Counter:
        sql = {"order": "SELECT UserFld1 FROM tsoSalesOrder WHERE UserFld1 LIKE 'XC-%'",
               "payment": "SELECT UserFld1 FROM tarCustPmt WHERE UserFld1 LIKE 'XP-%'",
               "refund": "SELECT UserFld1 FROM tarInvoice WHERE TranType = 502 AND UserFld1 LIKE 'XR-%'"}[kind]
        return Counter(row[0].strip() for row in self.sandbox.erp_rows(sql))

    def missing_order_hint(self, order_id: str) -> str:
        return f"sales order W{int(order_id):09d}"


class AcumaticaDriver:
    """Reads and acts on the in-process emulator's store (the ERP's own staff, not our connector)."""

    name, label, pair = "acumatica", "Acumatica", "xcart-acumatica"
    # payment method -> (PaymentMethod, CashAccount), as acumatica/payment_from_canonical.yaml maps them
    cash_accounts = {"Credit Card": ("CREDITCARD", "10200"), "PayPal": ("PAYPAL", "10250"),
                     "Purchase Order": ("CHECK", "10100"), "Gift Certificate": ("GIFTCERT", "10300")}
    city_field = "ShipToAddress.City"
    payment_created = "created Acumatica payment {number}"

    def __init__(self, sandbox) -> None:
        self.sandbox = sandbox
        self.store = sandbox.acumatica.store

    def snapshot(self) -> dict[str, dict]:
        def address(customer: dict) -> dict:
            return ((customer.get("MainContact") or {}).get("Address")) or {}

        orders = self.store.records("SalesOrder")
        return {
            "customers": {c["CustomerID"]: (c.get("CustomerName"), c.get("Status"), address(c).get("AddressLine1"),
                                            address(c).get("City"), address(c).get("PostalCode"))
                          for c in self.store.records("Customer")},
            "sales_orders": {o["OrderNbr"]: (o.get("Status"), o.get("OrderTotal"))
                             for o in orders if o["OrderType"] == "SO"},
            "payments": {p["ReferenceNbr"]: (p.get("PaymentAmount"),)
                         for p in self.store.records("Payment") if p.get("Type") == "Payment"},
            "credit_memos": {o["OrderNbr"]: (o.get("OrderTotal"),) for o in orders if o["OrderType"] == "CM"},
            "items": {i["InventoryID"]: (i.get("ItemStatus"), i.get("DefaultPrice"))
                      for i in self.store.records("StockItem")},
        }

    def available(self, warehouses: tuple[str, ...]) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = {}
        for row in self.store.inventory_summary():
            if row["WarehouseID"] in warehouses:
                totals[row["InventoryID"]] = totals.get(row["InventoryID"], Decimal(0)) + Decimal(row["QtyAvailable"])
        return totals

    def add_stock(self, sku: str, warehouse: str, delta: int, *, now: datetime) -> None:
        on_hand = next(r["QtyOnHand"] for r in self.store.inventory_summary(sku, warehouse))
        self.store.set_stock(inventory_id=sku, warehouse_id=warehouse, qty_on_hand=on_hand + delta)

    def create_item(self, sku: str, description: str, price: str, stock: dict[str, int], *, now: datetime) -> None:
        self.store.create_item(inventory_id=sku, description=description, default_price=price, stock=stock)

    def web_customer_ids(self) -> list[str]:
        return sorted(c["CustomerID"] for c in self.store.records("Customer") if c["CustomerID"].startswith("XC"))

    def storefront_profile_id(self, customer_id: str) -> int:
        return int(customer_id[2:])

    def move_customer(self, customer_id: str, *, line1: str, city: str, now: datetime) -> None:
        self.store.update_customer_address(customer_id=customer_id, AddressLine1=line1, City=city)

    def open_web_orders(self) -> list[tuple[str, int]]:
        return [(o["OrderNbr"], int(o["CustomerOrder"][3:])) for o in self.store.records("SalesOrder")
                if o["OrderType"] == "SO" and o.get("Status") == "Open"
                and str(o.get("CustomerOrder") or "").startswith("XC-")]

    def ship(self, order_id: str, *, partial: bool, tracking: str, now: datetime) -> None:
        order = self.store.get("SalesOrder", ["SO", order_id])
        lines = {order["Details"][0]["LineNbr"]: 1} if partial else None
        self.store.ship_order(order_nbr=order_id, lines=lines, tracking_nbr=tracking, ship_via="UPS")

    def customer_city(self, snapshot: dict, customer_id: str) -> str:
        return snapshot["customers"][customer_id][3]

    def document_amount(self, snapshot: dict, kind: str, document_id: str) -> Decimal:
        return Decimal(str(snapshot[kind][document_id][-1]))

    def _web_sales_orders(self) -> list[dict]:
        return [o for o in self.store.records("SalesOrder")
                if o["OrderType"] == "SO" and str(o.get("CustomerOrder") or "").startswith("XC-")]

    def web_order_refs(self) -> Counter:
        return Counter(o["CustomerOrder"][3:] for o in self._web_sales_orders())

    def web_orders(self) -> dict[str, dict]:
        return {o["CustomerOrder"][3:]: {
            "number": o["OrderNbr"], "xref": o["OrderNbr"], "document": ("SO", o["OrderNbr"]),
            "customer": o["CustomerID"], "reference": o.get("ExternalRef"), "currency": o["CurrencyID"],
            "total": o["OrderTotal"], "tax": o["TaxTotal"], "open": o["UnpaidBalance"], "hold": o["Hold"],
            "lines": [(line["InventoryID"], line["OrderQty"]) for line in o["Details"]],
            "modified": o.get("LastModifiedDateTime"),
        } for o in self._web_sales_orders()}

    def external_reference(self, order: dict) -> str:
        return str(order["orderNumber"])  # ExternalRef

    def ship_to(self, order_id: str) -> list[tuple[str, str]]:
        return [(o["ShipToContact"]["Attention"], o["ShipToAddress"]["AddressLine1"])
                for o in self._web_sales_orders() if o["CustomerOrder"] == f"XC-{order_id}"]

    def customers_by_email(self) -> dict[str, str]:
        return {str(c["MainContact"].get("Email") or "").lower(): c["CustomerID"]
                for c in self.store.records("Customer")}

    def customer(self, customer_id: str) -> dict:
        customer = self.store.get("Customer", [customer_id])
        return {"name": customer["CustomerName"], "email": customer["MainContact"]["Email"]}

    def payments(self) -> dict[str, dict]:
        return {p["PaymentRef"]: {
            "number": p["ReferenceNbr"], "amount": p["PaymentAmount"], "currency": p["CurrencyID"],
            "account": (p["PaymentMethod"], p["CashAccount"]), "comment": p.get("Description"),
            "customer": p["CustomerID"],
            "applied": [((a["OrderType"], a["OrderNbr"]), a["AppliedToOrder"]) for a in p["OrdersToApply"]],
            "modified": p.get("LastModifiedDateTime"),
        } for p in self.store.records("Payment") if p["Type"] == "Payment"}

    def payment_texts(self) -> list[tuple]:
        return [(p.get("Description"), p.get("PaymentRef")) for p in self.store.records("Payment")]

    def credit_memos(self) -> dict[str, dict]:
        orders = self.store.records("SalesOrder")
        customer_by_ref = {o["CustomerOrder"]: o["CustomerID"] for o in orders if o["OrderType"] == "SO"}
        return {o["CustomerOrder"]: {
            "amount": o["OrderTotal"], "currency": o["CurrencyID"], "order_ref": o.get("ExternalRef"),
            "customer": o["CustomerID"], "order_customer": customer_by_ref.get(o.get("ExternalRef")),
            "comment": o.get("Description"),
            "lines": [(line["InventoryID"], line["ExtendedPrice"]) for line in o["Details"]],
            "modified": o.get("LastModifiedDateTime"),
        } for o in orders if o["OrderType"] == "CM"}

    def refund_lines(self, amount: Decimal) -> list[tuple]:
        return [("REFUND", amount)]  # the tenant's non-stock item for refunds

    def document_counts(self, kind: str) -> Counter:
        if kind == "payment":
            return Counter(p["PaymentRef"] for p in self.store.records("Payment")
                           if p["Type"] == "Payment" and str(p.get("PaymentRef") or "").startswith("XP-"))
        order_type, prefix = {"order": ("SO", "XC-"), "refund": ("CM", "XR-")}[kind]
        return Counter(o["CustomerOrder"] for o in self.store.records("SalesOrder")
                       if o["OrderType"] == order_type and str(o.get("CustomerOrder") or "").startswith(prefix))

    def missing_order_hint(self, order_id: str) -> str:
        return f"sales order with CustomerOrder XC-{order_id}"


class IntacctDriver:
    """Reads and acts on the in-process Intacct emulator's company (the ERP's own staff, not our connector).

    A web order is the Sales Order whose PONUMBER is ``XC-<orderId>``; a paid one is converted to a Sales
    Invoice, whose AR invoice (``PRRECORDKEY``) is what a payment is applied to (docs/intacct.md).
    """

    name, label, pair = "intacct", "Sage Intacct", "xcart-intacct"
    # payment method -> (PAYMENTMETHOD, FINANCIALENTITY, UNDEPOSITEDACCOUNTNO), as intacct/payment_from_canonical.yaml
    cash_accounts = {"Credit Card": ("Credit Card", None, "1010"), "PayPal": ("EFT", None, "1010"),
                     "Purchase Order": ("EFT", "BOA-OPERATING", None), "Gift Certificate": ("Cash", None, "1010")}
    city_field = "DISPLAYCONTACT.MAILADDRESS.CITY"
    order_type, invoice_type, memo_type = "Sales Order", "Sales Invoice", "Sales Credit Memo"

    def __init__(self, sandbox) -> None:
        self.sandbox = sandbox
        self.server = sandbox.intacct
        self.company = sandbox.company

    # -- the company's records, read and changed under its lock (the gateway serves other threads) -----------

    def _records(self, obj: str) -> list[dict]:
        return self.server.records(obj, self.company)

    def _edit(self, change) -> None:
        company = self.server.companies[self.company]
        with company.lock:
            change(company.store)
            company.store.forget()

    @property
    def payment_created(self):
        driver = self

        class _Created:  # the loader names the payment by its reference and its RECORDNO
            @staticmethod
            def format(*, number: str) -> str:
                [reference] = [p["DOCNUMBER"] for p in driver._records("ARPYMT") if str(p["RECORDNO"]) == number]
                return f"created Sage Intacct AR payment {reference} (RECORDNO {number})"

        return _Created()

    def snapshot(self) -> dict[str, dict]:
        documents = self._records("SODOCUMENT")
        return {
            "customers": {c["CUSTOMERID"]: (c.get("NAME"), c.get("STATUS"), c.get("DISPLAYCONTACT.MAILADDRESS.ADDRESS1"),
                                            c.get("DISPLAYCONTACT.MAILADDRESS.CITY"),
                                            c.get("DISPLAYCONTACT.MAILADDRESS.ZIP"))
                          for c in self._records("CUSTOMER")},
            "sales_orders": {d["DOCID"]: (d.get("STATE"), d.get("TOTAL"))
                             for d in documents if d["DOCPARID"] == self.order_type},
            "payments": {str(p["RECORDNO"]): (p.get("TOTALENTERED"),) for p in self._records("ARPYMT")},
            "credit_memos": {d["DOCID"]: (d.get("TOTAL"),) for d in documents if d["DOCPARID"] == self.memo_type},
            "items": {i["ITEMID"]: (i.get("STATUS"), i.get("BASEPRICE")) for i in self._records("ITEM")},
        }

    def available(self, warehouses: tuple[str, ...]) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = {}
        for row in self._records("ITEMWAREHOUSEINFO"):
            if row["WAREHOUSEID"] in warehouses:
                totals[row["ITEMID"]] = (totals.get(row["ITEMID"], Decimal(0)) + (row.get("QTYONHAND") or 0)
                                         - (row.get("QTYONHOLD") or 0))
        return totals

    def add_stock(self, sku: str, warehouse: str, delta: int, *, now: datetime) -> None:
        self._edit(lambda store: store.set_stock(
            sku, warehouse, (store.stock_row(sku, warehouse)["QTYONHAND"] or Decimal(0)) + delta))

    def create_item(self, sku: str, description: str, price: str, stock: dict[str, int], *, now: datetime) -> None:
        def create(store) -> None:
            store.create_item({"ITEMID": sku, "NAME": description, "ITEMTYPE": "Inventory",
                               "BASEPRICE": Decimal(price), "UOMGRP": "Count"})
            for warehouse, on_hand in stock.items():
                store.set_stock(sku, warehouse, Decimal(on_hand))

        self._edit(create)

    def web_customer_ids(self) -> list[str]:
        return sorted(c["CUSTOMERID"] for c in self._records("CUSTOMER") if c["CUSTOMERID"].startswith("XC"))

    def storefront_profile_id(self, customer_id: str) -> int:
        return int(customer_id[2:])

    def move_customer(self, customer_id: str, *, line1: str, city: str, now: datetime) -> None:
        self._edit(lambda store: store.update_record("CUSTOMER", {"CUSTOMERID": customer_id}, {
            "DISPLAYCONTACT.MAILADDRESS.ADDRESS1": line1, "DISPLAYCONTACT.MAILADDRESS.CITY": city}))

    def _web_sales_orders(self) -> list[dict]:
        return sorted((d for d in self._records("SODOCUMENT") if d["DOCPARID"] == self.order_type
                       and str(d.get("PONUMBER") or "").startswith("XC-")), key=lambda d: d["RECORDNO"])

    def open_web_orders(self) -> list[tuple[str, int]]:
        return [(d["DOCID"], int(d["PONUMBER"][3:])) for d in self._web_sales_orders()
                if d["STATE"] in ("Pending", "Partially Converted")]

    def ship(self, order_id: str, *, partial: bool, tracking: str, now: datetime) -> None:
        """The clerk records the tracking number on the order's invoice (or the order, not invoiced yet)."""
        documents = self._records("SODOCUMENT")
        invoices = [d["DOCID"] for d in documents if d.get("CREATEDFROM") == order_id]
        self.server.action(self.company, "ship_order", docid=(invoices or [order_id])[0], tracking_number=tracking,
                           ship_via="UPS")

    def customer_city(self, snapshot: dict, customer_id: str) -> str:
        return snapshot["customers"][customer_id][3]

    def document_amount(self, snapshot: dict, kind: str, document_id: str) -> Decimal:
        return Decimal(str(snapshot[kind][document_id][-1]))

    def web_order_refs(self) -> Counter:
        return Counter(d["PONUMBER"][3:] for d in self._web_sales_orders())

    def web_orders(self) -> dict[str, dict]:
        documents = self._records("SODOCUMENT")
        lines: dict[int, list] = {}
        for line in sorted(self._records("SODOCUMENTENTRY"), key=lambda r: (r["DOCHDRNO"], r["LINE_NO"])):
            if line["ITEMID"] != "SHIPPING":  # the freight line the orders flow adds, not an ordered good
                lines.setdefault(line["DOCHDRNO"], []).append((line["ITEMID"], line["QUANTITY"]))
        invoice_of = {d["CREATEDFROM"]: d for d in documents
                      if d["DOCPARID"] == self.invoice_type and d.get("CREATEDFROM")}
        ar_invoices = {r["RECORDNO"]: r for r in self._records("ARINVOICE")}
        orders = {}
        for d in self._web_sales_orders():
            invoice = invoice_of.get(d["DOCID"])
            ar_invoice = ar_invoices.get(invoice.get("PRRECORDKEY")) if invoice else None
            orders[d["PONUMBER"][3:]] = {
                "number": d["DOCID"], "xref": d["DOCID"], "document": ar_invoice and ar_invoice["RECORDNO"],
                "customer": d["CUSTVENDID"], "reference": d.get("MESSAGE"), "currency": d["CURRENCY"],
                "total": d["TOTAL"], "tax": Decimal("0.00"),  # tax is carried by no line (orders.py refuses it)
                "open": ar_invoice["TOTALDUE"] if ar_invoice else d["TOTAL"], "hold": d["STATE"] == "Draft",
                "lines": lines.get(d["RECORDNO"], []), "modified": d.get("WHENMODIFIED"),
            }
        return orders

    def external_reference(self, order: dict) -> str:
        return f"Web order {order['orderNumber']}"  # MESSAGE

    def ship_to(self, order_id: str) -> list[tuple[str, str]]:
        return []  # the emulator's SODOCUMENT keeps no ship-to contact: the orders flow sends none

    def customers_by_email(self) -> dict[str, str]:
        return {str(c.get("DISPLAYCONTACT.EMAIL1") or "").lower(): c["CUSTOMERID"] for c in self._records("CUSTOMER")}

    def customer(self, customer_id: str) -> dict:
        [c] = [c for c in self._records("CUSTOMER") if c["CUSTOMERID"] == customer_id]
        return {"name": c["NAME"], "email": c.get("DISPLAYCONTACT.EMAIL1")}

    def payments(self) -> dict[str, dict]:
        applied: dict[int, list] = {}
        for detail in sorted(self._records("ARPYMTDETAIL"), key=lambda r: r["RECORDNO"]):
            applied.setdefault(detail["PAYMENTKEY"], []).append((detail["RECORDKEY"], detail["TRX_PAYMENTAMOUNT"]))
        return {p["DOCNUMBER"]: {
            "number": str(p["RECORDNO"]), "amount": p["TOTALENTERED"], "currency": p["CURRENCY"],
            "account": (p.get("PAYMENTMETHOD"), p.get("FINANCIALENTITY"), p.get("UNDEPOSITEDACCOUNTNO")),
            "comment": p.get("DESCRIPTION"), "customer": p["CUSTOMERID"], "applied": applied.get(p["RECORDNO"], []),
            "modified": p.get("WHENMODIFIED"),
        } for p in self._records("ARPYMT")}

    def payment_texts(self) -> list[tuple]:
        return [(p.get("DESCRIPTION"), p.get("DOCNUMBER")) for p in self._records("ARPYMT")]

    def credit_memos(self) -> dict[str, dict]:
        documents = self._records("SODOCUMENT")
        customer_by_ref = {d["PONUMBER"]: d["CUSTVENDID"] for d in documents
                           if d["DOCPARID"] == self.order_type and d.get("PONUMBER")}
        lines: dict[int, list] = {}
        for line in sorted(self._records("SODOCUMENTENTRY"), key=lambda r: (r["DOCHDRNO"], r["LINE_NO"])):
            lines.setdefault(line["DOCHDRNO"], []).append((line["ITEMID"], line["TOTAL"]))
        return {d["PONUMBER"]: {
            "amount": d["TOTAL"], "currency": d["CURRENCY"], "order_ref": d.get("EXTERNALID"),
            "customer": d["CUSTVENDID"], "order_customer": customer_by_ref.get(d.get("EXTERNALID")),
            "comment": d.get("MESSAGE"), "lines": lines.get(d["RECORDNO"], []), "modified": d.get("WHENMODIFIED"),
        } for d in documents if d["DOCPARID"] == self.memo_type}

    def refund_lines(self, amount: Decimal) -> list[tuple]:
        return [("REFUND", amount)]  # the company's non-inventory item for credit lines

    def document_counts(self, kind: str) -> Counter:
        if kind == "payment":
            return Counter(p["DOCNUMBER"] for p in self._records("ARPYMT")
                           if str(p.get("DOCNUMBER") or "").startswith("XP-"))
        doc_type, prefix = {"order": (self.order_type, "XC-"), "refund": (self.memo_type, "XR-")}[kind]
        return Counter(d["PONUMBER"] for d in self._records("SODOCUMENT")
                       if d["DOCPARID"] == doc_type and str(d.get("PONUMBER") or "").startswith(prefix))

    def missing_order_hint(self, order_id: str) -> str:
        return f"Sales Invoice with reference XC-{order_id}"


DRIVERS = {"sage500": Sage500Driver, "acumatica": AcumaticaDriver, "intacct": IntacctDriver}
SANDBOXES = {"sage500": "sandbox_factory", "acumatica": "acumatica_sandbox_factory",
             "intacct": "intacct_sandbox_factory"}

TAX_NOT_CARRIED = ("most seeded web orders carry tax, and the Intacct orders loader refuses tax and discounts "
                   "until a site's way of carrying them (subtotals or charge items) is decided "
                   "(plugins/storesync/systems/intacct/orders.py): those orders go to the DLQ, not to Intacct")
#: Shared scenarios an ERP does not pass yet, with why: run as xfail(strict=True) (tests/integration/conftest.py),
#: so the day the gap closes the test says so. Not vendor limits: our connector's open decisions. With the tax
#: refusal bypassed (a scratch run, 2026-12-07) the orders scenarios still fail on: items the seed makes inactive
#: (SKU-00034/35/43/56, Sage 500 status 2/3; Intacct takes only active items on a transaction) held; paid orders
#: whose invoice Intacct refuses for stock (MAIN holds 0 of some items, no negative inventory) left as a sales
#: order in Intacct AND a DLQ entry (not written back); no ship-to sent, so a too-long city is not refused.
KNOWN_GAPS = {
    "intacct": {
        "test_every_order_becomes_exactly_one_sales_order_or_a_dlq_entry_naming_order_and_field": TAX_NOT_CARRIED,
        "test_running_the_same_interval_again_creates_nothing": TAX_NOT_CARRIED,
        "test_a_lost_cross_reference_still_creates_no_second_sales_order": TAX_NOT_CARRIED,
        "test_erp_order_numbers_are_written_back_to_the_storefront": TAX_NOT_CARRIED,
        "test_the_sales_order_carries_the_storefront_id_number_totals_and_lines_exactly": TAX_NOT_CARRIED,
        "test_with_guest_customers_created_a_new_buyer_gets_one_erp_customer_for_all_their_orders": TAX_NOT_CARRIED,
        "test_a_backfill_over_consecutive_intervals_loads_each_order_once": TAX_NOT_CARRIED,
        "test_quotes_sql_and_non_ascii_text_is_stored_exactly": (
            "the Intacct orders loader sends no ship-to contact (create_sotransaction names one by shipto/"
            "contactname, an existing CONTACT), so the sales order keeps no ship-to name or address"),
        "test_captured_payments_are_applied_to_their_sales_orders_with_the_methods_cash_account": TAX_NOT_CARRIED,
        "test_a_payment_and_refund_for_an_order_the_erp_lacks_are_held_then_applied_once_it_arrives": TAX_NOT_CARRIED,
        "test_a_payment_in_another_currency_than_its_order_goes_to_the_dlq_naming_currency": TAX_NOT_CARRIED,
        "test_a_declined_payment_creates_nothing_and_raises_one_alert": TAX_NOT_CARRIED,
        "test_no_card_number_reaches_the_sync_store_only_the_last_four_digits": TAX_NOT_CARRIED,
        "test_full_and_partial_refunds_become_credit_memos_for_the_exact_amounts": TAX_NOT_CARRIED,
        "test_exactly_the_changes_made_on_each_side_appear_on_the_other_and_a_rerun_changes_nothing": TAX_NOT_CARRIED,
        # tests/chaos/test_fault_suite.py (its overlap cases hold for Intacct: 0 duplicates, 0 lost)
        "test_a_hostile_structure_goes_to_the_dlq_and_the_window_loads_the_rest": TAX_NOT_CARRIED,
    },
}


def driver_for(erp: str, sandbox) -> ErpDriver:
    return DRIVERS[erp](sandbox)


@pytest.fixture(name="erp_factory", params=sorted(DRIVERS))
def erp_factory_fixture(request, backend):
    """Builds the sandbox of one ERP per test (the sandbox factory's keywords) and returns its driver, whose
    ``sandbox`` is the storefront, the ERP and the sync store. Import ``erp_factory_fixture`` to use it."""
    factory = request.getfixturevalue(SANDBOXES[request.param])
    return lambda **kwargs: driver_for(request.param, factory(**kwargs))
