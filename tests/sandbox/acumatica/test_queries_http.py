"""The Acumatica emulator over HTTP: wrapped fields, $filter, $expand, $select, $top/$skip, and bad queries."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from include.sandbox.acumatica import AcumaticaServer
from tests.sandbox.acumatica.api import Api, value, wrapped

EMAILS = ["ann.o'brien@example.com", "Bob.Stone@Example.com"]


@pytest.fixture(scope="module")
def server():
    with AcumaticaServer(items=30, customers=12, customer_emails=EMAILS, seed=7) as running:
        yield running


@pytest.fixture(scope="module")
def api(server):
    client = Api(server)
    yield client
    client.logout()


def ids(reply, name="CustomerID"):
    assert reply.status == 200, reply.text
    return [value(record, name) for record in reply.body]


def test_every_field_is_wrapped_and_a_null_is_an_empty_object(api):
    record = api.get("Customer", "WEBGUEST").body
    assert record["CustomerID"] == {"value": "WEBGUEST"}
    assert record["Email"] == {}  # the web guest has no e-mail
    assert isinstance(record["id"], str) and record["rowNumber"] == 1


def test_linked_and_detail_entities_are_absent_unless_expanded(api):
    plain = api.get("Customer", "C00001").body
    assert "MainContact" not in plain
    expanded = api.get("Customer", "C00001", expand="MainContact").body
    assert value(expanded["MainContact"]["Address"], "Country") in ("US", "CA", "GB")
    item = api.get("StockItem", "SKU-00001", expand="WarehouseDetails").body
    assert sorted(value(row, "WarehouseID") for row in item["WarehouseDetails"]) == ["EAST", "MAIN", "WEST"]


def test_select_keeps_the_named_fields_and_the_id(api):
    records = api.get("StockItem", select="InventoryID,DefaultPrice", top=3).body
    assert [set(record) - {"rowNumber", "note", "custom", "_links"} for record in records] == [
        {"id", "InventoryID", "DefaultPrice"}] * 3
    assert all(isinstance(value(record, "DefaultPrice"), Decimal) for record in records)


def test_select_of_detail_fields_brings_only_those_fields_of_each_line(api):
    item = api.get("StockItem", "SKU-00002", select="InventoryID,WarehouseDetails/QtyOnHand").body
    assert all(set(row) - {"rowNumber", "custom"} == {"QtyOnHand"} for row in item["WarehouseDetails"])


def test_paging_by_top_and_skip_covers_every_record_once_and_a_short_page_is_the_last(api, server):
    every = [record["CustomerID"] for record in server.store.records("Customer")]
    seen, skip = [], 0
    while True:
        page = ids(api.get("Customer", top=5, skip=skip))
        seen += page
        skip += len(page)
        if len(page) < 5:
            break
    assert seen == every and len(every) == 12 + len(EMAILS) + 1


def test_filter_compares_text_without_regard_to_case_and_reads_nested_fields(api):
    found = ids(api.get("Customer", filter="MainContact/Email eq 'bob.stone@example.com'"))
    assert len(found) == 1
    assert value(api.get("Customer", found[0]).body, "Email") == "Bob.Stone@Example.com"


def test_a_doubled_quote_in_a_filter_literal_is_one_quote(api):
    assert len(ids(api.get("Customer", filter="Email eq 'ann.o''brien@example.com'"))) == 1


def test_filter_numbers_and_logic(api, server):
    items = server.store.records("StockItem")
    cheap = {i["InventoryID"] for i in items if i["DefaultPrice"] < 100}
    assert set(ids(api.get("StockItem", filter="DefaultPrice lt 100"), "InventoryID")) == cheap
    both = {i["InventoryID"] for i in items if i["DefaultPrice"] >= 100 and i["ItemStatus"] == "Active"}
    got = ids(api.get("StockItem", filter="DefaultPrice ge 100 and ItemStatus eq 'Active'"), "InventoryID")
    assert set(got) == both
    either = {"SKU-00003", "SKU-00007"}
    got = ids(api.get("StockItem", filter="InventoryID eq 'SKU-00003' or InventoryID eq 'SKU-00007'"), "InventoryID")
    assert set(got) == either
    assert set(ids(api.get("StockItem", filter="not (DefaultPrice lt 100)"), "InventoryID")) == \
        {i["InventoryID"] for i in items} - cheap


def test_filter_on_last_modified_with_a_datetimeoffset_literal_is_a_strict_delta(api, server):
    stamps = sorted(c["LastModifiedDateTime"] for c in server.store.records("Customer"))
    middle = stamps[len(stamps) // 2]
    after = ids(api.get("Customer", filter=f"LastModifiedDateTime gt datetimeoffset'{middle}'"))
    assert len(after) == sum(1 for stamp in stamps if stamp > middle) > 0
    # the same instant written with another offset selects the same records
    instant = datetime.fromisoformat(middle)
    shifted = instant.astimezone(timezone(timedelta(hours=2))).isoformat(timespec="milliseconds")
    assert ids(api.get("Customer", filter=f"LastModifiedDateTime gt datetimeoffset'{shifted}'")) == after


@pytest.mark.parametrize("query, fragment", [
    ({"filter": "NoSuchField eq 'x'"}, "NoSuchField"),
    ({"filter": "CustomerID eq"}, "ends too early"),
    ({"filter": "CustomerID like 'x'"}, "expected one of"),
    ({"expand": "Nope"}, "Nope"),
    ({"select": "MainContact/Nope"}, "MainContact/Nope"),
    ({"top": "-1"}, "$top"),
])
def test_a_malformed_query_option_is_a_400_naming_it(api, query, fragment):
    reply = api.get("Customer", **query)
    assert reply.status == 400
    assert fragment in reply.body["message"]


def test_unknown_entity_key_and_endpoint_are_404(api, server):
    assert api.get("Invoice").status == 404
    assert api.get("Customer", "NOPE").status == 404
    reply = Api(server, login=False)
    reply.http.cookies.update(api.http.cookies)
    assert reply.http.get(server.base_url + "/entity/Default/9.9.9/Customer").status_code == 404


def test_a_bare_value_in_a_put_body_is_a_400_naming_the_field(api):
    reply = api.put("Customer", {"CustomerID": {"value": "NEW1"}, "CustomerName": "not wrapped"})
    assert reply.status == 400 and "CustomerName" in reply.body["message"]


def test_an_unknown_field_in_a_put_body_is_dropped_without_a_word(api, server):
    """DESIGN §4: where the vendor is silent, an unknown field is dropped (a client cannot tell it was lost)."""
    reply = api.put("Customer", wrapped(CustomerName="X", Colour="red"))
    assert reply.status == 200 and "Colour" not in reply.body
    assert "Colour" not in server.store.get("Customer", [reply.body["CustomerID"]["value"]])
