"""What every chaos scenario shares, whatever the ERP: the storefront with its seeded invalid orders, the DAG
runs in a child process (killed part-way, then retried), and the verdict on what reached the ERP.

``scripts/chaos.py`` (X-Cart ↔ Sage 500) and ``scripts/chaos_acumatica.py`` (X-Cart ↔ Acumatica) build their
ERP, its faults and its watcher on top of these; ``tests/chaos/`` asserts on the reports they return.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for _path in (str(ROOT / "plugins"), str(ROOT)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

CHAOS_SCRIPT = ROOT / "scripts" / "chaos.py"  # its --child-run runs one DAG run (see child_main)
# A fixed "now": the seeded day ends here and the run's interval is that day (the pair runs @daily here).
END = datetime(2026, 11, 20, tzinfo=timezone.utc)
RW_KEY, RO_KEY = "chaos-rw-key-5e1d", "chaos-ro-key-93b0"
PG = {"server": "127.0.0.1", "port": 5432, "user": "postgres"}
PROFILES = 400
PRODUCTS = 60


# -- the child: one dag.test() run -------------------------------------------------------------------

def child_main(dag_id: str, logical_date: str, run_after: str) -> int:
    """Run one DAG of dags/orders.py once for an interval (in this process, as dag.test does); say how it ended."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags" / "orders.py"))
    if bag.import_errors:
        print(f"CHAOS import errors: {bag.import_errors}", flush=True)
        return 3
    dag = bag.dags[dag_id]
    run = dag.test(logical_date=datetime.fromisoformat(logical_date), run_after=datetime.fromisoformat(run_after))
    print(f"CHAOS run {run.run_id} ended {run.state}", flush=True)
    return 0 if str(run.state) == "success" else 1


def start_child(env: dict[str, str], log_path: Path, dag_id: str) -> subprocess.Popen:
    """The DAG run for the seeded day, in a process group of its own (so a kill takes every process of it)."""
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [sys.executable, str(CHAOS_SCRIPT), "--child-run", dag_id, END.isoformat(), END.isoformat()],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )


def kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def run_killed_mid_load(env: dict[str, str], log_path: Path, dag_id: str, *, count: Callable[[], int | None],
                        expected: int, kill_at_share: float, kill_jitter_s: float, seed: int, timeout_s: float,
                        on_progress: Callable[[int, float], None] | None = None,
                        may_kill: Callable[[], bool] = lambda: True, say=print) -> dict[str, Any]:
    """Run 1: the DAG run, SIGKILLed (its whole process group) once some, not all, documents exist in the ERP.

    ``count()`` reads how many documents the ERP holds (None when it cannot be read just now);
    ``on_progress(count, seconds)`` lets the scenario add its own trouble on the way (a lock, an expiry);
    ``may_kill()`` holds the kill back until that trouble is over. The kill comes once ``kill_at_share`` of
    ``expected`` exists, after a seeded delay of up to ``kill_jitter_s`` so it may land inside the next batch's
    ERP work too. Returns {killed, sales_orders_at_kill, at_s, run_1_exit}.
    """
    log_path.unlink(missing_ok=True)
    kill: dict[str, Any] = {"killed": False}
    child = start_child(env, log_path, dag_id)
    started = time.monotonic()
    try:
        while child.poll() is None:
            elapsed = time.monotonic() - started
            if elapsed > timeout_s:
                raise TimeoutError(f"run 1 did not reach the kill point within {timeout_s:.0f}s")
            current = count()
            if current is not None and on_progress is not None:
                on_progress(current, elapsed)
            if current is not None and may_kill() and expected * kill_at_share <= current < expected:
                time.sleep(random.Random(seed).uniform(0, kill_jitter_s))
                kill_group(child)
                at_s = round(time.monotonic() - started, 1)
                after = None
                while after is None:  # what the killed run had committed
                    after = count()
                kill = {"killed": True, "sales_orders_at_kill": after, "at_s": at_s}
                say(f"  run 1: SIGKILL to the run's process group with {after} of {expected} sales orders created")
                break
            time.sleep(0.1)
    finally:
        if child.poll() is None:
            kill_group(child)
    return {**kill, "run_1_exit": child.returncode}


