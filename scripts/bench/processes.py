"""Child processes with their wall time and peak resident memory (their own ``VmHWM``, else ``ru_maxrss``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.bench.systems import ROOT, END


class ChildFailed(RuntimeError):
    pass


@dataclass
class Child:
    seconds: float
    max_rss_bytes: int
    output: dict[str, Any] | None


def run_child(args: list[str], *, env: dict[str, str], log: Path, out: Path | None = None,
              timeout_s: float = 3600) -> Child:
    """Run ``args``; its peak RSS comes from the kernel's accounting of that process alone."""
    started = time.perf_counter()
    with open(log, "ab") as handle:
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
    deadline = started + timeout_s
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            process.kill()
            _, status, usage = os.wait4(process.pid, 0)
            raise ChildFailed(f"{' '.join(args[-6:])} still running after {timeout_s:.0f}s; log: {log}")
        time.sleep(0.05)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if process.returncode:
        tail = log.read_text(errors="replace")[-3000:]
        raise ChildFailed(f"child exited {process.returncode}; log {log}:\n{tail}")
    output = json.loads(out.read_text()) if out is not None and out.exists() else None
    # The child's own high-water mark when it reports one: wait4's ru_maxrss also counts the pages of this
    # (parent) process that the child shared between fork and exec.
    peak = (output or {}).get("peak_rss_bytes") or usage.ru_maxrss * 1024
    return Child(seconds=seconds, max_rss_bytes=int(peak), output=output)


def run_tasks(env: dict[str, str], workdir: Path, flow: str, tasks: list[str], *, run_id: str,
              since: str | None = None, until: str | None = None, params: dict | None = None,
              name: str | None = None, timeout_s: float = 3600, pair: str = "xcart-sage500") -> Child:
    """Run ``tasks`` of ``flow`` in one child process (``scripts.bench.taskrun``)."""
    from datetime import timedelta

    name = name or f"{flow}-{'-'.join(tasks)}"
    out = workdir / f"{name}.json"
    out.unlink(missing_ok=True)
    args = [sys.executable, "-m", "scripts.bench.taskrun", "--pair", pair, "--flow", flow, "--tasks", ",".join(tasks),
            "--run-id", run_id, "--since", since or (END - timedelta(days=1, minutes=15)).isoformat(),
            "--until", until or END.isoformat(), "--params", json.dumps(params or {}),
            "--xcom", str(workdir / f"xcom-{flow}-{run_id}.json"), "--out", str(out)]
    return run_child(args, env=env, log=workdir / f"{name}.log", out=out, timeout_s=timeout_s)
