"""How Sage 500's quality-frame columns are worded in DLQ reasons: the record field a person looks at.

(entity, stage) -> {derived frame column: record field}; read by the quality gate through the system's
declaration (``QualitySpec.field_wording``)."""

FIELD_WORDING = {
    ("order", "target"): {
        "max_len_ItemID": "lines[].ItemID", "max_len_Description": "lines[].Description",
        "min_QtyOrd": "lines[].QtyOrd (quantity)", "line_count": "lines",
    },
    ("inventory", "raw"): {
        "min_QtyOnHand": "warehouses[].QtyOnHand (negative stock)",
        "min_PendQtyDecrease": "warehouses[].PendQtyDecrease",
    },
    ("erp_customer", "raw"): {"email_valid": "EMailAddr"},
    ("shipment", "raw"): {
        "TrackingNo": "TrackingNo (tsoShipment)", "order_reference": "UserFld1 (sales order reference XC-<orderId>)",
        "min_QtyShipped": "lines[].QtyShipped (quantity)", "line_count": "lines (shipment lines)",
        "missing_sku_count": "lines[].ItemID",
        "tracking_masked": "TrackingNo (looks like a card number, masked before staging; check it in Sage 500)",
    },
    ("payment", "target"): {
        "TranAmt": "value (TranAmt)", "TranNo": "transactionId (TranNo)", "UserFld1": "transactionId (UserFld1)",
        "UserFld2": "orderId (UserFld2)", "ApplyToTranNo": "orderId (ApplyToTranNo)",
        "TranCmnt": "gatewayTransactionId (TranCmnt)", "CashAcctID": "method (CashAcctID)",
        "PmtMethID": "method (PmtMethID)", "CurrID": "currency (CurrID)", "TranDate": "date (TranDate)",
    },
    ("refund", "target"): {
        "TranAmt": "value (TranAmt)", "TranNo": "transactionId (TranNo)", "UserFld1": "transactionId (UserFld1)",
        "UserFld2": "orderId (UserFld2)", "ApplyToTranNo": "orderId (ApplyToTranNo)",
        "TranCmnt": "gatewayTransactionId (TranCmnt)", "CurrID": "currency (CurrID)", "TranDate": "date (TranDate)",
    },
}
