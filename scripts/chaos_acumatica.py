"""X-Cart ↔ Acumatica under chaos, and at the licence's request limit (``make chaos ARGS="--pair xcart-acumatica"``).

**Chaos** (:func:`run_chaos`; asserted by ``tests/chaos/test_orders_chaos.py`` and ``test_acumatica_chaos.py``), the
Sage 500 scenario's shape (``scripts/chaos_harness.py``) with the trouble on the ERP side:

1. X-Cart (in this process, no faults: the Sage 500 scenario covers the storefront's) seeded with ``orders``
   clean orders plus ``invalid`` bad ones; the Acumatica emulator in this process (seeded like the Sage 500
   sandbox: 60 items, three quarters of the storefront's customers by e-mail); a fresh sync store.
2. Faults on every Acumatica API request, logins and logouts included: 500/503, answers held past the
   client's timeout (then served: a write still happens although its client gave up), dropped connections,
   a burst of 429s every few seconds, every N-th authenticated request finding its session expired (401),
   and once the load is under way every session ended at once (an application-pool recycle).
3. Run 1 (``dag.test`` in a child process) is SIGKILLed mid-load. Its process cannot log out: its session
   stays open on the instance until the idle timeout, and the emulator's clock then jumps past that timeout
   (the retry comes "ten minutes later") so the emulator expires it. Run 2, the same interval, to completion.
4. Report: the shared verdict (loaded once, lost, DLQ = the seeded invalid orders, held alert), the faults
   injected against the client's retries and 429 waits, and the session ledger: every login is matched by a
   logout, a forced expiry, the recycle, or an idle expiry, and idle expiries are only the killed process's
   session and those whose login answer never reached the client (a held login: the client timed out, the
   instance opened the session anyway; the client cannot log out of a session it never heard of).

**Rate limit** (:func:`run_rate_limit`; ``tests/chaos/test_acumatica_rate_limit.py``): the emulator limited to
``requests_per_minute`` (its real clock: a sliding 60-second window) with ``latency_ms`` per request, the
connection's ``requests_per_minute`` set to the licence limit (one task at a time: ``max_concurrency`` 1), and
one run of the orders DAG over ``orders`` orders. Report: requests, requests per order (the load task's),
429s in and after the first minute (from the first request the emulator counted), orders per minute during
the load against the ceiling ``limit ÷ requests per order``, duplicates and orders loaded.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from scripts.chaos_harness import (
    Storefront,
    airflow_env,
    logs_text,
    open_dlq,
    orders_problems,
    orders_verdict,
    print_kill_and_retry,
    print_orders_verdict,
    private_airflow_db,
    run_killed_mid_load,
    run_to_completion,
    start_child,
    start_storefront,
    sync_store_url,
    task_durations,
    write_pair,
    xcart_connection,
)

PAIR = "xcart-acumatica"
DAG_ID = "orders__xcart__acumatica"
USER, PASSWORD, TENANT = "chaos-api-user", "chaos-acumatica-pass-41c7", "Company"
ITEMS = 60
# What the client logs (storesync.hooks.retry / .acumatica) and the report counts.
TRANSIENT = ": transient failure ("
RATE_LIMITED = ": rate limited, waiting"
RELOGIN = "session expired (401); logging in again"
# A login whose answer never arrived although the instance served it: the client timed out on a held answer.
LOST_LOGIN_ANSWER = re.compile(r"transient failure \(Acumatica login: \w*Timeout\)")


@dataclass
class AcumaticaChaosConfig:
    orders: int = 1000  # about two minutes here (two runs of the DAG's fixed ~30 s, plus the load)
    invalid: int = 12  # each bad scenario of include.sandbox.scenarios once
    seed: int = 7
    backend: str = "sqlite"  # the sync store's: sqlite or postgresql
    # Acumatica faults and the client that has to absorb them
    error_rate: float = 0.05
    timeout_rate: float = 0.03
    drop_rate: float = 0.01
    client_timeout_s: float = 0.3  # ~10x a PUT SalesOrder here; each injected timeout costs this much
    # A "timed out" answer is held longer than the client waits, and served about when the client's retry comes:
    # sometimes the retry creates the order first (the held write is refused), sometimes the held write lands
    # first (the retry is refused, and the loader finds the order its lost answer created).
    timeout_hold_s: float = 0.35
    burst_429: int = 3
    burst_every_s: float = 20.0
    expire_session_after: int = 150  # every N-th authenticated request finds its session expired
    recycle_at_share: float = 0.2  # in run 1, end every session once this share of the orders is loaded
    max_attempts: int = 10
    retry_base_delay_s: float = 0.02
    page_size: int = 500
    # The licence: two places for orphaned sessions (held logins) beside the run's own
    max_sessions: int = 4
    max_concurrent: int = 3
    session_idle_timeout_s: float = 600.0
    # the kill: once this share of the expected sales orders exists, plus a seeded delay of up to kill_jitter_s
    kill_at_share: float = 0.5
    kill_jitter_s: float = 0.2
    run_timeout_s: float = 600.0


class ShiftableClock:
    """Monotonic seconds plus a shift: a jump ages every session at once, as that much time passing would."""

    def __init__(self) -> None:
        self.shift = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.shift

    def jump(self, seconds: float) -> None:
        self.shift += seconds


@dataclass
class Systems:
    storefront: Storefront
    acumatica: Any  # the in-process AcumaticaServer
    clock: ShiftableClock | None
    store_url: str
    cleanup: list
    seeded_sales_orders: int = 0

    def sales_orders(self) -> int:
        """Sales orders created since the seed (only the orders flow creates any here). Read from the table's
        size, not its records: the watcher asks ten times a second, beside the emulator's own threads."""
        return self.acumatica.store.counts()["SalesOrder"] - self.seeded_sales_orders

    def web_orders(self) -> Counter:
        """Storefront order id -> the sales orders (type SO) whose ``CustomerOrder`` names it."""
        return Counter(str(order["CustomerOrder"])[3:] for order in self.acumatica.store.records("SalesOrder")
                       if order.get("OrderType") == "SO" and str(order.get("CustomerOrder") or "").startswith("XC-"))

    def sessions(self) -> dict[str, int]:
        stats = self.acumatica.stats_snapshot()
        return {name: stats[name] for name in ("logins", "logouts", "forced_expiries", "expired_sessions",
                                               "open_sessions")}


