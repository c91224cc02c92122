"""Baseline: the sync store of the last release before migrations (main at eaf7255, 2026-11-24).

Staged records, xref, dlq (without the record-key index), record outcomes, runs, pushed state and the daily
reconciliation. A store created by that release's ``create_all`` has exactly these tables; ``detect`` tells
``storesync.store.migrate`` so, and the store is stamped here instead of created again.

Revision ID: 0001_baseline
Revises:
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.engine import Inspector

from storesync.store.migrations.columns import AIRFLOW_ID, NAME, RECORD_KEY, has_columns
from storesync.store.types import ExactDecimal, JsonDocument, UtcDateTime

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None

_MONEY = ("store_total", "erp_total", "store_paid", "erp_received", "store_refunded", "erp_credited", "difference")


def _tables() -> dict[str, list]:
    """The release's tables as (name -> columns and constraints); fresh objects on every call."""
    return {
        "staged_record": [
            sa.Column("pair", NAME, nullable=False),
            sa.Column("flow", NAME, nullable=False),
            sa.Column("run_id", AIRFLOW_ID, nullable=False),
            sa.Column("stage", sa.String(16), nullable=False),
            sa.Column("record_key", RECORD_KEY, nullable=False),
            sa.Column("payload", JsonDocument(), nullable=False),
            sa.Column("created_at", UtcDateTime(), nullable=False),
            sa.PrimaryKeyConstraint("pair", "flow", "run_id", "stage", "record_key", name="pk_staged_record"),
        ],
        "xref": [
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
            sa.Column("pair", NAME, nullable=False),
            sa.Column("entity", NAME, nullable=False),
            sa.Column("source_id", sa.String(255), nullable=False),
            sa.Column("target_id", sa.String(255), nullable=False),
            sa.Column("target_ref", sa.String(255)),
            sa.Column("run_id", AIRFLOW_ID),
            sa.Column("created_at", UtcDateTime(), nullable=False),
            sa.Column("updated_at", UtcDateTime(), nullable=False),
            sa.PrimaryKeyConstraint("id", name="pk_xref"),
            sa.UniqueConstraint("pair", "entity", "source_id", name="uq_xref_pair_entity_source_id"),
        ],
        "dlq": [
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
            sa.Column("pair", NAME, nullable=False),
            sa.Column("flow", NAME, nullable=False),
            sa.Column("entity", NAME, nullable=False),
            sa.Column("record_key", RECORD_KEY, nullable=False),
            sa.Column("stage", sa.String(32), nullable=False),
            sa.Column("reason_code", sa.String(64), nullable=False),
            sa.Column("reason", sa.Text(), nullable=False),
            sa.Column("failed_expectations", JsonDocument()),
            sa.Column("payload", JsonDocument()),
            sa.Column("dag_id", AIRFLOW_ID),
            sa.Column("run_id", AIRFLOW_ID),
            sa.Column("first_run_id", AIRFLOW_ID),
            sa.Column("attempts", sa.Integer(), nullable=False),
            sa.Column("state", sa.String(16), nullable=False),
            sa.Column("created_at", UtcDateTime(), nullable=False),
            sa.Column("updated_at", UtcDateTime(), nullable=False),
            sa.Column("state_changed_by", sa.String(255)),
            sa.Column("state_changed_at", UtcDateTime()),
            sa.Column("state_note", sa.Text()),
            sa.PrimaryKeyConstraint("id", name="pk_dlq"),
        ],
        "record_outcome": [
            sa.Column("pair", NAME, nullable=False),
            sa.Column("flow", NAME, nullable=False),
            sa.Column("run_id", AIRFLOW_ID, nullable=False),
            sa.Column("record_key", RECORD_KEY, nullable=False),
            sa.Column("outcome", sa.String(16), nullable=False),
            sa.Column("detail", sa.Text()),
            sa.Column("updated_at", UtcDateTime(), nullable=False),
            sa.PrimaryKeyConstraint("pair", "flow", "run_id", "record_key", name="pk_record_outcome"),
        ],
        "sync_run": [
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
            sa.Column("pair", NAME, nullable=False),
            sa.Column("flow", NAME, nullable=False),
            sa.Column("dag_id", AIRFLOW_ID),
            sa.Column("run_id", AIRFLOW_ID, nullable=False),
            sa.Column("interval_start", UtcDateTime()),
            sa.Column("interval_end", UtcDateTime()),
            sa.Column("started_at", UtcDateTime(), nullable=False),
            sa.Column("finished_at", UtcDateTime()),
            sa.Column("counts", JsonDocument()),
            sa.PrimaryKeyConstraint("id", name="pk_sync_run"),
            sa.UniqueConstraint("pair", "flow", "run_id", name="uq_sync_run_pair_flow_run_id"),
        ],
        "pushed_state": [
            sa.Column("pair", NAME, nullable=False),
            sa.Column("entity", NAME, nullable=False),
            sa.Column("record_key", RECORD_KEY, nullable=False),
            sa.Column("fingerprint", sa.String(64), nullable=False),
            sa.Column("run_id", AIRFLOW_ID),
            sa.Column("pushed_at", UtcDateTime(), nullable=False),
            sa.PrimaryKeyConstraint("pair", "entity", "record_key", name="pk_pushed_state"),
        ],
        "recon_line": [
            sa.Column("pair", NAME, nullable=False),
            sa.Column("day", sa.Date(), nullable=False),
            sa.Column("line_no", sa.Integer(), nullable=False),
            sa.Column("kind", sa.String(16), nullable=False),
            sa.Column("status", sa.String(40), nullable=False),
            sa.Column("line_key", RECORD_KEY, nullable=False),
            sa.Column("reason", sa.Text(), nullable=False),
            sa.Column("store_order_id", sa.String(255)),
            sa.Column("store_document_id", sa.String(255)),
            sa.Column("erp_document_id", sa.String(255)),
            sa.Column("erp_sales_order_id", sa.String(255)),
            sa.Column("store_date", sa.Date()),
            sa.Column("erp_date", sa.Date()),
            sa.Column("currency", sa.String(32)),
            sa.Column("erp_currency", sa.String(32)),
            *(sa.Column(name, ExactDecimal()) for name in _MONEY),
            sa.Column("payment_method", sa.String(255)),
            sa.Column("account", sa.String(255)),
            sa.Column("pending_since", sa.Date()),
            sa.PrimaryKeyConstraint("pair", "day", "line_no", name="pk_recon_line"),
        ],
        "recon_run": [
            sa.Column("pair", NAME, nullable=False),
            sa.Column("day", sa.Date(), nullable=False),
            sa.Column("dag_id", AIRFLOW_ID),
            sa.Column("run_id", AIRFLOW_ID),
            sa.Column("lines", sa.Integer(), nullable=False),
            sa.Column("exceptions", sa.Integer(), nullable=False),
            sa.Column("counts", JsonDocument()),
            sa.Column("files", JsonDocument()),
            sa.Column("reconciled_at", UtcDateTime(), nullable=False),
            sa.Column("published_at", UtcDateTime()),
            sa.PrimaryKeyConstraint("pair", "day", name="pk_recon_run"),
        ],
    }


