"""Tables for download: CSV as Swedish Excel opens it, and real .xlsx workbooks.

Both are safe to open: a text cell that a spreadsheet would run as a formula (one starting with =, +, -, @, a tab or
a carriage return, OWASP's list for CSV injection) gets an apostrophe before it (`neutralise`), whoever wrote the
text: a citizen's tip, a reporter, a metric's name, Polisen's event type. Numbers are never touched, so -3 stays a
number. A reader of our own files (the action plan, lofte.promises.bulk.plan) takes the apostrophe off again with
`restore`. Hand-written because it is four lines and must be the same for every writer and reader here.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font

Cell = str | int | float | Decimal | bool | None

# The first characters that make a spreadsheet read a text cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: Cell) -> Cell:
    """The cell as it may be written: a text that would start a formula with an apostrophe before it (so does one that
    already starts with apostrophes before such a character, so that `restore` gives it back as it was)."""
    if isinstance(cell, str) and cell.lstrip("'").startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def restore(text: str) -> str:
    """A text cell of a file we wrote as it was before `neutralise`."""
    return text[1:] if text.startswith("'") and text.lstrip("'").startswith(FORMULA_STARTS) else text


def to_csv(headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    """Semicolons, decimal commas and a byte-order mark: what Excel with Swedish settings reads without asking."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_csv_cell(cell) for cell in headers])
    writer.writerows([_csv_cell(cell) for cell in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_cell(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "ja" if cell else "nej"
    if isinstance(cell, float):
        return f"{cell:g}".replace(".", ",") if abs(cell) < 1e15 else str(cell)
    if isinstance(cell, Decimal):
        return f"{cell:f}".replace(".", ",")
    return str(neutralise(cell))


def to_xlsx(title: str, headers: Sequence[str], rows: Sequence[Sequence[Cell]], *, note: str = "") -> bytes:
    """One sheet with a bold header row, numbers as numbers, and the source under the table."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append([neutralise(cell) for cell in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([neutralise(cell) for cell in row])
    if note:
        sheet.append([])
        sheet.append([neutralise(note)])
    for column in sheet.columns:
        width = max(len(str(cell.value or "")) for cell in column)
        sheet.column_dimensions[column[0].column_letter].width = min(max(width + 2, 8), 60)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# The content type of each table format the exports offer.
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def render(fmt: str, title: str, headers: Sequence[str], rows: Sequence[Sequence[Cell]], *, note: str = "") -> bytes:
    """The table as CSV (`fmt` "csv") or as an Excel workbook with its title and note (`fmt` "xlsx")."""
    return to_csv(headers, rows) if fmt == "csv" else to_xlsx(title, headers, rows, note=note)
