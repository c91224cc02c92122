"""Run the X-Cart REST API emulator until SIGINT or SIGTERM.

    python -m include.sandbox.xcart --port 8081 --seed 42 --orders 500 --rw-key RW --ro-key RO

Keys may instead come from ``XCART_RW_KEY`` / ``XCART_RO_KEY`` (keeps them out of process listings).
Prints one line with the URL, never the keys. Fault injection from the start, e.g. for a chaos run:

    python -m include.sandbox.xcart … --error-rate 0.1 --timeout-rate 0.05 --timeout-hold-s 2 \
        --drop-rate 0.01 --burst-429 5 --max-concurrency 4 --fault-seed 7

and later over HTTP: ``POST /_sandbox/faults`` with any of the same settings as JSON
(``{"burst_429": 5}`` starts another burst), ``GET /_sandbox/faults/stats`` for what was injected.
"""

from __future__ import annotations

import argparse
import os
import sys

from include.sandbox.http_server import serve_until_signal
from include.sandbox.xcart.server import XCartServer


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m include.sandbox.xcart", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8081, help="port to bind; 0 picks a free one (default 8081)")
    parser.add_argument("--rw-key", default=os.environ.get("XCART_RW_KEY"),
                        help="read/write API key (default $XCART_RW_KEY)")
    parser.add_argument("--ro-key", default=os.environ.get("XCART_RO_KEY"),
                        help="read-only API key (default $XCART_RO_KEY)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--products", type=int, default=120)
    parser.add_argument("--profiles", type=int, default=80)
    parser.add_argument("--days", type=int, default=30, help="days the seeded orders spread over")
    parser.add_argument("--end-ts", "--end", dest="end_ts", type=int, default=None,
                        help="unix time the seeded period ends (default: now, rounded down to the hour)")
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--error-rate", type=float, default=0.0, help="share of requests answered 500/503")
    parser.add_argument("--rate-limit-per-minute", type=int, default=0, help="0 = unlimited")
    parser.add_argument("--timeout-rate", type=float, default=0.0,
                        help="share of requests held --timeout-hold-s before they are served (client timeouts)")
    parser.add_argument("--timeout-hold-s", type=float, default=35.0,
                        help="how long a timed-out request is held (default 35; above the client's timeout)")
    parser.add_argument("--drop-rate", type=float, default=0.0,
                        help="share of requests whose connection is closed without an answer")
    parser.add_argument("--burst-429", type=int, default=0, help="the first N requests answer 429 + Retry-After")
    parser.add_argument("--max-concurrency", type=int, default=0,
                        help="requests in flight above this answer 429 + Retry-After (0 = unlimited)")
    parser.add_argument("--retry-after-s", type=int, default=1, help="Retry-After of burst/concurrency 429s")
    parser.add_argument("--fault-seed", type=int, default=None, help="seed for fault randomness (default --seed)")
    parser.add_argument("--log-requests", action="store_true", help="log requests to stderr (keys masked)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.rw_key or not args.ro_key:
        parser.error("both keys are required: --rw-key/--ro-key or XCART_RW_KEY/XCART_RO_KEY")
    try:
        server = XCartServer(
            host=args.host, port=args.port, rw_key=args.rw_key, ro_key=args.ro_key,
            seed=args.seed, orders=args.orders, products=args.products, profiles=args.profiles,
            days=args.days, end_ts=args.end_ts, latency_ms=args.latency_ms, error_rate=args.error_rate,
            rate_limit_per_minute=args.rate_limit_per_minute, timeout_rate=args.timeout_rate,
            timeout_hold_s=args.timeout_hold_s, drop_rate=args.drop_rate, burst_429=args.burst_429,
            max_concurrency=args.max_concurrency, retry_after_s=args.retry_after_s, fault_seed=args.fault_seed,
            log_requests=args.log_requests,
        )
    except ValueError as error:
        parser.error(str(error))
    return serve_until_signal(server, banner)


def banner(server: XCartServer) -> str:
    counts = server.store.counts()
    return (f"X-Cart sandbox serving {server.api_url}?target=RESTAPI "
            f"(orders={counts['orders']} profiles={counts['profiles']} products={counts['products']} "
            f"payment_transactions={counts['payment_transactions']} "
            f"seed={server.seed_spec.seed} end_ts={server.seed_spec.end_ts})")


if __name__ == "__main__":
    sys.exit(main())
