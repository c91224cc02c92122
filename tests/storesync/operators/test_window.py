"""The extraction window: the data interval plus overlap, a requested re-sync range, or a manual look-back."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from storesync.config.pairs import get_pair
from storesync.operators.base import extraction_window

T0 = datetime(2026, 11, 20, 10, tzinfo=timezone.utc)
FLOW = get_pair("xcart-sage500").flows["orders"]


def test_a_scheduled_run_reads_its_interval_widened_by_the_overlap():
    since, until = extraction_window({"data_interval_start": T0, "data_interval_end": T0 + timedelta(hours=1)}, FLOW)
    assert since == T0 - timedelta(minutes=FLOW.extract_overlap_minutes)
    assert until == T0 + timedelta(hours=1)


def test_a_resync_range_replaces_the_interval():
    context = {"data_interval_start": T0, "data_interval_end": T0 + timedelta(hours=1),
               "params": {"resync_from": "2026-11-01T00:00:00+00:00", "resync_to": "2026-11-03T00:00:00+00:00"}}
    assert extraction_window(context, FLOW) == (datetime(2026, 11, 1, tzinfo=timezone.utc),
                                                datetime(2026, 11, 3, tzinfo=timezone.utc))


def test_a_manual_run_without_a_logical_date_looks_back_from_when_it_was_asked_to_run():
    context = {"data_interval_start": None, "data_interval_end": None, "dag_run": SimpleNamespace(run_after=T0)}
    since, until = extraction_window(context, FLOW)
    assert until == T0
    assert since == T0 - timedelta(hours=24, minutes=FLOW.extract_overlap_minutes)
