"""What a daily reconciliation is made of: documents, lines, categories and columns.

Readers (``RECONCILE`` tables of the storefront and ERP adapters) turn each system's records into
ERP-neutral :class:`Document` objects; :func:`storesync.reconciliation.match.match` sets the documents of a
day against each other and returns one :class:`Line` per document pair (or per document without a
counterpart). Every line carries exactly one status from :data:`CATEGORIES`: ``matched`` or an exception
category. The category registry is closed, and its finance-facing label, meaning and "how to act" text
are what the CSV/XLSX outputs and the README show, so they never drift apart.

Money is ``Decimal`` from the reader to the workbook. A value a reader cannot read (missing, not a number,
more decimals than the sync store keeps) becomes ``None`` plus a :class:`Problem` naming the field: the
document still becomes a line, with a reason, never a crash and never silently left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

# -- document kinds ------------------------------------------------------------------------------------------

KINDS = ("order", "payment", "refund")
# What a kind is called on each side, in reasons and in the README.
STOREFRONT_NOUN = {"order": "order", "payment": "payment", "refund": "refund"}
ERP_NOUN = {"order": "sales order", "payment": "cash receipt", "refund": "credit memo"}
# The flow that carries each kind to the ERP (its dead-letter queue explains a missing ERP document).
KIND_FLOWS = {"order": "orders", "payment": "payments", "refund": "refunds"}
SIDES = ("storefront", "erp")

# Money the sync store keeps exactly: NUMERIC(18, 4).
_MAX_DECIMALS = 4
_MAX_ABS = Decimal(10) ** 14
_CENT = Decimal("0.01")


# -- categories ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Category:
    """One status a line can have; ``label``, ``meaning`` and ``action`` are written for finance."""

    code: str
    label: str
    meaning: str
    action: str
    exception: bool = True


MATCHED = "matched"
MISSING_IN_ERP = "missing_in_erp"
MISSING_IN_STOREFRONT = "missing_in_storefront"
AMOUNT_MISMATCH = "amount_mismatch"
CURRENCY_MISMATCH = "currency_mismatch"
DUPLICATE = "duplicate"
PAYMENT_WITHOUT_ORDER = "payment_without_order"
ORDER_WITHOUT_PAYMENT = "order_without_payment"
REFUND_WITHOUT_CREDIT_MEMO = "refund_without_credit_memo"
PENDING = "pending"
NOT_POSTED = "not_posted"

CATEGORIES: dict[str, Category] = {c.code: c for c in (
    Category(MATCHED, "Matched",
             "The storefront document and its ERP document agree: same currency, same amount.",
             "Nothing to do.", exception=False),
    Category(MISSING_IN_ERP, "Missing in ERP",
             "A storefront order or payment of the day has no ERP document.",
             "Post the document in the ERP or ask ops to re-sync the record (records the sync holds in its "
             "dead-letter queue are reported as not posted instead)."),
    Category(MISSING_IN_STOREFRONT, "Missing in storefront",
             "An ERP document points to a storefront order, payment or refund that does not exist, or belongs to "
             "a web order and matches no storefront document.",
             "Check the ERP document's storefront reference; correct or reverse the ERP document if it was "
             "keyed by mistake."),
    Category(AMOUNT_MISMATCH, "Amount mismatch",
             "Both documents exist but their amounts differ, or one amount is missing or unreadable.",
             "Compare the two documents; correct the wrong one (usually an edit made in one system only) and "
             "re-run the day."),
    Category(CURRENCY_MISMATCH, "Currency mismatch",
             "Both documents exist but in different currencies, or a currency is missing or not an ISO 4217 code.",
             "Correct the document in the wrong currency; amounts are never converted by the sync."),
    Category(DUPLICATE, "Duplicate",
             "A second ERP document (or storefront payment) for the same storefront document.",
             "Reverse or void the duplicate named on the line; the first document stays matched."),
    Category(PAYMENT_WITHOUT_ORDER, "Payment without order",
             "Money received with no order behind it: a storefront payment whose order does not exist, or a "
             "cash receipt in a web clearing account that no storefront document explains.",
             "Identify the customer and the order (gateway reference, amount, date); apply the money or refund it."),
    Category(ORDER_WITHOUT_PAYMENT, "Order without payment",
             "The storefront marks the order paid, but holds no captured payment for it.",
             "Check the payment gateway; if nothing was captured, correct the order's payment status and collect."),
    Category(REFUND_WITHOUT_CREDIT_MEMO, "Refund without credit memo",
             "The storefront refunded money and the ERP has no credit memo for it.",
             "Post the credit memo in the ERP or ask ops to re-sync the refund (refunds the sync holds in its "
             "dead-letter queue are reported as not posted instead)."),
    Category(NOT_POSTED, "Not posted: held or rejected",
             "The sync holds the storefront order, payment or refund in its dead-letter queue: held (waiting for "
             "something the ERP lacks, e.g. an item) or rejected (it failed a check or the ERP refused it). No ERP "
             "document exists; the storefront amount counts in the difference.",
             "Fix the cause named in the reason (e.g. create the item in the ERP, correct the order), then replay "
             "the item from the dead-letter queue (ops console, or make dlq ARGS=\"replay --ids N --by NAME\")."),
    Category(PENDING, "Pending (timing)",
             "The counterpart exists but is dated a later day (a late posting); the amount shown is the "
             "day's side only.",
             "Nothing yet: the report of the later day re-checks the line and matches it. Act if it stays "
             "pending."),
)}
EXCEPTIONS = tuple(code for code, category in CATEGORIES.items() if category.exception)


def category(code: str) -> Category:
    try:
        return CATEGORIES[code]
    except KeyError:
        raise KeyError(f"unknown reconciliation category '{code}'; valid: {', '.join(CATEGORIES)}") from None


# -- documents -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    """A field of a document a reader could not read; ``field`` is the system's own field name."""

    field: str
    text: str
    # What the problem is about: "amount", "currency", "reference" or "other" (decides the line's category).
    about: str = "other"

    def __str__(self) -> str:
        return f"field {self.field}: {self.text}"


