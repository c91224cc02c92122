"""Chaos for X-Cart ↔ Acumatica, what only Acumatica has: every API session opened while the emulator expires
sessions, ends them all at once and the run is SIGKILLed must be accounted for. The run is the one whose
effectively-once invariants ``test_orders_chaos.py`` asserts (``chaos_runs.py``: one run per backend);
``make chaos ARGS="--pair xcart-acumatica"`` prints the same report.
"""

from __future__ import annotations

import pytest

from tests.chaos.chaos_runs import BACKENDS, chaos_report

pytestmark = [pytest.mark.chaos, pytest.mark.slow]


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_acumatica_session_opened_under_chaos_is_closed(backend, airflow_db, tmp_path_factory):
    _cfg, report = chaos_report("acumatica", backend, airflow_db, tmp_path_factory)

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
