"""X-Cart's connection form (stdlib only: Airflow reads it at start-up through the provider info)."""

from __future__ import annotations

from typing import Any

from storesync.forms import BUDGET_FIELDS, integer, number, text

#: X-Cart REST API module: host = store URL, password = read/write key; extras as form fields. Every key here is
#: one the hook keeps out of the HTTP headers (``storesync.systems.xcart.hook._CLIENT_EXTRAS``).
CONNECTION_FIELDS: dict[str, dict[str, Any]] = {
    "read_only_api_key": text("REST API key (read-only)", secret=True,
                              description="The module's read-only key: used by tasks that only read."),
    "page_size": integer("Page size (_cnd[limit])", 250),
    "timeout": number("Request timeout (s)", 30),
    "max_attempts": integer("Attempts per request", 4),
    "retry_base_delay": number("First retry delay (s)", 0.5, "Doubles after each transient failure."),
    **BUDGET_FIELDS,
}
UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    # The store URL carries scheme, port and path; the key is the only credential (no user name).
    "hidden_fields": ["login", "schema", "port"],
    "relabeling": {"host": "Store URL", "password": "REST API key (read/write)"},
    "placeholders": {"host": "https://shop.example.com", "password": "the module's read/write key"},
}
