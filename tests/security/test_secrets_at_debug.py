"""No form of a secret reaches a log at DEBUG (issue 14, finding 7).

urllib3 prints every request line at DEBUG, query string included: the X-Cart key travels there
percent-encoded (``_key=rw%2Fkey%2B…``), which the masker, knowing only the key's exact text, let through. The
sync store's password sits percent-encoded in its SQLAlchemy URL, and a token base64-encoded in a Basic
``Authorization`` header. The log here is what a task log is: a handler behind Airflow's secrets masker.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import re
from urllib.parse import quote, quote_plus

import pytest

KEY = "rw/key+3f9a=&x9"            # characters percent-encoding changes
STORE_PASSWORD = "st0re/p@ss+w0rd:1"
TOKEN = "whk_T0ken/+=abc"


def every_form(secret: str) -> set[str]:
    """What a secret can look like in a log line: raw, percent-encoded, JSON-escaped, base64 (alone, in Basic auth)."""
    return {secret, quote(secret, safe=""), quote(secret), quote_plus(secret),
            re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), quote(secret, safe="")),  # lower-case hex
            re.sub(r"[:@/]", lambda m: f"%{ord(m.group()):X}", secret), json.dumps(secret)[1:-1],
            base64.b64encode(secret.encode()).decode(),
            base64.b64encode(f"api-user:{secret}".encode()).decode(),
            base64.b64encode(f"x:{secret}".encode()).decode()[4:]}


def leaks(text: str, *secrets: str) -> list[str]:
    return sorted({form for secret in secrets for form in every_form(secret) if len(form) >= 5 and form in text})


LOGGERS = ("urllib3.connectionpool", "sqlalchemy.engine.Engine", "storesync.debugging")


@pytest.fixture
def task_log(monkeypatch):
    """DEBUG lines of the libraries into a buffer behind Airflow's secrets masker, as in a task log. The handler
    sits on the loggers themselves: an earlier DAG run in the session may have reconfigured the root logger."""
    from airflow.sdk._shared.secrets_masker import _secrets_masker

    masker = _secrets_masker()
    monkeypatch.setattr(type(masker), "mask_secrets_in_logs", True)  # the task runner turns masking on
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    handler.setLevel(logging.DEBUG)
    handler.addFilter(masker)
    monkeypatch.setattr(logging.root.manager, "disable", 0)
    for name in LOGGERS:
        logger = logging.getLogger(name)
        for attribute, value in (("level", logging.DEBUG), ("disabled", False), ("propagate", False),
                                 ("handlers", [handler])):
            monkeypatch.setattr(logger, attribute, value)
    logging.root.manager._clear_cache()  # loggers cache isEnabledFor: a level set as an attribute needs this
    yield buffer
    monkeypatch.undo()
    logging.root.manager._clear_cache()


def test_the_xcart_key_is_not_in_the_urllib3_debug_lines(task_log, monkeypatch):
    from include.sandbox.xcart.seed import seed_store
    from include.sandbox.xcart.server import XCartServer
    from include.sandbox.xcart.store import XCartStore
    from storesync.systems.xcart.hook import XCartHook
    from storesync.log_masking import install

    store = XCartStore()
    seed_store(store, seed=7, orders=3, products=5, profiles=3, days=1, end_ts=1764000000)
    server = XCartServer(store, rw_key=KEY, ro_key="ro-key-77c2x", seed=7, orders=3, products=5, profiles=3, days=1,
                         end_ts=1764000000).start()
    try:
        monkeypatch.setenv("AIRFLOW_CONN_XCART_DEFAULT",
                           json.dumps({"conn_type": "xcart", "host": server.base_url, "password": KEY}))
        install()  # what every sync task does as it starts
        XCartHook().get_client().request("GET", "order", params={"_cnd[limit][0]": 0, "_cnd[limit][1]": 1})
    finally:
        server.stop()
    text = task_log.getvalue()
    assert '"GET /admin.php?target=RESTAPI&_key=' in text, "urllib3 must have printed the request line"
    assert leaks(text, KEY) == [], f"the X-Cart key reached the log: {text[:500]}"


def test_no_form_of_the_store_password_or_the_alert_token_reaches_the_log(task_log, monkeypatch):
    from storesync.hooks.syncstore import SyncStoreHook
    from storesync.log_masking import install
    from storesync.alerts.delivery import _get_connection

    install()
    monkeypatch.setenv("AIRFLOW_CONN_STORESYNC_DB", json.dumps(
        {"conn_type": "postgres", "host": "127.0.0.1", "login": "sync", "password": STORE_PASSWORD,
         "schema": "storesync"}))
    monkeypatch.setenv("AIRFLOW_CONN_ALERTS_WEBHOOK", json.dumps(
        {"conn_type": "http", "host": "https://hooks.example.com/alerts", "password": TOKEN}))
    url = SyncStoreHook().get_url()              # registers the store password (the hook's own path)
    _get_connection("alerts_webhook")              # registers the token (the alert channel's own path)
    assert quote(STORE_PASSWORD, safe="") in url or STORE_PASSWORD not in url

    log = logging.getLogger("storesync.debugging")
    for secret in (STORE_PASSWORD, TOKEN):
        for form in every_form(secret):
            log.debug("a library line holding a form of a secret: %s", form)
    log.debug("engine url %s", url)
    log.debug("headers %s", {"Authorization": "Bearer " + TOKEN})
    log.debug("headers %s", {"Authorization": "Basic " + base64.b64encode(f"alerts:{TOKEN}".encode()).decode()})
    text = task_log.getvalue()
    assert text.count("a library line holding") >= 16, "the lines must have been logged"
    assert leaks(text, STORE_PASSWORD, TOKEN) == [], "a form of a secret reached the log:\n" + text


def test_library_lines_lose_credentials_even_for_secrets_nobody_registered(task_log):
    from storesync.log_masking import install

    install()
    unregistered = "zz9-plural-z-alpha"
    logging.getLogger("urllib3.connectionpool").debug('%s://%s:%s "%s %s %s" %s %s', "https", "shop", 443, "GET",
                                                      f"/admin.php?target=RESTAPI&_key={unregistered}&_path=order",
                                                      "HTTP/1.1", 200, 10)
    logging.getLogger("sqlalchemy.engine.Engine").debug("connect postgresql+psycopg2://sync:%s@db/storesync",
                                                        unregistered)
    text = task_log.getvalue()
    assert "_key=***" in text and "sync:***@db" in text
    assert unregistered not in text


def test_secret_forms_cover_base64_at_every_offset():
    from storesync.log_masking import secret_forms

    forms = secret_forms(TOKEN)
    for login in ("", "a", "ab", "abc", "api-user"):
        encoded = base64.b64encode(f"{login}:{TOKEN}".encode()).decode()
        assert any(form in encoded for form in forms), login
    assert "ordinary text" not in " ".join(forms)
