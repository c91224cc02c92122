"""X-Cart as a source of orders and the place ERP references are written back to."""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from storesync.hooks.errors import PermanentRecordError
from storesync.systems.xcart.hook import XCartClient, XCartHook

from storesync.adapters.registry import resolve

log = logging.getLogger(__name__)

# How each entity is read: REST path and the id field of the record the flows stage. Payments and refunds
# are assembled from two entities (see xcart_transactions).
ENTITY_PATHS = {"order": "order", "customer": "profile", "product": "product",
                "payment": "payment-transaction", "refund": "payment-backendtransaction"}
ID_FIELDS = {"order": "orderId", "customer": "profileId", "product": "productId",
             "payment": "transactionId", "refund": "transactionId"}
# X-Cart has no "changed since" condition for any of them (XLite\Model\Repo\Order has a date range on the
# order date only; profiles, products and transactions have none that fits): orders and transactions are
# re-read by their creation date over this look-back before the window, profiles and products whole. The
# unchanged-source fingerprints then skip what did not change (docs/xcart.md, "Incremental extraction").
DEFAULT_LOOKBACK_DAYS = 3
# Transactions are read one GET each (their order and currency are associations): a shorter look-back, long
# enough for a pending gateway payment to settle (docs/xcart.md).
DEFAULT_PAYMENT_LOOKBACK_HOURS = 24
PAYMENT_KINDS = ("sale", "auth", "capture", "void")
REFUND_KINDS = ("refund",)
# Entities X-Cart is the target of: entity -> "module:function(adapter, records) -> [LoadOutcome]".
LOADS = {
    "product": "storesync.systems.xcart.catalogue:load_products",
    "inventory": "storesync.systems.xcart.catalogue:load_inventory",
    "erp_customer": "storesync.systems.xcart.customers:load_customer_updates",
    "shipment": "storesync.systems.xcart.shipments:load_shipments",
}
# Extracted records that are not the flow's to carry (skipped at once, with the reason): entity -> "module:function(record, options) -> reason | None".
OUT_OF_SCOPE = {
    "payment": "storesync.systems.xcart.payments:payment_out_of_scope",
    "refund": "storesync.systems.xcart.payments:refund_out_of_scope",
}

# Daily reconciliation for finance: entity -> "module:function(client, options, day_start, day_end)" (the day's
# documents) and "module:function(client, options, storefront_ids)" (those documents by id, any date).
RECONCILE = {
    "order": "storesync.systems.xcart.reconcile:read_orders",
    "payment": "storesync.systems.xcart.reconcile:read_payments",
    "refund": "storesync.systems.xcart.reconcile:read_refunds",
}
RECONCILE_BY_REF = {
    "order": "storesync.systems.xcart.reconcile:orders_by_id",
    "payment": "storesync.systems.xcart.reconcile:payments_by_id",
    "refund": "storesync.systems.xcart.reconcile:refunds_by_id",
}


