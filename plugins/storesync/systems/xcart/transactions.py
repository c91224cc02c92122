"""X-Cart payment transactions and backend transactions, read as the REST API module really serves them.

X-Cart 5 keeps a payment in two entities (``classes/XLite/Model/Payment/Transaction.php`` and
``.../BackendTransaction.php`` in X-Cart 5's source, e.g. ``glennmanning1/mostad-xcart``):

- ``payment-transaction``: the payment the buyer made at checkout, ``type`` sale or auth, ``status``
  I/P/W/S/F/C/V, ``value``, ``date``, ``method_name``/``method_local_name``; its order, currency and
  backend transactions are associations, served on a single-record GET only (a list converts without
  associations: ``Core/Schema/ASchema.php::convertModelForGetAll``). There is no complex schema for it
  (404 with ``_schema=complex``).
- ``payment-backendtransaction``: what the shop did afterwards to that payment, ``type`` capture,
  capturePart, captureMulti, void, voidPart, voidMulti, refund, refundPart, refundMulti (…), ``status``
  I/P/S/W/F; its ``payment_transaction`` is served on a single-record GET only. Its repository has no
  search at all (``Model/Repo/Payment/BackendTransaction.php`` is an empty class), so it is read whole,
  without ``_cnd`` (any condition would call a method that does not exist).

Neither entity has a "changed since" condition (the transaction repository's ``date`` takes a date-range
text, not a timestamp). The readers here therefore read by creation date with a look-back (see
docs/xcart.md, "Incremental extraction"): payment transactions newest first, stopping at the first page
wholly older than the window; backend transactions from the one whole list, filtered by their ``date``.

The flows' raw record is assembled from those entities (the connector's own shape, documented in
docs/xcart.md): ``transactionId`` (the payment transaction's id, or ``b<id>`` for a backend transaction),
``orderId`` (the order's ``order_id``), ``type`` (sale, auth, capture, refund or void: X-Cart's backend
type without its Part/Multi suffix, which stays in ``xcartType``), ``status``, ``value``, ``currency``
(the currency's ``code``), ``method`` (``method_local_name``, else ``method_name``),
``gatewayTransactionId`` (the first ``data`` cell named in ``gateway_id_cells``), ``date`` (unix seconds)
and, for a backend transaction, ``parentTransactionId``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

PAYMENT_ENTITY = "payment-transaction"
BACKEND_ENTITY = "payment-backendtransaction"
BACKEND_PREFIX = "b"
BACKEND_KINDS = {"capture": "capture", "capturePart": "capture", "captureMulti": "capture",
                 "void": "void", "voidPart": "void", "voidMulti": "void",
                 "refund": "refund", "refundPart": "refund", "refundMulti": "refund"}
# Gateway references are TransactionData / BackendTransactionData cells named by each payment module:
# "xpc_txnid" is X-Payments Connector's (CDev/XPaymentsConnector in X-Cart 5's source); the others are
# unverified names a store may configure (X-Cart adapter option ``gateway_id_cells``).
DEFAULT_GATEWAY_ID_CELLS = ("xpc_txnid", "TRANSACTIONID")
NEWEST_FIRST = {"_cnd[orderBy][0]": "t.transaction_id", "_cnd[orderBy][1]": "DESC"}


def _date(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def gateway_id(full: dict[str, Any], cells: Iterable[str] = DEFAULT_GATEWAY_ID_CELLS) -> Any:
    """The value of the first data cell whose name is one of ``cells`` (None when there is none)."""
    rows = [row for row in full.get("data") or [] if isinstance(row, dict)]
    for name in cells:
        for row in rows:
            if row.get("name") == name and row.get("value"):
                return row["value"]
    return None


def compose_payment(full: dict[str, Any], cells: Iterable[str] = DEFAULT_GATEWAY_ID_CELLS) -> dict[str, Any]:
    """The flows' record of a payment transaction (a single-record GET, with its associations)."""
    order = full.get("order") if isinstance(full.get("order"), dict) else {}
    currency = full.get("currency") if isinstance(full.get("currency"), dict) else {}
    return {
        "transactionId": full.get("transaction_id"),
        "orderId": order.get("order_id"),
        "type": full.get("type"),
        "xcartType": full.get("type"),
        "status": full.get("status"),
        "value": full.get("value"),
        "currency": currency.get("code"),
        "method": full.get("method_local_name") or full.get("method_name"),
        "gatewayTransactionId": gateway_id(full, cells),
        "date": full.get("date"),
    }


