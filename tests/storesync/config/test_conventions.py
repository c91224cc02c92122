"""Pair files by convention: what the DAG factory sees of the shipped pairs is what it saw of the long files.

``data/resolved_pairs.json`` was written from the 144-line pair files before they were shortened (commit
"pair config: snapshot of the resolved shipped pairs"); ``resolved`` is everything a ``PairConfig`` carries.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from storesync.config.pairs import INCLUDE_DIR, PROJECT_ROOT, PairConfig, load_pair

SNAPSHOT = Path(__file__).parent / "data" / "resolved_pairs.json"
SHIPPED = ("xcart-sage500", "xcart-acumatica")


def plain(value):
    """JSON-able form that keeps types apart (Decimal and datetime as tagged text)."""
    if dataclasses.is_dataclass(value):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, Path):
        return value.resolve().relative_to(PROJECT_ROOT).as_posix()
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    return value


def resolved(pair: PairConfig) -> dict:
    return plain(pair)


def write_snapshot() -> None:
    pairs = {name: resolved(load_pair(INCLUDE_DIR / "pairs" / f"{name}.yaml")) for name in SHIPPED}
    SNAPSHOT.write_text(json.dumps(pairs, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def test_the_shipped_pairs_resolve_to_the_snapshot_of_the_long_files():
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    for name in SHIPPED:
        assert resolved(load_pair(INCLUDE_DIR / "pairs" / f"{name}.yaml")) == expected[name], name
