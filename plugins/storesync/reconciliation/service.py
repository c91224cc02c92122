"""One reconciliation day end to end: read both systems, match, store the lines, publish the files.

Pair-generic: the storefront and the ERP are reached only through their adapters' ``RECONCILE`` and
``RECONCILE_BY_REF`` tables (``storesync.adapters.registry``), so a new ERP needs reader functions in a
table and nothing here.

- :func:`reconcile_day` reads the day's documents of every kind from both systems, carries forward the
  lines still pending from earlier days, fetches what the matching asks for (counterparts on other days,
  the orders of payments, the documents of carried lines), matches, explains missing documents with the
  sync's dead-letter queue, and replaces the day's lines and run row in the sync store in one transaction.
- :func:`publish_day` writes the day's CSV and XLSX from the stored lines and notes where.

Both are idempotent: a re-run replaces the day's output and touches no other day.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

from storesync.config.pairs import PROJECT_ROOT, PairConfig
from storesync.systems import mapping_file
from storesync.reconciliation.match import Carried, Lookups, lookups_needed, match, number_lines
from storesync.reconciliation.model import (
    CATEGORIES,
    KIND_FLOWS,
    KIND_MONEY,
    KINDS,
    MATCHED,
    NOT_POSTED,
    PAYMENT_WITHOUT_ORDER,
    Line,
    MatchSettings,
)
from storesync.reconciliation.summary import summarise

log = logging.getLogger(__name__)

# Fetch rounds: day documents → their counterparts and orders → the orders of payments found there.
MAX_LOOKUP_ROUNDS = 4
# Line statuses whose reason the dead-letter queue can explain (the sync holds the storefront record).
EXPLAINED_BY_DLQ = ("missing_in_erp", "refund_without_credit_memo", "payment_without_order", "amount_mismatch",
                    "currency_mismatch")
_DLQ_REASON_CHARS = 300
# The payments mapping's lookup of storefront method -> ERP payment method code (one label per method).
PAYMENT_METHODS_LOOKUP = "payment_methods"


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC day as [start, end)."""
    start = datetime.combine(day, time(), tzinfo=timezone.utc)
    return start, start + timedelta(days=1)


def settings_for(pair: PairConfig) -> MatchSettings:
    """Tolerance, clearing accounts, and payment method → cash account from the payments flow's mapping."""
    config = pair.reconciliation
    accounts: dict[str, str] = {}
    payments = pair.flows.get("payments")
    target = (payments.mappings or {}).get("to_target") if payments else None
    if target:
        from storesync.mapping.spec import load_spec

        lookup = load_spec(mapping_file(target)).lookups.get(config.cash_accounts_lookup)
        if lookup is None:
            log.warning("%s: mapping %s has no lookup '%s'; lines show no expected cash account", pair.name, target,
                        config.cash_accounts_lookup)
        else:
            accounts = {str(k): str(v) for k, v in lookup.values.items()}
        codes = load_spec(mapping_file(target)).lookups.get(PAYMENT_METHODS_LOOKUP)
        method_codes = {str(k): str(v) for k, v in codes.values.items()} if codes is not None else {}
    else:
        method_codes = {}
    return MatchSettings(amount_tolerance=config.amount_tolerance, cash_accounts=accounts,
                         clearing_accounts=frozenset(config.clearing_accounts), method_codes=method_codes)


def open_adapters(pair: PairConfig) -> tuple[Any, Any]:
    from storesync.adapters.registry import get_adapter

    options = dict(pair.reconciliation.options)
    return (get_adapter(pair.storefront.system, pair.storefront.conn_id, options=options),
            get_adapter(pair.erp.system, pair.erp.conn_id, options=options))


