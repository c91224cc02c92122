"""Load claims: the ``load_claim`` table a loader inserts into before creating a record (commit e79fe74).

Revision ID: 0003_load_claim
Revises: 0002_dlq_event
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.engine import Inspector

from storesync.store.migrations.columns import NAME, RECORD_KEY, has_columns
from storesync.store.types import UtcDateTime

revision = "0003_load_claim"
down_revision = "0002_dlq_event"
branch_labels = None
depends_on = None

_COLUMNS = {"pair", "entity", "source_id", "owner", "state", "target_id", "claimed_at", "updated_at"}


def detect(inspector: Inspector) -> bool:
    return has_columns(inspector, "load_claim", _COLUMNS)


def upgrade() -> None:
    op.create_table(
        "load_claim",
        sa.Column("pair", NAME, nullable=False),
        sa.Column("entity", NAME, nullable=False),
        sa.Column("source_id", RECORD_KEY, nullable=False),
        sa.Column("owner", sa.String(400), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("target_id", sa.String(255)),
        sa.Column("claimed_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("pair", "entity", "source_id", name="pk_load_claim"),
    )


def downgrade() -> None:
    op.drop_table("load_claim")
