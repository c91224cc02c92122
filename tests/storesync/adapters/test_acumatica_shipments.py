"""Acumatica as the source of the shipments flow: shipments of the window with their sales order's reference and
completeness, the ones the storefront does not care about skipped with a reason, and re-reads by key."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from storesync.systems.acumatica.shipments import ORDER_CHUNK, out_of_scope, read_shipments, read_shipments_by_key
from storesync.privacy import luhn_valid, scrub_card_data
from tests.storesync.adapters.acumatica_source_fake import FakeAcumatica

UTC = timezone.utc
SINCE, UNTIL = datetime(2026, 11, 20, 0, 0, tzinfo=UTC), datetime(2026, 11, 20, 0, 30, tzinfo=UTC)
OPTIONS = {"storefront_reference_prefix": "XC-"}


def sales_order(nbr: str, reference: str | None, lines: dict[str, tuple], order_type: str = "SO") -> dict:
    """lines: InventoryID -> (OrderQty, QtyOnShipments)."""
    return {"OrderType": order_type, "OrderNbr": nbr, "CustomerOrder": reference, "Status": "Open",
            "Details": [{"LineNbr": n, "InventoryID": sku, "OrderQty": Decimal(str(ordered)),
                         "QtyOnShipments": Decimal(str(shipped))}
                        for n, (sku, (ordered, shipped)) in enumerate(lines.items(), start=1)]}


def shipment(nbr: str, order_nbr: str, lines: dict[str, int], *, tracking=("1Z001",), status="Confirmed",
             modified="2026-11-20T00:10:00+00:00", kind="Shipment", order_type="SO") -> dict:
    return {"ShipmentNbr": nbr, "Type": kind, "Status": status, "ShipmentDate": "2026-11-20T00:00:00+00:00",
            "CustomerID": "C001", "ShipVia": "UPSGROUND", "LastModifiedDateTime": modified,
            "Details": [{"LineNbr": n, "OrderType": order_type, "OrderNbr": order_nbr, "InventoryID": sku,
                         "ShippedQty": Decimal(qty)} for n, (sku, qty) in enumerate(lines.items(), start=1)],
            "Packages": [{"TrackingNbr": number, "Weight": Decimal("1.2")} for number in tracking],
            "Orders": [{"OrderType": order_type, "OrderNbr": order_nbr}]}


def test_shipments_of_the_window_come_with_their_sales_order_reference_and_completeness():
    client = FakeAcumatica(
        sales_orders=[sales_order("SO000017", "XC-17", {"SKU-00001": (3, 3), "SKU-00002": (1, 0)}),
                      sales_order("SO000018", "XC-18", {"SKU-00003": (2, 2)}),
                      sales_order("SO000017", "XR-5", {"SKU-00001": (1, 0)}, order_type="CM")],
        shipments=[shipment("000001", "SO000017", {"SKU-00001": 3}, tracking=("", "1Z0001A", "1Z0001B")),
                   shipment("000002", "SO000018", {"SKU-00003": 2}),
                   shipment("000003", "SO000018", {"SKU-00003": 1}, modified="2026-11-20T00:30:00+00:00")])
    records = dict(read_shipments(client, OPTIONS, SINCE, UNTIL))
    assert list(records) == ["000001", "000002"]
    partial = records["000001"]
    assert partial["SalesOrder"] == {"OrderType": "SO", "OrderNbr": "SO000017", "CustomerOrder": "XC-17", "Status": "Open",
                                     "OrderQty": Decimal(4), "QtyOnShipments": Decimal(3), "LinesOpen": 1,
                                     "Complete": False}
    assert partial["TrackingNbr"] == "1Z0001A", "the first package with a tracking number"
    assert partial["AdditionalTrackingNbrs"] == [{"TrackingNbr": "1Z0001B"}], "every further package's"
    assert records["000002"]["AdditionalTrackingNbrs"] == []
    assert partial["ShipVia"] == "UPSGROUND" and partial["ShipmentDate"] == "2026-11-20T00:00:00+00:00"
    assert partial["Details"] == [{"LineNbr": 1, "OrderType": "SO", "OrderNbr": "SO000017", "InventoryID": "SKU-00001",
                                   "ShippedQty": Decimal(3)}]
    assert partial["Orders"] == [{"OrderType": "SO", "OrderNbr": "SO000017"}]
    assert records["000002"]["SalesOrder"]["Complete"] is True
    [request] = client.requests("list", "Shipment")
    assert set(request["expand"]) == {"Details", "Packages", "Orders"}


def test_sales_orders_are_read_a_few_per_request_not_one_each():
    orders = [sales_order(f"SO{n:06d}", f"XC-{n}", {"SKU-00001": (1, 1)}) for n in range(1, 46)]
    shipments = [shipment(f"{n:06d}", f"SO{n:06d}", {"SKU-00001": 1}) for n in range(1, 46)]
    client = FakeAcumatica(sales_orders=orders, shipments=shipments)
    assert len(list(read_shipments(client, OPTIONS, SINCE, UNTIL))) == 45
    requests = client.requests("list", "SalesOrder")
    assert len(requests) == -(-45 // ORDER_CHUNK)
    assert all(r["expand"] == ("Details",) for r in requests)


def test_a_shipment_whose_sales_order_is_gone_is_kept_for_the_gate_to_name():
    client = FakeAcumatica(shipments=[shipment("000009", "SO000404", {"SKU-00001": 1})])
    [(key, record)] = read_shipments(client, OPTIONS, SINCE, UNTIL)
    assert key == "000009" and record["SalesOrder"] is None
    assert out_of_scope(record, OPTIONS) is None


def test_only_confirmed_shipments_of_web_orders_to_customers_are_the_storefronts_business():
    client = FakeAcumatica(
        sales_orders=[sales_order("SO000017", "XC-17", {"SKU-00001": (1, 1)}),
                      sales_order("SO000700", "PHONE-42", {"SKU-00001": (1, 1)}),
                      sales_order("SO000701", None, {"SKU-00001": (1, 1)})],
        shipments=[shipment("000001", "SO000017", {"SKU-00001": 1}),
                   shipment("000002", "SO000700", {"SKU-00001": 1}),
                   shipment("000003", "SO000701", {"SKU-00001": 1}),
                   shipment("000004", "SO000017", {"SKU-00001": 1}, status="Open"),
                   shipment("000005", "SO000017", {"SKU-00001": 1}, kind="Transfer")])
    reasons = {key: out_of_scope(record, OPTIONS) for key, record in read_shipments(client, OPTIONS, SINCE, UNTIL)}
    assert reasons["000001"] is None
    assert reasons["000002"] == ("shipment 000002: sales order SO000700 did not come from the storefront "
                                 "(CustomerOrder 'PHONE-42', no XC- reference); nothing to update on the storefront")
    assert "(CustomerOrder empty, no XC- reference)" in reasons["000003"]
    assert reasons["000004"].startswith("shipment 000004: Status 'Open'") and "read again when confirmed" in reasons["000004"]
    assert reasons["000005"].startswith("shipment 000005: Type 'Transfer' is not a shipment to a customer")


def test_shipments_can_be_read_by_key_for_a_replay_and_unknown_numbers_are_left_out():
    client = FakeAcumatica(sales_orders=[sales_order("SO000017", "XC-17", {"SKU-00001": (1, 1)})],
                           shipments=[shipment("000001", "SO000017", {"SKU-00001": 1}, modified="2020-01-01T00:00:00+00:00")])
    records = dict(read_shipments_by_key(client, OPTIONS, ["000001", "999999", ""]))
    assert list(records) == ["000001"] and records["000001"]["SalesOrder"]["CustomerOrder"] == "XC-17"


def test_a_luhn_valid_tracking_number_survives_the_card_scrub_at_extract():
    fedex_ground = next(str(n) for n in range(612345678901230, 612345678901240) if luhn_valid(str(n)))
    client = FakeAcumatica(sales_orders=[sales_order("SO000017", "XC-17", {"SKU-00001": (1, 1)})],
                           shipments=[shipment("000001", "SO000017", {"SKU-00001": 1}, tracking=(fedex_ground,))])
    [(_, record)] = read_shipments(client, OPTIONS, SINCE, UNTIL)
    staged = scrub_card_data(record)
    assert staged["TrackingNbr"] == fedex_ground and staged["Packages"][0]["TrackingNbr"] == fedex_ground


def test_the_reader_and_scope_are_registered_for_the_flow():
    from storesync.systems.acumatica import adapter as acumatica
    assert acumatica.EXTRACTS["shipment"].endswith("acumatica.shipments:read_shipments")
    assert acumatica.EXTRACT_KEYS["shipment"].endswith("acumatica.shipments:read_shipments_by_key")
    assert acumatica.OUT_OF_SCOPE["shipment"].endswith("acumatica.shipments:out_of_scope")


def test_packages_sharing_a_label_publish_its_number_once():
    client = FakeAcumatica(sales_orders=[sales_order("SO000017", "XC-17", {"SKU-00001": (3, 3)})],
                           shipments=[shipment("000001", "SO000017", {"SKU-00001": 3},
                                               tracking=("1Z0001A", "1Z0001B", "1Z0001A", "1Z0001C"))])
    [(_, record)] = read_shipments(client, OPTIONS, SINCE, UNTIL)
    assert record["TrackingNbr"] == "1Z0001A"
    assert record["AdditionalTrackingNbrs"] == [{"TrackingNbr": "1Z0001B"}, {"TrackingNbr": "1Z0001C"}]
