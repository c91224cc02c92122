"""`make demo`: run the flows of a pair end to end against the sandbox, with Airflow, and say what happened.

1. Start the sandbox: the X-Cart emulator (its own process, seeded orders over the last day) and the pair's
   ERP, seeded with the item master and customers overlapping the storefront's: a fresh Sage 500 database
   reached through ODBC (default pair) or the Acumatica emulator's REST API (``--pair xcart-acumatica``).
2. Inject the bad and hostile orders of ``include.sandbox.scenarios`` through the X-Cart sandbox's own
   records (``/_sandbox/records/order``: a real store gets orders from its checkout, not its REST API).
3. Run the orders DAG with Airflow (``dag.test``) for every hourly interval of that day, like a backfill;
   then run the last intervals again to show that nothing is created twice.
4. Check every storefront order against the ERP and the dead-letter queue, print a summary and write it
   to ``.local/out/summary.json``.
5. Finance's reconciliation of the day: seed the sandbox's discrepancies, run the reconciliation DAG, print
   the lines per category and where the CSV and XLSX are (``run_reconciliation``).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
import warnings
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "plugins")]
from storesync.inprocess_runs import run_in_process  # noqa: E402 - stdlib-only at import; needs the path above
LOCAL = ROOT / ".local"
OUT = LOCAL / "out"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pair", default="xcart-sage500")
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--hours", type=int, default=24, help="hourly intervals to run (the seeded day)")
    args = parser.parse_args()

    os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")
    # dag.test() keeps one serialized DAG row per code version in the local metadata DB; after the DAG
    # files change, Airflow's lazy loader warns about that on every run. Harmless here, noisy on screen.
    warnings.filterwarnings("ignore", message="Multiple rows returned with uselist=False")
    from include.sandbox.runtime import Sandbox, SandboxOptions

    end = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    (LOCAL / "data" / "sync.db").unlink(missing_ok=True)
    OUT.mkdir(parents=True, exist_ok=True)
    options = SandboxOptions(seed=args.seed, orders=args.orders, days=1, end_ts=int(end.timestamp()))
    started = time.monotonic()
    with Sandbox(options) as sandbox:
        url = sandbox.start_xcart()
        say(sandbox.start_alert_sink())
        say(f"X-Cart sandbox: {url} ({args.orders} seeded orders over the day ending {end:%Y-%m-%d %H:%M} UTC)")
        xcart = sandbox.xcart_client()
        injected = inject_scenarios(xcart, end)
        say(f"injected {len(injected)} bad/hostile orders through the sandbox (as a checkout would place them): " + ", ".join(s for s, _ in injected))
        from storesync.config.pairs import get_pair

        pair = get_pair(args.pair)
        say(sandbox.start_erp(pair.erp.system))
        os.environ.update(sandbox.connection_env())

        migrate_airflow()
        from airflow.dag_processing.dagbag import DagBag

        flow_counts = run_catalogue_flows(pair, end)
        dag_id = pair.dag_id("orders")
        dag = DagBag(dag_folder=str(ROOT / "dags" / "orders.py")).get_dag(dag_id)
        say(f"running {dag_id} with Airflow for {args.hours} hourly intervals (a backfill of the day)")
        states = Counter()
        for hour in range(args.hours - 1, -1, -1):
            logical = end - timedelta(hours=hour)
            states[run_dag(dag, logical)] += 1
        say(f"  runs: {dict(states)}")
        say("running the last 3 intervals again: nothing may be created twice")
        for hour in (2, 1, 0):
            states[run_dag(dag, end - timedelta(hours=hour))] += 1

        flow_counts.update(run_flows_after_orders(pair, sandbox, end))
        say("running inventory again: only SKUs whose stock changed may be written")
        flow_counts["inventory (again)"] = run_flow(pair, "inventory", logical_date=end)
        summary = summarise(pair, dag_id, xcart, sandbox, injected)
        summary["reconciliation"] = run_reconciliation(pair, sandbox, end, summary["scenarios"])
        summary["runs"] = dict(states)
        orders_counts = {k: summary["task_counts_over_all_runs"].get(k, 0)
                         for k in ("extracted", "loaded", "skipped", "held", "dlq", "written_back")}
        summary["flows"] = {**{k: v for k, v in flow_counts.items() if k in ("products", "inventory", "customers")},
                            "orders": orders_counts,
                            **{k: v for k, v in flow_counts.items() if k not in ("products", "inventory", "customers")}}
        summary["seconds"] = round(time.monotonic() - started, 1)
    (OUT / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    print_summary(summary)
    ok = summary["unaccounted_orders"] == 0 and summary["duplicate_sales_orders"] == 0 and summary["rerun_loaded"] == 0
    ok = ok and summary["reconciliation"].get("seeded_reported", True)
    return 0 if ok else 1


def run_flow(pair, flow: str, *, logical_date: datetime | None = None, conf: dict | None = None) -> dict:
    """Run one flow's DAG once with Airflow and return that run's counts from the sync store."""
    from airflow.dag_processing.dagbag import DagBag
    from storesync.hooks.syncstore import SyncStoreHook

    dag = DagBag(dag_folder=str(ROOT / "dags" / f"{flow}.py")).dags[pair.dag_id(flow)]
    run = run_in_process(dag, logical_date=logical_date, run_conf=conf) if logical_date else run_in_process(dag, run_conf=conf)
    store = SyncStoreHook(pair.store_conn_id).get_store()
    return {"state": str(run.state), **run_counts(store, pair, flow, run.run_id)}


COUNTED = ("extracted", "loaded", "skipped", "held", "dlq")


def run_counts(store, pair, flow: str, run_id: str) -> dict[str, int]:
    """A DAG run's counts over every leg it ran (the customers DAG's ERP -> storefront leg is a flow of its own,
    so its DLQ items count on the customers line too)."""
    from storesync.flows import get_flow

    totals = dict.fromkeys(COUNTED, 0)
    for leg in get_flow(flow).legs or (flow,):
        record = store.get_run(pair.name, leg, run_id)
        for key in COUNTED:
            totals[key] += int(((record or {}).get("counts") or {}).get(key, 0))
    return totals


def dlq_overview(store, pair_name: str) -> list[dict]:
    """Every DLQ item of the pair still needing attention, all flows: what ``make dlq ARGS="list"`` shows."""
    from storesync.dlq_service import DlqFilter, list_items

    return [{"id": i["id"], "flow": i["flow"], "record": i["record_key"], "state": i["state"],
             "reason_code": i["reason_code"], "reason": " ".join(str(i["reason"]).split())[:160]}
            for i in sorted(list_items(store, DlqFilter(pair=pair_name)), key=lambda i: i["id"])]


def other_exceptions(lines: list[dict], seeded_keys: set[str], injected: dict[str, dict]) -> list[dict]:
    """The reconciliation's exceptions beyond the seeded discrepancies, each with why it is there: the bad
    orders the demo injected (the sync holds them in its DLQ, or refused them) or the line's own reason."""
    by_order = {str(info["orderId"]): name for name, info in injected.items()}
    found = []
    for line in lines:
        if line["status"] == "matched" or line["line_key"] in seeded_keys:
            continue
        scenario = by_order.get(str(line.get("store_order_id") or ""))
        why = (f"injected scenario '{scenario}' (expected: {injected[scenario]['expect']})" if scenario
               else "not injected by the demo")
        found.append({"line": line["line_key"], "status": line["status"], "why": why,
                      "reason": " ".join(str(line["reason"]).split())[:200]})
    return found


