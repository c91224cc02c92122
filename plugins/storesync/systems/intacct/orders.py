"""Web orders → Intacct sales orders, looked up by storefront reference before anything is created.

:func:`load_sales_orders` takes canonical orders; the flow's :func:`load_orders` takes mapped records (5.) and
follows the same steps. Per batch:

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
4. **Paid orders become invoices** (:func:`invoice_paid_orders`), as Intacct sites run Order Entry: the sales
   order is converted to a ``Sales Invoice`` (``create_sotransaction`` with ``createdfrom`` the order's DOCID
   and each line's ``sourcelinekey`` the order line's RECORDNO: PHP SDK ``OrderEntryTransactionCreateTest``
   for ``createdfrom``; ``sourcelinekey`` and its place after ``price`` are the emulator's unverified reading,
   docs/intacct.md "Conversion to an invoice"). Invoices are dated as their orders. Posting the
   invoice makes the AR invoice (``SODOCUMENT.PRRECORDKEY``) that the payment is applied to. The invoice
   carries the same reference (``referenceno``) and is looked up by it first, so it is made once.

5. **The orders flow** (:func:`prepare_orders`, :func:`load_orders`) works on records mapped by
   ``mappings/order_from_canonical.yaml``: the buyer's customer is matched by e-mail (else the pair's guest
   choice, :class:`storesync.adapters.documents.OrderPolicy`; ``guest_customers: create`` makes the customer
   once, keyed by its ID, before its order); orders with a SKU Intacct has no active item for are held;
   shipping is a line of the non-inventory item the spec names; an order carrying tax or a discount goes to
   the DLQ naming the field, because how a site carries them (Intacct ``subtotals`` or charge items) is
   not decided yet, and a sales order must never total other than the storefront's order.
6. **Entity.** A multi-entity company's documents post to the entity of the session (the connection's
   ``entity_id`` extra signs in at that location: LoginAuthentication.php ``locationid``) or, per pair, to
   the location every line names (pair option ``location_id`` → ``sotransitem/locationid``,
   OrderEntryTransactionLineCreate.php); invoices and credit memos follow the same option.

Not decided yet: how tax and discounts are carried (Intacct ``subtotals`` or charge items, per site).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from storesync.adapters.base import LoadOutcome
from storesync.adapters.documents import (
    OrderPolicy,
    assign_customers,
    buyer_emails,
    hold_unknown_skus,
    new_customer_refused,
)
from storesync.canonical import Order
from storesync.hooks.errors import PermanentRecordError
from storesync.systems.intacct import functions as fn
from storesync.systems.intacct.client import IntacctClient
from storesync.systems.intacct.loading import as_date, as_money, refused, rows_where_in
from storesync.systems.intacct.wire import ErrorDetail, check_text

SALES_ORDER = "Sales Order"
SALES_INVOICE = "Sales Invoice"
DOCUMENT_FIELDS = ["RECORDNO", "DOCID", "PONUMBER", "STATE", "CUSTVENDID", "CURRENCY", "TOTAL", "PRRECORDKEY"]
LINE_FIELDS = ["RECORDNO", "DOCHDRID", "LINE_NO", "ITEMID", "ITEMDESC", "WAREHOUSEID", "QUANTITY", "PRICE",
               "QTY_CONVERTED"]
#: References per look-up query: the ``in`` list stays short enough to read, the page (≤ 2000 rows) never fills.
LOOKUP_CHUNK = 200


@dataclass(frozen=True)
class SalesOrderSettings:
    """Pair options for sales orders. ``reference_prefix`` is the storefront's reference scheme: X-Cart order 17
    is ``XC-17``, so two storefronts feeding one company never share a reference."""

    reference_prefix: str = "XC-"
    transaction_type: str = SALES_ORDER
    invoice_type: str = SALES_INVOICE
    warehouse_id: str | None = "MAIN"
    state: str = "Pending"
    #: The entity (location) the documents' lines post to (pair option ``location_id``); None: the session's.
    location_id: str | None = None

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
    """Documents of ``transaction_type`` (sales orders by default) carrying these storefront references
    (``PONUMBER``), by reference: the first made wins."""
    found: dict[str, dict[str, Any]] = {}
    unique = list(dict.fromkeys(references))
    for start in range(0, len(unique), LOOKUP_CHUNK):
        chunk = unique[start:start + LOOKUP_CHUNK]
        paginator = fn.QueryPaginator("SODOCUMENT", DOCUMENT_FIELDS,
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
              "quantity": line.quantity, "price": line.unit_price, "locationid": settings.location_id}
             for line in order.lines]
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


# -- paid orders → invoices -------------------------------------------------------------------------------

def order_lines(client: IntacctClient, docids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """The lines of these documents (``SODOCUMENTENTRY`` by DOCHDRID), by document, in line order."""
    lines: dict[str, list[dict[str, Any]]] = {}
    unique = list(dict.fromkeys(docids))
    for start in range(0, len(unique), LOOKUP_CHUNK):
        paginator = fn.QueryPaginator("SODOCUMENTENTRY", LINE_FIELDS,
                                      where=fn.is_in("DOCHDRID", unique[start:start + LOOKUP_CHUNK]))
        for row in client.iter_rows(paginator):
            lines.setdefault(row["DOCHDRID"], []).append(row)
    for rows in lines.values():
        rows.sort(key=lambda row: int(row.get("LINE_NO") or 0))
    return lines


def invoice_function(order: dict[str, Any], lines: Sequence[dict[str, Any]], *, reference: str,
                     day, settings: SalesOrderSettings) -> fn.Function | None:
    """``create_sotransaction`` converting what is left of the sales order ``order`` into an invoice, or None
    when nothing is left to convert."""
    items = []
    for line in lines:
        left = Decimal(line["QUANTITY"] or 0) - Decimal(line.get("QTY_CONVERTED") or 0)
        if left > 0:
            items.append({"itemid": line["ITEMID"], "itemdesc": line.get("ITEMDESC") or None,
                          "warehouseid": line.get("WAREHOUSEID") or None, "quantity": left,
                          "price": Decimal(line["PRICE"]), "sourcelinekey": line["RECORDNO"],
                          "locationid": settings.location_id})
    if not items:
        return None
    return fn.legacy("create_sotransaction", {
        "transactiontype": settings.invoice_type,
        "datecreated": {"year": day.year, "month": f"{day.month:02d}", "day": f"{day.day:02d}"},
        "createdfrom": order["DOCID"],
        "customerid": order["CUSTVENDID"],
        "referenceno": reference,
        "currency": order.get("CURRENCY") or None,
        "sotransitems": {"sotransitem": items},
    }, controlid=fn.stable_controlid("sales-invoice", reference), reference=reference)


def invoice_paid_orders(client: IntacctClient, references: Sequence[str], *, day,
                        settings: SalesOrderSettings = SalesOrderSettings()) -> list[SalesOrderOutcome]:
    """Convert the sales orders of these (paid) storefront references into invoices; one outcome each.

    ``day`` dates every invoice, or maps each reference to its invoice's date (invoices are dated as their
    orders): a batch spanning several order dates still costs one look-up of each kind and one request.

    ``existing``: the invoice was there; ``created`` / ``already_posted``: made now (or by a lost attempt);
    ``failed``: Intacct refused it (DLQ) or there is no sales order to convert (``reason`` says which).
    """
    invoices = existing_sales_orders(client, references, transaction_type=settings.invoice_type)
    wanted = [ref for ref in dict.fromkeys(references) if ref not in invoices]
    orders = existing_sales_orders(client, wanted, transaction_type=settings.transaction_type) if wanted else {}
    lines = order_lines(client, [orders[ref]["DOCID"] for ref in wanted if ref in orders])
    outcomes: dict[str, SalesOrderOutcome] = {
        ref: SalesOrderOutcome(ref, "existing", invoice.get("DOCID")) for ref, invoice in invoices.items()}
    creates: list[fn.KeyedCreate] = []
    for reference in wanted:
        order = orders.get(reference)
        if order is None:
            outcomes[reference] = SalesOrderOutcome(reference, "failed", reason=f"no {settings.transaction_type} "
                                                    f"with reference {reference} in Intacct to invoice")
            continue
        function = invoice_function(order, lines.get(order["DOCID"], []), reference=reference,
                                    day=day[reference] if isinstance(day, Mapping) else day, settings=settings)
        if function is None:
            outcomes[reference] = SalesOrderOutcome(reference, "failed", reason=(
                f"{order['DOCID']} is {order.get('STATE')}: nothing left to invoice, and no "
                f"{settings.invoice_type} carries reference {reference}"))
            continue
        creates.append(fn.KeyedCreate(function, fn.Lookup("SODOCUMENT", "PONUMBER", reference,
                                                          select=("DOCID", "RECORDNO"),
                                                          docparid=settings.invoice_type)))
    for created in client.create_once(creates):
        reason = None
        if created.status == "failed":
            reason = "; ".join(_dlq_text(error) for error in created.errors) or "refused by Intacct"
        outcomes[created.reference] = SalesOrderOutcome(created.reference, created.status, created.key, reason,
                                                        created.errors)
    return [outcomes[reference] for reference in dict.fromkeys(references)]


# -- the orders flow (mapped records) ----------------------------------------------------------------------

def settings_from_options(options: dict[str, Any]) -> SalesOrderSettings:
    """The pair's order options: ``order_transaction_type``, ``invoice_type``, ``location_id`` (the entity the
    lines post to; with an entity-level connection (extra ``entity_id``) it may be left out)."""
    location = options.get("location_id")
    return SalesOrderSettings(transaction_type=str(options.get("order_transaction_type", SALES_ORDER)),
                              invoice_type=str(options.get("invoice_type", SALES_INVOICE)),
                              location_id=str(location) if location else None)


def customers_by_email(client: IntacctClient, emails: Sequence[str]) -> dict[str, str]:
    """Lower-case e-mail → CUSTOMERID of the oldest active customer whose contact has it."""
    found: dict[str, str] = {}
    for row in rows_where_in(client, "CUSTOMER", ("CUSTOMERID", "STATUS", "DISPLAYCONTACT.EMAIL1"),
                             "DISPLAYCONTACT.EMAIL1", list(emails), case_insensitive=True):
        email = str(row.get("DISPLAYCONTACT.EMAIL1") or "").strip().lower()
        if email and row.get("STATUS") == "active":
            found.setdefault(email, row["CUSTOMERID"])
    return found


def prepare_orders(client: IntacctClient, records: list[tuple[str, dict[str, Any]]],
                   options: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per-record mapping context: the Intacct customer (matched by e-mail, else the guest choice) and options."""
    policy = OrderPolicy.from_options(options)
    emails = buyer_emails(records)
    known = customers_by_email(client, emails) if emails else {}
    base = policy.context()
    return {key: {**base, **chosen} for key, chosen in assign_customers(records, known, policy).items()}


