"""Chaos: the orders flow of each pair through faulty systems, with the run SIGKILLed in the middle of the load
and run again. Nothing may be lost or doubled.

- X-Cart ↔ Sage 500: 5,000 orders (plus 25 seeded invalid ones) from a faulty X-Cart (10 % 5xx, 5 % timeouts,
  dropped connections, bursts of 429) into a Sage 500 database locked for seconds during the load;
- X-Cart ↔ Acumatica: 1,000 orders (plus 12 seeded invalid ones; about two minutes here, each of the two runs
  spends ~30 s in the DAG's fixed steps before the load) into an Acumatica emulator that answers 5 % of API
  requests 500/503, holds 3 % past the client's timeout (and then serves them), drops 1 % of connections, serves
  bursts of 429, expires every 150th request's session and, once the load is under way, ends every session at once.

The invariants every pair shares are asserted here, once per ERP; the Sage 500 lock is checked below them and
Acumatica's sessions in ``test_acumatica_chaos.py``, from the same runs (``chaos_runs.py``). ``make chaos``
(``ARGS="--pair xcart-acumatica"``) prints the same reports.
"""

from __future__ import annotations

import pytest

from tests.chaos.chaos_runs import BACKENDS, CASES, chaos_report

pytestmark = [pytest.mark.chaos, pytest.mark.slow]


@pytest.mark.parametrize("erp", sorted(CASES))
@pytest.mark.parametrize("backend", BACKENDS)
def test_orders_under_chaos_are_loaded_once_or_quarantined_and_nothing_is_lost(backend, erp, airflow_db,
                                                                               tmp_path_factory):
    case = CASES[erp]
    cfg, report = chaos_report(erp, backend, airflow_db, tmp_path_factory)

    # The invariants: effectively once, nothing lost, exactly the bad orders quarantined, ops alerted.
    assert report["attempted"] == cfg.orders + cfg.invalid
    assert report["duplicates"] == 0, case.duplicate
    assert report["lost"] == [], f"storefront orders neither in {case.label} nor in the DLQ"
    assert report["loaded"] == cfg.orders
    assert report["loaded_and_in_dlq"] == []
    assert report["dlq_matches_seeded_invalid"], (report["dlq_unexpected"], report["dlq_missing"])
    assert report["held"] == report["held_expected"] != []
    assert report["alerts"].get("held", 0) >= 1, "the held-order alert was not raised"
    assert report["written_back"] == cfg.orders

    # The chaos really happened, and was absorbed.
    faults = report["faults_injected"]
    for kind in case.fault_kinds:
        assert faults[kind] > 0, f"no {kind} was injected"
    transient = sum(faults[kind] for kind in case.transient_kinds)
    assert report["client_retries"] >= transient * 0.95, f"the {case.faulty} client retried the injected failures"
    assert report["client_429_waits"] >= report["http_429_served"] - 1, "the client waited out the 429s"
    assert report["kill"]["killed"] and 0 < report["kill"]["sales_orders_at_kill"] < cfg.orders
    assert report["kill"]["run_1_exit"] == -9
    assert report["retry_run"]["succeeded"]
    assert report["ok"], report["problems"]


# -- Sage 500 ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("backend", BACKENDS)
def test_a_sage500_database_locked_during_the_load_makes_the_load_task_retry(backend, airflow_db, tmp_path_factory):
    cfg, report = chaos_report("sage500", backend, airflow_db, tmp_path_factory)
    assert report["lock"]["taken"] and report["lock"]["held_s"] >= cfg.lock_seconds - 0.5
    assert report["load_task_attempts"][0] >= 2, "the Sage 500 lock made the load task retry"
    assert report["sage500_lock_errors_seen"] >= 1
