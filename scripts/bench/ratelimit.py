"""b. Rate-limit efficiency: the orders flow (X-Cart → Acumatica) against a requests-per-minute licence limit.

The Acumatica emulator runs in its own process with ``--requests-per-minute L --latency-ms 20``; the
pipeline's connection declares the same budget (extras ``requests_per_minute: L``, ``max_concurrency: 1``).
The orders flow of pair ``xcart-acumatica`` runs extract → validate_raw → transform → validate_target →
load (the load in a process of its own) while this process polls the emulator's counters.

- achieved: orders loaded ÷ the load task's minutes;
- ceiling: L ÷ (Acumatica requests the load made per order loaded): the most any client could load;
- 429s: every 429 the emulator answered during the run, and those after the run's first minute (from the
  first Acumatica request of the run, in transform's customer look-up).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from scripts.bench.processes import run_tasks
from scripts.bench.report import Item, rate_limit_target_met, ratio
from scripts.bench.systems import ROOT, Workspace, XCart, python_path, storefront_emails

TITLE = "Rate-limit efficiency (Acumatica)"
TARGET = "≥ 90 % of the ceiling; no 429 after the first minute"
UNIT = "% of the ceiling"
PAIR = "xcart-acumatica"
USER, PASSWORD = "admin", "bench-acumatica-password"
LATENCY_MS = 20


def missing_prerequisite() -> str | None:
    """Why the Acumatica orders flow cannot run here, or None when it can."""
    import yaml

    pair = ROOT / "include" / "pairs" / f"{PAIR}.yaml"
    if not pair.exists():
        return "no xcart-acumatica pair config"
    if "orders" not in (yaml.safe_load(pair.read_text()).get("flows") or {}):
        return "the xcart-acumatica pair has no orders flow yet"
    if not (ROOT / "include" / "sandbox" / "acumatica" / "__main__.py").exists():
        return "no Acumatica emulator"
    return None


class Acumatica:
    """The Acumatica emulator in a child process."""

    def __init__(self, *, workdir: Path, requests_per_minute: int, emails: list[str]) -> None:
        emails_file = workdir / "emails.txt"
        emails_file.write_text("\n".join(emails) + "\n")
        env = {**os.environ, "PYTHONPATH": python_path(), "ACUMATICA_USERNAME": USER,
               "ACUMATICA_PASSWORD": PASSWORD}
        args = [sys.executable, "-m", "include.sandbox.acumatica", "--port", "0", "--seed", "7", "--items", "60",
                "--emails-file", str(emails_file), "--requests-per-minute", str(requests_per_minute),
                "--latency-ms", str(LATENCY_MS)]
        self.process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                        text=True, start_new_session=True)
        line = self.process.stdout.readline()
        match = re.search(r"(http://[\d.]+:\d+)", line)
        if not match:
            self.stop()
            raise RuntimeError(f"Acumatica emulator did not start: {line!r}")
        self.url = match.group(1)

    def stats(self) -> dict[str, int]:
        import json
        import urllib.request

        with urllib.request.urlopen(f"{self.url}/_sandbox/stats", timeout=30) as response:
            return json.loads(response.read())

    def connection(self, requests_per_minute: int) -> dict[str, Any]:
        return {"conn_type": "acumatica", "host": self.url, "login": USER, "password": PASSWORD,
                "extra": {"tenant": "Company", "auth": "cookie", "requests_per_minute": requests_per_minute,
                          "max_concurrency": 1}}

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


class Sampler(threading.Thread):
    """Polls the emulator's counters twice a second: (seconds since start, counters)."""

    def __init__(self, acumatica: Acumatica) -> None:
        super().__init__(daemon=True, name="acumatica-stats")
        self.acumatica = acumatica
        self.samples: list[tuple[float, dict[str, int]]] = []
        self.done = threading.Event()
        self.started_at = time.monotonic()

    def run(self) -> None:
        while not self.done.wait(0.5):
            try:
                self.samples.append((time.monotonic() - self.started_at, self.acumatica.stats()))
            except OSError:
                pass

    def first_request_at(self, baseline: int) -> float | None:
        return next((t for t, counts in self.samples if counts["requests"] > baseline), None)

    def count_at(self, moment: float, name: str) -> int:
        before = [counts[name] for t, counts in self.samples if t <= moment]
        return before[-1] if before else 0


