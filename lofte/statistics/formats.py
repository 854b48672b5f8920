"""Which parser reads which file. A source is a folder in sources/ with a parser module."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from lofte.statistics.sources.base import ImportFileError, ParseResult


@dataclass(frozen=True)
class Format:
    name: str  # the code, stored on runs and uploads and given to `lofte import --format`
    label: str | Promise  # what people see
    module: str  # lofte.statistics.sources.<module>.parser
    context: tuple[str, ...] = ()  # keyword arguments from the database the parser needs

    def parser(self) -> Any:
        return importlib.import_module(f"lofte.statistics.sources.{self.module}.parser")


# Order matters for detection: the most specific first.
FORMATS = [
    Format("bra-csv", _("Brå, anmälda brott per år eller kvartal (CSV)"), "bra_csv", ("known_areas",)),
    Format("bra-monthly", _("Brå, anmälda brott per månad (CSV)"), "bra_monthly", ("kommuner",)),
    Format("polisen-events", _("Polisens händelser (JSON)"), "polisen", ("kommuner", "lan")),
    Format("kolada", _("Kolada (JSON)"), "kolada"),
    Format("jsonstat", _("SCB:s statistikdatabas (JSON-stat)"), "jsonstat"),
    Format("scb-px", _("SCB:s statistikdatabas (PC-Axis, .px)"), "scb_px"),
    # Never detected: the user says which column holds what (the mapping, passed as an option).
    Format("spreadsheet", _("Eget kalkylark (CSV eller Excel)"), "spreadsheet", ("kommuner", "lan")),
]
BY_NAME = {f.name: f for f in FORMATS}


def label(name: str) -> str:
    """A format's name as people read it; the code itself for one no longer known (an old run)."""
    found = BY_NAME.get(name)
    return str(found.label) if found else name


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
