"""The sandbox runtime starts every system the configured pairs need, and the alert sink (what `make airflow`
and the demo rely on); an existing Sage 500 database is kept unless asked otherwise."""

from __future__ import annotations

import hashlib
import json

from include.sandbox.runtime import Sandbox, SandboxOptions
from storesync.config.pairs import load_pairs, pairs_dir


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_start_for_pairs_starts_every_system_the_pairs_need_and_the_alert_sink(tmp_path):
    pairs = load_pairs(str(pairs_dir()))
    assert {p.erp.system for p in pairs} == {"sage500", "acumatica", "intacct"}
    options = SandboxOptions(orders=12, products=10, profiles=8)
    with Sandbox(options, data_dir=tmp_path, sage500_file=tmp_path / "sage500.db") as sandbox:
        lines = sandbox.start_for_pairs(pairs)
        assert [line.split(":")[0] for line in lines] == [
            "alert sink", "X-Cart sandbox (REST API)", "Acumatica sandbox (contract-based REST)",
            "Sage Intacct sandbox (XML gateway)", "Sage 500 sandbox (SQLite via ODBC)"]
        assert len(sandbox.xcart_client().all("product")) == 10
        assert sandbox.acumatica_client().state()
        assert sandbox.alert_messages() == {"webhooks": [], "emails": []}
        assert (tmp_path / "sage500.db").exists() and "(new)" in lines[4]
        env = {k: json.loads(v) for k, v in sandbox.connection_env().items()}
        assert env["AIRFLOW_CONN_ACUMATICA_DEFAULT"]["host"] == sandbox.acumatica_url
        assert env["AIRFLOW_CONN_INTACCT_DEFAULT"]["host"] == sandbox.intacct_url.rstrip("/")
        assert sandbox.intacct_url.endswith("/ia/xml/xmlgw.phtml")
        assert env["AIRFLOW_CONN_ALERTS_WEBHOOK"]["host"] == sandbox.alert_sink_url
        assert env["AIRFLOW_CONN_ALERTS_SMTP"]["port"] == sandbox.alert_smtp_port
        assert env["AIRFLOW_CONN_SAGE500_DEFAULT"]["schema"] == str(tmp_path / "sage500.db")
        processes = [sandbox._xcart, sandbox._acumatica, sandbox._intacct, sandbox._alert_sink]
    assert all(process.poll() is not None for process in processes)  # all stopped with the sandbox


def test_an_existing_sage500_database_is_kept_unless_asked(tmp_path):
    pairs = [p for p in load_pairs(str(pairs_dir())) if p.erp.system == "sage500"]
    options = SandboxOptions(orders=12, products=10, profiles=8)
    database = tmp_path / "sage500.db"
    with Sandbox(options, data_dir=tmp_path, sage500_file=database) as sandbox:
        sandbox.start_for_pairs(pairs)
    first = _digest(database)
    with Sandbox(SandboxOptions(orders=12, products=12, profiles=8, seed=7), data_dir=tmp_path,
                 sage500_file=database) as sandbox:
        lines = sandbox.start_for_pairs(pairs, keep_erp_data=True)
        assert "kept as it was" in lines[-1] and sandbox._acumatica is None
    assert _digest(database) == first
    with Sandbox(SandboxOptions(orders=12, products=12, profiles=8, seed=7), data_dir=tmp_path,
                 sage500_file=database) as sandbox:
        lines = sandbox.start_for_pairs(pairs, keep_erp_data=False)
        assert "(new)" in lines[-1]
    assert _digest(database) != first
