"""Run the sandbox alert sink (webhook receiver + SMTP server) until SIGINT or SIGTERM.

    python -m include.sandbox.alertsink --http-port 8025 --smtp-port 2525

Port 0 picks a free one. An expected bearer token may come from ``--token`` or ``ALERTSINK_TOKEN`` (keeps
it out of process listings); without one every webhook is accepted. Prints one line with both addresses,
never the token; ``GET /_sink/messages`` lists what arrived.
"""

from __future__ import annotations

import argparse
import os
import sys

from include.sandbox.alertsink.server import AlertSink
from include.sandbox.http_server import serve_until_signal


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m include.sandbox.alertsink", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--http-port", type=int, default=8025, help="webhook port; 0 picks a free one (default 8025)")
    parser.add_argument("--smtp-port", type=int, default=2525, help="SMTP port; 0 picks a free one (default 2525)")
    parser.add_argument("--token", default=os.environ.get("ALERTSINK_TOKEN") or None,
                        help="bearer token webhooks must carry (default $ALERTSINK_TOKEN; none: accept all)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    sink = AlertSink(host=args.host, http_port=args.http_port, smtp_port=args.smtp_port, token=args.token)
    return serve_until_signal(sink, banner)


def banner(sink: AlertSink) -> str:
    return (f"alert sink: webhooks on {sink.http_url} , SMTP on {sink.host}:{sink.smtp_port} "
            f"(GET {sink.http_url}/_sink/messages)")


if __name__ == "__main__":
    sys.exit(main())
