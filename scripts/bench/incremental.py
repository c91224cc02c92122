"""c. Incremental cost: the inventory flow (Sage 500 → X-Cart) over many SKUs of which 1 % changed.

Set-up (not measured): a Sage 500 sandbox with N items and an X-Cart emulator with the same N SKUs whose
stock already equals what the ERP sells (a storefront in sync), then a first full run of the flow (it writes
nothing, and remembers what each SKU's stock is). Then 1 % of the SKUs get a new on-hand quantity in the
ERP (``erp_actions.set_stock``, as a warehouse count would), and the second run is measured:

- writes: the emulator's PUT count during the run, against the SKUs changed;
- wall time: the run's task bodies (``run()`` of extract → validate_raw → transform → validate_target →
  load → report, one process as one worker would; start-up and imports are reported apart) against the
  time the same PUTs take on their own, replayed afterwards one by one through the same X-Cart client.
"""

from __future__ import annotations

import random
from decimal import Decimal
import time
from pathlib import Path

from scripts.bench.processes import run_tasks
from scripts.bench.report import Item, incremental_target_met, ratio
from scripts.bench.systems import RW_KEY, Workspace, XCart, create_sage500

TITLE = "Incremental inventory sync (1 % of SKUs changed)"
TARGET = "writes ≤ 1.05 × changed; wall ≤ 1.5 × writes alone"
TASKS = ["extract", "validate_raw", "transform", "validate_target", "load", "report"]
SEED = 7


def change_stock(sage500_path: Path, share: float, *, seed: int = SEED) -> list[str]:
    """Give ``share`` of the items a new on-hand quantity in MAIN; returns their ItemIDs."""
    from include.sandbox.sage500.dialects import connect
    from include.sandbox.sage500.erp_actions import set_stock

    connection = connect("sqlite", database=str(sage500_path))
    try:
        rows = connection.cursor().execute(
            "SELECT i.ItemID, b.QtyOnHand FROM timItem i JOIN timWhseBinInvt b ON b.ItemKey = i.ItemKey "
            "JOIN timWarehouse w ON w.WhseKey = b.WhseKey WHERE w.WhseID = 'MAIN' ORDER BY i.ItemKey").fetchall()
        chosen = random.Random(seed).sample(rows, max(1, int(len(rows) * share)))
        for item_id, on_hand in chosen:
            set_stock(connection, item_id=item_id.strip(), whse_id="MAIN", qty_on_hand=int(Decimal(str(on_hand))) + 7, commit=False)
        connection.commit()
    finally:
        connection.close()
    return sorted(item_id.strip() for item_id, _ in chosen)


def replay_writes(xcart: XCart, writes: list[tuple[int, int]]) -> float:
    """Seconds the given (productId, amount) PUTs take one after the other through our X-Cart client."""
    import requests

    from storesync.hooks.retry import RetryPolicy
    from storesync.systems.xcart.hook import XCartClient

    client = XCartClient(requests.Session(), base_url=xcart.url, api_key=RW_KEY, retry=RetryPolicy(max_attempts=1))
    started = time.perf_counter()
    for product_id, amount in writes:
        client.update("product", product_id, {"amount": amount})
    return time.perf_counter() - started


def run(*, skus: int, workdir: Path, page_size: int, changed_share: float = 0.01, say=print) -> Item:
    started_item = time.perf_counter()
    workspace = Workspace(workdir)
    create_sage500(workspace.sage500_path, items=skus, customer_emails=[], seed=SEED)
    with XCart(orders=0, products=skus, profiles=0, stock_like_sage500_seed=SEED) as xcart:
        env = workspace.env(xcart, page_size=page_size)
        first = run_tasks(env, workdir, "inventory", TASKS, run_id="bench-inventory-1", name="inventory-first")
        first_puts = xcart.requests_by_method(reset=True).get("PUT", 0)
        say(f"  c. first full run over {skus:,} SKUs: {first.seconds:.1f} s, {first_puts} writes; by task "
            f"{ {k: round(v['seconds'], 1) for k, v in first.output['tasks'].items()} }")
        changed = change_stock(workspace.sage500_path, changed_share)
        second = run_tasks(env, workdir, "inventory", TASKS, run_id="bench-inventory-2", name="inventory-second")
        requests = xcart.requests_by_method(reset=True)
        writes = requests.get("PUT", 0)
        tasks = second.output["tasks"]
        wall = sum(task["seconds"] for task in tasks.values())
        loaded = replayable_writes(workspace, xcart, page_size)
        alone = replay_writes(xcart, loaded)
    time_factor = ratio(wall, alone)
    say(f"  c. second run: {writes} writes for {len(changed)} changed SKUs; {wall:.1f} s vs {alone:.2f} s for the "
        f"writes alone")
    return Item(
        key="c", title=TITLE, figure=time_factor, unit="× the writes' own time", target=TARGET,
        met=incremental_target_met(writes, len(changed), wall, alone),
        sizes={"SKUs": skus, "changed SKUs": len(changed)},
        details={
            "writes (X-Cart PUTs)": writes, "writes per changed SKU": round(ratio(writes, len(changed)) or 0, 3),
            "run, seconds (task bodies)": round(wall, 2), "writes alone, seconds": round(alone, 3),
            "seconds by task": {name: round(task["seconds"], 2) for name, task in tasks.items()},
            "requests during the run": requests,
            "process start-up and imports, s": round(second.seconds - wall, 1),
            "first (full) run, seconds / writes": f"{first.seconds:.1f} / {first_puts}",
        },
        notes=["the storefront starts in sync (its stock seeded from the ERP's), so the first run writes nothing "
               "and only the changes of the second run are written"],
        seconds=time.perf_counter() - started_item,
    )


def replayable_writes(workspace: Workspace, xcart: XCart, page_size: int) -> list[tuple[int, int]]:
    """(productId, amount) of every SKU the second run loaded, read from the sync store and the emulator."""
    from storesync.store.store import SyncStore

    store = SyncStore(workspace.store_url)
    try:
        loaded = [row["record_key"] for row in store.list_outcomes("xcart-sage500", "inventory", "bench-inventory-2",
                                                                    outcome="loaded")]
        targets = store.get_staged("xcart-sage500", "inventory", "bench-inventory-2", "target", loaded)
    finally:
        store.close()
    ids: dict[str, int] = {}
    offset = 0
    while True:
        page = xcart.api("GET", "product", **{"_cnd[limit][0]": offset, "_cnd[limit][1]": 500})
        ids.update({p["sku"]: p["productId"] for p in page})
        offset += len(page)
        if len(page) < 500:
            break
    return [(ids[targets[key]["sku"]], int(targets[key]["amount"])) for key in loaded]