def run_to_completion(env: dict[str, str], log_path: Path, dag_id: str, *, timeout_s: float,
                      say=print) -> dict[str, Any]:
    """Run 2: the same interval again (same run id: what clearing the run in the UI does), to completion."""
    log_path.unlink(missing_ok=True)
    started = time.monotonic()
    child = start_child(env, log_path, dag_id)
    try:
        child.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        say(f"  run 2: still running after {timeout_s:.0f}s: stopped")
    finally:
        if child.poll() is None:
            kill_group(child)
    return {"exit": child.returncode, "succeeded": child.returncode == 0,
            "seconds": round(time.monotonic() - started, 1)}


# -- the storefront -----------------------------------------------------------------------------------

@dataclass
class Storefront:
    xcart: Any  # the running XCartServer (in this process)
    invalid: dict[str, Any]  # order id -> the Scenario it was built from (expected in the DLQ, or held)

    def order_ids(self) -> set[str]:
        orders, _ = self.xcart.store.list_orders(offset=0, limit=None)
        return {str(o["orderId"]) for o in orders}

    def written_back(self) -> int:
        """Storefront orders whose admin notes carry the ERP's document number (``[ERP SO …]``)."""
        orders, _ = self.xcart.store.list_orders(offset=0, limit=None)
        return sum(1 for o in orders if "[ERP SO " in str(o.get("adminNotes") or ""))

    def emails(self, share: float = 0.75) -> list[str]:
        """The first ``share`` of the storefront's customers' e-mails: the customers the ERP already knows."""
        profiles = sorted(self.xcart.store.list_profiles(offset=0, limit=None)[0], key=lambda p: p["profileId"])
        return [p["email"] for p in profiles][: int(len(profiles) * share)]


