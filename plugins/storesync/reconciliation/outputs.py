"""The day's files for finance: a CSV of every line and an XLSX workbook (summary, exceptions, all lines).

Both are built in memory from the stored lines and written through Airflow's ``ObjectStoragePath``, so the
folder may be local (the default, ``.local/out/reconciliation/<pair>/<day>/``) or an object-storage URL
(``s3://…``, ``gs://…``; the filesystem's provider package and an Airflow connection are then needed).

Deterministic: the same lines give byte-identical files. The CSV has nothing variable; the workbook's
document properties carry the reconciliation day (not the clock), and the ZIP container is re-packed
with fixed member timestamps, because ``openpyxl`` stamps each member, and the "modified" property,
with the time of saving.

The workbook:

- **Summary**: the key figures (lines, matched, exceptions, matched share), totals by currency, payment
  method and cash/GL account, totals per currency (ISO 4217 currencies only), the lines kept out of those
  totals (currency missing, not ISO, or different on the two sides), lines per category (all categories,
  with what each means and how to act) and a chart of them, and amounts per category and currency;
- **Exceptions**: every line that is not matched, with the category's "how to act", an autofilter and a
  frozen header row: a person filters by status, kind, currency or account;
- **All lines**: every line, same columns, so each summary figure can be traced to its lines.

Money cells are numbers written from ``Decimal`` with the format ``#,##0.00``; dates are date cells. Every
sheet prints landscape, fitted to the page width, with its header row repeated on each page.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from storesync.reconciliation.model import CATEGORIES, COLUMNS, Line
from storesync.reconciliation.summary import Summary

MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
SHARE_FORMAT = "0.00%"
# Members of the re-packed workbook get this timestamp (ZIP cannot store dates before 1980).
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
MONEY_HEADERS = [c.header for c in COLUMNS if c.kind == "money"]
MONEY_COLUMN_FIELDS = [c.field for c in COLUMNS if c.kind == "money"]


def file_stem(pair: str, day: date) -> str:
    return f"reconciliation__{pair}__{day.isoformat()}"


def cell_value(line: Line, field: str) -> Any:
    """A line's value for a column (``category`` is the status's label)."""
    if field == "category":
        return CATEGORIES[line.status].label
    return getattr(line, field)


# -- CSV ----------------------------------------------------------------------------------------------------

def csv_bytes(lines: Sequence[Line]) -> bytes:
    """UTF-8 with a byte order mark (spreadsheet programs then read accents right), one row per line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.header for c in COLUMNS])
    for line in lines:
        writer.writerow([_csv_text(cell_value(line, c.field)) for c in COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# -- XLSX ---------------------------------------------------------------------------------------------------

def xlsx_bytes(lines: Sequence[Line], summary: Summary) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    stamp = datetime.combine(summary.day, time())
    workbook.properties.creator = "storesync"
    workbook.properties.title = f"Reconciliation {summary.pair} {summary.day.isoformat()}"
    workbook.properties.created = stamp
    workbook.properties.modified = stamp
    workbook.properties.lastModifiedBy = "storesync"
    _summary_sheet(workbook.active, summary)
    _lines_sheet(workbook.create_sheet("Exceptions"), [line for line in lines if line.is_exception], how_to_act=True)
    _lines_sheet(workbook.create_sheet("All lines"), lines, how_to_act=False)
    raw = io.BytesIO()
    workbook.save(raw)
    return _repack(raw.getvalue(), stamp)


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _repack(data: bytes, stamp: datetime) -> bytes:
    """The same ZIP members in the same order with fixed timestamps, and the "modified" property set back to
    ``stamp``: byte-identical output for identical content."""
    out = io.BytesIO()
    modified = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            content = source.read(member.filename)
            if member.filename == "docProps/core.xml":
                content = _MODIFIED.sub(lambda m: m.group(1) + modified + m.group(2), content)
            info = zipfile.ZipInfo(member.filename, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            target.writestr(info, content)
    return out.getvalue()


def _bold():
    from openpyxl.styles import Font

    return Font(bold=True)


def _put(sheet, row: int, column: int, value: Any, kind: str = "text", bold: bool = False):
    cell = sheet.cell(row=row, column=column, value=value)
    if kind == "money" and value is not None:
        cell.number_format = MONEY_FORMAT
    elif kind == "date" and value is not None:
        cell.number_format = DATE_FORMAT
    elif kind == "share" and value is not None:
        cell.number_format = SHARE_FORMAT
    if bold:
        cell.font = _bold()
    return cell


def _header(sheet, row: int, headers: Sequence[str]) -> None:
    for column, text in enumerate(headers, start=1):
        _put(sheet, row, column, text, bold=True)


def _money_row(sheet, row: int, start: int, sums: dict[str, Decimal]) -> None:
    for offset, name in enumerate(MONEY_COLUMN_FIELDS):
        _put(sheet, row, start + offset, sums[name], "money")


def _summary_sheet(sheet, summary: Summary) -> None:
    sheet.title = "Summary"
    row = 1
    _put(sheet, row, 1, f"Reconciliation {summary.pair}: {summary.day.isoformat()} (UTC day)", bold=True)
    row += 2
    figures = [("Lines", summary.lines, "int"), ("Matched", summary.matched, "int"),
               ("Exceptions", summary.exceptions, "int"), ("Matched share", summary.matched_share, "share")]
    for label, value, kind in figures:
        _put(sheet, row, 1, label, bold=True)
        _put(sheet, row, 2, value, kind)
        row += 1

    row += 1
    _put(sheet, row, 1, "Totals by currency, payment method and cash/GL account", bold=True)
    row += 1
    _header(sheet, row, ["Currency", "Payment method", "Cash/GL account", "Lines", *MONEY_HEADERS])
    for currency, method, account, totals in summary.by_account:
        row += 1
        for column, value in enumerate((currency, method, account, totals.lines), start=1):
            _put(sheet, row, column, value)
        _money_row(sheet, row, 5, totals.sums)

    row += 2
    _put(sheet, row, 1, "Totals by currency", bold=True)
    row += 1
    _header(sheet, row, ["Currency", "Lines", *MONEY_HEADERS])
    for currency, totals in summary.by_currency:
        row += 1
        _put(sheet, row, 1, currency)
        _put(sheet, row, 2, totals.lines)
        _money_row(sheet, row, 3, totals.sums)

    row += 2
    _put(sheet, row, 1, "Lines outside the currency totals", bold=True)
    row += 1
    _header(sheet, row, ["Status", "Status code", "Currency as given", "Lines", "Line numbers"])
    for code, currency, numbers in summary.outside_totals:
        row += 1
        for column, value in enumerate((CATEGORIES[code].label, code, currency, len(numbers),
                                        ", ".join(map(str, numbers))), start=1):
            _put(sheet, row, column, value)
    if not summary.outside_totals:
        row += 1
        _put(sheet, row, 1, "none: every line has one ISO 4217 currency")

    row += 2
    _put(sheet, row, 1, "Lines per category", bold=True)
    row += 1
    _header(sheet, row, ["Status", "Status code", "Lines", "Share of lines", "What it means", "How to act"])
    first_category_row = row + 1
    for code, count in summary.by_category:
        row += 1
        category = CATEGORIES[code]
        share = (Decimal(count) / Decimal(summary.lines)).quantize(Decimal("0.0001")) if summary.lines else None
        for column, (value, kind) in enumerate(((category.label, "text"), (code, "text"), (count, "int"),
                                                (share, "share"), (category.meaning, "text"),
                                                (category.action, "text")), start=1):
            _put(sheet, row, column, value, kind)

    last_category_row = row

    row += 2
    _put(sheet, row, 1, "Amounts per category and currency", bold=True)
    row += 1
    _header(sheet, row, ["Status", "Status code", "Currency", "Lines", *MONEY_HEADERS])
    for code, currency, totals in summary.by_category_currency:
        row += 1
        for column, value in enumerate((CATEGORIES[code].label, code, currency, totals.lines), start=1):
            _put(sheet, row, column, value)
        _money_row(sheet, row, 5, totals.sums)

    for letter, width in zip("ABCDEFGHIJK", (30, 22, 18, 14, 16, 16, 16, 16, 16, 16, 16)):
        sheet.column_dimensions[letter].width = width
    _category_chart(sheet, summary, first_category_row, last_category_row, anchor_row=row + 3)
    _print_setup(sheet, title_rows="1:1")


def _category_chart(sheet, summary: Summary, first_row: int, last_row: int, *, anchor_row: int) -> None:
    """A bar per category (the "Lines per category" table's counts), below the tables: the day at a glance."""
    from openpyxl.chart import BarChart, Reference

    chart = BarChart()
    chart.type = "bar"
    chart.title = f"Lines per category, {summary.day.isoformat()}"
    chart.y_axis.title = "Lines"
    chart.legend = None
    chart.add_data(Reference(sheet, min_col=3, min_row=first_row - 1, max_row=last_row), titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=first_row, max_row=last_row))
    chart.height, chart.width = 9, 18
    sheet.add_chart(chart, f"A{anchor_row}")


def _print_setup(sheet, *, title_rows: str) -> None:
    """Printed (or saved as PDF) landscape, every column on the page width, the header rows on every page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = title_rows


def _lines_sheet(sheet, lines: Sequence[Line], *, how_to_act: bool) -> None:
    from openpyxl.utils import get_column_letter

    headers = [c.header for c in COLUMNS] + (["How to act"] if how_to_act else [])
    _header(sheet, 1, headers)
    for row, line in enumerate(lines, start=2):
        for column, spec in enumerate(COLUMNS, start=1):
            _put(sheet, row, column, cell_value(line, spec.field), spec.kind)
        if how_to_act:
            _put(sheet, row, len(COLUMNS) + 1, CATEGORIES[line.status].action)
    last = get_column_letter(len(headers))
    sheet.auto_filter.ref = f"A1:{last}{max(len(lines) + 1, 1)}"
    sheet.freeze_panes = "A2"
    widths = {"reason": 80, "line_key": 24, "category": 24}
    for column, spec in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = widths.get(
            spec.field, 14 if spec.kind in ("money", "date") else 16)
    if how_to_act:
        sheet.column_dimensions[last].width = 60
    _print_setup(sheet, title_rows="1:1")


# -- writing ------------------------------------------------------------------------------------------------

def day_folder(root: Any, pair: str, day: date):
    """``<root>/<pair>/<day>/`` as an ``ObjectStoragePath`` (``root``: a local folder or a storage URL)."""
    from pathlib import Path

    from airflow.sdk import ObjectStoragePath

    text = str(root)
    if "://" not in text:
        text = Path(text).expanduser().resolve().as_uri()
    return ObjectStoragePath(text) / pair / day.isoformat()


def write_files(root: Any, pair: str, day: date, lines: Sequence[Line], summary: Summary) -> dict[str, str]:
    """Write the day's CSV and XLSX (replacing earlier ones); returns their locations."""
    folder = day_folder(root, pair, day)
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for suffix, data in (("csv", csv_bytes(lines)), ("xlsx", xlsx_bytes(lines, summary))):
        path = folder / f"{file_stem(pair, day)}.{suffix}"
        with path.open("wb") as handle:
            handle.write(data)
        written[suffix] = str(path)
    return written
