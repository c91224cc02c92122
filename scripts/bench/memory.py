"""d. Memory under backfill: the whole orders flow over N seeded orders, then over 2N; peak RSS of the tasks.

Each volume gets a fresh X-Cart emulator (N orders over one day, its own process), a fresh Sage 500 sandbox
and sync store. The DAG's tasks (extract → validate_raw → transform → validate_target → load → write_back →
report) run one after the other, each in its own process as an Airflow worker runs them, over the one
interval that holds every order (a backfill of that range in one run). Each process's peak resident memory
is the kernel's (``wait4``); the figure is the largest over the tasks and volumes, and the target also asks
that the peak not grow with the volume.
"""

from __future__ import annotations

import time
from pathlib import Path

from scripts.bench.processes import run_tasks
from scripts.bench.report import Item, memory_target_met
from scripts.bench.systems import Workspace, XCart, create_sage500, storefront_emails

TITLE = "Peak task memory under backfill"
TARGET = "≤ 1 GiB and not growing with volume"
TASKS = ["extract", "validate_raw", "transform", "validate_target", "load", "write_back", "report"]
PROFILES = 400


def run_volume(orders: int, *, workdir: Path, page_size: int, process_per_task: bool = True, say=print) -> dict:
    workspace = Workspace(workdir)
    create_sage500(workspace.sage500_path, items=60, customer_emails=storefront_emails(PROFILES)[: PROFILES * 3 // 4])
    seeded = time.perf_counter()
    with XCart(orders=orders, profiles=PROFILES, days=1) as xcart:
        seed_s = time.perf_counter() - seeded
        env = workspace.env(xcart, page_size=page_size)
        tasks = {}
        for group in ([[task] for task in TASKS] if process_per_task else [TASKS]):
            child = run_tasks(env, workdir, "orders", group, run_id=f"bench-backfill-{orders}", name="-".join(group))
            for task in group:
                body = child.output["tasks"][task]
                tasks[task] = {"peak_rss_mib": round(child.max_rss_bytes / 2**20, 1),
                               "seconds": round(body["seconds"], 1), "process_s": round(child.seconds, 1)}
                say(f"  d. {orders:,} orders, {task}: {body['seconds']:.1f} s, "
                    f"peak {child.max_rss_bytes / 2**20:,.0f} MiB{'' if process_per_task else ' (all tasks)'}")
        report = child.output["tasks"]["report"]["result"]
    return {"tasks": tasks, "peak_bytes": max(t["peak_rss_mib"] for t in tasks.values()) * 2**20,
            "report": {k: report.get(k) for k in ("extracted", "loaded", "skipped", "held", "dlq", "written_back",
                                                  "unaccounted")},
            "emulator_seed_s": round(seed_s, 1)}


def run(*, volumes: list[int], workdir: Path, page_size: int, process_per_task: bool = True,
        calibration: int | None = None, budget_s: float | None = None, say=print) -> Item:
    """Peak memory over ``volumes`` (N, 2N). With ``calibration`` and ``budget_s``: first the whole flow over
    ``calibration`` orders, then N shrinks (never grows) to what the measured seconds per order let the budget
    hold for N and 2N; the notes then say that the asked volumes did not fit and why, with the numbers."""
    started = time.perf_counter()
    results: dict[int, dict] = {}
    notes: list[str] = []
    asked = list(volumes)
    if calibration:
        results[calibration] = run_volume(calibration, workdir=workdir / str(calibration), page_size=page_size,
                                          process_per_task=process_per_task, say=say)
        tasks = results[calibration]["tasks"].values()
        per_order = sum(t["seconds"] for t in tasks) / calibration
        fixed = sum(t["process_s"] - t["seconds"] for t in tasks)  # interpreter start-up per task, per volume
        seed_per_order = results[calibration]["emulator_seed_s"] / calibration
        needed = sum(asked) * (per_order + seed_per_order) + len(asked) * fixed
        remaining = (budget_s or float("inf")) - (time.perf_counter() - started)
        say(f"  d. calibration: {per_order * 1000:.2f} ms per order over the whole flow (+ {seed_per_order * 1000:.2f} "
            f"ms seeding, {fixed:.0f} s start-up per volume); {', '.join(f'{v:,}' for v in asked)} orders need ~{needed / 60:.0f} min, "
            f"{remaining / 60:.0f} min left")
        by_task = {t: round(d["seconds"] / calibration * 1000, 3) for t, d in results[calibration]["tasks"].items()}
        if needed > remaining:
            # N and 2N are 3N orders; a fifth more for what grows with the volume (the emulator filters every
            # page over all its orders, the ERP's tables grow), so the run stays inside its budget.
            base = int(max(0.0, remaining - 2 * fixed) / (3.6 * (per_order + seed_per_order)) // 10_000 * 10_000)
            volumes = [v for v in (base, 2 * base) if v > calibration]
            notes.append(
                f"asked {' and '.join(f'{v:,}' for v in asked)} orders: the whole flow measured "
                f"{per_order * 1000:.2f} ms per order at {calibration:,} orders (by task, ms per order: "
                + ", ".join(f"{t} {ms}" for t, ms in by_task.items())
                + f"), so {sum(asked):,} orders would take ~{needed / 60:.0f} min against the {remaining / 60:.0f} min "
                f"left of the 30-minute run; measured at {', '.join(f'{v:,}' for v in [calibration, *volumes])} "
                f"orders instead")
    for orders in volumes:
        results[orders] = run_volume(orders, workdir=workdir / str(orders), page_size=page_size,
                                     process_per_task=process_per_task, say=say)
    peaks = {orders: int(result["peak_bytes"]) for orders, result in sorted(results.items())}
    if len(peaks) < 2:
        notes.append("only one volume was measured, so whether memory grows with the volume is not known: not met")
    for orders, result in results.items():
        counts = result["report"]
        if counts.get("unaccounted") or counts.get("loaded", 0) + counts.get("dlq", 0) + counts.get("held", 0) \
                + counts.get("skipped", 0) != counts.get("extracted"):
            notes.append(f"{orders:,} orders: counts do not reconcile: {counts}")
    if not process_per_task:
        notes.append("small mode: each volume's tasks ran in one process (start-up would dominate), so the peak is "
                     "that of the whole run")
    return Item(
        key="d", title=TITLE, figure=max(peaks.values()) / 2**20, unit="MiB peak", target=TARGET,
        met=memory_target_met(peaks), sizes={"orders per volume": ", ".join(f"{v:,}" for v in peaks)},
        details={
            "peak MiB by volume": {f"{v:,}": round(p / 2**20) for v, p in peaks.items()},
            **{f"{v:,} orders, by task (peak MiB / seconds)":
               {t: f"{d['peak_rss_mib']:,.0f} / {d['seconds']}" for t, d in r["tasks"].items()}
               for v, r in sorted(results.items())},
            **{f"{v:,} orders, run counts": r["report"] for v, r in sorted(results.items())},
        },
        notes=notes, seconds=time.perf_counter() - started,
    )
