"""Brå's monthly export per kommun with its hierarchical category tree (level 1–4, parent_id)."""

from __future__ import annotations

import csv
import io

from lofte.statistics.catalogue import BRA_TOTAL, BY_CODE
from lofte.statistics.periods import PeriodError, parse_period
from lofte.statistics.sources.base import ImportFileError, MetricSpec, ParsedObservation, ParseResult
from lofte.statistics.sources.text import csv_error, decode_text, read_number

FORMAT = "bra-monthly"
COLUMNS = ["year", "month", "preliminary", "kommun", "brott", "brott_id", "level", "parent_id", "antal", "per_100000"]
TOTAL_LABEL = "Totalt antal brott"


def detect(head: bytes) -> bool:
    first = head.split(b"\n", 1)[0].lower()
    return all(column.encode() in first for column in ("brott_id", "parent_id", "level", "antal"))


def _cell(row: dict[str, str], key: str) -> str:
    """A short row leaves cells as None; csv puts surplus cells in a list under None."""
    value = row.get(key)
    return value.strip() if isinstance(value, str) else ""


def metric_code(brott_id: str, label: str) -> str:
    return BRA_TOTAL if label == TOTAL_LABEL else f"bra.{brott_id}"


def parse(raw: bytes, filename: str, *, kommuner: dict[str, str]) -> ParseResult:
    """`kommuner` maps kommun name to code: this export names the kommun, it does not give its code."""
    try:
        return _parse(raw, filename, kommuner=kommuner)
    except csv.Error as exc:
        raise csv_error(filename, exc) from None


def _parse(raw: bytes, filename: str, *, kommuner: dict[str, str]) -> ParseResult:
    reader = csv.DictReader(io.StringIO(decode_text(raw, filename), newline=""))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ImportFileError(filename, "kolumnen saknas.", row=1, field=missing[0])
    rows = [(line, row) for line, row in enumerate(reader, start=2) if any(_cell(row, k) for k in COLUMNS)]
    if not rows:
        raise ImportFileError(filename, "filen innehåller inga rader med värden.")
    labels = {_cell(row, "brott_id"): _cell(row, "brott") for _line, row in rows}
    result = ParseResult(format=FORMAT, publisher="bra", rows_read=len(rows), value_field="antal")
    metrics: dict[str, MetricSpec] = {}
    for line, row in rows:
        observation, spec = _read_row(row, line, filename, kommuner, labels)
        metrics.setdefault(spec.code, spec)
        result.observations.append(observation)
    result.metrics = sorted(metrics.values(), key=lambda m: m.code)
    return result


def _read_row(
    row: dict[str, str], line: int, filename: str, kommuner: dict[str, str], labels: dict[str, str]
) -> tuple[ParsedObservation, MetricSpec]:
    name = _cell(row, "kommun")
    if name not in kommuner:
        raise ImportFileError(filename, f"okänd kommun {name!r}.", row=line, field="kommun")
    try:
        period = parse_period(f"{_cell(row, 'year')}-{_cell(row, 'month')}").code
    except PeriodError as exc:
        raise ImportFileError(filename, f"{exc}.", row=line, field="month") from None
    spec = _spec(row, line, filename, labels)
    value, status = read_number(_cell(row, "antal"), filename, line, "antal")
    per_100k, _status = read_number(_cell(row, "per_100000"), filename, line, "per_100000")
    preliminary = _cell(row, "preliminary").lower() in {"true", "1", "ja"}
    return ParsedObservation(line, spec.code, kommuner[name], period, value, per_100k, preliminary, status), spec


def _spec(row: dict[str, str], line: int, filename: str, labels: dict[str, str]) -> MetricSpec:
    brott_id, label = _cell(row, "brott_id"), _cell(row, "brott")
    if not brott_id.isdigit() or not label:
        raise ImportFileError(filename, "brottskod eller benämning saknas.", row=line, field="brott_id")
    code = metric_code(brott_id, label)
    if code in BY_CODE:
        return BY_CODE[code]
    parent_id = _cell(row, "parent_id")
    if parent_id and parent_id not in labels:
        raise ImportFileError(
            filename, f"överordnad kategori {parent_id} finns inte i filen.", row=line, field="parent_id"
        )
    # Level-1 categories other than the total are parts of the total.
    parent = metric_code(parent_id, labels[parent_id]) if parent_id else BRA_TOTAL
    short = label.rsplit(", ", 1)[-1]
    return MetricSpec(code, short, "antal", "bra", f"Brå: {label}", parent=parent)
