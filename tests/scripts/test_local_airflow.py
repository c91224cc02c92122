"""`make airflow` (scripts/local_airflow.py): what it keeps, what it unpauses, what every component is told."""

from __future__ import annotations

import os

from scripts.local_airflow import airflow_env, pair_dag_ids, prepare_state, unpause
from storesync.config.pairs import load_pairs, pairs_dir


def test_the_demos_sync_store_and_sage500_database_are_kept_and_counted(tmp_path):
    from storesync.store.store import SyncStore

    sync_db, sage = tmp_path / "sync.db", tmp_path / "sage500.db"
    sage.write_bytes(b"demo erp")
    with SyncStore(f"sqlite:///{sync_db}") as store:
        store.create_all()
        store.finish_run("xcart-sage500", "orders", "r1", counts={"extracted": 3})
        store.quarantine("xcart-sage500", "orders", "order", "7", "load", "unknown_item", "SKU unknown")
    state = prepare_state(sync_db, sage, reset=False)
    assert "kept the earlier sync store (1 runs, 1 open or held DLQ items) and the Sage 500 database" in state
    assert "--reset" in state
    assert sync_db.exists() and sage.read_bytes() == b"demo erp"


def test_reset_removes_both_and_says_so(tmp_path):
    sync_db, sage = tmp_path / "sync.db", tmp_path / "sage500.db"
    sync_db.write_bytes(b"x")
    sage.write_bytes(b"y")
    state = prepare_state(sync_db, sage, reset=True)
    assert state.startswith("reset: ") and "sync.db" in state and "sage500.db" in state
    assert not sync_db.exists() and not sage.exists()


def test_every_component_gets_the_sandbox_connections_unpaused_dags_and_the_test_button():
    env = airflow_env({"AIRFLOW_CONN_XCART_DEFAULT": "{}"}, paused=False, base={"PATH": "/usr/bin"})
    assert env["AIRFLOW_CONN_XCART_DEFAULT"] == "{}"
    assert env["AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION"] == "False"
    assert env["AIRFLOW__CORE__TEST_CONNECTION"] == "Enabled"
    assert airflow_env({}, paused=True, base={})["AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION"] == "True"


def test_pair_dag_ids_name_every_dag_of_the_pairs():
    ids = pair_dag_ids(load_pairs(str(pairs_dir())))
    for system in ("sage500", "acumatica"):
        for flow in ("orders", "customers", "inventory", "products", "payments", "refunds", "shipments",
                     "reconciliation", "dlq_replay"):
            assert f"{flow}__xcart__{system}" in ids
        assert f"customers_from_erp__xcart__{system}" not in ids  # a leg: it runs inside the customers DAG


def test_dags_left_paused_by_an_earlier_run_are_unpaused(airflow_db):
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{airflow_db}")
    with engine.connect() as conn:
        required = [row[1] for row in conn.execute(text("PRAGMA table_info(dag)")).all()
                    if row[3] and row[4] is None and row[1] not in ("dag_id", "is_paused", "bundle_name")]
    values = {name: "" if name.endswith("_type") or name.endswith("summary") else 0 for name in required}
    with engine.begin() as conn:
        conn.execute(text("INSERT OR IGNORE INTO dag_bundle (name, active) VALUES ('dags-folder', 1)"))
        for dag_id in ("orders__xcart__sage500", "payments__xcart__sage500", "someone_elses_dag"):
            conn.execute(text("DELETE FROM dag WHERE dag_id = :dag_id"), {"dag_id": dag_id})
            columns = ", ".join(["dag_id", "is_paused", "bundle_name", *values])
            marks = ", ".join([":dag_id", "1", "'dags-folder'", *(f":{name}" for name in values)])
            conn.execute(text(f"INSERT INTO dag ({columns}) VALUES ({marks})"), {"dag_id": dag_id, **values})
    changed = unpause(["orders__xcart__sage500", "payments__xcart__sage500", "not_in_the_db"], dict(os.environ))
    assert changed == 2
    with engine.connect() as conn:
        paused = dict(conn.execute(text("SELECT dag_id, is_paused FROM dag")).all())
    assert paused["orders__xcart__sage500"] == 0 and paused["payments__xcart__sage500"] == 0
    assert paused["someone_elses_dag"] == 1
