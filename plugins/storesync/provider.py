"""Provider metadata: makes Airflow list our connection types, with their form fields, in the UI.

Airflow 3.2+ builds connection forms from the provider info alone ("conn-fields" for the extras as labelled
form fields, "ui-field-behaviour" for hidden/relabelled standard fields and placeholders); the older hook
methods (``get_ui_field_behaviour``) are read only when ``wtforms`` is installed, which Airflow 3 no longer
needs, so without these declarations the UI shows the generic fields. Airflow loads this while it
initialises, so it imports nothing from Airflow or the hooks: the hooks import their form definitions from
here instead. The form's Test button calls the hook's ``test_connection`` (``[core] test_connection =
Enabled``, which ``make airflow`` sets).
"""

from __future__ import annotations

from typing import Any

ACUMATICA_AUTH_MODES = ("cookie", "oauth2")
#: Acumatica connection extras as form fields (Airflow 3.2+ reads them from here: "conn-fields").
ACUMATICA_CONNECTION_FIELDS: dict[str, dict[str, Any]] = {
    "tenant": {"label": "Tenant", "description": "Tenant (company) name; may be empty on a one-tenant instance.",
               "schema": {"type": ["string", "null"]}},
    "branch": {"label": "Branch", "description": "Branch to log in to (optional).",
               "schema": {"type": ["string", "null"]}},
    "endpoint": {"label": "Endpoint", "schema": {"type": ["string", "null"], "default": "Default"}},
    "version": {"label": "Endpoint version", "schema": {"type": ["string", "null"], "default": "24.200.001"}},
    "auth": {"label": "Authentication", "description": "cookie (login/logout session) or oauth2 (password grant).",
             "schema": {"type": ["string", "null"], "enum": [*ACUMATICA_AUTH_MODES, None], "default": "cookie"}},
    "client_id": {"label": "OAuth client ID", "schema": {"type": ["string", "null"]}},
    "client_secret": {"label": "OAuth client secret", "schema": {"type": ["string", "null"], "format": "password"}},
    "page_size": {"label": "Page size ($top)", "schema": {"type": ["integer", "null"], "default": 500}},
    "timeout": {"label": "Request timeout (s)", "schema": {"type": ["number", "null"], "default": 60}},
    "requests_per_minute": {"label": "Requests per minute (whole deployment)",
                            "schema": {"type": ["integer", "null"]}},
    "max_concurrency": {"label": "Concurrent tasks (= pool slots)", "schema": {"type": ["integer", "null"]}},
    "max_attempts": {"label": "Attempts per request", "schema": {"type": ["integer", "null"], "default": 4}},
    "max_rate_limit_wait": {"label": "Longest total wait for licence limits per request (s)",
                            "schema": {"type": ["number", "null"], "default": 300}},
}
ACUMATICA_UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    "hidden_fields": ["schema", "port"],
    "relabeling": {"host": "Instance URL", "login": "User name", "password": "Password"},
    "placeholders": {"host": "https://example.acumatica.com/instance", "login": "api-user"},
}