_INDEXES = (  # (name, table, columns)
    ("ix_xref_pair_entity_target_id", "xref", ["pair", "entity", "target_id"]),
    ("ix_dlq_pair_flow_state_updated_at", "dlq", ["pair", "flow", "state", "updated_at"]),
    ("ix_dlq_pair_flow_run_id", "dlq", ["pair", "flow", "run_id"]),
    ("ix_sync_run_pair_flow_started_at", "sync_run", ["pair", "flow", "started_at"]),
    ("ix_recon_line_pair_line_key_day", "recon_line", ["pair", "line_key", "day"]),
    ("ix_recon_line_pair_status_day", "recon_line", ["pair", "status", "day"]),
)


def detect(inspector: Inspector) -> bool:
    """A store created before migrations holds every table of the release with all its columns."""
    return all(
        has_columns(inspector, table, {item.name for item in items if isinstance(item, sa.Column)})
        for table, items in _tables().items()
    )


def upgrade() -> None:
    for table, items in _tables().items():
        op.create_table(table, *items)
    for name, table, columns in _INDEXES:
        op.create_index(name, table, columns)
    # One open/held item per record; resolved and ignored history piles up beside it.
    active = sa.text("state IN ('open', 'held')")
    op.create_index("uq_dlq_active_record", "dlq", ["pair", "flow", "record_key"], unique=True,
                    sqlite_where=active, postgresql_where=active)


def downgrade() -> None:
    for table in reversed(list(_tables())):
        op.drop_table(table)