@dataclass(frozen=True)
class Document:
    """One storefront or ERP document of a reconciliation, in ERP-neutral terms.

    - ``doc_id``: the system's own id (storefront order/transaction id; ERP document number).
    - ``store_ref``: the storefront id this document stands for (a storefront document: its own id; an ERP
      document: the id its storefront reference names, e.g. ``XP-555`` → ``555``), or None.
    - ``order_ref``: the storefront order it belongs to (orders: their own id), or None.
    - ``erp_order_id``: the ERP sales order it belongs to (ERP payments and credit memos), or None.
    - ``marked_paid`` / ``paid``: storefront orders only: the store says the order is paid, and the money
      the store captured for it (any date).
    """

    side: str
    kind: str
    doc_id: str
    date: date | None
    amount: Decimal | None
    currency: str | None
    store_ref: str | None = None
    order_ref: str | None = None
    erp_order_id: str | None = None
    method: str | None = None
    account: str | None = None
    gateway_id: str | None = None
    marked_paid: bool | None = None
    paid: Decimal | None = None
    status_note: str | None = None
    problems: tuple[Problem, ...] = ()

    def __post_init__(self) -> None:
        if self.side not in SIDES:
            raise ValueError(f"document side '{self.side}' is not one of {', '.join(SIDES)}")
        if self.kind not in KINDS:
            raise ValueError(f"document kind '{self.kind}' is not one of {', '.join(KINDS)}")
        for name in ("amount", "paid"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, Decimal):
                raise TypeError(f"{self.side} {self.kind} {self.doc_id}: {name} must be a Decimal or None, "
                                f"not {type(value).__name__}")

    @property
    def noun(self) -> str:
        return (STOREFRONT_NOUN if self.side == "storefront" else ERP_NOUN)[self.kind]

    def describe(self) -> str:
        """``cash receipt P000000555`` / ``storefront payment 555``."""
        prefix = "storefront " if self.side == "storefront" else ""
        return f"{prefix}{self.noun} {self.doc_id}"

    def problems_about(self, about: str) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.about == about)

    def with_problem(self, problem: Problem) -> Document:
        return replace(self, problems=(*self.problems, problem))


