"""Intacct documents given a tracking number are read as shipments for the storefront: against the emulator."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from storesync.mapping.engine import MappingEngine
from storesync.systems.intacct.shipments import out_of_scope, read_shipments, read_shipments_by_key
from tests.storesync.systems.intacct.support import post_orders, web_order

SPEC = Path(__file__).resolve().parents[4] / "plugins/storesync/systems/intacct/mappings/shipment_to_canonical.yaml"


def ship(server, docid: str, tracking: str, ship_via: str = "UPS Ground") -> None:
    server.action(next(iter(server.companies)), "ship_order", docid=docid, tracking_number=tracking, ship_via=ship_via)


def test_an_order_given_a_tracking_number_in_the_window_is_read_as_a_complete_shipment_with_its_lines(client, server, clock):
    [outcome] = post_orders(client, web_order("9", ("SKU-00001", "2", "9.95"), ("SKU-00003", "1", "5.00")))
    post_orders(client, web_order("10"))  # not shipped: not read
    clock.advance(3600)
    start = clock()
    ship(server, outcome.docid, "1Z999")
    [(key, shipment)] = list(read_shipments(client, {}, start, start + timedelta(minutes=1)))
    assert key == outcome.docid and (shipment["TRACKINGNUMBER"], shipment["SHIPVIA"]) == ("1Z999", "UPS Ground")
    assert shipment["lines"] == [{"ITEMID": "SKU-00001", "QUANTITY": Decimal("2")},
                                 {"ITEMID": "SKU-00003", "QUANTITY": Decimal("1")}]
    canonical = MappingEngine.from_file(SPEC).map(shipment)
    assert (canonical["order_reference"], canonical["tracking_number"], canonical["complete"]) == ("9", "1Z999", True)
    assert list(read_shipments(client, {}, start + timedelta(minutes=1), start + timedelta(minutes=2))) == []


def test_a_shipment_is_read_by_its_document_and_documents_without_tracking_are_left_out(client, server):
    shipped, unshipped = post_orders(client, web_order("1"), web_order("2"))
    ship(server, shipped.docid, "TRK-1")
    found = [key for key, _ in read_shipments_by_key(client, {}, [shipped.docid, unshipped.docid, "Sales Order-NOPE"])]
    assert found == [shipped.docid]


def test_a_shipment_of_a_document_without_a_storefront_reference_is_out_of_scope_with_the_reason():
    reason = out_of_scope({"DOCID": "Sales Order-SO0042", "PONUMBER": "PHONE-7"}, {})
    assert "did not come from the storefront" in reason and "PONUMBER 'PHONE-7'" in reason
    assert out_of_scope({"DOCID": "Sales Order-SO0043", "PONUMBER": "XC-7"}, {}) is None
