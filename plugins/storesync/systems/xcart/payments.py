"""X-Cart payment transactions: which of them the payments flow and the refunds flow carry.

Both flows read the same X-Cart entity, ``payment-transaction`` (``ENTITY_PATHS`` in :mod:`.xcart`), and
every transaction is extracted by both. Filtering belongs right after extraction, not in the request (no
record may vanish unaccounted) and not in the loader (a capture must never be mapped as a refund): the
adapter's ``out_of_scope`` hook (registry ``OUT_OF_SCOPE`` in :mod:`.xcart`) gives the reason a staged
transaction is not the flow's, and the extract step records it as ``skipped`` with that reason before any
gate, mapping or DLQ of the flow sees it. So every extracted record ends with an outcome, and a broken
transaction is quarantined by exactly one flow (the one that owns its type).

Transaction codes (X-Cart 5, ``XLite\\Model\\Payment\\Transaction``): ``type`` sale, auth, capture,
refund, void; ``status`` I initialized, P in progress, W waiting (pending), S success, F failed (a
declined attempt: X-Cart has no separate "declined" code), C canceled, V void.

Payments flow (entity ``payment``):

- refunds → skipped, the refunds flow turns them into credit memos (the payment itself stays posted);
- successful sales and captures → carried: they become ERP customer payments;
- successful auths → skipped "authorized, not captured" (no money moved; the capture is posted later);
- failed (F), canceled (C) and voided (V) transactions and voids of an authorization → skipped, never an
  ERP transaction, and alerted (``declined_payment``, one grouped alert per run);
- pending (I, P, W) → skipped; a transaction that later succeeds gets a new ``updateDate`` and is
  extracted again by the run whose window holds it.

Refunds flow (entity ``refund``): successful refunds are carried; any other type is skipped (the payments
flow owns it); failed, canceled or voided refunds are skipped (no credit memo; nothing was paid back) and
pending refunds are skipped until they succeed.

A transaction whose type or status is missing or not an X-Cart code is never triaged away by the flow
that owns it (the payments flow owns every type that is not ``refund``): its raw gate quarantines it with
the failed expectation. Records that are not objects are left to the gate too.
"""

from __future__ import annotations

from typing import Any

from storesync.adapters.skips import AlertingSkip

TYPES = ("sale", "auth", "capture", "refund", "void")
STATUSES = ("I", "P", "W", "S", "F", "C", "V")
PENDING = {"I": "initialized", "P": "in progress", "W": "waiting"}
UNSUCCESSFUL = {"F": "declined at the gateway", "C": "canceled at the gateway", "V": "voided"}
DECLINED_ALERT = "declined_payment"


def describe(record: dict[str, Any]) -> str:
    """``capture of 12.30 USD (Credit Card) for order 45``, from the fields that are there."""
    parts = [str(record.get("type") or "transaction")]
    if record.get("value") is not None:
        parts.append(f"of {record.get('value')} {record.get('currency') or ''}".rstrip())
    if record.get("method"):
        parts.append(f"({record['method']})")
    parts.append(f"for order {record.get('orderId')}")
    return " ".join(parts)


def payment_out_of_scope(record: Any, options: dict[str, Any]) -> str | None:
    """Why the payments flow does not post this transaction (declined ones also alert), or None."""
    if not isinstance(record, dict):
        return None
    kind, status = record.get("type"), record.get("status")
    what = f"payment {record.get('transactionId')}: {describe(record)}"
    if kind == "refund":
        return f"{what}: a refund; the refunds flow turns it into a credit memo (the payment stays posted)"
    if kind not in TYPES or status not in STATUSES:
        return None  # unknown code: the raw gate quarantines it
    if status in UNSUCCESSFUL:
        return AlertingSkip(f"{what}: {UNSUCCESSFUL[status]} (status {status}); never posted to the ERP",
                            DECLINED_ALERT)
    if status in PENDING:
        return f"{what}: pending at the gateway ({PENDING[status]}, status {status}); posted once it succeeds"
    if kind == "auth":
        return f"{what}: authorized, not captured; no money moved yet (the capture is posted)"
    if kind == "void":
        return AlertingSkip(f"{what}: authorization voided; no money moved, never posted to the ERP", DECLINED_ALERT)
    return None  # a successful sale or capture: a customer payment


def refund_out_of_scope(record: Any, options: dict[str, Any]) -> str | None:
    """Why the refunds flow makes no credit memo of this transaction, or None."""
    if not isinstance(record, dict):
        return None
    kind, status = record.get("type"), record.get("status")
    if kind != "refund":
        return f"transaction {record.get('transactionId')}: {describe(record)}: not a refund; the payments flow handles it"
    if status not in STATUSES or status == "S":
        return None  # a successful refund is carried; an unknown status is for the raw gate
    what = f"refund {record.get('transactionId')}: {describe(record)}"
    if status in UNSUCCESSFUL:
        return f"{what}: {UNSUCCESSFUL[status]} (status {status}); nothing was paid back, no credit memo"
    return (f"{what}: pending at the gateway ({PENDING[status]}, status {status}); the credit memo follows once it "
            "succeeds")
