"""Which parser reads which file. A source is a folder in sources/ with a parser module."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lofte.statistics.sources.base import ImportFileError, ParseResult


@dataclass(frozen=True)
class Format:
    name: str
    module: str  # lofte.statistics.sources.<module>.parser
    context: tuple[str, ...] = ()  # keyword arguments from the database the parser needs

    def parser(self) -> Any:
        return importlib.import_module(f"lofte.statistics.sources.{self.module}.parser")


# Order matters for detection: the most specific first.
FORMATS = [
    Format("bra-csv", "bra_csv", ("known_areas",)),
    Format("bra-monthly", "bra_monthly", ("kommuner",)),
    Format("polisen-events", "polisen", ("kommuner", "lan")),
    Format("kolada", "kolada"),
    Format("jsonstat", "jsonstat"),
    Format("scb-px", "scb_px"),
    # Never detected: the user says which column holds what (the mapping, passed as an option).
    Format("spreadsheet", "spreadsheet", ("kommuner", "lan")),
]
BY_NAME = {f.name: f for f in FORMATS}


def detect(raw: bytes, filename: str) -> Format:
    head = raw[:65536]
    for candidate in FORMATS:
        if candidate.parser().detect(head):
            return candidate
    raise ImportFileError(
        filename,
        "formatet känns inte igen. Ange det med --format (" + ", ".join(f.name for f in FORMATS) + ").",
    )


def parse(
    raw: bytes, filename: str, fmt: Format, context: Callable[[str], Any], options: dict[str, Any] | None = None
) -> ParseResult:
    kwargs = {name: context(name) for name in fmt.context} | (options or {})
    return fmt.parser().parse(raw, filename, **kwargs)