def build_systems(*, orders: int, invalid: int, seed: int, backend: str, workdir: Path, limits, clock=None) -> Systems:
    from include.sandbox.acumatica import AcumaticaServer, AcumaticaStore, seed_store

    cleanup: list = []
    storefront = start_storefront(orders=orders, invalid=invalid, seed=seed)
    cleanup.append(storefront.xcart.stop)
    emails = storefront.emails()
    store = AcumaticaStore()
    seed_store(store, seed=seed, items=ITEMS, customer_emails=emails)
    extra = {} if clock is None else {"clock": clock}
    acumatica = AcumaticaServer(store, username=USER, password=PASSWORD, tenant=TENANT, seed=seed, items=ITEMS,
                                customer_emails=emails, limits=limits, fault_seed=seed, **extra).start()
    cleanup.append(acumatica.stop)
    store_url = sync_store_url(backend, workdir, cleanup)
    return Systems(storefront, acumatica, clock, store_url, cleanup, store.counts()["SalesOrder"])


def acumatica_connection(acumatica, **extra: Any) -> dict[str, Any]:
    return {"conn_type": "acumatica", "host": acumatica.base_url, "login": USER, "password": PASSWORD,
            "extra": {"tenant": TENANT, **extra}}


def clean_up(systems: Systems, say) -> None:
    for step in reversed(systems.cleanup):
        try:
            step()
        except Exception as exc:  # noqa: BLE001 - clean-up must not hide the result
            say(f"clean-up step failed: {exc}")


# -- chaos ----------------------------------------------------------------------------------------------

