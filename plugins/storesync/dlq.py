"""Working the dead-letter queue: list, show, resolve, ignore, and replay items after a fix.

Replaying an item means asking its flow's DAG to re-sync exactly those source records (the ``record_keys``
param): the records are fetched again from the source, so a fix made there (or in the ERP: a missing item
created, a customer unblocked) is what gets loaded. Items are marked ``replayed`` (who, when); a record that
then loads resolves its item, one that fails again opens a new item with the new reason.

    python -m storesync.dlq list [--pair P] [--flow F] [--state open] [--reason R] [--since D] [--until D]
    python -m storesync.dlq show ID
    python -m storesync.dlq resolve|ignore ID [ID …] --by NAME [--note TEXT]
    python -m storesync.dlq replay [--ids ID …] [--flow F] [--reason R] [--since D] [--until D] --by NAME [--run-now]

``--store-url`` names the sync store directly; otherwise the Airflow connection ``storesync_db`` is used.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import defaultdict
from datetime import datetime
from typing import Any

ACTIVE = ("open", "held")


def select_items(store, *, pair: str | None = None, flow: str | None = None, reason_code: str | None = None,
                 since: datetime | None = None, until: datetime | None = None, ids: list[int] | None = None,
                 states: tuple[str, ...] = ACTIVE) -> list[dict[str, Any]]:
    """Active DLQ items matching every given filter (ids, when given, are matched exactly)."""
    items = store.list_dlq(pair=pair, flow=flow, reason_code=reason_code, since=since, until=until)
    wanted = set(ids or [])
    return [i for i in items if i["state"] in states and (not wanted or i["id"] in wanted)]


def replay_plan(items: list[dict[str, Any]]) -> dict[tuple[str, str], list[str]]:
    """(pair, flow) → the source record keys to re-sync, each once."""
    plan: dict[tuple[str, str], list[str]] = defaultdict(list)
    for item in items:
        keys = plan[(item["pair"], item["flow"])]
        if item["record_key"] not in keys:
            keys.append(item["record_key"])
    return dict(plan)


def mark_replayed(store, items: list[dict[str, Any]], *, by: str) -> int:
    return store.set_dlq_state([i["id"] for i in items], "replayed", by=by, note="replay requested")


def _store(args):
    from storesync.store.store import SyncStore

    if args.store_url:
        return SyncStore(args.store_url)
    from storesync.hooks.syncstore import SyncStoreHook

    return SyncStoreHook().get_store()


def _date(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _print_items(items: list[dict[str, Any]]) -> None:
    print(f"{'id':>6}  {'state':8} {'pair':16} {'flow':10} {'record':>10}  {'tries':>5}  reason")
    for i in items:
        print(f"{i['id']:>6}  {i['state']:8} {i['pair']:16} {i['flow']:10} {i['record_key']:>10}  {i['attempts']:>5}  "
              f"{i['reason'][:110]}")
    print(f"{len(items)} item(s)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m storesync.dlq", description=__doc__.splitlines()[0])
    parser.add_argument("--store-url", help="SQLAlchemy URL of the sync store (default: connection storesync_db)")
    sub = parser.add_subparsers(dest="command", required=True)
    filters = argparse.ArgumentParser(add_help=False)
    for name in ("--pair", "--flow", "--reason", "--since", "--until"):
        filters.add_argument(name)
    listing = sub.add_parser("list", parents=[filters])
    listing.add_argument("--state", choices=["open", "held", "replayed", "resolved", "ignored"])
    sub.add_parser("show").add_argument("id", type=int)
    for verb in ("resolve", "ignore"):
        p = sub.add_parser(verb)
        p.add_argument("ids", type=int, nargs="+")
        p.add_argument("--by", required=True)
        p.add_argument("--note")
    replay = sub.add_parser("replay", parents=[filters])
    replay.add_argument("--ids", type=int, nargs="*")
    replay.add_argument("--by", required=True)
    replay.add_argument("--run-now", action="store_true", help="run the flow DAG in this process (no scheduler needed)")
    args = parser.parse_args(argv)
    store = _store(args)

    if args.command == "list":
        states = (args.state,) if args.state else ACTIVE
        _print_items(select_items(store, pair=args.pair, flow=args.flow, reason_code=args.reason,
                                  since=_date(args.since), until=_date(args.until), states=states))
    elif args.command == "show":
        item = store.get_dlq_item(args.id)
        if item is None:
            print(f"no DLQ item {args.id}", file=sys.stderr)
            return 1
        print(json.dumps(item, indent=2, default=str, ensure_ascii=False))
    elif args.command in ("resolve", "ignore"):
        state = "resolved" if args.command == "resolve" else "ignored"
        print(f"{store.set_dlq_state(args.ids, state, by=args.by, note=args.note)} item(s) {state}")
    elif args.command == "replay":
        items = select_items(store, pair=args.pair, flow=args.flow, reason_code=args.reason,
                             since=_date(args.since), until=_date(args.until), ids=args.ids)
        if not items:
            print("nothing to replay")
            return 0
        plan = replay_plan(items)
        mark_replayed(store, items, by=args.by)
        for (pair_name, flow), keys in plan.items():
            _replay(pair_name, flow, keys, run_now=args.run_now)
    return 0


def _replay(pair_name: str, flow: str, keys: list[str], *, run_now: bool) -> None:
    from storesync.config.pairs import get_pair

    dag_id = get_pair(pair_name).dag_id(flow)
    conf = {"record_keys": keys}
    if run_now:
        from pathlib import Path

        from airflow.dag_processing.dagbag import DagBag

        dags_folder = Path(__file__).resolve().parents[2] / "dags"
        run = DagBag(dag_folder=str(dags_folder)).dags[dag_id].test(run_conf=conf)
        print(f"{dag_id}: replayed {len(keys)} record(s) in run {run.run_id}: {run.state}")
    else:
        subprocess.run([sys.executable, "-m", "airflow", "dags", "trigger", dag_id, "--conf", json.dumps(conf)], check=True)
        print(f"{dag_id}: triggered a run for {len(keys)} record(s)")


if __name__ == "__main__":
    sys.exit(main())
