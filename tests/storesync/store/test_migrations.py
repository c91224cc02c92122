"""Sync store migrations (Alembic), on SQLite and PostgreSQL.

A store of the last release before migrations upgrades with its rows intact; a new store at head is what
schema.py declares; a schema change without its revision is caught; racing upgrades both succeed.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, TypeDecorator, create_engine, inspect, text

import storesync.store.migrate as migrate
import storesync.store.schema as schema
from storesync.store import SyncStore, metadata
from storesync.store.migrate import (
    HEAD,
    VERSION_TABLE,
    MigrationError,
    current_revision,
    head_revision,
    main,
    revisions,
    schema_differences,
    upgrade,
)
from tests.storesync.store.release_store import (
    BASELINE,
    FLOW,
    PAIR,
    ROWS,
    create_release_store,
    read_release_rows,
)

REPO = Path(__file__).resolve().parents[3]
REVISIONS = [name for name, _ in revisions()]


@pytest.fixture
def release_url(fresh_url):
    """A database holding the last release's tables and rows, and no migration version table."""
    create_release_store(fresh_url)
    return fresh_url


# --------------------------------------------------------------------------- upgrading the release's store


def test_a_store_of_the_last_release_upgrades_to_head_on_start_up_with_its_data_intact(release_url):
    before = read_release_rows(release_url)
    assert all(before[name] for name in ROWS), "every release table holds rows before the upgrade"

    with SyncStore(release_url) as store:
        store.create_all()
        assert current_revision(store.engine) == HEAD
        assert schema_differences(store.engine) == []
        assert read_release_rows(release_url) == before

        # The store works on the upgraded tables: old items keep their state, new tables take rows.
        items = {i["id"]: (i["record_key"], i["state"]) for i in store.list_dlq()}
        assert items == {1: ("100", "open"), 2: ("101", "replayed"), 3: ("102", "resolved")}
        assert store.quarantine(pair=PAIR, flow=FLOW, entity="order", record_key="101", stage="load",
                                reason_code="unknown_sku", reason="SKU-2 still unknown", run_id="r2") == 2
        assert [e["action"] for e in store.dlq_history([2])[2]] == ["opened", "reopened"]
        assert store.claim(PAIR, "order", ["100"], "load A", lease=dt.timedelta(minutes=5)).won == ["100"]


def test_the_release_store_is_stamped_at_the_baseline_and_then_upgraded(release_url):
    with SyncStore(release_url) as store:
        result = upgrade(store.engine)
        again = upgrade(store.engine)
    assert (result.before, result.stamped, result.after) == (None, BASELINE, HEAD)
    assert (again.before, again.stamped, again.after, again.changed) == (HEAD, None, HEAD, False)


@pytest.mark.parametrize("revision", REVISIONS)
def test_a_store_created_before_migrations_is_stamped_at_the_revision_its_tables_match(fresh_url, revision):
    # The tables create_all of that revision's code left, without the version table create_all never wrote.
    with SyncStore(fresh_url) as store:
        upgrade(store.engine, revision)
        with store.engine.begin() as conn:
            conn.execute(text(f"DROP TABLE {VERSION_TABLE}"))
        result = upgrade(store.engine)
    assert (result.stamped, result.after) == (revision, HEAD)


