"""Acumatica documents for the reconciliation: the day's sales orders, payments and credit memos with their
storefront references, lookups by reference, and what makes the engine need nothing but these readers."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

from include.sandbox.acumatica import odata
from storesync.systems.acumatica.adapter import AcumaticaAdapter
from storesync.reconciliation.match import match, number_lines

START = datetime(2026, 11, 19, tzinfo=timezone.utc)
END = datetime(2026, 11, 20, tzinfo=timezone.utc)


class ODataClient:
    """``list`` with the emulator's own ``$filter`` semantics over plain records (what AcumaticaClient returns)."""

    def __init__(self, **records: list[dict]) -> None:
        self.records = records
        self.filters: list[tuple[str, str]] = []

    def list(self, entity: str, *, filter=None, expand=(), select=(), page_size=None):
        self.filters.append((entity, filter))
        node = odata.parse_filter(filter) if filter else None
        for record in self.records.get(entity, []):
            if node is None or odata.matches(node, record):
                yield dict(record)


def sales_order(number, kind="SO", ref=None, total="100.00", when="2026-11-19T00:00:00+00:00", **fields) -> dict:
    return {"OrderType": kind, "OrderNbr": number, "CustomerOrder": ref, "Date": when, "CurrencyID": "USD",
            "OrderTotal": Decimal(total), "Status": "Open", **fields}


def payment(number, ref=None, amount="100.00", when="2026-11-19T10:00:00+00:00", applied=None, **fields) -> dict:
    return {"Type": "Payment", "ReferenceNbr": number, "PaymentRef": ref, "ApplicationDate": when, "CurrencyID": "USD",
            "PaymentAmount": Decimal(amount), "PaymentMethod": "CREDITCARD", "CashAccount": "10200",
            "Description": f"ch_{(ref or 'x')[3:]}", "Status": "Closed",
            "OrdersToApply": [{"OrderType": "SO", "OrderNbr": applied}] if applied else [], **fields}


def shop() -> tuple[AcumaticaAdapter, ODataClient]:
    client = ODataClient(
        SalesOrder=[sales_order("SO000012", ref="XC-12"), sales_order("SO000013", ref="XC-13", total="20.00",
                                                                       when="2026-11-20T00:00:00+00:00"),
                    sales_order("SO000900", ref=None, total="55.00"),
                    sales_order("CM000001", kind="CM", ref="XR-57", total="5.00", ExternalRef="XC-12",
                                Description="re_57")],
        Payment=[payment("PMT0001", ref="XP-55", applied="SO000012"),
                 payment("PMT0002", ref="XP-56", amount="20.00", applied="SO000013",
                         when="2026-11-20T09:00:00+00:00"),
                 payment("PMT0003", ref="XP-58", Status="Voided"),
                 payment("REF0001", ref=None, Type="Refund")],
    )
    return AcumaticaAdapter(conn_id="unused", hook=client), client


def test_the_days_sales_orders_are_type_so_dated_on_the_day_with_their_storefront_order():
    adapter, client = shop()
    orders = {d.doc_id: d for d in adapter.reconcile("order", START, END)}
    assert set(orders) == {"SO000012", "SO000900"}, "credit memos and the next day's order are not the day's"
    assert (orders["SO000012"].store_ref, orders["SO000012"].amount, orders["SO000012"].date) == (
        "12", Decimal("100.00"), date(2026, 11, 19))
    assert orders["SO000900"].store_ref is None
    assert client.filters[0] == ("SalesOrder", "Date ge datetimeoffset'2026-11-19T00:00:00.000+00:00' and "
                                               "Date lt datetimeoffset'2026-11-20T00:00:00.000+00:00'")


def test_cash_receipts_are_payments_not_voided_with_reference_account_gateway_id_and_web_order():
    adapter, _ = shop()
    [receipt] = adapter.reconcile("payment", START, END)
    assert (receipt.doc_id, receipt.store_ref, receipt.order_ref, receipt.erp_order_id, receipt.account,
            receipt.gateway_id, receipt.method) == ("PMT0001", "55", "12", "SO000012", "10200", "ch_55", "CREDITCARD")


def test_credit_memos_are_type_cm_with_the_refund_and_the_refunded_orders_sales_order():
    adapter, _ = shop()
    [memo] = adapter.reconcile("refund", START, END)
    assert (memo.doc_id, memo.store_ref, memo.order_ref, memo.erp_order_id, memo.amount, memo.gateway_id) == (
        "CM000001", "57", "12", "SO000012", Decimal("5.00"), "re_57")


