"""Brå's reported crimes as a long CSV: `kommun;period;key;count;per100k;preliminary`, yearly or quarterly."""

from __future__ import annotations

import csv
import io

from lofte.statistics.catalogue import BY_CODE
from lofte.statistics.periods import PeriodError, parse_period
from lofte.statistics.sources.base import ImportFileError, ParsedObservation, ParseResult
from lofte.statistics.sources.text import csv_error, decode_text, read_number

FORMAT = "bra-csv"
COLUMNS = ["kommun", "period", "key", "count", "per100k", "preliminary"]
KEYS = {
    "total": "anmalda.totalt",
    "person": "anmalda.person",
    "theft": "anmalda.stold",
    "burglary": "anmalda.bostadsinbrott",
    "vandalism": "anmalda.skadegorelse",
    "drugs_weapons": "anmalda.narkotika_vapen",
}
PRELIMINARY = {"1", "true", "ja", "prel"}


def detect(head: bytes) -> bool:
    first = head.split(b"\n", 1)[0].strip().lstrip(b"\xef\xbb\xbf").lower()
    return first.replace(b" ", b"") == ";".join(COLUMNS).encode()


def parse(raw: bytes, filename: str, *, known_areas: set[str] | None = None) -> ParseResult:
    try:
        return _parse(raw, filename, known_areas=known_areas)
    except csv.Error as exc:
        raise csv_error(filename, exc) from None


def _parse(raw: bytes, filename: str, *, known_areas: set[str] | None = None) -> ParseResult:
    reader = csv.reader(io.StringIO(decode_text(raw, filename), newline=""), delimiter=";")
    header = [h.strip().lower() for h in next(reader, [])]
    _check_header(header, filename)
    result = ParseResult(format=FORMAT, publisher="bra", value_field="count")
    codes: set[str] = set()
    positions = [header.index(column) for column in COLUMNS]
    width = max(positions) + 1
    for line, row in enumerate(reader, start=2):
        if not "".join(row).strip():
            continue
        if len(row) < width:
            row = row + [""] * (width - len(row))
        observation = _observation([row[i] for i in positions], line, filename, known_areas)
        codes.add(observation.metric)
        result.observations.append(observation)
    result.rows_read = len(result.observations)
    if not result.observations:
        raise ImportFileError(filename, "filen innehåller inga rader med värden.")
    result.metrics = [BY_CODE[code] for code in sorted(codes)]
    return result


def _check_header(header: list[str], filename: str) -> None:
    if not header:
        raise ImportFileError(filename, "filen är tom.")
    for column in COLUMNS:
        if column not in header:
            raise ImportFileError(
                filename, f"kolumnen saknas (rubrikraden har {';'.join(header)}).", row=1, field=column
            )


def _observation(cells: list[str], line: int, filename: str, known_areas: set[str] | None) -> ParsedObservation:
    """One row from its cells in the order of COLUMNS."""
    area_cell, period_cell, key_cell, count, per100k, preliminary_cell = cells
    area = area_cell.strip()
    if not (area.isdigit() and len(area) in (2, 4)) or (known_areas is not None and area not in known_areas):
        raise ImportFileError(filename, f"okänd kommunkod {area!r}.", row=line, field="kommun")
    key = key_cell.strip()
    if key not in KEYS:
        raise ImportFileError(filename, f"okänd kategori {key!r} (känner {', '.join(KEYS)}).", row=line, field="key")
    try:
        period = parse_period(period_cell).code
    except PeriodError as exc:
        raise ImportFileError(filename, str(exc) + ".", row=line, field="period") from None
    value, status = read_number(count, filename, line, "count")
    per_100k, _status = read_number(per100k, filename, line, "per100k")
    preliminary = preliminary_cell.strip().lower() in PRELIMINARY
    return ParsedObservation(line, KEYS[key], area, period, value, per_100k, preliminary, status)