def run_chaos(cfg: AcumaticaChaosConfig, workdir: Path, *, airflow_db: Path, say=print) -> dict[str, Any]:
    """Run the chaos scenario; returns the report (see ``print_report``). Raises only on set-up problems.

    ``airflow_db``: a migrated Airflow metadata database (SQLite); the runs use a private copy of it.
    """
    from include.sandbox.acumatica import Faults, Limits

    started = time.monotonic()
    workdir.mkdir(parents=True, exist_ok=True)
    clock = ShiftableClock()
    limits = Limits(max_sessions=cfg.max_sessions, max_concurrent=cfg.max_concurrent,
                    session_idle_timeout_s=cfg.session_idle_timeout_s)
    systems = build_systems(orders=cfg.orders, invalid=cfg.invalid, seed=cfg.seed, backend=cfg.backend,
                            workdir=workdir, limits=limits, clock=clock)
    try:
        acumatica = systems.acumatica
        pairs_dir = write_pair(PAIR, workdir, orders=cfg.orders)
        env = airflow_env(
            pairs_dir=pairs_dir, airflow_db=private_airflow_db(airflow_db, workdir), store_url=systems.store_url,
            connections={
                "xcart_default": xcart_connection(systems.storefront.xcart, page_size=cfg.page_size),
                "acumatica_default": acumatica_connection(
                    acumatica, page_size=cfg.page_size, timeout=cfg.client_timeout_s, max_attempts=cfg.max_attempts,
                    retry_base_delay=cfg.retry_base_delay_s, max_rate_limit_wait=60),
            })
        say(f"chaos: {cfg.orders} orders + {cfg.invalid} invalid on X-Cart {systems.storefront.xcart.base_url}; "
            f"Acumatica emulator {acumatica.base_url}; sync store on {cfg.backend}")
        acumatica.faults = Faults(error_rate=cfg.error_rate, timeout_rate=cfg.timeout_rate, drop_rate=cfg.drop_rate,
                                  timeout_hold_s=cfg.timeout_hold_s, burst_429=cfg.burst_429, burst_retry_after_s=1,
                                  expire_session_after=cfg.expire_session_after)  # the first burst at once
        stop_bursts = threading.Event()

        def bursts() -> None:
            # Re-armed on the live settings (as the injector counts a burst down): replacing them would
            # restart the count of authenticated requests towards the next forced expiry.
            while not stop_bursts.wait(cfg.burst_every_s):
                acumatica.faults.burst_429 = cfg.burst_429

        burst_thread = threading.Thread(target=bursts, name="acumatica-429-bursts", daemon=True)
        burst_thread.start()

        log1, log2 = workdir / "run1.log", workdir / "run2.log"
        recycle: dict[str, Any] = {"sessions_ended": 0}

        def recycle_once_loading(count: int, elapsed: float) -> None:
            if "at_s" not in recycle and count >= cfg.orders * cfg.recycle_at_share:
                recycle.update(sessions_ended=acumatica.expire_sessions(), sales_orders=count, at_s=round(elapsed, 1))
                say(f"  run 1: {count} sales orders: every Acumatica session ended at once "
                    f"({recycle['sessions_ended']}; an application-pool recycle)")

        kill = run_killed_mid_load(env, log1, DAG_ID, count=systems.sales_orders, expected=cfg.orders,
                                   kill_at_share=cfg.kill_at_share, kill_jitter_s=cfg.kill_jitter_s, seed=cfg.seed,
                                   timeout_s=cfg.run_timeout_s, on_progress=recycle_once_loading,
                                   may_kill=lambda: "at_s" in recycle, say=say)
        time.sleep(cfg.timeout_hold_s + 0.5)  # answers the instance still held for the killed run are served
        after_kill = systems.sessions()
        clock.jump(cfg.session_idle_timeout_s + 1)  # "ten minutes later": the idle sessions expire
        after_kill_expiry = systems.sessions()
        say(f"  run 1: {after_kill['open_sessions']} session(s) left open by the killed run; after the idle "
            f"timeout {after_kill_expiry['open_sessions']}")

        say("  run 2: the same interval again, to completion")
        retry_run = run_to_completion(env, log2, DAG_ID, timeout_s=cfg.run_timeout_s, say=say)
        stop_bursts.set()
        burst_thread.join(5)
        acumatica.faults = Faults()
        time.sleep(cfg.timeout_hold_s + 0.5)
        after_run2 = systems.sessions()
        clock.jump(cfg.session_idle_timeout_s + 1)
        final = systems.sessions()

        report = {
            "backend": cfg.backend,
            **orders_verdict(systems.storefront, systems.web_orders(), open_dlq(systems.store_url, PAIR),
                             [log1, log2]),
            **fault_figures(acumatica.stats_snapshot(), [log1, log2]),
            "sessions": session_ledger(after_kill, after_kill_expiry, after_run2, final, recycle, [log1, log2]),
            "recycle": recycle,
            "kill": kill,
            "retry_run": retry_run,
            "seconds": round(time.monotonic() - started, 1),
            "logs": [str(log1), str(log2)],
        }
        report["problems"] = orders_problems(report) + session_problems(report["sessions"])
        report["ok"] = not report["problems"]
        return report
    finally:
        clean_up(systems, say)


