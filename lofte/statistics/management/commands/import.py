from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from lofte.lib.actors import SystemActor
from lofte.partnerships.models import Partnership
from lofte.statistics import formats
from lofte.statistics.actions import ImportRefused, ImportSummary, do_import
from lofte.statistics.sources.base import PUBLISHERS, ImportFileError
from lofte.statistics.sources.spreadsheet.parser import Mapping, guess_header_row


class Command(BaseCommand):
    help = (
        "Import statistics or police events from a file (Brå, SCB PX/JSON-stat, Kolada, Polisen, or a spreadsheet "
        "through a column mapping). All or nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", choices=[f.name for f in formats.FORMATS], help="Skip detection")
        parser.add_argument("--dry-run", action="store_true", help="Check and count, save nothing")
        parser.add_argument("--json", action="store_true", help="Print the summary as JSON")
        parser.add_argument(
            "--partnership",
            metavar="SLUG",
            help="Record the file as this partnership's own data (a spreadsheet of its kommun); "
            "without it, official statistics",
        )
        sheet = parser.add_argument_group("spreadsheet (--format spreadsheet): which column holds what")
        sheet.add_argument("--area-column", help="Column with the area: SCB codes, or names with --area-by-name")
        sheet.add_argument("--period-column", help="Column with the period (2024, 2024K1, 2024-03, …)")
        sheet.add_argument("--value-column", help="Column with the value")
        sheet.add_argument("--per-100k-column", help="Column with the value per 100 000, if published")
        sheet.add_argument("--metric", help="Your code for the metric, e.g. trygghet.problemindex")
        sheet.add_argument("--metric-name", help="Its Swedish name")
        sheet.add_argument("--unit", choices=["antal", "procent", "index", "per_100k"])
        sheet.add_argument(
            "--publisher",
            choices=list(PUBLISHERS),
            help="Who published the figures (shown as their source): polisen for Polisens trygghetsmätning, "
            "bra for NTU and Brå's indicators",
        )
        sheet.add_argument("--higher-is-better", action="store_true")
        sheet.add_argument("--area-by-name", action="store_true")
        sheet.add_argument("--sheet", help="Sheet name in an .xlsx (default: the first)")
        sheet.add_argument(
            "--header-row",
            type=int,
            help="The row with the column names (default: found below any title and blank rows)",
        )
        sheet.add_argument(
            "--where",
            action="append",
            default=[],
            metavar="COLUMN=VALUE",
            help="Read only the rows where COLUMN holds VALUE (repeatable), e.g. --where Kön=Totalt",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: kan inte läsa filen ({exc.strerror}).", returncode=2) from None
        partnership = self._partnership(options["partnership"])
        with tqdm(total=0, unit="rad", disable=options["json"], file=self.stderr, leave=False) as bar:
            try:
                summary = do_import(
                    raw,
                    path.name,
                    actor=SystemActor("lofte import"),
                    format_name=options["format"],
                    dry_run=options["dry_run"],
                    on_progress=lambda done, total: _advance(bar, done, total),
                    options=self._spreadsheet_options(raw, path.name, options),
                    partnership=partnership,
                )
            except (ImportFileError, ImportRefused) as exc:
                raise CommandError(str(exc), returncode=2) from None
        self._report(summary, as_json=options["json"])

    def _partnership(self, slug: str | None) -> Partnership | None:
        if slug is None:
            return None
        found = Partnership.objects.select_related("area").defer("area__geometry").filter(slug=slug).first()
        if found is None:
            raise CommandError(f"Samverkan {slug!r} finns inte.", returncode=2)
        return found

    def _report(self, summary: ImportSummary, *, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(summary.as_dict(), ensure_ascii=False))
            return
        prefix = "Provkörning, inget sparat. " if summary.dry_run else ""
        self.stdout.write(
            f"{prefix}{summary.file} ({summary.format}): {summary.rows_read} rader lästa; "
            f"{summary.created} nya, {summary.updated} ändrade, {summary.unchanged} oförändrade."
        )
        if not summary.changed_anything and not summary.dry_run:
            self.stdout.write("Inget ändrades: allt i filen fanns redan.")
        elif summary.run:
            self.stdout.write(f"Import {summary.run} sparad. Ångra med: lofte undo-import {summary.run}")
        for metric in summary.as_dict()["metrics"]:
            self.stdout.write(
                f"  {metric['code']}: {metric['created']} nya, {metric['updated']} ändrade, "
                f"{metric['unchanged']} oförändrade."
            )
        for warning in summary.warnings:
            self.stderr.write(f"Varning: {warning}")

    def _spreadsheet_options(self, raw: bytes, filename: str, options: dict[str, Any]) -> dict[str, Any] | None:
        if options["format"] != "spreadsheet":
            return None
        required = ["area_column", "period_column", "value_column", "metric", "metric_name", "unit", "publisher"]
        missing = [f"--{name.replace('_', '-')}" for name in required if not options[name]]
        if missing:
            raise CommandError(f"{filename}: ange {', '.join(missing)} för --format spreadsheet.", returncode=2)
        if options["header_row"] is None:
            options["header_row"] = guess_header_row(raw, filename, sheet=options["sheet"])
            if options["header_row"] != 1 and not options["json"]:
                self.stderr.write(
                    f"{filename}: kolumnnamnen läses från rad {options['header_row']} "
                    "(ange --header-row för en annan rad)."
                )
        return {"mapping": _mapping(filename, options)}


def _mapping(filename: str, options: dict[str, Any]) -> Mapping:
    return Mapping(
        area=options["area_column"],
        period=options["period_column"],
        value=options["value_column"],
        per_100k=options["per_100k_column"],
        metric_code=options["metric"],
        metric_name=options["metric_name"],
        unit=options["unit"],
        area_by_name=options["area_by_name"],
        lower_is_better=not options["higher_is_better"],
        sheet=options["sheet"],
        header_row=options["header_row"],
        publisher=options["publisher"],
        where=tuple(_condition(filename, text) for text in options["where"]),
    )


def _condition(filename: str, text: str) -> tuple[str, str]:
    column, equals, value = text.partition("=")
    if not equals:
        raise CommandError(f"{filename}: --where {text!r} ska skrivas KOLUMN=VÄRDE.", returncode=2)
    return column.strip(), value.strip()


def _advance(bar: tqdm, done: int, total: int) -> None:
    bar.total = total
    bar.n = done
    bar.refresh()
