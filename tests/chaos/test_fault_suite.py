"""The fault suite: the classes of fault a merchant meets outside the happy path, for every pair through its ERP
driver (``tests/integration/erp_drivers.py``), so a new pair inherits them by adding a driver (issue 14).

- **overlapping loads** of every create-once flow (orders, payments, refunds): the run's load task in two real
  processes at the same moment on the same staged records (a zombie task and its retry);
- **a database restart mid-load**: the sync store's PostgreSQL backend terminated during the payments load
  (``pg_terminate_backend``, what a restart does to a session; the server itself keeps running for others);
- **hostile structure**: an order whose custom field is nested 400 levels deep (valid JSON; PHP emits 512).

Each case prints attempted, loaded, duplicates, lost and DLQ, and asserts zero duplicates and zero lost. The sync
store is SQLite by default; ``STORESYNC_CHAOS_BACKENDS=sqlite,postgresql`` adds PostgreSQL (the restart case
always runs on PostgreSQL). Small record counts and tiny retry delays keep it to a few minutes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass

import pytest

from tests.chaos.chaos_runs import BACKENDS
from tests.conftest import ROOT
from tests.figures import show
from tests.integration.conftest import (END, acumatica_sandbox_factory, flow_dag, intacct_sandbox_factory,  # noqa: F401
                                       sandbox_factory)
from tests.integration.erp_drivers import erp_factory_fixture  # noqa: F401  (the erp_factory fixture)
from tests.integration.flow_helpers import (EVERYTHING, INSIDE_THE_INTERVAL, TWO_HOURS_AGO, pay, posted, run,
                                            storefront_orders, transactions)

pytestmark = [pytest.mark.chaos, pytest.mark.integration]

KIND = {"orders": "order", "payments": "payment", "refunds": "refund"}
PREFIX = {"orders": "XC-", "payments": "XP-", "refunds": "XR-"}


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    """The sync store's (and Sage 500's) backend: SQLite unless STORESYNC_CHAOS_BACKENDS says more."""
    if request.param == "postgresql":
        _require_postgres()
    return request.param


def _require_postgres() -> None:
    from include.sandbox.sage500.dialects import postgres_unavailable_reason
    from tests.conftest import skip_or_fail

    reason = postgres_unavailable_reason(server="127.0.0.1", port=5432, user="postgres")
    if reason:
        skip_or_fail(reason)


@dataclass
class FaultReport:
    case: str
    attempted: int
    loaded: int
    duplicates: int
    lost: list[str]
    dlq: int

    def line(self) -> str:
        return (f"{self.case}: attempted {self.attempted}, loaded {self.loaded}, duplicates {self.duplicates}, "
                f"lost {len(self.lost)}, DLQ {self.dlq}")


def account(case: str, erp, flow: str, run_id: str, keys: list[str]) -> FaultReport:
    """What became of the records ``keys`` a run of ``flow`` had to load: a document each, or a DLQ entry."""
    store = erp.sandbox.store()
    documents: Counter = erp.document_counts(KIND[flow])
    outcomes = {o["record_key"]: o["outcome"] for o in store.list_outcomes(erp.pair, flow, run_id)}
    waiting = {item["record_key"] for item in store.list_dlq(pair=erp.pair, flow=flow, state=("open", "held"))}
    reference = {key: f"{PREFIX[flow]}{key}" for key in keys}
    lost = [key for key in keys
            if outcomes.get(key) is None
            or (outcomes[key] in ("loaded", "skipped") and documents[reference[key]] == 0)
            or (outcomes[key] in ("held", "dlq") and key not in waiting)]
    report = FaultReport(case=case, attempted=len(keys),
                         loaded=sum(1 for key in keys if documents[reference[key]] >= 1),
                         duplicates=sum(documents[ref] - 1 for ref in reference.values() if documents[ref] > 1),
                         lost=lost, dlq=len(waiting & set(keys)))
    print(report.line())
    show(f"fault suite: {case}", report.line())
    return report


def staged_without_loading(dag, monkeypatch, **run_kwargs) -> str:
    """Run a flow's DAG up to its load (extract, gates, transform), holding the load back; returns the run id."""
    from airflow.sdk.exceptions import AirflowFailException

    from storesync.operators.load import LoadOperator

    def held_back(self, scope, context):
        raise AirflowFailException("the fault suite runs this load itself, in two processes")

    with monkeypatch.context() as patch:
        patch.setattr(LoadOperator, "run", held_back)
        dag_run = dag.test(**run_kwargs)
    return dag_run.run_id