def fault_figures(stats: dict[str, int], logs: list[Path]) -> dict[str, Any]:
    text = logs_text(logs)
    return {
        "acumatica_requests": stats["requests"],
        "faults_injected": {name: stats[name] for name in ("error_500", "error_503", "timeouts", "drops",
                                                           "429_burst", "forced_expiries")},
        "http_429_served": stats["429"],
        # What the Acumatica client's RetryPolicy did (its log lines, summed over tasks and runs).
        "client_retries": text.count(TRANSIENT),
        "client_429_waits": text.count(RATE_LIMITED),
    }


def session_ledger(after_kill: dict, after_kill_expiry: dict, after_run2: dict, final: dict, recycle: dict,
                   logs: list[Path]) -> dict[str, Any]:
    """Where every session the runs opened went (see the module docstring, step 4)."""
    lost = [len(LOST_LOGIN_ANSWER.findall(path.read_text(errors="replace"))) if path.exists() else 0
            for path in logs]
    return {
        "logins": final["logins"],
        "logouts": final["logouts"],
        "forced_expiries": final["forced_expiries"],
        "recycled": recycle.get("sessions_ended", 0),
        "expired_idle": final["expired_sessions"],
        "login_answers_lost": lost,
        "relogins": logs_text(logs).count(RELOGIN),
        "open_after_kill": after_kill["open_sessions"],
        "killed_run_sessions": after_kill["open_sessions"] - lost[0],
        "open_after_kill_and_idle_timeout": after_kill_expiry["open_sessions"],
        "open_after_run_2": after_run2["open_sessions"],
        "open_at_end": final["open_sessions"],
    }


def session_problems(ledger: dict[str, Any]) -> list[str]:
    found = []
    closed = ledger["logouts"] + ledger["forced_expiries"] + ledger["recycled"] + ledger["expired_idle"]
    if ledger["logins"] != closed:
        found.append(f"{ledger['logins']} logins but {closed} sessions ended (logouts, forced expiries, recycle, "
                     "idle timeouts)")
    if ledger["killed_run_sessions"] not in (0, 1):
        found.append(f"the killed run left {ledger['killed_run_sessions']} sessions open, besides "
                     f"{ledger['login_answers_lost'][0]} whose login answer was lost")
    if ledger["open_after_run_2"] != ledger["login_answers_lost"][1]:
        found.append(f"{ledger['open_after_run_2']} sessions open after run 2, but only "
                     f"{ledger['login_answers_lost'][1]} login answers were lost")
    if ledger["expired_idle"] != ledger["open_after_kill"] + ledger["open_after_run_2"]:
        found.append(f"{ledger['expired_idle']} sessions expired idle, not just the ones the runs could not close")
    if ledger["open_after_kill_and_idle_timeout"] or ledger["open_at_end"]:
        found.append("sessions still open after the idle timeout")
    return found


def print_report(report: dict[str, Any], say=print) -> None:
    say("")
    say(f"=== chaos: {DAG_ID} on {report['backend']} ({report['seconds']} s) ===")
    print_orders_verdict(report, "Acumatica", say=say)
    say(f"Acumatica requests              {report['acumatica_requests']}")
    say(f"faults injected                 {report['faults_injected']}")
    say(f"429s served / waited by client  {report['http_429_served']} / {report['client_429_waits']}")
    say(f"client retries (transient)      {report['client_retries']}")
    recycle = report["recycle"]
    say(f"sessions recycled mid-load      {recycle.get('sessions_ended', 0)} at {recycle.get('sales_orders')} sales "
        f"orders ({recycle.get('at_s')} s into run 1)")
    ledger = report["sessions"]
    say(f"sessions                        logins {ledger['logins']} = logouts {ledger['logouts']} + forced "
        f"expiries {ledger['forced_expiries']} + recycled {ledger['recycled']} + idle-expired "
        f"{ledger['expired_idle']}; re-logins {ledger['relogins']}")
    say(f"sessions left open              by the killed run {ledger['killed_run_sessions']}, by lost login answers "
        f"{ledger['login_answers_lost']} (run 1, run 2); open after run 2 {ledger['open_after_run_2']}, "
        f"at the end {ledger['open_at_end']}")
    print_kill_and_retry(report, say=say)


