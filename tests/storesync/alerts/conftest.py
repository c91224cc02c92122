"""Alert channels pointed at an in-process alert sink, and a pair config whose sync store is a temp SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

WEBHOOK_TOKEN = "whk-token-51d0a9e7"
SMTP_PASSWORD = "smtp-pass-c3b8f1"
CHANNELS = [{"type": "webhook", "conn_id": "alerts_webhook"},
            {"type": "email", "conn_id": "alerts_smtp", "to": ["ops@example.com"]}]


@pytest.fixture
def sink(monkeypatch):
    """The sandbox alert sink on free ports, with ``alerts_webhook`` / ``alerts_smtp`` connections to it."""
    from include.sandbox.alertsink import AlertSink

    with AlertSink(token=WEBHOOK_TOKEN) as running:
        set_channel_connections(monkeypatch, running)
        yield running


def set_channel_connections(monkeypatch, sink) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_ALERTS_WEBHOOK", json.dumps(
        {"conn_type": "http", "host": sink.http_url, "password": WEBHOOK_TOKEN}))
    monkeypatch.setenv("AIRFLOW_CONN_ALERTS_SMTP", json.dumps(
        {"conn_type": "smtp", "host": "127.0.0.1", "port": sink.smtp_port, "login": "storesync",
         "password": SMTP_PASSWORD,
         # The SMTP provider's extras: the sink speaks plain SMTP (no implicit TLS, no STARTTLS).
         "extra": {"from_email": "storesync-alerts@example.com", "disable_ssl": True, "disable_tls": True}}))


def write_pair(directory: Path, *, alerts: dict, retries: dict | None = None) -> Path:
    """The shipped pair config with other ``alerts`` (and retries) in ``directory``."""
    pair = yaml.safe_load((ROOT / "include" / "pairs" / "xcart-sage500.yaml").read_text())
    pair["alerts"] = alerts
    if retries is not None:
        pair["retries"] = retries
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "xcart-sage500.yaml"
    path.write_text(yaml.safe_dump(pair))
    return path


@pytest.fixture
def pair_env(tmp_path, monkeypatch):
    """Point the pair configs and the sync store at temp files; returns a function to (re)write the pair."""
    from storesync.config.pairs import load_pairs
    from storesync.hooks import syncstore

    monkeypatch.setenv("STORESYNC_PAIRS_DIR", str(tmp_path / "pairs"))
    monkeypatch.setenv("AIRFLOW_CONN_STORESYNC_DB", json.dumps(
        {"conn_type": "storesync", "extra": {"url": f"sqlite:///{tmp_path / 'sync.db'}"}}))

    def configure(alerts: dict | None = None, retries: dict | None = None):
        write_pair(tmp_path / "pairs", alerts={"channels": CHANNELS} if alerts is None else alerts, retries=retries)
        load_pairs.cache_clear()
        syncstore._store_for.cache_clear()
        from storesync.config.pairs import get_pair

        return get_pair("xcart-sage500")

    yield configure
    load_pairs.cache_clear()
    syncstore._store_for.cache_clear()
