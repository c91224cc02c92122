"""Command line for the Sage 500 sandbox database.

    python -m include.sandbox.sage500 init --dialect sqlite --database .local/data/sage500.db [--seed 42 --items N --customers N]
    python -m include.sandbox.sage500 init --dialect postgresql --server 127.0.0.1 --port 5432 --database sage500 --user postgres
    python -m include.sandbox.sage500 status …same connection options…
    python -m include.sandbox.sage500 drop …same connection options…
    python -m include.sandbox.sage500 lock --seconds N [--table tsoSalesOrder] …same connection options…

``init`` creates the database if missing (PostgreSQL through a maintenance connection to ``postgres``), the
schema, and seed data unless the company is already seeded (``--reset`` drops the schema first). It prints
the rows per table and the ODBC connection string without the password. The password comes from
``--password`` or the environment variable ``SAGE500_PASSWORD`` (server, port and user default from
``SAGE500_PG_SERVER``, ``SAGE500_PG_PORT``, ``SAGE500_PG_USER``).

``lock`` holds a write lock for N seconds through its own connection (fault injection, see
:mod:`.faults`): SQLite ``BEGIN EXCLUSIVE``, PostgreSQL ``LOCK TABLE … IN ACCESS EXCLUSIVE MODE``. It prints
one line when the lock is held and one when it is released; SIGINT/SIGTERM release it early.
"""

from __future__ import annotations

import argparse
import signal
import sys
from contextlib import closing

import pyodbc

from .dialects import (connect, create_database, drop_database, odbc_connect_string, postgres_params_from_env,
                       redact_connect_string)
from .schema import create_schema, drop_schema, table_counts
from .seed import AlreadySeededError, seed_database


def _connection_params(args: argparse.Namespace) -> dict:
    if args.dialect == "sqlite":
        return {"database": args.database}
    return {"server": args.server, "port": args.port, "database": args.database, "user": args.user,
            "password": args.password if args.password is not None else postgres_params_from_env()["password"]}


def _print_counts(counts: dict[str, int]) -> None:
    width = max(len(name) for name in counts)
    for name, count in counts.items():
        print(f"  {name:<{width}}  {count:>9,}")


def _print_connect_string(args: argparse.Namespace, params: dict) -> None:
    # A given password shows as ***; an empty one (trust auth) stays empty so the string can be copied.
    print("ODBC: " + redact_connect_string(odbc_connect_string(args.dialect, **params)))


def _init(args: argparse.Namespace, params: dict) -> int:
    created = create_database(args.dialect, **params)
    print(f"database {args.database} ({args.dialect}): {'created' if created else 'exists'}")
    with closing(connect(args.dialect, **params)) as conn:
        if args.reset:
            drop_schema(conn, args.dialect)
            print("schema dropped (--reset)")
        create_schema(conn, args.dialect)
        emails = None
        if args.customer_emails:
            with open(args.customer_emails, encoding="utf-8") as handle:
                emails = [line.strip() for line in handle if line.strip() and not line.startswith("#")]
        try:
            seed_database(conn, args.dialect, seed=args.seed, items=args.items, customers=args.customers,
                          company_id=args.company_id, customer_emails=emails)
            print(f"seeded company {args.company_id} (seed {args.seed}, {args.items} items, "
                  f"{args.customers} customers{f', {len(emails)} e-mails' if emails else ''}); rows per table:")
        except AlreadySeededError as exc:
            print(f"not seeded again: {exc}; rows per table:")
        _print_counts(table_counts(conn))
    _print_connect_string(args, params)
    return 0


def _status(args: argparse.Namespace, params: dict) -> int:
    with closing(connect(args.dialect, **params)) as conn:
        print(f"database {args.database} ({args.dialect}); rows per table:")
        _print_counts(table_counts(conn))
    _print_connect_string(args, params)
    return 0


def _drop(args: argparse.Namespace, params: dict) -> int:
    removed = drop_database(args.dialect, **params)
    print(f"database {args.database} ({args.dialect}): {'dropped' if removed else 'did not exist'}")
    return 0


def _lock(args: argparse.Namespace, params: dict) -> int:
    from .faults import LockHolder

    holder = LockHolder(args.dialect, params, args.seconds, table=args.table)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: holder.release(wait=False))
    holder.start()
    what = "the database" if args.dialect == "sqlite" else f"table {args.table}"
    print(f"locked {what} of {args.database} ({args.dialect}: {holder.statement}) for {args.seconds:g}s", flush=True)
    while not holder.wait(0.2):  # a timed wait keeps the main thread responsive to signals
        pass
    print(f"released after {holder.held_seconds:.1f}s", flush=True)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m include.sandbox.sage500",
                                     description="Sage 500 sandbox database reached through ODBC.")
    commands = parser.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--dialect", choices=("sqlite", "postgresql"), default="sqlite")
    common.add_argument("--database", required=True, help="SQLite file path, or PostgreSQL database name")
    pg = postgres_params_from_env()
    common.add_argument("--server", default=pg["server"], help="PostgreSQL server (default $SAGE500_PG_SERVER or 127.0.0.1)")
    common.add_argument("--port", type=int, default=pg["port"], help="default $SAGE500_PG_PORT or 5432")
    common.add_argument("--user", default=pg["user"], help="default $SAGE500_PG_USER or postgres")
    common.add_argument("--password", default=None, help="default $SAGE500_PASSWORD")
    init = commands.add_parser("init", parents=[common], help="create database, schema and seed data")
    init.add_argument("--seed", type=int, default=42)
    init.add_argument("--items", type=int, default=120)
    init.add_argument("--customers", type=int, default=80)
    init.add_argument("--company-id", default="SOA")
    init.add_argument("--customer-emails", metavar="FILE",
                      help="file with one e-mail per line: a customer is created for each (storefront overlap)")
    init.add_argument("--reset", action="store_true", help="drop the sandbox tables first")
    commands.add_parser("status", parents=[common], help="rows per table")
    commands.add_parser("drop", parents=[common], help="delete the database (SQLite file / PostgreSQL database)")
    lock = commands.add_parser("lock", parents=[common], help="hold a write lock for N seconds (fault injection)")
    lock.add_argument("--seconds", type=float, required=True, help="how long to hold the lock")
    lock.add_argument("--table", default="tsoSalesOrder", help="PostgreSQL: table to lock (SQLite locks the file)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    params = _connection_params(args)
    handler = {"init": _init, "status": _status, "drop": _drop, "lock": _lock}[args.command]
    try:
        return handler(args, params)
    except (pyodbc.Error, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
