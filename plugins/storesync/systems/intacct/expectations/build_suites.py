"""(Re)write the Intacct pair's expectation suite JSON files of this folder from the definitions below.

Same format and workflow as include/expectations/build_suites.py (whose ``render`` writes the files):

    python plugins/storesync/systems/intacct/expectations/build_suites.py          # rewrite the files
    python plugins/storesync/systems/intacct/expectations/build_suites.py --check  # exit 1 if out of date

Each suite validates the frame of the builder named in its notes (storesync.systems.intacct.quality).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[4]

if __name__ == "__main__" and str(REPO / "plugins") not in sys.path:
    sys.path[:0] = [str(REPO), str(REPO / "plugins")]


def _sized(gxe, sizes: dict[str, int]) -> list:
    from storesync.systems.intacct.quality import length_column

    return [gxe.ExpectColumnValuesToBeBetween(column=length_column(path), max_value=size) for path, size in sizes.items()]


def _items_raw(gxe) -> list:
    from storesync.systems.intacct.quality import ITEM_STATUSES

    return [gxe.ExpectColumnValuesToNotBeNull(column="ITEMID"), gxe.ExpectColumnValuesToBeUnique(column="ITEMID"),
            gxe.ExpectColumnValuesToNotBeNull(column="NAME"),
            gxe.ExpectColumnValuesToBeInSet(column="STATUS", value_set=list(ITEM_STATUSES)),
            gxe.ExpectColumnValuesToNotBeNull(column="BASEPRICE"),
            gxe.ExpectColumnValuesToBeBetween(column="BASEPRICE", min_value=0)]


def _inventory_raw(gxe) -> list:
    return [gxe.ExpectColumnValuesToNotBeNull(column="ITEMID"),
            gxe.ExpectColumnValuesToNotBeNull(column="min_QtyOnHand"),
            gxe.ExpectColumnValuesToBeBetween(column="min_QtyOnHand", min_value=0),
            gxe.ExpectColumnValuesToNotBeNull(column="AvailableToSell"),
            gxe.ExpectColumnValuesToBeBetween(column="AvailableToSell", min_value=0)]


def _erp_customers_raw(gxe) -> list:
    from storesync.systems.intacct.quality import CUSTOMER_STATUSES

    return [gxe.ExpectColumnValuesToNotBeNull(column="CUSTOMERID"),
            gxe.ExpectColumnValuesToBeInSet(column="STATUS", value_set=list(CUSTOMER_STATUSES)),
            gxe.ExpectColumnValuesToMatchRegex(column="Email", regex=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


def _shipments_raw(gxe) -> list:
    return [gxe.ExpectColumnValuesToNotBeNull(column="DOCID"),
            gxe.ExpectColumnValuesToNotBeNull(column="TRACKINGNUMBER"),
            gxe.ExpectColumnValuesToNotBeNull(column="order_reference"),
            gxe.ExpectColumnValuesToBeBetween(column="line_count", min_value=1),
            gxe.ExpectColumnValuesToNotBeNull(column="min_QUANTITY"),
            gxe.ExpectColumnValuesToBeBetween(column="min_QUANTITY", min_value=0, strict_min=True),
            gxe.ExpectColumnValuesToBeBetween(column="missing_sku_count", max_value=0)]


def _customers_target(gxe) -> list:
    from storesync.systems.intacct.quality import CUSTOMER_FIELD_SIZES

    return [gxe.ExpectColumnValuesToNotBeNull(column="record_key"),
            gxe.ExpectColumnValuesToNotBeNull(column="CUSTOMERID"), gxe.ExpectColumnValuesToNotBeNull(column="NAME"),
            gxe.ExpectColumnValuesToNotBeNull(column="Email"), *_sized(gxe, CUSTOMER_FIELD_SIZES)]


def _orders_target(gxe) -> list:
    from storesync.systems.intacct.quality import ORDER_FIELD_SIZES

    return [gxe.ExpectColumnValuesToNotBeNull(column="record_key"),
            *[gxe.ExpectColumnValuesToNotBeNull(column=name) for name in ("referenceno", "customerid", "currency",
                                                                           "datecreated")],
            gxe.ExpectColumnValuesToBeBetween(column="line_count", min_value=1),
            gxe.ExpectColumnValuesToNotBeNull(column="min_quantity"),
            gxe.ExpectColumnValuesToBeBetween(column="min_quantity", min_value=0, strict_min=True),
            gxe.ExpectColumnValuesToNotBeNull(column="min_price"),
            gxe.ExpectColumnValuesToBeBetween(column="min_price", min_value=0),
            gxe.ExpectColumnValuesToBeBetween(column="max_len_itemid", max_value=30), *_sized(gxe, ORDER_FIELD_SIZES)]


def _payments_target(gxe) -> list:
    from storesync.systems.intacct.quality import PAYMENT_FIELD_SIZES

    return [gxe.ExpectColumnValuesToNotBeNull(column="record_key"),
            *[gxe.ExpectColumnValuesToNotBeNull(column=name) for name in ("DOCNUMBER", "order_reference", "CURRENCY",
                                                                           "RECEIPTDATE", "PAYMENTMETHOD")],
            gxe.ExpectColumnValuesToBeBetween(column="deposit_targets", min_value=1, max_value=1),
            gxe.ExpectColumnValuesToNotBeNull(column="amount"),
            gxe.ExpectColumnValuesToBeBetween(column="amount", min_value=0, strict_min=True),
            *_sized(gxe, PAYMENT_FIELD_SIZES)]


def _refunds_target(gxe) -> list:
    from storesync.systems.intacct.quality import REFUND_FIELD_SIZES

    return [gxe.ExpectColumnValuesToNotBeNull(column="record_key"),
            *[gxe.ExpectColumnValuesToNotBeNull(column=name) for name in ("referenceno", "order_reference", "currency",
                                                                           "date", "itemid")],
            gxe.ExpectColumnValuesToNotBeNull(column="price"),
            gxe.ExpectColumnValuesToBeBetween(column="price", min_value=0, strict_min=True),
            *_sized(gxe, REFUND_FIELD_SIZES)]


_Q = "storesync.systems.intacct.quality"
SUITES = {
    "items_raw__intacct": (f"Intacct ITEM records (products flow); frame: {_Q}.raw_intacct_items_frame.", _items_raw),
    "inventory_raw__intacct": (f"Intacct stock per item (ITEMWAREHOUSEINFO over the pair's warehouses); frame: "
                               f"{_Q}.raw_intacct_inventory_frame.", _inventory_raw),
    "erp_customers_raw__intacct": (f"Intacct customers changed in the ERP; frame: {_Q}.raw_intacct_customers_frame.",
                                   _erp_customers_raw),
    "shipments_raw__intacct": (f"Intacct documents given a tracking number; frame: {_Q}.raw_intacct_shipments_frame.",
                               _shipments_raw),
    "customers_target__intacct": (f"CUSTOMER records before create/update; frame: {_Q}.intacct_customer_frame.",
                                  _customers_target),
    "orders_target__intacct": (f"create_sotransaction records of web orders before loading; frame: "
                               f"{_Q}.intacct_sales_order_frame.", _orders_target),
    "payments_target__intacct": (f"ARPYMT records before loading (CUSTOMERID and the AR invoice added by the loader); "
                                 f"frame: {_Q}.intacct_payment_frame.", _payments_target),
    "refunds_target__intacct": (f"Credit memo records before loading (the customer added by the loader); frame: "
                                f"{_Q}.intacct_credit_memo_frame.", _refunds_target),
}


def build(name: str) -> dict:
    from storesync.quality.suites import quiet_gx

    quiet_gx()
    import great_expectations.expectations as gxe
    from great_expectations.core import ExpectationSuite

    notes, expectations = SUITES[name]
    document = ExpectationSuite(name=name, notes=notes, expectations=expectations(gxe)).to_json_dict()
    document.get("meta", {}).pop("great_expectations_version", None)
    return document


def main(argv: list[str] | None = None) -> int:
    from include.expectations.build_suites import render

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report files that differ")
    args = parser.parse_args(argv)
    stale = []
    for name in SUITES:
        path = HERE / f"{name}.json"
        text = render(build(name))
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(path)
        if not args.check:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(REPO)}")
    if args.check and stale:
        print("out of date: " + ", ".join(str(path.relative_to(REPO)) for path in stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