def run_catalogue_flows(pair, end: datetime) -> dict[str, dict]:
    """Products first (the initial catalogue load, over all time), then stock: orders need both."""
    results = {}
    say(f"running {pair.dag_id('products')}: initial catalogue load (resync over all time)")
    results["products"] = run_flow(pair, "products", conf={"resync_from": "2000-01-01T00:00:00+00:00",
                                                           "resync_to": end.isoformat()})
    say(f"  {results['products']}")
    say(f"running {pair.dag_id('inventory')}: stock snapshot")
    results["inventory"] = run_flow(pair, "inventory", logical_date=end)
    say(f"  {results['inventory']}")
    if "customers" in pair.flows:
        say(f"running {pair.dag_id('customers')}: storefront customers to the ERP (matched), ERP edits back")
        results["customers"] = run_flow(pair, "customers", conf=everything(end))
        say(f"  {results['customers']}")
    return results


def everything(end: datetime) -> dict:
    return {"resync_from": "2000-01-01T00:00:00+00:00", "resync_to": end.isoformat()}


def run_flows_after_orders(pair, sandbox, end: datetime) -> dict[str, dict]:
    """The flows that need sales orders in the ERP, in dependency order; the warehouse ships a few first."""
    from storesync.flows import FLOWS, dependency_order

    later = [f for f in dependency_order([f for f in pair.flows if not FLOWS[f].part_of])
             if f not in ("products", "inventory", "customers", "orders")]
    results = {}
    if "shipments" in later:
        shipped = sandbox.ship_some_orders(pair.erp.system, count=5, partial=1)
        say(f"the ERP's warehouse shipped {len(shipped)} web orders (one partially): {', '.join(shipped)}")
    for flow in later:
        say(f"running {pair.dag_id(flow)}")
        results[flow] = run_flow(pair, flow, conf=everything(datetime.now(timezone.utc) + timedelta(days=1)))
        say(f"  {results[flow]}")
    return results