def test_a_store_matching_not_even_the_baseline_is_refused_naming_its_tables(fresh_url):
    engine = create_engine(fresh_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE xref (id INTEGER PRIMARY KEY, pair VARCHAR(64))"))
    engine.dispose()
    with SyncStore(fresh_url) as store, pytest.raises(MigrationError, match=r"\['xref'\].*baseline"):
        store.create_all()


def test_a_store_migrated_by_a_newer_release_is_refused_naming_its_revision(fresh_url):
    with SyncStore(fresh_url) as store:
        store.create_all()
        with store.engine.begin() as conn:
            conn.execute(text(f"UPDATE {VERSION_TABLE} SET version_num = '0099_from_the_future'"))
        with pytest.raises(MigrationError, match="'0099_from_the_future', which this release does not know"):
            store.create_all()


def test_airflow_s_own_version_table_in_the_same_database_is_left_alone(fresh_url):
    engine = create_engine(fresh_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
        conn.execute(text("INSERT INTO alembic_version VALUES ('airflow-head')"))
    engine.dispose()
    with SyncStore(fresh_url) as store:
        store.create_all()
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == ["airflow-head"]
        assert current_revision(store.engine) == HEAD
        assert schema_differences(store.engine) == [], "Airflow's table is not the store's to drop"


# --------------------------------------------------------------------------- head equals schema.py


def _affinity(type_, dialect):
    """The generic type a column type stores as on this dialect (decorators resolved to what they emit)."""
    impl = type_.dialect_impl(dialect)
    if isinstance(impl, TypeDecorator):
        impl = impl.load_dialect_impl(dialect)
    return impl._type_affinity


def test_a_new_store_at_head_has_the_tables_columns_and_indexes_schema_py_declares(fresh_url):
    with SyncStore(fresh_url) as store:
        store.create_all()
        inspector = inspect(store.engine)
        dialect = store.engine.dialect
        assert set(inspector.get_table_names()) == set(metadata.tables) | {VERSION_TABLE}
        for table in metadata.sorted_tables:
            found = {c["name"]: c for c in inspector.get_columns(table.name)}
            assert list(found) == [c.name for c in table.columns], table.name
            for declared in table.columns:
                column = found[declared.name]
                where = f"{table.name}.{declared.name}"
                assert column["nullable"] == declared.nullable, where
                assert issubclass(column["type"]._type_affinity, _affinity(declared.type, dialect)), where
                if isinstance(declared.type, String) and declared.type.length:
                    assert column["type"].length == declared.type.length, where
            assert inspector.get_pk_constraint(table.name)["constrained_columns"] == [
                c.name for c in table.primary_key.columns], table.name
            # PostgreSQL lists a unique constraint's own index too; those are compared as constraints below.
            indexes = {ix["name"]: (ix["column_names"], bool(ix["unique"])) for ix in inspector.get_indexes(table.name)
                       if not ix.get("duplicates_constraint")}
            assert indexes == {ix.name: ([c.name for c in ix.columns], ix.unique) for ix in table.indexes}, table.name
            uniques = {tuple(u["column_names"]) for u in inspector.get_unique_constraints(table.name)}
            assert uniques == {tuple(c.columns.keys()) for c in table.constraints
                               if c.__class__.__name__ == "UniqueConstraint"}, table.name


def test_head_agrees_with_schema_py_so_a_schema_change_without_its_revision_is_caught(fresh_url):
    assert HEAD == head_revision(), "migrate.HEAD names the newest revision"
    with SyncStore(fresh_url) as store:
        store.create_all()
        assert schema_differences(store.engine) == []


def test_a_store_one_revision_behind_shows_the_difference_autogenerate_would_write(fresh_url):
    with SyncStore(fresh_url) as store:
        upgrade(store.engine, REVISIONS[-2])
        differences = schema_differences(store.engine)
    assert [(d[0], d[1].name) for d in differences] == [("add_index", "ix_dlq_pair_flow_record_key")]


# --------------------------------------------------------------------------- concurrent start-up


_UPGRADE_CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from storesync.store.migrate import main
    go = Path(sys.argv[2])
    deadline = time.monotonic() + 30
    while not go.exists():  # start together, so the upgrades really race
        if time.monotonic() > deadline:
            sys.exit("start signal never came")
        time.sleep(0.005)
    sys.exit(main(["upgrade", "--store-url", sys.argv[1]]))
    """
)


@pytest.mark.parametrize("start", ["empty", "release"])
def test_concurrent_upgrades_of_one_store_all_succeed_and_migrate_it_once(fresh_url, tmp_path, start):
    if start == "release":
        create_release_store(fresh_url)
        before = read_release_rows(fresh_url)
    go = tmp_path / "go"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), str(REPO / "plugins"), os.environ.get("PYTHONPATH", "")]))
    children = [subprocess.Popen([sys.executable, "-c", _UPGRADE_CHILD, fresh_url, str(go)], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(3)]
    time.sleep(1.5)  # let the children import
    go.touch()
    outputs = [child.communicate(timeout=120) for child in children]
    failures = [err[-2000:] for child, (_, err) in zip(children, outputs) if child.returncode != 0]
    assert not failures, "\n---\n".join(failures)

    migrated = [out for out, _ in outputs if "->" in out]
    assert len(migrated) == 1, f"exactly one child migrates, the others find the store at head: {outputs}"
    with SyncStore(fresh_url) as store:
        assert current_revision(store.engine) == HEAD
        assert schema_differences(store.engine) == []
    if start == "release":
        assert read_release_rows(fresh_url) == before


# --------------------------------------------------------------------------- the command


def test_the_command_shows_where_a_store_stands_upgrades_it_and_checks_it(fresh_url, capsys):
    assert main(["history"]) == 0
    history = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in history] == REVISIONS and "(head)" in history[-1]

    assert main(["current", "--store-url", fresh_url]) == 0
    assert capsys.readouterr().out.startswith("empty store")
    assert main(["upgrade", "--to", BASELINE, "--store-url", fresh_url]) == 0
    assert capsys.readouterr().out.strip() == f"empty -> {BASELINE}"
    assert main(["current", "--store-url", fresh_url]) == 0
    assert capsys.readouterr().out.strip() == f"{BASELINE}; pending: {', '.join(REVISIONS[1:])}"
    assert main(["check", "--store-url", fresh_url]) == 1
    assert "difference(s) from schema.py" in capsys.readouterr().out
    assert main(["upgrade", "--store-url", fresh_url]) == 0
    assert capsys.readouterr().out.strip() == f"{BASELINE} -> {HEAD}"
    assert main(["current", "--store-url", fresh_url]) == 0
    assert capsys.readouterr().out.strip() == f"{HEAD} (head)"
    assert main(["check", "--store-url", fresh_url]) == 0
    assert capsys.readouterr().out.strip() == "store matches schema.py"


def test_the_command_reports_a_store_created_before_migrations_and_what_upgrade_will_do(release_url, capsys):
    assert main(["current", "--store-url", release_url]) == 0
    assert capsys.readouterr().out.startswith(f"created before migrations (no {VERSION_TABLE}); its tables match "
                                              f"{BASELINE}")
    assert main(["upgrade", "--store-url", release_url]) == 0
    assert capsys.readouterr().out.splitlines() == [f"created before migrations: stamped at {BASELINE}",
                                                    f"{BASELINE} -> {HEAD}"]


def test_the_revision_command_writes_the_schema_change_as_a_revision_that_brings_a_store_to_it(
        tmp_path, monkeypatch, capsys):
    # A copy of the revisions and a schema.py with one table more: the source tree is left alone.
    migrations = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, migrations, ignore=shutil.ignore_patterns("__pycache__"))
    changed = MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.sorted_tables:
        table.to_metadata(changed)
    Table("probe", changed, Column("id", Integer, primary_key=True), Column("note", String(40)))
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", migrations)
    monkeypatch.setattr(migrate, "metadata", changed)
    monkeypatch.setattr(schema, "metadata", changed)  # what env.py reads
    migrate._scripts.cache_clear()
    try:
        assert main(["revision", "-m", "Probe table"]) == 0
        written = migrations / "versions" / f"{len(REVISIONS) + 1:04d}_probe_table.py"
        assert f"wrote {written}" in capsys.readouterr().out
        source = written.read_text()
        assert f"down_revision = '{HEAD}'" in source and "op.create_table('probe'" in source
        migrate._scripts.cache_clear()

        url = f"sqlite:///{tmp_path / 'sync.db'}"
        with SyncStore(url) as store:
            assert upgrade(store.engine).after == written.stem
            assert "probe" in inspect(store.engine).get_table_names()
            assert schema_differences(store.engine) == []
    finally:
        migrate._scripts.cache_clear()
