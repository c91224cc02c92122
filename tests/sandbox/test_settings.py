"""airflow_settings.yaml → AIRFLOW_CONN_* JSON: paths resolved against the repo root, overrides applied."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from include.sandbox.settings import ROOT, SETTINGS_FILE, connection_env, load_connections, resolve_paths

SETTINGS = """\
airflow:
  connections:
    - conn_id: shop
      conn_type: xcart
      conn_host: http://127.0.0.1:8081
      conn_password: rw
      conn_login: ""
      conn_extra: {read_only_api_key: ro, page_size: 50}
    - conn_id: erp
      conn_type: sage500
      conn_schema: data/erp.db
      conn_extra: {driver: SQLite3, dialect: sqlite}
    - conn_id: erp_pg
      conn_type: sage500
      conn_host: db
      conn_schema: mas500
      conn_extra: {driver: PostgreSQL Unicode, dialect: postgresql}
    - conn_id: store_rel
      conn_type: storesync
      conn_extra: {url: "sqlite:///state/sync.db"}
    - conn_id: store_abs
      conn_type: storesync
      conn_extra: {url: "sqlite:////var/lib/sync.db"}
"""


@pytest.fixture
def settings_file(tmp_path) -> Path:
    path = tmp_path / "airflow_settings.yaml"
    path.write_text(SETTINGS, encoding="utf-8")
    return path


def env_conn(env: dict[str, str], conn_id: str) -> dict:
    return json.loads(env[f"AIRFLOW_CONN_{conn_id.upper()}"])


def test_the_shipped_settings_file_yields_the_sandbox_connections():
    env = connection_env()
    assert set(env) == {"AIRFLOW_CONN_XCART_DEFAULT", "AIRFLOW_CONN_SAGE500_DEFAULT", "AIRFLOW_CONN_STORESYNC_DB",
                        "AIRFLOW_CONN_ALERTS_WEBHOOK", "AIRFLOW_CONN_ALERTS_SMTP", "AIRFLOW_CONN_ACUMATICA_DEFAULT",
                        "AIRFLOW_CONN_INTACCT_DEFAULT"}
    xcart = env_conn(env, "xcart_default")
    assert xcart["conn_type"] == "xcart"
    assert xcart["host"] == "http://127.0.0.1:8081"
    assert xcart["password"] == "sandbox-rw-key"
    assert xcart["extra"]["read_only_api_key"] == "sandbox-ro-key"


def test_the_shipped_sqlite_paths_become_absolute_under_the_repo_root():
    env = connection_env()
    sage = env_conn(env, "sage500_default")
    assert sage["schema"] == str((ROOT / ".local" / "data" / "sage500.db").resolve())
    assert env_conn(env, "storesync_db")["extra"]["url"] == "sqlite:///" + str((ROOT / ".local/data/sync.db").resolve())


def test_settings_fields_are_renamed_and_empty_fields_dropped(settings_file):
    shop = load_connections(settings_file)["shop"]
    assert shop == {"conn_type": "xcart", "host": "http://127.0.0.1:8081", "password": "rw",
                    "extra": {"read_only_api_key": "ro", "page_size": 50}}


def test_relative_sqlite_paths_are_resolved_against_the_given_root(settings_file, tmp_path):
    env = connection_env(path=settings_file, root=tmp_path)
    assert env_conn(env, "erp")["schema"] == str(tmp_path.resolve() / "data" / "erp.db")
    assert env_conn(env, "store_rel")["extra"]["url"] == f"sqlite:///{tmp_path.resolve()}/state/sync.db"


def test_absolute_sqlite_urls_and_non_sqlite_databases_are_left_alone(settings_file, tmp_path):
    env = connection_env(path=settings_file, root=tmp_path)
    assert env_conn(env, "store_abs")["extra"]["url"] == "sqlite:////var/lib/sync.db"
    assert env_conn(env, "erp_pg")["schema"] == "mas500"


def test_resolve_paths_does_not_change_its_input():
    conn = {"conn_type": "sage500", "schema": "x.db", "extra": {"dialect": "sqlite"}}
    resolved = resolve_paths(conn, Path("/repo"))
    assert resolved["schema"] == "/repo/x.db"
    assert conn["schema"] == "x.db"


def test_an_override_replaces_the_host(settings_file, tmp_path):
    env = connection_env({"shop": {"host": "http://127.0.0.1:45678"}}, path=settings_file, root=tmp_path)
    shop = env_conn(env, "shop")
    assert shop["host"] == "http://127.0.0.1:45678"
    assert shop["password"] == "rw"
    assert env_conn(env, "erp")["conn_type"] == "sage500"


def test_an_extra_override_merges_into_the_extras(settings_file, tmp_path):
    env = connection_env({"shop": {"extra": {"page_size": 7, "max_attempts": 2}}}, path=settings_file, root=tmp_path)
    assert env_conn(env, "shop")["extra"] == {"read_only_api_key": "ro", "page_size": 7, "max_attempts": 2}


def test_an_override_of_none_removes_the_field(settings_file, tmp_path):
    env = connection_env({"shop": {"password": None}}, path=settings_file, root=tmp_path)
    assert "password" not in env_conn(env, "shop")


def test_overrides_do_not_leak_into_the_next_call(settings_file, tmp_path):
    connection_env({"shop": {"host": "http://elsewhere", "extra": {"page_size": 1}}}, path=settings_file, root=tmp_path)
    shop = env_conn(connection_env(path=settings_file, root=tmp_path), "shop")
    assert shop["host"] == "http://127.0.0.1:8081" and shop["extra"]["page_size"] == 50


def test_the_generated_json_is_a_connection_the_hooks_can_read(monkeypatch):
    from storesync.systems.sage500.hook import Sage500Hook
    from storesync.systems.xcart.hook import XCartHook

    env = connection_env({"xcart_default": {"host": "http://127.0.0.1:45678"}})
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    xcart = XCartHook().get_connection("xcart_default")
    assert xcart.host == "http://127.0.0.1:45678"
    assert xcart.extra_dejson["read_only_api_key"] == "sandbox-ro-key"
    sage = Sage500Hook()
    assert sage.dialect == "sqlite"
    assert f"DATABASE={(ROOT / '.local/data/sage500.db').resolve()};" in sage.odbc_connection_string


def test_the_default_settings_file_is_the_one_at_the_repo_root():
    assert SETTINGS_FILE == ROOT / "airflow_settings.yaml"
    assert SETTINGS_FILE.is_file()
