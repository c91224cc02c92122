"""Tables of the sync store (SQLAlchemy Core), per "Sync store" in docs/architecture.md.

- ``staged_record``: records handed from one task to the next, per run and stage.
- ``xref``: source id -> target id per pair and entity; what makes loads idempotent.
- ``load_claim``: a record a loader is about to create in the target, claimed atomically first, so two loads
  overlapping on the same records (a zombie task and its retry, a manual re-sync beside a scheduled run)
  never both create it.
- ``dlq``: the dead-letter queue; at most one open/held item per (pair, flow, record_key), and one item per
  record for its whole life (a record that fails again after being resolved reopens its item).
- ``dlq_event``: the append-only history of every DLQ item (who, when, what, note, run); added after the
  first release (revision 0002), without touching the other tables.
- ``record_outcome``: the one final outcome of every extracted record per run (counts reconcile).
- ``sync_run``: one row per DAG run of a flow, with its data interval and final counts.
- ``pushed_state``: fingerprint of what was last written to the target per record, so flows that mirror
  state (inventory, products) write only what changed.
- ``recon_line`` / ``recon_run``: the daily reconciliation for finance (``storesync.reconciliation``): one
  row per line of a (pair, day), and one row per (pair, day) with its counts and file locations. A re-run
  of a day replaces both in one transaction.

All timestamps are UTC (``UtcDateTime``); money would use ``ExactDecimal``; JSON columns accept
Decimal and datetime values (``JsonDocument``).

Every change here needs a revision in ``migrations/versions/`` (``python -m storesync.store.migrate revision -m
"..."`` writes it); tests/storesync/store/test_migrations.py fails while head and these tables differ.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from .types import ExactDecimal, JsonDocument, UtcDateTime

__all__ = [
    "metadata",
    "staged_record",
    "xref",
    "load_claim",
    "dlq",
    "dlq_event",
    "record_outcome",
    "sync_run",
    "pushed_state",
    "recon_line",
    "recon_run",
    "STAGES",
    "DLQ_STATES",
    "DLQ_ACTIVE_STATES",
    "DLQ_EVENT_ACTIONS",
    "OUTCOMES",
]

STAGES = ("raw", "canonical", "target")
DLQ_STATES = ("open", "held", "replayed", "resolved", "ignored")
# States in which an item still needs attention; only one such item may exist per record.
DLQ_ACTIVE_STATES = ("open", "held")
# What can happen to an item; each is one appended ``dlq_event`` row (``replayed`` is kept as a state only
# because stores of the first release hold items in it: a replay no longer moves an item out of open).
DLQ_EVENT_ACTIONS = ("opened", "failed_again", "reopened", "replay_requested", "replay_failed", "resolved",
                     "ignored", "note")
OUTCOMES = ("loaded", "skipped", "dlq", "held")

# Deterministic constraint names, so migrations and error messages can refer to them.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# Airflow run ids and dag ids are at most 250 characters.
_NAME = String(64)
_AIRFLOW_ID = String(250)
# Record keys are ordered byte-wise on PostgreSQL too (collation "C"), so keyset pagination walks
# them in the same order as SQLite and Python's sorted(), whatever the server locale is.
_RECORD_KEY = String(255).with_variant(String(255, collation="C"), "postgresql")


staged_record = Table(
    "staged_record",
    metadata,
    Column("pair", _NAME, nullable=False),
    Column("flow", _NAME, nullable=False),
    Column("run_id", _AIRFLOW_ID, nullable=False),
    Column("stage", String(16), nullable=False),
    Column("record_key", _RECORD_KEY, nullable=False),
    Column("payload", JsonDocument, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    # The primary key's index serves both the keyset scan (prefix + record_key order) and the
    # delete of a whole run.
    PrimaryKeyConstraint("pair", "flow", "run_id", "stage", "record_key"),
)

xref = Table(
    "xref",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("pair", _NAME, nullable=False),
    Column("entity", _NAME, nullable=False),
    Column("source_id", String(255), nullable=False),
    Column("target_id", String(255), nullable=False),
    # Human-facing document number in the target (e.g. Sage 500 TranNo), if it differs from target_id.
    Column("target_ref", String(255)),
    Column("run_id", _AIRFLOW_ID),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("pair", "entity", "source_id"),
    # Reverse look-ups (ERP -> storefront flows find the storefront id of an ERP document).
    Index(None, "pair", "entity", "target_id"),
)

# A claim is taken (INSERT, primary key decides) before a create-once record is sent to the target, and
# settled with the record's outcome: "done" with the target id once the xref is written, or deleted when
# nothing was created. A claim still "claimed" after its lease belongs to a loader that died; it may be taken
# over, the adapter's look-up by reference in the target deciding whether anything is left to create.
CLAIM_STATES = ("claimed", "done")

load_claim = Table(
    "load_claim",
    metadata,
    Column("pair", _NAME, nullable=False),
    Column("entity", _NAME, nullable=False),
    Column("source_id", _RECORD_KEY, nullable=False),
    Column("owner", String(400), nullable=False),  # run id, try, host:pid and a token of one load attempt
    Column("state", String(16), nullable=False),
    Column("target_id", String(255)),
    Column("claimed_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("pair", "entity", "source_id"),
)

dlq = Table(
    "dlq",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("pair", _NAME, nullable=False),
    Column("flow", _NAME, nullable=False),
    Column("entity", _NAME, nullable=False),
    Column("record_key", _RECORD_KEY, nullable=False),
    Column("stage", String(32), nullable=False),  # e.g. "transform:canonical" (19)
    Column("reason_code", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("failed_expectations", JsonDocument),
    Column("payload", JsonDocument),
    Column("dag_id", _AIRFLOW_ID),
    # The run that last quarantined the item (first_run_id keeps the one that opened it).
    Column("run_id", _AIRFLOW_ID),
    Column("first_run_id", _AIRFLOW_ID),
    Column("attempts", Integer, nullable=False, default=1),
    Column("state", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # Who moved the item to its current state, when, and why (None while only the pipeline touched it).
    Column("state_changed_by", String(255)),
    Column("state_changed_at", UtcDateTime),
    Column("state_note", Text),
    Index(None, "pair", "flow", "state", "updated_at"),
    Index(None, "pair", "flow", "run_id"),
    # A record's item whatever its state (quarantine reopens it); added after the first release (revision 0004).
    Index(None, "pair", "flow", "record_key"),
)

# One open/held item per record: a partial unique index, so resolved/ignored history can pile up
# beside it. Both SQLite and PostgreSQL support partial indexes.
Index(
    "uq_dlq_active_record",
    dlq.c.pair,
    dlq.c.flow,
    dlq.c.record_key,
    unique=True,
    sqlite_where=dlq.c.state.in_(DLQ_ACTIVE_STATES),
    postgresql_where=dlq.c.state.in_(DLQ_ACTIVE_STATES),
)

dlq_event = Table(
    "dlq_event",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # No foreign key: the first release's dlq table is kept as it is, and history outlives nothing else.
    Column("item_id", Integer, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("by", String(255), nullable=False),
    Column("action", String(32), nullable=False),
    Column("state_from", String(16)),
    Column("state_to", String(16)),
    Column("note", Text),
    Column("run_id", _AIRFLOW_ID),
    Index(None, "item_id", "id"),
)

record_outcome = Table(
    "record_outcome",
    metadata,
    Column("pair", _NAME, nullable=False),
    Column("flow", _NAME, nullable=False),
    Column("run_id", _AIRFLOW_ID, nullable=False),
    Column("record_key", _RECORD_KEY, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("detail", Text),
    Column("updated_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("pair", "flow", "run_id", "record_key"),
)

sync_run = Table(
    "sync_run",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("pair", _NAME, nullable=False),
    Column("flow", _NAME, nullable=False),
    Column("dag_id", _AIRFLOW_ID),
    Column("run_id", _AIRFLOW_ID, nullable=False),
    Column("interval_start", UtcDateTime),
    Column("interval_end", UtcDateTime),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Column("counts", JsonDocument),
    UniqueConstraint("pair", "flow", "run_id"),
    Index(None, "pair", "flow", "started_at"),
)


pushed_state = Table(
    "pushed_state",
    metadata,
    Column("pair", _NAME, nullable=False),
    Column("entity", _NAME, nullable=False),
    Column("record_key", _RECORD_KEY, nullable=False),
    # sha256 of the canonical JSON of the target payload last written
    Column("fingerprint", String(64), nullable=False),
    Column("run_id", _AIRFLOW_ID),
    Column("pushed_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("pair", "entity", "record_key"),
)


# -- daily reconciliation (storesync.reconciliation) ----------------------------------------------------------

_MONEY_COLUMNS = ("store_total", "erp_total", "store_paid", "erp_received", "store_refunded", "erp_credited",
                  "difference")

recon_line = Table(
    "recon_line",
    metadata,
    Column("pair", _NAME, nullable=False),
    Column("day", Date, nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("status", String(40), nullable=False),
    Column("line_key", _RECORD_KEY, nullable=False),
    Column("reason", Text, nullable=False),
    Column("store_order_id", String(255)),
    Column("store_document_id", String(255)),
    Column("erp_document_id", String(255)),
    Column("erp_sales_order_id", String(255)),
    Column("store_date", Date),
    Column("erp_date", Date),
    Column("currency", String(32)),
    Column("erp_currency", String(32)),
    *(Column(name, ExactDecimal) for name in _MONEY_COLUMNS),
    Column("payment_method", String(255)),
    Column("account", String(255)),
    Column("pending_since", Date),
    PrimaryKeyConstraint("pair", "day", "line_no"),
    # Carrying pending lines forward: the latest line of a key before a day.
    Index(None, "pair", "line_key", "day"),
    Index(None, "pair", "status", "day"),
)

recon_run = Table(
    "recon_run",
    metadata,
    Column("pair", _NAME, nullable=False),
    Column("day", Date, nullable=False),
    Column("dag_id", _AIRFLOW_ID),
    Column("run_id", _AIRFLOW_ID),
    Column("lines", Integer, nullable=False),
    Column("exceptions", Integer, nullable=False),
    Column("counts", JsonDocument),          # lines per category, out-of-scope ERP documents, storefront skips
    Column("files", JsonDocument),           # {"csv": location, "xlsx": location} once published
    Column("reconciled_at", UtcDateTime, nullable=False),
    Column("published_at", UtcDateTime),
    PrimaryKeyConstraint("pair", "day"),
)
