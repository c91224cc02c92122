"""`make chaos`: the orders flow under injected faults; prints a report and fails if anything was lost or doubled.

Two pairs, one scenario shape (``tests/chaos/`` asserts on the same reports):

- ``--pair xcart-sage500`` (the default; ``tests/chaos/test_orders_chaos.py``), described below;
- ``--pair xcart-acumatica``: the Acumatica emulator faulty instead, plus the rate-limit run
  (``scripts/chaos_acumatica.py``; ``tests/chaos/test_orders_chaos.py`` for both ERPs, ``test_acumatica_chaos.py``,
  ``test_acumatica_rate_limit.py``);
- ``--pair all``: both, one after the other.

X-Cart ↔ Sage 500:

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

    python scripts/chaos.py [--pair xcart-sage500|xcart-acumatica|all] [--orders N] [--invalid 25]
                            [--backend sqlite|postgresql] [--json FILE]

``--orders`` defaults to each scenario's own size (Sage 500: 5,000). Exit status 0 when there are no
duplicates, nothing is lost, the DLQ is exactly the seeded invalid orders, the held-order alert was raised and
the retried run succeeded (and, for Acumatica, every session was accounted for and the rate-limit run got no
429 after its first minute); 1 otherwise.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if str(Path(__file__).resolve().parents[1]) not in sys.path:  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.chaos_harness import (  # noqa: E402 - the repository root must be importable first
    PG,
    ROOT,
    Storefront,
    airflow_env,
    child_main,
    logs_text,
    migrate_airflow,
    open_dlq,
    orders_problems,
    orders_verdict,
    print_kill_and_retry,
    print_orders_verdict,
    private_airflow_db,
    run_killed_mid_load,
    run_to_completion,
    start_storefront,
    sync_store_url,
    write_pair,
    xcart_connection,
)

DAG_ID = "orders__xcart__sage500"
PAIR = "xcart-sage500"
PAIRS = ("xcart-sage500", "xcart-acumatica")


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
    client_timeout_s: float = 0.15  # ~4x a 100-order page here; each injected timeout costs this much
    timeout_hold_s: float = 0.3  # the emulator holds a "timed out" answer longer than the client waits
    burst_429: int = 3
    burst_every_s: float = 30.0
    retry_after_s: int = 1
    max_attempts: int = 10
    retry_base_delay_s: float = 0.02
    # The vendor-shaped emulator builds X-Cart's complex order for every row it serves: a 500-order page
    # takes 0.14-0.22 s here (measured), past the client's timeout; a 100-order page ~0.04 s. Since the
    # complex order carries every key convertModelOrder writes (items with product fields; 1.5x the bytes)
    # a page costs about twice that, so pages of 50 keep the margin on a busy machine.
    page_size: int = 50
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


# -- the sandbox --------------------------------------------------------------------------------------

@dataclass
class Systems:
    storefront: Storefront
    erp_params: dict
    store_url: str
    cleanup: list

    @property
    def xcart(self):
        return self.storefront.xcart


def build_systems(cfg: ChaosConfig, workdir: Path) -> Systems:
    from include.sandbox.sage500.dialects import connect, create_database, drop_database
    from include.sandbox.sage500.schema import create_schema
    from include.sandbox.sage500.seed import seed_database

    cleanup: list = []
    storefront = start_storefront(orders=cfg.orders, invalid=cfg.invalid, seed=cfg.seed)
    cleanup.append(storefront.xcart.stop)
    store_url = sync_store_url(cfg.backend, workdir, cleanup)
    if cfg.backend == "sqlite":
        erp_params = {"database": str(workdir / "sage500.db")}
        (workdir / "sage500.db").unlink(missing_ok=True)
    else:
        erp_params = {**PG, "database": f"storesync_chaos_erp_{os.urandom(5).hex()}"}
    create_database(cfg.backend, **erp_params)
    if cfg.backend == "postgresql":
        cleanup.append(lambda: drop_database("postgresql", **erp_params))
    connection = connect(cfg.backend, **erp_params)
    try:
        create_schema(connection, cfg.backend)
        seed_database(connection, cfg.backend, seed=cfg.seed, items=60, customer_emails=storefront.emails())
        connection.commit()
    finally:
        connection.close()
    return Systems(storefront, erp_params, store_url, cleanup)


def child_env(cfg: ChaosConfig, systems: Systems, workdir: Path, airflow_db: Path) -> dict[str, str]:
    """The environment of the DAG runs: Airflow settings of this process plus the chaos pair and connections."""
    # Enough task retries to outlast the Sage 500 lock.
    pairs_dir = write_pair(PAIR, workdir, orders=cfg.orders)
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
    xcart = xcart_connection(systems.xcart, page_size=cfg.page_size, timeout_s=cfg.client_timeout_s,
                             max_attempts=cfg.max_attempts, retry_base_delay_s=cfg.retry_base_delay_s)
    return airflow_env(pairs_dir=pairs_dir, airflow_db=airflow_db, store_url=systems.store_url,
                       connections={"sage500_default": erp, "xcart_default": xcart})


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
        lock: dict[str, Any] = {"taken": False}
        holders: list = []

        def lock_once_loading(count: int, elapsed: float) -> None:
            if count > 0 and not holders:
                holders.append(LockHolder(cfg.backend, systems.erp_params, cfg.lock_seconds).start())
                lock.update(taken=True, sales_orders_when_taken=count, at_s=round(elapsed, 1))
                say(f"  run 1: load under way ({count} sales orders): Sage 500 locked for {cfg.lock_seconds:g}s")

        try:
            kill = run_killed_mid_load(env, log1, DAG_ID, count=watcher.sales_orders, expected=expected_loaded,
                                       kill_at_share=cfg.kill_at_share, kill_jitter_s=cfg.kill_jitter_s,
                                       seed=cfg.seed, timeout_s=cfg.run_timeout_s, on_progress=lock_once_loading,
                                       may_kill=lambda: bool(holders) and not holders[0].held, say=say)
        finally:
            for holder in holders:
                holder.release()
                lock["held_s"] = round(holder.held_seconds or 0, 1)
        watcher.close()

        say("  run 2: the same interval again, to completion")
        retry_run = run_to_completion(env, log2, DAG_ID, timeout_s=cfg.run_timeout_s, say=say)
        stop_bursts.set()
        burst_thread.join(5)
        xcart.faults = Faults()

        report = build_report(cfg, systems, watcher, [log1, log2])
        report.update({
            "lock": lock,
            "kill": kill,
            "retry_run": retry_run,
            "seconds": round(time.monotonic() - started, 1),
            "logs": [str(log1), str(log2)],
        })
        report["problems"] = orders_problems(report)
        report["ok"] = not report["problems"]
        return report
    finally:
        for step in reversed(systems.cleanup):
            try:
                step()
            except Exception as exc:  # noqa: BLE001 - clean-up must not hide the result
                say(f"clean-up step failed: {exc}")


def build_report(cfg: ChaosConfig, systems: Systems, watcher: ErpWatcher, logs: list[Path]) -> dict[str, Any]:
    text = logs_text(logs)
    faults = systems.xcart.fault_stats()
    load_attempts = [len(re.findall(r"starting task_id=load\b", path.read_text(errors="replace")))
                     for path in logs if path.exists()]
    return {
        "backend": cfg.backend,
        **orders_verdict(systems.storefront, watcher.refs(), open_dlq(systems.store_url, PAIR), logs),
        "xcart_requests": faults["requests"],
        "faults_injected": {k: v for k, v in faults.items() if k not in ("requests", "429", "latency")},
        "http_429_served": faults["429"],
        # What the X-Cart client's RetryPolicy did (its log lines, summed over tasks and runs).
        "client_retries": text.count(": transient failure ("),
        "client_429_waits": text.count(": rate limited, waiting"),
        "sage500_lock_errors_seen": len(re.findall(r"database is locked|lock timeout", text)),
        "load_task_attempts": load_attempts,
    }


def print_report(report: dict[str, Any], say=print) -> None:
    say("")
    say(f"=== chaos: {DAG_ID} on {report['backend']} ({report['seconds']} s) ===")
    print_orders_verdict(report, "Sage 500", say=say)
    say(f"X-Cart requests                 {report['xcart_requests']}")
    say(f"faults injected                 {report['faults_injected']}")
    say(f"429s served / waited by client  {report['http_429_served']} / {report['client_429_waits']}")
    say(f"client retries (transient)      {report['client_retries']}")
    lock = report["lock"]
    say(f"Sage 500 lock                   {lock.get('held_s', 0)} s after {lock.get('sales_orders_when_taken', 0)} "
        f"sales orders; lock errors seen {report['sage500_lock_errors_seen']}; load attempts per run "
        f"{report['load_task_attempts']}")
    print_kill_and_retry(report, say=say)


# -- the command --------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child-run"]:
        return child_main(argv[1], argv[2], argv[3])
    defaults = ChaosConfig()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pair", choices=(*PAIRS, "all"), default=PAIR)
    parser.add_argument("--orders", type=int, default=None, help="clean orders (default: the scenario's own)")
    parser.add_argument("--invalid", type=int, default=None)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default=defaults.backend)
    for name in ("error_rate", "timeout_rate", "drop_rate", "client_timeout_s", "timeout_hold_s",
                 "burst_every_s", "lock_seconds", "kill_at_share", "kill_jitter_s"):
        parser.add_argument("--" + name.replace("_", "-"), dest=name, type=float, default=None)
    for name in ("burst_429", "max_attempts", "lock_wait_ms", "page_size"):
        parser.add_argument("--" + name.replace("_", "-"), dest=name, type=int, default=None)
    parser.add_argument("--no-rate-limit", action="store_true",
                        help="xcart-acumatica: skip the rate-limit run (about two minutes of real time)")
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
    say = lambda m: print(m, flush=True)  # noqa: E731
    pairs = PAIRS if args.pair == "all" else (args.pair,)
    reports: dict[str, Any] = {}
    for pair in pairs:
        if pair == PAIR:
            cfg = config_from_args(ChaosConfig, args)
            report = run_chaos(cfg, args.workdir / pair, airflow_db=airflow_db, say=say)
            print_report(report, say=say)
            reports[pair] = report
        else:
            from scripts import chaos_acumatica

            cfg = config_from_args(chaos_acumatica.AcumaticaChaosConfig, args)
            report = chaos_acumatica.run_chaos(cfg, args.workdir / pair, airflow_db=airflow_db, say=say)
            chaos_acumatica.print_report(report, say=say)
            reports[pair] = report
            if not args.no_rate_limit:
                limit_cfg = config_from_args(chaos_acumatica.RateLimitConfig, args, skip=("orders", "invalid"))
                limited = chaos_acumatica.run_rate_limit(limit_cfg, args.workdir / f"{pair}-rate-limit",
                                                         airflow_db=airflow_db, say=say)
                chaos_acumatica.print_rate_limit_report(limited, say=say)
                reports[f"{pair} rate limit"] = limited
    out = args.json or (args.workdir / "report.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(reports if len(reports) > 1 else next(iter(reports.values())), indent=2, default=str))
    print(f"report written to {out}")
    return 0 if all(report["ok"] for report in reports.values()) else 1


def config_from_args(config_class, args: argparse.Namespace, skip: tuple[str, ...] = ()):
    """The scenario's defaults, overridden by the options given on the command line (those it has)."""
    given = {f.name: getattr(args, f.name) for f in dataclasses.fields(config_class)
             if f.name not in skip and getattr(args, f.name, None) is not None}
    return config_class(**given)


if __name__ == "__main__":
    sys.exit(main())
