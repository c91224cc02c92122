"""Working the dead-letter queue from a shell: list, show, resolve, ignore, reopen, note, and replay after a fix.

The rules live in ``storesync.dlq_service`` (shared with the ops console): an item stays open (or held) until
its record loads or someone resolves or ignores it; a replay asks the flow's DAG to re-sync exactly the items'
records (``record_keys``), and a replay that fails leaves the items open with the attempt and the error in
their history. Dates: ``2026-12-07`` (midnight UTC), ``2026-12-07T14:30`` (UTC) or ``2026-12-07T14:30+01:00``.

    python -m storesync.dlq list [--pair P] [--flow F] [--state S] [--reason R] [--since D] [--until D]
    python -m storesync.dlq show ID
    python -m storesync.dlq resolve|ignore ID [ID …] --by NAME [--note TEXT]
    python -m storesync.dlq reopen ID [ID …] --by NAME [--note TEXT]
    python -m storesync.dlq note ID [ID …] --by NAME --note TEXT
    python -m storesync.dlq replay [--ids ID …] [--pair P] [--flow F] [--reason R] [--since D] [--until D] --by NAME [--run-now]

``--store-url`` names the sync store directly; otherwise the Airflow connection ``storesync_db`` is used.
Exit status 1 when an id is unknown, an item was left as it was, or a replay failed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from typing import Any

from storesync.dlq_service import (
    ATTENTION_STATES,
    ActionResult,
    DlqError,
    DlqFilter,
    UnknownItems,
    add_note,
    get_item,
    ignore,
    list_items,
    parse_when,
    reopen,
    request_replay,
    resolve,
)

STATES = ("open", "held", "replayed", "resolved", "ignored")


def _store(args):
    from storesync.store.store import SyncStore

    if args.store_url:
        return SyncStore(args.store_url)
    from storesync.hooks.syncstore import SyncStoreHook

    return SyncStoreHook().get_store()


def _filter(args, *, states=ATTENTION_STATES) -> DlqFilter:
    return DlqFilter(pair=args.pair, flow=args.flow, reason_code=args.reason, states=states,
                     since=parse_when(args.since, name="--since"), until=parse_when(args.until, name="--until"),
                     ids=tuple(args.ids) if getattr(args, "ids", None) else None)


def _print_items(items: list[dict[str, Any]]) -> None:
    print(f"{'id':>6}  {'state':8} {'pair':16} {'flow':18} {'record':>10}  {'tries':>5}  reason")
    for i in items:
        print(f"{i['id']:>6}  {i['state']:8} {i['pair']:16} {i['flow']:18} {i['record_key']:>10}  {i['attempts']:>5}  "
              f"{i['reason'][:110]}")
    print(f"{len(items)} item(s)")


def _report(result: ActionResult) -> int:
    first, *problems = result.messages()
    print(first)
    for line in problems:
        print(line, file=sys.stderr)
    return 0 if result.ok else 1


def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(prog="python -m storesync.dlq", description=__doc__.splitlines()[0])
    main_parser.add_argument("--store-url", help="SQLAlchemy URL of the sync store (default: connection storesync_db)")
    sub = main_parser.add_subparsers(dest="command", required=True)
    filters = argparse.ArgumentParser(add_help=False)
    for name in ("--pair", "--flow", "--reason", "--since", "--until"):
        filters.add_argument(name)
    listing = sub.add_parser("list", parents=[filters], help="items needing attention (open, held, replayed)")
    listing.add_argument("--state", choices=STATES)
    sub.add_parser("show", help="one item with its history").add_argument("id", type=int)
    for verb in ("resolve", "ignore", "reopen", "note"):
        p = sub.add_parser(verb)
        p.add_argument("ids", type=int, nargs="+")
        p.add_argument("--by", required=True)
        p.add_argument("--note", required=verb == "note")
    replay = sub.add_parser("replay", parents=[filters], help="re-sync the items' records with their flow's DAG")
    replay.add_argument("--ids", type=int, nargs="*")
    replay.add_argument("--by", required=True)
    replay.add_argument("--note")
    replay.add_argument("--run-now", action="store_true", help="run the flow DAG in this process (no scheduler needed)")
    return main_parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        store = _store(args)
        return _COMMANDS[args.command](store, args)
    except DlqError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _list(store, args) -> int:
    _print_items(list_items(store, _filter(args, states=(args.state,) if args.state else ATTENTION_STATES)))
    return 0


def _show(store, args) -> int:
    try:
        item = get_item(store, args.id)
    except UnknownItems as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(json.dumps(item, indent=2, default=str, ensure_ascii=False))
    return 0


def _decide(store, args) -> int:
    if args.command == "resolve":
        result = resolve(store, ids=args.ids, by=args.by, note=args.note)
    elif args.command == "ignore":
        result = ignore(store, ids=args.ids, by=args.by, note=args.note)
    elif args.command == "reopen":
        result = reopen(store, ids=args.ids, by=args.by, note=args.note)
    else:
        result = add_note(store, ids=args.ids, by=args.by, note=args.note)
    return _report(result)


def _replay(store, args) -> int:
    result = ActionResult("replay requested")
    requests = request_replay(store, _filter(args), by=args.by, note=args.note, result=result)
    status = _report(result) if (result.unknown or result.unchanged) else 0
    if not requests:
        print("nothing to replay")
        return status
    for request in requests:
        keys = sum(len(k) for k in request.keys_by_flow.values())
        if args.run_now:
            from storesync.replay_local import run_request

            state, error, outcomes = run_request(request, store=store, store_url=args.store_url)
            print(f"{request.dag_id}: replay of {keys} record(s): run {state}")
            if error:
                print(f"   error: {error}", file=sys.stderr)
            for item_id, outcome in sorted(outcomes.items()):
                print(f"   item {item_id}: {outcome}")
            if any(o not in ("resolved", "ignored") for o in outcomes.values()) or error:
                status = 1
        else:
            subprocess.run([sys.executable, "-m", "airflow", "dags", "trigger", request.dag_id, "--conf",
                            json.dumps(request.conf)], check=True)
            print(f"{request.dag_id}: triggered a run for {keys} record(s); the items stay open until it loads them")
    return status


_COMMANDS = {"list": _list, "show": _show, "resolve": _decide, "ignore": _decide, "reopen": _decide,
             "note": _decide, "replay": _replay}


if __name__ == "__main__":
    sys.exit(main())