def run(*, orders: int, requests_per_minute: int, workdir: Path, page_size: int = 250, say=print) -> Item:
    reason = missing_prerequisite()
    if reason:
        say(f"  b. not measured: {reason}")
        return Item.not_measured("b", TITLE, UNIT, TARGET, reason)
    started_item = time.perf_counter()
    workspace = Workspace(workdir, pair=PAIR)
    emails = storefront_emails(400)[:300]
    with XCart(orders=orders, profiles=400, days=1) as xcart:
        acumatica = Acumatica(workdir=workdir, requests_per_minute=requests_per_minute, emails=emails)
        try:
            env = {**workspace.env(xcart, page_size=page_size),
                   "AIRFLOW_CONN_ACUMATICA_DEFAULT": __import__("json").dumps(acumatica.connection(requests_per_minute))}
            run_id = "bench-rate-limit"
            tasks: dict[str, dict] = {}
            # Tasks before the load share processes (the figures are the load's): fewer interpreter start-ups.
            tasks["extract"] = run_tasks(env, workdir, "orders", ["extract", "validate_raw"], run_id=run_id,
                                         name="extract", pair=PAIR).output
            baseline = acumatica.stats()
            sampler = Sampler(acumatica)
            sampler.start()
            try:
                tasks["transform"] = run_tasks(env, workdir, "orders", ["transform", "validate_target"],
                                               run_id=run_id, name="transform", pair=PAIR).output
                before_load = acumatica.stats()
                tasks["load"] = run_tasks(env, workdir, "orders", ["load"], run_id=run_id, name="load",
                                          pair=PAIR).output
                after_load = acumatica.stats()
            finally:
                sampler.done.set()
                sampler.join(5)
            final = acumatica.stats()
        finally:
            acumatica.stop()
    load = tasks["load"]["tasks"]["load"]
    loaded = int(load["result"].get("loaded", 0))
    load_requests = after_load["requests"] - before_load["requests"]
    per_order = ratio(load_requests, loaded) or 0.0
    ceiling = requests_per_minute / per_order if per_order else 0.0
    achieved = loaded / (load["seconds"] / 60) if load["seconds"] else 0.0
    share = ratio(achieved, ceiling) or 0.0
    first = sampler.first_request_at(baseline["requests"]) or 0.0
    total_429 = final["429"] - baseline["429"]
    late_429 = final["429"] - max(sampler.count_at(first + 60, "429"), baseline["429"])
    say(f"  b. {loaded} orders in {load['seconds']:.0f} s: {achieved:.0f}/min against a ceiling of {ceiling:.0f}/min "
        f"({share:.0%}); 429s {total_429} ({late_429} after the first minute)")
    return Item(
        key="b", title=TITLE, figure=share * 100, unit=UNIT, target=TARGET,
        met=rate_limit_target_met(achieved, ceiling, late_429),
        sizes={"orders": orders, "requests per minute (limit)": requests_per_minute, "latency ms": LATENCY_MS},
        details={
            "orders per minute achieved": round(achieved, 1), "ceiling, orders per minute": round(ceiling, 1),
            "Acumatica requests per order (load)": round(per_order, 2), "orders loaded": loaded,
            "load, seconds": round(load["seconds"], 1), "429 answers": total_429,
            "429 answers after the first minute": late_429,
            "requests by the transform's customer look-up": before_load["requests"] - baseline["requests"],
            "load result": {k: v for k, v in load["result"].items() if k != "by_reason"},
        },
        seconds=time.perf_counter() - started_item,
    )
