"""Run tasks of a flow's DAG the way a worker does: the real operator's ``run()`` with a real ``RunScope``.

    python -m scripts.bench.taskrun --flow orders --tasks extract,validate_raw --run-id R --since ISO --until ISO
        --xcom FILE --out FILE

One process per call; the benchmarks start one per task to measure each task's peak memory on its own, or
one for a whole run when only time matters. Each task's return value is kept in the ``--xcom`` JSON file
(what XCom would carry: counts), so ``report`` can read ``load`` and ``write_back`` as in a DAG run.
``--out`` gets, per task, the seconds ``run()`` took (imports and interpreter start-up excluded; they are
reported apart as ``startup_s``) and its return value.

With ``STORESYNC_BENCH_PROFILE=<folder>`` in the environment each task's ``run()`` is profiled with cProfile
and its stats written to ``<folder>/<run id>-<task id>.prof`` (read them with ``python -m pstats``); the
figures of such a run are not comparable with unprofiled ones.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

_started = time.perf_counter()

# task id -> (operator class path, extra constructor arguments)
TASKS = {
    "extract": ("storesync.operators.extract:ExtractOperator", {}),
    "validate_raw": ("storesync.operators.quality:QualityGateOperator", {"stage": "raw"}),
    "transform": ("storesync.operators.transform:TransformOperator", {}),
    "validate_target": ("storesync.operators.quality:QualityGateOperator", {"stage": "target"}),
    "load": ("storesync.operators.load:LoadOperator", {}),
    "write_back": ("storesync.operators.writeback:WriteBackOperator", {}),
    "report": ("storesync.operators.report:ReportOperator", {}),
}


class XComFile:
    """The ``ti`` of the context: ``xcom_pull`` reads what earlier task processes returned."""

    def __init__(self, path: str) -> None:
        self.path = path
        try:
            with open(path) as handle:
                self.values = json.load(handle)
        except FileNotFoundError:
            self.values = {}

    def xcom_pull(self, task_ids: str):
        return self.values.get(task_ids)

    def push(self, task_id: str, value) -> None:
        self.values[task_id] = value
        with open(self.path, "w") as handle:
            json.dump(self.values, handle, default=str)


def run_tasks(flow: str, tasks: list[str], *, run_id: str, since: str, until: str, xcom_path: str,
              params: dict | None = None, pair_name: str = "xcart-sage500") -> dict:
    import importlib
    from datetime import datetime
    from types import SimpleNamespace

    from storesync.config.pairs import get_pair
    from storesync.flows import get_flow
    from storesync.operators.base import RunScope

    startup = time.perf_counter() - _started
    pair = get_pair(pair_name)
    dag_id = pair.dag_id(flow)
    ti = XComFile(xcom_path)
    timings = {}
    for task_id in tasks:
        path, extra = TASKS[task_id]
        module, name = path.split(":")
        operator = getattr(importlib.import_module(module), name)(task_id=task_id, pair_name=pair.name,
                                                                  flow_name=flow, **extra)
        scope = RunScope(pair=pair, flow=pair.flows[flow], spec=get_flow(flow), dag_id=dag_id, run_id=run_id,
                         since=datetime.fromisoformat(since), until=datetime.fromisoformat(until))
        context = {"params": params or {}, "run_id": run_id, "dag": SimpleNamespace(dag_id=dag_id), "ti": ti,
                   "data_interval_start": scope.since, "data_interval_end": scope.until}
        started = time.perf_counter()
        try:
            with profiled(f"{run_id}-{task_id}"):
                result = operator.run(scope, context)
        finally:
            scope.close()
        timings[task_id] = {"seconds": time.perf_counter() - started, "result": result}
        ti.push(task_id, result)
    return {"startup_s": startup, "tasks": timings, "peak_rss_bytes": own_peak_rss()}


@contextmanager
def profiled(name: str):
    """cProfile around the block when ``STORESYNC_BENCH_PROFILE`` names a folder; else nothing."""
    folder = os.environ.get("STORESYNC_BENCH_PROFILE")
    if not folder:
        yield
        return
    import cProfile

    profile = cProfile.Profile()
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        Path(folder).mkdir(parents=True, exist_ok=True)
        profile.dump_stats(str(Path(folder) / f"{name}.prof"))


def own_peak_rss() -> int | None:
    """This process's peak resident memory since it started this program (``VmHWM``).

    Not ``ru_maxrss`` seen by the parent: a child forked from a big parent counts the parent's pages as its own
    between fork and exec, and that would be the figure.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pair", default="xcart-sage500")
    parser.add_argument("--flow", required=True)
    parser.add_argument("--tasks", required=True, help="comma-separated task ids, run in this order")
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--since", required=True)
    parser.add_argument("--until", required=True)
    parser.add_argument("--params", default="{}", help="DAG run params as JSON (e.g. record_keys)")
    parser.add_argument("--xcom", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    # The sandbox's Sage 500 import procedures register on import (an Airflow worker gets them from
    # STORESYNC_SAGE500_IMPORT_PROCEDURES instead): this process stands in for a worker of the sandbox.
    import include.sandbox.sage500  # noqa: F401

    outcome = run_tasks(args.flow, args.tasks.split(","), run_id=args.run_id, since=args.since, until=args.until,
                        xcom_path=args.xcom, params=json.loads(args.params), pair_name=args.pair)
    with open(args.out, "w") as handle:
        json.dump(outcome, handle, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
