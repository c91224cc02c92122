"""A sync store as the last release before migrations left it: its captured DDL, and rows in every table.

The DDL is ``release_schema/eaf7255.<dialect>.sql`` (what that release's ``create_all`` ran). Rows are written
through light ``table()`` constructs typed here, not through today's ``schema.py``, so they are the release's
rows whatever today's tables look like.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Date, Integer, String, column, create_engine, table

from storesync.store.types import ExactDecimal, JsonDocument, UtcDateTime

RELEASE = "eaf7255"
BASELINE = "0001_baseline"
RELEASE_TABLES = ("staged_record", "xref", "dlq", "record_outcome", "sync_run", "pushed_state", "recon_line",
                  "recon_run")
PAIR, FLOW = "xcart-sage500", "orders"
NOW = dt.datetime(2026, 11, 30, 12, tzinfo=dt.timezone.utc)
DAY = dt.date(2026, 11, 29)

_TYPES = {
    "payload": JsonDocument(), "failed_expectations": JsonDocument(), "counts": JsonDocument(),
    "files": JsonDocument(),
    "created_at": UtcDateTime(), "updated_at": UtcDateTime(), "state_changed_at": UtcDateTime(),
    "started_at": UtcDateTime(), "finished_at": UtcDateTime(), "interval_start": UtcDateTime(),
    "interval_end": UtcDateTime(), "pushed_at": UtcDateTime(), "reconciled_at": UtcDateTime(),
    "published_at": UtcDateTime(),
    "day": Date(), "store_date": Date(), "erp_date": Date(), "pending_since": Date(),
    "store_total": ExactDecimal(), "erp_total": ExactDecimal(), "difference": ExactDecimal(),
    "id": Integer(), "attempts": Integer(), "line_no": Integer(), "lines": Integer(), "exceptions": Integer(),
}

_DLQ = dict(pair=PAIR, flow=FLOW, entity="order", stage="load", reason_code="unknown_sku", attempts=1,
            created_at=NOW, updated_at=NOW, dag_id="orders__xcart__sage500", first_run_id="r1", run_id="r1",
            failed_expectations=None, payload={"orderId": 100}, state_changed_by=None, state_changed_at=None,
            state_note=None)

# table -> rows; every release table holds something, so an upgrade that rebuilt one would be seen.
ROWS: dict[str, list[dict]] = {
    "staged_record": [dict(pair=PAIR, flow=FLOW, run_id="r1", stage="raw", record_key="100",
                           payload={"orderId": 100, "total": "12.30"}, created_at=NOW)],
    "xref": [dict(id=1, pair=PAIR, entity="order", source_id="99", target_id="SO-7", target_ref="W000000099",
                  run_id="r1", created_at=NOW, updated_at=NOW)],
    "dlq": [
        dict(_DLQ, id=1, record_key="100", reason="SKU-1 unknown", state="open"),
        # What the release's `dlq replay` left behind: marked replayed, outcome never known.
        dict(_DLQ, id=2, record_key="101", reason="SKU-2 unknown", state="replayed", state_changed_by="alice",
             state_changed_at=NOW, state_note="replay requested"),
        dict(_DLQ, id=3, record_key="102", reason="bad", state="resolved", state_changed_by="bob",
             state_changed_at=NOW, state_note="fixed by hand"),
    ],
    "record_outcome": [dict(pair=PAIR, flow=FLOW, run_id="r1", record_key="99", outcome="loaded", detail="SO-7",
                            updated_at=NOW)],
    "sync_run": [dict(id=1, pair=PAIR, flow=FLOW, dag_id="orders__xcart__sage500", run_id="r1",
                      interval_start=NOW - dt.timedelta(hours=1), interval_end=NOW, started_at=NOW,
                      finished_at=NOW, counts={"extracted": 4, "loaded": 1, "dlq": 3})],
    "pushed_state": [dict(pair=PAIR, entity="stock", record_key="SKU-1", fingerprint="ab" * 32, run_id="r1",
                          pushed_at=NOW)],
    "recon_line": [dict(pair=PAIR, day=DAY, line_no=1, kind="order", status="matched", line_key="order:99",
                        reason="", store_order_id="99", store_date=DAY, erp_date=DAY, currency="USD",
                        store_total=Decimal("12.3000"), erp_total=Decimal("12.3000"), difference=Decimal("0.0000"),
                        pending_since=None)],
    "recon_run": [dict(pair=PAIR, day=DAY, dag_id="reconcile__xcart__sage500", run_id="rr1", lines=1, exceptions=0,
                       counts={"matched": 1}, files={"csv": "/tmp/r.csv"}, reconciled_at=NOW, published_at=None)],
}


def release_table(name: str):
    """A typed, schema-free handle on one release table, holding the columns the rows here use."""
    names = sorted({key for row in ROWS[name] for key in row})
    return table(name, *(column(key, _TYPES.get(key, String())) for key in names))


def release_statements(dialect: str) -> list[str]:
    text = (Path(__file__).parent / "release_schema" / f"{RELEASE}.{dialect}.sql").read_text()
    body = "\n".join(line for line in text.splitlines() if not line.startswith("--"))
    return [statement.strip() for statement in body.split(";") if statement.strip()]


def create_release_store(url: str, *, with_rows: bool = True) -> None:
    """Build the release's tables at ``url`` (an empty database) and, unless told not to, fill them."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            for statement in release_statements(engine.dialect.name):
                conn.exec_driver_sql(statement)
            if with_rows:
                for name, rows in ROWS.items():
                    conn.execute(release_table(name).insert(), rows)
    finally:
        engine.dispose()


def read_release_rows(url: str) -> dict[str, list[dict]]:
    """Every release table's rows (the columns ``ROWS`` wrote), ordered, for comparing before and after."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            found = {}
            for name in ROWS:
                handle = release_table(name)
                order = [c for c in handle.columns if not isinstance(c.type, JsonDocument)]
                found[name] = [dict(row._mapping) for row in conn.execute(handle.select().order_by(*order))]
            return found
    finally:
        engine.dispose()
