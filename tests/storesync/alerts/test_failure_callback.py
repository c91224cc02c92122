"""Task failures alert through the factory's ``on_failure_callback``: once, after the last retry (run by ``dag.test``).

``dag.test`` runs a DAG that the metadata database knows from a bundle, so the test writes a small DAG file
into its own local bundle: three tasks with the pair's ``default_args``, two failing with a transient error
(retried) and one with the quality gate's permanent error (not retried).
"""

from __future__ import annotations

import json
import textwrap

import pytest

from tests.storesync.alerts.test_messages import GATE_MESSAGE

pytestmark = pytest.mark.integration
DAG_ID = "alerts_callback_test"

DAG_FILE = textwrap.dedent('''
    import os
    from pathlib import Path

    from airflow.providers.standard.operators.python import PythonOperator
    from airflow.sdk import DAG

    from storesync.config.pairs import get_pair
    from storesync.factory import default_args
    from storesync.hooks.errors import PermanentRunError, TransientError


    def fail(name, error):
        def run():
            with open(Path(os.environ["ALERTS_TEST_ATTEMPTS"]) / name, "a") as attempts:
                attempts.write("x")
            raise error
        return run


    with DAG(dag_id="{dag_id}", schedule=None, default_args=default_args(get_pair("xcart-sage500"))) as dag:
        PythonOperator(task_id="flaky", python_callable=fail("flaky", TransientError("Sage 500: timeout expired")))
        PythonOperator(task_id="flaky_too", python_callable=fail("flaky_too", TransientError("X-Cart: HTTP 503")))
        PythonOperator(task_id="validate_raw", python_callable=fail("validate_raw", PermanentRunError({gate!r})))
''')


@pytest.fixture
def failing_dag(tmp_path, monkeypatch, airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    folder, attempts = tmp_path / "dags", tmp_path / "attempts"
    folder.mkdir()
    attempts.mkdir()
    (folder / "alerts_callback_dag.py").write_text(DAG_FILE.format(dag_id=DAG_ID, gate=GATE_MESSAGE))
    monkeypatch.setenv("ALERTS_TEST_ATTEMPTS", str(attempts))
    local = "airflow.dag_processing.bundles.local.LocalDagBundle"
    monkeypatch.setenv("AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST", json.dumps([
        {"name": "dags-folder", "classpath": local, "kwargs": {}},
        {"name": "alerts-test", "classpath": local, "kwargs": {"path": str(folder)}},
    ]))

    def get():
        bag = DagBag(dag_folder=str(folder))
        assert bag.import_errors == {}
        return bag.dags[DAG_ID]

    def tries() -> dict[str, int]:
        return {path.name: len(path.read_text()) for path in attempts.iterdir()}

    return get, tries


def test_failure_callbacks_alert_once_per_run_and_kind_after_the_last_retry(sink, pair_env, failing_dag):
    pair_env(retries={"count": 2, "delay_seconds": 0.05, "exponential_backoff": 1.0, "max_delay_seconds": 1})
    get_dag, tries = failing_dag
    run = get_dag().test()
    assert str(run.state) == "failed"
    # Transient errors were retried (3 tries each); the gate's permanent error was not.
    assert tries() == {"flaky": 3, "flaky_too": 3, "validate_raw": 1}
    assert sink.wait_for(webhooks=2, emails=2)
    bodies = sorted((w["body"] for w in sink.webhooks), key=lambda b: b["kind"])
    assert [b["kind"] for b in bodies] == ["quality_gate", "task_failed"], "one alert per kind, not per task or try"
    assert sorted(m["subject"].split(":")[0] for m in sink.emails) == ["[storesync] quality_gate", "[storesync] task_failed"]

    gate, failed = bodies
    assert gate["task_id"] == "validate_raw" and gate["try_number"] == 1 and gate["run_id"] == run.run_id
    assert "expect_column_values_to_be_in_set(column=currency" in gate["text"]
    assert gate["counts"]["failed"] == 30 and gate["counts"]["total"] == 40

    assert failed["try_number"] == 3, "on_failure_callback runs only after the last retry"
    assert failed["task_id"] in ("flaky", "flaky_too") and "try 3 of 3" in failed["title"]
    assert "TransientError" in failed["error"] and failed["dag_id"] == DAG_ID
    assert f"/dags/{DAG_ID}/runs/" in failed["where"]["airflow_ui"]