def mapped_order_function(key: str, record: dict[str, Any], settings: SalesOrderSettings) -> fn.Function:
    """``create_sotransaction`` for a mapped order (DTD order), its shipping a line of the spec's item.

    Raises :class:`PermanentRecordError` naming the storefront field when the sales order could not total
    what the storefront charged (tax or a discount: see the module docstring).
    """
    for name, field_name in (("_tax", "taxAmount"), ("_discount", "discountValue")):
        if as_money(record.get(name) or "0", record=key, field=field_name) != 0:
            raise PermanentRecordError(
                f"order {key}: field {field_name}: {record[name]} cannot be carried yet (how an Intacct site "
                "books tax and discounts on sales orders is not configured); not posted", record_key=key,
                field=field_name)
    lines = [{**line, "quantity": as_money(line.get("quantity"), record=key, field=f"items[{index}].amount"),
              "price": as_money(line.get("price"), record=key, field=f"items[{index}].price")}
             for index, line in enumerate(record.get("lines") or [])]
    shipping = as_money(record.get("_shipping") or "0", record=key, field="shippingCost")
    if shipping:
        lines.append({"itemid": record["_shipping_item"], "itemdesc": "Shipping", "quantity": Decimal(1),
                      "price": shipping})
    if not lines:
        raise PermanentRecordError(f"order {key}: field items: no lines", record_key=key, field="items")
    day = as_date(record.get("datecreated"), record=key, field="orderDate")
    reference = record["referenceno"]
    return fn.legacy("create_sotransaction", {
        "transactiontype": settings.transaction_type,
        "datecreated": {"year": day.year, "month": f"{day.month:02d}", "day": f"{day.day:02d}"},
        "customerid": record["customerid"],
        "referenceno": reference,
        "message": record.get("message"),
        "shippingmethod": record.get("shippingmethod"),
        "currency": record["currency"],
        "state": settings.state,
        "sotransitems": {"sotransitem": [
            {"itemid": line["itemid"], "itemdesc": line.get("itemdesc"), "warehouseid": line.get("warehouseid"),
             "quantity": line["quantity"], "price": line["price"], "locationid": settings.location_id}
            for line in lines]},
    }, controlid=fn.stable_controlid("sales-order", reference), reference=key)