def test_lookups_by_storefront_id_find_documents_of_any_date():
    adapter, _ = shop()
    assert [d.doc_id for d in adapter.reconcile_by_ref("order", ["13", "12", "99"])] == ["SO000012", "SO000013"]
    [late] = adapter.reconcile_by_ref("payment", ["56"])
    assert (late.date, late.order_ref) == (date(2026, 11, 20), "13")
    assert [d.doc_id for d in adapter.reconcile_by_ref("refund", ["57"])] == ["CM000001"]


def test_the_unchanged_engine_reconciles_an_acumatica_day_from_these_readers_alone():
    from storesync.reconciliation.model import Document

    adapter, _ = shop()
    storefront = [Document("storefront", "order", "12", date(2026, 11, 19), Decimal("100.00"), "USD", store_ref="12",
                           order_ref="12", marked_paid=True, paid=Decimal("100.00")),
                  Document("storefront", "payment", "55", date(2026, 11, 19), Decimal("100.00"), "USD",
                           store_ref="55", order_ref="12", gateway_id="ch_55"),
                  Document("storefront", "refund", "57", date(2026, 11, 19), Decimal("5.00"), "USD", store_ref="57",
                           order_ref="12")]
    erp = [doc for kind in ("order", "payment", "refund") for doc in adapter.reconcile(kind, START, END)]
    result = match(date(2026, 11, 19), storefront_day=storefront, erp_day=erp)
    assert {line.line_key: line.status for line in number_lines(result.lines)} == {
        "order:12": "matched", "payment:55": "matched", "refund:57": "matched"}
    assert [d.doc_id for d in result.out_of_scope] == ["SO000900"], "the ERP's own order is not the pair's"


def test_the_readers_work_through_the_real_client_against_the_emulator(monkeypatch):
    """The same queries through AcumaticaClient (wrapped fields, $filter, $expand, $select) against the sandbox."""
    import json

    from include.sandbox.acumatica.server import AcumaticaServer
    from storesync.systems.acumatica.hook import AcumaticaHook

    server = AcumaticaServer(items=3, customers=2, password="recon-pass-4411").start()
    try:
        monkeypatch.setenv("AIRFLOW_CONN_ACUMATICA_RECON", json.dumps({
            "conn_type": "acumatica", "host": server.base_url, "login": server.username,
            "password": "recon-pass-4411", "extra": {"tenant": server.tenant}}))
        client = AcumaticaHook("acumatica_recon").get_client()
        item = server.store.records("StockItem")[0]["InventoryID"]
        line = {"InventoryID": item, "WarehouseID": "MAIN", "OrderQty": Decimal("1")}
        order = client.put("SalesOrder", {"OrderType": "SO", "CustomerID": "WEBGUEST", "CustomerOrder": "XC-12",
                                          "Date": "2026-11-19T00:00:00+00:00", "CurrencyID": "USD",
                                          "DisableAutomaticTaxCalculation": True,  # as the loaders send orders
                                          "Details": [{**line, "UnitPrice": Decimal("100.00")}]})
        client.put("Payment", {"Type": "Payment", "CustomerID": "WEBGUEST", "PaymentRef": "XP-55",
                               "ApplicationDate": "2026-11-19T10:00:00+00:00", "CurrencyID": "USD",
                               "PaymentAmount": Decimal("100.00"), "PaymentMethod": "CREDITCARD",
                               "CashAccount": "10200", "Description": "ch_55",
                               "OrdersToApply": [{"OrderType": "SO", "OrderNbr": order["OrderNbr"],
                                                  "AppliedToOrder": Decimal("100.00")}]})
        client.put("SalesOrder", {"OrderType": "CM", "CustomerID": "WEBGUEST", "CustomerOrder": "XR-57",
                                  "ExternalRef": "XC-12", "Date": "2026-11-19T00:00:00+00:00", "CurrencyID": "USD",
                                  "DisableAutomaticTaxCalculation": True, "Description": "re_57", "Details": [{**line, "UnitPrice": Decimal("5.00")}]})
        adapter = AcumaticaAdapter(conn_id="acumatica_recon", hook=client)
        found = {kind: adapter.reconcile(kind, START, END) for kind in ("order", "payment", "refund")}
        assert [(d.store_ref, d.amount) for d in found["order"]] == [("12", Decimal("100.00"))]
        [receipt] = found["payment"]
        assert (receipt.store_ref, receipt.order_ref, receipt.erp_order_id, receipt.account) == (
            "55", "12", order["OrderNbr"], "10200")
        [memo] = found["refund"]
        assert (memo.store_ref, memo.order_ref, memo.erp_order_id, memo.amount) == (
            "57", "12", order["OrderNbr"], Decimal("5.00"))
        assert [d.doc_id for d in adapter.reconcile_by_ref("payment", ["55"])] == [receipt.doc_id]
        adapter.close()
    finally:
        server.stop()
