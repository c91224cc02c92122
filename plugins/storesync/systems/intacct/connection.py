"""The "intacct" connection type: its form fields (``CONNECTION_FIELDS``, ``UI_FIELD_BEHAVIOUR``), which the
provider info lists through the system's declaration.

Imports nothing from Airflow or the hook (Airflow reads provider info while it initialises; see
``storesync.provider``).

Fields: host = the gateway URL (``https://api.intacct.com/ia/xml/xmlgw.phtml``, intacct-sdk-php
``Credentials/Endpoint.php`` ``DEFAULT_ENDPOINT``), login = the Web Services user ID, password = its password;
extras below. Every key here is kept out of the HTTP headers by the hook.
"""

from __future__ import annotations

from typing import Any


def _field(label: str, kind: str, default: Any = None, description: str | None = None, *,
           secret: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": [kind, "null"]}
    if default is not None:
        schema["default"] = default
    if secret:
        schema["format"] = "password"
    return {"label": label, "schema": schema, **({"description": description} if description else {})}


CONNECTION_FIELDS: dict[str, dict[str, Any]] = {
    "sender_id": _field("Web Services sender ID", "string",
                        description="The sender ID of the Web Services developer licence."),
    "sender_password": _field("Web Services sender password", "string", secret=True),
    "company_id": _field("Company ID", "string", description="The Intacct company to sign in to."),
    "entity_id": _field("Entity (location) ID", "string",
                        description="Multi-entity companies: the entity documents post to; empty: top level."),
    "page_size": _field("Page size (readByQuery ≤ 1000)", "integer", 1000),
    "timeout": _field("Request timeout (s)", "number", 60),
    "max_attempts": _field("Attempts per request", "integer", 4),
    "retry_base_delay": _field("First retry delay (s)", "number", 0.5, "Doubles after each transient failure."),
    "throttle_base_delay": _field("First wait after a 429 GW-0010 (s)", "number", 1.0,
                                  "Doubles while the gateway keeps throttling (Intacct sends no Retry-After)."),
    "max_rate_limit_wait": _field("Longest total wait for throttling per request (s)", "number", 300),
    "requests_per_minute": _field("Requests per minute (whole deployment)", "integer",
                                  description="Request budget shared by every task; empty: unlimited."),
    "max_concurrency": _field("Concurrent tasks (= pool slots)", "integer",
                              description="Tasks that may talk to the company at once; Intacct limits concurrent "
                                          "requests per company by performance tier."),
}

UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    "hidden_fields": ["schema", "port"],
    "relabeling": {"host": "Gateway URL", "login": "User ID", "password": "User password"},
    "placeholders": {"host": "https://api.intacct.com/ia/xml/xmlgw.phtml", "login": "ws_storesync"},
}
