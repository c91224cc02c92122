"""End to end: the real orders DAG (``dag.test``) against the sandbox, alerting through both channels to the sink."""

from __future__ import annotations

import json
import logging
import os
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

# The integration fixtures: the sandbox (X-Cart, Sage 500, sync store) and the real orders DAG.
from tests.integration.conftest import END, backend, orders_dag, sandbox_factory  # noqa: F401
from tests.storesync.alerts.conftest import CHANNELS, SMTP_PASSWORD, WEBHOOK_TOKEN

pytestmark = pytest.mark.integration


@pytest.fixture
def alerting(sink):
    """Once the sandbox is built: the test pair alerts through the webhook and e-mail channels of the sink."""

    def configure() -> None:
        from storesync.config.pairs import load_pairs

        path = Path(os.environ["STORESYNC_PAIRS_DIR"]) / "xcart-sage500.yaml"
        pair = yaml.safe_load(path.read_text())
        pair["alerts"] = {"channels": CHANNELS, "dlq_growth_threshold": 1}
        path.write_text(yaml.safe_dump(pair))
        load_pairs.cache_clear()

    return configure


def inject(sandbox, scenario_names: list[str], *, copies: int = 1) -> None:
    from include.sandbox.scenarios import SCENARIOS, build_order

    orders, _ = sandbox.xcart.store.list_orders(offset=0, limit=None)
    template = next(o for o in orders if o["customerInfo"].get("profileId") and len(o["items"]) >= 2)
    timestamp = int((END - timedelta(hours=2)).timestamp())
    for scenario in SCENARIOS:
        if scenario.name in scenario_names:
            for _ in range(copies):
                sandbox.xcart.store.create_order(build_order(template, scenario, timestamp=timestamp))


def by_kind(sink) -> tuple[list[str], list[str]]:
    return ([w["body"]["kind"] for w in sink.webhooks],
            [m["subject"].split(":")[0].removeprefix("[storesync] ") for m in sink.emails])


def assert_no_secret(sink, caplog, capfd) -> None:
    seen = json.dumps(sink.messages()) + caplog.text + "".join(capfd.readouterr())
    for secret in (WEBHOOK_TOKEN, SMTP_PASSWORD):
        assert secret not in seen


def test_held_and_bad_orders_raise_one_held_and_one_dlq_alert_per_channel(sandbox_factory, orders_dag, alerting,
                                                                          sink, caplog, capfd):
    sandbox = sandbox_factory(orders=30)
    alerting()
    inject(sandbox, ["SKU unknown to the ERP", "unknown currency", "zero quantity", "totals do not add up"])
    dag = orders_dag()
    with caplog.at_level(logging.INFO):
        run = dag.test(logical_date=END)
    assert str(run.state) == "success"
    assert sink.wait_for(webhooks=2, emails=2)
    assert by_kind(sink) == (["held", "dlq"], ["held", "dlq"])

    held, dlq = (w["body"] for w in sink.webhooks)
    assert held["dag_id"] == "orders__xcart__sage500" and held["run_id"] == run.run_id
    assert held["counts"] == {"held": 1} and "SKU-99999" in held["text"]
    assert dlq["counts"]["dlq"] == 3 and dlq["counts"]["new"] == 3
    assert dlq["title"] == "3 order(s) sent to the dead-letter queue (3 new)"
    assert dlq["counts"]["new_by_reason"] == {"quality:raw": 3}
    for body in (held, dlq):
        assert body["where"]["airflow_ui"].endswith(f"/dags/orders__xcart__sage500/runs/{run.run_id}".replace(
            ":", "%3A").replace("+", "%2B"))
        assert "FROM dlq WHERE pair = 'xcart-sage500'" in body["where"]["dlq"]
    assert all(m["rcpt_to"] == ["ops@example.com"] for m in sink.emails)
    assert "Where to look" in sink.emails[1]["body"] and run.run_id in sink.emails[1]["body"]

    # The report task of the same run alerting again (a retry, a cleared task) sends nothing.
    from storesync.alerts import alert
    from storesync.config.pairs import get_pair

    alert(kind="dlq", pair=get_pair("xcart-sage500"), dag_id=dag.dag_id, run_id=run.run_id, title=dlq["title"],
          lines=["quality:raw: 3"])
    assert by_kind(sink) == (["held", "dlq"], ["held", "dlq"])

    # Another run over the same orders: the order is still held (alerted again), the DLQ did not grow (no alert).
    assert str(dag.test(logical_date=END).state) == "success"
    assert sink.wait_for(webhooks=3, emails=3)
    assert by_kind(sink) == (["held", "dlq", "held"], ["held", "dlq", "held"])
    assert_no_secret(sink, caplog, capfd)


def test_a_gate_above_its_threshold_raises_one_quality_gate_alert_naming_the_failed_expectations(
        sandbox_factory, orders_dag, alerting, sink, caplog, capfd):
    sandbox = sandbox_factory(orders=10)
    alerting()
    inject(sandbox, ["unknown currency"], copies=20)  # 20 of 30 orders bad: far above max_bad_ratio
    with caplog.at_level(logging.INFO):
        run = orders_dag().test(logical_date=END)
    states = {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
    assert states["validate_raw"] == "failed" and states["load"] == "upstream_failed", states
    assert sink.wait_for(webhooks=2, emails=2)
    kinds = by_kind(sink)
    assert sorted(kinds[0]) == ["dlq", "quality_gate"] and sorted(kinds[1]) == ["dlq", "quality_gate"]
    gate = next(w["body"] for w in sink.webhooks if w["body"]["kind"] == "quality_gate")
    assert gate["task_id"] == "validate_raw" and gate["run_id"] == run.run_id and gate["try_number"] == 1
    assert gate["counts"]["failed"] == 20 and gate["counts"]["total"] == 30
    assert any("column=currency" in line and "20 record(s)" in line for line in gate["details"]), gate["details"]
    assert "quality gate 'orders_raw__xcart' failed on task validate_raw" in gate["title"]
    mail = next(m for m in sink.emails if "quality_gate" in m["subject"])
    assert "column=currency" in mail["body"] and "validate_raw" in mail["body"]
    assert_no_secret(sink, caplog, capfd)