def _integer(label: str, default: int | None = None, description: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": ["integer", "null"]}
    if default is not None:
        schema["default"] = default
    return {"label": label, "schema": schema, **({"description": description} if description else {})}


def _number(label: str, default: float | None = None, description: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": ["number", "null"]}
    if default is not None:
        schema["default"] = default
    return {"label": label, "schema": schema, **({"description": description} if description else {})}


def _text(label: str, default: str | None = None, description: str | None = None, *, secret: bool = False,
          choices: tuple[str, ...] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": ["string", "null"]}
    if default is not None:
        schema["default"] = default
    if secret:
        schema["format"] = "password"
    if choices:
        schema["enum"] = [*choices, None]
    return {"label": label, "schema": schema, **({"description": description} if description else {})}


_BUDGET_FIELDS: dict[str, dict[str, Any]] = {
    "requests_per_minute": _integer("Requests per minute (whole deployment)",
                                    description="Request budget shared by every task; empty: unlimited."),
    "max_concurrency": _integer("Concurrent tasks (= pool slots)",
                                description="Tasks that may talk to the system at once; the pair's pool has as "
                                            "many slots."),
}

#: X-Cart REST API module: host = store URL, password = read/write key; extras as form fields. Every key here is
#: one the hook keeps out of the HTTP headers (``storesync.hooks.xcart._CLIENT_EXTRAS``).
XCART_CONNECTION_FIELDS: dict[str, dict[str, Any]] = {
    "read_only_api_key": _text("REST API key (read-only)", secret=True,
                               description="The module's read-only key: used by tasks that only read."),
    "page_size": _integer("Page size (_cnd[limit])", 250),
    "timeout": _number("Request timeout (s)", 30),
    "max_attempts": _integer("Attempts per request", 4),
    "retry_base_delay": _number("First retry delay (s)", 0.5, "Doubles after each transient failure."),
    **_BUDGET_FIELDS,
}
XCART_UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    # The store URL carries scheme, port and path; the key is the only credential (no user name).
    "hidden_fields": ["login", "schema", "port"],
    "relabeling": {"host": "Store URL", "password": "REST API key (read/write)"},
    "placeholders": {"host": "https://shop.example.com", "password": "the module's read/write key"},
}

SAGE500_DIALECTS = ("mssql", "postgresql", "sqlite")
SAGE500_IMPORT_PROCEDURES = ("native", "sandbox")
#: Sage 500 through ODBC: the standard fields are the SQL Server login; extras the driver and Sage specifics.
SAGE500_CONNECTION_FIELDS: dict[str, dict[str, Any]] = {
    "driver": _text("ODBC driver", "ODBC Driver 18 for SQL Server",
                    "As registered with unixODBC (odbcinst -q -d); the sandbox uses SQLite3."),
    "dialect": _text("SQL dialect", "mssql", "mssql for a Sage 500 site; sqlite/postgresql for sandboxes.",
                     choices=SAGE500_DIALECTS),
    "company_id": _text("Company ID", "SOA", "Sage 500 CompanyID (3 characters)."),
    "import_procedure": _text("Import procedures", "native",
                              "native: the site's spSOapi… Data Import procedures; sandbox: the emulator's.",
                              choices=SAGE500_IMPORT_PROCEDURES),
    "placeholder": _text("Bind placeholder", "?", "Keep ? (pyodbc)."),
}
SAGE500_UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    "hidden_fields": [],
    "relabeling": {"host": "Server", "schema": "Database", "login": "User"},
    "placeholders": {"host": "sqlserver.example.com", "schema": "mas500_app", "login": "sync_user",
                     "port": "1433"},
}

#: The sync store: a SQLAlchemy URL (SQLite file by default) or the PostgreSQL fields.
SYNCSTORE_CONNECTION_FIELDS: dict[str, dict[str, Any]] = {
    "url": _text("SQLAlchemy URL", description="e.g. sqlite:////opt/airflow/data/sync.db; when set, the fields "
                                               "above are not used. Masked: a PostgreSQL URL holds a password.",
                 secret=True),
}
SYNCSTORE_UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    "hidden_fields": [],
    "relabeling": {"host": "PostgreSQL host", "schema": "Database", "login": "User"},
    "placeholders": {"host": "postgres.example.com (or leave empty and set the URL)", "schema": "storesync",
                     "port": "5432", "login": "storesync"},
}


def form_extras(extra: dict[str, Any]) -> dict[str, Any]:
    """Connection extras without the form's empty fields (an empty form field means "use the default")."""
    return {key: value for key, value in extra.items() if value is not None and value != ""}


def _connection_type(conn_type: str, hook: str, name: str, fields: dict[str, dict[str, Any]],
                     behaviour: dict[str, Any]) -> dict[str, Any]:
    return {
        "hook-class-name": hook,
        "connection-type": conn_type,
        "hook-name": name,
        "conn-fields": fields,
        "ui-field-behaviour": {
            "hidden-fields": behaviour["hidden_fields"],
            "relabeling": behaviour["relabeling"],
            "placeholders": behaviour["placeholders"],
        },
    }


def get_provider_info() -> dict:
    return {
        "package-name": "storesync",
        "name": "Storesync",
        "description": "Storefront ↔ ERP sync: X-Cart, Sage 500, Acumatica and the sync store.",
        "versions": ["0.1.0"],
        "connection-types": [
            _connection_type("xcart", "storesync.hooks.xcart.XCartHook", "X-Cart (REST API module)",
                             XCART_CONNECTION_FIELDS, XCART_UI_FIELD_BEHAVIOUR),
            _connection_type("sage500", "storesync.hooks.sage500.Sage500Hook", "Sage 500 ERP (ODBC)",
                             SAGE500_CONNECTION_FIELDS, SAGE500_UI_FIELD_BEHAVIOUR),
            _connection_type("storesync", "storesync.hooks.syncstore.SyncStoreHook",
                             "Storesync sync store (SQLAlchemy)", SYNCSTORE_CONNECTION_FIELDS,
                             SYNCSTORE_UI_FIELD_BEHAVIOUR),
            # Declarative form: the client secret is a password field, masked in the UI.
            _connection_type("acumatica", "storesync.hooks.acumatica.AcumaticaHook", "Acumatica",
                             ACUMATICA_CONNECTION_FIELDS, ACUMATICA_UI_FIELD_BEHAVIOUR),
        ],
    }
