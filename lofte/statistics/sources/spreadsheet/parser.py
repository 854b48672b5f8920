"""Any other indicator, from a CSV or Excel (.xlsx) file, through a column mapping the user picks.

For the indicators no other source reads: Polisens trygghetsmätning (problemindex 0–6 per område), Brå's NTU
indicators, Brå's "Indikatorer för kommuners lägesbild". The user uploads the file, sees its columns
(`columns`, and `sheets` for an .xlsx), says which column holds the area, the period and the value (`Mapping`),
and `parse` reads one metric from it.

Pure: no Django. The caller passes the kommun and län names it knows (name → SCB code).

Cells without a number, after SCB's and Brå's teckenförklaring; both give the value None, never 0:
- ".." (uppgift inte tillgänglig eller för osäker) and "x"/"X" (sekretess, för få svar): status "suppressed".
- empty, "-", "–", "—", "−" (inget att redovisa) and "." (uppgift kan inte förekomma): status "missing".
  "-" is not read as 0: publishers write it both for zero and for "no figure", and a guessed zero would be wrong.

Rows are numbered as the spreadsheet numbers them: 1-based, counting the header and any title rows above it
(for a CSV, records rather than physical lines). Real exports (Polisens trygghetsmätning, Brå's NTU tables) start
with a title and a blank row; `guess_header_row` finds the header below them, and the user may choose another.
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import re
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from openpyxl import load_workbook

from lofte.lib.limits import CSV_MAX_ROWS, HEADER_MAX_CHARS, LimitExceeded, RowLimits, check_xlsx
from lofte.statistics.periods import PeriodError, parse_period
from lofte.statistics.sources.base import (
    PUBLISHERS,
    UNITS,
    ImportFileError,
    MetricSpec,
    ParsedObservation,
    ParseResult,
)
from lofte.statistics.sources.text import csv_error, decode_text, refused

FORMAT = "spreadsheet"
PUBLISHER = "other"
# Metric codes that belong to the project's own sources; a user's indicator must not overwrite them.
RESERVED_PREFIXES = ("anmalda.", "befolkning.", "bra.", "scb.", "kolada.")
SAMPLE_ROWS = 10
SAMPLE_MAX_CHARS = 200  # what the mapping page shows of one sample cell
HEADER_SEARCH_ROWS = 30  # how far down guess_header_row looks for the header
DELIMITERS = ";,\t"
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary Excel format, which openpyxl does not read
SUPPRESSED = {"..", "x", "X"}
MISSING = {"", "-", "–", "—", "−", "."}
RIKET = ("riket", "sverige", "hela riket", "hela landet")
NOT_XLSX = "filen är inte en giltig Excel-fil (.xlsx). Spara den på nytt som .xlsx eller CSV och försök igen."
MAPPING_FILE = "kolumnvalet"  # what errors in the mapping itself name instead of a file

_METRIC_CODE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$", re.ASCII)
_AREA_CODE = re.compile(r"^(\d{1,4})(?:\s+\D.*)?$", re.ASCII | re.DOTALL)  # "0586", "586", "0586 Mjölby"
_NUMBER = re.compile(r"^[-+]?(?:\d+(?:[.,]\d*)?|[.,]\d+)$", re.ASCII)

Row = tuple[int, Sequence[object]]
Fail = Callable[[str], ImportFileError]


@dataclass(frozen=True)
class Mapping:
    """Which column holds what, and the metric the file makes. Refused at once when it cannot be used."""

    area: str  # the column holding the area: SCB codes, or names with area_by_name
    period: str  # the column holding the period
    value: str  # the column holding the value
    metric_code: str
    metric_name: str
    unit: str  # one of base.UNITS
    per_100k: str | None = None  # a column with the value per 100 000 invånare, as published
    area_by_name: bool = False  # the area column holds kommun or län names instead of SCB codes
    lower_is_better: bool = True
    sheet: str | None = None  # the .xlsx sheet; the first when None; ignored for CSV
    header_row: int = 1  # 1-based: title rows above the header are skipped
    publisher: str = PUBLISHER  # who published the figures: a key of base.PUBLISHERS
    # Only rows whose column holds this text (case and spacing aside), for files with several indicators,
    # genders or groups in rows, such as Brå's "Indikatorer för kommuners lägesbild".
    where: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        _check_metric_code(self.metric_code)
        if not self.metric_name.strip():
            raise ImportFileError(MAPPING_FILE, "ange ett namn på måttet.", field="metric_name")
        if self.unit not in UNITS:
            raise ImportFileError(MAPPING_FILE, f"okänd enhet {self.unit!r} (välj {', '.join(UNITS)}).", field="unit")
        if self.publisher not in PUBLISHERS:
            raise ImportFileError(
                MAPPING_FILE, f"okänd utgivare {self.publisher!r} (välj {', '.join(PUBLISHERS)}).", field="publisher"
            )
        if self.header_row < 1:
            raise ImportFileError(MAPPING_FILE, "rubrikraden är rad 1 eller senare.", field="header_row")
        for role in ("area", "period", "value"):
            if not getattr(self, role).strip():
                raise ImportFileError(MAPPING_FILE, "välj en kolumn.", field=role)
        for column, wanted in self.where:
            if not column.strip() or not wanted.strip():
                raise ImportFileError(MAPPING_FILE, "ett urval behöver både en kolumn och ett värde.", field="where")

    @property
    def metric(self) -> MetricSpec:
        return MetricSpec(
            self.metric_code, self.metric_name.strip(), self.unit, self.publisher, lower_is_better=self.lower_is_better
        )


def _check_metric_code(code: str) -> None:
    if not _METRIC_CODE.match(code):
        raise ImportFileError(
            MAPPING_FILE,
            f"koden {code!r} går inte att använda: skriv små bokstäver a–z, siffror och _, "
            'med minst en punkt, t.ex. "trygghet.problemindex".',
            field="metric_code",
        )
    for prefix in RESERVED_PREFIXES:
        if code.startswith(prefix):
            raise ImportFileError(
                MAPPING_FILE,
                f'koder som börjar med "{prefix}" är reserverade för Löftes egna källor; '
                'välj en egen, t.ex. "trygghet.problemindex".',
                field="metric_code",
            )


def detect(head: bytes) -> bool:
    """Always False: a spreadsheet is read only through a mapping the user picks, so it is chosen, never guessed.

    Any CSV would otherwise look like one, and would take files that belong to the publishers' own formats.
    """
    return False


def is_table(raw: bytes, filename: str) -> bool:
    """Whether the file can be read as a table to map: an Excel workbook, or a file named as CSV or text."""
    return raw.startswith(XLSX_MAGIC) or filename.lower().endswith((".csv", ".tsv", ".txt"))


def sheets(raw: bytes, filename: str) -> list[str]:
    """The names of the worksheets of an .xlsx file, for the choice of `Mapping.sheet`; [] for a CSV."""
    if not raw.startswith(XLSX_MAGIC):
        return []
    workbook = _open_workbook(raw, filename)
    try:
        return [str(sheet.title) for sheet in workbook.worksheets]
    except Exception:  # openpyxl lets zipfile, XML and its own errors through; all mean a broken file
        raise ImportFileError(filename, NOT_XLSX) from None
    finally:
        workbook.close()


def guess_header_row(raw: bytes, filename: str, *, sheet: str | None = None) -> int:
    """The row that most likely holds the column names: the first of the fullest rows near the top.

    A title row ("Polisens trygghetsmätning 2024") fills one cell and a blank row none, while the header names
    every column, so among the first rows the header is the first to reach the widest row's count of filled
    cells. 1 when nothing in the file has two filled cells (the mapping then says what is wrong).
    """
    counts: list[tuple[int, int]] = []
    with contextlib.closing(_rows(raw, filename, sheet, _probe_row(raw, filename))) as rows:
        for number, cells in rows:
            counts.append((number, sum(not _blank(cell) for cell in cells)))
            if number >= HEADER_SEARCH_ROWS:
                break
    widest = max((filled for _number, filled in counts), default=0)
    if widest < 2:
        return 1
    return next(number for number, filled in counts if filled == widest)


def _probe_row(raw: bytes, filename: str) -> int:
    """For a CSV, a row among the data from which to decide the delimiter, below any title rows; 1 for Excel."""
    if raw.startswith((XLSX_MAGIC, XLS_MAGIC)):
        return 1
    lines = raw[:65536].decode("utf-8", errors="replace").splitlines()  # _rows refuses a file that is not UTF-8
    filled = [number for number, line in enumerate(lines[:HEADER_SEARCH_ROWS], start=1) if line.strip()]
    return filled[len(filled) // 2] if filled else 1


def columns(
    raw: bytes, filename: str, *, sheet: str | None = None, header_row: int = 1
) -> tuple[list[str], list[list[str]]]:
    """The header and up to ten sample rows, as text, for the page where the user picks the mapping."""
    with contextlib.closing(_rows(raw, filename, sheet, header_row)) as rows:
        header = _header(rows, header_row, filename)
        samples: list[list[str]] = []
        for _number, cells in _data_rows(rows):
            samples.append([_sample(cell) for cell in _fit(cells, len(header))])
            if len(samples) == SAMPLE_ROWS:
                break
    return header, samples


def parse(raw: bytes, filename: str, *, mapping: Mapping, kommuner: dict[str, str], lan: dict[str, str]) -> ParseResult:
    """Read one metric; `kommuner` and `lan` map names to SCB codes (and, when given, say which codes exist)."""
    result = ParseResult(
        format=FORMAT, publisher=mapping.publisher, metrics=[mapping.metric], value_field=mapping.value
    )
    with contextlib.closing(_rows(raw, filename, mapping.sheet, mapping.header_row)) as rows:
        header = _header(rows, mapping.header_row, filename)
        read = _RowReader(filename, mapping, header, _Areas(mapping.area_by_name, kommuner, lan))
        keep = _Selection(header, mapping, filename)
        for number, cells in _data_rows(rows):
            observation = read(number, cells) if keep(cells) else None
            if observation is not None:
                result.observations.append(observation)
                result.rows_read += 1
    if not result.observations:
        raise ImportFileError(filename, "filen innehåller inga rader med värden" + keep.describe() + ".")
    result.warnings = _warnings(result.observations, mapping)
    return result


class _RowReader:
    """Turns one row into an observation, and refuses a second value for the same area and period."""

    def __init__(self, filename: str, mapping: Mapping, header: list[str], areas: _Areas) -> None:
        self.filename, self.mapping, self.areas = filename, mapping, areas
        roles = {"area": mapping.area, "period": mapping.period, "value": mapping.value}
        if mapping.per_100k:
            roles["per_100k"] = mapping.per_100k
        self.index = {role: _column(header, name, filename, mapping.header_row) for role, name in roles.items()}
        self.names = {role: header[index] for role, index in self.index.items()}
        self.seen: dict[tuple[str, str], int] = {}

    def __call__(self, number: int, cells: Sequence[object]) -> ParsedObservation | None:
        picked = {role: cells[index] if index < len(cells) else None for role, index in self.index.items()}
        if all(_blank(cell) for cell in picked.values()):
            return None  # a row with nothing in the mapped columns, e.g. a note in another column
        area = self.areas(picked["area"], self._fail(number, "area"))
        period = _period(picked["period"], self._fail(number, "period"))
        value, status = _number(picked["value"], self._fail(number, "value"))
        per_100k, _status = _number(picked.get("per_100k"), self._fail(number, "per_100k"))
        first = self.seen.setdefault((area, period), number)
        if first != number:
            raise self._fail(number, "area")(
                f"området {area} har redan ett värde för {period} (rad {first}); "
                "har filen flera mått eller grupper i samma kolumn?"
            )
        return ParsedObservation(number, self.mapping.metric_code, area, period, value, per_100k, status=status)

    def _fail(self, number: int, role: str) -> Fail:
        return lambda message: ImportFileError(self.filename, message, row=number, field=self.names[role])


class _Selection:
    """The rows the mapping's `where` keeps: every named column holds the wanted text."""

    def __init__(self, header: list[str], mapping: Mapping, filename: str) -> None:
        self.where = mapping.where
        self.tests = [
            (_column(header, column, filename, mapping.header_row), _key(wanted)) for column, wanted in mapping.where
        ]

    def __call__(self, cells: Sequence[object]) -> bool:
        return all(index < len(cells) and _key(_display(cells[index])) == wanted for index, wanted in self.tests)

    def describe(self) -> str:
        return "".join(f' där "{column}" är "{wanted}"' for column, wanted in self.where)


