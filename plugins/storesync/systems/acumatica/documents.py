"""Creating storefront documents in Acumatica, once: what the orders, payments and refunds loaders share.

- **Found by reference.** Every document we create carries the storefront reference (``CustomerOrder`` on
  sales orders and credit memos, ``PaymentRef`` on payments); :func:`sales_orders_by_reference` and the
  payments loader look it up with ``$filter`` (a few references per request) before any create.
- **Created once.** A create is a ``PUT`` without the auto-numbered key, so every copy that reaches Acumatica
  makes a new document. :func:`create_once` therefore never lets the client re-send it blindly after a
  timeout or a dropped answer (the first copy may have been saved): before each new attempt it looks the
  reference up, and a document found stands (skipped, cross-referenced). A refusal is checked the same way:
  an order type that refuses a second customer order number refuses our own earlier copy's twin.
- **Bodies.** The mapped record without the loader's ``_`` fields and without nulls (a ``PUT`` never clears a
  field by leaving it out), numeric fields as ``Decimal`` (the sync store keeps money as text).
- **Refusals.** A 422 names the refused Acumatica fields; the DLQ reason names the storefront field behind
  each (``items[1].sku (Details[1].InventoryID)``) through the loader's table.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from storesync.systems.acumatica.reads import any_of, chunks
from storesync.adapters.base import LoadOutcome
from storesync.adapters.documents import ErpDocument, ErpOrder, already_there, created, refused
from storesync.systems.acumatica.wire import odata_string
from storesync.hooks.errors import PermanentRecordError
from storesync.hooks.retry import RetryPolicy

ERP = "Acumatica"
SALES_ORDER_TYPE = "SO"
CREDIT_MEMO_TYPE = "CM"
# References (or e-mails, SKUs) per $filter: "a eq 'x' or a eq 'y' …" keeps the request line short.
FILTER_CHUNK = 20
# The tax a sales order's storefront tax is booked on when the pair names none (pair option ``tax_id``): it
# must be a Tax ID of the tenant, and the sandbox's customers' tax zone has it.
DEFAULT_TAX_ID = "WEBTAX"
# Numeric fields of a SalesOrder body (orders and credit memos).
SALES_ORDER_NUMBERS = ("OrderTotal", "TaxTotal", "Totals.Freight", "Details[].OrderQty", "Details[].UnitPrice",
                       "Details[].DiscountAmount", "Details[].ExtendedPrice")


# -- what Acumatica has --------------------------------------------------------------------------------------

def sales_orders_by_reference(client, order_type: str, references: Iterable[str]) -> dict[str, dict[str, Any]]:
    """``CustomerOrder`` -> the sales order (OrderType, OrderNbr, CustomerID, CurrencyID) of that type."""
    found: dict[str, dict[str, Any]] = {}
    wanted = sorted({str(ref) for ref in references if ref})
    for chunk in chunks(wanted, FILTER_CHUNK):
        # The order type is compared here, not in the filter: one "or" list keeps the filter flat.
        rows = client.list("SalesOrder", filter=any_of("CustomerOrder", chunk, odata_string),
                           select=("OrderType", "OrderNbr", "CustomerOrder", "CustomerID", "CurrencyID"))
        for row in sorted(rows, key=lambda r: str(r.get("OrderNbr") or "")):
            ref = str(row.get("CustomerOrder") or "").strip()
            if ref in chunk and str(row.get("OrderType") or "").strip() == order_type:
                found.setdefault(ref, row)
    return found


def existing_sales_orders(client, order_type: str, references: Iterable[str]) -> dict[str, ErpDocument]:
    """Sales orders of ``order_type`` we created, by their storefront reference (``CustomerOrder``)."""
    return {ref: sales_order_document(row)
            for ref, row in sales_orders_by_reference(client, order_type, references).items()}


def web_orders(client, references: Iterable[str]) -> dict[str, ErpOrder]:
    """The web orders' sales orders (type SO) by storefront reference, as payments and credit memos need them."""
    return {ref: ErpOrder(number=str(row["OrderNbr"]).strip(),
                          currency=str(row.get("CurrencyID") or "").strip().upper(),
                          customer_id=str(row.get("CustomerID") or "").strip(), order_type=SALES_ORDER_TYPE)
            for ref, row in sales_orders_by_reference(client, SALES_ORDER_TYPE, references).items()}


def sales_order_document(row: dict[str, Any]) -> ErpDocument:
    number = str(row["OrderNbr"]).strip()
    order_type = str(row.get("OrderType") or "").strip()
    return ErpDocument(number=number, target_id=number, target_ref=f"{order_type} {number}")


# -- creating ------------------------------------------------------------------------------------------------

@contextmanager
def single_attempt(client) -> Iterator[None]:
    """The client's retry policy for one call without transient retries (rate-limit waits stay: a 429 is
    answered before anything is saved)."""
    policy = getattr(client, "retry", None)
    if policy is None:
        yield
        return
    client.retry = dataclasses.replace(policy, max_attempts=1)
    try:
        yield
    finally:
        client.retry = policy


