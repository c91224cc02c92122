"""``make bench``: measure a–g in one run here; write .local/bench/report.json and report.md; print the table.

    python -m scripts.bench [--size full|small] [--only a,c] [--out DIR]

``full`` is the issues' sizes (100,000 orders for a, 100,000 SKUs for c, 500,000 and 1,000,000 orders for d,
2,000 for g);
``small`` is a few thousand records per item, for CI, so the harness cannot rot. Targets are reported, not
asserted: the exit status is 0 when every item was measured or deliberately left out with its reason, and 1
when an item failed with an error (its reason is in the report).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from scripts.bench.report import ERROR, Item, render_table, write_report
from scripts.bench.systems import ROOT

LOCAL = ROOT / ".local"
BENCH_PYTHON = LOCAL / "bench-venv" / "bin" / "python"


@dataclass(frozen=True)
class Size:
    extraction_orders: int
    rate_limit_orders: int
    rate_limit_per_minute: int
    skus: int
    memory_volumes: tuple[int, ...]
    memory_calibration: int | None
    parse_repetitions: int
    transform_orders: int
    intacct_orders: int = 2_000  # g: the backfill the issue names
    page_size: int = 250
    # d: one process per task (as Airflow runs them), or (small: start-up dominates) one per volume
    process_per_task: bool = True
    parse_parallel: int = 1  # e: samples at once (small only: timings of a sanity run need not be clean)


SIZES = {
    "full": Size(extraction_orders=100_000, rate_limit_orders=800, rate_limit_per_minute=600, skus=100_000,
                 memory_volumes=(500_000, 1_000_000), memory_calibration=20_000, parse_repetitions=3, transform_orders=5_000),
    "small": Size(extraction_orders=2_000, rate_limit_orders=40, rate_limit_per_minute=600, skus=1_000,
                  memory_volumes=(500, 1_000), memory_calibration=None, parse_repetitions=1, transform_orders=500,
                  intacct_orders=200, process_per_task=False, parse_parallel=2),
}
TITLES = {"a": "Extraction, ours vs dlt rest_api", "b": "Rate-limit efficiency (Acumatica)",
          "c": "Incremental inventory sync (1 % of SKUs changed)", "d": "Peak task memory under backfill",
          "e": "Parse cost per DAG file (beyond import airflow.sdk)",
          "f": "Transform and validation (mappings + both gates)", "g": "Intacct quota cost (orders backfill)"}


def run_item(key: str, size: Size, work: Path, say, deadline: float) -> Item:
    if key == "a":
        from scripts.bench import extraction

        if not BENCH_PYTHON.exists():
            return Item.not_measured("a", extraction.TITLE, "× dlt", extraction.TARGET,
                                     f"no benchmark venv at {BENCH_PYTHON} (make bench installs it)")
        return extraction.run(orders=size.extraction_orders, page_size=size.page_size, workdir=work / "a",
                              bench_python=BENCH_PYTHON, say=say)
    if key == "b":
        from scripts.bench import ratelimit

        return ratelimit.run(orders=size.rate_limit_orders, requests_per_minute=size.rate_limit_per_minute,
                             workdir=work / "b", page_size=size.page_size, say=say)
    if key == "c":
        from scripts.bench import incremental

        return incremental.run(skus=size.skus, workdir=work / "c", page_size=size.page_size, say=say)
    if key == "d":
        from scripts.bench import memory

        return memory.run(volumes=list(size.memory_volumes), workdir=work / "d", page_size=size.page_size,
                          process_per_task=size.process_per_task, calibration=size.memory_calibration,
                          budget_s=deadline - time.perf_counter(), say=say)
    if key == "e":
        from scripts.bench import parse_cost

        return parse_cost.run(repetitions=size.parse_repetitions, env=dict(os.environ), parallel=size.parse_parallel,
                              say=say)
    if key == "f":
        from scripts.bench import transform_cost

        return transform_cost.run(orders=size.transform_orders, workdir=work / "f", env=dict(os.environ), say=say)
    if key == "g":
        from scripts.bench import intacct_quota

        return intacct_quota.run(orders=size.intacct_orders, say=say)
    raise KeyError(key)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    parser.add_argument("--only", default="a,b,c,d,e,f,g", help="comma-separated items to run (default all)")
    parser.add_argument("--out", type=Path, default=LOCAL / "bench")
    parser.add_argument("--budget-minutes", type=float, default=26.0,
                        help="the run's time budget: d (run last) shrinks its volumes to what is left of it "
                             "(26: with set-up and d's margin, make bench stays inside 30 minutes)")
    args = parser.parse_args(argv)

    for name, value in (("AIRFLOW_HOME", str(LOCAL / "airflow")), ("AIRFLOW__CORE__LOAD_EXAMPLES", "False"),
                        ("AIRFLOW__CORE__DAGS_FOLDER", str(ROOT / "dags")), ("GX_ANALYTICS_ENABLED", "false"),
                        ("NO_PROXY", "127.0.0.1,localhost")):
        os.environ.setdefault(name, value)
    # Compiled bytecode is cached as in any deployment (an image, a worker that ran before), but outside the
    # work tree; without it every process would compile Airflow and our modules again and the figures would
    # measure the compiler.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ.setdefault("PYTHONPYCACHEPREFIX", str(LOCAL / "bench" / "pycache"))
    size = SIZES[args.size]
    work = args.out / "work"
    say = lambda message: print(message, flush=True)  # noqa: E731
    started = time.perf_counter()
    items: list[Item] = []
    errors = 0
    deadline = started + args.budget_minutes * 60
    keys = [k.strip() for k in args.only.split(",") if k.strip()]
    # d runs last: it takes what the budget has left.
    for key in sorted(keys, key=lambda k: (k == "d", k)):
        say(f"{key}. {TITLES[key]} ({args.size})")
        item_started = time.perf_counter()
        try:
            item = run_item(key, size, work, say, deadline)
        except Exception as exc:  # noqa: BLE001 - one broken item must not lose the others' figures
            errors += 1
            traceback.print_exc()
            item = Item.not_measured(key, TITLES[key], "", "", f"error: {type(exc).__name__}: {str(exc)[:500]}",
                                     status=ERROR)
        item.seconds = item.seconds if item.seconds is not None else time.perf_counter() - item_started
        items.append(item)
        say(f"   → {item.verdict()} ({item.seconds:.0f} s)")
    seconds = time.perf_counter() - started
    items.sort(key=lambda item: item.key)
    json_path, md_path = write_report(items, args.out, {"size": args.size, "seconds": seconds,
                                                        "database": "SQLite files (sync store and Sage 500 sandbox)",
                                                        "bytecode": "cached under .local/bench/pycache"})
    say("")
    say(render_table(items))
    say(f"\n{args.size} benchmark took {seconds:.0f} s; report: {md_path.relative_to(ROOT) if md_path.is_relative_to(ROOT) else md_path}"
        f" and {json_path.name}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
