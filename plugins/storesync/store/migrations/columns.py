"""Column types as the revisions use them, frozen: a revision must build what it built when it was written.

``schema.py`` may change these types later; that change is then a new revision, and nothing here is edited.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Inspector

NAME = sa.String(64)
AIRFLOW_ID = sa.String(250)
# Byte-wise order on PostgreSQL (collation "C"), as SQLite and Python's sorted() order record keys.
RECORD_KEY = sa.String(255).with_variant(sa.String(255, collation="C"), "postgresql")


def has_columns(inspector: Inspector, table: str, columns: set[str]) -> bool:
    """The table exists and has at least these columns (how a pre-migration store is recognised)."""
    if not inspector.has_table(table):
        return False
    return columns <= {column["name"] for column in inspector.get_columns(table)}


def has_index(inspector: Inspector, table: str, name: str) -> bool:
    return inspector.has_table(table) and name in {index["name"] for index in inspector.get_indexes(table)}