# -- lines ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Line:
    """One line of a day's reconciliation. Money columns belong to the line's kind: an order line fills
    store/ERP total, a payment line paid in store/received in ERP, a refund line refunds/credit memos; so each
    column sums to the day's total of that document type."""

    kind: str
    status: str
    line_key: str
    reason: str = ""
    store_order_id: str | None = None
    store_document_id: str | None = None
    erp_document_id: str | None = None
    erp_sales_order_id: str | None = None
    store_date: date | None = None
    erp_date: date | None = None
    currency: str | None = None
    erp_currency: str | None = None
    store_total: Decimal | None = None
    erp_total: Decimal | None = None
    store_paid: Decimal | None = None
    erp_received: Decimal | None = None
    store_refunded: Decimal | None = None
    erp_credited: Decimal | None = None
    difference: Decimal | None = None
    payment_method: str | None = None
    account: str | None = None
    pending_since: date | None = None
    line_no: int = 0

    def __post_init__(self) -> None:
        category(self.status)
        if self.kind not in KINDS:
            raise ValueError(f"line kind '{self.kind}' is not one of {', '.join(KINDS)}")
        for name in MONEY_FIELDS:
            value = getattr(self, name)
            if value is not None and not isinstance(value, Decimal):
                raise TypeError(f"line {self.line_key}: {name} must be a Decimal or None, not {type(value).__name__}")

    @property
    def is_exception(self) -> bool:
        return CATEGORIES[self.status].exception

    @property
    def store_key(self) -> str | None:
        """The storefront id the line is about (its key names it), or None for an ERP-only line."""
        kind, _, rest = self.line_key.partition(":")
        return None if rest.startswith("erp:") else rest

    def as_row(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in LINE_FIELDS}

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Line:
        """A line as stored; money comes back from the store with 4 decimals and goes out with 2 when exact."""
        values = {name: row[name] for name in LINE_FIELDS if name in row}
        for name in MONEY_FIELDS:
            if values.get(name) is not None:
                values[name] = normal_money(values[name])
        return cls(**values)


MONEY_FIELDS = ("store_total", "erp_total", "store_paid", "erp_received", "store_refunded", "erp_credited",
                "difference")
# The two money columns a line of each kind fills: (storefront side, ERP side).
KIND_MONEY = {"order": ("store_total", "erp_total"), "payment": ("store_paid", "erp_received"),
              "refund": ("store_refunded", "erp_credited")}
LINE_FIELDS = ("line_no", "kind", "status", "line_key", "reason", "store_order_id", "store_document_id",
               "erp_document_id", "erp_sales_order_id", "store_date", "erp_date", "currency", "erp_currency",
               *MONEY_FIELDS, "payment_method", "account", "pending_since")


# -- columns of the outputs ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    """A column of the CSV and the workbook: the line field, its header and what it means for finance."""

    field: str
    header: str
    meaning: str
    kind: str = "text"   # text | money | date | int


