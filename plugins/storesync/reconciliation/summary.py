"""The day's summary, computed from its lines only (so the workbook's totals are the sums of its lines).

- totals by currency, payment method and cash/GL account, and by currency;
- lines per category (every category, also those with none), and amounts per category and currency;
- the matched share: matched lines / all lines.

Amounts are only ever added within one ISO 4217 currency. A line without one (currency missing, not an ISO
code such as ``XXX``, or different on the two sides such as ``GBP/USD``) is an exception already; it is counted
per category but kept out of the currency totals and listed in ``outside_totals`` with its line number, so
no total mixes currencies and no "(none)" or "GBP/USD" row poses as a currency.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from storesync.reconciliation.model import CATEGORIES, ISO_4217, MATCHED, MONEY_FIELDS, Line

NO_CURRENCY = "(none)"
NO_VALUE = "(none)"


@dataclass
class Totals:
    """Line count and the sum of each money column (missing values count as nothing)."""

    lines: int = 0
    sums: dict[str, Decimal] = field(default_factory=lambda: {name: Decimal("0.00") for name in MONEY_FIELDS})

    def add(self, line: Line) -> None:
        self.lines += 1
        for name in MONEY_FIELDS:
            value = getattr(line, name)
            if value is not None:
                self.sums[name] += value


@dataclass(frozen=True)
class Summary:
    pair: str
    day: date
    lines: int
    matched: int
    exceptions: int
    matched_share: Decimal | None
    by_account: list[tuple[str, str, str, Totals]]
    by_currency: list[tuple[str, Totals]]
    by_category: list[tuple[str, int]]
    by_category_currency: list[tuple[str, str, Totals]]
    # (status, the currency as the line gives it, line numbers) of lines kept out of the currency totals
    outside_totals: list[tuple[str, str, list[int]]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Lines per category code (every category)."""
        return dict(self.by_category)


def group_currency(line: Line) -> str:
    """The currency a line's amounts are added up in (``USD/EUR`` when the two sides differ)."""
    store, erp = line.currency, line.erp_currency
    if store and erp and store != erp:
        return f"{store}/{erp}"
    return store or erp or NO_CURRENCY


def total_currency(line: Line) -> str | None:
    """The one ISO 4217 currency a line's amounts are added up in, or None (missing, not ISO, sides differ)."""
    store, erp = line.currency, line.erp_currency
    if store and erp and store != erp:
        return None
    code = store or erp
    return code if code in ISO_4217 else None


def summarise(pair: str, day: date, lines: Iterable[Line]) -> Summary:
    lines = list(lines)
    by_account: dict[tuple[str, str, str], Totals] = {}
    by_currency: dict[str, Totals] = {}
    by_category_currency: dict[tuple[str, str], Totals] = {}
    counts = {code: 0 for code in CATEGORIES}
    outside: dict[tuple[str, str], list[int]] = {}
    for line in lines:
        counts[line.status] += 1
        currency = total_currency(line)
        if currency is None:
            outside.setdefault((line.status, group_currency(line)), []).append(line.line_no)
            continue
        key = (currency, line.payment_method or NO_VALUE, line.account or NO_VALUE)
        by_account.setdefault(key, Totals()).add(line)
        by_currency.setdefault(currency, Totals()).add(line)
        by_category_currency.setdefault((line.status, currency), Totals()).add(line)
    order = list(CATEGORIES)
    matched = counts[MATCHED]
    share = (Decimal(matched) / Decimal(len(lines))).quantize(Decimal("0.0001"), ROUND_HALF_EVEN) if lines else None
    return Summary(
        pair=pair, day=day, lines=len(lines), matched=matched, exceptions=len(lines) - matched, matched_share=share,
        by_account=[(*key, totals) for key, totals in sorted(by_account.items())],
        by_currency=sorted(by_currency.items()),
        by_category=[(code, counts[code]) for code in order],
        by_category_currency=[(code, currency, totals) for (code, currency), totals in
                              sorted(by_category_currency.items(), key=lambda item: (order.index(item[0][0]), item[0][1]))],
        outside_totals=[(code, currency, numbers) for (code, currency), numbers in
                        sorted(outside.items(), key=lambda item: (order.index(item[0][0]), item[0][1]))],
    )
