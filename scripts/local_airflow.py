"""`make airflow`: a local Airflow (UI, scheduler, dag-processor, triggerer) running what the demo runs.

- Every system the configured pairs talk to runs as a sandbox (X-Cart, Sage 500, Acumatica) and so does the
  alert sink, so alerts are delivered (webhook and e-mail) and can be read at ``<sink>/_sink/messages``.
- The pairs' DAGs are unpaused (new ones are created unpaused; ones left paused by an earlier run are
  unpaused), so schedules and backfills run; ``--paused`` leaves them paused and says how to unpause.
- What ``make demo`` left is kept: the sync store (runs, DLQ, cross-references, reconciliation) and the Sage 500
  database; ``--reset`` starts both afresh and says so. The X-Cart and Acumatica emulators hold their data in
  memory and always start seeded afresh.
- The connection form's Test button is enabled; the ops console is at ``/storesync/`` (Browse → Storesync ops).

Everything runs in its own process group and stops on Ctrl-C (or SIGTERM): Airflow first, then the sandbox,
so nothing is left behind. The login is printed once the API server has written it.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "plugins")]
UI_PORT = int(os.environ.get("AIRFLOW_UI_PORT", "8080"))
SAGE500_SANDBOX_PROCEDURES = "sandbox=include.sandbox.sage500.import_procedures:SandboxImportProcedures"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reset", action="store_true",
                        help="start the sync store and the Sage 500 database afresh (default: keep the demo's)")
    parser.add_argument("--paused", action="store_true", help="leave the pairs' DAGs paused")
    args = parser.parse_args(argv)

    from include.sandbox.runtime import Sandbox, SandboxOptions
    from storesync.config.pairs import load_pairs, pairs_dir

    airflow_home = Path(os.environ.get("AIRFLOW_HOME", ROOT / ".local" / "airflow"))
    airflow_home.mkdir(parents=True, exist_ok=True)
    stop = {"requested": False}

    def request_stop(*_):
        stop["requested"] = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    pairs = load_pairs(str(pairs_dir()))
    options = SandboxOptions(xcart_port=int(os.environ.get("XCART_PORT", "8081")),
                             acumatica_port=int(os.environ.get("ACUMATICA_PORT", "8082")),
                             alert_http_port=int(os.environ.get("ALERTSINK_HTTP_PORT", "8025")),
                             alert_smtp_port=int(os.environ.get("ALERTSINK_SMTP_PORT", "2525")), days=3)
    with Sandbox(options) as sandbox:
        state = prepare_state(sandbox.data_dir / "sync.db", sandbox.sage500_path, reset=args.reset)
        for line in sandbox.start_for_pairs(pairs, keep_erp_data=not args.reset):
            print(line, flush=True)
        env = airflow_env(sandbox.connection_env(), paused=args.paused)
        migrate_and_create_pools(env)
        dag_ids = pair_dag_ids(pairs)
        unpaused = 0 if args.paused else unpause(dag_ids, env)
        airflow = subprocess.Popen([sys.executable, "-m", "airflow", "standalone"], env=env, cwd=ROOT,
                                   stdout=open(airflow_home / "standalone.log", "a"), stderr=subprocess.STDOUT,
                                   start_new_session=True)
        print(f"Airflow starting (log: {airflow_home / 'standalone.log'}) …", flush=True)
        printed = False
        try:
            while not stop["requested"] and airflow.poll() is None:
                if not printed and print_login(airflow_home):
                    printed = True
                    print(banner(sandbox, state, dag_ids, paused=args.paused, unpaused=unpaused), flush=True)
                time.sleep(1)
        finally:
            stop_group(airflow)
        print("stopped Airflow and the sandbox", flush=True)
    return 0


def airflow_env(connections: dict[str, str], *, paused: bool, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of every Airflow component: the sandbox's connections and the local settings."""
    venv_bin = str(Path(sys.executable).parent)  # standalone starts its components as `airflow …`
    base = dict(os.environ if base is None else base)
    return {**base, **connections,
            "AIRFLOW__CORE__PARALLELISM": "2", "AIRFLOW__API__PORT": str(UI_PORT),
            # Workers reach the API server here; Airflow's default assumes port 8080.
            "AIRFLOW__API__BASE_URL": f"http://localhost:{UI_PORT}",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://localhost:{UI_PORT}/execution/",
            # New DAGs start unpaused, as in the demo (which runs them at once); --paused keeps Airflow's default.
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True" if paused else "False",
            # The connection form's Test button (hook.test_connection()); Airflow disables it by default.
            "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
            # The sandbox's Sage 500 connection says import_procedure: sandbox; Airflow's task processes never
            # import the sandbox, so the hook learns where that emulation lives from here.
            "STORESYNC_SAGE500_IMPORT_PROCEDURES": SAGE500_SANDBOX_PROCEDURES,
            "PATH": f"{venv_bin}{os.pathsep}{base.get('PATH', '')}"}


