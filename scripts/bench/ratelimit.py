"""b. Rate-limit efficiency: the orders flow into the Acumatica emulator under a requests-per-minute limit.

Needs the X-Cart ↔ Acumatica orders flow (pair ``xcart-acumatica`` with an ``orders`` section and the
Acumatica orders loader); until it exists the item is reported as not measured, with that reason.
"""

from __future__ import annotations

from pathlib import Path

from scripts.bench.report import Item
from scripts.bench.systems import ROOT

TITLE = "Rate-limit efficiency (Acumatica)"
TARGET = "≥ 90 % of the ceiling; no 429 after the first minute"
UNIT = "% of the ceiling"


def missing_prerequisite() -> str | None:
    """Why the Acumatica orders flow cannot run here yet, or None when it can."""
    import yaml

    pair = ROOT / "include" / "pairs" / "xcart-acumatica.yaml"
    if not pair.exists():
        return "no xcart-acumatica pair config"
    if "orders" not in (yaml.safe_load(pair.read_text()).get("flows") or {}):
        return "the xcart-acumatica pair has no orders flow yet"
    if not (ROOT / "include" / "sandbox" / "acumatica").exists():
        return "no Acumatica emulator"
    return None


def run(*, orders: int, seconds: float, workdir: Path, say=print) -> Item:
    reason = missing_prerequisite()
    if reason:
        say(f"  b. not measured: {reason}")
        return Item.not_measured("b", TITLE, UNIT, TARGET, reason)
    raise NotImplementedError("the Acumatica orders flow exists: measure it")
