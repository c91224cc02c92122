"""Conformance: the field names the connector reads and writes are the Default/24.200.001 models' names.

Source: Acumatica/AcumaticaRESTAPIClientForCSharp, ``Acumatica.Default_24.200.001/Model/<Class>.cs`` — one
``[DataMember(Name=…)]`` per field. The sets below are the fields of each class that the connector touches
(docs/acumatica.md, audit table), copied as facts from those files; each test checks the emulator serves them
under those names (and not under names the models do not have).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from include.sandbox.acumatica import AcumaticaServer
from include.sandbox.acumatica.schema import SCHEMAS
from tests.sandbox.acumatica.api import Api, value, wrapped

MODEL_FIELDS = {  # class -> fields the connector uses (each present in that class's model file)
    "SalesOrder": {"OrderType", "OrderNbr", "CustomerID", "CustomerOrder", "ExternalRef", "Date", "Description",
                   "CurrencyID", "Hold", "ShipVia", "PaymentMethod", "OrderTotal", "TaxTotal", "Status",
                   "DisableAutomaticTaxCalculation", "IsTaxValid", "TaxDetails", "Totals", "Details",
                   "BillToContact", "ShipToContact", "BillToAddress", "ShipToAddress", "LastModified"},
    "Totals": {"Freight", "OverrideFreightAmount", "TaxTotal", "UnpaidBalance", "LineTotalAmount", "DiscountTotal"},
    "TaxDetail": {"TaxID", "TaxRate", "TaxableAmount", "TaxAmount"},
    "SalesOrderDetail": {"LineNbr", "InventoryID", "WarehouseID", "LineDescription", "OrderQty", "UnitPrice",
                         "DiscountAmount", "ExtendedPrice", "QtyOnShipments", "OpenQty"},
    "DocContact": {"Attention", "BusinessName", "Email", "Phone1"},
    "Address": {"AddressLine1", "AddressLine2", "City", "State", "PostalCode", "Country"},
    "Customer": {"CustomerID", "CustomerName", "Status", "CustomerClass", "CurrencyID", "Email",
                 "LastModifiedDateTime", "MainContact"},
    "Contact": {"DisplayName", "FirstName", "LastName", "Email", "Phone1", "Address"},
    "StockItem": {"InventoryID", "Description", "ItemStatus", "DefaultPrice", "ItemClass", "BaseUOM",
                  "LastModifiedDateTime", "WarehouseDetails"},
    "StockItemWarehouseDetail": {"WarehouseID", "QtyOnHand"},
    "Shipment": {"ShipmentNbr", "Type", "Status", "ShipmentDate", "CustomerID", "WarehouseID", "ShipVia",
                 "ShippedQty", "LastModifiedDateTime", "Details", "Packages", "Orders"},
    "ShipmentDetail": {"LineNbr", "OrderType", "OrderNbr", "OrderLineNbr", "InventoryID", "WarehouseID", "ShippedQty"},
    "ShipmentPackage": {"TrackingNbr", "Weight", "Description"},
    "ShipmentOrderDetail": {"OrderType", "OrderNbr"},
    "Payment": {"Type", "ReferenceNbr", "CustomerID", "PaymentMethod", "CashAccount", "PaymentAmount", "PaymentRef",
                "ApplicationDate", "CurrencyID", "Description", "Status", "Hold", "AppliedToDocuments",
                "LastModifiedDateTime", "OrdersToApply", "DocumentsToApply"},
    "PaymentOrderDetail": {"OrderType", "OrderNbr", "AppliedToOrder"},
    "PaymentDetail": {"DocType", "ReferenceNbr", "AmountPaid"},
}
EMULATED = {  # model class -> the emulator's schema node
    "SalesOrder": SCHEMAS["SalesOrder"], "Totals": SCHEMAS["SalesOrder"]["Totals"],
    "TaxDetail": SCHEMAS["SalesOrder"]["TaxDetails"][0], "SalesOrderDetail": SCHEMAS["SalesOrder"]["Details"][0],
    "DocContact": SCHEMAS["SalesOrder"]["ShipToContact"], "Address": SCHEMAS["SalesOrder"]["ShipToAddress"],
    "Customer": SCHEMAS["Customer"], "Contact": SCHEMAS["Customer"]["MainContact"],
    "StockItem": SCHEMAS["StockItem"], "StockItemWarehouseDetail": SCHEMAS["StockItem"]["WarehouseDetails"][0],
    "Shipment": SCHEMAS["Shipment"], "ShipmentDetail": SCHEMAS["Shipment"]["Details"][0],
    "ShipmentPackage": SCHEMAS["Shipment"]["Packages"][0], "ShipmentOrderDetail": SCHEMAS["Shipment"]["Orders"][0],
    "Payment": SCHEMAS["Payment"], "PaymentOrderDetail": SCHEMAS["Payment"]["OrdersToApply"][0],
    "PaymentDetail": SCHEMAS["Payment"]["DocumentsToApply"][0],
}
NOT_IN_MODEL = {  # names the models do not have, which an emulator must not serve
    "SalesOrder": {"LastModifiedDateTime"}, "DocContact": {"DisplayName"},
    "StockItemWarehouseDetail": {"QtyAvailable", "LastModifiedDateTime"},
}


@pytest.mark.parametrize("model", sorted(MODEL_FIELDS))
def test_the_emulator_has_the_models_field_names(model):
    """Acumatica.Default_24.200.001/Model/<model>.cs."""
    emulated = set(EMULATED[model])
    assert MODEL_FIELDS[model] <= emulated, sorted(MODEL_FIELDS[model] - emulated)
    assert not NOT_IN_MODEL.get(model, set()) & emulated


def test_an_orders_contacts_take_attention_and_drop_a_display_name():
    """SalesOrder.cs: BillToContact/ShipToContact are DocContact (Attention, BusinessName, Email, Phone1)."""
    with AcumaticaServer(items=2, customers=1, customer_emails=["c@example.com"]) as running:
        api = Api(running)
        reply = api.put("SalesOrder", wrapped(
            CustomerID="C00002", CustomerOrder="XC-F1", DisableAutomaticTaxCalculation=True,
            ShipToContact={"Attention": "Ann Lee", "DisplayName": "lost"},
            Details=[{"InventoryID": "SKU-00001", "OrderQty": 1, "UnitPrice": Decimal("1.00")}]), expand="ShipToContact")
        assert reply.status == 200, reply.text
        assert value(reply.body["ShipToContact"], "Attention") == "Ann Lee"
        assert "DisplayName" not in reply.body["ShipToContact"]
        assert "LastModified" in reply.body and "LastModifiedDateTime" not in reply.body
