"""The systems a benchmark runs against: X-Cart in its own process, a Sage 500 sandbox database, a sync store,
and the environment (connections, pair config) that makes the real operators talk to them.

Everything lives under one work folder (``.local/bench/work/<item>``); the sync store and the Sage 500
sandbox are SQLite files (the embedded default), the store through SQLAlchemy, Sage 500 through the SQLite3
ODBC driver, exactly as ``make demo`` runs them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PAIR = "xcart-sage500"
RW_KEY, RO_KEY = "bench-rw-key-8d21", "bench-ro-key-4c7e"
# A fixed "now": seeded orders fall in the day before it, and runs cover that day.
END = datetime(2026, 11, 20, tzinfo=timezone.utc)


def python_path() -> str:
    return os.pathsep.join([str(ROOT), str(ROOT / "plugins")])


class XCart:
    """The X-Cart emulator (``scripts.bench.xcart_process``) in a child process; stop() ends it."""

    def __init__(self, *, orders: int = 0, products: int = 60, profiles: int = 400, days: int = 1, seed: int = 7,
                 latency_ms: int = 0, rate_limit_per_minute: int = 0, stock_like_sage500_seed: int | None = None,
                 log: Path | None = None) -> None:
        args = [sys.executable, "-m", "scripts.bench.xcart_process", "--orders", str(orders), "--products",
                str(products), "--profiles", str(profiles), "--days", str(days), "--seed", str(seed),
                "--end-ts", str(int(END.timestamp())), "--latency-ms", str(latency_ms),
                "--rate-limit-per-minute", str(rate_limit_per_minute)]
        if stock_like_sage500_seed is not None:
            args += ["--stock-like-sage500-seed", str(stock_like_sage500_seed)]
        env = {**os.environ, "XCART_RW_KEY": RW_KEY, "XCART_RO_KEY": RO_KEY, "PYTHONPATH": python_path()}
        stderr = open(log, "ab") if log else subprocess.DEVNULL
        self.process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True,
                                        start_new_session=True)
        line = self.process.stdout.readline()
        match = re.search(r"(http://[\d.]+:\d+)", line)
        if not match:
            self.stop()
            raise RuntimeError(f"X-Cart emulator did not start: {line!r}")
        self.url = match.group(1)

    def _call(self, path: str, method: str = "GET", body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read() or b"null")

    def requests_by_method(self, *, reset: bool = False) -> dict[str, int]:
        return self._call("/_sandbox/bench/requests", "POST" if reset else "GET", {} if reset else None)

    def order_conditions(self) -> list[dict[str, str]]:
        """The distinct order-list queries (paging and key left out) since ``requests_by_method(reset=True)``."""
        return self._call("/_sandbox/bench/order-conditions")

    def fault_stats(self) -> dict[str, int]:
        return self._call("/_sandbox/faults/stats")

    def set_faults(self, **faults: Any) -> dict[str, Any]:
        return self._call("/_sandbox/faults", "POST", faults)

    def api(self, method: str, path: str, body: Any = None, **query: Any) -> Any:
        from urllib.parse import urlencode

        params = urlencode({"target": "RESTAPI", "_key": RW_KEY, "_path": path, "_schema": "complex", **query})
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}/admin.php?{params}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read() or b"null")

    def connection(self, *, page_size: int, **extra: Any) -> dict[str, Any]:
        return {"conn_type": "xcart", "host": self.url, "password": RW_KEY,
                "extra": {"read_only_api_key": RO_KEY, "page_size": page_size, **extra}}

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def __enter__(self) -> XCart:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def storefront_emails(profiles: int, seed: int = 7) -> list[str]:
    """E-mails of the emulator's seeded profiles (the same generator, without a server), in id order."""
    from include.sandbox.xcart.seed import seed_store
    from include.sandbox.xcart.store import XCartStore

    store = XCartStore()
    seed_store(store, seed=seed, orders=0, products=1, profiles=profiles, days=1, end_ts=int(END.timestamp()))
    return [p["email"] for p in sorted(store.list_profiles(offset=0, limit=None)[0], key=lambda p: p["profileId"])]


def create_sage500(path: Path, *, items: int, customer_emails: list[str], seed: int = 7) -> dict[str, int]:
    """A fresh Sage 500 sandbox (SQLite file) with ``items`` items and one customer per e-mail."""
    from include.sandbox.sage500.dialects import connect
    from include.sandbox.sage500.schema import create_schema
    from include.sandbox.sage500.seed import seed_database

    path.unlink(missing_ok=True)
    connection = connect("sqlite", database=str(path))
    try:
        create_schema(connection, "sqlite")
        counts = seed_database(connection, "sqlite", seed=seed, items=items, customer_emails=customer_emails)
        connection.commit()
    finally:
        connection.close()
    return counts


@dataclass
class Workspace:
    """One benchmark's folder: sync store, Sage 500 file, pair config copy, task logs."""

    root: Path
    flow_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    pair: str = PAIR

    def __post_init__(self) -> None:
        if self.root.exists():
            shutil.rmtree(self.root)
        self.root.mkdir(parents=True)

    @property
    def store_url(self) -> str:
        return f"sqlite:///{self.root / 'sync.db'}"

    @property
    def sage500_path(self) -> Path:
        return self.root / "sage500.db"

    def write_pair(self) -> Path:
        """The pair config with no alert channels (alerts are still raised and logged) and the overrides."""
        import yaml

        pair = yaml.safe_load((ROOT / "include" / "pairs" / f"{self.pair}.yaml").read_text())
        pair["alerts"] = {**(pair.get("alerts") or {}), "channels": []}
        for flow, changes in self.flow_overrides.items():
            options = changes.pop("options", None)
            pair["flows"][flow].update(changes)
            if options:
                pair["flows"][flow].setdefault("options", {}).update(options)
        pairs = self.root / "pairs"
        pairs.mkdir(exist_ok=True)
        (pairs / f"{self.pair}.yaml").write_text(yaml.safe_dump(pair))
        return pairs

    def env(self, xcart: XCart | None, *, page_size: int = 250, **xcart_extra: Any) -> dict[str, str]:
        """The environment of a task process: connections to these systems and the pair config copy."""
        erp = {"conn_type": "sage500", "schema": str(self.sage500_path),
               "extra": {"driver": "SQLite3", "dialect": "sqlite", "company_id": "SOA", "import_procedure": "sandbox",
                         "placeholder": "?"}}
        env = {
            **os.environ,
            "PYTHONPATH": python_path(),
            "STORESYNC_PAIRS_DIR": str(self.write_pair()),
            "AIRFLOW_CONN_SAGE500_DEFAULT": json.dumps(erp),
            "AIRFLOW_CONN_STORESYNC_DB": json.dumps({"conn_type": "storesync", "extra": {"url": self.store_url}}),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__PROVIDERS_ODBC__ALLOW_DRIVER_IN_EXTRA": "True",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
            "GX_ANALYTICS_ENABLED": "false",
            "NO_PROXY": "127.0.0.1,localhost",
            "PYTHONUNBUFFERED": "1",
        }
        if xcart is not None:
            env["AIRFLOW_CONN_XCART_DEFAULT"] = json.dumps(xcart.connection(page_size=page_size, **xcart_extra))
        return env
