"""What the flows' end-to-end tests share, whatever the ERP: running a real DAG, what its last run counted and
decided, and storefront records placed inside the sandbox day (orders, payment transactions)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from tests.integration.conftest import END

EVERYTHING = {"resync_from": "2000-01-01T00:00:00+00:00", "resync_to": END.isoformat()}
NOTHING_NEW = {"resync_from": END.isoformat(), "resync_to": (END + timedelta(minutes=1)).isoformat()}
# The storefront's clock stays inside the interval, so orders touched by the write-back are extracted again
# on a re-run of the same interval (otherwise their new updateDate would move them to a later interval), and
# every update it stamps falls into the runs' windows.
INSIDE_THE_INTERVAL = lambda: (END - timedelta(minutes=30)).timestamp()  # noqa: E731
TWO_HOURS_AGO = int((END - timedelta(hours=2)).timestamp())


def run(dag, **kwargs):
    """``dag.test(**kwargs)``, which must succeed."""
    dag_run = dag.test(**kwargs)
    assert str(dag_run.state) == "success", f"{dag.dag_id} {kwargs} ended {dag_run.state}"
    return dag_run


def last_run(sandbox, flow: str) -> dict:
    return sorted(sandbox.store().list_runs(flow=flow), key=lambda r: r["started_at"])[-1]


def last_counts(sandbox, flow: str) -> dict:
    return last_run(sandbox, flow)["counts"]


def outcomes(sandbox, pair: str, flow: str) -> dict[str, dict]:
    """The last run's outcome per record key."""
    return {o["record_key"]: o for o in sandbox.store().list_outcomes(pair, flow, last_run(sandbox, flow)["run_id"])}


def storefront_orders(sandbox) -> list[dict]:
    return sandbox.xcart.store.list_orders(offset=0, limit=None)[0]


def orders_read_by_a_run(sandbox) -> int:
    """Orders a run over the window reads: X-Cart filters on the order date only, so the connector reads every
    order placed from the window's start minus the look-back (storesync.systems.xcart.adapter) to its end."""
    from storesync.systems.xcart.adapter import DEFAULT_LOOKBACK_DAYS

    window_start = END - timedelta(days=1 + DEFAULT_LOOKBACK_DAYS, minutes=15)
    return sandbox.xcart.store.list_orders(date_from=int(window_start.timestamp()), date_to=int(END.timestamp()))[1]


def inject_scenarios(sandbox) -> dict[str, object]:
    """The sandbox's bad and hostile orders (include/sandbox/scenarios.py), placed two hours before the end."""
    from include.sandbox.scenarios import SCENARIOS, build_order

    template = next(o for o in storefront_orders(sandbox)
                    if o["customerInfo"].get("profileId") and len(o["items"]) >= 2)
    return {str(sandbox.xcart.store.create_order(build_order(template, scenario, timestamp=TWO_HOURS_AGO))["orderId"]):
            scenario for scenario in SCENARIOS}


def transactions(sandbox) -> list[dict]:
    return sandbox.xcart.store.list_payment_transactions(offset=0, limit=None)[0]


def flow_key(tx: dict) -> str:
    """The payments and refunds flows' key of a sandbox transaction: X-Cart's payment transactions (sale, auth)
    keep their id; captures, refunds and voids are backend transactions there, keyed ``b<id>``
    (storesync.systems.xcart.transactions)."""
    return str(tx["transactionId"]) if tx["type"] in ("sale", "auth") else f"b{tx['transactionId']}"


def extracted_by(flow: str, tx: dict) -> bool:
    """Whether the flow reads the transaction: refunds are the refunds flow's only (X-Cart's refund backend
    transactions), everything else the payments flow's."""
    return (tx["type"] == "refund") == (flow == "refunds")


def posted(tx: dict) -> bool:
    return tx["type"] in ("sale", "capture") and tx["status"] == "S"


def new_order(sandbox, **changes) -> dict:
    """A new storefront order (a copy of a seeded one) with nothing paid yet, placed two hours before the end."""
    template = next(o for o in storefront_orders(sandbox) if o["currency"] == "USD" and o["total"] > Decimal("20"))
    order = {key: value for key, value in template.items() if key not in ("orderId", "orderNumber")}
    order.update({"paymentStatus": "Q", "orderDate": TWO_HOURS_AGO, "updateDate": TWO_HOURS_AGO, "adminNotes": "",
                  **changes})
    return sandbox.xcart.store.create_order(order)


def pay(sandbox, order: dict, value, tx_type: str = "sale", **fields) -> dict:
    return sandbox.xcart.store.create_payment_transaction(
        {"orderId": order["orderId"], "type": tx_type, "value": Decimal(str(value)), "date": TWO_HOURS_AGO,
         "method": "Credit Card", "cardLast4": "4242", "gatewayTransactionId": f"ch_3Pit{order['orderId']}{tx_type}",
         **fields})
