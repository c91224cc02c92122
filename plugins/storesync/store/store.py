"""``SyncStore``: the one object tasks use to read and write the sync store.

Every method opens its own short transaction, so an instance can be shared by the code of one
task and nothing is held open between Airflow tasks. SQL is SQLAlchemy Core and works on SQLite
(the embedded default) and PostgreSQL (production, CI); the few dialect differences (upserts)
are handled here and nowhere else. Schema changes are migrations (``storesync.store.migrate``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, case, delete, func, insert, select, text, update
from sqlalchemy.engine import URL
from sqlalchemy.exc import IntegrityError

from .schema import (
    DLQ_ACTIVE_STATES,
    DLQ_EVENT_ACTIONS,
    DLQ_STATES,
    OUTCOMES,
    STAGES,
    dlq,
    dlq_event,
    load_claim,
    metadata,
    pushed_state,
    recon_line,
    recon_run,
    record_outcome,
    staged_record,
    sync_run,
    xref,
)
from .engine import make_engine
from .types import to_json_compatible

__all__ = ["SyncStore", "XrefConflict", "DlqStateError", "ClaimResult"]

# Rows per INSERT round trip: big enough to amortise the round trip, small enough that one
# statement stays well under driver parameter limits.
_INSERT_CHUNK = 2000
# Members of one IN (...) list; SQLite builds before 3.32 allow only 999 bound parameters.
_IN_CHUNK = 500


class XrefConflict(Exception):
    """A source id is already cross-referenced to a different target id."""

    def __init__(self, pair: str, entity: str, source_id: str, existing_target_id: str, new_target_id: str):
        self.pair = pair
        self.entity = entity
        self.source_id = source_id
        self.existing_target_id = existing_target_id
        self.new_target_id = new_target_id
        super().__init__(
            f"xref conflict for pair {pair!r} {entity} {source_id!r}: already mapped to target "
            f"{existing_target_id!r}, refusing to map it to {new_target_id!r}"
        )


@dataclass(frozen=True)
class ClaimResult:
    """What ``SyncStore.claim`` got: the keys this loader may create, and the claims others hold."""

    won: list[str]
    taken_over: list[str]                       # of ``won``: claims whose lease had run out
    held_elsewhere: dict[str, dict[str, Any]]   # key -> owner, state, target_id, claimed_at


class DlqStateError(ValueError):
    """An invalid DLQ state, or a state change the DLQ cannot accept."""


class _Raced(Exception):
    """Another transaction changed a DLQ item between our read and our write."""


def _aware(value: dt.datetime, name: str) -> dt.datetime:
    """Naive datetimes are UTC (the store's convention); comparing one with a UTC column would fail."""
    if not isinstance(value, dt.datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _check_choice(kind: str, value: str, valid: Sequence[str]) -> None:
    if value not in valid:
        raise ValueError(f"invalid {kind} {value!r}; valid values: {', '.join(valid)}")


def _check_dlq_state(state: str) -> None:
    if state not in DLQ_STATES:
        raise DlqStateError(f"invalid DLQ state {state!r}; valid states: {', '.join(DLQ_STATES)}")


class SyncStore:
    """Staged records, cross-references, the dead-letter queue, record outcomes and runs.

    ``SyncStore("sqlite:///.local/data/sync.db")``, ``SyncStore("postgresql+psycopg2://…")`` or
    ``SyncStore(engine)``. Call ``create_all()`` once before use (it applies pending migrations; idempotent).
    """

    def __init__(self, url_or_engine: str | URL | Engine):
        if isinstance(url_or_engine, Engine):
            self.engine = url_or_engine
            self._owns_engine = False
        else:
            self.engine = make_engine(url_or_engine)
            self._owns_engine = True

    def __repr__(self) -> str:
        return f"SyncStore({self.engine.url.render_as_string(hide_password=True)!r})"

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        """Release pooled connections (only of an engine this store created)."""
        if self._owns_engine:
            self.engine.dispose()

    def __enter__(self) -> SyncStore:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # ------------------------------------------------------------------ schema

    def create_all(self) -> None:
        """Bring the schema to this release's: apply pending migrations (on an empty database, all of them).

        Safe to call on every start-up and from processes racing: ``storesync.store.migrate.upgrade`` reads
        the recorded revision and returns at once when the store is current; otherwise it migrates under a
        lock (PostgreSQL advisory lock, SQLite's one writer). A store created before migrations existed is
        stamped at the revision its tables match first. Alembic is imported only when this is called.
        """
        from .migrate import upgrade

        upgrade(self.engine)

    def drop_all(self) -> None:
        """Drop every sync store table and the migration version table (tests and local resets only)."""
        from .migrate import VERSION_TABLE

        metadata.drop_all(self.engine)
        with self.engine.begin() as conn:
            conn.execute(text(f"DROP TABLE IF EXISTS {VERSION_TABLE}"))

    # ------------------------------------------------------------------ staged records

    def put_staged(
        self,
        pair: str,
        flow: str,
        run_id: str,
        stage: str,
        records: Iterable[tuple[str, Any]],
    ) -> int:
        """Store ``(key, payload)`` records for one run and stage; returns how many were written.

        A key already staged for the same run and stage is replaced, so a retried task simply
        writes again. All records go in one transaction (a failure leaves the previous content),
        inserted in chunks with executemany.
        """
        _check_choice("stage", stage, STAGES)
        now = _utcnow()
        written = 0
        with self.engine.begin() as conn:
            chunk: dict[str, Any] = {}
            for key, payload in records:
                if key is None:
                    raise ValueError(f"staged record without a key in {pair}/{flow}/{stage}: {payload!r:.200}")
                # A dict per chunk: a key repeated inside one multi-row INSERT would make
                # PostgreSQL's ON CONFLICT fail ("cannot affect row a second time"); last one wins.
                chunk[str(key)] = payload
                if len(chunk) >= _INSERT_CHUNK:
                    written += self._upsert_staged_chunk(conn, pair, flow, run_id, stage, chunk, now)
                    chunk = {}
            if chunk:
                written += self._upsert_staged_chunk(conn, pair, flow, run_id, stage, chunk, now)
        return written

    def _upsert_staged_chunk(self, conn, pair, flow, run_id, stage, chunk: dict[str, Any], now) -> int:
        rows = [
            {
                "pair": pair,
                "flow": flow,
                "run_id": run_id,
                "stage": stage,
                "record_key": key,
                "payload": payload,
                "created_at": now,
            }
            for key, payload in chunk.items()
        ]
        statement = self._upsert(
            staged_record,
            index_elements=["pair", "flow", "run_id", "stage", "record_key"],
            update_columns=["payload", "created_at"],
        )
        if statement is None:
            # Generic fallback (no native upsert): delete the keys, then insert.
            for keys in _chunks(list(chunk), _IN_CHUNK):
                conn.execute(
                    delete(staged_record).where(
                        self._staged_scope(pair, flow, run_id, stage), staged_record.c.record_key.in_(keys)
                    )
                )
            conn.execute(insert(staged_record), rows)
        else:
            conn.execute(statement, rows).all()
        return len(rows)

    def _upsert(self, table, index_elements: list[str], update_columns: list[str], where=None):
        """INSERT … ON CONFLICT DO UPDATE [WHERE …] for the dialects that have it, else None."""
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        elif self.dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        else:
            return None
        statement = dialect_insert(table)
        statement = statement.on_conflict_do_update(
            index_elements=index_elements,
            set_={column: statement.excluded[column] for column in update_columns},
            where=where,
        )
        # RETURNING is what keeps the executemany batched: SQLAlchemy does not use multi-row
        # "insertmanyvalues" for ON CONFLICT without it (sqlalchemy#13130) and falls back to one
        # round trip per row (100k staged records: 10 s instead of 2 s on PostgreSQL).
        return statement.returning(*(table.c[name] for name in index_elements[-1:]))

    @staticmethod
    def _staged_scope(pair: str, flow: str, run_id: str, stage: str | None = None):
        conditions = [
            staged_record.c.pair == pair,
            staged_record.c.flow == flow,
            staged_record.c.run_id == run_id,
        ]
        if stage is not None:
            conditions.append(staged_record.c.stage == stage)
        return and_(*conditions)

    def iter_staged(
        self, pair: str, flow: str, run_id: str, stage: str, batch_size: int = 1000
    ) -> Iterator[tuple[str, Any]]:
        """Yield ``(key, payload)`` in key order (byte order of the key string).

        Keyset pagination (``record_key > last``) instead of OFFSET: each page is an index range
        scan, and each page is read in its own short transaction so the caller may write to the
        store (or take minutes) between pages.
        """
        _check_choice("stage", stage, STAGES)
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        last_key: str | None = None
        while True:
            query = (
                select(staged_record.c.record_key, staged_record.c.payload)
                .where(self._staged_scope(pair, flow, run_id, stage))
                .order_by(staged_record.c.record_key)
                .limit(batch_size)
            )
            if last_key is not None:
                query = query.where(staged_record.c.record_key > last_key)
            with self.engine.connect() as conn:
                page = conn.execute(query).all()
            yield from ((row.record_key, row.payload) for row in page)
            if len(page) < batch_size:
                return
            last_key = page[-1].record_key

    def iter_undecided_pages(
        self, pair: str, flow: str, run_id: str, stage: str, batch_size: int = 1000
    ) -> Iterator[list[tuple[str, Any]]]:
        """Pages of ``(key, payload)`` at ``stage`` whose record has no outcome in the run yet, in key order.

        The database leaves out the decided records (``NOT EXISTS`` on the outcome's primary key), so memory
        is one page however many records the run has; pages are keyset-paginated like ``iter_staged``, and a
        record decided while the pages are read is left out of the pages still to come.
        """
        _check_choice("stage", stage, STAGES)
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        decided = (
            select(record_outcome.c.record_key)
            .where(record_outcome.c.pair == staged_record.c.pair, record_outcome.c.flow == staged_record.c.flow,
                   record_outcome.c.run_id == staged_record.c.run_id,
                   record_outcome.c.record_key == staged_record.c.record_key)
            .exists()
        )
        last_key: str | None = None
        while True:
            query = (
                select(staged_record.c.record_key, staged_record.c.payload)
                .where(self._staged_scope(pair, flow, run_id, stage), ~decided)
                .order_by(staged_record.c.record_key)
                .limit(batch_size)
            )
            if last_key is not None:
                query = query.where(staged_record.c.record_key > last_key)
            with self.engine.connect() as conn:
                page = [(row.record_key, row.payload) for row in conn.execute(query)]
            if not page:
                return
            last_key, complete = page[-1][0], len(page) == batch_size
            yield page
            # Let go of the page before reading the next: with the caller's reference gone too, one page is alive.
            del page
            if not complete:
                return

    def get_staged(self, pair: str, flow: str, run_id: str, stage: str, keys: Iterable[str]) -> dict[str, Any]:
        """Payloads of the given keys (missing keys are absent from the result)."""
        _check_choice("stage", stage, STAGES)
        found: dict[str, Any] = {}
        with self.engine.connect() as conn:
            for batch in _chunks(list(dict.fromkeys(str(key) for key in keys)), _IN_CHUNK):
                query = select(staged_record.c.record_key, staged_record.c.payload).where(
                    self._staged_scope(pair, flow, run_id, stage), staged_record.c.record_key.in_(batch)
                )
                found.update((row.record_key, row.payload) for row in conn.execute(query))
        return found

    def count_staged(self, pair: str, flow: str, run_id: str, stage: str) -> int:
        _check_choice("stage", stage, STAGES)
        query = select(func.count()).select_from(staged_record).where(self._staged_scope(pair, flow, run_id, stage))
        with self.engine.connect() as conn:
            return conn.execute(query).scalar_one()

    def delete_staged(self, pair: str, flow: str, run_id: str, stage: str | None = None) -> int:
        """Delete one stage of a run, or every stage when ``stage`` is None; returns rows deleted."""
        if stage is not None:
            _check_choice("stage", stage, STAGES)
        with self.engine.begin() as conn:
            return conn.execute(delete(staged_record).where(self._staged_scope(pair, flow, run_id, stage))).rowcount

    # ------------------------------------------------------------------ cross-reference

    def get_xref(self, pair: str, entity: str, source_ids: Iterable[str]) -> dict[str, tuple[str, str | None]]:
        """``{source_id: (target_id, target_ref)}`` for the source ids that are mapped."""
        found: dict[str, tuple[str, str | None]] = {}
        wanted = list(dict.fromkeys(str(source_id) for source_id in source_ids))
        with self.engine.connect() as conn:
            for batch in _chunks(wanted, _IN_CHUNK):
                query = select(xref.c.source_id, xref.c.target_id, xref.c.target_ref).where(
                    xref.c.pair == pair, xref.c.entity == entity, xref.c.source_id.in_(batch)
                )
                found.update((row.source_id, (row.target_id, row.target_ref)) for row in conn.execute(query))
        return found

    def get_xref_by_target(self, pair: str, entity: str, target_ids: Iterable[str]) -> dict[str, str]:
        """``{target_id: source_id}``: the reverse look-up for ERP -> storefront flows."""
        found: dict[str, str] = {}
        wanted = list(dict.fromkeys(str(target_id) for target_id in target_ids))
        with self.engine.connect() as conn:
            for batch in _chunks(wanted, _IN_CHUNK):
                query = select(xref.c.source_id, xref.c.target_id).where(
                    xref.c.pair == pair, xref.c.entity == entity, xref.c.target_id.in_(batch)
                )
                found.update((row.target_id, row.source_id) for row in conn.execute(query))
        return found

    def put_xref(
        self,
        pair: str,
        entity: str,
        source_id: str,
        target_id: str,
        target_ref: str | None = None,
        run_id: str | None = None,
    ) -> bool:
        """Map ``source_id`` to ``target_id``; returns True when a new mapping was created.

        Idempotent: the same mapping again is a no-op (a missing ``target_ref`` is filled in when
        one is given later). Mapping the source id to a *different* target id raises
        ``XrefConflict``: it would mean two ERP documents for one storefront record.
        """
        source_id, target_id = str(source_id), str(target_id)
        for attempt in range(2):
            try:
                with self.engine.begin() as conn:
                    existing = conn.execute(
                        select(xref.c.id, xref.c.target_id, xref.c.target_ref).where(
                            xref.c.pair == pair, xref.c.entity == entity, xref.c.source_id == source_id
                        )
                    ).first()
                    if existing is not None:
                        if existing.target_id != target_id:
                            raise XrefConflict(pair, entity, source_id, existing.target_id, target_id)
                        if target_ref is not None and existing.target_ref != target_ref:
                            conn.execute(
                                update(xref)
                                .where(xref.c.id == existing.id)
                                .values(target_ref=target_ref, updated_at=_utcnow())
                            )
                        return False
                    now = _utcnow()
                    conn.execute(
                        insert(xref).values(
                            pair=pair,
                            entity=entity,
                            source_id=source_id,
                            target_id=target_id,
                            target_ref=target_ref,
                            run_id=run_id,
                            created_at=now,
                            updated_at=now,
                        )
                    )
                    return True
            except IntegrityError:
                # Another worker mapped it between our read and our insert (the transaction has
                # been rolled back by leaving the block): read it again and compare.
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def put_xrefs(
        self,
        pair: str,
        entity: str,
        mappings: Iterable[tuple[str, str, str | None]],
        run_id: str | None = None,
        conflicts: list[XrefConflict] | None = None,
    ) -> int:
        """``put_xref`` for many ``(source_id, target_id, target_ref)`` in one transaction; returns how many
        mappings were new. A batch of loaded records costs a few statements instead of one transaction each.

        Same rules as ``put_xref``: an existing identical mapping is left alone (its missing ``target_ref``
        filled in), a different target id raises ``XrefConflict`` and nothing of the batch is written.
        With a ``conflicts`` list, each conflicting mapping is appended to it instead and the rest of the
        batch is written (the loader puts the conflicting records into the DLQ: never swallowed).
        """
        wanted: dict[str, tuple[str, str | None]] = {}
        for source_id, target_id, target_ref in mappings:
            wanted[str(source_id)] = (str(target_id), target_ref)
        if not wanted:
            return 0
        for attempt in range(2):
            found_conflicts: list[XrefConflict] = []
            try:
                with self.engine.begin() as conn:
                    existing: dict[str, Any] = {}
                    for batch in _chunks(list(wanted), _IN_CHUNK):
                        for row in conn.execute(select(xref.c.id, xref.c.source_id, xref.c.target_id, xref.c.target_ref)
                                                .where(xref.c.pair == pair, xref.c.entity == entity,
                                                       xref.c.source_id.in_(batch))):
                            existing[row.source_id] = row
                    now = _utcnow()
                    new_rows = []
                    for source_id, (target_id, target_ref) in wanted.items():
                        row = existing.get(source_id)
                        if row is None:
                            new_rows.append({"pair": pair, "entity": entity, "source_id": source_id,
                                             "target_id": target_id, "target_ref": target_ref, "run_id": run_id,
                                             "created_at": now, "updated_at": now})
                        elif row.target_id != target_id:
                            conflict = XrefConflict(pair, entity, source_id, row.target_id, target_id)
                            if conflicts is None:
                                raise conflict
                            found_conflicts.append(conflict)
                        elif target_ref is not None and row.target_ref != target_ref:
                            conn.execute(update(xref).where(xref.c.id == row.id)
                                         .values(target_ref=target_ref, updated_at=now))
                    for chunk in _chunks(new_rows, _INSERT_CHUNK):
                        conn.execute(insert(xref), list(chunk))
                if conflicts is not None:
                    conflicts.extend(found_conflicts)
                return len(new_rows)
            except IntegrityError:
                # Another worker mapped some of them between our read and our insert: read again.
                if attempt:
                    raise
        raise AssertionError("unreachable")

    # ------------------------------------------------------------------ load claims

    def claim(self, pair: str, entity: str, source_ids: Iterable[str], owner: str, *,
              lease: dt.timedelta, owner_is_gone: Callable[[str], bool] | None = None) -> ClaimResult:
        """Claim records before creating them in the target: at most one loader holds a record's claim.

        The claim is an INSERT that the primary key (pair, entity, source_id) lets only one loader win,
        on SQLite and PostgreSQL alike, whatever the interleaving. A claim still ``claimed`` (not done)
        older than ``lease`` belongs to a loader that died: it is taken over by a conditional UPDATE that,
        again, only one loader wins (PostgreSQL re-checks the condition after the row lock). A claim whose
        owner ``owner_is_gone`` says has certainly stopped (e.g. a killed process on this host) is taken over
        at once, by the same kind of conditional UPDATE on that owner. Claims held by others, live or done,
        are returned with their owner and state so the caller can report them.
        """
        wanted = list(dict.fromkeys(str(source_id) for source_id in source_ids))
        if not wanted:
            return ClaimResult([], [], {})
        now = _utcnow()
        won: list[str] = []
        taken: list[str] = []
        with self.engine.begin() as conn:
            for chunk in _chunks(wanted, _IN_CHUNK):
                rows = [{"pair": pair, "entity": entity, "source_id": key, "owner": owner, "state": "claimed",
                         "target_id": None, "claimed_at": now, "updated_at": now} for key in chunk]
                won += self._insert_new_claims(conn, rows)
        rest = [key for key in wanted if key not in set(won)]
        if rest:
            with self.engine.begin() as conn:
                for chunk in _chunks(rest, _IN_CHUNK):
                    taken += conn.execute(
                        update(load_claim)
                        .where(load_claim.c.pair == pair, load_claim.c.entity == entity,
                               load_claim.c.source_id.in_(chunk), load_claim.c.state == "claimed",
                               load_claim.c.claimed_at < now - lease)
                        .values(owner=owner, claimed_at=now, updated_at=now)
                        .returning(load_claim.c.source_id)
                    ).scalars().all()
        mine = set(won) | set(taken)
        if owner_is_gone is not None and len(mine) < len(wanted):
            held = self.get_claims(pair, entity, [key for key in wanted if key not in mine])
            gone: dict[str, list[str]] = {}
            for key, claim in held.items():
                if claim["state"] == "claimed" and owner_is_gone(claim["owner"]):
                    gone.setdefault(claim["owner"], []).append(key)
            with self.engine.begin() as conn:
                for previous, keys in gone.items():
                    for chunk in _chunks(keys, _IN_CHUNK):
                        taken += conn.execute(
                            update(load_claim)
                            .where(load_claim.c.pair == pair, load_claim.c.entity == entity,
                                   load_claim.c.source_id.in_(chunk), load_claim.c.state == "claimed",
                                   load_claim.c.owner == previous)
                            .values(owner=owner, claimed_at=now, updated_at=now)
                            .returning(load_claim.c.source_id)
                        ).scalars().all()
            mine = set(won) | set(taken)
        others = self.get_claims(pair, entity, [key for key in wanted if key not in mine])
        return ClaimResult(won=[key for key in wanted if key in mine], taken_over=sorted(taken), held_elsewhere=others)

    def _insert_new_claims(self, conn, rows: list[dict[str, Any]]) -> list[str]:
        if self.dialect in ("postgresql", "sqlite"):
            if self.dialect == "postgresql":
                from sqlalchemy.dialects.postgresql import insert as dialect_insert
            else:
                from sqlalchemy.dialects.sqlite import insert as dialect_insert
            statement = (dialect_insert(load_claim).values(rows).on_conflict_do_nothing()
                         .returning(load_claim.c.source_id))
            return list(conn.execute(statement).scalars().all())
        won = []
        for row in rows:  # other dialects: one savepoint per row, the unique key still decides
            try:
                with conn.begin_nested():
                    conn.execute(insert(load_claim).values(**row))
                won.append(row["source_id"])
            except IntegrityError:
                pass
        return won

    def reclaim_done(self, pair: str, entity: str, previous_owners: Mapping[str, str], owner: str) -> list[str]:
        """Claim again records whose claim is ``done`` but whose cross-reference was lost; returns the keys this
        loader got (a key whose claim changed hands meanwhile is not taken)."""
        now = _utcnow()
        regained = []
        with self.engine.begin() as conn:
            for key, previous in sorted(previous_owners.items()):
                regained += conn.execute(
                    update(load_claim)
                    .where(load_claim.c.pair == pair, load_claim.c.entity == entity,
                           load_claim.c.source_id == str(key), load_claim.c.state == "done",
                           load_claim.c.owner == previous)
                    .values(owner=owner, state="claimed", target_id=None, claimed_at=now, updated_at=now)
                    .returning(load_claim.c.source_id)
                ).scalars().all()
        return regained

    def get_claims(self, pair: str, entity: str, source_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """``{source_id: {owner, state, target_id, claimed_at}}`` of the claimed records among ``source_ids``."""
        found: dict[str, dict[str, Any]] = {}
        wanted = list(dict.fromkeys(str(source_id) for source_id in source_ids))
        with self.engine.connect() as conn:
            for chunk in _chunks(wanted, _IN_CHUNK):
                query = select(load_claim.c.source_id, load_claim.c.owner, load_claim.c.state,
                               load_claim.c.target_id, load_claim.c.claimed_at).where(
                    load_claim.c.pair == pair, load_claim.c.entity == entity, load_claim.c.source_id.in_(chunk))
                for row in conn.execute(query):
                    found[row.source_id] = {"owner": row.owner, "state": row.state, "target_id": row.target_id,
                                            "claimed_at": row.claimed_at}
        return found

    def settle_claims(self, pair: str, entity: str, owner: str, *, done: Mapping[str, str | None] = {},
                      release: Iterable[str] = ()) -> None:
        """End this loader's claims: ``done`` ({source_id: target_id}) stay as the record of who created what;
        ``release``d claims are deleted (nothing was created, a later load may try again). Claims another
        loader has taken over meanwhile are left alone."""
        now = _utcnow()
        released = list(dict.fromkeys(str(key) for key in release))
        with self.engine.begin() as conn:
            for key, target_id in done.items():
                conn.execute(update(load_claim)
                             .where(load_claim.c.pair == pair, load_claim.c.entity == entity,
                                    load_claim.c.source_id == str(key), load_claim.c.owner == owner)
                             .values(state="done", target_id=None if target_id is None else str(target_id),
                                     updated_at=now))
            for chunk in _chunks(released, _IN_CHUNK):
                conn.execute(delete(load_claim).where(
                    load_claim.c.pair == pair, load_claim.c.entity == entity, load_claim.c.source_id.in_(chunk),
                    load_claim.c.owner == owner, load_claim.c.state == "claimed"))

    # ------------------------------------------------------------------ dead-letter queue

    def quarantine(
        self,
        pair: str,
        flow: str,
        entity: str,
        record_key: str,
        stage: str,
        reason_code: str,
        reason: str,
        failed_expectations: Sequence[str] | None = None,
        payload: Any = None,
        dag_id: str | None = None,
        run_id: str | None = None,
        state: str = "open",
    ) -> int:
        """Put a record into the DLQ; returns the item id.

        A record has one item for its whole life: one already open or held is not duplicated (its
        ``attempts`` goes up and reason, payload, run and state are replaced by the latest failure), and one
        resolved, ignored or replayed earlier is reopened with the same id. Each call appends a history event
        (``opened``, ``failed_again`` or ``reopened``).
        """
        if state not in DLQ_ACTIVE_STATES:
            raise DlqStateError(f"quarantine state must be one of {', '.join(DLQ_ACTIVE_STATES)}, got {state!r}")
        record_key = str(record_key)
        changes = {
            "entity": entity,
            "stage": stage,
            "reason_code": reason_code,
            "reason": reason,
            "failed_expectations": list(failed_expectations) if failed_expectations is not None else None,
            # Converted once here rather than per statement, so a bad payload fails before any write.
            "payload": to_json_compatible(payload) if payload is not None else None,
            "dag_id": dag_id,
            "run_id": run_id,
            "state": state,
        }
        by = dag_id or "pipeline"
        same_record = and_(dlq.c.pair == pair, dlq.c.flow == flow, dlq.c.record_key == record_key)
        # The active item if there is one, else the newest (stores of the first release may hold several).
        latest = (select(dlq.c.id, dlq.c.state).where(same_record)
                  .order_by(case((dlq.c.state.in_(DLQ_ACTIVE_STATES), 0), else_=1), dlq.c.id.desc()).limit(1))
        for attempt in range(3):
            try:
                with self.engine.begin() as conn:
                    now = _utcnow()
                    row = conn.execute(latest).first()
                    if row is None:
                        item_id = conn.execute(
                            insert(dlq)
                            .values(**changes, pair=pair, flow=flow, record_key=record_key, first_run_id=run_id,
                                    attempts=1, created_at=now, updated_at=now)
                            .returning(dlq.c.id)
                        ).scalar_one()
                        action, state_from = "opened", None
                    else:
                        item_id, state_from = row.id, row.state
                        reopening = state_from not in DLQ_ACTIVE_STATES
                        values = dict(changes, attempts=dlq.c.attempts + 1, updated_at=now)
                        if reopening:
                            values.update(state_changed_by=by, state_changed_at=now,
                                          state_note=f"reopened: failed again ({reason_code})")
                        # The state is part of the condition: a concurrent change makes this match nothing.
                        changed = conn.execute(
                            update(dlq).where(dlq.c.id == item_id, dlq.c.state == state_from).values(**values)
                        ).rowcount
                        if not changed:
                            raise _Raced()
                        action = "reopened" if reopening else "failed_again"
                    conn.execute(insert(dlq_event).values(
                        item_id=item_id, at=now, by=by, action=action, state_from=state_from, state_to=state,
                        note=f"{stage} [{reason_code}]: {reason}"[:2000], run_id=run_id))
                    return item_id
            except (IntegrityError, _Raced):
                # A concurrent quarantine of the same record won; take its item on the next pass.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def list_dlq(
        self,
        pair: str | None = None,
        flow: str | None = None,
        state: str | Sequence[str] | None = None,
        reason_code: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        record_key: str | None = None,
        limit: int | None = None,
        ids: Iterable[int] | None = None,
    ) -> list[dict[str, Any]]:
        """DLQ items as dicts, newest first. ``since``/``until`` bound ``updated_at`` (the last failure
        or change), ``since`` inclusive and ``until`` exclusive; ``ids`` keeps exactly those items."""
        conditions = []
        if pair is not None:
            conditions.append(dlq.c.pair == pair)
        if flow is not None:
            conditions.append(dlq.c.flow == flow)
        if state is not None:
            states = [state] if isinstance(state, str) else list(state)
            for one in states:
                _check_dlq_state(one)
            conditions.append(dlq.c.state.in_(states))
        if reason_code is not None:
            conditions.append(dlq.c.reason_code == reason_code)
        if record_key is not None:
            conditions.append(dlq.c.record_key == str(record_key))
        if since is not None:
            conditions.append(dlq.c.updated_at >= _aware(since, "since"))
        if until is not None:
            conditions.append(dlq.c.updated_at < _aware(until, "until"))
        wanted = sorted({int(i) for i in ids}) if ids is not None else None
        if wanted is not None and not wanted:
            return []
        query = select(dlq).where(*conditions).order_by(dlq.c.updated_at.desc(), dlq.c.id.desc())
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            if wanted is None:
                return [dict(row._mapping) for row in conn.execute(query)]
            rows = []
            for batch in _chunks(wanted, _IN_CHUNK):
                rows += [dict(row._mapping) for row in conn.execute(query.where(dlq.c.id.in_(batch)))]
        rows.sort(key=lambda r: (r["updated_at"], r["id"]), reverse=True)
        return rows[:limit] if limit is not None else rows

    def get_dlq_item(self, item_id: int) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(dlq).where(dlq.c.id == item_id)).first()
        return dict(row._mapping) if row is not None else None

    def set_dlq_state(self, ids: Iterable[int], state: str, by: str, note: str | None = None, *,
                      from_states: Sequence[str] | None = None, run_id: str | None = None) -> int:
        """Move DLQ items to ``state``, recording who did it, when and why; returns items changed.

        Valid states: open, held, replayed, resolved, ignored. An item already in ``state`` is left as it
        is (who resolved it and their note stay), and so is one whose state is not in ``from_states`` when
        given; every change appends a ``dlq_event``. Re-opening an item fails with ``DlqStateError`` when the
        same record already has another open/held item.
        """
        _check_dlq_state(state)
        for one in from_states or ():
            _check_dlq_state(one)
        if not by:
            raise ValueError("set_dlq_state needs 'by': who is changing the state")
        item_ids = sorted({int(item_id) for item_id in ids})
        action = {"resolved": "resolved", "ignored": "ignored"}.get(state, "reopened")
        now = _utcnow()
        changed = 0
        try:
            with self.engine.begin() as conn:
                for batch in _chunks(item_ids, _IN_CHUNK):
                    conditions = [dlq.c.id.in_(batch), dlq.c.state != state]
                    if from_states is not None:
                        conditions.append(dlq.c.state.in_(list(from_states)))
                    before = dict(conn.execute(select(dlq.c.id, dlq.c.state).where(*conditions)).all())
                    if not before:
                        continue
                    done = [row.id for row in conn.execute(
                        update(dlq)
                        .where(dlq.c.id.in_(list(before)), dlq.c.state != state)
                        .values(state=state, state_changed_by=by, state_changed_at=now, state_note=note, updated_at=now)
                        .returning(dlq.c.id)
                    )]
                    if done:
                        conn.execute(insert(dlq_event), [
                            {"item_id": item_id, "at": now, "by": by, "action": action, "state_from": before[item_id],
                             "state_to": state, "note": note, "run_id": run_id} for item_id in done])
                    changed += len(done)
        except IntegrityError:
            raise DlqStateError(
                f"cannot set DLQ items {item_ids} to {state!r}: a record may have only one open/held item "
                "and another one is already open or held"
            ) from None
        return changed

    def resolve_dlq_for(self, pair: str, flow: str, record_key: str, by: str, note: str | None = None,
                        run_id: str | None = None) -> int:
        """Mark the record's open, held or replayed items resolved (it has since loaded); returns items changed."""
        return self.resolve_dlq_for_keys(pair, flow, [record_key], by=by, note=note, run_id=run_id)

    def resolve_dlq_for_keys(self, pair: str, flow: str, record_keys: Iterable[str], by: str,
                             note: str | None = None, run_id: str | None = None) -> int:
        """``resolve_dlq_for`` for many records in one transaction; returns items changed (each gets a
        ``resolved`` event naming ``by`` and the run)."""
        keys = list(dict.fromkeys(str(key) for key in record_keys))
        if not keys:
            return 0
        now = _utcnow()
        changed = 0
        pending = (*DLQ_ACTIVE_STATES, "replayed")
        with self.engine.begin() as conn:
            for batch in _chunks(keys, _IN_CHUNK):
                before = dict(conn.execute(
                    select(dlq.c.id, dlq.c.state)
                    .where(dlq.c.pair == pair, dlq.c.flow == flow, dlq.c.record_key.in_(batch), dlq.c.state.in_(pending))
                ).all())
                if not before:
                    continue
                done = [row.id for row in conn.execute(
                    update(dlq)
                    .where(dlq.c.id.in_(list(before)), dlq.c.state.in_(pending))
                    .values(state="resolved", state_changed_by=by, state_changed_at=now, state_note=note,
                            updated_at=now)
                    .returning(dlq.c.id)
                )]
                if done:
                    conn.execute(insert(dlq_event), [
                        {"item_id": item_id, "at": now, "by": by, "action": "resolved", "state_from": before[item_id],
                         "state_to": "resolved", "note": note or "loaded", "run_id": run_id} for item_id in done])
                changed += len(done)
        return changed

    def add_dlq_events(self, ids: Iterable[int], action: str, by: str, note: str | None = None,
                       run_id: str | None = None, count_attempt: bool = False) -> int:
        """Append an event that does not change the state (``replay_requested``, ``replay_failed``, ``note``)
        to existing items; ``count_attempt`` adds one to their ``attempts``. Returns items touched."""
        if action not in DLQ_EVENT_ACTIONS:
            raise DlqStateError(f"invalid DLQ event {action!r}; valid: {', '.join(DLQ_EVENT_ACTIONS)}")
        if not by:
            raise ValueError("add_dlq_events needs 'by': who is acting")
        item_ids = sorted({int(item_id) for item_id in ids})
        now = _utcnow()
        touched = 0
        with self.engine.begin() as conn:
            for batch in _chunks(item_ids, _IN_CHUNK):
                states = dict(conn.execute(select(dlq.c.id, dlq.c.state).where(dlq.c.id.in_(batch))).all())
                if not states:
                    continue
                if count_attempt:
                    conn.execute(update(dlq).where(dlq.c.id.in_(list(states)))
                                 .values(attempts=dlq.c.attempts + 1, updated_at=now))
                conn.execute(insert(dlq_event), [
                    {"item_id": item_id, "at": now, "by": by, "action": action, "state_from": state,
                     "state_to": state, "note": note, "run_id": run_id} for item_id, state in states.items()])
                touched += len(states)
        return touched

    def dlq_history(self, item_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
        """``{item id: [event, …]}`` oldest first. Items that predate the history table get their opening
        (and their last recorded state change) rebuilt from the item's own columns, marked ``recorded: False``."""
        wanted = sorted({int(i) for i in item_ids})
        history: dict[int, list[dict[str, Any]]] = {i: [] for i in wanted}
        with self.engine.connect() as conn:
            for batch in _chunks(wanted, _IN_CHUNK):
                for row in conn.execute(select(dlq_event).where(dlq_event.c.item_id.in_(batch))
                                        .order_by(dlq_event.c.item_id, dlq_event.c.id)):
                    history[row.item_id].append({**row._mapping, "recorded": True})
                items = {row.id: row for row in conn.execute(select(dlq).where(dlq.c.id.in_(batch)))}
        for item_id, events in history.items():
            item = items.get(item_id)
            if item is None or any(e["action"] == "opened" for e in events):
                continue
            rebuilt = [{"id": None, "item_id": item_id, "at": item.created_at, "by": item.dag_id or "pipeline",
                        "action": "opened", "state_from": None, "state_to": "open", "note": item.reason,
                        "run_id": item.first_run_id, "recorded": False}]
            if not events and item.state_changed_by:
                rebuilt.append({"id": None, "item_id": item_id, "at": item.state_changed_at, "by": item.state_changed_by,
                                "action": {"resolved": "resolved", "ignored": "ignored"}.get(item.state, item.state),
                                "state_from": None, "state_to": item.state, "note": item.state_note,
                                "run_id": None, "recorded": False})
            history[item_id] = rebuilt + events
        return history

    def dlq_counts_by_reason(
        self, pair: str, flow: str, run_id: str | None = None, state: str | Sequence[str] | None = None
    ) -> dict[str, int]:
        """``{reason_code: items}`` for a pair and flow, optionally for the run that last touched
        the items and/or for some states (default: every state)."""
        conditions = [dlq.c.pair == pair, dlq.c.flow == flow]
        if run_id is not None:
            conditions.append(dlq.c.run_id == run_id)
        if state is not None:
            states = [state] if isinstance(state, str) else list(state)
            for one in states:
                _check_dlq_state(one)
            conditions.append(dlq.c.state.in_(states))
        query = select(dlq.c.reason_code, func.count()).where(*conditions).group_by(dlq.c.reason_code)
        with self.engine.connect() as conn:
            return {reason_code: count for reason_code, count in conn.execute(query)}

    # ------------------------------------------------------------------ pushed state

    def get_fingerprints(self, pair: str, entity: str, keys: Iterable[str]) -> dict[str, str]:
        """Fingerprint of what was last pushed, per record key (keys never pushed are absent)."""
        found: dict[str, str] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks([str(k) for k in keys], _IN_CHUNK):
                query = select(pushed_state.c.record_key, pushed_state.c.fingerprint).where(
                    pushed_state.c.pair == pair, pushed_state.c.entity == entity, pushed_state.c.record_key.in_(chunk)
                )
                found.update({row.record_key: row.fingerprint for row in conn.execute(query)})
        return found

    def put_fingerprints(self, pair: str, entity: str, fingerprints: Mapping[str, str], run_id: str | None = None) -> int:
        """Remember what was pushed (upsert per record key)."""
        if not fingerprints:
            return 0
        now = _utcnow()
        rows = [{"pair": pair, "entity": entity, "record_key": str(k), "fingerprint": v, "run_id": run_id, "pushed_at": now}
                for k, v in fingerprints.items()]
        statement = self._upsert(pushed_state, index_elements=["pair", "entity", "record_key"],
                                 update_columns=["fingerprint", "run_id", "pushed_at"])
        with self.engine.begin() as conn:
            if statement is None:
                for chunk in _chunks([r["record_key"] for r in rows], _IN_CHUNK):
                    conn.execute(delete(pushed_state).where(pushed_state.c.pair == pair, pushed_state.c.entity == entity,
                                                            pushed_state.c.record_key.in_(chunk)))
                conn.execute(insert(pushed_state), rows)
            else:
                for start in range(0, len(rows), _INSERT_CHUNK):
                    conn.execute(statement, rows[start:start + _INSERT_CHUNK]).all()
        return len(rows)

    # ------------------------------------------------------------------ record outcomes

    def delete_outcomes(self, pair: str, flow: str, run_id: str) -> int:
        """Forget a run's outcomes (a re-extraction of the run starts its bookkeeping afresh)."""
        with self.engine.begin() as conn:
            return conn.execute(
                delete(record_outcome).where(
                    record_outcome.c.pair == pair, record_outcome.c.flow == flow, record_outcome.c.run_id == run_id
                )
            ).rowcount

    def record_outcomes(
        self, pair: str, flow: str, run_id: str, outcomes: Iterable[tuple[str, str, str | None]],
        keep: Sequence[str] = (),
    ) -> int:
        """Record ``(record_key, outcome, detail)`` per record of a run; the latest outcome of a key
        wins, so a record that failed and then loaded on retry counts once, as loaded. An outcome already
        recorded that is one of ``keep`` is left as it is (a load that held a record another load of the same
        run was creating must not turn that load's "loaded" into "held")."""
        now = _utcnow()
        rows_by_key: dict[str, dict[str, Any]] = {}
        for record_key, outcome, detail in outcomes:
            _check_choice("outcome", outcome, OUTCOMES)
            rows_by_key[str(record_key)] = {
                "pair": pair,
                "flow": flow,
                "run_id": run_id,
                "record_key": str(record_key),
                "outcome": outcome,
                "detail": detail,
                "updated_at": now,
            }
        # In key order: two loads overlapping on one run write the same rows, and rows locked in different
        # orders deadlock on PostgreSQL.
        rows = [rows_by_key[key] for key in sorted(rows_by_key)]
        if not rows:
            return 0
        statement = self._upsert(
            record_outcome,
            index_elements=["pair", "flow", "run_id", "record_key"],
            update_columns=["outcome", "detail", "updated_at"],
            # a conjunction, not NOT IN: an expanding IN cannot be used with executemany
            where=and_(*(record_outcome.c.outcome != outcome for outcome in keep)) if keep else None,
        )
        with self.engine.begin() as conn:
            for chunk in _chunks(rows, _INSERT_CHUNK):
                if statement is None and keep:
                    kept = set(conn.execute(select(record_outcome.c.record_key).where(
                        record_outcome.c.pair == pair, record_outcome.c.flow == flow, record_outcome.c.run_id == run_id,
                        record_outcome.c.record_key.in_([row["record_key"] for row in chunk]),
                        record_outcome.c.outcome.in_(list(keep)))).scalars())
                    chunk = [row for row in chunk if row["record_key"] not in kept]
                    if not chunk:
                        continue
                if statement is None:
                    conn.execute(
                        delete(record_outcome).where(
                            record_outcome.c.pair == pair,
                            record_outcome.c.flow == flow,
                            record_outcome.c.run_id == run_id,
                            record_outcome.c.record_key.in_([row["record_key"] for row in chunk]),
                        )
                    )
                    conn.execute(insert(record_outcome), list(chunk))
                else:
                    conn.execute(statement, list(chunk)).all()
        return len(rows)

    def get_outcomes(self, pair: str, flow: str, run_id: str, record_keys: Iterable[str]) -> dict[str, str]:
        """``{record_key: outcome}`` of the given records in one run (records without an outcome are absent)."""
        found: dict[str, str] = {}
        wanted = list(dict.fromkeys(str(key) for key in record_keys))
        with self.engine.connect() as conn:
            for batch in _chunks(wanted, _IN_CHUNK):
                query = select(record_outcome.c.record_key, record_outcome.c.outcome).where(
                    record_outcome.c.pair == pair, record_outcome.c.flow == flow, record_outcome.c.run_id == run_id,
                    record_outcome.c.record_key.in_(batch))
                found.update((row.record_key, row.outcome) for row in conn.execute(query))
        return found

    def outcome_counts(self, pair: str, flow: str, run_id: str) -> dict[str, int]:
        """``{outcome: records}`` for one run (outcomes with no records are absent)."""
        query = (
            select(record_outcome.c.outcome, func.count())
            .where(record_outcome.c.pair == pair, record_outcome.c.flow == flow, record_outcome.c.run_id == run_id)
            .group_by(record_outcome.c.outcome)
        )
        with self.engine.connect() as conn:
            return {outcome: count for outcome, count in conn.execute(query)}

    def list_outcomes(self, pair: str, flow: str, run_id: str, outcome: str | None = None) -> list[dict[str, Any]]:
        """Per-record outcomes of a run in key order."""
        conditions = [record_outcome.c.pair == pair, record_outcome.c.flow == flow, record_outcome.c.run_id == run_id]
        if outcome is not None:
            _check_choice("outcome", outcome, OUTCOMES)
            conditions.append(record_outcome.c.outcome == outcome)
        query = select(record_outcome).where(*conditions).order_by(record_outcome.c.record_key)
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    # ------------------------------------------------------------------ runs

    def start_run(
        self,
        pair: str,
        flow: str,
        run_id: str,
        dag_id: str | None = None,
        interval_start: dt.datetime | None = None,
        interval_end: dt.datetime | None = None,
    ) -> int:
        """Register a run; returns its id.

        Idempotent: a retried task keeps the original ``started_at``; arguments given again (not
        None) replace the stored ones.
        """
        given = {
            name: value
            for name, value in (("dag_id", dag_id), ("interval_start", interval_start), ("interval_end", interval_end))
            if value is not None
        }
        scope = and_(sync_run.c.pair == pair, sync_run.c.flow == flow, sync_run.c.run_id == run_id)
        for attempt in range(2):
            try:
                with self.engine.begin() as conn:
                    existing = conn.execute(select(sync_run.c.id).where(scope)).first()
                    if existing is not None:
                        if given:
                            conn.execute(update(sync_run).where(sync_run.c.id == existing.id).values(**given))
                        return existing.id
                    return conn.execute(
                        insert(sync_run)
                        .values(pair=pair, flow=flow, run_id=run_id, started_at=_utcnow(), **given)
                        .returning(sync_run.c.id)
                    ).scalar_one()
            except IntegrityError:
                # The same run registered concurrently (two tasks of one run starting together).
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def finish_run(self, pair: str, flow: str, run_id: str, counts: Mapping[str, Any]) -> int:
        """Store the run's final counts and finish time; returns the run id.

        A run that was never started is registered here, so the counts are never lost.
        """
        run_pk = self.start_run(pair, flow, run_id)
        with self.engine.begin() as conn:
            conn.execute(update(sync_run).where(sync_run.c.id == run_pk).values(finished_at=_utcnow(), counts=dict(counts)))
        return run_pk

    def get_run(self, pair: str, flow: str, run_id: str) -> dict[str, Any] | None:
        query = select(sync_run).where(sync_run.c.pair == pair, sync_run.c.flow == flow, sync_run.c.run_id == run_id)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return dict(row._mapping) if row is not None else None

    def list_runs(self, pair: str | None = None, flow: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Runs newest first."""
        conditions = []
        if pair is not None:
            conditions.append(sync_run.c.pair == pair)
        if flow is not None:
            conditions.append(sync_run.c.flow == flow)
        query = select(sync_run).where(*conditions).order_by(sync_run.c.started_at.desc(), sync_run.c.id.desc()).limit(limit)
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    # ------------------------------------------------------------------ daily reconciliation

    def replace_reconciliation(
        self, pair: str, day: dt.date, lines: Sequence[Mapping[str, Any]], *, run: Mapping[str, Any]
    ) -> int:
        """Replace the lines and the run row of one (pair, day) in one transaction; returns lines written.

        ``lines``: dicts of ``recon_line`` columns without pair/day; ``run``: ``recon_run`` columns without
        pair/day/reconciled_at. Other days and pairs are never touched, so re-running a day replaces
        exactly that day's output.
        """
        columns = [column.name for column in recon_line.columns]
        rows = [{**{name: line.get(name) for name in columns}, "pair": pair, "day": day} for line in lines]
        with self.engine.begin() as conn:
            conn.execute(delete(recon_line).where(recon_line.c.pair == pair, recon_line.c.day == day))
            conn.execute(delete(recon_run).where(recon_run.c.pair == pair, recon_run.c.day == day))
            for chunk in _chunks(rows, _INSERT_CHUNK):
                conn.execute(insert(recon_line), list(chunk))
            conn.execute(insert(recon_run).values(**dict(run), pair=pair, day=day, reconciled_at=_utcnow()))
        return len(rows)

    def reconciliation_lines(self, pair: str, day: dt.date, status: str | None = None) -> list[dict[str, Any]]:
        """The lines of one (pair, day) in line order, optionally of one status."""
        conditions = [recon_line.c.pair == pair, recon_line.c.day == day]
        if status is not None:
            conditions.append(recon_line.c.status == status)
        query = select(recon_line).where(*conditions).order_by(recon_line.c.line_no)
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def reconciliation_run(self, pair: str, day: dt.date) -> dict[str, Any] | None:
        query = select(recon_run).where(recon_run.c.pair == pair, recon_run.c.day == day)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return dict(row._mapping) if row is not None else None

    def mark_reconciliation_published(self, pair: str, day: dt.date, files: Mapping[str, str]) -> int:
        """Note where the day's files were written; returns rows changed (0: the day was never reconciled)."""
        with self.engine.begin() as conn:
            return conn.execute(
                update(recon_run)
                .where(recon_run.c.pair == pair, recon_run.c.day == day)
                .values(files=dict(files), published_at=_utcnow())
            ).rowcount

    def pending_reconciliation_lines(self, pair: str, before: dt.date, since: dt.date) -> list[dict[str, Any]]:
        """Lines still pending before ``before``: per line key, the latest line in [since, before), if pending.

        A key that was pending and then resolved on a later day (still before ``before``) is not returned.
        """
        window = [recon_line.c.pair == pair, recon_line.c.day >= since, recon_line.c.day < before]
        with self.engine.connect() as conn:
            keys = sorted({row.line_key for row in conn.execute(
                select(recon_line.c.line_key).where(*window, recon_line.c.status == "pending"))})
            latest: dict[str, dict[str, Any]] = {}
            for chunk in _chunks(keys, _IN_CHUNK):
                query = select(recon_line).where(*window, recon_line.c.line_key.in_(chunk)).order_by(
                    recon_line.c.day, recon_line.c.line_no)
                for row in conn.execute(query):
                    latest[row.line_key] = dict(row._mapping)
        return [line for key, line in sorted(latest.items()) if line["status"] == "pending"]

    def completed_flow_runs(
        self, pair: str, flows: Sequence[str], covering: dt.datetime
    ) -> dict[str, dict[str, Any] | None]:
        """Per flow, a finished run whose data interval reaches ``covering`` with every record accounted for
        (``counts.unaccounted`` 0), or None. What the daily reconciliation waits for."""
        found: dict[str, dict[str, Any] | None] = dict.fromkeys(flows)
        query = (
            select(sync_run)
            .where(sync_run.c.pair == pair, sync_run.c.flow.in_(list(flows)), sync_run.c.finished_at.is_not(None),
                   sync_run.c.interval_end >= covering)
            .order_by(sync_run.c.finished_at.desc(), sync_run.c.id.desc())
        )
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                counts = row.counts or {}
                if found[row.flow] is None and int(counts.get("unaccounted", 0) or 0) == 0:
                    found[row.flow] = dict(row._mapping)
        return found
