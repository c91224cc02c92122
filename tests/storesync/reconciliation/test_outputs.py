"""The day's summary and files: totals per currency, method and account; counts per category; the matched
share; a CSV and a workbook that read back to the same Decimals, byte-identical on every build."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from storesync.reconciliation.model import CATEGORIES, COLUMNS, Line
from storesync.reconciliation.outputs import csv_bytes, day_folder, file_stem, write_files, xlsx_bytes
from storesync.reconciliation.summary import group_currency, summarise

DAY = date(2026, 11, 19)


def line(key: str, status="matched", kind="payment", currency="USD", erp_currency="USD", method="Credit Card",
         account="1030-00", **money) -> Line:
    return Line(kind=kind, status=status, line_key=key, currency=currency, erp_currency=erp_currency,
                payment_method=method, account=account, **{k: Decimal(v) for k, v in money.items()})


LINES = [
    line("order:1", kind="order", store_total="100.00", erp_total="100.00", difference="0.00", line_no=1),
    line("order:2", "amount_mismatch", kind="order", store_total="50.10", erp_total="60.10", difference="-10.00",
         line_no=2),
    line("order:3", "currency_mismatch", kind="order", erp_currency="EUR", store_total="20.00", erp_total="20.00",
         line_no=3),
    line("payment:4", store_paid="100.00", erp_received="100.00", difference="0.00", line_no=4),
    line("payment:5", "pending", method="PayPal", account="1020-00", store_paid="12.34", difference="12.34", line_no=5),
    line("payment:erp:P9", "duplicate", erp_received="100.00", difference="-100.00", line_no=6),
    line("refund:7", "refund_without_credit_memo", kind="refund", currency="CAD", erp_currency=None,
         store_refunded="0.10", difference="0.10", line_no=7),
    line("refund:8", "refund_without_credit_memo", kind="refund", currency="CAD", erp_currency=None,
         store_refunded="0.20", difference="0.20", line_no=8),
]


# -- summary -------------------------------------------------------------------------------------------------

def test_totals_are_per_currency_method_and_account_and_never_mix_currencies():
    summary = summarise("p", DAY, LINES)
    groups = {(c, m, a): t for c, m, a, t in summary.by_account}
    # The USD/EUR currency-mismatch line is an exception, not a currency: it stays out of every total.
    assert set(groups) == {("USD", "Credit Card", "1030-00"), ("USD", "PayPal", "1020-00"),
                           ("CAD", "Credit Card", "1030-00")}
    usd_card = groups[("USD", "Credit Card", "1030-00")]
    assert usd_card.lines == 4
    assert usd_card.sums["store_total"] == Decimal("150.10") and usd_card.sums["erp_received"] == Decimal("200.00")
    assert usd_card.sums["difference"] == Decimal("-110.00")
    assert groups[("CAD", "Credit Card", "1030-00")].sums["store_refunded"] == Decimal("0.30"), "exact, not 0.30000000004"


def test_every_category_is_counted_even_with_no_lines_and_the_matched_share_is_exact():
    summary = summarise("p", DAY, LINES)
    counts = summary.counts()
    assert list(counts) == list(CATEGORIES)
    assert counts["matched"] == 2 and counts["refund_without_credit_memo"] == 2 and counts["missing_in_erp"] == 0
    assert summary.matched_share == Decimal("0.2500") and summary.exceptions == 6
    assert summarise("p", DAY, []).matched_share is None


def test_lines_without_one_iso_currency_are_exceptions_kept_out_of_the_currency_totals():
    """Issue 15: "Totals by currency" showed (none), GBP/USD and XXX as currencies."""
    odd = [line("order:20", "currency_mismatch", kind="order", currency="GBP", erp_currency="USD",
                store_total="5.00", erp_total="6.00", line_no=20),
           line("order:21", "not_posted", kind="order", currency="XXX", erp_currency=None, store_total="7.00",
                difference="7.00", line_no=21),
           line("order:22", "currency_mismatch", kind="order", currency=None, erp_currency=None, store_total="8.00",
                line_no=22)]
    summary = summarise("p", DAY, [*LINES, *odd])
    assert [currency for currency, _ in summary.by_currency] == ["CAD", "USD"]
    assert {c for c, _, _, _ in summary.by_account} == {"CAD", "USD"}
    assert {c for _, c, _ in summary.by_category_currency} == {"CAD", "USD"}
    assert summary.outside_totals == [("currency_mismatch", "(none)", [22]), ("currency_mismatch", "GBP/USD", [20]),
                                      ("currency_mismatch", "USD/EUR", [3]), ("not_posted", "XXX", [21])]
    assert summary.counts()["currency_mismatch"] == 3 and summary.lines == len(LINES) + 3
    assert group_currency(line("x", currency=None, erp_currency="GBP")) == "GBP"


# -- CSV -------------------------------------------------------------------------------------------------------

def test_the_csv_has_a_header_per_column_and_one_row_per_line_with_exact_money():
    rows = list(csv.DictReader(io.StringIO(csv_bytes(LINES).decode("utf-8-sig"))))
    assert list(rows[0]) == [c.header for c in COLUMNS]
    assert len(rows) == len(LINES)
    assert rows[1]["Status"] == "Amount mismatch" and rows[1]["Status code"] == "amount_mismatch"
    assert rows[1]["Store total"] == "50.10" and rows[1]["Difference"] == "-10.00"
    assert rows[2]["Difference"] == "", "no difference across currencies"


# -- workbook ----------------------------------------------------------------------------------------------------

def workbook(lines=LINES):
    return openpyxl.load_workbook(io.BytesIO(xlsx_bytes(lines, summarise("p", DAY, lines))))


def test_the_workbook_has_a_summary_an_exceptions_sheet_and_every_line():
    book = workbook()
    assert book.sheetnames == ["Summary", "Exceptions", "All lines"]
    exceptions = list(book["Exceptions"].iter_rows(values_only=True))
    assert exceptions[0][-1] == "How to act"
    key_column = [c.field for c in COLUMNS].index("line_key")
    assert [row[key_column] for row in exceptions[1:]] == [l.line_key for l in LINES if l.status != "matched"]
    assert book["Exceptions"].auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(COLUMNS) + 1)}7"
    assert book["Exceptions"].freeze_panes == "A2" and book["All lines"].freeze_panes == "A2"
    assert book["All lines"].max_row == len(LINES) + 1


def test_money_cells_are_numbers_with_two_decimals_that_read_back_to_the_decimals():
    sheet = workbook()["All lines"]
    header = [cell.value for cell in sheet[1]]
    column = header.index("Refunds") + 1
    cell = sheet.cell(row=8, column=column)
    assert cell.number_format == "#,##0.00" and isinstance(cell.value, float)
    assert Decimal(str(cell.value)) == Decimal("0.10")
    date_column = header.index("Store date") + 1
    assert sheet.cell(row=2, column=date_column).value is None


def test_the_summary_sheet_shows_the_key_figures_and_the_categories_with_how_to_act():
    rows = list(workbook()["Summary"].iter_rows(values_only=True))
    figures = {row[0]: row[1] for row in rows[2:6]}
    assert figures == {"Lines": 8, "Matched": 2, "Exceptions": 6, "Matched share": 0.25}
    start = next(i for i, row in enumerate(rows) if row[0] == "Lines per category")
    categories = {row[1]: (row[2], row[5]) for row in rows[start + 2:start + 2 + len(CATEGORIES)]}
    assert categories["duplicate"] == (1, CATEGORIES["duplicate"].action)
    assert categories["missing_in_erp"][0] == 0


def test_the_same_lines_give_byte_identical_files():
    summary = summarise("p", DAY, LINES)
    assert xlsx_bytes(LINES, summary) == xlsx_bytes(LINES, summarise("p", DAY, list(LINES)))
    assert csv_bytes(LINES) == csv_bytes(list(LINES))


def test_an_empty_day_still_gives_readable_files():
    book = workbook([])
    assert book["Exceptions"].max_row == 1
    assert list(csv.reader(io.StringIO(csv_bytes([]).decode("utf-8-sig")))) == [[c.header for c in COLUMNS]]


# -- writing -----------------------------------------------------------------------------------------------------

def test_files_go_to_pair_and_day_folders_under_a_local_folder_and_replace_earlier_ones(tmp_path):
    written = write_files(tmp_path / "out", "xcart-sage500", DAY, LINES, summarise("xcart-sage500", DAY, LINES))
    folder = tmp_path / "out" / "xcart-sage500" / "2026-11-19"
    assert written == {"csv": (folder / f"{file_stem('xcart-sage500', DAY)}.csv").as_uri(),
                       "xlsx": (folder / f"{file_stem('xcart-sage500', DAY)}.xlsx").as_uri()}
    first = (folder / "reconciliation__xcart-sage500__2026-11-19.csv").read_bytes()
    write_files(tmp_path / "out", "xcart-sage500", DAY, LINES[:1], summarise("xcart-sage500", DAY, LINES[:1]))
    assert (folder / "reconciliation__xcart-sage500__2026-11-19.csv").read_bytes() != first


@pytest.mark.parametrize("root", ["s3://finance-bucket/recon", "file:///srv/recon"])
def test_an_object_storage_url_is_kept_as_the_root(root):
    assert str(day_folder(root, "p", DAY)) == f"{root}/p/2026-11-19"


def test_every_sheet_prints_landscape_fitted_to_the_page_width_with_its_header_repeated():
    """Issue 15: no print setup: 80 PDF pages with the amount columns split across pages."""
    for sheet in workbook().worksheets:
        assert sheet.page_setup.orientation == "landscape", sheet.title
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0), sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert sheet.print_title_rows == "$1:$1", sheet.title


def test_the_summary_sheet_charts_the_lines_per_category_of_the_day():
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(LINES, summarise("p", DAY, LINES))))
    sheet = book["Summary"]
    [chart] = sheet._charts
    [series] = chart.series
    rows = list(sheet.iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row[0] == "Lines per category") + 1
    # The series reads the "Lines" column of the category table: one bar per category, the counts of the day.
    reference = series.val.numRef.f
    assert reference == f"'Summary'!$C${start + 2}:$C${start + 1 + len(CATEGORIES)}"
    assert (series.cat.strRef or series.cat.numRef).f == f"'Summary'!$A${start + 2}:$A${start + 1 + len(CATEGORIES)}"
    assert [rows[start + 1 + i][2] for i in range(len(CATEGORIES))] == [n for _, n in summarise("p", DAY, LINES).by_category]


def test_the_summary_lists_the_lines_kept_out_of_the_currency_totals_by_number():
    rows = list(workbook()["Summary"].iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row[0] == "Lines outside the currency totals")
    assert rows[start + 2][:5] == ("Currency mismatch", "currency_mismatch", "USD/EUR", 1, "3")
    totals = next(i for i, row in enumerate(rows) if row[0] == "Totals by currency")
    assert {row[0] for row in rows[totals + 2:start] if row[0]} == {"CAD", "USD"}
