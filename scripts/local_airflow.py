"""`make airflow`: a local Airflow (UI, scheduler, dag-processor, triggerer) with the sandbox and connections.

Everything runs in its own process group and stops on Ctrl-C (or SIGTERM): Airflow first, then the sandbox,
so nothing is left behind. The login is printed once the API server has written it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "plugins")]


def main() -> int:
    from include.sandbox.runtime import Sandbox, SandboxOptions

    airflow_home = Path(os.environ.get("AIRFLOW_HOME", ROOT / ".local" / "airflow"))
    airflow_home.mkdir(parents=True, exist_ok=True)
    stop = {"requested": False}

    def request_stop(*_):
        stop["requested"] = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    with Sandbox(SandboxOptions(xcart_port=int(os.environ.get("XCART_PORT", "8081")), days=3)) as sandbox:
        print(f"X-Cart sandbox: {sandbox.start_xcart()}", flush=True)
        venv_bin = str(Path(sys.executable).parent)  # standalone starts its components as `airflow …`
        env = {**os.environ, **sandbox.connection_env(), "AIRFLOW__CORE__PARALLELISM": "2",
               "AIRFLOW__API__PORT": "8080", "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}"}
        # The X-Cart emulator starts afresh each time, so the ERP and the sync store must too.
        sandbox.init_sage500(sandbox.storefront_emails())
        (sandbox.data_dir / "sync.db").unlink(missing_ok=True)
        print(f"Sage 500 sandbox: {sandbox.sage500_path}", flush=True)
        create_pools(env)
        airflow = subprocess.Popen([sys.executable, "-m", "airflow", "standalone"], env=env, cwd=ROOT,
                                   stdout=open(airflow_home / "standalone.log", "a"), stderr=subprocess.STDOUT,
                                   start_new_session=True)
        print(f"Airflow starting (log: {airflow_home / 'standalone.log'}) …", flush=True)
        printed = False
        try:
            while not stop["requested"] and airflow.poll() is None:
                if not printed:
                    printed = print_login(airflow_home)
                time.sleep(1)
        finally:
            stop_group(airflow)
        print("stopped Airflow and the sandbox", flush=True)
    return 0


def create_pools(env: dict[str, str]) -> None:
    """Airflow pools from airflow_settings.yaml: they cap concurrent tasks per system (request budgets)."""
    from include.sandbox.settings import load_pools

    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for pool in load_pools():
        subprocess.run([sys.executable, "-m", "airflow", "pools", "set", pool["pool_name"], str(pool["pool_slot"]),
                        pool.get("pool_description", "")], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def print_login(airflow_home: Path) -> bool:
    """Print the login once the API server answers; False while it is still starting."""
    import urllib.request

    passwords = airflow_home / "simple_auth_manager_passwords.json.generated"
    try:
        urllib.request.urlopen("http://localhost:8080/api/v2/version", timeout=2).close()
    except OSError:
        return False
    if not passwords.exists():
        return False
    users = json.loads(passwords.read_text())
    for user, password in users.items():
        print(f"Airflow UI: http://localhost:8080  login: {user} / {password}  (Ctrl-C stops everything)", flush=True)
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
