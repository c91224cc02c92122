"""`make sandbox`: start the sandbox systems in the foreground until Ctrl-C.

X-Cart REST API on http://127.0.0.1:8081 (keys from airflow_settings.yaml) and the Sage 500 database at
.local/data/sage500.db (SQLite3 ODBC driver), seeded deterministically.
"""

from __future__ import annotations

import argparse
import signal
import threading

from include.sandbox.runtime import Sandbox, SandboxOptions


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m include.sandbox", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--days", type=int, default=1)
    args = parser.parse_args()
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with Sandbox(SandboxOptions(xcart_port=args.port, orders=args.orders, seed=args.seed, days=args.days)) as sandbox:
        print(f"X-Cart sandbox:   {sandbox.start_xcart()}", flush=True)
        counts = sandbox.init_sage500(sandbox.storefront_emails())
        print(f"Sage 500 sandbox: {sandbox.sage500_path} {counts}", flush=True)
        print("Ctrl-C stops the sandbox.", flush=True)
        while not stop.wait(0.5):
            pass


if __name__ == "__main__":
    main()
