"""Acumatica's connection form (stdlib only: Airflow reads it at start-up through the provider info)."""

from __future__ import annotations

from typing import Any

AUTH_MODES = ("cookie", "oauth2")
#: Acumatica connection extras as form fields (Airflow 3.2+ reads them from here: "conn-fields").
CONNECTION_FIELDS: dict[str, dict[str, Any]] = {
    "tenant": {"label": "Tenant", "description": "Tenant (company) name; may be empty on a one-tenant instance.",
               "schema": {"type": ["string", "null"]}},
    "branch": {"label": "Branch", "description": "Branch to log in to (optional).",
               "schema": {"type": ["string", "null"]}},
    "endpoint": {"label": "Endpoint", "schema": {"type": ["string", "null"], "default": "Default"}},
    "version": {"label": "Endpoint version", "schema": {"type": ["string", "null"], "default": "24.200.001"}},
    "auth": {"label": "Authentication", "description": "cookie (login/logout session) or oauth2 (password grant).",
             "schema": {"type": ["string", "null"], "enum": [*AUTH_MODES, None], "default": "cookie"}},
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
UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    "hidden_fields": ["schema", "port"],
    "relabeling": {"host": "Instance URL", "login": "User name", "password": "Password"},
    "placeholders": {"host": "https://example.acumatica.com/instance", "login": "api-user"},
}
