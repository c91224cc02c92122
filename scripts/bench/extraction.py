"""a. Extraction: orders per second from the X-Cart emulator into SQLite, our extract step against dlt's rest_api.

One emulator process seeded with the orders (one day); both sides read the same window with the same page
size from it, one after the other, each in its own process:

- ours: ``ExtractOperator.run()`` with a real ``RunScope`` (``scripts.bench.taskrun``), staging into the
  sync store (SQLite file through SQLAlchemy), card data scrubbed, as in a DAG run;
- dlt: ``scripts/bench/dlt_extract.py`` in the benchmark-only venv, loading into its own SQLite file.

Each figure is records loaded ÷ seconds of the extraction itself (interpreter start-up and imports excluded
on both sides, reported apart). dlt is given the order-list query our step sent (the emulator records it:
X-Cart's ``_cnd[date]`` window and ``_cnd[orderBy]``), and the emulator's request count and recorded queries
are checked to be the same for both. Both sides
first extract the last hour once, unmeasured: each imports modules lazily inside the timed call, and in a fresh
clone the first run would also time compiling them to bytecode.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from datetime import timedelta
from pathlib import Path

from scripts.bench.processes import run_tasks
from scripts.bench.report import Item, extraction_target_met, ratio
from scripts.bench.systems import END, RO_KEY, ROOT, Workspace, XCart

TITLE = "Extraction, ours vs dlt rest_api"
TARGET = "ours ≥ 1.5 × dlt"
WARM_UP = timedelta(hours=1)  # the run both sides make once before the measured one (its order look-back reaches back further)


def order_query(xcart: XCart) -> dict[str, str]:
    """The one order-list query (paging and key aside) our extract step sent since the last reset."""
    queries = xcart.order_conditions()
    if len(queries) != 1:
        raise RuntimeError(f"expected our extract step to send one order-list query, got {len(queries)}: {queries}")
    return queries[0]


def run_dlt(xcart: XCart, workdir: Path, *, page_size: int, bench_python: Path, params: dict[str, str],
            name: str = "dlt") -> dict:
    out = workdir / f"{name}.json"
    started = time.perf_counter()
    result = subprocess.run(
        [str(bench_python), str(ROOT / "scripts" / "bench" / "dlt_extract.py"), "--url", xcart.url,
         "--params", json.dumps(params), "--page-size", str(page_size),
         "--database", str(workdir / f"{name}.db"), "--workdir", str(workdir / name), "--out", str(out)],
        cwd=ROOT, env={**os.environ, "XCART_RO_KEY": RO_KEY}, capture_output=True, text=True, timeout=3600)
    if result.returncode:
        raise RuntimeError(f"dlt extraction failed:\n{result.stderr[-3000:]}")
    return {**json.loads(out.read_text()), "process_s": time.perf_counter() - started}


def run(*, orders: int, page_size: int, workdir: Path, bench_python: Path, say=print) -> Item:
    started_item = time.perf_counter()
    workspace = Workspace(workdir)
    with XCart(orders=orders, days=1) as xcart:
        env = workspace.env(xcart, page_size=page_size)
        xcart.requests_by_method(reset=True)
        run_tasks(env, workdir, "orders", ["extract"], run_id="bench-extract-warm-up",
                  since=(END - WARM_UP).isoformat(), name="orders-extract-warm-up")
        run_dlt(xcart, workdir, page_size=page_size, bench_python=bench_python, params=order_query(xcart),
                name="dlt-warm-up")
        xcart.requests_by_method(reset=True)
        ours = run_tasks(env, workdir, "orders", ["extract"], run_id="bench-extract")
        our_query = order_query(xcart)
        our_requests = xcart.requests_by_method(reset=True)
        task = ours.output["tasks"]["extract"]
        extracted = int(task["result"]["extracted"])
        our_rate = extracted / task["seconds"]
        say(f"  a. ours: {extracted:,} orders in {task['seconds']:.1f} s ({our_rate:,.0f}/s), {our_requests}")

        peer = run_dlt(xcart, workdir, page_size=page_size, bench_python=bench_python, params=our_query)
        dlt_queries = xcart.order_conditions()
        dlt_requests = xcart.requests_by_method(reset=True)
        dlt_rate = peer["rows"] / peer["seconds"]
        say(f"  a. dlt:  {peer['rows']:,} orders in {peer['seconds']:.1f} s ({dlt_rate:,.0f}/s), {dlt_requests}")
    factor = ratio(our_rate, dlt_rate)
    notes = []
    if our_requests != dlt_requests:
        notes.append(f"the two sides sent different requests: ours {our_requests}, dlt {dlt_requests}")
    if dlt_queries != [our_query]:
        notes.append(f"the two sides sent different order-list queries: ours {our_query}, dlt {dlt_queries}")
    if extracted != peer["rows"]:
        notes.append(f"different record counts: ours {extracted}, dlt {peer['rows']}")
    return Item(
        key="a", title=TITLE, figure=factor, unit="× dlt", target=TARGET,
        # Rates of different work compare nothing: the target counts only when both read the same.
        met=extraction_target_met(our_rate, dlt_rate) and not notes,
        sizes={"orders seeded": orders, "page size": page_size},
        details={
            "ours, orders/s": round(our_rate), "dlt, orders/s": round(dlt_rate),
            "ours, seconds": round(task["seconds"], 2), "dlt, seconds": round(peer["seconds"], 2),
            "dlt steps, seconds": {k: round(v, 2) for k, v in peer["steps"].items() if k != "run"},
            "requests, ours": our_requests, "requests, dlt": dlt_requests,
            "order-list query (both)": {k: v for k, v in our_query.items() if k.startswith("_cnd")},
            "process start-up and imports excluded, s (ours / dlt)":
                f"{ours.seconds - task['seconds']:.1f} / {peer['process_s'] - peer['seconds']:.1f}",
            "database": "SQLite files (ours: the sync store through SQLAlchemy; dlt: its sqlalchemy destination)",
            "dlt": f"dlt {peer['dlt_version']}, rest_api source, write_disposition append, max_table_nesting 0",
        },
        notes=notes, seconds=time.perf_counter() - started_item,
    )