# -- the rate-limit run --------------------------------------------------------------------------------

@dataclass
class RateLimitConfig:
    orders: int = 2000
    seed: int = 7
    backend: str = "sqlite"
    requests_per_minute: int = 1500  # the client alone sends ~2,200 a minute here: the limit binds
    latency_ms: int = 20
    page_size: int = 500
    run_timeout_s: float = 600.0


class StatsSampler(threading.Thread):
    """Reads the emulator's counters four times a second: (unix time, counters)."""

    def __init__(self, acumatica) -> None:
        super().__init__(daemon=True, name="acumatica-stats")
        self.acumatica = acumatica
        self.samples: list[tuple[float, dict[str, int]]] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.25):
            self.samples.append((time.time(), self.acumatica.stats_snapshot()))

    def at(self, moment: float, name: str) -> int:
        """The counter as it stood at ``moment`` (the last reading before it)."""
        before = [counts[name] for at, counts in self.samples if at <= moment]
        return before[-1] if before else 0


def run_rate_limit(cfg: RateLimitConfig, workdir: Path, *, airflow_db: Path, say=print) -> dict[str, Any]:
    """One run of the orders DAG against the emulator limited to ``cfg.requests_per_minute`` (real time)."""
    from include.sandbox.acumatica import Limits

    started = time.monotonic()
    workdir.mkdir(parents=True, exist_ok=True)
    limits = Limits(requests_per_minute=cfg.requests_per_minute, latency_ms=cfg.latency_ms)
    systems = build_systems(orders=cfg.orders, invalid=0, seed=cfg.seed, backend=cfg.backend, workdir=workdir,
                            limits=limits)
    try:
        acumatica = systems.acumatica
        private_db = private_airflow_db(airflow_db, workdir)
        env = airflow_env(
            pairs_dir=write_pair(PAIR, workdir, orders=cfg.orders), airflow_db=private_db,
            store_url=systems.store_url,
            connections={
                "xcart_default": xcart_connection(systems.storefront.xcart, page_size=cfg.page_size),
                # The licence's limit is the connection's budget; dag.test runs one task at a time.
                "acumatica_default": acumatica_connection(acumatica, page_size=cfg.page_size,
                                                          requests_per_minute=cfg.requests_per_minute,
                                                          max_concurrency=1),
            })
        say(f"rate limit: {cfg.orders} orders into Acumatica limited to {cfg.requests_per_minute} requests a minute, "
            f"{cfg.latency_ms} ms a request")
        acumatica.stats.reset()
        sampler = StatsSampler(acumatica)
        sampler.start()
        log = workdir / "run.log"
        log.unlink(missing_ok=True)
        child = start_child(env, log, DAG_ID)
        try:
            child.wait(timeout=cfg.run_timeout_s)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
            sampler.done.set()
            sampler.join(5)
        return rate_limit_report(cfg, systems, sampler, private_db, log, child.returncode,
                                 round(time.monotonic() - started, 1))
    finally:
        clean_up(systems, say)


