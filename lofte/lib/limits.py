"""Limits on the files Löfte reads (XLSX, CSV, JSON), checked before the thing each protects is built.

Memory stays bounded by construction, not by how fast a file is refused (request bodies: `lib/requestlimits.py`):

- An XLSX file is a zip of XML: its members' unpacked sizes and compression ratios are read from the zip's
  directory and refused before openpyxl unpacks anything (`check_xlsx`); zipfile never unpacks more than a
  member declares. Rows, columns and cells are then counted while the rows are read (`RowLimits`).
- A CSV file is refused for an over-long line or too many lines before the csv module splits it
  (`check_text_lines`), so no row can hold millions of fields.
- A JSON document is refused for its size and nesting before json.loads builds it (`check_json`, with
  `lofte.lib.jsonshape`).

Every refusal is a `LimitExceeded` naming the file and the limit in Swedish; each reader turns it into its own
error type; the messages go through gettext only (no other Django), so the parsers that use them stay pure.
Hand-written because no library checks a zip's directory for openpyxl or a CSV's lines for the csv module;
each check is a few lines.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence

import numpy as np
from django.utils.translation import gettext as _

from lofte.lib.formatting import MB, megabytes
from lofte.lib.formatting import number as format_number
from lofte.lib.jsonshape import measure

# XLSX: Excel's own limits for cells, rows and columns, tighter ones for what fits in a worker's memory.
CELL_MAX_CHARS = 32_767  # Excel's limit for the text of one cell
HEADER_MAX_CHARS = 1_000  # a column name; the mapping page shows every one
XLSX_MAX_ROWS = 1_048_576  # Excel's limit
XLSX_MAX_COLUMNS = 1_000  # Excel allows 16 384; no table Löfte reads comes near a thousand
XLSX_MAX_UNPACKED_BYTES = 100 * MB  # all the zip's members unpacked together
XLSX_MAX_SHARED_STRINGS_BYTES = 20 * MB  # the table of texts openpyxl holds in memory whole
XLSX_MAX_MEMBERS = 1_000
XLSX_MAX_RATIO = 100  # spreadsheet XML packs some 5–20 times; a thousandfold is a constructed file
XLSX_RATIO_FROM_BYTES = MB  # small members may pack any amount (an empty sheet is mostly tags)
# CSV: one line of a table, and the number of lines.
CSV_MAX_LINE_CHARS = MB
CSV_MAX_ROWS = 5_000_000
# JSON from outside (Kolada, Polisen, SCB): the fetchers read at most 20 MB, and an upload gets no more.
JSON_MAX_BYTES = 20 * MB
JSON_MAX_DEPTH = 20  # Polisen's events nest 3 levels, Kolada's 4, JSON-stat 5


class LimitExceeded(ValueError):
    """A file over one of the limits: `reason` says which, in Swedish; str() is "file: reason"."""

    def __init__(self, file: str, reason: str, *, row: int | None = None) -> None:
        self.file, self.reason, self.row = file, reason, row
        super().__init__(f"{file}: {reason}")


def _count(value: int) -> str:
    return format_number(value, space="\u00a0")


# --- XLSX


def check_xlsx(raw: bytes, filename: str) -> None:
    """Refuse an XLSX file whose members unpack beyond the limits, from the zip's directory alone.

    A file that is not a zip at all is left to the reader, which has its own message for a broken file.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    if len(members) > XLSX_MAX_MEMBERS:
        raise LimitExceeded(
            filename,
            _("filen har %(count)s delar; en Excel-fil med högst %(limit)s går att läsa.")
            % {"count": _count(len(members)), "limit": _count(XLSX_MAX_MEMBERS)},
        )
    unpacked = sum(member.file_size for member in members)
    if unpacked > XLSX_MAX_UNPACKED_BYTES:
        raise LimitExceeded(
            filename,
            _("filen packas upp till %(size)s MB; högst %(limit)s MB går att läsa.")
            % {"size": megabytes(unpacked), "limit": megabytes(XLSX_MAX_UNPACKED_BYTES)},
        )
    for member in members:
        _check_member(member, filename)


