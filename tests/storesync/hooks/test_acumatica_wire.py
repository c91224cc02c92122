"""The connector's Acumatica wire helpers: wrapping, unwrapping, exact numbers, OData literals, 422 parsing."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from storesync.systems.acumatica.wire import (
    dumps,
    loads,
    odata_datetime,
    odata_string,
    parse_validation_error,
    unwrap,
    wrap,
)

ORDER = {
    "OrderType": "SO", "CustomerOrder": "XC-1", "Hold": False, "Description": None, "TaxTotal": Decimal("1.10"),
    "ShipToAddress": {"City": "Köln", "Country": "DE"},
    "Details": [{"InventoryID": "SKU-00001", "OrderQty": Decimal("2"), "UnitPrice": Decimal("10.50")},
                {"id": "6f1c…", "delete": True}],
}


def test_wrap_puts_every_field_in_a_value_object_recursively_and_leaves_id_and_delete_bare():
    wrapped = wrap(ORDER)
    assert wrapped["CustomerOrder"] == {"value": "XC-1"}
    assert wrapped["Hold"] == {"value": False} and wrapped["Description"] == {"value": None}
    assert wrapped["ShipToAddress"] == {"City": {"value": "Köln"}, "Country": {"value": "DE"}}
    assert wrapped["Details"][0]["OrderQty"] == {"value": Decimal("2")}
    assert wrapped["Details"][1] == {"id": "6f1c…", "delete": True}


def test_unwrap_reverses_wrap_and_reads_the_empty_object_as_null():
    assert unwrap(wrap(ORDER)) == ORDER
    answer = {"id": "g", "rowNumber": 1, "note": {"value": ""}, "custom": {}, "Email": {},
              "MainContact": {"rowNumber": 1, "Address": {"City": {"value": "Austin"}}}}
    assert unwrap(answer) == {"id": "g", "Email": None, "MainContact": {"Address": {"City": "Austin"}}}
    assert unwrap([answer])[0]["Email"] is None


def test_json_numbers_are_decimals_both_ways_and_floats_are_refused():
    text = dumps(wrap(ORDER))
    assert '"UnitPrice":{"value":10.50}' in text and "Köln" in text
    parsed = loads('{"a": {"value": 0.1}, "b": {"value": 3}}')
    assert parsed["a"]["value"] == Decimal("0.1") and isinstance(parsed["b"]["value"], Decimal)
    with pytest.raises(TypeError, match="Decimal"):
        dumps({"x": 0.1})


def test_odata_literals():
    assert odata_string("O'Brien") == "'O''Brien'"
    moment = datetime(2026, 11, 20, 10, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert odata_datetime(moment) == "datetimeoffset'2026-11-20T10:00:00.000-05:00'"
    assert odata_datetime(datetime(2026, 11, 20, 10, 0)) == "datetimeoffset'2026-11-20T10:00:00.000+00:00'"


def test_a_422_answer_gives_the_record_error_and_one_message_per_field_path():
    body = {
        "error": "Inserting 'Sales Order' record raised at least one error.",
        "CustomerID": {"value": "NOPE", "error": "'Customer' cannot be found."},
        "OrderType": {"value": "SO"},
        "ShipToAddress": {"Country": {"value": "Germany", "error": "'Country' cannot be found."}},
        "Details": [{"InventoryID": {"value": "SKU-1"}},
                    {"InventoryID": {"value": "X", "error": "unknown item"}, "error": "line refused"}],
    }
    record_error, fields = parse_validation_error(body)
    assert record_error.startswith("Inserting 'Sales Order'")
    assert fields == {"CustomerID": "'Customer' cannot be found.", "ShipToAddress.Country": "'Country' cannot be found.",
                      "Details[1]": "line refused", "Details[1].InventoryID": "unknown item"}


def test_a_422_without_a_record_shape_still_gives_a_message():
    assert parse_validation_error({"message": "The sales order is Completed."}) == ("The sales order is Completed.", {})
    assert parse_validation_error(None) == ("validation failed", {})
