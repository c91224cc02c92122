"""Building blocks of connection forms (Airflow 3.2+ "conn-fields" and "ui-field-behaviour"), generic.

Stdlib only: Airflow loads the provider info, and with it every system's form, while it initialises.
"""

from __future__ import annotations

from typing import Any


def integer(label: str, default: int | None = None, description: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": ["integer", "null"]}
    if default is not None:
        schema["default"] = default
    return {"label": label, "schema": schema, **({"description": description} if description else {})}


def number(label: str, default: float | None = None, description: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": ["number", "null"]}
    if default is not None:
        schema["default"] = default
    return {"label": label, "schema": schema, **({"description": description} if description else {})}


def text(label: str, default: str | None = None, description: str | None = None, *, secret: bool = False,
         choices: tuple[str, ...] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": ["string", "null"]}
    if default is not None:
        schema["default"] = default
    if secret:
        schema["format"] = "password"
    if choices:
        schema["enum"] = [*choices, None]
    return {"label": label, "schema": schema, **({"description": description} if description else {})}


BUDGET_FIELDS: dict[str, dict[str, Any]] = {
    "requests_per_minute": integer("Requests per minute (whole deployment)",
                                   description="Request budget shared by every task; empty: unlimited."),
    "max_concurrency": integer("Concurrent tasks (= pool slots)",
                               description="Tasks that may talk to the system at once; the pair's pool has as "
                                           "many slots."),
}


def form_extras(extra: dict[str, Any]) -> dict[str, Any]:
    """Connection extras without the form's empty fields (an empty form field means "use the default")."""
    return {key: value for key, value in extra.items() if value is not None and value != ""}


def connection_type(conn_type: str, hook: str, name: str, fields: dict[str, dict[str, Any]],
                    behaviour: dict[str, Any]) -> dict[str, Any]:
    """One entry of the provider info's "connection-types"."""
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
