"""What every import source hands over: metric definitions, observations or events, and warnings.

Parsers are pure functions (no Django): bytes in, a ParseResult out, or an ImportFileError that names
the file, the row and the field in Swedish.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import NamedTuple

UNITS = ("antal", "procent", "index", "per_100k")
STATUSES = ("ok", "missing", "suppressed")
PUBLISHERS = {"bra": "Brå", "scb": "SCB", "kolada": "Kolada", "polisen": "Polisen", "other": "Annan"}


class ImportFileError(Exception):
    """A problem in an import file, with a message a user can act on."""

    def __init__(self, file: str, message: str, *, row: int | None = None, field: str | None = None) -> None:
        self.file, self.message, self.row, self.field = file, message, row, field
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", rad {self.row}"
        if self.field is not None:
            where += f', fält "{self.field}"'
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class MetricSpec:
    code: str  # stable, documented in docs/metrics.md, e.g. "anmalda.totalt"
    name: str  # Swedish
    unit: str  # one of UNITS
    publisher: str  # a key of PUBLISHERS
    description: str = ""
    lower_is_better: bool = True
    parent: str | None = None  # the code of the broader category this one is part of (never summed)


class ParsedObservation(NamedTuple):
    """A tuple rather than a dataclass: a million of these are made per big import."""

    row: int  # where in the file it came from (line, or cell index for JSON), for messages
    metric: str
    area: str  # SCB code: "00" riket, "05" län, "0586" kommun
    period: str  # canonical code from lofte.statistics.periods
    value: float | None  # None when missing or suppressed, never 0 for those
    per_100k: float | None = None  # as published, where the source gives it
    preliminary: bool = False
    status: str = "ok"  # one of STATUSES


@dataclass(frozen=True)
class ParsedEvent:
    row: int
    source_id: str  # the publisher's id, the key for de-duplication
    occurred_at: datetime  # timezone-aware
    name: str
    summary: str
    url: str  # absolute
    type: str
    location_name: str
    lat: float | None
    lng: float | None
    kommun: str | None  # SCB code, where the location (or the name for län-level events) says so


@dataclass
class ParseResult:
    format: str
    publisher: str
    metrics: list[MetricSpec] = field(default_factory=list)
    observations: list[ParsedObservation] = field(default_factory=list)
    events: list[ParsedEvent] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rows_read: int = 0
    value_field: str = "värde"  # what the file calls the field the values are in, for messages about them


def measures_where_fractional(result: ParseResult, codes: Collection[str]) -> None:
    """Make the metrics among `codes` whose values are not all whole an index instead of a count.

    For parsers that only guess the unit (SCB's unit texts such as "kronor" or "år", Kolada's unknown KPIs): a
    figure with decimals is a measure (an average, a ratio), and a count test on it would be wrong. A count
    whose unit the publisher states keeps its unit, and the import refuses its decimals (statistics.actions).
    """
    fractional = {
        o.metric
        for o in result.observations
        if o.metric in codes and o.value is not None and not float(o.value).is_integer()
    }
    result.metrics = [
        replace(metric, unit="index") if metric.code in fractional and metric.unit == "antal" else metric
        for metric in result.metrics
    ]
