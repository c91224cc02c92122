"""f. Transform and validation: order lines per second through the orders mapping specs and both quality gates.

The orders are the X-Cart emulator's seeded ones, as the extract step stages them (JSON with exact money,
card data scrubbed). Timed, in this process: the raw gate (frame builder + GX suite), X-Cart order →
canonical, canonical → Sage 500 staging rows, the target gate. Not timed: the per-batch ERP customer
look-up (``prepare``, a database query done before the timing) and the one-off imports and GX context
creation (a warm-up run on a few orders), which are per task, not per line.
"""

from __future__ import annotations

import json
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from scripts.bench.report import Item, transform_target_met
from scripts.bench.systems import END, ROOT

TITLE = "Transform and validation (mappings + both gates)"
TARGET = "≥ 50,000 order lines/s"


def staged_orders(count: int, seed: int = 7) -> list[tuple[str, dict]]:
    """``count`` seeded orders as the extract step stages them (the complex schema it reads them in)."""
    from include.sandbox.xcart.rest import complex_order
    from include.sandbox.xcart.seed import seed_store
    from include.sandbox.xcart.server import encode_json
    from include.sandbox.xcart.store import XCartStore
    from storesync.privacy import scrub_card_data

    store = XCartStore()
    seed_store(store, seed=seed, orders=count, products=60, profiles=400, days=1, end_ts=int(END.timestamp()))
    orders, _ = store.list_orders(offset=0, limit=None)
    decoded = json.loads(encode_json([complex_order(order) for order in orders]), parse_float=Decimal)
    return [(str(order["orderId"]), scrub_card_data(order)) for order in decoded]


def _contexts(records, canonical, options, sage500_path: Path) -> dict[str, dict[str, Any]]:
    """What ``prepare`` gives each record, from a Sage 500 sandbox (untimed)."""
    from storesync.systems.sage500.adapter import Sage500Adapter

    return Sage500Adapter(conn_id="sage500_default", options=options).prepare("order", canonical, options)


def run_pipeline(records, contexts_for, *, pair) -> dict[str, float]:
    """One pass: raw gate, both mappings, target gate; returns seconds per step (contexts untimed)."""
    from storesync.mapping.engine import MappingEngine
    from storesync.mapping.spec import load_spec
    from storesync.systems.xcart.frames_orders import raw_xcart_orders_frame
    from storesync.systems.sage500.frames_orders import sage500_staging_frame
    from storesync.quality.gate import run_gate
    from storesync.systems import mapping_file, suite_file

    flow = pair.flows["orders"]
    base = {"pair": pair.name, **flow.options}
    to_canonical = MappingEngine(load_spec(mapping_file(flow.mappings["to_canonical"])))
    to_target = MappingEngine(load_spec(mapping_file(flow.mappings["to_target"])))
    seconds: dict[str, float] = {}

    started = time.perf_counter()
    frame = raw_xcart_orders_frame([payload for _, payload in records])
    frame["record_key"] = [key for key, _ in records]
    raw = run_gate(frame, suite_file(flow.expectations["raw"]), key_column="record_key")
    seconds["raw gate"] = time.perf_counter() - started

    started = time.perf_counter()
    canonical = [(key, to_canonical.map(payload, base)) for key, payload in records]
    seconds["to canonical"] = time.perf_counter() - started
    contexts = contexts_for(canonical)
    started = time.perf_counter()
    targets = [(key, to_target.map(record, {**base, **contexts[key]})) for key, record in canonical]
    seconds["to Sage 500"] = time.perf_counter() - started

    started = time.perf_counter()
    frame = sage500_staging_frame([payload for _, payload in targets])
    frame["record_key"] = [key for key, _ in targets]
    target = run_gate(frame, suite_file(flow.expectations["target"]), key_column="record_key")
    seconds["target gate"] = time.perf_counter() - started
    seconds["failed"] = len(raw.failures) + len(target.failures)
    return seconds


def run(*, orders: int, workdir: Path, env: dict[str, str], say=print) -> Item:
    """Runs in this process with ``env``'s connections (a Sage 500 sandbox for the customer look-up)."""
    import os

    from scripts.bench.systems import Workspace, create_sage500, storefront_emails

    started_item = time.perf_counter()
    workspace = Workspace(workdir)
    create_sage500(workspace.sage500_path, items=60, customer_emails=storefront_emails(400)[:300])
    saved = dict(os.environ)
    os.environ.update(workspace.env(None))
    try:
        from storesync.config.pairs import get_pair, load_pairs

        load_pairs.cache_clear()
        pair = get_pair("xcart-sage500")
        options = pair.flows["orders"].options
        records = staged_orders(orders)
        lines = sum(len(payload.get("items") or []) for _, payload in records)

        def contexts_for(canonical):
            return _contexts(records, canonical, options, workspace.sage500_path)

        run_pipeline(records[:20], contexts_for, pair=pair)  # warm-up: imports, GX context, suites
        seconds = run_pipeline(records, contexts_for, pair=pair)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    failed = int(seconds.pop("failed"))
    total = sum(seconds.values())
    rate = lines / total
    say(f"  f. {orders:,} orders, {lines:,} lines in {total:.2f} s: {rate:,.0f} lines/s")
    return Item(
        key="f", title=TITLE, figure=rate, unit="order lines/s", target=TARGET, met=transform_target_met(rate),
        sizes={"orders": orders, "order lines": lines},
        details={"seconds by step": {k: round(v, 3) for k, v in seconds.items()},
                 "lines per second by step": {k: round(lines / v) for k, v in seconds.items() if v},
                 "records failing a gate": failed},
        seconds=time.perf_counter() - started_item,
    )
