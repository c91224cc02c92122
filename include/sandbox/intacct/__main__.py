"""Run the Sage Intacct XML gateway emulator until SIGINT or SIGTERM.

    python -m include.sandbox.intacct --port 8083 --seed 42 --items 120 --emails-file emails.txt

Credentials come from ``INTACCT_SENDER_ID`` / ``INTACCT_SENDER_PASSWORD`` / ``INTACCT_USER_ID`` /
``INTACCT_USER_PASSWORD`` (kept out of process listings; defaults are the sandbox's), the companies from
``--company`` (repeatable). Prints one line with the general endpoint first, never a secret. Limits and faults
from the start (``--max-concurrent 2 --error-rate 0.1``) or later over HTTP: ``POST /_sandbox/limits`` /
``POST /_sandbox/faults``; ``GET /_sandbox/metering``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from include.sandbox.common import add_dataclass_options, dataclass_from_options, nonblank_lines
from include.sandbox.faults import add_fault_options, faults_from_options
from include.sandbox.http_server import serve_until_signal
from include.sandbox.intacct.faults import Faults
from include.sandbox.intacct.gateway import Limits
from include.sandbox.intacct.server import IntacctServer


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m include.sandbox.intacct", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8083, help="0 picks a free port (default 8083)")
    parser.add_argument("--company", action="append", dest="companies", default=None,
                        help="company ID served (repeatable; default storesync-demo)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--items", type=int, default=120)
    parser.add_argument("--customers", type=int, default=80)
    parser.add_argument("--emails-file", type=Path, default=None,
                        help="storefront e-mails (one a line) the company already has as customers")
    add_dataclass_options(parser, Limits, dest_prefix="limit")
    add_fault_options(parser, Faults)
    parser.add_argument("--login-failure", choices=("http401", "operation"), default="http401",
                        help="how wrong company credentials are answered (docs/intacct.md, failure layers)")
    parser.add_argument("--log-requests", action="store_true", help="request lines to stderr (no bodies)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    emails = nonblank_lines(args.emails_file)
    try:
        server = IntacctServer(
            host=args.host, port=args.port, companies=args.companies or ("storesync-demo",), seed=args.seed,
            items=args.items, customers=args.customers, customer_emails=emails,
            sender_id=os.environ.get("INTACCT_SENDER_ID", "storesync"),
            sender_password=os.environ.get("INTACCT_SENDER_PASSWORD", "sandbox-sender-password"),
            user_id=os.environ.get("INTACCT_USER_ID", "ws_storesync"),
            user_password=os.environ.get("INTACCT_USER_PASSWORD", "sandbox-user-password"),
            limits=dataclass_from_options(Limits, args, dest_prefix="limit"),
            faults=faults_from_options(Faults, args),
            fault_seed=args.fault_seed, log_requests=args.log_requests, login_failure=args.login_failure,
        )
    except ValueError as error:
        parser.error(str(error))
    return serve_until_signal(server, banner)


def banner(server: IntacctServer) -> str:
    counts = server.store().counts()
    return (f"Intacct sandbox serving {server.endpoint} (companies {', '.join(server.companies)}; "
            f"customers={counts['CUSTOMER']} items={counts['ITEM']} seed={server.seed_spec.seed})")


if __name__ == "__main__":
    sys.exit(main())
