"""Conformance: a sales order's tax and freight are Acumatica's unless the order says otherwise.

Sources: Acumatica/AcumaticaRESTAPIClientForCSharp, ``Acumatica.Default_24.200.001/Model/SalesOrder.cs``
(``TaxTotal`` = SOOrder.CuryTaxTotal, ``OrderTotal`` = CuryOrderTotal: the document's computed sums;
``DisableAutomaticTaxCalculation``: "the system does not need to calculate taxes, because they are already
calculated"; ``TaxDetails`` of ``TaxDetail.cs``: TaxID, TaxRate, TaxableAmount, TaxAmount; ``IsTaxValid``),
``Totals.cs`` (``Freight`` = CuryFreightAmt, "calculated in accordance with the shipping terms";
``OverrideFreightAmount``: "the system will preserve the manually entered Freight Price"). The sandbox's tax zone
taxes every line at WEBTAX 8.25 %; its ship vias charge a flat freight (UPSGROUND 9.95).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from include.sandbox.acumatica import AcumaticaServer
from tests.sandbox.acumatica.api import value, wrapped

CUSTOMER = "C00003"  # an e-mail customer after two generated ones
LINES = [{"InventoryID": "SKU-00001", "OrderQty": 2, "UnitPrice": Decimal("50.00")}]  # 100.00


@pytest.fixture
def server():
    with AcumaticaServer(items=3, customers=2, customer_emails=["t@example.com"]) as running:
        yield running


def put(api, reference, **fields):
    reply = api.put("SalesOrder", wrapped(CustomerID=CUSTOMER, CustomerOrder=reference, Details=LINES, **fields),
                    expand="Totals,TaxDetails")
    assert reply.status == 200, reply.text
    return reply.body


def test_an_order_sent_with_only_its_tax_total_gets_acumaticas_tax(api):
    """SalesOrder.cs: TaxTotal is CuryTaxTotal, the sum of the tax lines; without
    DisableAutomaticTaxCalculation the tax zone's taxes apply."""
    saved = put(api, "XC-T1", TaxTotal=Decimal("5.00"))
    assert value(saved, "TaxTotal") == Decimal("8.25")  # 8.25 % of 100.00, not the 5.00 sent
    assert [value(line, "TaxID") for line in saved["TaxDetails"]] == ["WEBTAX"]


def test_freight_sent_without_the_override_is_acumaticas_from_the_ship_via(api):
    """Totals.cs: Freight is "calculated in accordance with the shipping terms" unless OverrideFreightAmount."""
    saved = put(api, "XC-T2", ShipVia="UPSGROUND", Totals={"Freight": Decimal("4.00")})
    assert value(saved["Totals"], "Freight") == Decimal("9.95")
    assert value(put(api, "XC-T3", Totals={"Freight": Decimal("4.00")})["Totals"], "Freight") == 0


def test_manual_tax_lines_and_overridden_freight_are_kept_and_totalled(api):
    """SalesOrder.cs DisableAutomaticTaxCalculation + TaxDetails; Totals.cs OverrideFreightAmount."""
    saved = put(api, "XC-T4", ShipVia="UPSGROUND", DisableAutomaticTaxCalculation=True,
                TaxDetails=[{"TaxID": "WEBTAX", "TaxableAmount": Decimal("100.00"), "TaxAmount": Decimal("5.00")}],
                Totals={"Freight": Decimal("4.00"), "OverrideFreightAmount": True})
    assert value(saved, "TaxTotal") == Decimal("5.00") and value(saved["Totals"], "Freight") == Decimal("4.00")
    assert value(saved, "OrderTotal") == Decimal("109.00")
    assert value(saved, "IsTaxValid") is True


def test_no_tax_lines_with_automatic_calculation_disabled_is_no_tax(api):
    """DisableAutomaticTaxCalculation: the order's own (empty) tax lines stand."""
    saved = put(api, "XC-T5", DisableAutomaticTaxCalculation=True)
    assert value(saved, "TaxTotal") == 0 and value(saved, "OrderTotal") == Decimal("100.00")


def test_a_manual_tax_line_must_name_a_tax_of_the_tenant(api):
    """TaxDetail.cs TaxID (a selector): an unknown one is refused on the field, as every selector is."""
    reply = api.put("SalesOrder", wrapped(CustomerID=CUSTOMER, CustomerOrder="XC-T6", Details=LINES,
                                          DisableAutomaticTaxCalculation=True,
                                          TaxDetails=[{"TaxID": "NOSUCHTAX", "TaxAmount": Decimal("1.00")}]))
    assert reply.status == 422
    assert "cannot be found" in reply.body["TaxDetails"][0]["TaxID"]["error"]


def test_the_order_total_sent_is_ignored(api):
    """SalesOrder.cs OrderTotal is CuryOrderTotal, computed: a value sent does not set it."""
    saved = put(api, "XC-T7", DisableAutomaticTaxCalculation=True, OrderTotal=Decimal("1.00"))
    assert value(saved, "OrderTotal") == Decimal("100.00")