def create_once(client, key: str, entity: str, body: dict[str, Any], *, find: Callable[[], ErpDocument | None],
                describe: Callable[[dict[str, Any]], ErpDocument], label: str, document: str,
                source_fields: dict[str, str]) -> LoadOutcome:
    """``PUT`` a new document unless ``find()`` shows an earlier copy arrived; one outcome (see the module doc).

    Transient failures are retried by the client's policy, each new attempt looking the reference up first;
    when the attempts run out the error goes up (Airflow retries the task; the lookup protects that too).
    """
    attempts = 0

    def attempt() -> LoadOutcome:
        nonlocal attempts
        attempts += 1
        if attempts > 1:
            twin = find()
            if twin is not None:
                return already_there(key, ERP, document, twin)
        with single_attempt(client):
            return created(key, ERP, document, describe(client.put(entity, body)))

    policy = getattr(client, "retry", None) or RetryPolicy(max_attempts=1)
    try:
        return policy.call(attempt, what=f"Acumatica create {entity} for {label} {key}")
    except PermanentRecordError as exc:
        twin = find()
        if twin is not None:
            return already_there(key, ERP, document, twin)
        return refusal(key, label, document, exc, source_fields)


def put_sales_order(client, key: str, record: dict[str, Any], *, label: str, document: str,
                    source_fields: dict[str, str], extra: dict[str, Any] | None = None,
                    tax_id: str = DEFAULT_TAX_ID) -> LoadOutcome:
    """Create the sales order (or credit memo) ``record`` maps to, once, with the storefront's tax and freight
    kept (:func:`kept_totals`; the tax booked on ``tax_id``)."""
    body = kept_totals(request_body(record, SALES_ORDER_NUMBERS, extra), tax_id)
    order_type, reference = body["OrderType"], body["CustomerOrder"]
    return create_once(client, key, "SalesOrder", body, describe=sales_order_document, label=label,
                       document=document, source_fields=source_fields,
                       find=lambda: existing_sales_orders(client, order_type, [reference]).get(reference))


def kept_totals(body: dict[str, Any], tax_id: str) -> dict[str, Any]:
    """The body with the storefront's tax and freight as overrides Acumatica keeps.

    Acumatica computes a sales order's tax from its tax zone and its freight from the ship via unless told not
    to; ``TaxTotal`` and ``OrderTotal`` are its own sums (read-only: a value sent is ignored). So the body says
    ``DisableAutomaticTaxCalculation`` ("taxes are already calculated", SalesOrder.cs) with one ``TaxDetails``
    line (TaxID = the pair's ``tax_id``, TaxableAmount = the lines' net, TaxAmount = the storefront's tax; none
    when there is no tax), and ``Totals.OverrideFreightAmount`` ("the system will preserve the manually
    entered Freight Price", Totals.cs) with ``Totals.Freight``. Field names: Default/24.200.001 models,
    Acumatica/AcumaticaRESTAPIClientForCSharp. Credit memos go the same way (no tax, no freight: nothing added).
    """
    body = dict(body)
    tax = body.pop("TaxTotal", None)
    body.pop("OrderTotal", None)
    tax = Decimal(str(tax)) if tax not in (None, "") else Decimal(0)
    body["DisableAutomaticTaxCalculation"] = True
    if tax:
        taxable = sum((Decimal(str(line.get("ExtendedPrice") or 0)) for line in body.get("Details") or []),
                      Decimal(0))
        body["TaxDetails"] = [{"TaxID": tax_id, "TaxableAmount": taxable, "TaxAmount": tax}]
    totals = dict(body.get("Totals") or {})
    totals["Freight"] = Decimal(str(totals.get("Freight") or 0))
    totals["OverrideFreightAmount"] = True
    body["Totals"] = totals
    return body


# -- refusals --------------------------------------------------------------------------------------------------

def refusal(key: str, label: str, document: str, exc: PermanentRecordError,
            source_fields: dict[str, str]) -> LoadOutcome:
    """A refusal as a DLQ outcome; a 422 (``AcumaticaValidationError``) names each refused Acumatica field with
    the storefront field behind it."""
    fields = [describe_field(path, source_fields) for path in getattr(exc, "field_errors", None) or {}]
    return refused(key, label, ERP, document, field_problems(exc), fields)


def field_problems(exc: PermanentRecordError) -> list[str]:
    """``path: message`` per refused field; the refusal's own message only when it names no field (then the
    record's error is all there is; beside field errors it only says "… raised at least one error")."""
    field_errors = getattr(exc, "field_errors", None) or {}
    return ([f"{path}: {message}" for path, message in field_errors.items()]
            or [str(getattr(exc, "record_error", None) or exc)])


_INDEX = re.compile(r"\[(\d+)\]")


def describe_field(path: str, source_fields: dict[str, str]) -> str:
    """``Details[1].InventoryID`` -> ``items[1].sku (Details[1].InventoryID)``: what to fix, and where it landed."""
    indexes = _INDEX.findall(path)
    source = source_fields.get(_INDEX.sub("[]", path))
    if source is None:
        return path
    for index in indexes:
        source = source.replace("[]", f"[{index}]", 1)
    return f"{source} ({path})"


# -- request bodies ----------------------------------------------------------------------------------------

def request_body(record: dict[str, Any], numbers: Sequence[str], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """What is sent: the mapped record without the loader's "_" fields and without nulls, numeric fields as
    ``Decimal``, plus what the loader adds (``extra``)."""
    body = without_nulls({**{k: v for k, v in record.items() if not str(k).startswith("_")}, **(extra or {})})
    for path in numbers:
        _as_decimal(body, path.split("."))
    return body


def without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(item) for item in value]
    return value


def _as_decimal(node: Any, parts: list[str]) -> None:
    if not parts or not isinstance(node, dict):
        return
    head, rest = parts[0], parts[1:]
    if head.endswith("[]"):
        for item in node.get(head[:-2]) or []:
            _as_decimal(item, rest)
    elif not rest:
        if node.get(head) is not None and not isinstance(node[head], Decimal):
            node[head] = Decimal(str(node[head]))
    else:
        _as_decimal(node.get(head), rest)
