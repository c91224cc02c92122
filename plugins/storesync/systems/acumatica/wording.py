"""How Acumatica's quality-frame columns are worded in DLQ reasons: the record field a person looks at.

(entity, stage) -> {derived frame column: record field}; read by the quality gate through the system's
declaration (``QualitySpec.field_wording``)."""

FIELD_WORDING = {
    ("inventory", "raw"): {
        "min_QtyOnHand": "warehouses[].QtyOnHand (negative stock; InventorySummaryInquiry)",
        "min_QtyAvailable": "warehouses[].QtyAvailable (InventorySummaryInquiry)",
    },
    ("erp_customer", "raw"): {"email_valid": "MainContact.Email", "Email": "MainContact.Email"},
    ("customer", "target"): {
        "Email": "MainContact.Email", "len_CustomerID": "CustomerID (length)", "len_CustomerName": "CustomerName (length)",
        "len_Email": "MainContact.Email (length)", "len_FirstName": "MainContact.FirstName (length)",
        "len_LastName": "MainContact.LastName (length)", "len_Phone1": "MainContact.Phone1 (length)",
        "len_AddressLine1": "MainContact.Address.AddressLine1 (length)",
        "len_AddressLine2": "MainContact.Address.AddressLine2 (length)", "len_City": "MainContact.Address.City (length)",
        "len_State": "MainContact.Address.State (length)", "len_PostalCode": "MainContact.Address.PostalCode (length)",
        "len_Country": "MainContact.Address.Country (length)",
    },
    ("shipment", "raw"): {
        "TrackingNbr": "Packages[].TrackingNbr (Shipment)",
        "order_reference": "CustomerOrder (sales order reference XC-<orderId>)",
        "order_count": "Orders (one sales order per shipment)", "min_ShippedQty": "Details[].ShippedQty (quantity)",
        "line_count": "Details (shipment lines)", "missing_sku_count": "Details[].InventoryID",
        "tracking_masked": "Packages[].TrackingNbr (looks like a card number, masked before staging; check it in Acumatica)",
    },
    ("order", "target"): {
        "CustomerOrder": "CustomerOrder (orderId as XC-<orderId>)", "CustomerID": "CustomerID (the buyer's customer)",
        "CurrencyID": "CurrencyID (currency)", "Date": "Date (orderDate)", "OrderTotal": "OrderTotal (total)",
        "line_count": "Details (items, the order lines)", "min_OrderQty": "Details[].OrderQty (items[].amount, quantity)",
        "min_UnitPrice": "Details[].UnitPrice (items[].price)",
        "max_len_InventoryID": "Details[].InventoryID (items[].sku, length)",
        "max_len_WarehouseID": "Details[].WarehouseID (pair option warehouse_id, length)",
        **{f"len_{path.replace('.', '_')}": f"{path} (length)" for path in (
            "CustomerID", "CustomerOrder", "ExternalRef", "CurrencyID", "ShipVia", "PaymentMethod", "Description",
            *[f"{side}Contact.{field}" for side in ("BillTo", "ShipTo") for field in ("Attention", "Email")],
            *[f"{side}Address.{field}" for side in ("BillTo", "ShipTo")
              for field in ("AddressLine1", "AddressLine2", "City", "State", "PostalCode", "Country")])},
    },
    ("payment", "target"): {
        "PaymentRef": "PaymentRef (transactionId as XP-<transactionId>)",
        "order_reference": "OrdersToApply (orderId as XC-<orderId>)", "CurrencyID": "CurrencyID (currency)",
        "ApplicationDate": "ApplicationDate (date)", "PaymentMethod": "PaymentMethod (method)",
        "CashAccount": "CashAccount (method)", "PaymentAmount": "PaymentAmount (value)",
        "len_PaymentRef": "PaymentRef (length)", "len_CurrencyID": "CurrencyID (length)",
        "len_PaymentMethod": "PaymentMethod (length)", "len_CashAccount": "CashAccount (length)",
        "len_Description": "Description (gatewayTransactionId, length)",
        "len_order_reference": "OrdersToApply (orderId as XC-<orderId>, length)",
    },
    ("refund", "target"): {
        "CustomerOrder": "CustomerOrder (transactionId as XR-<transactionId>)",
        "order_reference": "ExternalRef (orderId as XC-<orderId>)", "CurrencyID": "CurrencyID (currency)",
        "Date": "Date (date)", "InventoryID": "Details[].InventoryID (the refund item)",
        "ExtendedPrice": "Details[].ExtendedPrice (value)",
        "len_CustomerOrder": "CustomerOrder (length)", "len_ExternalRef": "ExternalRef (length)",
        "len_CurrencyID": "CurrencyID (length)", "len_Description": "Description (gatewayTransactionId, length)",
        "len_line_InventoryID": "Details[].InventoryID (length)",
        "len_order_reference": "ExternalRef (orderId as XC-<orderId>, length)",
    },
}
