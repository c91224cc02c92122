"""Sample records for mapping tests (importable by test modules, unlike conftest)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from storesync.systems import mapping_file

REPO = Path(__file__).resolve().parents[3]
XCART_ORDER_SPEC = mapping_file("xcart/order_to_canonical.yaml")
SAGE_ORDER_SPEC = mapping_file("sage500/order_from_canonical.yaml")

# As the X-Cart REST API returns it (contract shape), parsed the way the hook parses it: floats as Decimal.
XCART_ORDER_JSON = """
{"orderId": 1042, "orderNumber": "001042", "total": 231.91, "subtotal": 216.86, "taxAmount": 17.35,
 "shippingCost": 12.70, "discountValue": 15.00, "currency": "usd",
 "items": [
   {"itemId": 7, "sku": " sku-00012 ", "name": "Widget, large", "price": 55.00, "amount": 2, "total": 110.00},
   {"itemId": 8, "sku": "gadget  blue", "name": "Gadget \\"Pro\\" – blue", "price": 35.62, "amount": 3,
    "total": 106.86}],
 "shippingStatus": "P", "paymentStatus": "A", "orderDate": 1731000000, "updateDate": 1731003600,
 "trackingNumber": null, "adminNotes": "",
 "customerInfo": {"profileId": 5, "login": "ann@example.com", "email": "ann@example.com",
                  "firstname": "Ann", "lastname": "O'Brien", "anonymous": false},
 "billingInfo": {"firstname": "Ann", "lastname": "O'Brien", "street": "1 Main St", "street2": "Apt 4",
                 "city": "Portland", "state": "OR", "zipcode": "97201", "country": "US",
                 "phone": "+1 503 555 0100"},
 "shippingInfo": {"firstname": "Zoë", "lastname": "Müller-Łukasz", "street": "Hauptstraße 5", "street2": "",
                  "city": "Köln", "state": "NW", "zipcode": " 50667 ", "country": "Germany",
                  "phone": "+49 221 000"},
 "paymentMethod": "Credit Card", "shippingMethod": "UPS Ground"}
"""


def make_xcart_order() -> dict:
    return json.loads(XCART_ORDER_JSON, parse_float=Decimal)


SAGE_CONTEXT = {"customer_id": "WEB-000005", "warehouse_id": "WHSE1", "hold_threshold": Decimal("1000.00"),
                "new_customer_id": "", "customer_class_id": "WEB"}
