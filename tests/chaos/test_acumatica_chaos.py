"""Chaos for X-Cart ↔ Acumatica: the orders flow with 1,000 orders (plus 12 seeded invalid ones) into an
Acumatica emulator that answers 5 % of API requests 500/503, holds 3 % past the client's timeout (and then
serves them), drops 1 % of connections, serves bursts of 429, expires every 150th request's session and,
once the load is under way, ends every session at once; the run is SIGKILLed in the middle of the load and
run again. Nothing may be lost or doubled, and every API session opened must be accounted for.

1,000 orders (the Sage 500 chaos test uses 5,000) keep it at about two minutes here: each of the two runs
spends ~30 s in the DAG's fixed steps before the load. The scenario lives in ``scripts/chaos_acumatica.py``
(``make chaos ARGS="--pair xcart-acumatica"`` prints the same report). The sync store on SQLite by default;
``STORESYNC_CHAOS_BACKENDS=sqlite,postgresql`` adds the PostgreSQL server.
"""

from __future__ import annotations

import os

import pytest

from tests.conftest import skip_or_fail
from tests.figures import show_printed

pytestmark = [pytest.mark.chaos, pytest.mark.slow]

BACKENDS = [b.strip() for b in os.environ.get("STORESYNC_CHAOS_BACKENDS", "sqlite").split(",") if b.strip()]


@pytest.mark.parametrize("backend", BACKENDS)
def test_orders_into_a_faulty_acumatica_are_loaded_once_or_quarantined_and_every_session_is_closed(
        backend, airflow_db, tmp_path):
    from scripts.chaos_acumatica import AcumaticaChaosConfig, print_report, run_chaos

    if backend == "postgresql":
        from include.sandbox.sage500.dialects import postgres_unavailable_reason

        reason = postgres_unavailable_reason(server="127.0.0.1", port=5432, user="postgres")
        if reason:
            skip_or_fail(reason)
    cfg = AcumaticaChaosConfig(backend=backend)
    report = run_chaos(cfg, tmp_path / "chaos", airflow_db=airflow_db, say=print)
    show_printed("chaos suite report: X-Cart ↔ Acumatica", print_report, report)

    # Effectively once: no second sales order for a storefront order, nothing lost, exactly the bad orders quarantined.
    assert report["attempted"] == cfg.orders + cfg.invalid
    assert report["duplicates"] == 0, "two sales orders (type SO) carry the same CustomerOrder"
    assert report["lost"] == [], "storefront orders neither in Acumatica nor in the DLQ"
    assert report["loaded"] == cfg.orders
    assert report["loaded_and_in_dlq"] == []
    assert report["dlq_matches_seeded_invalid"], (report["dlq_unexpected"], report["dlq_missing"])
    assert report["held"] == report["held_expected"] != []
    assert report["alerts"].get("held", 0) >= 1, "the held-order alert was not raised"
    assert report["written_back"] == cfg.orders

    # Every session opened was closed: by its client's logout, or by the instance (a forced expiry, the recycle,
    # or the idle timeout, and that only for sessions no live client knew of).
    sessions = report["sessions"]
    assert sessions["logins"] == (sessions["logouts"] + sessions["forced_expiries"] + sessions["recycled"]
                                  + sessions["expired_idle"]), sessions
    assert sessions["killed_run_sessions"] in (0, 1), sessions  # 0 only when killed between expiry and re-login
    assert sessions["open_after_kill_and_idle_timeout"] == 0, "the emulator did not expire the killed run's session"
    assert sessions["open_after_run_2"] == sessions["login_answers_lost"][1], "run 2 left a session open"
    assert sessions["expired_idle"] == sessions["open_after_kill"] + sessions["open_after_run_2"], sessions
    assert sessions["open_at_end"] == 0
    assert sessions["relogins"] >= sessions["forced_expiries"] - 1 > 0, "expired sessions were not logged in again"
    assert sessions["recycled"] >= 1 and report["recycle"]["sales_orders"] < report["kill"]["sales_orders_at_kill"]

    # The chaos really happened, and was absorbed.
    faults = report["faults_injected"]
    for kind in ("error_500", "error_503", "timeouts", "drops", "429_burst", "forced_expiries"):
        assert faults[kind] > 0, f"no {kind} was injected"
    transient = faults["error_500"] + faults["error_503"] + faults["timeouts"] + faults["drops"]
    assert report["client_retries"] >= transient * 0.95, "the Acumatica client retried the injected failures"
    assert report["client_429_waits"] >= report["http_429_served"] - 1, "the client waited out the 429s"
    assert report["kill"]["killed"] and 0 < report["kill"]["sales_orders_at_kill"] < cfg.orders
    assert report["kill"]["run_1_exit"] == -9
    assert report["retry_run"]["succeeded"]
    assert report["ok"], report["problems"]
