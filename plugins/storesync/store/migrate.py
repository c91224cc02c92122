"""Schema migrations of the sync store (Alembic): what the store runs on start-up, and the command behind it.

    python -m storesync.store.migrate upgrade [--to REVISION] [--store-url URL]
    python -m storesync.store.migrate current [--store-url URL]
    python -m storesync.store.migrate history
    python -m storesync.store.migrate check [--store-url URL]
    python -m storesync.store.migrate revision -m "what changes"   (developers, after editing schema.py)

``SyncStore.create_all()`` calls ``upgrade`` (every task opening the store does), so a new release's
revisions apply by themselves; the command is for doing it ahead of a deployment, or seeing where a store
stands. ``--store-url`` names the store; without it the Airflow connection ``storesync_db`` is used.

- Revisions live in ``migrations/versions/``; the version table is ``storesync_alembic_version`` (Airflow's
  own ``alembic_version`` may sit in the same database and is never read or written here).
- Concurrent start-up: the upgrade runs in one transaction that first takes a lock (PostgreSQL: an advisory
  transaction lock; SQLite: ``BEGIN IMMEDIATE``, the file's one writer), then reads the current revision;
  whoever comes second finds the store at head and does nothing. PostgreSQL DDL is transactional, so a
  failed upgrade leaves the store as it was.
- A store created by ``create_all`` before migrations existed has tables but no version table. Each revision
  has a ``detect(inspector)`` saying whether such a store already holds its change; the store is stamped at
  the last revision of the unbroken run of detected ones (oldest first), and upgraded from there.

A schema change: edit ``schema.py``, run ``revision`` (it upgrades a scratch SQLite store to head and writes what
autogenerate finds into ``migrations/versions/``; pass ``--store-url`` of a scratch PostgreSQL database to compare
there), read and fix the file (ALTERs go in ``batch_alter_table`` for SQLite), and set ``HEAD`` below.

Exit status of the command: 0 done; 1 ``check`` found differences or the store cannot be migrated.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, inspect, text

from .schema import metadata

__all__ = [
    "VERSION_TABLE",
    "HEAD",
    "MigrationError",
    "Upgrade",
    "upgrade",
    "current_revision",
    "head_revision",
    "revisions",
    "detect_legacy_revision",
    "schema_differences",
    "include_name",
    "main",
]

log = logging.getLogger(__name__)

VERSION_TABLE = "storesync_alembic_version"
# The newest revision, spelled out so that a store already at it is recognised on start-up without importing
# Alembic (a third of a second per task process). A new revision updates it; a test compares it with the
# revisions' head, so it cannot be forgotten.
HEAD = "0004_dlq_record_key_index"
MIGRATIONS_DIR = Path(__file__).with_name("migrations")


class MigrationError(RuntimeError):
    """The store cannot be brought to the wanted revision (the message says why and what to do)."""


@dataclass(frozen=True)
class Upgrade:
    """What one ``upgrade`` did: the revision before (None: none recorded), the one after, and the revision a
    store created before migrations was stamped at (None when it had a version table or was empty)."""

    before: str | None
    after: str | None
    stamped: str | None = None

    @property
    def changed(self) -> bool:
        return self.before != self.after


def include_name(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
    """Autogenerate looks only at the store's own tables (a shared database also holds Airflow's)."""
    if type_ == "table":
        return name in metadata.tables
    return True


def _config(connection: Connection | None = None):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", "%%(rev)s")  # the revision id already ends in the message's slug
    config.attributes["connection"] = connection
    return config


@lru_cache(maxsize=1)
def _scripts():
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config())


def head_revision() -> str:
    heads = _scripts().get_heads()
    if len(heads) != 1:
        raise MigrationError(f"the sync store's migrations have {len(heads)} heads ({', '.join(heads)}); "
                             "merge them into one (alembic merge) before releasing")
    return heads[0]


def revisions() -> list[tuple[str, str]]:
    """(revision, first line of its docstring), oldest first."""
    scripts = reversed(list(_scripts().walk_revisions("base", "heads")))
    return [(script.revision, (script.doc or "").strip().splitlines()[0] if script.doc else "") for script in scripts]


def _migration_context(connection: Connection):
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})


def current_revision(connectable: Engine | Connection) -> str | None:
    """The store's recorded revision; None for an empty store or one created before migrations."""
    if isinstance(connectable, Connection):
        return _migration_context(connectable).get_current_revision()
    with connectable.connect() as connection:
        return _migration_context(connection).get_current_revision()


def detect_legacy_revision(connection: Connection) -> str | None:
    """For a store with sync store tables and no version table: the revision its schema matches, else None.

    Raises ``MigrationError`` when the tables match not even the baseline (a store older than the release
    the baseline captures, or a damaged one): guessing would let a later revision fail half-way.
    """
    inspector = inspect(connection)
    tables = set(inspector.get_table_names())
    ours = tables & set(metadata.tables)
    if VERSION_TABLE in tables or not ours:
        return None
    matched = None
    for script in reversed(list(_scripts().walk_revisions("base", "heads"))):
        detect = getattr(script.module, "detect", None)
        if detect is None or not detect(inspector):
            break
        matched = script.revision
    if matched is None:
        baseline = revisions()[0][0]
        raise MigrationError(
            f"sync store at {_safe_url(connection)} holds tables {sorted(ours)} but no {VERSION_TABLE} table, "
            f"and not every table and column of the baseline ({baseline}); it predates the first release "
            "with migrations. Export what you need and start from an empty database."
        )
    return matched


def _recorded_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return None
        return connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


