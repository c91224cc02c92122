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


def _row(page: str, item_id: int) -> str:
    found = re.search(rf'<tr class="item" data-id="{item_id}"[^>]*>.*?</tr>', page, re.S)
    assert found, f"no row for item {item_id}"
    return found.group(0)


def test_replay_selected_triggers_the_flow_and_records_the_request_under_the_user(make_client, tokens, seeded,
                                                                                  store, trigger):
    from storesync import dlq_service

    client = make_client(trigger=trigger, token=tokens["ops"])
    item = seeded["dlq"]["bad_sku"]
    answer = client.post("/storesync/dlq/action", data={"action": "replay", "ids": str(item), "state": "open",
                                                        "note": "SKU created"})
    assert answer.status_code == 200 and "1 item(s) replay requested" in answer.text
    assert "orders__xcart__sage500 manual__1" in answer.text and 'class="flash error"' not in answer.text
    assert trigger.calls == [("orders__xcart__sage500", {"record_keys": ["1001"]}, "ops")]
    # The state waits for the run to settle it; the request is in the append-only history, with the run.
    after = dlq_service.get_item(store, item)
    assert after["state"] == "open" and after["state_changed_by"] is None
    last = after["history"][-1]
    assert (last["action"], last["by"], last["run_id"], last["note"]) == (
        "replay_requested", "ops", "manual__1", "SKU created")
    assert [e["action"] for e in dlq_service.history(store, seeded["dlq"]["blocked"])] == ["opened"]
    # The row stays in the open list and shows who asked for the replay, and when.
    row = _row(answer.text, item)
    assert 'data-state="open"' in row and 'data-last-action="replay_requested"' in row
    assert re.search(r"replay requested by ops at \d{4}-\d\d-\d\d \d\d:\d\d UTC", row)
    assert 'data-last-action="opened"' in _row(answer.text, seeded["dlq"]["blocked"])
    # The item's page lists its whole history: opened by the flow's run, then the replay request.
    detail = client.get(f"/storesync/dlq/{item}").text
    events = re.findall(r'<tr class="event" data-action="(\w+)">(.*?)</tr>', detail, re.S)
    assert [action for action, _ in events] == ["opened", "replay_requested"]
    assert "ops" in events[1][1] and "SKU created" in events[1][1]
    assert 'href="/dags/orders__xcart__sage500/runs/manual__1"' in events[1][1]
    assert "replay requested by ops" in re.search(r'id="last-action">(.*?)<', detail).group(1)


def test_a_refused_replay_writes_nothing_and_says_why(make_client, tokens, seeded, store):
    from storesync import dlq_service

    client = make_client(trigger=FakeTrigger(fail="Dag id orders__xcart__sage500 not found"), token=tokens["ops"])
    item = seeded["dlq"]["bad_sku"]
    before = dlq_service.get_item(store, item)
    answer = client.post("/storesync/dlq/action", data={"action": "replay", "ids": str(item)})
    assert 'class="flash error"' in answer.text and "0 item(s) replay requested" in answer.text
    assert "not replayed" in answer.text and "not found" in answer.text
    assert dlq_service.get_item(store, item) == before


def test_replay_all_matching_the_filter_is_one_run_and_leaves_every_state(make_client, tokens, seeded, store,
                                                                          trigger):
    from storesync import dlq_service

    client = make_client(trigger=trigger, token=tokens["ops"])
    answer = client.post("/storesync/dlq/action", data={"scope_action": "replay", "flow": "orders", "state": "any"})
    assert "3 item(s) replay requested" in answer.text
    assert trigger.calls == [("orders__xcart__sage500", {"record_keys": ["1001", "1002", "1003"]}, "ops")]
    for name, state in (("bad_sku", "open"), ("blocked", "open"), ("held", "held")):
        item = dlq_service.get_item(store, seeded["dlq"][name])
        assert item["state"] == state and item["history"][-1]["action"] == "replay_requested", name
    assert dlq_service.history(store, seeded["dlq"]["stock"])[-1]["action"] == "opened"


