"""What a pair-level test needs from an ERP sandbox, one driver per ERP: read a comparable snapshot of
the ERP's state and make the changes an ERP user would make (stock, items, customer addresses, shipping).

Tests written against a driver hold for every ERP: the pair scenario runs once per pair.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Protocol


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


class Sage500Driver:
    company = "SOA"

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


class AcumaticaDriver:
    """Reads and acts on the in-process emulator's store (the ERP's own staff, not our connector)."""

    def __init__(self, sandbox) -> None:
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


DRIVERS = {"sage500": Sage500Driver, "acumatica": AcumaticaDriver}


def driver_for(erp: str, sandbox) -> ErpDriver:
    return DRIVERS[erp](sandbox)
