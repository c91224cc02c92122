"""``dlq replay --run-now``: run a replay's flow DAG in this process, with the connections the local Airflow uses.

A shell has none of the ``AIRFLOW_CONN_*`` variables ``make demo`` and ``make airflow`` set, so the connections a
run needs (the sync store, the pair's storefront and ERP) are taken from the environment when defined there,
else from ``airflow_settings.yaml`` exactly as the local Airflow loads them (``include.sandbox.settings``); the
store the CLI was pointed at (``--store-url``) is the one the run writes to. Before any task starts, each
connection is checked: defined, and its server answering (or its SQLite file present); a problem stops the
replay within seconds, naming the connection and what is wrong, instead of a run whose every task fails and
retries with backoff.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
CONNECT_TIMEOUT = 2.0


def env_name(conn_id: str) -> str:
    return f"AIRFLOW_CONN_{conn_id.upper()}"


def needed_connections(pair) -> list[str]:
    return list(dict.fromkeys([pair.store_conn_id, pair.storefront.conn_id, pair.erp.conn_id]))


def settings_connections(settings_file: Path | None = None) -> dict[str, str]:
    """``{conn_id: AIRFLOW_CONN json}`` from ``airflow_settings.yaml`` (paths resolved as the local Airflow does)."""
    if str(ROOT) not in sys.path:
        sys.path.append(str(ROOT))
    from include.sandbox.settings import SETTINGS_FILE, connection_env

    path = settings_file or SETTINGS_FILE
    if not path.exists():
        return {}
    return {name[len("AIRFLOW_CONN_"):].lower(): value for name, value in connection_env(path=path).items()}


def prepare_connections(pair, *, store_url: str | None = None, environ: dict[str, str] | None = None,
                        settings_file: Path | None = None) -> tuple[list[str], list[str]]:
    """Define the run's connections in ``environ`` (default ``os.environ``); returns (what was loaded from
    where, problems). Connections already defined in the environment are kept as they are."""
    environ = os.environ if environ is None else environ
    loaded, problems = [], []
    if store_url:
        environ[env_name(pair.store_conn_id)] = json.dumps({"conn_type": "storesync", "extra": {"url": store_url}})
        loaded.append(f"{pair.store_conn_id}: the store given with --store-url")
    from_settings = None
    for conn_id in needed_connections(pair):
        if env_name(conn_id) in environ:
            continue
        if from_settings is None:
            from_settings = settings_connections(settings_file)
        if conn_id in from_settings:
            environ[env_name(conn_id)] = from_settings[conn_id]
            loaded.append(f"{conn_id}: from airflow_settings.yaml")
        elif not _defined_in_airflow(conn_id):
            problems.append(f"connection '{conn_id}' is not defined: not in {env_name(conn_id)}, airflow_settings.yaml "
                            "or Airflow's connections (airflow connections add …)")
    for conn_id in needed_connections(pair):
        if env_name(conn_id) in environ:
            problem = check_reachable(conn_id, json.loads(environ[env_name(conn_id)]))
            if problem:
                problems.append(problem)
    return loaded, problems


def _defined_in_airflow(conn_id: str) -> bool:
    try:
        from airflow.models.connection import Connection

        Connection.get_connection_from_secrets(conn_id)
        return True
    except Exception:  # noqa: BLE001 - not found, or no metadata DB: either way the run could not use it
        return False


def check_reachable(conn_id: str, conn: dict[str, Any]) -> str | None:
    """Why a run could not use this connection (server not answering, database file missing), or None."""
    extra = conn.get("extra") or {}
    if isinstance(extra, str):
        extra = json.loads(extra or "{}")
    host = conn.get("host") or ""
    if host:
        parts = urlsplit(host if "://" in host else f"//{host}")
        port = conn.get("port") or parts.port or (443 if parts.scheme == "https" else 80)
        try:
            with socket.create_connection((parts.hostname, int(port)), timeout=CONNECT_TIMEOUT):
                return None
        except OSError as exc:
            return (f"connection '{conn_id}': {parts.hostname}:{port} does not answer ({exc.strerror or exc}); "
                    "start the system (e.g. make sandbox) or fix the connection")
    schema = conn.get("schema")
    if extra.get("dialect") == "sqlite" and schema and not Path(schema).exists():
        return f"connection '{conn_id}': database file {schema} does not exist (run make demo or make sandbox first)"
    return None


def run_request(request, *, store, store_url: str | None = None) -> tuple[str, str | None, dict[int, str]]:
    """Run one ``ReplayRequest``'s DAG with ``dag.test`` and settle its items: (run state, error, outcomes).

    Problems found before the run settle the items at once (``replay_failed``, the problem as the error)."""
    from storesync.config.pairs import get_pair
    from storesync.dlq_service import settle_replay

    pair = get_pair(request.pair)
    _, problems = prepare_connections(pair, store_url=store_url)
    if problems:
        error = "; ".join(problems)
        return "not started", error, settle_replay(store, request, run_id=None, run_state="not started", error=error)
    run_id, state, error = None, "failed", None
    try:
        from storesync.inprocess_runs import run_in_process

        dag = load_dag(request.dag_id)
        run = run_in_process(dag, run_conf=request.conf)  # its logs and duration as the UI should show them
        run_id, state = run.run_id, str(run.state)
        if state != "success":
            failed = [ti.task_id for ti in run.get_task_instances() if str(ti.state) in ("failed", "upstream_failed")]
            error = f"run {run_id} {state}" + (f": task(s) {', '.join(failed)} failed (see their logs)" if failed else "")
    except Exception as exc:  # noqa: BLE001 - whatever stopped the run is the replay's error, recorded on the items
        error = f"{type(exc).__name__}: {exc}"
    return state, error, settle_replay(store, request, run_id=run_id, run_state=state, error=error)


def load_dag(dag_id: str):
    """The DAG from its own file (``<flow>.py``), so one replay does not parse every DAG."""
    from airflow.dag_processing.dagbag import DagBag

    flow = dag_id.split("__", 1)[0]
    path = ROOT / "dags" / f"{flow}.py"
    bag = DagBag(dag_folder=str(path if path.exists() else ROOT / "dags"))
    if dag_id not in bag.dags:
        errors = "; ".join(f"{k}: {v.splitlines()[-1] if v else v}" for k, v in bag.import_errors.items())
        raise LookupError(f"DAG {dag_id} not found in {path}" + (f" ({errors})" if errors else ""))
    return bag.dags[dag_id]