def _warnings(observations: list[ParsedObservation], mapping: Mapping) -> list[str]:
    values = [o.value for o in observations if o.value is not None]
    if mapping.unit == "procent" and values and max(values) <= 1 and any(values):
        return ["Alla värden ligger mellan 0 och 1: är de andelar snarare än procent (0,12 i stället för 12)?"]
    return []


# Reading rows from the file


def _rows(raw: bytes, filename: str, sheet: str | None, header_row: int) -> Generator[Row, None, None]:
    """The file's rows, each checked against the limits on rows, columns and cell length as it is read."""
    if raw.startswith(XLSX_MAGIC):
        return _limited(_xlsx_rows(raw, filename, sheet), RowLimits(filename))
    if raw.startswith(XLS_MAGIC):
        raise ImportFileError(filename, "filen är en äldre Excel-fil (.xls); spara den som .xlsx eller CSV.")
    return _limited(_csv_rows(raw, filename, header_row), RowLimits(filename, max_rows=CSV_MAX_ROWS))


def _limited(rows: Generator[Row, None, None], limits: RowLimits) -> Generator[Row, None, None]:
    with contextlib.closing(rows):
        for number, cells in rows:
            try:
                limits.check(number, cells)
            except LimitExceeded as exc:
                raise refused(exc) from None
            yield number, cells