class XCartAdapter:
    def __init__(self, *, conn_id: str, client: XCartClient | None = None, options: dict | None = None) -> None:
        self.conn_id = conn_id
        self._client = client
        self.options = options or {}
        self._cache: dict[str, Any] = {}

    @property
    def client(self) -> XCartClient:
        return self._client_for(slots=1)

    def lookback(self, entity: str = "order") -> timedelta:
        if entity in ("payment", "refund"):
            return timedelta(hours=float(self.options.get("payment_lookback_hours", DEFAULT_PAYMENT_LOOKBACK_HOURS)))
        return timedelta(days=float(self.options.get("lookback_days", DEFAULT_LOOKBACK_DAYS)))

    def gateway_id_cells(self) -> tuple[str, ...]:
        from storesync.systems.xcart.transactions import DEFAULT_GATEWAY_ID_CELLS

        return tuple(self.options.get("gateway_id_cells") or DEFAULT_GATEWAY_ID_CELLS)

    def extract(self, entity: str, since: datetime, until: datetime) -> Iterator[tuple[str, dict[str, Any]]]:
        """The records of ``entity`` for the window [since, until), read through conditions X-Cart has.

        Orders: ``_cnd[date]`` (the order date, both ends inclusive) from ``since`` minus the look-back,
        oldest id first (``_cnd[orderBy]``), so payment and shipping changes of recent orders are read
        again. Payments and refunds: see :class:`~storesync.systems.xcart.transactions.TransactionReader`.
        Profiles and products: whole, paged.
        """
        start = int((since - self.lookback(entity)).timestamp())
        end = int(until.timestamp())
        if entity == "order":
            conditions = {"_cnd[date][0]": max(start, 1), "_cnd[date][1]": end - 1,
                          "_cnd[orderBy][0]": "o.order_id", "_cnd[orderBy][1]": "ASC"}
            records = self.client.iter_records("order", conditions=conditions, key_field="orderId")
        elif entity in ("payment", "refund"):
            from storesync.systems.xcart.transactions import TransactionReader

            reader = TransactionReader(self.client, self.gateway_id_cells())
            if entity == "payment":
                records = itertools.chain(reader.payments_between(start, end),
                                          reader.backends_between(start, end, ("capture", "void")))
            else:
                records = reader.backends_between(start, end, REFUND_KINDS)
        else:
            records = self.client.iter_records(ENTITY_PATHS[entity], key_field=ID_FIELDS[entity])
        for record in records:
            if record is not None:
                yield record_key(record, ID_FIELDS[entity]), record

    def extract_keys(self, entity: str, keys: list[str]) -> Iterator[tuple[str, dict[str, Any]]]:
        """The named records, one request each; ids the store does not have are skipped (and reported)."""
        if entity in ("payment", "refund"):
            from storesync.systems.xcart.transactions import TransactionReader

            reader = TransactionReader(self.client, self.gateway_id_cells())
            for key in keys:
                record = reader.by_key(key)
                if record is not None:
                    yield record_key(record, ID_FIELDS[entity]), record
            return
        for key in keys:
            record = self.client.find(ENTITY_PATHS[entity], key)
            if record is not None:
                yield record_key(record, ID_FIELDS[entity]), record

    def out_of_scope(self, entity: str, record: Any) -> str | None:
        """Why an extracted record is not this flow's to carry (it is skipped with that reason), or None."""
        if entity not in OUT_OF_SCOPE:
            return None
        return resolve(OUT_OF_SCOPE, entity, "X-Cart scope")(record, self.options)

    def reconcile(self, entity: str, day_start: datetime, day_end: datetime) -> list:
        """The documents of ``entity`` dated in [day_start, day_end), for the daily reconciliation."""
        return list(resolve(RECONCILE, entity, "X-Cart reconciliation reader")(self.client, self.options, day_start,
                                                                                day_end))

    def reconcile_by_ref(self, entity: str, storefront_ids: list[str]) -> list:
        """The documents of ``entity`` with these ids, whatever their date (ids the store lacks are left out)."""
        return list(resolve(RECONCILE_BY_REF, entity, "X-Cart reconciliation reader by id")(
            self.client, self.options, storefront_ids))

    def write_back(self, entity: str, items: Iterable[tuple[str, str, dict[str, Any]]], *, concurrency: int = 1) -> int:
        """Note each ERP reference on its order's ``adminNotes``, changing nothing else in them.

        The staged record is not trusted for the notes: it may be hours old and it was scrubbed of anything
        card-like, so writing its text back would undo staff edits and replace their words with ``[scrubbed]``.
        Each order's current notes are read (native ``GET order/<id>``) just before the write, and the
        ``PUT`` sends exactly that text with our marker appended; an order whose notes already carry the
        marker is left alone. X-Cart has no conditional update, so an edit made between that read and the
        write (a fraction of a second) would still be lost: docs/xcart.md says so.

        One read and at most one ``PUT`` per order (the REST API has no bulk update), so the time is the
        store's latency per order: with ``concurrency`` above 1 that many are kept in flight (the task holds
        as many slots of the store's pool, and its client as large a share of the request budget). A
        transient failure that outlasts the client's retries fails the task; orders already noted are
        skipped when it runs again.
        """
        path = ENTITY_PATHS[entity]
        pending = []
        for source_id, target_ref, raw in items:
            marker = f"[ERP {target_ref}]"
            staged_notes = str(raw.get("adminNotes") or "") if isinstance(raw, dict) else ""
            if marker not in staged_notes:  # already noted when staged: nothing to ask the store
                pending.append((source_id, marker))
        if not pending:
            return 0
        client = self._client_for(slots=concurrency)

        def note(item: tuple[str, str]) -> int:
            source_id, marker = item
            try:
                current = client.find(path, source_id, schema=None)
                if current is None:
                    log.warning("write-back of %s: X-Cart has no %s %s", marker, entity, source_id)
                    return 0
                notes = current.get("adminNotes")
                notes = notes if isinstance(notes, str) else ""
                if marker in notes:
                    return 0
                client.update(path, source_id, {"adminNotes": f"{notes}\n{marker}" if notes else marker})
            except PermanentRecordError as exc:  # one order refused (bad id, gone, note too long): the rest go on
                log.warning("write-back of %s to %s %s refused: %s", marker, entity, source_id, exc)
                return 0
            return 1

        if concurrency <= 1 or len(pending) == 1:
            return sum(note(item) for item in pending)
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(concurrency, len(pending)), thread_name_prefix="xcart-write") as pool:
            futures = [pool.submit(note, item) for item in pending]
            try:
                return sum(future.result() for future in futures)
            except BaseException:
                # The first failure decides the task; orders not yet sent stay unsent.
                for future in futures:
                    future.cancel()
                raise

    def _client_for(self, *, slots: int) -> XCartClient:
        """The task's client; made here first, it gets the budget share of ``slots`` pool slots."""
        if self._client is None:
            self._client = XCartHook(self.conn_id).get_client(slots=slots)
        return self._client

    # -- target side (products, inventory) ----------------------------------------------------------------
    def prepare(self, entity: str, records: list[tuple[str, dict[str, Any]]], options: dict[str, Any]) -> dict[str, dict[str, Any]]:
        return {key: {} for key, _ in records}

    def load(self, entity: str, records: list[tuple[str, dict[str, Any]]], *, pair: str, run_id: str):
        return resolve(LOADS, entity, "X-Cart load")(self, records)

    def cached(self, name: str, build):
        """A per-task cache for lookups that load functions share across batches (e.g. the catalogue)."""
        if name not in self._cache:
            self._cache[name] = build()
        return self._cache[name]

    def retry_stats(self):
        return self._client.retry.stats if self._client else None


# A key is stored (staging, DLQ, outcomes: varchar(255)) and typed by people: short printable text.
_MAX_KEY_CHARS = 100


def record_key(record: Any, id_field: str) -> str:
    """The record's id as text; a record without one gets a stable content hash so it can still be quarantined.

    An id that is not short printable text (control characters, NUL, lone surrogates, thousands of characters:
    a broken or hostile source) cannot be stored as a key; it becomes ``bad-<field>-<hash of the id>``.
    """
    if isinstance(record, dict) and record.get(id_field) not in (None, ""):
        text = str(record[id_field])
        if len(text) <= _MAX_KEY_CHARS and text.isprintable():
            return text
        digest = hashlib.sha256(json.dumps(record[id_field], sort_keys=True, default=str).encode()).hexdigest()[:16]
        return f"bad-{id_field}-{digest}"
    digest = hashlib.sha256(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()[:16]
    return f"no-{id_field}-{digest}"