def prepare_state(sync_db: Path, sage500_db: Path, *, reset: bool) -> str:
    """Keep (default) or remove the demo's sync store and Sage 500 database; returns what was done, to show."""
    if reset:
        removed = [path for path in (sync_db, sage500_db) if path.exists()]
        for path in removed:
            path.unlink()
        for suffix in ("-wal", "-shm"):
            sync_db.with_name(sync_db.name + suffix).unlink(missing_ok=True)
        return ("reset: " + ", ".join(str(p.relative_to(ROOT)) if p.is_relative_to(ROOT) else str(p)
                                      for p in removed) + " removed; everything starts afresh") if removed \
            else "reset: nothing to remove; everything starts afresh"
    if not sync_db.exists():
        return "no earlier sync store: this run starts one"
    from storesync.store.store import SyncStore

    with SyncStore(f"sqlite:///{sync_db}") as store:
        store.create_all()
        runs = len(store.list_runs(limit=100_000))
        open_items = len(store.list_dlq(state=["open", "held"]))
    kept = "and the Sage 500 database " if sage500_db.exists() else ""
    return (f"kept the earlier sync store ({runs} runs, {open_items} open or held DLQ items) {kept}"
            "— `make airflow ARGS=--reset` starts afresh")


def pair_dag_ids(pairs) -> list[str]:
    """Every DAG the pairs define: one per flow (legs run inside their parent's DAG), reconciliation, DLQ replay."""
    from storesync.flows import FLOWS

    ids = []
    for pair in pairs:
        for flow in sorted(pair.flows):
            spec = FLOWS.get(flow)
            if spec is None or not spec.part_of:
                ids.append(pair.dag_id(flow))
        if pair.reconciliation is not None:
            ids.append(pair.dag_id("reconciliation"))
        ids.append(f"dlq_replay__{pair.storefront.system}__{pair.erp.system}")
    return ids


def unpause(dag_ids: list[str], env: dict[str, str]) -> int:
    """Unpause the DAGs that an earlier run left paused in the metadata database; returns how many."""
    script = (
        "import json, sys\n"
        "from airflow.models.dag import DagModel\n"
        "from airflow.utils.session import create_session\n"
        "with create_session() as session:\n"
        "    rows = session.query(DagModel).filter(DagModel.dag_id.in_(json.loads(sys.argv[1])),"
        " DagModel.is_paused.is_(True)).all()\n"
        "    for row in rows:\n"
        "        row.is_paused = False\n"
        "print(len(rows))\n")
    done = subprocess.run([sys.executable, "-c", script, json.dumps(dag_ids)], env=env, cwd=ROOT,
                          capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"unpausing the pairs' DAGs failed:\n{done.stderr[-2000:]}")
    return int(done.stdout.strip().splitlines()[-1])


def migrate_and_create_pools(env: dict[str, str]) -> None:
    """Airflow's metadata database, and the pools from airflow_settings.yaml: they cap concurrent tasks per
    system (request budgets)."""
    from include.sandbox.settings import load_pools

    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for pool in load_pools():
        subprocess.run([sys.executable, "-m", "airflow", "pools", "set", pool["pool_name"], str(pool["pool_slot"]),
                        pool.get("pool_description", "")], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def banner(sandbox, state: str, dag_ids: list[str], *, paused: bool, unpaused: int) -> str:
    url = f"http://localhost:{UI_PORT}"
    if paused:
        dags = (f"the pairs' {len(dag_ids)} DAGs are PAUSED (--paused): nothing runs until you unpause them with "
                "the toggle in the Dags list, or: airflow dags unpause --treat-dag-id-as-regex -y '__xcart__'")
    else:
        dags = (f"the pairs' {len(dag_ids)} DAGs are unpaused ({unpaused} were left paused by an earlier run): "
                "schedules and backfills run")
    lines = [
        f"Ops console: {url}/storesync/  (in the UI: Browse → Storesync ops)",
        f"DAGs: {dags}",
        f"State: {state}",
        "Runs made by `make demo` ran in-process (dag.test); their task logs and real durations are in the UI as for "
        "scheduled runs (storesync.inprocess_runs).",
    ]
    if sandbox.alert_sink_url:
        lines.append(f"Alerts: webhook and e-mail go to the alert sink; read them at {sandbox.alert_sink_url}/_sink/messages")
    return "\n".join(lines)


def print_login(airflow_home: Path) -> bool:
    """Print the login once the API server answers; False while it is still starting."""
    import urllib.request

    passwords = airflow_home / "simple_auth_manager_passwords.json.generated"
    try:
        urllib.request.urlopen(f"http://localhost:{UI_PORT}/api/v2/version", timeout=2).close()
    except OSError:
        return False
    if not passwords.exists():
        return False
    users = json.loads(passwords.read_text())
    for user, password in users.items():
        print(f"Airflow UI: http://localhost:{UI_PORT}  login: {user} / {password}  (Ctrl-C stops everything)",
              flush=True)
    return True


def stop_group(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    # Workers started by the scheduler live in the same session; make sure none outlives us.
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


if __name__ == "__main__":
    sys.exit(main())
