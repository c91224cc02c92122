"""A DAG run in-process (make demo, dlq replay --run-now) shows in the Airflow UI as it happened.

Each scenario runs in a process of its own, with its own DAGs folder and a copy of the session's migrated
metadata database: the tiny DAG must be its DAGs folder's only DAG, and the task-log listener the scenario
registers must not outlive it in the test session.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.conftest import ROOT

TINY_DAG = '''
import logging
from datetime import datetime
from airflow.sdk import dag, task

@dag(dag_id="inprocess_tiny", schedule="@hourly", start_date=datetime(2026, 1, 1), catchup=False)
def tiny():
    @task
    def say_hello():
        from airflow.sdk.log import mask_secret

        mask_secret("tiny-secret-9f3e")  # as a hook registers a connection's password
        logging.getLogger("airflow.task").info("hello from say_hello <&> 42")
        logging.getLogger("airflow.task").info("connecting with tiny-secret-9f3e to "
                                               "https://shop/admin.php?_key=unregistered-key-77")

    @task
    def fail_loudly():
        raise ValueError("the record SKU-1 has no price")

    say_hello() >> fail_loudly()

tiny()
'''

SCENARIO = '''
import json, sys
from datetime import datetime, timezone
from airflow.dag_processing.dagbag import DagBag
from storesync.inprocess_runs import run_in_process, task_log_path

logical_date = datetime.fromisoformat(sys.argv[1])
dag = DagBag(dag_folder=sys.argv[2]).dags["inprocess_tiny"]
called_at = datetime.now(timezone.utc)
run = run_in_process(dag, logical_date=logical_date)

from airflow.models.dagrun import DagRun
from airflow.utils.session import create_session

with create_session() as session:
    stored = session.query(DagRun).filter_by(dag_id=run.dag_id, run_id=run.run_id).one()
    logs = {ti.task_id: str(task_log_path(ti)) for ti in stored.get_task_instances(session=session)}
    print("RESULT " + json.dumps({"state": str(run.state), "called_at": called_at.isoformat(),
                                  "start": stored.start_date.isoformat(), "end": stored.end_date.isoformat(),
                                  "logs": logs}))
'''


@pytest.fixture
def run_tiny(tmp_path, airflow_db):
    folder = tmp_path / "dags"
    folder.mkdir()
    (folder / "tiny.py").write_text(TINY_DAG)
    home = tmp_path / "airflow"
    home.mkdir()
    shutil.copy(airflow_db, home / "airflow.db")

    def run(logical_date: datetime) -> dict:
        env = {**os.environ, "AIRFLOW_HOME": str(home), "AIRFLOW__CORE__DAGS_FOLDER": str(folder),
               "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
               "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'plugins'}"}
        result = subprocess.run([sys.executable, "-c", SCENARIO, logical_date.isoformat(), str(folder)], env=env,
                                capture_output=True, text=True, timeout=300, cwd=ROOT)
        lines = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
        assert lines, f"the scenario printed no result:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
        found = json.loads(lines[-1][len("RESULT "):])
        for name in ("called_at", "start", "end"):
            found[name] = datetime.fromisoformat(found[name])
        found["logs"] = {task: Path(path) for task, path in found["logs"].items()}
        return found

    return run


def test_a_run_for_an_hour_long_past_lasts_as_long_as_its_tasks_took_and_keeps_every_task_log(run_tiny):
    hours_ago = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) - timedelta(hours=5)
    run = run_tiny(hours_ago)

    assert run["state"] == "failed"
    assert run["start"] >= run["called_at"], "the run starts when its first task started, not at its logical date"
    assert run["end"] - run["start"] < timedelta(hours=1)
    assert "hello from say_hello <&> 42" in run["logs"]["say_hello"].read_text()
    assert "the record SKU-1 has no price" in run["logs"]["fail_loudly"].read_text()


def test_the_ui_log_reader_parses_the_kept_log_into_timestamped_lines(run_tiny):
    from airflow.utils.log.file_task_handler import _log_stream_to_parsed_log_stream

    run = run_tiny(datetime(2026, 6, 1, tzinfo=timezone.utc))
    lines = run["logs"]["say_hello"].read_text().splitlines()
    parsed = [message for _, _, message in _log_stream_to_parsed_log_stream(iter(lines))]
    said = [m for m in parsed if m.event == "hello from say_hello <&> 42"]
    assert said and said[0].timestamp is not None and said[0].level == "info"


def test_the_kept_log_holds_no_secret_a_task_registered_nor_a_credential_in_a_url(run_tiny):
    run = run_tiny(datetime(2026, 6, 2, tzinfo=timezone.utc))
    text = run["logs"]["say_hello"].read_text()
    assert "connecting with" in text, "the line was kept"
    assert "tiny-secret-9f3e" not in text and "unregistered-key-77" not in text
