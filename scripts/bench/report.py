"""Benchmark results: one ``Item`` per measurement (a–g), its target, and the report as JSON, Markdown and a table.

Targets are reported, never asserted: an item that misses its target says so (``met: false``) and its notes
say what limits it. An item that could not be measured says why (``status: not measured``) and has no figure.
"""

from __future__ import annotations

import json
import platform
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

MEASURED, NOT_MEASURED, ERROR = "measured", "not measured", "error"


@dataclass
class Item:
    """One benchmark figure with its unit, target (as text) and whether it met it (None: not judged)."""

    key: str  # "a" … "g"
    title: str
    figure: float | None
    unit: str
    target: str
    met: bool | None
    sizes: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    status: str = MEASURED
    seconds: float | None = None  # how long the item took to run

    @classmethod
    def not_measured(cls, key: str, title: str, unit: str, target: str, reason: str, *, status: str = NOT_MEASURED,
                     **kwargs: Any) -> Item:
        return cls(key=key, title=title, figure=None, unit=unit, target=target, met=None,
                   notes=[f"not measured: {reason}"], status=status, **kwargs)

    def verdict(self) -> str:
        if self.status == ERROR:
            return "ERROR"
        if self.status != MEASURED:
            return "not measured"
        return {True: "met", False: "MISSED", None: "—"}[self.met]


# -- targets (pure: figures in, verdict out) ----------------------------------------------------------

def extraction_target_met(ours_per_s: float, dlt_per_s: float, *, factor: float = 1.5) -> bool:
    """a: our orders per second at least ``factor`` × dlt's."""
    return dlt_per_s > 0 and ours_per_s >= factor * dlt_per_s


def rate_limit_target_met(achieved_per_min: float, ceiling_per_min: float, late_429s: int, *,
                          share: float = 0.90) -> bool:
    """b: at least ``share`` of the ceiling (limit ÷ requests per order) and no 429 after the first minute."""
    return ceiling_per_min > 0 and achieved_per_min >= share * ceiling_per_min and late_429s == 0


def incremental_target_met(writes: int, changed: int, wall_s: float, writes_alone_s: float, *,
                           write_factor: float = 1.05, time_factor: float = 1.5) -> bool:
    """c: writes ≤ 1.05 × changed SKUs and wall time ≤ 1.5 × the time those writes alone take."""
    return writes <= write_factor * changed and wall_s <= time_factor * writes_alone_s


def memory_target_met(peaks_by_volume: dict[int, int], *, limit_bytes: int = 1 << 30, growth_tolerance: float = 0.10
                      ) -> bool:
    """d: every peak ≤ 1 GiB and not growing with volume (the largest volume's peak within ``growth_tolerance``
    of the smallest's: measurement noise, not data held per record). One volume cannot show growth: not met."""
    if len(peaks_by_volume) < 2:
        return False
    volumes = sorted(peaks_by_volume)
    smallest, largest = peaks_by_volume[volumes[0]], peaks_by_volume[volumes[-1]]
    return max(peaks_by_volume.values()) <= limit_bytes and largest <= smallest * (1 + growth_tolerance)


def parse_target_met(ms_by_file: dict[str, float], *, limit_ms: float = 50.0) -> bool:
    """e: every DAG file at most ``limit_ms`` beyond a bare ``import airflow.sdk``."""
    return bool(ms_by_file) and max(ms_by_file.values()) <= limit_ms


def transform_target_met(lines_per_s: float, *, minimum: float = 50_000) -> bool:
    """f: at least ``minimum`` order lines per second through the mappings and both gates."""
    return lines_per_s >= minimum


def intacct_quota_target_met(transactions_per_order: float, requests_per_order: float, *,
                             max_transactions: float = 1.1, max_requests: float = 0.05) -> bool:
    """g: at most ``max_transactions`` metered API transactions and ``max_requests`` HTTP requests per order."""
    return transactions_per_order <= max_transactions and requests_per_order <= max_requests


def ratio(numerator: float, denominator: float) -> float | None:
    return None if not denominator else numerator / denominator


# -- the report ---------------------------------------------------------------------------------------

def format_figure(item: Item) -> str:
    if item.figure is None:
        return "—"
    value = item.figure
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}".rstrip("0").rstrip(".") if value else "0"
    return f"{text} {item.unit}".strip()


def table(items: list[Item]) -> list[list[str]]:
    rows = [["item", "figure", "target", "verdict"]]
    for item in items:
        rows.append([f"{item.key}. {item.title}", format_figure(item), item.target, item.verdict()])
    return rows


def render_table(items: list[Item]) -> str:
    """A plain-text table for the terminal."""
    rows = table(items)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(items: list[Item], meta: dict[str, Any]) -> str:
    out = [f"# Benchmark report ({meta.get('size', '?')})", "",
           f"Measured {meta.get('finished_at', '?')} on {meta.get('machine', '?')}, in one run "
           f"of {meta.get('seconds', 0):.0f} s. Sync store and Sage 500 sandbox: {meta.get('database', 'SQLite')}.", "",
           "| item | figure | target | verdict |", "|---|---|---|---|"]
    for row in table(items)[1:]:
        out.append("| " + " | ".join(_md(cell) for cell in row) + " |")
    for item in items:
        out += ["", f"## {item.key}. {item.title}", ""]
        out.append(f"- figure: **{format_figure(item)}** (target {item.target}: {item.verdict()})")
        if item.sizes:
            out.append("- sizes: " + ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}"
                                               for k, v in item.sizes.items()))
        if item.seconds is not None:
            out.append(f"- took {item.seconds:.0f} s")
        for key, value in item.details.items():
            out.append(f"- {key}: {_detail(value)}")
        for note in item.notes:
            out.append(f"- note: {note}")
    return "\n".join(out) + "\n"


def _detail(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".")
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_detail(v)}" for k, v in value.items())
    return str(value)


def machine() -> str:
    import os

    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def write_report(items: list[Item], folder: Path, meta: dict[str, Any]) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    meta = {"finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": machine(), **meta}
    json_path, md_path = folder / "report.json", folder / "report.md"
    json_path.write_text(json.dumps({"meta": meta, "items": [asdict(item) for item in items]}, indent=2,
                                    default=str) + "\n")
    md_path.write_text(render_markdown(items, meta))
    return json_path, md_path
