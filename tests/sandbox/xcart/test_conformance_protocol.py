"""X-Cart REST API module conformance: access, status codes, X-Result-Count, the schemas.

Each test cites the X-Cart 5 source (``glennmanning1/mostad-xcart``, under ``classes/XLite/``).
"""

from __future__ import annotations

import pytest

from tests.sandbox.xcart.conformance import body, call, limit, model, start


@pytest.fixture(scope="module")
def server():
    running = start()
    yield running
    running.stop()


def test_x_result_count_is_the_rows_of_this_response_not_a_total(server):
    """Module/XC/RESTAPI/Core/Printer/Base/HTTP.php, printOutput: ``X-Result-Count: count($data)``."""
    response = call(server, "GET", "order", _schema="complex", **limit(0, 5))
    assert len(body(response)) == 5
    assert response.headers["X-Result-Count"] == "5"


def test_x_result_count_of_one_record_is_one(server):
    """Module/XC/RESTAPI/Core/Printer/Base/HTTP.php: ``$this->schema->getConfig()->one ? '1'``."""
    response = call(server, "GET", "order/1", _schema="complex")
    assert response.headers["X-Result-Count"] == "1"


def test_wrong_key_on_a_known_entity_is_403_with_an_empty_body(server):
    """Module/XC/RESTAPI/Controller/Admin/RESTAPI.php, markAsAccessDenied: 403 when isForbid() (the entity's
    repository exists), output suppressed."""
    response = call(server, "GET", "order", key="not-the-key")
    assert (response.status_code, response.content) == (403, b"")


def test_wrong_key_on_an_unknown_entity_is_404(server):
    """Module/XC/RESTAPI/Controller/Admin/RESTAPI.php, markAsAccessDenied: without a repository isForbid()
    is false, so the refusal is 404, whatever the key."""
    assert call(server, "GET", "no-such-entity", key="not-the-key").status_code == 404


def test_unknown_entity_is_404(server):
    """Module/XC/RESTAPI/Core/Schema/Native.php, getEntityClass: no model class → no repository → 404."""
    assert call(server, "GET", "no-such-entity").status_code == 404


def test_read_only_key_cannot_write(server):
    """Module/XC/RESTAPI/Controller/Admin/RESTAPI.php, isRESTRequestAllowed: ``key_read`` only when
    ``!isWriteMethod()`` (POST, PUT, DELETE are writes)."""
    response = call(server, "PUT", "order/1", key="ro-key", form=model({"adminNotes": "x"}))
    assert response.status_code == 403
    assert call(server, "GET", "order/1", key="ro-key").status_code == 200


def test_method_override_parameter(server):
    """Module/XC/RESTAPI/Controller/Admin/RESTAPI.php, getMethod: ``_method`` overrides the HTTP verb, so a
    read-only key may POST with ``_method=GET``."""
    response = call(server, "POST", "order/1", key="ro-key", _method="GET")
    assert response.status_code == 200 and body(response)["order_id"] == 1


def test_an_exception_is_400_with_x_rest_error(server):
    """Module/XC/RESTAPI/Controller/Admin/RESTAPI.php, doNoAction: an exception → 400 and ``X-REST-Error``
    (here Doctrine refusing an unknown sort field of Model/Repo/Order.php::prepareCndOrderBy)."""
    response = call(server, "GET", "order", **{"_cnd[orderBy][0]": "o.nope", "_cnd[orderBy][1]": "ASC"})
    assert response.status_code == 400
    assert response.headers["X-REST-Error"]


def test_an_id_the_store_lacks_is_200_null(server):
    """Module/XC/RESTAPI/Core/Schema/Native.php, findForGetOne → ``findOneForREST`` (``find``) → null;
    convertModel(null) is null and the printer prints it: no 404 for a missing id."""
    response = call(server, "GET", "order/987654")
    assert response.status_code == 200 and body(response) is None


def test_complex_schema_refuses_put_with_403(server):
    """Module/XC/RESTAPI/Core/Schema/Complex.php: ``isValid`` needs ``'get' == shortMethod`` and ``isForbid``
    is true for any other method → 403."""
    response = call(server, "PUT", "order/1", _schema="complex", form=model({"adminNotes": "x"}))
    assert (response.status_code, response.content) == (403, b"")


def test_complex_schema_refuses_post_with_403(server):
    """Module/XC/RESTAPI/Core/Schema/Complex.php, isForbid: any method but GET."""
    response = call(server, "POST", "product/0", _schema="complex", form=model({"sku": "X"}))
    assert response.status_code == 403


def test_complex_schema_has_no_payment_transactions(server):
    """Module/XC/RESTAPI/Core/Schema/Complex.php, getAllowedEntityClasses: Product, Profile, Order only."""
    assert call(server, "GET", "payment-transaction", _schema="complex").status_code == 404
    assert call(server, "GET", "payment-transaction").status_code == 200


def test_complex_product_stock_is_quantity(server):
    """Module/XC/RESTAPI/Core/Schema/Complex.php, convertModelProduct: ``'quantity' => …getAmount()``."""
    product = body(call(server, "GET", "product", _schema="complex", **limit(0, 1)))[0]
    assert isinstance(product["quantity"], int)
    assert "amount" not in product


def test_complex_profile_addresses_use_the_vendor_names(server):
    """Module/XC/RESTAPI/Core/Schema/Complex.php, convertModelProfile: ``address`` (the street),
    ``isDefaultShippingAddress``, ``isDefaultBillingAddress``."""
    profiles = body(call(server, "GET", "profile", _schema="complex"))
    address = next(a for p in profiles for a in p["addresses"])
    assert {"address", "isDefaultBillingAddress", "isDefaultShippingAddress", "zipcode", "country"} <= set(address)
    assert not {"street", "isBilling", "isShipping"} & set(address)


def test_person_is_the_complex_alias_of_profile(server):
    """Module/XC/RESTAPI/Core/Schema/Complex.php, getEntityClass: ``'person' == $path`` → profile."""
    assert body(call(server, "GET", "person", _schema="complex")) == body(call(server, "GET", "profile",
                                                                              _schema="complex"))


def test_native_order_has_model_field_names(server):
    """Module/XC/RESTAPI/Model/AEntity.php, buildDataForREST: the Doctrine field names of XLite\\Model\\Order
    (``order_id``, ``date``, ``lastRenewDate``, ``adminNotes``) and, for one record, its associations
    (``shippingStatus`` as the status row)."""
    order = body(call(server, "GET", "order/1"))
    assert {"order_id", "orderNumber", "date", "lastRenewDate", "adminNotes"} <= set(order)
    assert set(order["shippingStatus"]) >= {"id", "code"}
    listed = body(call(server, "GET", "order", **limit(0, 1)))[0]
    assert "shippingStatus" not in listed  # convertModelForGetAll: without associations