def start_storefront(*, orders: int, invalid: int, seed: int) -> Storefront:
    """X-Cart (in this process) seeded with ``orders`` clean orders over the day, plus ``invalid`` bad ones built
    from ``include.sandbox.scenarios`` (each expected in the dead-letter queue, or held), spread over the day."""
    from include.sandbox.scenarios import SCENARIOS, build_order
    from include.sandbox.xcart.seed import seed_store
    from include.sandbox.xcart.server import XCartServer
    from include.sandbox.xcart.store import XCartStore

    store = XCartStore()
    seed_store(store, seed=seed, orders=orders, products=PRODUCTS, profiles=PROFILES, days=1,
               end_ts=int(END.timestamp()))
    seeded, _ = store.list_orders(offset=0, limit=None)
    template = next(o for o in seeded if o["customerInfo"].get("profileId") and len(o["items"]) >= 2)
    bad = [s for s in SCENARIOS if s.expect in ("dlq", "held")]
    scenarios = {}
    for index in range(invalid):
        scenario = bad[index % len(bad)]
        stamp = int((END - timedelta(minutes=20 + index * (23 * 60 // max(1, invalid)))).timestamp())
        created = store.create_order(build_order(template, scenario, timestamp=stamp))
        scenarios[str(created["orderId"])] = scenario
    xcart = XCartServer(store, rw_key=RW_KEY, ro_key=RO_KEY, seed=seed, orders=orders, products=PRODUCTS,
                        profiles=PROFILES, days=1, end_ts=int(END.timestamp()), fault_seed=seed).start()
    return Storefront(xcart, scenarios)


def xcart_connection(xcart, *, page_size: int, timeout_s: float | None = None, max_attempts: int | None = None,
                     retry_base_delay_s: float | None = None) -> dict[str, Any]:
    extra: dict[str, Any] = {"read_only_api_key": RO_KEY, "page_size": page_size}
    for name, value in (("timeout", timeout_s), ("max_attempts", max_attempts),
                        ("retry_base_delay", retry_base_delay_s)):
        if value is not None:
            extra[name] = value
    return {"conn_type": "xcart", "host": xcart.base_url, "password": RW_KEY, "extra": extra}


# -- the sync store and Airflow -------------------------------------------------------------------------

def sync_store_url(backend: str, workdir: Path, cleanup: list) -> str:
    """A fresh sync store: a SQLite file in ``workdir``, or a PostgreSQL database dropped by ``cleanup``."""
    if backend == "sqlite":
        (workdir / "sync.db").unlink(missing_ok=True)
        return f"sqlite:///{workdir / 'sync.db'}"
    from include.sandbox.sage500.dialects import create_database, drop_database

    sync_db = f"storesync_chaos_sync_{uuid.uuid4().hex[:10]}"
    create_database("postgresql", **{**PG, "database": sync_db})
    cleanup.append(lambda: drop_database("postgresql", **{**PG, "database": sync_db}))
    return f"postgresql+psycopg2://postgres@127.0.0.1:5432/{sync_db}"


def private_airflow_db(migrated: Path, workdir: Path) -> Path:
    """A snapshot of a migrated Airflow metadata database for the chaos runs alone.

    ``dag.test`` deletes any run of the DAG with the same logical date, so runs sharing a metadata database
    with other test sessions or the demo could be pulled from under each other.
    """
    import sqlite3

    target = workdir / "airflow" / "airflow.db"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{migrated}?mode=ro", uri=True)
    try:
        destination = sqlite3.connect(target)
        with destination:
            source.backup(destination)  # a consistent copy even while others write to the source
        destination.close()
    finally:
        source.close()
    return target


def write_pair(pair_name: str, workdir: Path, *, orders: int, retries: dict[str, Any] | None = None) -> Path:
    """The pair file the runs read: the repository's, with tiny task retries, a daily orders flow and no alert
    channels (alerts are still raised and logged as ``ALERT [kind]``); returns the pairs directory."""
    import yaml

    pair = yaml.safe_load((ROOT / "include" / "pairs" / f"{pair_name}.yaml").read_text())
    # Tiny task retries (dag.test waits them out for real).
    pair["retries"] = retries or {"count": 3, "delay_seconds": 0.5, "exponential_backoff": 2.0, "max_delay_seconds": 2}
    pair["flows"]["orders"]["schedule"] = "@daily"
    # Load batches (one ERP transaction each) of at most the pair's 200, and at least ~25 of them, so a small
    # run still has a load to disturb and to kill in the middle of.
    pair["flows"]["orders"]["batch_size"] = max(10, min(int(pair["flows"]["orders"].get("batch_size", 200)),
                                                        orders // 25))
    pair["alerts"] = {**(pair.get("alerts") or {}), "channels": []}
    pairs_dir = workdir / "pairs"
    pairs_dir.mkdir(parents=True, exist_ok=True)
    (pairs_dir / f"{pair_name}.yaml").write_text(yaml.safe_dump(pair))
    return pairs_dir


def airflow_env(*, pairs_dir: Path, airflow_db: Path, store_url: str, connections: dict[str, dict]) -> dict[str, str]:
    """The environment of the DAG runs: this process's plus the pair, the connections and a private Airflow."""
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "plugins")]),
        "STORESYNC_PAIRS_DIR": str(pairs_dir),
        **{f"AIRFLOW_CONN_{conn_id.upper()}": json.dumps(spec) for conn_id, spec in connections.items()},
        "AIRFLOW_CONN_STORESYNC_DB": json.dumps({"conn_type": "storesync", "extra": {"url": store_url}}),
        "AIRFLOW_HOME": str(airflow_db.parent),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{airflow_db}",
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__PROVIDERS_ODBC__ALLOW_DRIVER_IN_EXTRA": "True",
        "GX_ANALYTICS_ENABLED": "false",
        "NO_PROXY": "127.0.0.1,localhost",
        "PYTHONUNBUFFERED": "1",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",  # the reports count task starts, retry and re-login lines
    }


def task_durations(airflow_db: Path, dag_id: str) -> dict[str, float]:
    """Seconds of each task's last try in the private Airflow database (start to end, as Airflow recorded)."""
    import sqlite3

    connection = sqlite3.connect(f"file:{airflow_db}?mode=ro", uri=True)
    try:
        rows = connection.execute("SELECT task_id, start_date, end_date FROM task_instance WHERE dag_id = ?",
                                  (dag_id,)).fetchall()
    finally:
        connection.close()
    seconds = {}
    for task_id, start, end in rows:
        if start and end:
            seconds[task_id] = (datetime.fromisoformat(str(end)) - datetime.fromisoformat(str(start))).total_seconds()
    return seconds


def migrate_airflow() -> Path:
    """Migrate this environment's Airflow metadata database (SQLite); returns its file."""
    result = subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"airflow db migrate failed:\n{result.stderr[-3000:]}")
    url = os.environ.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "")
    if url and not url.startswith("sqlite:///"):
        sys.exit("the chaos runs copy a SQLite Airflow metadata database; unset AIRFLOW__DATABASE__SQL_ALCHEMY_CONN")
    return Path(url[len("sqlite:///"):]) if url else Path(os.environ["AIRFLOW_HOME"]) / "airflow.db"


# -- the verdict --------------------------------------------------------------------------------------