def test_a_customers_leg_replays_through_its_parent_dag(make_client, tokens, store, trigger):
    from storesync import dlq_service

    item = store.quarantine(PAIR, "customers_from_erp", "customer", "C00042", "load", "bad_email", "bad e-mail",
                            payload={"id": "C00042"}, dag_id="customers__xcart__sage500", run_id="scheduled__c")
    answer = make_client(trigger=trigger, token=tokens["ops"]).post(
        "/storesync/dlq/action", data={"action": "replay", "ids": str(item)})
    assert "1 item(s) replay requested" in answer.text
    assert trigger.calls == [("customers__xcart__sage500", {"record_keys_by_flow": {"customers_from_erp": ["C00042"]}},
                              "ops")]
    assert dlq_service.history(store, item)[-1]["action"] == "replay_requested"


def test_a_first_release_replayed_item_still_needs_attention(make_client, tokens, seeded, store, trigger):
    item = seeded["dlq"]["bad_sku"]
    store.set_dlq_state([item], "replayed", by="alice", note="replay requested")
    client = make_client(trigger=trigger, token=tokens["ops"])
    overview = client.get("/storesync/").text
    orders = re.search(rf'data-pair="{PAIR}" data-flow="orders" data-status="\w+">(.*?)</tr>', overview, re.S).group(1)
    assert "unknown_item 1" in orders
    page = client.get("/storesync/dlq", params={"state": "replayed"}).text
    assert f'id="pick-{item}"' in _row(page, item)
    answer = client.post("/storesync/dlq/action", data={"action": "replay", "ids": str(item)})
    assert "1 item(s) replay requested" in answer.text and trigger.calls


def test_resolve_all_matching_the_filter(make_client, tokens, seeded, store):
    client = make_client(token=tokens["ops"])
    answer = client.post("/storesync/dlq/action", data={"scope_action": "resolve", "flow": "orders",
                                                        "state": "any", "note": "fixed in the ERP"})
    assert "3 item(s) resolved" in answer.text
    for name in ("bad_sku", "blocked", "held"):
        item = store.get_dlq_item(seeded["dlq"][name])
        assert (item["state"], item["state_changed_by"], item["state_note"]) == ("resolved", "ops", "fixed in the ERP")
    assert store.get_dlq_item(seeded["dlq"]["stock"])["state"] == "open"


def test_resolving_an_item_someone_else_resolved_keeps_their_name_and_says_so(make_client, tokens, seeded, store):
    from storesync import dlq_service

    item = seeded["dlq"]["bad_sku"]
    dlq_service.resolve(store, ids=[item], by="alice", note="fixed by hand")
    answer = make_client(token=tokens["ops"]).post(
        "/storesync/dlq/action", data={"action": "resolve", "ids": str(item), "note": "me too"})
    assert 'class="flash error"' in answer.text and "0 item(s) resolved" in answer.text
    assert f"item {item}: already resolved by alice" in answer.text
    after = dlq_service.get_item(store, item)
    assert (after["state_changed_by"], after["state_note"]) == ("alice", "fixed by hand")
    assert [(e["action"], e["by"]) for e in after["history"]] == [("opened", "orders__xcart__sage500"),
                                                                   ("resolved", "alice")]


def test_unknown_ids_are_named_and_nothing_changes(make_client, tokens, seeded, store):
    item = seeded["dlq"]["blocked"]
    answer = make_client(token=tokens["ops"]).post(
        "/storesync/dlq/action", data={"action": "ignore", "ids": [str(item), "99999"]})
    assert 'class="flash error"' in answer.text and "no DLQ item with id 99999" in answer.text
    assert "1 item(s) ignored" in answer.text and store.get_dlq_item(item)["state"] == "ignored"
    assert make_client(token=tokens["ops"]).get("/storesync/dlq/99999").status_code == 404


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
