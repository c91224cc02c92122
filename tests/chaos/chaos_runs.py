"""The orders chaos scenario of each pair (``scripts/chaos.py`` for X-Cart ↔ Sage 500, ``scripts/chaos_acumatica.py``
for X-Cart ↔ Acumatica), run once per ERP and sync-store backend in a test session and read by every test that
checks its report: the invariants every ERP shares (``test_orders_chaos.py``, parametrized by ERP) and what only
one ERP has (the Sage 500 lock, Acumatica's sessions). A run takes minutes, so its report is kept, not rerun.

SQLite by default, the embedded set-up; ``STORESYNC_CHAOS_BACKENDS=sqlite,postgresql`` adds the PostgreSQL server.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from typing import Any

from tests.conftest import skip_or_fail
from tests.figures import show_printed

BACKENDS = [b.strip() for b in os.environ.get("STORESYNC_CHAOS_BACKENDS", "sqlite").split(",") if b.strip()]


@dataclass(frozen=True)
class ChaosCase:
    """What differs between the pairs' scenarios: where the faults are injected and what they are called."""

    label: str                 # the ERP, as messages name it
    script: str                # the scenario's module: run_chaos, print_report and the config class
    config: str
    faulty: str                # the system whose API answers with faults (its client retries them)
    fault_kinds: tuple[str, ...]
    transient_kinds: tuple[str, ...]  # the faults a client retries
    duplicate: str             # a duplicate, in the ERP's words


CASES = {
    "sage500": ChaosCase(
        "Sage 500", "scripts.chaos", "ChaosConfig", "X-Cart",
        ("error_500", "error_503", "timeout", "drop", "burst_429"), ("error_500", "error_503", "timeout", "drop"),
        "a Sage 500 sales order exists twice for one storefront order"),
    "acumatica": ChaosCase(
        "Acumatica", "scripts.chaos_acumatica", "AcumaticaChaosConfig", "Acumatica",
        ("error_500", "error_503", "timeouts", "drops", "429_burst", "forced_expiries"),
        ("error_500", "error_503", "timeouts", "drops"),
        "two sales orders (type SO) carry the same CustomerOrder"),
}
_REPORTS: dict[tuple[str, str], tuple[Any, dict[str, Any]]] = {}


def chaos_report(erp: str, backend: str, airflow_db, tmp_path_factory) -> tuple[Any, dict[str, Any]]:
    """The scenario's config and report for ``erp`` on ``backend``, run on the first call of the session."""
    if backend == "postgresql":
        from include.sandbox.sage500.dialects import postgres_unavailable_reason

        reason = postgres_unavailable_reason(server="127.0.0.1", port=5432, user="postgres")
        if reason:
            skip_or_fail(reason)
    if (erp, backend) not in _REPORTS:
        case = CASES[erp]
        script = importlib.import_module(case.script)
        cfg = getattr(script, case.config)(backend=backend)
        report = script.run_chaos(cfg, tmp_path_factory.mktemp(f"chaos-{erp}-{backend}"), airflow_db=airflow_db,
                                  say=print)
        show_printed(f"chaos suite report: X-Cart ↔ {case.label}", script.print_report, report)
        _REPORTS[(erp, backend)] = (cfg, report)
    return _REPORTS[(erp, backend)]
