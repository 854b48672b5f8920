"""Tables for download: CSV as Swedish Excel opens it, and real .xlsx workbooks."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Font

Cell = str | int | float | bool | None


def to_csv(headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    """Semicolons, decimal commas and a byte-order mark: what Excel with Swedish settings reads without asking."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([_csv_cell(cell) for cell in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_cell(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "ja" if cell else "nej"
    if isinstance(cell, float):
        return f"{cell:g}".replace(".", ",") if abs(cell) < 1e15 else str(cell)
    return str(cell)


def to_xlsx(title: str, headers: Sequence[str], rows: Sequence[Sequence[Cell]], *, note: str = "") -> bytes:
    """One sheet with a bold header row, numbers as numbers, and the source under the table."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_xlsx_cell(cell) for cell in row])
    if note:
        sheet.append([])
        sheet.append([note])
    for column in sheet.columns:
        width = max(len(str(cell.value or "")) for cell in column)
        sheet.column_dimensions[column[0].column_letter].width = min(max(width + 2, 8), 60)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(cell: Cell) -> Cell:
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@"):
        return "'" + cell  # never let a text cell become a formula
    return cell


# The content type of each table format the exports offer.
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def render(fmt: str, title: str, headers: Sequence[str], rows: Sequence[Sequence[Cell]], *, note: str = "") -> bytes:
    """The table as CSV (`fmt` "csv") or as an Excel workbook with its title and note (`fmt` "xlsx")."""
    return to_csv(headers, rows) if fmt == "csv" else to_xlsx(title, headers, rows, note=note)
