"""A DAG run in-process (make demo, dlq replay --run-now) shows in the Airflow UI as it happened."""

from __future__ import annotations

import textwrap
from datetime import datetime, timedelta, timezone

import pytest


@pytest.fixture
def tiny_dag(tmp_path, airflow_db, monkeypatch):
    # dag.test serializes the DAG from the DAGs folder's bundle first: the folder is this test's.
    folder = tmp_path / "dags"
    monkeypatch.setenv("AIRFLOW__CORE__DAGS_FOLDER", str(folder))
    folder.mkdir()
    (folder / "tiny.py").write_text(textwrap.dedent('''
        import logging
        from datetime import datetime
        from airflow.sdk import dag, task

        @dag(dag_id="inprocess_tiny", schedule="@hourly", start_date=datetime(2026, 1, 1), catchup=False)
        def tiny():
            @task
            def say_hello():
                logging.getLogger("airflow.task").info("hello from say_hello <&> 42")

            @task
            def fail_loudly():
                raise ValueError("the record SKU-1 has no price")

            say_hello() >> fail_loudly()

        tiny()
    '''))
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import BundleDagBag, DagBag, sync_bag_to_db
    from airflow.utils.session import create_session

    # dag.test finds a DAG's serialized form through its bundle; a session that ran other DAGs keeps the
    # project's DAGs folder as that bundle, so this DAG is written to the metadata database here, in it.
    with create_session() as session:
        DagBundlesManager().sync_bundles_to_db(session=session)
    sync_bag_to_db(BundleDagBag(dag_folder=str(folder), bundle_path=folder, bundle_name="dags-folder"),
                   "dags-folder", None)
    return DagBag(dag_folder=str(folder)).dags["inprocess_tiny"]


def test_a_run_for_an_hour_long_past_lasts_as_long_as_its_tasks_took_and_keeps_every_task_log(tiny_dag):
    from storesync.inprocess_runs import run_in_process, task_log_path

    hours_ago = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) - timedelta(hours=5)
    called_at = datetime.now(timezone.utc)
    run = run_in_process(tiny_dag, logical_date=hours_ago)

    assert str(run.state) == "failed"
    assert run.start_date >= called_at, "the run starts when its first task started, not at its logical date"
    assert run.end_date - run.start_date < timedelta(hours=1)

    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session

    with create_session() as session:
        stored = session.query(DagRun).filter_by(dag_id=run.dag_id, run_id=run.run_id).one()
        assert stored.start_date >= called_at, "the metadata database the UI reads holds the real start"
        instances = {ti.task_id: ti for ti in stored.get_task_instances(session=session)}

    hello = task_log_path(instances["say_hello"]).read_text()
    assert "hello from say_hello <&> 42" in hello
    failure = task_log_path(instances["fail_loudly"]).read_text()
    assert "the record SKU-1 has no price" in failure


def test_the_ui_log_reader_parses_the_kept_log_into_timestamped_lines(tiny_dag):
    from storesync.inprocess_runs import run_in_process, task_log_path
    from airflow.utils.log.file_task_handler import _log_stream_to_parsed_log_stream

    run = run_in_process(tiny_dag, logical_date=datetime(2026, 6, 1, tzinfo=timezone.utc))
    hello = next(ti for ti in run.get_task_instances() if ti.task_id == "say_hello")
    lines = task_log_path(hello).read_text().splitlines()
    parsed = [message for _, _, message in _log_stream_to_parsed_log_stream(iter(lines))]
    said = [m for m in parsed if m.event == "hello from say_hello <&> 42"]
    assert said and said[0].timestamp is not None and said[0].level == "info"
