"""The X-Cart emulator in its own process for the benchmarks, with a count of API requests by method.

    python -m scripts.bench.xcart_process --orders 100000 --products 60 --profiles 400 --days 1 --end-ts …

Same emulator, same seeding as ``python -m include.sandbox.xcart``; keys come from ``XCART_RW_KEY`` /
``XCART_RO_KEY``. The only addition is ``GET /_sandbox/bench/requests``: API requests served so far by HTTP
method (``{"GET": 412, "PUT": 1000}``), and ``POST /_sandbox/bench/requests`` to zero them, so the
incremental-cost benchmark can count the writes a run made; and ``GET /_sandbox/bench/order-conditions``:
the distinct query parameters of the order lists read since that reset, paging and key left out, so the
extraction benchmark can give its peer exactly the conditions our extract step sent. Prints one line with
the URL once it serves.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from collections import Counter

from include.sandbox.http_server import serve_until_signal
from include.sandbox.xcart import server as xcart_server
from include.sandbox.xcart.seed import seed_store
from include.sandbox.xcart.store import XCartStore

_counts: Counter[str] = Counter()
_order_conditions: list[dict[str, str]] = []
_NOT_CONDITIONS = {"_key", "_cnd[limit][0]", "_cnd[limit][1]"}
_lock = threading.Lock()


class CountingHandler(xcart_server._Handler):
    """The emulator's request handler, counting ``/admin.php`` requests by method (``_method`` included)."""

    def _api(self, verb, params, body):
        method = (xcart_server._last(params, "_method") or verb).upper()
        with _lock:
            _counts[method] += 1
            if method == "GET" and xcart_server._last(params, "_path") == "order":
                conditions = {name: values[-1] for name, values in sorted(params.items())
                              if name not in _NOT_CONDITIONS}
                if conditions not in _order_conditions:
                    _order_conditions.append(conditions)
        return super()._api(verb, params, body)

    def _sandbox(self, verb, path, body):
        if path == "/_sandbox/bench/requests":
            with _lock:
                snapshot = dict(_counts)
                if verb == "POST":
                    _counts.clear()
                    _order_conditions.clear()
            self._send(200, json.dumps(snapshot).encode())
            return
        if path == "/_sandbox/bench/order-conditions" and verb == "GET":
            with _lock:
                snapshot = list(_order_conditions)
            self._send(200, json.dumps(snapshot).encode())
            return
        super()._sandbox(verb, path, body)


class CountingXCartServer(xcart_server.XCartServer):
    def _handler_class(self):
        return CountingHandler


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--orders", type=int, default=0)
    parser.add_argument("--products", type=int, default=60)
    parser.add_argument("--profiles", type=int, default=400)
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--end-ts", type=int, required=True)
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--rate-limit-per-minute", type=int, default=0)
    parser.add_argument("--stock-like-sage500-seed", type=int, default=None, metavar="SEED",
                        help="set every product's stock to what the Sage 500 sandbox seeded with SEED and as many "
                             "items sells (Σ on hand − pending over MAIN, EAST, WEST): a storefront already in sync")
    return parser


def stock_like_sage500(store: XCartStore, seed: int) -> int:
    """Give the seeded products (SKU-00001 …) the stock the Sage 500 seed gives the same SKUs."""
    import random

    from include.sandbox.sage500.seed import generate_items

    products, _ = store.list_products(offset=0, limit=None)
    by_sku = {item.item_id: item for item in generate_items(random.Random(seed), len(products))}
    for product in products:
        item = by_sku[product["sku"]]
        available = max(0, sum(on_hand - pending for _, on_hand, pending in item.stock))
        store.update_product(product["productId"], {"amount": available})
    return len(products)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    store = XCartStore()
    seed_store(store, seed=args.seed, orders=args.orders, products=args.products, profiles=args.profiles,
               days=args.days, end_ts=args.end_ts)
    if args.stock_like_sage500_seed is not None:
        stock_like_sage500(store, args.stock_like_sage500_seed)
    server = CountingXCartServer(
        store, rw_key=os.environ["XCART_RW_KEY"], ro_key=os.environ["XCART_RO_KEY"], seed=args.seed,
        orders=args.orders, products=args.products, profiles=args.profiles, days=args.days, end_ts=args.end_ts,
        latency_ms=args.latency_ms, rate_limit_per_minute=args.rate_limit_per_minute,
    )
    return serve_until_signal(server, lambda served: f"X-Cart bench emulator serving {served.base_url} ({store.counts()})")


if __name__ == "__main__":
    sys.exit(main())
