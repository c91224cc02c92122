"""The ops console end to end in a real headless browser: Airflow's API server with the plugin, Debian's chromium
driven through its chromedriver (W3C WebDriver, tests/console/webdriver.py). Log in through Airflow's login page, see the overview (also inside
the Airflow UI's frame), filter the DLQ, replay an item from the page and see its row change (the replay requested
under the user; the state stays open until the run settles it), its history, and the flow's DAG run that the
replay created. Screenshots go to .local/test/screenshots/console/.

In CI (STORESYNC_REQUIRE_SERVICES=1) a missing browser or driver fails the test instead of skipping it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone

import pytest

from tests.conftest import ROOT, TEST_STATE, skip_or_fail
from tests.console.conftest import seed_store
from tests.console.webdriver import Chrome

SCREENSHOTS = TEST_STATE / "screenshots" / "console"
USER, PASSWORD = "ops", "console-browser-test-pw"
REPLAYED_DAG = "orders__xcart__sage500"


def _browser() -> tuple[str, str]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not chromium or not driver:
        skip_or_fail("Debian's chromium and chromium-driver are not installed (make system-deps installs them)")
    return chromium, driver


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _call(url: str, *, token: str | None = None, data: dict | None = None, headers: dict | None = None):
    request = urllib.request.Request(url, data=json.dumps(data).encode() if data is not None else None,
                                     headers={"Content-Type": "application/json", **(headers or {}),
                                              **({"Authorization": f"Bearer {token}"} if token else {})},
                                     method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture(scope="module")
def api_server(tmp_path_factory, airflow_db):
    """Airflow's API server (simple auth manager, user ``ops``) with the console plugin, on a free loopback port,
    its own metadata database with the orders DAGs serialized, and a seeded sync store."""
    _browser()
    home = tmp_path_factory.mktemp("console-airflow")
    dags = home / "dags"
    dags.mkdir()
    shutil.copy(ROOT / "dags" / "orders.py", dags / "orders.py")  # the DAG the replay triggers, nothing else
    (home / "passwords.json").write_text(json.dumps({USER: PASSWORD}))
    store_url = f"sqlite:///{home / 'sync.db'}"
    from storesync.store.store import SyncStore

    store = SyncStore(store_url)
    seeded = seed_store(store, now=datetime.now(timezone.utc))
    port = _free_port()
    env = {**os.environ, "AIRFLOW_HOME": str(home), "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
           "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
           "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
           "AIRFLOW__CORE__AUTH_MANAGER":
               "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
           "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USER}:admin",
           "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
           "AIRFLOW__API_AUTH__JWT_SECRET": "console-browser-test-" + "s" * 60,
           "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
           "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
           "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",  # the connection form's Test button, as make airflow sets it
           "STORESYNC_CONSOLE_STORE_URL": store_url,
           "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'plugins'}"}
    # A copy of the test session's migrated metadata database saves the API server's own migration (~15 s).
    shutil.copy(airflow_db, home / "airflow.db")
    for step in (["dags", "reserialize"],):
        done = subprocess.run([sys.executable, "-m", "airflow", *step], env=env, capture_output=True, text=True)
        assert done.returncode == 0, f"airflow {' '.join(step)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    log = open(home / "api-server.log", "w")
    server = subprocess.Popen([sys.executable, "-m", "airflow", "api-server", "--host", "127.0.0.1", "--port",
                               str(port), "--workers", "1"], env=env, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if server.poll() is not None:
                pytest.fail(f"the API server exited:\n{(home / 'api-server.log').read_text()[-3000:]}")
            try:
                urllib.request.urlopen(f"{base}/api/v2/version", timeout=2).close()
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail(f"the API server did not answer in 120 s:\n{(home / 'api-server.log').read_text()[-3000:]}")
        yield {"base": base, "store": store, "seeded": seeded}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()
        store.close()


@pytest.fixture(scope="module")
def browser(api_server):
    chromium, driver_path = _browser()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver = Chrome(chromium, driver_path)
    yield driver
    driver.quit()


def _shot(driver, name: str) -> None:
    driver.screenshot(SCREENSHOTS / f"{name}.png")


def _select(driver, select_id: str, value: str) -> None:
    driver.wait_for(f"select#{select_id} option[value='{value}']").click()


def test_anonymous_requests_are_refused_by_the_live_server(api_server):
    base = api_server["base"]
    assert _call(f"{base}/storesync/")[0] == 401
    assert _call(f"{base}/storesync/dlq")[0] == 401
    item = api_server["seeded"]["dlq"]["blocked"]
    status, _ = _call(f"{base}/storesync/dlq/action", data={"action": "ignore", "ids": [item]})
    assert status == 401
    assert api_server["store"].get_dlq_item(item)["state"] == "open"


def test_log_in_see_the_overview_filter_the_dlq_and_replay_an_item(api_server, browser):
    base, store, seeded = api_server["base"], api_server["store"], api_server["seeded"]
    started = time.monotonic()

    # Not logged in: the console sends the browser to Airflow's own login page.
    browser.get(f"{base}/storesync/")
    browser.wait_for("input[name=username]").send_keys(USER)
    assert "/auth/login" in browser.current_url
    browser.find_all("input[name=password]")[0].send_keys(PASSWORD)
    _shot(browser, "01-login")
    browser.find_all("button[type=submit]")[0].click()

    # Back on the console's overview, signed in as the Airflow user.
    browser.wait_for("#overall")
    assert browser.find_all("#user")[0].text == f"signed in as {USER}"
    orders = browser.find_all('tr.flow[data-pair="xcart-sage500"][data-flow="orders"]')[0]
    assert orders.get_attribute("data-status") == "amber"  # fresh data, but items wait in the DLQ
    assert "unknown_item 1" in orders.text
    assert browser.find_all("#chart")[0].is_displayed()
    _shot(browser, "02-overview")

    # The same page inside the Airflow UI, from its navigation entry.
    browser.get(f"{base}/plugin/storesync")
    frame = browser.wait_for("iframe[src*='/storesync/']")
    browser.switch_to_frame(frame)
    browser.wait_for("#overall")
    browser.switch_to_frame(None)
    time.sleep(0.5)  # let the UI finish painting for the screenshot
    _shot(browser, "03-overview-in-airflow-ui")

    # The DLQ, filtered by reason: only the unknown-item order is left.
    browser.get(f"{base}/storesync/dlq")
    browser.wait_for("#dlq-items")
    assert len(browser.find_all("tr.item")) == 3  # open items (the held one is not open)
    _select(browser, "f-reason", "unknown_item")
    browser.find_all("#apply-filter")[0].click()
    browser.wait(lambda d: "reason=unknown_item" in d.current_url, what="the filtered page")
    rows = browser.find_all("tr.item")
    item = seeded["dlq"]["bad_sku"]
    assert [row.get_attribute("data-id") for row in rows] == [str(item)]
    assert rows[0].find("td.state").text == "open"
    _shot(browser, "04-dlq-filtered")

    # The record, with its card number and API key masked.
    rows[0].find(f"a[href$='/dlq/{item}']").click()
    payload = browser.wait_for("#payload").text
    assert "4111 1111 1111 1111" not in payload and "****1111" in payload and "sk_live_abc" not in payload
    _shot(browser, "05-dlq-record-masked")
    browser.back()

    # Replay it from the page: Airflow gets the run, the item gets a replay request under the logged-in user and
    # stays open (its run settles it); its row shows the request.
    assert browser.wait_for(f'tr.item[data-id="{item}"]').get_attribute("data-last-action") == "opened"
    browser.wait_for(f"#pick-{item}").click()
    browser.find_all("#action-note")[0].send_keys("SKU created in Sage 500")
    browser.find_all("#replay-selected")[0].click()
    flash = browser.wait_for("#flash").text
    assert "1 item(s) replay requested" in flash and REPLAYED_DAG in flash, flash
    row = browser.wait_for(f'tr.item[data-id="{item}"]')  # still in the open list
    assert row.get_attribute("data-state") == "open" and row.find("td.state").text == "open"
    assert row.get_attribute("data-last-action") == "replay_requested"
    assert f"replay requested by {USER} at" in row.find("td.last-action").text
    _shot(browser, "06-replay-requested")
    row.find(f"a[href$='/dlq/{item}']").click()
    history = browser.wait_for("#history")
    assert [e.get_attribute("data-action") for e in history.find_all("tr.event")] == ["opened", "replay_requested"]
    assert USER in history.find_all("tr.event")[1].text and "SKU created in Sage 500" in history.text
    _shot(browser, "07-item-history")

    stored = store.get_dlq_item(item)
    assert (stored["state"], stored["state_changed_by"]) == ("open", None)
    event = store.dlq_history([item])[item][-1]
    assert (event["action"], event["by"], event["note"]) == ("replay_requested", USER, "SKU created in Sage 500")

    token = json.loads(_call(f"{base}/auth/token", data={"username": USER, "password": PASSWORD})[1])["access_token"]
    status, body = _call(f"{base}/api/v2/dags/{REPLAYED_DAG}/dagRuns", token=token)
    assert status == 200, body
    runs = json.loads(body)["dag_runs"]
    # The request names the run that will settle it (other tests of the session may trigger the same DAG).
    mine = [run for run in runs if run["dag_run_id"] == event["run_id"]]
    assert len(mine) == 1, (event["run_id"], [run["dag_run_id"] for run in runs])
    assert mine[0]["conf"] == {"record_keys": ["1001"]} and mine[0]["triggering_user_name"] == USER
    # How long the browser part takes is printed, not asserted: speed is a benchmark's business.
    print(f"browser scenario: {time.monotonic() - started:.1f} s")


def test_connection_forms_and_their_test_button_on_the_live_server(api_server, tmp_path):
    """What the UI's connection form is built from (``/ui/connections/hook_meta``) and what its Test button calls
    (``POST /api/v2/connections/test``), on the running API server."""
    base = api_server["base"]
    token = json.loads(_call(f"{base}/auth/token", data={"username": USER, "password": PASSWORD})[1])["access_token"]
    status, body = _call(f"{base}/ui/connections/hook_meta", token=token)
    assert status == 200, body
    forms = {meta["connection_type"]: meta for meta in json.loads(body)}
    for conn_type in ("xcart", "sage500", "storesync", "acumatica"):
        assert forms[conn_type]["extra_fields"], conn_type
    xcart = forms["xcart"]
    assert xcart["standard_fields"]["host"]["title"] == "Store URL"
    assert xcart["standard_fields"]["login"]["hidden"] and xcart["standard_fields"]["port"]["hidden"]
    assert xcart["standard_fields"]["host"]["placeholder"] == "https://shop.example.com"
    assert forms["sage500"]["standard_fields"]["url_schema"]["title"] == "Database"

    url = f"sqlite:///{tmp_path / 'form-test.db'}"
    status, body = _call(f"{base}/api/v2/connections/test", token=token, data={
        "connection_id": "storesync_form_test", "conn_type": "storesync", "extra": json.dumps({"url": url})})
    assert status == 200, body
    answer = json.loads(body)
    assert answer["status"] is True and "sync store reachable (sqlite)" in answer["message"]
    status, body = _call(f"{base}/api/v2/connections/test", token=token, data={
        "connection_id": "xcart_form_test", "conn_type": "xcart", "host": "http://127.0.0.1:1", "password": "k",
        "extra": json.dumps({"max_attempts": 1, "timeout": 2})})
    assert status == 200 and json.loads(body)["status"] is False


def _logged_in(browser, base: str) -> None:
    browser.get(f"{base}/storesync/")
    found = browser.wait(lambda d: d.find_all("#overall") or d.find_all("input[name=username]"), what="a page")
    if found[0].get_attribute("name") == "username":
        found[0].send_keys(USER)
        browser.find_all("input[name=password]")[0].send_keys(PASSWORD)
        browser.find_all("button[type=submit]")[0].click()
        browser.wait_for("#overall")


def test_connection_form_and_test_button_in_the_ui(api_server, browser, tmp_path):
    """The X-Cart form as Airflow's UI draws it (labels, placeholders, unused fields hidden), and the list's
    Test button on a sync store connection (no port: the case Airflow 3.3.2's UI gets wrong without the fix)."""
    base = api_server["base"]
    _logged_in(browser, base)
    browser.get(f"{base}/connections")
    add = browser.wait(lambda d: [b for b in d.find_all("button") if b.text == "Add Connection"], what="Add button")
    add[0].click()
    browser.wait_for("input[name=connection_id]").send_keys("xcart_form_check")
    kind = browser.find_all("input[role=combobox]")[0]
    kind.click()
    kind.send_keys("X-Cart")
    browser.wait(lambda d: d.find_all_xpath("//*[@role='option'][contains(., 'X-Cart')]"), what="X-Cart option")[0].click()
    host = browser.wait_for("input[name=host]", visible=True)
    assert host.get_attribute("placeholder") == "https://shop.example.com"
    labels = [label.text.strip() for label in browser.find_all("label") if label.text.strip()]
    assert "Store URL" in labels and "REST API key (read/write)" in labels
    assert not [name for name in ("login", "schema", "port")
                if any(el.is_displayed() for el in browser.find_all(f"[name={name}]"))]
    _shot(browser, "08-xcart-connection-form")

    token = json.loads(_call(f"{base}/auth/token", data={"username": USER, "password": PASSWORD})[1])["access_token"]
    status, body = _call(f"{base}/api/v2/connections", token=token, data={
        "connection_id": "console_store_check", "conn_type": "storesync",
        "extra": json.dumps({"url": f"sqlite:///{tmp_path / 'checked.db'}"})})
    assert status in (200, 201), body
    browser.get(f"{base}/connections")
    row = browser.wait(lambda d: [r for r in d.find_all("tr") if "console_store_check" in r.text], what="row")[0]
    row.find("button[aria-label='Test Connection']").click()
    browser.wait(lambda d: "sync store reachable" in d.body_text(), what="the test result")
    _shot(browser, "09-test-button")
