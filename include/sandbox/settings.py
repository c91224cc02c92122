"""Load ``airflow_settings.yaml`` (Astro CLI format) into ``AIRFLOW_CONN_*`` environment variables.

Relative file paths in the settings (SQLite files) are resolved against the repository root, and
``overrides`` replace fields per connection (e.g. the sandbox's real port), so the same file serves the
demo, ``make airflow`` and the tests.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_FILE = ROOT / "airflow_settings.yaml"
_FIELDS = {"conn_type": "conn_type", "conn_host": "host", "conn_login": "login", "conn_password": "password",
           "conn_schema": "schema", "conn_port": "port", "conn_extra": "extra"}


def load_connections(path: Path = SETTINGS_FILE) -> dict[str, dict[str, Any]]:
    settings = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    connections = {}
    for entry in (settings.get("airflow") or {}).get("connections") or []:
        conn = {_FIELDS[k]: v for k, v in entry.items() if k in _FIELDS and v not in (None, "")}
        connections[entry["conn_id"]] = conn
    return connections


def load_pools(path: Path = SETTINGS_FILE) -> list[dict[str, Any]]:
    settings = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return list((settings.get("airflow") or {}).get("pools") or [])


def resolve_paths(conn: dict[str, Any], root: Path = ROOT) -> dict[str, Any]:
    conn = json.loads(json.dumps(conn))
    if conn.get("conn_type") == "sage500" and conn.get("extra", {}).get("dialect") == "sqlite":
        conn["schema"] = str((root / conn["schema"]).resolve())
    url = conn.get("extra", {}).get("url", "")
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        conn["extra"]["url"] = "sqlite:///" + str((root / url[len("sqlite:///"):]).resolve())
    return conn


def connection_env(overrides: dict[str, dict[str, Any]] | None = None, *, path: Path = SETTINGS_FILE,
                   root: Path = ROOT) -> dict[str, str]:
    """``{"AIRFLOW_CONN_<ID>": json}`` for every connection, with per-connection field overrides applied."""
    env = {}
    for conn_id, conn in load_connections(path).items():
        conn = resolve_paths(conn, root)
        for key, value in (overrides or {}).get(conn_id, {}).items():
            if key == "extra":
                conn.setdefault("extra", {}).update(value)
            elif value is None:
                conn.pop(key, None)
            else:
                conn[key] = value
        env[f"AIRFLOW_CONN_{conn_id.upper()}"] = json.dumps(conn)
    return env
