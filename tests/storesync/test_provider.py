"""Connection forms: every custom connection type declares labelled fields, placeholders and hidden fields in the
provider info (what Airflow 3.2+ builds its forms from), and the form's Test button reaches our hook."""

from __future__ import annotations

import json

from storesync.provider import form_extras, get_provider_info

TYPES = {"xcart", "sage500", "storesync", "acumatica", "intacct"}


def _types() -> dict[str, dict]:
    return {entry["connection-type"]: entry for entry in get_provider_info()["connection-types"]}


def test_every_connection_type_has_a_declarative_form():
    types = _types()
    assert set(types) == TYPES
    for name, entry in types.items():
        assert entry["hook-name"], name
        assert entry["conn-fields"], name
        for field, spec in entry["conn-fields"].items():
            assert spec["label"] and spec["schema"]["type"], (name, field)
        behaviour = entry["ui-field-behaviour"]
        assert set(behaviour) == {"hidden-fields", "relabeling", "placeholders"}, name
        assert behaviour["placeholders"], name


def test_fields_a_connection_type_does_not_use_are_hidden():
    types = _types()
    assert {"login", "schema", "port"} <= set(types["xcart"]["ui-field-behaviour"]["hidden-fields"])
    assert {"schema", "port"} <= set(types["acumatica"]["ui-field-behaviour"]["hidden-fields"])


def test_secrets_in_extras_are_password_fields():
    types = _types()
    assert types["xcart"]["conn-fields"]["read_only_api_key"]["schema"]["format"] == "password"
    assert types["acumatica"]["conn-fields"]["client_secret"]["schema"]["format"] == "password"
    assert types["storesync"]["conn-fields"]["url"]["schema"]["format"] == "password"
    assert types["intacct"]["conn-fields"]["sender_password"]["schema"]["format"] == "password"


def test_xcart_form_fields_never_travel_as_request_headers():
    from storesync.systems.xcart.hook import _CLIENT_EXTRAS

    assert set(_types()["xcart"]["conn-fields"]) <= set(_CLIENT_EXTRAS)


def test_sage500_choices_are_the_hooks_own():
    from storesync.systems.sage500.hook import DIALECTS, IMPORT_PROCEDURES

    fields = _types()["sage500"]["conn-fields"]
    assert set(fields["dialect"]["schema"]["enum"]) - {None} == set(DIALECTS)
    assert set(fields["import_procedure"]["schema"]["enum"]) - {None} == set(IMPORT_PROCEDURES)


def test_airflow_builds_the_forms_from_the_provider_info():
    from airflow.providers_manager import ProvidersManager

    manager = ProvidersManager()
    behaviours = manager.field_behaviours
    widgets = manager.connection_form_widgets
    for name in TYPES:
        assert name in behaviours, name
    assert behaviours["xcart"]["relabeling"]["host"] == "Store URL"
    assert behaviours["sage500"]["relabeling"]["schema"] == "Database"
    assert widgets["extra__xcart__read_only_api_key"].is_sensitive
    assert widgets["extra__sage500__company_id"].field["schema"]["title"] == "Company ID"
    assert widgets["extra__storesync__url"].is_sensitive


def test_empty_form_fields_mean_the_default():
    assert form_extras({"page_size": None, "timeout": "", "tenant": "Company", "max_attempts": 0}) == {
        "tenant": "Company", "max_attempts": 0}


def test_an_xcart_connection_saved_with_empty_fields_still_builds_a_client(monkeypatch):
    from storesync.systems.xcart.hook import XCartHook

    monkeypatch.setenv("AIRFLOW_CONN_XCART_FORM", json.dumps({
        "conn_type": "xcart", "host": "http://127.0.0.1:9", "password": "rw-key",
        "extra": {"page_size": None, "timeout": "", "max_attempts": None, "requests_per_minute": ""}}))
    client = XCartHook("xcart_form").get_client()
    assert client.page_size == 250


def press_test(monkeypatch, **form) -> tuple[bool, str]:
    """What Airflow's Test button does (``POST /api/v2/connections/test``): a ``Connection`` from the form,
    exported as ``AIRFLOW_CONN_<id>`` by its URI, then its ``test_connection()`` (which calls the hook's)."""
    from airflow.models.connection import Connection

    connection = Connection(conn_id="form_test", **form)
    monkeypatch.setenv("AIRFLOW_CONN_FORM_TEST", connection.get_uri())
    return connection.test_connection()


def test_the_test_button_reaches_the_sync_store_hook_without_creating_tables(monkeypatch, tmp_path):
    from storesync.store.schema import metadata

    tables = len(metadata.tables)
    url = f"sqlite:///{tmp_path / 'sync.db'}"
    ok, message = press_test(monkeypatch, conn_type="storesync", extra=json.dumps({"url": url}))
    assert ok, message
    assert f"sync store reachable (sqlite); 0 of {tables} tables present" in message
    from storesync.store.store import SyncStore

    with SyncStore(url) as store:
        store.create_all()
    ok, message = press_test(monkeypatch, conn_type="storesync", extra=json.dumps({"url": url}))
    assert ok and f"{tables} of {tables} tables present" in message


def test_the_test_button_reports_an_unreachable_store(monkeypatch):
    ok, message = press_test(monkeypatch, conn_type="storesync", host="127.0.0.1", port=1, login="x", schema="nope")
    assert not ok and "127.0.0.1" in message and "port 1" in message


def test_the_test_button_reaches_the_xcart_hook(monkeypatch):
    ok, message = press_test(monkeypatch, conn_type="xcart", host="http://127.0.0.1:1", password="rw-key",
                             extra=json.dumps({"max_attempts": 1, "timeout": 2}))
    assert not ok and "rw-key" not in message and message


def test_the_test_button_reaches_the_sage500_hook(monkeypatch, tmp_path):
    ok, message = press_test(monkeypatch, conn_type="sage500", schema=str(tmp_path / "empty.db"),
                             extra=json.dumps({"driver": "SQLite3", "dialect": "sqlite", "import_procedure": "sandbox",
                                               "placeholder": "?"}))
    assert not ok and "tarCustomer" in message


def test_sage500_form_fields_never_reach_the_odbc_connection_string():
    """OdbcHook appends unknown extras to the connection string; the form's fields are all the hook's own or
    ones OdbcHook itself leaves out (driver, placeholder)."""
    from storesync.systems.sage500.hook import _HOOK_EXTRAS

    assert set(_types()["sage500"]["conn-fields"]) <= set(_HOOK_EXTRAS) | {"driver", "placeholder"}
