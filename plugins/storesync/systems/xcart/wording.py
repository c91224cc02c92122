"""How X-Cart's quality-frame columns are worded in DLQ reasons: the record field a person looks at.

(entity, stage) -> {derived frame column: record field}; read by the quality gate through the system's
declaration (``QualitySpec.field_wording``)."""

FIELD_WORDING = {
    ("order", "raw"): {
        "min_quantity": "items[].quantity", "line_count": "items (order lines)",
        "total_delta": "total (vs subtotal + shippingCost)",
        "lines_total_delta": "subtotal (vs items[].price x quantity + taxAmount - discountValue)",
        "missing_sku_count": "items[].sku",
    },
    ("inventory", "target"): {"amount": "amount (stock)"},
    ("customer", "raw"): {"email_valid": "email", "name": "firstname/lastname"},
    ("shipment", "target"): {"tracking_value": "tracking.value", "orderId": "orderId (order_reference)"},
    ("payment", "raw"): {"value": "value (amount)", "date": "date (transaction time)"},
    ("refund", "raw"): {"value": "value (amount)", "date": "date (transaction time)"},
}
