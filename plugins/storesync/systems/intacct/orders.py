"""Web orders → Intacct sales orders, looked up by storefront reference before anything is created.

A function over :class:`IntacctClient` (no flow, no mapping spec yet: issue 16 item 4 builds those). Per batch:

1. **Look-up first.** One ``query`` on ``SODOCUMENT`` (``docparid`` Sales Order) with ``PONUMBER in (…)`` finds
   the orders an earlier run already posted; they come back ``existing`` with their DOCID, and nothing is sent
   for them. A query is one metered transaction per page, however many references it carries, so the
   look-up costs a fraction of a transaction per order.
2. **Create the rest** with ``create_sotransaction`` (intacct-sdk-php ``OrderEntryTransactionCreate.php`` and
   ``OrderEntryTransactionLineCreate.php``, whose element order the gateway enforces), the storefront
   reference in ``referenceno`` (read back as ``SODOCUMENT.PONUMBER``), Intacct numbering the document. Each
   create's control ID derives from the reference and goes with ``uniqueid`` true (``client.create_once``):
   a resend after a lost answer is refused and looked up, never posted twice.
3. **Per-order outcomes.** A refused order (an unknown item, a customer on hold) is ``failed`` with Intacct's
   errorno, description2 and correction for the DLQ; the other orders of the request still go in. An order
   whose text XML cannot carry is ``failed`` before anything is sent, naming the canonical field.

Not yet decided here (the mapping's job): how shipping, tax and discounts are carried (Intacct ``subtotals`` or
charge items), the customer ID of a storefront buyer, warehouses per line, the shipping method's Intacct name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from storesync.canonical import Order
from storesync.hooks.errors import PermanentRecordError
from storesync.systems.intacct import functions as fn
from storesync.systems.intacct.client import IntacctClient
from storesync.systems.intacct.wire import ErrorDetail, check_text

SALES_ORDER = "Sales Order"
#: References per look-up query: the ``in`` list stays short enough to read, the page (≤ 2000 rows) never fills.
LOOKUP_CHUNK = 200


@dataclass(frozen=True)
class SalesOrderSettings:
    """Pair options for sales orders. ``reference_prefix`` is the storefront's reference scheme: X-Cart order 17
    is ``XC-17``, so two storefronts feeding one company never share a reference."""

    reference_prefix: str = "XC-"
    transaction_type: str = SALES_ORDER
    warehouse_id: str | None = "MAIN"
    state: str = "Pending"

    def reference(self, order: Order) -> str:
        return f"{self.reference_prefix}{order.source_id}"


@dataclass(frozen=True)
class SalesOrderOutcome:
    """``status``: ``existing`` (found before create), ``created``, ``already_posted`` (an earlier attempt made it),
    ``failed`` (DLQ: ``reason`` and ``errors``), ``aborted`` (not run: send again)."""

    reference: str
    status: str
    docid: str | None = None
    reason: str | None = None
    errors: tuple[ErrorDetail, ...] = ()

    @property
    def posted(self) -> bool:
        return self.status in ("existing", "created", "already_posted")


def existing_sales_orders(client: IntacctClient, references: Sequence[str], *,
                          transaction_type: str = SALES_ORDER) -> dict[str, dict[str, Any]]:
    """Sales orders carrying these storefront references (``PONUMBER``), by reference."""
    found: dict[str, dict[str, Any]] = {}
    unique = list(dict.fromkeys(references))
    for start in range(0, len(unique), LOOKUP_CHUNK):
        chunk = unique[start:start + LOOKUP_CHUNK]
        paginator = fn.QueryPaginator("SODOCUMENT", ["RECORDNO", "DOCID", "PONUMBER", "STATE"],
                                      where=fn.is_in("PONUMBER", chunk), docparid=transaction_type)
        for row in client.iter_rows(paginator):
            found.setdefault(row["PONUMBER"], row)
    return found


def sales_order_function(order: Order, *, customer_id: str, settings: SalesOrderSettings) -> fn.Function:
    """``create_sotransaction`` for one canonical order, fields in the SDK writer's (the DTD's) order.

    Raises :class:`PermanentRecordError` naming the order and the canonical field when a value cannot be sent.
    """
    reference = settings.reference(order)
    _check_order_text(order, reference, customer_id)
    if not order.lines:
        raise PermanentRecordError(f"order {reference}: lines is empty; Intacct needs at least one line",
                                   record_key=reference, field="lines")
    day = order.order_date
    lines = [{"itemid": line.sku, "itemdesc": line.description or None, "warehouseid": settings.warehouse_id,
              "quantity": line.quantity, "price": line.unit_price} for line in order.lines]
    return fn.legacy("create_sotransaction", {
        "transactiontype": settings.transaction_type,
        "datecreated": {"year": day.year, "month": f"{day.month:02d}", "day": f"{day.day:02d}"},
        "customerid": customer_id,
        "referenceno": reference,
        "currency": order.currency,
        "state": settings.state,
        "sotransitems": {"sotransitem": lines},
    }, controlid=fn.stable_controlid("sales-order", reference), reference=reference)


def load_sales_orders(client: IntacctClient, orders: Sequence[Order], *, customer_id: Callable[[Order], str],
                      settings: SalesOrderSettings = SalesOrderSettings()) -> list[SalesOrderOutcome]:
    """Post ``orders`` not yet in Intacct; one outcome per order, in order."""
    references = [settings.reference(order) for order in orders]
    repeated = {ref for ref in references if references.count(ref) > 1}
    if repeated:
        raise ValueError(f"the batch holds these references more than once: {sorted(repeated)}")
    existing = existing_sales_orders(client, references, transaction_type=settings.transaction_type)
    outcomes: dict[str, SalesOrderOutcome] = {}
    creates: list[fn.KeyedCreate] = []
    for order, reference in zip(orders, references):
        if reference in existing:
            outcomes[reference] = SalesOrderOutcome(reference, "existing", existing[reference].get("DOCID"))
            continue
        try:
            function = sales_order_function(order, customer_id=customer_id(order), settings=settings)
        except PermanentRecordError as refused:
            outcomes[reference] = SalesOrderOutcome(reference, "failed", reason=str(refused))
            continue
        creates.append(fn.KeyedCreate(function, fn.Lookup(
            "SODOCUMENT", "PONUMBER", reference, select=("DOCID", "RECORDNO"), docparid=settings.transaction_type)))
    for created in client.create_once(creates):
        reason = None
        if created.status == "failed":
            reason = "; ".join(_dlq_text(error) for error in created.errors) or "refused by Intacct"
        outcomes[created.reference] = SalesOrderOutcome(created.reference, created.status, created.key, reason,
                                                        created.errors)
    return [outcomes[reference] for reference in references]


def _dlq_text(error: ErrorDetail) -> str:
    return " ".join(part for part in (error.errorno, error.description2 or error.description, error.correction)
                    if part)


def _check_order_text(order: Order, reference: str, customer_id: str) -> None:
    # Canonical field names, so the DLQ tells a person which storefront value to fix.
    check_text(customer_id, record=reference, field_path="customer (Intacct customer ID)")
    check_text(order.source_id, record=reference, field_path="source_id")
    for index, line in enumerate(order.lines):
        check_text(line.sku, record=reference, field_path=f"lines[{index}].sku")
        check_text(line.description, record=reference, field_path=f"lines[{index}].description")
