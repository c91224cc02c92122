"""Chaos: the orders flow with 5,000 orders (plus 25 seeded invalid ones) through a faulty X-Cart (10 % 5xx,
5 % timeouts, dropped connections, bursts of 429), a Sage 500 database locked for seconds during the load,
and the run SIGKILLed in the middle of the load and run again. Nothing may be lost or doubled.

The scenario lives in ``scripts/chaos.py`` (``make chaos`` prints the same report). SQLite by default, the
embedded set-up; ``STORESYNC_CHAOS_BACKENDS=sqlite,postgresql`` adds the PostgreSQL server (about 3.5 min).
"""

from __future__ import annotations

import os

import pytest

from tests.conftest import skip_or_fail
from tests.figures import show_printed

pytestmark = [pytest.mark.chaos, pytest.mark.slow]

BACKENDS = [b.strip() for b in os.environ.get("STORESYNC_CHAOS_BACKENDS", "sqlite").split(",") if b.strip()]


@pytest.mark.parametrize("backend", BACKENDS)
def test_orders_under_chaos_are_loaded_once_or_quarantined_and_nothing_is_lost(backend, airflow_db, tmp_path):
    from scripts.chaos import ChaosConfig, print_report, run_chaos

    if backend == "postgresql":
        from include.sandbox.sage500.dialects import postgres_unavailable_reason

        reason = postgres_unavailable_reason(server="127.0.0.1", port=5432, user="postgres")
        if reason:
            skip_or_fail(reason)
    cfg = ChaosConfig(backend=backend)
    report = run_chaos(cfg, tmp_path / "chaos", airflow_db=airflow_db, say=print)
    show_printed("chaos suite report: X-Cart ↔ Sage 500", print_report, report)

    # The invariants: effectively once, nothing lost, exactly the bad orders quarantined, ops alerted.
    assert report["attempted"] == cfg.orders + cfg.invalid
    assert report["duplicates"] == 0, "a Sage 500 sales order exists twice for one storefront order"
    assert report["lost"] == [], "storefront orders neither in Sage 500 nor in the DLQ"
    assert report["loaded"] == cfg.orders
    assert report["loaded_and_in_dlq"] == []
    assert report["dlq_matches_seeded_invalid"], (report["dlq_unexpected"], report["dlq_missing"])
    assert report["held"] == report["held_expected"] != []
    assert report["alerts"].get("held", 0) >= 1, "the held-order alert was not raised"
    assert report["written_back"] == cfg.orders

    # The chaos really happened, and was absorbed.
    faults = report["faults_injected"]
    for kind in ("error_500", "error_503", "timeout", "drop", "burst_429"):
        assert faults[kind] > 0, f"no {kind} was injected"
    transient = faults["error_500"] + faults["error_503"] + faults["timeout"] + faults["drop"]
    assert report["client_retries"] >= transient * 0.95, "the X-Cart client retried the injected failures"
    assert report["client_429_waits"] >= report["http_429_served"] - 1, "the client waited out the 429s"
    assert report["lock"]["taken"] and report["lock"]["held_s"] >= cfg.lock_seconds - 0.5
    assert report["load_task_attempts"][0] >= 2, "the Sage 500 lock made the load task retry"
    assert report["sage500_lock_errors_seen"] >= 1
    assert report["kill"]["killed"] and 0 < report["kill"]["sales_orders_at_kill"] < cfg.orders
    assert report["kill"]["run_1_exit"] == -9
    assert report["retry_run"]["succeeded"]
    assert report["ok"], report["problems"]
