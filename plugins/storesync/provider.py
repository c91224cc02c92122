"""Provider metadata: makes Airflow list our connection types, with their form fields, in the UI.

Airflow 3.2+ builds connection forms from the provider info alone ("conn-fields" for the extras as labelled
form fields, "ui-field-behaviour" for hidden/relabelled standard fields and placeholders); the older hook
methods (``get_ui_field_behaviour``) are read only when ``wtforms`` is installed, which Airflow 3 no longer
needs, so without these declarations the UI shows the generic fields. Airflow loads this while it
initialises, so it imports nothing from Airflow or the hooks: the hooks import their form definitions from
there instead. The form's Test button calls the hook's ``test_connection`` (``[core] test_connection =
Enabled``, which ``make airflow`` sets).
"""

from __future__ import annotations

import importlib
from typing import Any

from storesync.forms import connection_type, form_extras, text

__all__ = ["get_provider_info", "form_extras"]

#: The sync store: a SQLAlchemy URL (SQLite file by default) or the PostgreSQL fields.
SYNCSTORE_CONNECTION_FIELDS: dict[str, dict[str, Any]] = {
    "url": text("SQLAlchemy URL", description="e.g. sqlite:////opt/airflow/data/sync.db; when set, the fields "
                                              "above are not used. Masked: a PostgreSQL URL holds a password.",
                secret=True),
}
SYNCSTORE_UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    "hidden_fields": [],
    "relabeling": {"host": "PostgreSQL host", "schema": "Database", "login": "User"},
    "placeholders": {"host": "postgres.example.com (or leave empty and set the URL)", "schema": "storesync",
                     "port": "5432", "login": "storesync"},
}



def get_provider_info() -> dict:
    """Every installed system's connection type (from its declaration and form module) and the sync store's."""
    from storesync.systems import systems

    connection_types = []
    for spec in systems():
        form = importlib.import_module(spec.connection.form)
        connection_types.append(connection_type(spec.connection.conn_type, spec.connection.hook,
                                                spec.connection.hook_name, form.CONNECTION_FIELDS,
                                                form.UI_FIELD_BEHAVIOUR))
    connection_types.append(connection_type("storesync", "storesync.hooks.syncstore.SyncStoreHook",
                                            "Storesync sync store (SQLAlchemy)", SYNCSTORE_CONNECTION_FIELDS,
                                            SYNCSTORE_UI_FIELD_BEHAVIOUR))
    return {
        "package-name": "storesync",
        "name": "Storesync",
        "description": "Storefront ↔ ERP sync: " + ", ".join(spec.title for spec in systems())
                       + " and the sync store.",
        "versions": ["0.1.0"],
        "connection-types": connection_types,
    }
