"""The reconciliation's tables in the sync store, on SQLite and PostgreSQL: a day replaced as a whole and alone,
pending lines carried forward until resolved, and the flow runs the daily DAG waits for."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from tests.storesync.store.conftest import backend, module_store, pg_server, store  # noqa: F401  (fixtures)

PAIR = "xcart-sage500"
D1, D2, D3 = date(2026, 11, 18), date(2026, 11, 19), date(2026, 11, 20)


def line(no: int, key: str, status: str = "matched", **values) -> dict:
    return {"line_no": no, "kind": key.split(":")[0], "status": status, "line_key": key, "reason": "", **values}


def run(lines: int = 1) -> dict:
    return {"dag_id": "reconciliation__xcart__sage500", "run_id": "r", "lines": lines, "exceptions": 0,
            "counts": {"by_status": {"matched": lines}}, "files": None}


def test_a_day_is_replaced_as_a_whole_and_other_days_and_pairs_are_untouched(store):  # noqa: F811
    store.replace_reconciliation(PAIR, D1, [line(1, "order:1")], run=run())
    store.replace_reconciliation("other-pair", D2, [line(1, "order:1")], run=run())
    store.replace_reconciliation(PAIR, D2, [line(1, "order:2"), line(2, "order:3")], run=run(2))
    store.replace_reconciliation(PAIR, D2, [line(1, "order:4", store_total=Decimal("12.30"))], run=run())
    assert [r["line_key"] for r in store.reconciliation_lines(PAIR, D2)] == ["order:4"]
    assert store.reconciliation_lines(PAIR, D2)[0]["store_total"] == Decimal("12.30")
    assert [r["line_key"] for r in store.reconciliation_lines(PAIR, D1)] == ["order:1"]
    assert len(store.reconciliation_lines("other-pair", D2)) == 1
    assert store.reconciliation_run(PAIR, D2)["lines"] == 1


def test_publishing_notes_the_files_on_the_days_run(store):  # noqa: F811
    store.replace_reconciliation(PAIR, D1, [], run=run(0))
    assert store.mark_reconciliation_published(PAIR, D1, {"csv": "file:///x.csv"}) == 1
    assert store.reconciliation_run(PAIR, D1)["files"] == {"csv": "file:///x.csv"}
    assert store.mark_reconciliation_published(PAIR, D2, {"csv": "file:///y.csv"}) == 0


def test_pending_lines_are_carried_until_a_later_day_resolves_them(store):  # noqa: F811
    store.replace_reconciliation(PAIR, D1, [line(1, "payment:5", "pending", pending_since=D1),
                                            line(2, "payment:6", "pending", pending_since=D1),
                                            line(3, "payment:7", "matched")], run=run(3))
    store.replace_reconciliation(PAIR, D2, [line(1, "payment:5", "matched", pending_since=D1),
                                            line(2, "payment:8", "pending", pending_since=D2)], run=run(2))
    carried = store.pending_reconciliation_lines(PAIR, before=D3, since=D1)
    assert [(r["line_key"], r["day"]) for r in carried] == [("payment:6", D1), ("payment:8", D2)]
    assert [r["line_key"] for r in store.pending_reconciliation_lines(PAIR, before=D2, since=D1)] == [
        "payment:5", "payment:6"], "a re-run of an earlier day sees what was pending before it"
    assert store.pending_reconciliation_lines(PAIR, before=D3, since=D2)[0]["line_key"] == "payment:8", \
        "lines older than the look-back are no longer carried"


def test_a_flow_covers_the_day_with_a_finished_run_reaching_its_end_and_nothing_unaccounted(store):  # noqa: F811
    day_end = datetime(2026, 11, 20, tzinfo=timezone.utc)
    store.start_run(PAIR, "orders", "early", interval_start=day_end - timedelta(hours=2),
                    interval_end=day_end - timedelta(hours=1))
    store.finish_run(PAIR, "orders", "early", {"unaccounted": 0})
    store.start_run(PAIR, "payments", "broken", interval_start=day_end - timedelta(hours=1), interval_end=day_end)
    store.finish_run(PAIR, "payments", "broken", {"unaccounted": 3})
    store.start_run(PAIR, "refunds", "running", interval_start=day_end, interval_end=day_end + timedelta(hours=1))
    found = store.completed_flow_runs(PAIR, ["orders", "payments", "refunds"], day_end)
    assert found == {"orders": None, "payments": None, "refunds": None}

    store.start_run(PAIR, "orders", "covering", interval_start=day_end - timedelta(hours=1), interval_end=day_end)
    store.finish_run(PAIR, "orders", "covering", {"unaccounted": 0})
    store.finish_run(PAIR, "refunds", "running", {"unaccounted": 0})
    found = store.completed_flow_runs(PAIR, ["orders", "payments", "refunds"], day_end)
    assert {flow: run and run["run_id"] for flow, run in found.items()} == {
        "orders": "covering", "payments": None, "refunds": "running"}
