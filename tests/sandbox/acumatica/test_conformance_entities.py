"""Conformance: reading and writing records of the contract-based REST API.

Sources: the endpoint's swagger, Default/24.200.001 (Acumatica/AcumaticaRESTAPIClientForCSharp,
``EndpointDefinitions/Default_24.200.001``: ``PUT /{Entity}`` "Creates a record or updates an existing record"
with 200/400/412/422; ``GET /{Entity}/{id}`` "Retrieves a record by the value of the session entity ID";
``GET /{Entity}/{ids}`` by key fields; ``$select $filter $expand $custom $skip $top``); the client's
``Acumatica.RESTClient.ContractBasedApi/ApiClientExtensions.cs`` (PutEntity: "updates an existing record if
entity can be matched to an existing record by id field value or key fields values"; ``PutMethod.Insert`` sends
``If-None-Match: *``, ``PutMethod.Update`` ``If-Match: *``); ``Model/EntityBase/Entity.cs`` (``id``,
``rowNumber``, ``note``, ``custom``, ``error``, ``files``, ``_links``); ``RESTClientTests/ErrorMessagesTests.cs``
(a 422 answer: ``error`` on the record and inside each refused field, ``_links.self`` on the top-level record).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from include.sandbox.acumatica import AcumaticaServer
from tests.sandbox.acumatica.api import Api, value, wrapped


@pytest.fixture
def server():
    with AcumaticaServer(items=3, customers=3) as running:
        yield running


def test_get_by_the_session_entity_id_returns_the_record(api):
    """swagger ``GET /Customer/{id}``: "Retrieves a record by the value of the session entity ID"."""
    customer = api.get("Customer", "C00002").body
    again = api.get("Customer", customer["id"])
    assert again.status == 200 and value(again.body, "CustomerID") == "C00002"


def test_top_level_records_carry_links_self_that_reads_them_back(api, server):
    """Entity.cs ``_links``; ErrorMessagesTests.cs: ``"_links": {"self": "/…/entity/Default/…/Bill/<id>"}``."""
    [listed] = api.get("Customer", top=1).body
    single = api.get("Customer", value(listed, "CustomerID")).body
    for record in (listed, single):
        assert record["_links"]["self"] == f"/entity/Default/24.200.001/Customer/{record['id']}"
    followed = Api(server)
    assert followed.http.get(f"{server.base_url}{listed['_links']['self']}", cookies=api.http.cookies).status_code == 200


def test_put_matched_by_id_updates_that_record_and_creates_none(api, server):
    """ApiClientExtensions.cs PutEntity: matched "by id field value or key fields values"."""
    customer = api.get("Customer", "C00003").body
    before = len(server.store.records("Customer"))
    reply = api.put("Customer", {"id": customer["id"], "CustomerName": {"value": "Renamed by id"}})
    assert reply.status == 200 and value(reply.body, "CustomerID") == "C00003"
    assert len(server.store.records("Customer")) == before
    assert server.store.get("Customer", ["C00003"])["CustomerName"] == "Renamed by id"


def test_put_matched_by_key_fields_updates_that_record(api, server):
    """ApiClientExtensions.cs PutEntity: "… or key fields values"."""
    before = len(server.store.records("Customer"))
    reply = api.put("Customer", wrapped(CustomerID="C00001", CustomerName="Renamed by key"))
    assert reply.status == 200 and len(server.store.records("Customer")) == before


def test_if_none_match_star_on_an_existing_record_is_412(api, server):
    """ApiClientExtensions.cs ComposePutHeaders: PutMethod.Insert → ``If-None-Match: *``; swagger PUT lists 412."""
    reply = api.put("Customer", wrapped(CustomerID="C00001", CustomerName="Clash"), headers={"If-None-Match": "*"})
    assert reply.status == 412
    assert server.store.get("Customer", ["C00001"])["CustomerName"] != "Clash"


def test_if_none_match_star_on_a_new_record_creates_it(api):
    """ComposePutHeaders: an insert is a normal create when nothing matches."""
    reply = api.put("Customer", wrapped(CustomerID="NEWONE", CustomerName="New"), headers={"If-None-Match": "*"})
    assert reply.status == 200 and value(reply.body, "CustomerID") == "NEWONE"


def test_if_match_star_on_a_missing_record_is_412_and_creates_nothing(api, server):
    """ComposePutHeaders: PutMethod.Update → ``If-Match: *``: update only."""
    reply = api.put("Customer", wrapped(CustomerID="GHOST", CustomerName="Ghost"), headers={"If-Match": "*"})
    assert reply.status == 412 and server.store.find("Customer", ["GHOST"]) is None


def test_a_refused_record_is_422_with_error_on_it_and_on_each_bad_field(api):
    """ErrorMessagesTests.cs: ``"error": "Inserting  '…' record raised at least one error…"`` and
    ``{"value": …, "error": "… cannot be found in the system."}`` inside the field."""
    reply = api.put("SalesOrder", wrapped(CustomerID="NOBODY", Details=[{"InventoryID": "SKU-00001", "OrderQty": 1}]))
    assert reply.status == 422
    assert "record raised at least one error" in reply.body["error"]
    assert "cannot be found in the system" in reply.body["CustomerID"]["error"]


def test_fields_are_wrapped_in_value_and_system_fields_are_bare(api):
    """Entity.cs: ``id`` (Guid), ``rowNumber`` (long) bare; fields are ``StringValue``/``DecimalValue`` …
    objects ``{"value": …}``; ``custom`` holds custom fields."""
    record = api.get("StockItem", "SKU-00001").body
    assert isinstance(record["id"], str) and isinstance(record["rowNumber"], int)
    assert isinstance(record["DefaultPrice"]["value"], Decimal)
    assert isinstance(record["custom"], dict)


def test_top_and_skip_page_without_a_total_count(api):
    """swagger GET parameters ``$skip``/``$top``; the answer is a bare array: no total count."""
    first = api.get("Customer", top=2, skip=0).body
    second = api.get("Customer", top=2, skip=2).body
    assert isinstance(first, list) and len(first) == 2
    assert {value(r, "CustomerID") for r in first}.isdisjoint({value(r, "CustomerID") for r in second})
