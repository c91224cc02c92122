"""The day's summary, computed from its lines only (so the workbook's totals are the sums of its lines).

- totals by currency, payment method and cash/GL account, and by currency;
- lines per category (every category, also those with none), and amounts per category and currency;
- the matched share: matched lines / all lines.

Amounts are only ever added within one currency. A currency-mismatch line (storefront in one currency,
ERP in another) forms its own group ``USD/EUR``, so no total mixes currencies.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from storesync.reconciliation.model import CATEGORIES, MATCHED, MONEY_FIELDS, Line

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

    def counts(self) -> dict[str, int]:
        """Lines per category code (every category)."""
        return dict(self.by_category)


def group_currency(line: Line) -> str:
    """The currency a line's amounts are added up in (``USD/EUR`` when the two sides differ)."""
    store, erp = line.currency, line.erp_currency
    if store and erp and store != erp:
        return f"{store}/{erp}"
    return store or erp or NO_CURRENCY


def summarise(pair: str, day: date, lines: Iterable[Line]) -> Summary:
    lines = list(lines)
    by_account: dict[tuple[str, str, str], Totals] = {}
    by_currency: dict[str, Totals] = {}
    by_category_currency: dict[tuple[str, str], Totals] = {}
    counts = {code: 0 for code in CATEGORIES}
    for line in lines:
        currency = group_currency(line)
        key = (currency, line.payment_method or NO_VALUE, line.account or NO_VALUE)
        by_account.setdefault(key, Totals()).add(line)
        by_currency.setdefault(currency, Totals()).add(line)
        by_category_currency.setdefault((line.status, currency), Totals()).add(line)
        counts[line.status] += 1
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
    )