def run_reconciliation(pair, sandbox, end: datetime, injected: dict[str, dict] | None = None) -> dict:
    """Finance's daily reconciliation of the seeded day (the UTC day holding most of the seeded hours).

    The flows it waits for are first run to the day's end if the demo's runs stop short of it (nothing new is
    carried), then the sandbox's discrepancies are seeded and the pair's reconciliation DAG runs for the day.
    Pair-generic: an ERP without a seeder in ``include.sandbox.reconciliation_scenario`` is reconciled as is.
    """
    if pair.reconciliation is None:
        return {}
    from airflow.dag_processing.dagbag import DagBag
    from include.sandbox.reconciliation_scenario import seed_sandbox
    from storesync.hooks.syncstore import SyncStoreHook
    from storesync.reconciliation.service import day_bounds

    day = (end - timedelta(hours=12)).date()
    _, day_end = day_bounds(day)
    store = SyncStoreHook(pair.store_conn_id).get_store()
    for flow, covering in store.completed_flow_runs(pair.name, pair.reconciliation.after, day_end).items():
        if covering is None:
            run_flow(pair, flow, conf={"resync_from": end.isoformat(), "resync_to": day_end.isoformat()})
    seeded = seed_sandbox(sandbox, pair.erp.system, day=day, latest=end - timedelta(minutes=1))
    say(f"seeded {len(seeded)} discrepancies for {day}: " + ", ".join(s.name for s in seeded))
    dag_id = pair.dag_id("reconciliation")
    run = run_in_process(DagBag(dag_folder=str(ROOT / "dags" / "reconciliation.py")).dags[dag_id],
                         run_conf={"day": day.isoformat()})
    record = store.reconciliation_run(pair.name, day) or {}
    day_lines = store.reconciliation_lines(pair.name, day)
    reported = {line["line_key"]: line["status"] for line in day_lines}
    by_status = {code: n for code, n in ((record.get("counts") or {}).get("by_status") or {}).items() if n}
    result = {
        "dag_id": dag_id, "day": day.isoformat(), "state": str(run.state), "lines": record.get("lines"),
        "by_status": by_status, "files": record.get("files") or {},
        "seeded": {s.name: {"line": s.line_key, "expected": s.category, "reported": reported.get(s.line_key)}
                   for s in seeded},
    }
    result["seeded_reported"] = str(run.state) == "success" and all(
        reported.get(s.line_key) == s.category for s in seeded)
    result["other_exceptions"] = other_exceptions(day_lines, {s.line_key for s in seeded}, injected or {})
    say(f"reconciliation of {day}: {run.state}, {result['lines']} lines, by status {by_status}")
    for name, item in result["seeded"].items():
        say(f"   seeded {name:28} expected {item['expected']:28} reported {item['reported']}")
    if result["other_exceptions"]:
        say(f"   {len(result['other_exceptions'])} further exception(s), beyond the {len(seeded)} seeded:")
    for item in result["other_exceptions"]:
        say(f"   {item['line']:28} {item['status']:28} {item['why']}: {item['reason']}")
    for kind, location in result["files"].items():
        say(f"   {kind}: {location}")
    return result


def run_dag(dag, logical_date: datetime) -> str:
    run = run_in_process(dag, logical_date=logical_date)
    return str(run.state)


def migrate_airflow() -> None:
    result = subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"airflow db migrate failed:\n{result.stderr[-3000:]}")


