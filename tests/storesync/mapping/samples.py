"""Sample records for mapping tests (importable by test modules, unlike conftest)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from storesync.systems import mapping_file

REPO = Path(__file__).resolve().parents[3]
XCART_ORDER_SPEC = mapping_file("xcart/order_to_canonical.yaml")
SAGE_ORDER_SPEC = mapping_file("sage500/order_from_canonical.yaml")

# As the X-Cart REST API returns it (Complex.php convertModelOrder; the keys the mapping does not read are
# left out), parsed the way the hook parses it: floats as Decimal. subtotal = total - shippingCost.
XCART_ORDER_JSON = """
{"orderId": 1042, "orderNumber": "001042", "total": 231.91, "subtotal": 219.21, "taxAmount": 17.35,
 "shippingCost": 12.70, "paymentFee": 0, "discountValue": 15.00, "currency": "usd",
 "items": [
   {"sku": " sku-00012 ", "productId": 12, "name": "Widget, large", "price": 55.00, "quantity": 2},
   {"sku": "gadget  blue", "productId": 31, "name": "Gadget \\"Pro\\" – blue", "price": 35.62, "quantity": 3}],
 "shippingStatus": "P", "paymentStatus": "A", "orderDate": "2024-11-07T12:20:00-05:00",
 "updateDate": "2024-11-07T13:20:00-05:00", "trackingNumber": "", "adminNotes": "", "coupon": "",
 "customerInfo": {"profileId": 5, "login": "ann@example.com", "email": "ann@example.com",
                  "firstname": "Ann", "lastname": "O'Brien"},
 "billingInfo": {"country": "US", "state": "OR", "city": "Portland", "address": "1 Main St",
                 "firstname": "Ann", "lastname": "O'Brien", "zipcode": "97201",
                 "isDefaultShippingAddress": false, "isDefaultBillingAddress": true},
 "shippingInfo": {"country": "Germany", "state": "NW", "city": "Köln", "address": "Hauptstraße 5",
                  "firstname": "Zoë", "lastname": "Müller-Łukasz", "zipcode": " 50667 ",
                  "isDefaultShippingAddress": true, "isDefaultBillingAddress": false},
 "paymentMethod": "Credit Card", "shippingMethod": "UPS Ground"}
"""


def make_xcart_order() -> dict:
    return json.loads(XCART_ORDER_JSON, parse_float=Decimal)


SAGE_CONTEXT = {"customer_id": "WEB-000005", "warehouse_id": "WHSE1", "hold_threshold": Decimal("1000.00"),
                "new_customer_id": "", "customer_class_id": "WEB"}
