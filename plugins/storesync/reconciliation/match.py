"""Set the storefront documents of a day against the ERP documents: one line per pair, every difference named.

Pure functions, no I/O. The caller reads the day's documents from both systems, asks :func:`lookups_needed`
which further documents the matching needs (by storefront id, any date), fetches them, repeats until
nothing new is needed, and calls :func:`match`.

How documents pair up, per kind (order ↔ sales order, payment ↔ cash receipt, refund ↔ credit memo):

- An ERP document stands for the storefront id its reference names (``XC-``/``XP-``/``XR-`` in Sage 500 and
  Acumatica, read by the adapter). A cash receipt or credit memo without a reference is identified by the
  gateway transaction id it carries, if a storefront document has that id.
- When several ERP documents stand for one storefront document, the first (identified by reference before
  by gateway id, then earliest date, then lowest number) is its counterpart; every other one dated on the
  day is a **duplicate** line.
- A pair is compared on the later of its two dates. On the earlier date it is **pending** (a late
  posting), and the line shows the amounts of the documents dated up to that day. A pending line of an
  earlier day is carried forward (:class:`Carried`) and re-checked every day until it is resolved, so
  a timing difference never disappears unseen.
- Compared, a pair is **matched** unless (first that applies): its order does not exist in the storefront
  (payments and refunds: **payment without order**), a currency is missing or not ISO 4217, or an amount is
  missing or unreadable (**currency** / **amount mismatch**), the currencies differ, the amounts differ by
  more than the tolerance, the storefront marks an order paid with nothing captured (**order without
  payment**), or a storefront payment repeats an earlier one's gateway transaction (**duplicate**).
- A storefront document without an ERP document is **missing in ERP** (refunds: **refund without credit
  memo**; payments of an order that does not exist: **payment without order**). An ERP document whose
  storefront document does not exist is **missing in storefront**.
- ERP documents with no storefront trace at all are the ERP's own business, not the pair's; they are
  returned as ``out_of_scope`` (counted, not lines), except a cash receipt posted to one of the pair's web
  clearing accounts (**payment without order**) or a receipt/credit memo applied to a web order
  (**missing in storefront**).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from storesync.reconciliation.model import (
    AMOUNT_MISMATCH,
    CURRENCY_MISMATCH,
    DUPLICATE,
    ERP_NOUN,
    KIND_MONEY,
    KINDS,
    MATCHED,
    MISSING_IN_ERP,
    MISSING_IN_STOREFRONT,
    ORDER_WITHOUT_PAYMENT,
    PAYMENT_WITHOUT_ORDER,
    PENDING,
    REFUND_WITHOUT_CREDIT_MEMO,
    Document,
    Line,
    MatchSettings,
)

MISSING_CATEGORY = {"order": MISSING_IN_ERP, "payment": MISSING_IN_ERP, "refund": REFUND_WITHOUT_CREDIT_MEMO}


@dataclass(frozen=True)
class Carried:
    """A line that was still pending on an earlier day: re-checked until it is resolved."""

    kind: str
    store_id: str
    since: date
    store_order_id: str | None = None


@dataclass(frozen=True)
class Lookups:
    """Documents to fetch beyond the day: storefront documents by id, ERP documents by the storefront id
    they stand for; both per kind."""

    storefront: dict[str, frozenset[str]] = field(default_factory=dict)
    erp: dict[str, frozenset[str]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return any(self.storefront.values()) or any(self.erp.values())

    def minus(self, other: Lookups) -> Lookups:
        return Lookups(
            storefront={k: frozenset(v - other.storefront.get(k, frozenset())) for k, v in self.storefront.items()},
            erp={k: frozenset(v - other.erp.get(k, frozenset())) for k, v in self.erp.items()},
        )

    def plus(self, other: Lookups) -> Lookups:
        kinds = set(self.storefront) | set(other.storefront) | set(self.erp) | set(other.erp)
        return Lookups(
            storefront={k: self.storefront.get(k, frozenset()) | other.storefront.get(k, frozenset()) for k in kinds},
            erp={k: self.erp.get(k, frozenset()) | other.erp.get(k, frozenset()) for k in kinds},
        )


@dataclass(frozen=True)
class MatchResult:
    lines: list[Line]
    out_of_scope: list[Document]


def lookups_needed(storefront: Iterable[Document], erp: Iterable[Document], carried: Iterable[Carried] = ()) -> Lookups:
    """What :func:`match` needs to know beyond the documents given (the day's plus those fetched so far).

    - ERP documents of every storefront id involved (to find counterparts dated on other days and
      duplicates);
    - storefront documents an ERP document or a carried line names, and the orders of payments and refunds
      (does the order exist?), unless already known.
    """
    storefront, erp = list(storefront), list(erp)
    wanted_sf: dict[str, set[str]] = {k: set() for k in KINDS}
    wanted_erp: dict[str, set[str]] = {k: set() for k in KINDS}
    for doc in storefront:
        wanted_erp[doc.kind].add(doc.doc_id)
        if doc.kind != "order" and doc.order_ref:
            wanted_sf["order"].add(doc.order_ref)
    for doc in erp:
        if doc.store_ref:
            wanted_sf[doc.kind].add(doc.store_ref)
            wanted_erp[doc.kind].add(doc.store_ref)
    for item in carried:
        wanted_sf[item.kind].add(item.store_id)
        wanted_erp[item.kind].add(item.store_id)
        if item.kind != "order" and item.store_order_id:
            wanted_sf["order"].add(item.store_order_id)
    known = {(doc.kind, doc.doc_id) for doc in storefront}
    return Lookups(
        storefront={k: frozenset(i for i in ids if (k, i) not in known) for k, ids in wanted_sf.items()},
        erp={k: frozenset(ids) for k, ids in wanted_erp.items()},
    )


def match(day: date, *, storefront_day: Sequence[Document], erp_day: Sequence[Document],
          storefront_other: Sequence[Document] = (), erp_other: Sequence[Document] = (),
          carried: Sequence[Carried] = (), settings: MatchSettings | None = None) -> MatchResult:
    """The day's lines (unnumbered, unsorted: see :func:`number_lines`) and the out-of-scope ERP documents.

    ``*_other`` are documents fetched by storefront id (any date) after :func:`lookups_needed`; a storefront
    id looked up and not returned does not exist in that system.
    """
    settings = settings or MatchSettings()
    orders_known = {d.doc_id for d in (*storefront_day, *storefront_other) if d.kind == "order"}
    lines: list[Line] = []
    out_of_scope: list[Document] = []
    for kind in KINDS:
        matcher = _KindMatcher(day, kind, settings, orders_known,
                               [d for d in storefront_day if d.kind == kind],
                               [d for d in storefront_other if d.kind == kind],
                               [d for d in erp_day if d.kind == kind],
                               [d for d in erp_other if d.kind == kind],
                               [c for c in carried if c.kind == kind])
        kind_lines, kind_out = matcher.run()
        lines += kind_lines
        out_of_scope += kind_out
    return MatchResult(lines, out_of_scope)


def number_lines(lines: Iterable[Line]) -> list[Line]:
    """Lines in a stable order (kind, store order, store document, ERP document) numbered from 1."""
    ordered = sorted(lines, key=lambda line: (KINDS.index(line.kind), _natural(line.store_order_id),
                                              _natural(line.store_document_id), _natural(line.erp_document_id),
                                              line.line_key))
    return [replace(line, line_no=number) for number, line in enumerate(ordered, start=1)]


def _natural(value: str | None) -> tuple:
    if value is None:
        return (2, 0, "")
    return (0, int(value), value) if value.isdigit() else (1, 0, value)


# -- one kind ----------------------------------------------------------------------------------------------------

class _KindMatcher:
    def __init__(self, day: date, kind: str, settings: MatchSettings, orders_known: set[str],
                 s_day: list[Document], s_other: list[Document], e_day: list[Document], e_other: list[Document],
                 carried: list[Carried]) -> None:
        self.day, self.kind, self.settings, self.orders_known = day, kind, settings, orders_known
        self.s_day = _unique(s_day)
        self.s_all = {**_unique(s_other), **self.s_day}
        self.e_day_ids = {d.doc_id for d in e_day}
        self.e_all = {**_unique(e_other), **_unique(e_day)}
        self.carried = {c.store_id: c for c in carried}
        # Storefront payments that repeat an earlier payment's gateway transaction; the first keeps the id.
        self.by_gateway: dict[str, str] = {}
        self.repeated: dict[str, str] = {}
        for doc in sorted(self.s_all.values(), key=lambda d: (d.date or day, _natural(d.doc_id))):
            if doc.gateway_id:
                first = self.by_gateway.setdefault(doc.gateway_id, doc.doc_id)
                if first != doc.doc_id:
                    self.repeated[doc.doc_id] = first

    def run(self) -> tuple[list[Line], list[Document]]:
        groups: dict[str, list[tuple[bool, Document]]] = {}
        lines: list[Line] = []
        out_of_scope: list[Document] = []
        for doc in self.e_all.values():
            sid, by_gateway = self.identify(doc)
            if sid is not None:
                groups.setdefault(sid, []).append((by_gateway, doc))
            elif doc.doc_id in self.e_day_ids:
                line = self.unidentified(doc)
                if line is None:
                    out_of_scope.append(doc)
                else:
                    lines.append(line)
        sids = set(self.s_day) | set(self.carried) | {
            sid for sid, docs in groups.items() if any(d.doc_id in self.e_day_ids for _, d in docs)}
        for sid in sids:
            ranked = [doc for _, doc in sorted(groups.get(sid, []), key=lambda item: (
                item[0], item[1].date or date.max, _natural(item[1].doc_id)))]
            primary = ranked[0] if ranked else None
            for duplicate in ranked[1:]:
                if duplicate.doc_id in self.e_day_ids:
                    lines.append(self.duplicate_line(sid, duplicate, primary))
            if sid in self.s_day or sid in self.carried or (primary is not None and primary.doc_id in self.e_day_ids):
                lines.append(self.pair_line(sid, self.s_all.get(sid), primary))
        return lines, out_of_scope

    # -- identification -------------------------------------------------------------------------------------

    def identify(self, doc: Document) -> tuple[str | None, bool]:
        """The storefront id an ERP document stands for, and whether only its gateway id told us."""
        if doc.store_ref:
            return doc.store_ref, False
        if self.kind != "order" and doc.gateway_id and doc.gateway_id in self.by_gateway:
            return self.by_gateway[doc.gateway_id], True
        return None, False

    def unidentified(self, doc: Document) -> Line | None:
        """A line for an ERP document of the day that names no storefront document, or None (not the pair's)."""
        what = f"{doc.describe()} ({_amount_text(doc)}, {_date_text(doc.date)})"
        if doc.order_ref:
            return self.erp_only(doc, MISSING_IN_STOREFRONT,
                                 f"{what} belongs to storefront order {doc.order_ref} but names no storefront "
                                 f"{self.noun} and matches no storefront {self.noun}'s gateway transaction id")
        if self.kind == "payment" and doc.account and doc.account in self.settings.clearing_accounts:
            return self.erp_only(doc, PAYMENT_WITHOUT_ORDER,
                                 f"{what} was posted to web clearing account {doc.account} with no order and "
                                 "matches no storefront payment")
        return None

    @property
    def noun(self) -> str:
        return {"order": "order", "payment": "payment", "refund": "refund"}[self.kind]

    # -- lines ------------------------------------------------------------------------------------------------

    def duplicate_line(self, sid: str, doc: Document, primary: Document | None) -> Line:
        first = f"{primary.describe()}" if primary is not None else "another document"
        how = "carries its gateway transaction id" if not doc.store_ref else "carries its reference"
        return self.erp_only(doc, DUPLICATE,
                             f"{doc.describe()} ({_amount_text(doc)}, {_date_text(doc.date)}) {how}: a second ERP "
                             f"{ERP_NOUN[self.kind]} for storefront {self.noun} {sid}, already matched with {first}",
                             store_ref=sid)

    def erp_only(self, doc: Document, status: str, reason: str, store_ref: str | None = None) -> Line:
        store_col, erp_col = KIND_MONEY[self.kind]
        problems = _problems_text(doc)
        return Line(
            kind=self.kind, status=status, line_key=f"{self.kind}:erp:{doc.doc_id}",
            reason=reason + problems,
            store_order_id=doc.order_ref, store_document_id=store_ref,
            erp_document_id=doc.doc_id, erp_sales_order_id=self._erp_order(doc),
            erp_date=doc.date, currency=doc.currency, erp_currency=doc.currency,
            **{erp_col: doc.amount},
            difference=None if doc.amount is None else -doc.amount,
            payment_method=self.settings.method_label(doc.method),
            account=doc.account or self.settings.cash_accounts.get(self.settings.method_label(doc.method) or ""),
        )

    def pair_line(self, sid: str, store: Document | None, erp: Document | None) -> Line:
        carried = self.carried.get(sid)
        since = carried.since if carried else None
        if store is None and erp is None:
            return Line(kind=self.kind, status=MISSING_IN_STOREFRONT, line_key=f"{self.kind}:{sid}",
                        store_order_id=carried.store_order_id if carried else None, pending_since=since,
                        reason=f"storefront {self.noun} {sid} was pending since {_date_text(since)}; neither the "
                               f"storefront nor the ERP has it any more")
        if store is None:
            status, reason = MISSING_IN_STOREFRONT, (
                f"{erp.describe()} ({_amount_text(erp)}, {_date_text(erp.date)}) names storefront {self.noun} "
                f"{sid}, which the storefront does not have" + self._not_money_note()
                + "".join(f"; {p}" for p in erp.problems if p.about in ("amount", "currency")))
            return self.build(sid, None, erp, status, reason, since, both_sides=True)
        if erp is None:
            status, reason = self.missing(store)
            return self.build(sid, store, None, status, reason, since, both_sides=True)
        later = max(store.date or self.day, erp.date or self.day)
        if later > self.day:
            late, early = (erp, store) if (erp.date or self.day) > self.day else (store, erp)
            reason = (f"{late.describe()} is dated {_date_text(late.date)}, after {_date_text(self.day)}; "
                      f"{early.describe()} is dated {_date_text(early.date)}. The report of "
                      f"{_date_text(late.date)} re-checks this line")
            return self.build(sid, store, erp, PENDING, reason, since or self.day, both_sides=False)
        status, reason = self.compare(store, erp)
        if since is not None:
            reason = f"{reason}; was pending since {_date_text(since)}" if reason else \
                f"was pending since {_date_text(since)}"
        return self.build(sid, store, erp, status, reason, since, both_sides=True)

    def missing(self, store: Document) -> tuple[str, str]:
        what = f"{store.describe()} ({_amount_text(store)}, {_date_text(store.date)})"
        orphan = self._orphan(store)
        if orphan:
            return PAYMENT_WITHOUT_ORDER, f"{what}: {orphan}; the ERP has no {ERP_NOUN[self.kind]} for it either"
        bad = _bad_input(store)
        if bad:
            status, text = bad
            return status, f"{what}: {text}; the ERP has no {ERP_NOUN[self.kind]} for it"
        return MISSING_CATEGORY[self.kind], f"{what} has no ERP {ERP_NOUN[self.kind]}"

    def compare(self, store: Document, erp: Document) -> tuple[str, str]:
        orphan = self._orphan(store)
        if orphan:
            return PAYMENT_WITHOUT_ORDER, f"{store.describe()}: {orphan}"
        for doc in (store, erp):
            bad = _bad_input(doc)
            if bad:
                return bad[0], f"{doc.describe()}: {bad[1]}"
        if store.currency != erp.currency:
            return CURRENCY_MISMATCH, (f"{store.describe()} is in {store.currency}, {erp.describe()} in "
                                       f"{erp.currency}; amounts are never converted")
        if abs(store.amount - erp.amount) > self.settings.amount_tolerance:
            return AMOUNT_MISMATCH, (f"{store.describe()} is {_amount_text(store)}, {erp.describe()} is "
                                     f"{_amount_text(erp)}: a difference of {store.amount - erp.amount} "
                                     f"{store.currency}")
        if self.kind == "order" and store.marked_paid and store.paid is not None and store.paid == 0:
            note = f" ({store.status_note})" if store.status_note else ""
            return ORDER_WITHOUT_PAYMENT, (f"the storefront marks order {store.doc_id} paid{note} but holds no "
                                           "captured payment for it")
        if store.doc_id in self.repeated:
            return DUPLICATE, (f"{store.describe()} repeats gateway transaction {store.gateway_id} of storefront "
                               f"{self.noun} {self.repeated[store.doc_id]}: the money was taken twice")
        return MATCHED, ""

    def build(self, sid: str, store: Document | None, erp: Document | None, status: str, reason: str,
              since: date | None, *, both_sides: bool) -> Line:
        """A pair line. ``both_sides`` False (pending): only documents dated up to the day show their amount."""
        store_col, erp_col = KIND_MONEY[self.kind]

        def shown(doc: Document | None) -> Decimal | None:
            if doc is None or (not both_sides and (doc.date or self.day) > self.day):
                return None
            return doc.amount

        store_amount, erp_amount = shown(store), shown(erp)
        visible = [doc for doc in (store, erp)
                   if doc is not None and (both_sides or (doc.date or self.day) <= self.day)]
        if status == CURRENCY_MISMATCH or any(doc.amount is None for doc in visible):
            difference = None
        else:
            difference = (store_amount or Decimal(0)) - (erp_amount or Decimal(0))
        method = self.settings.method_label((store.method if store else None) or (erp.method if erp else None))
        account = (erp.account if erp and erp.account else None) or self.settings.cash_accounts.get(method or "")
        notes = "".join(f"; {doc.describe()}: {p}" for doc in (store, erp) if doc is not None
                        for p in doc.problems if p.about not in ("amount", "currency"))
        return Line(
            kind=self.kind, status=status, line_key=f"{self.kind}:{sid}", reason=(reason + notes).lstrip("; "),
            store_order_id=(store.order_ref if store else None) or (erp.order_ref if erp else None),
            store_document_id=store.doc_id if store else None,
            erp_document_id=erp.doc_id if erp else None,
            erp_sales_order_id=self._erp_order(erp) if erp else None,
            store_date=store.date if store else None, erp_date=erp.date if erp else None,
            currency=(store.currency if store else None) or (erp.currency if erp else None),
            erp_currency=erp.currency if erp else None,
            **{store_col: store_amount, erp_col: erp_amount},
            difference=difference, payment_method=method, account=account, pending_since=since,
        )

    # -- helpers --------------------------------------------------------------------------------------------

    def _orphan(self, store: Document) -> str | None:
        """Why a storefront payment or refund has no order, or None."""
        if self.kind == "order":
            return None
        if not store.order_ref:
            return "it names no order"
        if store.order_ref not in self.orders_known:
            return f"its order {store.order_ref} does not exist in the storefront"
        return None

    def _erp_order(self, doc: Document) -> str | None:
        return doc.doc_id if self.kind == "order" else doc.erp_order_id

    def _not_money_note(self) -> str:
        return "" if self.kind == "order" else f" (or it is not a successful {self.noun} there)"


def _unique(docs: Iterable[Document]) -> dict[str, Document]:
    found: dict[str, Document] = {}
    for doc in docs:
        found.setdefault(doc.doc_id, doc)
    return found


def _bad_input(doc: Document) -> tuple[str, str] | None:
    """(category, text) for a document whose currency or amount could not be read, else None."""
    currency = doc.problems_about("currency")
    if currency:
        return CURRENCY_MISMATCH, "; ".join(str(p) for p in currency)
    amount = doc.problems_about("amount")
    if amount or doc.amount is None:
        return AMOUNT_MISMATCH, "; ".join(str(p) for p in amount) or "the amount is missing"
    if doc.currency is None:
        return CURRENCY_MISMATCH, "the currency is missing"
    return None


def _problems_text(doc: Document) -> str:
    return "".join(f"; {p}" for p in doc.problems)


def _amount_text(doc: Document) -> str:
    amount = "no amount" if doc.amount is None else str(doc.amount)
    return f"{amount} {doc.currency}" if doc.currency else amount


def _date_text(day: date | None) -> str:
    return day.isoformat() if day else "no date"