COLUMNS: tuple[Column, ...] = (
    Column("line_no", "Line", "Line number within the day (stable: lines are sorted by kind, store order, "
           "document).", "int"),
    Column("category", "Status", "Matched, or the exception category (see the categories below)."),
    Column("status", "Status code", "The same status as a stable code, for filters and tools."),
    Column("kind", "Kind", "order (order ↔ sales order), payment (payment ↔ cash receipt) or refund "
           "(refund ↔ credit memo)."),
    Column("store_order_id", "Store order", "The storefront order id the line belongs to."),
    Column("store_document_id", "Store document", "The storefront document: the order id, or the payment / "
           "refund transaction id."),
    Column("erp_document_id", "ERP document", "The ERP document number: sales order, cash receipt or credit "
           "memo."),
    Column("erp_sales_order_id", "ERP sales order", "The ERP sales order the document belongs to."),
    Column("store_date", "Store date", "Date of the storefront document (UTC).", "date"),
    Column("erp_date", "ERP date", "Date of the ERP document (its transaction date).", "date"),
    Column("currency", "Currency", "Currency of the storefront document (the ERP's when there is none)."),
    Column("erp_currency", "ERP currency", "Currency of the ERP document."),
    Column("store_total", "Store total", "Order lines: the storefront order total.", "money"),
    Column("erp_total", "ERP total", "Order lines: the ERP sales order total.", "money"),
    Column("store_paid", "Paid in store", "Payment lines: the amount the storefront captured.", "money"),
    Column("erp_received", "Received in ERP", "Payment lines: the amount of the ERP cash receipt.", "money"),
    Column("store_refunded", "Refunds", "Refund lines: the amount the storefront refunded.", "money"),
    Column("erp_credited", "Credit memos", "Refund lines: the amount of the ERP credit memo.", "money"),
    Column("difference", "Difference", "Storefront amount minus ERP amount of the line (a missing side counts "
           "as 0; empty when the currencies differ or an amount is unreadable).", "money"),
    Column("payment_method", "Payment method", "The storefront payment method (the ERP's when only the ERP "
           "has the document)."),
    Column("account", "Cash/GL account", "The ERP cash account the receipt was posted to; for other lines the "
           "account the payment method maps to."),
    Column("reason", "Reason", "Why the line has its status, naming the documents and fields."),
    Column("pending_since", "Pending since", "First day the line was pending (late postings), if it was.",
           "date"),
    Column("line_key", "Line key", "Stable identity of the line across days (kind and storefront id, or the "
           "ERP document for ERP-only lines)."),
)


# -- reading values defensively --------------------------------------------------------------------------------

def read_amount(value: Any, field: str, problems: list[Problem]) -> Decimal | None:
    """An exact amount, or None and a :class:`Problem` naming ``field`` (missing, not a number, float-only
    precision beyond the store's 4 decimals, or too large). Amounts exact to the cent come back with 2 decimals."""
    if value is None or (isinstance(value, str) and not value.strip()):
        problems.append(Problem(field, "the amount is missing", "amount"))
        return None
    if isinstance(value, bool):
        problems.append(Problem(field, f"{value!r} is not an amount", "amount"))
        return None
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        problems.append(Problem(field, f"{_shown(value)} is not a number", "amount"))
        return None
    if not number.is_finite():
        problems.append(Problem(field, f"{_shown(value)} is not a finite number", "amount"))
        return None
    if abs(number) >= _MAX_ABS:
        problems.append(Problem(field, f"{_shown(value)} is too large to be an amount", "amount"))
        return None
    if number != number.quantize(Decimal(1).scaleb(-_MAX_DECIMALS), rounding="ROUND_HALF_EVEN"):
        problems.append(Problem(field, f"{_shown(value)} has more than {_MAX_DECIMALS} decimal places", "amount"))
        return None
    return normal_money(number)


def normal_money(number: Decimal) -> Decimal:
    """2 decimals when that loses nothing (``12.300`` → ``12.30``), else the value as it is."""
    cents = number.quantize(_CENT)
    return cents if cents == number else number


def read_currency(value: Any, field: str, problems: list[Problem]) -> str | None:
    """The currency code as text (upper case), or None; missing or non-ISO codes add a :class:`Problem`."""
    if value is None or not str(value).strip():
        problems.append(Problem(field, "the currency is missing", "currency"))
        return None
    code = str(value).strip().upper()
    if code not in ISO_4217:
        problems.append(Problem(field, f"{_shown(value)} is not an ISO 4217 currency code", "currency"))
        return _clip(code, 32)
    return code


