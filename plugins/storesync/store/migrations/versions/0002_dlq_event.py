"""DLQ history: the append-only ``dlq_event`` table (commit ae18882).

Items already in the store get no rows: ``SyncStore.dlq_history`` rebuilds their first events from the item's
own columns, so there is nothing to backfill.

Revision ID: 0002_dlq_event
Revises: 0001_baseline
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.engine import Inspector

from storesync.store.migrations.columns import AIRFLOW_ID, has_columns
from storesync.store.types import UtcDateTime

revision = "0002_dlq_event"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None

_COLUMNS = {"id", "item_id", "at", "by", "action", "state_from", "state_to", "note", "run_id"}


def detect(inspector: Inspector) -> bool:
    return has_columns(inspector, "dlq_event", _COLUMNS)


def upgrade() -> None:
    op.create_table(
        "dlq_event",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        # No foreign key to dlq: the release's dlq table is left as it is.
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("by", sa.String(255), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("state_from", sa.String(16)),
        sa.Column("state_to", sa.String(16)),
        sa.Column("note", sa.Text()),
        sa.Column("run_id", AIRFLOW_ID),
        sa.PrimaryKeyConstraint("id", name="pk_dlq_event"),
    )
    op.create_index("ix_dlq_event_item_id_id", "dlq_event", ["item_id", "id"])


def downgrade() -> None:
    op.drop_table("dlq_event")
