"""The DLQ command line (``make dlq ARGS=…``) as a new user types it, on a SQLite sync store."""

from __future__ import annotations

import json
import time

import pytest

from storesync import dlq
from storesync.store.store import SyncStore

PAIR = "xcart-sage500"


@pytest.fixture
def store_url(tmp_path):
    return f"sqlite:///{tmp_path / 'sync.db'}"


@pytest.fixture
def store(store_url):
    store = SyncStore(store_url)
    store.create_all()
    yield store
    store.close()


def put(store, flow="orders", key="1042", entity="order") -> int:
    return store.quarantine(pair=PAIR, flow=flow, entity=entity, record_key=key, stage="load",
                            reason_code="unknown_sku", reason=f"{key}: SKU-99999 unknown", run_id="r1")


def run(store_url, *argv) -> int:
    return dlq.main(["--store-url", store_url, *argv])


@pytest.mark.parametrize("since", ["2026-12-07", "2026-11-01T10:00", "2026-11-01T10:00:00+01:00"])
def test_list_and_replay_accept_plain_naive_and_zoned_dates(store, store_url, since, capsys, monkeypatch):
    """Issue 15: ``list --since 2026-12-07`` and ``replay … --since 2026-11-01`` crashed (naive datetime)."""
    put(store)
    assert run(store_url, "list", "--since", since) == 0
    assert "1 item(s)" in capsys.readouterr().out
    triggered = []
    monkeypatch.setattr(dlq.subprocess, "run", lambda argv, check: triggered.append(argv))
    assert run(store_url, "replay", "--since", since, "--by", "alice") == 0
    assert [argv[-3:] for argv in triggered] == [["orders__xcart__sage500", "--conf", json.dumps({"record_keys": ["1042"]})]]


def test_a_bad_date_exits_non_zero_naming_the_option(store_url, store, capsys):
    assert run(store_url, "list", "--until", "31/12/2026") == 1
    assert "--until: '31/12/2026' is not a date" in capsys.readouterr().err


def test_resolving_an_unknown_id_exits_non_zero(store, store_url, capsys):
    """Issue 15: ``resolve 999`` printed "0 item(s) resolved" and exited 0."""
    assert run(store_url, "resolve", "999", "--by", "alice") == 1
    assert "no DLQ item with id 999" in capsys.readouterr().err


def test_resolving_twice_exits_non_zero_and_keeps_the_first_resolution(store, store_url, capsys):
    item_id = put(store)
    assert run(store_url, "resolve", str(item_id), "--by", "alice", "--note", "fixed the SKU") == 0
    assert run(store_url, "resolve", str(item_id), "--by", "bob", "--note", "again") == 1
    assert "already resolved by alice" in capsys.readouterr().err
    item = store.get_dlq_item(item_id)
    assert (item["state_changed_by"], item["state_note"]) == ("alice", "fixed the SKU")


def test_show_prints_the_history_and_an_unknown_id_exits_non_zero(store, store_url, capsys):
    item_id = put(store)
    assert run(store_url, "note", str(item_id), "--by", "alice", "--note", "asked the shop") == 0
    capsys.readouterr()
    assert run(store_url, "show", str(item_id)) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [e["action"] for e in shown["history"]] == ["opened", "note"]
    assert run(store_url, "show", "999") == 1


def test_a_triggered_replay_leaves_the_item_in_the_list(store, store_url, capsys, monkeypatch):
    """Issue 15: the item was marked ``replayed`` before anything ran and vanished from ``list``."""
    item_id = put(store)
    monkeypatch.setattr(dlq.subprocess, "run", lambda argv, check: None)
    assert run(store_url, "replay", "--ids", str(item_id), "--by", "alice") == 0
    capsys.readouterr()
    assert run(store_url, "list") == 0
    assert "1 item(s)" in capsys.readouterr().out


def test_run_now_from_a_bare_shell_fails_within_seconds_naming_what_is_missing(store, store_url, capsys, monkeypatch,
                                                                              tmp_path):
    """Issue 15: every task failed on "conn_id 'storesync_db' isn't defined", retried with backoff for over ten
    minutes, and the item was marked replayed anyway. Here the storefront's server does not answer."""
    from storesync import replay_local

    settings = tmp_path / "airflow_settings.yaml"
    settings.write_text(
        "airflow:\n  connections:\n"
        "    - {conn_id: xcart_default, conn_type: xcart, conn_host: 'http://127.0.0.1:9', conn_password: k}\n"
        "    - {conn_id: sage500_default, conn_type: sage500, conn_schema: .local/none/sage500.db,\n"
        "       conn_extra: {dialect: sqlite}}\n")
    for conn_id in ("xcart_default", "sage500_default", "storesync_db"):
        monkeypatch.delenv(f"AIRFLOW_CONN_{conn_id.upper()}", raising=False)
    real = replay_local.prepare_connections
    monkeypatch.setattr(replay_local, "prepare_connections",
                        lambda pair, **kw: real(pair, **{**kw, "settings_file": settings}))
    item_id = put(store, flow="customers_from_erp", key="C-0007", entity="erp_customer")
    started = time.monotonic()
    assert run(store_url, "replay", "--ids", str(item_id), "--by", "alice", "--run-now") == 1
    assert time.monotonic() - started < 10
    err = capsys.readouterr().err
    assert "connection 'xcart_default': 127.0.0.1:9 does not answer" in err
    assert "sage500.db does not exist" in err
    item = store.get_dlq_item(item_id)
    assert (item["state"], item["attempts"]) == ("open", 2)
    assert "xcart_default" in store.dlq_history([item_id])[item_id][-1]["note"]


def test_run_now_names_a_connection_defined_nowhere(monkeypatch, tmp_path):
    from storesync import replay_local
    from storesync.config.pairs import get_pair

    settings = tmp_path / "airflow_settings.yaml"
    settings.write_text("airflow:\n  connections: []\n")
    monkeypatch.setattr(replay_local, "_defined_in_airflow", lambda conn_id: False)
    environ: dict[str, str] = {}
    loaded, problems = replay_local.prepare_connections(get_pair(PAIR), store_url="sqlite:///x.db", environ=environ,
                                                        settings_file=settings)
    assert loaded == ["storesync_db: the store given with --store-url"]
    assert json.loads(environ["AIRFLOW_CONN_STORESYNC_DB"])["extra"]["url"] == "sqlite:///x.db"
    assert any(p.startswith("connection 'xcart_default' is not defined") for p in problems)
    assert any(p.startswith("connection 'sage500_default' is not defined") for p in problems)


def test_run_now_takes_the_repository_settings_as_the_local_airflow_does(monkeypatch):
    from storesync import replay_local
    from storesync.config.pairs import get_pair

    environ = {"AIRFLOW_CONN_XCART_DEFAULT": json.dumps({"conn_type": "xcart", "host": "http://127.0.0.1:1"})}
    monkeypatch.setattr(replay_local, "check_reachable", lambda conn_id, conn: None)
    loaded, problems = replay_local.prepare_connections(get_pair(PAIR), environ=environ)
    assert problems == []
    # Defined in the shell: kept. Missing: taken from airflow_settings.yaml with paths resolved.
    assert json.loads(environ["AIRFLOW_CONN_XCART_DEFAULT"])["host"] == "http://127.0.0.1:1"
    assert loaded == ["storesync_db: from airflow_settings.yaml", "sage500_default: from airflow_settings.yaml"]
    store = json.loads(environ["AIRFLOW_CONN_STORESYNC_DB"])["extra"]["url"]
    assert store.startswith("sqlite:////") and store.endswith("/.local/data/sync.db")