def read_text(value: Any, limit: int = 255) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return _clip(text, limit) if text else None


def read_date(value: Any, field: str, problems: list[Problem]) -> date | None:
    """The UTC date of a unix time, ISO text, date or datetime (naive = UTC); None with a Problem otherwise."""
    try:
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, datetime):
            moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
            return moment.astimezone(timezone.utc).date()
        if isinstance(value, date):
            return value
        if isinstance(value, (int, Decimal)) or (isinstance(value, str) and value.strip().isdigit()):
            return datetime.fromtimestamp(int(value), timezone.utc).date()
        if isinstance(value, str) and value.strip():
            return read_date(datetime.fromisoformat(value.strip()), field, problems)
    except (ValueError, OverflowError, OSError):
        pass
    problems.append(Problem(field, f"{_shown(value)} is not a date" if value not in (None, "") else
                            "the date is missing", "date"))
    return None


def storefront_id(reference: Any, prefix: str) -> str | None:
    """``XP-555`` → ``555`` for prefix ``XP-``; None when the reference does not carry that prefix."""
    text = read_text(reference)
    if not text or not text.upper().startswith(prefix.upper()):
        return None
    rest = text[len(prefix):].strip()
    return rest or None


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _shown(value: Any) -> str:
    return _clip(repr(value), 60)


# ISO 4217 active codes (2024), including the fund and precious-metal codes an ERP may legitimately hold.
ISO_4217 = frozenset("""
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF
CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF
GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD
LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP
PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP
TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF
XPD XPF XPT XSU XUA YER ZAR ZMW ZWG ZWL
""".split())


def categories_markdown() -> str:
    """The category table of the README's finance section, from the registry."""
    rows = ["| Status | Code | What it means | How to act |", "|---|---|---|---|"]
    rows += [f"| {c.label} | `{c.code}` | {c.meaning} | {c.action} |" for c in CATEGORIES.values()]
    return "\n".join(rows)


def columns_markdown() -> str:
    """The column table of the README's finance section, from the registry."""
    rows = ["| Column | What it holds |", "|---|---|"]
    rows += [f"| {c.header} | {c.meaning} |" for c in COLUMNS]
    return "\n".join(rows)


@dataclass(frozen=True)
class MatchSettings:
    """How strict the matching is, and what the pair tells it about accounts.

    - ``amount_tolerance``: amounts closer than this count as equal (0.00: exact).
    - ``cash_accounts``: payment method → the ERP cash account it posts to (the payments mapping's lookup).
    - ``clearing_accounts``: ERP cash accounts only the storefront's gateways post to: a receipt there that no
      storefront document explains is money without an order.
    """

    amount_tolerance: Decimal = Decimal("0.00")
    cash_accounts: dict[str, str] = field(default_factory=dict)
    clearing_accounts: frozenset[str] = frozenset()
    # The ERP's code for each storefront payment method (the payments mapping's lookup), so a method shows under
    # one label (the storefront's) whichever side the line came from.
    method_codes: dict[str, str] = field(default_factory=dict)

    def method_label(self, method: str | None) -> str | None:
        """One label per payment method: ``CREDITCARD`` (Sage 500's code) and ``Credit Card`` are ``Credit Card``.

        A known storefront method or ERP code maps to the storefront's name; otherwise spellings that differ only
        in case, spaces or punctuation are one method, labelled as the pair's mapping names it when it does."""
        if method is None:
            return None
        labels = self._labels()
        return labels.get(method) or labels.get(_method_key(method)) or method

    def _labels(self) -> dict[str, str]:
        labels: dict[str, str] = {}
        for name in (*self.cash_accounts, *self.method_codes):
            labels.setdefault(_method_key(name), name)
        for name, code in self.method_codes.items():
            labels.setdefault(code, name)
            labels.setdefault(_method_key(code), name)
        return labels


def _method_key(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())
