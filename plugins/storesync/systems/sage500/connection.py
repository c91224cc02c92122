"""Sage 500's connection form (stdlib only: Airflow reads it at start-up through the provider info)."""

from __future__ import annotations

from typing import Any

from storesync.forms import text

DIALECTS = ("mssql", "postgresql", "sqlite")
IMPORT_PROCEDURES = ("native", "sandbox")
#: Sage 500 through ODBC: the standard fields are the SQL Server login; extras the driver and Sage specifics.
CONNECTION_FIELDS: dict[str, dict[str, Any]] = {
    "driver": text("ODBC driver", "ODBC Driver 18 for SQL Server",
                   "As registered with unixODBC (odbcinst -q -d); the sandbox uses SQLite3."),
    "dialect": text("SQL dialect", "mssql", "mssql for a Sage 500 site; sqlite/postgresql for sandboxes.",
                    choices=DIALECTS),
    "company_id": text("Company ID", "SOA", "Sage 500 CompanyID (3 characters)."),
    "import_procedure": text("Import procedures", "native",
                             "native: the site's spSOapi… Data Import procedures; sandbox: the emulator's.",
                             choices=IMPORT_PROCEDURES),
    "placeholder": text("Bind placeholder", "?", "Keep ? (pyodbc)."),
}
UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    "hidden_fields": [],
    "relabeling": {"host": "Server", "schema": "Database", "login": "User"},
    "placeholders": {"host": "sqlserver.example.com", "schema": "mas500_app", "login": "sync_user",
                     "port": "1433"},
}
