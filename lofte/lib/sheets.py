"""Reading a table someone uploads, XLSX or CSV, into rows of cell values within lofte.lib.limits' limits.

The imports that take a spreadsheet from a person (the action plan, lofte.promises.bulk.plan; the invitations,
lofte.accounts.bulk) read it here, so every one of them checks the same limits before unpacking or splitting
anything and says the same Swedish thing about a file it cannot read. The first sheet of a workbook is read; a CSV
may be UTF-8 (with or without a byte-order mark) or Windows-1252, separated by semicolons, commas or tabs (the one
its first line has most of). Hand-written because it only joins openpyxl, the csv module and the limits.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from lofte.lib.limits import LimitExceeded, RowLimits, check_text_lines, check_xlsx, field_too_large

XLSX_MAGIC = b"PK\x03\x04"


class SheetUnreadable(ValueError):
    """The file is no table that can be read, or is over a limit; str() says so in Swedish, naming the file."""


def read_cells(data: bytes, filename: str, *, max_rows: int) -> list[list[Any]]:
    """Every row of the file's first sheet as a list of cell values (the first row holds the headings), at most
    `max_rows` + 2 rows, so that the caller can say how many rows a file may have."""
    try:
        if data.startswith(XLSX_MAGIC) or filename.lower().endswith(".xlsx"):
            return _xlsx_cells(data, filename, max_rows)
        return _csv_cells(data, filename, max_rows)
    except LimitExceeded as exc:
        where = _("%(file)s, rad %(row)s") % {"file": exc.file, "row": exc.row} if exc.row else exc.file
        raise SheetUnreadable(f"{where}: {exc.reason}") from None


def _limited(rows: Iterator[Sequence[Any]], filename: str, max_rows: int) -> list[list[Any]]:
    limits = RowLimits(filename, header_row=1)
    cells: list[list[Any]] = []
    for number, row in enumerate(rows, start=1):
        limits.check(number, row)
        cells.append(list(row))
        if number == max_rows + 2:
            break
    return cells


def _xlsx_cells(data: bytes, filename: str, max_rows: int) -> list[list[Any]]:
    check_xlsx(data, filename)  # from the zip's directory, before anything is unpacked
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, TypeError, OSError) as error:
        raise SheetUnreadable(_("Filen är inte en XLSX-fil som går att läsa.")) from error
    try:
        return _limited(workbook.worksheets[0].iter_rows(values_only=True), filename, max_rows)
    finally:
        workbook.close()


def _csv_cells(data: bytes, filename: str, max_rows: int) -> list[list[Any]]:
    check_text_lines(data, filename, max_rows=10 * max_rows)  # the exact count is the caller's to refuse
    text = decode(data)
    first = text.splitlines()[0]
    delimiter = max(";,\t", key=first.count)
    try:
        return _limited(csv.reader(io.StringIO(text), delimiter=delimiter), filename, max_rows)
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise field_too_large(filename) from None
        raise SheetUnreadable(_("Filen är varken en XLSX-fil eller en CSV-fil som går att läsa.")) from error


def decode(data: bytes) -> str:
    """UTF-8 (with or without a byte-order mark) or, as older Excel writes it, Windows-1252."""
    if b"\x00" not in data:
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            if text.strip():
                return text
    raise SheetUnreadable(_("Filen är varken en XLSX-fil eller en CSV-fil som går att läsa."))


def text(value: Any) -> str:
    """A cell as text: a whole number without ".0", nothing for an empty cell."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