def _header(rows: Iterator[Row], header_row: int, filename: str) -> list[str]:
    for number, cells in rows:
        if number == header_row:
            header = [" ".join(_display(cell).split()) for cell in cells]
            _check_header(header, header_row, filename)
            while header and not header[-1]:
                header.pop()
            if header:
                return header
            break
    raise ImportFileError(filename, "rubrikraden är tom eller saknas.", row=header_row)


def _check_header(header: list[str], header_row: int, filename: str) -> None:
    for column, title in enumerate(header, start=1):
        if len(title) > HEADER_MAX_CHARS:
            raise ImportFileError(
                filename,
                f"rubriken i kolumn {column} har {len(title)} tecken; högst {HEADER_MAX_CHARS} går att läsa.",
                row=header_row,
            )


def _data_rows(rows: Iterator[Row]) -> Iterator[Row]:
    return ((number, cells) for number, cells in rows if not all(_blank(cell) for cell in cells))


def _column(header: list[str], name: str, filename: str, header_row: int) -> int:
    found = [index for index, title in enumerate(header) if _key(title) == _key(name)]
    if len(found) == 1:
        return found[0]
    if found:
        message = f"kolumnen finns {len(found)} gånger i rubrikraden; byt namn på alla utom en."
    else:
        shown = ", ".join(f'"{title}"' for title in header[:20]) + (", …" if len(header) > 20 else "")
        message = f"kolumnen finns inte i rubrikraden (den har {shown})."
    raise ImportFileError(filename, message, row=header_row, field=name)


