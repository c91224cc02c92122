"""What an alert says: the DAG, the run, the counts, the details and where to look; never a secret."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from storesync.hooks.errors import PermanentRunError, TransientError
from storesync.alerts.grouping import grouped_alert
from storesync.alerts.messages import MAX_LINES, Alert, failure_alert, scrub

DAG_ID, RUN_ID = "orders__xcart__sage500", "scheduled__2026-11-20T00:00:00+00:00"


def test_a_held_alert_counts_the_orders_and_says_where_to_look():
    alert = grouped_alert(kind="held", pair="xcart-sage500", dag_id=DAG_ID, run_id=RUN_ID,
                          title="2 order(s) held: unknown to the ERP",
                          lines=["order 41: SKU SKU-99999 unknown", "order 42: SKU SKU-88888 unknown"])
    assert alert.counts == {"held": 2}
    text = alert.text()
    for expected in (DAG_ID, RUN_ID, "2 order(s) held", "order 41: SKU SKU-99999", "Counts: held=2",
                     "/dags/orders__xcart__sage500/runs/scheduled__2026-11-20T00%3A00%3A00%2B00%3A00",
                     "FROM dlq WHERE pair = 'xcart-sage500' AND run_id = 'scheduled__2026-11-20T00:00:00+00:00'"):
        assert expected in text, expected
    payload = alert.payload()
    assert payload["kind"] == "held" and payload["dag_id"] == DAG_ID and payload["run_id"] == RUN_ID
    assert payload["where"]["airflow_ui"].startswith("http") and "dlq" in payload["where"]["dlq"]
    assert alert.subject == f"[storesync] held: 2 order(s) held: unknown to the ERP ({DAG_ID})"


def test_a_dlq_alert_counts_by_reason():
    alert = grouped_alert(kind="dlq", pair="p", dag_id=DAG_ID, run_id=RUN_ID, title="5 order(s) sent to the DLQ",
                          lines=["quality:raw: 3", "rejected: 2"])
    assert alert.counts == {"dlq": 5, "by_reason": {"quality:raw": 3, "rejected": 2}}
    assert "Counts: dlq=5; by_reason: quality:raw 3, rejected 2" in alert.text()


def test_many_details_are_cut_with_a_pointer_to_the_dlq():
    lines = [f"order {n}: SKU unknown" for n in range(MAX_LINES + 7)]
    alert = grouped_alert(kind="held", pair="p", dag_id=DAG_ID, run_id=RUN_ID, title="t", lines=lines)
    assert alert.counts == {"held": MAX_LINES + 7}
    assert len(alert.details) == MAX_LINES + 1 and alert.details[-1] == "… and 7 more (see the dlq table)"


def context_for(error, *, task_id="load", try_number=2, max_tries=1):
    ti = SimpleNamespace(task_id=task_id, try_number=try_number, max_tries=max_tries, dag_id=DAG_ID, run_id=RUN_ID)
    return {"ti": ti, "dag": SimpleNamespace(dag_id=DAG_ID), "run_id": RUN_ID, "exception": error}


def test_a_task_failure_names_dag_run_task_try_and_the_error():
    alert = failure_alert(context_for(TransientError("Sage 500 timeout expired")), pair="xcart-sage500")
    assert alert.kind == "task_failed" and alert.task_id == "load" and alert.try_number == 2
    text = alert.text()
    for expected in (DAG_ID, RUN_ID, "task load failed (try 2 of 2)", "TransientError: Sage 500 timeout expired",
                     "/tasks/load?try_number=2", "Where to look"):
        assert expected in text, expected


def test_a_permanent_error_says_it_was_not_retried():
    alert = failure_alert(context_for(PermanentRunError("bad credentials"), try_number=1, max_tries=3), pair="p")
    assert alert.kind == "task_failed"
    assert "try 1 of 4, not retried: the error is permanent" in alert.title


GATE_MESSAGE = ("quality gate 'orders_raw__xcart' failed: 30 of 40 records (75.0%) > max 25.0%: "
                "expect_column_values_to_be_in_set(column=currency, value_set=['USD', 'EUR']) ×28, "
                "expect_column_values_to_be_between(column=min_quantity, min_value=1) ×2")


def test_a_quality_gate_failure_names_each_failed_expectation_and_its_count():
    alert = failure_alert(context_for(PermanentRunError(GATE_MESSAGE), task_id="validate_raw", try_number=1), pair="p")
    assert alert.kind == "quality_gate"
    assert alert.counts == {"failed": 30, "total": 40, "bad_ratio": "75.0%", "max_bad_ratio": "25.0%"}
    assert alert.lines[0] == "expect_column_values_to_be_in_set(column=currency, value_set=['USD', 'EUR']) — 28 record(s)"
    assert alert.lines[1] == "expect_column_values_to_be_between(column=min_quantity, min_value=1) — 2 record(s)"
    assert "validate_raw" in alert.title and "30 of 40 records" in alert.title


def test_other_errors_mentioning_a_quality_gate_are_task_failures():
    assert failure_alert(context_for(ValueError(GATE_MESSAGE)), pair="p").kind == "task_failed"


def test_secrets_are_scrubbed_from_every_text_field():
    alert = Alert(kind="task_failed", pair="p", dag_id=DAG_ID, run_id=RUN_ID, title="login s3cr3t-pass failed",
                  lines=("token=s3cr3t-pass",), error="ConnectionError: user:s3cr3t-pass@host")
    clean = alert.scrubbed(["s3cr3t-pass"])
    assert "s3cr3t-pass" not in str(clean.payload())
    assert "***" in clean.error
    assert scrub("a s3cr3t-pass b", ["s3cr3t-pass", ""]) == "a *** b"


@pytest.mark.parametrize("kind", ["held", "dlq"])
def test_grouped_alerts_keep_the_operator_title(kind):
    alert = grouped_alert(kind=kind, pair="p", dag_id=DAG_ID, run_id=RUN_ID, title="T", lines=[])
    assert alert.title == "T" and alert.kind == kind