@contextmanager
def _locked(engine: Engine) -> Iterator[Connection]:
    """One connection inside one transaction that only one migrating process holds at a time."""
    with engine.connect() as connection:
        dialect = connection.dialect.name
        if dialect == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _advisory_key("storesync.migrate")})
        elif dialect == "sqlite":
            # Take the writer lock now (the busy timeout waits for it), not at the first write: two processes
            # that both read "no version table" before writing would both create the tables.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            raise MigrationError(f"the sync store runs on SQLite or PostgreSQL, not {dialect}")
        yield connection
        connection.commit()


def upgrade(engine: Engine, revision: str = "head") -> Upgrade:
    """Apply pending revisions up to ``revision`` (default: head); safe to call from racing processes."""
    if revision in ("head", HEAD):
        recorded = _recorded_revision(engine)
        if recorded == HEAD:  # the common start-up: one read, no lock, no DDL, no Alembic import
            return Upgrade(before=recorded, after=recorded)
    from alembic import command

    with _locked(engine) as connection:
        before = current_revision(connection)
        if before is not None and before not in {name for name, _ in revisions()}:
            raise MigrationError(
                f"sync store at {_safe_url(connection)} is at revision {before!r}, which this release does not "
                f"know (its newest is {head_revision()}): a newer release has migrated it; run that release"
            )
        stamped = detect_legacy_revision(connection) if before is None else None
        config = _config(connection)
        if stamped is not None:
            command.stamp(config, stamped)
            log.info("sync store created before migrations: its tables match revision %s, stamped there", stamped)
        command.upgrade(config, revision)
        after = current_revision(connection)
    if after != (stamped or before):
        log.info("sync store schema upgraded from %s to %s", stamped or before or "empty", after)
    return Upgrade(before=before, after=after, stamped=stamped)


def schema_differences(engine: Engine) -> list[Any]:
    """What Alembic's autogenerate finds between the database and ``schema.py`` (empty: they agree)."""
    from alembic.autogenerate import compare_metadata

    with engine.connect() as connection:
        context = _migration_context_for_compare(connection)
        return compare_metadata(context, metadata)


def _migration_context_for_compare(connection: Connection):
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(
        connection,
        opts={"version_table": VERSION_TABLE, "compare_type": True, "include_name": include_name,
              "target_metadata": metadata},
    )


def _advisory_key(name: str) -> int:
    """A stable signed 64-bit key for pg_advisory_xact_lock."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def _safe_url(connectable: Engine | Connection) -> str:
    return connectable.engine.url.render_as_string(hide_password=True)


# ---------------------------------------------------------------------------------------------------- command


def _engine(store_url: str | None) -> Engine:
    from .engine import make_engine

    if not store_url:
        from storesync.hooks.syncstore import SyncStoreHook

        store_url = SyncStoreHook().get_url()  # not get_store(): that would already upgrade
    return make_engine(store_url)


def _describe_current(engine: Engine) -> str:
    head = head_revision()
    with engine.connect() as connection:
        current = current_revision(connection)
        if current is None:
            legacy = detect_legacy_revision(connection)
            if legacy is None:
                return f"empty store; upgrade creates every table (head {head})"
            return (f"created before migrations (no {VERSION_TABLE}); its tables match {legacy}; "
                    f"upgrade stamps it there and applies the rest to {head}")
    if current == head:
        return f"{current} (head)"
    names = [name for name, _ in revisions()]
    pending = names[names.index(current) + 1:] if current in names else []
    if not pending:
        return f"{current}: not a revision of this release (head {head}); was a newer release run on it?"
    return f"{current}; pending: {', '.join(pending)}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m storesync.store.migrate", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("upgrade", help="apply pending revisions (what the store does on start-up)")
    up.add_argument("--to", default="head", help="target revision (default: head)")
    sub.add_parser("current", help="the store's revision and what is pending")
    sub.add_parser("history", help="every revision, oldest first")
    sub.add_parser("check", help="compare the store with schema.py (exit 1 on a difference)")
    new = sub.add_parser("revision", help="write a new revision from what schema.py declares beyond head")
    new.add_argument("-m", "--message", required=True)
    for command in sub.choices.values():
        command.add_argument("--store-url", help="sync store URL (default: the Airflow connection storesync_db)")
    args = parser.parse_args(argv)

    if args.command == "history":
        head = head_revision()
        for name, doc in revisions():
            print(f"{name}{' (head)' if name == head else ''}  {doc}")
        return 0
    if args.command == "revision":
        return _new_revision(args.message, args.store_url)
    engine = _engine(args.store_url)
    try:
        if args.command == "current":
            print(_describe_current(engine))
            return 0
        if args.command == "upgrade":
            result = upgrade(engine, args.to)
            if result.stamped:
                print(f"created before migrations: stamped at {result.stamped}")
            print(f"{result.stamped or result.before or 'empty'} -> {result.after}" if result.changed
                  else f"already at {result.after}")
            return 0
        differences = schema_differences(engine)
        for difference in differences:
            print(difference)
        print("store matches schema.py" if not differences else f"{len(differences)} difference(s) from schema.py")
        return 1 if differences else 0
    except MigrationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()


def _new_revision(message: str, store_url: str | None) -> int:
    import re
    import tempfile

    from alembic import command

    with tempfile.TemporaryDirectory() as scratch:
        engine = _engine(store_url or f"sqlite:///{scratch}/scratch.db")
        try:
            upgrade(engine)
            slug = re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")
            rev_id = f"{len(revisions()) + 1:04d}_{slug}"[:32].rstrip("_")
            with engine.connect() as connection:
                script = command.revision(_config(connection), message=message, autogenerate=True, rev_id=rev_id)
        finally:
            engine.dispose()
    print(f"wrote {script.path}; review it, then set HEAD = {rev_id!r} in {Path(__file__).name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