def inject_scenarios(xcart, end: datetime) -> list[tuple[str, dict]]:
    from include.sandbox.scenarios import SCENARIOS, build_order

    template = next(o for o in xcart.all("order") if o["customerInfo"].get("profileId") and len(o["items"]) >= 2)
    timestamp = int((end - timedelta(minutes=30)).timestamp())
    injected = []
    for scenario in SCENARIOS:
        created = xcart.call("POST", "order", build_order(template, scenario, timestamp=timestamp))
        injected.append((scenario.name, {"orderId": created["orderId"], "expect": scenario.expect}))
    return injected


def summarise(pair, dag_id: str, xcart, sandbox, injected) -> dict:
    from storesync.hooks.syncstore import SyncStoreHook
    from storesync.notifiers import sent_alerts

    store = SyncStoreHook(pair.store_conn_id).get_store()
    orders = xcart.all("order")
    refs = sandbox.erp_web_order_references(pair.erp.system)
    in_erp = Counter(ref.strip()[3:] for ref in refs)
    dlq = dlq_overview(store, pair.name)
    dlq_keys = {item["record"] for item in dlq if item["flow"] == "orders"}
    runs = [r for r in store.list_runs(pair=pair.name, flow="orders", limit=1000)]
    counts = Counter()
    for run in runs:
        for name in ("extracted", "loaded", "skipped", "held", "dlq", "written_back"):
            counts[name] += int((run.get("counts") or {}).get(name, 0))
    last_three = sorted(runs, key=lambda r: r["started_at"])[-3:]
    written_back = sum(1 for o in orders if "[ERP " in str(o.get("adminNotes") or ""))
    unaccounted = [str(o["orderId"]) for o in orders if str(o["orderId"]) not in in_erp and str(o["orderId"]) not in dlq_keys]
    return {
        "pair": pair.name,
        "dag_id": dag_id,
        "storefront_orders": len(orders),
        "erp": pair.erp.system,
        "sales_orders_in_erp": len(refs),
        "duplicate_sales_orders": sum(n - 1 for n in in_erp.values() if n > 1),
        "orders_written_back": written_back,
        # Every flow's items, as `make dlq ARGS="list"` shows them (issue 15: the orders' alone were counted).
        "dlq_open_or_held": len(dlq),
        "dlq_by_flow": dict(Counter(item["flow"] for item in dlq)),
        "dlq_by_reason": dict(Counter(item["reason_code"] for item in dlq)),
        "dlq_items": dlq,
        "unaccounted_orders": len(unaccounted),
        "task_counts_over_all_runs": dict(counts),
        "rerun_loaded": sum(int((r.get("counts") or {}).get("loaded", 0)) for r in last_three),
        "scenarios": {name: info for name, info in injected},
        "alerts_sent_by_kind": dict(Counter(a["kind"] for a in sent_alerts(store.engine, pair=pair.name))),
        "alerts_received_by_sink": {channel: len(items) for channel, items in sandbox.alert_messages().items()},
    }


def print_summary(s: dict) -> None:
    say("")
    say(f"=== {s['pair']}: summary ({s['seconds']} s) ===")
    say(f"storefront orders            {s['storefront_orders']}")
    say(f"{s['erp'] + ' sales orders':28} {s['sales_orders_in_erp']}  (duplicates: {s['duplicate_sales_orders']})")
    say(f"ERP numbers written back     {s['orders_written_back']}")
    say(f"dead-letter queue            {s['dlq_open_or_held']}  (every flow: make dlq ARGS=\"list\")  "
        f"by flow: {s['dlq_by_flow']}  by reason: {s['dlq_by_reason']}")
    for item in s["dlq_items"]:
        say(f"   {item['id']:>4} [{item['state']}] {item['flow']:18} {item['record']:>10}  {item['reason']}")
    say(f"unaccounted orders           {s['unaccounted_orders']}  (every order is a sales order or a DLQ entry)")
    say(f"created by the re-runs       {s['rerun_loaded']}")
    say(f"alerts sent (one per run and kind)  {s['alerts_sent_by_kind']}  sink received: {s['alerts_received_by_sink']}")
    say(f"per-task counts, all runs    {s['task_counts_over_all_runs']}")
    say("per flow (in dependency order):")
    for flow, counts in s.get("flows", {}).items():
        say(f"   {flow:18} {counts}")
    say(f"summary written to {OUT.relative_to(ROOT) / 'summary.json'}")


def say(message: str) -> None:
    print(message, flush=True)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    sys.exit(main())
