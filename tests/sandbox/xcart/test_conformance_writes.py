"""X-Cart conformance: writes in the native schema (input decoding, field shapes, creates).

Sources: X-Cart 5 (``glennmanning1/mostad-xcart``, under ``classes/XLite/``).
"""

from __future__ import annotations

import pytest

from tests.sandbox.xcart.conformance import body, call, model, start


@pytest.fixture()
def server():
    running = start()
    yield running
    running.stop()


def test_a_json_body_is_not_input(server):
    """Module/XC/RESTAPI/Controller/Admin/RESTAPI.php, processPut: the PUT body goes through ``parse_str``
    (form encoding); a JSON body yields no ``model`` and no field, so nothing changes."""
    response = call(server, "PUT", "order/1", json_body={"adminNotes": "from JSON"})
    assert response.status_code == 200
    assert body(call(server, "GET", "order/1"))["adminNotes"] != "from JSON"


def test_model_parameter_carries_the_fields(server):
    """Module/XC/RESTAPI/Core/Schema/ASchema.php, getInput: ``model`` as JSON text is decoded."""
    call(server, "PUT", "order/1", form=model({"adminNotes": "noted"}))
    assert body(call(server, "GET", "order/1"))["adminNotes"] == "noted"


def test_bracketed_form_fields_are_the_model_too(server):
    """Module/XC/RESTAPI/Core/Schema/ASchema.php, getInput: ``model`` as an array (``model[field]=…``)."""
    call(server, "PUT", "order/1", form={"model[adminNotes]": "bracketed"})
    assert body(call(server, "GET", "order/1"))["adminNotes"] == "bracketed"


def test_shipping_status_is_written_as_the_status_row_id(server):
    """Model/Repo/ARepo.php, loadRawFixture: a to-one association is loaded from an array and found by its
    identifier (findOneByRecord); the row ids are those of sql/xlite_data.yaml's install order."""
    statuses = {row["code"]: row["id"] for row in body(call(server, "GET", "order-status-shipping"))}
    call(server, "PUT", "order/2", form={"model[shippingStatus][id]": str(statuses["S"])})
    assert body(call(server, "GET", "order/2"))["shippingStatus"]["code"] == "S"


def test_a_status_code_as_plain_text_is_ignored(server):
    """Model/Repo/ARepo.php, assembleAssociationsFromRecord: a non-array association value is dropped, and
    ``shippingStatus`` is no regular field of XLite\\Model\\Order: the write changes nothing."""
    before = body(call(server, "GET", "order/3"))["shippingStatus"]["code"]
    target = "R" if before != "R" else "N"
    response = call(server, "PUT", "order/3", form=model({"shippingStatus": target}))
    assert response.status_code == 200
    assert body(call(server, "GET", "order/3"))["shippingStatus"]["code"] == before


def test_a_status_row_without_id_is_refused(server):
    """Model/Repo/ARepo.php, loadFixture: without an identifier a new status row is made; its code is unique,
    so the flush fails and the module answers 400 (Controller/Admin/RESTAPI.php, doNoAction)."""
    response = call(server, "PUT", "order/3", form=model({"shippingStatus": {"code": "S"}}))
    assert response.status_code == 400 and response.headers["X-REST-Error"]


def test_a_tracking_row_without_id_is_added(server):
    """Model/Repo/ARepo.php, loadRawFixture → loadFixtures for a to-many association: a row not found by its
    identifier (``tracking_id``) is a new XLite\\Model\\OrderTrackingNumber; the rows there stay."""
    before = body(call(server, "GET", "order/4"))["trackingNumbers"]
    call(server, "PUT", "order/4", form=model({"trackingNumbers": [{"value": "1ZNEW0001"}]}))
    after = body(call(server, "GET", "order/4"))["trackingNumbers"]
    assert [row["value"] for row in after] == [row["value"] for row in before] + ["1ZNEW0001"]


def test_a_single_create_is_post_entity_slash_zero(server):
    """Module/XC/RESTAPI/Core/Schema/ASchema.php, configure: ``<entity>/<id>`` is a "One" request
    (processPostOneRESTRequest); the id is not used for a create."""
    response = call(server, "POST", "product/0", form=model({"sku": "NEW-1", "price": "9.50", "amount": 3,
                                                             "translations": [{"code": "en", "name": "New"}]}))
    created = body(response)
    assert response.status_code == 200 and created["sku"] == "NEW-1" and created["amount"] == 3
    assert body(call(server, "GET", f"product/{created['product_id']}"))["sku"] == "NEW-1"


def test_post_to_the_entity_reads_a_list_of_rows(server):
    """Module/XC/RESTAPI/Core/Schema/ASchema.php, processPostAllRESTRequest: ``foreach ($this->getInput() as
    $id => $row)``: each input element is a row."""
    response = call(server, "POST", "product", form=model([{"sku": "ROW-1", "price": "1.00"},
                                                           {"sku": "ROW-2", "price": "2.00"}]))
    assert sorted(row["sku"] for row in body(response)) == ["ROW-1", "ROW-2"]
    assert response.headers["X-Result-Count"] == "2"


def test_product_stock_is_written_as_amount(server):
    """XLite\\Model\\Product maps ``amount`` (Core/Schema/Complex/Product getFields: quantity → amount)."""
    product = body(call(server, "GET", "product/1"))
    call(server, "PUT", "product/1", form=model({"amount": product["amount"] + 5, "quantity": 0}))
    assert body(call(server, "GET", "product/1"))["amount"] == product["amount"] + 5
