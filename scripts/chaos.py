"""`make chaos`: the orders flow under injected faults; prints a report and fails if anything was lost or doubled.

Scenario (the same one ``tests/chaos/test_orders_chaos.py`` asserts on):

1. X-Cart sandbox (in this process) seeded with ``--orders`` clean orders over one day plus ``--invalid`` bad
   ones built from ``include.sandbox.scenarios`` (each expected in the dead-letter queue, or held); a fresh
   Sage 500 sandbox database and sync store (SQLite files, or PostgreSQL databases with ``--backend
   postgresql``).
2. Faults: X-Cart answers 10 % of API requests 500/503, holds 5 % past the client's timeout, drops a few
   connections and serves bursts of 429 with Retry-After; the client absorbs them (connection extras
   ``timeout``, ``max_attempts``). Once the load has created its first sales orders, a second connection
   holds a write lock on Sage 500 for a few seconds (real contention: the pipeline's statements time out,
   are classified transient and the load task retries).
3. The DAG runs with Airflow (``dag.test``) in a child process. When some, not all, sales orders exist,
   the child's process group gets SIGKILL in the middle of the load. The same interval then runs again
   (same run id: what clearing the run in the UI does) to completion.
4. Report: attempted, loaded, duplicates, lost (neither in Sage 500 nor in the DLQ), faults injected by kind
   and the client's retries and 429 waits, DLQ items against the seeded invalid orders, alerts raised
   (counted from the ``ALERT [kind]`` log lines, so no alert sink is needed).

    python scripts/chaos.py [--orders 5000] [--invalid 25] [--backend sqlite|postgresql] [--json FILE]

Exit status 0 when there are no duplicates, nothing is lost, the DLQ is exactly the seeded invalid orders,
the held-order alert was raised and the retried run succeeded; 1 otherwise.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for _path in (str(ROOT / "plugins"), str(ROOT)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

DAG_ID = "orders__xcart__sage500"
PAIR = "xcart-sage500"
# A fixed "now": the seeded day ends here and the run's interval is that day (the pair runs @daily here).
END = datetime(2026, 11, 20, tzinfo=timezone.utc)
RW_KEY, RO_KEY = "chaos-rw-key-5e1d", "chaos-ro-key-93b0"
PG = {"server": "127.0.0.1", "port": 5432, "user": "postgres"}


@dataclass
class ChaosConfig:
    orders: int = 5000
    invalid: int = 25
    seed: int = 7
    backend: str = "sqlite"  # or "postgresql"
    # X-Cart faults and the client that has to absorb them
    error_rate: float = 0.10
    timeout_rate: float = 0.05
    drop_rate: float = 0.01
    client_timeout_s: float = 0.15  # ~7x a 500-order page here; each injected timeout costs this much
    timeout_hold_s: float = 0.3  # the emulator holds a "timed out" answer longer than the client waits
    burst_429: int = 3
    burst_every_s: float = 30.0
    retry_after_s: int = 1
    max_attempts: int = 10
    retry_base_delay_s: float = 0.02
    page_size: int = 500
    # Sage 500 lock and the pipeline's bounded wait for it
    lock_seconds: float = 4.0
    # SQLite3 driver: waits up to Timeout at connect and again per statement, so a fresh connection gives up
    # after ~2x; PostgreSQL: lock_timeout per statement. Either way the first attempt fails inside the lock.
    lock_wait_ms: int = 1000
    # the kill: once this share of the expected sales orders exists in Sage 500, plus a seeded delay of up
    # to kill_jitter_s, so the kill may land inside the next batch's ERP transaction too
    kill_at_share: float = 0.4
    kill_jitter_s: float = 0.2
    run_timeout_s: float = 600.0


# -- the child: one dag.test() run -------------------------------------------------------------------

def child_main(logical_date: str, run_after: str) -> int:
    """Run the orders DAG once for an interval (in this process, as dag.test does) and say how it ended."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags" / "orders.py"))
    if bag.import_errors:
        print(f"CHAOS import errors: {bag.import_errors}", flush=True)
        return 3
    dag = bag.dags[DAG_ID]
    run = dag.test(logical_date=datetime.fromisoformat(logical_date), run_after=datetime.fromisoformat(run_after))
    print(f"CHAOS run {run.run_id} ended {run.state}", flush=True)
    return 0 if str(run.state) == "success" else 1


