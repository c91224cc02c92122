"""`make sandbox`: start the sandbox systems in the foreground until Ctrl-C.

X-Cart REST API on http://127.0.0.1:8081 (keys from airflow_settings.yaml), the Sage 500 database at
.local/data/sage500.db (SQLite3 ODBC driver) and the Acumatica REST API on http://127.0.0.1:8082 (user from
airflow_settings.yaml), seeded deterministically; both ERPs know the same share of the storefront's customers.
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
    parser.add_argument("--acumatica-port", type=int, default=8082, help="0 picks a free port")
    parser.add_argument("--no-acumatica", action="store_true", help="do not start the Acumatica emulator")
    args = parser.parse_args()
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    options = SandboxOptions(xcart_port=args.port, acumatica_port=args.acumatica_port, orders=args.orders,
                             seed=args.seed, days=args.days)
    with Sandbox(options) as sandbox:
        print(f"X-Cart sandbox:    {sandbox.start_xcart()}", flush=True)
        emails = sandbox.storefront_emails()
        counts = sandbox.init_sage500(emails)
        print(f"Sage 500 sandbox:  {sandbox.sage500_path} {counts}", flush=True)
        if not args.no_acumatica:
            print(f"Acumatica sandbox: {sandbox.start_acumatica(emails)} "
                  f"{sandbox.acumatica_client().state()}", flush=True)
        print("Ctrl-C stops the sandbox.", flush=True)
        while not stop.wait(0.5):
            pass


if __name__ == "__main__":
    main()