def _create_new_customers(client: IntacctClient, records: list[tuple[str, dict[str, Any]]]) -> dict[str, str]:
    """Create the buyers the pair makes customers of (``guest_customers: create``), once each; returns
    customer ID → Intacct's reason for those it refused."""
    wanted: dict[str, fn.KeyedCreate] = {}
    for _key, record in records:
        customer_id = record.get("_new_customer_id")
        if customer_id and customer_id not in wanted:
            name = record.get("_buyer_name") or customer_id
            body = {"CUSTOMERID": customer_id, "NAME": name,
                    "DISPLAYCONTACT": {"PRINTAS": name, "EMAIL1": record.get("_buyer_email")}}
            wanted[customer_id] = fn.KeyedCreate(
                fn.create("CUSTOMER", body, controlid=fn.stable_controlid("customer", customer_id),
                          reference=customer_id),
                fn.Lookup("CUSTOMER", "CUSTOMERID", customer_id, select=("CUSTOMERID", "RECORDNO")))
    refused: dict[str, str] = {}
    for customer_id, made in zip(wanted, client.create_once(list(wanted.values()))):
        if not made.posted:
            refused[customer_id] = "; ".join(_dlq_text(e) for e in made.errors) or made.status
    return refused


def load_orders(client: IntacctClient, records: list[tuple[str, dict[str, Any]]],
                options: dict[str, Any] | None = None) -> list[LoadOutcome]:
    """Mapped web orders → sales orders (and, when paid, their invoices); one LoadOutcome per order."""
    options = options or {}
    settings = settings_from_options(options)
    outcomes: dict[str, Any] = {}
    existing = existing_sales_orders(client, [r["referenceno"] for _, r in records],
                                     transaction_type=settings.transaction_type)
    posted: dict[str, str] = {}  # key → DOCID of its sales order
    rest = []
    for key, record in records:
        if record["referenceno"] in existing:
            posted[key] = existing[record["referenceno"]]["DOCID"]
        else:
            rest.append((key, record))
    skus = sorted({line.get("itemid") for _, r in rest for line in r.get("lines") or []} - {None})
    known = {row["ITEMID"] for row in rows_where_in(client, "ITEM", ("ITEMID", "STATUS"), "ITEMID", skus)
             if row.get("STATUS") == "active"}
    held, rest = hold_unknown_skus(rest, known, "Intacct", lambda r: [line.get("itemid") for line in r.get("lines") or []])
    outcomes.update((outcome.record_key, outcome) for outcome in held)
    refused_customers = _create_new_customers(client, rest)
    creates: list[fn.KeyedCreate] = []
    for key, record in rest:
        if record.get("_new_customer_id") in refused_customers:
            outcomes[key] = new_customer_refused(key, [refused_customers[record["_new_customer_id"]]])
            continue
        try:
            function = mapped_order_function(key, record, settings)
        except PermanentRecordError as exc:
            outcomes[key] = LoadOutcome(key, "dlq", str(exc), reason_code="invalid_value",
                                        failed=[exc.field or "order"])
            continue
        creates.append(fn.KeyedCreate(function, fn.Lookup("SODOCUMENT", "PONUMBER", record["referenceno"],
                                                          select=("DOCID", "RECORDNO"),
                                                          docparid=settings.transaction_type)))
    for create, made in zip(creates, client.create_once(creates)):
        key = create.function.label
        if made.posted and made.key:
            posted[key] = made.key
        elif made.status == "aborted":
            outcomes[key] = LoadOutcome(key, "held", f"order {key}: not run by Intacct (its request was rolled "
                                        "back); sent again next run", reason_code="erp_aborted")
        else:
            outcomes[key] = refused(key, "order", "the sales order", made.errors)
    by_key = dict(records)
    paid = [key for key in posted if by_key[key].get("_paid")]
    # Invoices are dated as their orders; the whole batch's are looked up and sent together.
    dates = {by_key[key]["referenceno"]: as_date(by_key[key]["datecreated"], record=key, field="orderDate")
             for key in paid}
    made = invoice_paid_orders(client, [by_key[key]["referenceno"] for key in paid], day=dates,
                               settings=settings) if paid else []
    invoices: dict[str, SalesOrderOutcome] = dict(zip(paid, made))
    for key, docid in posted.items():
        invoice = invoices.get(key)
        if invoice is not None and invoice.status == "aborted":
            outcomes[key] = LoadOutcome(key, "held", f"order {key}: sales order {docid} is in Intacct; its invoice "
                                        "was not run (its request was rolled back); sent again next run",
                                        target_id=docid, target_ref=docid, reason_code="erp_aborted")
            continue
        if invoice is not None and not invoice.posted:
            outcomes[key] = LoadOutcome(key, "dlq", f"order {key}: sales order {docid} is in Intacct but its "
                                        f"invoice was refused: {invoice.reason}", target_id=docid, target_ref=docid,
                                        reason_code="erp_rejected", failed=["paymentStatus (invoice)"])
            continue
        was = "found" if by_key[key]["referenceno"] in existing else "created"
        note = f"; invoice {invoice.docid} ({invoice.status})" if invoice is not None else ""
        nothing_new = was == "found" and (invoice is None or invoice.status == "existing")
        outcomes[key] = LoadOutcome(key, "skipped" if nothing_new else "loaded",
                                    f"{was} Intacct sales order {docid}{note}", target_id=docid, target_ref=docid)
    return [outcomes[key] for key, _ in records]