_ALERT = re.compile(r"ALERT \[(\w+)\]")


def logs_text(logs: list[Path]) -> str:
    return "\n".join(path.read_text(errors="replace") for path in logs if path.exists())


def open_dlq(store_url: str, pair: str) -> dict[str, dict]:
    """The orders flow's open and held DLQ items by record key."""
    from storesync.store.store import SyncStore

    store = SyncStore(store_url)
    try:
        return {item["record_key"]: item for item in store.list_dlq(pair=pair, flow="orders")
                if item["state"] in ("open", "held")}
    finally:
        store.close()


def orders_verdict(storefront: Storefront, refs: Counter, dlq: dict[str, dict], logs: list[Path]) -> dict[str, Any]:
    """Every storefront order once in the ERP (``refs``: storefront id -> documents carrying it) or in the DLQ,
    the DLQ exactly the seeded invalid orders, and the alerts the runs raised."""
    storefront_ids = storefront.order_ids()
    seeded = set(storefront.invalid)
    held_expected = {key for key, s in storefront.invalid.items() if s.expect == "held"}
    return {
        "attempted": len(storefront_ids),
        "loaded": len(refs),
        "sales_orders": sum(refs.values()),
        "duplicates": sum(n - 1 for n in refs.values() if n > 1),
        "lost": sorted(storefront_ids - set(refs) - set(dlq), key=int),
        "loaded_and_in_dlq": sorted(set(refs) & set(dlq), key=int),
        "written_back": storefront.written_back(),
        "dlq_items": len(dlq),
        "dlq_matches_seeded_invalid": set(dlq) == seeded,
        "dlq_unexpected": sorted(set(dlq) - seeded),
        "dlq_missing": sorted(seeded - set(dlq)),
        "held": sorted(k for k, item in dlq.items() if item["state"] == "held"),
        "held_expected": sorted(held_expected),
        "alerts": dict(Counter(_ALERT.findall(logs_text(logs)))),
    }


def orders_problems(report: dict[str, Any]) -> list[str]:
    """What breaks "effectively once": duplicates, losses, a DLQ other than the seeded invalid orders, a run
    that was not killed mid-load or whose retry failed."""
    found = []
    if report["duplicates"]:
        found.append(f"{report['duplicates']} duplicate sales orders")
    if report["lost"]:
        found.append(f"{len(report['lost'])} orders lost: {report['lost'][:10]}")
    if report["loaded_and_in_dlq"]:
        found.append(f"loaded yet still in the DLQ: {report['loaded_and_in_dlq'][:10]}")
    if not report["dlq_matches_seeded_invalid"]:
        found.append(f"DLQ differs from the seeded invalid orders: unexpected {report['dlq_unexpected'][:10]}, "
                     f"missing {report['dlq_missing'][:10]}")
    if report["held"] != report["held_expected"]:
        found.append(f"held {report['held']} but expected {report['held_expected']}")
    if report["held_expected"] and not report["alerts"].get("held"):
        found.append("no held-order alert")
    if not report["kill"]["killed"]:
        found.append("the run was not killed in the middle of the load")
    if not report["retry_run"]["succeeded"]:
        found.append(f"the retried run did not succeed (exit {report['retry_run']['exit']})")
    return found


def print_orders_verdict(report: dict[str, Any], erp: str, say=print) -> None:
    say(f"attempted (storefront orders)   {report['attempted']}")
    say(f"loaded (in {erp})".ljust(32) + f"{report['loaded']}  (sales orders {report['sales_orders']}, "
        f"duplicates {report['duplicates']})")
    say(f"lost                            {len(report['lost'])}")
    say(f"written back                    {report['written_back']}")
    say(f"DLQ items                       {report['dlq_items']}  "
        f"(= seeded invalid: {report['dlq_matches_seeded_invalid']}; held {len(report['held'])})")


def print_kill_and_retry(report: dict[str, Any], say=print) -> None:
    kill = report["kill"]
    say(f"SIGKILL mid-load                {kill.get('killed')} at {kill.get('sales_orders_at_kill')} sales orders "
        f"({kill.get('at_s')} s into run 1)")
    say(f"retried run                     {'success' if report['retry_run']['succeeded'] else 'FAILED'} "
        f"in {report['retry_run']['seconds']} s")
    say(f"alerts                          {report['alerts']}")
    say("result                          " + ("OK" if report["ok"] else "FAILED: " + "; ".join(report["problems"])))