def _check_member(member: zipfile.ZipInfo, filename: str) -> None:
    if member.filename.lower().endswith("sharedstrings.xml") and member.file_size > XLSX_MAX_SHARED_STRINGS_BYTES:
        raise LimitExceeded(
            filename,
            _("filens texter packas upp till %(size)s MB; högst %(limit)s MB går att läsa.")
            % {"size": megabytes(member.file_size), "limit": megabytes(XLSX_MAX_SHARED_STRINGS_BYTES)},
        )
    ratio = member.file_size // max(member.compress_size, 1)
    if member.file_size > XLSX_RATIO_FROM_BYTES and ratio > XLSX_MAX_RATIO:
        raise LimitExceeded(
            filename,
            _(
                "delen %(member)s packas upp %(ratio)s gånger större än den är packad; högst %(limit)s gånger "
                "går att läsa. Spara filen på nytt i Excel och försök igen."
            )
            % {"member": member.filename, "ratio": _count(ratio), "limit": _count(XLSX_MAX_RATIO)},
        )


class RowLimits:
    """Counts rows, columns and cell lengths as a table is read, and refuses the first one over a limit."""

    def __init__(self, filename: str, *, header_row: int | None = None, max_rows: int = XLSX_MAX_ROWS) -> None:
        self.filename, self.header_row, self.max_rows = filename, header_row, max_rows

    def check(self, row: int, cells: Sequence[object]) -> None:
        if row > self.max_rows:
            raise LimitExceeded(
                self.filename,
                _("filen har fler än %(limit)s rader.") % {"limit": _count(self.max_rows)},
                row=row,
            )
        if len(cells) > XLSX_MAX_COLUMNS:
            raise LimitExceeded(
                self.filename,
                _("raden har %(count)s kolumner; högst %(limit)s går att läsa.")
                % {"count": _count(len(cells)), "limit": _count(XLSX_MAX_COLUMNS)},
                row=row,
            )
        limit = HEADER_MAX_CHARS if row == self.header_row else CELL_MAX_CHARS
        for column, cell in enumerate(cells, start=1):
            if isinstance(cell, str) and len(cell) > limit:
                raise LimitExceeded(
                    self.filename,
                    _("cellen i kolumn %(column)s har %(count)s tecken; högst %(limit)s går att läsa.")
                    % {"column": column, "count": _count(len(cell)), "limit": _count(limit)},
                    row=row,
                )


# --- CSV and other text tables


def check_text_lines(raw: bytes, filename: str, *, max_rows: int = CSV_MAX_ROWS) -> None:
    """Refuse a text table with a line longer than CSV_MAX_LINE_CHARS or more lines than `max_rows`.

    Counted in bytes over the undecoded file with numpy (a UTF-8 character is 1–4 bytes, so the byte limit is
    at least as generous), before the csv module builds any row.
    """
    ends = np.flatnonzero(np.frombuffer(raw, dtype=np.uint8) == ord("\n"))
    if len(ends) > max_rows:
        raise LimitExceeded(filename, _("filen har fler än %(limit)s rader.") % {"limit": _count(max_rows)})
    starts = np.concatenate(([0], ends + 1))
    lengths = np.concatenate((ends, [len(raw)])) - starts
    longest = int(lengths.argmax()) if len(lengths) else 0
    if len(lengths) and lengths[longest] > CSV_MAX_LINE_CHARS:
        raise LimitExceeded(
            filename,
            _("raden är %(size)s MB lång; högst %(limit)s MB per rad går att läsa.")
            % {"size": megabytes(int(lengths[longest])), "limit": megabytes(CSV_MAX_LINE_CHARS)},
            row=longest + 1,
        )


def field_too_large(filename: str) -> LimitExceeded:
    """The refusal for the csv module's own limit on a field (csv.field_size_limit), which it gives in English."""
    return LimitExceeded(
        filename, _("ett fält är längre än %(limit)s tecken.") % {"limit": _count(csv.field_size_limit())}
    )


# --- JSON


def check_json(raw: bytes, filename: str, *, max_bytes: int = JSON_MAX_BYTES, max_depth: int = JSON_MAX_DEPTH) -> None:
    """Refuse a JSON document over `max_bytes` or nested deeper than `max_depth`, before it is parsed."""
    if len(raw) > max_bytes:
        raise LimitExceeded(
            filename,
            _("filen är %(size)s MB; högst %(limit)s MB går att läsa.")
            % {"size": megabytes(len(raw)), "limit": megabytes(max_bytes)},
        )
    depth = measure(raw).depth
    if depth > max_depth:
        raise LimitExceeded(
            filename,
            _("filen är nästlad %(depth)s nivåer djupt; högst %(limit)s går att läsa.")
            % {"depth": _count(depth), "limit": max_depth},
        )
