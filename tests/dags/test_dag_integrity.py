"""Every DAG file imports cleanly, fast, and every DAG carries tags, an owner and retries with backoff."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DAG_FILES = sorted((ROOT / "dags").glob("*.py"))


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(ROOT / "dags"))


def test_every_dag_file_imports_without_errors(dagbag):
    assert dagbag.import_errors == {}


def test_the_default_pair_has_an_orders_dag(dagbag):
    assert "orders__xcart__sage500" in dagbag.dag_ids


@pytest.mark.parametrize("dag_id", ["orders__xcart__sage500", "products__xcart__sage500", "inventory__xcart__sage500"])
def test_dags_have_tags_owner_and_exponential_retries(dagbag, dag_id):
    dag = dagbag.dags[dag_id]
    assert dag.tags, f"{dag_id} has no tags"
    assert dag.doc_md, f"{dag_id} has no doc_md"
    for task in dag.tasks:
        if getattr(task, "needs_no_retries", False):
            continue
        assert task.retries >= 1, f"{dag_id}.{task.task_id} has no retries"
        assert task.retry_exponential_backoff, f"{dag_id}.{task.task_id} retries without exponential backoff"
        assert task.owner and task.owner != "airflow", f"{dag_id}.{task.task_id} has no owner"


def test_every_dag_has_retries_and_tags(dagbag):
    problems = []
    for dag_id, dag in dagbag.dags.items():
        if not dag.tags:
            problems.append(f"{dag_id}: no tags")
        problems += [f"{dag_id}.{t.task_id}: no retries" for t in dag.tasks
                     if not t.retries and not getattr(t, "needs_no_retries", False)]
    assert problems == []


def test_a_failed_task_fails_the_run_through_the_watcher_leaf(dagbag):
    dag = dagbag.dags["orders__xcart__sage500"]
    watcher = dag.get_task("fail_run_if_a_task_failed")
    assert watcher.trigger_rule == "one_failed"
    assert {t.task_id for t in dag.tasks if not t.downstream_task_ids} == {"fail_run_if_a_task_failed"}
    assert watcher.upstream_task_ids == {t.task_id for t in dag.tasks} - {"fail_run_if_a_task_failed"}
    assert watcher.on_failure_callback in (None, []), "the failed task already alerted"


def test_orders_dag_runs_extract_gate_transform_gate_load_write_back_report(dagbag):
    dag = dagbag.dags["orders__xcart__sage500"]
    order = ["extract", "validate_raw", "transform", "validate_target", "load", "write_back", "report"]
    for upstream, downstream in zip(order, order[1:]):
        assert downstream in dag.get_task(upstream).downstream_task_ids


def test_write_back_holds_a_pool_slot_per_request_in_flight_and_the_local_pools_have_them(dagbag):
    import yaml

    from storesync.config.pairs import INCLUDE_DIR, load_pairs

    settings = yaml.safe_load((ROOT / "airflow_settings.yaml").read_text())
    slots = {pool["pool_name"]: pool["pool_slot"] for pool in settings["airflow"]["pools"]}
    for pair in load_pairs(str(INCLUDE_DIR / "pairs")):
        storefront = pair.endpoint("storefront")
        task = dagbag.dags[pair.dag_id("orders")].get_task("write_back")
        assert task.pool == storefront.pool
        assert task.pool_slots == storefront.write_concurrency
        # A task asking for more slots than its pool has is never scheduled.
        assert slots[storefront.pool] >= storefront.write_concurrency, pair.name


@pytest.mark.parametrize("dag_file", DAG_FILES, ids=lambda p: p.name)
def test_dag_files_do_not_import_pandas_or_great_expectations(dag_file):
    code = (
        "import sys, runpy; runpy.run_path(sys.argv[1]);"
        "heavy = [m for m in ('pandas', 'great_expectations', 'pyodbc') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    result = subprocess.run([sys.executable, "-c", code, str(dag_file)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1:] in ([], [""]), f"heavy imports at parse time: {result.stdout}"