def rate_limit_report(cfg: RateLimitConfig, systems: Systems, sampler: StatsSampler, airflow_db: Path, log: Path,
                      exit_code: int, seconds: float) -> dict[str, Any]:
    stats = systems.acumatica.stats_snapshot()
    refs = systems.web_orders()
    loaded = len(refs)
    load_start, load_end = task_window(airflow_db, "load")
    load_requests = sampler.at(load_end, "requests") - sampler.at(load_start, "requests") if load_end else 0
    load_minutes = (load_end - load_start) / 60 if load_end else 0.0
    per_order = load_requests / loaded if loaded else 0.0
    ceiling = cfg.requests_per_minute / per_order if per_order else 0.0
    achieved = loaded / load_minutes if load_minutes else 0.0
    times_429 = systems.acumatica.stats.seconds_of_429s()
    report = {
        "orders": cfg.orders,
        "requests_per_minute_limit": cfg.requests_per_minute,
        "latency_ms": cfg.latency_ms,
        "run_exit": exit_code,
        "loaded": loaded,
        "duplicates": sum(n - 1 for n in refs.values() if n > 1),
        "requests": stats["requests"],
        "load_requests": load_requests,
        "requests_per_order": round(per_order, 3),
        "http_429": stats["429"],
        "http_429_first_minute": sum(1 for at in times_429 if at < 60),
        "http_429_after_first_minute": stats["429s_after_first_minute"],
        "seconds_of_429s": times_429[:20],
        "acumatica_traffic_seconds": round(first_and_last(sampler, stats["requests"]), 1),
        "load_seconds": round(load_minutes * 60, 1),
        "load_requests_per_minute": round(load_requests / load_minutes, 1) if load_minutes else 0.0,
        "orders_per_minute": round(achieved, 1),
        "ceiling_orders_per_minute": round(ceiling, 1),
        "share_of_ceiling": round(achieved / ceiling, 3) if ceiling else 0.0,
        "task_seconds": {k: round(v, 1) for k, v in task_durations(airflow_db, DAG_ID).items()},
        "client_429_waits": logs_text([log]).count(RATE_LIMITED),
        "seconds": seconds,
        "log": str(log),
    }
    report["problems"] = rate_limit_problems(report)
    report["ok"] = not report["problems"]
    return report


def first_and_last(sampler: StatsSampler, total: int) -> float:
    """Seconds from the first reading with a request counted to the first reading with all of them."""
    first = next((at for at, counts in sampler.samples if counts["requests"]), None)
    last = next((at for at, counts in sampler.samples if counts["requests"] >= total), None)
    return (last - first) if first is not None and last is not None else 0.0


def task_window(airflow_db: Path, task_id: str) -> tuple[float, float | None]:
    """Unix start and end of a task of the run, as Airflow recorded them (end None when it did not finish)."""
    import sqlite3

    connection = sqlite3.connect(f"file:{airflow_db}?mode=ro", uri=True)
    try:
        row = connection.execute("SELECT start_date, end_date FROM task_instance WHERE dag_id = ? AND task_id = ?",
                                 (DAG_ID, task_id)).fetchone()
    finally:
        connection.close()
    if not row or not row[0] or not row[1]:
        return 0.0, None
    return _unix(row[0]), _unix(row[1])


def _unix(text: str) -> float:
    moment = datetime.fromisoformat(str(text))
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()


def rate_limit_problems(report: dict[str, Any]) -> list[str]:
    found = []
    if report["run_exit"] != 0:
        found.append(f"the run did not succeed (exit {report['run_exit']})")
    if report["loaded"] != report["orders"]:
        found.append(f"{report['loaded']} of {report['orders']} orders loaded")
    if report["duplicates"]:
        found.append(f"{report['duplicates']} duplicate sales orders")
    if report["http_429_after_first_minute"]:
        found.append(f"{report['http_429_after_first_minute']} requests refused (429) after the first minute, at "
                     f"{[s for s in report['seconds_of_429s'] if s >= 60][:10]} s")
    return found


def print_rate_limit_report(report: dict[str, Any], say=print) -> None:
    say("")
    say(f"=== rate limit: {DAG_ID}, {report['requests_per_minute_limit']} requests/min, "
        f"{report['latency_ms']} ms latency ({report['seconds']} s) ===")
    say(f"orders loaded                   {report['loaded']} of {report['orders']} (duplicates {report['duplicates']})")
    say(f"Acumatica requests              {report['requests']} in {report['acumatica_traffic_seconds']} s of traffic; "
        f"the load's {report['load_requests']} = {report['requests_per_order']} per order")
    say(f"429s                            {report['http_429']} ({report['http_429_first_minute']} in the first minute, "
        f"{report['http_429_after_first_minute']} after it); client waits {report['client_429_waits']}")
    say(f"load                            {report['load_seconds']} s at {report['load_requests_per_minute']} "
        f"requests/min")
    say(f"orders per minute               {report['orders_per_minute']} vs ceiling "
        f"{report['ceiling_orders_per_minute']} (limit ÷ requests per order): {report['share_of_ceiling']:.0%}")
    say(f"task seconds                    {report['task_seconds']}")
    say("result                          " + ("OK" if report["ok"] else "FAILED: " + "; ".join(report["problems"])))
