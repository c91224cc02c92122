"""The ops console's pages and actions, through Airflow's own auth (the app mounted as the API server mounts it)."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.console.conftest import NOW, PAIR


class FakeTrigger:
    def __init__(self, fail: str | None = None):
        self.calls: list[tuple[str, dict, str]] = []
        self.fail = fail

    def __call__(self, dag_id: str, conf: dict, user: str) -> tuple[str, str]:
        if self.fail:
            raise RuntimeError(self.fail)
        self.calls.append((dag_id, conf, user))
        return f"manual__{len(self.calls)}", ""


@pytest.fixture()
def trigger():
    return FakeTrigger()


@pytest.fixture()
def make_client(store, seeded, auth_manager):
    from storesync.console.app import URL_PREFIX, create_app

    def make(trigger=None, token: str | None = None) -> TestClient:
        parent = FastAPI()
        parent.mount(URL_PREFIX, create_app(store=lambda: store, trigger=trigger, run_states=None, now=lambda: NOW))
        client = TestClient(parent, base_url="http://testserver")
        if token:
            client.headers["Authorization"] = f"Bearer {token}"
        return client

    return make


def test_anonymous_requests_are_refused(make_client, store):
    client = make_client()
    page = client.get("/storesync/", headers={"Accept": "text/html"}, follow_redirects=False)
    assert page.status_code == 303 and "/auth/login" in page.headers["location"]
    assert "Overview" not in page.text
    for path in ("/storesync/", "/storesync/dlq", "/storesync/dlq/1", "/storesync/history",
                 "/storesync/reconciliation"):
        assert client.get(path).status_code == 401, path
    before = store.get_dlq_item(1)["state"]
    assert client.post("/storesync/dlq/action", data={"action": "resolve", "ids": "1"}).status_code == 401
    assert store.get_dlq_item(1)["state"] == before


def test_a_forged_token_is_refused(make_client):
    client = make_client(token="eyJhbGciOiJIUzUxMiJ9.eyJzdWIiOiJvcHMiLCJyb2xlIjoiYWRtaW4ifQ.forged")
    assert client.get("/storesync/").status_code == 403


def test_a_viewer_reads_but_cannot_act(make_client, tokens, seeded, store, trigger):
    client = make_client(trigger=trigger, token=tokens["viewer"])
    page = client.get("/storesync/dlq")
    assert page.status_code == 200 and "signed in as viewer" in page.text
    assert 'id="replay-selected"' not in page.text
    item = seeded["dlq"]["bad_sku"]
    refused = client.post("/storesync/dlq/action", data={"action": "replay", "ids": str(item)},
                          follow_redirects=False)
    assert refused.status_code == 403
    assert store.get_dlq_item(item)["state"] == "open" and not trigger.calls


def test_overview_shows_each_flow_health_and_dlq_by_reason(make_client, tokens):
    page = make_client(token=tokens["ops"]).get("/storesync/").text
    orders = re.search(r'<tr class="flow" data-pair="xcart-sage500" data-flow="orders" data-status="(\w+)">(.*?)</tr>',
                       page, re.S)
    assert orders, page[:2000]
    # Fresh data (last interval ended 30 min ago) but 2 open DLQ items and 1 held: amber, not green.
    assert orders.group(1) == "amber"
    cells = re.findall(r"<td[^>]*>(.*?)</td>", orders.group(2), re.S)
    assert "30 min" in cells[4]
    assert cells[5] == str(sum(10 + h for h in range(1, 7))) and cells[6] == str(sum(9 + h for h in range(1, 7)))
    assert "customer_blocked 1" in cells[8] and "unknown_item 1" in cells[8] and cells[9] == "1"
    # A flow that never ran is red.
    assert re.search(r'data-pair="xcart-sage500" data-flow="payments" data-status="red"', page)
    assert "<svg" in page and 'class="dlq"' in page


def test_dlq_filter_and_masked_record(make_client, tokens, seeded):
    client = make_client(token=tokens["ops"])
    page = client.get("/storesync/dlq", params={"reason": "unknown_item", "state": "open"}).text
    ids = re.findall(r'<tr class="item" data-id="(\d+)"', page)
    assert ids == [str(seeded["dlq"]["bad_sku"])]
    everything = client.get("/storesync/dlq", params={"state": "any"}).text
    assert len(re.findall(r'<tr class="item"', everything)) == 4
    held = client.get("/storesync/dlq", params={"state": "held"}).text
    assert re.findall(r'<tr class="item" data-id="(\d+)"', held) == [str(seeded["dlq"]["held"])]
    detail = client.get(f"/storesync/dlq/{seeded['dlq']['bad_sku']}").text
    assert "4111 1111 1111 1111" not in detail and "****1111" in detail
    assert "sk_live_abc" not in detail and "[secret]" in detail
    assert "12.50" in detail


def test_replay_selected_triggers_the_flow_and_records_the_user(make_client, tokens, seeded, store, trigger):
    client = make_client(trigger=trigger, token=tokens["ops"])
    item = seeded["dlq"]["bad_sku"]
    answer = client.post("/storesync/dlq/action", data={"action": "replay", "ids": str(item), "state": "open"})
    assert answer.status_code == 200 and "1 item(s) replayed" in answer.text
    assert trigger.calls == [("orders__xcart__sage500", {"record_keys": ["1001"]}, "ops")]
    after = store.get_dlq_item(item)
    assert after["state"] == "replayed" and after["state_changed_by"] == "ops"
    assert store.get_dlq_item(seeded["dlq"]["blocked"])["state"] == "open"


def test_a_refused_replay_leaves_the_item_open(make_client, tokens, seeded, store):
    client = make_client(trigger=FakeTrigger(fail="Dag id orders__xcart__sage500 not found"), token=tokens["ops"])
    item = seeded["dlq"]["bad_sku"]
    answer = client.post("/storesync/dlq/action", data={"action": "replay", "ids": str(item)})
    assert "not replayed, items stay open" in answer.text and "not found" in answer.text
    assert store.get_dlq_item(item)["state"] == "open"


def test_resolve_all_matching_the_filter(make_client, tokens, seeded, store):
    client = make_client(token=tokens["ops"])
    answer = client.post("/storesync/dlq/action", data={"scope_action": "resolve", "flow": "orders",
                                                        "state": "any", "note": "fixed in the ERP"})
    assert "3 item(s) resolved" in answer.text
    for name in ("bad_sku", "blocked", "held"):
        item = store.get_dlq_item(seeded["dlq"][name])
        assert (item["state"], item["state_changed_by"], item["state_note"]) == ("resolved", "ops", "fixed in the ERP")
    assert store.get_dlq_item(seeded["dlq"]["stock"])["state"] == "open"


def test_ignore_with_nothing_selected_changes_nothing(make_client, tokens, store):
    answer = make_client(token=tokens["ops"]).post("/storesync/dlq/action", data={"action": "ignore"})
    assert "select at least one item" in answer.text
    assert all(item["state"] in ("open", "held") for item in store.list_dlq())


def test_cross_site_posts_are_refused(make_client, tokens, seeded, store):
    item = seeded["dlq"]["bad_sku"]
    answer = make_client(token=tokens["ops"]).post(
        "/storesync/dlq/action", data={"action": "ignore", "ids": str(item)},
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, follow_redirects=False)
    assert answer.status_code == 403 and store.get_dlq_item(item)["state"] == "open"


def test_history_lists_each_run_with_counts_and_a_link(make_client, tokens):
    page = make_client(token=tokens["ops"]).get("/storesync/history", params={"pair": PAIR, "flow": "orders"}).text
    runs = re.findall(r'<tr class="run">(.*?)</tr>', page, re.S)
    assert len(runs) == 6
    assert f'href="/dags/orders__xcart__sage500/runs/scheduled__{NOW:%Y-%m-%dT%H}"' in runs[0]
    assert re.findall(r'<td class="n">(\d+)</td>', runs[0])[:5] == ["11", "10", "0", "0", "1"]


def test_reconciliation_days_and_downloads(make_client, tokens, seeded):
    client = make_client(token=tokens["ops"])
    page = client.get("/storesync/reconciliation").text
    assert "50.0 %" in page and "Missing in ERP" in page
    day = seeded["recon_day"].isoformat()
    csv = client.get(f"/storesync/reconciliation/{PAIR}/{day}.csv")
    assert csv.status_code == 200 and "attachment" in csv.headers["content-disposition"]
    assert "missing_in_erp" in csv.text or "Missing in ERP" in csv.text
    xlsx = client.get(f"/storesync/reconciliation/{PAIR}/{day}.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert client.get(f"/storesync/reconciliation/{PAIR}/2001-01-01.csv").status_code == 404


def test_the_store_connection_is_found_where_the_api_server_keeps_it(airflow_db, monkeypatch, tmp_path):
    """A connection made in the UI lives in Airflow's metadata database, which a hook outside a task does not
    see; the console reads it with the server-side lookup."""
    from airflow.models.connection import Connection
    from airflow.utils.session import create_session
    from storesync.console.app import store_url

    url = f"sqlite:///{tmp_path / 'ui-made.db'}"
    monkeypatch.delenv("AIRFLOW_CONN_CONSOLE_UI_STORE", raising=False)
    with create_session() as session:
        session.query(Connection).filter(Connection.conn_id == "console_ui_store").delete()
        session.add(Connection(conn_id="console_ui_store", conn_type="storesync", extra=f'{{"url": "{url}"}}'))
    assert store_url("console_ui_store") == url