# -- the sandbox --------------------------------------------------------------------------------------

@dataclass
class Systems:
    xcart: Any
    invalid: dict[str, Any]  # order id → Scenario
    erp_params: dict
    store_url: str
    cleanup: list


def build_systems(cfg: ChaosConfig, workdir: Path) -> Systems:
    from include.sandbox.sage500.dialects import connect, create_database, drop_database
    from include.sandbox.sage500.schema import create_schema
    from include.sandbox.sage500.seed import seed_database
    from include.sandbox.scenarios import SCENARIOS, build_order
    from include.sandbox.xcart.seed import seed_store
    from include.sandbox.xcart.server import XCartServer
    from include.sandbox.xcart.store import XCartStore

    cleanup: list = []
    store = XCartStore()
    seed_store(store, seed=cfg.seed, orders=cfg.orders, products=60, profiles=400, days=1, end_ts=int(END.timestamp()))
    orders, _ = store.list_orders(offset=0, limit=None)
    template = next(o for o in orders if o["customerInfo"].get("profileId") and len(o["items"]) >= 2)
    bad = [s for s in SCENARIOS if s.expect in ("dlq", "held")]
    invalid = {}
    for index in range(cfg.invalid):
        scenario = bad[index % len(bad)]
        stamp = int((END - timedelta(minutes=20 + index * (23 * 60 // max(1, cfg.invalid)))).timestamp())
        created = store.create_order(build_order(template, scenario, timestamp=stamp))
        invalid[str(created["orderId"])] = scenario
    xcart = XCartServer(store, rw_key=RW_KEY, ro_key=RO_KEY, seed=cfg.seed, orders=cfg.orders, products=60,
                        profiles=400, days=1, end_ts=int(END.timestamp()), fault_seed=cfg.seed).start()
    cleanup.append(xcart.stop)

    unique = uuid.uuid4().hex[:10]
    if cfg.backend == "sqlite":
        erp_params = {"database": str(workdir / "sage500.db")}
        store_url = f"sqlite:///{workdir / 'sync.db'}"
        for path in (workdir / "sage500.db", workdir / "sync.db"):
            path.unlink(missing_ok=True)
    else:
        erp_params = {**PG, "database": f"storesync_chaos_erp_{unique}"}
        sync_db = f"storesync_chaos_sync_{unique}"
        create_database("postgresql", **{**PG, "database": sync_db})
        cleanup.append(lambda: drop_database("postgresql", **{**PG, "database": sync_db}))
        store_url = f"postgresql+psycopg2://postgres@127.0.0.1:5432/{sync_db}"
    create_database(cfg.backend, **erp_params)
    if cfg.backend == "postgresql":
        cleanup.append(lambda: drop_database("postgresql", **erp_params))
    profiles = sorted(store.list_profiles(offset=0, limit=None)[0], key=lambda p: p["profileId"])
    emails = [p["email"] for p in profiles][: int(len(profiles) * 0.75)]
    connection = connect(cfg.backend, **erp_params)
    try:
        create_schema(connection, cfg.backend)
        seed_database(connection, cfg.backend, seed=cfg.seed, items=60, customer_emails=emails)
        connection.commit()
    finally:
        connection.close()
    return Systems(xcart, invalid, erp_params, store_url, cleanup)


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


def child_env(cfg: ChaosConfig, systems: Systems, workdir: Path, airflow_db: Path) -> dict[str, str]:
    """The environment of the DAG runs: Airflow settings of this process plus the chaos pair and connections."""
    import yaml

    pair = yaml.safe_load((ROOT / "include" / "pairs" / f"{PAIR}.yaml").read_text())
    # Tiny task retries (dag.test waits them out for real); enough of them to outlast the Sage 500 lock.
    pair["retries"] = {"count": 3, "delay_seconds": 0.5, "exponential_backoff": 2.0, "max_delay_seconds": 2}
    pair["flows"]["orders"]["schedule"] = "@daily"
    # Load batches (one ERP transaction each) of at most the pair's 200, and at least ~25 of them, so a small
    # run still has a load to lock and to kill in the middle of.
    pair["flows"]["orders"]["batch_size"] = max(10, min(int(pair["flows"]["orders"].get("batch_size", 200)),
                                                        cfg.orders // 25))
    # Alerts are still raised and logged ("ALERT [kind]"); the chaos sandbox has no channels to send them to.
    pair["alerts"] = {**(pair.get("alerts") or {}), "channels": []}
    pairs_dir = workdir / "pairs"
    pairs_dir.mkdir(parents=True, exist_ok=True)
    (pairs_dir / f"{PAIR}.yaml").write_text(yaml.safe_dump(pair))

    erp_extra = {"dialect": cfg.backend, "company_id": "SOA", "import_procedure": "sandbox", "placeholder": "?"}
    if cfg.backend == "sqlite":
        # The SQLite3 ODBC driver waits Timeout ms for a lock, then says "database is locked".
        erp = {"conn_type": "sage500", "schema": systems.erp_params["database"],
               "extra": {"driver": "SQLite3", "Timeout": cfg.lock_wait_ms, **erp_extra}}
    else:
        # psqlODBC runs ConnSettings at connect: statements give up on a lock after lock_timeout (55P03).
        erp = {"conn_type": "sage500", "host": PG["server"], "port": PG["port"], "login": PG["user"],
               "schema": systems.erp_params["database"],
               "extra": {"driver": "PostgreSQL Unicode", "ConnSettings": f"SET lock_timeout TO {cfg.lock_wait_ms}",
                         **erp_extra}}
    xcart = {"conn_type": "xcart", "host": systems.xcart.base_url, "password": RW_KEY,
             "extra": {"read_only_api_key": RO_KEY, "page_size": cfg.page_size, "timeout": cfg.client_timeout_s,
                       "max_attempts": cfg.max_attempts, "retry_base_delay": cfg.retry_base_delay_s}}
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "plugins")]),
        "STORESYNC_PAIRS_DIR": str(pairs_dir),
        "AIRFLOW_CONN_SAGE500_DEFAULT": json.dumps(erp),
        "AIRFLOW_CONN_XCART_DEFAULT": json.dumps(xcart),
        "AIRFLOW_CONN_STORESYNC_DB": json.dumps({"conn_type": "storesync", "extra": {"url": systems.store_url}}),
        "AIRFLOW_HOME": str(airflow_db.parent),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{airflow_db}",
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__PROVIDERS_ODBC__ALLOW_DRIVER_IN_EXTRA": "True",
        "GX_ANALYTICS_ENABLED": "false",
        "NO_PROXY": "127.0.0.1,localhost",
        "PYTHONUNBUFFERED": "1",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",  # the report counts task starts and retry lines
    }


# -- watching Sage 500 from outside ------------------------------------------------------------------

class ErpWatcher:
    """Counts sales orders in Sage 500 through its own short-waiting connection (never blocks on the lock)."""

    def __init__(self, backend: str, params: dict) -> None:
        self.backend, self.params = backend, params
        self._connection = None

    def _connect(self):
        from include.sandbox.sage500.dialects import connect

        options = {"timeout": 100} if self.backend == "sqlite" else {"options": {"ConnSettings": "SET lock_timeout TO 100"}}
        return connect(self.backend, autocommit=True, **self.params, **options)

    def sales_orders(self) -> int | None:
        try:
            if self._connection is None:
                self._connection = self._connect()
            return int(self._connection.cursor().execute("SELECT COUNT(*) FROM tsoSalesOrder").fetchone()[0])
        except Exception:  # noqa: BLE001 - locked or mid-recovery: no reading this time
            self.close()
            return None

    def refs(self) -> Counter:
        connection = self._connect()
        try:
            rows = connection.cursor().execute("SELECT UserFld1 FROM tsoSalesOrder WHERE UserFld1 LIKE 'XC-%'").fetchall()
        finally:
            connection.close()
        return Counter(str(row[0]).strip()[3:] for row in rows)

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:  # noqa: BLE001
                pass
            self._connection = None


# -- the scenario -------------------------------------------------------------------------------------

def start_child(env: dict[str, str], log_path: Path) -> subprocess.Popen:
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--child-run", END.isoformat(), END.isoformat()],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )


def kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def run_chaos(cfg: ChaosConfig, workdir: Path, *, airflow_db: Path, say=print) -> dict[str, Any]:
    """Run the scenario; returns the report (see ``print_report``). Raises only on set-up problems.

    ``airflow_db``: a migrated Airflow metadata database (SQLite); the runs use a private copy of it.
    """
    from include.sandbox.sage500.faults import LockHolder
    from include.sandbox.xcart.server import Faults

    started = time.monotonic()
    workdir.mkdir(parents=True, exist_ok=True)
    systems = build_systems(cfg, workdir)
    try:
        env = child_env(cfg, systems, workdir, private_airflow_db(airflow_db, workdir))
        expected_loaded = cfg.orders  # every clean seeded order becomes one sales order
        watcher = ErpWatcher(cfg.backend, systems.erp_params)
        xcart = systems.xcart
        say(f"chaos: {cfg.orders} orders + {cfg.invalid} invalid on X-Cart {xcart.base_url}; Sage 500 on {cfg.backend}")
        xcart.faults = Faults(error_rate=cfg.error_rate, timeout_rate=cfg.timeout_rate, drop_rate=cfg.drop_rate,
                              timeout_hold_s=cfg.timeout_hold_s, retry_after_s=cfg.retry_after_s,
                              burst_429=cfg.burst_429)  # the first burst at once, then one every burst_every_s
        stop_bursts = threading.Event()

        def bursts() -> None:
            while not stop_bursts.wait(cfg.burst_every_s):
                xcart.faults = dataclasses.replace(xcart.faults, burst_429=cfg.burst_429)

        burst_thread = threading.Thread(target=bursts, name="xcart-429-bursts", daemon=True)
        burst_thread.start()

        # Run 1: lock Sage 500 once the load is under way, SIGKILL the run once part of it is loaded.
        log1, log2 = workdir / "run1.log", workdir / "run2.log"
        for path in (log1, log2):
            path.unlink(missing_ok=True)
        kill = {"killed": False}
        lock: dict[str, Any] = {"taken": False}
        holder = None
        child = start_child(env, log1)
        run1_started = time.monotonic()
        try:
            while child.poll() is None:
                if time.monotonic() - run1_started > cfg.run_timeout_s:
                    raise TimeoutError(f"run 1 did not reach the kill point within {cfg.run_timeout_s:.0f}s")
                count = watcher.sales_orders()
                if count is not None and count > 0 and holder is None:
                    holder = LockHolder(cfg.backend, systems.erp_params, cfg.lock_seconds).start()
                    lock = {"taken": True, "sales_orders_when_taken": count,
                            "at_s": round(time.monotonic() - run1_started, 1)}
                    say(f"  run 1: load under way ({count} sales orders): Sage 500 locked for {cfg.lock_seconds:g}s")
                if (count is not None and holder is not None and not holder.held
                        and expected_loaded * cfg.kill_at_share <= count < expected_loaded):  # some, not all
                    time.sleep(random.Random(cfg.seed).uniform(0, cfg.kill_jitter_s))
                    kill_group(child)
                    at_s = round(time.monotonic() - run1_started, 1)
                    after = None
                    while after is None:  # what the killed run had committed
                        after = watcher.sales_orders()
                    kill = {"killed": True, "sales_orders_at_kill": after, "at_s": at_s}
                    say(f"  run 1: SIGKILL to the run's process group with {after} of {expected_loaded} sales orders created")
                    break
                time.sleep(0.1)
        finally:
            if child.poll() is None:
                kill_group(child)
            if holder is not None:
                holder.release()
                lock["held_s"] = round(holder.held_seconds or 0, 1)
        run1_exit = child.returncode
        watcher.close()

        # Run 2: the retry of the same interval (same run id), to completion.
        say("  run 2: the same interval again, to completion")
        run2_started = time.monotonic()
        child = start_child(env, log2)
        try:
            child.wait(timeout=cfg.run_timeout_s)
        except subprocess.TimeoutExpired:
            say(f"  run 2: still running after {cfg.run_timeout_s:.0f}s: stopped")
        finally:
            if child.poll() is None:
                kill_group(child)
        run2_exit = child.returncode
        stop_bursts.set()
        burst_thread.join(5)
        xcart.faults = Faults()
        run2_s = round(time.monotonic() - run2_started, 1)

        report = build_report(cfg, systems, watcher, [log1, log2])
        report.update({
            "lock": lock,
            "kill": {**kill, "run_1_exit": run1_exit},
            "retry_run": {"exit": run2_exit, "succeeded": run2_exit == 0, "seconds": run2_s},
            "seconds": round(time.monotonic() - started, 1),
            "logs": [str(log1), str(log2)],
        })
        report["ok"] = not problems(report)
        report["problems"] = problems(report)
        return report
    finally:
        for step in reversed(systems.cleanup):
            try:
                step()
            except Exception as exc:  # noqa: BLE001 - clean-up must not hide the result
                say(f"clean-up step failed: {exc}")


_ALERT = re.compile(r"ALERT \[(\w+)\]")


def build_report(cfg: ChaosConfig, systems: Systems, watcher: ErpWatcher, logs: list[Path]) -> dict[str, Any]:
    from storesync.store.store import SyncStore

    orders, _ = systems.xcart.store.list_orders(offset=0, limit=None)
    storefront = {str(o["orderId"]) for o in orders}
    refs = watcher.refs()
    store = SyncStore(systems.store_url)
    try:
        dlq = {item["record_key"]: item for item in store.list_dlq(pair=PAIR, flow="orders")
               if item["state"] in ("open", "held")}
    finally:
        store.close()
    text = "\n".join(path.read_text(errors="replace") for path in logs if path.exists())
    alerts = Counter(_ALERT.findall(text))
    faults = systems.xcart.fault_stats()
    seeded = set(systems.invalid)
    held_expected = {key for key, s in systems.invalid.items() if s.expect == "held"}
    written_back = sum(1 for o in orders if "[ERP SO " in str(o.get("adminNotes") or ""))
    load_attempts = [len(re.findall(r"starting task_id=load\b", path.read_text(errors="replace")))
                     for path in logs if path.exists()]
    return {
        "backend": cfg.backend,
        "attempted": len(storefront),
        "loaded": len(refs),
        "sales_orders": sum(refs.values()),
        "duplicates": sum(n - 1 for n in refs.values() if n > 1),
        "lost": sorted(storefront - set(refs) - set(dlq), key=int),
        "loaded_and_in_dlq": sorted(set(refs) & set(dlq), key=int),
        "written_back": written_back,
        "dlq_items": len(dlq),
        "dlq_matches_seeded_invalid": set(dlq) == seeded,
        "dlq_unexpected": sorted(set(dlq) - seeded),
        "dlq_missing": sorted(seeded - set(dlq)),
        "held": sorted(k for k, item in dlq.items() if item["state"] == "held"),
        "held_expected": sorted(held_expected),
        "xcart_requests": faults["requests"],
        "faults_injected": {k: v for k, v in faults.items() if k not in ("requests", "429", "latency")},
        "http_429_served": faults["429"],
        # What the X-Cart client's RetryPolicy did (its log lines, summed over tasks and runs).
        "client_retries": text.count(": transient failure ("),
        "client_429_waits": text.count(": rate limited, waiting"),
        "sage500_lock_errors_seen": len(re.findall(r"database is locked|lock timeout", text)),
        "load_task_attempts": load_attempts,
        "alerts": dict(alerts),
    }


def problems(report: dict[str, Any]) -> list[str]:
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


def print_report(report: dict[str, Any], say=print) -> None:
    say("")
    say(f"=== chaos: orders__xcart__sage500 on {report['backend']} ({report['seconds']} s) ===")
    say(f"attempted (storefront orders)   {report['attempted']}")
    say(f"loaded (in Sage 500)            {report['loaded']}  (sales orders {report['sales_orders']}, "
        f"duplicates {report['duplicates']})")
    say(f"lost                            {len(report['lost'])}")
    say(f"written back                    {report['written_back']}")
    say(f"DLQ items                       {report['dlq_items']}  (= seeded invalid: {report['dlq_matches_seeded_invalid']}; "
        f"held {len(report['held'])})")
    say(f"X-Cart requests                 {report['xcart_requests']}")
    say(f"faults injected                 {report['faults_injected']}")
    say(f"429s served / waited by client  {report['http_429_served']} / {report['client_429_waits']}")
    say(f"client retries (transient)      {report['client_retries']}")
    lock = report["lock"]
    say(f"Sage 500 lock                   {lock.get('held_s', 0)} s after {lock.get('sales_orders_when_taken', 0)} "
        f"sales orders; lock errors seen {report['sage500_lock_errors_seen']}; load attempts per run "
        f"{report['load_task_attempts']}")
    kill = report["kill"]
    say(f"SIGKILL mid-load                {kill.get('killed')} at {kill.get('sales_orders_at_kill')} sales orders "
        f"({kill.get('at_s')} s into run 1)")
    say(f"retried run                     {'success' if report['retry_run']['succeeded'] else 'FAILED'} "
        f"in {report['retry_run']['seconds']} s")
    say(f"alerts                          {report['alerts']}")
    say("result                          " + ("OK" if report["ok"] else "FAILED: " + "; ".join(report["problems"])))


def migrate_airflow() -> Path:
    """Migrate this environment's Airflow metadata database (SQLite); returns its file."""
    result = subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"airflow db migrate failed:\n{result.stderr[-3000:]}")
    url = os.environ.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "")
    if url and not url.startswith("sqlite:///"):
        sys.exit("the chaos runs copy a SQLite Airflow metadata database; unset AIRFLOW__DATABASE__SQL_ALCHEMY_CONN")
    return Path(url[len("sqlite:///"):]) if url else Path(os.environ["AIRFLOW_HOME"]) / "airflow.db"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child-run"]:
        return child_main(argv[1], argv[2])
    defaults = ChaosConfig()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=defaults.orders)
    parser.add_argument("--invalid", type=int, default=defaults.invalid)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default=defaults.backend)
    for name in ("error_rate", "timeout_rate", "drop_rate", "client_timeout_s", "timeout_hold_s",
                 "burst_every_s", "lock_seconds", "kill_at_share", "kill_jitter_s"):
        parser.add_argument("--" + name.replace("_", "-"), dest=name, type=float, default=getattr(defaults, name))
    for name in ("burst_429", "max_attempts", "lock_wait_ms", "page_size"):
        parser.add_argument("--" + name.replace("_", "-"), dest=name, type=int, default=getattr(defaults, name))
    parser.add_argument("--workdir", type=Path, default=ROOT / ".local" / "chaos")
    parser.add_argument("--json", type=Path, default=None, help="also write the report as JSON here")
    args = parser.parse_args(argv)

    local = ROOT / ".local"
    os.environ.setdefault("AIRFLOW_HOME", str(local / "airflow"))
    os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(ROOT / "dags"))
    os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")
    Path(os.environ["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    airflow_db = migrate_airflow()
    cfg = ChaosConfig(**{f.name: getattr(args, f.name) for f in dataclasses.fields(ChaosConfig) if hasattr(args, f.name)})
    report = run_chaos(cfg, args.workdir, airflow_db=airflow_db, say=lambda m: print(m, flush=True))
    print_report(report, say=lambda m: print(m, flush=True))
    out = args.json or (args.workdir / "report.json")
    out.write_text(json.dumps(report, indent=2, default=str))
    print(f"report written to {out}")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
