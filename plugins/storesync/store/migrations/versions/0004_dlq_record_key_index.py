"""DLQ: index (pair, flow, record_key), so quarantine finds a record's item in any state (commit 8447e55).

Revision ID: 0004_dlq_record_key_index
Revises: 0003_load_claim
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op
from sqlalchemy.engine import Inspector

from storesync.store.migrations.columns import has_index

revision = "0004_dlq_record_key_index"
down_revision = "0003_load_claim"
branch_labels = None
depends_on = None

_NAME = "ix_dlq_pair_flow_record_key"


def detect(inspector: Inspector) -> bool:
    return has_index(inspector, "dlq", _NAME)


def upgrade() -> None:
    op.create_index(_NAME, "dlq", ["pair", "flow", "record_key"])


def downgrade() -> None:
    op.drop_index(_NAME, table_name="dlq")
