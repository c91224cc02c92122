"""Alembic environment of the sync store; ``storesync.store.migrate`` hands it an open connection.

The connection comes in ``config.attributes["connection"]`` already inside the transaction that holds the
migration lock, so every revision (and the stamp of a store created before migrations) runs under that lock
and commits or rolls back as one. ``render_as_batch`` makes ``alembic revision --autogenerate`` write ALTERs
as batch operations, which SQLite needs (it rebuilds the table) and PostgreSQL runs as plain ALTERs.
"""

from __future__ import annotations

from alembic import context

from storesync.store.migrate import VERSION_TABLE, include_name
from storesync.store.schema import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError(
        "the sync store's migrations run through storesync.store.migrate "
        "(python -m storesync.store.migrate upgrade --store-url URL), which passes the connection"
    )

context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    render_as_batch=True,
    compare_type=True,
    # Autogenerate writes the store's own column types as ``store_types.UtcDateTime()`` (the template imports it).
    user_module_prefix="store_types.",
    # A store may share its database with Airflow: autogenerate must not offer to drop Airflow's tables.
    include_name=include_name,
)
with context.begin_transaction():
    context.run_migrations()