def _csv_rows(raw: bytes, filename: str, header_row: int) -> Generator[Row, None, None]:
    text = decode_text(raw, filename)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text, header_row))
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, cells
    except csv.Error as exc:
        raise csv_error(filename, exc, row=number + 1) from None


def _delimiter(text: str, header_row: int) -> str:
    """ ";" when the header and the rows below it agree on it (the Swedish habit); else what csv.Sniffer finds."""
    lines = [line for line in text[:65536].splitlines()[header_row - 1 :][:20] if line.strip()]
    widths = {len(cells) for cells in csv.reader(lines, delimiter=";")}
    if len(widths) == 1 and widths.pop() > 1:
        return ";"
    try:
        found = csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        return ";"
    return found if found in DELIMITERS else ";"


def _open_workbook(raw: bytes, filename: str) -> Any:
    try:
        check_xlsx(raw, filename)  # from the zip's directory, before anything is unpacked
    except LimitExceeded as exc:
        raise refused(exc) from None
    try:
        return load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception:  # BadZipFile, KeyError, InvalidFileException, XML errors…: all mean a broken file
        raise ImportFileError(filename, NOT_XLSX) from None


def _xlsx_rows(raw: bytes, filename: str, sheet: str | None) -> Generator[Row, None, None]:
    workbook = _open_workbook(raw, filename)
    try:
        worksheet = _worksheet(workbook, sheet, filename)
        worksheet.reset_dimensions()  # don't trust the file's own idea of its size
        for number, cells in enumerate(worksheet.iter_rows(), start=1):
            yield number, [_cell_value(cell) for cell in cells]
    except ImportFileError:
        raise
    except Exception:  # the sheet is read lazily, so a broken file can fail here too
        raise ImportFileError(filename, NOT_XLSX) from None
    finally:
        workbook.close()


def _worksheet(workbook: Any, sheet: str | None, filename: str) -> Any:
    worksheets = workbook.worksheets
    if not worksheets:
        raise ImportFileError(filename, "Excel-filen har inga kalkylblad.", field="sheet")
    if sheet is None:
        return worksheets[0]
    for worksheet in worksheets:
        if worksheet.title == sheet:
            return worksheet
    names = ", ".join(f'"{worksheet.title}"' for worksheet in worksheets)
    raise ImportFileError(filename, f"bladet {sheet!r} finns inte (filen har {names}).", field="sheet")


