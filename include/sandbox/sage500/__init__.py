"""Sage 500 sandbox: a database with Sage 500's real table and column names, reached only through ODBC.

SQLite3 ODBC driver by default, PostgreSQL ODBC driver in CI; a real Sage 500 is SQL Server behind its own
driver, and the same portable SQL (unquoted identifiers, ``?`` markers) runs against all three. The Data
Import procedure ``spSOapiSalesOrdIns`` is emulated in Python for the sandbox (:mod:`.procedures`).

Modules: :mod:`.dialects` (dialect seam, ODBC connection strings, databases), :mod:`.schema` (tables as data,
DDL, key allocation), :mod:`.seed` (deterministic data), :mod:`.procedures` (import emulation), and the
command line in ``__main__`` (``python -m include.sandbox.sage500 init …``).
"""

try:  # the pipeline's hook runs the emulated procedures when a connection says import_procedure: sandbox
    from storesync.systems.sage500.import_procedures import register as _register
except ImportError:  # pragma: no cover - a sandbox-only process without plugins/ on its path needs no hook
    pass
else:
    _register("sandbox", "include.sandbox.sage500.import_procedures:SandboxImportProcedures")

from .dialects import DIALECTS, connect, get_dialect, odbc_connect_string, redact_connect_string
from .procedures import NATIVE_PROCEDURES, ImportResult, run_sales_order_import
from .schema import STAGING_COLUMN_SIZES, allocate_keys, create_schema, drop_schema, table_counts
from .seed import seed_database

__all__ = [
    "DIALECTS", "NATIVE_PROCEDURES", "STAGING_COLUMN_SIZES", "ImportResult", "allocate_keys", "connect",
    "create_schema", "drop_schema", "get_dialect", "odbc_connect_string", "redact_connect_string",
    "run_sales_order_import", "seed_database", "table_counts",
]
