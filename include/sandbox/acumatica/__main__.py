"""Run the Acumatica REST API emulator until SIGINT or SIGTERM.

    python -m include.sandbox.acumatica --port 8082 --seed 42 --items 120 --emails-file emails.txt

Credentials come from ``ACUMATICA_USERNAME`` / ``ACUMATICA_PASSWORD`` / ``ACUMATICA_CLIENT_SECRET`` (kept out
of process listings; defaults are the sandbox's). Prints one line with the URL first, never a secret.
Licence limits and faults from the start (``--max-sessions 2 --requests-per-minute 300 --error-rate 0.1``)
or later over HTTP: ``POST /_sandbox/limits`` / ``POST /_sandbox/faults``; ``GET /_sandbox/stats``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from include.sandbox.acumatica.faults import Faults
from include.sandbox.acumatica.licence import Limits
from include.sandbox.acumatica.server import AcumaticaServer
from include.sandbox.common import add_dataclass_options, dataclass_from_options, nonblank_lines
from include.sandbox.faults import add_fault_options, faults_from_options
from include.sandbox.http_server import serve_until_signal


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m include.sandbox.acumatica", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8082, help="0 picks a free port (default 8082)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--items", type=int, default=120)
    parser.add_argument("--customers", type=int, default=80)
    parser.add_argument("--emails-file", type=Path, default=None,
                        help="storefront e-mails (one a line) the tenant already has as customers")
    parser.add_argument("--tenant", default=os.environ.get("ACUMATICA_TENANT", "Company"))
    parser.add_argument("--client-id", default=os.environ.get("ACUMATICA_CLIENT_ID", "storesync@Company"))
    add_dataclass_options(parser, Limits, dest_prefix="limit")
    add_fault_options(parser, Faults)
    parser.add_argument("--log-requests", action="store_true", help="request lines to stderr (no secrets)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    emails = nonblank_lines(args.emails_file)
    try:
        limits = dataclass_from_options(Limits, args, dest_prefix="limit")
        faults = faults_from_options(Faults, args)
        server = AcumaticaServer(
            host=args.host, port=args.port, seed=args.seed, items=args.items, customers=args.customers,
            customer_emails=emails, tenant=args.tenant, client_id=args.client_id,
            username=os.environ.get("ACUMATICA_USERNAME", "admin"),
            password=os.environ.get("ACUMATICA_PASSWORD", "sandbox-password"),
            client_secret=os.environ.get("ACUMATICA_CLIENT_SECRET", "sandbox-client-secret"),
            limits=limits, faults=faults, fault_seed=args.fault_seed, log_requests=args.log_requests,
        )
    except ValueError as error:
        parser.error(str(error))
    return serve_until_signal(server, banner)


def banner(server: AcumaticaServer) -> str:
    counts = server.store.counts()
    return (f"Acumatica sandbox serving {server.base_url} (endpoint {server.endpoint}/{server.versions[0]}, "
            f"tenant {server.tenant}; customers={counts['Customer']} items={counts['StockItem']} "
            f"seed={server.seed_spec.seed})")


if __name__ == "__main__":
    sys.exit(main())