def reconcile_day(pair: PairConfig, day: date, *, store, storefront=None, erp=None, dag_id: str | None = None,
                  run_id: str | None = None) -> dict[str, Any]:
    """Reconcile one UTC day and store its lines; returns the run's counts (small: fit for XCom)."""
    config = pair.reconciliation
    if config is None:
        raise ValueError(f"pair {pair.name} has no 'reconciliation:' section")
    settings = settings_for(pair)
    start, end = day_bounds(day)
    carried_rows = store.pending_reconciliation_lines(pair.name, before=day,
                                                      since=day - timedelta(days=config.pending_lookback_days))
    carried = [Carried(line.kind, line.store_key, line.pending_since or row["day"], line.store_order_id)
               for row in carried_rows for line in [Line.from_row(row)] if line.store_key]
    owned = storefront is None and erp is None
    if owned:
        storefront, erp = open_adapters(pair)
    try:
        storefront_day = [doc for kind in KINDS for doc in storefront.reconcile(kind, start, end)]
        erp_day = [doc for kind in KINDS for doc in erp.reconcile(kind, start, end)]
        storefront_other, erp_other = _fetch_lookups(storefront, erp, storefront_day, erp_day, carried)
    finally:
        if owned:
            for adapter in (storefront, erp):
                close = getattr(adapter, "close", None)
                if close is not None:
                    close()
    result = match(day, storefront_day=storefront_day, erp_day=erp_day, storefront_other=storefront_other,
                   erp_other=erp_other, carried=carried, settings=settings)
    lines = number_lines(explain_with_dlq(result.lines, store, pair.name))
    by_status = {code: sum(1 for line in lines if line.status == code) for code in CATEGORIES}
    counts = {
        "day": day.isoformat(),
        "lines": len(lines),
        "exceptions": sum(1 for line in lines if line.status != MATCHED),
        "by_status": by_status,
        "storefront_documents": {kind: sum(1 for d in storefront_day if d.kind == kind) for kind in KINDS},
        "erp_documents": {kind: sum(1 for d in erp_day if d.kind == kind) for kind in KINDS},
        "erp_documents_not_of_the_pair": {kind: sum(1 for d in result.out_of_scope if d.kind == kind) for kind in KINDS},
        "carried_pending": len(carried),
    }
    store.replace_reconciliation(pair.name, day, [line.as_row() for line in lines], run={
        "dag_id": dag_id, "run_id": run_id, "lines": counts["lines"], "exceptions": counts["exceptions"],
        "counts": counts, "files": None})
    log.info("%s %s: %d lines, %d exceptions: %s", pair.name, day, counts["lines"], counts["exceptions"],
             {k: v for k, v in by_status.items() if v})
    return counts


def _fetch_lookups(storefront, erp, storefront_day, erp_day, carried):
    storefront_other: list = []
    erp_other: list = []
    asked = Lookups()
    for _ in range(MAX_LOOKUP_ROUNDS):
        needed = lookups_needed([*storefront_day, *storefront_other], [*erp_day, *erp_other], carried).minus(asked)
        if not needed:
            break
        for kind in KINDS:
            ids = sorted(needed.storefront.get(kind, ()))
            if ids:
                storefront_other += storefront.reconcile_by_ref(kind, ids)
            refs = sorted(needed.erp.get(kind, ()))
            if refs:
                erp_other += erp.reconcile_by_ref(kind, refs)
        asked = asked.plus(needed)
    return storefront_other, erp_other


def explain_with_dlq(lines: list[Line], store, pair: str) -> list[Line]:
    """Lines about a storefront record the sync holds in its dead-letter queue, with no ERP document, are
    **not posted**: the DLQ item's reason is added, and the storefront amount counts in the difference (the
    ERP side is nothing), so unposted sales stay in the day's totals."""
    from storesync.dlq_service import ATTENTION_STATES

    wanted = {line.line_key for line in lines if line.status in EXPLAINED_BY_DLQ and line.erp_document_id is None
              and line.store_document_id}
    if not wanted:
        return lines
    items = {}
    for item in sorted(store.list_dlq(pair=pair, state=ATTENTION_STATES), key=lambda i: i["id"]):
        items.setdefault((item["flow"], item["record_key"]), item)
    explained = []
    for line in lines:
        item = items.get((KIND_FLOWS[line.kind], line.store_document_id)) if line.line_key in wanted else None
        if item is not None:
            text = " ".join(str(item["reason"]).split())
            text = text if len(text) <= _DLQ_REASON_CHARS else text[:_DLQ_REASON_CHARS - 1] + "…"
            how = "held" if item["state"] == "held" else "rejected"
            note = f"the {item['flow']} flow {how} it (dead-letter queue item {item['id']}, {item['state']}): {text}"
            if line.status == PAYMENT_WITHOUT_ORDER:
                # Money without an order stays that: the more telling category; the DLQ only explains it.
                line = replace(line, reason=f"{line.reason}; {note}")
            else:
                line = replace(line, status=NOT_POSTED, difference=getattr(line, KIND_MONEY[line.kind][0]),
                               reason=f"{line.reason}; not posted: {note}")
        explained.append(line)
    return explained


def output_root(pair: PairConfig) -> str:
    """The configured folder (relative paths are under the project) or object-storage URL."""
    text = pair.reconciliation.output_dir
    if "://" in text or Path(text).is_absolute():
        return text
    return str(PROJECT_ROOT / text)


def publish_day(pair: PairConfig, day: date, *, store) -> dict[str, Any]:
    """Write the day's CSV and XLSX from the stored lines; returns their locations and the key figures."""
    from storesync.reconciliation.outputs import write_files

    if store.reconciliation_run(pair.name, day) is None:
        raise ValueError(f"{pair.name} {day}: the day has not been reconciled yet; run the reconcile task first")
    lines = [Line.from_row(row) for row in store.reconciliation_lines(pair.name, day)]
    summary = summarise(pair.name, day, lines)
    files = write_files(output_root(pair), pair.name, day, lines, summary)
    store.mark_reconciliation_published(pair.name, day, files)
    return {"files": files, "lines": summary.lines, "exceptions": summary.exceptions,
            "matched_share": str(summary.matched_share) if summary.matched_share is not None else None,
            "by_status": {code: n for code, n in summary.by_category if n}}
