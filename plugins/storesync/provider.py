"""Provider metadata: makes Airflow list our connection types, with their form fields, in the UI.

Airflow loads this while it initialises, so it imports nothing from Airflow or the hooks: the hooks import
their form definitions from here instead.
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


def get_provider_info() -> dict:
    return {
        "package-name": "storesync",
        "name": "Storesync",
        "description": "Storefront ↔ ERP sync: X-Cart, Sage 500, Acumatica and the sync store.",
        "versions": ["0.1.0"],
        "connection-types": [
            {"hook-class-name": "storesync.hooks.xcart.XCartHook", "connection-type": "xcart"},
            {"hook-class-name": "storesync.hooks.sage500.Sage500Hook", "connection-type": "sage500"},
            {"hook-class-name": "storesync.hooks.syncstore.SyncStoreHook", "connection-type": "storesync"},
            {
                "hook-class-name": "storesync.hooks.acumatica.AcumaticaHook",
                "connection-type": "acumatica",
                "hook-name": "Acumatica",
                # Declarative form (Airflow 3.2+): the client secret is a password field, masked in the UI.
                "conn-fields": ACUMATICA_CONNECTION_FIELDS,
                "ui-field-behaviour": {
                    "hidden-fields": ACUMATICA_UI_FIELD_BEHAVIOUR["hidden_fields"],
                    "relabeling": ACUMATICA_UI_FIELD_BEHAVIOUR["relabeling"],
                    "placeholders": ACUMATICA_UI_FIELD_BEHAVIOUR["placeholders"],
                },
            },
        ],
    }