def compose_backend(backend: dict[str, Any], parent: dict[str, Any] | None,
                    cells: Iterable[str] = DEFAULT_GATEWAY_ID_CELLS) -> dict[str, Any]:
    """The flows' record of a backend transaction, with what it inherits from its payment transaction."""
    base = compose_payment(parent, cells) if parent else {}
    return {
        "transactionId": f"{BACKEND_PREFIX}{backend.get('id')}",
        "orderId": base.get("orderId"),
        "parentTransactionId": base.get("transactionId"),
        "type": BACKEND_KINDS.get(backend.get("type"), backend.get("type")),
        "xcartType": backend.get("type"),
        "status": backend.get("status"),
        "value": backend.get("value"),
        "currency": base.get("currency"),
        "method": base.get("method"),
        "gatewayTransactionId": gateway_id(backend, cells),
        "date": backend.get("date"),
    }


class TransactionReader:
    """Reads and composes transactions for one task; parents are fetched once each."""

    def __init__(self, client, gateway_id_cells: Iterable[str] = DEFAULT_GATEWAY_ID_CELLS) -> None:
        self.client = client
        self.cells = tuple(gateway_id_cells)
        self._payments: dict[str, dict | None] = {}
        self.requests = 0

    def payment(self, transaction_id: Any) -> dict | None:
        key = str(transaction_id)
        if key not in self._payments:
            self.requests += 1
            self._payments[key] = self.client.find(PAYMENT_ENTITY, key, schema=None)
        return self._payments[key]

    def backend(self, backend_id: Any) -> dict | None:
        self.requests += 1
        return self.client.find(BACKEND_ENTITY, str(backend_id), schema=None)

    def payments_between(self, start: int, end: int) -> Iterator[dict]:
        """Payment transactions dated in [start, end): newest first, until a whole page predates ``start``."""
        page_size = self.client.page_size
        older_in_a_row = 0
        for row in self.client.iter_records(PAYMENT_ENTITY, conditions=NEWEST_FIRST, schema=None,
                                            key_field="transaction_id"):
            date = _date(row.get("date")) if isinstance(row, dict) else None
            if date is not None and date < start:
                older_in_a_row += 1
                if older_in_a_row >= page_size:
                    break  # ids ascend with time: a page of older rows means the rest are older still
                continue
            older_in_a_row = 0
            if date is not None and date >= end:
                continue
            full = self.payment(row.get("transaction_id")) if isinstance(row, dict) else None
            yield compose_payment(full, self.cells) if full else {"transactionId": row.get("transaction_id") if isinstance(
                row, dict) else None, "date": date, "problem": "the payment transaction could not be read"}

    def backends_between(self, start: int, end: int, kinds: Iterable[str]) -> Iterator[dict]:
        """Backend transactions of these kinds dated in [start, end), each with its payment transaction."""
        wanted = set(kinds)
        rows, _ = self.client.request("GET", BACKEND_ENTITY, schema=None)
        self.requests += 1
        for row in rows if isinstance(rows, list) else []:
            if not isinstance(row, dict) or BACKEND_KINDS.get(row.get("type"), row.get("type")) not in wanted:
                continue
            date = _date(row.get("date"))
            if date is None or not start <= date < end:
                continue
            yield self.compose_backend_by_id(row.get("id"), row)

    def compose_backend_by_id(self, backend_id: Any, row: dict | None = None) -> dict | None:
        full = self.backend(backend_id)
        if full is None:
            return None
        parent_ref = full.get("payment_transaction") if isinstance(full.get("payment_transaction"), dict) else {}
        parent = self.payment(parent_ref.get("transaction_id")) if parent_ref.get("transaction_id") else None
        return compose_backend(full, parent, self.cells)

    def by_key(self, key: str) -> dict | None:
        """The composed record of a flow key: ``<transaction_id>`` or ``b<backend id>``."""
        key = str(key)
        if key.startswith(BACKEND_PREFIX) and key[1:].isdigit():
            return self.compose_backend_by_id(key[1:])
        if key.isdigit():
            full = self.payment(key)
            return compose_payment(full, self.cells) if full else None
        return None

    def of_order(self, order_number: Any) -> list[dict]:
        """Every transaction of an order (``_cnd[order]`` is the order *number* in X-Cart's repository),
        the payment transactions and their backend transactions."""
        records = []
        for row in self.client.iter_records(PAYMENT_ENTITY, conditions={"_cnd[order]": str(order_number)},
                                            schema=None, key_field="transaction_id"):
            full = self.payment(row.get("transaction_id")) if isinstance(row, dict) else None
            if not full:
                continue
            records.append(compose_payment(full, self.cells))
            for backend in full.get("backend_transactions") or []:
                if isinstance(backend, dict):
                    records.append(compose_backend(backend, full, self.cells))
        return records