def _cell_value(cell: Any) -> object:
    """The value as Excel shows it: a number formatted as percent (0.124 shown as 12,4 %) becomes 12.4."""
    value = cell.value
    if isinstance(value, int | float) and not isinstance(value, bool) and "%" in (cell.number_format or ""):
        return round(value * 100, 10)
    return value


# Reading cells


def _display(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer() and abs(cell) < 1e15:
        return str(int(cell))
    if isinstance(cell, datetime) and cell.time() == datetime.min.time():
        return cell.date().isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell).strip()


def _sample(cell: object) -> str:
    text = _display(cell)
    return text if len(text) <= SAMPLE_MAX_CHARS else text[: SAMPLE_MAX_CHARS - 1] + "…"


def _blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _fit(cells: Sequence[object], width: int) -> list[object]:
    return [*cells[:width], *[None] * (width - len(cells))]


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _period(cell: object, fail: Fail) -> str:
    if isinstance(cell, date):  # Excel turns "2024-03" into 2024-03-01; a date is a period only as a month
        if cell.day != 1 or (isinstance(cell, datetime) and cell.time() != datetime.min.time()):
            raise fail(f"datumet {_display(cell)} är inte en period; skriv t.ex. 2024, 2024K1 eller 2024-03.")
        cell = f"{cell.year}-{cell.month:02d}"
    if _blank(cell):
        raise fail("perioden saknas.")
    try:
        return parse_period(_display(cell)).code
    except PeriodError as exc:
        raise fail(f"{exc}.") from None


def _number(cell: object, fail: Fail) -> tuple[float | None, str]:
    """The value and its status; numbers with decimal comma or point, spaces as thousands separators."""
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return _finite(cell, fail), "ok"
    if cell is None:
        return None, "missing"
    if not isinstance(cell, str):
        raise fail(f"{_display(cell)!r} är inte ett tal.")
    text = "".join(cell.split())
    if text in MISSING:
        return None, "missing"
    if text in SUPPRESSED:
        return None, "suppressed"
    digits = text.replace("−", "-").removesuffix("%")
    if not _NUMBER.match(digits):
        raise fail(f"{cell.strip()!r} är inte ett tal.")
    return _finite(digits.replace(",", "."), fail), "ok"


def _finite(number: float | str, fail: Fail) -> float:
    try:
        value = float(number)
    except (ValueError, OverflowError):
        value = math.nan
    if not math.isfinite(value):
        raise fail(f"{_display(number)!r} är inte ett tal.")
    return value


class _Areas:
    """SCB codes from codes or names; codes are checked against the known ones when the caller gives any."""

    def __init__(self, by_name: bool, kommuner: dict[str, str], lan: dict[str, str]) -> None:
        self.by_name = by_name
        self.known = {*kommuner.values(), *lan.values(), "00"} if kommuner or lan else None
        self.names = {name: "00" for name in RIKET}
        self.names.update({_key(name): code for name, code in lan.items()})
        for name, code in kommuner.items():
            self.names[_key(name)] = self.names[_key(name) + " kommun"] = code

    def __call__(self, cell: object, fail: Fail) -> str:
        code = self._from_name(cell, fail) if self.by_name else _area_code(cell, fail)
        if self.known is not None and code not in self.known:
            raise fail(f"okänd områdeskod {code!r}: varken riket, ett län eller en kommun.")
        return code

    def _from_name(self, cell: object, fail: Fail) -> str:
        if not isinstance(cell, str) or not cell.strip():
            raise fail(f"{_display(cell)!r} är inte namnet på en kommun eller ett län; är kolumnen koder?")
        code = self.names.get(_key(cell))
        if code is None:
            raise fail(f'okänt område {cell.strip()!r}: varken en kommun, ett län eller "Riket".')
        return code


def _area_code(cell: object, fail: Fail) -> str:
    """An SCB code; Excel drops the leading zero ("0586" becomes 586), so short codes are padded again."""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    text = str(cell) if isinstance(cell, int) and not isinstance(cell, bool) else cell
    match = _AREA_CODE.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise fail(f"{_display(cell)!r} är ingen områdeskod (00 för riket, två siffror för län, fyra för kommun).")
    digits = match.group(1)
    return digits.zfill(2) if len(digits) <= 2 else digits.zfill(4)
