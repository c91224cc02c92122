"""The rate-limit run: the orders flow into the Acumatica emulator limited to 1,500 requests a minute (its real
clock: a sliding 60-second window) with 20 ms per request, the connection's ``requests_per_minute`` set to the
licence limit. After the first minute no request may be refused for the limit, and no sales order may be
created twice.

2,000 orders: about 2,300 Acumatica requests (1.09 per order in the load), so the load alone takes ~90 s at
the limit (the client on its own sends ~2,200 a minute here, so the limit binds). The scenario lives in
``scripts/chaos_acumatica.py`` (``make chaos PAIR=xcart-acumatica`` prints the same report after the chaos one).
"""

from __future__ import annotations

import pytest

from tests.figures import show_printed

pytestmark = [pytest.mark.chaos, pytest.mark.slow]


def test_orders_at_the_licence_limit_get_no_429_after_the_first_minute_and_no_duplicate(airflow_db, tmp_path):
    from scripts.chaos_acumatica import RateLimitConfig, print_rate_limit_report, run_rate_limit

    cfg = RateLimitConfig()
    report = run_rate_limit(cfg, tmp_path / "rate-limit", airflow_db=airflow_db, say=print)
    show_printed("rate-limit run: X-Cart → Acumatica", print_rate_limit_report, report)

    assert report["run_exit"] == 0
    assert report["loaded"] == cfg.orders and report["duplicates"] == 0
    assert report["acumatica_traffic_seconds"] > 60, "the run must outlast the first minute to show anything"
    assert report["http_429_after_first_minute"] == 0, report["seconds_of_429s"]
    assert report["ok"], report["problems"]