def load_in_two_processes(erp, flow: str, run_id: str, dag_id: str, tmp_path) -> list[dict]:
    """The run's load task started twice at the same moment; a task that fails transiently is run again, as
    Airflow retries it (two writers on SQLite meet "database is locked")."""
    env = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'plugins'}"}
    go = tmp_path / "go"

    def start():
        return subprocess.Popen([sys.executable, "-m", "tests.chaos.fault_load", erp.pair, flow, run_id, dag_id,
                                 str(go)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    children = [start(), start()]
    deadline = time.monotonic() + 180
    while not all((tmp_path / f"ready-{child.pid}").exists() for child in children):
        assert time.monotonic() < deadline and all(c.poll() is None for c in children), \
            "load processes did not start: " + " ".join((c.communicate()[1] or "")[-2000:] for c in children if c.poll() is not None)
        time.sleep(0.05)
    go.touch()
    results = []
    for child in children:
        for attempt in range(3):
            out, err = child.communicate(timeout=600)
            if child.returncode == 0:
                results.append(json.loads(out.strip().splitlines()[-1]))
                break
            assert "TransientError" in err and attempt < 2, f"a load process failed:\n{err[-3000:]}"
            child = start()  # Airflow's retry of the task
        else:  # pragma: no cover - the assert above ends the loop
            raise AssertionError("unreachable")
    return results


@pytest.mark.parametrize("flow", ["orders", "payments", "refunds"])
def test_overlapping_loads_in_two_processes_create_every_document_once(erp_factory, flow_dag, flow, monkeypatch,
                                                                       tmp_path):
    erp = erp_factory(orders=16, clock=INSIDE_THE_INTERVAL)
    if flow == "orders":
        run_id = staged_without_loading(flow_dag("orders", erp=erp.name), monkeypatch, logical_date=END)
    else:
        run(flow_dag("orders", erp=erp.name), logical_date=END)
        if flow == "refunds":
            refund_some_payments(erp.sandbox, count=8)
        run_id = staged_without_loading(flow_dag(flow, erp=erp.name), monkeypatch, run_conf=EVERYTHING)
    store = erp.sandbox.store()
    keys = [key for page in store.iter_undecided_pages(erp.pair, flow, run_id, "target") for key, _ in page]
    assert keys, f"the {flow} run must leave records for the load, else the case means nothing"

    # A real ERP answers in tens of ms (the window in which loads race), and a licence has room for both tasks'
    # sessions (the emulator's default of two would make the second load wait for the first to log out).
    erp_network(erp, latency_ms=15, sessions=4)
    results = load_in_two_processes(erp, flow, run_id, f"{flow}__xcart__{erp.name}", tmp_path)
    report = account(f"overlapping {flow} loads, X-Cart ↔ {erp.label} ({erp.sandbox.backend})", erp, flow, run_id,
                     keys)
    print(f"per process: {results}")
    assert report.duplicates == 0, report.line()
    assert report.lost == [], f"{report.line()}: {report.lost[:10]}"
    assert sum(r["loaded"] for r in results) <= report.loaded, "no process claims a document the other made"


def erp_network(erp, *, latency_ms: int, sessions: int) -> None:
    """Latency on every ERP request and room for concurrent sessions, where the sandbox has the knobs
    (Acumatica's licence ``latency_ms``, ``max_sessions``; Sage 500 is a database on this machine)."""
    import dataclasses

    server = getattr(erp.sandbox, "acumatica", None)
    if server is not None:
        server.limits = dataclasses.replace(server.limits, latency_ms=latency_ms, max_sessions=sessions)


def refund_some_payments(sandbox, count: int) -> None:
    """Partial refunds (1.00 each) of ``count`` captured payments: money going back, created once or not at all."""
    from decimal import Decimal

    paid = [t for t in transactions(sandbox) if posted(t) and t["value"] > Decimal("5")][:count]
    assert len(paid) == count, "the seed must have enough captured payments to refund"
    for tx in paid:
        pay(sandbox, {"orderId": tx["orderId"]}, "1.00", "refund", method=tx["method"], cardLast4=tx["cardLast4"],
            parentTransactionId=tx["transactionId"], currency=tx["currency"],
            gatewayTransactionId=f"re_fault{tx['transactionId']}")


def hostile_order(template: dict, depth: int = 400) -> dict:
    nested: dict = {"value": "x"}
    for _ in range(depth):
        nested = {"a": nested}
    order = {key: value for key, value in template.items() if key not in ("orderId", "orderNumber")}
    # X-Cart's complex order has a fixed set of keys (Complex.php convertModelOrder): an extra key is never
    # served, so the structure sits in a value it does serve and the pipeline does not read.
    order.update({"orderDate": TWO_HOURS_AGO, "updateDate": TWO_HOURS_AGO, "customerNotes": nested})
    return order


def test_a_hostile_structure_goes_to_the_dlq_and_the_window_loads_the_rest(erp_factory, flow_dag):
    erp = erp_factory(orders=20, clock=INSIDE_THE_INTERVAL)
    sandbox = erp.sandbox
    clean = [str(o["orderId"]) for o in storefront_orders(sandbox)]
    template = next(o for o in storefront_orders(sandbox) if o["customerInfo"].get("profileId"))
    hostile = str(sandbox.xcart.store.create_order(hostile_order(template))["orderId"])

    dag_run = run(flow_dag("orders", erp=erp.name), logical_date=END)
    keys = [*clean, hostile]
    report = account(f"hostile structure, X-Cart ↔ {erp.label} ({sandbox.backend})", erp, "orders",
                     dag_run.run_id, keys)
    [item] = [i for i in sandbox.store().list_dlq(flow="orders", state="open") if i["record_key"] == hostile]
    assert item["reason_code"] == "hostile_structure" and "field customerNotes" in item["reason"], item["reason"]
    assert "deeper than 64 levels" in item["reason"]
    assert report.duplicates == 0 and report.lost == []
    documents = erp.document_counts("order")
    assert all(documents[f"XC-{key}"] == 1 for key in clean), "every clean order of the window is loaded once"
    assert documents[f"XC-{hostile}"] == 0


@pytest.mark.sync_store_semantics
@pytest.mark.parametrize("backend", ["postgresql"])  # a server restart needs the PostgreSQL sync store
def test_a_database_restart_mid_load_is_retried_and_loads_every_payment_once(backend, erp_factory, flow_dag):
    from sqlalchemy import create_engine, event, text

    from storesync.hooks.syncstore import SyncStoreHook

    _require_postgres()
    erp = erp_factory(orders=16, clock=INSIDE_THE_INTERVAL)
    run(flow_dag("orders", erp=erp.name), logical_date=END)
    engine = SyncStoreHook().get_store().engine
    terminated: list[str] = []

    def restart_at_the_first_claim(conn, cursor, statement, parameters, context, executemany):
        if not terminated and statement.startswith("INSERT INTO load_claim"):
            terminated.append(statement[:40])
            admin = create_engine("postgresql+psycopg2://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT")
            with admin.connect() as admin_conn:
                admin_conn.execute(text("SELECT pg_terminate_backend(:pid)"),
                                   {"pid": conn.connection.dbapi_connection.get_backend_pid()})
            admin.dispose()

    event.listen(engine, "before_cursor_execute", restart_at_the_first_claim)
    try:
        dag_run = run(flow_dag("payments", erp=erp.name), run_conf=EVERYTHING)
    finally:
        event.remove(engine, "before_cursor_execute", restart_at_the_first_claim)
    assert terminated, "the restart must have happened during the load"
    load = dag_run.get_task_instance("load")
    assert load.try_number == 2, "the restart failed the first try, and Airflow retried it"
    store = erp.sandbox.store()
    keys = [key for key, _ in store.iter_staged(erp.pair, "payments", dag_run.run_id, "target")]
    report = account(f"database restart mid-load, payments, X-Cart ↔ {erp.label}", erp, "payments",
                     dag_run.run_id, keys)
    assert report.duplicates == 0 and report.lost == [] and report.loaded >= 1

